//! The audit trail: one record per query, answered or refused, appended through a single
//! writer thread that chains each record to its predecessor (SHA-256), signs periodic
//! checkpoints (Ed25519) and has the store make each batch durable before anyone is told
//! the record exists. The store is behind one interface ([`AuditBackend`]); the embedded
//! one ([`SegmentStore`]) appends records to segment files (one `fdatasync` per batch), each
//! sealed with an index file of its own (subject, end user, organisation, service user,
//! operation, return code, time); [`pg_store::PgStore`] keeps them in PostgreSQL, where
//! several emulator processes write one chain (numbered inside each group's transaction);
//! the older [`SledStore`] (the `audit.*` sled trees behind a write-ahead journal) is kept
//! to move an existing trail into segments. Also
//! verification, retention (pruning behind a signed anchor), search and output formats;
//! knows nothing of SOAP, HTTP or rendering.

pub mod backend;
pub mod checkpoint;
pub mod error;
pub mod format;
pub mod index;
pub mod journal;
pub mod log;
pub mod migrate;
pub mod pg_conn;
pub mod pg_schema;
pub mod pg_store;
pub mod record;
pub mod retention;
pub mod search;
pub mod segment;
pub mod segment_file;
pub mod segment_index;
pub mod segment_store;
pub mod settings;
pub mod sled_store;
pub mod store;
pub mod verify;

pub use backend::{AuditBackend, digest_hex};
pub use log::{AuditError, AuditLog, LogStats, read_all};
pub use record::AuditRecord;
pub use search::Filter;
pub use segment_store::SegmentStore;
pub use settings::{AuditSettings, Auditor};
pub use sled_store::SledStore;
pub use store::Trees;
