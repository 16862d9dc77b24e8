//! Asuinpaikkatunnus (dwelling id) `nnnnnnnnnnOPHHHJ`, 16 characters: a VTJ-PRT
//! building id (10, check character validated), address number O (digit), stair
//! letter P (`A-ZÅÄÖ` or space), apartment number HHH (3 digits or 3 spaces) and
//! division letter J (`a-zåäö` or space). This file owns parsing, building from parts
//! and the canonical space-padded 16-character display the real service returns
//! (e.g. `"90000009871B023 "`). The abroad form (`200` + country code + zeros) is not
//! a dwelling id in this sense and is rejected.

use std::fmt;
use std::str::FromStr;

use super::{IdError, IdKind, Prt};

const KIND: IdKind = IdKind::DwellingId;
const STAIR_DESC: &str = "a stair letter A-Z, Å, Ä, Ö or a space";
const APARTMENT_DESC: &str = "an apartment number of 3 digits or 3 spaces";
const DIVISION_DESC: &str = "a division letter a-z, å, ä, ö or a space";

/// A dwelling id. Ordering is by building, address number, stair, apartment,
/// division (absent parts first).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DwellingId {
    prt: Prt,
    address_no: u8,
    stair: Option<char>,
    apartment: Option<u16>,
    division: Option<char>,
}

fn is_stair(c: char) -> bool {
    c.is_ascii_uppercase() || matches!(c, 'Å' | 'Ä' | 'Ö')
}

fn is_division(c: char) -> bool {
    c.is_ascii_lowercase() || matches!(c, 'å' | 'ä' | 'ö')
}

fn bad(position: usize, found: char, expected: &'static str) -> IdError {
    IdError::InvalidChar {
        kind: KIND,
        position,
        found,
        expected,
    }
}

impl DwellingId {
    /// A dwelling id from its parts: `address_no` 0–9, `stair` A-ZÅÄÖ, `apartment`
    /// 0–999, `division` a-zåäö (`None` = space-filled).
    pub fn new(
        prt: Prt,
        address_no: u8,
        stair: Option<char>,
        apartment: Option<u16>,
        division: Option<char>,
    ) -> Result<DwellingId, IdError> {
        if address_no > 9 {
            return Err(IdError::NumberOutOfRange {
                kind: KIND,
                what: "address number (O)",
                value: address_no.into(),
                min: 0,
                max: 9,
            });
        }
        if let Some(c) = stair.filter(|&c| !is_stair(c)) {
            return Err(bad(12, c, STAIR_DESC));
        }
        if let Some(n) = apartment.filter(|&n| n > 999) {
            return Err(IdError::NumberOutOfRange {
                kind: KIND,
                what: "apartment number (HHH)",
                value: n.into(),
                min: 0,
                max: 999,
            });
        }
        if let Some(c) = division.filter(|&c| !is_division(c)) {
            return Err(bad(16, c, DIVISION_DESC));
        }
        Ok(DwellingId {
            prt,
            address_no,
            stair,
            apartment,
            division,
        })
    }

    /// The building's VTJ-PRT.
    pub fn prt(&self) -> &Prt {
        &self.prt
    }

    /// Address number O (0–9).
    pub fn address_number(&self) -> u8 {
        self.address_no
    }

    /// Stair letter P, if any.
    pub fn stair(&self) -> Option<char> {
        self.stair
    }

    /// Apartment number HHH, if any.
    pub fn apartment(&self) -> Option<u16> {
        self.apartment
    }

    /// Division letter J, if any.
    pub fn division(&self) -> Option<char> {
        self.division
    }
}

impl FromStr for DwellingId {
    type Err = IdError;

