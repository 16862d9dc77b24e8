//! The operations: each request goes wire → typed request → authorise → apply → render,
//! and its audit record is on disk before the answer is returned. One file per operation;
//! this file holds the direct interface's entry, the dispatcher both interfaces share
//! ([`dispatch`]) and the audit commit; the checks every query shares are [`check`]. The
//! X-Road entry is [`xroad`].

pub mod check;
pub mod criteria;
pub mod estate;
pub mod hae_tuotteen_skeema;
pub mod henkilon_poiminta;
pub mod henkilon_tunnistus;
pub mod henkilon_tunnus;
pub mod kiinteisto_tunnus;
pub mod kiinteiston_tunnistus;
pub mod rakennuksen_tunnistus;
pub mod rakennus_tunnus;
pub mod request;
pub mod validate;
pub mod xroad;

use crate::app::App;
use crate::audit::AuditRecord;
pub use crate::clock::helsinki_now;
use crate::codes::ReturnCode;
use crate::products::normalise;
use crate::products::render::{self, Answer};
use crate::soap::envelope::{self, Framing};
use crate::soap::{Fault, SoapVersion};

pub use check::{
    Authorised, Caller, QUOTA_TEXT, Refusal, authorise, authorise_with, refuse, refuse_with_text,
    unserved,
};
pub(crate) use check::{refusal, refusal_document, refusal_with_text};

use request::{Operation, Params, TEMPURI_NS};

/// What the HTTP layer sends back.
#[derive(Debug)]
pub struct SoapAnswer {
    pub status: u16,
    pub version: SoapVersion,
    pub body: String,
    /// Close the connection instead of answering (an injected fault).
    pub drop_connection: bool,
}

/// What a matching fault rule leaves the entry point to do.
pub enum Injection {
    /// No fault, or only latency: dispatch as usual.
    Continue,
    /// Answer this document instead of dispatching.
    Document(String),
    /// The answer is complete (audited): return it.
    Done(SoapAnswer),
}

/// Applies the first matching fault rule: waits its latency, then fills in the audit
/// record and says what the entry point does instead of (or before) dispatching.
pub async fn inject(
    app: &App,
    caller: &Caller,
    version: SoapVersion,
    op: Operation,
    params: &Params,
    record: &mut AuditRecord,
) -> Injection {
    use crate::faults::{Effect, Query};
    let key = params
        .get("Henkilotunnus")
        .or_else(|| params.get("SahkoinenAsiointitunnus"));
    let organisation = caller.organisation.as_ref().map(|o| o.id.as_str());
    let product = params.get("SoSoNimi").map(normalise);
    let query = Query {
        key,
        organisation,
        product: product.as_deref(),
        operation: op.name(),
    };
    let settings = app.settings();
    let Some((rule, latency)) = settings.faults.find(&query) else {
        return Injection::Continue;
    };
    let kind = rule.effect.kind();
    app.metrics.fault_injected(kind);
    tracing::info!(request_id = %caller.request_id, kind, origin = %rule.origin, "injecting a fault");
    record.fault_injected = Some(format!("{kind} ({})", rule.origin));
    if let Some(key) = key {
        record.search_key.get_or_insert_with(|| {
            let name = if params.get("Henkilotunnus").is_some() {
                "Henkilotunnus"
            } else {
                "SahkoinenAsiointitunnus"
            };
            (name.to_string(), key.to_string())
        });
    }
    if let Some(d) = latency {
        tokio::time::sleep(d).await;
    }
    let early = |status: u16, body: String, drop_connection: bool| SoapAnswer {
        status,
        version,
        body,
        drop_connection,
    };
    match &rule.effect {
        Effect::None => Injection::Continue,
        Effect::Answer(code) => Injection::Document(refuse(record, *code)),
        Effect::SoapFault(text) => {
            let fault = Fault::server(version, text.clone());
            Injection::Done(fault_answer(app, caller, record.clone(), fault, 500).await)
        }
        Effect::Unavailable => {
            record.return_code = "http 503".into();
            let _ = commit(app, caller, record.clone()).await;
            Injection::Done(early(
                503,
                "Service Unavailable (injected fault)\n".into(),
                false,
            ))
        }
        Effect::Drop => {
            record.return_code = "dropped".into();
            let _ = commit(app, caller, record.clone()).await;
            Injection::Done(early(0, String::new(), true))
        }
    }
}

