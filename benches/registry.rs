//! Person lookup at a small and at a full-size population (issue 3): the same operation,
//! `Registry::find_by_hetu` on a stored identity code, over 1,000 persons and, when
//! `VTJ_BENCH_DATA` names a data directory generated with
//! `vtj-emulator population generate --persons 5600000 --seed 1 --data DIR`, over that one.
//!
//! ```sh
//! cargo bench --bench registry                                   # 1,000 persons only
//! VTJ_BENCH_DATA=/work/scratch-pop/full cargo bench --bench registry
//! ```
//!
//! Each benchmark cycles through 1,000 codes sampled evenly over the key space, so both
//! sizes do the same work per lookup; figures go into BENCHMARKS.md.
//!
//! `person_identification` (issue 8) runs the identification search of
//! `TeeHenkilonTunnistusKysely` (`ops::henkilon_tunnistus::search`: surname, first names and
//! birth date of the same 1,000 persons) beside it, to compare with the identifier lookup.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use vtj_emulator::ids::Hetu;
use vtj_emulator::registry::Registry;
use vtj_emulator::registry::fixtures::Fixtures;
use vtj_emulator::registry::generate::{self, Options, Reserved};

/// 1,000 stored codes, spread over the key space (`DDMMYY…` prefixes from a fixed LCG).
fn sample(reg: &Registry) -> Vec<Hetu> {
    let mut x: u64 = 12345;
    let mut keys = Vec::new();
    while keys.len() < 1000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let r = x >> 33;
        let prefix = format!(
            "{:02}{:02}{:02}",
            1 + r % 28,
            1 + (r / 28) % 12,
            (r / 336) % 100
        );
        if let Some(h) = reg.hetu_at_or_after(&prefix).unwrap() {
            keys.push(h);
        }
    }
    keys
}

fn lookup(c: &mut Criterion, label: &str, reg: &Registry) {
    let keys = sample(reg);
    let mut i = 0;
    c.benchmark_group("person_lookup")
        .bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter(|| {
                i = (i + 1) % keys.len();
                black_box(reg.find_by_hetu(&keys[i]).unwrap())
            })
        });
}

fn identification(c: &mut Criterion, label: &str, reg: &Registry) {
    use vtj_emulator::hakuxml::HenkilonTunnistusHaku;
    let criteria: Vec<HenkilonTunnistusHaku> = sample(reg)
        .iter()
        .map(|h| {
            let p = reg.get(h).unwrap().unwrap();
            HenkilonTunnistusHaku {
                sukunimi: Some(p.last_name.to_uppercase()),
                etunimet: Some(p.first_names.clone()),
                syntymaaika: Some(p.birth_date().strftime("%Y%m%d").to_string()),
                kuntanumero: None,
            }
        })
        .collect();
    let mut i = 0;
    c.benchmark_group("person_identification").bench_function(
        BenchmarkId::from_parameter(label),
        |b| {
            b.iter(|| {
                i = (i + 1) % criteria.len();
                black_box(vtj_emulator::ops::henkilon_tunnistus::search(&criteria[i], reg).unwrap())
            })
        },
    );
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let db = sled::open(dir.path()).unwrap();
    let reg = Registry::open(&db).unwrap();
    let options = Options {
        persons: 1000,
        seed: 1,
    };
    generate::generate(&reg, options, &Reserved::default(), &mut |_| {}).unwrap();
    Fixtures::builtin().unwrap().import(&reg).unwrap();
    lookup(c, "1k", &reg);
    identification(c, "1k", &reg);

    if let Ok(path) = std::env::var("VTJ_BENCH_DATA") {
        let db = sled::open(&path).expect("VTJ_BENCH_DATA: a generated data directory");
        let reg = Registry::open(&db).unwrap();
        // The label of the big store (`VTJ_BENCH_LABEL`, default 5.6M).
        let label = std::env::var("VTJ_BENCH_LABEL").unwrap_or_else(|_| "5.6M".into());
        lookup(c, &label, &reg);
        identification(c, &label, &reg);
    }
}

criterion_group!(registry, benches);
criterion_main!(registry);
