//! Code lists that turn stored codes into the Finnish and Swedish names VTJ sends beside
//! them: municipalities (Statistics Finland numbers), countries (ISO 3166 numeric) and
//! languages (ISO 639-1). Unknown codes render with empty names rather than failing.

/// (code, Finnish name, Swedish name)
type Entry = (&'static str, &'static str, &'static str);

/// Statistics Finland's municipality numbers with the Finnish and Swedish names, plus the
/// register's special numbers 198 (no home municipality in Finland), 199 (unknown), 200
/// (abroad) and 999.
const MUNICIPALITIES: &[Entry] = &[
    ("005", "Alajärvi", "Alajärvi"),
    ("009", "Alavieska", "Alavieska"),
    ("010", "Alavus", "Alavo"),
    ("016", "Asikkala", "Asikkala"),
    ("018", "Askola", "Askola"),
    ("019", "Aura", "Aura"),
    ("020", "Akaa", "Akaa"),
    ("035", "Brändö", "Brändö"),
    ("043", "Eckerö", "Eckerö"),
    ("046", "Enonkoski", "Enonkoski"),
    ("047", "Enontekiö", "Enontekis"),
    ("049", "Espoo", "Esbo"),
    ("050", "Eura", "Eura"),
    ("051", "Eurajoki", "Euraåminne"),
    ("052", "Evijärvi", "Evijärvi"),
    ("060", "Finström", "Finström"),
    ("061", "Forssa", "Forssa"),
    ("062", "Föglö", "Föglö"),
    ("065", "Geta", "Geta"),
    ("069", "Haapajärvi", "Haapajärvi"),
    ("071", "Haapavesi", "Haapavesi"),
    ("072", "Hailuoto", "Karlö"),
    ("074", "Halsua", "Halsua"),
    ("075", "Hamina", "Fredrikshamn"),
    ("076", "Hammarland", "Hammarland"),
    ("077", "Hankasalmi", "Hankasalmi"),
    ("078", "Hanko", "Hangö"),
    ("079", "Harjavalta", "Harjavalta"),
    ("081", "Hartola", "Hartola"),
    ("082", "Hattula", "Hattula"),
    ("086", "Hausjärvi", "Hausjärvi"),
    ("090", "Heinävesi", "Heinävesi"),
    ("091", "Helsinki", "Helsingfors"),
    ("092", "Vantaa", "Vanda"),
    ("097", "Hirvensalmi", "Hirvensalmi"),
    ("098", "Hollola", "Hollola"),
    ("102", "Huittinen", "Huittinen"),
    ("103", "Humppila", "Humppila"),
    ("105", "Hyrynsalmi", "Hyrynsalmi"),
    ("106", "Hyvinkää", "Hyvinge"),
    ("108", "Hämeenkyrö", "Tavastkyro"),
    ("109", "Hämeenlinna", "Tavastehus"),
    ("111", "Heinola", "Heinola"),
    ("139", "Ii", "Ii"),
    ("140", "Iisalmi", "Idensalmi"),
    ("142", "Iitti", "Iitti"),
    ("143", "Ikaalinen", "Ikalis"),
    ("145", "Ilmajoki", "Ilmajoki"),
    ("146", "Ilomantsi", "Ilomants"),
    ("148", "Inari", "Enare"),
    ("149", "Inkoo", "Ingå"),
    ("151", "Isojoki", "Storå"),
    ("152", "Isokyrö", "Storkyro"),
    ("153", "Imatra", "Imatra"),
    ("165", "Janakkala", "Janakkala"),
    ("167", "Joensuu", "Joensuu"),
    ("169", "Jokioinen", "Jockis"),
    ("170", "Jomala", "Jomala"),
    ("171", "Joroinen", "Jorois"),
    ("172", "Joutsa", "Joutsa"),
    ("176", "Juuka", "Juuka"),
    ("177", "Juupajoki", "Juupajoki"),
    ("178", "Juva", "Juva"),
    ("179", "Jyväskylä", "Jyväskylä"),
    ("181", "Jämijärvi", "Jämijärvi"),
    ("182", "Jämsä", "Jämsä"),
    ("186", "Järvenpää", "Träskända"),
    ("198", "Ei kotikuntaa Suomessa", "Ingen hemkommun i Finland"),
    ("199", "Kotikunta tuntematon", "Okänd hemkommun"),
    ("200", "Ulkomaa", "Utlandet"),
    ("202", "Kaarina", "S:t Karins"),
    ("204", "Kaavi", "Kaavi"),
    ("205", "Kajaani", "Kajana"),
    ("208", "Kalajoki", "Kalajoki"),
    ("211", "Kangasala", "Kangasala"),
    ("213", "Kangasniemi", "Kangasniemi"),
    ("214", "Kankaanpää", "Kankaanpää"),
    ("216", "Kannonkoski", "Kannonkoski"),
    ("217", "Kannus", "Kannus"),
    ("218", "Karijoki", "Bötom"),
    ("224", "Karkkila", "Högfors"),
    ("226", "Karstula", "Karstula"),
    ("230", "Karvia", "Karvia"),
    ("231", "Kaskinen", "Kaskö"),
    ("232", "Kauhajoki", "Kauhajoki"),
    ("233", "Kauhava", "Kauhava"),
    ("235", "Kauniainen", "Grankulla"),
    ("236", "Kaustinen", "Kaustby"),
    ("239", "Keitele", "Keitele"),
    ("240", "Kemi", "Kemi"),
    ("241", "Keminmaa", "Keminmaa"),
    ("244", "Kempele", "Kempele"),
    ("245", "Kerava", "Kervo"),
    ("249", "Keuruu", "Keuruu"),
    ("250", "Kihniö", "Kihniö"),
    ("256", "Kinnula", "Kinnula"),
    ("257", "Kirkkonummi", "Kyrkslätt"),
    ("260", "Kitee", "Kitee"),
    ("261", "Kittilä", "Kittilä"),
    ("263", "Kiuruvesi", "Kiuruvesi"),
    ("265", "Kivijärvi", "Kivijärvi"),
    ("271", "Kokemäki", "Kumo"),
    ("272", "Kokkola", "Karleby"),
    ("273", "Kolari", "Kolari"),
    ("275", "Konnevesi", "Konnevesi"),
    ("276", "Kontiolahti", "Kontiolahti"),
    ("280", "Korsnäs", "Korsnäs"),
    ("284", "Koski Tl", "Koski Tl"),
    ("285", "Kotka", "Kotka"),
    ("286", "Kouvola", "Kouvola"),
    ("287", "Kristiinankaupunki", "Kristinestad"),
    ("288", "Kruunupyy", "Kronoby"),
    ("290", "Kuhmo", "Kuhmo"),
    ("291", "Kuhmoinen", "Kuhmoinen"),
    ("295", "Kumlinge", "Kumlinge"),
    ("297", "Kuopio", "Kuopio"),
    ("300", "Kuortane", "Kuortane"),
    ("301", "Kurikka", "Kurikka"),
    ("304", "Kustavi", "Gustavs"),
    ("305", "Kuusamo", "Kuusamo"),
    ("309", "Outokumpu", "Outokumpu"),
    ("312", "Kyyjärvi", "Kyyjärvi"),
    ("316", "Kärkölä", "Kärkölä"),
    ("317", "Kärsämäki", "Kärsämäki"),
    ("318", "Kökar", "Kökar"),
    ("320", "Kemijärvi", "Kemijärvi"),
    ("322", "Kemiönsaari", "Kimitoön"),
    ("398", "Lahti", "Lahtis"),
    ("399", "Laihia", "Laihela"),
    ("400", "Laitila", "Letala"),
    ("402", "Lapinlahti", "Lapinlahti"),
    ("403", "Lappajärvi", "Lappajärvi"),
    ("405", "Lappeenranta", "Villmanstrand"),
    ("407", "Lapinjärvi", "Lappträsk"),
    ("408", "Lapua", "Lappo"),
    ("410", "Laukaa", "Laukaa"),
    ("416", "Lemi", "Lemi"),
    ("417", "Lemland", "Lemland"),
    ("418", "Lempäälä", "Lempäälä"),
    ("420", "Leppävirta", "Leppävirta"),
    ("421", "Lestijärvi", "Lestijärvi"),
    ("422", "Lieksa", "Lieksa"),
    ("423", "Lieto", "Lundo"),
    ("425", "Liminka", "Limingo"),
    ("426", "Liperi", "Liperi"),
    ("430", "Loimaa", "Loimaa"),
    ("433", "Loppi", "Loppi"),
    ("434", "Loviisa", "Lovisa"),
    ("435", "Luhanka", "Luhanka"),
    ("436", "Lumijoki", "Lumijoki"),
    ("438", "Lumparland", "Lumparland"),
    ("440", "Luoto", "Larsmo"),
    ("441", "Luumäki", "Luumäki"),
    ("444", "Lohja", "Lojo"),
    ("445", "Parainen", "Pargas"),
    ("475", "Maalahti", "Malax"),
    ("478", "Maarianhamina", "Mariehamn"),
    ("480", "Marttila", "S:t Mårtens"),
    ("481", "Masku", "Masku"),
    ("483", "Merijärvi", "Merijärvi"),
    ("484", "Merikarvia", "Sastmola"),
    ("489", "Miehikkälä", "Miehikkälä"),
    ("491", "Mikkeli", "S:t Michel"),
    ("494", "Muhos", "Muhos"),
    ("495", "Multia", "Multia"),
    ("498", "Muonio", "Muonio"),
    ("499", "Mustasaari", "Korsholm"),
    ("500", "Muurame", "Muurame"),
    ("503", "Mynämäki", "Virmo"),
    ("504", "Myrskylä", "Mörskom"),
    ("505", "Mäntsälä", "Mäntsälä"),
    ("507", "Mäntyharju", "Mäntyharju"),
    ("508", "Mänttä-Vilppula", "Mänttä-Vilppula"),
    ("529", "Naantali", "Nådendal"),
    ("531", "Nakkila", "Nakkila"),
    ("535", "Nivala", "Nivala"),
    ("536", "Nokia", "Nokia"),
    ("538", "Nousiainen", "Nousis"),
    ("541", "Nurmes", "Nurmes"),
    ("543", "Nurmijärvi", "Nurmijärvi"),
    ("545", "Närpiö", "Närpes"),
    ("560", "Orimattila", "Orimattila"),
    ("561", "Oripää", "Oripää"),
    ("562", "Orivesi", "Orivesi"),
    ("563", "Oulainen", "Oulainen"),
    ("564", "Oulu", "Uleåborg"),
    ("576", "Padasjoki", "Padasjoki"),
    ("577", "Paimio", "Pemar"),
    ("578", "Paltamo", "Paltamo"),
    ("580", "Parikkala", "Parikkala"),
    ("581", "Parkano", "Parkano"),
    ("583", "Pelkosenniemi", "Pelkosenniemi"),
    ("584", "Perho", "Perho"),
    ("588", "Pertunmaa", "Pertunmaa"),
    ("592", "Petäjävesi", "Petäjävesi"),
    ("593", "Pieksämäki", "Pieksämäki"),
    ("595", "Pielavesi", "Pielavesi"),
    ("598", "Pietarsaari", "Jakobstad"),
    ("599", "Pedersören kunta", "Pedersöre"),
    ("601", "Pihtipudas", "Pihtipudas"),
    ("604", "Pirkkala", "Birkala"),
    ("607", "Polvijärvi", "Polvijärvi"),
    ("608", "Pomarkku", "Påmark"),
    ("609", "Pori", "Björneborg"),
    ("611", "Pornainen", "Borgnäs"),
    ("614", "Posio", "Posio"),
    ("615", "Pudasjärvi", "Pudasjärvi"),
    ("616", "Pukkila", "Pukkila"),
    ("619", "Punkalaidun", "Punkalaidun"),
    ("620", "Puolanka", "Puolanka"),
    ("623", "Puumala", "Puumala"),
    ("624", "Pyhtää", "Pyttis"),
    ("625", "Pyhäjoki", "Pyhäjoki"),
    ("626", "Pyhäjärvi", "Pyhäjärvi"),
    ("630", "Pyhäntä", "Pyhäntä"),
    ("631", "Pyhäranta", "Pyhäranta"),
    ("635", "Pälkäne", "Pälkäne"),
    ("636", "Pöytyä", "Pöytyä"),
    ("638", "Porvoo", "Borgå"),
    ("678", "Raahe", "Brahestad"),
    ("680", "Raisio", "Reso"),
    ("681", "Rantasalmi", "Rantasalmi"),
    ("683", "Ranua", "Ranua"),
    ("684", "Rauma", "Raumo"),
    ("686", "Rautalampi", "Rautalampi"),
    ("687", "Rautavaara", "Rautavaara"),
    ("689", "Rautjärvi", "Rautjärvi"),
    ("691", "Reisjärvi", "Reisjärvi"),
    ("694", "Riihimäki", "Riihimäki"),
    ("697", "Ristijärvi", "Ristijärvi"),
    ("698", "Rovaniemi", "Rovaniemi"),
    ("700", "Ruokolahti", "Ruokolahti"),
    ("702", "Ruovesi", "Ruovesi"),
    ("704", "Rusko", "Rusko"),
    ("707", "Rääkkylä", "Rääkkylä"),
    ("710", "Raasepori", "Raseborg"),
    ("729", "Saarijärvi", "Saarijärvi"),
    ("732", "Salla", "Salla"),
    ("734", "Salo", "Salo"),
    ("736", "Saltvik", "Saltvik"),
    ("738", "Sauvo", "Sagu"),
    ("739", "Savitaipale", "Savitaipale"),
    ("740", "Savonlinna", "Nyslott"),
    ("742", "Savukoski", "Savukoski"),
    ("743", "Seinäjoki", "Seinäjoki"),
    ("746", "Sievi", "Sievi"),
    ("747", "Siikainen", "Siikainen"),
    ("748", "Siikajoki", "Siikajoki"),
    ("749", "Siilinjärvi", "Siilinjärvi"),
    ("751", "Simo", "Simo"),
    ("753", "Sipoo", "Sibbo"),
    ("755", "Siuntio", "Sjundeå"),
    ("758", "Sodankylä", "Sodankylä"),
    ("759", "Soini", "Soini"),
    ("761", "Somero", "Somero"),
    ("762", "Sonkajärvi", "Sonkajärvi"),
    ("765", "Sotkamo", "Sotkamo"),
    ("766", "Sottunga", "Sottunga"),
    ("768", "Sulkava", "Sulkava"),
    ("771", "Sund", "Sund"),
    ("777", "Suomussalmi", "Suomussalmi"),
    ("778", "Suonenjoki", "Suonenjoki"),
    ("781", "Sysmä", "Sysmä"),
    ("783", "Säkylä", "Säkylä"),
    ("785", "Vaala", "Vaala"),
    ("790", "Sastamala", "Sastamala"),
    ("791", "Siikalatva", "Siikalatva"),
    ("831", "Taipalsaari", "Taipalsaari"),
    ("832", "Taivalkoski", "Taivalkoski"),
    ("833", "Taivassalo", "Tövsala"),
    ("834", "Tammela", "Tammela"),
    ("837", "Tampere", "Tammerfors"),
    ("844", "Tervo", "Tervo"),
    ("845", "Tervola", "Tervola"),
    ("846", "Teuva", "Östermark"),
    ("848", "Tohmajärvi", "Tohmajärvi"),
    ("849", "Toholampi", "Toholampi"),
    ("850", "Toivakka", "Toivakka"),
    ("851", "Tornio", "Torneå"),
    ("853", "Turku", "Åbo"),
    ("854", "Pello", "Pello"),
    ("857", "Tuusniemi", "Tuusniemi"),
    ("858", "Tuusula", "Tusby"),
    ("859", "Tyrnävä", "Tyrnävä"),
    ("886", "Ulvila", "Ulvsby"),
    ("887", "Urjala", "Urjala"),
    ("889", "Utajärvi", "Utajärvi"),
    ("890", "Utsjoki", "Utsjoki"),
    ("892", "Uurainen", "Uurainen"),
    ("893", "Uusikaarlepyy", "Nykarleby"),
    ("895", "Uusikaupunki", "Nystad"),
    ("905", "Vaasa", "Vasa"),
    ("908", "Valkeakoski", "Valkeakoski"),
    ("915", "Varkaus", "Varkaus"),
    ("918", "Vehmaa", "Vehmaa"),
    ("921", "Vesanto", "Vesanto"),
    ("922", "Vesilahti", "Vesilahti"),
    ("924", "Veteli", "Vetil"),
    ("925", "Vieremä", "Vieremä"),
    ("927", "Vihti", "Vichtis"),
    ("931", "Viitasaari", "Viitasaari"),
    ("934", "Vimpeli", "Vindala"),
    ("935", "Virolahti", "Virolahti"),
    ("936", "Virrat", "Virdois"),
    ("941", "Vårdö", "Vårdö"),
    ("946", "Vöyri", "Vörå"),
    ("976", "Ylitornio", "Övertorneå"),
    ("977", "Ylivieska", "Ylivieska"),
    ("980", "Ylöjärvi", "Ylöjärvi"),
    ("981", "Ypäjä", "Ypäjä"),
    ("989", "Ähtäri", "Etseri"),
    ("992", "Äänekoski", "Äänekoski"),
    ("999", "Ei tiedossa", "Okänd"),
];

const COUNTRIES: &[Entry] = &[
    ("004", "Afganistan", "Afghanistan"),
    ("008", "Albania", "Albanien"),
    ("032", "Argentiina", "Argentina"),
    ("036", "Australia", "Australien"),
    ("040", "Itävalta", "Österrike"),
    ("050", "Bangladesh", "Bangladesh"),
    ("056", "Belgia", "Belgien"),
    ("076", "Brasilia", "Brasilien"),
    ("100", "Bulgaria", "Bulgarien"),
    ("112", "Valko-Venäjä", "Vitryssland"),
    ("124", "Kanada", "Kanada"),
    ("152", "Chile", "Chile"),
    ("156", "Kiina", "Kina"),
    ("170", "Kolumbia", "Colombia"),
    ("191", "Kroatia", "Kroatien"),
    ("196", "Kypros", "Cypern"),
    ("203", "Tšekki", "Tjeckien"),
    ("208", "Tanska", "Danmark"),
    ("231", "Etiopia", "Etiopien"),
    ("233", "Viro", "Estland"),
    ("246", "Suomi", "Finland"),
    ("250", "Ranska", "Frankrike"),
    ("268", "Georgia", "Georgien"),
    ("276", "Saksa", "Tyskland"),
    ("300", "Kreikka", "Grekland"),
    ("348", "Unkari", "Ungern"),
    ("352", "Islanti", "Island"),
    ("356", "Intia", "Indien"),
    ("360", "Indonesia", "Indonesien"),
    ("364", "Iran", "Iran"),
    ("368", "Irak", "Irak"),
    ("372", "Irlanti", "Irland"),
    ("376", "Israel", "Israel"),
    ("380", "Italia", "Italien"),
    ("392", "Japani", "Japan"),
    ("398", "Kazakstan", "Kazakstan"),
    ("404", "Kenia", "Kenya"),
    ("410", "Korean tasavalta", "Republiken Korea"),
    ("428", "Latvia", "Lettland"),
    ("440", "Liettua", "Litauen"),
    ("442", "Luxemburg", "Luxemburg"),
    ("470", "Malta", "Malta"),
    ("484", "Meksiko", "Mexiko"),
    ("504", "Marokko", "Marocko"),
    ("528", "Alankomaat", "Nederländerna"),
    ("554", "Uusi-Seelanti", "Nya Zeeland"),
    ("566", "Nigeria", "Nigeria"),
    ("578", "Norja", "Norge"),
    ("586", "Pakistan", "Pakistan"),
    ("604", "Peru", "Peru"),
    ("608", "Filippiinit", "Filippinerna"),
    ("616", "Puola", "Polen"),
    ("620", "Portugali", "Portugal"),
    ("642", "Romania", "Rumänien"),
    ("643", "Venäjä", "Ryssland"),
    ("682", "Saudi-Arabia", "Saudiarabien"),
    ("688", "Serbia", "Serbien"),
    ("703", "Slovakia", "Slovakien"),
    ("704", "Vietnam", "Vietnam"),
    ("705", "Slovenia", "Slovenien"),
    ("706", "Somalia", "Somalia"),
    ("710", "Etelä-Afrikka", "Sydafrika"),
    ("724", "Espanja", "Spanien"),
    ("752", "Ruotsi", "Sverige"),
    ("756", "Sveitsi", "Schweiz"),
    ("760", "Syyria", "Syrien"),
    ("764", "Thaimaa", "Thailand"),
    ("792", "Turkki", "Turkiet"),
    ("804", "Ukraina", "Ukraina"),
    ("818", "Egypti", "Egypten"),
    ("826", "Yhdistynyt kuningaskunta", "Förenade kungariket"),
    ("840", "Yhdysvallat (USA)", "Förenta staterna (USA)"),
    ("998", "Kansalaisuudeton", "Statslös"),
    ("999", "Tuntematon", "Okänd"),
];

/// In code order, as every table here ([`entry`] searches them by halves).
const LANGUAGES: &[Entry] = &[
    ("98", "muu kieli", "annat språk"),
    ("99", "tuntematon", "okänt"),
    ("ar", "arabia", "arabiska"),
    ("de", "saksa", "tyska"),
    ("en", "englanti", "engelska"),
    ("et", "viro, eesti", "estniska"),
    ("fi", "suomi", "finska"),
    ("ru", "venäjä", "ryska"),
    ("se", "saame", "samiska"),
    ("so", "somali", "somaliska"),
    ("sv", "ruotsi", "svenska"),
];

/// The entry of `code` in `table`, which is in code order (a test holds every table so):
/// a lookup is a binary search, not a walk of 313 municipalities on every answer.
fn entry(table: &'static [Entry], code: &str) -> Option<&'static Entry> {
    table
        .binary_search_by(|(c, _, _)| (*c).cmp(code))
        .ok()
        .map(|i| &table[i])
}

fn find(table: &'static [Entry], code: &str) -> (&'static str, &'static str) {
    entry(table, code).map_or(("", ""), |(_, fi, sv)| (*fi, *sv))
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

/// Every municipality number with its Finnish and Swedish names, in number order.
pub fn municipalities() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    MUNICIPALITIES.iter().copied()
}

/// Every country code with its Finnish and Swedish names.
pub fn countries() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    COUNTRIES.iter().copied()
}

/// True when the country code is in the list.
pub fn is_country(code: &str) -> bool {
    entry(COUNTRIES, code).is_some()
}

/// True when the municipality number is in the list.
pub fn is_municipality(code: &str) -> bool {
    entry(MUNICIPALITIES, code).is_some()
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
        assert_eq!(municipality("049"), ("Espoo", "Esbo"));
        assert_eq!(municipality("989"), ("Ähtäri", "Etseri"));
    }

    #[test]
    fn every_table_is_in_code_order_and_every_code_is_found() {
        for table in [MUNICIPALITIES, COUNTRIES, LANGUAGES] {
            assert!(
                table.windows(2).all(|w| w[0].0 < w[1].0),
                "sorted, no duplicates: {:?}",
                table.first()
            );
            for (code, fi, sv) in table {
                assert_eq!(find(table, code), (*fi, *sv));
            }
        }
        assert!(is_country("246") && !is_country("247") && !is_country(""));
        assert!(is_municipality("091") && !is_municipality("001") && !is_municipality("9999"));
        assert_eq!(language("98"), ("muu kieli", "annat språk"));
        assert_eq!(language("xx"), ("", ""));
    }

    #[test]
    fn the_municipality_list_is_complete_and_ordered() {
        let all: Vec<_> = municipalities().collect();
        // 309 municipalities plus the special numbers 198, 199, 200 and 999.
        assert_eq!(all.len(), 313);
        assert!(
            all.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, no duplicates"
        );
        assert!(
            all.iter()
                .all(|(c, fi, sv)| c.len() == 3 && !fi.is_empty() && !sv.is_empty())
        );
    }
}
