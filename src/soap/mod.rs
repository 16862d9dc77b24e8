//! SOAP framing: reading request envelopes (1.1 and 1.2) into a typed [`Envelope`], writing
//! response envelopes and faults, the X-Road 4.0 framing ([`xroad`]) and the WSDLs'
//! request schemas with the check of a request against them ([`schema`]). Owns the
//! envelope namespaces and the SOAP action rules; knows nothing of VTJ data.

pub mod envelope;
pub mod fault;
pub mod schema;
pub mod version;
pub mod xroad;

pub use envelope::{Envelope, SoapVersion};
pub use fault::Fault;
