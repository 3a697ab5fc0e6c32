//! jig's built-in `rg` on real temp dirs: output layout, flags, exit codes.
//! Expectations are what ripgrep prints into a pipe (`rg_parity.rs` checks
//! the same against the real binary); these pin the cases review found.
//! Most run with `--sort path`, the order ripgrep defines; the default
//! (multi-threaded) order is pinned only where ripgrep pins it: each file's
//! output whole.

use std::io::Write;
use std::path::Path;

use jig_tools::rg;

/// Runs `rg --sort path ARGS` in `cwd`; returns (exit code, stdout, stderr).
fn run(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = rg::main(
        ["--sort", "path"].iter().chain(args).map(|a| a.to_string()).collect(),
        cwd,
        rg::Input::None,
        &mut out,
        &mut err,
    );
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("target")).unwrap();
    std::fs::write(root.join("src/lib.rs"), "fn alpha() {}\nfn beta() {}\n// Alpha again\n").unwrap();
    std::fs::write(root.join("src/main.py"), "def alpha():\n    return 1\n").unwrap();
    std::fs::write(root.join("notes.md"), "a.b literal\naxb not literal\n").unwrap();
    std::fs::write(root.join("target/out.rs"), "fn alpha_generated() {}\n").unwrap();
    std::fs::write(root.join(".gitignore"), "target/\n").unwrap();
    std::fs::write(root.join(".hidden.rs"), "fn alpha_hidden() {}\n").unwrap();
    // A git repository, so `.gitignore` applies.
    std::fs::create_dir_all(root.join(".git")).unwrap();
    dir
}

#[test]
fn matches_print_path_text_and_honour_gitignore() {
    let dir = tree();
    let (code, out, err) = run(dir.path(), &["alpha"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, "src/lib.rs:fn alpha() {}\nsrc/main.py:def alpha():\n");
    let (_, out, _) = run(dir.path(), &["-n", "alpha"]);
    assert_eq!(out, "src/lib.rs:1:fn alpha() {}\nsrc/main.py:1:def alpha():\n");
}

/// Crates unpacked by cargo ship a `.gitignore` naming `Cargo.lock` but are
/// no git repository: ripgrep searches their `Cargo.lock` anyway.
#[test]
fn gitignore_applies_only_inside_a_git_repository() {
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("demo-0.1.0");
    std::fs::create_dir_all(&krate).unwrap();
    std::fs::write(krate.join(".gitignore"), "Cargo.lock\n").unwrap();
    std::fs::write(krate.join(".ignore"), "skipped.txt\n").unwrap();
    std::fs::write(krate.join("Cargo.lock"), "version = 3\n").unwrap();
    std::fs::write(krate.join("Cargo.toml"), "version = \"0.1.0\"\n").unwrap();
    std::fs::write(krate.join("skipped.txt"), "version\n").unwrap();
    let (_, out, _) = run(dir.path(), &["-l", "version", "demo-0.1.0"]);
    assert_eq!(out, "demo-0.1.0/Cargo.lock\ndemo-0.1.0/Cargo.toml\n");
    let (_, out, _) = run(dir.path(), &["--no-require-git", "-l", "version", "demo-0.1.0"]);
    assert_eq!(out, "demo-0.1.0/Cargo.toml\n");
    std::fs::create_dir(krate.join(".git")).unwrap();
    let (_, out, _) = run(dir.path(), &["-l", "version", "demo-0.1.0"]);
    assert_eq!(out, "demo-0.1.0/Cargo.toml\n");
}

/// A `-g` glob that names a hidden file lets it through, as in ripgrep.
#[test]
fn glob_whitelists_hidden_files() {
    let dir = tree();
    std::fs::write(dir.path().join(".rustfmt.toml"), "edition = \"2021\"\n").unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "edition = \"2021\"\n").unwrap();
    let (_, out, _) = run(dir.path(), &["-n", "-g", "*.toml", "edition"]);
    assert_eq!(
        out,
        ".rustfmt.toml:1:edition = \"2021\"\nCargo.toml:1:edition = \"2021\"\n"
    );
}

/// `-L` is `--follow` in ripgrep (`--files-without-match` has no short form).
#[test]
fn capital_l_follows_symlinks() {
    let dir = tree();
    std::os::unix::fs::symlink("src", dir.path().join("linked")).unwrap();
    let (_, out, _) = run(dir.path(), &["-L", "-l", "beta"]);
    assert_eq!(out, "linked/lib.rs\nsrc/lib.rs\n");
    let (_, out, _) = run(dir.path(), &["--files-without-match", "alpha"]);
    assert_eq!(out, "notes.md\n");
}

