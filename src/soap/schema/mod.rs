//! The request schema of the project's WSDLs, read at start with [`crate::xml`]: for each
//! request element, its children in sequence order with occurrence bounds, base type and
//! the restrictions (length, pattern) of their simple types (`read.rs`); and the check of
//! a request element against it (`check.rs`). Owns nothing of SOAP framing, credentials or
//! VTJ data: callers decide what a [`Violation`] answers.
//!
//! The reader understands the subset of XML Schema the project's WSDLs use: global
//! `xs:element`s with an inline or named `xs:complexType` holding one `xs:sequence` of
//! local elements; simple types `xs:string`, `xs:short`, `xs:int` or a named
//! `xs:simpleType` restricting one of them by `minLength`, `maxLength`, `length` and
//! `pattern`. The element tree drops namespace declarations, so type references are
//! resolved by local name within the WSDL (`xs:`/`xsd:` prefixes name the built-ins).
//! Anything else in a request schema is a start-up error, so a WSDL edit cannot silently
//! turn validation off.

mod check;
mod model;
mod read;

use std::sync::OnceLock;

pub use check::{Values, Violation, validate};
pub use model::{Base, Content, Particle, SchemaError, SimpleType};

/// The global request elements of one WSDL, by local name.
#[derive(Debug, Clone)]
pub struct RequestSchema {
    pub target_ns: String,
    /// Each name once, in name order: a WSDL has a handful of operations, which a scan
    /// finds sooner than a hash of the name would.
    elements: Vec<(String, Particle)>,
}

impl RequestSchema {
    /// Reads the request schema of a WSDL document.
    pub fn from_wsdl(text: &str) -> Result<Self, SchemaError> {
        let (target_ns, elements) = read::request_elements(text)?;
        let mut elements: Vec<(String, Particle)> = elements.into_iter().collect();
        elements.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(RequestSchema {
            target_ns,
            elements,
        })
    }

    /// A global request element by local name.
    pub fn element(&self, name: &str) -> Option<&Particle> {
        self.elements
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p)
    }
}

static DIRECT: OnceLock<RequestSchema> = OnceLock::new();
static XROAD: OnceLock<RequestSchema> = OnceLock::new();

/// The request schema of the direct interface (`wsdl/SoSo.wsdl`).
pub fn direct() -> &'static RequestSchema {
    DIRECT.get_or_init(|| {
        RequestSchema::from_wsdl(crate::wsdl::SOSO_WSDL)
            .expect("wsdl/SoSo.wsdl is checked by the unit tests")
    })
}

/// The request schema of the X-Road interface (`wsdl/SoSoAdapterService60.wsdl`).
pub fn xroad() -> &'static RequestSchema {
    XROAD.get_or_init(|| {
        RequestSchema::from_wsdl(crate::wsdl::XROAD_WSDL)
            .expect("wsdl/SoSoAdapterService60.wsdl is checked by the unit tests")
    })
}

