//! The console's audit-trail pages: the search form over every field the CLI searches
//! (subject, end user, service user, organisation, operation, return code, time range)
//! with paging; one record in full; a person's subject report, printable; the chain's
//! verification state and latest signed checkpoint (auditors only). An organisation's
//! users read the same pages with their organisation forced into every filter on the
//! server: a record or filter of another organisation is refused, and the refusal recorded.
//! Reads through the audit module's search and read functions, as the admin API does; each
//! read is recorded with the admin API's operation names (`audit.search`, `audit.show`,
//! `audit.subject-report`, `audit.verify`).

use hyper::StatusCode;

use crate::audit::backend::AuditBackend;
use crate::audit::{AuditRecord, Filter, format, search, verify};

use super::html::{self, Message, esc};
use super::page::{Reply, Req, problem};
use super::session::{Role, Session};
use super::state::Console;

/// Records a page.
pub const PAGE: usize = 50;
/// The deepest page: a page is read by skipping the ones before it, so page N holds N×PAGE
/// records in memory for a moment; deeper than this, narrow the filters.
pub const MAX_PAGE: usize = 200;

/// The search form's fields: (filter field, label, hint).
const FORM: &[(&str, &str, &str)] = &[
    ("subject", "Subject", "identity code or other key"),
    ("loppukayttaja", "End user", "Loppukayttaja"),
    ("kayttajatunnus", "Service user", "Kayttajatunnus"),
    ("organisation", "Organisation", "organisation id"),
    ("operation", "Operation", "e.g. TeeHenkilonTunnusKysely"),
    ("return_code", "Return code", "e.g. 0000, -1500"),
    ("from", "From", "2026-01-31 or RFC 3339"),
    ("to", "Before", "2026-02-01 or RFC 3339"),
];

/// Reads the audit store (blocking work runs on the blocking pool).
async fn with_store<T: Send + 'static>(
    c: &Console,
    f: impl FnOnce(&dyn AuditBackend) -> Result<T, crate::audit::AuditError> + Send + 'static,
) -> Result<T, String> {
    let store = c.app.audit.store();
    tokio::task::spawn_blocking(move || f(&*store).map_err(|e| e.to_string()))
        .await
        .map_err(|e| e.to_string())?
}

/// The records matching `filter`, or the page that says the store failed.
async fn searched(
    c: &Console,
    s: &Session,
    title: &str,
    filter: &Filter,
) -> Result<Vec<AuditRecord>, Reply> {
    let query = filter.clone();
    with_store(c, move |t| search::search(t, &query))
        .await
        .map_err(|e| {
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(s),
                title,
                &format!("The audit store could not be searched: {e}"),
            )
        })
}

/// The filter a form asks for, with the reader's organisation forced in; `Err` is the
/// page to answer (bad input, or another organisation's records asked for).
fn scoped_filter(req: &Req, s: &Session) -> Result<Filter, (StatusCode, String)> {
    // Every parameter but the token and the page is a filter (an unknown one is an error).
    let pairs = req
        .query
        .iter()
        .filter(|(k, _)| k != "csrf" && k != "page")
        .map(|(k, v)| (k.as_str(), v.trim().to_string()));
    let mut filter =
        Filter::from_pairs(pairs).map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?;
    if let Some(own) = s.role.organisation() {
        if let Some(asked) = &filter.organisation
            && asked != own
        {
            return Err((
                StatusCode::FORBIDDEN,
                format!(
                    "You may read only organisation {own}'s records, not organisation {asked}'s."
                ),
            ));
        }
        filter.organisation = Some(own.to_string());
    }
    Ok(filter)
}

fn filter_json(f: &Filter) -> String {
    serde_json::to_string(f).expect("a filter always serialises")
}

fn form(
    req: &Req,
    s: &Session,
    action: &str,
    fields: &[(&str, &str, &str)],
    button: &str,
) -> String {
    let mut out = format!(
        "<form method=\"get\" action=\"{action}\" class=\"filters\" id=\"search\">{}",
        html::csrf_field(&s.csrf)
    );
    for (name, label, hint) in fields {
        if *name == "organisation" && s.role.organisation().is_some() {
            // Shown, not chosen: the server forces it anyway.
            out.push_str(
                &html::input(name, label, s.role.organisation().unwrap_or(""), hint)
                    .replace("<input ", "<input readonly "),
            );
            continue;
        }
        out.push_str(&html::input(name, label, req.param(name), hint));
    }
    out.push_str(&format!(
        "<button type=\"submit\" id=\"search-submit\">{}</button></form>",
        esc(button)
    ));
    out
}

