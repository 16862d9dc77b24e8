//! Per-stage costs of one person query (issue 9): the SOAP envelope parse of a
//! `TeeHenkilonTunnusKysely` (and, for issue 8, of a `TeeHenkilonTunnistusKysely` with the
//! read of its `HakuXml` criteria document), the service user's authentication (argon2id on the first
//! use, the remembered digest afterwards, and a wrong password), a registry lookup hot (the
//! same person again: redb's cache holds the path) and cold (the first lookup after the
//! registry was opened: redb's cache is empty, the operating system's page cache may hold
//! the file), the audit append without the durable sync (the chain digest, the segment
//! frame and the in-memory index entries, as the writer does for each record) and the durable
//! audit append through the real writer: one appender alone (every append waits for its
//! own sync) and eight at once (one group commit serves them). Lookups against population
//! size and rendering per product have their own benches (`registry`, `render`); `audit`
//! appends at volume. The whole query in process (issue 15) strings the worker's stages
//! together as `ops::handle_direct` runs them, minus the network and the audit commit.
//!
//! ```sh
//! cargo bench --bench stages
//! cargo bench --bench stages -- 'whole query'
//! # counts instead of times: N queries after the set-up, then exit (N = 0: the set-up alone)
//! WHOLE_QUERY_ITERATIONS=100000 perf stat -e instructions:u,cycles:u \
//!     target/release/deps/stages-HASH --bench 'whole query'
//! ```

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use vtj_emulator::config::Settings;
use vtj_emulator::soap::envelope;

/// The server's allocator (src/main.rs), so that the stages cost what they cost there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn query(hetu: &str) -> String {
    vtj_emulator::loadtest::person_query("PERUSSANOMA 3", "demo", "demo", "bench", hetu)
}

/// Benchmarks the envelope parse of a direct-interface request of `op` (SOAP 1.1); returns
/// the request's framing.
fn envelope_parse(c: &mut Criterion, name: &str, body: &str, op: &str) -> envelope::Framing {
    let action = format!("\"http://tempuri.org/{op}\"");
    let framing = envelope::framing(Some("text/xml; charset=utf-8"), Some(&action)).unwrap();
    c.bench_function(name, |b| {
        b.iter(|| black_box(envelope::parse(black_box(body.as_bytes()), &framing).unwrap()))
    });
    framing
}

fn parse(c: &mut Criterion) {
    let body = query("020501A999T");
    let name = "stage/envelope parse (person query)";
    envelope_parse(c, name, &body, "TeeHenkilonTunnusKysely");
}

/// What an identification query reads beyond a person query's: its larger envelope (the
/// criteria document travels escaped inside it) and the `HakuXml` document itself (the
/// strict structure check, then yaserde's binding).
fn identification_parse(c: &mut Criterion) {
    use vtj_emulator::hakuxml::HenkilonTunnistusHaku;
    use vtj_emulator::ops::{criteria, request};
    let body = vtj_emulator::loadtest::identification_query(
        "PERUSSANOMA 3",
        "demo",
        "demo",
        "bench",
        "JÄPPINEN;Albert;20010502",
    )
    .unwrap();
    let name = "stage/envelope parse (identification query)";
    let framing = envelope_parse(c, name, &body, "TeeHenkilonTunnistusKysely");
    let env = envelope::parse(body.as_bytes(), &framing).unwrap();
    let op = request::operation(framing.version, env.action.as_deref(), &env.payload).unwrap();
    let params = request::Params::read(op, &env.payload, framing.version).unwrap();
    c.bench_function("stage/HakuXml read (identification criteria)", |b| {
        b.iter(|| black_box(criteria::read::<HenkilonTunnistusHaku>(black_box(&params)).unwrap()))
    });
}

fn authenticate(c: &mut Criterion) {
    let settings = Settings::builtin().unwrap();
    let org = settings.access.organisations()[0].clone();
    // The first verification runs argon2id and is remembered; later ones compare digests.
    assert!(org.authenticate("demo", "demo").is_some());
    c.bench_function("stage/authenticate (remembered password)", |b| {
        b.iter(|| {
            black_box(
                org.authenticate(black_box("demo"), black_box("demo"))
                    .is_some(),
            )
        })
    });
    let mut slow = c.benchmark_group("stage/authenticate argon2id");
    slow.sample_size(10);
    slow.bench_function("first use (fresh configuration)", |b| {
        b.iter_batched(
            || Settings::builtin().unwrap().access.organisations()[0].clone(),
            |o| black_box(o.authenticate("demo", "demo").is_some()),
            criterion::BatchSize::PerIteration,
        )
    });
    slow.bench_function("wrong password", |b| {
        b.iter(|| black_box(org.authenticate("demo", "wrong").is_none()))
    });
    slow.finish();
}

