//! The check of a request element against a sequence [`Particle`]: elements, order,
//! occurrence, base type (shape), then length, pattern and characters (values).

use std::borrow::Cow;

use crate::xml::Element;

use super::{Base, Content, Particle, SimpleType};

/// How a request element breaks its schema. Every variant names the element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("unexpected element {{{ns}}}{name} in {parent}")]
    Unexpected {
        parent: String,
        ns: String,
        name: String,
    },
    #[error("element {name} is out of order in {parent}: it must come before {after}")]
    Order {
        parent: String,
        name: String,
        after: String,
    },
    #[error("element {name} occurs more than {max} time(s) in {parent}")]
    TooMany {
        parent: String,
        name: String,
        max: u32,
    },
    #[error("required element {name} is missing from {parent}")]
    Missing { parent: String, name: String },
    #[error("element {name} must hold text, not elements")]
    NotText { name: String },
    #[error("element {name}: {value:?} is not a valid {base}")]
    Type {
        name: String,
        value: String,
        base: &'static str,
    },
    #[error("element {name} is longer than {max} characters")]
    TooLong { name: String, max: usize },
    #[error("element {name} is shorter than {min} characters")]
    TooShort { name: String, min: usize },
    #[error("element {name} does not match the pattern of {type_name}")]
    Pattern { name: String, type_name: String },
    #[error("element {name} holds characters the service does not accept")]
    Characters { name: String },
}

impl Violation {
    /// The element the violation is about.
    pub fn element(&self) -> &str {
        match self {
            Violation::Unexpected { name, .. }
            | Violation::Order { name, .. }
            | Violation::TooMany { name, .. }
            | Violation::Missing { name, .. }
            | Violation::NotText { name }
            | Violation::Type { name, .. }
            | Violation::TooLong { name, .. }
            | Violation::TooShort { name, .. }
            | Violation::Pattern { name, .. }
            | Violation::Characters { name } => name,
        }
    }

    /// True for violations of a value (length, pattern, characters), as opposed to the
    /// shape of the message (elements, order, occurrence, type).
    pub fn is_value(&self) -> bool {
        matches!(
            self,
            Violation::TooLong { .. }
                | Violation::TooShort { .. }
                | Violation::Pattern { .. }
                | Violation::Characters { .. }
        )
    }
}

/// The parameter values of a valid request element: (name, trimmed text) in the order
/// sent, the names borrowed from the schema. Empty elements have empty text.
pub type Values<'m> = Vec<(Cow<'m, str>, String)>;

/// Checks a request element's children against a sequence particle and returns their
/// values. Shape violations are reported before value violations, whichever comes first
/// in the document.
pub fn validate<'m>(model: &'m Particle, el: &Element) -> Result<Values<'m>, Violation> {
    let parent = &model.name; // cloned only into a violation
    let particles = model.children();
    // The occurrences of each particle, on the stack for a sequence of the usual size.
    let mut inline = [0u32; 32];
    let mut spilled = Vec::new();
    let counts: &mut [u32] = match inline.get_mut(..particles.len()) {
        Some(counts) => counts,
        None => {
            spilled.resize(particles.len(), 0);
            &mut spilled
        }
    };
    let mut cursor = 0usize;
    let mut values = Vec::with_capacity(el.children.len());
    let mut value_error: Option<Violation> = None;
    for child in &el.children {
        let found = particles
            .iter()
            .position(|p| child.is(&p.ns, &p.name))
            .ok_or_else(|| Violation::Unexpected {
                parent: parent.to_string(),
                ns: child.ns.as_deref().unwrap_or_default().to_string(),
                name: child.name.clone(),
            })?;
        if found < cursor {
            return Err(Violation::Order {
                parent: parent.to_string(),
                name: child.name.clone(),
                after: particles[cursor].name.clone(),
            });
        }
        cursor = found;
        counts[found] += 1;
        let p = &particles[found];
        if p.max_occurs.is_some_and(|m| counts[found] > m) {
            return Err(Violation::TooMany {
                parent: parent.to_string(),
                name: p.name.clone(),
                max: p.max_occurs.unwrap_or(1),
            });
        }
        let Content::Simple(t) = &p.content else {
            // Nested sequences (the X-Road `request`) are validated by their caller.
            values.push((Cow::Borrowed(p.name.as_str()), String::new()));
            continue;
        };
        if !child.children.is_empty() {
            return Err(Violation::NotText {
                name: p.name.clone(),
            });
        }
        let text = child.text.trim();
        check_type(&p.name, t, text)?;
        if value_error.is_none() {
            value_error = check_value(&p.name, t, text).err();
        }
        values.push((Cow::Borrowed(p.name.as_str()), text.to_string()));
    }
    if let Some(missing) = particles
        .iter()
        .zip(counts.iter())
        .find(|(p, n)| **n < p.min_occurs)
    {
        return Err(Violation::Missing {
            parent: parent.to_string(),
            name: missing.0.name.clone(),
        });
    }
    match value_error {
        Some(v) => Err(v),
        None => Ok(values),
    }
}

