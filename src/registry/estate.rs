//! Buildings, dwellings and properties (the register's "rakennus-, huoneisto- ja
//! kiinteistötiedot") as plain serde types, read from the fixture files and stored in sled
//! beside the persons. Relations are kept on both sides: a property lists its buildings and
//! a building names its property; a dwelling lists its residents and a resident's permanent
//! address names the dwelling. A building's dwellings are the dwellings whose identifier
//! starts with the building's VTJ-PRT (a prefix scan, see [`crate::registry::store`]).
//! Codes only, never rendered names; this file must not know about sled or XML.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::{DwellingId, Hetu, PropertyId, Prt};

/// A property unit (kiinteistöyksikkö).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Property {
    pub id: PropertyId,
    /// `KiinteistoyksikonNimi` (≤ 50 characters).
    #[serde(default)]
    pub name: Option<String>,
    /// Three-digit municipality number.
    pub municipality: String,
    /// The buildings on this property (kept in step with [`Building::property`]).
    #[serde(default)]
    pub buildings: Vec<Prt>,
}

/// A building, keyed by its permanent building identifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Building {
    pub prt: Prt,
    /// The old building identifier `KKK-SSS-RRRR-YYYY-T-nnn` (`RakennustunnusTyyppi`).
    #[serde(default)]
    pub old_id: Option<String>,
    pub property: PropertyId,
    pub address: BuildingAddress,
    /// Three-digit municipality number.
    pub municipality: String,
    /// `Kayttotarkoituskoodi`: Statistics Finland's 1994 use class, e.g. `011` detached
    /// house, `021` row house, `032` block of flats.
    pub use_code: String,
    /// `Rakennusluokkakoodi`: Statistics Finland's 2018 building class, e.g. `0110`, `0210`,
    /// `0320`.
    pub class_code: String,
    #[serde(default)]
    pub completed: Option<Date>,
}

/// The street address of a building.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildingAddress {
    pub street_fi: String,
    #[serde(default)]
    pub street_sv: Option<String>,
    pub number: String,
    pub postal_code: String,
    pub post_office_fi: String,
    #[serde(default)]
    pub post_office_sv: Option<String>,
}

/// A dwelling (huoneisto), keyed by its dwelling identifier (`Asuinpaikantunnus`), which
/// also carries its building, address number, stair, number and division letter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dwelling {
    pub id: DwellingId,
    /// `Huonelkm`: number of rooms (0–99).
    pub rooms: u8,
    /// Kitchen type: `K` kitchen, `KK` kitchenette, `KT` kitchen space, `` none.
    #[serde(default)]
    pub kitchen: String,
    /// `Pintaala`: floor area in whole square metres.
    pub floor_area: u32,
    /// The persons whose permanent address is this dwelling (kept in step with their
    /// `permanent_address.dwelling`).
    #[serde(default)]
    pub residents: Vec<Hetu>,
}

impl Dwelling {
    pub fn building(&self) -> &Prt {
        self.id.prt()
    }

    pub fn stair(&self) -> Option<char> {
        self.id.stair()
    }

    pub fn number(&self) -> Option<u16> {
        self.id.apartment()
    }

    pub fn division(&self) -> Option<char> {
        self.id.division()
    }

    /// `HuonelkmKeittiotyyppi` as the register writes it, e.g. `3H+K`.
    pub fn rooms_and_kitchen(&self) -> String {
        if self.kitchen.is_empty() {
            format!("{}H", self.rooms)
        } else {
            format!("{}H+{}", self.rooms, self.kitchen)
        }
    }
}

/// Kitchen types the fixtures accept.
pub const KITCHEN_TYPES: &[&str] = &["", "K", "KK", "KT"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dwelling_reads_its_parts_from_its_identifier() {
        let d = Dwelling {
            id: "90000009871B023 ".parse().unwrap(),
            rooms: 3,
            kitchen: "K".into(),
            floor_area: 74,
            residents: vec![],
        };
        assert_eq!(d.building().as_str(), "9000000987");
        assert_eq!(d.stair(), Some('B'));
        assert_eq!(d.number(), Some(23));
        assert_eq!(d.division(), None);
        assert_eq!(d.rooms_and_kitchen(), "3H+K");
    }
}