/// Handles one request to the direct interface (`/sosowebsite/soso.asmx`).
pub async fn handle_direct(
    app: &App,
    caller: &Caller,
    framing: &Framing,
    body: &[u8],
) -> SoapAnswer {
    let mut record = new_record(caller, "direct");
    let version = framing.version;
    let parsed = envelope::parse(body, framing).and_then(|env| {
        let op = request::operation(version, env.action.as_deref(), &env.payload)?;
        record.operation = op.name().to_string();
        let params = Params::read(op, &env.payload, version)?;
        Ok((op, params))
    });
    let (op, params) = match parsed {
        Ok(x) => x,
        Err(fault) => return fault_answer(app, caller, record, fault, 500).await,
    };
    if caller.organisation.is_none() {
        let fault = Fault::client(
            version,
            format!(
                "the client certificate (subject {}, SHA-256 {}) is not registered to any organisation",
                caller.peer.subject,
                caller.peer.fingerprint_hex()
            ),
        );
        return fault_answer(app, caller, record, fault, 403).await;
    }
    let injected = match inject(app, caller, version, op, &params, &mut record).await {
        Injection::Done(answer) => return answer,
        Injection::Document(d) => Some(d),
        Injection::Continue => None,
    };
    // One buffer from the envelope's head to its tail: the document is written in place.
    let mut body = String::with_capacity(8192);
    open_direct(&mut body, version, op);
    match injected {
        Some(d) => body.push_str(&d),
        None => {
            if let Err(fault) =
                dispatch_into(app, caller, version, op, &params, &mut record, &mut body)
            {
                return fault_answer(app, caller, record, fault, 500).await;
            }
        }
    }
    close_direct(&mut body, op);
    record.response_sha256 = crate::audit::digest_hex(body.as_bytes());
    let body = match commit(app, caller, record).await {
        Ok(()) => body,
        Err(()) => wrap_direct(version, op, &refusal("", ReturnCode::Internal)),
    };
    SoapAnswer {
        status: 200,
        version,
        body,
        drop_connection: false,
    }
}

/// The direct interface's response envelope around `document`: the operation's
/// `…Response`/`…Result` elements inside the SOAP `Body`.
pub fn wrap_direct(version: SoapVersion, op: Operation, document: &str) -> String {
    let mut out = String::with_capacity(document.len() + 512);
    open_direct(&mut out, version, op);
    out.push_str(document);
    close_direct(&mut out, op);
    out
}

/// Appends the head of [`wrap_direct`]'s envelope, up to the `…Result` start tag.
pub fn open_direct(out: &mut String, version: SoapVersion, op: Operation) {
    envelope::open_envelope(out, version, None);
    for part in [
        "<",
        op.name(),
        "Response xmlns=\"",
        TEMPURI_NS,
        "\"><",
        op.name(),
        "Result>",
    ] {
        out.push_str(part);
    }
}

/// Appends the tail [`open_direct`] leaves open.
pub fn close_direct(out: &mut String, op: Operation) {
    for part in ["</", op.name(), "Result></", op.name(), "Response>"] {
        out.push_str(part);
    }
    envelope::close_envelope(out);
}

/// Runs one parsed query of either interface: fills the audit record, refuses a value
/// that breaks the request schema (before any lookup), and calls the operation's handler.
/// Returns the VTJ document, or a fault for an operation that has no answer here.
pub fn dispatch(
    app: &App,
    caller: &Caller,
    version: SoapVersion,
    op: Operation,
    params: &Params,
    record: &mut AuditRecord,
) -> Result<String, Fault> {
    let mut document = String::new();
    dispatch_into(app, caller, version, op, params, record, &mut document)?;
    Ok(document)
}

