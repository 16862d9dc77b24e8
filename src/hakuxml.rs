//! `HakuXml`: the search-criteria documents the identification and extraction queries
//! carry as an XML string. The format is the emulator's own design (no public description
//! exists; see docs/hakuxml.md). Reading is two steps: a strict structural check with the
//! project's XML reader (no DOCTYPE, the expected root in the expected namespace, only
//! known children, each at most once, text only), then typed binding with yaserde, which
//! also writes the same types for clients and tests. Knows nothing of SOAP or the store.

use jiff::civil::Date;
use yaserde::{YaDeserialize, YaSerialize};

use crate::codes::ReturnCode;
use crate::xml::{self, Element};

/// The namespace of every HakuXml document.
pub const HAKU_NS: &str = "http://xml.vrk.fi/schema/vtjkysely";

/// Why a HakuXml document was refused, with the return code it earns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HakuXmlError {
    /// Not readable XML at all (-1903: invalid characters in the identification HakuXml).
    #[error("HakuXml is not well-formed: {0}")]
    Malformed(String),
    /// Readable, but not a document of the expected form (-1805: not schema-valid).
    #[error("HakuXml is not valid: {0}")]
    Invalid(String),
    /// A mandatory criterion is missing (0005 with the catalogue's text).
    #[error("{0}")]
    Missing(&'static str),
}

impl HakuXmlError {
    /// The `Paluukoodi` and, for 0005, its text.
    pub fn return_code(&self) -> (ReturnCode, Option<&'static str>) {
        match self {
            HakuXmlError::Malformed(_) => (ReturnCode::InvalidHakuXmlCharacters, None),
            HakuXmlError::Invalid(_) => (ReturnCode::SchemaInvalid, None),
            HakuXmlError::Missing(text) => (ReturnCode::Notice, Some(text)),
        }
    }
}

const SURNAME_MISSING: &str = "Sukunimi on pakollinen annettava / Slaktnamn ar obligatoriskt";
const FIRST_NAMES_MISSING: &str = "Etunimet on pakollinen annettava / Fornamn ar obligatoriskt";
const BIRTH_DATE_MISSING: &str =
    "Syntymaaika on pakollinen annettava / Fodelsetid ar obligatoriskt";
/// The catalogue's 0005 text for a mandatory search criterion that is missing.
pub const CRITERION_MISSING: &str =
    "Pakollinen hakuehto puuttuu. / Obligatoriskt sokkriteriet fattas.";

/// Identification of a person (`TeeHenkilonTunnistusKysely`): surname, first names and
/// birth date are mandatory, the home municipality optional.
#[derive(Debug, Clone, Default, PartialEq, YaSerialize, YaDeserialize)]
#[yaserde(rename = "HenkilonTunnistusHaku", namespaces = { "h" = "http://xml.vrk.fi/schema/vtjkysely" }, prefix = "h", default_namespace = "h")]
pub struct HenkilonTunnistusHaku {
    #[yaserde(rename = "Sukunimi", prefix = "h")]
    pub sukunimi: Option<String>,
    #[yaserde(rename = "Etunimet", prefix = "h")]
    pub etunimet: Option<String>,
    /// `yyyyMMdd`.
    #[yaserde(rename = "Syntymaaika", prefix = "h")]
    pub syntymaaika: Option<String>,
    #[yaserde(rename = "Kuntanumero", prefix = "h")]
    pub kuntanumero: Option<String>,
}

/// Identification of a building (`TeeRakennuksenTunnistusKysely`): street address and
/// municipality, both mandatory.
#[derive(Debug, Clone, Default, PartialEq, YaSerialize, YaDeserialize)]
#[yaserde(rename = "RakennuksenTunnistusHaku", namespaces = { "h" = "http://xml.vrk.fi/schema/vtjkysely" }, prefix = "h", default_namespace = "h")]
pub struct RakennuksenTunnistusHaku {
    #[yaserde(rename = "Katuosoite", prefix = "h")]
    pub katuosoite: Option<String>,
    #[yaserde(rename = "Kuntanumero", prefix = "h")]
    pub kuntanumero: Option<String>,
}

