//! `TeeHenkilonPoimintaKysely` (extraction): the persons whose home municipality is
//! `Kuntanumero`, optionally born between `SyntymaaikaAlku` and `SyntymaaikaLoppu`, read
//! from a `HenkilonPoimintaHaku` document (docs/hakuxml.md, docs/extraction.md). Only for
//! organisations whose permit grants extraction (`0019` otherwise, audited), and bounded:
//! at most `Enimmaismaara` persons and never more than the permit's `extraction_max`. When
//! more persons match than the bound, nothing is disclosed (`0005`, narrow the criteria).
//! Deceased persons are not extracted. One range read of the extraction index.

use crate::app::App;
use crate::audit::AuditRecord;
use crate::codes::{CriterionCode, ReturnCode};
use crate::hakuxml::{self, HenkilonPoimintaHaku, given};
use crate::products::Criterion;
use crate::products::render::{self, Answer, CriterionEcho, PersonView};

use super::criteria;
use super::request::{Operation, Params};
use super::{Caller, helsinki_now, henkilon_tunnus, refuse_with_text};

/// Answers the query with a VTJ document.
pub fn answer(
    app: &App,
    caller: &Caller,
    params: &Params,
    record: &mut AuditRecord,
) -> Result<String, String> {
    let criteria = match criteria::read::<HenkilonPoimintaHaku>(params) {
        Ok(c) => c,
        Err((code, text)) => return Ok(refuse_with_text(record, code, &text)),
    };
    record.search_key = criteria.search_key();
    let op = Operation::TeeHenkilonPoimintaKysely;
    let auth = match criteria::authorised(app, caller, op, params, record) {
        Ok(a) => a,
        Err(document) => return Ok(document),
    };
    let haku = match criteria.into_given() {
        Ok(h) => h,
        Err(text) => return Ok(refuse_with_text(record, ReturnCode::Notice, text)),
    };
    let date = |v: &Option<String>| {
        given(v)
            .map(hakuxml::date)
            .transpose()
            .map_err(|e| e.to_string())
    };
    let from = date(&haku.syntymaaika_alku)?.unwrap_or(jiff::civil::date(1800, 1, 1));
    let to = date(&haku.syntymaaika_loppu)?.unwrap_or(jiff::civil::date(9999, 12, 30));
    let cap = auth.organisation.permit.extraction_max;
    let asked = given(&haku.enimmaismaara).and_then(|m| m.parse::<u32>().ok());
    let bound = asked.map_or(cap, |a| a.min(cap)) as usize;
    let municipality = given(&haku.kuntanumero).unwrap_or("");
    let living =
        |p: &crate::registry::Person| p.death_date.is_none() && p.declared_dead_date.is_none();
    let found = app
        .registry
        .persons_of_municipality(municipality, from, to, bound + 1, living)
        .map_err(|e| e.to_string())?;
    let too_many = format!(
        "Hakuehdoilla löytyi enemmän kuin {bound} henkilöä. / Sökkriterierna gav fler än {bound} personer."
    );
    let (code, text, ccode) = match found.len() {
        0 => (ReturnCode::NotFound, None, CriterionCode::NotFound),
        n if n > bound => (
            ReturnCode::Notice,
            Some(too_many.as_str()),
            CriterionCode::TooMany,
        ),
        _ => (ReturnCode::Ok, None, CriterionCode::Found),
    };
    let persons = if code == ReturnCode::Ok {
        found
    } else {
        Vec::new()
    };
    let today = app.settings().register_date();
    let mut related = Vec::with_capacity(persons.len());
    for p in &persons {
        related.push(
            henkilon_tunnus::related(p, &app.registry, today, &auth.product)
                .map_err(|e| e.to_string())?,
        );
    }
    let mut any_withheld = false;
    let views: Vec<PersonView> = persons
        .iter()
        .zip(&related)
        .map(|(person, related)| {
            let withhold = henkilon_tunnus::withhold_location(person, &auth.organisation);
            any_withheld |= withhold;
            PersonView {
                person,
                product: &auth.product,
                related,
                withhold_location: withhold,
            }
        })
        .collect();
    let echoed: Vec<CriterionEcho> = [
        (Criterion::Kuntanumero, &haku.kuntanumero),
        (Criterion::SyntymaaikaAlku, &haku.syntymaaika_alku),
        (Criterion::SyntymaaikaLoppu, &haku.syntymaaika_loppu),
        (Criterion::Enimmaismaara, &haku.enimmaismaara),
    ]
    .into_iter()
    .filter_map(|(criterion, v)| {
        given(v).map(|value| CriterionEcho {
            criterion,
            value: value.to_string(),
            code: ccode,
        })
    })
    .collect();
    let now = helsinki_now();
    let rendered = render::render_with(
        &Answer {
            product_name: &auth.product.name,
            code,
            code_text: text,
            criteria: &echoed,
            person: None,
            now: &now,
        },
        &views,
    );
    record.return_code = code.code().into();
    record.groups = rendered.groups.iter().map(|g| g.to_string()).collect();
    record.non_disclosure_applied = any_withheld && !rendered.groups.is_empty();
    if !rendered.groups.is_empty() {
        record.disclosed = persons.iter().map(|p| p.hetu.to_string()).collect();
    }
    Ok(rendered.xml)
}
