//! Request envelopes in, response envelopes out. The version is read from the envelope's
//! namespace and must agree with the HTTP content type; the action comes from the
//! `SOAPAction` header (1.1) or the `action` parameter of the content type (1.2).

use crate::soap::fault::Fault;
pub use crate::soap::version::{
    SOAP11_NS, SOAP12_NS, SoapVersion, close_envelope, open_envelope, wrap,
};
use crate::xml::{self, Element};

/// What the HTTP layer knows of a SOAP request before the body is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framing {
    pub version: SoapVersion,
    /// The SOAP action with quotes removed; `None` when absent or empty.
    pub action: Option<String>,
}

/// Why the HTTP framing of a SOAP request is unacceptable (answered with HTTP 415).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unsupported content type {0:?}: send text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)"
)]
pub struct UnsupportedMediaType(pub String);

/// Reads the SOAP version and action from the `Content-Type` and `SOAPAction` headers.
pub fn framing(
    content_type: Option<&str>,
    soap_action: Option<&str>,
) -> Result<Framing, UnsupportedMediaType> {
    let ct = content_type.unwrap_or("");
    let mut parts = ct.split(';').map(str::trim);
    let media = parts.next().unwrap_or("").to_ascii_lowercase();
    let version = match media.as_str() {
        "text/xml" => SoapVersion::V11,
        "application/soap+xml" => SoapVersion::V12,
        _ => return Err(UnsupportedMediaType(ct.to_string())),
    };
    let action = match version {
        SoapVersion::V11 => soap_action.map(str::to_string),
        SoapVersion::V12 => parts
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("action"))
            .map(|(_, v)| v.to_string()),
    };
    let action = action
        .map(|a| a.trim().trim_matches('"').trim().to_string())
        .filter(|a| !a.is_empty());
    Ok(Framing { version, action })
}

/// A parsed request envelope.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub version: SoapVersion,
    pub action: Option<String>,
    /// The element children of `Header`, in order (empty when there is no header).
    pub headers: Vec<Element>,
    /// The single element child of `Body`: the operation's request element.
    pub payload: Element,
}

/// Parses request bytes as a SOAP envelope of the version the framing announced.
/// Every failure is a [`Fault`] of that version saying what is wrong.
pub fn parse(bytes: &[u8], framing: &Framing) -> Result<Envelope, Fault> {
    let version = framing.version;
    let text = xml::decode(bytes).map_err(|e| Fault::client(version, e.to_string()))?;
    let root = xml::parse(&text).map_err(|e| Fault::client(version, e.to_string()))?;
    if root.name != "Envelope" || !matches!(root.ns.as_deref(), Some(SOAP11_NS | SOAP12_NS)) {
        return Err(Fault::client(
            version,
            format!(
                "the document element is {{{}}}{}, not a SOAP Envelope",
                root.ns.as_deref().unwrap_or(""),
                root.name
            ),
        ));
    }
    if root.ns.as_deref() != Some(version.namespace()) {
        return Err(Fault::version_mismatch(
            version,
            format!(
                "the envelope namespace {} does not match the content type (expected {})",
                root.ns.as_deref().unwrap_or(""),
                version.namespace()
            ),
        ));
    }
    let ns = version.namespace();
    let mut headers = Vec::new();
    let mut body = None;
    for child in root.children {
        match child.name.as_str() {
            "Header" if child.ns.as_deref() == Some(ns) && body.is_none() => {
                headers = child.children
            }
            "Body" if child.ns.as_deref() == Some(ns) && body.is_none() => body = Some(child),
            _ => {
                return Err(Fault::client(
                    version,
                    format!("unexpected element {} in the SOAP Envelope", child.name),
                ));
            }
        }
    }
    let body =
        body.ok_or_else(|| Fault::client(version, "the SOAP Envelope has no Body".to_string()))?;
    let mut elements = body.children.into_iter();
    let payload = elements.next().ok_or_else(|| {
        Fault::client(
            version,
            "the SOAP Body is empty: no operation element".to_string(),
        )
    })?;
    if let Some(extra) = elements.next() {
        return Err(Fault::client(
            version,
            format!(
                "the SOAP Body holds more than one element ({} after {})",
                extra.name, payload.name
            ),
        ));
    }
    Ok(Envelope {
        version,
        action: framing.action.clone(),
        headers,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f11(action: Option<&str>) -> Framing {
        framing(Some("text/xml; charset=utf-8"), action).unwrap()
    }

    #[test]
    fn framing_reads_version_and_action() {
        assert_eq!(
            f11(Some("\"http://tempuri.org/X\"")).action.as_deref(),
            Some("http://tempuri.org/X")
        );
        assert_eq!(
            f11(Some("http://tempuri.org/X")).action.as_deref(),
            Some("http://tempuri.org/X")
        );
        assert_eq!(f11(Some("\"\"")).action, None);
        let f = framing(
            Some("application/soap+xml; charset=utf-8; action=\"http://tempuri.org/Y\""),
            None,
        )
        .unwrap();
        assert_eq!(f.version, SoapVersion::V12);
        assert_eq!(f.action.as_deref(), Some("http://tempuri.org/Y"));
        assert!(framing(Some("application/json"), None).is_err());
        assert!(framing(None, None).is_err());
    }

    #[test]
    fn parses_body_payload_and_headers() {
        let doc = format!(
            r#"<?xml version="1.0"?><s:Envelope xmlns:s="{SOAP11_NS}"><s:Header><h xmlns="urn:h">1</h></s:Header>
               <s:Body><!-- c --><Op xmlns="urn:x"><A>1</A></Op></s:Body></s:Envelope>"#
        );
        let env = parse(doc.as_bytes(), &f11(None)).unwrap();
        assert!(env.payload.is("urn:x", "Op"));
        assert_eq!(env.headers.len(), 1);
    }

    #[test]
    fn faults_say_what_is_wrong() {
        let missing = format!(r#"<s:Envelope xmlns:s="{SOAP11_NS}"/>"#);
        let err = parse(missing.as_bytes(), &f11(None)).unwrap_err();
        assert!(err.reason.contains("no Body"), "{}", err.reason);
        let empty = format!(r#"<s:Envelope xmlns:s="{SOAP11_NS}"><s:Body/></s:Envelope>"#);
        let err = parse(empty.as_bytes(), &f11(None)).unwrap_err();
        assert!(err.reason.contains("Body is empty"), "{}", err.reason);
        let v12 =
            format!(r#"<s:Envelope xmlns:s="{SOAP12_NS}"><s:Body><x/></s:Body></s:Envelope>"#);
        let err = parse(v12.as_bytes(), &f11(None)).unwrap_err();
        assert!(err.reason.contains("does not match"), "{}", err.reason);
        let err = parse(b"<x/>", &f11(None)).unwrap_err();
        assert!(err.reason.contains("not a SOAP Envelope"), "{}", err.reason);
        let err = parse(b"<x", &f11(None)).unwrap_err();
        assert!(err.reason.contains("not well-formed"), "{}", err.reason);
    }
}
