//! The checks every query shares, before any operation of its own: who is asking
//! ([`Caller`]), the credentials, permit, product and quota ([`authorise`]), and the
//! documents that carry only a return code when a query is refused. Knows the
//! application state and the typed request; nothing of any one operation, which stand on
//! this.

use std::sync::Arc;
use std::time::Instant;

use crate::access::Organisation;
use crate::access::idle::{self, IdleStatus};
use crate::app::App;
use crate::audit::AuditRecord;
use crate::audit::log::Underway;
use crate::clock::helsinki_now;
use crate::codes::ReturnCode;
use crate::operation::Operation;
use crate::products::render::{self, Answer};
use crate::products::{Product, normalise};
use crate::tls::PeerIdentity;

use super::request::Params;

/// Who is asking, as the connection established it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub peer: Arc<PeerIdentity>,
    pub organisation: Option<Arc<Organisation>>,
    pub request_id: String,
    pub received: Instant,
    /// Counts the query as work under way until its record is in the audit writer's
    /// queue ([`Underway`]).
    pub underway: Arc<Underway>,
}

/// A query that passed the shared checks (`P`: a person product, or another kind, e.g. a
/// building product).
pub struct Authorised<P = Product> {
    pub organisation: Arc<Organisation>,
    pub product: Arc<P>,
    pub kayttajatunnus: String,
}

/// A query refused by the shared checks: the code answered, its text if not the standard
/// one, and the reason kept in the audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ReturnCode,
    pub text: Option<&'static str>,
    pub reason: String,
}

fn deny(code: ReturnCode, reason: impl Into<String>) -> Refusal {
    Refusal {
        code,
        text: None,
        reason: reason.into(),
    }
}

/// How stale a recorded last use may be before a query records it again.
const LAST_USE_RESOLUTION: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// The 0005 text of a query refused for quota (the emulator's wording).
pub const QUOTA_TEXT: &str =
    "Kyselyjen enimmäismäärä on ylitetty / Det maximala antalet förfrågningar har överskridits";

/// The checks every query makes, in this order: user id (0004), password (0003), lock and
/// credential pair (-1500), idle deactivation (-1500), end user (-1904), operation and
/// permit (0019), product (-1900), quota (0005).
pub fn authorise(
    app: &App,
    organisation: Option<&Arc<Organisation>>,
    op: Operation,
    params: &Params,
) -> Result<Authorised, Refusal> {
    authorise_with(app, organisation, op, params, |s, n| {
        s.products.get(n).map(|p| {
            let name = normalise(&p.name);
            (p, name)
        })
    })
}

