//! `TeeRakennuksenTunnistusKysely`: identifying a building by the criteria of `HakuXml` (a
//! `RakennuksenTunnistusHaku` document, see docs/hakuxml.md). Reads the criteria into a
//! typed request (unreadable `HakuXml` is `-1903`, a document of the wrong form `-1805`)
//! and authorises; no product serves this operation until its data and products exist
//! (issue 8), so an authorised query is answered `-1900`.

use crate::app::App;
use crate::audit::AuditRecord;
use crate::hakuxml::RakennuksenTunnistusHaku;

use super::criteria::{self, Criteria};
use super::request::Params;
use super::{Caller, refuse_with_text, unserved};

/// The typed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub criteria: Criteria<RakennuksenTunnistusHaku>,
}

impl Request {
    /// Reads the criteria; a refusal is its return code and text.
    pub fn parse(p: &Params) -> Result<Self, (crate::codes::ReturnCode, String)> {
        Ok(Request {
            criteria: criteria::read(p)?,
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
        Err((code, text)) => return Ok(refuse_with_text(record, code, &text)),
    };
    record.search_key = req.criteria.search_key();
    Ok(unserved(app, caller, params, record))
}
