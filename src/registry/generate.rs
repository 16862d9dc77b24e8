//! The synthetic population: a deterministic generator of persons in households, living
//! in dwellings of buildings on properties in Statistics Finland's municipalities, streamed
//! into the registry through [`BulkWriter`] (nothing is held beyond one building's
//! households and a per-day counter of identity codes). Same seed and same reserved codes
//! → the same records, byte for byte, in the same order ([`Summary::digest`] proves it).
//!
//! Identifier ranges (so hand-written fixtures never collide): identity codes are test codes
//! (individual number 900–999; the 2023 century signs give the capacity, see
//! `docs/population.md`), VTJ-PRTs start at `910000000`, SATUs at `20000000`, property
//! identifiers use village/district numbers 900–999. Codes the fixtures use are skipped.

use std::collections::HashSet;

use jiff::ToSpan;
use jiff::civil::Date;
use sha2::{Digest, Sha256};

use crate::ids::{DwellingId, Hetu, PropertyId, Prt, Satu};
use crate::registry::codes;
use crate::registry::estate::{Building, BuildingAddress, Dwelling, Property};
use crate::registry::model::{
    Citizenship, DomesticAddress, ForeignAddress, GuardianLink, HomeMunicipality, NonDisclosure,
    Person,
};
use crate::registry::names;
use crate::registry::rng::{Rng, Weighted};
use crate::registry::store::{Batch, Loader, Record, Registry, RegistryError, Tables};

/// The day the synthetic population describes (fixed, so output never depends on the clock).
pub const REFERENCE_DATE: Date = Date::constant(2025, 1, 1);
const FIRST_DAY: Date = Date::constant(1900, 1, 1);
const FIRST_PRT: u32 = 910_000_000;
const FIRST_SATU: u32 = 20_000_000;
/// Identity codes per birth date and sex: 50 individual numbers × 6 century signs.
const CODES_PER_DAY_AND_SEX: u16 = 300;

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Store(#[from] RegistryError),
    #[error("the population is too large: {0} ran out")]
    Exhausted(&'static str),
    #[error("the thread storing the population stopped")]
    StoringStopped,
}

/// What the generator must produce.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub persons: u64,
    pub seed: u64,
    /// 1: generate and store in turn on one thread; 2 or more: one thread generates and
    /// encodes while another stores. The records are the same either way.
    pub threads: usize,
}

/// Identifiers the generator must not use (those of the hand-written fixtures).
#[derive(Debug, Clone, Default)]
pub struct Reserved {
    pub hetus: HashSet<Hetu>,
    pub satus: HashSet<Satu>,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub persons: u64,
    pub deceased: u64,
    pub non_disclosure: u64,
    pub minors_with_guardians: u64,
    pub abroad: u64,
    pub passivated: u64,
    pub buildings: u64,
    pub dwellings: u64,
    pub properties: u64,
    /// SHA-256 over every generated record (key and stored bytes) in generation order.
    pub digest: String,
}

/// Records in a batch handed from the generating thread to the storing one.
const BATCH: usize = 4_000;
/// Batches under way between the threads (bounds the memory the hand-over takes).
const BATCHES_IN_FLIGHT: usize = 4;

/// What a progress report counts. The first phase generates the persons and takes them
/// in (the records whose keys come in order are stored, the rest sorted in runs); the
/// second writes the runs into the store in key order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Persons generated and taken in, of `Options::persons`.
    Generating,
    /// Sorted index and record pairs written, of the number given.
    Storing(u64),
}