/// [`authorise`] with the products of another kind: `lookup` finds the product a
/// `SoSoNimi` names, with its normalised name (which the permit must list).
pub fn authorise_with<P>(
    app: &App,
    organisation: Option<&Arc<Organisation>>,
    op: Operation,
    params: &Params,
    lookup: impl Fn(&crate::config::Settings, &str) -> Option<(Arc<P>, String)>,
) -> Result<Authorised<P>, Refusal> {
    let settings = app.settings();
    let access = &settings.access;
    let state = &app.access;
    let user = params
        .get("Kayttajatunnus")
        .ok_or_else(|| deny(ReturnCode::MissingUser, "user id missing"))?;
    let password = params
        .get("Salasana")
        .ok_or_else(|| deny(ReturnCode::MissingPassword, "password missing"))?;
    let organisation = organisation
        .ok_or_else(|| deny(ReturnCode::BadCredentials, "certificate of no organisation"))?;
    let now = Instant::now();
    if state.lockouts.is_locked(&organisation.id, user, now) {
        return Err(deny(
            ReturnCode::BadCredentials,
            "user locked after repeated wrong passwords",
        ));
    }
    let Some(service_user) = organisation.authenticate(user, password) else {
        if organisation.user(user).is_some()
            && state
                .lockouts
                .record_failure(access.lockout, &organisation.id, user, now)
                == crate::access::lockout::Failure::Locked
        {
            app.metrics.user_locked();
            tracing::warn!(organisation = %organisation.id, kayttajatunnus = %user, cooling = ?access.lockout.cooling, "service user locked after repeated wrong passwords");
        }
        return Err(deny(
            ReturnCode::BadCredentials,
            "wrong user id or password",
        ));
    };
    state.lockouts.record_success(&organisation.id, user);
    let stamp = jiff::Timestamp::now();
    let internal = |e: sled::Error| deny(ReturnCode::Internal, format!("last-use store: {e}"));
    let last = state
        .last_use
        .get_or_start(&organisation.id, user, stamp)
        .map_err(internal)?;
    if let IdleStatus::Deactivated { since } =
        idle::status(last, service_user.reactivated, access.idle_after, stamp)
    {
        tracing::info!(organisation = %organisation.id, kayttajatunnus = %user, %since, "query by a deactivated (idle) service user");
        return Err(deny(
            ReturnCode::BadCredentials,
            format!(
                "user deactivated on {since}: unused for {:#}",
                access.idle_after
            ),
        ));
    }
    // The idle period is months long: recording the use once an hour is exact enough and
    // keeps a store write off the path of every query.
    if stamp.duration_since(last) > LAST_USE_RESOLUTION {
        state
            .last_use
            .touch(&organisation.id, user, stamp)
            .map_err(internal)?;
    }
    params
        .get("Loppukayttaja")
        .ok_or_else(|| deny(ReturnCode::MissingEndUser, "end user missing"))?;
    let permit = organisation.permit;
    let gated = match op {
        Operation::TeeHenkilonTunnistusKysely
        | Operation::TeeRakennuksenTunnistusKysely
        | Operation::TeeKiinteistonTunnistusKysely => !permit.identification,
        Operation::TeeHenkilonPoimintaKysely => !permit.extraction,
        _ => false,
    };
    if gated || !organisation.may_run(service_user, op.name()) {
        return Err(deny(
            ReturnCode::CannotDisclose,
            format!("operation {} not in the permit", op.name()),
        ));
    }
    let product = params
        .get("SoSoNimi")
        .and_then(|n| lookup(&settings, n))
        .filter(|(_, name)| organisation.may_use_product(service_user, name))
        .map(|(p, _)| p)
        .ok_or_else(|| {
            deny(
                ReturnCode::UnknownProduct,
                "product unknown or not permitted",
            )
        })?;
    let today = helsinki_now().date();
    if let Err(over) = state
        .quotas
        .admit(&organisation.id, organisation.quota, now, today)
    {
        app.metrics.quota_refused();
        tracing::info!(organisation = %organisation.id, reason = over.reason(), "query refused for quota");
        return Err(Refusal {
            code: ReturnCode::Notice,
            text: Some(QUOTA_TEXT),
            reason: over.reason().to_string(),
        });
    }
    Ok(Authorised {
        organisation: organisation.clone(),
        product,
        kayttajatunnus: user.to_string(),
    })
}

/// An operation no product of the emulator serves yet: the shared checks run (so wrong
/// credentials, a missing end user or an unpermitted product get their codes), and an
/// authorised query is `-1900`, as no product of the permit answers this operation.
pub fn unserved(app: &App, caller: &Caller, params: &Params, record: &mut AuditRecord) -> String {
    let op = Operation::from_name(&record.operation).expect("dispatch records the operation");
    match authorise(app, caller.organisation.as_ref(), op, params) {
        Ok(_) => refuse(record, ReturnCode::UnknownProduct),
        Err(refusal) => {
            record.refused_because = Some(refusal.reason);
            record.return_code = refusal.code.code().into();
            refusal_document(
                record.product.as_deref().unwrap_or(""),
                refusal.code,
                refusal.text,
            )
        }
    }
}

/// Records `code` and returns the document that carries only it.
pub fn refuse(record: &mut AuditRecord, code: ReturnCode) -> String {
    record.return_code = code.code().into();
    refusal(record.product.as_deref().unwrap_or(""), code)
}

/// As [`refuse`], with a `Paluukoodi` text of its own (saying what was wrong).
pub fn refuse_with_text(record: &mut AuditRecord, code: ReturnCode, text: &str) -> String {
    record.return_code = code.code().into();
    refusal_with_text(record.product.as_deref().unwrap_or(""), code, text)
}

/// A document that carries only a return code (refusals and failures).
pub(crate) fn refusal(product_name: &str, code: ReturnCode) -> String {
    refusal_with_text(product_name, code, code.text())
}

/// A refusal whose text, if any, replaces the code's standard one.
pub(crate) fn refusal_document(product_name: &str, code: ReturnCode, text: Option<&str>) -> String {
    refusal_with_text(product_name, code, text.unwrap_or(code.text()))
}

pub(crate) fn refusal_with_text(product_name: &str, code: ReturnCode, text: &str) -> String {
    let now = helsinki_now();
    render::render(&Answer {
        product_name,
        code,
        code_text: Some(text),
        criteria: &[],
        person: None,
        now: &now,
    })
    .xml
}
