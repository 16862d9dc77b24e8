//! `TeeRakennusTunnusKysely`: a building by its permanent building identifier (VTJ-PRT,
//! `Rakennustunnus`) or a dwelling by `Huoneistotunnus`. Parses the identifiers into typed
//! values and authorises; no product serves this operation until building data and
//! products exist (issue 8), so an authorised query is answered `-1900`.

use crate::app::App;
use crate::audit::AuditRecord;
use crate::ids::{DwellingId, IdError, Prt};

use super::request::Params;
use super::{Caller, unserved};

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
    record.search_key = Request::parse(params).search_key();
    Ok(unserved(app, caller, params, record))
}
