//! Markdown (CommonMark with tables, strikethrough and task lists, as models
//! write it) rendered to styled terminal lines.
//!
//! Invariant: no rendered line is wider than the width asked for, whatever
//! the input, including input cut off mid-stream (an unterminated code fence
//! renders as code). Blocks are separated by one blank line, with none
//! before the first or after the last. Nothing depends on colour alone: in
//! no-colour mode inline code keeps its backticks, task items read `[ ]` and
//! `[x]`, and headings are bold and underlined.

use pulldown_cmark::{Alignment, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::highlight;
use crate::theme::Theme;
use crate::wrap;

/// Bullets by nesting depth, repeating.
const BULLETS: [&str; 2] = ["• ", "◦ "];

/// Code blocks are set off by this indent.
const CODE_INDENT: &str = "  ";

/// `text` (CommonMark, as a model writes it; possibly cut off mid-stream)
/// rendered to lines no wider than `width` columns (0 is taken as 1) in
/// `theme`'s styles.
pub fn render(text: &str, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS;
    let mut renderer = Renderer::new(width.max(1), *theme);
    for event in Parser::new_ext(text, options) {
        renderer.event(event);
    }
    renderer.finish()
}

/// Something that prefixes each line inside it: a list item or a quote.
struct Container {
    first: Vec<Span<'static>>,
    rest: Vec<Span<'static>>,
    /// Whether a line has been drawn inside it (so `first` has been used).
    used: bool,
    item: bool,
}

struct Link {
    url: String,
    /// Where the link's text starts in the inline buffer.
    start: usize,
}

struct Table {
    alignments: Vec<Alignment>,
    /// Each row's cells, and whether it is the header.
    rows: Vec<(Vec<Vec<Span<'static>>>, bool)>,
    row: Vec<Vec<Span<'static>>>,
}

struct Renderer {
    width: usize,
    theme: Theme,
    out: Vec<Line<'static>>,
    /// The inline text of the block being read.
    inline: Vec<Span<'static>>,
    styles: Vec<Style>,
    containers: Vec<Container>,
    /// The next number of each open list, `None` for bullet lists.
    lists: Vec<Option<u64>>,
    links: Vec<Link>,
    /// The language and text of the code block being read.
    code: Option<(String, String)>,
    html: Option<String>,
    table: Option<Table>,
    need_blank: bool,
}

impl Renderer {
    fn new(width: usize, theme: Theme) -> Self {
        Renderer {
            width,
            theme,
            out: Vec::new(),
            inline: Vec::new(),
            styles: Vec::new(),
            containers: Vec::new(),
            lists: Vec::new(),
            links: Vec::new(),
            code: None,
            html: None,
            table: None,
            need_blank: false,
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(code) | Event::InlineMath(code) | Event::DisplayMath(code) => self.inline_code(&code),
            Event::Html(html) | Event::InlineHtml(html) => match &mut self.html {
                Some(block) => block.push_str(&html),
                None => self.push_text(&html),
            },
            Event::FootnoteReference(name) => self.push_text(&format!("[^{name}]")),
            Event::SoftBreak => self.push_text(" "),
            Event::HardBreak => self.flush_inline(),
            Event::Rule => self.rule(),
            Event::TaskListMarker(done) => self.task_marker(done),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::FootnoteDefinition(_) | Tag::DefinitionList | Tag::MetadataBlock(_) => {
                self.block_start();
            }
            Tag::Heading { .. } => {
                self.block_start();
                self.styles.push(self.theme.heading());
            }
            Tag::BlockQuote(_) => {
                self.block_start();
                let bar = vec![Span::styled("│ ", self.theme.dim())];
                self.containers.push(Container {
                    first: bar.clone(),
                    rest: bar,
                    used: false,
                    item: false,
                });
            }
            Tag::CodeBlock(kind) => {
                self.block_start();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::HtmlBlock => {
                self.block_start();
                self.html = Some(String::new());
            }
            Tag::List(start) => {
                self.block_start();
                self.lists.push(start);
            }
            Tag::Item => self.item_start(),
            Tag::Table(alignments) => {
                self.block_start();
                self.table = Some(Table {
                    alignments,
                    rows: Vec::new(),
                    row: Vec::new(),
                });
            }
            Tag::Emphasis => self.styles.push(Style::new().add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.styles.push(Style::new().add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => self.styles.push(Style::new().add_modifier(Modifier::CROSSED_OUT)),
            Tag::Superscript | Tag::Subscript => self.styles.push(Style::new()),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.links.push(Link {
                    url: dest_url.to_string(),
                    start: self.inline.len(),
                });
            }
            Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::TableHead
            | Tag::TableRow
            | Tag::TableCell => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_) => self.block_end(),
            TagEnd::Heading(_) => {
                self.block_end();
                self.styles.pop();
            }
            TagEnd::BlockQuote(_) => {
                self.block_end();
                self.containers.pop();
            }
            TagEnd::CodeBlock => {
                self.code_block();
                self.need_blank = true;
            }
            TagEnd::HtmlBlock => {
                for line in self.html.take().unwrap_or_default().lines() {
                    self.emit(Line::raw(line.to_owned()), false);
                }
                self.need_blank = true;
            }
            TagEnd::List(_) => {
                self.block_end();
                self.lists.pop();
            }
            TagEnd::Item => self.item_end(),
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inline);
                if let Some(table) = &mut self.table {
                    table.row.push(cell);
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(table) = &mut self.table {
                    let row = std::mem::take(&mut table.row);
                    table.rows.push((row, tag == TagEnd::TableHead));
                }
            }
            TagEnd::Table => {
                self.table_end();
                self.need_blank = true;
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Superscript | TagEnd::Subscript => {
                self.styles.pop();
            }
            TagEnd::Link | TagEnd::Image => self.link_end(),
        }
    }

    fn style(&self) -> Style {
        self.styles.iter().fold(Style::new(), |style, next| style.patch(*next))
    }

    fn text(&mut self, text: &str) {
        if let Some((_, code)) = &mut self.code {
            code.push_str(text);
        } else if let Some(html) = &mut self.html {
            html.push_str(text);
        } else {
            self.push_text(text);
        }
    }

    fn push_text(&mut self, text: &str) {
        self.inline.push(Span::styled(text.to_owned(), self.style()));
    }

    fn inline_code(&mut self, code: &str) {
        let style = self.style().patch(self.theme.code());
        let text = if self.theme.color {
            code.to_owned()
        } else {
            format!("`{code}`")
        };
        self.inline.push(Span::styled(text, style));
    }

    /// A new block: what came before is drawn, and set off by a blank line.
    fn block_start(&mut self) {
        self.flush_inline();
        if self.need_blank && !self.out.is_empty() {
            let prefix: Vec<Span<'static>> = self.containers.iter().flat_map(|c| c.rest.clone()).collect();
            self.out
                .extend(wrap::wrap_prefixed(&Line::default(), self.width, &prefix, &prefix));
        }
        self.need_blank = false;
    }

    fn block_end(&mut self) {
        self.flush_inline();
        self.need_blank = true;
    }

    fn flush_inline(&mut self) {
        if !self.inline.is_empty() {
            let line = Line::from(std::mem::take(&mut self.inline));
            self.emit(line, true);
        }
    }

    /// Draws `line` inside the open containers, word-wrapped or (for code)
    /// broken at the width.
    fn emit(&mut self, line: Line<'_>, words: bool) {
        let first: Vec<Span<'static>> = self
            .containers
            .iter()
            .flat_map(|c| if c.used { c.rest.clone() } else { c.first.clone() })
            .collect();
        let rest: Vec<Span<'static>> = self.containers.iter().flat_map(|c| c.rest.clone()).collect();
        let lines = if words {
            wrap::wrap_prefixed(&line, self.width, &first, &rest)
        } else {
            wrap::hard_wrap_prefixed(&line, self.width, &first, &rest)
        };
        self.out.extend(lines);
        self.containers.iter_mut().for_each(|container| container.used = true);
        self.need_blank = false;
    }

    fn item_start(&mut self) {
        self.flush_inline();
        let depth = self.lists.len().saturating_sub(1);
        let marker = match self.lists.last_mut() {
            Some(Some(number)) => {
                let marker = format!("{number}. ");
                *number += 1;
                marker
            }
            _ => BULLETS[depth % BULLETS.len()].to_owned(),
        };
        let indent = " ".repeat(wrap::width(&marker));
        self.containers.push(Container {
            first: vec![Span::raw(marker)],
            rest: vec![Span::raw(indent)],
            used: false,
            item: true,
        });
    }

    fn item_end(&mut self) {
        self.flush_inline();
        // An empty item (often one still streaming in) still shows its marker.
        if self.containers.last().is_some_and(|container| !container.used) {
            self.emit(Line::default(), true);
        }
        self.containers.pop();
    }

    /// A task item's checkbox replaces its bullet, or follows its number.
    fn task_marker(&mut self, done: bool) {
        let ordered = matches!(self.lists.last(), Some(Some(_)));
        let (text, style) = if done {
            ("[x] ", self.theme.success())
        } else {
            ("[ ] ", Style::new())
        };
        let item = self.containers.iter_mut().rev().find(|container| container.item);
        match item.filter(|item| !item.used) {
            Some(item) => {
                if !ordered {
                    item.first.clear();
                    item.rest.clear();
                }
                item.first.push(Span::styled(text, style));
                item.rest.push(Span::raw("    "));
            }
            // A marker that comes too late to replace the bullet stays as text.
            None => self.push_text(text),
        }
    }

    fn link_end(&mut self) {
        let Some(link) = self.links.pop() else { return };
        let start = link.start.min(self.inline.len());
        let text: String = self.inline[start..].iter().map(|span| span.content.as_ref()).collect();
        if link.url.is_empty() {
            return;
        }
        let link_style = self.theme.link();
        if text.is_empty() {
            self.inline.push(Span::styled(link.url, link_style));
        } else if text == link.url || link.url.strip_prefix("mailto:") == Some(text.as_str()) {
            for span in &mut self.inline[start..] {
                span.style = span.style.patch(link_style);
            }
        } else {
            let style = self.style();
            self.inline.push(Span::styled(" (", style));
            self.inline.push(Span::styled(link.url, link_style));
            self.inline.push(Span::styled(")", style));
        }
    }

    fn rule(&mut self) {
        self.block_start();
        let prefix: String = self
            .containers
            .iter()
            .flat_map(|c| if c.used { &c.rest } else { &c.first })
            .map(|span| span.content.as_ref())
            .collect();
        let columns = self.width.saturating_sub(wrap::width(&prefix)).max(1);
        self.emit(Line::styled("─".repeat(columns), self.theme.dim()), false);
        self.need_blank = true;
    }

    fn code_block(&mut self) {
        let Some((lang, code)) = self.code.take() else { return };
        let highlighted = if self.theme.color {
            highlight::highlight(&code, &lang)
        } else {
            None
        };
        let style = self.theme.code();
        let lines =
            highlighted.unwrap_or_else(|| code.lines().map(|line| Line::styled(line.to_owned(), style)).collect());
        let indent = vec![Span::raw(CODE_INDENT)];
        self.containers.push(Container {
            first: indent.clone(),
            rest: indent,
            used: true,
            item: false,
        });
        for line in lines {
            self.emit(line, false);
        }
        self.containers.pop();
    }

    fn table_end(&mut self) {
        let Some(table) = self.table.take() else { return };
        let columns = table.rows.iter().map(|(cells, _)| cells.len()).max().unwrap_or(0);
        let mut widths = vec![0; columns];
        for (cells, _) in &table.rows {
            for (column, cell) in cells.iter().enumerate() {
                widths[column] = widths[column].max(spans_width(cell));
            }
        }
        let prefix: usize = self
            .containers
            .iter()
            .map(|c| spans_width(&c.first).max(spans_width(&c.rest)))
            .sum();
        let total = widths.iter().sum::<usize>() + 3 * columns.saturating_sub(1);
        let aligned = total + prefix <= self.width;
        let separator = Span::styled(" │ ", self.theme.dim());
        for (cells, head) in table.rows {
            let mut spans = Vec::new();
            for (column, mut cell) in cells.into_iter().enumerate() {
                if column > 0 {
                    spans.push(separator.clone());
                }
                if head {
                    cell.iter_mut()
                        .for_each(|span| span.style = span.style.add_modifier(Modifier::BOLD));
                }
                if aligned {
                    let alignment = table.alignments.get(column).copied().unwrap_or(Alignment::None);
                    pad(&mut cell, widths[column], alignment);
                }
                spans.extend(cell);
            }
            self.emit(Line::from(spans), !aligned);
            if head && aligned {
                let rule: Vec<String> = widths.iter().map(|width| "─".repeat(*width)).collect();
                self.emit(Line::styled(rule.join("─┼─"), self.theme.dim()), false);
            }
        }
    }

    fn finish(mut self) -> Vec<Line<'static>> {
        self.flush_inline();
        self.out.iter_mut().for_each(trim_end);
        self.out
    }
}

fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|span| wrap::width(&span.content)).sum()
}

/// Pads a table cell with spaces to `width` columns.
fn pad(cell: &mut Vec<Span<'static>>, width: usize, alignment: Alignment) {
    let missing = width.saturating_sub(spans_width(cell));
    let before = match alignment {
        Alignment::Right => missing,
        Alignment::Center => missing / 2,
        Alignment::None | Alignment::Left => 0,
    };
    if before > 0 {
        cell.insert(0, Span::raw(" ".repeat(before)));
    }
    if missing > before {
        cell.push(Span::raw(" ".repeat(missing - before)));
    }
}

/// Trailing spaces draw nothing and only get in the way of copying.
fn trim_end(line: &mut Line<'static>) {
    while let Some(span) = line.spans.last_mut() {
        let trimmed = span.content.trim_end();
        if trimmed.is_empty() {
            line.spans.pop();
        } else {
            if trimmed.len() < span.content.len() {
                span.content = trimmed.to_owned().into();
            }
            break;
        }
    }
}

#[cfg(test)]
mod tests;