/// Generates `options.persons` persons into `registry`, calling `progress` (from the
/// storing thread) as each [`Phase`] advances. Everything is stored in one write
/// transaction (redb writes its pages out beyond its cache, and a page is written once
/// rather than copied at every commit), the tables whose keys come in random order through
/// sorted runs so that each is written in key order; the store is marked unfinished until
/// that transaction is durably committed, so an interrupted generation is refused when
/// opened ([`RegistryError::Interrupted`]).
pub fn generate(
    registry: &Registry,
    options: Options,
    reserved: &Reserved,
    progress: &(dyn Fn(Phase, u64) + Sync),
) -> Result<Summary, GenerateError> {
    registry.start_generation()?;
    let mut loader = registry.loader()?;
    let mut taken = 0;
    let mut take = move |t: &mut Tables, loader: &mut Loader, batch: Batch| {
        taken += batch
            .iter()
            .filter(|(r, _)| matches!(r, Record::Person(_)))
            .count() as u64;
        t.load_batch(batch, loader)?;
        progress(Phase::Generating, taken);
        Ok::<_, RegistryError>(())
    };
    let store = |t: &mut Tables, loader: Loader| {
        t.load_runs(loader, &|done, total| progress(Phase::Storing(total), done))
    };
    let summary = if options.threads <= 1 {
        registry.write(|t| {
            let mut sink = |batch| Ok(take(t, &mut loader, batch)?);
            let summary = run(options, reserved, &mut sink)?;
            store(t, loader)?;
            Ok::<_, GenerateError>(summary)
        })?
    } else {
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(BATCHES_IN_FLIGHT);
            let storing = scope.spawn(move || {
                registry.write(|t| {
                    for batch in rx {
                        take(t, &mut loader, batch)?;
                    }
                    store(t, loader)
                })
            });
            // A send fails only when the storing thread stopped on an error: its error is
            // the one to report.
            let mut sink = |batch| tx.send(batch).map_err(|_| GenerateError::StoringStopped);
            let generated = run(options, reserved, &mut sink);
            drop(tx);
            let stored = storing.join().expect("the storing thread does not panic");
            match (generated, stored) {
                (_, Err(e)) => Err(GenerateError::Store(e)),
                (Err(e), _) => Err(e),
                (Ok(s), Ok(())) => Ok(s),
            }
        })?
    };
    registry.finish_generation(summary.persons)?;
    Ok(summary)
}

/// Where full batches go: stored, or handed to the storing thread.
type Sink<'s> = &'s mut dyn FnMut(Batch) -> Result<(), GenerateError>;

fn run(options: Options, reserved: &Reserved, sink: Sink<'_>) -> Result<Summary, GenerateError> {
    let mut g = Generator::new(options, reserved);
    let mut out = Output {
        batch: Vec::with_capacity(BATCH),
        sink,
        hasher: Sha256::new(),
        summary: Summary::default(),
    };
    while out.summary.persons < options.persons {
        g.site(&mut out, options.persons)?;
    }
    let batch = std::mem::take(&mut out.batch);
    (out.sink)(batch)?;
    let mut summary = out.summary;
    summary.digest = hex::encode(out.hasher.finalize());
    Ok(summary)
}

struct Output<'s> {
    batch: Batch,
    sink: Sink<'s>,
    hasher: Sha256,
    summary: Summary,
}

impl Output<'_> {
    /// Hashes a record into the digest and queues it for storing.
    fn store(&mut self, tag: u8, key: &str, record: Record) -> Result<(), GenerateError> {
        let (record, value) = record.encoded();
        self.hasher.update([tag]);
        self.hasher.update(key.as_bytes());
        self.hasher.update((value.len() as u64).to_le_bytes());
        self.hasher.update(&value);
        self.batch.push((record, value));
        if self.batch.len() >= BATCH {
            let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            (self.sink)(batch)?;
        }
        Ok(())
    }

    fn person(&mut self, p: Person) -> Result<(), GenerateError> {
        let s = &mut self.summary;
        s.persons += 1;
        s.deceased += u64::from(p.death_date.is_some() || p.declared_dead_date.is_some());
        s.non_disclosure += u64::from(p.non_disclosure.is_some());
        s.abroad += u64::from(p.permanent_foreign_address.is_some());
        s.passivated += p.passive_hetus.len() as u64;
        s.minors_with_guardians += u64::from(!p.guardians.is_empty());
        let key = p.hetu.to_string();
        self.store(0, &key, Record::Person(Box::new(p)))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Detached,
    Row,
    Flats,
}

