//! Henkilötunnus (Finnish personal identity code, "hetu"): `DDMMYYCNNNQ`, 11 characters.
//! This file owns parsing and validating hetus (century sign, real calendar date,
//! individual number 002–999, mod-31 check character), building them from a birth
//! date ([`Hetu::new`], [`Hetu::with_default_sign`]) and reading them back
//! (birth date, sex, individual number). Temporary/test ids are ordinary hetus with
//! an individual number in 900–999: generate them with `Hetu::new(date, 900..=999, sign)`.
//! Since 2023 the century sign is part of the identity, so `010190-…` and
//! `010190Y…` with the same digits are different, equally valid hetus.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;

use super::{
    CHECK_ALPHABET_DESC, IdError, IdKind, debug_tuple, digits, expect_len, is_check_char,
    verify_check,
};

const KIND: IdKind = IdKind::Hetu;

/// A syntactically and arithmetically valid henkilötunnus.
///
/// Stored as its 11 ASCII bytes. Ordering is chronological by birth date, then by
/// individual number, then by century sign (so it is consistent with `Eq`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Hetu([u8; 11]);

/// Sex as encoded by the parity of the individual number (odd = male).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// VTJ `Sukupuolikoodi`: `'1'` male, `'2'` female.
    pub fn code(self) -> char {
        match self {
            Sex::Male => '1',
            Sex::Female => '2',
        }
    }
}

/// First year of the century denoted by a century sign, `None` if `c` is not a sign.
fn century_base(c: char) -> Option<i16> {
    match c {
        '+' => Some(1800),
        '-' | 'Y' | 'X' | 'W' | 'V' | 'U' => Some(1900),
        'A' | 'B' | 'C' | 'D' | 'E' | 'F' => Some(2000),
        _ => None,
    }
}

fn check_individual(n: u16) -> Result<(), IdError> {
    if (2..=999).contains(&n) {
        Ok(())
    } else {
        Err(IdError::IndividualNumberOutOfRange(n))
    }
}

impl Hetu {
    /// Builds the hetu for `date`, individual number `individual` (002–999; use
    /// 900–999 for temporary/test ids) and century sign `sign`, which must be one
    /// of the signs of `date`'s century.
    pub fn new(date: Date, individual: u16, sign: char) -> Result<Hetu, IdError> {
        let base = century_base(sign).ok_or(IdError::BadCenturySign { found: sign })?;
        let year = date.year();
        if !(base..=base + 99).contains(&year) {
            return Err(IdError::CenturyMismatch { sign, year });
        }
        check_individual(individual)?;
        let prefix = format!("{:02}{:02}{:02}", date.day(), date.month(), year - base);
        let number = u64::from(date.day() as u8) * 10_000_000
            + u64::from(date.month() as u8) * 100_000
            + u64::from((year - base) as u16) * 1_000
            + u64::from(individual);
        let s = format!("{prefix}{sign}{individual:03}{}", super::check_char(number));
        let mut bytes = [0u8; 11];
        bytes.copy_from_slice(s.as_bytes());
        Ok(Hetu(bytes))
    }

    /// Like [`Hetu::new`] with the traditional sign of the century:
    /// `'+'` for 1800–1899, `'-'` for 1900–1999, `'A'` for 2000–2099.
    pub fn with_default_sign(date: Date, individual: u16) -> Result<Hetu, IdError> {
        let sign = match date.year() {
            1800..=1899 => '+',
            1900..=1999 => '-',
            2000..=2099 => 'A',
            year => return Err(IdError::YearOutOfRange { year }),
        };
        Hetu::new(date, individual, sign)
    }

    /// The canonical 11-character form.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hetu bytes are ASCII")
    }

    fn two(&self, i: usize) -> u8 {
        (self.0[i] - b'0') * 10 + (self.0[i + 1] - b'0')
    }

    fn year(&self) -> i16 {
        century_base(self.century_sign()).expect("validated century sign") + i16::from(self.two(4))
    }

    /// The birth date (DDMMYY plus the century given by the century sign).
    pub fn birth_date(&self) -> Date {
        Date::new(self.year(), self.two(2) as i8, self.two(0) as i8).expect("validated date")
    }

    /// The individual number NNN (002–999).
    pub fn individual_number(&self) -> u16 {
        self.0[7..10]
            .iter()
            .fold(0, |n, b| n * 10 + u16::from(b - b'0'))
    }

    /// Sex by the parity of the individual number.
    pub fn sex(&self) -> Sex {
        if self.individual_number() % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Whether this is a temporary/test id (individual number 900–999).
    pub fn is_temporary(&self) -> bool {
        self.individual_number() >= 900
    }

    /// The century sign (7th character).
    pub fn century_sign(&self) -> char {
        self.0[6] as char
    }

    fn sort_key(&self) -> (i16, u8, u8, u16, u8) {
        (
            self.year(),
            self.two(2),
            self.two(0),
            self.individual_number(),
            self.0[6],
        )
    }
}

