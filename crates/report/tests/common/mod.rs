//! Checks shared by the report tests: strict XML parsing of the whole page,
//! counting elements, and reading numbers back out of table rows.
#![allow(dead_code)] // each test binary uses a different subset

use quick_xml::Reader;
use quick_xml::events::Event;

/// Parses `html` as XML, failing on any syntax error or mismatched tag;
/// returns how many times each element name opened.
pub fn well_formed(html: &str) -> std::collections::BTreeMap<String, usize> {
    let mut reader = Reader::from_str(html);
    reader.config_mut().check_end_names = true;
    let mut counts = std::collections::BTreeMap::new();
    let mut depth = 0i64;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                depth += 1;
                *counts.entry(e.name().into_inner().to_string()).or_insert(0) += 1;
            }
            Ok(Event::Empty(e)) => {
                *counts.entry(e.name().into_inner().to_string()).or_insert(0) += 1;
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(_) => {}
            Err(e) => panic!(
                "not well-formed at byte {}: {e}\n…{}…",
                reader.buffer_position(),
                &html[(reader.buffer_position() as usize).saturating_sub(200)
                    ..(reader.buffer_position() as usize + 50).min(html.len())]
            ),
        }
    }
    assert_eq!(depth, 0, "unclosed elements");
    counts
}

/// Fails on anything that would reach the network or run code: every
/// `http` in the page must be the SVG namespace name, and there are no
/// scripts, external stylesheets, imports, `url(…)` or `src` attributes.
pub fn self_contained(html: &str) {
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for bad in [
        "http://",
        "https://",
        "<script",
        "<link",
        "@import",
        "url(",
        " src=",
        "href=\"//",
    ] {
        assert!(!without_ns.contains(bad), "page contains {bad:?}");
    }
}

/// The text of the first `<tr>` whose first cell is `label`: its cells' text.
pub fn row(html: &str, label: &str) -> Vec<String> {
    let start = html
        .find(&format!("<tr><td>{label}</td>"))
        .unwrap_or_else(|| panic!("no row {label:?}"));
    let end = start + html[start..].find("</tr>").expect("row ends");
    html[start..end]
        .split("<td")
        .skip(1)
        .map(|c| {
            let c = &c[c.find('>').expect("cell opens") + 1..];
            c[..c.find("</td>").expect("cell closes")].to_string()
        })
        .collect()
}

/// The leading number of a cell like "-14.0 LUFS".
pub fn leading_number(cell: &str) -> f64 {
    let s: String = cell
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
        .collect();
    s.parse()
        .unwrap_or_else(|_| panic!("no number at the start of {cell:?}"))
}
