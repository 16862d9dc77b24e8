//! The identification index of persons: how names are compared (normalised case, spaces
//! and hyphens; å, ä and ö stay letters of their own) and the entry under which the store
//! files each person.
//!
//! The key is `normalised surname 0x00 yyyymmdd 0x00 first first name` ([`key`]): every
//! person whom a search can match shares the key of the search, because a search's first
//! names must be the person's first names from the first one on
//! ([`first_names_match`]). So a search is one point read, never a range read. The value
//! ([`Entries`]) lists the persons filed under the key, each with what the search needs of
//! them and no more: normalised first names and home municipality code (compared on the
//! index alone) and the identity code, under which the store reads the record of each
//! person that matches (almost always one; format 3 kept a copy of every record here, which
//! stored each record twice to save that point read).
//!
//! The layout is that of the store's format 4 (`registry::store::FORMAT`; format 2 keyed
//! each person by surname, birth date and identity code, a range read; format 1 had empty
//! values). Knows nothing of the store or of the query interface; the store keeps the
//! index, the operations decide what matches.
//! The extraction index files persons under home municipality and birth date
//! ([`municipality_key`]), so an extraction is one range read.

use jiff::civil::Date;

use crate::registry::model::Person;

/// A name as the index and the matching compare it: lower case (Unicode, so `Ä` is `ä`
/// and never `a`), typographic dashes read as `-`, runs of white space one space, and no
/// space around a hyphen (`Virtanen - Korhonen` is `virtanen-korhonen`). One pass and one
/// allocation: every search normalises its criteria.
pub fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    // White space seen since the last letter: one space, written before the next letter
    // unless a hyphen comes first (nor at the start, nor right after a hyphen).
    let mut space = false;
    for c in name.chars() {
        let c = match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            c => c,
        };
        if c.is_whitespace() {
            space = !out.is_empty() && !out.ends_with('-');
            continue;
        }
        if c == '-' {
            space = false;
        } else if space {
            out.push(' ');
            space = false;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Whether the given first names are the person's first names from the first one on, in
/// order: `Albert` and `Albert Kristian` match `Albert Kristian`; `Kristian` does not.
/// A hyphenated name is one name (`Anna-Liisa` does not match `Anna Liisa`).
pub fn first_names_match(given: &str, person: &str) -> bool {
    normalised_first_names_match(&normalise(given), &normalise(person))
}

/// [`first_names_match`] of names already [`normalise`]d (as the index holds them).
pub fn normalised_first_names_match(given: &str, person: &str) -> bool {
    let mut person = person.split(' ');
    let mut any = false;
    for g in given.split(' ').filter(|s| !s.is_empty()) {
        if person.next() != Some(g) {
            return false;
        }
        any = true;
    }
    any
}

/// Appends `yyyymmdd` of a date (years 0–9999, as identity codes and criteria give them).
fn push_ymd(k: &mut Vec<u8>, date: Date) {
    let y = date.year().unsigned_abs();
    let (m, d) = (date.month().unsigned_abs(), date.day().unsigned_abs());
    for digit in [y / 1000 % 10, y / 100 % 10, y / 10 % 10, y % 10] {
        k.push(b'0' + digit as u8);
    }
    k.extend_from_slice(&[b'0' + m / 10, b'0' + m % 10, b'0' + d / 10, b'0' + d % 10]);
}

/// The first of [`normalise`]d first names (the whole of a hyphenated name).
pub fn first_name(first_names: &str) -> &str {
    first_names.split(' ').next().unwrap_or("")
}

/// The key of a search or of a person: the [`normalise`]d surname, the birth date and the
/// first of the [`normalise`]d first names.
pub fn key(surname: &str, birth: Date, first_names: &str) -> Vec<u8> {
    let first = first_name(first_names);
    let mut k = Vec::with_capacity(surname.len() + first.len() + 10);
    k.extend_from_slice(surname.as_bytes());
    k.push(0);
    push_ymd(&mut k, birth);
    k.push(0);
    k.extend_from_slice(first.as_bytes());
    k
}

/// The key under which the person is filed.
pub fn person_key(p: &Person) -> Vec<u8> {
    key(
        &normalise(&p.last_name),
        p.birth_date(),
        &normalise(&p.first_names),
    )
}

/// What an index entry says of its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Normalised first names.
    pub first_names: &'a str,
    /// Home municipality code, if any.
    pub municipality: Option<&'a str>,
    /// The active identity code.
    pub hetu: &'a str,
}