impl FromStr for Hetu {
    type Err = IdError;

    /// Strict parse: exactly 11 characters, uppercase, no surrounding whitespace.
    fn from_str(s: &str) -> Result<Hetu, IdError> {
        // Eleven characters, without a heap allocation (every stored person's codes are
        // parsed again when the person is read).
        let mut chars = ['\0'; 11];
        let mut n = 0;
        for c in s.chars() {
            if n == chars.len() {
                n += 1;
                break;
            }
            chars[n] = c;
            n += 1;
        }
        if n != chars.len() {
            expect_len(KIND, &s.chars().collect::<Vec<_>>(), 11, "11")?;
        }
        let ddmmyy = digits(KIND, &chars, 0..6)?;
        let sign = chars[6];
        let base = century_base(sign).ok_or(IdError::BadCenturySign { found: sign })?;
        let individual = digits(KIND, &chars, 7..10)? as u16;
        if !is_check_char(chars[10]) {
            return Err(IdError::InvalidChar {
                kind: KIND,
                position: 11,
                found: chars[10],
                expected: CHECK_ALPHABET_DESC,
            });
        }
        let (day, month) = ((ddmmyy / 10_000) as u8, (ddmmyy / 100 % 100) as u8);
        let year = base + (ddmmyy % 100) as i16;
        if Date::new(year, month as i8, day as i8).is_err() {
            return Err(IdError::NonexistentDate { year, month, day });
        }
        check_individual(individual)?;
        verify_check(KIND, &chars, 10, ddmmyy * 1000 + u64::from(individual))?;
        let mut bytes = [0u8; 11];
        bytes.copy_from_slice(s.as_bytes());
        Ok(Hetu(bytes))
    }
}

impl fmt::Display for Hetu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Hetu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_tuple(f, "Hetu", self.as_str())
    }
}

