//! The self-contained HTML page both the report and the comparison are
//! drawn in: inline CSS, the shared JS helpers (`common.js`: elements,
//! formatting, SVG charts, the page's health attributes on `<body>`), the
//! page's own script, and its data as JSON in a
//! `<script type="application/json">`.
//!
//! Invariants: the page loads nothing (a Content-Security-Policy of
//! `default-src 'none'` says so to the browser too); data from rollouts
//! reaches it only inside that JSON block, with `<`, `>`, `&` and the two
//! JavaScript line separators written as `\uXXXX` escapes, so no text can
//! close the block or open a tag, and the scripts put data into the page
//! only as text nodes and attributes, never as markup.

use serde::Serialize;

use super::Report;

const CSS: &str = include_str!("report.css");
const COMMON_JS: &str = include_str!("common.js");
const REPORT_JS: &str = include_str!("report.js");
const COMPARE_JS: &str = include_str!("compare.js");

/// Which page to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// One run's report.
    Report,
    /// Two runs compared.
    Compare,
}

/// The report of one run as an HTML page.
pub fn report(report: &Report) -> Result<String, serde_json::Error> {
    let title = format!("jig eval report {}", report.summary.run.id);
    page(Page::Report, &title, report)
}

/// `data` drawn by `page`'s script, as one HTML document.
pub fn page(page: Page, title: &str, data: &impl Serialize) -> Result<String, serde_json::Error> {
    let script = match page {
        Page::Report => REPORT_JS,
        Page::Compare => COMPARE_JS,
    };
    let json = inert_json(&serde_json::to_string(data)?);
    Ok(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>
{CSS}</style>
<script>
window.jigErrors = [];
window.addEventListener("error", function (e) {{ window.jigErrors.push(String(e.message)); }});
</script>
</head>
<body data-rendered="no">
<main id="app"><p class="muted">This report needs JavaScript to draw its data.</p></main>
<script type="application/json" id="data">{json}</script>
<script>
{COMMON_JS}
{script}</script>
</body>
</html>
"#,
        title = escape_text(title),
    ))
}

/// JSON text that cannot end a `<script>` element or start markup: `<`,
/// `>` and `&` (found only inside JSON strings) and U+2028/U+2029 become
/// `\u` escapes, which every JSON parser reads back as the same text.
pub fn inert_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text safe between HTML tags.
pub fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
