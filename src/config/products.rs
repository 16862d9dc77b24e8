//! `[[product]]` and `[[building_product]]`: the administrator's products over the
//! built-in ones. Their raw TOML types live with the products that check them
//! ([`crate::products::define`], [`crate::products::estate`]); this part hands them the
//! file and reports the first refusal.

use super::source::{ConfigError, Source};
use crate::products::Products;
use crate::products::define::RawProduct;
use crate::products::estate::{EstateProducts, RawBuildingProduct};

/// The products in force: built-in, then the configured ones, then the building products.
pub fn products(
    raw: &[toml::Spanned<RawProduct>],
    raw_buildings: &[RawBuildingProduct],
    src: &Source,
) -> Result<(Products, EstateProducts), ConfigError> {
    let (text, file) = (src.text, src.file);
    let invalid = |message: String| src.invalid(message);
    let mut products = Products::builtin();
    crate::products::define::add_all(raw, text, file, src.base, &mut products)
        .map_err(|e| invalid(e.to_string()))?;
    let building_products =
        EstateProducts::with(raw_buildings, |n| products.get(n).is_some()).map_err(invalid)?;
    Ok((products, building_products))
}
