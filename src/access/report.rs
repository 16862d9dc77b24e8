//! `config check`: a checked configuration described for its administrator, organisation
//! by organisation: how clients are recognised, who the service users are, what each may
//! use, the permit flags and quotas, and which users are deactivated or close to it.

use std::fmt::Write as _;

use jiff::Timestamp;

use super::idle::{self, IdleStatus, LastUse};
use super::{Access, CertMatcher};

/// Users this close to deactivation are flagged.
const WARN_DAYS: i64 = 14;

/// The report; `last_use` is `None` when the store is not available (then idle status is
/// not shown).
pub fn describe(access: &Access, last_use: Option<&LastUse>, now: Timestamp) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "lockout: {} wrong passwords lock a user for {:?}; users unused for {:#} are deactivated",
        access.lockout.max_failures, access.lockout.cooling, access.idle_after
    );
    for o in access.organisations() {
        let _ = writeln!(
            out,
            "\norganisation {} ({}){}",
            o.id,
            o.name,
            o.business_id
                .as_ref()
                .map(|b| format!(", business id {b}"))
                .unwrap_or_default()
        );
        for c in &o.certificates {
            let _ = match c {
                CertMatcher::Sha256(f) => writeln!(out, "  certificate SHA-256 {}", hex::encode(f)),
                CertMatcher::SubjectOrganisation(s) => writeln!(out, "  certificate subject O={s}"),
            };
        }
        let p = o.permit;
        let yes = |b: bool| if b { "yes" } else { "no" };
        let _ = writeln!(
            out,
            "  permit: non-disclosure addresses {}, deceased persons {}, identification searches {}, extraction {}",
            yes(p.non_disclosure),
            yes(p.deceased),
            yes(p.identification),
            yes(p.extraction)
        );
        let limit = |n: Option<u32>| n.map_or("unlimited".to_string(), |n| n.to_string());
        let _ = writeln!(
            out,
            "  quota: {}/s, {}/day",
            limit(o.quota.per_second),
            limit(o.quota.per_day)
        );
        let _ = writeln!(out, "  products: {}", o.products.join(", "));
        let _ = writeln!(out, "  operations: {}", o.operations.join(", "));
        if o.users.is_empty() {
            let _ = writeln!(
                out,
                "  (no service users: every query is refused with -1500)"
            );
        }
        for u in &o.users {
            let _ = writeln!(out, "  user {}", u.kayttajatunnus);
            if let Some(list) = &u.products {
                let _ = writeln!(out, "    products: {}", list.join(", "));
            }
            if let Some(list) = &u.operations {
                let _ = writeln!(out, "    operations: {}", list.join(", "));
            }
            let Some(store) = last_use else { continue };
            let last = match store.get(&o.id, &u.kayttajatunnus) {
                Ok(Some(t)) => t,
                Ok(None) => {
                    let _ = writeln!(
                        out,
                        "    never seen by the server (the idle period starts when it is)"
                    );
                    continue;
                }
                Err(e) => {
                    let _ = writeln!(out, "    last use: unknown ({e})");
                    continue;
                }
            };
            let _ = match idle::status(last, u.reactivated, access.idle_after, now) {
                IdleStatus::Deactivated { since } => writeln!(
                    out,
                    "    DEACTIVATED since {since} (last use {last}); reactivate with `reactivated = <date>`"
                ),
                IdleStatus::Active { deactivates_at }
                    if deactivates_at < now + jiff::SignedDuration::from_hours(24 * WARN_DAYS) =>
                {
                    writeln!(
                        out,
                        "    deactivates soon, on {deactivates_at} (last use {last})"
                    )
                }
                IdleStatus::Active { .. } => writeln!(out, "    active (last use {last})"),
            };
        }
    }
    out
}
