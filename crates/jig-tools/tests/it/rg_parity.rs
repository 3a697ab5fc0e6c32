//! Parity of jig's built-in `rg` with real ripgrep (Debian's `ripgrep`, at
//! `/usr/bin/rg`): every case runs both over the same tree.
//!
//! ripgrep defines its output order only with `--sort path` (one thread);
//! its default mode searches on several threads and guarantees only that
//! each file's output is written whole. So every case is compared twice:
//! with `--sort path`, exit code and stdout byte for byte; and as given
//! (both sides multi-threaded where ripgrep is), the exit code exactly and
//! stdout as per-file blocks: it must be the `--sort path` output's blocks,
//! each whole, in some order, with `--` between two blocks in context mode.
//! The blocks are found by running ripgrep once more with `--null -H`, which
//! names the file of every line. ripgrep's own default output is held to
//! the same rule, so the rule itself is tested against ripgrep.
//!
//! The trees are generated (ignore files inside and outside a git
//! repository, parent ignore files, hidden files, binary files, unicode,
//! symlinks, a file name that is not UTF-8) and, when it exists, the cargo
//! registry's source directory is searched too. A missing `/usr/bin/rg`
//! fails the test unless `JIG_SKIP_RG_PARITY=1` is set.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jig_tools::rg;

const REAL_RG: &str = "/usr/bin/rg";

/// The real ripgrep, or `None` when the test may be skipped.
fn real_rg() -> Option<&'static Path> {
    if Path::new(REAL_RG).is_file() {
        return Some(Path::new(REAL_RG));
    }
    if std::env::var_os("JIG_SKIP_RG_PARITY").is_some_and(|v| v == "1") {
        eprintln!("skipping rg parity: {REAL_RG} is missing and JIG_SKIP_RG_PARITY=1");
        return None;
    }
    panic!("{REAL_RG} is missing: install Debian's ripgrep (.ci/deps does), or set JIG_SKIP_RG_PARITY=1");
}

/// What one side printed.
#[derive(PartialEq)]
struct Outcome {
    code: i32,
    stdout: Vec<u8>,
}

/// Standard input of a run: a pipe holding these bytes, or `/dev/null`
/// (which ripgrep does not read) for `None`.
type Stdin<'a> = Option<&'a [u8]>;

fn run_real(rg: &Path, cwd: &Path, args: &[String], stdin: Stdin<'_>) -> Outcome {
    let mut child = Command::new(rg)
        .arg("--no-config")
        .args(args)
        .current_dir(cwd)
        .env_remove("RIPGREP_CONFIG_PATH")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        // ripgrep may exit before reading everything (`-q`, `-l`).
        let _ = pipe.write_all(input);
    }
    let output = child.wait_with_output().unwrap();
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: output.stdout,
    }
}

fn run_shim(cwd: &Path, args: &[String], stdin: Stdin<'_>) -> Outcome {
    let mut stdout = Vec::new();
    let mut reader = stdin.unwrap_or_default();
    let input = match stdin {
        Some(_) => rg::Input::Readable(&mut reader),
        None => rg::Input::None,
    };
    let code = rg::main(args.to_vec(), cwd, input, &mut stdout, &mut Vec::new());
    Outcome { code, stdout }
}

/// `args` with `--sort path` in front, unless they sort already (ripgrep 13
/// refuses a repeated `--sort`).
fn sorted_args(args: &[String]) -> Vec<String> {
    if args.iter().any(|arg| arg.starts_with("--sort")) {
        return args.to_vec();
    }
    ["--sort", "path"]
        .iter()
        .map(|a| a.to_string())
        .chain(args.iter().cloned())
        .collect()
}

/// `args` with `--null -H` (after any `-I`, before any `--`): every line
/// then starts with its file's path and a NUL.
fn named_args(args: &[String]) -> Vec<String> {
    let at = args.iter().position(|arg| arg == "--").unwrap_or(args.len());
    let mut named = args.to_vec();
    named.splice(at..at, ["--null".to_string(), "-H".to_string()]);
    named
}

