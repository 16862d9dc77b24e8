//! The web console (issue 19), served by the emulator itself on its own HTTPS listener
//! (`[console]`, default `https://127.0.0.1:8444/`, the server certificate; a client
//! certificate is asked for, verified when offered, never required). Server-rendered HTML
//! with a little plain JavaScript: auditors read the whole audit trail, an organisation's
//! users only their organisation's records ([`trail`]); integrators browse the test persons
//! and products ([`catalogue`]); everyone sees the service live ([`live`]). Sign-in by an
//! auditor's or service user's password (argon2id, as the SOAP interface checks it) or by
//! client certificate; sessions and CSRF tokens in [`session`]; every value on a page is
//! escaped by [`html`]. Every read of the trail is itself an audit record, built by the
//! admin API's [`crate::admin::read_record`] (interface `console`).

pub mod catalogue;
pub mod history;
pub mod html;
pub mod live;
pub mod page;
pub mod session;
pub mod state;
pub mod trail;

pub use page::{Reply, Req, problem};
pub use state::Console;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, LOCATION, REFERRER_POLICY,
    SET_COOKIE, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::app::App;
use crate::audit::AuditRecord;
use crate::config::Settings;
use crate::tls::{PeerIdentity, TlsError};

use html::{Message, esc};
use session::{Found, Role, Session};

/// The most bytes a form may post.
const MAX_FORM_BYTES: usize = 16 * 1024;
/// How long open connections may take to finish after shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

