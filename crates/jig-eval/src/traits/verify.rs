//! Which shell commands check the work, in tables: the project's own
//! tooling (test runners, builds, compilers, type checkers, linters) and
//! runs of the project's code (a script, a built program, inline code).
//!
//! The rule: a command checks the work when it *executes* something the
//! project holds or builds — its tests, its build, its programs — because
//! only execution can show that an edit works. Commands that only show
//! files or state (`cat`, `ls`, `rg`, `git status`, `git diff`, `diff`)
//! never count, however they are wrapped, and neither do installers and
//! servers of the toolchain itself (`pip install`, `python -m venv`,
//! `python -m http.server`, `npm install`). A run of the project's code is
//! told apart from its tooling ([`CheckKind`]) so that evidence says which
//! it was. The grader cannot see what a run did inside (a `python -c` that
//! rewrites a file is still a run): it rewards the habit of executing the
//! work, not cleverness it cannot see.

use super::shell::Segment;

/// What kind of check a command is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CheckKind {
    /// The project's tests, a build or compile, a type checker or linter.
    Tooling,
    /// The project's code run directly: a script, a built program, a
    /// module, inline code fed to an interpreter.
    Run,
}

/// A command that checks the work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Check {
    /// The command as evidence names it: `cargo test`, `python3 app.py`,
    /// `node -e`, `./target/debug/app`.
    pub command: String,
    /// Tooling or a run of the project's code.
    pub kind: CheckKind,
}

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
    // Compilers: a compile is a build.
    "rustc",
    "gcc",
    "g++",
    "cc",
    "c++",
    "clang",
    "clang++",
    "javac",
    "kotlinc",
    "ghc",
];

/// Programs whose subcommand (first word that is not an option) decides.
const CHECK_SUBCOMMANDS: &[(&str, &[&str])] = &[
    (
        "cargo",
        &["test", "t", "build", "b", "check", "c", "clippy", "nextest", "miri"],
    ),
    ("go", &["test", "build", "vet"]),
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
    ("zig", &["build", "test"]),
    ("npx", &["tsc", "jest", "vitest", "eslint", "mocha", "playwright"]),
];

/// Subcommands that build and run the project's program.
const RUN_SUBCOMMANDS: &[(&str, &[&str])] = &[
    ("cargo", &["run", "r"]),
    ("go", &["run"]),
    ("dotnet", &["run"]),
    ("swift", &["run"]),
    ("deno", &["run", "eval"]),
    ("npm", &["start"]),
    ("pnpm", &["start"]),
    ("yarn", &["start"]),
    ("npx", &["ts-node", "tsx"]),
];

/// Make targets that test or build; `make` with no target builds the
/// default one.
const MAKE_TARGETS: &[&str] = &["test", "tests", "check", "build", "lint", "all"];

/// Scripts that `npm run`/`yarn run`/`pnpm run` may name as a check.
const RUN_SCRIPTS: &[&str] = &["test", "build", "lint", "check", "typecheck", "type-check", "tsc"];

/// Modules `python -m` runs as tooling.
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

/// Modules `python -m` runs that install, serve or set up rather than run
/// the project.
const PYTHON_NOT_PROJECT: &[&str] = &[
    "pip",
    "ensurepip",
    "venv",
    "virtualenv",
    "pipx",
    "http.server",
    "pydoc",
    "site",
];

/// Interpreters that run a script file given as their first positional
/// argument, with the options of each that take a value, and the options
/// that run inline code instead.
const INTERPRETERS: &[(&str, &[&str], &[&str])] = &[
    (
        "node",
        &[
            "-r",
            "--require",
            "--import",
            "--loader",
            "--experimental-loader",
            "-C",
            "--conditions",
        ],
        &["-e", "--eval", "-p", "--print"],
    ),
    (
        "nodejs",
        &["-r", "--require", "--import"],
        &["-e", "--eval", "-p", "--print"],
    ),
    ("ruby", &["-r", "-I"], &["-e"]),
    ("php", &["-d", "-c"], &["-r"]),
    ("bash", &["-o", "-O"], &[]),
    ("sh", &["-o"], &[]),
    ("zsh", &["-o"], &[]),
    ("dash", &["-o"], &[]),
    ("perl", &["-I", "-M"], &[]),
    ("ts-node", &["-r", "--require"], &["-e", "--eval"]),
    ("tsx", &[], &["-e", "--eval"]),
    ("bun", &["-r", "--preload"], &["-e", "--eval"]),
    ("lua", &["-l"], &["-e"]),
    ("Rscript", &[], &["-e"]),
    ("java", &["-cp", "-classpath", "--class-path"], &[]),
];

/// Where system programs live; a path there is not the project's program.
const SYSTEM_DIRS: &[&str] = &["/usr/", "/bin/", "/sbin/", "/lib", "/etc/", "/opt/", "/nix/", "/snap/"];

/// Directories that hold installed tools, not the project's programs
/// (`.venv/bin/pip`, `node_modules/.bin/prettier`).
const TOOLCHAIN_DIRS: &[&str] = &["node_modules", ".venv", "venv", ".tox", "site-packages"];