/// Runs one case on both sides; returns a report when they differ.
fn compare_case(rg: &Path, cwd: &Path, args: &[&str], stdin: Stdin<'_>) -> Option<String> {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let sorted = sorted_args(&args);
    let real = run_real(rg, cwd, &sorted, stdin);
    let shim = run_shim(cwd, &sorted, stdin);
    if real != shim {
        return Some(report(cwd, &sorted, stdin, &real, &shim));
    }
    if sorted == args {
        return None;
    }
    let blocks = Blocks::of(&real.stdout, &run_real(rg, cwd, &named_args(&sorted), stdin).stdout);
    let real_default = run_real(rg, cwd, &args, stdin);
    if !blocks.arranges(&real_default.stdout) {
        return Some(format!(
            "the test's rule is wrong: ripgrep's own output is not the --sort path blocks rearranged\n{}",
            report(cwd, &args, stdin, &real, &real_default)
        ));
    }
    let shim_default = run_shim(cwd, &args, stdin);
    if shim_default.code != real_default.code || !blocks.arranges(&shim_default.stdout) {
        return Some(report(cwd, &args, stdin, &real_default, &shim_default));
    }
    None
}

fn report(cwd: &Path, args: &[String], stdin: Stdin<'_>, real: &Outcome, shim: &Outcome) -> String {
    let stdin = stdin.map(|input| format!(" (stdin {:?})", String::from_utf8_lossy(input)));
    format!(
        "in {}: rg {}{}\n  ripgrep exit {}:\n{}\n  jig exit {}:\n{}",
        cwd.display(),
        args.join(" "),
        stdin.unwrap_or_default(),
        real.code,
        excerpt(&real.stdout),
        shim.code,
        excerpt(&shim.stdout),
    )
}

/// Runs every case in `cwd` on both sides; returns a report per mismatch.
fn compare(rg: &Path, cwd: &Path, cases: &[Vec<&str>]) -> Vec<String> {
    cases
        .iter()
        .filter_map(|args| compare_case(rg, cwd, args, None))
        .collect()
}

/// Which file a line of output belongs to.
#[derive(PartialEq)]
enum Owner {
    /// The `--` between context groups or between files.
    Separator,
    /// A file, by its printed path.
    File(Vec<u8>),
    /// Output of one line per file (`-l`, `--files`): the line's number.
    Line(usize),
}

/// A `--sort path` output cut into its files' blocks.
struct Blocks {
    blocks: Vec<Vec<u8>>,
    /// What stands between two blocks (`--` in context mode).
    separator: Option<Vec<u8>>,
}

impl Blocks {
    /// Cuts `sorted` with the help of `named`, the same run with `--null
    /// -H`. When that is not one line per line of `sorted` (`-l` and
    /// `--files` then print `path\0` alone), each line is one file.
    fn of(sorted: &[u8], named: &[u8]) -> Blocks {
        let lines: Vec<&[u8]> = sorted.split_inclusive(|&b| b == b'\n').collect();
        let named_lines: Vec<&[u8]> = named.split_inclusive(|&b| b == b'\n').collect();
        let by_line = named_lines.len() == lines.len() && (named.is_empty() || named.ends_with(b"\n"));
        let owners: Vec<Owner> = match by_line {
            true => named_lines.iter().map(|line| owner(line)).collect(),
            false => (0..lines.len()).map(Owner::Line).collect(),
        };
        let mut blocks: Vec<Vec<u8>> = Vec::new();
        let mut separator = None;
        let mut current: Option<&Owner> = None;
        for (at, (line, owner)) in lines.iter().zip(&owners).enumerate() {
            if *owner == Owner::Separator {
                let next = owners[at + 1..].iter().find(|o| **o != Owner::Separator);
                match (current, blocks.last_mut()) {
                    (Some(current), Some(block)) if next == Some(current) => block.extend_from_slice(line),
                    _ => separator = Some(line.to_vec()),
                }
                continue;
            }
            if current != Some(owner) {
                blocks.push(Vec::new());
                current = Some(owner);
            }
            blocks.last_mut().unwrap().extend_from_slice(line);
        }
        Blocks { blocks, separator }
    }

