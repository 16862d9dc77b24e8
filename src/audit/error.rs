//! The audit trail's one error type, at the bottom of the module so the store, retention,
//! search and the writer all raise it without importing one another.

#[derive(Debug, Clone, thiserror::Error)]
pub enum AuditError {
    #[error("audit store: {0}")]
    Store(String),
    #[error("the audit writer has stopped")]
    WriterGone,
    #[error("audit record {seq} is unreadable: {message}")]
    Corrupt { seq: u64, message: String },
}