/// One language group of households.
struct Culture {
    tongue: &'static str,
    country: &'static str,
    male: &'static [&'static str],
    female: &'static [&'static str],
    last: &'static [&'static str],
}

struct Member {
    male: bool,
    age: i16,
    child: bool,
}

struct Generator<'r> {
    rng: Rng,
    reserved: &'r Reserved,
    days: Vec<Date>,
    used: Vec<u16>,
    municipalities: Vec<(&'static str, &'static str, &'static str)>,
    muni_weights: Weighted,
    adult_ages: Weighted,
    next_prt: u32,
    next_satu: u32,
    next_property: Vec<u32>,
}

impl<'r> Generator<'r> {
    fn new(options: Options, reserved: &'r Reserved) -> Self {
        let mut days = Vec::new();
        let mut d = FIRST_DAY;
        while d < REFERENCE_DATE {
            days.push(d);
            d = d.tomorrow().expect("dates of 1900–2024 exist");
        }
        let municipalities: Vec<_> = codes::municipalities()
            .filter(|(c, _, _)| !matches!(*c, "198" | "199" | "200" | "999"))
            .collect();
        let muni_weights =
            Weighted::new(municipalities.iter().map(|(c, _, _)| population_weight(c)));
        // Adults 18–100: flat to 65, then thinning out to 100.
        let adult_ages = Weighted::new((18..=100).map(|a: u64| {
            if a <= 65 {
                100
            } else {
                100 - (a - 65) * 100 / 36
            }
        }));
        Generator {
            rng: Rng::new(options.seed),
            reserved,
            used: vec![0; days.len() * 2],
            days,
            next_property: vec![0; municipalities.len()],
            municipalities,
            muni_weights,
            adult_ages,
            next_prt: FIRST_PRT,
            next_satu: FIRST_SATU,
        }
    }

    /// A test identity code for someone born `age` years (and some days) before the
    /// reference date.
    fn hetu(&mut self, age: i16, male: bool) -> Result<Hetu, GenerateError> {
        let n = self.days.len();
        let latest = n - 1 - (age.max(0) as usize * 365).min(n - 1);
        let earliest = latest.saturating_sub(364);
        let mut day = self.rng.range(earliest as u64, latest as u64) as usize;
        for _ in 0..n {
            let slot = day * 2 + usize::from(male);
            let c = self.used[slot];
            if c >= CODES_PER_DAY_AND_SEX {
                day = if day == 0 { n - 1 } else { day - 1 };
                continue;
            }
            self.used[slot] += 1;
            let individual = 900 + 2 * (c % 50) + u16::from(male);
            let date = self.days[day];
            let signs: &[char] = if date.year() < 2000 {
                &['-', 'Y', 'X', 'W', 'V', 'U']
            } else {
                &['A', 'B', 'C', 'D', 'E', 'F']
            };
            let h = Hetu::new(date, individual, signs[usize::from(c / 50)])
                .expect("generated codes are valid");
            if !self.reserved.hetus.contains(&h) {
                return Ok(h);
            }
        }
        Err(GenerateError::Exhausted("test identity codes"))
    }

    fn satu(&mut self) -> Result<Satu, GenerateError> {
        loop {
            let s =
                Satu::from_number(self.next_satu).map_err(|_| GenerateError::Exhausted("SATUs"))?;
            self.next_satu += 1;
            if !self.reserved.satus.contains(&s) {
                return Ok(s);
            }
        }
    }

    fn prt(&mut self) -> Result<Prt, GenerateError> {
        let p = Prt::from_number(self.next_prt).map_err(|_| GenerateError::Exhausted("PRTs"))?;
        self.next_prt += 1;
        Ok(p)
    }

