//! What a request that breaks its schema is answered, per spec §4.3: a value with
//! characters the register cannot hold is `-1902`; any other value that breaks its type
//! (too long, pattern) is `-1805`. The message's shape (unknown, misplaced or repeated
//! elements, a missing required one, a wrong number) is a SOAP fault, decided by
//! [`crate::ops::request::Params`]. Knows nothing of SOAP or the store.

use crate::codes::ReturnCode;
use crate::soap::schema::Violation;

/// `PaluukoodiTekstiTyyppi` holds at most 200 characters.
const MAX_TEXT: usize = 200;

/// The return code a value violation is answered with.
pub fn return_code(v: &Violation) -> ReturnCode {
    match v {
        Violation::Characters { .. } => ReturnCode::InvalidCharacters,
        _ => ReturnCode::SchemaInvalid,
    }
}

/// The `Paluukoodi` text: the catalogue's, then the element that broke the schema and how.
pub fn code_text(code: ReturnCode, v: &Violation) -> String {
    let text = format!("{} ({v})", code.text());
    text.chars().take(MAX_TEXT).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_name_the_element_and_fit_the_type() {
        let v = Violation::TooLong {
            name: "Loppukayttaja".into(),
            max: 50,
        };
        assert_eq!(return_code(&v), ReturnCode::SchemaInvalid);
        let t = code_text(return_code(&v), &v);
        assert!(t.contains("Loppukayttaja"), "{t}");
        assert!(t.chars().count() <= MAX_TEXT);
        let v = Violation::Characters {
            name: "Henkilotunnus".into(),
        };
        assert_eq!(return_code(&v), ReturnCode::InvalidCharacters);
    }
}
