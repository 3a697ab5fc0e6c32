//! Syntax highlighting of code blocks with syntect's bundled syntaxes and
//! its "base16-ocean.dark" theme.
//!
//! Invariant: highlighting returns one line per source line, coloured with
//! foreground colours only (the terminal's own background shows through),
//! and never panics on partial code (a block still streaming in). The
//! syntax definitions are loaded once, lazily or ahead of time by [`warm`].
//! Colours are 24-bit where the terminal says it supports them (`COLORTERM`
//! is `truecolor` or `24bit`) and the nearest of the 256 xterm colours
//! otherwise.

use std::sync::{Once, OnceLock};

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use syntect::easy::HighlightLines;
use syntect::highlighting::{Theme, ThemeSet};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

/// The bundled theme used; dark, with colours that read on a dark terminal.
const THEME_NAME: &str = "base16-ocean.dark";

/// Fence names models use that syntect's bundled syntaxes do not know by
/// that name, each with the name of one that does (or that is close enough).
const ALIASES: &[(&str, &str)] = &[
    ("shell", "sh"),
    ("console", "sh"),
    ("shellsession", "sh"),
    ("ts", "js"),
    ("typescript", "js"),
    ("tsx", "js"),
    ("jsx", "js"),
    ("jsonc", "json"),
    ("json5", "json"),
    // No TOML syntax is bundled; Python colours its strings, numbers and
    // comments the same way.
    ("toml", "py"),
    ("ini", "properties"),
    ("cfg", "properties"),
    ("golang", "go"),
    ("objc", "m"),
];

/// Fence names that mean "no language": the caller styles these plainly.
const PLAIN: &[&str] = &["text", "txt", "plain", "plaintext", "output"];

static SYNTAXES: OnceLock<SyntaxSet> = OnceLock::new();
static THEME: OnceLock<Theme> = OnceLock::new();
static TRUECOLOR: OnceLock<bool> = OnceLock::new();
static WARM: Once = Once::new();

/// Starts loading the syntax definitions on a background thread so the
/// first code block does not wait (call once at start-up; cheap if already
/// loaded).
pub fn warm() {
    WARM.call_once(|| {
        // If no thread can be started the first code block loads them instead.
        let _ = std::thread::Builder::new().name("jig-syntax".into()).spawn(|| {
            syntaxes();
            theme();
        });
    });
}

/// `code` (one code block, possibly unfinished while streaming) highlighted
/// as `lang` (a fence info string like "rust", "py", "sh", "diff", "json";
/// only its first word counts, matched as a file extension or a syntax name,
/// case-insensitively), one line per source line, with foreground colours
/// only and without line endings. `None` when the language is empty, plain
/// text or unknown: the caller then styles the code plainly.
pub fn highlight(code: &str, lang: &str) -> Option<Vec<Line<'static>>> {
    let syntax = find_syntax(lang)?;
    let syntaxes = syntaxes();
    let mut highlighter = HighlightLines::new(syntax, theme());
    let truecolor = *TRUECOLOR.get_or_init(terminal_has_truecolor);
    let mut lines = Vec::new();
    for source_line in LinesWithEndings::from(code) {
        // An error means a broken syntax definition, not bad input: fall back
        // to plain code rather than half-highlighted code.
        let pieces = highlighter.highlight_line(source_line, syntaxes).ok()?;
        let spans = pieces
            .into_iter()
            .filter_map(|(style, text)| {
                let text = text.trim_end_matches(['\n', '\r']);
                let fg = convert(style.foreground, truecolor);
                (!text.is_empty()).then(|| Span::styled(text.to_owned(), Style::new().fg(fg)))
            })
            .collect::<Vec<_>>();
        lines.push(Line::from(spans));
    }
    Some(lines)
}

/// The syntax for a fence info string such as "rust", "Python",
/// "rust,ignore" or "{.sh}".
fn find_syntax(lang: &str) -> Option<&'static SyntaxReference> {
    let token = lang
        .split(|ch: char| ch.is_whitespace() || ch == ',')
        .next()?
        .trim_matches(|ch| ch == '{' || ch == '}' || ch == '.')
        .to_ascii_lowercase();
    if token.is_empty() || PLAIN.contains(&token.as_str()) {
        return None;
    }
    let token = ALIASES
        .iter()
        .find(|(alias, _)| *alias == token)
        .map_or(token.as_str(), |(_, known)| known);
    let syntaxes = syntaxes();
    let syntax = syntaxes.find_syntax_by_token(token)?;
    (syntax.name != syntaxes.find_syntax_plain_text().name).then_some(syntax)
}

