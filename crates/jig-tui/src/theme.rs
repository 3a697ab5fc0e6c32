//! Styles for everything the TUI draws, in colour or without it.
//!
//! Without colour (`NO_COLOR` set, or `--no-color`) every style falls back
//! to modifiers alone (bold, italic, dim, reversed), and diffs keep their
//! `+`/`-` markers, so nothing depends on colour to be understood.

use ratatui::style::{Color, Modifier, Style};

/// The palette: one style per role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Whether colours may be used at all.
    pub color: bool,
}

impl Theme {
    /// A theme with or without colour.
    pub fn new(color: bool) -> Self {
        Theme { color }
    }

    /// Colour unless `no_color` was asked for or `NO_COLOR` is set to
    /// anything non-empty (<https://no-color.org>).
    pub fn from_env(no_color: bool) -> Self {
        let env_says_no = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        Theme::new(!no_color && !env_says_no)
    }

    fn pick(&self, color: Style, plain: Style) -> Style {
        if self.color { color } else { plain }
    }

    /// Secondary text: hints, timings, folded output.
    pub fn dim(&self) -> Style {
        self.pick(
            Style::new().fg(Color::DarkGray),
            Style::new().add_modifier(Modifier::DIM),
        )
    }

    /// What draws the eye: the prompt marker, titles, the selected option.
    pub fn accent(&self) -> Style {
        self.pick(
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    /// The person's own messages.
    pub fn user(&self) -> Style {
        self.pick(
            Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    /// Errors and failed tools.
    pub fn error(&self) -> Style {
        self.pick(
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    /// Success marks.
    pub fn success(&self) -> Style {
        self.pick(Style::new().fg(Color::Green), Style::new())
    }

    /// Warnings: retries, approvals, interruptions.
    pub fn warning(&self) -> Style {
        self.pick(
            Style::new().fg(Color::Yellow),
            Style::new().add_modifier(Modifier::ITALIC),
        )
    }

    /// An added line of a diff.
    pub fn added(&self) -> Style {
        self.pick(Style::new().fg(Color::Green), Style::new())
    }

    /// A removed line of a diff.
    pub fn removed(&self) -> Style {
        self.pick(Style::new().fg(Color::Red), Style::new())
    }

    /// A diff's file and hunk headers.
    pub fn hunk(&self) -> Style {
        self.pick(Style::new().fg(Color::Cyan), Style::new().add_modifier(Modifier::BOLD))
    }

    /// Inline code and code blocks without highlighting.
    pub fn code(&self) -> Style {
        self.pick(Style::new().fg(Color::LightBlue), Style::new())
    }

    /// Markdown headings.
    pub fn heading(&self) -> Style {
        self.pick(
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )
    }

    /// Links.
    pub fn link(&self) -> Style {
        self.pick(
            Style::new().fg(Color::Blue).add_modifier(Modifier::UNDERLINED),
            Style::new().add_modifier(Modifier::UNDERLINED),
        )
    }

    /// Reasoning summaries.
    pub fn reasoning(&self) -> Style {
        self.dim().add_modifier(Modifier::ITALIC)
    }

    /// The selected row of a list or the focused button.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
}
