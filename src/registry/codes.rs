//! Code lists that turn stored codes into the Finnish and Swedish names VTJ sends beside
//! them: municipalities (Statistics Finland numbers), countries (ISO 3166 numeric) and
//! languages (ISO 639-1). Unknown codes render with empty names rather than failing.

/// (code, Finnish name, Swedish name)
type Entry = (&'static str, &'static str, &'static str);

const MUNICIPALITIES: &[Entry] = &[
    ("005", "Alajärvi", "Alajärvi"),
    ("020", "Akaa", "Akaa"),
    ("049", "Espoo", "Esbo"),
    ("091", "Helsinki", "Helsingfors"),
    ("092", "Vantaa", "Vanda"),
    ("106", "Hyvinkää", "Hyvinge"),
    ("109", "Hämeenlinna", "Tavastehus"),
    ("140", "Iisalmi", "Idensalmi"),
    ("167", "Joensuu", "Joensuu"),
    ("179", "Jyväskylä", "Jyväskylä"),
    ("235", "Kauniainen", "Grankulla"),
    ("245", "Kerava", "Kervo"),
    ("272", "Kokkola", "Karleby"),
    ("286", "Kouvola", "Kouvola"),
    ("297", "Kuopio", "Kuopio"),
    ("398", "Lahti", "Lahtis"),
    ("405", "Lappeenranta", "Villmanstrand"),
    ("478", "Maarianhamina", "Mariehamn"),
    ("491", "Mikkeli", "S:t Michel"),
    ("564", "Oulu", "Uleåborg"),
    ("598", "Pietarsaari", "Jakobstad"),
    ("609", "Pori", "Björneborg"),
    ("638", "Porvoo", "Borgå"),
    ("698", "Rovaniemi", "Rovaniemi"),
    ("743", "Seinäjoki", "Seinäjoki"),
    ("837", "Tampere", "Tammerfors"),
    ("853", "Turku", "Åbo"),
    ("905", "Vaasa", "Vasa"),
    ("999", "Tuntematon", "Okänd"),
];

const COUNTRIES: &[Entry] = &[
    ("233", "Viro", "Estland"),
    ("246", "Suomi", "Finland"),
    ("250", "Ranska", "Frankrike"),
    ("276", "Saksa", "Tyskland"),
    ("208", "Tanska", "Danmark"),
    ("578", "Norja", "Norge"),
    ("643", "Venäjä", "Ryssland"),
    ("724", "Espanja", "Spanien"),
    ("752", "Ruotsi", "Sverige"),
    ("826", "Yhdistynyt kuningaskunta", "Förenade kungariket"),
    ("840", "Yhdysvallat (USA)", "Förenta staterna (USA)"),
    ("998", "Kansalaisuudeton", "Statslös"),
    ("999", "Tuntematon", "Okänd"),
];

const LANGUAGES: &[Entry] = &[
    ("fi", "suomi", "finska"),
    ("sv", "ruotsi", "svenska"),
    ("en", "englanti", "engelska"),
    ("et", "viro, eesti", "estniska"),
    ("ru", "venäjä", "ryska"),
    ("se", "saame", "samiska"),
    ("so", "somali", "somaliska"),
    ("ar", "arabia", "arabiska"),
    ("de", "saksa", "tyska"),
    ("98", "muu kieli", "annat språk"),
    ("99", "tuntematon", "okänt"),
];

fn find(table: &'static [Entry], code: &str) -> (&'static str, &'static str) {
    table
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, fi, sv)| (*fi, *sv))
        .unwrap_or(("", ""))
}

/// Finnish and Swedish name of a municipality number.
pub fn municipality(code: &str) -> (&'static str, &'static str) {
    find(MUNICIPALITIES, code)
}

/// Finnish and Swedish name of an ISO 3166 numeric country code.
pub fn country(code: &str) -> (&'static str, &'static str) {
    find(COUNTRIES, code)
}

/// Finnish and Swedish name of a language code.
pub fn language(code: &str) -> (&'static str, &'static str) {
    find(LANGUAGES, code)
}

/// True when the municipality number is in the list.
pub fn is_municipality(code: &str) -> bool {
    MUNICIPALITIES.iter().any(|(c, _, _)| *c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_in_both_languages() {
        assert_eq!(municipality("905"), ("Vaasa", "Vasa"));
        assert_eq!(country("246"), ("Suomi", "Finland"));
        assert_eq!(language("fi"), ("suomi", "finska"));
        assert_eq!(municipality("000"), ("", ""));
    }
}
