//! Tests of [`super`]: rendered Markdown pinned as text, and its styles.
use super::*;

fn plain(lines: &[Line<'_>]) -> String {
    let text: Vec<String> = lines
        .iter()
        .map(|line| line.spans.iter().map(|span| span.content.as_ref()).collect())
        .collect();
    text.join("\n")
}

fn render_checked(text: &str, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let lines = render(text, width, theme);
    for line in &lines {
        assert!(line.width() <= width, "{line:?} is wider than {width}");
    }
    lines
}

fn span_with<'a>(lines: &'a [Line<'static>], text: &str) -> &'a Span<'static> {
    let found = lines
        .iter()
        .flat_map(|line| &line.spans)
        .find(|span| span.content.contains(text));
    found.unwrap_or_else(|| panic!("no span with {text:?} in {lines:?}"))
}

const ANSWER: &str = "# Fixing the build\n\nThe error comes from `parse_args`, which **panics** on *empty* input. \
See [the docs](https://docs.rs/clap) or <https://example.com>.\n\n- First, check the input\n  - nested detail\n\
- Then run:\n\n```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n\n1. one\n2. two\n";

#[test]
fn typical_answer() {
    let theme = Theme::new(true);
    let lines = render_checked(ANSWER, 60, &theme);
    insta::assert_snapshot!(plain(&lines), @r#"
    Fixing the build

    The error comes from parse_args, which panics on empty
    input. See the docs (https://docs.rs/clap) or
    https://example.com.

    • First, check the input
      ◦ nested detail
    • Then run:

      fn main() {
          println!("hi");
      }

    1. one
    2. two
    "#);
    assert!(span_with(&lines, "panics").style.add_modifier.contains(Modifier::BOLD));
    assert!(span_with(&lines, "empty").style.add_modifier.contains(Modifier::ITALIC));
    assert_eq!(span_with(&lines, "parse_args").style, theme.code());
    assert_eq!(span_with(&lines, "Fixing").style, theme.heading());
    assert_eq!(span_with(&lines, "https://docs.rs/clap").style, theme.link());
    assert_eq!(span_with(&lines, "https://example.com").style, theme.link());
    let keyword = span_with(&lines, "fn").style.fg;
    assert!(
        keyword.is_some() && keyword != theme.code().fg,
        "code is highlighted: {keyword:?}"
    );
}

#[test]
fn wraps_at_width_20() {
    let text = "A paragraph long enough to wrap a few times.\n\n- a list item that wraps onto more lines\n\n\
> a quote that also wraps around\n\n---\n";
    let lines = render_checked(text, 20, &Theme::new(true));
    insta::assert_snapshot!(plain(&lines), @r"
    A paragraph long
    enough to wrap a few
    times.

    • a list item that
      wraps onto more
      lines

    │ a quote that also
    │ wraps around

    ────────────────────
    ");
}

#[test]
fn never_wider_than_the_width() {
    let text = format!("{ANSWER}\n> > deep **quote** with `code`\n\n| a | b |\n|---|---|\n| 日本語 | x |\n\n---\n");
    for width in 1..=40 {
        render_checked(&text, width, &Theme::new(true));
        render_checked(&text, width, &Theme::new(false));
    }
}

#[test]
fn unterminated_fence_is_code() {
    let theme = Theme::new(false);
    let lines = render_checked("Here:\n\n```py\ndef f():\n    return \"open", 30, &theme);
    insta::assert_snapshot!(plain(&lines), @r#"
    Here:

      def f():
          return "open
    "#);
    assert!(highlight::highlight("x = 1", "py").is_some());
    let coloured = render_checked("```py\nx = \"open", 30, &Theme::new(true));
    assert!(
        coloured
            .iter()
            .flat_map(|line| &line.spans)
            .any(|span| span.style.fg.is_some())
    );
}

#[test]
fn code_lines_are_broken_not_wrapped() {
    let lines = render_checked("Code:\n\n```\nlet value = compute(a, b);\n```", 12, &Theme::new(true));
    insta::assert_snapshot!(plain(&lines), @r"
    Code:

      let value
      = compute(
      a, b);
    ");
}

#[test]
fn table() {
    let text = "| Name | Size |\n|:-----|-----:|\n| a.rs | 10 |\n| long_name.rs | 2000 |\n";
    let lines = render_checked(text, 40, &Theme::new(true));
    insta::assert_snapshot!(plain(&lines), @r"
    Name         │ Size
    ─────────────┼─────
    a.rs         │   10
    long_name.rs │ 2000
    ");
    assert!(span_with(&lines, "Name").style.add_modifier.contains(Modifier::BOLD));
    let narrow = render_checked(text, 12, &Theme::new(true));
    insta::assert_snapshot!(plain(&narrow), @r"
    Name │ Size
    a.rs │ 10
    long_name.rs
    │ 2000
    ");
}

#[test]
fn tasks_strikethrough_breaks_and_html() {
    let text = "- [ ] todo\n- [x] done\n\n~~gone~~ line one  \nline two\nsoft\n\n<div>raw</div>\n\n1. [x] first";
    let lines = render_checked(text, 40, &Theme::new(true));
    insta::assert_snapshot!(plain(&lines), @r"
    [ ] todo
    [x] done

    gone line one
    line two soft

    <div>raw</div>

    1. [x] first
    ");
    assert!(
        span_with(&lines, "gone")
            .style
            .add_modifier
            .contains(Modifier::CROSSED_OUT)
    );
}

#[test]
fn no_colour_uses_no_colours() {
    let theme = Theme::new(false);
    let text = format!("{ANSWER}\n> quote\n\n---\n\n| a | b |\n|---|---|\n| c | d |\n\n- [x] done\n");
    let lines = render_checked(&text, 50, &theme);
    for span in lines.iter().flat_map(|line| &line.spans) {
        assert_eq!(span.style.fg, None, "{span:?}");
        assert_eq!(span.style.bg, None, "{span:?}");
    }
    assert!(plain(&lines).contains("`parse_args`"));
    let heading = span_with(&lines, "Fixing").style.add_modifier;
    assert!(heading.contains(Modifier::BOLD | Modifier::UNDERLINED));
}

#[test]
fn empty_and_partial_input() {
    assert!(render("", 10, &Theme::new(true)).is_empty());
    insta::assert_snapshot!(plain(&render("- ", 10, &Theme::new(true))), @r"
    •
    ");
    insta::assert_snapshot!(plain(&render("**bol", 10, &Theme::new(true))), @r"
    **bol
    ");
}
