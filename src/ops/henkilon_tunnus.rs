//! `TeeHenkilonTunnusKysely`: a person by identity code or SATU. Parse the parameters,
//! authorise (credentials, end user, product), look the person up, render the product.

use std::collections::HashMap;

use crate::access::Organisation;
use crate::codes::{CriterionCode, ReturnCode};
use crate::ids::{Hetu, Satu};
use crate::products::catalogue::Residents;
use crate::products::render::{CriterionEcho, PersonView};
use crate::products::{Criterion, Product, Related};
use crate::registry::model::Person;
use crate::registry::store::{Lookup, Registry, RegistryError};

use super::Authorised;
use super::request::Params;

/// The typed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub henkilotunnus: Option<String>,
    pub satu: Option<String>,
}

impl Request {
    pub fn parse(p: &Params) -> Self {
        Request {
            henkilotunnus: p.get("Henkilotunnus").map(str::to_string),
            satu: p.get("SahkoinenAsiointitunnus").map(str::to_string),
        }
    }

    /// The criterion used as the search key and its value.
    pub fn search_key(&self) -> Option<(Criterion, &str)> {
        match (&self.henkilotunnus, &self.satu) {
            (Some(h), _) => Some((Criterion::Henkilotunnus, h)),
            (None, Some(s)) => Some((Criterion::SahkoinenAsiointitunnus, s)),
            (None, None) => None,
        }
    }
}

/// What the query found, before rendering.
pub struct Found {
    pub code: ReturnCode,
    pub code_text: Option<&'static str>,
    pub criteria: Vec<CriterionEcho>,
    pub person: Option<(Person, Related)>,
}

/// Runs the query for an authorised organisation.
pub fn apply(
    req: &Request,
    auth: &Authorised,
    registry: &Registry,
    today: jiff::civil::Date,
) -> Result<Found, RegistryError> {
    let product: &Product = &auth.product;
    let Some((used, value)) = req.search_key() else {
        return Ok(Found {
            code: ReturnCode::Notice,
            code_text: Some(crate::hakuxml::CRITERION_MISSING),
            criteria: echo(product, None, CriterionCode::NotFound),
            person: None,
        });
    };
    let lookup = match used {
        Criterion::Henkilotunnus => match value.parse::<Hetu>() {
            Ok(h) => Some(registry.find_by_hetu(&h)?),
            Err(_) => None,
        },
        Criterion::SahkoinenAsiointitunnus => match value.parse::<Satu>() {
            Ok(s) => Some(registry.find_by_satu(&s)?),
            Err(_) => None,
        },
        // Identification criteria are never an identifier query's key.
        _ => None,
    };
    let (code, ccode, person) = match lookup {
        // A malformed identifier cannot name anyone: 0006, the key gave no data.
        None => (ReturnCode::NotFoundByKey, CriterionCode::NotFound, None),
        Some(Lookup::NotFound) => (ReturnCode::NotFound, CriterionCode::NotFound, None),
        Some(Lookup::Found(p)) => (ReturnCode::Ok, CriterionCode::Found, Some(p)),
        Some(Lookup::Passive(p)) => (ReturnCode::Passivated, CriterionCode::Passive, Some(p)),
    };
    // A deceased person's data only for a permit that grants it (0007 otherwise).
    let (code, person) = match person {
        Some(p) if p.death_date.is_some() && !auth.organisation.permit.deceased => {
            (ReturnCode::Deceased, None)
        }
        other => (code, other),
    };
    let person = match person {
        Some(p) => {
            let related = related(&p, registry, today, product)?;
            Some((p, related))
        }
        None => None,
    };
    Ok(Found {
        code,
        code_text: None,
        criteria: echo(product, Some((used, value)), ccode),
        person,
    })
}

/// The `Hakuperusteet` echo: each criterion the product shows, with the used one's outcome.
fn echo(
    product: &Product,
    used: Option<(Criterion, &str)>,
    outcome: CriterionCode,
) -> Vec<CriterionEcho> {
    product
        .criteria
        .iter()
        .map(|c| match used {
            Some((u, v)) if u == *c => CriterionEcho {
                criterion: *c,
                value: v.to_string(),
                code: outcome,
            },
            Some(_) => CriterionEcho {
                criterion: *c,
                value: String::new(),
                code: CriterionCode::NotUsed,
            },
            None => CriterionEcho {
                criterion: *c,
                value: String::new(),
                code: outcome,
            },
        })
        .collect()
}

/// Fetches what `product` shows beyond the person's own record: the persons the person's
/// relations name (for their names in the answer) and the residents of the dwelling.
pub(crate) fn related(
    p: &Person,
    registry: &Registry,
    today: jiff::civil::Date,
    product: &Product,
) -> Result<Related, RegistryError> {
    let reads = product.reads();
    let mut related = Related::new(HashMap::new());
    if reads.residents {
        related.residents = residents(p, registry, today)?;
    }
    if !reads.relations {
        return Ok(related);
    }
    let map = &mut related.persons;
    // Only the lists a group of the product shows the related persons of.
    let lists = reads.lists;
    let hetus = p
        .guardians
        .iter()
        .filter(|_| lists.guardians)
        .map(|g| &g.hetu)
        .chain(p.dependants.iter().filter(|_| lists.dependants))
        .chain(p.children.iter().filter(|_| lists.children))
        .chain(
            p.guardianship
                .iter()
                .filter(|_| lists.guardianship)
                .flat_map(|g| g.person_guardians.iter().map(|x| &x.hetu)),
        )
        .chain(
            p.powers_of_attorney
                .iter()
                .filter(|_| lists.powers_of_attorney)
                .flat_map(|a| a.attorneys.iter().map(|x| &x.hetu)),
        );
    for h in hetus {
        if !map.contains_key(h)
            && let Some(r) = registry.get(h)?
        {
            map.insert(h.clone(), r);
        }
    }
    Ok(related)
}

/// Who lives in the person's dwelling (ASUKASLKM2): everyone registered there, and those
/// under 18 on the register's date (`today`). `None` when the person has no dwelling on record.
fn residents(
    p: &Person,
    registry: &Registry,
    today: jiff::civil::Date,
) -> Result<Option<Residents>, RegistryError> {
    let Some(dwelling) = p
        .permanent_address
        .as_ref()
        .and_then(|a| a.dwelling.as_ref())
    else {
        return Ok(None);
    };
    let people = registry.residents_of(dwelling)?;
    let minors = people
        .iter()
        .filter(|r| {
            r.birth_date()
                .checked_add(jiff::Span::new().years(18))
                .is_ok_and(|adult| adult > today)
        })
        .map(|r| r.hetu.clone())
        .collect();
    Ok(Some(Residents {
        count: people.len() as u32,
        minors,
    }))
}

/// Whether non-disclosure withholds location data from this organisation.
pub fn withhold_location(person: &Person, org: &Organisation) -> bool {
    person.non_disclosure.is_some() && !org.permit.non_disclosure
}

/// The view of the found person for rendering.
pub fn view<'a>(found: &'a Found, auth: &'a Authorised, withhold: bool) -> Option<PersonView<'a>> {
    found.person.as_ref().map(|(person, related)| PersonView {
        person,
        product: &auth.product,
        related,
        withhold_location: withhold,
    })
}
