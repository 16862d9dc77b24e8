//! The population's data model: persons and the groups of data VTJ keeps about them, as
//! plain serde types. The same types are read from the fixture files and stored in sled;
//! they hold facts only (codes, dates, names), never rendered text such as municipality
//! names, which come from [`crate::registry::codes`] at render time.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::{DwellingId, Hetu, Satu};

/// A person in the register, keyed by their active personal identity code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub hetu: Hetu,
    /// Earlier identity codes of this person, now passive (they lead here).
    #[serde(default)]
    pub passive_hetus: Vec<Hetu>,
    #[serde(default)]
    pub satu: Option<Satu>,
    pub last_name: String,
    pub first_names: String,
    #[serde(default)]
    pub call_name: Option<String>,
    #[serde(default)]
    pub former_names: Vec<FormerName>,
    /// Sex code 1 (male) or 2 (female); when absent, the identity code's parity decides.
    #[serde(default)]
    pub sex: Option<u8>,
    #[serde(default)]
    pub death_date: Option<Date>,
    #[serde(default)]
    pub declared_dead_date: Option<Date>,
    /// ISO 639-1 code, or 98/99 as the catalogue allows.
    #[serde(default)]
    pub mother_tongue: Option<String>,
    /// `fi` or `sv`.
    #[serde(default)]
    pub service_language: Option<String>,
    #[serde(default)]
    pub citizenships: Vec<Citizenship>,
    /// ISO 3166 numeric code of the country of birth.
    #[serde(default)]
    pub birth_country: Option<String>,
    #[serde(default)]
    pub foreign_birthplace: Option<ForeignBirthplace>,
    #[serde(default)]
    pub foreign_ids: Vec<ForeignId>,
    #[serde(default)]
    pub permanent_address: Option<DomesticAddress>,
    #[serde(default)]
    pub permanent_foreign_address: Option<ForeignAddress>,
    #[serde(default)]
    pub temporary_addresses: Vec<DomesticAddress>,
    #[serde(default)]
    pub temporary_foreign_addresses: Vec<ForeignAddress>,
    #[serde(default)]
    pub postal_addresses: Vec<PostalAddress>,
    #[serde(default)]
    pub foreign_postal_addresses: Vec<ForeignPostalAddress>,
    #[serde(default)]
    pub home_municipality: Option<HomeMunicipality>,
    /// Non-disclosure for personal safety (turvakielto).
    #[serde(default)]
    pub non_disclosure: Option<NonDisclosure>,
    /// Guardians of this (minor) person, by identity code.
    #[serde(default)]
    pub guardians: Vec<GuardianLink>,
    /// Persons this person is guardian of (kept in step with `guardians` of the other side).
    #[serde(default)]
    pub dependants: Vec<Hetu>,
    #[serde(default)]
    pub children: Vec<Hetu>,
    #[serde(default)]
    pub guardianship: Option<Guardianship>,
    #[serde(default)]
    pub powers_of_attorney: Vec<PowerOfAttorney>,
    #[serde(default)]
    pub occupation: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Taken into care by the social services (`Huostaanotto`).
    #[serde(default)]
    pub taken_into_care: bool,
}

impl Person {
    /// A person with only an identity code and names; every other group empty.
    pub fn new(hetu: Hetu, last_name: String, first_names: String) -> Person {
        Person {
            hetu,
            passive_hetus: Vec::new(),
            satu: None,
            last_name,
            first_names,
            call_name: None,
            former_names: Vec::new(),
            taken_into_care: false,
            sex: None,
            death_date: None,
            declared_dead_date: None,
            mother_tongue: None,
            service_language: None,
            citizenships: Vec::new(),
            birth_country: None,
            foreign_birthplace: None,
            foreign_ids: Vec::new(),
            permanent_address: None,
            permanent_foreign_address: None,
            temporary_addresses: Vec::new(),
            temporary_foreign_addresses: Vec::new(),
            postal_addresses: Vec::new(),
            foreign_postal_addresses: Vec::new(),
            home_municipality: None,
            non_disclosure: None,
            guardians: Vec::new(),
            dependants: Vec::new(),
            children: Vec::new(),
            guardianship: None,
            powers_of_attorney: Vec::new(),
            occupation: None,
            email: None,
        }
    }

    /// Sex code `1` or `2`: the recorded one, else the identity code's parity.
    pub fn sex_code(&self) -> u8 {
        self.sex.unwrap_or_else(|| match self.hetu.sex() {
            crate::ids::Sex::Male => 1,
            crate::ids::Sex::Female => 2,
        })
    }

