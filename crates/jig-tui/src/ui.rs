//! Drawing the [`App`] into a frame: the transcript, what the session is
//! doing, the waiting question, the composer, the status line, and the
//! overlays (approval, slash menu, session picker).
//!
//! Drawing reads the app and changes nothing but the transcript's layout
//! cache and the width it remembers for scrolling. ratatui diffs each frame
//! against the last and writes only the cells that changed, so nothing
//! flickers; the event loop draws only when something changed.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::{Activity, App, Status};
use crate::requests::{self, Request};
use crate::slash::COMMANDS;
use crate::theme::Theme;
use crate::wrap;

/// Most lines the composer grows to before it scrolls.
const COMPOSER_MAX_LINES: usize = 10;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, app: &mut App) {
    let area = frame.area();
    let width = area.width.max(1) as usize;
    let theme = app.theme;
    let activity = activity_lines(app, width);
    let question = question_lines(app, width);
    let (composer, cursor) = app.composer.layout(area.width.saturating_sub(2).max(1), &theme);
    let composer_height = composer.len().clamp(1, COMPOSER_MAX_LINES);
    let [
        transcript_area,
        activity_area,
        question_area,
        rule_area,
        composer_area,
        status_area,
    ] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(activity.len() as u16),
        Constraint::Length(question.len() as u16),
        Constraint::Length(1),
        Constraint::Length(composer_height as u16),
        Constraint::Length(1),
    ])
    .areas(area);

    app.width = width;
    let style = app.cell_style();
    let lines = app.transcript.window(width, transcript_area.height as usize, style);
    frame.render_widget(Paragraph::new(lines), transcript_area);
    frame.render_widget(Paragraph::new(activity), activity_area);
    frame.render_widget(Paragraph::new(question), question_area);
    frame.render_widget(Paragraph::new(rule(app, width)), rule_area);
    draw_composer(frame, app, composer, cursor, composer_area);
    frame.render_widget(Paragraph::new(status_line(app, width)), status_area);

    if app.completion.is_some() {
        draw_completion(frame, app, transcript_area);
    }
    if let Some(Request::Approval { .. }) = app.requests.front() {
        draw_approval(frame, app, transcript_area);
    }
    if app.picker.is_some() {
        draw_picker(frame, app, transcript_area);
    }
}

fn draw_composer(frame: &mut Frame<'_>, app: &App, lines: Vec<Line<'static>>, cursor: (u16, u16), area: Rect) {
    let theme = &app.theme;
    // Keep the cursor's row in view when the draft is taller than the box.
    let skip = (cursor.1 as usize + 1).saturating_sub(area.height as usize);
    let mut shown: Vec<Line<'static>> = Vec::new();
    for (i, mut line) in lines.into_iter().enumerate().skip(skip).take(area.height as usize) {
        let head = if i == 0 {
            Span::styled("› ", theme.accent())
        } else {
            Span::raw("  ")
        };
        line.spans.insert(0, head);
        shown.push(line);
    }
    if app.composer.is_empty() {
        let placeholder = match (app.requests.front(), app.busy()) {
            (Some(Request::Input { .. }), _) => "Type your own answer, or pick an option above",
            (_, true) => "Send a message: it reaches jig before its next step",
            _ => "Ask jig to do something, or / for commands",
        };
        shown = vec![Line::from(vec![
            Span::styled("› ", theme.accent()),
            Span::styled(placeholder, theme.dim()),
        ])];
    }
    frame.render_widget(Paragraph::new(shown), area);
    let overlay = app.picker.is_some() || matches!(app.requests.front(), Some(Request::Approval { .. }));
    if !overlay {
        let row = cursor.1.saturating_sub(skip as u16);
        frame.set_cursor_position(Position::new(area.x + 2 + cursor.0, area.y + row));
    }
}

fn rule(app: &App, width: usize) -> Line<'static> {
    let label = match app.transcript.following() {
        true => String::new(),
        false => " ↓ more below (PageDown, Ctrl-End) ".to_string(),
    };
    let fill = width.saturating_sub(wrap::width(&label));
    Line::from(vec![
        Span::styled("─".repeat(fill.min(2)), app.theme.dim()),
        Span::styled(label, app.theme.warning()),
        Span::styled("─".repeat(fill.saturating_sub(2)), app.theme.dim()),
    ])
}