/// The persons filed under one key: an index value, read or being built. Each entry is
/// `u16 length, first names, u8 length, municipality code, u8 length, identity code`
/// (lengths big-endian); a value holds at least one entry. The widths hold
/// what the store admits: names of at most 100 characters (fixtures refuse longer ones,
/// `registry::fixtures::MAX_NAME_CHARS`), three-digit municipality codes, 11-character
/// identity codes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Entries<'a>(Vec<Entry<'a>>);

impl<'a> Entries<'a> {
    /// Reads a stored value; `None` for one that is not of this format (an empty value,
    /// as format 1 wrote, or the text of format 2).
    pub fn read(value: &'a [u8]) -> Option<Self> {
        let entries = entries(value).collect::<Option<Vec<_>>>()?;
        (!entries.is_empty()).then_some(Entries(entries))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Entry<'a>> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Files (or refiles) a person in place of any entry of the same identity code.
    pub fn put(&mut self, first_names: &'a str, p: &'a Person) {
        self.remove(p.hetu.as_str());
        self.0.push(Entry {
            first_names,
            municipality: p.home_municipality.as_ref().map(|m| m.code.as_str()),
            hetu: p.hetu.as_str(),
        });
    }

    /// Drops the entry of this identity code, if any.
    pub fn remove(&mut self, hetu: &str) {
        self.0.retain(|e| e.hetu != hetu);
    }

    /// The stored form; `None` when no entry is left (the key is then removed).
    pub fn value(&self) -> Option<Vec<u8>> {
        if self.0.is_empty() {
            return None;
        }
        let mut v = Vec::new();
        for e in &self.0 {
            let m = e.municipality.unwrap_or("");
            v.extend_from_slice(&(e.first_names.len() as u16).to_be_bytes());
            v.extend_from_slice(e.first_names.as_bytes());
            v.push(m.len() as u8);
            v.extend_from_slice(m.as_bytes());
            v.push(e.hetu.len() as u8);
            v.extend_from_slice(e.hetu.as_bytes());
        }
        Some(v)
    }
}

/// The entries of a stored value in order, read as they are taken (nothing is allocated: a
/// search reads them so). An item is `None` where the value stops being of this format (an
/// empty value, as format 1 wrote, yields nothing: [`Entries::read`] refuses it).
pub fn entries(value: &[u8]) -> impl Iterator<Item = Option<Entry<'_>>> {
    let mut rest = value;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let entry = entry(&mut rest);
        if entry.is_none() {
            rest = &[];
        }
        Some(entry)
    })
}

fn entry<'a>(rest: &mut &'a [u8]) -> Option<Entry<'a>> {
    let first_names = std::str::from_utf8(field(rest, 2)?).ok()?;
    let municipality = std::str::from_utf8(field(rest, 1)?).ok()?;
    let hetu = std::str::from_utf8(field(rest, 1)?).ok()?;
    Some(Entry {
        first_names,
        municipality: (!municipality.is_empty()).then_some(municipality),
        hetu,
    })
}

/// Takes one field of a value: its big-endian length of `width` bytes, then its bytes.
fn field<'a>(rest: &mut &'a [u8], width: usize) -> Option<&'a [u8]> {
    let (len, tail) = rest.split_at_checked(width)?;
    let n = len.iter().fold(0usize, |n, b| n << 8 | usize::from(*b));
    let (f, tail) = tail.split_at_checked(n)?;
    *rest = tail;
    Some(f)
}

/// The extraction index key: `municipality 0x00 yyyymmdd 0x00 identity code`, for a
/// person with a home municipality (persons of one municipality in birth-date order).
pub fn municipality_key(p: &Person) -> Option<Vec<u8>> {
    let m = p.home_municipality.as_ref()?;
    let mut k = municipality_from(&m.code, p.birth_date());
    k.extend_from_slice(p.hetu.as_str().as_bytes());
    Some(k)
}

