//! Slash commands: the table of them, parsing a submitted line, and the
//! completion menu shown while a command is typed.
//!
//! The table is the one source of names, arguments and help text: `/help`,
//! the completion menu and the parser all read it.

/// A slash command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Switch the model.
    Model,
    /// Compact the context now.
    Compact,
    /// Show the plan.
    Plan,
    /// Session, model, directory, policies, context.
    Status,
    /// Tokens and cost.
    Cost,
    /// The workspace's uncommitted changes.
    Diff,
    /// Pick a recorded session.
    Sessions,
    /// Start a new session.
    New,
    /// Resume a session.
    Resume,
    /// The commands and keys.
    Help,
    /// Leave.
    Quit,
}

/// Name, argument hint, help.
pub const COMMANDS: &[(Command, &str, &str, &str)] = &[
    (
        Command::Model,
        "model",
        "[PROVIDER:NAME]",
        "show the model, or go on with another",
    ),
    (
        Command::Compact,
        "compact",
        "[focus]",
        "compact the context now, keeping what you name",
    ),
    (Command::Plan, "plan", "", "show the current plan"),
    (
        Command::Status,
        "status",
        "",
        "session, model, directory and context in use",
    ),
    (Command::Cost, "cost", "", "tokens and cost of this session"),
    (
        Command::Diff,
        "diff",
        "",
        "the workspace's uncommitted changes (git diff)",
    ),
    (Command::Sessions, "sessions", "", "pick a recorded session to resume"),
    (Command::New, "new", "", "start a new session here"),
    (
        Command::Resume,
        "resume",
        "[ID]",
        "resume a session (a picker without ID)",
    ),
    (Command::Help, "help", "", "commands and keys"),
    (Command::Quit, "quit", "", "leave jig (also /exit)"),
];

/// A submitted line that is a command: which, and its argument.
pub fn parse(line: &str) -> Option<Result<(Command, String), String>> {
    let rest = line.trim().strip_prefix('/')?;
    let (name, argument) = match rest.split_once(char::is_whitespace) {
        Some((name, argument)) => (name, argument.trim().to_string()),
        None => (rest, String::new()),
    };
    let name = if name == "exit" { "quit" } else { name };
    Some(
        COMMANDS
            .iter()
            .find(|(_, n, _, _)| *n == name)
            .map(|(command, ..)| (*command, argument))
            .ok_or_else(|| format!("unknown command /{name}; /help lists them")),
    )
}

/// The completion menu: commands whose names start with what is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Indices into [`COMMANDS`] that match.
    pub matches: Vec<usize>,
    /// The highlighted one.
    pub selected: usize,
}

impl Completion {
    /// The menu for `draft`, while it is a command name being typed.
    pub fn for_draft(draft: &str) -> Option<Completion> {
        let typed = draft.strip_prefix('/')?;
        if typed.contains(char::is_whitespace) {
            return None;
        }
        let matches: Vec<usize> = COMMANDS
            .iter()
            .enumerate()
            .filter(|(_, (_, name, _, _))| name.starts_with(typed))
            .map(|(i, _)| i)
            .collect();
        (!matches.is_empty()).then_some(Completion { matches, selected: 0 })
    }

    /// Moves the highlight by `by` (wrapping).
    pub fn step(&mut self, by: isize) {
        let count = self.matches.len() as isize;
        if count > 0 {
            self.selected = (self.selected as isize + by).rem_euclid(count) as usize;
        }
    }

    /// The highlighted command's text to put in the draft (`/name `).
    pub fn chosen(&self) -> Option<String> {
        let index = *self.matches.get(self.selected)?;
        let (_, name, argument, _) = COMMANDS[index];
        Some(if argument.is_empty() {
            format!("/{name}")
        } else {
            format!("/{name} ")
        })
    }
}

/// The text of `/help`.
pub fn help() -> String {
    let mut text = String::from("Commands:\n");
    for (_, name, argument, help) in COMMANDS {
        let usage = if argument.is_empty() {
            format!("/{name}")
        } else {
            format!("/{name} {argument}")
        };
        text.push_str(&format!("  {usage:<24} {help}\n"));
    }
    text.push_str(
        "Keys:\n  Enter send (while jig works: queued for its next step) · \\ then Enter, Alt-Enter or Ctrl-J new line\n  \
         Esc interrupt · Ctrl-C clear the draft, interrupt, or twice to quit · ↑/↓ history\n  \
         PageUp/PageDown scroll · Ctrl-O expand tool output · Tab complete a command",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_and_arguments() {
        assert_eq!(parse("hello"), None);
        assert_eq!(
            parse("/compact keep the API"),
            Some(Ok((Command::Compact, "keep the API".into())))
        );
        assert_eq!(parse("/exit"), Some(Ok((Command::Quit, String::new()))));
        assert!(matches!(parse("/nope"), Some(Err(e)) if e.contains("/help")));
    }

    #[test]
    fn completes_by_prefix() {
        let menu = Completion::for_draft("/s").unwrap();
        let names: Vec<&str> = menu.matches.iter().map(|&i| COMMANDS[i].1).collect();
        assert_eq!(names, ["status", "sessions"]);
        assert_eq!(menu.chosen().as_deref(), Some("/status"));
        assert_eq!(Completion::for_draft("/compact x"), None);
        assert_eq!(Completion::for_draft("/zz"), None);
        assert_eq!(
            Completion::for_draft("/m").unwrap().chosen().as_deref(),
            Some("/model ")
        );
    }
}