    fn property_id(&mut self, muni_index: usize, code: &str) -> Result<PropertyId, GenerateError> {
        let c = self.next_property[muni_index];
        self.next_property[muni_index] += 1;
        let (district, rest) = (900 + c / (9999 * 9999), c % (9999 * 9999));
        if district > 999 {
            return Err(GenerateError::Exhausted("property identifiers"));
        }
        let muni: u16 = code.parse().expect("municipality numbers are digits");
        Ok(PropertyId::new(
            muni,
            district as u16,
            (1 + rest / 9999) as u16,
            (1 + rest % 9999) as u16,
        )
        .expect("parts are in range"))
    }

    /// One property with one building, its dwellings and their households.
    fn site(&mut self, out: &mut Output, target: u64) -> Result<(), GenerateError> {
        let mi = self.muni_weights.sample(&mut self.rng);
        let (code, muni_fi, muni_sv) = self.municipalities[mi];
        let bilingual = muni_fi != muni_sv;
        let kind = match self.rng.below(1000) {
            0..=897 => Kind::Detached,
            898..=956 => Kind::Row,
            _ => Kind::Flats,
        };
        let property_id = self.property_id(mi, code)?;
        let prt = self.prt()?;
        let (stem_fi, stem_sv) = *self.rng.pick(names::STREET_STEMS);
        let (kind_fi, kind_sv) = *self.rng.pick(names::STREET_KINDS);
        let number = self.rng.range(1, 80).to_string();
        let prefix = postal_prefix(code);
        let postal_code = format!("{prefix}{}0", self.rng.below(10));
        let address = BuildingAddress {
            street_fi: format!("{stem_fi}{kind_fi}"),
            street_sv: bilingual.then(|| format!("{stem_sv}{kind_sv}")),
            number,
            postal_code,
            post_office_fi: muni_fi.to_uppercase(),
            post_office_sv: bilingual.then(|| muni_sv.to_uppercase()),
        };
        let (use_code, class_code) = match kind {
            Kind::Detached => ("011", "0110"),
            Kind::Row => ("021", "0210"),
            Kind::Flats => ("032", "0320"),
        };
        let completed = Date::new(self.rng.range(1900, 2023) as i16, 1, 1).ok();
        let building = Building {
            prt: prt.clone(),
            old_id: None,
            property: property_id.clone(),
            address: address.clone(),
            municipality: code.to_string(),
            use_code: use_code.into(),
            class_code: class_code.into(),
            completed,
        };
        let property = Property {
            id: property_id.clone(),
            name: matches!(kind, Kind::Detached)
                .then(|| format!("{}{}", stem_fi, self.rng.pick(&["mäki", "rinne", "la"]))),
            municipality: code.to_string(),
            buildings: vec![prt.clone()],
        };
        out.store(5, &property.id.to_string(), Record::Property(property))?;
        out.summary.properties += 1;
        out.store(3, prt.as_str(), Record::Building(building))?;
        out.summary.buildings += 1;

        let dwellings: u64 = match kind {
            Kind::Detached => 1,
            Kind::Row => self.rng.range(3, 8),
            Kind::Flats => self.rng.range(10, 38),
        };
        let per_stair = self.rng.range(6, 15);
        for i in 0..dwellings {
            let id = match kind {
                Kind::Detached => DwellingId::new(prt.clone(), 1, None, None, None),
                Kind::Row => DwellingId::new(prt.clone(), 1, Some(stair(i)), None, None),
                Kind::Flats => DwellingId::new(
                    prt.clone(),
                    1,
                    Some(stair(i / per_stair)),
                    Some(i as u16 + 1),
                    None,
                ),
            }
            .expect("generated dwelling identifiers are valid");
            let rooms = match kind {
                Kind::Detached => self.rng.range(4, 6),
                Kind::Row => self.rng.range(2, 4),
                Kind::Flats => self.rng.range(1, 4),
            } as u8;
            let floor_area = match kind {
                Kind::Detached => 60 + u32::from(rooms) * 20 + self.rng.below(30) as u32,
                _ => 15 + u32::from(rooms) * 18 + self.rng.below(15) as u32,
            };
            let kitchen = if rooms == 1 && self.rng.chance(0.5) {
                "KK"
            } else {
                "K"
            };
            let vacant = kind != Kind::Detached && self.rng.chance(0.07);
            let remaining = target - out.summary.persons;
            let mut residents = Vec::new();
            if !vacant && remaining > 0 {
                let dom = DomesticAddress {
                    street_fi: address.street_fi.clone(),
                    street_sv: address.street_sv.clone(),
                    number: Some(address.number.clone()),
                    stair: id.stair().map(String::from),
                    apartment: id.apartment(),
                    division: None,
                    postal_code: address.postal_code.clone(),
                    post_office_fi: address.post_office_fi.clone(),
                    post_office_sv: address.post_office_sv.clone(),
                    start: None,
                    end: None,
                    dwelling: Some(id.clone()),
                };
                residents = self.household(out, remaining, code, Some(dom))?;
            }
            let dwelling = Dwelling {
                id,
                rooms,
                kitchen: kitchen.into(),
                floor_area,
                residents,
            };
            out.store(4, &dwelling.id.to_string(), Record::Dwelling(dwelling))?;
            out.summary.dwellings += 1;
            // Now and then, someone who is not in any dwelling: deceased or abroad.
            let remaining = target - out.summary.persons;
            if remaining > 0 && self.rng.chance(0.012) {
                self.deceased(out, code)?;
            } else if remaining > 0 && self.rng.chance(0.03) {
                self.household(out, remaining, "200", None)?;
            }
        }
        Ok(())
    }

