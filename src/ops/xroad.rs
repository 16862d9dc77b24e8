//! The X-Road interface's entry (`/SoSoAdapterWebSite/SoSoAdapterService60.svc`): SOAP 1.1,
//! body `<Op><request>…</request></Op>` in the adapter's namespace, X-Road 4.0 headers.
//! The X-Road client (not the TLS peer, which is the security server) decides whose query
//! it is; the query then runs through the same [`super::dispatch`] as the direct interface.
//! Codes listed in `[xroad] fault_in_body_codes` are answered as `faultCode`/`faultString`
//! inside `response`, others as the VTJ document. Framing lives in [`crate::soap::xroad`].

use std::sync::Arc;

use crate::app::App;
use crate::codes::ReturnCode;
use crate::soap::envelope::{self, Framing};
use crate::soap::schema;
use crate::soap::xroad::{self as frame, Inner, VTJ_WS_NS};
use crate::soap::{Fault, SoapVersion};

use super::request::{Operation, Params};
use super::{
    Caller, Injection, SoapAnswer, commit, dispatch, fault_answer, inject, new_record, refusal,
};

/// Handles one request to the X-Road interface.
pub async fn handle(app: &App, caller: &Caller, framing: &Framing, body: &[u8]) -> SoapAnswer {
    let mut record = new_record(caller, "xroad");
    let v = SoapVersion::V11;
    let env = match envelope::parse(body, framing) {
        Ok(e) => e,
        Err(fault) => return fault_answer(app, caller, record, fault, 500).await,
    };
    let payload = &env.payload;
    let op = match (
        payload.ns.as_deref(),
        Operation::from_xroad_name(&payload.name),
    ) {
        (Some(VTJ_WS_NS), Some(op)) => op,
        _ => {
            let fault = Fault::client(
                v,
                format!(
                    "unknown operation {{{}}}{} (the adapter's operations are in {VTJ_WS_NS})",
                    payload.ns.as_deref().unwrap_or(""),
                    payload.name
                ),
            );
            return fault_answer(app, caller, record, fault, 500).await;
        }
    };
    record.operation = op.name().to_string();
    let headers = match frame::read_headers(&env.headers, op.xroad_name()) {
        Ok(h) => h,
        Err(e) => {
            return fault_answer(app, caller, record, Fault::client(v, e.to_string()), 500).await;
        }
    };
    let client_id = headers.client.client_id();
    record.xroad_client = Some(client_id.clone());
    record.xroad_user_id = Some(headers.user_id.clone());
    let (echo_name, params) = match read_request(op, payload) {
        Ok(x) => x,
        Err(fault) => return fault_answer(app, caller, record, fault, 500).await,
    };
    if caller.organisation.is_none() {
        let fault = Fault::client(
            v,
            format!(
                "the security server's certificate (subject {}, SHA-256 {}) is not registered to any organisation",
                caller.peer.subject,
                caller.peer.fingerprint_hex()
            ),
        );
        return fault_answer(app, caller, record, fault, 403).await;
    }
    let settings = app.settings();
    let organisation = settings
        .xroad
        .organisation_of(&client_id)
        .and_then(|id| settings.access.organisations().iter().find(|o| o.id == id))
        .cloned();
    let Some(organisation) = organisation else {
        let fault = Fault::client(
            v,
            format!("the X-Road client {client_id} is not registered to any organisation"),
        );
        return fault_answer(app, caller, record, fault, 500).await;
    };
    record.organisation = Some(organisation.id.clone());
    let as_client = Caller {
        organisation: Some(Arc::clone(&organisation)),
        ..caller.clone()
    };
    let injected = match inject(app, &as_client, v, op, &params, &mut record).await {
        Injection::Done(answer) => return answer,
        Injection::Document(d) => Some(d),
        Injection::Continue => None,
    };
    let dispatched = match injected {
        Some(d) => Ok(d),
        None => dispatch(app, &as_client, v, op, &params, &mut record),
    };
    let document = match dispatched {
        Ok(d) => d,
        Err(fault) => return fault_answer(app, caller, record, fault, 500).await,
    };
    let settings = app.settings();
    let answer = |document: &str, code: &str| {
        let in_body = settings.xroad.fault_in_body_codes.iter().any(|c| c == code);
        let text = paluukoodi_text(document)
            .or_else(|| ReturnCode::from_code(code).map(|c| c.text().to_string()))
            .unwrap_or_default();
        let inner = if in_body {
            Inner::Fault { code, text: &text }
        } else {
            Inner::Document(document)
        };
        let body_xml = frame::response_body(op.xroad_name(), echo_name, params.sent(), inner);
        let header = frame::response_headers(&headers, &frame::request_hash(body));
        envelope::wrap(v, Some(&header), &body_xml)
    };
    let code = record.return_code.clone();
    let reply = answer(&document, &code);
    record.response_sha256 = crate::audit::digest_hex(reply.as_bytes());
    let reply = match commit(app, caller, record).await {
        Ok(()) => reply,
        Err(()) => answer(
            &refusal("", ReturnCode::Internal),
            ReturnCode::Internal.code(),
        ),
    };
    SoapAnswer {
        status: 200,
        version: v,
        body: reply,
        drop_connection: false,
    }
}

/// Reads `<Op><request>…</request></Op>` against the X-Road WSDL. Returns the name the
/// response's echo element has (`reguest` for `HaeTuotteenSkeema`, as the WSDL spells it).
fn read_request(
    op: Operation,
    payload: &crate::xml::Element,
) -> Result<(&'static str, Params), Fault> {
    let v = SoapVersion::V11;
    let model = schema::xroad()
        .element(op.xroad_name())
        .ok_or_else(|| Fault::server(v, format!("no schema for {}", op.xroad_name())))?;
    schema::validate(model, payload).map_err(|e| Fault::client(v, e.to_string()))?;
    let request_model = model
        .child("request")
        .ok_or_else(|| Fault::server(v, format!("{} has no request", op.xroad_name())))?;
    let params = match payload.child(VTJ_WS_NS, "request") {
        Some(request) => Params::read_with(request_model, request, v)?,
        None => Params::default(),
    };
    let echo = if op == Operation::HaeTuotteenSkeema {
        "reguest"
    } else {
        "request"
    };
    Ok((echo, params))
}

/// The `Paluukoodi` text of a rendered document (it may say more than the catalogue text,
/// e.g. which element broke the schema), for `faultString`.
fn paluukoodi_text(document: &str) -> Option<String> {
    let doc = crate::xml::parse(document).ok()?;
    let p = doc.child(crate::products::render::VTJKYSELY_NS, "Paluukoodi")?;
    Some(p.text.clone())
}
