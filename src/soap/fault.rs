//! SOAP faults of either version: who is at fault (client or server) and why, rendered
//! in the shape ASP.NET web services use (`soap:Client` / `soap:Sender`).

use crate::soap::version::{SoapVersion, wrap};
use crate::xml::escape_into;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    VersionMismatch,
    Client,
    Server,
}

/// A SOAP fault ready to be written in the request's SOAP version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub version: SoapVersion,
    pub code: FaultCode,
    pub reason: String,
}

impl Fault {
    pub fn client(version: SoapVersion, reason: String) -> Self {
        Fault {
            version,
            code: FaultCode::Client,
            reason,
        }
    }

    pub fn server(version: SoapVersion, reason: String) -> Self {
        Fault {
            version,
            code: FaultCode::Server,
            reason,
        }
    }

    pub fn version_mismatch(version: SoapVersion, reason: String) -> Self {
        Fault {
            version,
            code: FaultCode::VersionMismatch,
            reason,
        }
    }

    /// The fault code as a qualified name of the version's vocabulary.
    pub fn code_name(&self) -> &'static str {
        match (self.version, self.code) {
            (_, FaultCode::VersionMismatch) => "soap:VersionMismatch",
            (SoapVersion::V11, FaultCode::Client) => "soap:Client",
            (SoapVersion::V11, FaultCode::Server) => "soap:Server",
            (SoapVersion::V12, FaultCode::Client) => "soap:Sender",
            (SoapVersion::V12, FaultCode::Server) => "soap:Receiver",
        }
    }

    /// The whole response envelope.
    pub fn to_xml(&self) -> String {
        let mut body = String::with_capacity(256 + self.reason.len());
        match self.version {
            SoapVersion::V11 => {
                body.push_str("<soap:Fault><faultcode>");
                body.push_str(self.code_name());
                body.push_str("</faultcode><faultstring>");
                escape_into(&mut body, &self.reason);
                body.push_str("</faultstring></soap:Fault>");
            }
            SoapVersion::V12 => {
                body.push_str("<soap:Fault><soap:Code><soap:Value>");
                body.push_str(self.code_name());
                body.push_str("</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang=\"en\">");
                escape_into(&mut body, &self.reason);
                body.push_str("</soap:Text></soap:Reason></soap:Fault>");
            }
        }
        wrap(self.version, None, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml;

    #[test]
    fn renders_both_versions_with_escaped_reason() {
        let f = Fault::client(SoapVersion::V11, "bad <x>".into());
        let doc = xml::parse(&f.to_xml()).unwrap();
        let fault = &doc.children[0].children[0];
        assert_eq!(fault.name, "Fault");
        assert_eq!(fault.children[0].text, "soap:Client");
        assert_eq!(fault.children[1].text, "bad <x>");

        let f = Fault::server(SoapVersion::V12, "boom".into());
        let doc = xml::parse(&f.to_xml()).unwrap();
        assert_eq!(doc.ns.as_deref(), Some(crate::soap::version::SOAP12_NS));
        assert!(
            f.to_xml()
                .contains("<soap:Value>soap:Receiver</soap:Value>")
        );
    }
}
