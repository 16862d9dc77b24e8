//! The integrators' catalogue: the test persons (fixtures and generated), filterable by
//! edge case, century sign, source and product, paged by a cursor over the registry's key
//! order (one record in memory at a time, at most [`SCAN_BUDGET`] examined a request, so a
//! page costs the same at 5.6 M persons as at 50); a person with what each of the reader's
//! products answers and a ready SOAP 1.1 request and curl line; the products with their
//! groups and XSDs. Showing a person's answers is itself an audit record
//! (`console.catalogue.person`, the identity code as its search key).

use std::sync::Arc;

use hyper::StatusCode;

use crate::access::Organisation;
use crate::ids::Hetu;
use crate::ops::Authorised;
use crate::ops::henkilon_tunnus;
use crate::products::render::{self, Answer};
use crate::products::{Product, schema};
use crate::registry::model::Person;
use crate::registry::store::{Lookup, RegistryError};

use super::html::{self, Message, esc};
use super::page::{Reply, Req, problem};
use super::session::Session;
use super::state::Console;

/// Persons a page.
pub const PAGE: usize = 25;
/// The most persons one request examines; past it the page ends with a "continue" link.
pub const SCAN_BUDGET: usize = 20_000;

/// The edge cases the catalogue filters by.
pub const CASES: &[(&str, &str)] = &[
    ("non-disclosure", "non-disclosure (turvakielto)"),
    ("deceased", "deceased"),
    ("declared-dead", "declared dead"),
    ("passivated", "passivated identity code"),
    ("minor-with-guardians", "minor with guardians"),
    ("guardianship", "under guardianship (edunvalvonta)"),
    ("foreign-address", "foreign address"),
];

/// Groups every found person's answer carries: the product filter looks past them.
const IDENTITY_GROUPS: &[&str] = &["Henkilotunnus", "NykyinenSukunimi", "NykyisetEtunimet"];

/// Every century sign, the 2023 ones included.
pub const CENTURY_SIGNS: &[char] = &[
    '+', '-', 'Y', 'X', 'W', 'V', 'U', 'A', 'B', 'C', 'D', 'E', 'F',
];

/// Whether a person is an example of the edge case `case` (one of [`CASES`]).
pub fn is_case(case: &str, p: &Person, today: jiff::civil::Date) -> bool {
    match case {
        "non-disclosure" => p.non_disclosure.is_some(),
        "deceased" => p.death_date.is_some(),
        "declared-dead" => p.declared_dead_date.is_some(),
        "passivated" => !p.passive_hetus.is_empty(),
        "minor-with-guardians" => {
            !p.guardians.is_empty()
                && p.birth_date()
                    .checked_add(jiff::Span::new().years(18))
                    .is_ok_and(|adult| adult > today)
        }
        "guardianship" => p.guardianship.is_some(),
        "foreign-address" => {
            p.permanent_foreign_address.is_some()
                || !p.temporary_foreign_addresses.is_empty()
                || !p.foreign_postal_addresses.is_empty()
        }
        _ => false,
    }
}

/// The products a session may preview: an organisation's permitted ones; none for auditors
/// (they get no population data).
fn products_of(c: &Console, s: &Session) -> (Option<Arc<Organisation>>, Vec<Arc<Product>>) {
    let settings = c.app.settings();
    match c.organisation(&s.role) {
        Some(o) => {
            let list = o
                .products
                .iter()
                .filter_map(|n| settings.products.get(n))
                .collect();
            (Some(o), list)
        }
        None => (None, Vec::new()),
    }
}

/// What one product answers about a person, as the SOAP interface would render it.
pub struct Preview {
    pub code: String,
    pub groups: Vec<&'static str>,
    pub xml: String,
}