/// The check `segment` runs, or `None`.
pub(crate) fn check_command(segment: &Segment) -> Option<Check> {
    let program = segment.program();
    if matches!(program, "uv" | "poetry") {
        // `uv run pytest`: the program after `run` decides.
        let args = segment.args();
        let run = args.iter().position(|a| !a.starts_with('-'))?;
        if args[run] != "run" {
            return None;
        }
        let inner = Segment {
            argv: args[run + 1..]
                .iter()
                .skip_while(|a| a.starts_with('-'))
                .cloned()
                .collect(),
            heredoc: segment.heredoc.clone(),
            ..Segment::default()
        };
        let check = check_command(&inner)?;
        return Some(Check {
            command: format!("{program} run {}", check.command),
            kind: check.kind,
        });
    }
    let check = |kind| move |command| Check { command, kind };
    tooling(segment)
        .map(check(CheckKind::Tooling))
        .or_else(|| project_run(segment).map(check(CheckKind::Run)))
}

/// The first word of `args` that is not an option.
fn first_word(args: &[String]) -> Option<&String> {
    args.iter().find(|a| !a.starts_with('-') && !a.starts_with('+'))
}

/// Test runners, builds, compilers, type checkers and linters.
fn tooling(segment: &Segment) -> Option<String> {
    let program = segment.program();
    let args = segment.args();
    if CHECK_PROGRAMS.contains(&program) {
        return Some(program.to_string());
    }
    if let Some(script) = run_script(program, args) {
        return Some(script);
    }
    if let Some((_, subs)) = CHECK_SUBCOMMANDS.iter().find(|(p, _)| *p == program) {
        let sub = first_word(args)?;
        return subs.contains(&sub.as_str()).then(|| format!("{program} {sub}"));
    }
    let flag = |name: &str| args.iter().any(|a| a == name);
    match program {
        "make" | "gmake" => make_target(args).map(|target| format!("{program}{target}")),
        _ if is_python(program) => {
            let module = python_module(args)?;
            PYTHON_MODULES
                .contains(&module.as_str())
                .then(|| format!("{program} -m {module}"))
        }
        "node" | "nodejs" if flag("--test") => Some(format!("{program} --test")),
        "node" | "nodejs" if flag("--check") || flag("-c") => Some(format!("{program} --check")),
        "bash" | "sh" | "zsh" | "dash" if flag("-n") => Some(format!("{program} -n")),
        "bash" | "sh" | "zsh" | "dash" => first_word(args)
            .filter(|s| is_test_script(s))
            .map(|s| format!("{program} {s}")),
        _ => segment.argv.first().filter(|p| is_test_script(p)).cloned(),
    }
}

