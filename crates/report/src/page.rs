//! The page skeleton: escaping, sections, tables and figures, and the one
//! stylesheet. Markup is written as XHTML (every element closed, every
//! attribute quoted) so the document is well-formed XML as well as HTML5.

use std::fmt::Write as _;

/// Stylesheet: system fonts, a readable measure, tables that scroll sideways
/// on a phone instead of squeezing, and plots that scale to the column width.
const CSS: &str = "
:root{color-scheme:light;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#ffffff;--band:#f6f8fa;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.2em 0}
h2{font-size:1.2rem;margin:1.6em 0 .4em;padding-bottom:.2em;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.2em 0 .3em}
p.sub{color:var(--muted);margin:0 0 1em;overflow-wrap:anywhere}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.5em 0 1em}
table{border-collapse:collapse;min-width:100%;font-variant-numeric:tabular-nums}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--band);white-space:nowrap}
td.num{text-align:right;white-space:nowrap}
figure{margin:.5em 0 1.5em}
figure svg{display:block;width:100%;height:auto;max-width:100%}
figcaption{color:var(--muted);font-size:.9em}
@media (max-width:600px){main{padding:8px}body{font-size:14px}}
.sev-problem{color:var(--bad);font-weight:600}
.sev-warning{color:var(--warn);font-weight:600}
.sev-info{color:var(--muted)}
.off{color:var(--muted)}
ul.notes li{margin:.3em 0}
nav a{margin-right:1em}
";

/// Escapes text for element content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One table cell: text (escaped), left-aligned, or a right-aligned number.
#[derive(Debug, Clone)]
pub enum Cell {
    /// Words, left-aligned.
    Text(String),
    /// A figure, right-aligned in tabular digits.
    Num(String),
    /// Text with a CSS class (severity colours, disabled stages).
    Class(&'static str, String),
}

/// A page being built, section by section.
pub struct Page {
    body: String,
    title: String,
}

impl Page {
    /// A page with `title` as its heading and `subtitle` beneath it.
    pub fn new(title: &str, subtitle: &str) -> Self {
        let mut body = String::new();
        let _ = write!(
            body,
            "<h1>{}</h1>\n<p class=\"sub\">{}</p>\n",
            esc(title),
            esc(subtitle)
        );
        Self {
            body,
            title: title.to_string(),
        }
    }

    /// A section heading (`level` 2 or 3) with an anchor id.
    pub fn heading(&mut self, level: u8, id: &str, text: &str) {
        let _ = writeln!(
            self.body,
            "<h{level} id=\"{}\">{}</h{level}>",
            esc(id),
            esc(text)
        );
    }

    /// A paragraph of plain text.
    pub fn para(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p>{}</p>", esc(text));
    }

    /// A bullet list of plain-text items.
    pub fn list(&mut self, items: &[String]) {
        self.body.push_str("<ul class=\"notes\">\n");
        for item in items {
            let _ = writeln!(self.body, "<li>{}</li>", esc(item));
        }
        self.body.push_str("</ul>\n");
    }

    /// A table in a sideways-scrolling box.
    pub fn table(&mut self, headers: &[&str], rows: &[Vec<Cell>]) {
        self.body
            .push_str("<div class=\"scroll\"><table>\n<thead><tr>");
        for h in headers {
            let _ = write!(self.body, "<th>{}</th>", esc(h));
        }
        self.body.push_str("</tr></thead>\n<tbody>\n");
        for row in rows {
            self.body.push_str("<tr>");
            for cell in row {
                let _ = match cell {
                    Cell::Text(t) => write!(self.body, "<td>{}</td>", esc(t)),
                    Cell::Num(t) => write!(self.body, "<td class=\"num\">{}</td>", esc(t)),
                    Cell::Class(c, t) => write!(self.body, "<td class=\"{c}\">{}</td>", esc(t)),
                };
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</tbody>\n</table></div>\n");
    }

    /// An inline SVG plot with a caption, or — when the plot could not be
    /// drawn — a line saying why, so one bad plot never loses the report.
    pub fn figure(&mut self, plot: Result<String, String>, caption: &str) {
        match plot {
            Ok(svg) => {
                let _ = writeln!(
                    self.body,
                    "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
                    svg.trim(),
                    esc(caption)
                );
            }
            Err(why) => {
                let _ = writeln!(
                    self.body,
                    "<p class=\"off\">Plot not drawn ({}): {}</p>",
                    esc(&why),
                    esc(caption)
                );
            }
        }
    }

    /// The finished document.
    pub fn finish(self) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n<meta name=\"generator\" content=\"mixmaster {}\" />\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{}</main>\n</body>\n</html>\n",
            env!("CARGO_PKG_VERSION"),
            esc(&self.title),
            self.body
        )
    }
}
