//! Products an administrator defines in the configuration (`[[product]]` tables): the raw
//! form as written and its checking into [`Product`]s. Every refusal names the line and the
//! offending value; the config module adds the file name. Knows nothing else of the config.

use serde::Deserialize;
use toml::Spanned;

use super::{Criterion, Options, Product, Products};

/// A `[[product]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProduct {
    pub name: Spanned<String>,
    /// Catalogue group ids, in response order.
    pub groups: Vec<Spanned<String>>,
    /// `lahiosoite` (default: combined street strings) or `osoite` (structured addresses).
    pub address: Option<Spanned<String>>,
    /// `nested` (default: `NykyinenSukunimi/Sukunimi`) or `flat` (`Sukunimi`).
    pub relations: Option<Spanned<String>>,
    /// Whether `Kuolintiedot` carries `Kuollut` (default true).
    pub kuollut: Option<bool>,
    /// The criteria `Hakuperusteet` echoes (default `["Henkilotunnus"]`).
    pub criteria: Option<Vec<Spanned<String>>>,
}

/// A refused product definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: product {product:?}: {message}")]
pub struct DefineError {
    pub line: usize,
    pub product: String,
    pub message: String,
}

/// Adds the configuration's products to `products` (the built-in ones), refusing unknown
/// groups, bad options and names already taken. `text` is the file, for line numbers.
pub fn add_all(
    raw: &[Spanned<RawProduct>],
    text: &str,
    file: &str,
    products: &mut Products,
) -> Result<(), DefineError> {
    for spanned in raw {
        let product = define(spanned.get_ref(), text, file)?;
        if let Some(existing) = products.get(&product.name) {
            let r = spanned.get_ref();
            return Err(DefineError {
                line: line_of(text, r.name.span().start),
                product: r.name.get_ref().clone(),
                message: format!(
                    "a product of this name is already defined ({})",
                    existing.origin
                ),
            });
        }
        products.insert(product);
    }
    Ok(())
}

fn define(r: &RawProduct, text: &str, file: &str) -> Result<Product, DefineError> {
    let name = r.name.get_ref();
    let fail = |span: std::ops::Range<usize>, message: String| DefineError {
        line: line_of(text, span.start),
        product: name.clone(),
        message,
    };
    let mut options = Options::default();
    if let Some(a) = &r.address {
        options.structured_address = match a.get_ref().as_str() {
            "lahiosoite" => false,
            "osoite" => true,
            other => {
                return Err(fail(
                    a.span(),
                    format!("address {other:?} is not one of \"lahiosoite\", \"osoite\""),
                ));
            }
        };
    }
    if let Some(rel) = &r.relations {
        options.flat_relations = match rel.get_ref().as_str() {
            "nested" => false,
            "flat" => true,
            other => {
                return Err(fail(
                    rel.span(),
                    format!("relations {other:?} is not one of \"nested\", \"flat\""),
                ));
            }
        };
    }
    if let Some(k) = r.kuollut {
        options.kuollut = k;
    }
    let criteria = match &r.criteria {
        None => vec![Criterion::Henkilotunnus],
        Some(list) => {
            let mut v = Vec::new();
            for c in list {
                let crit = Criterion::from_element(c.get_ref()).ok_or_else(|| {
                    fail(
                        c.span(),
                        format!(
                            "criterion {:?} is not one of \"Henkilotunnus\", \"SahkoinenAsiointitunnus\"",
                            c.get_ref()
                        ),
                    )
                })?;
                if v.contains(&crit) {
                    return Err(fail(
                        c.span(),
                        format!("criterion {:?} is named twice", c.get_ref()),
                    ));
                }
                v.push(crit);
            }
            v
        }
    };
    let ids: Vec<&str> = r.groups.iter().map(|g| g.get_ref().as_str()).collect();
    let origin = format!("{file}, line {}", line_of(text, r.name.span().start));
    Product::new(name, &ids, options, &criteria, &origin).map_err(|e| {
        use super::ProductError as E;
        // Point at the offending group when there is one.
        let offending = match &e {
            E::UnknownGroup(g) | E::NeedsOsoite(g) | E::DuplicateElement { group: g, .. } => {
                r.groups.iter().rfind(|x| x.get_ref() == g)
            }
            _ => None,
        };
        match offending {
            Some(g) => fail(g.span(), e.to_string()),
            None => fail(r.name.span(), e.to_string()),
        }
    })
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Doc {
        product: Vec<Spanned<RawProduct>>,
    }

    fn run(text: &str) -> Result<Products, DefineError> {
        let doc: Doc = toml::from_str(text).unwrap();
        let mut p = Products::builtin();
        add_all(&doc.product, text, "c.toml", &mut p).map(|_| p)
    }

    #[test]
    fn a_valid_definition_becomes_a_product() {
        let p = run("[[product]]\nname = \"Oma 1\"\ngroups = [\"Henkilotunnus\", \"VakinainenKotimainenOsoite\", \"Huoltaja\"]\naddress = \"osoite\"\nrelations = \"flat\"\nkuollut = false\ncriteria = [\"Henkilotunnus\", \"SahkoinenAsiointitunnus\"]\n").unwrap();
        let oma = p.get("oma 1").unwrap();
        assert_eq!(oma.name, "OMA 1");
        assert_eq!(oma.origin, "c.toml, line 2");
        assert_eq!(oma.criteria.len(), 2);
        assert!(oma.options.flat_relations && oma.options.structured_address);
    }

    #[test]
    fn refusals_name_the_line_and_value() {
        let e =
            run("[[product]]\nname = \"A\"\ngroups = [\n  \"Henkilotunnus\",\n  \"Hattu\",\n]\n")
                .unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        assert!(e.to_string().contains("\"Hattu\""), "{e}");

        let e =
            run("[[product]]\nname = \"A\"\ngroups = [\"Henkilotunnus\"]\naddress = \"katu\"\n")
                .unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.to_string().contains("\"katu\""), "{e}");

        let e = run("[[product]]\nname = \"Perussanoma 3\"\ngroups = [\"Henkilotunnus\"]\n")
            .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("\"Perussanoma 3\""), "{e}");
        assert!(e.to_string().contains("built-in"), "{e}");

        let e = run("[[product]]\nname = \"B\"\ngroups = [\"Henkilotunnus\"]\n\n[[product]]\nname = \"b\"\ngroups = [\"Henkilotunnus\"]\n")
            .unwrap_err();
        assert_eq!(e.line, 6);

        let e =
            run("[[product]]\nname = \"C\"\ngroups = [\"Henkilotunnus\"]\ncriteria = [\"Nimi\"]\n")
                .unwrap_err();
        assert!(e.to_string().contains("\"Nimi\""), "{e}");
    }
}
