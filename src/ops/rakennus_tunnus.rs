//! `TeeRakennusTunnusKysely`: a building by its permanent building identifier (VTJ-PRT) or
//! old building identifier (`Rakennustunnus`), or one dwelling by `Huoneistotunnus`.
//! Authorises with a building product ([`super::estate`]), looks the building up and
//! answers `VTJRakennusVastaussanoma` (docs/buildings.md): `0000` with the building as the
//! product shows it, `0001` when nothing is stored under the identifier, `0006` when the
//! identifier is malformed, `0005` when none is sent.

use crate::app::App;
use crate::audit::AuditRecord;
use crate::ids::{DwellingId, IdError, Prt};

use crate::codes::{CriterionCode, ReturnCode};
use crate::products::estate_render::{self, Subject};
use crate::registry::store::RegistryError;

use super::Caller;
use super::estate;
use super::request::{Operation, Params};

/// The typed request; an identifier that does not parse keeps its error for the handler.
#[derive(Debug, Clone)]
pub struct Request {
    pub rakennustunnus: Option<(String, Result<Prt, IdError>)>,
    pub huoneistotunnus: Option<(String, Result<DwellingId, IdError>)>,
}

impl Request {
    pub fn parse(p: &Params) -> Self {
        Request {
            rakennustunnus: p.get("Rakennustunnus").map(|s| (s.to_string(), s.parse())),
            huoneistotunnus: p.get("Huoneistotunnus").map(|s| (s.to_string(), s.parse())),
        }
    }

    /// The criterion used as the search key and its value.
    pub fn search_key(&self) -> Option<(String, String)> {
        match (&self.huoneistotunnus, &self.rakennustunnus) {
            (Some((v, _)), _) => Some(("Huoneistotunnus".into(), v.clone())),
            (None, Some((v, _))) => Some(("Rakennustunnus".into(), v.clone())),
            (None, None) => None,
        }
    }
}

/// Answers the query with a VTJ document.
pub fn answer(
    app: &App,
    caller: &Caller,
    params: &Params,
    record: &mut AuditRecord,
) -> Result<String, String> {
    let req = Request::parse(params);
    record.search_key = req.search_key();
    let auth = match estate::authorised(
        app,
        caller,
        Operation::TeeRakennusTunnusKysely,
        params,
        record,
    ) {
        Ok(a) => a,
        Err(document) => return Ok(document),
    };
    let registry = &app.registry;
    let err = |e: RegistryError| e.to_string();
    let mut criteria = Vec::new();
    let (code, text, subject) = match (&req.huoneistotunnus, &req.rakennustunnus) {
        (None, None) => (ReturnCode::Notice, Some(estate::NO_KEY_TEXT), None),
        (Some((sent, id)), prt) => {
            let found = match id {
                Ok(id) => match registry.dwelling(id).map_err(err)? {
                    Some(d) => registry
                        .building(d.building())
                        .map_err(err)?
                        .map(|b| (b, d)),
                    None => None,
                },
                Err(_) => None,
            };
            let (code, ccode) = outcome(id.is_ok(), found.is_some());
            criteria.push(("Huoneistotunnus", sent.clone(), ccode));
            if let Some((v, _)) = prt {
                criteria.insert(0, ("Rakennustunnus", v.clone(), CriterionCode::NotUsed));
            }
            let subject = match found {
                Some((b, d)) => Some(Subject::Building(
                    estate::view(registry, &auth.product, b, Some(d)).map_err(err)?,
                )),
                None => None,
            };
            (code, None, subject)
        }
        (None, Some((sent, prt))) => {
            let found = match prt {
                Ok(prt) => registry.building(prt).map_err(err)?,
                Err(_) => registry.building_by_old_id(sent).map_err(err)?,
            };
            let well_formed = prt.is_ok() || old_id_form(sent);
            let (code, ccode) = outcome(well_formed, found.is_some());
            criteria.push(("Rakennustunnus", sent.clone(), ccode));
            let subject = match found {
                Some(b) => Some(Subject::Building(
                    estate::view(registry, &auth.product, b, None).map_err(err)?,
                )),
                None => None,
            };
            (code, None, subject)
        }
    };
    Ok(estate::answer(
        record,
        estate_render::BUILDING_ROOT,
        &auth.product.name,
        code,
        text,
        &criteria,
        subject,
    ))
}

/// The return code and criterion code of a lookup by an identifier.
pub(crate) fn outcome(well_formed: bool, found: bool) -> (ReturnCode, CriterionCode) {
    match (well_formed, found) {
        (_, true) => (ReturnCode::Ok, CriterionCode::Found),
        (true, false) => (ReturnCode::NotFound, CriterionCode::NotFound),
        (false, false) => (ReturnCode::NotFoundByKey, CriterionCode::NotFound),
    }
}

/// Whether a value has the form of an old building identifier, `KKK-SSS-RRRR-YYYY-T-nnn`.
fn old_id_form(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    parts.len() == 6
        && digits(parts[0], 3)
        && digits(parts[1], 3)
        && digits(parts[2], 4)
        && digits(parts[3], 4)
        && parts[4].len() == 1
        && digits(parts[5], 3)
}
