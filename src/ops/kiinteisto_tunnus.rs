//! `TeeKiinteistoTunnusKysely`: a property by its property identifier
//! (`Kiinteistotunnus`). Authorises with a building product ([`super::estate`]) and answers
//! `VTJKiinteistoVastaussanoma` (docs/buildings.md): `0000` with the property and its
//! buildings as the product shows them, `0001` when no property is stored under the
//! identifier, `0006` when it is malformed, `0005` when none is sent.

use crate::app::App;
use crate::audit::AuditRecord;
use crate::ids::{IdError, PropertyId};

use crate::codes::ReturnCode;
use crate::products::estate_render::{self, Subject};
use crate::registry::store::RegistryError;

use super::Caller;
use super::estate;
use super::rakennus_tunnus::outcome;
use super::request::{Operation, Params};

/// The typed request; an identifier that does not parse keeps its error for the handler.
#[derive(Debug, Clone)]
pub struct Request {
    pub kiinteistotunnus: Option<(String, Result<PropertyId, IdError>)>,
}

impl Request {
    pub fn parse(p: &Params) -> Self {
        Request {
            kiinteistotunnus: p
                .get("Kiinteistotunnus")
                .map(|s| (s.to_string(), s.parse())),
        }
    }
}

/// Answers the query with a VTJ document.
pub fn answer(
    app: &App,
    caller: &Caller,
    params: &Params,
    record: &mut AuditRecord,
) -> Result<String, String> {
    let req = Request::parse(params);
    record.search_key = req
        .kiinteistotunnus
        .as_ref()
        .map(|(v, _)| ("Kiinteistotunnus".to_string(), v.clone()));
    let auth = match estate::authorised(
        app,
        caller,
        Operation::TeeKiinteistoTunnusKysely,
        params,
        record,
    ) {
        Ok(a) => a,
        Err(document) => return Ok(document),
    };
    let registry = &app.registry;
    let err = |e: RegistryError| e.to_string();
    let mut criteria = Vec::new();
    let (code, text, subject) = match &req.kiinteistotunnus {
        None => (ReturnCode::Notice, Some(estate::NO_KEY_TEXT), None),
        Some((sent, id)) => {
            let found = match id {
                Ok(id) => registry.property(id).map_err(err)?,
                Err(_) => None,
            };
            let (code, ccode) = outcome(id.is_ok(), found.is_some());
            criteria.push(("Kiinteistotunnus", sent.clone(), ccode));
            let subject = match found {
                Some(p) => {
                    let mut buildings = Vec::new();
                    for b in registry.buildings_of(&p.id).map_err(err)? {
                        buildings
                            .push(estate::view(registry, &auth.product, b, None).map_err(err)?);
                    }
                    Some(Subject::Property(p, buildings))
                }
                None => None,
            };
            (code, None, subject)
        }
    };
    Ok(estate::answer(
        record,
        estate_render::PROPERTY_ROOT,
        &auth.product.name,
        code,
        text,
        &criteria,
        subject,
    ))
}
