//! Person lookup at a small and at a full-size population (issue 3): the same operation,
//! `Registry::find_by_hetu` on a stored identity code, over 1,000 persons and, when
//! `VTJ_BENCH_DATA` names a data directory generated with
//! `vtj-emulator population generate --persons 5600000 --seed 1 --data DIR`, over that one.
//!
//! ```sh
//! cargo bench --bench registry                                   # 1,000 persons only
//! VTJ_BENCH_DATA=/work/scratch-reg/full cargo bench --bench registry
//! ```
//!
//! Each benchmark cycles through 1,000 codes sampled evenly over the key space, so both
//! sizes do the same work per lookup; figures go into BENCHMARKS.md. Both stores are
//! opened from disk before measuring (the small one is generated, closed and reopened), and
//! nothing is cached beside redb's own page cache: every iteration is a real lookup.
//!
//! - `person_lookup`: `Registry::find_by_hetu` of the first stored code of 1,000 birth
//!   dates spread over the key space (`registry::stats::sample`, seed 1: the persons
//!   `population sample` prints; the runs in BENCHMARKS.md up to 2026-11-21 used a copy of
//!   that sampling of its own, days 1–28 and another seed).
//! - `person_lookup_random`: the same, of the stored code at or after 1,000 random full
//!   codes (any day, century sign and test individual number): persons anywhere in a day's
//!   codes, not only its first.
//! - `person_identification` (issue 8): the identification search of
//!   `TeeHenkilonTunnistusKysely` (`ops::henkilon_tunnistus::search`: surname, first names
//!   and birth date of the `person_lookup` persons), to compare with the identifier lookup.
//! - `paired` (printed, not a criterion benchmark): lookups and identifications of the same
//!   sampled persons in alternating rounds, a pass of 1,000 of each kind in turn, 101
//!   rounds, so the drift of a shared machine falls on all alike; it prints each kind's
//!   median time per query and the median and quartiles of the per-round ratios. Three
//!   kinds: `lookup` (`find_by_hetu` of a parsed code, as `person_lookup`), `lookup from
//!   text` (the code parsed from its text first, as a request gives it) and
//!   `identification` (`search` of the criteria texts, as `person_identification`).
//! - `point_read` (the reads alone, no decode): for the same persons, the point read of
//!   the identification index under surname, birth date and first name (`identification
//!   index`: every person filed there, as the search reads them) and the point read of the
//!   person's record in the persons table by identity code (`persons`, as the lookup reads
//!   it).
//! - `paired_sizes` (printed, with `VTJ_BENCH_DATA`): lookups in the 1,000-person store
//!   and in the big one in alternating rounds, and the median of the per-round ratios.
//! - `encoding/...` (printed): the sampled persons' records in JSON and in postcard (the
//!   stored form less its version byte): bytes a person, encode and decode time.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use vtj_emulator::hakuxml::HenkilonTunnistusHaku;
use vtj_emulator::ids::Hetu;
use vtj_emulator::registry::Registry;
use vtj_emulator::registry::fixtures::Fixtures;
use vtj_emulator::registry::generate::{self, Options, Reserved};

/// 1,000 stored codes spread over the key space: those `vtj-emulator population sample`
/// prints with its default seed, so `benches/identification_load.sh` queries the same
/// persons through the server.
fn sample(reg: &Registry) -> Vec<Hetu> {
    vtj_emulator::registry::stats::sample(reg, 1000, 1).unwrap()
}

/// 1,000 stored codes at or after random full identity codes (`DDMMYY`, one of the twelve
/// century signs, individual number 900–999), from a fixed LCG.
fn random_sample(reg: &Registry) -> Vec<Hetu> {
    const SIGNS: &[u8] = b"-YXWVUABCDEF";
    let mut x: u64 = 987654321;
    let mut keys = Vec::new();
    while keys.len() < 1000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let r = x >> 16;
        let key = format!(
            "{:02}{:02}{:02}{}{}",
            1 + r % 31,
            1 + (r / 31) % 12,
            (r / 372) % 100,
            SIGNS[((r / 37_200) % 12) as usize] as char,
            900 + (r / 446_400) % 100
        );
        let found = match reg.hetu_at_or_after(&key).unwrap() {
            Some(h) => Some(h),
            None => reg.hetu_at_or_after("").unwrap(),
        };
        keys.extend(found);
    }
    keys
}

