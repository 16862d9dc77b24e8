//! Secondary indexes of the audit trail, so searches by subject, by end user and by time
//! read only what matches: sled trees whose keys are `value 0x00 seq` (subject identifier,
//! `Loppukayttaja`) or `time seq` (microseconds since 1970, order-preserving), with empty
//! values. Owns the key formats of the `audit.idx.*` trees; the sled store
//! (`sled_store.rs`) writes them with `audit.records` and removes them when it prunes.

use super::record::AuditRecord;

pub const BY_SUBJECT: &str = "audit.idx.subject";
pub const BY_END_USER: &str = "audit.idx.enduser";
pub const BY_TIME: &str = "audit.idx.time";

/// The three index trees.
#[derive(Clone)]
pub struct Indexes {
    pub subject: sled::Tree,
    pub end_user: sled::Tree,
    pub time: sled::Tree,
}

impl Indexes {
    pub fn open(db: &sled::Db) -> sled::Result<Self> {
        Ok(Indexes {
            subject: db.open_tree(BY_SUBJECT)?,
            end_user: db.open_tree(BY_END_USER)?,
            time: db.open_tree(BY_TIME)?,
        })
    }

    /// Index entries of one record: `(tree, key)`. The subjects ([`subjects`]) each once.
    pub fn entries<'a>(&'a self, r: &AuditRecord) -> Vec<(&'a sled::Tree, Vec<u8>)> {
        let mut out = Vec::with_capacity(3 + r.disclosed.len());
        for s in subjects(r) {
            out.push((&self.subject, value_key(s, r.seq)));
        }
        if let Some(user) = r.loppukayttaja.as_deref().filter(|u| !u.is_empty()) {
            out.push((&self.end_user, value_key(user, r.seq)));
        }
        out.push((&self.time, time_key(micros_of(&r.time), r.seq)));
        out
    }

    pub fn insert(&self, r: &AuditRecord) -> sled::Result<()> {
        for (tree, key) in self.entries(r) {
            tree.insert(key, &[])?;
        }
        Ok(())
    }

    pub fn remove(&self, r: &AuditRecord) -> sled::Result<()> {
        for (tree, key) in self.entries(r) {
            tree.remove(key)?;
        }
        // Earlier versions filed a criteria document as a subject too.
        if let Some((kind, value)) = &r.search_key
            && kind == CRITERIA_DOCUMENT
        {
            self.subject.remove(value_key(value, r.seq))?;
        }
        Ok(())
    }
}

/// The search key type of the identification and extraction queries: its value is a
/// criteria document, which names nobody, so it is not a subject.
pub const CRITERIA_DOCUMENT: &str = "HakuXml";