/// "Working", queued messages, sub-agents at work.
fn activity_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut lines = Vec::new();
    let doing = match app.activity {
        Activity::Working => Some("Working"),
        Activity::Compacting => Some("Compacting"),
        Activity::Idle if app.agents_running > 0 => Some("Waiting for sub-agents"),
        Activity::Idle => None,
    };
    if let Some(doing) = doing {
        let mut spans = vec![Span::styled(format!("● {doing}"), theme.accent())];
        if app.agents_running > 0 {
            spans.push(Span::styled(
                format!(" · {} sub-agents running", app.agents_running),
                theme.dim(),
            ));
        }
        if let Some(step) = app.current_step() {
            spans.push(Span::styled(format!(" · {step}"), theme.dim()));
        }
        spans.push(Span::styled(" · Esc to interrupt", theme.dim()));
        lines.push(Line::from(spans));
    }
    for text in &app.queued {
        let text = wrap::truncate(&crate::tools::one_line(text), width.saturating_sub(12));
        lines.push(Line::from(vec![
            Span::styled("  ↳ queued: ", theme.warning()),
            Span::styled(text, theme.dim()),
        ]));
    }
    lines
}

/// The waiting question (not an approval: that is a modal).
fn question_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let Some(Request::Input {
        request, state, agent, ..
    }) = app.requests.front()
    else {
        return Vec::new();
    };
    let theme = &app.theme;
    let shown = requests::shown(request, state, agent.as_deref());
    let mut lines = vec![Line::styled(format!("? {}", shown.title), theme.accent())];
    let question = Line::styled(shown.question, theme.user());
    lines.extend(wrap::wrap_prefixed(
        &question,
        width,
        &[Span::raw("  ")],
        &[Span::raw("  ")],
    ));
    for (i, option) in shown.options.iter().enumerate() {
        let tick = match &shown.ticked {
            Some(ticked) if ticked.contains(&i) => "[x] ",
            Some(_) => "[ ] ",
            None => "",
        };
        let selected = i == shown.selected;
        let marker = if selected { "› " } else { "  " };
        let label_style = if selected {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        let mut spans = vec![
            Span::styled(format!("  {marker}{tick}{}. ", i + 1), theme.accent()),
            Span::styled(option.label.clone(), label_style),
        ];
        if !option.description.is_empty() {
            spans.push(Span::styled(format!(" — {}", option.description), theme.dim()));
        }
        lines.extend(wrap::wrap_prefixed(
            &Line::from(spans),
            width,
            &[],
            &[Span::raw("       ")],
        ));
    }
    if let Some(problem) = shown.problem {
        lines.push(Line::styled(format!("  {problem}"), theme.error()));
    }
    lines.push(Line::styled(format!("  {}", shown.keys), theme.dim()));
    lines
}

/// The context in use, as "33.0k of 272.0k tokens (12%)".
pub fn context_text(status: &Status) -> String {
    let used = compact_number(status.context_tokens);
    match context_percent(status) {
        None => format!("{used} tokens"),
        Some(percent) => format!(
            "{used} of {} tokens ({percent}%)",
            compact_number(status.context_window)
        ),
    }
}

fn context_percent(status: &Status) -> Option<u64> {
    (status.context_tokens * 100).checked_div(status.context_window)
}

fn compact_number(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1_000.0),
        _ => format!("{:.1}M", n as f64 / 1_000_000.0),
    }
}

fn status_line(app: &App, width: usize) -> Line<'static> {
    let theme = &app.theme;
    if let Some(hint) = &app.hint {
        return Line::styled(wrap::truncate(hint, width), theme.warning());
    }
    let s = &app.status;
    let mut text = s.model.clone();
    if let Some(percent) = context_percent(s) {
        text.push_str(&format!(" · context {percent}%"));
    }
    let total = s.total.input_tokens + s.total.output_tokens;
    if total > 0 {
        text.push_str(&format!(" · {} tokens", compact_number(total)));
    }
    if let Some(usd) = s.cost_usd {
        text.push_str(&format!(" · ${usd:.2}"));
    }
    let right = match s.session_id.is_empty() {
        true => "no session".to_string(),
        false => format!("session {}", short_id(&s.session_id)),
    };
    let text = wrap::truncate(&text, width.saturating_sub(wrap::width(&right) + 2));
    let pad = width.saturating_sub(wrap::width(&text) + wrap::width(&right));
    Line::from(vec![
        Span::styled(text, theme.dim()),
        Span::raw(" ".repeat(pad)),
        Span::styled(right, theme.dim()),
    ])
}

