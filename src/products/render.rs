//! Writes the `VTJHenkiloVastaussanoma` document: root attributes, `Asiakasinfo`,
//! `Paluukoodi`, `Hakuperusteet` and, when the code carries data, `Henkilo` with exactly
//! the product's groups in the product's order.

use std::fmt::Write as _;

use jiff::Zoned;

use crate::codes::{CriterionCode, ReturnCode};
use crate::registry::model::Person;
use crate::xml::{XmlOut, push_decimal};

use super::template::Value;
use super::{Criterion, Product, Related};

pub const VTJKYSELY_NS: &str = "http://xml.vrk.fi/schema/vtjkysely";
pub const HENKILOTIEDOT_NS: &str = "http://xml.vrk.fi/schema/vtj/henkilotiedot/1";
#[cfg(test)]
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The root's start tag up to its first attribute that varies: its three namespaces.
const ROOT_HEAD: &str = "<VTJHenkiloVastaussanoma xmlns=\"http://xml.vrk.fi/schema/vtjkysely\" \
     xmlns:vtj=\"http://xml.vrk.fi/schema/vtj/henkilotiedot/1\" \
     xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

/// One echoed search criterion: which, the value sent, and its outcome.
#[derive(Debug, Clone)]
pub struct CriterionEcho {
    pub criterion: Criterion,
    pub value: String,
    pub code: CriterionCode,
}

/// What goes into one response document.
pub struct Answer<'a> {
    pub product_name: &'a str,
    pub code: ReturnCode,
    /// Replaces the code's standard text (0005 notices carry their own).
    pub code_text: Option<&'a str>,
    pub criteria: &'a [CriterionEcho],
    /// The person and how to render them; `None` renders no `Henkilo`.
    pub person: Option<PersonView<'a>>,
    /// The extraction time, in Finnish local time.
    pub now: &'a Zoned,
}

/// A person as a product shows them.
pub struct PersonView<'a> {
    pub person: &'a Person,
    pub product: &'a Product,
    pub related: &'a Related,
    /// Withhold address and location groups (non-disclosure applies to this reader).
    pub withhold_location: bool,
}

/// The rendered document and the ids of the groups that carried person data.
pub struct Rendered {
    pub xml: String,
    pub groups: Vec<&'static str>,
}

/// The extraction time as the root's `tietojenPoimintaaika` (`yyyyMMddHHmmss`) and as the
/// `Asiakasinfo` texts (`dd.MM.yyyy HH:mm`), without a format string to interpret.
fn stamps(now: &Zoned) -> (String, String) {
    let (y, mo, d) = (now.year(), now.month(), now.day());
    let (h, mi, s) = (now.hour(), now.minute(), now.second());
    let mut stamp = String::with_capacity(14);
    let mut info = String::with_capacity(16);
    year(&mut stamp, y);
    for n in [mo, d, h, mi, s] {
        two(&mut stamp, n);
    }
    two(&mut info, d);
    info.push('.');
    two(&mut info, mo);
    info.push('.');
    year(&mut info, y);
    info.push(' ');
    two(&mut info, h);
    info.push(':');
    two(&mut info, mi);
    (stamp, info)
}

/// Two digits of a calendar field (0 to 99).
fn two(out: &mut String, n: i8) {
    push_decimal(out, n.unsigned_abs().into(), 2);
}

/// A year in at least four digits (`{y:04}`).
fn year(out: &mut String, y: i16) {
    match u32::try_from(y) {
        Ok(y) => push_decimal(out, y, 4),
        Err(_) => {
            let _ = write!(out, "{y:04}");
        }
    }
}

pub fn render(answer: &Answer<'_>) -> Rendered {
    render_with(answer, &[])
}

/// As [`render`], with a `Henkilo` for each of `more` after the answer's own person (an
/// extraction answers several persons; docs/extraction.md).
pub fn render_with(answer: &Answer<'_>, more: &[PersonView<'_>]) -> Rendered {
    let mut xml = String::with_capacity(8192);
    let groups = render_into(answer, more, &mut xml);
    Rendered { xml, groups }
}