    /// Parses the 16-character form. Because XML processing often strips trailing
    /// whitespace, 11–15 characters are also accepted and read as if right-padded
    /// with spaces (`"90000009871B023"` = `"90000009871B023 "`). No other leniency.
    fn from_str(s: &str) -> Result<DwellingId, IdError> {
        let length = s.chars().count();
        if !(11..=16).contains(&length) {
            return Err(IdError::WrongLength {
                kind: KIND,
                expected: "16 (or 11–15 with trailing spaces trimmed)",
                got: length,
            });
        }
        // Read into a fixed array, right-padded with spaces (every stored person's dwelling
        // is parsed when the person is read).
        let mut chars = [' '; 16];
        for (slot, c) in chars.iter_mut().zip(s.chars()) {
            *slot = c;
        }
        let prt: Prt = match s.get(..10) {
            Some(head) if head.is_ascii() => head.parse()?,
            _ => chars[..10].iter().collect::<String>().parse()?,
        };
        let address_no = chars[10]
            .to_digit(10)
            .ok_or_else(|| bad(11, chars[10], "an address number digit 0-9"))?
            as u8;
        let stair = match chars[11] {
            ' ' => None,
            c if is_stair(c) => Some(c),
            c => return Err(bad(12, c, STAIR_DESC)),
        };
        let hhh = &chars[12..15];
        let apartment = if hhh[0] == ' ' {
            if let Some(i) = hhh.iter().position(|&c| c != ' ') {
                return Err(bad(13 + i, hhh[i], APARTMENT_DESC));
            }
            None
        } else {
            let mut n = 0u16;
            for (i, &c) in hhh.iter().enumerate() {
                let d = c
                    .to_digit(10)
                    .ok_or_else(|| bad(13 + i, c, APARTMENT_DESC))?;
                n = n * 10 + d as u16;
            }
            Some(n)
        };
        let division = match chars[15] {
            ' ' => None,
            c if is_division(c) => Some(c),
            c => return Err(bad(16, c, DIVISION_DESC)),
        };
        DwellingId::new(prt, address_no, stair, apartment, division)
    }
}

impl DwellingId {
    /// The 16-character form ([`Display`](fmt::Display)'s), written into a string of its
    /// own size without the formatting machinery (every answer with a permanent dwelling
    /// has one).
    pub fn text(&self) -> String {
        let mut s = String::with_capacity(20);
        self.write_to(&mut s).expect("a String takes every write");
        s
    }

    /// Character by character, not through format strings. The parts were checked when
    /// the id was made (address number 0–9, apartment at most 999).
    fn write_to(&self, f: &mut impl fmt::Write) -> fmt::Result {
        let digit = |n: u16| char::from(b'0' + (n % 10) as u8);
        f.write_str(self.prt.as_str())?;
        f.write_char(digit(self.address_no.into()))?;
        f.write_char(self.stair.unwrap_or(' '))?;
        match self.apartment {
            Some(n) => {
                f.write_char(digit(n / 100))?;
                f.write_char(digit(n / 10))?;
                f.write_char(digit(n))?;
            }
            None => f.write_str("   ")?,
        }
        f.write_char(self.division.unwrap_or(' '))
    }
}

impl fmt::Display for DwellingId {
    /// Always 16 characters, absent parts space-filled.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

impl fmt::Debug for DwellingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DwellingId")
            .field(&self.to_string())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Result<DwellingId, IdError> {
        s.parse()
    }

    fn prt(s: &str) -> Prt {
        s.parse().unwrap()
    }

    #[test]
    fn service_example() {
        let d = p("90000009871B023 ").unwrap();
        assert_eq!(d.prt(), &prt("9000000987"));
        assert_eq!(d.address_number(), 1);
        assert_eq!(d.stair(), Some('B'));
        assert_eq!(d.apartment(), Some(23));
        assert_eq!(d.division(), None);
        assert_eq!(d.to_string(), "90000009871B023 ");
        assert_eq!(d.text(), "90000009871B023 ");
        assert_eq!(format!("{d:?}"), "DwellingId(\"90000009871B023 \")");
        // Trailing spaces trimmed by XML processing.
        assert_eq!(p("90000009871B023").unwrap(), d);
        let built = DwellingId::new(prt("9000000987"), 1, Some('B'), Some(23), None).unwrap();
        assert_eq!(built, d);
    }

    #[test]
    fn optional_parts_and_finnish_letters() {
        let d = DwellingId::new(prt("903048741J"), 0, None, None, None).unwrap();
        assert_eq!(d.to_string(), "903048741J0     ");
        assert_eq!(d.text(), "903048741J0     ");
        assert_eq!(p("903048741J0").unwrap(), d);
        let d = DwellingId::new(prt("903048741J"), 2, Some('Ä'), Some(7), Some('ö')).unwrap();
        let s = d.to_string();
        assert_eq!(s, "903048741J2Ä007ö");
        assert_eq!(d.text(), s);
        assert_eq!(s.chars().count(), 16);
        assert_eq!(p(&s).unwrap(), d);
        assert_eq!(p("903048741J2 012a").unwrap().division(), Some('a'));
    }