/// As [`dispatch`], appending the VTJ document to `out` (left as it was on a fault).
pub fn dispatch_into(
    app: &App,
    caller: &Caller,
    version: SoapVersion,
    op: Operation,
    params: &Params,
    record: &mut AuditRecord,
    out: &mut String,
) -> Result<(), Fault> {
    let start = out.len();
    let pushed = |out: &mut String, d: String| out.push_str(&d);
    record.operation = op.name().to_string();
    record.kayttajatunnus = params.get("Kayttajatunnus").map(str::to_string);
    record.loppukayttaja = params.get("Loppukayttaja").map(str::to_string);
    record.product = params.get("SoSoNimi").map(normalise);
    if let Some(violation) = &params.invalid {
        let code = validate::return_code(violation);
        tracing::info!(request_id = %caller.request_id, %violation, "request refused by the schema");
        record.return_code = code.code().into();
        let text = validate::code_text(code, violation);
        let product = record.product.as_deref().unwrap_or("");
        pushed(out, refusal_with_text(product, code, &text));
        return Ok(());
    }
    let mut push = |d: String| pushed(out, d);
    let done = match op {
        Operation::TeeHenkilonTunnusKysely => person_query(app, caller, params, record, out),
        Operation::TeeHenkilonTunnistusKysely => {
            henkilon_tunnistus::answer(app, caller, params, record).map(push)
        }
        Operation::TeeHenkilonPoimintaKysely => {
            henkilon_poiminta::answer(app, caller, params, record).map(push)
        }
        Operation::TeeRakennusTunnusKysely => {
            rakennus_tunnus::answer(app, caller, params, record).map(push)
        }
        Operation::TeeRakennuksenTunnistusKysely => {
            rakennuksen_tunnistus::answer(app, caller, params, record).map(push)
        }
        Operation::TeeKiinteistoTunnusKysely => {
            kiinteisto_tunnus::answer(app, caller, params, record).map(push)
        }
        Operation::TeeKiinteistonTunnistusKysely => {
            kiinteiston_tunnistus::answer(app, caller, params, record).map(push)
        }
        Operation::HaeTuotteenSkeema => {
            let org = caller.organisation.as_deref();
            let xsd = hae_tuotteen_skeema::answer(org, &app.settings().products, params, version)?;
            record.return_code = ReturnCode::Ok.code().into();
            push(xsd);
            Ok(())
        }
    };
    if let Err(message) = done {
        tracing::error!(request_id = %caller.request_id, %message, "query failed");
        record.return_code = ReturnCode::Internal.code().into();
        record.groups.clear();
        out.truncate(start);
        let product = record.product.as_deref().unwrap_or("");
        pushed(out, refusal(product, ReturnCode::Internal));
    }
    Ok(())
}

fn person_query(
    app: &App,
    caller: &Caller,
    params: &Params,
    record: &mut AuditRecord,
    out: &mut String,
) -> Result<(), String> {
    let req = henkilon_tunnus::Request::parse(params);
    record.search_key = req
        .search_key()
        .map(|(c, v)| (c.element().to_string(), v.to_string()));
    let auth = match authorise(
        app,
        caller.organisation.as_ref(),
        Operation::TeeHenkilonTunnusKysely,
        params,
    ) {
        Ok(a) => a,
        Err(refusal) => {
            record.return_code = refusal.code.code().into();
            record.refused_because = Some(refusal.reason);
            let product = record.product.as_deref().unwrap_or("");
            out.push_str(&refusal_document(product, refusal.code, refusal.text));
            return Ok(());
        }
    };
    record.product = Some(auth.product.name.clone());
    use crate::access::enduser::requested;
    if let Err(code) = app.live().end_user_certs.check(
        requested(params.get("VarmenteenVoimassaolotarkistus")),
        requested(params.get("VarmenteenSulkulistatarkistus")),
        params.get("X509Certificate"),
    ) {
        record.return_code = code.code().into();
        record.refused_because = Some("end-user certificate check".into());
        out.push_str(&refusal_document(&auth.product.name, code, None));
        return Ok(());
    }
    let today = app.settings().register_date();
    let found =
        henkilon_tunnus::apply(&req, &auth, &app.registry, today).map_err(|e| e.to_string())?;
    let withhold = found
        .person
        .as_ref()
        .is_some_and(|(p, _)| henkilon_tunnus::withhold_location(p, &auth.organisation));
    let now = helsinki_now();
    let groups = render::render_into(
        &Answer {
            product_name: &auth.product.name,
            code: found.code,
            code_text: found.code_text,
            criteria: &found.criteria,
            person: henkilon_tunnus::view(&found, &auth, withhold),
            now: &now,
        },
        &[],
        out,
    );
    record.return_code = found.code.code().into();
    record.groups = groups.iter().map(|g| g.to_string()).collect();
    record.non_disclosure_applied = withhold && !groups.is_empty();
    // A person reached by an electronic service identifier or a passive code.
    if let Some((p, _)) = &found.person
        && !groups.is_empty()
        && record
            .search_key
            .as_ref()
            .is_none_or(|(_, v)| *v != p.hetu.as_str())
    {
        record.disclosed = vec![p.hetu.to_string()];
    }
    Ok(())
}

