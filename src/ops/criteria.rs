//! The `HakuXml` parameter of the identification and extraction queries, read into the
//! typed criteria documents of [`crate::hakuxml`]. A document that is not readable XML
//! (`-1903`) or not of the expected form (`-1805`) is refused before any lookup, like the
//! request schema's value checks; a missing mandatory criterion (`0005`) is the search's
//! business and comes after authorisation.

use crate::codes::ReturnCode;
use crate::hakuxml::{self, Haku, HakuXmlError};

use super::request::Operation;
use super::request::Params;
use super::{Authorised, Caller, authorise, refusal_document, refuse_with_text, unserved};
use crate::app::App;
use crate::audit::AuditRecord;
use crate::audit::index::CRITERIA_DOCUMENT;

/// `PaluukoodiTekstiTyyppi` holds at most 200 characters.
const MAX_TEXT: usize = 200;

/// The criteria of one query.
#[derive(Debug, Clone, PartialEq)]
pub enum Criteria<T> {
    /// `HakuXml` not sent (or empty).
    Absent,
    /// A valid document.
    Given(T),
    /// A readable document that lacks a mandatory criterion: the `0005` text.
    Incomplete(&'static str),
}

/// Answers a query whose criteria are a `T` document and which no product serves yet:
/// refuses criteria that cannot be read (with their code), records the search key, then
/// runs the shared checks and answers `-1900` if they pass (see [`unserved`]).
pub fn answer_unserved<T: Haku>(
    app: &App,
    caller: &Caller,
    params: &Params,
    record: &mut AuditRecord,
) -> Result<String, String> {
    let criteria = match read::<T>(params) {
        Ok(c) => c,
        Err((code, text)) => return Ok(refuse_with_text(record, code, &text)),
    };
    record.search_key = criteria.search_key();
    Ok(unserved(app, caller, params, record))
}

/// Runs the shared checks ([`super::authorise`]) for a served operation: the authorised
/// query (its product recorded), or the refusal document (its code and reason recorded).
pub fn authorised(
    app: &App,
    caller: &Caller,
    op: Operation,
    params: &Params,
    record: &mut AuditRecord,
) -> Result<Authorised, String> {
    match authorise(app, caller.organisation.as_ref(), op, params) {
        Ok(auth) => {
            record.product = Some(auth.product.name.clone());
            Ok(auth)
        }
        Err(refusal) => {
            record.refused_because = Some(refusal.reason);
            record.return_code = refusal.code.code().into();
            Err(refusal_document(
                record.product.as_deref().unwrap_or(""),
                refusal.code,
                refusal.text,
            ))
        }
    }
}

impl<T> Criteria<T> {
    /// The document, or the `0005` text saying what is missing.
    pub fn into_given(self) -> Result<T, &'static str> {
        match self {
            Criteria::Given(h) => Ok(h),
            Criteria::Absent => Err(hakuxml::CRITERION_MISSING),
            Criteria::Incomplete(text) => Err(text),
        }
    }
}

/// Reads `HakuXml` as a `T` document; a refusal is its return code and `Paluukoodi` text.
pub fn read<T: Haku>(p: &Params) -> Result<Criteria<T>, (ReturnCode, String)> {
    let Some(text) = p.get("HakuXml") else {
        return Ok(Criteria::Absent);
    };
    match hakuxml::parse::<T>(text) {
        Ok(doc) => Ok(Criteria::Given(doc)),
        Err(HakuXmlError::Missing(text)) => Ok(Criteria::Incomplete(text)),
        Err(e) => {
            let (code, _) = e.return_code();
            let text = format!("{} (HakuXml: {e})", code.text());
            Err((code, text.chars().take(MAX_TEXT).collect()))
        }
    }
}

impl<T: Haku> Criteria<T> {
    /// The audit record's search key: `HakuXml` and the document as the emulator reads it.
    pub fn search_key(&self) -> Option<(String, String)> {
        match self {
            Criteria::Given(doc) => Some((CRITERIA_DOCUMENT.into(), doc.to_xml())),
            Criteria::Incomplete(_) => Some((
                CRITERIA_DOCUMENT.into(),
                format!("{} (incomplete)", T::ROOT),
            )),
            Criteria::Absent => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hakuxml::HenkilonTunnistusHaku;
    use crate::soap::SoapVersion;
    use crate::soap::schema;
    use crate::xml;

    fn params(haku: &str) -> Params {
        let doc = format!(
            r#"<TeeHenkilonTunnistusKysely xmlns="http://tempuri.org/"><HakuXml>{}</HakuXml></TeeHenkilonTunnistusKysely>"#,
            haku.replace('<', "&lt;").replace('>', "&gt;")
        );
        let model = schema::direct()
            .element("TeeHenkilonTunnistusKysely")
            .unwrap();
        Params::read_with(model, &xml::parse(&doc).unwrap(), SoapVersion::V11).unwrap()
    }

    #[test]
    fn reads_criteria_and_refuses_broken_documents() {
        let ns = "http://xml.vrk.fi/schema/vtjkysely";
        let ok = format!(
            r#"<HenkilonTunnistusHaku xmlns="{ns}"><Sukunimi>A</Sukunimi><Etunimet>B</Etunimet><Syntymaaika>20000229</Syntymaaika></HenkilonTunnistusHaku>"#
        );
        let c = read::<HenkilonTunnistusHaku>(&params(&ok)).unwrap();
        assert!(matches!(c, Criteria::Given(_)));
        let (key, value) = c.search_key().unwrap();
        assert_eq!(key, "HakuXml");
        assert!(value.contains("Sukunimi>A<"), "{value}");
        let (code, text) = read::<HenkilonTunnistusHaku>(&params("<Haku>")).unwrap_err();
        assert_eq!(code, ReturnCode::InvalidHakuXmlCharacters);
        assert!(text.chars().count() <= MAX_TEXT);
        let (code, _) =
            read::<HenkilonTunnistusHaku>(&params(&format!(r#"<Other xmlns="{ns}"/>"#)))
                .unwrap_err();
        assert_eq!(code, ReturnCode::SchemaInvalid);
        let partial = format!(
            r#"<HenkilonTunnistusHaku xmlns="{ns}"><Sukunimi>A</Sukunimi></HenkilonTunnistusHaku>"#
        );
        assert!(matches!(
            read::<HenkilonTunnistusHaku>(&params(&partial)).unwrap(),
            Criteria::Incomplete(_)
        ));
        assert_eq!(
            read::<HenkilonTunnistusHaku>(&Params::default()).unwrap(),
            Criteria::Absent
        );
    }
}