fn lookup(c: &mut Criterion, group: &str, label: &str, reg: &Registry, keys: Vec<Hetu>) {
    let mut i = 0;
    c.benchmark_group(group)
        .bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter(|| {
                i = (i + 1) % keys.len();
                black_box(reg.find_by_hetu(&keys[i]).unwrap())
            })
        });
}

/// The identification criteria of each person: upper-cased surname, first names, birth date.
fn criteria_of(reg: &Registry, persons: &[Hetu]) -> Vec<HenkilonTunnistusHaku> {
    persons
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
        .collect()
}

fn identification(c: &mut Criterion, label: &str, reg: &Registry) {
    let criteria = criteria_of(reg, &sample(reg));
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
    use vtj_emulator::registry::store::CACHE_BYTES;
    let dir = tempfile::tempdir().unwrap();
    {
        let reg = Registry::open_dir(dir.path(), CACHE_BYTES).unwrap();
        let options = Options {
            persons: 1000,
            seed: 1,
            threads: 2,
        };
        generate::generate(&reg, options, &Reserved::default(), &|_, _| {}).unwrap();
        Fixtures::builtin().unwrap().import(&reg).unwrap();
    }
    // The small store is opened from disk again, like the big one.
    let small = Registry::open_dir(dir.path(), CACHE_BYTES).unwrap();
    run(c, "1k", &small);

    if let Ok(path) = std::env::var("VTJ_BENCH_DATA") {
        let big = Registry::open_dir(std::path::Path::new(&path), CACHE_BYTES)
            .expect("VTJ_BENCH_DATA: a generated data directory of this version");
        // The label of the big store (`VTJ_BENCH_LABEL`, default 5.6M).
        let label = std::env::var("VTJ_BENCH_LABEL").unwrap_or_else(|_| "5.6M".into());
        run(c, &label, &big);
        paired_sizes(&label, &small, &big);
    }
}

/// Lookups in the small and the big store in alternating rounds (1,000 lookups of each
/// store's sampled persons in turn, 101 rounds), so the drift of a shared machine falls on
/// both alike: prints each store's median time per lookup and the median and quartiles of
/// the per-round ratios big / small.
fn paired_sizes(label: &str, small: &Registry, big: &Registry) {
    use std::time::Instant;
    const ROUNDS: usize = 101;
    let stores = [small, big];
    let keys = [sample(small), sample(big)];
    let mut times: [Vec<f64>; 2] = Default::default();
    for _ in 0..ROUNDS {
        for i in 0..2 {
            let start = Instant::now();
            for h in &keys[i] {
                black_box(stores[i].find_by_hetu(h).unwrap());
            }
            times[i].push(start.elapsed().as_secs_f64() * 1e6 / keys[i].len() as f64);
        }
    }
    let quartiles = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 4], v[v.len() / 2], v[v.len() * 3 / 4])
    };
    let ratios = times[1].iter().zip(&times[0]).map(|(b, s)| b / s).collect();
    let (q1, r, q3) = quartiles(ratios);
    eprintln!(
        "paired_sizes/{label}: {ROUNDS} rounds, medians: lookup 1k {:.2} µs, {label} {:.2} µs; \
         {label} / 1k {r:.3} (quartiles {q1:.3}–{q3:.3})",
        quartiles(times[0].clone()).1,
        quartiles(times[1].clone()).1
    );
}

fn run(c: &mut Criterion, label: &str, reg: &Registry) {
    lookup(c, "person_lookup", label, reg, sample(reg));
    lookup(c, "person_lookup_random", label, reg, random_sample(reg));
    identification(c, label, reg);
    paired(label, reg);
    index_reads(c, label, reg);
    encodings(label, reg);
}

