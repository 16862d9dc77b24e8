//! Render time per product: each built-in product's `VTJHenkiloVastaussanoma` for a person
//! with every group filled (tests/products_person.rs), plus a product of one group and one
//! of every catalogue group, to show that the cost follows the groups a product renders,
//! not the size of the catalogue. Figures and command: BENCHMARKS.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Zoned;
use vtj_emulator::codes::{CriterionCode, ReturnCode};
use vtj_emulator::products::render::{self, Answer, CriterionEcho, PersonView};
use vtj_emulator::products::{Criterion as Crit, Options, Product, Products, catalogue};

#[path = "../tests/products_person.rs"]
mod products_person;

fn every_group_product() -> Product {
    // One group per element name (the first shape of each), in catalogue order.
    let mut ids: Vec<&str> = Vec::new();
    let mut elements: Vec<&str> = Vec::new();
    for g in catalogue::all() {
        if !elements.contains(&g.element()) {
            elements.push(g.element());
            ids.push(g.id);
        }
    }
    Product::new(
        "EVERY GROUP",
        &ids,
        Options::default(),
        &[Crit::Henkilotunnus],
        "bench",
    )
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let (person, related) = products_person::full();
    let now = Zoned::now();
    let criteria = [CriterionEcho {
        criterion: Crit::Henkilotunnus,
        value: person.hetu.as_str().into(),
        code: CriterionCode::Found,
    }];
    let mut products: Vec<_> = Products::builtin().all();
    products.push(std::sync::Arc::new(
        Product::new(
            "ONE GROUP",
            &["Henkilotunnus"],
            Options::default(),
            &[Crit::Henkilotunnus],
            "bench",
        )
        .unwrap(),
    ));
    products.push(std::sync::Arc::new(every_group_product()));
    let mut group = c.benchmark_group("render");
    for p in &products {
        let id = format!("{} ({} groups)", p.name, p.groups.len());
        group.bench_function(id, |b| {
            b.iter(|| {
                let r = render::render(&Answer {
                    product_name: &p.name,
                    code: ReturnCode::Ok,
                    code_text: None,
                    criteria: &criteria,
                    person: Some(PersonView {
                        person: &person,
                        product: p,
                        related: &related,
                        withhold_location: false,
                    }),
                    now: &now,
                });
                black_box(r.xml.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
