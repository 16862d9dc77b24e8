//! Request payloads in, typed fields out: the operations (with their names on both
//! interfaces) and their parameters, read and checked against the request schema of the
//! project's WSDL ([`crate::soap::schema`]); no parameter name is listed here. Empty
//! elements count as absent, as clients that send all parameters send unused ones empty.

use std::borrow::Cow;

pub use crate::operation::Operation;
use crate::soap::schema::{self, Particle, Violation};
use crate::soap::{Fault, SoapVersion};
use crate::xml::Element;

pub const TEMPURI_NS: &str = "http://tempuri.org/";

/// Chooses the operation from the SOAP action and the body element, which must agree.
pub fn operation(
    version: SoapVersion,
    action: Option<&str>,
    payload: &Element,
) -> Result<Operation, Fault> {
    if payload.ns.as_deref() != Some(TEMPURI_NS) {
        return Err(Fault::client(
            version,
            format!(
                "the body element {} is not in the namespace {TEMPURI_NS}",
                payload.name
            ),
        ));
    }
    let op = Operation::from_name(&payload.name)
        .ok_or_else(|| Fault::client(version, format!("unknown operation {}", payload.name)))?;
    if let Some(action) = action {
        let named = action.strip_prefix(TEMPURI_NS).unwrap_or(action);
        if named != op.name() {
            return Err(Fault::client(
                version,
                format!(
                    "the SOAP action {action:?} does not match the body element {}",
                    op.name()
                ),
            ));
        }
    }
    Ok(op)
}

/// The parameters of one request, by name; absent and empty ones are `None`.
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// The elements sent, in (schema-checked) WSDL order, with their trimmed text; their
    /// names borrowed from the schema when it accepted them.
    values: Vec<(Cow<'static, str>, String)>,
    /// A value that breaks its type's restrictions (length, pattern, characters); the
    /// operation answers it with a return code before any lookup.
    pub invalid: Option<Violation>,
}

impl Params {
    /// Reads the direct-interface payload of `op`, checked against `wsdl/SoSo.wsdl`.
    /// A message of the wrong shape (unknown, misplaced or repeated element, missing
    /// required element, wrong type) is a fault naming the element.
    pub fn read(op: Operation, payload: &Element, version: SoapVersion) -> Result<Self, Fault> {
        let model = schema::direct()
            .element(op.name())
            .ok_or_else(|| Fault::server(version, format!("no schema for {}", op.name())))?;
        Self::read_with(model, payload, version)
    }

    /// Reads a payload against a sequence particle of a request schema.
    pub fn read_with(
        model: &'static Particle,
        payload: &Element,
        version: SoapVersion,
    ) -> Result<Self, Fault> {
        match schema::validate(model, payload) {
            Ok(values) => Ok(Params {
                values,
                invalid: None,
            }),
            Err(v) if v.is_value() => {
                // Keep what was sent, for the audit record and the X-Road echo.
                let values = payload
                    .children
                    .iter()
                    .map(|c| (Cow::Owned(c.name.clone()), c.text.trim().to_string()))
                    .collect();
                Ok(Params {
                    values,
                    invalid: Some(v),
                })
            }
            Err(v) => Err(Fault::client(version, v.to_string())),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The elements sent, in order, with their text (empty for empty elements).
    pub fn sent(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(n, v)| (n.as_ref(), v.as_str()))
    }
}
