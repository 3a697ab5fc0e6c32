//! jig's built-in `rg` on real temp dirs: output layout, flags, exit codes.

use std::path::Path;

use jig_tools::rg;

/// Runs `rg ARGS` in `cwd`; returns (exit code, stdout, stderr).
fn run(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = rg::main(args.iter().map(|a| a.to_string()).collect(), cwd, &mut out, &mut err);
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
    dir
}

#[test]
fn matches_print_path_line_text_and_honour_gitignore() {
    let dir = tree();
    let (code, out, err) = run(dir.path(), &["alpha"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, "src/lib.rs:1:fn alpha() {}\nsrc/main.py:1:def alpha():\n");
}

#[test]
fn ignore_case_smart_case_and_no_line_numbers() {
    let dir = tree();
    let (_, out, _) = run(dir.path(), &["-i", "alpha", "src/lib.rs"]);
    assert_eq!(out, "1:fn alpha() {}\n3:// Alpha again\n");
    let (_, out, _) = run(dir.path(), &["-S", "Alpha", "src"]);
    assert_eq!(out, "src/lib.rs:3:// Alpha again\n");
    let (_, out, _) = run(dir.path(), &["-N", "beta"]);
    assert_eq!(out, "src/lib.rs:fn beta() {}\n");
}

#[test]
fn fixed_strings_and_multiple_patterns() {
    let dir = tree();
    let (_, out, _) = run(dir.path(), &["-F", "a.b", "notes.md"]);
    assert_eq!(out, "1:a.b literal\n");
    let (_, out, _) = run(dir.path(), &["a.b", "notes.md"]);
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
    assert_eq!(out, "src/main.py:1:def alpha():\n");
    let (_, out, _) = run(dir.path(), &["-g", "!*.py", "-l", "alpha"]);
    assert_eq!(out, "src/lib.rs\n");
    let (_, out, _) = run(dir.path(), &["-trust", "-l", "alpha"]);
    assert_eq!(out, "src/lib.rs\n");
    let (_, out, _) = run(dir.path(), &["-uu", "-l", "alpha"]);
    assert_eq!(out, ".hidden.rs\nsrc/lib.rs\nsrc/main.py\ntarget/out.rs\n");
}

#[test]
fn context_lines() {
    let dir = tree();
    let (_, out, _) = run(dir.path(), &["-C1", "beta", "src/lib.rs"]);
    assert_eq!(out, "1-fn alpha() {}\n2:fn beta() {}\n3-// Alpha again\n");
    let (_, out, _) = run(dir.path(), &["-A", "1", "-w", "alpha"]);
    assert_eq!(
        out,
        "src/lib.rs:1:fn alpha() {}\nsrc/lib.rs-2-fn beta() {}\n--\nsrc/main.py:1:def alpha():\nsrc/main.py-2-    return 1\n"
    );
}

#[test]
fn max_count_per_file() {
    let dir = tree();
    let (_, out, _) = run(dir.path(), &["-i", "-m", "1", "alpha", "src/lib.rs"]);
    assert_eq!(out, "1:fn alpha() {}\n");
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
    assert_eq!((code, out.as_str()), (0, "1:x -v y\n"));
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