impl Ord for Hetu {
    fn cmp(&self, other: &Hetu) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Hetu {
    fn partial_cmp(&self, other: &Hetu) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn p(s: &str) -> Result<Hetu, IdError> {
        s.parse()
    }

    #[test]
    fn vtj_test_examples_are_valid() {
        for s in [
            "020501A999T",
            "020190-9521",
            "311211A9527",
            "210281-9988",
            "010113+933W",
            "010156-9994",
        ] {
            let h = p(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(h.to_string(), s);
            assert_eq!(h.as_str(), s);
            assert!(h.is_temporary());
        }
        let h = p("020501A999T").unwrap();
        assert_eq!(h.birth_date(), date(2001, 5, 2));
        assert_eq!(h.individual_number(), 999);
        assert_eq!(h.sex(), Sex::Male);
        assert_eq!(h.sex().code(), '1');
        assert_eq!(h.century_sign(), 'A');
        let h = p("010113+933W").unwrap();
        assert_eq!(h.birth_date(), date(1813, 1, 1));
        let h = p("210281-9988").unwrap();
        assert_eq!(h.birth_date(), date(1981, 2, 21));
        assert_eq!(h.sex(), Sex::Female);
        assert_eq!(h.sex().code(), '2');
        assert_eq!(format!("{h:?}"), "Hetu(\"210281-9988\")");
    }

    #[test]
    fn spec_identity_example_has_wrong_check_char() {
        // vtj-spec §7.1 illustrates "010190-999K" / "010190Y999K"; the real check is W.
        assert_eq!(
            p("010190-999K").unwrap_err(),
            IdError::CheckCharMismatch {
                kind: IdKind::Hetu,
                expected: 'W',
                got: 'K'
            }
        );
        let a = p("010190-999W").unwrap();
        let b = p("010190Y999W").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.birth_date(), b.birth_date());
    }

    #[test]
    fn rejects_bad_check_char_with_message() {
        let e = p("020501A999U").unwrap_err();
        assert_eq!(
            e.to_string(),
            "henkilötunnus: check character mismatch, expected 'T', got 'U'"
        );
        // G, I, O, Q, Z are never check characters.
        let e = p("020501A999G").unwrap_err();
        assert!(matches!(
            e,
            IdError::InvalidChar {
                position: 11,
                found: 'G',
                ..
            }
        ));
    }

    #[test]
    fn rejects_nonexistent_dates() {
        let e = p("300290-9007").unwrap_err();
        assert_eq!(
            e,
            IdError::NonexistentDate {
                year: 1990,
                month: 2,
                day: 30
            }
        );
        assert_eq!(
            e.to_string(),
            "henkilötunnus: birth date 30.02.1990 does not exist"
        );
        // 1900 is not a leap year, 2000 is.
        assert!(matches!(
            p("290200-900B"),
            Err(IdError::NonexistentDate { year: 1900, .. })
        ));
        assert!(matches!(
            p("290200+900B"),
            Err(IdError::NonexistentDate { year: 1800, .. })
        ));
        let h = p("290200A900B").unwrap();
        assert_eq!(h.birth_date(), date(2000, 2, 29));
        assert!(p("290204A900C").is_ok());
        assert!(matches!(
            p("131390-9004"),
            Err(IdError::NonexistentDate { month: 13, .. })
        ));
        assert!(matches!(
            p("000190-9004"),
            Err(IdError::NonexistentDate { day: 0, .. })
        ));
    }

    #[test]
    fn rejects_lowercase() {
        let e = p("020501a999T").unwrap_err();
        assert_eq!(e, IdError::BadCenturySign { found: 'a' });
        assert!(
            e.to_string()
                .contains("invalid century sign 'a' at position 7")
        );
        let e = p("020501A999t").unwrap_err();
        assert_eq!(
            e.to_string(),
            "henkilötunnus: invalid character 't' at position 11, \
             expected a check character (0-9 or one of ABCDEFHJKLMNPRSTUVWXY)"
        );
    }

    #[test]
    fn rejects_wrong_length_and_whitespace() {
        let e = p("020501A999").unwrap_err();
        assert_eq!(
            e.to_string(),
            "henkilötunnus must be 11 characters long, got 10"
        );
        assert!(matches!(p(""), Err(IdError::WrongLength { got: 0, .. })));
        assert!(matches!(
            p(" 020501A999T"),
            Err(IdError::WrongLength { got: 12, .. })
        ));
        assert!(matches!(
            p("020501A999T\n"),
            Err(IdError::WrongLength { got: 12, .. })
        ));
        // Length counts characters, not bytes.
        assert!(matches!(
            p("02050ÄA999T"),
            Err(IdError::InvalidChar {
                position: 6,
                found: 'Ä',
                ..
            })
        ));
    }

    #[test]
    fn rejects_unknown_century_sign() {
        for s in ["020501G999T", "020501Z999T", "020501 999T", "0205010999T"] {
            assert!(matches!(p(s), Err(IdError::BadCenturySign { .. })), "{s}");
        }
        assert!(matches!(
            p("0205X1A999T"),
            Err(IdError::InvalidChar {
                position: 5,
                found: 'X',
                ..
            })
        ));
    }

    #[test]
    fn rejects_individual_000_and_001() {
        let e = p("010100-000E").unwrap_err();
        assert_eq!(e, IdError::IndividualNumberOutOfRange(0));
        assert_eq!(
            e.to_string(),
            "henkilötunnus: individual number 000 is out of range, \
             expected 002–899 (or 900–999 for temporary/test ids)"
        );
        assert_eq!(
            p("010100-001F").unwrap_err(),
            IdError::IndividualNumberOutOfRange(1)
        );
        assert!(p("311299-0029").is_ok());
    }

    #[test]
    fn new_builds_and_checks_century() {
        let h = Hetu::new(date(2001, 5, 2), 999, 'A').unwrap();
        assert_eq!(h.as_str(), "020501A999T");
        let h = Hetu::new(date(1990, 1, 2), 952, '-').unwrap();
        assert_eq!(h.as_str(), "020190-9521");
        let e = Hetu::new(date(1999, 1, 1), 900, 'A').unwrap_err();
        assert_eq!(
            e,
            IdError::CenturyMismatch {
                sign: 'A',
                year: 1999
            }
        );
        assert_eq!(
            Hetu::new(date(1999, 1, 1), 900, 'a').unwrap_err(),
            IdError::BadCenturySign { found: 'a' }
        );
        assert_eq!(
            Hetu::new(date(1999, 1, 1), 1000, '-').unwrap_err(),
            IdError::IndividualNumberOutOfRange(1000)
        );
        assert_eq!(
            Hetu::with_default_sign(date(1813, 1, 1), 933)
                .unwrap()
                .as_str(),
            "010113+933W"
        );
        assert_eq!(
            Hetu::with_default_sign(date(1981, 2, 21), 998)
                .unwrap()
                .as_str(),
            "210281-9988"
        );
        assert_eq!(
            Hetu::with_default_sign(date(2011, 12, 31), 952)
                .unwrap()
                .as_str(),
            "311211A9527"
        );
        let e = Hetu::with_default_sign(date(2100, 1, 1), 900).unwrap_err();
        assert_eq!(e, IdError::YearOutOfRange { year: 2100 });
        assert_eq!(
            e.to_string(),
            "henkilötunnus: birth year 2100 cannot be encoded, only years 1800–2099 can"
        );
        assert!(Hetu::with_default_sign(date(1799, 12, 31), 900).is_err());
    }

    #[test]
    fn ordering_is_chronological() {
        let mut v: Vec<Hetu> = ["020501A999T", "010113+933W", "210281-9988", "020190-9521"]
            .iter()
            .map(|s| p(s).unwrap())
            .collect();
        v.sort();
        let s: Vec<&str> = v.iter().map(Hetu::as_str).collect();
        assert_eq!(
            s,
            ["010113+933W", "210281-9988", "020190-9521", "020501A999T"]
        );
    }

    fn signs_for(year: i16) -> &'static [char] {
        match year {
            1800..=1899 => &['+'],
            1900..=1999 => &['-', 'Y', 'X', 'W', 'V', 'U'],
            _ => &['A', 'B', 'C', 'D', 'E', 'F'],
        }
    }