fn seq_link(seq: u64) -> String {
    format!("<a href=\"/trail/records/{seq}\" class=\"record-link\">{seq}</a>")
}

/// The headings of [`who_asked`]'s cells.
const WHO_ASKED_HEAD: [&str; 7] = [
    "#",
    "time (Helsinki)",
    "organisation",
    "service user",
    "end user",
    "operation",
    "product",
];

/// A record's first cells in a list: number, time, who asked and what for.
fn who_asked(r: &AuditRecord) -> Vec<String> {
    vec![
        seq_link(r.seq),
        esc(&format::helsinki(&r.time)),
        opt(&r.organisation),
        opt(&r.kayttajatunnus),
        opt(&r.loppukayttaja),
        esc(&r.operation),
        opt(&r.product),
    ]
}

fn opt(v: &Option<String>) -> String {
    esc(v.as_deref().unwrap_or("–"))
}

fn key(r: &AuditRecord) -> String {
    match &r.search_key {
        Some((k, v)) => format!("{}: {}", esc(k), esc(v)),
        None => "–".into(),
    }
}

/// `GET /trail`: the search form and a page of matching records (oldest first).
pub async fn search(c: &Console, req: &Req, s: &Session) -> Reply {
    let form_html = form(req, s, "/trail", FORM, "Search");
    let page_no = match req.param("page") {
        "" => 1,
        p => match p.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Reply::html(
                    StatusCode::BAD_REQUEST,
                    html::page(
                        "Audit trail",
                        Some(s),
                        Some(&Message::error(format!(
                            "Page {p:?} is not a page number from 1 to {MAX_PAGE}."
                        ))),
                        &form_html,
                    ),
                );
            }
        },
    };
    let filter = match scoped_filter(req, s) {
        Ok(f) => f,
        Err((status, text)) => {
            let reply = Reply::html(
                status,
                html::page(
                    "Audit trail",
                    Some(s),
                    Some(&Message::error(&text)),
                    &form_html,
                ),
            );
            if status == StatusCode::FORBIDDEN {
                let pairs: Vec<_> = req
                    .query
                    .iter()
                    .filter(|(k, _)| k != "csrf")
                    .cloned()
                    .collect();
                let filters = serde_json::to_string(&pairs).ok();
                return c.read(req, s, "audit.search", filters, reply).await;
            }
            return reply;
        }
    };
    let mut limited = filter.clone();
    limited.limit = Some(page_no * PAGE + 1);
    let found = match searched(c, s, "Audit trail", &limited).await {
        Ok(r) => r,
        Err(page) => return page,
    };
    let skip = (page_no - 1) * PAGE;
    let more = found.len() > page_no * PAGE;
    let rows: Vec<Vec<String>> = found
        .iter()
        .skip(skip)
        .take(PAGE)
        .map(|r| {
            let mut row = who_asked(r);
            row.extend([key(r), esc(&r.return_code)]);
            row
        })
        .collect();
    let mut body = form_html;
    let shown = rows.len();
    if shown == 0 {
        body.push_str("<p id=\"no-results\">No records match.</p>");
    } else {
        body.push_str(&format!(
            "<p class=\"count\">Records {}–{} (oldest first){}.</p>",
            skip + 1,
            skip + shown,
            if more { ", more follow" } else { "" }
        ));
        body.push_str(&html::table(
            "results",
            &[WHO_ASKED_HEAD.as_slice(), &["search key", "code"]].concat(),
            &rows,
        ));
    }
    let mut pairs: Vec<(&str, String)> = filter
        .pairs()
        .into_iter()
        .filter(|(k, _)| s.role.organisation().is_none() || *k != "organisation")
        .collect();
    pairs.push(("csrf", s.csrf.clone()));
    let link = |n: usize| {
        let mut p: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let n = n.to_string();
        p.push(("page", &n));
        format!("/trail?{}", html::query(&p))
    };
    body.push_str("<p class=\"paging\">");
    if page_no > 1 {
        body.push_str(&format!(
            "<a href=\"{}\" id=\"prev\">← previous</a> ",
            esc(&link(page_no - 1))
        ));
    }
    if more && page_no < MAX_PAGE {
        body.push_str(&format!(
            "<a href=\"{}\" id=\"next\">next →</a>",
            esc(&link(page_no + 1))
        ));
    }
    body.push_str("</p>");
    let reply = Reply::page("Audit trail", s, &body);
    c.read(req, s, "audit.search", Some(filter_json(&limited)), reply)
        .await
}