    fn culture(&mut self) -> Culture {
        let r = self.rng.below(1000);
        if r < 860 {
            Culture {
                tongue: "fi",
                country: "246",
                male: names::FI_MALE,
                female: names::FI_FEMALE,
                last: names::FI_LAST,
            }
        } else if r < 915 {
            Culture {
                tongue: "sv",
                country: "246",
                male: names::SV_MALE,
                female: names::SV_FEMALE,
                last: names::SV_LAST,
            }
        } else {
            let (tongue, country, male, female, last) = *self.rng.pick(names::OTHER);
            Culture {
                tongue,
                country,
                male,
                female,
                last,
            }
        }
    }

    fn adult_age(&mut self) -> i16 {
        18 + self.adult_ages.sample(&mut self.rng) as i16
    }

    /// Household members: singles, couples, families with children, single parents.
    fn members(&mut self) -> Vec<Member> {
        let r = self.rng.below(100);
        let first = self.adult_age();
        let male = self.rng.chance(0.5);
        let mut m = vec![Member {
            male,
            age: first,
            child: false,
        }];
        let (partner, kids) = match r {
            0..=49 => (false, 0),
            50..=77 => (true, 0),
            78..=93 => (true, self.rng.range(1, 3)),
            _ => (false, self.rng.range(1, 2)),
        };
        let parent_age = if kids > 0 {
            let a = 22 + self.rng.below(32) as i16;
            m[0].age = a;
            a
        } else {
            first
        };
        if partner {
            let age = (parent_age + self.rng.range(0, 8) as i16 - 4).clamp(18, 100);
            m.push(Member {
                male: !male,
                age,
                child: false,
            });
        }
        for _ in 0..kids {
            let max = (parent_age - 18).min(17);
            let age = self.rng.range(0, max as u64) as i16;
            m.push(Member {
                male: self.rng.chance(0.51),
                age,
                child: true,
            });
        }
        m
    }

