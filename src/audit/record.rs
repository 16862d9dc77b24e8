//! The audit record: who (organisation, certificate, service user, end user) asked what
//! (operation, product, search key) and what they got (return code, data groups). Never
//! holds a password. Its stored bytes (what the chain hashes) are its JSON as serde_json
//! writes it, written here by hand ([`AuditRecord::write_json`]).

use serde::{Deserialize, Serialize};

/// One query as the audit trail keeps it.
///
/// The writer stores it as [`AuditRecord::write_json`] writes it, byte for byte what
/// `serde_json` writes for this derive: a field added, moved or renamed here must be so
/// there too (the tests compare the two over arbitrary records).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the log, assigned when appended (0 before).
    #[serde(default)]
    pub seq: u64,
    /// UTC time the query was received, RFC 3339.
    pub time: String,
    pub request_id: String,
    /// The organisation the client certificate maps to, if any.
    pub organisation: Option<String>,
    pub cert_sha256: String,
    pub cert_subject: String,
    /// `direct` (SoSo) or `xroad`.
    pub interface: String,
    #[serde(default)]
    pub xroad_client: Option<String>,
    #[serde(default)]
    pub xroad_user_id: Option<String>,
    pub operation: String,
    pub kayttajatunnus: Option<String>,
    pub loppukayttaja: Option<String>,
    pub product: Option<String>,
    /// The search criterion's element name and value (e.g. `Henkilotunnus`, the code).
    pub search_key: Option<(String, String)>,
    /// Identifiers of whom (or what) the answer carried data about, where the search key
    /// does not name them: the identity code of the person an identification search found,
    /// of the persons an extraction listed, of the person an electronic service identifier
    /// or a passive identity code led to; the building or property an identification by
    /// address or name found. Indexed as subjects with the search key, so a subject report
    /// lists these answers too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disclosed: Vec<String>,
    /// The `Paluukoodi` returned, or `fault` for a SOAP fault.
    pub return_code: String,
    /// Data groups that carried person data in the answer.
    pub groups: Vec<String>,
    /// Non-disclosure (turvakielto) withheld location data from this answer.
    pub non_disclosure_applied: bool,
    /// The injected fault that shaped this answer (kind and rule), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_injected: Option<String>,
    /// Why the query was refused before any search (lock, idle user, permit, quota …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_because: Option<String>,
    /// Microseconds from request received to response ready.
    pub duration_us: u64,
    /// SHA-256 (hex) of the previous record's stored bytes; empty for the first record.
    #[serde(default)]
    pub prev_sha256: String,
    /// SHA-256 (hex) of the response body sent (empty when none was built).
    #[serde(default)]
    pub response_sha256: String,
    /// For an auditor's read (`audit.*` operations): the filters it used, as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<String>,
}

impl AuditRecord {
    /// Appends the record's JSON to `out`: byte for byte what `serde_json::to_writer`
    /// writes for it (the fields in their order, `null` for `None`, the skipped ones
    /// skipped, strings escaped as serde_json escapes them). The chain hashes these bytes,
    /// so they must never differ from what records were stored as. Written by hand
    /// because serde_json escapes strings a byte at a time through `io::Write`: that was
    /// half the writer's instructions per record outside SHA-256 (`benches/audit_writer.sh`).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"seq\":");
        number(out, self.seq);
        out.extend_from_slice(b",\"time\":");
        string(out, &self.time);
        out.extend_from_slice(b",\"request_id\":");
        string(out, &self.request_id);
        out.extend_from_slice(b",\"organisation\":");
        optional(out, self.organisation.as_deref());
        out.extend_from_slice(b",\"cert_sha256\":");
        string(out, &self.cert_sha256);
        out.extend_from_slice(b",\"cert_subject\":");
        string(out, &self.cert_subject);
        out.extend_from_slice(b",\"interface\":");
        string(out, &self.interface);
        out.extend_from_slice(b",\"xroad_client\":");
        optional(out, self.xroad_client.as_deref());
        out.extend_from_slice(b",\"xroad_user_id\":");
        optional(out, self.xroad_user_id.as_deref());
        out.extend_from_slice(b",\"operation\":");
        string(out, &self.operation);
        out.extend_from_slice(b",\"kayttajatunnus\":");
        optional(out, self.kayttajatunnus.as_deref());
        out.extend_from_slice(b",\"loppukayttaja\":");
        optional(out, self.loppukayttaja.as_deref());
        out.extend_from_slice(b",\"product\":");
        optional(out, self.product.as_deref());
        out.extend_from_slice(b",\"search_key\":");
        match &self.search_key {
            Some((kind, value)) => {
                out.push(b'[');
                string(out, kind);
                out.push(b',');
                string(out, value);
                out.push(b']');
            }
            None => out.extend_from_slice(b"null"),
        }
        if !self.disclosed.is_empty() {
            out.extend_from_slice(b",\"disclosed\":");
            list(out, &self.disclosed);
        }
        out.extend_from_slice(b",\"return_code\":");
        string(out, &self.return_code);
        out.extend_from_slice(b",\"groups\":");
        list(out, &self.groups);
        out.extend_from_slice(match self.non_disclosure_applied {
            true => b",\"non_disclosure_applied\":true",
            false => b",\"non_disclosure_applied\":false",
        });
        if let Some(f) = &self.fault_injected {
            out.extend_from_slice(b",\"fault_injected\":");
            string(out, f);
        }
        if let Some(r) = &self.refused_because {
            out.extend_from_slice(b",\"refused_because\":");
            string(out, r);
        }
        out.extend_from_slice(b",\"duration_us\":");
        number(out, self.duration_us);
        out.extend_from_slice(b",\"prev_sha256\":");
        string(out, &self.prev_sha256);
        out.extend_from_slice(b",\"response_sha256\":");
        string(out, &self.response_sha256);
        if let Some(f) = &self.filters {
            out.extend_from_slice(b",\"filters\":");
            string(out, f);
        }
        out.push(b'}');
    }
}