    /// Whether `output` is every block, each whole, in some order, with the
    /// separator between two.
    fn arranges(&self, output: &[u8]) -> bool {
        // One level of recursion per block: a search of a large tree (the
        // cargo registry) prints thousands of files, deeper than a test
        // thread's stack, so the search gets a thread with room for it.
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(512 << 20)
                .spawn_scoped(scope, || {
                    let mut left: Vec<&[u8]> = self.blocks.iter().map(Vec::as_slice).collect();
                    self.arrange(output, &mut left, true)
                })
                .expect("a thread for the block search")
                .join()
                .expect("the block search")
        })
    }

    fn arrange(&self, output: &[u8], left: &mut Vec<&[u8]>, first: bool) -> bool {
        if left.is_empty() {
            return output.is_empty();
        }
        let output = match (&self.separator, first) {
            (Some(separator), false) => match output.strip_prefix(separator.as_slice()) {
                Some(rest) => rest,
                None => return false,
            },
            _ => output,
        };
        let mut tried: Vec<&[u8]> = Vec::new();
        for at in 0..left.len() {
            let block = left[at];
            if tried.contains(&block) || !output.starts_with(block) {
                continue;
            }
            tried.push(block);
            left.swap_remove(at);
            if self.arrange(&output[block.len()..], left, false) {
                return true;
            }
            left.push(block);
            let last = left.len() - 1;
            left.swap(at, last);
        }
        false
    }
}

/// The owner of one line of a `--null -H` output: the path before the NUL,
/// or before the `: binary file matches` that ripgrep writes without one.
fn owner(line: &[u8]) -> Owner {
    const BINARY: &[u8] = b": binary file matches";
    if line == b"--\n" {
        return Owner::Separator;
    }
    let nul = line.iter().position(|&b| b == 0);
    let binary = line.windows(BINARY.len()).position(|window| window == BINARY);
    let Some(end) = nul.or(binary) else {
        panic!(
            "ripgrep --null -H printed a line without a path: {:?}",
            String::from_utf8_lossy(line)
        );
    };
    Owner::File(line[..end].to_vec())
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let cut: String = text.chars().take(1500).collect();
    cut.lines().map(|l| format!("    |{l}\n")).collect()
}