/// Renders the answer of `product` to a `TeeHenkilonTunnusKysely` for `hetu` as the
/// organisation's user would get it (permits, non-disclosure and deceased rules applied).
pub fn preview(
    c: &Console,
    org: &Arc<Organisation>,
    user: &str,
    product: &Arc<Product>,
    hetu: &str,
) -> Result<Preview, String> {
    let auth = Authorised {
        organisation: org.clone(),
        product: product.clone(),
        kayttajatunnus: user.to_string(),
    };
    let req = henkilon_tunnus::Request {
        henkilotunnus: Some(hetu.to_string()),
        satu: None,
    };
    let today = c.app.settings().register_date();
    let found =
        henkilon_tunnus::apply(&req, &auth, &c.app.registry, today).map_err(|e| e.to_string())?;
    let withhold = found
        .person
        .as_ref()
        .is_some_and(|(p, _)| henkilon_tunnus::withhold_location(p, org));
    let now = crate::ops::helsinki_now();
    let rendered = render::render(&Answer {
        product_name: &product.name,
        code: found.code,
        code_text: found.code_text,
        criteria: &found.criteria,
        person: henkilon_tunnus::view(&found, &auth, withhold),
        now: &now,
    });
    Ok(Preview {
        code: found.code.code().to_string(),
        groups: rendered.groups,
        xml: rendered.xml,
    })
}

fn tags(c: &Console, p: &Person, today: jiff::civil::Date) -> String {
    let mut t: Vec<&str> = CASES
        .iter()
        .filter(|(k, _)| is_case(k, p, today))
        .map(|(_, label)| *label)
        .collect();
    if c.is_fixture(p.hetu.as_str()) {
        t.push("fixture");
    }
    esc(&t.join(", "))
}

/// `GET /catalogue`: a filtered page of test persons after the cursor `after`.
pub async fn persons(c: &Console, req: &Req, s: &Session) -> Reply {
    let (org, products) = products_of(c, s);
    let case = req.param("case").to_string();
    let sign = req.param("century").to_string();
    let source = req.param("source").to_string();
    let product_name = req.param("product").to_string();
    let after = req.param("after").to_string();
    let mut case_options = vec![(String::new(), "any".to_string())];
    case_options.extend(CASES.iter().map(|(k, l)| (k.to_string(), l.to_string())));
    let mut sign_options = vec![(String::new(), "any".to_string())];
    sign_options.extend(CENTURY_SIGNS.iter().map(|c| (c.to_string(), c.to_string())));
    let source_options = [
        ("", "fixtures and generated"),
        ("fixture", "fixtures"),
        ("generated", "generated"),
    ]
    .map(|(a, b)| (a.to_string(), b.to_string()));
    let mut product_options = vec![(String::new(), "any".to_string())];
    product_options.extend(products.iter().map(|p| {
        (
            p.name.clone(),
            format!("{} answers more than the name", p.name),
        )
    }));
    let form = format!(
        "<form method=\"get\" action=\"/catalogue\" class=\"filters\" id=\"catalogue-form\">{}{}{}{}{}<button type=\"submit\" id=\"filter-submit\">Filter</button></form>",
        html::csrf_field(&s.csrf),
        html::select("case", "Edge case", &case_options, &case),
        html::select("century", "Century sign", &sign_options, &sign),
        html::select("source", "Source", &source_options, &source),
        html::select("product", "Product", &product_options, &product_name),
    );
    let bad = |text: String| {
        Reply::html(
            StatusCode::BAD_REQUEST,
            html::page("Test persons", Some(s), Some(&Message::error(text)), &form),
        )
    };
    if !case.is_empty() && !CASES.iter().any(|(k, _)| *k == case) {
        return bad(format!("There is no edge case {case:?}."));
    }
    let sign_char = match sign.chars().collect::<Vec<_>>().as_slice() {
        [] => None,
        [ch] if CENTURY_SIGNS.contains(ch) => Some(*ch),
        _ => {
            return bad(format!(
                "{sign:?} is not a century sign ({}).",
                CENTURY_SIGNS.iter().collect::<String>()
            ));
        }
    };
    if !matches!(source.as_str(), "" | "fixture" | "generated") {
        return bad(format!(
            "There is no source {source:?} (fixture or generated)."
        ));
    }
    let product = if product_name.is_empty() {
        None
    } else {
        match products
            .iter()
            .find(|p| p.name == crate::products::normalise(&product_name))
        {
            Some(p) => Some(p.clone()),
            None => {
                return bad(format!(
                    "{product_name:?} is not one of your organisation's products."
                ));
            }
        }
    };
    if !after.is_empty() && after.len() > 11 {
        return bad(format!("{after:?} is not a position in the catalogue."));
    }
    let scan = Scan {
        case: case.clone(),
        sign: sign_char,
        source: source.clone(),
        product,
        org,
        user: s.role.user().unwrap_or("").to_string(),
        after: after.clone(),
        today: c.app.settings().register_date(),
    };
    let console = c.arc();
    // Up to SCAN_BUDGET records decoded (and products rendered): off the async threads.
    let scanned = tokio::task::spawn_blocking(move || scan_persons(&console, &scan))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
    let Scanned {
        rows,
        scanned,
        last,
        exhausted,
    } = match scanned {
        Ok(x) => x,
        Err(e) => {
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(s),
                "Test persons",
                &format!("The registry could not be read: {e}"),
            );
        }
    };
    let mut body = form;
    if rows.is_empty() {
        body.push_str("<p id=\"no-results\">No test person here matches.</p>");
    } else {
        body.push_str(&html::table(
            "persons",
            &["identity code", "name", "born", "edge cases"],
            &rows,
        ));
    }
    let mut note = format!(
        "<p class=\"paging\">{} person(s) shown, {scanned} examined",
        rows.len()
    );
    if !after.is_empty() {
        note.push_str(&format!(" after {}", esc(&after)));
    }
    note.push('.');
    if let (false, Some(last)) = (exhausted, &last) {
        let q = html::query(&[
            ("case", &case),
            ("century", &sign),
            ("source", &source),
            ("product", &product_name),
            ("after", last),
            ("csrf", &s.csrf),
        ]);
        note.push_str(&format!(
            " <a href=\"/catalogue?{}\" id=\"next\">next →</a>",
            esc(&q)
        ));
    }
    note.push_str("</p>");
    body.push_str(&note);
    Reply::page("Test persons", s, &body)
}

