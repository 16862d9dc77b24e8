//! SATU, sähköinen asiointitunnus (electronic identification number carried in
//! citizen certificates, FINUID): `NNNNNNNNT`, 9 characters. This file owns its
//! parsing and generation: an 8-digit running number 10000001–89999999 followed by
//! the shared mod-31 check character computed over that number.

use std::fmt;
use std::str::FromStr;

use super::{IdError, IdKind, check_char, debug_tuple, digits, expect_len, verify_check};

const KIND: IdKind = IdKind::Satu;
const MIN: u32 = 10_000_001;
const MAX: u32 = 89_999_999;

/// A valid SATU. Stored as its 9 ASCII bytes; ordering follows the running number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Satu([u8; 9]);

fn check_range(n: u64) -> Result<(), IdError> {
    if (u64::from(MIN)..=u64::from(MAX)).contains(&n) {
        Ok(())
    } else {
        Err(IdError::NumberOutOfRange {
            kind: KIND,
            what: "running number",
            value: n,
            min: MIN.into(),
            max: MAX.into(),
        })
    }
}

impl Satu {
    /// The SATU for running number `n` (10000001–89999999).
    pub fn from_number(n: u32) -> Result<Satu, IdError> {
        check_range(n.into())?;
        let s = format!("{n:08}{}", check_char(n.into()));
        let mut bytes = [0u8; 9];
        bytes.copy_from_slice(s.as_bytes());
        Ok(Satu(bytes))
    }

    /// The 8-digit running number.
    pub fn number(&self) -> u32 {
        self.0[..8]
            .iter()
            .fold(0, |n, b| n * 10 + u32::from(b - b'0'))
    }

    /// The canonical 9-character form.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("SATU bytes are ASCII")
    }
}

impl FromStr for Satu {
    type Err = IdError;

    /// Strict parse: exactly 9 characters, uppercase check character, no whitespace.
    fn from_str(s: &str) -> Result<Satu, IdError> {
        let chars: Vec<char> = s.chars().collect();
        expect_len(KIND, &chars, 9, "9")?;
        let n = digits(KIND, &chars, 0..8)?;
        check_range(n)?;
        verify_check(KIND, &chars, 8, n)?;
        let mut bytes = [0u8; 9];
        bytes.copy_from_slice(s.as_bytes());
        Ok(Satu(bytes))
    }
}

impl fmt::Display for Satu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Satu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_tuple(f, "Satu", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Result<Satu, IdError> {
        s.parse()
    }

    #[test]
    fn examples() {
        // 10000001 mod 31 = 20 -> 'N'; 89999999 mod 31 = 24 -> 'S'.
        assert_eq!(Satu::from_number(10_000_001).unwrap().as_str(), "10000001N");
        assert_eq!(Satu::from_number(89_999_999).unwrap().as_str(), "89999999S");
        let s = p("12345678N").unwrap();
        assert_eq!(s.number(), 12_345_678);
        assert_eq!(s.to_string(), "12345678N");
        assert_eq!(format!("{s:?}"), "Satu(\"12345678N\")");
    }

    #[test]
    fn rejections() {
        let e = p("12345678A").unwrap_err();
        assert_eq!(
            e.to_string(),
            "SATU (sähköinen asiointitunnus): check character mismatch, expected 'N', got 'A'"
        );
        let e = p("10000000A").unwrap_err();
        assert_eq!(
            e.to_string(),
            "SATU (sähköinen asiointitunnus): running number 10000000 is out of range \
             10000001–89999999"
        );
        assert!(matches!(
            p("90000000X"),
            Err(IdError::NumberOutOfRange { .. })
        ));
        assert!(matches!(
            p("12345678n"),
            Err(IdError::InvalidChar { position: 9, .. })
        ));
        assert!(matches!(
            p("1234567N"),
            Err(IdError::WrongLength { got: 8, .. })
        ));
        assert!(matches!(
            p("1234x678N"),
            Err(IdError::InvalidChar {
                position: 5,
                found: 'x',
                ..
            })
        ));
        assert!(Satu::from_number(0).is_err());
        assert!(Satu::from_number(90_000_000).is_err());
    }

    fn arb_satu() -> impl Strategy<Value = Satu> {
        (MIN..=MAX).prop_map(|n| Satu::from_number(n).unwrap())
    }

    proptest! {
        #[test]
        fn round_trips(s in arb_satu()) {
            let back: Satu = s.to_string().parse().unwrap();
            prop_assert_eq!(&back, &s);
            prop_assert_eq!(Satu::from_number(s.number()).unwrap(), s);
        }

        /// No single-character change of a valid SATU is valid: digit changes alter the
        /// number by d·10^k (never ≡ 0 mod 31) or leave the range; the table has no repeats.
        #[test]
        fn single_char_corruptions_are_rejected(s in arb_satu()) {
            let orig: Vec<char> = s.as_str().chars().collect();
            for pos in 0..9 {
                for c in "0123456789ABCDEFHJKLMNPRSTUVWXYGIOQZa -+".chars() {
                    if c == orig[pos] {
                        continue;
                    }
                    let mut v = orig.clone();
                    v[pos] = c;
                    let t: String = v.iter().collect();
                    prop_assert!(p(&t).is_err(), "{} accepted", t);
                }
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,12}") {
            if let Ok(v) = p(&s) {
                prop_assert_eq!(v.as_str(), s.as_str());
            }
        }
    }
}