    #[test]
    fn rejections() {
        let e = p("90000009881B023 ").unwrap_err();
        assert_eq!(
            e.to_string(),
            "VTJ-PRT building id: check character mismatch, expected '7', got '8'"
        );
        let e = p("90000009871b023 ").unwrap_err();
        assert_eq!(
            e.to_string(),
            "dwelling id (asuinpaikkatunnus): invalid character 'b' at position 12, \
             expected a stair letter A-Z, Å, Ä, Ö or a space"
        );
        assert!(matches!(
            p("90000009871B0 3 "),
            Err(IdError::InvalidChar {
                position: 14,
                found: ' ',
                ..
            })
        ));
        assert!(matches!(
            p("90000009871B 2  "),
            Err(IdError::InvalidChar {
                position: 14,
                found: '2',
                ..
            })
        ));
        assert!(matches!(
            p("90000009871B023B"),
            Err(IdError::InvalidChar { position: 16, .. })
        ));
        assert!(matches!(
            p("9000000987XB023 "),
            Err(IdError::InvalidChar { position: 11, .. })
        ));
        let e = p("90000009871B023  ").unwrap_err();
        assert_eq!(
            e.to_string(),
            "dwelling id (asuinpaikkatunnus) must be 16 (or 11–15 with trailing spaces \
             trimmed) characters long, got 17"
        );
        assert!(matches!(
            p("9000000987"),
            Err(IdError::WrongLength { got: 10, .. })
        ));
        // Abroad form "200" + country + zeros is not accepted.
        assert!(p("20024600000000").is_err());
        let base = || prt("9000000987");
        assert!(DwellingId::new(base(), 10, None, None, None).is_err());
        assert!(DwellingId::new(base(), 1, Some('b'), None, None).is_err());
        assert!(DwellingId::new(base(), 1, None, Some(1000), None).is_err());
        assert!(DwellingId::new(base(), 1, None, None, Some('B')).is_err());
    }

    const STAIRS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ";
    const DIVISIONS: &str = "abcdefghijklmnopqrstuvwxyzåäö";

    fn arb_dwelling() -> impl Strategy<Value = DwellingId> {
        (
            0u32..=999_999_999,
            0u8..=9,
            proptest::option::of(proptest::sample::select(STAIRS.chars().collect::<Vec<_>>())),
            proptest::option::of(0u16..=999),
            proptest::option::of(proptest::sample::select(
                DIVISIONS.chars().collect::<Vec<_>>(),
            )),
        )
            .prop_map(|(n, o, s, h, j)| {
                DwellingId::new(Prt::from_number(n).unwrap(), o, s, h, j).unwrap()
            })
    }

    proptest! {
        #[test]
        fn round_trips(d in arb_dwelling()) {
            let s = d.to_string();
            prop_assert_eq!(s.chars().count(), 16);
            prop_assert_eq!(&p(&s).unwrap(), &d);
            prop_assert_eq!(p(s.trim_end()).unwrap(), d);
        }

        /// The PRT part is protected by its check character, so any change there is
        /// rejected. The O/P/HHH/J parts have no check: a change is valid exactly when
        /// the new character fits that position's alphabet (a digit in a numeric
        /// apartment number, never a lone digit among the three spaces), and then it
        /// parses as a different id whose display is the corrupted text.
        #[test]
        fn single_char_corruptions(d in arb_dwelling()) {
            let orig: Vec<char> = d.to_string().chars().collect();
            let alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖabcxyzåäö -+";
            for pos in 0..16 {
                for c in alphabet.chars() {
                    if c == orig[pos] {
                        continue;
                    }
                    let mut v = orig.clone();
                    v[pos] = c;
                    let t: String = v.iter().collect();
                    let should_be_valid = match pos {
                        0..=9 => false,
                        10 => c.is_ascii_digit(),
                        11 => c == ' ' || is_stair(c),
                        12..=14 => d.apartment().is_some() && c.is_ascii_digit(),
                        _ => c == ' ' || is_division(c),
                    };
                    match p(&t) {
                        Ok(other) => {
                            prop_assert!(should_be_valid, "{:?} accepted", t);
                            prop_assert_ne!(&other, &d);
                            prop_assert_eq!(other.to_string(), t);
                        }
                        Err(_) => prop_assert!(!should_be_valid, "{:?} rejected", t),
                    }
                }
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,18}") {
            let _ = p(&s);
        }
    }
}
