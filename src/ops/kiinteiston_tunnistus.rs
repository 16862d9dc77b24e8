//! `TeeKiinteistonTunnistusKysely`: identifying a property by its name and municipality,
//! the criteria of a `KiinteistonTunnistusHaku` document (docs/hakuxml.md). Unreadable
//! `HakuXml` is `-1903`, a document of the wrong form `-1805`; then the shared checks with
//! a building product (identification needs the permit flag, `0019`). The search is one
//! prefix read of the property-name index ([`crate::registry::estate_index`]; names compare
//! as person names do): one property answers `VTJKiinteistoVastaussanoma`
//! (docs/buildings.md), none `0001`, several `0005` with `hakuperustePaluukoodi` 3.

use crate::app::App;
use crate::audit::AuditRecord;
use crate::codes::ReturnCode;
use crate::hakuxml::KiinteistonTunnistusHaku;
use crate::products::estate_render::{self, Subject};

use super::Caller;
use super::criteria;
use super::estate;
use super::request::{Operation, Params};

/// Answers the query with a VTJ document.
pub fn answer(
    app: &App,
    caller: &Caller,
    params: &Params,
    record: &mut AuditRecord,
) -> Result<String, String> {
    let root = estate_render::PROPERTY_ROOT;
    let criteria = match criteria::read::<KiinteistonTunnistusHaku>(params) {
        Ok(c) => c,
        Err((code, text)) => {
            record.return_code = code.code().into();
            return Ok(estate::refusal(root, "", code, Some(&text)));
        }
    };
    record.search_key = criteria.search_key();
    let op = Operation::TeeKiinteistonTunnistusKysely;
    let auth = match estate::authorised(app, caller, op, params, record) {
        Ok(a) => a,
        Err(document) => return Ok(document),
    };
    let notice = |record: &mut AuditRecord, text: &str| {
        record.return_code = ReturnCode::Notice.code().into();
        estate::refusal(root, &auth.product.name, ReturnCode::Notice, Some(text))
    };
    let haku = match criteria.into_given() {
        Ok(h) => h,
        Err(text) => return Ok(notice(record, text)),
    };
    let name = haku.nimi.as_deref().unwrap_or("").trim();
    let municipality = haku.kuntanumero.as_deref().unwrap_or("").trim();
    let err = |e: crate::registry::RegistryError| e.to_string();
    let found = app
        .registry
        .properties_named(municipality, name)
        .map_err(err)?;
    let (code, text, ccode, one) = estate::identified(found);
    let subject = match one {
        Some(p) => {
            record.disclosed = vec![p.id.to_string()];
            let mut buildings = Vec::new();
            for b in app.registry.buildings_of(&p.id).map_err(err)? {
                buildings.push(estate::view(&app.registry, &auth.product, b, None).map_err(err)?);
            }
            Some(Subject::Property(p, buildings))
        }
        None => None,
    };
    let echoed = estate::echo(
        &[
            ("KiinteistoyksikonNimi", &haku.nimi),
            ("Kuntanumero", &haku.kuntanumero),
        ],
        ccode,
    );
    Ok(estate::answer(
        record,
        root,
        &auth.product.name,
        code,
        text,
        &echoed,
        subject,
    ))
}
