//! vtj-emulator: a self-hosted emulator of the Finnish Population Information System query
//! interface (VTJ-kyselyrajapinta, "SoSo").
//!
//! A request travels one way through the crate:
//! TCP accept → [`tls`] (client certificate verified, [`tls::PeerIdentity`] once per
//! connection) → [`server`] (hyper: routes, limits, timeouts) → [`soap`] (envelope, faults)
//! → [`ops`] (parse → [`access`] → [`registry`] → [`products`]) → [`audit`] (on disk
//! before the answer leaves) → response bytes.
//!
//! Crate map, by floors from the ground up, one job each. A module imports only modules
//! on floors below its own (checked, with the import graph of the files, by
//! `tests/house.rs`).
//!
//! Floor 1, the ground: imports nothing of the crate.
//! - [`ids`]: personal identity codes, SATU, VTJ-PRT, property and dwelling identifiers.
//! - [`codes`]: VTJ return codes and search-criterion codes with their texts.
//! - [`operation`]: the operations' names on the direct and X-Road interfaces.
//! - [`clock`]: the register clock, now in Finnish local time.
//! - [`xml`]: strict request-XML reading into an element tree; escaping response writer.
//! - [`wsdl`]: the served WSDL documents, compiled in.
//! - [`tls`]: rustls server/client configurations and the peer's identity.
//! - [`metrics`]: in-process counters and latencies, and their Prometheus text.
//! - [`pki`]: generation of the committed test PKI (never used at run time).
//!
//! Floor 2:
//! - [`registry`]: the population in its redb store (postcard records), code lists, fixtures
//!   and the generator.
//! - [`access`]: organisations, service users, permits, quotas, lockouts, idle users.
//! - [`soap`]: SOAP 1.1/1.2 envelopes and faults, X-Road framing, the request schemas.
//! - [`hakuxml`]: the typed search-criteria documents of the identification queries.
//!
//! Floor 3:
//! - [`products`]: the data-group catalogue, the products (built-in, configured, imported
//!   from DVV's per-product schemas), their schemas and renderer.
//! - [`audit`]: the chained, durable audit log behind one store interface (segment files
//!   sealed with index files of their own, or PostgreSQL shared by several nodes): indexes,
//!   checkpoints, retention.
//!
//! Floor 4:
//! - [`faults`]: fault injection rules and the reserved test identity codes.
//! - [`monitor`]: the plain-HTTP `/metrics`, `/healthz`, `/readyz` over the state given it.
//!
//! Floor 5:
//! - [`config`]: the TOML file as written and the checked [`config::Settings`].
//!
//! Floor 6:
//! - [`app`]: the running server's shared state; opens the store, imports fixtures.
//! - [`store_args`]: the `--config` and `--data` options the commands share.
//! - [`canned`]: the canned-response server of `benches/compare.sh` (the stack's ceiling).
//!
//! Floor 7:
//! - [`ops`]: the operations (one file each), their requests, checks and dispatcher.
//! - [`cli_population`]: the `population` subcommands: generate, stats, sample.
//!
//! Floor 8:
//! - [`admin`]: the auditors' HTTPS API under `/admin/audit/` (every read itself audited).
//!
//! Floor 9:
//! - [`server`]: accept loop, connection limit, timeouts, routing, graceful shutdown.
//! - [`admin_client`]: the `audit` commands' side: the admin API, or the store itself.
//!
//! Floor 10:
//! - [`cli_audit`]: the `audit` subcommands' options, output and exit codes.
//! - [`loadtest`]: the load harness: mutual-TLS person queries to one or several targets,
//!   HDR latency, return codes.
//! - [`console`]: the web console (`[console]`): trail, catalogue, live view; reads audited.
//!
//! Floor 11, the top:
//! - [`cli`]: the command line (`serve`, `audit`, `config`, `products`, `population`, …).

#![forbid(unsafe_code)]

pub mod access;
pub mod admin;
pub mod admin_client;
pub mod app;
pub mod audit;
pub mod canned;
pub mod cli;
pub mod cli_audit;
pub mod cli_population;
pub mod clock;
pub mod codes;
pub mod config;
pub mod console;
pub mod faults;
pub mod hakuxml;
pub mod ids;
pub mod loadtest;
pub mod metrics;
pub mod monitor;
pub mod operation;
pub mod ops;
pub mod pki;
pub mod products;
pub mod registry;
pub mod server;
pub mod soap;
pub mod store_args;
pub mod tls;
pub mod wsdl;
pub mod xml;
