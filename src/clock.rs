//! The register clock: now in Finnish local time, which stamps answers, dates ages and
//! seeds the default reference date of the configuration. A floor of its own so the
//! configuration and the operations read one clock without importing each other.

use jiff::Zoned;
use jiff::tz::TimeZone;

/// Now in Finnish local time, as the service stamps its answers.
pub fn helsinki_now() -> Zoned {
    jiff::Timestamp::now().to_zoned(helsinki().clone())
}

/// Finland's time zone, looked up in the time zone database once (a clone is a reference
/// count; the lookup itself is a search of the database on every call).
pub fn helsinki() -> &'static TimeZone {
    static TZ: std::sync::OnceLock<TimeZone> = std::sync::OnceLock::new();
    TZ.get_or_init(|| TimeZone::get("Europe/Helsinki").unwrap_or(TimeZone::UTC))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_in_helsinki_time_as_a_fresh_lookup_gives_it() {
        let now = helsinki_now();
        let fresh = now
            .timestamp()
            .to_zoned(TimeZone::get("Europe/Helsinki").unwrap());
        assert_eq!(now.time_zone().iana_name(), Some("Europe/Helsinki"));
        assert_eq!(now.offset(), fresh.offset());
        assert_eq!(now.datetime(), fresh.datetime());
    }
}
