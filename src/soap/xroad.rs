//! X-Road message protocol 4.0 framing of the VTJ adapter service (`SoSoAdapterService60`):
//! reading and checking the `client`, `service`, `id`, `userId`, `issue` and
//! `protocolVersion` headers, the request hash, and writing the response: the headers
//! echoed with `requestHash` added, and `<Op>Response` holding the `request` echo (with
//! `Salasana` emptied) and the `response`. Knows nothing of credentials or VTJ data.

use base64::Engine as _;
use sha2::{Digest, Sha512};

use crate::xml::{Element, XmlOut};

pub const XROAD_NS: &str = "http://x-road.eu/xsd/xroad.xsd";
pub const ID_NS: &str = "http://x-road.eu/xsd/identifiers";
/// The namespace of the adapter's body elements.
pub const VTJ_WS_NS: &str = "http://xml.vrk.fi/ws/vtj/vtjkysely/1";
pub const SHA512_ALGORITHM: &str = "http://www.w3.org/2001/xmlenc#sha512";
pub const PROTOCOL_VERSION: &str = "4.0";

/// Why the X-Road headers of a request are unacceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("the X-Road header {0} is missing")]
    Missing(&'static str),
    #[error("the X-Road header {0} is given twice")]
    Twice(&'static str),
    #[error("the X-Road header {header} lacks {field}")]
    Incomplete {
        header: &'static str,
        field: &'static str,
    },
    #[error("the X-Road header {header} has objectType {found:?}, expected {expected}")]
    ObjectType {
        header: &'static str,
        found: String,
        expected: &'static str,
    },
    #[error("protocolVersion {0:?} is not supported (expected 4.0)")]
    Version(String),
    #[error("the service header names {named}, but the body holds {body}")]
    ServiceMismatch { named: String, body: String },
}

/// An X-Road identifier of a client subsystem (or member) or of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    pub object_type: String,
    pub instance: String,
    pub member_class: String,
    pub member_code: String,
    pub subsystem_code: Option<String>,
    /// Services only.
    pub service_code: Option<String>,
    pub service_version: Option<String>,
}

impl Identifier {
    /// `INSTANCE/CLASS/CODE[/SUBSYSTEM]`, the form the configuration uses.
    pub fn client_id(&self) -> String {
        let mut s = format!(
            "{}/{}/{}",
            self.instance, self.member_class, self.member_code
        );
        if let Some(sub) = &self.subsystem_code {
            s.push('/');
            s.push_str(sub);
        }
        s
    }
}

/// The X-Road headers of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers {
    pub client: Identifier,
    pub service: Identifier,
    pub id: String,
    pub user_id: String,
    pub issue: Option<String>,
    pub protocol_version: String,
}

/// Reads the headers; `body_op` is the body element's name, which the service header's
/// `serviceCode` must name.
pub fn read_headers(headers: &[Element], body_op: &str) -> Result<Headers, HeaderError> {
    let one = |name: &'static str| -> Result<Option<&Element>, HeaderError> {
        let mut it = headers.iter().filter(|h| h.is(XROAD_NS, name));
        let first = it.next();
        if it.next().is_some() {
            return Err(HeaderError::Twice(name));
        }
        Ok(first)
    };
    let required = |name: &'static str| one(name)?.ok_or(HeaderError::Missing(name));
    let text = |name: &'static str| -> Result<String, HeaderError> {
        let t = required(name)?.text.trim().to_string();
        if t.is_empty() {
            return Err(HeaderError::Missing(name));
        }
        Ok(t)
    };
    let client = identifier(required("client")?, "client", &["SUBSYSTEM", "MEMBER"])?;
    let service = identifier(required("service")?, "service", &["SERVICE"])?;
    let code = service
        .service_code
        .clone()
        .ok_or(HeaderError::Incomplete {
            header: "service",
            field: "serviceCode",
        })?;
    if code != body_op {
        return Err(HeaderError::ServiceMismatch {
            named: code,
            body: body_op.to_string(),
        });
    }
    let protocol_version = text("protocolVersion")?;
    if protocol_version != PROTOCOL_VERSION {
        return Err(HeaderError::Version(protocol_version));
    }
    Ok(Headers {
        client,
        service,
        id: text("id")?,
        user_id: text("userId")?,
        issue: one("issue")?.map(|e| e.text.trim().to_string()),
        protocol_version,
    })
}

fn identifier(
    e: &Element,
    header: &'static str,
    types: &[&'static str],
) -> Result<Identifier, HeaderError> {
    let object_type = e.attr(Some(ID_NS), "objectType").unwrap_or("").to_string();
    if !types.contains(&object_type.as_str()) {
        return Err(HeaderError::ObjectType {
            header,
            found: object_type,
            expected: types[0],
        });
    }
    let field = |name: &'static str| {
        e.child(ID_NS, name)
            .map(|c| c.text.trim().to_string())
            .filter(|t| !t.is_empty())
    };
    let need = |name: &'static str| {
        field(name).ok_or(HeaderError::Incomplete {
            header,
            field: name,
        })
    };
    Ok(Identifier {
        object_type,
        instance: need("xRoadInstance")?,
        member_class: need("memberClass")?,
        member_code: need("memberCode")?,
        subsystem_code: field("subsystemCode"),
        service_code: field("serviceCode"),
        service_version: field("serviceVersion"),
    })
}

/// SHA-512 of the request as received, base64 (the `requestHash` of the response).
pub fn request_hash(request: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha512::digest(request))
}

