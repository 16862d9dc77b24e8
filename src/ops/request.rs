//! Request payloads in, typed fields out: the operations of the direct interface, their
//! parameter lists (WSDL order) and the common parameters every query carries. Empty
//! elements count as absent, as clients that send all parameters send unused ones empty.

use crate::soap::{Fault, SoapVersion};
use crate::xml::Element;

pub const TEMPURI_NS: &str = "http://tempuri.org/";

const COMMON: &[&str] = &[
    "SoSoNimi",
    "Kayttajatunnus",
    "Salasana",
    "Loppukayttaja",
    "Laskutustiedot",
];

/// The operations of the direct interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    HaeTuotteenSkeema,
    TeeHenkilonTunnusKysely,
    TeeHenkilonTunnistusKysely,
    TeeHenkilonPoimintaKysely,
    TeeRakennusTunnusKysely,
    TeeRakennuksenTunnistusKysely,
    TeeKiinteistoTunnusKysely,
    TeeKiinteistonTunnistusKysely,
}

impl Operation {
    pub const ALL: [Operation; 8] = [
        Operation::HaeTuotteenSkeema,
        Operation::TeeHenkilonTunnusKysely,
        Operation::TeeHenkilonTunnistusKysely,
        Operation::TeeHenkilonPoimintaKysely,
        Operation::TeeRakennusTunnusKysely,
        Operation::TeeRakennuksenTunnistusKysely,
        Operation::TeeKiinteistoTunnusKysely,
        Operation::TeeKiinteistonTunnistusKysely,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::HaeTuotteenSkeema => "HaeTuotteenSkeema",
            Operation::TeeHenkilonTunnusKysely => "TeeHenkilonTunnusKysely",
            Operation::TeeHenkilonTunnistusKysely => "TeeHenkilonTunnistusKysely",
            Operation::TeeHenkilonPoimintaKysely => "TeeHenkilonPoimintaKysely",
            Operation::TeeRakennusTunnusKysely => "TeeRakennusTunnusKysely",
            Operation::TeeRakennuksenTunnistusKysely => "TeeRakennuksenTunnistusKysely",
            Operation::TeeKiinteistoTunnusKysely => "TeeKiinteistoTunnusKysely",
            Operation::TeeKiinteistonTunnistusKysely => "TeeKiinteistonTunnistusKysely",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }

    /// The operation's own parameters after the common ones, in WSDL order.
    fn own_params(self) -> &'static [&'static str] {
        match self {
            Operation::HaeTuotteenSkeema => &[],
            Operation::TeeHenkilonTunnusKysely => &[
                "Henkilotunnus",
                "SahkoinenAsiointitunnus",
                "VarmenteenMyontaja",
                "X509Certificate",
                "VarmenteenVoimassaolotarkistus",
                "VarmenteenSulkulistatarkistus",
                "Tunnistusportaali",
                "Vara1",
            ],
            Operation::TeeRakennusTunnusKysely => &["Rakennustunnus", "Huoneistotunnus", "Vara1"],
            Operation::TeeKiinteistoTunnusKysely => &["Kiinteistotunnus", "Vara1"],
            _ => &["HakuXml", "Vara1"],
        }
    }

    /// Every parameter element the operation accepts, in order.
    pub fn params(self) -> Vec<&'static str> {
        match self {
            Operation::HaeTuotteenSkeema => vec!["SoSoNimi", "laji"],
            _ => COMMON.iter().chain(self.own_params()).copied().collect(),
        }
    }
}

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
    values: Vec<(&'static str, Option<String>)>,
}

impl Params {
    /// Reads the payload's parameter elements. Unknown or repeated elements are refused.
    pub fn read(op: Operation, payload: &Element, version: SoapVersion) -> Result<Self, Fault> {
        let names = op.params();
        let mut values: Vec<(&'static str, Option<String>)> = Vec::new();
        for child in &payload.children {
            let name = names
                .iter()
                .find(|n| **n == child.name)
                .filter(|_| child.ns.as_deref() == Some(TEMPURI_NS))
                .ok_or_else(|| {
                    Fault::client(
                        version,
                        format!(
                            "unexpected element {{{}}}{} in {}",
                            child.ns.as_deref().unwrap_or(""),
                            child.name,
                            op.name()
                        ),
                    )
                })?;
            if values.iter().any(|(n, _)| n == name) {
                return Err(Fault::client(
                    version,
                    format!("element {name} is given twice in {}", op.name()),
                ));
            }
            if !child.children.is_empty() {
                return Err(Fault::client(
                    version,
                    format!("element {name} must hold text, not elements"),
                ));
            }
            let text = child.text.trim();
            values.push((name, (!text.is_empty()).then(|| text.to_string())));
        }
        Ok(Params { values })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_deref())
    }
}
