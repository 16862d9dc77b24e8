//! The `population` commands' glue: opens the store for bulk loading, shows progress bars,
//! runs the generator and the fixture import, prints summaries and counts. The substance
//! lives in [`crate::registry::generate`], [`crate::registry::fixtures`] and
//! [`crate::registry::stats`]; this file only wires them to the terminal (anyhow is fine
//! here: it is the edge).

use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::{FixtureSource, Settings};
use crate::registry::fixtures::Fixtures;
use crate::registry::generate::{self, Options, Reserved};
use crate::registry::stats;
use crate::registry::store::{Registry, RegistryError};
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

/// Page cache for bulk loading (sled treats it as a target, not a limit; what keeps the
/// memory of a large generation small is the [`crate::registry::store::BulkWriter`]'s
/// plain inserts).
const BULK_CACHE_BYTES: u64 = 256 * 1024 * 1024;

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
            let db = crate::app::open_db(&settings)?;
            let registry = Registry::open(&db)?;
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
            let db = crate::app::open_db(&settings)?;
            let registry = Registry::open(&db)?;
            print!("{}", stats::count(&registry)?);
            Ok(())
        }
    }
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
    let db = sled::Config::new()
        .path(&settings.data_dir)
        .cache_capacity(BULK_CACHE_BYTES)
        .open()
        .with_context(|| format!("cannot open the store in {}", settings.data_dir.display()))?;
    let registry = Registry::open(&db)?;
    if registry.has_generated_population()? {
        anyhow::bail!(
            "{} already holds a generated population; generate into a new --data directory (or delete this one) so that two populations never mix",
            settings.data_dir.display()
        );
    }
    let bar = ProgressBar::new(persons).with_style(
        ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} persons ({per_sec}, eta {eta})",
        )
        .expect("valid template"),
    );
    bar.set_message("generating and storing");
    let started = Instant::now();
    let summary = generate::generate(&registry, Options { persons, seed }, &reserved, &mut |n| {
        bar.set_position(n)
    })?;
    bar.finish();
    let generated = started.elapsed();
    let bar = ProgressBar::new(fixtures.persons.len() as u64);
    bar.set_message("importing fixtures");
    let n = fixtures.import(&registry)?;
    bar.set_position(n as u64);
    db.flush()?;
    bar.finish_and_clear();
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
    println!("imported {n} fixture persons (they win over generated records)");
    println!("content digest (seed {seed}): {}", summary.digest);
    Ok(())
}