const CSS: &str = include_str!("assets/console.css");
const JS: &str = include_str!("assets/console.js");

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("console TLS: {0}")]
    Tls(#[from] TlsError),
    #[error("console: the fixtures cannot be read: {0}")]
    Fixtures(#[from] crate::registry::fixtures::FixtureError),
}

/// Serves the console until `shutdown` completes.
pub async fn run(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ConsoleError> {
    let settings = app.settings();
    let fixtures = match &settings.fixtures {
        crate::config::FixtureSource::Builtin => crate::registry::fixtures::Fixtures::builtin()?,
        crate::config::FixtureSource::Files(files) => {
            crate::registry::fixtures::Fixtures::load(files)?
        }
    };
    let tls = build_tls(&settings)?;
    let console = Arc::new_cyclic(|me| Console {
        me: me.clone(),
        sessions: Default::default(),
        live: history::History::default(),
        tls: Mutex::new((settings.clone(), tls)),
        fixtures: fixtures
            .persons
            .iter()
            .map(|p| p.hetu.to_string())
            .collect(),
        counter: AtomicU64::new(0),
        app,
    });
    live::start_sampling(Arc::downgrade(&console));
    let limits = settings.limits;
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    while let Some((permit, stream, remote)) =
        crate::server::next_connection(&listener, &slots, &mut shutdown, "console").await
    {
        let acceptor = match console.acceptor() {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(error = %e, "console TLS configuration");
                continue;
            }
        };
        let console = console.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _permit = permit;
            let tls = match tokio::time::timeout(limits.handshake_timeout, acceptor.accept(stream))
                .await
            {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    tracing::debug!(%remote, error = %e, "console TLS handshake refused");
                    return;
                }
                Err(_) => return,
            };
            let peer = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|leaf| PeerIdentity::remembered(leaf.as_ref()));
            let service = service_fn(move |req| {
                let console = console.clone();
                let peer = peer.clone();
                async move { Ok::<_, std::convert::Infallible>(console.serve(req, peer).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .serve_connection(TokioIo::new(tls), service);
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(%remote, error = %e, "console connection ended with an error");
            }
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
    Ok(())
}

fn build_tls(settings: &Settings) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let t = &settings.tls;
    Ok(Arc::new(crate::tls::console_server_config(
        &t.ca_pem,
        &t.cert_pem,
        &t.key_pem,
        &t.crl_pems,
    )?))
}

impl Console {
    /// The TLS acceptor of the configuration in force (a reload applies to new connections).
    fn acceptor(&self) -> Result<TlsAcceptor, TlsError> {
        let now = self.app.settings();
        let mut cached = self.tls.lock().expect("not poisoned");
        if !Arc::ptr_eq(&cached.0, &now) {
            *cached = (now.clone(), build_tls(&now)?);
        }
        Ok(TlsAcceptor::from(cached.1.clone()))
    }

    async fn serve(
        &self,
        req: Request<Incoming>,
        peer: Option<Arc<PeerIdentity>>,
    ) -> Response<Full<Bytes>> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let request_id = format!(
            "{:016x}-c{n:x}",
            jiff::Timestamp::now().as_nanosecond() as u64
        );
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let query = crate::admin::query_pairs(req.uri().query().unwrap_or(""));
        let cookies = req
            .headers()
            .get(COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let form = if method == Method::POST {
            let body = Limited::new(req.into_body(), MAX_FORM_BYTES);
            let limit = self.app.settings().limits.body_timeout;
            match tokio::time::timeout(limit, body.collect()).await {
                Ok(Ok(b)) => crate::admin::query_pairs(&String::from_utf8_lossy(&b.to_bytes())),
                Err(_) => {
                    return respond(problem(
                        StatusCode::REQUEST_TIMEOUT,
                        None,
                        "Form too slow",
                        "The form did not arrive in time.",
                    ));
                }
                Ok(Err(_)) => {
                    return respond(problem(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        None,
                        "Form too large",
                        &format!("A console form is at most {MAX_FORM_BYTES} bytes."),
                    ));
                }
            }
        } else {
            Vec::new()
        };
        let req = Req {
            method,
            path,
            query,
            form,
            cookies,
            peer,
            request_id,
            received: Instant::now(),
        };
        respond(self.route(&req).await)
    }

    async fn route(&self, req: &Req) -> Reply {
        match (&req.method, req.path.as_str()) {
            (&Method::GET, "/static/console.css") => {
                Reply::typed("text/css; charset=utf-8", CSS.into())
            }
            (&Method::GET, "/static/console.js") => {
                Reply::typed("text/javascript; charset=utf-8", JS.into())
            }
            (&Method::GET, "/favicon.ico") => Reply {
                status: StatusCode::NOT_FOUND,
                ..Reply::typed("text/plain; charset=utf-8", String::new())
            },
            (&Method::GET, "/login") => self.login_page(req, None),
            (&Method::POST, "/login") => self.sign_in(req).await,
            (&Method::POST, "/login/certificate") => self.sign_in_by_certificate(req),
            (&Method::POST, "/logout") => self.sign_out(req),
            (m, _) if m != Method::GET => problem(
                StatusCode::METHOD_NOT_ALLOWED,
                None,
                "Not allowed",
                "Console pages are read with GET; only signing in and out are posted.",
            ),
            _ => {
                let session = match req.cookie(session::COOKIE) {
                    None => return Reply::redirect("/login"),
                    Some(id) => match self.sessions.get(id, self.session_idle()) {
                        Found::Live(s) => s,
                        Found::Expired => {
                            return Reply::redirect("/login?expired=1")
                                .cookie(session::set_cookie(session::COOKIE, None));
                        }
                    },
                };
                self.page(req, &session).await
            }
        }
    }

    async fn page(&self, req: &Req, s: &Session) -> Reply {
        let path = req.path.as_str();
        // A form's submission must carry the session's CSRF token (links without a query
        // string need none).
        if !req.query.is_empty()
            && path != "/live/data"
            && !session::same(req.param("csrf"), &s.csrf)
        {
            return problem(
                StatusCode::FORBIDDEN,
                Some(s),
                "Form refused",
                "This form did not come from your console session (its CSRF token is missing or wrong). Open the page again from the menu and resubmit.",
            );
        }
        match path {
            "/" => Reply::redirect("/trail"),
            "/trail" => trail::search(self, req, s).await,
            "/trail/subject" => trail::subject_report(self, req, s).await,
            "/trail/verify" => trail::verify(self, req, s).await,
            p if p.starts_with("/trail/records/") => {
                trail::show(self, req, s, &p["/trail/records/".len()..]).await
            }
            "/catalogue" => catalogue::persons(self, req, s).await,
            "/catalogue/products" => catalogue::products(self, s),
            p if p.starts_with("/catalogue/persons/") => {
                let hetu =
                    crate::products::schema::percent_decode(&p["/catalogue/persons/".len()..])
                        .unwrap_or_default();
                catalogue::person(self, req, s, &hetu).await
            }
            p if p.starts_with("/catalogue/schemas/") => {
                catalogue::schema(self, s, &p["/catalogue/schemas/".len()..])
            }
            "/live" => live::page(s),
            "/live/data" => live::data(self, req, s),
            _ => problem(
                StatusCode::NOT_FOUND,
                Some(s),
                "Not found",
                &format!("There is no console page {}.", req.path),
            ),
        }
    }

    fn session_idle(&self) -> Duration {
        self.app
            .settings()
            .console
            .as_ref()
            .map(|c| c.session_idle)
            .unwrap_or(Duration::from_secs(30 * 60))
    }

    /// The organisation a role reads as, from the configuration in force.
    pub fn organisation(&self, role: &Role) -> Option<Arc<crate::access::Organisation>> {
        let id = role.organisation()?;
        self.app
            .settings()
            .access
            .organisations()
            .iter()
            .find(|o| o.id == id)
            .cloned()
    }

    /// This console as an owned handle (it lives while it serves).
    pub fn arc(&self) -> Arc<Console> {
        self.me
            .upgrade()
            .expect("the console outlives its requests")
    }

    pub fn is_fixture(&self, hetu: &str) -> bool {
        self.fixtures.contains(hetu)
    }

    /// The fixture persons' identity codes after `after` (all when empty), in key order.
    pub fn fixtures_after<'a>(&'a self, after: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        use std::ops::Bound;
        let from = match after {
            "" => Bound::Unbounded,
            a => Bound::Excluded(a),
        };
        self.fixtures.range::<str, _>((from, Bound::Unbounded))
    }

    /// [`Console::recorded`] with the record as the admin API would write it.
    pub async fn read(
        &self,
        req: &Req,
        s: &Session,
        operation: &str,
        filters: Option<String>,
        reply: Reply,
    ) -> Reply {
        self.recorded(req, s, operation, filters, reply, |_| {})
            .await
    }

    /// Appends the audit record of a console read, then answers `reply`; if the record
    /// cannot be written, nothing is answered but a 503 page.
    pub async fn recorded(
        &self,
        req: &Req,
        s: &Session,
        operation: &str,
        filters: Option<String>,
        reply: Reply,
        shape: impl FnOnce(&mut AuditRecord),
    ) -> Reply {
        let (cert_sha256, cert_subject) = s.certificate.clone().unwrap_or_default();
        let reader = crate::admin::Reader {
            request_id: &req.request_id,
            organisation: s.role.organisation(),
            cert_sha256,
            cert_subject,
            interface: "console",
            user: s.role.user(),
            received: req.received,
        };
        let mut record = crate::admin::read_record(
            &reader,
            operation,
            reply.status.as_u16(),
            reply.body.as_bytes(),
            filters,
        );
        shape(&mut record);
        match self.app.audit.append(record).await {
            Ok(_) => reply,
            Err(e) => {
                tracing::error!(request_id = %req.request_id, error = %e, "audit append failed: refusing the console read");
                problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Some(s),
                    "Audit store failed",
                    "The audit store failed; the console shows nothing that is not recorded.",
                )
            }
        }
    }

    // ---- signing in and out ----

    fn login_page(&self, req: &Req, message: Option<Message>) -> Reply {
        // One token per browser until it signs in: a second tab (or a favicon fetch that
        // lands here) must not invalidate the form already shown.
        let token = match req.cookie(session::LOGIN_COOKIE) {
            Some(t) if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) => t.to_string(),
            _ => session::token(),
        };
        let message = message.or_else(|| {
            (req.param("expired") == "1")
                .then(|| Message::info("Your session expired. Sign in again."))
        });
        let mut body = format!(
            "<form method=\"post\" action=\"/login\" class=\"login\" id=\"login\">{}{}<label>Password<input type=\"password\" name=\"password\" id=\"f-password\" autocomplete=\"current-password\"></label><button type=\"submit\" id=\"sign-in\">Sign in</button></form>\n<p class=\"hint\">Auditors sign in with their id and console password (<code>[[auditor]] password_hash</code>); an organisation's service users with their <code>Kayttajatunnus</code> and password.</p>",
            html::csrf_field(&token),
            html::input(
                "user",
                "User id",
                req.field("user"),
                "auditor or Kayttajatunnus"
            ),
        );
        if let Some(peer) = &req.peer
            && let Some(role) = self.role_of_certificate(peer)
        {
            body.push_str(&format!(
                "<form method=\"post\" action=\"/login/certificate\" id=\"login-certificate\">{}<button type=\"submit\">Sign in as {} with your certificate</button><p class=\"hint\">{}</p></form>",
                html::csrf_field(&token),
                esc(&role.describe()),
                esc(&peer.subject)
            ));
        }
        Reply::html(
            if message
                .as_ref()
                .is_some_and(|m| m.kind == html::MessageKind::Error)
            {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::OK
            },
            html::page("Sign in", None, message.as_ref(), &body),
        )
        .cookie(session::set_cookie(session::LOGIN_COOKIE, Some(&token)))
    }

    /// The sign-in form's double-submitted token matches its cookie.
    fn login_csrf_ok(&self, req: &Req) -> bool {
        req.cookie(session::LOGIN_COOKIE)
            .is_some_and(|c| session::same(c, req.field("csrf")))
    }

    async fn sign_in(&self, req: &Req) -> Reply {
        if !self.login_csrf_ok(req) {
            return self.login_page(
                req,
                Some(Message::error(
                    "The sign-in form expired or did not come from this console (CSRF token missing or wrong). Try again.",
                )),
            );
        }
        let user = req.field("user").trim().to_string();
        let password = req.field("password").to_string();
        if user.is_empty() || password.is_empty() {
            return self.login_page(req, Some(Message::error("Give a user id and a password.")));
        }
        let settings = self.app.settings();
        let app = self.app.clone();
        // argon2 takes tens of milliseconds: off the async threads.
        let outcome =
            tokio::task::spawn_blocking(move || authenticate(&app, &settings, &user, &password))
                .await
                .unwrap_or(Err("the sign-in check failed; try again"));
        match outcome {
            Ok(role) => {
                tracing::info!(who = %role.describe(), "console sign-in");
                self.start_session(role, None)
            }
            Err(why) => self.login_page(req, Some(Message::error(why))),
        }
    }

    fn sign_in_by_certificate(&self, req: &Req) -> Reply {
        if !self.login_csrf_ok(req) {
            return self.login_page(
                req,
                Some(Message::error(
                    "The sign-in form expired or did not come from this console (CSRF token missing or wrong). Try again.",
                )),
            );
        }
        let Some(peer) = &req.peer else {
            return self.login_page(
                req,
                Some(Message::error(
                    "Your browser presented no client certificate.",
                )),
            );
        };
        match self.role_of_certificate(peer) {
            Some(role) => {
                tracing::info!(who = %role.describe(), "console sign-in by certificate");
                self.start_session(role, Some((peer.fingerprint_hex(), peer.subject.clone())))
            }
            None => self.login_page(
                req,
                Some(Message::error(
                    "Your client certificate is neither an auditor's nor an organisation's.",
                )),
            ),
        }
    }

    fn role_of_certificate(&self, peer: &PeerIdentity) -> Option<Role> {
        let settings = self.app.settings();
        if let Some(a) = crate::audit::settings::identify(&settings.auditors, peer) {
            return Some(Role::Auditor { id: a.id.clone() });
        }
        settings.access.identify(peer).map(|o| Role::Organisation {
            id: o.id.clone(),
            user: None,
        })
    }

    fn start_session(&self, role: Role, certificate: Option<(String, String)>) -> Reply {
        let (id, _) = self.sessions.create(role, certificate);
        Reply::redirect("/trail")
            .cookie(session::set_cookie(session::COOKIE, Some(&id)))
            .cookie(session::set_cookie(session::LOGIN_COOKIE, None))
    }

    fn sign_out(&self, req: &Req) -> Reply {
        if let Some(id) = req.cookie(session::COOKIE)
            && let Found::Live(s) = self.sessions.get(id, self.session_idle())
        {
            if !session::same(req.field("csrf"), &s.csrf) {
                return problem(
                    StatusCode::FORBIDDEN,
                    Some(&s),
                    "Form refused",
                    "The sign-out form did not come from your console session (CSRF token wrong).",
                );
            }
            self.sessions.remove(id);
        }
        Reply::redirect("/login").cookie(session::set_cookie(session::COOKIE, None))
    }
}