/// What a catalogue page asks for.
struct Scan {
    case: String,
    sign: Option<char>,
    source: String,
    product: Option<Arc<Product>>,
    org: Option<Arc<Organisation>>,
    user: String,
    after: String,
    today: jiff::civil::Date,
}

/// A page's rows, how many persons were examined, the last one's key, and whether the
/// store ended before the page filled.
struct Scanned {
    rows: Vec<Vec<String>>,
    scanned: usize,
    last: Option<String>,
    exhausted: bool,
}

/// Reads persons in key order after the cursor until a page is full or the budget spent.
fn scan_persons(c: &Console, f: &Scan) -> Result<Scanned, String> {
    let Scan {
        case,
        sign,
        source,
        product,
        org,
        user,
        after,
        today,
    } = f;
    let today = *today;
    // The scan: key order from the cursor, cheap tests first, a product rendered only for
    // persons that passed the rest.
    let mut rows = Vec::new();
    let mut scanned = 0;
    let mut last: Option<String> = None;
    let mut exhausted = true;
    // Fixtures only: their few codes, not the store's millions.
    let persons: Box<dyn Iterator<Item = Result<Person, RegistryError>> + '_> =
        if source == "fixture" {
            Box::new(
                c.fixtures_after(after)
                    .filter_map(|h| match h.parse::<Hetu>() {
                        Ok(h) => c.app.registry.get(&h).transpose(),
                        Err(_) => None,
                    }),
            )
        } else {
            Box::new(
                c.app
                    .registry
                    .persons_after((!after.is_empty()).then_some(after.as_str())),
            )
        };
    for p in persons {
        let p = p.map_err(|e| e.to_string())?;
        scanned += 1;
        last = Some(p.hetu.to_string());
        let keep = (case.is_empty() || is_case(case, &p, today))
            && sign.is_none_or(|ch| p.hetu.century_sign() == ch)
            && match source.as_str() {
                "fixture" => c.is_fixture(p.hetu.as_str()),
                "generated" => !c.is_fixture(p.hetu.as_str()),
                _ => true,
            }
            && match (product, org) {
                (Some(prod), Some(o)) => preview(c, o, user, prod, p.hetu.as_str())
                    .is_ok_and(|v| v.groups.iter().any(|g| !IDENTITY_GROUPS.contains(g))),
                _ => true,
            };
        if keep {
            let link = format!(
                "/catalogue/persons/{}",
                crate::admin::encode(p.hetu.as_str())
            );
            rows.push(vec![
                format!(
                    "<a href=\"{}\" class=\"person-link\">{}</a>",
                    esc(&link),
                    esc(p.hetu.as_str())
                ),
                esc(&format!("{}, {}", p.last_name, p.first_names)),
                esc(&p.birth_date().to_string()),
                tags(c, &p, today),
            ]);
        }
        if rows.len() == PAGE || scanned == SCAN_BUDGET {
            exhausted = false;
            break;
        }
    }
    Ok(Scanned {
        rows,
        scanned,
        last,
        exhausted,
    })
}

