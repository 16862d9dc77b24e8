//! Finnish register identifiers used by the VTJ query interface: this module owns the
//! shared mod-31 check-character table ([`check_char`]), the common error type
//! ([`IdError`], [`IdKind`]) and re-exports the identifier types defined in the
//! submodules: [`Hetu`] (henkilötunnus), [`Satu`] (sähköinen asiointitunnus),
//! [`Prt`] (permanent building id VTJ-PRT), [`PropertyId`] (kiinteistötunnus) and
//! [`DwellingId`] (asuinpaikkatunnus). All parsers are strict: no trimming, no case
//! folding. Character positions in errors are 1-based and counted in characters.

use std::fmt;

mod dwelling;
mod hetu;
mod property;
mod prt;
mod satu;
mod serde;

pub use dwelling::DwellingId;
pub use hetu::{Hetu, Sex};
pub use property::PropertyId;
pub use prt::Prt;
pub use satu::Satu;

/// The 31 check characters, indexed by remainder mod 31 (no G, I, O, Q, Z).
const CHECK_TABLE: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";

/// Human description of the check-character alphabet, used in error messages.
const CHECK_ALPHABET_DESC: &str = "a check character (0-9 or one of ABCDEFHJKLMNPRSTUVWXY)";

/// The shared check character of hetu, SATU and VTJ-PRT:
/// `"0123456789ABCDEFHJKLMNPRSTUVWXY"[n mod 31]`.
pub fn check_char(n: u64) -> char {
    CHECK_TABLE[(n % 31) as usize] as char
}

/// Whether `c` belongs to the check-character alphabet (uppercase only).
fn is_check_char(c: char) -> bool {
    c.is_ascii() && CHECK_TABLE.contains(&(c as u8))
}

/// Which identifier an error is about; its `Display` is the name used in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// [`Hetu`]
    Hetu,
    /// [`Satu`]
    Satu,
    /// [`Prt`]
    Prt,
    /// [`PropertyId`]
    PropertyId,
    /// [`DwellingId`]
    DwellingId,
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::Hetu => "henkilötunnus",
            IdKind::Satu => "SATU (sähköinen asiointitunnus)",
            IdKind::Prt => "VTJ-PRT building id",
            IdKind::PropertyId => "property id (kiinteistötunnus)",
            IdKind::DwellingId => "dwelling id (asuinpaikkatunnus)",
        })
    }
}

/// Why an identifier was rejected. Messages are meant to be shown to users as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// Input has the wrong number of characters.
    #[error("{kind} must be {expected} characters long, got {got}")]
    WrongLength {
        kind: IdKind,
        expected: &'static str,
        got: usize,
    },
    /// A character is not allowed at this (1-based) position.
    #[error("{kind}: invalid character {found:?} at position {position}, expected {expected}")]
    InvalidChar {
        kind: IdKind,
        position: usize,
        found: char,
        expected: &'static str,
    },
    /// The 7th character of a hetu is not a century sign.
    #[error(
        "henkilötunnus: invalid century sign {found:?} at position 7, \
         expected one of + (1800s), - Y X W V U (1900s), A B C D E F (2000s)"
    )]
    BadCenturySign { found: char },
    /// The century sign does not belong to the birth year's century.
    #[error(
        "henkilötunnus: century sign {sign:?} is for years {}–{}, but the birth year is {year}",
        century_start(*sign), century_start(*sign) + 99
    )]
    CenturyMismatch { sign: char, year: i16 },
    /// A hetu can only encode birth years 1800–2099.
    #[error("henkilötunnus: birth year {year} cannot be encoded, only years 1800–2099 can")]
    YearOutOfRange { year: i16 },
    /// DDMMYY plus the century does not name a real calendar date.
    #[error("henkilötunnus: birth date {day:02}.{month:02}.{year} does not exist")]
    NonexistentDate { year: i16, month: u8, day: u8 },
    /// Hetu individual number outside 002–999.
    #[error(
        "henkilötunnus: individual number {0:03} is out of range, \
         expected 002–899 (or 900–999 for temporary/test ids)"
    )]
    IndividualNumberOutOfRange(u16),
    /// The check character does not match the rest of the identifier.
    #[error("{kind}: check character mismatch, expected {expected:?}, got {got:?}")]
    CheckCharMismatch {
        kind: IdKind,
        expected: char,
        got: char,
    },
    /// A numeric part is outside its allowed range.
    #[error("{kind}: {what} {value} is out of range {min}–{max}")]
    NumberOutOfRange {
        kind: IdKind,
        what: &'static str,
        value: u64,
        min: u64,
        max: u64,
    },
    /// A hyphenated property id with the wrong number of parts.
    #[error(
        "property id (kiinteistötunnus): expected 4 hyphen-separated parts (KKK-SSS-RRRR-YYYY) \
         or 5 with an unseparated-parcel part (KKK-SSS-RRRR-YYYY-Xnnnn), got {got}"
    )]
    WrongPartCount { got: usize },
    /// One part of a hyphenated property id is malformed.
    #[error(
        "property id (kiinteistötunnus): {part} part {found:?} is invalid, expected {expected}"
    )]
    BadPart {
        part: &'static str,
        found: String,
        expected: &'static str,
    },
}

