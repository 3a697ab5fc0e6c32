//! The Dockerfile subset: forms that are honoured, the line that needs a
//! container, malformed files, and materialising copies.

use std::path::Path;

use jig_eval::dockerfile::{
    DockerfileError, Environment, FileCopy, MaterialiseError, NeedsContainer, Plan, materialise, parse,
};

use crate::write;

fn local(text: &str) -> Environment {
    match parse(text) {
        Ok(Plan::Local(environment)) => environment,
        other => panic!("expected a local plan, got {other:?}"),
    }
}

fn needs(text: &str) -> NeedsContainer {
    match parse(text) {
        Ok(Plan::NeedsContainer(needs)) => needs,
        other => panic!("expected needs-container, got {other:?}"),
    }
}

fn malformed_line(text: &str) -> usize {
    match parse(text) {
        Err(DockerfileError::Malformed { line, .. }) => line,
        other => panic!("expected a malformed line, got {other:?}"),
    }
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn minimal_file_defaults_workdir_to_app() {
    let environment = local("FROM ubuntu:24.04\n");
    assert_eq!(
        environment,
        Environment {
            base_image: "ubuntu:24.04".into(),
            workdir: "/app".into(),
            copies: vec![],
            env: vec![],
        }
    );
}

#[test]
fn env_in_both_forms_with_quotes_and_substitution() {
    let environment = local(
        "FROM python:3.13\n\
         ENV A=1 B=\"two words\" C='$A literal'\n\
         ENV LEGACY value with spaces\n\
         ENV D=$A-${B} E=${MISSING:-fallback}\n\
         ENV A=3\n",
    );
    assert_eq!(
        environment.env,
        env(&[
            ("A", "3"),
            ("B", "two words"),
            ("C", "$A literal"),
            ("LEGACY", "value with spaces"),
            ("D", "1-two words"),
            ("E", "fallback"),
        ])
    );
}

#[test]
fn args_substitute_in_from_workdir_and_copy() {
    let environment = local(
        "ARG BASE=python:3.12-slim\n\
         FROM $BASE\n\
         ARG BASE\n\
         ARG DIR=/srv/app\n\
         ARG UNSET\n\
         WORKDIR ${DIR}\n\
         COPY src${UNSET}/ lib/\n\
         ENV FROM_BASE=$BASE\n",
    );
    assert_eq!(environment.base_image, "python:3.12-slim");
    assert_eq!(environment.workdir, "/srv/app");
    assert_eq!(
        environment.copies,
        vec![FileCopy {
            sources: vec!["src/".into()],
            dest: "/srv/app/lib/".into(),
            line: 7,
        }]
    );
    assert_eq!(environment.env, env(&[("FROM_BASE", "python:3.12-slim")]));
}

#[test]
fn a_global_arg_is_not_visible_after_from_until_redeclared() {
    let environment = local("ARG V=1\nFROM alpine\nENV X=${V:-none}\n");
    assert_eq!(environment.env, env(&[("X", "none")]));
}

#[test]
fn continuations_comments_and_ignored_instructions() {
    let text = "# syntax=docker/dockerfile:1\n\
                # a comment\n\
                from debian:bookworm AS base\n\
                LABEL maintainer=\"someone\"\n\
                ENV PATH=/usr/local/bin:/usr/bin \\\n\
                    # a comment inside a continuation\n\
                \n\
                    LANG=C.UTF-8\n\
                EXPOSE 8080\n\
                USER root\n\
                workdir /app\n\
                COPY --chown=1000:1000 --chmod=755 [\"run.sh\", \"data dir\", \"/opt/tool/\"]\n\
                CMD [\"bash\"]\n\
                ENTRYPOINT [\"/bin/sh\", \"-c\"]\n\
                HEALTHCHECK CMD true\n\
                VOLUME /data\n\
                STOPSIGNAL SIGTERM\n\
                SHELL [\"/bin/bash\", \"-c\"]\n";
    let environment = local(text);
    assert_eq!(environment.base_image, "debian:bookworm");
    assert_eq!(environment.workdir, "/app");
    assert_eq!(
        environment.env,
        env(&[("PATH", "/usr/local/bin:/usr/bin"), ("LANG", "C.UTF-8")])
    );
    assert_eq!(
        environment.copies,
        vec![FileCopy {
            sources: vec!["run.sh".into(), "data dir".into()],
            dest: "/opt/tool/".into(),
            line: 12,
        }]
    );
}

#[test]
fn relative_destinations_resolve_against_the_workdir_or_root() {
    let environment = local(
        "FROM alpine\n\
         COPY early.txt early.txt\n\
         WORKDIR /app\n\
         WORKDIR sub/../src\n\
         COPY a.py b.py ./\n\
         ADD notes.md ../docs/\n\
         COPY . .\n",
    );
    assert_eq!(environment.workdir, "/app/src");
    let dests: Vec<&str> = environment.copies.iter().map(|c| c.dest.as_str()).collect();
    assert_eq!(dests, ["/early.txt", "/app/src/", "/app/docs/", "/app/src"]);
}

#[test]
fn run_needs_a_container_and_names_its_first_line() {
    let text = concat!(
        "FROM python:3.13\n",
        "WORKDIR /app\n",
        "COPY . .\n",
        "\n",
        "RUN pip install \\\n",
        "    pytest\n",
        "COPY late.txt /late.txt\n",
    );
    let needs = needs(text);
    assert_eq!(needs.line, 5);
    assert_eq!(needs.text, "RUN pip install \\\n    pytest");
    assert!(needs.why.contains("RUN"), "{needs:?}");
    assert!(needs.to_string().starts_with("line 5: "), "{needs}");
}

#[test]
fn other_unhonoured_forms_need_a_container_at_their_line() {
    let cases = [
        ("FROM a\nUSER nobody\n", 2, "USER"),
        ("FROM a AS build\nFROM b\n", 2, "multi-stage"),
        ("FROM a\nCOPY --from=build /out /app/\n", 2, "--from"),
        ("FROM a\nADD https://example.com/x.tgz /opt/\n", 2, "URL"),
        ("FROM a\nADD vendor.tar.gz /opt/\n", 2, "archive"),
        ("FROM a\nCOPY *.py /app/\n", 2, "wildcard"),
        ("FROM a\nCOPY <<EOF /app/x\nhello\nEOF\n", 2, "heredoc"),
        ("FROM a\nENV X=${Y:?required}\n", 2, "substitution"),
        ("FROM a\nFROBNICATE now\n", 2, "FROBNICATE"),
        ("# escape=`\nFROM a\n", 1, "escape"),
    ];
    for (text, line, why) in cases {
        let needs = needs(text);
        assert_eq!(needs.line, line, "{text:?}: {needs:?}");
        assert!(needs.why.contains(why), "{text:?}: {needs:?}");
    }
}

#[test]
fn malformed_files_are_errors_with_the_line() {
    assert!(matches!(parse("# only a comment\n"), Err(DockerfileError::NoFrom)));
    assert_eq!(malformed_line("WORKDIR /app\nFROM a\n"), 1);
    assert_eq!(malformed_line("FROM a\n\nCOPY only-one\n"), 3);
    assert_eq!(malformed_line("FROM a\nCOPY a b /dest\n"), 2);
    assert_eq!(malformed_line("FROM a\nENV X=\"open\n"), 2);
    assert_eq!(malformed_line("FROM a\nENV LONELY\n"), 2);
    let error = parse("FROM a\nCOPY only-one\n").unwrap_err().to_string();
    assert_eq!(
        error,
        "Dockerfile line 2: COPY needs a source and a destination (`COPY only-one`); fix the line"
    );
}

#[test]
fn materialise_copies_files_and_directories_under_the_root() {
    let context = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    write(context.path(), "stats.py", "def median(): ...\n");
    write(context.path(), "pkg/__init__.py", "");
    write(context.path(), "pkg/sub/data.txt", "data\n");
    let script = write(context.path(), "run.sh", "#!/bin/sh\n");
    set_executable(&script);
    let environment = local(
        "FROM python:3.13\n\
         WORKDIR /app\n\
         COPY stats.py ./\n\
         COPY pkg lib/pkg\n\
         COPY run.sh /usr/local/bin/run\n\
         ADD stats.py /app/renamed.py\n\
         WORKDIR /workspace\n",
    );
    materialise(&environment, context.path(), root.path()).unwrap();
    let read = |p: &str| std::fs::read_to_string(root.path().join(p)).unwrap();
    assert_eq!(read("app/stats.py"), "def median(): ...\n");
    assert_eq!(read("app/renamed.py"), "def median(): ...\n");
    assert_eq!(read("app/lib/pkg/sub/data.txt"), "data\n");
    assert!(root.path().join("app/lib/pkg/__init__.py").is_file());
    assert!(root.path().join("workspace").is_dir());
    assert_executable(&root.path().join("usr/local/bin/run"));
}

#[test]
fn materialise_refuses_sources_that_escape_the_context() {
    let task = tempfile::tempdir().unwrap();
    let context = task.path().join("environment");
    write(&context, "ok.txt", "ok\n");
    write(task.path(), "secret.txt", "secret\n");
    for (source, why) in [("../secret.txt", "`..`"), ("/etc/hostname", "absolute")] {
        let environment = with_copy(source);
        let root = tempfile::tempdir().unwrap();
        let error = materialise(&environment, &context, root.path()).unwrap_err();
        assert!(
            matches!(&error, MaterialiseError::Escapes { line: 2, why: w, .. } if w.contains(why)),
            "{source}: {error:?}"
        );
        assert!(
            error.to_string().contains("sources must stay inside environment/"),
            "{error}"
        );
    }
}

#[cfg(unix)]
#[test]
fn materialise_refuses_symlinks_out_and_follows_symlinks_in() {
    use std::os::unix::fs::symlink;
    let task = tempfile::tempdir().unwrap();
    let context = task.path().join("environment");
    write(task.path(), "secret.txt", "secret\n");
    write(&context, "real.txt", "real\n");
    write(&context, "dir/inner.txt", "inner\n");
    symlink(task.path().join("secret.txt"), context.join("out-link")).unwrap();
    symlink("real.txt", context.join("in-link")).unwrap();
    symlink("../../secret.txt", context.join("dir/sneaky")).unwrap();

    let root = tempfile::tempdir().unwrap();
    let error = materialise(&with_copy("out-link"), &context, root.path()).unwrap_err();
    assert!(
        matches!(&error, MaterialiseError::Escapes { name, .. } if name == "out-link"),
        "{error:?}"
    );

    let error = materialise(&with_copy("dir"), &context, root.path()).unwrap_err();
    assert!(
        matches!(&error, MaterialiseError::Escapes { name, .. } if name == "dir/sneaky"),
        "{error:?}"
    );
    assert!(!root.path().join("app/sneaky").exists());

    let root = tempfile::tempdir().unwrap();
    materialise(&with_copy("in-link"), &context, root.path()).unwrap();
    let copied = root.path().join("app/in-link");
    assert!(!copied.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(copied).unwrap(), "real\n");
}

#[test]
fn materialise_reports_a_missing_source() {
    let context = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let error = materialise(&with_copy("absent.py"), context.path(), root.path()).unwrap_err();
    assert!(
        matches!(&error, MaterialiseError::MissingSource { line: 2, name, .. } if name == "absent.py"),
        "{error:?}"
    );
}

/// `FROM`, then one `COPY <source> /app/` on line 2.
fn with_copy(source: &str) -> Environment {
    Environment {
        base_image: "alpine".into(),
        workdir: "/app".into(),
        copies: vec![FileCopy {
            sources: vec![source.into()],
            dest: "/app/".into(),
            line: 2,
        }],
        env: vec![],
    }
}

#[cfg(unix)]
fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(unix)]
fn assert_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "{} has mode {mode:o}", path.display());
}

#[cfg(not(unix))]
fn set_executable(_: &Path) {}

#[cfg(not(unix))]
fn assert_executable(_: &Path) {}