/// `GET /catalogue/persons/HETU`: the person and what each of the reader's products answers.
pub async fn person(c: &Console, req: &Req, s: &Session, hetu_text: &str) -> Reply {
    let title = "Test person";
    let Ok(hetu) = hetu_text.parse::<Hetu>() else {
        return problem(
            StatusCode::BAD_REQUEST,
            Some(s),
            title,
            &format!("{hetu_text:?} is not a personal identity code."),
        );
    };
    let person = match c.app.registry.find_by_hetu(&hetu) {
        Ok(Lookup::Found(p)) | Ok(Lookup::Passive(p)) => p,
        Ok(Lookup::NotFound) => {
            return problem(
                StatusCode::NOT_FOUND,
                Some(s),
                title,
                &format!("No test person has the identity code {hetu}."),
            );
        }
        Err(e) => {
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(s),
                title,
                &format!("The registry could not be read: {e}"),
            );
        }
    };
    let today = c.app.settings().register_date();
    let mut body = html::fields(&[
        (
            "Identity code",
            format!("<span id=\"person-hetu\">{}</span>", esc(hetu.as_str())),
        ),
        (
            "Name",
            esc(&format!("{}, {}", person.last_name, person.first_names)),
        ),
        ("Born", esc(&person.birth_date().to_string())),
        ("Active code", esc(person.hetu.as_str())),
        ("Edge cases", tags(c, &person, today)),
    ]);
    let (org, products) = products_of(c, s);
    let user = s.role.user().unwrap_or("YOUR-KAYTTAJATUNNUS").to_string();
    let mut groups: Vec<String> = Vec::new();
    match &org {
        None => body.push_str("<p class=\"hint\">Auditors see no population data: sign in as an organisation's user to see what its products answer.</p>"),
        Some(o) if products.is_empty() => body.push_str(&format!("<p>Organisation {} has no products.</p>", esc(&o.id))),
        Some(o) => {
            let listen = c.app.settings().listen;
            let host = if listen.ip().is_unspecified() { format!("localhost:{}", listen.port()) } else { listen.to_string() };
            for p in &products {
                let v = match preview(c, o, &user, p, hetu.as_str()) {
                    Ok(v) => v,
                    Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, Some(s), title, &format!("The answer could not be rendered: {e}")),
                };
                groups.extend(v.groups.iter().map(|g| g.to_string()));
                let request = soap_request(&p.name, &user, hetu.as_str());
                let curl = format!(
                    "curl --cacert certs/ca.pem --cert YOUR-CERT.pem --key YOUR-KEY.pem \\\n  -H 'Content-Type: text/xml; charset=utf-8' \\\n  -H 'SOAPAction: \"http://tempuri.org/TeeHenkilonTunnusKysely\"' \\\n  --data '{request}' \\\n  https://{host}{}",
                    crate::server::SOSO_PATH
                );
                body.push_str(&format!(
                    "<section class=\"product\"><h2>{}</h2><p>Return code <span class=\"code\">{}</span>; groups with data: {}</p><details open><summary>Answer</summary><pre class=\"xml\">{}</pre></details><details><summary>SOAP 1.1 request</summary><pre>{}</pre></details><details><summary>curl</summary><pre>{}</pre></details></section>",
                    esc(&p.name),
                    esc(&v.code),
                    esc(&if v.groups.is_empty() { "none".to_string() } else { v.groups.join(", ") }),
                    esc(&indent_xml(&v.xml)),
                    esc(&request),
                    esc(&curl)
                ));
            }
        }
    }
    let reply = Reply::page(title, s, &body);
    if org.is_none() {
        return reply;
    }
    let hetu = hetu.to_string();
    c.recorded(req, s, "console.catalogue.person", None, reply, move |r| {
        r.search_key = Some(("Henkilotunnus".into(), hetu));
        groups.sort();
        groups.dedup();
        r.groups = groups;
    })
    .await
}