fn syntaxes() -> &'static SyntaxSet {
    SYNTAXES.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn theme() -> &'static Theme {
    THEME.get_or_init(|| ThemeSet::load_defaults().themes.remove(THEME_NAME).unwrap_or_default())
}

fn terminal_has_truecolor() -> bool {
    std::env::var("COLORTERM").is_ok_and(|value| matches!(value.as_str(), "truecolor" | "24bit"))
}

fn convert(color: syntect::highlighting::Color, truecolor: bool) -> Color {
    if truecolor {
        Color::Rgb(color.r, color.g, color.b)
    } else {
        Color::Indexed(nearest_xterm(color.r, color.g, color.b))
    }
}

/// The nearest colour of the xterm 256-colour palette: its 6×6×6 cube or its
/// grey ramp, whichever is closer (the first 16 vary between terminals).
fn nearest_xterm(r: u8, g: u8, b: u8) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let level = |value: u8| -> usize {
        (0..LEVELS.len())
            .min_by_key(|&index| LEVELS[index].abs_diff(value))
            .unwrap_or(0)
    };
    let (ri, gi, bi) = (level(r), level(g), level(b));
    let cube = (LEVELS[ri], LEVELS[gi], LEVELS[bi]);
    let average = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    // The grey ramp runs 8, 18, … 238 in 24 steps of 10.
    let grey_index = (average.saturating_sub(3) / 10).min(23);
    let grey_level = (8 + grey_index * 10) as u8;
    let distance = |(cr, cg, cb): (u8, u8, u8)| -> u32 {
        [(r, cr), (g, cg), (b, cb)]
            .iter()
            .map(|&(a, c)| u32::from(a.abs_diff(c)).pow(2))
            .sum()
    };
    if distance((grey_level, grey_level, grey_level)) < distance(cube) {
        232 + grey_index as u8
    } else {
        16 + (36 * ri + 6 * gi + bi) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn colours(lines: &[Line<'_>]) -> HashSet<Color> {
        lines
            .iter()
            .flat_map(|line| &line.spans)
            .filter_map(|span| span.style.fg)
            .collect()
    }

    fn text(line: &Line<'_>) -> String {
        line.spans.iter().map(|span| span.content.as_ref()).collect()
    }

    #[test]
    fn rust_gets_several_colours_and_no_background() {
        let code = "fn main() {\n    let x = \"hi\"; // note\n    println!(\"{x}\");\n}\n";
        let Some(lines) = highlight(code, "rust") else {
            panic!("rust is known")
        };
        assert!(colours(&lines).len() > 1, "{lines:?}");
        assert!(
            lines
                .iter()
                .flat_map(|line| &line.spans)
                .all(|span| span.style.bg.is_none())
        );
        assert_eq!(text(&lines[1]), "    let x = \"hi\"; // note");
    }

    #[test]
    fn line_count_matches_the_source() {
        for code in ["a = 1\nb = 2\n", "a = 1\nb = 2", "a = 1\n\n\nb = 2\n", ""] {
            let Some(lines) = highlight(code, "py") else {
                panic!("python is known")
            };
            assert_eq!(lines.len(), code.lines().count(), "{code:?}");
        }
    }

    #[test]
    fn languages_are_matched_loosely() {
        for lang in [
            "rust",
            "RS",
            "Rust",
            "python",
            "sh",
            "bash",
            "shell",
            "diff",
            "json",
            "toml",
            "rust,ignore",
        ] {
            assert!(highlight("x = 1\n", lang).is_some(), "{lang}");
        }
    }

    #[test]
    fn unknown_or_plain_languages_are_none() {
        for lang in ["", "  ", "no-such-language", "text", "txt"] {
            assert!(highlight("x\n", lang).is_none(), "{lang:?}");
        }
    }

    #[test]
    fn unfinished_code_does_not_panic() {
        let Some(lines) = highlight("let s = \"never closed\nstill in the string", "rust") else {
            panic!("rust is known")
        };
        assert_eq!(lines.len(), 2);
        assert!(highlight("/* open comment\n", "c").is_some());
    }

    #[test]
    fn warm_twice_is_harmless() {
        warm();
        warm();
        assert!(highlight("{}", "json").is_some());
    }

    #[test]
    fn xterm_colours_are_near() {
        assert_eq!(nearest_xterm(0, 0, 0), 16);
        assert_eq!(nearest_xterm(255, 255, 255), 231);
        assert_eq!(nearest_xterm(128, 128, 128), 244);
        assert_eq!(nearest_xterm(255, 0, 0), 196);
    }
}
