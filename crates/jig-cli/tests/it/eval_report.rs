//! `jig eval report` and `jig eval compare` on real runs of `evals/core`
//! (a few tasks, by `--filter`): the oracle against doing nothing compared
//! as text, JSON and HTML; and the HTML report of the reference scripts
//! (judged by a scripted judge) opened in headless Chromium — it renders
//! with no console error, every chart has data, a sample's trajectory opens
//! from the URL with the linked record marked, the judge's citations and
//! the traits' evidence link to records, and screenshots come out; and a
//! real run whose instruction, messages, tool call and output carry
//! `</script><script>…` and an `<img onerror>` renders all of it as text,
//! running none.
//!
//! Chromium is required: the test fails with a message naming the package
//! when it is missing, unless `JIG_SKIP_CHROMIUM=1`. It only ever opens
//! `file://` pages, with a fresh profile and the browser's own network
//! features off (the report's Content-Security-Policy forbids any load).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{Env, output_unless_hung, repo_root, stderr, stdout};

/// Two tasks of the core suite, quick ones.
const FILTER: &str = "*py-fix-s*";

/// Runs `jig eval run evals/core --filter FILTER EXTRA… --json`; returns the
/// run id.
fn eval_run(env: &Env, extra: &[&str]) -> String {
    let core = repo_root().join("evals/core");
    let mut args = vec!["eval", "run", core.to_str().unwrap(), "--filter", FILTER, "--json"];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(report["samples"].as_array().unwrap().len(), 2, "{report}");
    report["run_id"].as_str().unwrap().to_owned()
}

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "stdout {}\nstderr {}", stdout(out), stderr(out));
    stdout(out)
}

#[test]
fn report_and_compare_the_oracle_against_doing_nothing() {
    let env = Env::new();
    let a = eval_run(&env, &["--agent", "oracle"]);
    let b = eval_run(&env, &["--agent", "nop"]);

    let json: Value = serde_json::from_str(&ok(&env.run(&["eval", "report", &a[..24], "--json"]))).unwrap();
    assert_eq!(json["summary"]["run"]["id"], a.as_str());
    assert_eq!(json["tasks"].as_array().unwrap().len(), 2);
    let tasks: Vec<String> = json["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        json["samples"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "passed")
    );

    let page = env.dir.path().join("a.html");
    ok(&env.run(&["eval", "report", &a, "-o", page.to_str().unwrap()]));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // No address but the SVG namespace's (this run has no rollouts whose
    // text could hold one): the report loads nothing.
    let addresses = html.matches("http").count() - html.matches("http-equiv").count();
    assert_eq!(addresses, html.matches("http://www.w3.org/2000/svg").count());

    let text = ok(&env.run(&["eval", "compare", &a, &b]));
    assert!(
        text.contains("B is worse on pass rate: -100.0 pp [-100.0, -100.0]"),
        "{text}"
    );
    assert!(text.contains(&format!("pass → fail: {}", tasks.join(", "))), "{text}");
    assert!(text.contains("fail → pass: none"), "{text}");

    let compare_page = env.dir.path().join("compare.html");
    let json = ok(&env.run(&[
        "eval",
        "compare",
        &a,
        &b,
        "--json",
        "-o",
        compare_page.to_str().unwrap(),
    ]));
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["paired_tasks"].as_array().unwrap().len(), 2);
    assert_eq!(json["metrics"][0]["metric"], "pass rate");
    assert_eq!(json["metrics"][0]["interval"]["delta"], -1.0);
    assert_eq!(json["metrics"][0]["significant"], true);
    let html = std::fs::read_to_string(&compare_page).unwrap();
    assert!(html.contains(r#"<script type="application/json" id="data">"#));

    let missing = env.run(&["eval", "compare", &a, "nope"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("no eval run `nope`"), "{}", stderr(&missing));
}

/// The Chromium binary, or `None` when skipping was asked for.
fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join(name))
            .find(|path| path.is_file());
        if found.is_some() {
            return found;
        }
    }
    if std::env::var("JIG_SKIP_CHROMIUM").as_deref() == Ok("1") {
        return None;
    }
    panic!(
        "chromium is not installed, and the HTML report must be checked in it: \
         `apt-get install --no-install-recommends chromium` (.ci/deps --tests does), or set JIG_SKIP_CHROMIUM=1 to skip"
    );
}