/// As [`render_with`], appending the document to `buf` (the response envelope's head is
/// already there, so the answer is written once, in place); returns the ids of the groups
/// that carried person data.
pub fn render_into(
    answer: &Answer<'_>,
    more: &[PersonView<'_>],
    buf: &mut String,
) -> Vec<&'static str> {
    let mut out = XmlOut::appending(std::mem::take(buf));
    let (stamp, info) = stamps(answer.now);
    // The fixed parts are written as they are: the namespaces, the digits of the stamps
    // and the criteria's texts need no escaping (a test holds the texts to that).
    out.raw(ROOT_HEAD).attr("sanomatunnus", answer.product_name);
    out.raw(" tietojenPoimintaaika=\"")
        .raw(&stamp)
        .raw("\" versio=\"1.0\" xsi:schemaLocation=\"")
        .raw(VTJKYSELY_NS)
        .raw(" ")
        .text(answer.product_name)
        .raw(".xsd\">");
    out.raw("<Asiakasinfo><InfoS>")
        .raw(&info)
        .raw("</InfoS><InfoR>")
        .raw(&info)
        .raw("</InfoR><InfoE>")
        .raw(&info)
        .raw("</InfoE></Asiakasinfo>");
    out.leaf(
        "Paluukoodi",
        &[("koodi", answer.code.code())],
        answer.code_text.unwrap_or(answer.code.text()),
    );
    out.raw("<Hakuperusteet>");
    for c in answer.criteria {
        let (s, r, e) = c.code.texts();
        let element = c.criterion.element();
        out.raw("<").raw(element);
        for (name, value) in [
            (" hakuperustePaluukoodi=\"", c.code.code()),
            ("\" hakuperusteTekstiE=\"", e),
            ("\" hakuperusteTekstiR=\"", r),
            ("\" hakuperusteTekstiS=\"", s),
        ] {
            out.raw(name).raw(value);
        }
        if c.value.is_empty() {
            out.raw("\"/>");
        } else {
            out.raw("\">")
                .text(&c.value)
                .raw("</")
                .raw(element)
                .raw(">");
        }
    }
    out.close("Hakuperusteet");
    // The groups that carried data: at most the product's, allocated once.
    let mut groups =
        Vec::with_capacity(answer.person.as_ref().map_or(0, |v| v.product.groups.len()));
    let views = answer.person.iter().chain(more);
    for view in views.filter(|_| answer.code.carries_data()) {
        out.open("Henkilo", &[]);
        for g in &view.product.groups {
            let value = if g.def.location && view.withhold_location {
                Value::Empty
            } else {
                (g.def.extract)(view.person, view.related)
            };
            if value.has_data() && !groups.contains(&g.def.id) {
                groups.push(g.def.id);
            }
            g.compiled.write(&value, &mut out);
        }
        out.close("Henkilo");
    }
    out.close("VTJHenkiloVastaussanoma");
    *buf = out.into_string();
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed markup written as it is equals what the writer makes of it.
    #[test]
    fn fixed_markup_is_what_the_writer_would_write() {
        let mut out = XmlOut::new();
        out.open(
            "VTJHenkiloVastaussanoma",
            &[
                ("xmlns", VTJKYSELY_NS),
                ("xmlns:vtj", HENKILOTIEDOT_NS),
                ("xmlns:xsi", XSI_NS),
            ],
        );
        assert_eq!(out.as_str(), format!("{ROOT_HEAD}>"));
        for code in [
            CriterionCode::NotFound,
            CriterionCode::Found,
            CriterionCode::Passive,
            CriterionCode::TooMany,
            CriterionCode::NotUsed,
        ] {
            let (s, r, e) = code.texts();
            for text in [code.code(), s, r, e] {
                let mut escaped = String::new();
                crate::xml::escape_into(&mut escaped, text);
                assert_eq!(escaped, text);
            }
        }
    }

    #[test]
    fn stamps_match_the_published_formats() {
        for text in [
            "2026-01-02T03:04:05+02:00[Europe/Helsinki]",
            "2026-12-31T23:59:59+02:00[Europe/Helsinki]",
            "0999-07-08T00:00:00+00:00[UTC]",
            "0009-10-11T12:13:14+00:00[UTC]",
            "-000044-03-15T12:00:00+00:00[UTC]",
        ] {
            let now: Zoned = text.parse().unwrap();
            let (stamp, info) = stamps(&now);
            assert_eq!(stamp, now.strftime("%Y%m%d%H%M%S").to_string());
            assert_eq!(info, now.strftime("%d.%m.%Y %H:%M").to_string());
        }
    }
}
