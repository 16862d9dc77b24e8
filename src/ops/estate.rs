//! What the building and property lookups share: authorising with a building product
//! (the product permit as for person products, plus the `residents` permit flag for a
//! product that shows residents' identity codes), and building the view of a building as
//! the product shows it. The operations themselves are [`super::rakennus_tunnus`] and
//! [`super::kiinteisto_tunnus`].

use crate::app::App;
use crate::audit::AuditRecord;
use crate::codes::{CriterionCode, ReturnCode};
use crate::products::estate::EstateProduct;
use crate::products::estate_render::{self, BuildingView, DwellingView, EstateAnswer, Subject};
use crate::registry::estate::{Building, Dwelling};
use crate::registry::store::{Registry, RegistryError};

use super::request::{Operation, Params};
use super::{Authorised, Caller, authorise_with, helsinki_now};

/// The `0005` text when no identifier is sent.
pub const NO_KEY_TEXT: &str = crate::hakuxml::CRITERION_MISSING;

/// Runs the shared checks with a building product: the authorised query (its product
/// recorded) or the refusal document (code and reason recorded).
pub fn authorised(
    app: &App,
    caller: &Caller,
    op: Operation,
    params: &Params,
    record: &mut AuditRecord,
) -> Result<Authorised<EstateProduct>, String> {
    let root = match op {
        Operation::TeeKiinteistoTunnusKysely | Operation::TeeKiinteistonTunnistusKysely => {
            estate_render::PROPERTY_ROOT
        }
        _ => estate_render::BUILDING_ROOT,
    };
    let refused = |record: &mut AuditRecord, code: ReturnCode, text: Option<&str>, reason| {
        record.refused_because = Some(reason);
        record.return_code = code.code().into();
        refusal(root, record.product.as_deref().unwrap_or(""), code, text)
    };
    let auth = authorise_with(app, caller.organisation.as_ref(), op, params, |s, n| {
        s.building_products.get(n).map(|p| {
            let name = p.name.clone();
            (p, name)
        })
    })
    .map_err(|r| refused(record, r.code, r.text, r.reason))?;
    record.product = Some(auth.product.name.clone());
    if auth.product.residents && !auth.organisation.permit.residents {
        return Err(refused(
            record,
            ReturnCode::CannotDisclose,
            None,
            format!(
                "product {} needs the residents permit flag",
                auth.product.name
            ),
        ));
    }
    Ok(auth)
}

/// Records the outcome in the audit record (the code, and the group when a building or
/// property is disclosed) and writes the document.
pub fn answer(
    record: &mut AuditRecord,
    root: &'static str,
    product_name: &str,
    code: ReturnCode,
    code_text: Option<&str>,
    criteria: &[(&'static str, String, CriterionCode)],
    subject: Option<Subject>,
) -> String {
    record.return_code = code.code().into();
    match &subject {
        Some(Subject::Building(_)) => record.groups = vec!["Rakennus".into()],
        Some(Subject::Property(..)) => record.groups = vec!["Kiinteisto".into()],
        None => {}
    }
    estate_render::render(&EstateAnswer {
        root,
        product_name,
        code,
        code_text,
        criteria,
        subject,
        now: &helsinki_now(),
    })
}

/// A building or property document that carries only a return code.
pub fn refusal(root: &'static str, product: &str, code: ReturnCode, text: Option<&str>) -> String {
    estate_render::render(&EstateAnswer {
        root,
        product_name: product,
        code,
        code_text: text,
        criteria: &[],
        subject: None,
        now: &helsinki_now(),
    })
}

/// The building as the product shows it: with all its dwellings when the product lists
/// dwellings, or with `only` (the dwelling asked for) whatever the product.
pub fn view(
    registry: &Registry,
    product: &EstateProduct,
    building: Building,
    only: Option<Dwelling>,
) -> Result<BuildingView, RegistryError> {
    let dwellings = match only {
        Some(d) => vec![d],
        None if product.dwellings || product.residents => registry.dwellings_of(&building.prt)?,
        None => Vec::new(),
    };
    let dwellings = dwellings
        .into_iter()
        .map(|d| DwellingView {
            residents: product.residents.then(|| d.residents.clone()),
            dwelling: d,
        })
        .collect();
    Ok(BuildingView {
        building,
        dwellings,
    })
}

/// The outcome of an identification search: one match (`0000`, criteria found), none
/// (`0001`), or several (`0005` "Löytyi useampi kuin 1.", criteria code 3).
pub fn identified<T>(
    mut found: Vec<T>,
) -> (ReturnCode, Option<&'static str>, CriterionCode, Option<T>) {
    match found.len() {
        0 => (ReturnCode::NotFound, None, CriterionCode::NotFound, None),
        1 => (ReturnCode::Ok, None, CriterionCode::Found, found.pop()),
        _ => (
            ReturnCode::Notice,
            Some(super::henkilon_tunnistus::SEVERAL_TEXT),
            CriterionCode::TooMany,
            None,
        ),
    }
}

/// The `Hakuperusteet` echo of the criteria sent (blank ones left out).
pub fn echo(
    sent: &[(&'static str, &Option<String>)],
    code: CriterionCode,
) -> Vec<(&'static str, String, CriterionCode)> {
    sent.iter()
        .filter_map(|(element, v)| {
            let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
            Some((*element, v.to_string(), code))
        })
        .collect()
}