fn lookup(c: &mut Criterion) {
    use vtj_emulator::registry::Registry;
    use vtj_emulator::registry::generate::{self, Options, Reserved};
    use vtj_emulator::registry::store::CACHE_BYTES;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    let hetus = {
        let reg = Registry::open_dir(&path, CACHE_BYTES).unwrap();
        let options = Options {
            persons: 20_000,
            seed: 1,
            threads: 2,
        };
        generate::generate(&reg, options, &Reserved::default(), &|_, _| {}).unwrap();
        let mut hetus = Vec::new();
        for (n, p) in reg.persons().enumerate() {
            if n % 97 == 0 {
                hetus.push(p.unwrap().hetu);
            }
        }
        hetus
    };
    let open = || Registry::open_dir(&path, CACHE_BYTES).unwrap();
    let mut group = c.benchmark_group("stage/person lookup (20 000 persons)");
    {
        let reg = open();
        let hot = &hetus[0];
        reg.find_by_hetu(hot).unwrap();
        group.bench_function("hot (the same person again)", |b| {
            b.iter(|| black_box(reg.find_by_hetu(black_box(hot)).unwrap()))
        });
    }
    group.sample_size(20);
    let mut i = 0;
    group.bench_function("cold (first lookup after opening the store)", |b| {
        b.iter_batched(
            || {
                i = (i + 1) % hetus.len();
                (open(), &hetus[i])
            },
            |(reg, hetu)| {
                let found = black_box(reg.find_by_hetu(hetu).unwrap());
                (found, reg)
            },
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn audit_insert(c: &mut Criterion) {
    use vtj_emulator::audit::segment_file::{Frames, Kind};
    let mut index = vtj_emulator::audit::segment_index::MemIndex::default();
    let mut seq = 0u64;
    let mut prev = String::new();
    let mut frames = Frames::new(1);
    c.bench_function(
        "stage/audit append without the sync (digest, frame and index entries)",
        |b| {
            b.iter(|| {
                seq += 1;
                let mut r = record(seq);
                r.seq = seq;
                r.prev_sha256 = std::mem::take(&mut prev);
                let bytes = serde_json::to_vec(&r).unwrap();
                prev = vtj_emulator::audit::digest_hex(&bytes);
                if frames.bytes.len() > 1 << 20 {
                    frames = Frames::new(1);
                }
                if index.slots.len() >= 60_000 {
                    index = Default::default(); // a segment's worth, then sealed
                }
                let at = frames.push(Kind::Record, seq, &bytes);
                index.add(seq, at as u32, bytes.len() as u32, Some(&r));
            })
        },
    );
}

fn record(i: u64) -> vtj_emulator::audit::AuditRecord {
    vtj_emulator::audit::AuditRecord {
        seq: 0,
        time: jiff::Timestamp::now().to_string(),
        request_id: format!("bench-{i}"),
        organisation: Some("demo".into()),
        cert_sha256: format!("{:064x}", 7),
        cert_subject: "CN=demo, O=Demo, C=FI".into(),
        interface: "direct".into(),
        xroad_client: None,
        xroad_user_id: None,
        operation: "TeeHenkilonTunnusKysely".into(),
        kayttajatunnus: Some("demo".into()),
        loppukayttaja: Some("bench".into()),
        product: Some("PERUSSANOMA 3".into()),
        search_key: Some(("Henkilotunnus".into(), "020501A999T".into())),
        disclosed: Vec::new(),
        return_code: "0000".into(),
        groups: [
            "Henkilonnimi",
            "VakinainenKotimainenLahiosoite",
            "Kotikunta",
        ]
        .iter()
        .map(|g| g.to_string())
        .collect(),
        non_disclosure_applied: false,
        refused_because: None,
        fault_injected: None,
        duration_us: 900,
        prev_sha256: String::new(),
        response_sha256: format!("{:064x}", i),
        filters: None,
    }
}

fn audit_append(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = sled::open(&data).unwrap();
    let settings = vtj_emulator::audit::AuditSettings::builtin().unwrap();
    let log =
        rt.block_on(async { vtj_emulator::audit::AuditLog::open(&db, &data, &settings).unwrap() });
    let mut i = 0u64;
    let mut group = c.benchmark_group("stage/audit append, durable");
    group.sample_size(20);
    group.bench_function("one appender (a sync each)", |b| {
        b.iter(|| {
            i += 1;
            rt.block_on(log.append(record(i))).unwrap()
        })
    });
    group.bench_function("8 concurrent appenders (per 8 records)", |b| {
        b.iter(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..8)
                    .map(|_| {
                        i += 1;
                        let log = log.clone();
                        let r = record(i);
                        tokio::spawn(async move { log.append(r).await.unwrap() })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        })
    });
    group.finish();
    rt.block_on(log.close());
}

/// What a tokio worker does for one PERUSSANOMA 3 query between the request body and the
/// audit append, as `ops::handle_direct` does it minus the network and the commit: the
/// audit record's start, the envelope parse, the operation and its parameters, `dispatch`
/// (authorise, the registry read with the related persons, the render), the wrap into the
/// SOAP envelope and the response digest. The person (090702A9996) has two guardians in the
/// bundled fixtures, so their records are read too.
fn whole_query(c: &mut Criterion) {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    use vtj_emulator::ops::{self, Caller, request};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The default configuration with the organisation's quotas lifted, as the load benches run.
    let text = vtj_emulator::config::DEFAULT_CONFIG
        .replace("per_second = 200 ", "per_second = 0 ")
        .replace("per_day = 100000", "per_day = 0");
    let mut settings = Settings::from_toml(&text, "bench", None).unwrap();
    settings.data_dir = dir.path().join("data");
    let app = rt.block_on(async { vtj_emulator::app::App::open(settings).unwrap() });
    let der = CertificateDer::from_pem_file("certs/clients/demo.pem").unwrap();
    let peer = vtj_emulator::tls::PeerIdentity::remembered(der.as_ref());
    let caller = Caller {
        organisation: app.settings().access.identify(&peer),
        peer,
        request_id: "bench".into(),
        received: std::time::Instant::now(),
        underway: std::sync::Arc::new(app.audit.underway()),
    };
    assert!(caller.organisation.is_some());
    let body = query("090702A9996");
    let action = "\"http://tempuri.org/TeeHenkilonTunnusKysely\"";
    let framing = envelope::framing(Some("text/xml; charset=utf-8"), Some(action)).unwrap();
    let once = || {
        let mut record = ops::new_record(&caller, "direct");
        let env = envelope::parse(black_box(body.as_bytes()), &framing).unwrap();
        let version = framing.version;
        let op = request::operation(version, env.action.as_deref(), &env.payload).unwrap();
        let params = request::Params::read(op, &env.payload, version).unwrap();
        let mut answer = String::with_capacity(8192);
        ops::open_direct(&mut answer, version, op);
        ops::dispatch_into(
            &app,
            &caller,
            version,
            op,
            &params,
            &mut record,
            &mut answer,
        )
        .unwrap();
        ops::close_direct(&mut answer, op);
        record.response_sha256 = vtj_emulator::audit::digest_hex(answer.as_bytes());
        (answer, record)
    };
    let (answer, record) = once();
    assert_eq!(record.return_code, "0000", "{answer}");
    assert!(answer.contains("VTJHenkiloVastaussanoma"));
    // A fixed number of queries and no timing, for counting instructions and cycles under
    // `perf stat` (a shared machine's load moves the timings; the counts barely move). A
    // run with 0 gives the set-up's own count, to subtract.
    if let Ok(n) = std::env::var("WHOLE_QUERY_ITERATIONS") {
        for _ in 0..n.parse::<u64>().unwrap() {
            black_box(once());
        }
        std::process::exit(0);
    }
    c.bench_function(
        "stage/whole query in process (PERUSSANOMA 3, two guardians)",
        |b| b.iter(|| black_box(once())),
    );
    drop(app);
}

criterion_group!(
    benches,
    whole_query,
    parse,
    identification_parse,
    authenticate,
    lookup,
    audit_insert,
    audit_append
);
criterion_main!(benches);