/// First year of the century a hetu century sign stands for (0 for a non-sign,
/// only reachable through a hand-built `CenturyMismatch`).
fn century_start(sign: char) -> i16 {
    match sign {
        '+' => 1800,
        '-' | 'Y' | 'X' | 'W' | 'V' | 'U' => 1900,
        'A'..='F' => 2000,
        _ => 0,
    }
}

/// Checks that `chars` has exactly `expected` characters (`desc` is `expected` spelled
/// out for the message, e.g. `"11"`).
fn expect_len(
    kind: IdKind,
    chars: &[char],
    expected: usize,
    desc: &'static str,
) -> Result<(), IdError> {
    if chars.len() == expected {
        Ok(())
    } else {
        Err(IdError::WrongLength {
            kind,
            expected: desc,
            got: chars.len(),
        })
    }
}

/// Checks that `chars[range]` are ASCII digits and returns their value.
fn digits(kind: IdKind, chars: &[char], range: std::ops::Range<usize>) -> Result<u64, IdError> {
    let mut n = 0u64;
    for i in range {
        let c = chars[i];
        let d = c.to_digit(10).ok_or(IdError::InvalidChar {
            kind,
            position: i + 1,
            found: c,
            expected: "a digit 0-9",
        })?;
        n = n * 10 + u64::from(d);
    }
    Ok(n)
}

/// Checks the trailing check character (at index `pos`) against `n`.
fn verify_check(kind: IdKind, chars: &[char], pos: usize, n: u64) -> Result<(), IdError> {
    let got = chars[pos];
    if !is_check_char(got) {
        return Err(IdError::InvalidChar {
            kind,
            position: pos + 1,
            found: got,
            expected: CHECK_ALPHABET_DESC,
        });
    }
    let expected = check_char(n);
    if got == expected {
        Ok(())
    } else {
        Err(IdError::CheckCharMismatch {
            kind,
            expected,
            got,
        })
    }
}

/// Shared `Debug` for the ASCII-array-backed ids: `Name("text")`.
fn debug_tuple(f: &mut fmt::Formatter<'_>, name: &str, s: &str) -> fmt::Result {
    f.debug_tuple(name).field(&s).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_31_distinct_uppercase_chars() {
        let mut v: Vec<u8> = CHECK_TABLE.to_vec();
        v.sort_unstable();
        v.dedup();
        assert_eq!(v.len(), 31);
        for b in ["G", "I", "O", "Q", "Z"] {
            assert!(!is_check_char(b.chars().next().unwrap()));
        }
        assert!(!is_check_char('a'));
    }

    #[test]
    fn check_char_values() {
        assert_eq!(check_char(0), '0');
        assert_eq!(check_char(10), 'A');
        assert_eq!(check_char(16), 'H');
        assert_eq!(check_char(30), 'Y');
        assert_eq!(check_char(31), '0');
        assert_eq!(check_char(20_501_999), 'T');
    }

    #[test]
    fn messages_are_readable() {
        let e = IdError::CenturyMismatch {
            sign: 'A',
            year: 1999,
        };
        assert_eq!(
            e.to_string(),
            "henkilötunnus: century sign 'A' is for years 2000–2099, but the birth year is 1999"
        );
        let e = IdError::WrongLength {
            kind: IdKind::Satu,
            expected: "9",
            got: 3,
        };
        assert_eq!(
            e.to_string(),
            "SATU (sähköinen asiointitunnus) must be 9 characters long, got 3"
        );
    }
}
