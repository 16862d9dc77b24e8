//! Per-stage costs of one person query (issue 9): the SOAP envelope parse of a
//! `TeeHenkilonTunnusKysely`, and the service user's authentication (argon2id on the first
//! use, the remembered digest afterwards, and a wrong password). Registry lookups, rendering
//! and audit appends have their own benches (`registry`, `render`, `audit`).
//!
//! ```sh
//! cargo bench --bench stages
//! ```

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use vtj_emulator::config::Settings;
use vtj_emulator::soap::envelope;

fn query(hetu: &str) -> String {
    vtj_emulator::loadtest::person_query("PERUSSANOMA 3", "demo", "demo", "bench", hetu)
}

fn parse(c: &mut Criterion) {
    let body = query("020501A999T");
    let framing = envelope::framing(
        Some("text/xml; charset=utf-8"),
        Some("\"http://tempuri.org/TeeHenkilonTunnusKysely\""),
    )
    .unwrap();
    c.bench_function("stage/envelope parse (person query)", |b| {
        b.iter(|| black_box(envelope::parse(black_box(body.as_bytes()), &framing).unwrap()))
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

criterion_group!(benches, parse, authenticate);
criterion_main!(benches);
