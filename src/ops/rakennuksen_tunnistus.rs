//! `TeeRakennuksenTunnistusKysely`: identifying a building by the criteria of `HakuXml`. Parses the criteria into a typed request
//! (malformed `HakuXml` is `-1903`) and authorises; no product serves this operation
//! until its data and products exist (issue 8), so an authorised query is answered `-1900`.

use crate::audit::AuditRecord;
use crate::codes::ReturnCode;

use super::haku_xml::{self, Criteria};
use super::request::Params;
use super::{Caller, unserved};
use crate::app::App;

/// The typed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub criteria: Option<Criteria>,
}

impl Request {
    pub fn parse(p: &Params) -> Result<Self, ReturnCode> {
        Ok(Request {
            criteria: haku_xml::parse(p.get("HakuXml"))?,
        })
    }
}

/// Answers the query with a VTJ document.
pub fn answer(
    app: &App,
    caller: &Caller,
    params: &Params,
    record: &mut AuditRecord,
) -> Result<String, String> {
    let req = match Request::parse(params) {
        Ok(r) => r,
        Err(code) => return Ok(super::refuse(record, code)),
    };
    record.search_key = req
        .criteria
        .as_ref()
        .map(|c| ("HakuXml".to_string(), c.summary()));
    Ok(unserved(app, caller, params, record))
}