/// Loads both schemas, reporting a broken WSDL as an error instead of a later panic.
pub fn load() -> Result<(), SchemaError> {
    if DIRECT.get().is_none() {
        let _ = DIRECT.set(RequestSchema::from_wsdl(crate::wsdl::SOSO_WSDL)?);
    }
    if XROAD.get().is_none() {
        let _ = XROAD.set(RequestSchema::from_wsdl(crate::wsdl::XROAD_WSDL)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{self, Element};

    const XS_NS: &str = "http://www.w3.org/2001/XMLSchema";
    const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";

    const T: &str = "http://tempuri.org/";

    fn req(inner: &str) -> Element {
        xml::parse(&format!(
            r#"<TeeHenkilonTunnusKysely xmlns="{T}">{inner}</TeeHenkilonTunnusKysely>"#
        ))
        .unwrap()
    }

    #[test]
    fn both_wsdls_load_with_their_operations() {
        load().unwrap();
        let d = direct();
        assert_eq!(d.target_ns, T);
        let p = d.element("TeeHenkilonTunnusKysely").unwrap();
        assert_eq!(p.children().len(), 13);
        assert_eq!(p.children()[3].name, "Loppukayttaja");
        let skeema = d.element("HaeTuotteenSkeema").unwrap();
        assert_eq!(skeema.child("laji").unwrap().min_occurs, 1);
        let x = xroad();
        let op = x.element("HenkilonTunnusKysely").unwrap();
        assert_eq!(op.child("request").unwrap().children().len(), 13);
        assert_eq!(x.element("HenkilonPoimintaKysely").iter().count(), 1);
        assert!(d.element("TeeHenkilonTunnusKyselyResponse").is_none());
    }

    #[test]
    fn values_are_checked_against_the_restrictions() {
        let m = direct().element("TeeHenkilonTunnusKysely").unwrap();
        let ok = validate(
            m,
            &req("<SoSoNimi>x</SoSoNimi><Henkilotunnus>020501A999T</Henkilotunnus><Vara1/>"),
        )
        .unwrap();
        assert_eq!(ok.len(), 3);
        let long = "a".repeat(51);
        let err = validate(m, &req(&format!("<Loppukayttaja>{long}</Loppukayttaja>"))).unwrap_err();
        assert_eq!(
            err,
            Violation::TooLong {
                name: "Loppukayttaja".into(),
                max: 50
            }
        );
        let err = validate(m, &req("<Henkilotunnus>hello</Henkilotunnus>")).unwrap_err();
        assert_eq!(err.element(), "Henkilotunnus");
        assert!(err.is_value());
        let err = validate(
            m,
            &req("<SahkoinenAsiointitunnus>1234</SahkoinenAsiointitunnus>"),
        )
        .unwrap_err();
        assert_eq!(err.element(), "SahkoinenAsiointitunnus");
        let err = validate(m, &req("<Loppukayttaja>a&#x1;b</Loppukayttaja>")).unwrap_err();
        assert!(matches!(err, Violation::Characters { .. }), "{err}");
    }

    #[test]
    fn shape_is_checked_before_values() {
        let m = direct().element("TeeHenkilonTunnusKysely").unwrap();
        let err = validate(
            m,
            &req("<Henkilotunnus>x</Henkilotunnus><SoSoNimi>x</SoSoNimi>"),
        )
        .unwrap_err();
        assert!(matches!(err, Violation::Order { .. }), "{err}");
        let err = validate(m, &req("<SoSoNimi>a</SoSoNimi><SoSoNimi>b</SoSoNimi>")).unwrap_err();
        assert!(matches!(err, Violation::TooMany { .. }), "{err}");
        let err = validate(m, &req("<Hetu>x</Hetu>")).unwrap_err();
        assert!(err.to_string().contains("Hetu"), "{err}");
        let err = validate(m, &req("<SoSoNimi><b/></SoSoNimi>")).unwrap_err();
        assert!(matches!(err, Violation::NotText { .. }), "{err}");
        let s = direct().element("HaeTuotteenSkeema").unwrap();
        let el = xml::parse(&format!(
            r#"<HaeTuotteenSkeema xmlns="{T}"><SoSoNimi>x</SoSoNimi></HaeTuotteenSkeema>"#
        ))
        .unwrap();
        assert!(matches!(
            validate(s, &el).unwrap_err(),
            Violation::Missing { .. }
        ));
        let el = xml::parse(&format!(
            r#"<HaeTuotteenSkeema xmlns="{T}"><laji>99999</laji></HaeTuotteenSkeema>"#
        ))
        .unwrap();
        assert!(matches!(
            validate(s, &el).unwrap_err(),
            Violation::Type { .. }
        ));
    }

    #[test]
    fn unsupported_constructs_are_start_up_errors() {
        let wsdl = format!(
            r#"<d:definitions xmlns:d="{WSDL_NS}"><d:types><xs:schema xmlns:xs="{XS_NS}" targetNamespace="urn:t">
            <xs:element name="Op"><xs:complexType><xs:choice/></xs:complexType></xs:element></xs:schema></d:types></d:definitions>"#
        );
        assert!(RequestSchema::from_wsdl(&wsdl).is_err());
        let wsdl = wsdl.replace(
            "<xs:choice/>",
            r#"<xs:sequence><xs:element name="a" type="tns:Nope"/></xs:sequence>"#,
        );
        assert!(matches!(
            RequestSchema::from_wsdl(&wsdl),
            Err(SchemaError::UnknownType(_))
        ));
    }
}