/// The stored encoding against JSON on the sampled persons: bytes, and encode and decode
/// time per person (medians of 21 passes over the 1,000), printed.
fn encodings(label: &str, reg: &Registry) {
    use std::time::Instant;
    use vtj_emulator::registry::Person;
    let persons: Vec<Person> = sample(reg)
        .iter()
        .map(|h| reg.get(h).unwrap().unwrap())
        .collect();
    let n = persons.len() as f64;
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let measure = |name: &str, enc: &dyn Fn(&Person) -> Vec<u8>, dec: &dyn Fn(&[u8]) -> Person| {
        let bytes: Vec<Vec<u8>> = persons.iter().map(enc).collect();
        for (p, b) in persons.iter().zip(&bytes) {
            assert_eq!(&dec(b), p, "{name} reads back what it wrote");
        }
        let (mut e, mut d) = (Vec::new(), Vec::new());
        for _ in 0..21 {
            let start = Instant::now();
            for p in &persons {
                black_box(enc(p));
            }
            e.push(start.elapsed().as_secs_f64() * 1e6 / n);
            let start = Instant::now();
            for b in &bytes {
                black_box(dec(b));
            }
            d.push(start.elapsed().as_secs_f64() * 1e6 / n);
        }
        let mean = bytes.iter().map(Vec::len).sum::<usize>() as f64 / n;
        eprintln!(
            "encoding/{label}/{name}: {mean:.0} bytes a person, encode {:.2} µs, decode {:.2} µs",
            median(e),
            median(d)
        );
    };
    measure("json", &|p| serde_json::to_vec(p).unwrap(), &|b| {
        serde_json::from_slice(b).unwrap()
    });
    measure("postcard", &|p| postcard::to_allocvec(p).unwrap(), &|b| {
        postcard::from_bytes(b).unwrap()
    });
}

/// Lookups and identifications of the same persons in alternating rounds (see the module doc).
fn paired(label: &str, reg: &Registry) {
    use std::time::Instant;
    use vtj_emulator::ops::henkilon_tunnistus::search;
    use vtj_emulator::registry::store::Lookup;
    const ROUNDS: usize = 101;
    let persons = sample(reg);
    let texts: Vec<String> = persons.iter().map(|h| h.to_string()).collect();
    let criteria = criteria_of(reg, &persons);
    // Every sampled person is found each way (a warm-up pass that also checks).
    for (h, c) in persons.iter().zip(&criteria) {
        assert!(matches!(reg.find_by_hetu(h).unwrap(), Lookup::Found(_)));
        assert!(search(c, reg).unwrap().iter().any(|p| p.hetu == *h));
    }
    let n = persons.len() as f64;
    let mut times: [Vec<f64>; 3] = Default::default();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for h in &persons {
            black_box(reg.find_by_hetu(h).unwrap());
        }
        times[0].push(start.elapsed().as_secs_f64() * 1e6 / n);
        let start = Instant::now();
        for t in &texts {
            let h: Hetu = t.parse().unwrap();
            black_box(reg.find_by_hetu(&h).unwrap());
        }
        times[1].push(start.elapsed().as_secs_f64() * 1e6 / n);
        let start = Instant::now();
        for c in &criteria {
            black_box(search(c, reg).unwrap());
        }
        times[2].push(start.elapsed().as_secs_f64() * 1e6 / n);
    }
    let quartiles = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 4], v[v.len() / 2], v[v.len() * 3 / 4])
    };
    let ratio = |of: usize, to: usize| {
        quartiles(
            times[of]
                .iter()
                .zip(&times[to])
                .map(|(a, b)| a / b)
                .collect(),
        )
    };
    let median = |i: usize| quartiles(times[i].clone()).1;
    let (q1, r, q3) = ratio(2, 0);
    let (t1, t, t3) = ratio(2, 1);
    eprintln!(
        "paired/{label}: {ROUNDS} rounds of 1,000 each, medians: lookup {:.2} µs, lookup from text \
         {:.2} µs, identification {:.2} µs; identification / lookup {r:.3} (quartiles \
         {q1:.3}–{q3:.3}), identification / lookup from text {t:.3} ({t1:.3}–{t3:.3})",
        median(0),
        median(1),
        median(2)
    );
}

fn index_reads(c: &mut Criterion, label: &str, reg: &Registry) {
    use vtj_emulator::registry::name_index;
    let keys: Vec<(Vec<u8>, Hetu)> = sample(reg)
        .into_iter()
        .map(|h| {
            let p = reg.get(&h).unwrap().unwrap();
            (name_index::person_key(&p), h)
        })
        .collect();
    let mut g = c.benchmark_group("point_read");
    let mut i = 0;
    g.bench_function(BenchmarkId::new("identification index", label), |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            black_box(reg.raw_point_read("names", &keys[i].0).unwrap())
        })
    });
    g.bench_function(BenchmarkId::new("persons", label), |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            black_box(
                reg.raw_point_read("persons", keys[i].1.as_str().as_bytes())
                    .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(registry, benches);
criterion_main!(registry);