/// With no path and a readable stdin, ripgrep searches stdin; `-` names it.
#[test]
fn standard_input_is_searched_when_no_path_is_given() {
    let dir = tree();
    let mut out = Vec::new();
    let mut input: &[u8] = b"one alpha\ntwo\n";
    let args = vec!["-n".to_string(), "alpha".to_string()];
    let code = rg::main(
        args,
        dir.path(),
        rg::Input::Readable(&mut input),
        &mut out,
        &mut Vec::new(),
    );
    assert_eq!((code, out.as_slice()), (0, b"1:one alpha\n".as_slice()));
    let mut out = Vec::new();
    let mut input: &[u8] = b"one alpha\n";
    let args = ["-H", "alpha", "-"].map(String::from).to_vec();
    rg::main(
        args,
        dir.path(),
        rg::Input::Terminal(&mut input),
        &mut out,
        &mut Vec::new(),
    );
    assert_eq!(out, b"<stdin>:one alpha\n");
}

#[test]
fn ignore_case_smart_case_and_no_line_numbers() {
    let dir = tree();
    let (_, out, _) = run(dir.path(), &["-i", "alpha", "src/lib.rs"]);
    assert_eq!(out, "fn alpha() {}\n// Alpha again\n");
    let (_, out, _) = run(dir.path(), &["-S", "-n", "Alpha", "src"]);
    assert_eq!(out, "src/lib.rs:3:// Alpha again\n");
    let (_, out, _) = run(dir.path(), &["-N", "beta"]);
    assert_eq!(out, "src/lib.rs:fn beta() {}\n");
}

#[test]
fn fixed_strings_and_multiple_patterns() {
    let dir = tree();
    let (_, out, _) = run(dir.path(), &["-F", "a.b", "notes.md"]);
    assert_eq!(out, "a.b literal\n");
    let (_, out, _) = run(dir.path(), &["-n", "a.b", "notes.md"]);
    assert_eq!(out, "1:a.b literal\n2:axb not literal\n");
    let (_, out, _) = run(dir.path(), &["-e", "beta", "-e", "return", "-N"]);
    assert_eq!(out, "src/lib.rs:fn beta() {}\nsrc/main.py:    return 1\n");
}

#[test]
fn files_with_matches_count_and_files() {
    let dir = tree();
    let (_, out, _) = run(dir.path(), &["-l", "alpha"]);
    assert_eq!(out, "src/lib.rs\nsrc/main.py\n");
    let (_, out, _) = run(dir.path(), &["-ic", "alpha"]);
    assert_eq!(out, "src/lib.rs:2\nsrc/main.py:1\n");
    let (code, out, _) = run(dir.path(), &["--files"]);
    assert_eq!((code, out.as_str()), (0, "notes.md\nsrc/lib.rs\nsrc/main.py\n"));
    let (_, out, _) = run(dir.path(), &["--files", "--hidden", "--no-ignore"]);
    assert_eq!(
        out,
        ".gitignore\n.hidden.rs\nnotes.md\nsrc/lib.rs\nsrc/main.py\ntarget/out.rs\n"
    );
}

#[test]
fn globs_types_and_unrestricted() {
    let dir = tree();
    let (_, out, _) = run(dir.path(), &["-g", "*.py", "alpha"]);
    assert_eq!(out, "src/main.py:def alpha():\n");
    let (_, out, _) = run(dir.path(), &["-g", "!*.py", "-l", "alpha"]);
    assert_eq!(out, "src/lib.rs\n");
    // A type, like a glob, whitelists hidden files in ripgrep.
    let (_, out, _) = run(dir.path(), &["-trust", "-l", "alpha"]);
    assert_eq!(out, ".hidden.rs\nsrc/lib.rs\n");
    let (_, out, _) = run(dir.path(), &["-uu", "-l", "alpha"]);
    assert_eq!(out, ".hidden.rs\nsrc/lib.rs\nsrc/main.py\ntarget/out.rs\n");
}

#[test]
fn context_lines() {
    let dir = tree();
    let (_, out, _) = run(dir.path(), &["-nC1", "beta", "src/lib.rs"]);
    assert_eq!(out, "1-fn alpha() {}\n2:fn beta() {}\n3-// Alpha again\n");
    let (_, out, _) = run(dir.path(), &["-n", "-A", "1", "-w", "alpha"]);
    assert_eq!(
        out,
        "src/lib.rs:1:fn alpha() {}\nsrc/lib.rs-2-fn beta() {}\n--\nsrc/main.py:1:def alpha():\nsrc/main.py-2-    return 1\n"
    );
}

#[test]
fn max_count_per_file() {
    let dir = tree();
    let (_, out, _) = run(dir.path(), &["-i", "-m", "1", "alpha", "src/lib.rs"]);
    assert_eq!(out, "fn alpha() {}\n");
}