/// Identification of a property (`TeeKiinteistonTunnistusKysely`): its name and
/// municipality, both mandatory.
#[derive(Debug, Clone, Default, PartialEq, YaSerialize, YaDeserialize)]
#[yaserde(rename = "KiinteistonTunnistusHaku", namespaces = { "h" = "http://xml.vrk.fi/schema/vtjkysely" }, prefix = "h", default_namespace = "h")]
pub struct KiinteistonTunnistusHaku {
    #[yaserde(rename = "KiinteistoyksikonNimi", prefix = "h")]
    pub nimi: Option<String>,
    #[yaserde(rename = "Kuntanumero", prefix = "h")]
    pub kuntanumero: Option<String>,
}

/// Extraction (`TeeHenkilonPoimintaKysely`): persons of a municipality, optionally born
/// in a date range, at most `Enimmaismaara` of them.
#[derive(Debug, Clone, Default, PartialEq, YaSerialize, YaDeserialize)]
#[yaserde(rename = "HenkilonPoimintaHaku", namespaces = { "h" = "http://xml.vrk.fi/schema/vtjkysely" }, prefix = "h", default_namespace = "h")]
pub struct HenkilonPoimintaHaku {
    #[yaserde(rename = "Kuntanumero", prefix = "h")]
    pub kuntanumero: Option<String>,
    #[yaserde(rename = "SyntymaaikaAlku", prefix = "h")]
    pub syntymaaika_alku: Option<String>,
    #[yaserde(rename = "SyntymaaikaLoppu", prefix = "h")]
    pub syntymaaika_loppu: Option<String>,
    #[yaserde(rename = "Enimmaismaara", prefix = "h")]
    pub enimmaismaara: Option<String>,
}

/// A criteria document type: its root element, its children, and the check of its values.
pub trait Haku: Sized + YaDeserialize + YaSerialize {
    const ROOT: &'static str;
    const CHILDREN: &'static [&'static str];
    /// Checks mandatory criteria and value forms after binding.
    fn check(&self) -> Result<(), HakuXmlError>;

    /// Writes the document (no XML declaration).
    fn to_xml(&self) -> String {
        let config = yaserde::ser::Config {
            perform_indent: false,
            write_document_declaration: false,
            indent_string: None,
        };
        yaserde::ser::to_string_with_config(self, &config)
            .expect("plain string fields always serialise")
    }
}

/// Reads a HakuXml document of type `T`.
pub fn parse<T: Haku>(text: &str) -> Result<T, HakuXmlError> {
    let root = xml::parse(text).map_err(|e| HakuXmlError::Malformed(e.to_string()))?;
    check_structure::<T>(&root)?;
    let value: T = yaserde::de::from_str(text).map_err(|e| HakuXmlError::Invalid(e.to_string()))?;
    value.check()?;
    Ok(value)
}