/// Runs headless Chromium on `url` with `extra` flags; returns stdout and
/// fails on any console message (the report logs none of its own).
fn headless(browser: &Path, profile: &Path, url: &str, extra: &[&str]) -> String {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--disable-domain-reliability",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(url);
    let out = output_unless_hung(cmd);
    let log = stderr(&out);
    let console: Vec<&str> = log
        .lines()
        .filter(|line| line.contains(":CONSOLE") || line.contains("Uncaught"))
        .collect();
    assert!(
        console.is_empty(),
        "console messages from {url}:\n{}",
        console.join("\n")
    );
    assert!(out.status.success(), "chromium failed on {url}: {log}");
    stdout(&out)
}

fn body_attribute(dom: &str, name: &str) -> String {
    let body = &dom[dom.find("<body").expect("a body")..];
    let body = &body[..body.find('>').unwrap()];
    let at = body
        .find(&format!("{name}=\""))
        .unwrap_or_else(|| panic!("no {name} on {body}"));
    let value = &body[at + name.len() + 2..];
    value[..value.find('"').unwrap()].to_owned()
}

fn is_png(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.len() > 10_000 && bytes.starts_with(b"\x89PNG\r\n\x1a\n"))
}

#[test]
fn the_html_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: JIG_SKIP_CHROMIUM=1");
        return;
    };
    let env = Env::new();
    // A scripted judge that cites records 2 and 4 of every sample.
    let answer = serde_json::json!({
        "scores": {"process": 5, "communication": 4, "task_rubric": 5},
        "rationale": "Read the code first (record 2), then ran the check (record 4).",
        "cited": [2, 4],
    });
    let judge = env.file(
        "judge.json",
        &serde_json::json!({"responses": [{"text": answer.to_string()}]}).to_string(),
    );
    let judge = format!("scripted:{}", judge.display());
    let run = eval_run(&env, &["--model", "reference", "--judge", &judge]);
    let page = env.dir.path().join("report.html");
    ok(&env.run(&["eval", "report", &run, "-o", page.to_str().unwrap()]));
    let json: Value = serde_json::from_str(&ok(&env.run(&["eval", "report", &run, "--json"]))).unwrap();
    let sample = &json["samples"][0];
    let evidence = sample["traits"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|t| t["evidence"][0]["record"].as_u64())
        .expect("a trait with a record as evidence");
    let profile = env.dir.path().join("chromium-profile");
    let url = format!("file://{}", page.display());

    let dom = headless(&browser, &profile, &url, &["--dump-dom"]);
    assert_eq!(
        body_attribute(&dom, "data-rendered"),
        "ok",
        "{}",
        body_attribute(&dom, "data-error-text")
    );
    assert_eq!(body_attribute(&dom, "data-errors"), "0");
    assert_eq!(body_attribute(&dom, "data-view"), "overview");
    assert_eq!(body_attribute(&dom, "data-charts"), "5");
    assert_eq!(body_attribute(&dom, "data-empty-charts"), "0", "every chart has data");
    assert_eq!(dom.matches(r#"<tr class="row">"#).count(), 2, "one row per sample");

    let task = sample["task"].as_str().unwrap();
    let sample_url = format!("{url}#sample={task}/0&rec=1.{evidence}");
    let dom = headless(&browser, &profile, &sample_url, &["--dump-dom"]);
    assert_eq!(body_attribute(&dom, "data-rendered"), "ok");
    assert_eq!(body_attribute(&dom, "data-view"), "sample");
    assert!(dom.contains(r#"id="trajectory""#), "the trajectory view opened");
    assert!(dom.contains(r#"class="tool call""#), "tool calls are shown");
    assert!(
        dom.contains(&format!(r#"class="rec response target flash" id="rec-1-{evidence}""#)),
        "the evidence's record is marked"
    );
    assert!(dom.contains(r#"class="evidence""#), "evidence links to records");
    assert!(dom.contains(r#"id="judge""#), "the judge's verdict is shown");
    assert!(
        dom.contains(r#"/0&amp;rec=1.4" class="cite""#),
        "the judge's citations link to records"
    );

    // The comparison page (the run against itself: no difference anywhere).
    let compare = env.dir.path().join("compare.html");
    let text = ok(&env.run(&["eval", "compare", &run, &run, "-o", compare.to_str().unwrap()]));
    assert!(
        text.contains("no significant difference in pass rate (+0.0 pp [+0.0, +0.0])"),
        "{text}"
    );
    let dom = headless(
        &browser,
        &profile,
        &format!("file://{}", compare.display()),
        &["--dump-dom"],
    );
    assert_eq!(body_attribute(&dom, "data-rendered"), "ok");
    assert_eq!(body_attribute(&dom, "data-view"), "compare");
    assert_eq!(body_attribute(&dom, "data-charts"), "1");
    assert_eq!(body_attribute(&dom, "data-empty-charts"), "0");

    let shots = env.dir.path().join("shots");
    std::fs::create_dir_all(&shots).unwrap();
    // The trajectory at its top: a headless screenshot after scrolling to a
    // record comes out partly blank.
    for (name, url) in [
        ("report-screenshot.png", url.clone()),
        ("report-trajectory.png", format!("{url}#sample={task}/0")),
    ] {
        let shot = shots.join(name);
        let flag = format!("--screenshot={}", shot.display());
        headless(&browser, &profile, &url, &[&flag, "--window-size=1280,2000"]);
        assert!(is_png(&shot), "{name} is a screenshot");
        if let Some(dir) = std::env::var_os("JIG_REPORT_SCREENSHOTS") {
            std::fs::copy(&shot, Path::new(&dir).join(name)).unwrap();
        }
    }
}

/// Script that marks the page when it runs; the report must never run it.
const ATTACK: &str = r#"</script><script>document.body.setAttribute("data-pwned","script")</script><img src=x onerror="document.body.setAttribute('data-pwned','img')">"#;

/// A task whose instruction, assistant text, tool arguments and tool
/// output all carry [`ATTACK`].
fn hostile_task(dir: &Path) {
    let files: [(&str, String); 6] = [
        (
            "task.toml",
            "[verifier]\ntimeout_sec = 60.0\n[agent]\ntimeout_sec = 60.0\n[jig]\nreference_script = \"jig/reference.toml\"\n"
                .to_owned(),
        ),
        ("instruction.md", format!("Print this: {ATTACK}\n")),
        (
            "environment/Dockerfile",
            "FROM debian:bookworm-slim\nWORKDIR /app\nCOPY seed.txt ./\n".to_owned(),
        ),
        ("environment/seed.txt", "seed\n".to_owned()),
        (
            "tests/test.sh",
            "mkdir -p /logs/verifier\necho 0 > /logs/verifier/reward.txt\n".to_owned(),
        ),
        (
            "jig/reference.toml",
            format!(
                "[[response]]\ntext = {text}\n[[response.tool_calls]]\nname = \"shell\"\narguments = {{ command = [\"printf\", \"%s\", {text}] }}\n\n[[response]]\ntext = {text}\n",
                text = serde_json::to_string(ATTACK).unwrap()
            ),
        ),
    ];
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn a_hostile_trajectory_stays_inert_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: JIG_SKIP_CHROMIUM=1");
        return;
    };
    let env = Env::new();
    let suite = env.dir.path().join("suite");
    hostile_task(&suite.join("hostile"));
    let out = env.run(&["eval", "run", suite.to_str().unwrap(), "--model", "reference", "--json"]);
    let run: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let rollout = run["samples"][0]["rollout_path"].as_str().expect("a rollout");
    let text = std::fs::read_to_string(rollout).unwrap();
    assert!(
        text.matches("data-pwned").count() >= 4,
        "the attack is in the rollout: {text}"
    );
    let page = env.dir.path().join("report.html");
    ok(&env.run(&[
        "eval",
        "report",
        run["run_id"].as_str().unwrap(),
        "-o",
        page.to_str().unwrap(),
    ]));

    let profile = env.dir.path().join("chromium-profile");
    let task = run["samples"][0]["task"].as_str().unwrap();
    for url in [
        format!("file://{}", page.display()),
        format!("file://{}#sample={task}/0", page.display()),
    ] {
        let dom = headless(&browser, &profile, &url, &["--dump-dom"]);
        assert_eq!(body_attribute(&dom, "data-rendered"), "ok");
        let body = &dom[dom.find("<body").unwrap()..];
        assert!(
            !body[..body.find('>').unwrap()].contains("data-pwned"),
            "the attack ran: {body}"
        );
        assert!(!dom.contains("<img"), "the attack made markup");
    }
    let dom = headless(
        &browser,
        &profile,
        &format!("file://{}#sample={task}/0", page.display()),
        &["--dump-dom"],
    );
    // Shown as text: the instruction, the message, the call and its output.
    assert!(
        dom.matches("&lt;/script&gt;&lt;script&gt;document.body.setAttribute")
            .count()
            >= 4,
        "{dom}"
    );
}
