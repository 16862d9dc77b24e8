//! The identification index of persons: how names are compared (normalised case, spaces
//! and hyphens; å, ä and ö stay letters of their own) and the entry under which the store
//! files each person. The key is `normalised surname 0x00 yyyymmdd 0x00 identity code`, so
//! that the persons of one surname and birth date are one prefix read; the value
//! ([`value`]) is `normalised first names 0x00 home municipality code` (the code empty for
//! a person without one), so that the search compares first names and municipality on the
//! index alone and reads only the records of the persons that match. The layout is
//! [`FORMAT`] 2 (format 1, before, had empty values); the store refuses a store of another
//! format rather than answer from it. Knows nothing of sled or of the query interface; the
//! store keeps the index, the operations decide what matches.
//! The extraction index files persons under home municipality and birth date
//! ([`municipality_key`]), so an extraction is one range read.

use jiff::civil::Date;

use crate::registry::model::Person;

/// A name as the index and the matching compare it: lower case (Unicode, so `Ä` is `ä`
/// and never `a`), typographic dashes read as `-`, runs of white space one space, and no
/// space around a hyphen (`Virtanen - Korhonen` is `virtanen-korhonen`).
pub fn normalise(name: &str) -> String {
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

/// Whether the given first names are the person's first names from the first one on, in
/// order: `Albert` and `Albert Kristian` match `Albert Kristian`; `Kristian` does not.
/// A hyphenated name is one name (`Anna-Liisa` does not match `Anna Liisa`).
pub fn first_names_match(given: &str, person: &str) -> bool {
    normalised_first_names_match(&normalise(given), &normalise(person))
}

/// [`first_names_match`] of names already [`normalise`]d (as the index holds them).
pub fn normalised_first_names_match(given: &str, person: &str) -> bool {
    let g: Vec<&str> = given.split(' ').filter(|s| !s.is_empty()).collect();
    let p: Vec<&str> = person.split(' ').collect();
    !g.is_empty() && g.len() <= p.len() && g.iter().zip(&p).all(|(a, b)| a == b)
}

/// The prefix under which every person of this surname and birth date is filed.
pub fn prefix(surname: &str, birth: Date) -> Vec<u8> {
    let mut k = normalise(surname).into_bytes();
    k.push(0);
    k.extend_from_slice(birth.strftime("%Y%m%d").to_string().as_bytes());
    k.push(0);
    k
}

/// The person's index key.
pub fn key(p: &Person) -> Vec<u8> {
    let mut k = prefix(&p.last_name, p.birth_date());
    k.extend_from_slice(p.hetu.as_str().as_bytes());
    k
}

/// The layout of the identification index's keys and values (see the module doc).
pub const FORMAT: u32 = 2;

/// The person's index value: normalised first names, `0x00`, home municipality code.
pub fn value(p: &Person) -> Vec<u8> {
    let mut v = normalise(&p.first_names).into_bytes();
    v.push(0);
    if let Some(m) = &p.home_municipality {
        v.extend_from_slice(m.code.as_bytes());
    }
    v
}

/// What an index entry says of its person, without the person's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Normalised first names.
    pub first_names: &'a str,
    /// Home municipality code, if any.
    pub municipality: Option<&'a str>,
}

/// Reads an index value written by [`value`]; `None` for one of another format (an empty
/// value of format 1 has no separator).
pub fn entry(value: &[u8]) -> Option<Entry<'_>> {
    let value = std::str::from_utf8(value).ok()?;
    let (first_names, municipality) = value.rsplit_once('\0')?;
    Some(Entry {
        first_names,
        municipality: (!municipality.is_empty()).then_some(municipality),
    })
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
    format!("{municipality}\0{}\0", birth.strftime("%Y%m%d")).into_bytes()
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
    fn keys_share_the_prefix_of_surname_and_birth_date() {
        let p = Person::new(
            "020501A999T".parse().unwrap(),
            "Jäppinen".into(),
            "Albert".into(),
        );
        let k = key(&p);
        let pre = prefix("JÄPPINEN", jiff::civil::date(2001, 5, 2));
        assert!(k.starts_with(&pre));
        assert!(!k.starts_with(&prefix("Jappinen", jiff::civil::date(2001, 5, 2))));
        assert!(k.ends_with(b"020501A999T"));
    }

    #[test]
    fn values_carry_normalised_first_names_and_the_municipality() {
        let mut p = Person::new(
            "020501A999T".parse().unwrap(),
            "Jäppinen".into(),
            "ANNA - Liisa  Maria".into(),
        );
        let v = value(&p);
        assert_eq!(
            entry(&v),
            Some(Entry {
                first_names: "anna-liisa maria",
                municipality: None
            })
        );
        p.home_municipality = Some(crate::registry::model::HomeMunicipality {
            code: "091".into(),
            since: None,
        });
        let v = value(&p);
        let e = entry(&v).unwrap();
        assert_eq!(e.municipality, Some("091"));
        assert!(normalised_first_names_match("anna-liisa", e.first_names));
        assert!(!normalised_first_names_match("maria", e.first_names));
        // A format-1 value (empty) is not read as an entry.
        assert_eq!(entry(b""), None);
    }
}
