//! `[[fault]]` and `[faults]`: the fault-injection rules and the reserved test identity
//! codes. Their raw TOML types live with the rules they become ([`crate::faults`]); this
//! part checks each rule with its line.

use std::time::Duration;

use super::source::{ConfigError, Source};
use crate::faults::{Faults, RawFault, RawFaultSettings};

/// The configured rules, then (unless switched off) the reserved test codes.
pub fn faults(
    raw: &[toml::Spanned<RawFault>],
    settings: &RawFaultSettings,
    src: &Source,
) -> Result<Faults, ConfigError> {
    let file = src.file;
    let invalid = |message: String| src.invalid(message);
    let at = |span: std::ops::Range<usize>| src.line(span);
    let mut rules = Vec::new();
    for spanned in raw {
        let line = at(spanned.span());
        let rule = spanned
            .get_ref()
            .check(format!("{file}, line {line}"))
            .map_err(|m| invalid(format!("line {line}: fault: {m}")))?;
        rules.push(rule);
    }
    if settings.reserved_codes {
        rules.extend(crate::faults::reserved(Duration::from_secs(
            settings.timeout_secs,
        )));
    }
    let faults = Faults::new(rules);

    Ok(faults)
}