/// Whom (or what) a record is about: the search key's value when it is an identifier (not a
/// `HakuXml` criteria document) and every identifier the answer disclosed, each once.
pub fn subjects(r: &AuditRecord) -> Vec<&str> {
    let key = r
        .search_key
        .as_ref()
        .filter(|(kind, _)| kind != CRITERIA_DOCUMENT)
        .map(|(_, v)| v.as_str());
    let mut out: Vec<&str> = Vec::with_capacity(1 + r.disclosed.len());
    for s in key
        .into_iter()
        .chain(r.disclosed.iter().map(String::as_str))
    {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// `value 0x00 seq`: all entries of one value share the prefix `value 0x00`.
pub fn value_key(value: &str, seq: u64) -> Vec<u8> {
    let mut k = value_prefix(value);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

pub fn value_prefix(value: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(value.len() + 9);
    k.extend_from_slice(value.as_bytes());
    k.push(0);
    k
}

/// `time seq`, both big-endian; the time's sign bit is flipped so keys sort by time.
pub fn time_key(micros: i64, seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(16);
    k.extend_from_slice(&time_prefix(micros));
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

pub fn time_prefix(micros: i64) -> [u8; 8] {
    ((micros as u64) ^ (1 << 63)).to_be_bytes()
}

/// Microseconds since 1970 of an RFC 3339 time (0 when unreadable).
pub fn micros_of(time: &str) -> i64 {
    plain_micros(time).unwrap_or_else(|| jiff_micros(time))
}

#[cold]
#[inline(never)]
fn jiff_micros(time: &str) -> i64 {
    time.parse::<jiff::Timestamp>()
        .map(|t| t.as_microsecond())
        .unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` from 1970 to 9998 (jiff's range ends late on
/// 9999-12-30), the form records are written in
/// (jiff's `Timestamp` display), read without jiff's general parser: that took a third of
/// the memory index's instructions per record (`benches/audit_writer.sh`). `None` for
/// anything else (other forms, leap seconds, impossible dates), which jiff reads, so the
/// answer is always jiff's.
fn plain_micros(time: &str) -> Option<i64> {
    let b = time.as_bytes();
    let shape = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[b.len() - 1] == b'Z';
    if !shape {
        return None;
    }
    // A digit's value, or more than 9 for anything else.
    let digit = |i: usize| b[i].wrapping_sub(b'0') as u32;
    for i in [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18] {
        if digit(i) > 9 {
            return None;
        }
    }
    let two = |i: usize| digit(i) * 10 + digit(i + 1);
    let (year, month, day) = (two(0) * 100 + two(2), two(5), two(8));
    let (hour, minute, second) = (two(11), two(14), two(17));
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', f @ ..] if (1..=9).contains(&f.len()) => {
            let mut n = 0u32;
            for &c in f {
                let d = c.wrapping_sub(b'0') as u32;
                if d > 9 {
                    return None;
                }
                n = n * 10 + d;
            }
            n * 10u32.pow(9 - f.len() as u32)
        }
        _ => return None,
    };
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if !(1970..=9998).contains(&year)
        || day == 0
        || day > month_days
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    // Days since 1970-01-01 of a proleptic Gregorian date (years counted from March).
    let (y, m) = match month {
        1 | 2 => (year as i64 - 1, month as i64 + 9),
        _ => (year as i64, month as i64 - 3),
    };
    let (era, of_era) = (y / 400, y % 400);
    let of_year = (153 * m + 2) / 5 + day as i64 - 1;
    let days = era * 146_097 + of_era * 365 + of_era / 4 - of_era / 100 + of_year - 719_468;
    let seconds = days * 86_400 + hour as i64 * 3600 + minute as i64 * 60 + second as i64;
    Some(seconds * 1_000_000 + (nanos / 1000) as i64)
}

/// The sequence number at the end of an index key.
pub fn seq_of_key(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&key[key.len() - 8..]);
    u64::from_be_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_keys_sort_by_time_then_seq_across_1970() {
        let mut keys = [
            time_key(5, 1),
            time_key(-5, 2),
            time_key(0, 3),
            time_key(5, 0),
        ];
        keys.sort();
        let seqs: Vec<u64> = keys.iter().map(|k| seq_of_key(k)).collect();
        assert_eq!(seqs, [2, 3, 0, 1]);
    }

    fn record(search_key: (&str, &str), disclosed: &[&str]) -> AuditRecord {
        serde_json::from_value(serde_json::json!({
            "time": "2026-11-21T10:00:00Z", "request_id": "r", "cert_sha256": "",
            "cert_subject": "", "interface": "direct", "operation": "op",
            "search_key": [search_key.0, search_key.1], "disclosed": disclosed,
            "return_code": "0000", "groups": [], "non_disclosure_applied": false,
            "duration_us": 1
        }))
        .unwrap()
    }

    #[test]
    fn subjects_are_identifiers_not_criteria_documents() {
        let r = record(("SahkoinenAsiointitunnus", "100000420"), &["030370-946X"]);
        assert_eq!(subjects(&r), ["100000420", "030370-946X"]);
        let r = record(("Henkilotunnus", "020501A999T"), &["020501A999T"]);
        assert_eq!(subjects(&r), ["020501A999T"]);
        let doc = "<HenkilonTunnistusHaku>…</HenkilonTunnistusHaku>";
        let r = record((CRITERIA_DOCUMENT, doc), &["020501A999T"]);
        assert_eq!(subjects(&r), ["020501A999T"]);
        assert!(subjects(&record((CRITERIA_DOCUMENT, doc), &[])).is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Every time jiff writes from 1970 to 9998 is read without jiff, as jiff reads it.
        #[test]
        fn record_times_are_read_as_jiff_reads_them(
            seconds in 0i64..253_370_764_800,
            nanos in proptest::prop_oneof![0i32..1_000_000_000, proptest::prelude::Just(0)],
        ) {
            let t = jiff::Timestamp::new(seconds, nanos).unwrap();
            let text = t.to_string();
            proptest::prop_assert_eq!(plain_micros(&text), Some(t.as_microsecond()), "{}", text);
            proptest::prop_assert_eq!(micros_of(&text), t.as_microsecond());
        }

        /// Whatever else the fast path reads, it reads as jiff does (or leaves it to jiff).
        #[test]
        fn the_fast_path_never_differs_from_jiff(
            seconds in 0i64..=jiff::Timestamp::MAX.as_second(),
            nanos in 0i32..1_000_000_000,
            edits in proptest::collection::vec(
                (0usize..40, proptest::sample::select(b"0123456789-:.TZtz +9".to_vec()), 0u8..3),
                1..4,
            ),
        ) {
            let mut text = jiff::Timestamp::new(seconds, nanos).unwrap().to_string().into_bytes();
            for (at, c, how) in edits {
                let at = at.min(text.len());
                match how {
                    0 if at < text.len() => text[at] = c,
                    1 => text.insert(at, c),
                    _ if at < text.len() => {
                        text.remove(at);
                    }
                    _ => {}
                }
            }
            let text = String::from_utf8(text).unwrap();
            let jiff = text.parse::<jiff::Timestamp>().map(|t| t.as_microsecond()).ok();
            if let Some(fast) = plain_micros(&text) {
                proptest::prop_assert_eq!(Some(fast), jiff, "{}", text);
            }
            proptest::prop_assert_eq!(micros_of(&text), jiff.unwrap_or(0));
        }
    }

    /// Every day of 1970 to 2200, and the ends and starts of every month to 9998 (leap
    /// days, century years), as jiff counts them.
    #[test]
    fn the_calendar_is_jiffs() {
        let check = |text: String| {
            let jiff = text.parse::<jiff::Timestamp>().map(|t| t.as_microsecond());
            assert_eq!(plain_micros(&text), jiff.ok(), "{text}");
        };
        let mut day = jiff::civil::date(1970, 1, 1);
        while day.year() <= 2200 {
            check(format!("{day}T23:59:59.999999Z"));
            day = day.tomorrow().unwrap();
        }
        for year in 1970..=9998 {
            for month in 1..=12 {
                for d in [1, 28, 29, 30, 31] {
                    let text = format!("{year:04}-{month:02}-{d:02}T00:00:00Z");
                    let valid = jiff::civil::Date::new(year, month, d).is_ok();
                    assert_eq!(plain_micros(&text).is_some(), valid, "{text}");
                    if valid {
                        check(text);
                    }
                }
            }
        }
    }

    #[test]
    fn impossible_and_unusual_times_are_left_to_jiff() {
        for (text, fast) in [
            ("2024-02-29T12:00:00Z", true),
            ("2000-02-29T00:00:00.000001Z", true),
            ("1970-01-01T00:00:00Z", true),
            ("9998-12-31T23:59:59.999999999Z", true),
            ("9999-12-30T22:00:00.999999999Z", false),
            ("9999-12-31T23:59:59.999999999Z", false),
            ("2023-02-29T12:00:00Z", false),
            ("1900-02-29T12:00:00Z", false),
            ("2026-04-31T00:00:00Z", false),
            ("2026-13-01T00:00:00Z", false),
            ("2026-00-10T00:00:00Z", false),
            ("2026-01-00T00:00:00Z", false),
            ("2026-01-01T24:00:00Z", false),
            ("2026-06-30T23:59:60Z", false),
            ("2026-01-01T00:00:00.Z", false),
            ("2026-01-01T00:00:00.1234567891Z", false),
            ("2026-01-01t00:00:00z", false),
            ("2026-01-01T00:00:00+02:00", false),
            ("1969-12-31T23:59:59.5Z", false),
            ("", false),
        ] {
            let jiff = text.parse::<jiff::Timestamp>().map(|t| t.as_microsecond());
            assert_eq!(plain_micros(text).is_some(), fast, "{text}");
            assert_eq!(micros_of(text), jiff.clone().unwrap_or(0), "{text}");
            if fast {
                assert_eq!(plain_micros(text), jiff.ok(), "{text}");
            }
        }
    }

    #[test]
    fn one_value_is_not_a_prefix_of_another() {
        let k = value_key("ab", 9);
        assert!(k.starts_with(&value_prefix("ab")));
        assert!(!k.starts_with(&value_prefix("a")));
        assert_eq!(seq_of_key(&k), 9);
    }
}