/// Checks a password sign-in: an auditor with a console password, else a service user of
/// an organisation (its lockout applies, and a wrong password counts towards it). Every
/// refusal says the same, and an unknown user id costs an argon2 verification too.
fn authenticate(
    app: &App,
    settings: &Settings,
    user: &str,
    password: &str,
) -> Result<Role, &'static str> {
    const WRONG: &str = "Wrong user id or password.";
    if let Some(a) = settings.auditors.iter().find(|a| a.id == user)
        && let Some(check) = &a.password
    {
        return if check.verify(password) {
            Ok(Role::Auditor { id: a.id.clone() })
        } else {
            Err(WRONG)
        };
    }
    let now = Instant::now();
    let policy = &settings.access.lockout;
    for o in settings.access.organisations() {
        if o.user(user).is_none() {
            continue;
        }
        if app.access.lockouts.is_locked(&o.id, user, now) {
            return Err("This user is locked after repeated wrong passwords; try again later.");
        }
        if o.authenticate(user, password).is_some() {
            app.access.lockouts.record_success(&o.id, user);
            return Ok(Role::Organisation {
                id: o.id.clone(),
                user: Some(user.to_string()),
            });
        }
        let failure = app
            .access
            .lockouts
            .record_failure(*policy, &o.id, user, now);
        if failure == crate::access::lockout::Failure::Locked {
            app.metrics.user_locked();
        }
        return Err(WRONG);
    }
    crate::access::password::verify_dummy(password);
    Err(WRONG)
}

fn respond(r: Reply) -> Response<Full<Bytes>> {
    let mut b = Response::builder()
        .status(r.status)
        .header(CONTENT_TYPE, r.content_type)
        .header(CACHE_CONTROL, "no-store")
        .header(X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(X_FRAME_OPTIONS, "DENY")
        .header(REFERRER_POLICY, "same-origin")
        .header(
            CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        );
    if let Some(l) = &r.location {
        b = b.header(LOCATION, l);
    }
    for c in &r.cookies {
        b = b.header(SET_COOKIE, c);
    }
    b.body(Full::new(Bytes::from(r.body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::from_static(b"console error\n"))))
}