/// The first key of the persons of `municipality` born on or after `birth`.
pub fn municipality_from(municipality: &str, birth: Date) -> Vec<u8> {
    let mut k = Vec::with_capacity(municipality.len() + 10);
    k.extend_from_slice(municipality.as_bytes());
    k.push(0);
    push_ymd(&mut k, birth);
    k.push(0);
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_by_case_spacing_and_hyphens_but_keep_their_letters() {
        assert_eq!(normalise("  JÄPPINEN "), "jäppinen");
        assert_eq!(normalise("Åström"), "åström");
        assert_ne!(normalise("Jappinen"), normalise("Jäppinen"));
        assert_ne!(normalise("Aström"), normalise("Åström"));
        assert_eq!(normalise("Virtanen - Korhonen"), "virtanen-korhonen");
        assert_eq!(normalise("Virtanen\u{2013}Korhonen"), "virtanen-korhonen");
        assert_eq!(normalise("Anna   Liisa"), "anna liisa");
    }

    /// The one-pass [`normalise`] against the rule written out step by step (the form of
    /// format 2, whose keys the index still uses).
    fn normalise_in_steps(name: &str) -> String {
        let lowered: String = name
            .chars()
            .map(|c| match c {
                '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
                c => c,
            })
            .flat_map(char::to_lowercase)
            .collect();
        let spaced = lowered.split_whitespace().collect::<Vec<_>>().join(" ");
        spaced.replace(" -", "-").replace("- ", "-")
    }

    proptest::proptest! {
        #[test]
        fn normalise_is_the_rule_in_steps(name in "[ \t\u{a0}aAäÄöÖåÅ\u{130}ß\u{2013}\u{2212}-]{0,12}") {
            proptest::prop_assert_eq!(normalise(&name), normalise_in_steps(&name));
        }
    }

    #[test]
    fn first_names_match_from_the_first_in_order() {
        assert!(first_names_match("albert", "Albert Kristian"));
        assert!(first_names_match("ALBERT  kristian", "Albert Kristian"));
        assert!(!first_names_match("Kristian", "Albert Kristian"));
        assert!(!first_names_match("Kristian Albert", "Albert Kristian"));
        assert!(!first_names_match(
            "Albert Kristian Eemil",
            "Albert Kristian"
        ));
        assert!(first_names_match("anna - liisa", "Anna-Liisa Maria"));
        assert!(!first_names_match("Anna Liisa", "Anna-Liisa"));
        assert!(!first_names_match(" ", "Anna"));
    }

    #[test]
    fn a_search_has_the_key_of_every_person_it_can_match() {
        let p = Person::new(
            "020501A999T".parse().unwrap(),
            "Jäppinen".into(),
            "Albert Kristian".into(),
        );
        let birth = jiff::civil::date(2001, 5, 2);
        let k = person_key(&p);
        assert_eq!(k, b"j\xc3\xa4ppinen\x0020010502\x00albert");
        // Any first names that can match start with the same first name.
        for given in ["ALBERT", "albert  kristian"] {
            assert_eq!(key("jäppinen", birth, &normalise(given)), k);
        }
        assert_ne!(key("jappinen", birth, "albert"), k);
        assert_ne!(key("jäppinen", birth, "kristian"), k);
        // A hyphenated first name is one name.
        assert_eq!(first_name(&normalise("Anna - Liisa Maria")), "anna-liisa");
        // Dates are zero-padded, also in the extraction index.
        let early = jiff::civil::date(905, 1, 9);
        assert!(key("a", early, "b").ends_with(b"\x0009050109\x00b"));
        assert_eq!(municipality_from("091", early), b"091\x0009050109\x00");
    }

    #[test]
    fn values_list_the_persons_of_a_key() {
        let mut p = Person::new(
            "020501A999T".parse().unwrap(),
            "Jäppinen".into(),
            "ANNA - Liisa  Maria".into(),
        );
        let mut q = p.clone();
        q.hetu = "020501A998S".parse().unwrap();
        q.home_municipality = Some(crate::registry::model::HomeMunicipality {
            code: "091".into(),
            since: None,
        });
        let (fp, fq) = (normalise(&p.first_names), normalise(&q.first_names));
        let mut entries = Entries::default();
        entries.put(&fp, &p);
        entries.put(&fq, &q);
        let v = entries.value().unwrap();
        let read = Entries::read(&v).unwrap();
        assert_eq!(read, entries);
        let got: Vec<_> = read.iter().map(|e| (e.hetu, e.municipality)).collect();
        assert_eq!(got, [("020501A999T", None), ("020501A998S", Some("091"))]);
        assert_eq!(read.iter().next().unwrap().first_names, "anna-liisa maria");
        // Refiling replaces the person's entry; removing the last one leaves no value.
        p.first_names = "Anna".into();
        let mut again = read.clone();
        again.put("anna", &p);
        assert_eq!(again.len(), 2);
        let again_value = again.value().unwrap();
        let again_read = Entries::read(&again_value).unwrap();
        let p_entry = again_read.iter().find(|e| e.hetu == "020501A999T").unwrap();
        assert_eq!(p_entry.first_names, "anna");
        again.remove("020501A999T");
        again.remove("020501A998S");
        assert_eq!(again.value(), None);
        // Values of earlier formats, and cut or empty ones, are not read as entries.
        assert_eq!(Entries::read(b""), None);
        assert_eq!(Entries::read(b"anna-liisa maria\x00091"), None);
        assert_eq!(Entries::read(&v[..v.len() - 1]), None);
    }
}
