//! The audit trail: one record per query, answered or refused, appended through a single
//! writer thread that chains each record to its predecessor (SHA-256), keeps indexes by
//! subject, end user and time, signs periodic checkpoints (Ed25519) and makes each batch
//! durable in a write-ahead journal (one `fdatasync`) before anyone is told the record
//! exists. Also verification, retention (pruning behind a
//! signed anchor), search and output formats. Owns the `audit.*` sled trees; knows nothing
//! of SOAP, HTTP or rendering.

pub mod checkpoint;
pub mod error;
pub mod format;
pub mod index;
pub mod journal;
pub mod log;
pub mod record;
pub mod retention;
pub mod search;
pub mod settings;
pub mod store;
pub mod verify;

pub use log::{AuditError, AuditLog, LogStats, read_all};
pub use record::AuditRecord;
pub use search::Filter;
pub use settings::{AuditSettings, Auditor};
pub use store::{Trees, digest_hex};
