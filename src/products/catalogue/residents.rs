//! The resident-count groups of `ASUKASLKM2`: how many live in the person's dwelling, how
//! many of them are under 18, and their identity codes. The numbers come from
//! [`Related::residents`], which the operation fills from dwelling residency when it knows
//! it; without it the groups are written empty.

use super::super::template::{Record, Value, group, leaf, many};
use super::{Alt, GroupDef, Related};

fn residents(rel: &Related) -> Option<&super::Residents> {
    rel.residents.as_ref()
}

pub(super) static GROUPS: &[GroupDef] = &[
    GroupDef {
        id: "AsukasLkm",
        node: leaf("AsukasLkm", "vtj:AsukasLkmTyyppi"),
        alt: Alt::None,
        extract: |_, rel| residents(rel).map(|r| r.count.to_string()).into(),
        location: true,
        about: "the number of residents of the person's dwelling",
    },
    GroupDef {
        id: "AsukkaatAlle18v",
        node: group(
            "AsukkaatAlle18v",
            &[leaf("AsukasLkm", "vtj:AsukasLkmTyyppi")],
        ),
        alt: Alt::None,
        extract: |_, rel| {
            Record::new()
                .with(
                    "AsukasLkm",
                    residents(rel).map(|r| r.minors.len().to_string()),
                )
                .into()
        },
        location: true,
        about: "the number of residents under 18 in the person's dwelling",
    },
    GroupDef {
        id: "AsukasAlle18v",
        node: many(
            "AsukasAlle18v",
            &[leaf("Henkilotunnus", "vtj:HenkilotunnusTyyppi")],
        ),
        alt: Alt::None,
        extract: |_, rel| -> Value<'_> {
            residents(rel)
                .map(|r| {
                    r.minors
                        .iter()
                        .map(|h| Record::new().with("Henkilotunnus", h.as_str()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
                .into()
        },
        location: true,
        about: "identity codes of the residents under 18",
    },
];