    pub fn birth_date(&self) -> Date {
        self.hetu.birth_date()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormerName {
    pub name: String,
    /// Catalogue `EntinenNimiLajikoodiTyyppi`: 05 … 13.
    pub kind: String,
    #[serde(default)]
    pub start: Option<Date>,
    #[serde(default)]
    pub end: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Citizenship {
    /// ISO 3166 numeric (246 = Finland).
    pub country: String,
    #[serde(default)]
    pub since: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignBirthplace {
    pub place: String,
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignId {
    pub number: String,
    pub country: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A domestic street address, kept in parts; the combined `Lahiosoite` strings and the
/// structured `Osoite` groups are both rendered from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomesticAddress {
    pub street_fi: String,
    #[serde(default)]
    pub street_sv: Option<String>,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub stair: Option<String>,
    #[serde(default)]
    pub apartment: Option<u16>,
    #[serde(default)]
    pub division: Option<String>,
    pub postal_code: String,
    pub post_office_fi: String,
    #[serde(default)]
    pub post_office_sv: Option<String>,
    #[serde(default)]
    pub start: Option<Date>,
    #[serde(default)]
    pub end: Option<Date>,
    /// The dwelling (`Asuinpaikantunnus`) of a permanent address.
    #[serde(default)]
    pub dwelling: Option<DwellingId>,
}

impl DomesticAddress {
    /// The combined street address in Finnish (`LahiosoiteS`), e.g. `Kauppa Puistikko 6 B 23`.
    pub fn line_fi(&self) -> String {
        self.line(&self.street_fi)
    }

    /// The combined street address in Swedish (`LahiosoiteR`), empty when there is no
    /// Swedish street name.
    pub fn line_sv(&self) -> String {
        self.street_sv
            .as_deref()
            .map(|s| self.line(s))
            .unwrap_or_default()
    }

    fn line(&self, street: &str) -> String {
        let mut s = String::with_capacity(street.len() + 16);
        s.push_str(street);
        for part in [self.number.as_deref(), self.stair.as_deref()]
            .into_iter()
            .flatten()
        {
            s.push(' ');
            s.push_str(part);
        }
        if let Some(apt) = self.apartment {
            s.push(' ');
            crate::xml::push_decimal(&mut s, apt.into(), 0);
        }
        if let Some(d) = &self.division {
            s.push_str(d);
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignAddress {
    pub street: String,
    /// Locality and country as one line (`UlkomainenPaikkakuntaJaValtio`).
    pub locality_fi: String,
    #[serde(default)]
    pub locality_sv: Option<String>,
    pub country: String,
    #[serde(default)]
    pub start: Option<Date>,
    #[serde(default)]
    pub end: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostalAddress {
    pub address_fi: String,
    #[serde(default)]
    pub address_sv: Option<String>,
    pub postal_code: String,
    pub post_office_fi: String,
    #[serde(default)]
    pub post_office_sv: Option<String>,
    #[serde(default)]
    pub start: Option<Date>,
    #[serde(default)]
    pub end: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignPostalAddress {
    pub street: String,
    pub locality: String,
    pub country: String,
    #[serde(default)]
    pub start: Option<Date>,
    #[serde(default)]
    pub end: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeMunicipality {
    /// Three-digit municipality number (Statistics Finland).
    pub code: String,
    #[serde(default)]
    pub since: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NonDisclosure {
    #[serde(default)]
    pub until: Option<Date>,
}

/// A guardian of a minor and the custody details of that relation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardianLink {
    pub hetu: Hetu,
    /// `Henkilosuhdelajikoodi`: 03 parent, 06 other guardian, 36 parent by court order.
    #[serde(default = "parent_relation")]
    pub relation: String,
    /// Catalogue `Huollonjakokoodi` (1 or 2) of the custody, shown by ROV products.
    #[serde(default)]
    pub custody_code: Option<String>,
    /// Catalogue `Huollonjakokoodi2` (1, 2 or 3).
    #[serde(default)]
    pub custody_code2: Option<String>,
}

fn parent_relation() -> String {
    "03".to_string()
}

/// Guardianship (edunvalvonta).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guardianship {
    #[serde(default)]
    pub start: Option<Date>,
    #[serde(default)]
    pub end: Option<Date>,
    /// `Rajoituskoodi` 1, 2 or 3.
    #[serde(default)]
    pub restriction: Option<String>,
    /// `Tehtavienjakokoodi` 1 when the guardians' tasks are divided.
    #[serde(default)]
    pub division: Option<String>,
    #[serde(default)]
    pub person_guardians: Vec<PersonGuardian>,
    #[serde(default)]
    pub company_guardians: Vec<CompanyGuardian>,
    #[serde(default)]
    pub public_guardians: Vec<PublicGuardian>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonGuardian {
    pub hetu: Hetu,
    #[serde(default)]
    pub start: Option<Date>,
    #[serde(default)]
    pub end: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyGuardian {
    pub business_id: String,
    pub name: String,
    #[serde(default)]
    pub start: Option<Date>,
    #[serde(default)]
    pub end: Option<Date>,
}

/// A public guardian office (oikeusaputoimisto).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicGuardian {
    pub authority_code: String,
    pub name_fi: String,
    #[serde(default)]
    pub name_sv: Option<String>,
    #[serde(default)]
    pub start: Option<Date>,
    #[serde(default)]
    pub end: Option<Date>,
}

/// A continuing power of attorney (edunvalvontavaltuutus).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerOfAttorney {
    #[serde(default)]
    pub start: Option<Date>,
    #[serde(default)]
    pub end: Option<Date>,
    #[serde(default)]
    pub division: Option<String>,
    pub attorneys: Vec<PersonGuardian>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_street_lines_match_the_real_service() {
        let a = DomesticAddress {
            street_fi: "Kauppa Puistikko".into(),
            street_sv: Some("Handels Esplanaden".into()),
            number: Some("6".into()),
            stair: Some("B".into()),
            apartment: Some(23),
            division: None,
            postal_code: "65100".into(),
            post_office_fi: "VAASA".into(),
            post_office_sv: Some("VASA".into()),
            start: None,
            end: None,
            dwelling: None,
        };
        assert_eq!(a.line_fi(), "Kauppa Puistikko 6 B 23");
        assert_eq!(a.line_sv(), "Handels Esplanaden 6 B 23");
    }
}
