//! VTJ return codes (`Paluukoodi`) and search-criterion codes (`hakuperustePaluukoodi`):
//! the code, the text the service sends with it, and nothing else. Texts are the
//! catalogue's (VTJHenkilotiedotKatalogi `PaluukoodiTekstiTyyppi`) with the Finnish letters
//! the real service uses (observed for 0000 and 0001).

/// A return code of the query interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ReturnCode {
    /// 0000: the search succeeded.
    Ok,
    /// 0001: nothing found with the search key.
    NotFound,
    /// 0002: the identity code or SATU used as key has been passivated.
    Passivated,
    /// 0003: the calling application's password is missing, wrong or expired.
    MissingPassword,
    /// 0004: the calling application's user id is missing, wrong or expired.
    MissingUser,
    /// 0005: a notice whose free text says what is wrong.
    Notice,
    /// 0006: no data with the key (used for keys that cannot name anyone).
    NotFoundByKey,
    /// 0008: a CRL check was asked for but not performed (no certificate to check).
    RevocationCheckNotPerformed,
    /// 0009: a validity check was asked for but not performed (no certificate to check).
    ValidityCheckNotPerformed,
    /// 0012: the certificate's validity has ended.
    CertificateExpired,
    /// 0013: the certificate is on the revocation list.
    CertificateRevoked,
    /// 0014: not a certificate at all.
    NotACertificate,
    /// 0015: a certificate not accepted (not from an accepted CA).
    CertificateNotAccepted,
    /// 0007: the person is dead; data is not returned unless agreed.
    Deceased,
    /// 0018: the person is under 15.
    Under15,
    /// 0019: the data cannot be disclosed.
    CannotDisclose,
    /// -1500: wrong user id / password pair.
    BadCredentials,
    /// -1800: internal web-service error.
    Internal,
    /// -1805: the request does not follow the schema.
    SchemaInvalid,
    /// -1900: product not found.
    UnknownProduct,
    /// -1902: message not valid (characters).
    InvalidCharacters,
    /// -1903: message not valid (characters in the identification HakuXml).
    InvalidHakuXmlCharacters,
    /// -1904: message not valid (Loppukayttaja missing).
    MissingEndUser,
}

impl ReturnCode {
    pub const ALL: [ReturnCode; 17] = [
        ReturnCode::Ok,
        ReturnCode::NotFound,
        ReturnCode::Passivated,
        ReturnCode::MissingPassword,
        ReturnCode::MissingUser,
        ReturnCode::Notice,
        ReturnCode::NotFoundByKey,
        ReturnCode::Deceased,
        ReturnCode::Under15,
        ReturnCode::CannotDisclose,
        ReturnCode::BadCredentials,
        ReturnCode::Internal,
        ReturnCode::SchemaInvalid,
        ReturnCode::UnknownProduct,
        ReturnCode::InvalidCharacters,
        ReturnCode::InvalidHakuXmlCharacters,
        ReturnCode::MissingEndUser,
    ];

    /// The code with this `koodi` value.
    pub fn from_code(koodi: &str) -> Option<ReturnCode> {
        Self::ALL.into_iter().find(|c| c.code() == koodi)
    }