    /// Writes one household (at most `remaining` persons) at `address`, or abroad when
    /// `address` is `None`; returns the identity codes of its members.
    fn household(
        &mut self,
        out: &mut Output,
        remaining: u64,
        municipality: &str,
        address: Option<DomesticAddress>,
    ) -> Result<Vec<Hetu>, GenerateError> {
        let mut members = self.members();
        members.truncate(remaining as usize);
        let culture = self.culture();
        let last = *self.rng.pick(culture.last);
        let protected = self.rng.chance(0.003);
        let since = address
            .as_ref()
            .map(|_| self.days[self.rng.below(self.days.len() as u64 - 1) as usize]);
        let abroad = address.is_none().then(|| {
            let (street, locality, country) = *self.rng.pick(names::ABROAD);
            let (country_fi, country_sv) = codes::country(country);
            ForeignAddress {
                street: format!("{street} {}", self.rng.range(1, 120)),
                locality_fi: format!("{locality}, {}", country_fi.to_uppercase()),
                locality_sv: Some(format!("{locality}, {}", country_sv.to_uppercase())),
                country: country.into(),
                start: None,
                end: None,
            }
        });
        let mut persons = Vec::with_capacity(members.len());
        for m in &members {
            let hetu = self.hetu(m.age, m.male)?;
            let first = self.first_names(&culture, m.male);
            let mut p = blank(hetu, last, first);
            p.satu = Some(self.satu()?);
            p.mother_tongue = Some(culture.tongue.into());
            p.service_language = Some(if culture.tongue == "sv" { "sv" } else { "fi" }.into());
            p.citizenships = vec![Citizenship {
                country: culture.country.into(),
                since: None,
            }];
            p.birth_country = Some(if m.child { "246" } else { culture.country }.into());
            let birth = p.birth_date();
            let start = since.map(|s| s.max(birth));
            p.home_municipality = Some(HomeMunicipality {
                code: municipality.into(),
                since: start,
            });
            if let Some(a) = &address {
                let mut a = a.clone();
                a.start = start;
                p.permanent_address = Some(a);
            }
            p.permanent_foreign_address = abroad.clone();
            if protected {
                p.non_disclosure = Some(NonDisclosure { until: None });
            }
            if self.rng.chance(0.002) {
                let age = m.age;
                p.passive_hetus.push(self.hetu(age, m.male)?);
            }
            persons.push(p);
        }
        // Guardians: the household's adults are the children's parents.
        let parents: Vec<Hetu> = members
            .iter()
            .zip(&persons)
            .filter(|(m, _)| !m.child)
            .map(|(_, p)| p.hetu.clone())
            .collect();
        let kids: Vec<Hetu> = members
            .iter()
            .zip(&persons)
            .filter(|(m, _)| m.child)
            .map(|(_, p)| p.hetu.clone())
            .collect();
        for (m, p) in members.iter().zip(persons.iter_mut()) {
            if m.child {
                p.guardians = parents
                    .iter()
                    .map(|h| GuardianLink {
                        hetu: h.clone(),
                        relation: "03".into(),
                        custody_code: None,
                        custody_code2: None,
                    })
                    .collect();
            } else {
                p.dependants = kids.clone();
                p.children = kids.clone();
            }
        }
        let hetus = persons.iter().map(|p| p.hetu.clone()).collect();
        for p in persons {
            out.person(p)?;
        }
        Ok(hetus)
    }

    fn first_names(&mut self, c: &Culture, male: bool) -> String {
        let list = if male { c.male } else { c.female };
        let a = *self.rng.pick(list);
        let b = *self.rng.pick(list);
        if a == b || self.rng.chance(0.15) {
            a.to_string()
        } else {
            format!("{a} {b}")
        }
    }

