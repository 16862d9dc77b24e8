//! `TeeHenkilonTunnistusKysely`: identifying a person by surname, first names and birth
//! date (optionally home municipality), the criteria of a `HenkilonTunnistusHaku` document
//! (docs/hakuxml.md). Unreadable `HakuXml` is `-1903`, a document of the wrong form
//! `-1805` (both before any lookup); then the shared checks, which refuse organisations
//! whose permit lacks identification searches (`0019`). The search is one point read of
//! the identification index ([`crate::registry::name_index`]) under the surname, birth date
//! and first name; its entries carry the first names and municipality that are compared
//! and a copy of each record, so only the records of the persons that match are decoded
//! and the persons tree is not read: one match answers the product's document for that person
//! (`0000`), none `0001`, several `0005` "Löytyi useampi kuin 1." with
//! `hakuperustePaluukoodi` 3, a missing mandatory criterion `0005` with its text.

use crate::app::App;
use crate::audit::AuditRecord;
use crate::codes::{CriterionCode, ReturnCode};
use crate::hakuxml::{self, HenkilonTunnistusHaku, given};
use crate::products::Criterion;
use crate::products::render::{self, Answer, CriterionEcho, PersonView};
use crate::registry::model::Person;
use crate::registry::name_index::{normalise, normalised_first_names_match};
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
    let first = normalise(first);
    registry
        .identify(&normalise(surname), birth, &first, |entry| {
            normalised_first_names_match(&first, entry.first_names)
                && municipality.is_none_or(|k| entry.municipality == Some(k))
        })
        .map_err(|e: RegistryError| e.to_string())
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
    if let Some(p) = &person
        && !rendered.groups.is_empty()
    {
        record.disclosed = vec![p.hetu.to_string()];
    }
    Ok(rendered.xml)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::ids::Hetu;
    use crate::registry::model::HomeMunicipality;

    fn person(individual: u16, first: &str, municipality: Option<&str>) -> Person {
        let hetu = Hetu::new(date(1985, 3, 15), individual, '-').unwrap();
        let mut p = Person::new(hetu, "Virtanen".into(), first.into());
        p.home_municipality = municipality.map(|code| HomeMunicipality {
            code: code.into(),
            since: None,
        });
        p
    }

    fn haku(first: &str, municipality: Option<&str>) -> HenkilonTunnistusHaku {
        HenkilonTunnistusHaku {
            sukunimi: Some(" VIRTANEN ".into()),
            etunimet: Some(first.into()),
            syntymaaika: Some("19850315".into()),
            kuntanumero: municipality.map(String::from),
        }
    }

    fn codes(found: Vec<Person>) -> Vec<String> {
        let mut c: Vec<String> = found.into_iter().map(|p| p.hetu.to_string()).collect();
        c.sort();
        c
    }

    /// Forty namesakes born the same day: the search answers from the index and reads
    /// only the records of those that match. The records of the others are made
    /// unreadable in the store, so reading any of them would fail the search.
    #[test]
    fn among_many_namesakes_only_the_matches_are_read() {
        let reg = Registry::temporary().unwrap();
        let mut namesakes = Vec::new();
        for i in 0..40u16 {
            // Matti, Matti Juhani (in Tampere) and Juhani Matti, in turn, across
            // municipalities; one Anna-Liisa among them.
            let (first, muni) = match i % 4 {
                0 => ("Matti", Some("091")),
                1 => ("Matti Juhani", Some("837")),
                2 => ("Juhani Matti", Some("091")),
                _ => ("Matti", None),
            };
            let first = if i == 7 { "Anna-Liisa" } else { first };
            namesakes.push(person(900 + i, first, muni));
        }
        // Half through the bulk writer, half one by one: both fill the index alike.
        let mut bulk = reg.bulk();
        for p in &namesakes[..20] {
            bulk.person(p).unwrap();
        }
        bulk.finish().unwrap();
        for p in &namesakes[20..] {
            reg.put(p).unwrap();
        }
        let code = |i: usize| namesakes[i].hetu.to_string();
        let is = |i: usize, first: &str, muni: Option<&str>| {
            normalised_first_names_match(&normalise(first), &normalise(&namesakes[i].first_names))
                && muni.is_none_or(|m| {
                    namesakes[i]
                        .home_municipality
                        .as_ref()
                        .map(|h| h.code.as_str())
                        == Some(m)
                })
        };
        // Spoil the record of every namesake that "Matti Juhani" in Tampere does not match.
        let spoiled = |i: usize| !is(i, "Matti Juhani", Some("837"));
        for (i, p) in namesakes.iter().enumerate() {
            if spoiled(i) {
                reg.raw_insert("persons", p.hetu.as_str().as_bytes(), b"not a record")
                    .unwrap();
            }
        }
        let mut want: Vec<String> = (1..40).step_by(4).map(code).collect();
        assert_eq!(want.len(), 10);
        want.sort();
        assert_eq!(
            codes(search(&haku("matti  JUHANI", Some("837")), &reg).unwrap()),
            want
        );
        // The first-name rule still holds on the index: "Juhani" is nobody's first name
        // here, "Anna - liisa" is one person's.
        assert!(
            search(&haku("Juhani", Some("837")), &reg)
                .unwrap()
                .is_empty()
        );
        assert!(
            search(&haku("Matti Juhani", Some("091")), &reg)
                .unwrap()
                .is_empty()
        );
        // Without spoiled records: the municipality narrows, no municipality widens.
        for p in &namesakes {
            let record = crate::registry::store::encode(p);
            reg.raw_insert("persons", p.hetu.as_str().as_bytes(), &record)
                .unwrap();
            reg.put(p).unwrap();
        }
        assert_eq!(
            codes(search(&haku("Anna - liisa", None), &reg).unwrap()),
            [code(7)]
        );
        let mattis = search(&haku("Matti", None), &reg).unwrap();
        assert_eq!(
            mattis.len(),
            (0..40).filter(|&i| is(i, "Matti", None)).count()
        );
        assert_eq!(mattis.len(), 10 + 10 + 9);
        let in_helsinki = search(&haku("Matti", Some("091")), &reg).unwrap();
        assert_eq!(in_helsinki.len(), 10);
        // A person re-put under another name is found under the new name only.
        let mut moved = namesakes[0].clone();
        moved.first_names = "Pekka".into();
        moved.home_municipality = None;
        reg.put(&moved).unwrap();
        assert_eq!(search(&haku("Matti", Some("091")), &reg).unwrap().len(), 9);
        assert_eq!(
            codes(search(&haku("pekka", None), &reg).unwrap()),
            [code(0)]
        );
    }
}