fn short_id(id: &str) -> &str {
    let start = id.len().saturating_sub(8);
    id.get(start..).unwrap_or(id)
}

fn draw_completion(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(menu) = &app.completion else { return };
    let theme = &app.theme;
    let lines: Vec<Line<'static>> = menu
        .matches
        .iter()
        .enumerate()
        .map(|(row, &index)| {
            let (_, name, argument, help) = COMMANDS[index];
            let style = if row == menu.selected {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            Line::from(vec![
                Span::styled(format!(" /{name} {argument}"), style.add_modifier(Modifier::BOLD)),
                Span::styled(format!("  {help}"), theme.dim()),
            ])
        })
        .collect();
    let height = (lines.len() as u16).min(area.height);
    let menu_area = Rect::new(area.x, area.y + area.height - height, area.width, height);
    frame.render_widget(Clear, menu_area);
    frame.render_widget(Paragraph::new(lines), menu_area);
}

fn draw_approval(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(Request::Approval {
        command,
        cwd,
        reason,
        escalation,
        agent,
        ..
    }) = app.requests.front()
    else {
        return;
    };
    let theme = &app.theme;
    let width = area.width.saturating_sub(4).clamp(20, 100);
    let inner = width.saturating_sub(2) as usize;
    let title = match agent {
        Some(agent) => format!(" {agent} wants to run a command "),
        None => " jig wants to run a command ".to_string(),
    };
    let mut lines = Vec::new();
    for line in command.lines() {
        let line = Line::styled(line.to_string(), theme.user());
        lines.extend(wrap::wrap_prefixed(
            &line,
            inner,
            &[Span::styled("$ ", theme.accent())],
            &[Span::raw("  ")],
        ));
    }
    lines.push(Line::default());
    let why = Line::from(vec![Span::styled("why: ", theme.dim()), Span::raw(reason.clone())]);
    lines.extend(wrap::wrap(&why, inner));
    let place = Line::from(vec![Span::styled("in:  ", theme.dim()), Span::raw(cwd.clone())]);
    lines.extend(wrap::wrap(&place, inner));
    if *escalation {
        let warn = Line::styled("It would run outside the sandbox.", theme.warning());
        lines.extend(wrap::wrap(&warn, inner));
    }
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled("y", theme.accent()),
        Span::raw(" approve  "),
        Span::styled("a", theme.accent()),
        Span::raw(" approve for this session  "),
        Span::styled("n", theme.accent()),
        Span::raw(" deny  "),
        Span::styled("Esc", theme.accent()),
        Span::raw(" stop the turn"),
    ]));
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect::new(
        area.x + (area.width.saturating_sub(width)) / 2,
        area.y + area.height.saturating_sub(height) / 2,
        width.min(area.width),
        height,
    );
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.warning())
        .title(Span::styled(title, theme.warning().add_modifier(Modifier::BOLD)));
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

fn draw_picker(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(picker) = &app.picker else { return };
    let theme: &Theme = &app.theme;
    frame.render_widget(Clear, area);
    let inner = area.width.saturating_sub(2) as usize;
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Resume a session", theme.accent()),
            Span::styled("  type to search · ↑/↓ · Enter resume · Esc close", theme.dim()),
        ]),
        Line::from(vec![
            Span::styled("search: ", theme.dim()),
            Span::raw(picker.query.clone()),
        ]),
        Line::default(),
    ];
    let matches = picker.matches();
    if matches.is_empty() {
        lines.push(Line::styled("No sessions match.", theme.dim()));
    }
    let rows = (area.height as usize).saturating_sub(lines.len() + 2).max(1);
    let first = picker.selected.saturating_sub(rows - 1);
    for (i, entry) in matches.iter().enumerate().skip(first).take(rows) {
        let style = if i == picker.selected {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        let when = entry.created.get(..16).unwrap_or(&entry.created).replace('T', " ");
        let text = format!("{when}  {}  {}", entry.title, entry.model);
        lines.push(Line::styled(wrap::truncate(&text, inner), style));
    }
    let block = Block::default().borders(Borders::ALL).border_style(theme.dim());
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