    /// A person who died (or, rarely, was declared dead) in the last 15 years.
    fn deceased(&mut self, out: &mut Output, municipality: &str) -> Result<(), GenerateError> {
        let male = self.rng.chance(0.5);
        let age = 60 + self.rng.below(41) as i16;
        let culture = self.culture();
        let hetu = self.hetu(age.min(124), male)?;
        let first = self.first_names(&culture, male);
        let last = *self.rng.pick(culture.last);
        let mut p = blank(hetu, last, first);
        p.satu = Some(self.satu()?);
        p.mother_tongue = Some(culture.tongue.into());
        p.citizenships = vec![Citizenship {
            country: culture.country.into(),
            since: None,
        }];
        p.home_municipality = Some(HomeMunicipality {
            code: municipality.into(),
            since: None,
        });
        let died = REFERENCE_DATE
            .checked_sub((1 + self.rng.below(15 * 365) as i64).days())
            .expect("in range")
            .max(p.birth_date());
        if self.rng.chance(0.02) {
            p.declared_dead_date = Some(died);
        } else {
            p.death_date = Some(died);
        }
        out.person(p)
    }
}

fn stair(i: u64) -> char {
    (b'A' + (i % 26) as u8) as char
}

/// The first three digits of the municipality's postal codes (Helsinki's start with 00).
fn postal_prefix(code: &str) -> String {
    match code {
        "091" => "001".into(),
        "049" => "021".into(),
        "092" => "013".into(),
        _ => {
            let n: u32 = code.parse().unwrap_or(0);
            format!("{:03}", 100 + (n * 37) % 890)
        }
    }
}

/// Relative population of a municipality (thousands of residents for the larger ones,
/// an even share for the rest), so the synthetic population lives where Finland lives.
fn population_weight(code: &str) -> u64 {
    match code {
        "091" => 680,
        "049" => 320,
        "837" => 260,
        "092" => 250,
        "564" => 215,
        "853" => 200,
        "179" => 150,
        "297" => 125,
        "398" => 121,
        "609" => 84,
        "286" => 79,
        "167" => 78,
        "405" => 73,
        "109" => 68,
        "905" => 68,
        "743" => 65,
        "698" => 65,
        "491" => 52,
        "638" => 51,
        "734" => 51,
        "285" => 51,
        "272" => 48,
        "106" => 47,
        "444" => 46,
        "186" => 45,
        "543" => 44,
        "257" => 41,
        "858" => 40,
        "684" => 39,
        "245" => 38,
        "202" => 36,
        "205" => 36,
        "536" => 35,
        "211" => 33,
        "980" => 33,
        "740" => 32,
        "927" => 29,
        "753" => 22,
        _ => 5,
    }
}

