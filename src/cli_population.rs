//! The `population` commands' glue: opens the store for bulk loading, shows progress bars,
//! runs the generator and the fixture import, prints summaries and counts. The substance
//! lives in [`crate::registry::generate`], [`crate::registry::fixtures`] and
//! [`crate::registry::stats`]; this file only wires them to the terminal (anyhow is fine
//! here: it is the edge).

use std::time::Instant;

use clap::Subcommand;
use indicatif::{MultiProgress, ProgressBar, ProgressState, ProgressStyle};

use crate::config::{FixtureSource, Settings};
use crate::registry::fixtures::Fixtures;
use crate::registry::generate::{self, Options, Phase, Reserved};
use crate::registry::stats;
use crate::registry::store::{self, Registry, RegistryError};
use crate::store_args::StoreArgs;

#[derive(Debug, Subcommand)]
pub enum PopulationCommand {
    /// Generate a deterministic synthetic population into the store (the fixtures are
    /// imported after it and win on conflict).
    Generate {
        #[command(flatten)]
        store: StoreArgs,
        /// Number of persons to generate.
        #[arg(long)]
        persons: u64,
        /// Seed: the same seed gives the same records.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print counts of the stored population by group.
    Stats {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print stored identity codes spread over the whole store, one a line (for
    /// `loadtest --hetu-file`); reads keys only. Codes repeat when the store holds fewer
    /// persons than asked for.
    Sample {
        #[command(flatten)]
        store: StoreArgs,
        /// How many codes to print.
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Seed of the sampling: the same seed and store give the same codes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the same persons' identification criteria instead,
        /// `SURNAME;FIRST NAMES;YYYYMMDD` (for `loadtest --criteria-file`; reads their
        /// records).
        #[arg(long)]
        criteria: bool,
    },
}

/// redb's page cache for bulk loading: the dirty pages of a write transaction beyond it
/// are written out, so this bounds the generation's memory with the hand-over between its
/// two threads (BENCHMARKS.md, "The stored population").
const BULK_CACHE_BYTES: usize = 256 * 1024 * 1024;

pub fn run(command: PopulationCommand) -> anyhow::Result<()> {
    match command {
        PopulationCommand::Generate {
            store,
            persons,
            seed,
        } => {
            let settings = store.settings()?;
            generate_into(&settings, persons, seed)
        }
        PopulationCommand::Sample {
            store,
            count,
            seed,
            criteria,
        } => {
            let settings = store.settings()?;
            let registry = open(&settings, store::CACHE_BYTES)?;
            let mut out = String::new();
            for h in stats::sample(&registry, count, seed)? {
                if criteria {
                    let p = registry
                        .get(&h)?
                        .ok_or_else(|| RegistryError::DanglingIndex(h.to_string()))?;
                    out.push_str(&stats::criteria(&p));
                } else {
                    out.push_str(h.as_str());
                }
                out.push('\n');
            }
            print!("{out}");
            Ok(())
        }
        PopulationCommand::Stats { store } => {
            let settings = store.settings()?;
            let registry = open(&settings, store::CACHE_BYTES)?;
            print!("{}", stats::count(&registry)?);
            Ok(())
        }
    }
}

/// The registry of the settings' data directory.
fn open(settings: &Settings, cache_bytes: usize) -> anyhow::Result<Registry> {
    Ok(Registry::open_data_dir(
        &settings.data_dir,
        cache_bytes,
        None,
    )?)
}

fn fixtures(settings: &Settings) -> anyhow::Result<Fixtures> {
    Ok(match &settings.fixtures {
        FixtureSource::Builtin => Fixtures::builtin()?,
        FixtureSource::Files(files) => Fixtures::load(files)?,
    })
}

fn generate_into(settings: &Settings, persons: u64, seed: u64) -> anyhow::Result<()> {
    let fixtures = fixtures(settings)?;
    let mut reserved = Reserved::default();
    for p in &fixtures.persons {
        reserved.hetus.insert(p.hetu.clone());
        reserved.hetus.extend(p.passive_hetus.iter().cloned());
        reserved.satus.extend(p.satu.iter().cloned());
    }
    let registry = open(settings, BULK_CACHE_BYTES)?;
    if registry.has_generated_population()? {
        anyhow::bail!(
            "{} already holds a generated population; generate into a new --data directory (or delete this one) so that two populations never mix",
            settings.data_dir.display()
        );
    }
    let bars = MultiProgress::new();
    let style = |unit: &str| {
        ProgressStyle::with_template(&format!(
            "{{msg:<24}} [{{elapsed_precise}}] {{wide_bar}} {{human_pos}}/{{human_len}} {unit} ({{rate}}, {{eta}} left)"
        ))
        .expect("valid template")
        .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0}/s", s.per_sec());
        })
    };
    let generating = bars.add(ProgressBar::new(persons).with_style(style("persons")));
    generating.set_message("1/2 generating");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    let started = Instant::now();
    let options = Options {
        persons,
        seed,
        threads,
    };
    // The second phase's bar appears when it begins (its length is known only then).
    let storing = std::sync::OnceLock::<(ProgressBar, std::time::Duration)>::new();
    let summary = generate::generate(&registry, options, &reserved, &|phase, n| match phase {
        Phase::Generating => generating.set_position(n),
        Phase::Storing(total) => {
            let (bar, _) = storing.get_or_init(|| {
                generating.finish();
                let bar = bars.add(ProgressBar::new(total).with_style(style("pairs")));
                bar.set_message("2/2 storing in key order");
                (bar, started.elapsed())
            });
            bar.set_position(n)
        }
    })?;
    generating.finish();
    if let Some((bar, _)) = storing.get() {
        bar.finish();
    }
    let generated = started.elapsed();
    let n = fixtures.import(&registry)?;
    println!(
        "generated {} persons ({} deceased, {} under non-disclosure, {} minors with guardians, {} abroad, {} passive codes) in {} dwellings of {} buildings on {} properties in {:.1} s",
        summary.persons,
        summary.deceased,
        summary.non_disclosure,
        summary.minors_with_guardians,
        summary.abroad,
        summary.passivated,
        summary.dwellings,
        summary.buildings,
        summary.properties,
        generated.as_secs_f64()
    );
    if let Some((bar, first)) = storing.get() {
        println!(
            "phase 1 (generating, {} persons) {:.1} s, phase 2 (storing {} sorted pairs in key order) {:.1} s",
            summary.persons,
            first.as_secs_f64(),
            bar.length().unwrap_or(0),
            (generated - *first).as_secs_f64()
        );
    }
    println!("imported {n} fixture persons (they win over generated records)");
    println!("content digest (seed {seed}): {}", summary.digest);
    Ok(())
}
