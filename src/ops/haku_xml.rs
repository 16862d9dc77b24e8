//! The `HakuXml` parameter of the identification and extraction queries: search criteria
//! sent as an XML document inside a string. Reads it into a typed [`Criteria`] (the root
//! element and its leaf values); text that is not a well-formed document is `-1903`.
//! What the criteria mean is the operations' business (issue 8).

use crate::codes::ReturnCode;
use crate::xml;

/// Search criteria: the document element's name and its leaf elements' values, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criteria {
    pub root: String,
    pub fields: Vec<(String, String)>,
}

/// Parses the `HakuXml` text. `None` when the parameter was not sent.
pub fn parse(haku_xml: Option<&str>) -> Result<Option<Criteria>, ReturnCode> {
    let Some(text) = haku_xml else {
        return Ok(None);
    };
    let root = xml::parse(text).map_err(|_| ReturnCode::InvalidHakuXmlCharacters)?;
    let mut fields = Vec::new();
    let mut stack = vec![&root];
    while let Some(e) = stack.pop() {
        if e.children.is_empty() {
            fields.push((e.name.clone(), e.text.trim().to_string()));
        }
        stack.extend(e.children.iter().rev());
    }
    Ok(Some(Criteria {
        root: root.name,
        fields,
    }))
}

impl Criteria {
    /// A short form for the audit record's search key.
    pub fn summary(&self) -> String {
        let keys: Vec<&str> = self.fields.iter().map(|(k, _)| k.as_str()).collect();
        format!("{}({})", self.root, keys.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criteria_and_refuses_broken_text() {
        let c = parse(Some(
            "<Haku><Sukunimi>Mallikas</Sukunimi><Syntymaaika>19800101</Syntymaaika></Haku>",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(c.root, "Haku");
        assert_eq!(c.fields[0], ("Sukunimi".into(), "Mallikas".into()));
        assert_eq!(c.summary(), "Haku(Sukunimi,Syntymaaika)");
        assert_eq!(parse(Some("<Haku>")), Err(ReturnCode::InvalidHakuXmlCharacters));
        assert_eq!(parse(None), Ok(None));
    }
}