fn check_type(name: &str, t: &SimpleType, text: &str) -> Result<(), Violation> {
    let ok = match t.base {
        Base::String => true,
        Base::Short => text.parse::<i16>().is_ok(),
        Base::Int => text.parse::<i32>().is_ok(),
    };
    if ok {
        return Ok(());
    }
    Err(Violation::Type {
        name: name.to_string(),
        value: text.chars().take(40).collect(),
        base: match t.base {
            Base::String => "xs:string",
            Base::Short => "xs:short",
            Base::Int => "xs:int",
        },
    })
}

fn check_value(name: &str, t: &SimpleType, text: &str) -> Result<(), Violation> {
    // The register holds ISO-8859-1 text: control characters and characters beyond
    // Latin-1 cannot be a parameter of any query.
    let refused = |c: char| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c as u32 > 0xFF;
    // ASCII text, the usual, is checked by the byte and has as many characters as bytes.
    let (bad, len) = if text.is_ascii() {
        (text.bytes().any(|b| refused(char::from(b))), text.len())
    } else {
        (text.chars().any(refused), text.chars().count())
    };
    if bad {
        return Err(Violation::Characters {
            name: name.to_string(),
        });
    }
    if let Some(max) = t.max_length.filter(|m| len > *m) {
        return Err(Violation::TooLong {
            name: name.to_string(),
            max,
        });
    }
    // An empty element stands for an absent one (clients send unused parameters empty).
    if let Some(min) = t.min_length.filter(|m| len < *m && len > 0) {
        return Err(Violation::TooShort {
            name: name.to_string(),
            min,
        });
    }
    if let Some((_, re)) = &t.pattern
        && !re.is_match(text)
    {
        return Err(Violation::Pattern {
            name: name.to_string(),
            type_name: t.name.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn string_type() -> SimpleType {
        SimpleType {
            name: "T".into(),
            base: Base::String,
            min_length: Some(3),
            max_length: Some(5),
            pattern: None,
        }
    }

    /// The check of characters and length as it reads every text, ASCII or not.
    fn by_the_char(text: &str) -> Result<(), Violation> {
        let name = "e";
        if text
            .chars()
            .any(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c as u32 > 0xFF)
        {
            return Err(Violation::Characters { name: name.into() });
        }
        match text.chars().count() {
            len if len > 5 => Err(Violation::TooLong {
                name: name.into(),
                max: 5,
            }),
            len if len < 3 && len > 0 => Err(Violation::TooShort {
                name: name.into(),
                min: 3,
            }),
            _ => Ok(()),
        }
    }

    #[test]
    fn ascii_text_is_checked_as_any_text() {
        let t = string_type();
        for text in [
            "",
            "ab",
            "abc",
            "abcde",
            "abcdef",
            "a\tb\nc\r",
            "a\u{1}b",
            "ab\u{7f}",
            "äbc",
            "äää",
            "ääää",
            "ääääää",
            "a\u{85}b",
            "a€b",
            "\u{1F600}ab",
        ] {
            assert_eq!(check_value("e", &t, text), by_the_char(text), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn generated_text_is_checked_as_any_text(text in "[a\\t\\n\\r\\x00-\\x1f\\x7f\\u{80}-\\u{ff}€]{0,7}") {
            prop_assert_eq!(check_value("e", &string_type(), &text), by_the_char(&text));
        }
    }
}
