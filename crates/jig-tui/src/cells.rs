//! The transcript's cells and how each is drawn.
//!
//! A cell is data (what happened); [`Cell::lines`] turns it into lines at a
//! width. Tool calls show one line (what ran, how it ended) and their
//! output folded to a few lines until the person expands it; edits show as
//! coloured diffs; the plan as a checklist. Every cell ends with a blank
//! line, except those that show nothing.

use jig_protocol::{PlanStep, StepStatus, ToolStatus};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use crate::theme::Theme;
use crate::tools::{self, Shown};
use crate::{markdown, wrap};

/// How cells are drawn: the theme, and whether tool output is expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Colours or not.
    pub theme: Theme,
    /// Whether tool output is shown whole (Ctrl-O) instead of folded.
    pub expanded: Expanded,
}

/// Whether tool output is folded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expanded {
    /// A few lines of each output.
    Folded,
    /// Every line.
    Whole,
}

/// Lines of a tool's output (or a diff) shown while folded.
const FOLDED_LINES: usize = 5;
/// Lines of a diff shown while folded.
const FOLDED_DIFF_LINES: usize = 24;

/// One entry of the transcript.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// The session's opening line.
    Header {
        /// Model spec.
        model: String,
        /// Workspace.
        cwd: String,
        /// Session id.
        session_id: String,
        /// Whether it was resumed.
        resumed: bool,
    },
    /// A person's message.
    User(String),
    /// The assistant's message, Markdown, possibly still streaming.
    Assistant(String),
    /// Reasoning (or its summary).
    Reasoning(String),
    /// A tool call and, once it ended, its result.
    Tool(ToolCell),
    /// The plan, updated in place within a turn.
    Plan {
        /// The model's note about the change.
        explanation: Option<String>,
        /// The steps.
        steps: Vec<PlanStep>,
    },
    /// Something the harness says: compaction, retries, sub-agents, decisions.
    Notice(Notice, String),
    /// A diff shown by `/diff`.
    Diff(String),
}

/// The kind of a [`Cell::Notice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Neutral information.
    Info,
    /// A warning: a retry, an interruption, a limit.
    Warning,
    /// An error.
    Error,
}

/// A tool call's cell.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCell {
    /// Tool name.
    pub name: String,
    /// Raw arguments.
    pub arguments: String,
    /// The sub-agent that made the call, if not the session itself.
    pub agent: Option<String>,
    /// How it ended; `None` while it runs.
    pub status: Option<ToolStatus>,
    /// Its output.
    pub output: String,
    /// How long it took.
    pub duration_ms: u64,
    /// What the person decided when it needed approval.
    pub decision: Option<String>,
}

impl Cell {
    /// The cell's lines at `width` columns.
    pub fn lines(&self, width: usize, style: &Style) -> Vec<Line<'static>> {
        let width = width.max(8);
        let theme = &style.theme;
        let mut lines = match self {
            Cell::Header {
                model,
                cwd,
                session_id,
                resumed,
            } => header(model, cwd, session_id, *resumed, width, theme),
            Cell::User(text) => user(text, width, theme),
            Cell::Assistant(text) if text.trim().is_empty() => Vec::new(),
            Cell::Assistant(text) => prefixed(markdown::render(text, width - 2, theme), "• ", theme.accent()),
            Cell::Reasoning(text) if text.trim().is_empty() => Vec::new(),
            Cell::Reasoning(text) => reasoning(text, width, theme),
            Cell::Tool(tool) => tool_lines(tool, width, style),
            Cell::Plan { explanation, steps } => plan(explanation.as_deref(), steps, width, theme),
            Cell::Notice(kind, text) => notice(*kind, text, width, theme),
            Cell::Diff(text) => diff_lines(text, width, style),
        };
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines
    }
}