    /// The value of the `koodi` attribute.
    pub fn code(self) -> &'static str {
        match self {
            ReturnCode::Ok => "0000",
            ReturnCode::NotFound => "0001",
            ReturnCode::Passivated => "0002",
            ReturnCode::MissingPassword => "0003",
            ReturnCode::MissingUser => "0004",
            ReturnCode::Notice => "0005",
            ReturnCode::NotFoundByKey => "0006",
            ReturnCode::Deceased => "0007",
            ReturnCode::RevocationCheckNotPerformed => "0008",
            ReturnCode::ValidityCheckNotPerformed => "0009",
            ReturnCode::CertificateExpired => "0012",
            ReturnCode::CertificateRevoked => "0013",
            ReturnCode::NotACertificate => "0014",
            ReturnCode::CertificateNotAccepted => "0015",
            ReturnCode::Under15 => "0018",
            ReturnCode::CannotDisclose => "0019",
            ReturnCode::BadCredentials => "-1500",
            ReturnCode::Internal => "-1800",
            ReturnCode::SchemaInvalid => "-1805",
            ReturnCode::UnknownProduct => "-1900",
            ReturnCode::InvalidCharacters => "-1902",
            ReturnCode::InvalidHakuXmlCharacters => "-1903",
            ReturnCode::MissingEndUser => "-1904",
        }
    }

    /// The text content of `Paluukoodi`.
    pub fn text(self) -> &'static str {
        match self {
            ReturnCode::Ok => "Haku onnistui",
            ReturnCode::NotFound => "Hakuperusteella ei löydy tietoja vtj:stä",
            ReturnCode::Passivated => {
                "Hakuperusteena käytetty henkilötunnus tai asiointitunnus on passivoitu"
            }
            ReturnCode::MissingPassword => {
                "Kysyvän sovelluksen lähettämä tunnussana puuttuu, on virheellinen tai vanhentunut."
            }
            ReturnCode::MissingUser => {
                "Kysyvän sovelluksen lähettämä käyttäjätunnus puuttuu, on virheellinen tai vanhentunut."
            }
            ReturnCode::Notice => "Ilmoitus",
            ReturnCode::NotFoundByKey => {
                "Hakuperusteella (henkilötunnus, sähköinen asiointitunnus, ..) ei löydy tietoja vtj:stä."
            }
            ReturnCode::Deceased => {
                "Haettava henkilö on kuollut, joten tietoja ei voida palauttaa, ellei muuta ole sovittu."
            }
            ReturnCode::RevocationCheckNotPerformed => {
                "Kyselysanomassa on pyyntö varmenteen sulkulistatarkistuksesta, mutta sitä ei suoritettu."
            }
            ReturnCode::ValidityCheckNotPerformed => {
                "Kyselysanomassa on pyyntö varmenteen voimassaolotarkistuksesta, mutta sitä ei suoritettu."
            }
            ReturnCode::CertificateExpired => {
                "Varmenteelle suoritetussa voimassaolotarkistuksessa on todettu varmenteen voimassaolon päättyneen."
            }
            ReturnCode::CertificateRevoked => {
                "Varmenteelle suoritetussa sulkulistatarkistuksessa on todettu varmenteen olevan sulkulistalla."
            }
            ReturnCode::NotACertificate => {
                "Varmenne ei ole varmenne ollenkaan tai se ei ole vrk:n hyväksymä."
            }
            ReturnCode::CertificateNotAccepted => "Varmenne ei ole vrk:n hyväksymä.",
            ReturnCode::Under15 => "Henkilö on alle 15-vuotias",
            ReturnCode::CannotDisclose => "Tietoja ei voida luovuttaa",
            ReturnCode::BadCredentials => "Virheellinen tunnus/salasana pari",
            ReturnCode::Internal => "WebServicen sisäinen virhe",
            ReturnCode::SchemaInvalid => {
                "Tunnistuksessa käytettävän kyselysanoman validointivirhe, eli sanoma ei ole skeeman mukainen."
            }
            ReturnCode::UnknownProduct => "Tuotetta ei löydy",
            ReturnCode::InvalidCharacters => "Sanoma ei ole validi (merkit)",
            ReturnCode::InvalidHakuXmlCharacters => {
                "Sanoma ei ole validi (tunnistuksen hakuxml merkit)"
            }
            ReturnCode::MissingEndUser => "Sanoma ei ole validi (loppukäyttäjä puuttuu)",
        }
    }

    /// True when the code carries person data (0000, 0002 with the active person, 0018).
    pub fn carries_data(self) -> bool {
        matches!(
            self,
            ReturnCode::Ok | ReturnCode::Passivated | ReturnCode::Under15
        )
    }
}

/// The outcome of one search criterion, echoed in `Hakuperusteet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CriterionCode {
    /// 0: not found.
    NotFound,
    /// 1: found.
    Found,
    /// 2: the identifier used as key may be passive.
    Passive,
    /// 3: identification criteria matched too many persons.
    TooMany,
    /// 4: this identifier criterion was not used.
    NotUsed,
}

impl CriterionCode {
    pub fn code(self) -> &'static str {
        match self {
            CriterionCode::NotFound => "0",
            CriterionCode::Found => "1",
            CriterionCode::Passive => "2",
            CriterionCode::TooMany => "3",
            CriterionCode::NotUsed => "4",
        }
    }

    /// Finnish, Swedish and English texts. Codes 1 and 4 are as observed in real responses
    /// (4 keeps the real service's missing umlauts); 0, 2 and 3 are not public and are the
    /// emulator's wording (see docs/decisions.md).
    pub fn texts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            CriterionCode::NotFound => ("Ei löytynyt", "Hittades inte", "Not found"),
            CriterionCode::Found => ("Löytyi", "Hittades", "Found"),
            CriterionCode::Passive => ("Passivoitu", "Passiverad", "Passive"),
            CriterionCode::TooMany => ("Löytyi liikaa", "Hittades för många", "Too many found"),
            CriterionCode::NotUsed => (
                "Tunnushakuperustetta ei ole kaytetty",
                "Beteckningen har inte användat",
                "Not used",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_fit_the_catalogue_types() {
        for c in [
            ReturnCode::Ok,
            ReturnCode::NotFound,
            ReturnCode::Passivated,
            ReturnCode::MissingPassword,
            ReturnCode::MissingUser,
            ReturnCode::Notice,
            ReturnCode::NotFoundByKey,
            ReturnCode::Deceased,
            ReturnCode::RevocationCheckNotPerformed,
            ReturnCode::ValidityCheckNotPerformed,
            ReturnCode::CertificateExpired,
            ReturnCode::CertificateRevoked,
            ReturnCode::NotACertificate,
            ReturnCode::CertificateNotAccepted,
            ReturnCode::Under15,
            ReturnCode::CannotDisclose,
            ReturnCode::BadCredentials,
            ReturnCode::Internal,
            ReturnCode::SchemaInvalid,
            ReturnCode::UnknownProduct,
            ReturnCode::InvalidCharacters,
            ReturnCode::InvalidHakuXmlCharacters,
            ReturnCode::MissingEndUser,
        ] {
            // PaluukoodiTyyppi: 1-5 digits (with a leading minus for the negative codes);
            // PaluukoodiTekstiTyyppi: at most 200 characters.
            let digits = c.code().trim_start_matches('-');
            assert!((1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()));
            assert!(c.text().chars().count() <= 200);
        }
    }
}