/// A `TeeHenkilonTunnusKysely` envelope for the product, user and identity code.
pub fn soap_request(product: &str, user: &str, hetu: &str) -> String {
    let x = |t: &str| {
        let mut out = String::new();
        crate::xml::escape_into(&mut out, t);
        out
    };
    format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\n  <TeeHenkilonTunnusKysely xmlns=\"http://tempuri.org/\">\n    <SoSoNimi>{}</SoSoNimi><Kayttajatunnus>{}</Kayttajatunnus>\n    <Salasana>YOUR-PASSWORD</Salasana><Loppukayttaja>my-test-user</Loppukayttaja>\n    <Henkilotunnus>{}</Henkilotunnus>\n  </TeeHenkilonTunnusKysely></soap:Body></soap:Envelope>",
        x(product),
        x(user),
        x(hetu)
    )
}

/// The XML with one element a line, indented by depth (for reading, not for parsing).
pub fn indent_xml(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len() * 2);
    let mut depth: usize = 0;
    let mut after_text = false;
    let mut rest = xml.trim();
    let newline = |out: &mut String, depth: usize| {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&"  ".repeat(depth));
    };
    while !rest.is_empty() {
        let (token, tail) = match rest.find('<') {
            Some(0) => match rest.find('>') {
                Some(end) => rest.split_at(end + 1),
                None => (rest, ""),
            },
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        rest = tail;
        if !token.starts_with('<') {
            out.push_str(token);
            after_text = !token.trim().is_empty();
        } else if token.starts_with("</") {
            depth = depth.saturating_sub(1);
            if !after_text {
                newline(&mut out, depth);
            }
            out.push_str(token);
            after_text = false;
        } else {
            newline(&mut out, depth);
            out.push_str(token);
            if !token.ends_with("/>") && !token.starts_with("<?") {
                depth += 1;
            }
            after_text = false;
        }
    }
    out.push('\n');
    out
}

/// `GET /catalogue/products`: the reader's products (an auditor: all) with their groups.
pub fn products(c: &Console, s: &Session) -> Reply {
    let settings = c.app.settings();
    let (org, mine) = products_of(c, s);
    let list = if org.is_some() {
        mine
    } else {
        settings.products.all()
    };
    let mut body = format!(
        "<p>The catalogue schema: <a href=\"/catalogue/schemas/{0}\">{0}</a>. Each product's response schema imports it.</p>",
        schema::CATALOGUE_FILE
    );
    for p in &list {
        let rows: Vec<Vec<String>> = p
            .groups
            .iter()
            .map(|g| vec![esc(g.def.id), esc(g.node.name()), esc(g.def.about)])
            .collect();
        let file = schema::file_name(p);
        body.push_str(&format!(
            "<section class=\"product\"><h2>{}</h2><p>{} · <a href=\"/catalogue/schemas/{}\" class=\"xsd-link\">{}</a></p>{}</section>",
            esc(&p.name),
            esc(&p.origin),
            esc(&crate::admin::encode(&file)),
            esc(&file),
            html::table("groups", &["group", "element", "holds"], &rows)
        ));
    }
    Reply::page("Products", s, &body)
}

/// `GET /catalogue/schemas/FILE`: a product's response XSD or the catalogue schema.
pub fn schema(c: &Console, s: &Session, file: &str) -> Reply {
    let settings = c.app.settings();
    let answer = match c.organisation(&s.role) {
        Some(o) => crate::ops::hae_tuotteen_skeema::schema_file(Some(&o), &settings.products, file),
        None => {
            // Auditors: any product's schema.
            let name = schema::percent_decode(file).unwrap_or_default();
            if name == schema::CATALOGUE_FILE {
                Ok(schema::CATALOGUE.to_string())
            } else {
                name.strip_suffix(".xsd")
                    .and_then(|n| settings.products.get(n))
                    .map(|p| schema::product_schema(&p))
                    .ok_or((404, format!("no schema {name:?}")))
            }
        }
    };
    match answer {
        Ok(xsd) => Reply::typed("text/xml; charset=utf-8", xsd),
        Err((status, why)) => problem(
            StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND),
            Some(s),
            "Schema",
            &why,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_indented_one_element_a_line() {
        let x = indent_xml("<a><b>1</b><c><d/></c></a>");
        assert_eq!(x, "<a>\n  <b>1</b>\n  <c>\n    <d/>\n  </c>\n</a>\n");
    }

    #[test]
    fn soap_requests_escape_their_values() {
        let r = soap_request("PERUSSANOMA 3", "a<b", "010101-900R");
        assert!(r.contains("<Kayttajatunnus>a&lt;b</Kayttajatunnus>"), "{r}");
    }
}