fn header(model: &str, cwd: &str, session_id: &str, resumed: bool, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let verb = if resumed { "resumed" } else { "session" };
    let first = Line::from(vec![
        Span::styled(">_ jig ", theme.accent()),
        Span::styled(format!("v{}", env!("CARGO_PKG_VERSION")), theme.dim()),
    ]);
    let mut lines = vec![first];
    let indent = [Span::raw(" ".repeat(12))];
    for (label, value) in [("model", model), ("directory", cwd), (verb, session_id)] {
        let label = [Span::styled(format!("  {label:<10}"), theme.dim())];
        lines.extend(wrap::wrap_prefixed(
            &Line::raw(value.to_string()),
            width,
            &label,
            &indent,
        ));
    }
    let hint = Line::styled(
        "Type a task, / for commands, Esc to interrupt, Ctrl-C twice to quit.",
        theme.dim(),
    );
    lines.extend(wrap::wrap_prefixed(
        &hint,
        width,
        &[Span::raw("  ")],
        &[Span::raw("  ")],
    ));
    lines
}

fn user(text: &str, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let first = [Span::styled("› ", theme.accent())];
    let rest = [Span::raw("  ")];
    for (i, line) in text.lines().enumerate() {
        let line = Line::styled(line.to_string(), theme.user());
        let head: &[Span<'static>] = if i == 0 { &first } else { &rest };
        lines.extend(wrap::wrap_prefixed(&line, width, head, &rest));
    }
    if lines.is_empty() {
        lines.push(Line::from(first.to_vec()));
    }
    lines
}

fn reasoning(text: &str, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let body = markdown::render(text, width - 2, theme);
    let body = body
        .into_iter()
        .map(|line| {
            let spans = line
                .spans
                .into_iter()
                .map(|span| Span::styled(span.content, theme.reasoning()))
                .collect::<Vec<_>>();
            Line::from(spans)
        })
        .collect();
    prefixed(body, "  ", theme.dim())
}

/// `lines` with `head` before the first and as many spaces before the rest.
fn prefixed(lines: Vec<Line<'static>>, head: &'static str, style: ratatui::style::Style) -> Vec<Line<'static>> {
    let pad = " ".repeat(wrap::width(head));
    lines
        .into_iter()
        .enumerate()
        .map(|(i, mut line)| {
            let prefix = if i == 0 {
                Span::styled(head, style)
            } else {
                Span::raw(pad.clone())
            };
            line.spans.insert(0, prefix);
            line
        })
        .collect()
}

fn tool_lines(tool: &ToolCell, width: usize, style: &Style) -> Vec<Line<'static>> {
    let theme = &style.theme;
    let shown = tools::show(&tool.name, &tool.arguments);
    if matches!(shown, Shown::Hidden) {
        return Vec::new();
    }
    let (mark, mark_style) = match tool.status {
        None => ("◦", theme.dim()),
        Some(ToolStatus::Ok) => ("✓", theme.success()),
        Some(ToolStatus::Error) => ("✗", theme.error()),
        Some(ToolStatus::Interrupted) => ("■", theme.warning()),
    };
    let mut head = vec![Span::styled(format!("{mark} "), mark_style)];
    if let Some(agent) = &tool.agent {
        head.push(Span::styled(format!("[{agent}] "), theme.dim()));
    }
    let (verb, what) = shown.title();
    head.push(Span::styled(
        format!("{verb} "),
        theme.accent().remove_modifier(Modifier::UNDERLINED),
    ));
    head.push(Span::raw(what));
    if tool.status.is_some() {
        head.push(Span::styled(format!("  {}", duration(tool.duration_ms)), theme.dim()));
    }
    let mut lines = wrap::wrap_prefixed(&Line::from(head), width, &[], &[Span::raw("    ")]);
    if let Some(decision) = &tool.decision {
        lines.push(Line::styled(format!("  ↳ {decision}"), theme.dim()));
    }
    if let Shown::Edit { diff, .. } = &shown {
        lines.extend(diff_body(diff, width, style, FOLDED_DIFF_LINES));
    }
    let show_output = match &shown {
        // A successful edit's diff says it all; its output only repeats it.
        Shown::Edit { .. } => tool.status != Some(ToolStatus::Ok),
        _ => true,
    };
    if show_output && tool.status.is_some() {
        lines.extend(output(&tool.output, width, style));
    }
    lines
}

fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// A tool's output under its line: folded to a few lines unless expanded.
fn output(text: &str, width: usize, style: &Style) -> Vec<Line<'static>> {
    let theme = &style.theme;
    let all: Vec<&str> = text.lines().collect();
    if all.is_empty() {
        return Vec::new();
    }
    let shown = match style.expanded {
        Expanded::Whole => all.len(),
        Expanded::Folded => all.len().min(FOLDED_LINES),
    };
    let bar = [Span::styled("  │ ", theme.dim())];
    let mut lines = Vec::new();
    for line in &all[..shown] {
        let line = Line::styled(line.replace('\t', "    "), theme.dim());
        lines.extend(wrap::wrap_prefixed(&line, width, &bar, &bar));
    }
    if shown < all.len() {
        lines.push(Line::styled(
            format!("  │ … {} more lines (Ctrl-O to expand)", all.len() - shown),
            theme.dim(),
        ));
    }
    lines
}

fn diff_lines(text: &str, width: usize, style: &Style) -> Vec<Line<'static>> {
    if text.trim().is_empty() {
        return vec![Line::styled("No changes.", style.theme.dim())];
    }
    diff_body(text, width, style, usize::MAX)
}

/// A unified diff (or an apply_patch body), coloured line by line; folded
/// past `limit` lines unless expanded.
fn diff_body(text: &str, width: usize, style: &Style, limit: usize) -> Vec<Line<'static>> {
    let theme = &style.theme;
    let all: Vec<&str> = text.lines().collect();
    let shown = match style.expanded {
        Expanded::Whole => all.len(),
        Expanded::Folded => all.len().min(limit),
    };
    let pad = [Span::raw("    ")];
    let mut lines = Vec::new();
    for line in &all[..shown] {
        let header = ["+++", "---", "@@", "*** ", "diff ", "index "];
        let line_style = if header.iter().any(|h| line.starts_with(h)) {
            theme.hunk()
        } else if line.starts_with('+') {
            theme.added()
        } else if line.starts_with('-') {
            theme.removed()
        } else {
            ratatui::style::Style::new()
        };
        let line = Line::styled(line.replace('\t', "    "), line_style);
        lines.extend(wrap::wrap_prefixed(&line, width, &pad, &pad));
    }
    if shown < all.len() {
        lines.push(Line::styled(
            format!("    … {} more lines (Ctrl-O to expand)", all.len() - shown),
            theme.dim(),
        ));
    }
    lines
}

fn plan(explanation: Option<&str>, steps: &[PlanStep], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let done = steps.iter().filter(|s| s.status == StepStatus::Completed).count();
    let mut lines = vec![Line::from(vec![
        Span::styled("• ", theme.accent()),
        Span::styled("Plan", theme.accent()),
        Span::styled(format!("  {done}/{} done", steps.len()), theme.dim()),
    ])];
    if let Some(note) = explanation.filter(|n| !n.trim().is_empty()) {
        let line = Line::styled(note.to_string(), theme.dim().add_modifier(Modifier::ITALIC));
        lines.extend(wrap::wrap_prefixed(
            &line,
            width,
            &[Span::raw("  ")],
            &[Span::raw("  ")],
        ));
    }
    for step in steps {
        let (mark, style) = match step.status {
            StepStatus::Completed => ("  ☑ ", theme.dim().add_modifier(Modifier::CROSSED_OUT)),
            StepStatus::InProgress => ("  ▸ ", theme.accent()),
            StepStatus::Pending => ("  ☐ ", ratatui::style::Style::new()),
        };
        let line = Line::styled(step.step.clone(), style);
        lines.extend(wrap::wrap_prefixed(
            &line,
            width,
            &[Span::styled(mark, style.remove_modifier(Modifier::CROSSED_OUT))],
            &[Span::raw("    ")],
        ));
    }
    lines
}

fn notice(kind: Notice, text: &str, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let (mark, style) = match kind {
        Notice::Info => ("· ", theme.dim()),
        Notice::Warning => ("! ", theme.warning()),
        Notice::Error => ("✗ ", theme.error()),
    };
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let head = if i == 0 { mark } else { "  " };
        let line = Line::styled(line.to_string(), style);
        lines.extend(wrap::wrap_prefixed(
            &line,
            width,
            &[Span::styled(head, style)],
            &[Span::raw("  ")],
        ));
    }
    lines
}
