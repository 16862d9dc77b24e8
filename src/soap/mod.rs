//! SOAP framing: reading request envelopes (1.1 and 1.2) into a typed [`Envelope`], writing
//! response envelopes and faults. Owns the envelope namespaces and the SOAP action rules;
//! knows nothing of VTJ operations or data.

pub mod envelope;
pub mod fault;

pub use envelope::{Envelope, SoapVersion};
pub use fault::Fault;