    fn arb_date() -> impl Strategy<Value = Date> {
        (1800i16..=2099, 1i8..=12, 1i8..=31).prop_map(|(y, m, d)| {
            let first = Date::new(y, m, 1).unwrap();
            Date::new(y, m, d.min(first.days_in_month())).unwrap()
        })
    }

    fn arb_hetu() -> impl Strategy<Value = Hetu> {
        (arb_date(), 2u16..=999, any::<prop::sample::Index>()).prop_map(|(d, n, i)| {
            let signs = signs_for(d.year());
            Hetu::new(d, n, *i.get(signs)).unwrap()
        })
    }

    /// Digits, the check alphabet, every century sign, plus a few strays.
    fn corruption_alphabet() -> Vec<char> {
        let mut v: Vec<char> = "0123456789ABCDEFHJKLMNPRSTUVWXY+-GIOQZat Ä"
            .chars()
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    proptest! {
        #[test]
        fn new_then_display_then_parse_round_trips(h in arb_hetu()) {
            let back: Hetu = h.to_string().parse().unwrap();
            prop_assert_eq!(&back, &h);
            prop_assert_eq!(back.as_str(), h.as_str());
        }

        #[test]
        fn accessors_agree_with_new(d in arb_date(), n in 2u16..=999) {
            let h = Hetu::with_default_sign(d, n).unwrap();
            prop_assert_eq!(h.birth_date(), d);
            prop_assert_eq!(h.individual_number(), n);
            prop_assert_eq!(h.is_temporary(), n >= 900);
            prop_assert_eq!(h.sex() == Sex::Male, n % 2 == 1);
        }

        /// Any single-character change is rejected, except changing the century sign to
        /// another sign: the check character does not cover the sign, so that yields a
        /// different valid hetu (same century: same date; other century: the date moves
        /// by a multiple of 100 years, or is rejected if it was 29 Feb and the new year is
        /// not a leap year). Digit changes at position k alter DDMMYYNNN by d·10^k with
        /// 0 < |d| < 10; 31 is prime and divides neither d nor 10^k, so the check
        /// character always catches them. Replacing the check character with another
        /// table character is a mismatch since the table has no repeats.
        #[test]
        fn single_char_corruptions_are_rejected(h in arb_hetu()) {
            let orig: Vec<char> = h.as_str().chars().collect();
            for pos in 0..11 {
                for c in corruption_alphabet() {
                    if c == orig[pos] {
                        continue;
                    }
                    let mut v = orig.clone();
                    v[pos] = c;
                    let s: String = v.iter().collect();
                    let r = p(&s);
                    match (pos, century_base(c)) {
                        (6, Some(base)) => {
                            let old_base = century_base(orig[6]).unwrap();
                            let d = h.birth_date();
                            match r {
                                Ok(h2) => {
                                    prop_assert_ne!(&h2, &h);
                                    prop_assert_eq!(h2.century_sign(), c);
                                    prop_assert_eq!(h2.individual_number(), h.individual_number());
                                    prop_assert_eq!(h2.birth_date().year() - d.year(), base - old_base);
                                    prop_assert_eq!((h2.birth_date().month(), h2.birth_date().day()), (d.month(), d.day()));
                                }
                                Err(e) => {
                                    prop_assert_ne!(&base, &old_base);
                                    prop_assert!((d.month(), d.day()) == (2, 29), "{s}: {e}");
                                    let is_date_err = matches!(e, IdError::NonexistentDate { .. });
                                    prop_assert!(is_date_err);
                                }
                            }
                        }
                        _ => prop_assert!(r.is_err(), "{} accepted (from {})", s, h),
                    }
                }
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,14}") {
            if let Ok(h) = p(&s) {
                prop_assert_eq!(h.as_str(), s.as_str());
            }
        }

        #[test]
        fn parse_never_panics_near_misses(s in "[0-9]{6}[-+A-FU-Ya-z0-9 ][0-9]{3}[0-9A-Za-z]") {
            if let Ok(h) = p(&s) {
                prop_assert_eq!(h.to_string(), s);
            }
        }
    }
}
