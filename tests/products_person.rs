//! Test persons for rendering: one with every data group of the catalogue filled (and the
//! related persons and residents its groups refer to), one with no optional data at all.
//! Built here in test code, not in fixtures; shared with benches/render.rs.

#![allow(dead_code)]

use std::collections::HashMap;

use vtj_emulator::ids::Hetu;
use vtj_emulator::products::{Related, Residents};
use vtj_emulator::registry::model::Person;

const FULL: &str = r#"
hetu = "020501A999T"
satu = "10000001N"
last_name = "Täysinäinen"
first_names = "Albert Kristian"
call_name = "Kristian"
former_names = [{ name = "Vanhanen", kind = "07", start = "2001-01-01", end = "2010-05-05" }]
sex = 1
death_date = "2024-01-02"
declared_dead_date = "2024-01-03"
mother_tongue = "fi"
service_language = "sv"
citizenships = [{ country = "246", since = "2005-05-02" }, { country = "752" }]
birth_country = "752"
foreign_birthplace = { place = "Tukholma", country = "752" }
foreign_ids = [{ number = "19020501-1234", country = "752" }, { number = "X-1", country = "578", active = false }]
temporary_addresses = [{ street_fi = "Kesäkatu", street_sv = "Sommargatan", number = "2", postal_code = "00100", post_office_fi = "HELSINKI", post_office_sv = "HELSINGFORS", start = "2020-06-01", end = "2020-08-31" }]
permanent_foreign_address = { street = "Storgatan 1", locality_fi = "Tukholma, Ruotsi", locality_sv = "Stockholm, Sverige", country = "752", start = "2019-01-01" }
temporary_foreign_addresses = [{ street = "Rue 5", locality_fi = "Pariisi, Ranska", country = "250", start = "2021-01-01", end = "2021-02-01" }]
postal_addresses = [{ address_fi = "PL 12", address_sv = "PB 12", postal_code = "65101", post_office_fi = "VAASA", post_office_sv = "VASA", start = "2010-01-01" }]
foreign_postal_addresses = [{ street = "Box 1", locality = "Stockholm", country = "752", start = "2019-01-01" }]
home_municipality = { code = "905", since = "2003-11-25" }
non_disclosure = { until = "2030-01-01" }
guardians = [{ hetu = "010181-9533", relation = "03", custody_code = "1", custody_code2 = "2" }, { hetu = "020190-9521", relation = "06" }]
dependants = ["090702A9996"]
children = ["090702A9996"]
powers_of_attorney = [{ start = "2022-01-01", division = "1", attorneys = [{ hetu = "210281-9988", start = "2022-01-01" }] }]
occupation = "Ohjelmoija"
email = "taysi@example.fi"
taken_into_care = true

[permanent_address]
street_fi = "Kauppa Puistikko"
street_sv = "Handels Esplanaden"
number = "6"
stair = "B"
apartment = 23
division = "a"
postal_code = "65100"
post_office_fi = "VAASA"
post_office_sv = "VASA"
start = "2003-11-25"
dwelling = "90000009871B023 "

[guardianship]
start = "2023-01-01"
end = "2025-01-01"
restriction = "1"
division = "1"
person_guardians = [{ hetu = "210281-9988", start = "2023-01-01" }]
company_guardians = [{ business_id = "1234567-8", name = "Edunvalvonta Oy", start = "2023-02-01" }]
public_guardians = [{ authority_code = "123", name_fi = "Vaasan oikeusaputoimisto", name_sv = "Vasa rättshjälpsbyrå", start = "2023-03-01" }]
"#;

const GUARDIAN: &str = r#"
hetu = "010181-9533"
last_name = "Popov"
first_names = "Andre Olav"
permanent_foreign_address = { street = "Via 3", locality_fi = "Rooma, Italia", country = "380" }
[permanent_address]
street_fi = "Kurteninkatu"
street_sv = "Kurtensgatan"
number = "13"
stair = "H"
apartment = 45
postal_code = "65100"
post_office_fi = "VAASA"
"#;

const OTHER_GUARDIAN: &str = r#"
hetu = "020190-9521"
last_name = "Popov"
first_names = "Anna Alexandra"
"#;

const DEPENDANT: &str = r#"
hetu = "090702A9996"
last_name = "Täysinäinen"
first_names = "Pikku"
guardians = [{ hetu = "020501A999T", relation = "03" }]
"#;

const ATTORNEY: &str = r#"
hetu = "210281-9988"
last_name = "Testaaja"
first_names = "Portaalia Nordea"
"#;

fn person(toml_text: &str) -> Person {
    toml::from_str(toml_text).unwrap_or_else(|e| panic!("test person: {e}"))
}

fn hetu(s: &str) -> Hetu {
    s.parse().unwrap()
}

/// A person with every group filled, and what their groups refer to.
pub fn full() -> (Person, Related) {
    let mut persons = HashMap::new();
    for t in [GUARDIAN, OTHER_GUARDIAN, DEPENDANT, ATTORNEY] {
        let p = person(t);
        persons.insert(p.hetu.clone(), p);
    }
    let mut related = Related::new(persons);
    related.residents = Some(Residents {
        count: 4,
        minors: vec![hetu("090702A9996")],
    });
    (person(FULL), related)
}

/// A person with only the required fields.
pub fn empty() -> Person {
    person("hetu = \"311211A9527\"\nlast_name = \"Tyhjä\"\nfirst_names = \"Tiina\"\n")
}
