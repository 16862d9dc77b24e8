//! The audit path's CPU per record, for counting instructions under callgrind: records as
//! a PERUSSANOMA 3 query's (15 data groups, an identity code as the search key, 64-digit
//! digests) are built and appended on the tokio workers, through the real writer thread
//! into a segment store in a temporary directory (`AUDIT_WRITER_DIR`, default /dev/shm),
//! in rounds of 22 concurrent appends that the writer takes as one group each (a long group
//! window holds it until the whole round has arrived), as at full load.
//!
//! `benches/audit_writer.sh` runs it under `valgrind --tool=callgrind` for N records and
//! for none, and prints the instructions per record of each thread (the writer's, the
//! workers', the sealing thread's), the writer's SHA-256 apart (under valgrind, sha2 runs
//! its software rounds, not the SHA instructions it uses on the server). The binary alone:
//!
//! ```sh
//! AUDIT_WRITER_RECORDS=2200 cargo bench --bench audit_writer
//! ```
//!
//! A plain binary (harness = false), with the server's allocator (mimalloc).

use std::sync::Arc;
use std::time::Duration;

use vtj_emulator::audit::{AuditLog, AuditRecord, AuditSettings, SegmentStore};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Records per group commit (the server's mean at full load, 32 connections).
const GROUP: u64 = 22;
/// Rounds before the counted ones, in both runs: the first group, before the writer holds
/// groups for the window, and the allocator's and runtime's first growth.
const WARM_UP: u64 = 2;

/// The data groups of a PERUSSANOMA 3 answer about a living person with a home address.
const GROUPS: [&str; 15] = [
    "Henkilotunnus",
    "NykyinenSukunimi",
    "NykyisetEtunimet",
    "EntinenNimi",
    "VakinainenKotimainenLahiosoite",
    "VakinainenAsuinpaikka",
    "KotimainenPostiosoite",
    "Kotikunta",
    "Kuolintiedot",
    "Aidinkieli",
    "Turvakielto",
    "Sukupuoli",
    "Kansalaisuus",
    "Edunvalvonta",
    "Edunvalvontavaltuutus",
];

/// As `ops::new_record` and a PERUSSANOMA 3 answer fill it.
fn record(i: u64) -> AuditRecord {
    let now = jiff::Timestamp::now();
    AuditRecord {
        seq: 0,
        time: now.to_string(),
        request_id: format!("{:016x}-{i:x}", now.as_nanosecond() as u64),
        organisation: Some(format!("org{}", i % 20)),
        cert_sha256: format!("{:064x}", (i % 20).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        cert_subject: format!("CN=system-{}, O=Organisation {}, C=FI", i % 20, i % 20),
        interface: "direct".into(),
        xroad_client: None,
        xroad_user_id: None,
        operation: "TeeHenkilonTunnusKysely".into(),
        kayttajatunnus: Some(format!("user{}", i % 50)),
        loppukayttaja: Some(format!("enduser{}", i % 10_000)),
        product: Some("PERUSSANOMA 3".into()),
        search_key: Some((
            "Henkilotunnus".into(),
            format!("{:06}A9{:02}X", (i * 7919) % 1_000_000, i % 100),
        )),
        disclosed: Vec::new(),
        return_code: "0000".into(),
        groups: GROUPS.iter().map(|g| g.to_string()).collect(),
        non_disclosure_applied: false,
        refused_because: None,
        fault_injected: None,
        duration_us: 800 + i % 400,
        prev_sha256: String::new(),
        response_sha256: format!("{:064x}", i.wrapping_mul(0x2545_f491_4f6c_dd1d)),
        filters: None,
    }
}

fn main() {
    let n: u64 = std::env::var("AUDIT_WRITER_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2200);
    assert!(n.is_multiple_of(GROUP), "a multiple of {GROUP} records");
    let base = std::env::var("AUDIT_WRITER_DIR").unwrap_or_else(|_| "/dev/shm".into());
    let tmp = tempfile::tempdir_in(base).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let db = sled::open(tmp.path().join("db")).unwrap();
    let mut settings = AuditSettings::builtin().unwrap();
    // Long enough for a whole round to arrive under valgrind before the group is taken.
    settings.group_window = Duration::from_millis(300);
    settings.checkpoint_interval = Duration::from_secs(24 * 60 * 60);
    let store = Arc::new(SegmentStore::open(&db, tmp.path()).unwrap());
    let log = AuditLog::start(store, &settings, false).unwrap();
    let rounds = WARM_UP + n / GROUP;
    rt.block_on(async {
        for round in 0..rounds {
            let tasks: Vec<_> = (0..GROUP)
                .map(|k| {
                    let log = log.clone();
                    let i = round * GROUP + k;
                    tokio::spawn(async move { log.append(record(i)).await.unwrap() })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        }
    });
    let stats = log.stats();
    rt.block_on(log.close());
    println!(
        "{} records in {} group commits ({} counted records)",
        stats.records, stats.flushes, n
    );
}
