//! `TeeRakennuksenTunnistusKysely`: identifying a building by street address and
//! municipality, the criteria of a `RakennuksenTunnistusHaku` document (docs/hakuxml.md).
//! Unreadable `HakuXml` is `-1903`, a document of the wrong form `-1805`; then the shared
//! checks with a building product (identification needs the permit flag, `0019`). The
//! search is one prefix read of the address index ([`crate::registry::estate_index`]):
//! one building answers `VTJRakennusVastaussanoma` (docs/buildings.md), none `0001`,
//! several `0005` "Löytyi useampi kuin 1." with `hakuperustePaluukoodi` 3.

use crate::app::App;
use crate::audit::AuditRecord;
use crate::codes::ReturnCode;
use crate::hakuxml::RakennuksenTunnistusHaku;
use crate::products::estate_render::{self, Subject};
use crate::registry::estate_index::split_address;

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
    let root = estate_render::BUILDING_ROOT;
    let criteria = match criteria::read::<RakennuksenTunnistusHaku>(params) {
        Ok(c) => c,
        Err((code, text)) => {
            record.return_code = code.code().into();
            return Ok(estate::refusal(root, "", code, Some(&text)));
        }
    };
    record.search_key = criteria.search_key();
    let op = Operation::TeeRakennuksenTunnistusKysely;
    let auth = match estate::authorised(app, caller, op, params, record) {
        Ok(a) => a,
        Err(document) => return Ok(document),
    };
    let haku = match criteria.into_given() {
        Ok(h) => h,
        Err(text) => return Ok(notice(record, &auth.product.name, text)),
    };
    let address = haku.katuosoite.as_deref().unwrap_or("").trim();
    let municipality = haku.kuntanumero.as_deref().unwrap_or("").trim();
    let (street, number) = split_address(address);
    let found = app
        .registry
        .buildings_at(municipality, &street, number.as_deref())
        .map_err(|e| e.to_string())?;
    let (code, text, ccode, one) = estate::identified(found);
    let subject = match one {
        Some(b) => {
            record.disclosed = vec![b.prt.to_string()];
            let view = estate::view(&app.registry, &auth.product, b, None);
            Some(Subject::Building(view.map_err(|e| e.to_string())?))
        }
        None => None,
    };
    let echoed = estate::echo(
        &[
            ("Katuosoite", &haku.katuosoite),
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

fn notice(record: &mut AuditRecord, product: &str, text: &str) -> String {
    record.return_code = ReturnCode::Notice.code().into();
    estate::refusal(
        estate_render::BUILDING_ROOT,
        product,
        ReturnCode::Notice,
        Some(text),
    )
}
