//! VTJ-PRT, the permanent building identifier (pysyvä rakennustunnus, in use since
//! 9/2014): 10 characters, 9 digits followed by the shared mod-31 check character
//! computed over the 9-digit number. This file owns its parsing and generation.
//! Production PRTs start with 1; test PRTs (VTJ test environment) start with 9.

use std::fmt;
use std::str::FromStr;

use super::{IdError, IdKind, check_char, debug_tuple, digits, expect_len, verify_check};

const KIND: IdKind = IdKind::Prt;
const MAX: u32 = 999_999_999;

/// A valid VTJ-PRT. Stored as its 10 ASCII bytes; ordering follows the number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prt([u8; 10]);

impl Prt {
    /// The PRT for the 9-digit number `n` (0–999999999, written with leading zeros).
    pub fn from_number(n: u32) -> Result<Prt, IdError> {
        if n > MAX {
            return Err(IdError::NumberOutOfRange {
                kind: KIND,
                what: "number",
                value: n.into(),
                min: 0,
                max: MAX.into(),
            });
        }
        let s = format!("{n:09}{}", check_char(n.into()));
        let mut bytes = [0u8; 10];
        bytes.copy_from_slice(s.as_bytes());
        Ok(Prt(bytes))
    }

    /// The 9-digit number (without the check character).
    pub fn number(&self) -> u32 {
        self.0[..9]
            .iter()
            .fold(0, |n, b| n * 10 + u32::from(b - b'0'))
    }

    /// Whether this is a test PRT (starts with 9).
    pub fn is_test(&self) -> bool {
        self.0[0] == b'9'
    }

    /// The canonical 10-character form.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("PRT bytes are ASCII")
    }
}

impl FromStr for Prt {
    type Err = IdError;

    /// Strict parse: exactly 10 characters, uppercase check character, no whitespace.
    fn from_str(s: &str) -> Result<Prt, IdError> {
        // Ten ASCII bytes (every valid code) are read in place; anything else is collected
        // for the checks to name the offending character.
        let ascii: [char; 10];
        let collected: Vec<char>;
        let chars: &[char] = match <&[u8; 10]>::try_from(s.as_bytes()) {
            Ok(b) if b.is_ascii() => {
                ascii = b.map(char::from);
                &ascii
            }
            _ => {
                collected = s.chars().collect();
                &collected
            }
        };
        expect_len(KIND, chars, 10, "10")?;
        let n = digits(KIND, chars, 0..9)?;
        verify_check(KIND, chars, 9, n)?;
        let mut bytes = [0u8; 10];
        bytes.copy_from_slice(s.as_bytes());
        Ok(Prt(bytes))
    }
}

impl fmt::Display for Prt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Prt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_tuple(f, "Prt", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Result<Prt, IdError> {
        s.parse()
    }

    #[test]
    fn known_examples() {
        for s in [
            "903048741J",
            "100012345N",
            "1234567892",
            "9000000987",
            "9000013099",
        ] {
            let prt = p(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(prt.to_string(), s);
            assert_eq!(Prt::from_number(prt.number()).unwrap(), prt);
        }
        assert!(p("9000000987").unwrap().is_test());
        assert!(!p("100012345N").unwrap().is_test());
        assert_eq!(p("903048741J").unwrap().number(), 903_048_741);
        assert_eq!(Prt::from_number(12).unwrap().as_str(), "000000012C");
        assert_eq!(
            format!("{:?}", p("9000000987").unwrap()),
            "Prt(\"9000000987\")"
        );
    }

    #[test]
    fn rejections() {
        let e = p("903048741K").unwrap_err();
        assert_eq!(
            e.to_string(),
            "VTJ-PRT building id: check character mismatch, expected 'J', got 'K'"
        );
        let e = p("903048741j").unwrap_err();
        assert!(matches!(e, IdError::InvalidChar { position: 10, .. }));
        let e = p("90304874J").unwrap_err();
        assert_eq!(
            e.to_string(),
            "VTJ-PRT building id must be 10 characters long, got 9"
        );
        let e = p("9O30487410").unwrap_err();
        assert_eq!(
            e.to_string(),
            "VTJ-PRT building id: invalid character 'O' at position 2, expected a digit 0-9"
        );
        assert!(Prt::from_number(1_000_000_000).is_err());
    }

    fn arb_prt() -> impl Strategy<Value = Prt> {
        (0..=MAX).prop_map(|n| Prt::from_number(n).unwrap())
    }

    proptest! {
        #[test]
        fn round_trips(prt in arb_prt()) {
            let back: Prt = prt.to_string().parse().unwrap();
            prop_assert_eq!(&back, &prt);
            prop_assert_eq!(back.is_test(), prt.number() >= 900_000_000);
        }

        /// Every single-character change is rejected: one digit change alters the number
        /// by d·10^k, never ≡ 0 mod 31, and the check table has no repeated characters.
        #[test]
        fn single_char_corruptions_are_rejected(prt in arb_prt()) {
            let orig: Vec<char> = prt.as_str().chars().collect();
            for pos in 0..10 {
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
