//! vtj-emulator: a self-hosted emulator of the Finnish Population Information System query
//! interface (VTJ-kyselyrajapinta, "SoSo").
//!
//! A request travels one way through the crate:
//! TCP accept → [`tls`] (client certificate verified, [`tls::PeerIdentity`] once per
//! connection) → [`server`] (hyper: routes, limits, timeouts) → [`soap`] (envelope, faults)
//! → [`ops`] (parse → [`access`] → [`registry`] → [`products`]) → [`audit`] (on disk
//! before the answer leaves) → response bytes.
//!
//! Crate map, one job each:
//! - [`cli`]: the command line (`serve`, `audit`, `config`, `products`, `population`,
//!   `loadtest`, `certs`).
//! - [`cli_audit`]: the `audit` subcommands' options, output and exit codes.
//! - [`config`]: the TOML file as written and the checked [`config::Settings`].
//! - [`app`]: the running server's shared state; opens the store, imports fixtures.
//! - [`tls`]: rustls server/client configurations and the peer's identity.
//! - [`server`]: accept loop, connection limit, timeouts, routing, graceful shutdown.
//! - [`xml`]: strict request-XML reading into an element tree; escaping response writer.
//! - [`soap`]: SOAP 1.1/1.2 envelopes and faults, X-Road 4.0 framing, the WSDLs' request
//!   schemas and the check of a request against them.
//! - [`hakuxml`]: the typed search-criteria documents of the identification queries.
//! - [`ops`]: the operations (one file each), their typed requests, the shared checks, the
//!   dispatcher and the entries of the direct and X-Road interfaces.
//! - [`access`]: organisations, certificates, service users (argon2id), permits and
//!   quotas, lockouts, idle users, end-user certificate checks, the `config check` report.
//! - [`registry`]: the population: persons, buildings, dwellings, properties; code lists,
//!   the redb store, fixtures, the synthetic-population generator and its statistics.
//! - [`ids`]: personal identity codes, SATU, VTJ-PRT, property and dwelling identifiers.
//! - [`products`]: the catalogue of data groups, products (built-in and configured), their
//!   generated response schemas, the response renderer; the building products and the
//!   building and property documents.
//! - [`canned`]: the canned-response server (hidden `canned-server`), the stack's ceiling
//!   for `benches/compare.sh`.
//! - [`codes`]: VTJ return codes and search-criterion codes with their texts.
//! - [`audit`]: the chained, durable audit log: group commit through a write-ahead journal
//!   (one `fdatasync` a batch), sled trees and indexes, checkpoints, retention, search.
//! - [`faults`]: fault injection rules and the reserved test identity codes.
//! - [`metrics`]: in-process metrics (queries, latency, refused handshakes, lockouts,
//!   quota refusals, injected faults, reloads) and their Prometheus text.
//! - [`monitor`]: the plain-HTTP monitoring listener (`/metrics`, `/healthz`, `/readyz`).
//! - [`admin`]: the auditors' HTTPS API under `/admin/audit/` (every read itself audited).
//! - [`admin_client`]: the `audit` commands' side: the admin API over mutual TLS, or the
//!   store itself when no server holds it.
//! - [`loadtest`]: the load harness (`loadtest`): mutual-TLS person queries (by identity
//!   code or identification criteria), HDR latency, answers counted by return code.
//! - [`pki`]: generation of the committed test PKI (never used at run time).

#![forbid(unsafe_code)]

pub mod access;
pub mod admin;
pub mod admin_client;
pub mod app;
pub mod audit;
pub mod canned;
pub mod cli;
pub mod cli_audit;
pub mod codes;
pub mod config;
pub mod faults;
pub mod hakuxml;
pub mod ids;
pub mod loadtest;
pub mod metrics;
pub mod monitor;
pub mod ops;
pub mod pki;
pub mod products;
pub mod registry;
pub mod server;
pub mod soap;
pub mod tls;
pub mod xml;
