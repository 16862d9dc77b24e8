//! `TeeHenkilonTunnistusKysely`: identifying a person by surname, first names and birth
//! date (optionally home municipality), the criteria of a `HenkilonTunnistusHaku` document
//! (docs/hakuxml.md). Unreadable `HakuXml` is `-1903`, a document of the wrong form
//! `-1805` (both before any lookup); then the shared checks, which refuse organisations
//! whose permit lacks identification searches (`0019`). The search is one prefix read of
//! the identification index ([`crate::registry::name_index`]), then the first names and
//! municipality are compared: one match answers the product's document for that person
//! (`0000`), none `0001`, several `0005` "Löytyi useampi kuin 1." with
//! `hakuperustePaluukoodi` 3, a missing mandatory criterion `0005` with its text.

use crate::app::App;
use crate::audit::AuditRecord;
use crate::codes::{CriterionCode, ReturnCode};
use crate::hakuxml::{self, HenkilonTunnistusHaku};
use crate::products::Criterion;
use crate::products::render::{self, Answer, CriterionEcho, PersonView};
use crate::registry::model::Person;
use crate::registry::name_index::{first_names_match, normalise};
use crate::registry::store::{Registry, RegistryError};

use super::criteria;
use super::request::{Operation, Params};
use super::{Caller, helsinki_now, henkilon_tunnus, refuse_with_text};

/// The `0005` text when the criteria matched more than one person.
pub const SEVERAL_TEXT: &str = "Löytyi useampi kuin 1. / Hittades flera än 1.";

/// The persons the criteria identify (any number; the caller decides what that means).
pub fn search(h: &HenkilonTunnistusHaku, registry: &Registry) -> Result<Vec<Person>, String> {
    let (Some(surname), Some(first), Some(birth)) = (
        given(&h.sukunimi),
        given(&h.etunimet),
        given(&h.syntymaaika),
    ) else {
        return Ok(Vec::new());
    };
    let birth = hakuxml::date(birth).map_err(|e| e.to_string())?;
    let municipality = given(&h.kuntanumero);
    let wanted = normalise(surname);
    let candidates = registry
        .by_surname_and_birth(surname, birth)
        .map_err(|e: RegistryError| e.to_string())?;
    Ok(candidates
        .into_iter()
        .filter(|p| normalise(&p.last_name) == wanted && p.birth_date() == birth)
        .filter(|p| first_names_match(first, &p.first_names))
        .filter(|p| {
            municipality.is_none_or(|k| p.home_municipality.as_ref().is_some_and(|m| m.code == k))
        })
        .collect())
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The `Hakuperusteet` echo: each criterion sent, with the search's outcome.
fn echo(h: &HenkilonTunnistusHaku, code: CriterionCode) -> Vec<CriterionEcho> {
    [
        (Criterion::Sukunimi, &h.sukunimi),
        (Criterion::Etunimet, &h.etunimet),
        (Criterion::Syntymaaika, &h.syntymaaika),
        (Criterion::Kuntanumero, &h.kuntanumero),
    ]
    .into_iter()
    .filter_map(|(criterion, v)| {
        given(v).map(|value| CriterionEcho {
            criterion,
            value: value.to_string(),
            code,
        })
    })
    .collect()
}

/// Answers the query with a VTJ document.
pub fn answer(
    app: &App,
    caller: &Caller,
    params: &Params,
    record: &mut AuditRecord,
) -> Result<String, String> {
    let criteria = match criteria::read::<HenkilonTunnistusHaku>(params) {
        Ok(c) => c,
        Err((code, text)) => return Ok(refuse_with_text(record, code, &text)),
    };
    record.search_key = criteria.search_key();
    let auth = match criteria::authorised(
        app,
        caller,
        Operation::TeeHenkilonTunnistusKysely,
        params,
        record,
    ) {
        Ok(a) => a,
        Err(document) => return Ok(document),
    };
    let haku = match criteria.into_given() {
        Ok(h) => h,
        Err(text) => return Ok(refuse_with_text(record, ReturnCode::Notice, text)),
    };
    let found = search(&haku, &app.registry)?;
    let (code, text, ccode, person) = match found.len() {
        0 => (ReturnCode::NotFound, None, CriterionCode::NotFound, None),
        1 => {
            let p = found.into_iter().next().expect("one match");
            if p.death_date.is_some() && !auth.organisation.permit.deceased {
                (ReturnCode::Deceased, None, CriterionCode::Found, None)
            } else {
                (ReturnCode::Ok, None, CriterionCode::Found, Some(p))
            }
        }
        _ => (
            ReturnCode::Notice,
            Some(SEVERAL_TEXT),
            CriterionCode::TooMany,
            None,
        ),
    };
    let related = match &person {
        Some(p) => Some(
            henkilon_tunnus::related(
                p,
                &app.registry,
                app.settings().register_date(),
                &auth.product,
            )
            .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let withhold = person
        .as_ref()
        .is_some_and(|p| henkilon_tunnus::withhold_location(p, &auth.organisation));
    let view = person
        .as_ref()
        .zip(related.as_ref())
        .map(|(person, related)| PersonView {
            person,
            product: &auth.product,
            related,
            withhold_location: withhold,
        });
    let now = helsinki_now();
    let criteria = echo(&haku, ccode);
    let rendered = render::render(&Answer {
        product_name: &auth.product.name,
        code,
        code_text: text,
        criteria: &criteria,
        person: view,
        now: &now,
    });
    record.return_code = code.code().into();
    record.groups = rendered.groups.iter().map(|g| g.to_string()).collect();
    record.non_disclosure_applied = withhold && !rendered.groups.is_empty();
    Ok(rendered.xml)
}
