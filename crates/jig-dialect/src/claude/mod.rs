//! The `claude` dialect: the tool names, argument shapes and output layout
//! of Claude Code (`Bash`, `Read`, `Edit`, `Write`, `Agent`, `TaskCreate`,
//! `TaskUpdate`, `TaskList`, `TaskGet`, `AskUserQuestion`, and `Skill` when the
//! session has skills), as measured in `shared/reference/dialects.md`.
//!
//! Every adapter here parses Claude Code's arguments, calls one `jig-tools`
//! implementation (`run_command`, `read_file`, `edit_file`, `write_file`, the
//! shared session plan) and reshapes its text: numbered lines use Claude
//! Code's `     1→line` instead of `cat -n`'s tab, and hints name this
//! dialect's tools. Invariant: parameter names, types and required fields
//! match the measured schemas exactly; descriptions are jig's own. Search
//! has no tool of its own (this Claude Code version has no Grep or Glob):
//! the model runs `rg` through `Bash`.
//!
//! Not yet here: `Bash`'s `dangerouslyDisableSandbox` is accepted and
//! ignored (jig has no sandbox yet, so there is nothing to disable), and
//! `run_in_background` is refused with a hint to run in the foreground;
//! `Read`'s `pages` (PDF) is refused. `Agent` is offered and `Task`, its
//! name before Claude Code 2.1.63, still dispatches to it without being
//! offered. `SendMessage` and the web, notebook and cron tools of Claude
//! Code are not offered.

mod agent;
mod ask;
mod bash;
mod files;
mod skill;
mod tasks;

use std::sync::Arc;

use jig_tools::ToolRouter;

pub use agent::AgentTool;
pub use ask::AskUserQuestionTool;
pub use bash::BashTool;
pub use files::{EditTool, ReadTool, WriteTool};
pub use skill::SkillTool;
pub use tasks::{TaskCreateTool, TaskGetTool, TaskListTool, TaskUpdateTool};

/// Tool paragraph of the system prompt for `claude`.
pub const INSTRUCTIONS: &str = "Search the code with `rg` (and list files with `rg --files`) through Bash. \
Read a file before you change it. Change existing files with Edit, quoting text exactly as Read showed it \
(without the line-number prefix); create new files, or rewrite whole ones, with Write. \
For work with several steps, record the steps with TaskCreate and keep them current with TaskUpdate: \
one task in_progress at a time, completed as soon as it is done. \
Hand self-contained tasks that would take many steps, or that can run in parallel, to Agent.";

/// The `claude` tools, in the order Claude Code offers them.
pub fn router() -> ToolRouter {
    let mut router = ToolRouter::new();
    router.register(Arc::new(BashTool));
    router.register(Arc::new(ReadTool::default()));
    router.register(Arc::new(EditTool));
    router.register(Arc::new(WriteTool));
    router.register(Arc::new(AgentTool));
    router.alias("Task", "Agent");
    router.register(Arc::new(TaskCreateTool));
    router.register(Arc::new(TaskUpdateTool));
    router.register(Arc::new(TaskListTool));
    router.register(Arc::new(TaskGetTool));
    router.register(Arc::new(AskUserQuestionTool));
    router
}

/// Rewrites `read_file`'s numbered lines (`{:>6}\t{line}`) into Claude
/// Code's layout (`{:>6}→{line}`); other lines pass unchanged. Only the tab
/// right after a line number is touched, never one inside a line.
pub(crate) fn arrow_numbers(text: &str) -> String {
    text.split('\n')
        .map(|line| match number_tab(line) {
            Some(tab) => format!("{}→{}", &line[..tab], &line[tab + 1..]),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Byte index of the tab that ends a right-aligned line number.
fn number_tab(line: &str) -> Option<usize> {
    let tab = line.find('\t')?;
    let number = line[..tab].trim_start_matches(' ');
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then_some(tab)
}

#[cfg(test)]
mod tests {
    use super::arrow_numbers;

    #[test]
    fn only_the_tab_after_a_line_number_becomes_an_arrow() {
        let text = "     1\tfn main() {\n     2\t\tx\t= 1;\n[showing lines 1-2 of 9]\nnot\ta number";
        assert_eq!(
            arrow_numbers(text),
            "     1→fn main() {\n     2→\tx\t= 1;\n[showing lines 1-2 of 9]\nnot\ta number"
        );
    }
}
