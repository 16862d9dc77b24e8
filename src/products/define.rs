//! Products an administrator defines in the configuration (`[[product]]` tables): the raw
//! form as written (a list of groups with options, or `schema`, DVV's response schema of
//! the product, imported as [`super::import`] does) and its checking into [`Product`]s.
//! Every refusal names the line and the offending value; the config module adds the file
//! name. Knows nothing else of the config.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{Criterion, Options, Product, Products};

/// A `[[product]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProduct {
    pub name: Spanned<String>,
    /// Catalogue group ids, in response order.
    pub groups: Option<Vec<Spanned<String>>>,
    /// DVV's response schema of the product (relative to the config file): groups, options
    /// and criteria are read from it, so none of those keys may be given beside it.
    pub schema: Option<Spanned<String>>,
    /// The definition replaces the built-in product of the same name (the permit's own
    /// schema is the contract); without it such a name is refused.
    pub replaces_builtin: Option<bool>,
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
/// groups, bad options and names already taken. `text` is the file, for line numbers;
/// `base` the folder `schema` paths start from (`None`: the working directory).
pub fn add_all(
    raw: &[Spanned<RawProduct>],
    text: &str,
    file: &str,
    base: Option<&Path>,
    products: &mut Products,
) -> Result<(), DefineError> {
    let builtin = Products::builtin();
    let mut defined: Vec<String> = Vec::new();
    for spanned in raw {
        let r = spanned.get_ref();
        let product = define(r, text, file, base)?;
        let fail = |message: String| DefineError {
            line: line_of(text, r.name.span().start),
            product: r.name.get_ref().clone(),
            message,
        };
        let replaces = r.replaces_builtin.unwrap_or(false);
        let is_builtin = builtin.get(&product.name).is_some();
        if defined.contains(&product.name) || (is_builtin && !replaces) {
            let existing = products.get(&product.name).map(|p| p.origin.clone());
            let hint = if is_builtin {
                "; replaces_builtin = true replaces it"
            } else {
                ""
            };
            return Err(fail(format!(
                "a product of this name is already defined ({}){hint}",
                existing.unwrap_or_default()
            )));
        }
        if replaces && !is_builtin {
            return Err(fail(
                "replaces_builtin = true, but there is no built-in product of this name".into(),
            ));
        }
        defined.push(product.name.clone());
        products.insert(product);
    }
    Ok(())
}

fn define(
    r: &RawProduct,
    text: &str,
    file: &str,
    base: Option<&Path>,
) -> Result<Product, DefineError> {
    let name = r.name.get_ref();
    let fail = |span: std::ops::Range<usize>, message: String| DefineError {
        line: line_of(text, span.start),
        product: name.clone(),
        message,
    };
    if let Some(schema) = &r.schema {
        return from_schema(r, schema, text, file, base);
    }
    let Some(groups) = &r.groups else {
        return Err(fail(
            r.name.span(),
            "names neither groups = [...] nor schema = \"FILE.xsd\"".into(),
        ));
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
    let ids: Vec<&str> = groups.iter().map(|g| g.get_ref().as_str()).collect();
    let origin = format!("{file}, line {}", line_of(text, r.name.span().start));
    Product::new(name, &ids, options, &criteria, &origin).map_err(|e| {
        use super::ProductError as E;
        // Point at the offending group when there is one.
        let offending = match &e {
            E::UnknownGroup(g) | E::NeedsOsoite(g) | E::DuplicateElement { group: g, .. } => {
                groups.iter().rfind(|x| x.get_ref() == g)
            }
            _ => None,
        };
        match offending {
            Some(g) => fail(g.span(), e.to_string()),
            None => fail(r.name.span(), e.to_string()),
        }
    })
}

/// A product read from DVV's response schema named by `schema`.
fn from_schema(
    r: &RawProduct,
    schema: &Spanned<String>,
    text: &str,
    file: &str,
    base: Option<&Path>,
) -> Result<Product, DefineError> {
    let fail = |message: String| DefineError {
        line: line_of(text, schema.span().start),
        product: r.name.get_ref().clone(),
        message,
    };
    let given = [
        ("groups", r.groups.is_some()),
        ("address", r.address.is_some()),
        ("relations", r.relations.is_some()),
        ("kuollut", r.kuollut.is_some()),
        ("criteria", r.criteria.is_some()),
    ];
    if let Some((key, _)) = given.iter().find(|(_, set)| *set) {
        return Err(fail(format!(
            "{key} cannot be given beside schema: the schema decides it"
        )));
    }
    let rel = Path::new(schema.get_ref());
    let path = match base {
        Some(b) if rel.is_relative() => b.join(rel),
        _ => rel.to_path_buf(),
    };
    let imported = super::import::read_file(&path).map_err(|e| fail(format!("schema {e}")))?;
    let origin = format!(
        "{file}, line {}, schema {}",
        line_of(text, r.name.span().start),
        schema.get_ref()
    );
    imported
        .product(r.name.get_ref(), &origin)
        .map_err(|e| fail(format!("schema {}: {e}", schema.get_ref())))
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
        add_all(&doc.product, text, "c.toml", None, &mut p).map(|_| p)
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

    #[test]
    fn a_builtin_product_is_replaced_only_on_purpose() {
        let def = |extra: &str| {
            run(&format!(
                "[[product]]\nname = \"Perussanoma 1\"\ngroups = [\"Henkilotunnus\"]\n{extra}"
            ))
        };
        let e = def("").unwrap_err();
        assert!(e.to_string().contains("replaces_builtin = true"), "{e}");
        let p = def("replaces_builtin = true\n").unwrap();
        let p1 = p.get("PERUSSANOMA 1").unwrap();
        assert_eq!(p1.groups.len(), 1);
        assert_eq!(p1.origin, "c.toml, line 2");
        let e = run(
            "[[product]]\nname = \"Oma\"\ngroups = [\"Henkilotunnus\"]\nreplaces_builtin = true\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("no built-in product"), "{e}");
        let e = run("[[product]]\nname = \"Oma\"\n").unwrap_err();
        assert!(e.to_string().contains("neither groups"), "{e}");
    }
}
