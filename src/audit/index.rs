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
    time.parse::<jiff::Timestamp>()
        .map(|t| t.as_microsecond())
        .unwrap_or(0)
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

    #[test]
    fn one_value_is_not_a_prefix_of_another() {
        let k = value_key("ab", 9);
        assert!(k.starts_with(&value_prefix("ab")));
        assert!(!k.starts_with(&value_prefix("a")));
        assert_eq!(seq_of_key(&k), 9);
    }
}
