//! `TeeHenkilonPoimintaKysely`: an extraction of persons by the criteria of `HakuXml` (a
//! `HenkilonPoimintaHaku` document, see docs/hakuxml.md). Reads the criteria into a typed
//! request (unreadable `HakuXml` is `-1903`, a document of the wrong form `-1805`) and
//! authorises; no product serves this operation until its data and products exist (issue
//! 8), so an authorised query is answered `-1900`.

use crate::app::App;
use crate::audit::AuditRecord;
use crate::hakuxml::HenkilonPoimintaHaku;

use super::Caller;
use super::criteria;
use super::request::Params;

/// Answers the query with a VTJ document.
pub fn answer(
    app: &App,
    caller: &Caller,
    params: &Params,
    record: &mut AuditRecord,
) -> Result<String, String> {
    criteria::answer_unserved::<HenkilonPoimintaHaku>(app, caller, params, record)
}