/// ` test` for `make test`, `""` for a bare `make` (its default target
/// builds), `None` for targets that neither test nor build (`make clean`).
fn make_target(args: &[String]) -> Option<String> {
    let mut targets = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if matches!(
            arg.as_str(),
            "-C" | "-f" | "--file" | "--directory" | "-I" | "-o" | "-W"
        ) {
            iter.next();
        } else if arg == "-j" || arg == "-l" {
            // `-j 4`: the count is optional, so skip only a number.
            if iter
                .as_slice()
                .first()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
            {
                iter.next();
            }
        } else if !arg.starts_with('-') && !arg.contains('=') {
            targets.push(arg.as_str());
        }
    }
    match targets.iter().find(|t| MAKE_TARGETS.contains(t)) {
        Some(target) => Some(format!(" {target}")),
        None if targets.is_empty() => Some(String::new()),
        None => None,
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

/// `python`, `python3`, `python3.12`.
fn is_python(program: &str) -> bool {
    program
        .strip_prefix("python")
        .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// The module of `python -m MODULE`.
fn python_module(args: &[String]) -> Option<&String> {
    args.iter().position(|a| a == "-m").and_then(|i| args.get(i + 1))
}

/// Runs of the project's code: an interpreter given a script, a module or
/// inline code; a build-and-run subcommand; a program by its path.
fn project_run(segment: &Segment) -> Option<String> {
    let program = segment.program();
    let args = segment.args();
    if let Some((_, subs)) = RUN_SUBCOMMANDS.iter().find(|(p, _)| *p == program)
        && let Some(sub) = first_word(args).filter(|s| subs.contains(&s.as_str()))
    {
        return Some(format!("{program} {sub}"));
    }
    // Code fed on stdin (`python3 - <<'EOF'`) is inline code too.
    let stdin = segment.heredoc.is_some() || !segment.reads.is_empty();
    if is_python(program) {
        if args.iter().any(|a| a == "-c") {
            return Some(format!("{program} -c"));
        }
        if let Some(module) = python_module(args) {
            return (!PYTHON_NOT_PROJECT.contains(&module.as_str())).then(|| format!("{program} -m {module}"));
        }
        return interpreted(program, args, &["-W", "-X"], stdin);
    }
    if let Some((_, with_value, inline)) = INTERPRETERS.iter().find(|(p, _, _)| *p == program) {
        if let Some(flag) = args.iter().find(|a| inline.contains(&a.as_str())) {
            return Some(format!("{program} {flag}"));
        }
        if program == "perl"
            && args
                .iter()
                .any(|a| a.starts_with('-') && a.contains(['e', 'n', 'p', 'i']))
        {
            // `perl -ne`/`-pi -e`: a text filter or an in-place edit.
            return None;
        }
        let shell = matches!(program, "bash" | "sh" | "zsh" | "dash");
        return interpreted(program, args, with_value, stdin && !shell);
    }
    let path = segment.argv.first()?;
    let own = path.contains('/')
        && !SYSTEM_DIRS.iter().any(|dir| path.starts_with(dir))
        && !path.split('/').any(|part| TOOLCHAIN_DIRS.contains(&part));
    own.then(|| path.clone())
}

/// `program SCRIPT`, or `program -` for code on stdin (when `stdin` says
/// the segment is fed some); `None` for `--version` and the like.
fn interpreted(program: &str, args: &[String], with_value: &[&str], stdin: bool) -> Option<String> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if with_value.contains(&arg.as_str()) {
            iter.next();
        } else if arg == "-" {
            return Some(format!("{program} -"));
        } else if !arg.starts_with('-') {
            return Some(format!("{program} {arg}"));
        }
    }
    stdin.then(|| format!("{program} -"))
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

    fn check(script: &str) -> Option<Check> {
        split_script(script).iter().find_map(check_command)
    }

    #[test]
    fn the_usual_checks_are_recognised() {
        for (script, expected) in [
            ("cargo test -q", "cargo test"),
            ("cargo +nightly clippy --all-targets", "cargo clippy"),
            ("cargo build --offline --quiet", "cargo build"),
            ("python3 -m pytest -x", "python3 -m pytest"),
            ("python3 -m unittest -v", "python3 -m unittest"),
            ("pytest -q tests/", "pytest"),
            ("uv run pytest", "uv run pytest"),
            ("npm test", "npm test"),
            ("npm run lint", "npm run lint"),
            ("node --test --test-reporter=tap test/*.test.js", "node --test"),
            ("node --check src/app.js", "node --check"),
            ("go test ./...", "go test"),
            ("make", "make"),
            ("make -j 4", "make"),
            ("make check", "make check"),
            ("make -C site test", "make test"),
            ("make all", "make all"),
            ("./test.sh", "./test.sh"),
            ("bash tests/run.sh", "bash tests/run.sh"),
            ("bash -n backup.sh", "bash -n"),
            ("ruff check .", "ruff"),
            ("npx tsc --noEmit", "npx tsc"),
            ("rustc main.rs -o main && ./main", "rustc"),
        ] {
            let found = check(script);
            assert_eq!(found.as_ref().map(|c| c.command.as_str()), Some(expected), "{script}");
            assert_eq!(found.map(|c| c.kind), Some(CheckKind::Tooling), "{script}");
        }
    }

    #[test]
    fn runs_of_the_project_code_are_checks_too() {
        for (script, expected) in [
            ("python3 app.py --check", "python3 app.py"),
            ("python3 -c 'import stats; print(stats.median([1, 2]))'", "python3 -c"),
            ("python3 - <<'EOF'\nimport stats\nEOF", "python3 -"),
            ("python -m notes add hi", "python -m notes"),
            ("uv run python main.py", "uv run python main.py"),
            ("node -e 'require(\"./src/nights\")'", "node -e"),
            ("node src/index.js", "node src/index.js"),
            ("node -r ./setup.js src/index.js", "node src/index.js"),
            ("cargo run --quiet -- stock.csv", "cargo run"),
            ("go run ./cmd/tool", "go run"),
            ("npm start", "npm start"),
            ("bash backup.sh src dst", "bash backup.sh"),
            ("./target/debug/stockcheck stock.csv", "./target/debug/stockcheck"),
            ("cd build && ./main", "./main"),
            ("/app/bin/report --format json", "/app/bin/report"),
            ("timeout 5 ruby -e 'puts 1'", "ruby -e"),
        ] {
            let found = check(script);
            assert_eq!(found.as_ref().map(|c| c.command.as_str()), Some(expected), "{script}");
            assert_eq!(found.map(|c| c.kind), Some(CheckKind::Run), "{script}");
        }
    }

    #[test]
    fn reads_installs_and_other_tools_are_not_checks() {
        for script in [
            "cargo fmt",
            "npm install",
            "make clean",
            "echo test",
            "git status",
            "git diff --stat",
            "cat test.sh",
            "ls -la",
            "rg -n foo src",
            "diff a.txt b.txt",
            "python3 --version",
            "python3 -m pip install -e .",
            "python3 -m venv .venv",
            "node",
            "perl -pi -e 's/a/b/' x.py",
            "/usr/bin/env | sort",
            "/bin/ls src",
            ".venv/bin/pip install -r requirements.txt",
            "node_modules/.bin/prettier --write src",
            "source .venv/bin/activate",
        ] {
            assert_eq!(check(script), None, "{script}");
        }
    }
}
