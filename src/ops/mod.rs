//! The operations: each request goes wire → typed request → authorise → apply → render,
//! and its audit record is on disk before the answer is returned. One file per operation;
//! this file holds the dispatcher and the checks every query shares.

pub mod henkilon_tunnus;
pub mod request;

use std::sync::Arc;
use std::time::Instant;

use jiff::Zoned;
use jiff::tz::TimeZone;

use crate::access::Organisation;
use crate::app::App;
use crate::audit::AuditRecord;
use crate::codes::ReturnCode;
use crate::products::render::{self, Answer};
use crate::products::{Product, Products, normalise};
use crate::soap::envelope::{self, Framing};
use crate::soap::{Fault, SoapVersion};
use crate::tls::PeerIdentity;

use request::{Operation, Params, TEMPURI_NS};

/// What the HTTP layer sends back.
#[derive(Debug)]
pub struct SoapAnswer {
    pub status: u16,
    pub version: SoapVersion,
    pub body: String,
}

/// Who is asking, as the connection established it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub peer: Arc<PeerIdentity>,
    pub organisation: Option<Arc<Organisation>>,
    pub request_id: String,
    pub received: Instant,
}

/// A query that passed the shared checks.
pub struct Authorised {
    pub organisation: Arc<Organisation>,
    pub product: Arc<Product>,
}

/// The checks every query makes, in the order the service makes them: user id and
/// password (0004, 0003, -1500), end user (-1904), product and permit (-1900).
pub fn authorise(
    organisation: Option<&Arc<Organisation>>,
    params: &Params,
    products: &Products,
) -> Result<Authorised, ReturnCode> {
    let user = params
        .get("Kayttajatunnus")
        .ok_or(ReturnCode::MissingUser)?;
    let password = params.get("Salasana").ok_or(ReturnCode::MissingPassword)?;
    let organisation = organisation
        .filter(|o| o.authenticate(user, password))
        .ok_or(ReturnCode::BadCredentials)?;
    params
        .get("Loppukayttaja")
        .ok_or(ReturnCode::MissingEndUser)?;
    let product = params
        .get("SoSoNimi")
        .and_then(|n| products.get(n))
        .filter(|p| organisation.may_use_product(&normalise(&p.name)))
        .ok_or(ReturnCode::UnknownProduct)?;
    Ok(Authorised {
        organisation: organisation.clone(),
        product,
    })
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
    record.kayttajatunnus = params.get("Kayttajatunnus").map(str::to_string);
    record.loppukayttaja = params.get("Loppukayttaja").map(str::to_string);
    record.product = params.get("SoSoNimi").map(normalise);

    let document = match op {
        Operation::TeeHenkilonTunnusKysely => person_query(app, caller, &params, &mut record),
        other => {
            let fault = Fault::server(
                version,
                format!(
                    "operation {} is not available in this version of the emulator",
                    other.name()
                ),
            );
            return fault_answer(app, caller, record, fault, 500).await;
        }
    };
    let document = match document {
        Ok(d) => d,
        Err(message) => {
            tracing::error!(request_id = %caller.request_id, %message, "query failed");
            record.return_code = ReturnCode::Internal.code().into();
            record.groups.clear();
            refusal(
                record.product.as_deref().unwrap_or(""),
                ReturnCode::Internal,
            )
        }
    };
    let wrap = |document: &str| {
        let body = format!(
            r#"<{op}Response xmlns="{TEMPURI_NS}"><{op}Result>{document}</{op}Result></{op}Response>"#,
            op = op.name()
        );
        envelope::wrap(version, None, &body)
    };
    let body = wrap(&document);
    record.response_sha256 = crate::audit::digest_hex(body.as_bytes());
    let body = match commit(app, caller, record).await {
        Ok(()) => body,
        Err(()) => wrap(&refusal("", ReturnCode::Internal)),
    };
    SoapAnswer {
        status: 200,
        version,
        body,
    }
}

fn person_query(
    app: &App,
    caller: &Caller,
    params: &Params,
    record: &mut AuditRecord,
) -> Result<String, String> {
    let req = henkilon_tunnus::Request::parse(params);
    record.search_key = req
        .search_key()
        .map(|(c, v)| (c.element().to_string(), v.to_string()));
    let auth = match authorise(caller.organisation.as_ref(), params, &app.settings.products) {
        Ok(a) => a,
        Err(code) => {
            record.return_code = code.code().into();
            return Ok(refusal(record.product.as_deref().unwrap_or(""), code));
        }
    };
    record.product = Some(auth.product.name.clone());
    let found =
        henkilon_tunnus::apply(&req, &auth.product, &app.registry).map_err(|e| e.to_string())?;
    let withhold = found
        .person
        .as_ref()
        .is_some_and(|(p, _)| henkilon_tunnus::withhold_location(p, &auth.organisation));
    let now = helsinki_now();
    let rendered = render::render(&Answer {
        product_name: &auth.product.name,
        code: found.code,
        code_text: found.code_text,
        criteria: &found.criteria,
        person: henkilon_tunnus::view(&found, &auth, withhold),
        now: &now,
    });
    record.return_code = found.code.code().into();
    record.groups = rendered.groups.iter().map(|g| g.to_string()).collect();
    record.non_disclosure_applied = withhold && !rendered.groups.is_empty();
    Ok(rendered.xml)
}

/// A document that carries only a return code (refusals and failures).
fn refusal(product_name: &str, code: ReturnCode) -> String {
    let now = helsinki_now();
    render::render(&Answer {
        product_name,
        code,
        code_text: None,
        criteria: &[],
        person: None,
        now: &now,
    })
    .xml
}

async fn fault_answer(
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
    }
}

/// Appends the record; the caller answers only after this returns.
async fn commit(app: &App, caller: &Caller, mut record: AuditRecord) -> Result<(), ()> {
    record.duration_us = caller.received.elapsed().as_micros() as u64;
    match app.audit.append(record).await {
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::error!(request_id = %caller.request_id, error = %e, "audit append failed: answering -1800");
            Err(())
        }
    }
}

fn new_record(caller: &Caller, interface: &str) -> AuditRecord {
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
        return_code: String::new(),
        groups: Vec::new(),
        non_disclosure_applied: false,
        duration_us: 0,
        prev_sha256: String::new(),
        response_sha256: String::new(),
        filters: None,
    }
}

/// Now in Finnish local time, as the service stamps its answers.
pub fn helsinki_now() -> Zoned {
    let tz = TimeZone::get("Europe/Helsinki").unwrap_or(TimeZone::UTC);
    Zoned::now().with_time_zone(tz)
}
