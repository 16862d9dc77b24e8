//! `HaeTuotteenSkeema`: the response schema (XSD) of a product, by `SoSoNimi`. The WSDL
//! gives this operation no credentials (only `SoSoNimi` and `laji`), so the client
//! certificate's organisation is the caller: it gets the schemas of the products its permit
//! names, and any other name (unknown or not permitted) is refused alike, so the operation
//! does not reveal which products exist. `laji` must be an `xs:short`; its meaning is not
//! public and every value returns the same schema (docs/products.md).

use crate::access::Organisation;
use crate::products::{Products, normalise, schema};
use crate::soap::{Fault, SoapVersion};

use super::request::Params;

/// The typed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub product: String,
    pub laji: i16,
}

impl Request {
    pub fn parse(p: &Params) -> Result<Self, String> {
        let product = p
            .get("SoSoNimi")
            .ok_or("SoSoNimi (the product name) is missing")?;
        let laji = p
            .get("laji")
            .ok_or("laji is missing (the WSDL requires it)")?;
        let laji = laji
            .parse::<i16>()
            .map_err(|_| format!("laji {laji:?} is not an xs:short"))?;
        Ok(Request {
            product: product.to_string(),
            laji,
        })
    }
}

/// The `xs:schema` element answering the request, or the fault refusing it.
pub fn answer(
    organisation: Option<&Organisation>,
    products: &Products,
    params: &Params,
    version: SoapVersion,
) -> Result<String, Fault> {
    let req = Request::parse(params).map_err(|m| Fault::client(version, m))?;
    let product = products
        .get(&req.product)
        .filter(|p| organisation.is_some_and(|o| o.has_product(&normalise(&p.name))))
        .ok_or_else(|| {
            Fault::client(
                version,
                format!(
                    "-1900 product {:?} not found (Tuotetta ei löydy)",
                    req.product
                ),
            )
        })?;
    let xsd = schema::product_schema(&product);
    // Embedded in the result element: without the XML declaration.
    Ok(xsd
        .split_once("?>\n")
        .map(|(_, rest)| rest.to_string())
        .unwrap_or(xsd))
}

/// Where `GET` serves the schemas: `/schemas/<product>.xsd` and the catalogue beside them.
pub const SCHEMAS_PATH: &str = "/schemas/";

/// The schema file a `GET /schemas/<file>` names (percent-encoded, `PERUSSANOMA%203.xsd`),
/// under the same rule as the operation; `Err((HTTP status, reason))` otherwise.
pub fn schema_file(
    organisation: Option<&Organisation>,
    products: &Products,
    file: &str,
) -> Result<String, (u16, String)> {
    let Some(org) = organisation else {
        return Err((
            403,
            "the client certificate is not registered to any organisation".into(),
        ));
    };
    let name = schema::percent_decode(file).ok_or((404, format!("bad file name {file:?}")))?;
    if name == schema::CATALOGUE_FILE {
        return Ok(schema::CATALOGUE.to_string());
    }
    name.strip_suffix(".xsd")
        .and_then(|n| products.get(n))
        .filter(|p| org.has_product(&normalise(&p.name)))
        .map(|p| schema::product_schema(&p))
        .ok_or((404, format!("no schema {name:?} for this organisation")))
}
