//! Kiinteistötunnus (property unit id) `KKK-SSS-RRRR-YYYY`: municipality (3 digits),
//! village/district (3), group (4) and unit (4), optionally followed by an
//! unseparated-parcel part `-Xnnnn` (määräala; the letter is `M` in practice), at most
//! 23 characters. This file owns parsing (full or leading-zero-stripped hyphenated
//! form, e.g. `91-412-3-45`, and the 14-digit compact form) and the canonical
//! zero-padded display `091-412-0003-0045[-M0601]`. There is no check character.

use std::fmt;
use std::str::FromStr;

use super::{IdError, IdKind};

const KIND: IdKind = IdKind::PropertyId;

/// A property id; all parts are range-checked. Ordering is by municipality,
/// district, group, unit, then parcel (none first).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropertyId {
    municipality: u16,
    district: u16,
    group: u16,
    unit: u16,
    parcel: Option<(char, u16)>,
}

/// (name for messages, max digits) of the four numeric parts, in order.
const PARTS: [(&str, usize); 4] = [
    ("municipality (KKK)", 3),
    ("village/district (SSS)", 3),
    ("group (RRRR)", 4),
    ("unit (YYYY)", 4),
];

const PART_DESC: [&str; 4] = ["1–3 digits", "1–3 digits", "1–4 digits", "1–4 digits"];
const PARCEL_NAME: &str = "unseparated parcel (Xnnnn)";
const PARCEL_DESC: &str = "an uppercase letter A-Z followed by 1–4 digits";

fn range_err(what: &'static str, value: u16, max: u64) -> IdError {
    IdError::NumberOutOfRange {
        kind: KIND,
        what,
        value: value.into(),
        min: 0,
        max,
    }
}

impl PropertyId {
    /// A property id from its parts: municipality and district 0–999, group and
    /// unit 0–9999.
    pub fn new(municipality: u16, district: u16, group: u16, unit: u16) -> Result<Self, IdError> {
        for (i, v) in [municipality, district, group, unit]
            .into_iter()
            .enumerate()
        {
            let (what, width) = PARTS[i];
            let max = 10u64.pow(width as u32) - 1;
            if u64::from(v) > max {
                return Err(range_err(what, v, max));
            }
        }
        Ok(PropertyId {
            municipality,
            district,
            group,
            unit,
            parcel: None,
        })
    }

    /// The same property with an unseparated-parcel part: `letter` A-Z (normally
    /// `M`), `number` 0–9999.
    pub fn with_parcel(&self, letter: char, number: u16) -> Result<Self, IdError> {
        if !letter.is_ascii_uppercase() {
            return Err(IdError::BadPart {
                part: PARCEL_NAME,
                found: format!("{letter}{number}"),
                expected: PARCEL_DESC,
            });
        }
        if number > 9999 {
            return Err(range_err("parcel number", number, 9999));
        }
        Ok(PropertyId {
            parcel: Some((letter, number)),
            ..self.clone()
        })
    }

    /// Municipality number KKK.
    pub fn municipality(&self) -> u16 {
        self.municipality
    }

    /// Village/district number SSS.
    pub fn district(&self) -> u16 {
        self.district
    }

    /// Group number RRRR.
    pub fn group(&self) -> u16 {
        self.group
    }

    /// Unit number YYYY.
    pub fn unit(&self) -> u16 {
        self.unit
    }

    /// The unseparated-parcel part (letter, number), if any.
    pub fn parcel(&self) -> Option<(char, u16)> {
        self.parcel
    }

    /// The same property without the parcel part.
    pub fn without_parcel(&self) -> PropertyId {
        PropertyId {
            parcel: None,
            ..self.clone()
        }
    }
}

fn parse_compact(chars: &[char]) -> Result<PropertyId, IdError> {
    if chars.len() != 14 {
        return Err(IdError::WrongLength {
            kind: KIND,
            expected: "14 (compact form) or at most 23 (hyphenated form)",
            got: chars.len(),
        });
    }
    let n = super::digits(KIND, chars, 0..14)?;
    PropertyId::new(
        (n / 10u64.pow(11)) as u16,
        (n / 10u64.pow(8) % 1000) as u16,
        (n / 10u64.pow(4) % 10_000) as u16,
        (n % 10_000) as u16,
    )
}