fn blank(hetu: Hetu, last: &str, first: String) -> Person {
    Person::new(hetu, last.into(), first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::fixtures::Fixtures;
    use crate::registry::stats;

    fn generate_with(
        persons: u64,
        seed: u64,
        threads: usize,
        reserved: &Reserved,
    ) -> (Registry, Summary) {
        let reg = Registry::temporary().unwrap();
        let options = Options {
            persons,
            seed,
            threads,
        };
        let s = generate(&reg, options, reserved, &|_, _| {}).unwrap();
        (reg, s)
    }

    fn run(persons: u64, seed: u64, reserved: &Reserved) -> (Registry, Summary) {
        generate_with(persons, seed, 2, reserved)
    }

    /// The same seed gives the same stored tables, byte for byte, whether one thread or two
    /// generate and store.
    #[test]
    fn the_same_seed_gives_byte_identical_records_whatever_the_threads() {
        let (r1, s1) = generate_with(3_000, 42, 1, &Reserved::default());
        let (r2, s2) = generate_with(3_000, 42, 2, &Reserved::default());
        assert_eq!(s1, s2);
        let dump = r1.dump().unwrap();
        assert!(dump.len() > 3_000 * 4, "{}", dump.len());
        assert_eq!(dump, r2.dump().unwrap());
        let (_, s3) = run(3_000, 43, &Reserved::default());
        assert_ne!(s1.digest, s3.digest);
    }

    #[test]
    fn the_population_has_the_shape_of_finland_and_only_test_identifiers() {
        let (reg, s) = run(10_000, 1, &Reserved::default());
        assert_eq!(s.persons, 10_000);
        for (what, n) in [
            ("deceased", s.deceased),
            ("non-disclosure", s.non_disclosure),
            ("minors", s.minors_with_guardians),
            ("abroad", s.abroad),
            ("passivated", s.passivated),
        ] {
            assert!(n > 0, "no {what}");
        }
        // About 5.6 M persons in about 3 M dwellings.
        let per_dwelling = s.persons as f64 / s.dwellings as f64;
        assert!((1.6..2.2).contains(&per_dwelling), "{per_dwelling}");
        let mut municipalities = HashSet::new();
        let mut signs = HashSet::new();
        let mut swedish = 0;
        for p in reg.persons() {
            let p = p.unwrap();
            assert!(p.hetu.is_temporary(), "{} is not a test code", p.hetu);
            assert!(p.passive_hetus.iter().all(Hetu::is_temporary));
            signs.insert(p.hetu.century_sign());
            swedish += usize::from(p.mother_tongue.as_deref() == Some("sv"));
            municipalities.insert(p.home_municipality.clone().unwrap().code);
            for g in &p.guardians {
                let guardian = reg.get(&g.hetu).unwrap().expect("guardian stored");
                assert!(guardian.dependants.contains(&p.hetu));
            }
            if let Some(id) = p
                .permanent_address
                .as_ref()
                .and_then(|a| a.dwelling.as_ref())
            {
                let d = reg.dwelling(id).unwrap().expect("dwelling stored");
                assert!(d.residents.contains(&p.hetu));
                let b = reg.building(id.prt()).unwrap().expect("building stored");
                assert!(b.prt.is_test());
                let prop = reg.property(&b.property).unwrap().expect("property stored");
                assert!(prop.buildings.contains(&b.prt));
                assert_eq!(b.municipality, p.home_municipality.clone().unwrap().code);
            }
        }
        assert!(municipalities.len() > 100, "{}", municipalities.len());
        assert!(municipalities.iter().all(|c| codes::is_municipality(c)));
        assert!(swedish > 0);
        assert!(signs.contains(&'-') && signs.contains(&'A'));
    }

    #[test]
    fn fixture_codes_are_never_generated_and_stats_agree() {
        let fixtures = Fixtures::builtin().unwrap();
        let mut reserved = Reserved::default();
        for p in &fixtures.persons {
            reserved.hetus.insert(p.hetu.clone());
            reserved.hetus.extend(p.passive_hetus.iter().cloned());
            reserved.satus.extend(p.satu.iter().cloned());
        }
        let (reg, s) = run(5_000, 9, &reserved);
        for p in &fixtures.persons {
            assert!(
                !reg.hetu_taken(&p.hetu).unwrap(),
                "{} was generated",
                p.hetu
            );
        }
        let n = fixtures.import(&reg).unwrap();
        let st = stats::count(&reg).unwrap();
        assert_eq!(st.persons, s.persons + n as u64);
        assert_eq!(st.dwellings, s.dwellings + fixtures.dwellings.len() as u64);
        assert_eq!(st.buildings, s.buildings + fixtures.buildings.len() as u64);
        assert_eq!(
            st.properties,
            s.properties + fixtures.properties.len() as u64
        );
    }

    #[test]
    fn codes_run_out_into_the_new_century_signs() {
        // 20,000 men born within one year: more than 50 a day, so more than the 50 test
        // individual numbers of the '-' sign.
        let reserved = Reserved::default();
        let mut g = Generator::new(
            Options {
                persons: 0,
                seed: 5,
                threads: 1,
            },
            &reserved,
        );
        let mut seen = HashSet::new();
        for _ in 0..20_000 {
            let h = g.hetu(40, true).unwrap();
            assert!(h.is_temporary());
            assert!(seen.insert(h));
        }
        assert!(seen.iter().any(|h| h.century_sign() != '-'));
    }
}