#[test]
fn exit_codes_and_messages() {
    let dir = tree();
    assert_eq!(run(dir.path(), &["nothing-here"]), (1, String::new(), String::new()));
    let (code, out, err) = run(dir.path(), &["(unclosed"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.starts_with("rg: regex parse error"), "{err}");
    let (code, _, err) = run(dir.path(), &["--json", "alpha"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("rg (jig): unsupported flag --json; supported: -i/--ignore-case"),
        "{err}"
    );
    let (code, _, err) = run(dir.path(), &["-Z", "alpha"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("rg (jig): unsupported flag -Z;"), "{err}");
    let (code, _, err) = run(dir.path(), &["alpha", "missing"]);
    assert_eq!(code, 2);
    assert_eq!(err, "rg: missing: No such file or directory (os error 2)\n");
    let (code, _, err) = run(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no pattern given"), "{err}");
}

#[test]
fn double_dash_ends_flags() {
    let dir = tree();
    std::fs::write(dir.path().join("dash.txt"), "x -v y\n").unwrap();
    let (code, out, _) = run(dir.path(), &["--", "-v", "dash.txt"]);
    assert_eq!((code, out.as_str()), (0, "x -v y\n"));
}

#[test]
fn shim_dir_links_rg_to_the_executable() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("jig");
    std::fs::write(&exe, "").unwrap();
    let has_real_rg =
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).any(|d| d.join("rg").is_file());
    let data = dir.path().join("data");
    let got = rg::shim_dir(&exe, &data).unwrap();
    if has_real_rg {
        assert_eq!(got, None);
    } else {
        let bin = got.expect("no rg on PATH, so a shim");
        assert_eq!(bin, data.join("bin"));
        assert_eq!(
            std::fs::read_link(bin.join("rg")).unwrap(),
            std::fs::canonicalize(&exe).unwrap()
        );
        // Idempotent.
        assert_eq!(rg::shim_dir(&exe, &data).unwrap(), Some(bin));
    }
}

/// Records every write it is given, so a test sees how output arrives.
#[derive(Default)]
struct Writes(Vec<Vec<u8>>);

impl Write for Writes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.push(buf.to_vec());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Forty files of three lines, two matching `needle`, in four directories.
fn many_files() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for i in 0..40 {
        let name = format!("d{}/f{i:02}.txt", i % 4);
        std::fs::create_dir_all(dir.path().join(format!("d{}", i % 4))).unwrap();
        std::fs::write(dir.path().join(&name), format!("needle {i} a\nhay {i}\nneedle {i} b\n")).unwrap();
        names.push(name);
    }
    (dir, names)
}

/// Runs `rg ARGS` (no `--sort`) in `cwd`; returns the writes `out` got.
fn writes(cwd: &Path, args: &[&str]) -> Vec<Vec<u8>> {
    let mut out = Writes::default();
    let code = rg::main(
        args.iter().map(|a| a.to_string()).collect(),
        cwd,
        rg::Input::None,
        &mut out,
        &mut Vec::new(),
    );
    assert_eq!(code, 0);
    out.0
}

fn sorted(mut blocks: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    blocks.sort();
    blocks
}

/// Like ripgrep's default mode, the search runs on several threads and
/// each file's output reaches stdout in one write, so no two files' lines
/// ever interleave; the files' order is not defined. (On one CPU ripgrep
/// runs one thread, and so does jig's `rg`: nothing to check there.)
#[test]
fn default_mode_writes_each_file_whole() {
    if std::thread::available_parallelism().map_or(1, |n| n.get()) == 1 {
        eprintln!("one CPU: rg runs one thread, as ripgrep does");
        return;
    }
    let (dir, names) = many_files();
    let expected: Vec<Vec<u8>> = names
        .iter()
        .enumerate()
        .map(|(i, name)| format!("{name}:1:needle {i} a\n{name}:3:needle {i} b\n").into_bytes())
        .collect();
    assert_eq!(sorted(writes(dir.path(), &["-n", "needle"])), sorted(expected));

    // In context mode `--` goes between two files' output, in a write of
    // its own, as ripgrep's buffer writer puts it.
    let got = writes(dir.path(), &["-A1", "needle"]);
    let (separators, blocks): (Vec<_>, Vec<_>) = got.into_iter().enumerate().partition(|(at, _)| at % 2 == 1);
    assert!(separators.iter().all(|(_, write)| write == b"--\n"), "{separators:?}");
    let expected: Vec<Vec<u8>> = names
        .iter()
        .enumerate()
        .map(|(i, name)| format!("{name}:needle {i} a\n{name}-hay {i}\n{name}:needle {i} b\n").into_bytes())
        .collect();
    assert_eq!(sorted(blocks.into_iter().map(|(_, b)| b).collect()), sorted(expected));
}

/// `--files` in the default mode lists each file once, whole lines.
#[test]
fn default_mode_lists_every_file_once() {
    let (dir, mut names) = many_files();
    names.sort();
    let listed: Vec<u8> = writes(dir.path(), &["--files"]).concat();
    let mut lines: Vec<&str> = std::str::from_utf8(&listed).unwrap().lines().collect();
    lines.sort();
    assert_eq!(lines, names);
}

/// `--sort path` keeps one thread and path order across many files.
#[test]
fn sort_path_prints_in_path_order() {
    let (dir, mut names) = many_files();
    names.sort();
    let out: Vec<u8> = writes(dir.path(), &["--sort", "path", "-l", "needle"]).concat();
    let listed: Vec<&str> = std::str::from_utf8(&out).unwrap().lines().collect();
    assert_eq!(listed, names);
}
