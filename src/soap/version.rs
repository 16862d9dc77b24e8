//! The two SOAP versions with their namespaces and content types, and the response
//! envelope that wraps a body fragment: the floor both envelopes and faults stand on.

pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoapVersion {
    V11,
    V12,
}

impl SoapVersion {
    pub fn namespace(self) -> &'static str {
        match self {
            SoapVersion::V11 => SOAP11_NS,
            SoapVersion::V12 => SOAP12_NS,
        }
    }

    /// The response content type for this version.
    pub fn content_type(self) -> &'static str {
        match self {
            SoapVersion::V11 => "text/xml; charset=utf-8",
            SoapVersion::V12 => "application/soap+xml; charset=utf-8",
        }
    }
}

/// Wraps a body fragment (and optional header fragment) in a response envelope of the
/// given version. The envelope declares `xsi` and `xsd` as ASP.NET services do, so payloads
/// may use `xsi:` attributes without declaring it.
pub fn wrap(version: SoapVersion, header: Option<&str>, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 400);
    open_envelope(&mut out, version, header);
    out.push_str(body);
    close_envelope(&mut out);
    out
}

/// Appends the envelope's head to `out`, up to and including `<soap:Body>`: the body is
/// written after it in place, then [`close_envelope`].
pub fn open_envelope(out: &mut String, version: SoapVersion, header: Option<&str>) {
    out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    out.push_str(r#"<soap:Envelope xmlns:soap=""#);
    out.push_str(version.namespace());
    out.push_str(r#"" xmlns:xsi=""#);
    out.push_str(XSI_NS);
    out.push_str(r#"" xmlns:xsd=""#);
    out.push_str(XSD_NS);
    out.push_str(r#"">"#);
    if let Some(h) = header {
        out.push_str("<soap:Header>");
        out.push_str(h);
        out.push_str("</soap:Header>");
    }
    out.push_str("<soap:Body>");
}

/// Appends the tail [`open_envelope`] leaves open.
pub fn close_envelope(out: &mut String) {
    out.push_str("</soap:Body></soap:Envelope>");
}