/// The response headers: the request's, in the order the real adapter writes them
/// (client, id, issue, protocolVersion, service, userId), then `requestHash`.
pub fn response_headers(h: &Headers, hash: &str) -> String {
    let mut out = XmlOut::with_capacity(1024);
    let ns = [("xmlns:xrd", XROAD_NS), ("xmlns:id", ID_NS)];
    write_identifier(&mut out, "xrd:client", &h.client, &ns);
    out.leaf("xrd:id", &ns[..1], &h.id);
    if let Some(issue) = &h.issue {
        out.leaf("xrd:issue", &ns[..1], issue);
    }
    out.leaf("xrd:protocolVersion", &ns[..1], &h.protocol_version);
    write_identifier(&mut out, "xrd:service", &h.service, &ns);
    out.leaf("xrd:userId", &ns[..1], &h.user_id);
    out.leaf(
        "xrd:requestHash",
        &[("xmlns:xrd", XROAD_NS), ("algorithmId", SHA512_ALGORITHM)],
        hash,
    );
    out.into_string()
}

fn write_identifier(out: &mut XmlOut, tag: &str, id: &Identifier, ns: &[(&str, &str)]) {
    let mut attrs = ns.to_vec();
    attrs.push(("id:objectType", &id.object_type));
    out.open(tag, &attrs);
    out.leaf("id:xRoadInstance", &[], &id.instance);
    out.leaf("id:memberClass", &[], &id.member_class);
    out.leaf("id:memberCode", &[], &id.member_code);
    for (name, v) in [
        ("id:subsystemCode", &id.subsystem_code),
        ("id:serviceCode", &id.service_code),
        ("id:serviceVersion", &id.service_version),
    ] {
        if let Some(v) = v {
            out.leaf(name, &[], v);
        }
    }
    out.close(tag);
}

/// What goes inside `response`.
pub enum Inner<'a> {
    /// The VTJ document (already rendered XML).
    Document(&'a str),
    /// The adapter's fault-in-body form.
    Fault { code: &'a str, text: &'a str },
}

/// `<Op>Response` with the request echo and the response. `sent` are the request's
/// elements in WSDL order; `Salasana` is echoed empty.
pub fn response_body<'a>(
    op: &str,
    echo_name: &str,
    sent: impl Iterator<Item = (&'a str, &'a str)>,
    inner: Inner<'_>,
) -> String {
    let mut out = XmlOut::with_capacity(4096);
    let tag = format!("{op}Response");
    out.open(&tag, &[("xmlns", VTJ_WS_NS)]);
    out.open(echo_name, &[]);
    for (name, value) in sent {
        let value = if name == "Salasana" { "" } else { value };
        out.leaf(name, &[], value);
    }
    out.close(echo_name);
    out.open("response", &[]);
    match inner {
        Inner::Document(d) => {
            out.raw(d);
        }
        Inner::Fault { code, text } => {
            out.leaf("faultCode", &[], code);
            out.leaf("faultString", &[], text);
        }
    }
    out.close("response");
    out.close(&tag);
    out.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml;

    fn headers(service_code: &str, extra: &str) -> Vec<Element> {
        let doc = format!(
            r#"<H xmlns:xrd="{XROAD_NS}" xmlns:id="{ID_NS}">
            <xrd:client id:objectType="SUBSYSTEM"><id:xRoadInstance>FI-TEST</id:xRoadInstance>
              <id:memberClass>MUN</id:memberClass><id:memberCode>0101263-6</id:memberCode>
              <id:subsystemCode>evaka-test</id:subsystemCode></xrd:client>
            <xrd:service id:objectType="SERVICE"><id:xRoadInstance>FI-TEST</id:xRoadInstance>
              <id:memberClass>GOV</id:memberClass><id:memberCode>0245437-2</id:memberCode>
              <id:subsystemCode>VTJkysely</id:subsystemCode><id:serviceCode>{service_code}</id:serviceCode>
              <id:serviceVersion>v1</id:serviceVersion></xrd:service>
            <xrd:id>abc</xrd:id><xrd:userId>u1</xrd:userId>{extra}</H>"#
        );
        xml::parse(&doc).unwrap().children
    }

    #[test]
    fn reads_and_checks_headers() {
        let v = "<xrd:protocolVersion>4.0</xrd:protocolVersion>";
        let h = read_headers(&headers("HenkilonTunnusKysely", v), "HenkilonTunnusKysely").unwrap();
        assert_eq!(h.client.client_id(), "FI-TEST/MUN/0101263-6/evaka-test");
        assert_eq!(h.issue, None);
        assert_eq!(
            read_headers(&headers("HenkilonTunnusKysely", ""), "HenkilonTunnusKysely"),
            Err(HeaderError::Missing("protocolVersion"))
        );
        let err =
            read_headers(&headers("HaeTuotteenSkeema", v), "HenkilonTunnusKysely").unwrap_err();
        assert!(matches!(err, HeaderError::ServiceMismatch { .. }));
        let old = "<xrd:protocolVersion>3.1</xrd:protocolVersion>";
        assert!(matches!(
            read_headers(
                &headers("HenkilonTunnusKysely", old),
                "HenkilonTunnusKysely"
            ),
            Err(HeaderError::Version(_))
        ));
    }

    #[test]
    fn request_hash_is_base64_sha512() {
        // SHA-512 of the empty string.
        assert!(request_hash(b"").starts_with("z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8"));
        assert_eq!(request_hash(b"x").len(), 88);
    }

    #[test]
    fn echo_empties_the_password() {
        let body = response_body(
            "HenkilonTunnusKysely",
            "request",
            [("SoSoNimi", "P"), ("Salasana", "secret")].into_iter(),
            Inner::Fault {
                code: "0001",
                text: "t",
            },
        );
        assert!(!body.contains("secret"));
        let e = xml::parse(&body).unwrap();
        assert_eq!(e.children[0].children[1].name, "Salasana");
        assert_eq!(e.children[1].children[0].text, "0001");
    }
}
