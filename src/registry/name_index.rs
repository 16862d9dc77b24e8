//! The identification index of persons: how names are compared (normalised case, spaces
//! and hyphens; å, ä and ö stay letters of their own) and the key under which the store
//! files each person, `normalised surname 0x00 yyyymmdd 0x00 identity code`, so that the
//! persons of one surname and birth date are one prefix read. Knows nothing of sled or of
//! the query interface; the store keeps the index, the operations decide what matches.
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
    let given = normalise(given);
    let person = normalise(person);
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
}
