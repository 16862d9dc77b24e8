//! `TeeKiinteistoTunnusKysely`: a property by its property identifier
//! (`Kiinteistotunnus`). Parses the identifier into a typed value and authorises; no
//! product serves this operation until property data and products exist (issue 8), so
//! an authorised query is answered `-1900`.

use crate::app::App;
use crate::audit::AuditRecord;
use crate::ids::{IdError, PropertyId};

use super::request::Params;
use super::{Caller, unserved};

/// The typed request; an identifier that does not parse keeps its error for the handler.
#[derive(Debug, Clone)]
pub struct Request {
    pub kiinteistotunnus: Option<(String, Result<PropertyId, IdError>)>,
}

impl Request {
    pub fn parse(p: &Params) -> Self {
        Request {
            kiinteistotunnus: p
                .get("Kiinteistotunnus")
                .map(|s| (s.to_string(), s.parse())),
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
    record.search_key = req
        .kiinteistotunnus
        .map(|(v, _)| ("Kiinteistotunnus".to_string(), v));
    Ok(unserved(app, caller, params, record))
}
