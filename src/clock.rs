//! The register clock: now in Finnish local time, which stamps answers, dates ages and
//! seeds the default reference date of the configuration. A floor of its own so the
//! configuration and the operations read one clock without importing each other.

use jiff::Zoned;
use jiff::tz::TimeZone;

/// Now in Finnish local time, as the service stamps its answers.
pub fn helsinki_now() -> Zoned {
    let tz = TimeZone::get("Europe/Helsinki").unwrap_or(TimeZone::UTC);
    Zoned::now().with_time_zone(tz)
}