pub(crate) async fn fault_answer(
    app: &App,
    caller: &Caller,
    mut record: AuditRecord,
    fault: Fault,
    status: u16,
) -> SoapAnswer {
    record.return_code = "fault".into();
    let body = fault.to_xml();
    record.response_sha256 = crate::audit::digest_hex(body.as_bytes());
    // A fault carries no data; it is answered even if the audit store failed.
    let _ = commit(app, caller, record).await;
    SoapAnswer {
        status,
        version: fault.version,
        body,
        drop_connection: false,
    }
}

/// Appends the record; the caller answers only after this returns.
pub(crate) async fn commit(app: &App, caller: &Caller, mut record: AuditRecord) -> Result<(), ()> {
    record.duration_us = caller.received.elapsed().as_micros() as u64;
    let organisation = record.organisation.as_deref().unwrap_or("");
    let product = record.product.as_deref().unwrap_or("");
    app.metrics.query(
        &record.operation,
        product,
        organisation,
        &record.return_code,
        record.duration_us as f64 / 1e6,
    );
    // The audit record is the per-query record: this line is at debug (the server logs a
    // periodic summary at info), and the search key, an identity code, only at trace.
    tracing::debug!(
        request_id = %caller.request_id,
        organisation,
        operation = %record.operation,
        product,
        code = %record.return_code,
        duration_us = record.duration_us,
        "query"
    );
    tracing::trace!(request_id = %caller.request_id, search_key = ?record.search_key, "query key");
    match app.audit.append_underway(record, &caller.underway).await {
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::error!(request_id = %caller.request_id, error = %e, "audit append failed: answering -1800");
            Err(())
        }
    }
}

pub fn new_record(caller: &Caller, interface: &str) -> AuditRecord {
    AuditRecord {
        seq: 0,
        time: jiff::Timestamp::now().to_string(),
        request_id: caller.request_id.clone(),
        organisation: caller.organisation.as_ref().map(|o| o.id.clone()),
        cert_sha256: caller.peer.fingerprint_hex(),
        cert_subject: caller.peer.subject.clone(),
        interface: interface.into(),
        xroad_client: None,
        xroad_user_id: None,
        operation: String::new(),
        kayttajatunnus: None,
        loppukayttaja: None,
        product: None,
        search_key: None,
        disclosed: Vec::new(),
        return_code: String::new(),
        groups: Vec::new(),
        non_disclosure_applied: false,
        refused_because: None,
        fault_injected: None,
        duration_us: 0,
        prev_sha256: String::new(),
        response_sha256: String::new(),
        filters: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::products::Related;
    use crate::products::render::PersonView;

    #[test]
    fn the_answer_written_in_place_is_the_document_wrapped_as_before() {
        let settings = crate::config::Settings::builtin().unwrap();
        let product = settings.products.get("PERUSSANOMA 3").unwrap();
        let fixtures = crate::registry::fixtures::Fixtures::builtin().unwrap();
        let person = fixtures
            .persons
            .iter()
            .find(|p| p.hetu.as_str() == "020501A999T")
            .unwrap();
        let related = Related::new(Default::default());
        let now = helsinki_now();
        let answer = Answer {
            product_name: &product.name,
            code: ReturnCode::Ok,
            code_text: None,
            criteria: &[],
            person: Some(PersonView {
                person,
                product: &product,
                related: &related,
                withhold_location: false,
            }),
            now: &now,
        };
        let document = render::render(&answer);
        assert!(!document.groups.is_empty());
        let op = Operation::TeeHenkilonTunnusKysely;
        for version in [SoapVersion::V11, SoapVersion::V12] {
            let mut body = String::new();
            open_direct(&mut body, version, op);
            let groups = render::render_into(&answer, &[], &mut body);
            close_direct(&mut body, op);
            assert_eq!(groups, document.groups);
            // The envelope as it was written before: the document formatted into the
            // operation's elements, then copied into the envelope.
            let before = envelope::wrap(
                version,
                None,
                &format!(
                    r#"<{op}Response xmlns="{TEMPURI_NS}"><{op}Result>{}</{op}Result></{op}Response>"#,
                    document.xml,
                    op = op.name()
                ),
            );
            assert_eq!(body, before);
            assert_eq!(wrap_direct(version, op, &document.xml), before);
        }
    }
}
