//! Which shell commands check the work: test runners, builds, type
//! checkers and linters, in one table.
//!
//! A command counts when its program (after wrappers, see [`super::shell`])
//! and, for multi-purpose programs, its subcommand are in the table below.
//! Anything else (`echo`, `cat`, `git diff`, `python script.py`) is not a
//! check, even when it happens to test something: the grader rewards the
//! habit of running the project's checks, not cleverness it cannot see.

use super::shell::Segment;

/// Programs that are checks whatever their arguments.
const CHECK_PROGRAMS: &[&str] = &[
    "pytest",
    "py.test",
    "tox",
    "nox",
    "ruff",
    "mypy",
    "pyright",
    "flake8",
    "pylint",
    "tsc",
    "eslint",
    "jest",
    "vitest",
    "mocha",
    "rspec",
    "phpunit",
    "ctest",
    "cargo-nextest",
    "shellcheck",
    "golangci-lint",
    "ava",
    "prove",
];

/// Programs whose subcommand (first word that is not an option) decides.
const CHECK_SUBCOMMANDS: &[(&str, &[&str])] = &[
    (
        "cargo",
        &["test", "t", "build", "b", "check", "c", "clippy", "nextest", "miri"],
    ),
    ("go", &["test", "build", "vet"]),
    ("make", &["test", "check", "tests", "build", "lint", "all"]),
    ("gmake", &["test", "check", "tests", "build", "lint", "all"]),
    ("just", &["test", "check", "lint"]),
    ("npm", &["test", "t"]),
    ("pnpm", &["test", "t"]),
    ("yarn", &["test"]),
    ("bun", &["test"]),
    ("deno", &["test", "check", "lint"]),
    ("dotnet", &["test", "build"]),
    ("mvn", &["test", "verify", "package"]),
    ("gradle", &["test", "check", "build"]),
    ("swift", &["test", "build"]),
    ("npx", &["tsc", "jest", "vitest", "eslint", "mocha", "playwright"]),
    ("uv", &["run"]),
    ("poetry", &["run"]),
];

/// Scripts that `npm run`/`yarn run`/`pnpm run` may name as a check.
const RUN_SCRIPTS: &[&str] = &["test", "build", "lint", "check", "typecheck", "type-check", "tsc"];

/// Modules `python -m` runs as a check.
const PYTHON_MODULES: &[&str] = &[
    "pytest",
    "unittest",
    "mypy",
    "ruff",
    "pyflakes",
    "flake8",
    "pylint",
    "py_compile",
    "compileall",
    "tox",
    "nox",
    "doctest",
];

/// The check `segment` runs, as `program subcommand`, or `None`.
pub(crate) fn check_command(segment: &Segment) -> Option<String> {
    let program = segment.program();
    let args = segment.args();
    let first = args.iter().find(|a| !a.starts_with('-') && !a.starts_with('+'));
    let named = |word: &str| Some(format!("{program} {word}"));
    if CHECK_PROGRAMS.contains(&program) {
        return Some(program.to_string());
    }
    if let Some(script) = run_script(program, args) {
        return Some(script);
    }
    if let Some((_, subs)) = CHECK_SUBCOMMANDS.iter().find(|(p, _)| *p == program) {
        let sub = first?;
        if matches!(program, "uv" | "poetry") {
            // `uv run pytest`: the program after `run` decides.
            let inner = Segment {
                argv: args.iter().skip_while(|a| *a != sub).skip(1).cloned().collect(),
                ..Segment::default()
            };
            return check_command(&inner).map(|c| format!("{program} run {c}"));
        }
        return subs.contains(&sub.as_str()).then(|| format!("{program} {sub}"));
    }
    match program {
        _ if program.starts_with("python") => {
            let module = args.iter().position(|a| a == "-m").and_then(|i| args.get(i + 1))?;
            PYTHON_MODULES
                .contains(&module.as_str())
                .then(|| format!("{program} -m {module}"))
        }
        "node" => args.iter().any(|a| a == "--test").then(|| "node --test".to_string()),
        "bash" | "sh" | "zsh" => first.filter(|s| is_test_script(s)).and_then(|s| named(s)),
        _ if is_test_script(&segment.argv.first().cloned().unwrap_or_default()) => segment.argv.first().cloned(),
        _ => None,
    }
}

/// `npm run test`, `yarn lint`, `pnpm run typecheck`.
fn run_script(program: &str, args: &[String]) -> Option<String> {
    if !matches!(program, "npm" | "pnpm" | "yarn" | "bun") {
        return None;
    }
    let words: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let script = match words.as_slice() {
        [run, script, ..] if *run == "run" || *run == "run-script" => script,
        [script, ..] if program == "yarn" => script,
        _ => return None,
    };
    RUN_SCRIPTS
        .contains(&script.as_str())
        .then(|| format!("{program} run {script}"))
}

/// `./test.sh`, `scripts/run_tests.sh`, `tests/smoke.sh`, `./check.sh`.
fn is_test_script(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let in_tests = path.split('/').any(|part| part == "tests" || part == "test");
    let script = name.ends_with(".sh") || !name.contains('.');
    (path.contains('/') || name.ends_with(".sh"))
        && script
        && (in_tests || name.contains("test") || name.starts_with("check") || name.starts_with("lint"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traits::shell::split_script;

    fn check(script: &str) -> Option<String> {
        split_script(script).iter().find_map(check_command)
    }

    #[test]
    fn the_usual_checks_are_recognised() {
        for (script, expected) in [
            ("cargo test -q", "cargo test"),
            ("cargo +nightly clippy --all-targets", "cargo clippy"),
            ("python3 -m pytest -x", "python3 -m pytest"),
            ("uv run pytest", "uv run pytest"),
            ("npm test", "npm test"),
            ("npm run lint", "npm run lint"),
            ("node --test", "node --test"),
            ("go test ./...", "go test"),
            ("make check", "make check"),
            ("./test.sh", "./test.sh"),
            ("bash tests/run.sh", "bash tests/run.sh"),
            ("ruff check .", "ruff"),
            ("npx tsc --noEmit", "npx tsc"),
        ] {
            assert_eq!(check(script).as_deref(), Some(expected), "{script}");
        }
        for script in [
            "cargo fmt",
            "python main.py",
            "npm install",
            "make",
            "echo test",
            "git status",
            "cat test.sh",
        ] {
            assert_eq!(check(script), None, "{script}");
        }
    }
}
