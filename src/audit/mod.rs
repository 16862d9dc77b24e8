//! The audit trail: one record per query, answered or refused, appended through a single
//! writer task that chains each record to its predecessor (SHA-256) and flushes to disk
//! before anyone is told the record exists. Owns the `audit.*` sled trees; knows nothing
//! of SOAP or rendering.

pub mod log;
pub mod record;

pub use log::{AuditError, AuditLog, read_all};
pub use record::AuditRecord;