/// `GET /trail/records/SEQ`: one record in full.
pub async fn show(c: &Console, req: &Req, s: &Session, seq_text: &str) -> Reply {
    let Ok(seq) = seq_text.parse::<u64>() else {
        return problem(
            StatusCode::BAD_REQUEST,
            Some(s),
            "Audit record",
            &format!("{seq_text:?} is not a record number."),
        );
    };
    let filters = Some(format!("{{\"seq\":{seq}}}"));
    let record = match with_store(c, move |t| t.get(seq)).await {
        Ok(r) => r,
        Err(e) => {
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(s),
                "Audit record",
                &format!("The audit store could not be read: {e}"),
            );
        }
    };
    let title = format!("Audit record {seq}");
    let reply = match record {
        None => problem(
            StatusCode::NOT_FOUND,
            Some(s),
            &title,
            &format!("There is no record {seq} (never written, or pruned)."),
        ),
        Some(r)
            if s.role
                .organisation()
                .is_some_and(|own| r.organisation.as_deref() != Some(own)) =>
        {
            problem(
                StatusCode::FORBIDDEN,
                Some(s),
                &title,
                &format!(
                    "Record {seq} is not one of organisation {}'s records: you may read only your organisation's.",
                    s.role.organisation().unwrap_or("")
                ),
            )
        }
        Some(r) => Reply::html(
            StatusCode::OK,
            html::page(&title, Some(s), None, &record_html(&r, s)),
        ),
    };
    c.read(req, s, "audit.show", filters, reply).await
}

fn record_html(r: &AuditRecord, s: &Session) -> String {
    let subject_link = |v: &str| {
        format!(
            "<a href=\"/trail/subject?{}\" id=\"subject-report-link\">{}</a>",
            esc(&html::query(&[("subject", v), ("csrf", &s.csrf)])),
            esc(v)
        )
    };
    let key = match &r.search_key {
        Some((k, v)) => format!("{}: {}", esc(k), subject_link(v)),
        None => "–".into(),
    };
    let disclosed = if r.disclosed.is_empty() {
        "–".to_string()
    } else {
        r.disclosed
            .iter()
            .map(|d| subject_link(d))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let groups = if r.groups.is_empty() {
        "none".to_string()
    } else {
        esc(&r.groups.join(", "))
    };
    let rows: Vec<(&str, String)> = vec![
        (
            "Time",
            format!(
                "{} (Helsinki) · {} UTC",
                esc(&format::helsinki(&r.time)),
                esc(&r.time)
            ),
        ),
        ("Request id", esc(&r.request_id)),
        ("Interface", esc(&r.interface)),
        ("Organisation", opt(&r.organisation)),
        (
            "Certificate",
            format!(
                "{}<br><code>{}</code>",
                esc(&r.cert_subject),
                esc(&r.cert_sha256)
            ),
        ),
        ("X-Road client", opt(&r.xroad_client)),
        ("X-Road userId", opt(&r.xroad_user_id)),
        ("Service user", opt(&r.kayttajatunnus)),
        ("End user", opt(&r.loppukayttaja)),
        ("Operation", esc(&r.operation)),
        ("Product", opt(&r.product)),
        ("Asked for", key),
        ("Answer disclosed", disclosed),
        (
            "Return code",
            format!("<span id=\"return-code\">{}</span>", esc(&r.return_code)),
        ),
        ("Data groups disclosed", groups),
        (
            "Non-disclosure applied",
            (if r.non_disclosure_applied {
                "yes"
            } else {
                "no"
            })
            .into(),
        ),
        ("Refused because", opt(&r.refused_because)),
        ("Injected fault", opt(&r.fault_injected)),
        ("Filters (an auditor's read)", opt(&r.filters)),
        ("Duration", format!("{} µs", r.duration_us)),
        (
            "Response SHA-256",
            format!("<code>{}</code>", esc(&r.response_sha256)),
        ),
        (
            "Chain position",
            format!(
                "record {}; follows record {} whose stored bytes hash to <code>{}</code>",
                r.seq,
                r.seq.saturating_sub(1),
                esc(if r.prev_sha256.is_empty() {
                    "(none: the first record)"
                } else {
                    &r.prev_sha256
                })
            ),
        ),
    ];
    format!("<div id=\"record\">{}</div>", html::fields(&rows))
}

/// `GET /trail/subject?subject=ID`: who asked for this person's data, what, and when.
pub async fn subject_report(c: &Console, req: &Req, s: &Session) -> Reply {
    let fields = &FORM[..1];
    let form_html = form(req, s, "/trail/subject", fields, "Report");
    let subject = req.param("subject").trim().to_string();
    if subject.is_empty() {
        let message = (!req.query.is_empty())
            .then(|| Message::error("Give the subject's identity code (or other identifier)."));
        return Reply::html(
            if message.is_some() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            },
            html::page("Subject report", Some(s), message.as_ref(), &form_html),
        );
    }
    let filter = Filter {
        subject: Some(subject.clone()),
        organisation: s.role.organisation().map(str::to_string),
        ..Filter::default()
    };
    let found = match searched(c, s, "Subject report", &filter).await {
        Ok(r) => r,
        Err(page) => return page,
    };
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|r| {
            let mut row = who_asked(r);
            row.extend([
                esc(&r.groups.join(", ")),
                esc(&r.return_code),
                (if r.non_disclosure_applied {
                    "applied"
                } else {
                    ""
                })
                .into(),
            ]);
            row
        })
        .collect();
    let scope = match &s.role {
        Role::Auditor { .. } => "every organisation".to_string(),
        Role::Organisation { id, .. } => format!("organisation {id} only"),
    };
    let mut body = format!(
        "<div class=\"no-print\">{form_html}<button type=\"button\" id=\"print\" data-print>Print</button></div>"
    );
    body.push_str(&format!(
        "<section id=\"report\"><h2>Queries of the data of {}</h2><p>{} record(s), {}; produced {} (Helsinki) for {}.</p>",
        esc(&subject),
        found.len(),
        esc(&scope),
        esc(&format::helsinki(&jiff::Timestamp::now().to_string())),
        esc(&s.role.describe())
    ));
    if rows.is_empty() {
        body.push_str("<p id=\"no-results\">Nobody queried this subject's data.</p>");
    } else {
        body.push_str(&html::table(
            "report-table",
            &[
                WHO_ASKED_HEAD.as_slice(),
                &["data groups disclosed", "code", "non-disclosure"],
            ]
            .concat(),
            &rows,
        ));
    }
    body.push_str("</section>");
    let reply = Reply::page("Subject report", s, &body);
    c.read(
        req,
        s,
        "audit.subject-report",
        Some(filter_json(&filter)),
        reply,
    )
    .await
}

