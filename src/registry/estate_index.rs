//! The identification indexes of buildings and properties: a building is filed under
//! `municipality 0x00 street 0x00 number 0x00 VTJ-PRT` once for its Finnish and once for
//! its Swedish street name, a property under `municipality 0x00 name 0x00 identifier`;
//! street, number and name normalised as person names are ([`super::name_index`]). A search
//! by street address is then one prefix read (a street without a number reads the whole
//! street). Knows nothing of sled or of the query interface.

use crate::registry::estate::{Building, Property};
use crate::registry::name_index::normalise;

/// A street address as searched: the street, and the number when the last word starts
/// with a digit (`Kauppa Puistikko 6` is street `kauppa puistikko`, number `6`).
pub fn split_address(address: &str) -> (String, Option<String>) {
    let a = normalise(address);
    match a.rsplit_once(' ') {
        Some((street, number)) if number.starts_with(|c: char| c.is_ascii_digit()) => {
            (street.to_string(), Some(number.to_string()))
        }
        _ => (a, None),
    }
}

/// The prefix of the buildings at this address (every number when `number` is `None`).
pub fn address_prefix(municipality: &str, street: &str, number: Option<&str>) -> Vec<u8> {
    let mut k = format!("{municipality}\0{}\0", normalise(street)).into_bytes();
    if let Some(n) = number {
        k.extend_from_slice(normalise(n).as_bytes());
        k.push(0);
    }
    k
}

/// A building's keys: one per street-name language (the same name once).
pub fn address_keys(b: &Building) -> Vec<Vec<u8>> {
    let mut streets = vec![normalise(&b.address.street_fi)];
    if let Some(sv) = &b.address.street_sv
        && normalise(sv) != streets[0]
    {
        streets.push(normalise(sv));
    }
    streets
        .iter()
        .map(|s| {
            let mut k = address_prefix(&b.municipality, s, Some(&b.address.number));
            k.extend_from_slice(b.prt.as_str().as_bytes());
            k
        })
        .collect()
}

/// The prefix of the properties of this name in this municipality.
pub fn property_prefix(municipality: &str, name: &str) -> Vec<u8> {
    format!("{municipality}\0{}\0", normalise(name)).into_bytes()
}

/// A property's key, if it has a name.
pub fn property_key(p: &Property) -> Option<Vec<u8>> {
    let name = p.name.as_deref()?;
    let mut k = property_prefix(&p.municipality, name);
    k.extend_from_slice(p.id.to_string().as_bytes());
    Some(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_into_street_and_number() {
        assert_eq!(
            split_address("Kauppa  Puistikko 6"),
            ("kauppa puistikko".into(), Some("6".into()))
        );
        assert_eq!(
            split_address("KURTENINKATU 13b"),
            ("kurteninkatu".into(), Some("13b".into()))
        );
        assert_eq!(split_address("Kurteninkatu"), ("kurteninkatu".into(), None));
        let p = address_prefix("905", "kauppa puistikko", None);
        let with = address_prefix("905", "Kauppa Puistikko", Some("6"));
        assert!(with.starts_with(&p));
        assert!(!address_prefix("905", "kauppa puistikko", Some("60")).starts_with(&with));
    }
}