/// `Some(value)` if `s` is 1..=`max_len` ASCII digits.
fn short_number(s: &str, max_len: usize) -> Option<u16> {
    if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl FromStr for PropertyId {
    type Err = IdError;

    /// Accepts `KKK-SSS-RRRR-YYYY` (each part may omit leading zeros), the same with
    /// a `-Xnnnn` parcel part (letter A-Z, 1–4 digits), or 14 digits `KKKSSSRRRRYYYY`.
    /// Strict: no whitespace, uppercase parcel letter.
    fn from_str(s: &str) -> Result<PropertyId, IdError> {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() > 23 {
            return Err(IdError::WrongLength {
                kind: KIND,
                expected: "at most 23",
                got: chars.len(),
            });
        }
        if !s.contains('-') {
            return parse_compact(&chars);
        }
        let parts: Vec<&str> = s.split('-').collect();
        if !(4..=5).contains(&parts.len()) {
            return Err(IdError::WrongPartCount { got: parts.len() });
        }
        let mut nums = [0u16; 4];
        for i in 0..4 {
            nums[i] = short_number(parts[i], PARTS[i].1).ok_or_else(|| IdError::BadPart {
                part: PARTS[i].0,
                found: parts[i].to_string(),
                expected: PART_DESC[i],
            })?;
        }
        let id = PropertyId::new(nums[0], nums[1], nums[2], nums[3])?;
        match parts.get(4) {
            None => Ok(id),
            Some(p) => {
                let bad = || IdError::BadPart {
                    part: PARCEL_NAME,
                    found: p.to_string(),
                    expected: PARCEL_DESC,
                };
                let mut it = p.chars();
                let letter = it.next().filter(char::is_ascii_uppercase).ok_or_else(bad)?;
                let number = short_number(it.as_str(), 4).ok_or_else(bad)?;
                id.with_parcel(letter, number)
            }
        }
    }
}

impl fmt::Display for PropertyId {
    /// Canonical form `KKK-SSS-RRRR-YYYY[-Xnnnn]`, every part zero-padded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:03}-{:03}-{:04}-{:04}",
            self.municipality, self.district, self.group, self.unit
        )?;
        if let Some((letter, n)) = self.parcel {
            write!(f, "-{letter}{n:04}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Result<PropertyId, IdError> {
        s.parse()
    }

    #[test]
    fn parses_all_forms() {
        let full = p("091-412-0003-0045").unwrap();
        assert_eq!(
            (
                full.municipality(),
                full.district(),
                full.group(),
                full.unit()
            ),
            (91, 412, 3, 45)
        );
        assert_eq!(full.parcel(), None);
        assert_eq!(p("91-412-3-45").unwrap(), full);
        assert_eq!(p("09141200030045").unwrap(), full);
        assert_eq!(full.to_string(), "091-412-0003-0045");
        let tiny = p("91-1-2-3").unwrap();
        assert_eq!(tiny.to_string(), "091-001-0002-0003");
        let parcel = p("091-412-0003-0045-M601").unwrap();
        assert_eq!(parcel.parcel(), Some(('M', 601)));
        assert_eq!(parcel.to_string(), "091-412-0003-0045-M0601");
        assert_eq!(parcel.to_string().len(), 23);
        assert_eq!(p("091-412-0003-0045-M0601").unwrap(), parcel);
        assert_eq!(parcel.without_parcel(), full);
        assert!(full < parcel);
        assert_eq!(
            PropertyId::new(91, 412, 3, 45)
                .unwrap()
                .with_parcel('M', 601)
                .unwrap(),
            parcel
        );
    }

    #[test]
    fn rejections() {
        let e = p("091-412-0003").unwrap_err();
        assert_eq!(e, IdError::WrongPartCount { got: 3 });
        assert!(e.to_string().contains("expected 4 hyphen-separated parts"));
        let e = p("0911-412-0003-0045").unwrap_err();
        assert_eq!(
            e.to_string(),
            "property id (kiinteistötunnus): municipality (KKK) part \"0911\" is invalid, \
             expected 1–3 digits"
        );
        assert!(matches!(p("091--0003-0045"), Err(IdError::BadPart { .. })));
        assert!(matches!(
            p("091-412-00a3-0045"),
            Err(IdError::BadPart { .. })
        ));
        assert!(matches!(
            p("091-412-0003-0045-m601"),
            Err(IdError::BadPart { .. })
        ));
        assert!(matches!(
            p("091-412-0003-0045-M"),
            Err(IdError::BadPart { .. })
        ));
        assert!(matches!(
            p("091-412-0003-0045-M12345"),
            Err(IdError::WrongLength { .. })
        ));
        assert!(matches!(
            p("91-412-3-45-M12345"),
            Err(IdError::BadPart { .. })
        ));
        assert!(matches!(p("91-412-3-45-601"), Err(IdError::BadPart { .. })));
        assert!(matches!(
            p(" 091-412-0003-0045"),
            Err(IdError::BadPart { .. })
        ));
        let e = p("0914120003004").unwrap_err();
        assert_eq!(
            e.to_string(),
            "property id (kiinteistötunnus) must be 14 (compact form) or at most 23 \
             (hyphenated form) characters long, got 13"
        );
        assert!(matches!(
            p("0914120003004X"),
            Err(IdError::InvalidChar { position: 14, .. })
        ));
        assert!(matches!(p(""), Err(IdError::WrongLength { got: 0, .. })));
        let e = PropertyId::new(1000, 0, 0, 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "property id (kiinteistötunnus): municipality (KKK) 1000 is out of range 0–999"
        );
        assert!(PropertyId::new(0, 0, 0, 10_000).is_err());
        let base = PropertyId::new(1, 2, 3, 4).unwrap();
        assert!(base.with_parcel('m', 1).is_err());
        assert!(base.with_parcel('M', 10_000).is_err());
    }

    fn arb_property() -> impl Strategy<Value = PropertyId> {
        (
            0u16..=999,
            0u16..=999,
            0u16..=9999,
            0u16..=9999,
            proptest::option::of((proptest::char::range('A', 'Z'), 0u16..=9999)),
        )
            .prop_map(|(m, d, g, u, parcel)| {
                let id = PropertyId::new(m, d, g, u).unwrap();
                match parcel {
                    Some((l, n)) => id.with_parcel(l, n).unwrap(),
                    None => id,
                }
            })
    }

    proptest! {
        #[test]
        fn round_trips(id in arb_property()) {
            let s = id.to_string();
            prop_assert!(s.len() <= 23);
            prop_assert_eq!(&p(&s).unwrap(), &id);
            // Human form with leading zeros stripped.
            let mut short = format!("{}-{}-{}-{}", id.municipality(), id.district(), id.group(), id.unit());
            if let Some((l, n)) = id.parcel() {
                short.push_str(&format!("-{l}{n}"));
            }
            prop_assert_eq!(&p(&short).unwrap(), &id);
            if id.parcel().is_none() {
                prop_assert_eq!(p(&s.replace('-', "")).unwrap(), id);
            }
        }

        /// No check character: changing a digit to another digit or the parcel letter
        /// to another letter gives a different valid id (whose display is exactly the
        /// corrupted text); every other single-character change is rejected.
        #[test]
        fn single_char_corruptions(id in arb_property()) {
            let orig: Vec<char> = id.to_string().chars().collect();
            let parcel_letter_pos = 18;
            for pos in 0..orig.len() {
                for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ- aÄ+".chars() {
                    if c == orig[pos] {
                        continue;
                    }
                    let mut v = orig.clone();
                    v[pos] = c;
                    let t: String = v.iter().collect();
                    let should_be_valid = if orig[pos].is_ascii_digit() {
                        c.is_ascii_digit()
                    } else {
                        pos == parcel_letter_pos && c.is_ascii_uppercase()
                    };
                    match p(&t) {
                        Ok(other) => {
                            prop_assert!(should_be_valid, "{} accepted", t);
                            prop_assert_ne!(&other, &id);
                            prop_assert_eq!(other.to_string(), t);
                        }
                        Err(_) => prop_assert!(!should_be_valid, "{} rejected", t),
                    }
                }
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,25}") {
            let _ = p(&s);
        }

        #[test]
        fn parse_never_panics_near_misses(s in "[0-9]{0,4}-[0-9]{0,4}-[0-9]{0,5}-[0-9]{0,5}(-[A-Za-z]?[0-9]{0,5})?") {
            if let Ok(id) = p(&s) {
                prop_assert_eq!(p(&id.to_string()).unwrap(), id);
            }
        }
    }
}