/// `GET /trail/verify`: the chain's verification state and the latest signed checkpoint.
pub async fn verify(c: &Console, req: &Req, s: &Session) -> Reply {
    if !matches!(s.role, Role::Auditor { .. }) {
        let reply = problem(
            StatusCode::FORBIDDEN,
            Some(s),
            "Chain",
            "Only auditors see the verification of the whole chain.",
        );
        return c.read(req, s, "audit.verify", None, reply).await;
    }
    let key = c.app.settings().audit.signer.public_key_hex();
    let k = key.clone();
    let outcome = with_store(c, move |t| {
        let report = verify::verify(t, &k)?;
        let latest = t.latest_checkpoint()?;
        Ok((report, latest))
    })
    .await;
    let (report, latest) = match outcome {
        Ok(x) => x,
        Err(e) => {
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(s),
                "Chain",
                &format!("The chain could not be verified: {e}"),
            );
        }
    };
    let state = if report.ok() { "ok" } else { "failed" };
    let mut body = format!(
        "<p class=\"verify {state}\" id=\"verify-state\">{}</p>",
        esc(&report.to_string())
    );
    body.push_str(&match latest {
        Some(cp) => {
            let signed = cp.signed_by(&key);
            html::fields(&[
                ("Latest signed checkpoint", format!("<span id=\"checkpoint-seq\">records 1..={}</span>", cp.seq)),
                ("Signed at", format!("{} (Helsinki)", esc(&format::helsinki(&cp.time)))),
                ("Head SHA-256", format!("<code>{}</code>", esc(&cp.head_sha256))),
                ("Signature", format!("{} <code>{}</code>", if signed { "valid for the configured key" } else { "NOT valid for the configured key" }, esc(&cp.signature))),
                ("Public key (Ed25519)", format!("<code>{}</code>", esc(&key))),
            ])
        }
        None => "<p id=\"checkpoint-none\">No checkpoint signed yet (one follows the first records within the checkpoint interval).</p>".into(),
    });
    let reply = Reply::page("Chain", s, &body);
    c.read(req, s, "audit.verify", None, reply).await
}