/// A `u64` in decimal, as serde_json (itoa) writes it.
fn number(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

fn optional(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn list(out: &mut Vec<u8>, items: &[String]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

/// A JSON string as serde_json writes it: UTF-8 as is, `"` and `\` escaped with a
/// backslash, the control characters below 0x20 as `\b`, `\t`, `\n`, `\f`, `\r` or
/// `\u00xx` (lower-case hex); nothing else escaped (not `/`, not 0x7f).
fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if needs_escape(bytes) {
        escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// Whether any byte is below 0x20, `"` or `\`. Strings of 16 bytes or more are tested
/// 16 bytes at a time (the compiler makes each block a few vector instructions), the last
/// block overlapping the one before; shorter ones as one or two words, overlapping too.
fn needs_escape(bytes: &[u8]) -> bool {
    let n = bytes.len();
    if n >= 16 {
        for block in bytes[..n - 1].chunks_exact(16) {
            if special_block(block.try_into().expect("16 bytes")) {
                return true;
            }
        }
        special_block(bytes[n - 16..].try_into().expect("16 bytes"))
    } else if n >= 8 {
        let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        special_word(word(0)) || special_word(word(n - 8))
    } else if n >= 4 {
        let half =
            |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as u64;
        special_word(half(0) | half(n - 4) << 32)
    } else {
        bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
    }
}

#[inline]
fn special_block(block: &[u8; 16]) -> bool {
    let special = |b: u8| ((b < 0x20) | (b == b'"') | (b == b'\\')) as u8;
    block.iter().fold(0, |any, &b| any | special(b)) != 0
}

/// Whether a word holds a byte below 0x20, `"` or `\` (bit tricks that answer exactly
/// whether there is one; which one is `escaped`'s business).
#[inline]
fn special_word(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of some byte set iff some byte of `w` is below `n` (n ≤ 0x80).
    let below = |w: u64, n: u64| w.wrapping_sub(ONES * n) & !w & HIGH;
    (below(w, 0x20) | below(w ^ (ONES * b'"' as u64), 1) | below(w ^ (ONES * b'\\' as u64), 1)) != 0
}

/// The rare string that needs escaping (out of line: the common path stays small).
#[cold]
#[inline(never)]
fn escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut plain_from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x09 => b't',
            0x0a => b'n',
            0x0c => b'f',
            0x0d => b'r',
            0x00..=0x1f => 0,
            _ => continue,
        };
        out.extend_from_slice(&bytes[plain_from..i]);
        plain_from = i + 1;
        if short != 0 {
            out.extend_from_slice(&[b'\\', short]);
        } else {
            let (hi, lo) = (HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]);
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hi, lo]);
        }
    }
    out.extend_from_slice(&bytes[plain_from..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn serde(r: &AuditRecord) -> Vec<u8> {
        serde_json::to_vec(r).unwrap()
    }

    fn by_hand(r: &AuditRecord) -> Vec<u8> {
        let mut out = Vec::new();
        r.write_json(&mut out);
        out
    }

    /// Characters that JSON escapes or that sit at the edges of the escaping rules, and
    /// others of one to four bytes in UTF-8.
    fn tricky() -> impl Strategy<Value = char> {
        prop_oneof![
            4 => prop::sample::select(vec![
                '"', '\\', '/', '\n', '\r', '\t', '\u{8}', '\u{c}', '\0', '\u{1}', '\u{b}',
                '\u{1f}', '\u{20}', '\u{7f}', '\u{80}', '\u{9f}', 'ä', 'Ö', '€', '\u{2028}',
                '\u{feff}', '😀', '\u{10ffff}', 'u', '0', 'a', 'Z',
            ]),
            2 => proptest::char::range('\0', '\u{7f}'),
            1 => any::<char>(),
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            1 => Just(String::new()),
            6 => prop::collection::vec(tricky(), 0..40).prop_map(String::from_iter),
            2 => "[0-9a-f]{64}",
            1 => any::<String>(),
        ]
    }

    fn maybe() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(text())
    }

    fn texts() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(text(), 0..6)
    }

    fn record() -> impl Strategy<Value = AuditRecord> {
        (
            (
                any::<u64>(),
                text(),
                text(),
                maybe(),
                text(),
                text(),
                text(),
            ),
            (maybe(), maybe(), text(), maybe(), maybe(), maybe()),
            (
                proptest::option::of((text(), text())),
                texts(),
                text(),
                texts(),
            ),
            (
                any::<bool>(),
                maybe(),
                maybe(),
                any::<u64>(),
                text(),
                text(),
                maybe(),
            ),
        )
            .prop_map(|(a, b, c, d)| AuditRecord {
                seq: a.0,
                time: a.1,
                request_id: a.2,
                organisation: a.3,
                cert_sha256: a.4,
                cert_subject: a.5,
                interface: a.6,
                xroad_client: b.0,
                xroad_user_id: b.1,
                operation: b.2,
                kayttajatunnus: b.3,
                loppukayttaja: b.4,
                product: b.5,
                search_key: c.0,
                disclosed: c.1,
                return_code: c.2,
                groups: c.3,
                non_disclosure_applied: d.0,
                fault_injected: d.1,
                refused_because: d.2,
                duration_us: d.3,
                prev_sha256: d.4,
                response_sha256: d.5,
                filters: d.6,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_hand_written_json_is_serde_jsons(r in record()) {
            prop_assert_eq!(by_hand(&r), serde(&r));
        }

        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(s in text()) {
            let mut out = Vec::new();
            string(&mut out, &s);
            prop_assert_eq!(out, serde_json::to_vec(&s).unwrap());
        }

        #[test]
        fn numbers_are_written_as_serde_json_writes_them(n in any::<u64>()) {
            let mut out = Vec::new();
            number(&mut out, n);
            prop_assert_eq!(out, serde_json::to_vec(&n).unwrap());
        }
    }

    /// Every byte value, alone and at each position of a word and of a word's tail, so
    /// the word-at-a-time test meets each case in every lane.
    #[test]
    fn each_byte_in_each_lane_is_escaped_as_serde_json_escapes_it() {
        for c in (0u32..0x80).chain([0xe4, 0x20ac, 0x1f600]) {
            let c = char::from_u32(c).unwrap();
            for len in 1..=40 {
                for at in 0..len {
                    let s: String = (0..len).map(|i| if i == at { c } else { 'x' }).collect();
                    let mut out = Vec::new();
                    string(&mut out, &s);
                    assert_eq!(out, serde_json::to_vec(&s).unwrap(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn real_records_are_written_as_serde_json_writes_them() {
        let groups = [
            "Henkilotunnus",
            "NykyinenSukunimi",
            "NykyisetEtunimet",
            "VakinainenKotimainenLahiosoite",
            "Kotikunta",
            "Aidinkieli",
        ];
        let query = AuditRecord {
            seq: 1_234_567,
            time: "2026-03-14T09:26:53.589793238Z".into(),
            request_id: "18a2b3c4d5e6f708-1f".into(),
            organisation: Some("demo".into()),
            cert_sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            cert_subject: "CN=Demo Oy testijärjestelmä, O=Demo Oy, C=FI".into(),
            interface: "direct".into(),
            xroad_client: None,
            xroad_user_id: None,
            operation: "TeeHenkilonTunnusKysely".into(),
            kayttajatunnus: Some("demo".into()),
            loppukayttaja: Some("tester".into()),
            product: Some("PERUSSANOMA 3".into()),
            search_key: Some(("Henkilotunnus".into(), "020501A999T".into())),
            disclosed: Vec::new(),
            return_code: "0000".into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            non_disclosure_applied: false,
            refused_because: None,
            fault_injected: None,
            duration_us: 812,
            prev_sha256: "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752".into(),
            response_sha256: "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9"
                .into(),
            filters: None,
        };
        // An identification search: its criteria document as the key, the person disclosed,
        // data withheld, a fault injected.
        let search = AuditRecord {
            search_key: Some((
                "HakuXml".into(),
                "<HenkilonTunnistusHaku>\n\t<Sukunimi>Möttönen \"Testi\"</Sukunimi>\\\r\n</HenkilonTunnistusHaku>"
                    .into(),
            )),
            disclosed: vec!["020501A999T".into(), "030370-946X".into()],
            non_disclosure_applied: true,
            fault_injected: Some("delay: rule 2".into()),
            ..query.clone()
        };
        // A refused query and an auditor's read.
        let refused = AuditRecord {
            organisation: None,
            kayttajatunnus: None,
            loppukayttaja: None,
            product: None,
            search_key: None,
            return_code: "0004".into(),
            groups: Vec::new(),
            refused_because: Some("the organisation's quota (200/s) is used".into()),
            prev_sha256: String::new(),
            ..query.clone()
        };
        let read = AuditRecord {
            interface: "admin".into(),
            operation: "audit.search".into(),
            xroad_client: Some("FI/GOV/0245437-2/system".into()),
            xroad_user_id: Some("FI\u{1}user".into()),
            filters: Some(r#"{"subject":"020501A999T","limit":100}"#.into()),
            ..refused.clone()
        };
        for r in [query, search, refused, read] {
            assert_eq!(
                String::from_utf8(by_hand(&r)).unwrap(),
                String::from_utf8(serde(&r)).unwrap()
            );
        }
    }
}