fn check_structure<T: Haku>(root: &Element) -> Result<(), HakuXmlError> {
    if !root.is(HAKU_NS, T::ROOT) {
        return Err(HakuXmlError::Invalid(format!(
            "the document element must be {} in the namespace {HAKU_NS}, not {{{}}}{}",
            T::ROOT,
            root.ns.as_deref().unwrap_or(""),
            root.name
        )));
    }
    let mut seen: Vec<&str> = Vec::new();
    for child in &root.children {
        let known = T::CHILDREN.iter().find(|c| **c == child.name);
        match known {
            Some(name) if child.ns.as_deref() == Some(HAKU_NS) => {
                if seen.contains(name) {
                    return Err(HakuXmlError::Invalid(format!("{name} is given twice")));
                }
                if !child.children.is_empty() {
                    return Err(HakuXmlError::Invalid(format!(
                        "{name} must hold text, not elements"
                    )));
                }
                seen.push(name);
            }
            _ => {
                return Err(HakuXmlError::Invalid(format!(
                    "unexpected element {{{}}}{} in {} (allowed: {})",
                    child.ns.as_deref().unwrap_or(""),
                    child.name,
                    T::ROOT,
                    T::CHILDREN.join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// The trimmed value of a criterion when present and not blank.
pub fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn require<'a>(v: &'a Option<String>, missing: &'static str) -> Result<&'a str, HakuXmlError> {
    given(v).ok_or(HakuXmlError::Missing(missing))
}

/// A `yyyyMMdd` date that exists.
pub fn date(s: &str) -> Result<Date, HakuXmlError> {
    let bad = || HakuXmlError::Invalid(format!("{s:?} is not a date of the form yyyyMMdd"));
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<i16>().map_err(|_| bad());
    Date::new(n(0..4)?, n(4..6)? as i8, n(6..8)? as i8).map_err(|_| bad())
}

fn municipality(s: &str) -> Result<(), HakuXmlError> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(HakuXmlError::Invalid(format!(
            "Kuntanumero {s:?} is not three digits"
        )))
    }
}

impl Haku for HenkilonTunnistusHaku {
    const ROOT: &'static str = "HenkilonTunnistusHaku";
    const CHILDREN: &'static [&'static str] =
        &["Sukunimi", "Etunimet", "Syntymaaika", "Kuntanumero"];

    fn check(&self) -> Result<(), HakuXmlError> {
        require(&self.sukunimi, SURNAME_MISSING)?;
        require(&self.etunimet, FIRST_NAMES_MISSING)?;
        date(require(&self.syntymaaika, BIRTH_DATE_MISSING)?)?;
        given(&self.kuntanumero).map(municipality).transpose()?;
        Ok(())
    }
}

impl Haku for RakennuksenTunnistusHaku {
    const ROOT: &'static str = "RakennuksenTunnistusHaku";
    const CHILDREN: &'static [&'static str] = &["Katuosoite", "Kuntanumero"];

    fn check(&self) -> Result<(), HakuXmlError> {
        require(&self.katuosoite, CRITERION_MISSING)?;
        municipality(require(&self.kuntanumero, CRITERION_MISSING)?)
    }
}

impl Haku for KiinteistonTunnistusHaku {
    const ROOT: &'static str = "KiinteistonTunnistusHaku";
    const CHILDREN: &'static [&'static str] = &["KiinteistoyksikonNimi", "Kuntanumero"];

    fn check(&self) -> Result<(), HakuXmlError> {
        require(&self.nimi, CRITERION_MISSING)?;
        municipality(require(&self.kuntanumero, CRITERION_MISSING)?)
    }
}

impl Haku for HenkilonPoimintaHaku {
    const ROOT: &'static str = "HenkilonPoimintaHaku";
    const CHILDREN: &'static [&'static str] = &[
        "Kuntanumero",
        "SyntymaaikaAlku",
        "SyntymaaikaLoppu",
        "Enimmaismaara",
    ];

    fn check(&self) -> Result<(), HakuXmlError> {
        municipality(require(&self.kuntanumero, CRITERION_MISSING)?)?;
        let from = given(&self.syntymaaika_alku).map(date).transpose()?;
        let to = given(&self.syntymaaika_loppu).map(date).transpose()?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(HakuXmlError::Invalid(
                "SyntymaaikaAlku is after SyntymaaikaLoppu".into(),
            ));
        }
        if let Some(m) = given(&self.enimmaismaara)
            && m.parse::<u32>().map_or(true, |n| n == 0)
        {
            return Err(HakuXmlError::Invalid(format!(
                "Enimmaismaara {m:?} is not a positive whole number"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(s: &str, e: &str, d: &str) -> HenkilonTunnistusHaku {
        HenkilonTunnistusHaku {
            sukunimi: Some(s.into()),
            etunimet: Some(e.into()),
            syntymaaika: Some(d.into()),
            kuntanumero: None,
        }
    }

    #[test]
    fn written_documents_read_back_equal() {
        let h = person("Jäppinen & Co <x>", "Albert Kristian", "20010502");
        let text = h.to_xml();
        assert!(
            text.starts_with(
                "<HenkilonTunnistusHaku xmlns=\"http://xml.vrk.fi/schema/vtjkysely\">"
            ),
            "{text}"
        );
        assert_eq!(parse::<HenkilonTunnistusHaku>(&text).unwrap(), h);
        let b = RakennuksenTunnistusHaku {
            katuosoite: Some("Kauppa Puistikko 6".into()),
            kuntanumero: Some("905".into()),
        };
        assert_eq!(parse::<RakennuksenTunnistusHaku>(&b.to_xml()).unwrap(), b);
    }

    #[test]
    fn any_prefix_reads_the_same() {
        let text = r#"<v:HenkilonTunnistusHaku xmlns:v="http://xml.vrk.fi/schema/vtjkysely"><v:Sukunimi>A</v:Sukunimi><v:Etunimet>B</v:Etunimet><v:Syntymaaika>20000229</v:Syntymaaika></v:HenkilonTunnistusHaku>"#;
        assert_eq!(
            parse::<HenkilonTunnistusHaku>(text).unwrap(),
            person("A", "B", "20000229")
        );
    }

    #[test]
    fn missing_mandatory_criteria_give_the_catalogue_texts() {
        let mut h = person("A", "B", "20010502");
        h.etunimet = Some("  ".into());
        let err = parse::<HenkilonTunnistusHaku>(&h.to_xml()).unwrap_err();
        assert_eq!(err, HakuXmlError::Missing(FIRST_NAMES_MISSING));
        assert_eq!(
            err.return_code(),
            (ReturnCode::Notice, Some(FIRST_NAMES_MISSING))
        );
        h.sukunimi = None;
        assert_eq!(
            parse::<HenkilonTunnistusHaku>(&h.to_xml()).unwrap_err(),
            HakuXmlError::Missing(SURNAME_MISSING)
        );
        let k = KiinteistonTunnistusHaku {
            nimi: Some("Koivula".into()),
            kuntanumero: None,
        };
        assert_eq!(
            parse::<KiinteistonTunnistusHaku>(&k.to_xml()).unwrap_err(),
            HakuXmlError::Missing(CRITERION_MISSING)
        );
    }

    #[test]
    fn structure_and_values_are_checked_strictly() {
        let invalid = |text: &str| match parse::<HenkilonTunnistusHaku>(text) {
            Err(HakuXmlError::Invalid(m)) => m,
            other => panic!("{text}: {other:?}"),
        };
        let ns = HAKU_NS;
        assert!(invalid(&format!(r#"<Other xmlns="{ns}"/>"#)).contains("document element"));
        assert!(
            invalid("<HenkilonTunnistusHaku><Sukunimi>A</Sukunimi></HenkilonTunnistusHaku>")
                .contains("namespace")
        );
        assert!(
            invalid(&format!(
                r#"<HenkilonTunnistusHaku xmlns="{ns}"><Bogus/></HenkilonTunnistusHaku>"#
            ))
            .contains("Bogus")
        );
        assert!(invalid(&format!(r#"<HenkilonTunnistusHaku xmlns="{ns}"><Sukunimi>A</Sukunimi><Sukunimi>B</Sukunimi></HenkilonTunnistusHaku>"#)).contains("twice"));
        let bad_date = person("A", "B", "20010230").to_xml();
        assert!(invalid(&bad_date).contains("20010230"));
        let bad_kunta = HenkilonTunnistusHaku {
            kuntanumero: Some("9O5".into()),
            ..person("A", "B", "20010502")
        };
        assert!(invalid(&bad_kunta.to_xml()).contains("Kuntanumero"));
        let range = HenkilonPoimintaHaku {
            kuntanumero: Some("905".into()),
            syntymaaika_alku: Some("20200101".into()),
            syntymaaika_loppu: Some("20100101".into()),
            enimmaismaara: None,
        };
        assert!(matches!(
            parse::<HenkilonPoimintaHaku>(&range.to_xml()),
            Err(HakuXmlError::Invalid(_))
        ));
    }

    #[test]
    fn unreadable_documents_are_malformed_and_doctype_is_refused() {
        for text in [
            "<HenkilonTunnistusHaku",
            "plain text",
            "<!DOCTYPE x [<!ENTITY e \"e\">]><x>&e;</x>",
        ] {
            let err = parse::<HenkilonTunnistusHaku>(text).unwrap_err();
            assert!(matches!(err, HakuXmlError::Malformed(_)), "{text}: {err:?}");
            assert_eq!(err.return_code().0, ReturnCode::InvalidHakuXmlCharacters);
        }
    }
}