fn assert_no_mismatch(mismatches: Vec<String>) {
    assert!(
        mismatches.is_empty(),
        "{} case(s) differ from ripgrep:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

fn write(root: &Path, rel: &str, content: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// A realistic project tree: ignore files of every kind, hidden entries,
/// binary and unicode content, symlinks, context-friendly text.
fn project(root: &Path) {
    let files: &[(&str, &[u8])] = &[
        (".gitignore", b"*.log\nbuild/\n/top_only.txt\nCargo.lock\n"),
        (".ignore", b"ignored_by_dot_ignore.txt\n"),
        (".rgignore", b"ignored_by_rgignore.txt\n"),
        ("top_only.txt", b"needle at the top\n"),
        ("sub/top_only.txt", b"needle below\n"),
        ("sub/.ignore", b"!ignored_by_dot_ignore.txt\n"),
        ("sub/ignored_by_dot_ignore.txt", b"needle re-included\n"),
        ("app.log", b"needle in a log\n"),
        ("build/out.txt", b"needle built\n"),
        ("ignored_by_dot_ignore.txt", b"needle dot ignore\n"),
        ("ignored_by_rgignore.txt", b"needle rgignore\n"),
        ("Cargo.toml", b"[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        ("Cargo.lock", b"# generated\nversion = 3\n\n[[package]]\nname = \"demo\"\nversion = \"0.1.0\"\n"),
        (".hidden.toml", b"edition = \"2018\"\n"),
        (".config/settings.toml", b"needle = true\nedition = \"2015\"\n"),
        (
            "src/lib.rs",
            b"//! needle docs\nfn needle() {}\nfn Needle() {}\nconst NEEDLE: u8 = 1;\nfn needles() {}\nfn haystack() {}\n",
        ),
        ("src/main.rs", b"fn main() {\n    needle();\n}\n"),
        ("src/util.py", b"def needle():\n    return 'needle needle'\n"),
        ("src/nested/.gitignore", b"*.tmp\n!keep.tmp\n"),
        ("src/nested/drop.tmp", b"needle tmp\n"),
        ("src/nested/keep.tmp", b"needle kept\n"),
        ("src/nested/deep/deeper/deepest.txt", b"needle deep\n"),
        (
            "docs/README.md",
            b"one\ntwo\nneedle three\nfour\nneedle five\nsix\nseven\neight\nneedle nine\nten\n",
        ),
        ("docs/guide.markdown", b"# Guide\nA Needle in a guide.\n"),
        (
            "unicode/ünï.txt",
            "Straße\nSTRASSE\nΣίσυφος\nσίσυφος\nnaïve café\n日本語 needle\n".as_bytes(),
        ),
        ("binary/early_nul.bin", b"\0needle after a nul\n"),
        ("binary/late_nul.bin", b"needle first\nmore\n\0needle after\n"),
        ("binary/no_match.bin", b"\0\0abc\n"),
        ("crlf.txt", b"needle crlf\r\nother\r\n"),
        ("no_newline.txt", b"first\nlast needle"),
        ("empty.txt", b""),
    ];
    for (rel, content) in files {
        write(root, rel, content);
    }
    let raw = root.join(std::ffi::OsStr::from_bytes(b"raw\xffname.txt"));
    std::fs::write(raw, "needle raw name\n").unwrap();
    std::os::unix::fs::symlink("src/lib.rs", root.join("link_file.rs")).unwrap();
    std::os::unix::fs::symlink("src/nested", root.join("link_dir")).unwrap();
}

/// Makes `root` a git repository (what ripgrep looks for is the `.git`
/// directory), with an `info/exclude` rule.
fn make_git_repo(root: &Path) {
    write(root, ".git/HEAD", b"ref: refs/heads/main\n");
    write(root, ".git/config", b"[core]\n\trepositoryformatversion = 0\n");
    write(root, ".git/info/exclude", b"excluded_by_info.txt\n");
    write(root, "excluded_by_info.txt", b"needle excluded by info/exclude\n");
}

/// The cases run over each generated tree; `P` stands for the path argument.
fn cases(path: Option<&str>) -> Vec<Vec<&str>> {
    let base: &[&[&str]] = &[
        &["needle"],
        &["-n", "needle"],
        &["--line-number", "needle"],
        &["-N", "needle"],
        &["--no-line-number", "needle"],
        &["-i", "needle"],
        &["--ignore-case", "straße"],
        &["-i", "σίσυφος"],
        &["-s", "Needle"],
        &["--case-sensitive", "-i", "Needle"],
        &["-S", "needle"],
        &["--smart-case", "Needle"],
        &["-F", "needle()"],
        &["--fixed-strings", "[package]"],
        &["-w", "needle"],
        &["--word-regexp", "-i", "needle"],
        &["-x", "needle first"],
        &["--line-regexp", "fn needle\\(\\) \\{\\}"],
        &["-v", "needle"],
        &["--invert-match", "-c", "needle"],
        &["-o", "need[a-z]+"],
        &["--only-matching", "-i", "needle"],
        &["-H", "needle"],
        &["--with-filename", "-c", "needle"],
        &["-I", "needle"],
        &["--no-filename", "-n", "needle"],
        &["-l", "needle"],
        &["--files-with-matches", "version"],
        &["--files-without-match", "needle"],
        &["-c", "needle"],
        &["--count", "-v", "needle"],
        &["-c", "-o", "needle"],
        &["-q", "needle"],
        &["--quiet", "absent-word"],
        &["-u", "needle"],
        &["-uu", "needle"],
        &["-uuu", "needle"],
        &["--unrestricted", "-l", "needle"],
        &["-.", "needle"],
        &["--hidden", "edition"],
        &["-a", "needle"],
        &["--text", "-c", "needle"],
        &["--no-heading", "needle"],
        &["--no-ignore", "needle"],
        &["--no-ignore", "--hidden", "-l", "needle"],
        &["--files"],
        &["--files", "--hidden"],
        &["--files", "-uu"],
        &["--files", "-q"],
        &["--no-messages", "needle"],
        &["-L", "needle"],
        &["--follow", "-l", "needle"],
        &["--no-config", "needle"],
        &["-e", "needle", "-e", "edition"],
        &["--regexp", "one", "--regexp=two"],
        &["-g", "*.toml", "edition"],
        &["-n", "-g", "*.toml", "edition"],
        &["--glob", "!*.rs", "needle"],
        &["-g", "src/**", "needle"],
        &["-g", "*.TOML", "edition"],
        &["--iglob", "*.TOML", "edition"],
        &["-t", "rust", "needle"],
        &["--type", "py", "needle"],
        &["-tmd", "-i", "needle"],
        &["-T", "rust", "needle"],
        &["--type-not", "rust", "-l", "needle"],
        &["-A", "1", "needle"],
        &["--after-context", "2", "needle"],
        &["-B", "1", "needle"],
        &["--before-context=2", "needle"],
        &["-C", "1", "needle"],
        &["--context", "3", "needle"],
        &["-C1", "-v", "needle"],
        &["-m", "1", "needle"],
        &["--max-count", "2", "-c", "needle"],
        &["-m1", "-A1", "needle"],
        &["--max-depth", "1", "needle"],
        &["--max-depth", "2", "--files"],
        &["--color", "never", "needle"],
        &["--color=auto", "needle"],
        &["--sort", "path", "needle"],
        &["--sort=path", "-l", "needle"],
        &["-inw", "needle"],
        &["-ic", "needle"],
        &["-lv", "needle"],
        &["-A1", "-B2", "-n", "-i", "needle"],
        &["", "-c"],
        &["-e", ""],
        &["(unclosed"],
        &["-t", "no-such-type", "needle"],
        &["needle", "no/such/path"],
        &["-c", "needle", "no/such/path"],
        &["--", "-v"],
        &["-m", "0", "needle"],
        &["--binary", "needle"],
        &["--binary", "-c", "needle"],
        &["--no-require-git", "needle"],
        &["--no-require-git", "--files"],
        &["--count-matches", "needle"],
        &["--files-without-match", "-q", "needle"],
        &["-L", "--files", "-uu"],
        &["-i", "STRASSE"],
        &["-o", "-i", "σ\\w+"],
        &["-F", "-x", "naïve café"],
        &["-w", "-e", "Needle", "-e", "NEEDLE", "-n"],
    ];
    base.iter()
        .map(|args| {
            let mut args = args.to_vec();
            if let Some(path) = path {
                args.push(path);
            }
            args
        })
        .collect()
}

/// Cases naming files directly: one file, several files, hidden and
/// ignored files given by name, binary files given by name.
fn file_cases() -> Vec<Vec<&'static str>> {
    vec![
        vec!["needle", "src/lib.rs"],
        vec!["-H", "needle", "src/lib.rs"],
        vec!["-c", "needle", "src/lib.rs"],
        vec!["-l", "needle", "src/lib.rs"],
        vec!["needle", "src/lib.rs", "src/main.rs"],
        vec!["-I", "needle", "src/lib.rs", "src/main.rs"],
        vec!["needle", "app.log", ".hidden.toml", "build/out.txt"],
        vec!["needle", "binary/late_nul.bin"],
        vec!["needle", "binary/early_nul.bin"],
        vec!["-c", "needle", "binary/late_nul.bin"],
        vec!["-a", "needle", "binary/early_nul.bin"],
        vec!["needle", "binary"],
        vec!["-n", "needle", "./src"],
        vec!["-l", "needle", "src/", "docs"],
        vec!["needle", "."],
        vec!["needle", "./"],
        vec!["needle", "sub"],
        vec!["needle", "src/nested"],
        vec!["--files", "src", "docs"],
        vec!["-C2", "needle", "docs/README.md"],
        vec!["-A1", "needle", "docs/README.md", "src/main.rs"],
        vec!["needle", "link_file.rs"],
        vec!["-l", "needle", "link_dir"],
        vec!["-g", "*.rs", "needle", "src/lib.rs", "docs/README.md"],
        vec!["-uuu", "-l", "needle", "binary"],
        vec!["--binary", "needle", "binary/late_nul.bin"],
        vec!["-t", "rust", "needle", "docs/README.md"],
        vec!["--max-depth", "0", "needle", "src"],
        vec!["needle", "no_newline.txt", "crlf.txt", "empty.txt"],
    ]
}

fn all_cases() -> Vec<Vec<&'static str>> {
    let mut all = cases(None);
    all.extend(cases(Some(".")));
    all.extend(cases(Some("src")));
    all.extend(file_cases());
    all
}

#[test]
fn matches_ripgrep_outside_a_git_repository() {
    let Some(rg) = real_rg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("plain");
    project(&root);
    assert_no_mismatch(compare(rg, &root, &all_cases()));
}

#[test]
fn matches_ripgrep_inside_a_git_repository() {
    let Some(rg) = real_rg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    project(&root);
    make_git_repo(&root);
    let mut mismatches = compare(rg, &root, &all_cases());
    // Searching below the repository root: the root's ignore files apply.
    mismatches.extend(compare(rg, &root.join("src"), &cases(None)));
    mismatches.extend(compare(rg, &root.join("sub"), &cases(Some("."))));
    assert_no_mismatch(mismatches);
}

#[test]
fn matches_ripgrep_with_ignore_files_above_the_search_root() {
    let Some(rg) = real_rg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path().join("outer");
    write(&outer, ".ignore", b"from_parent_ignore.txt\n");
    write(&outer, ".gitignore", b"*.md\n");
    let root = outer.join("inner");
    project(&root);
    write(&root, "from_parent_ignore.txt", b"needle from parent\n");
    let mut mismatches = compare(rg, &root, &cases(None));
    mismatches.extend(compare(rg, &outer, &cases(Some("inner"))));
    // The same with the outer directory a git repository.
    make_git_repo(&outer);
    mismatches.extend(compare(rg, &root, &cases(None)));
    mismatches.extend(compare(rg, &outer, &cases(Some("inner/docs"))));
    assert_no_mismatch(mismatches);
}

/// Standard input as a pipe: searched when no path is given, and as `-`.
#[test]
fn matches_ripgrep_reading_standard_input() {
    let Some(rg) = real_rg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("plain");
    project(&root);
    let inputs: [&[u8]; 3] = [
        b"needle one\nhay\nNeedle two\n",
        b"hay only\n",
        b"needle before\n\0needle after\n",
    ];
    let cases: &[&[&str]] = &[
        &["needle"],
        &["-n", "needle"],
        &["-H", "needle"],
        &["-c", "needle"],
        &["-l", "needle"],
        &["-i", "-C1", "needle"],
        &["-q", "needle"],
        &["needle", "-"],
        &["-l", "needle", "-", "src/lib.rs"],
        &["--files"],
    ];
    let mut mismatches = Vec::new();
    for input in inputs {
        for args in cases {
            mismatches.extend(compare_case(rg, &root, args, Some(input)));
        }
    }
    assert_no_mismatch(mismatches);
}

/// The cargo registry's unpacked crate sources: real projects with their own
/// `.gitignore` files (naming `Cargo.lock`, `target` …) outside any git
/// repository. Skipped only when the directory does not exist.
#[test]
fn matches_ripgrep_on_the_cargo_registry_sources() {
    let Some(rg) = real_rg() else { return };
    let Some(src) = registry_src() else {
        eprintln!("no cargo registry sources; skipping that part of the rg parity test");
        return;
    };
    let Some(index) = std::fs::read_dir(&src)
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.file_name())
        .min()
    else {
        return;
    };
    let index = index.to_string_lossy().into_owned();
    let absolute = src.join(&index).to_string_lossy().into_owned();
    let cases: Vec<Vec<&str>> = vec![
        vec!["-n", "-g", "*.toml", "edition", &index],
        vec!["-l", "version", &index],
        vec!["-c", "-g", "Cargo.*", "^name = ", &index],
        vec!["--files", "-g", "*.lock", &index],
        vec!["-l", "-t", "toml", "rust-version", &absolute],
    ];
    assert_no_mismatch(compare(rg, &src, &cases));
}

fn registry_src() -> Option<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))?;
    let src = cargo_home.join("registry").join("src");
    src.is_dir().then_some(src)
}
