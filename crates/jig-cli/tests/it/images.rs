//! `view_image` (and Claude Code's `Read` of an image) end to end: `jig
//! exec` against the fake provider server, one session per wire format.
//! The model asks for an image, jig reads, fits and attaches it, and the
//! next request must carry it the way that API takes images in a tool
//! result. Bodies are snapshotted with the base64 bytes redacted; the
//! bytes themselves are decoded and their size checked against the
//! provider's limits.

use std::process::Output;

use base64::Engine;
use jig_testkit::streams::{anthropic, chat, openai};
use jig_testkit::{End, Reply};
use serde_json::Value;

use crate::support::{Env, serve, stderr, stdout};

/// A PNG of `width`×`height` with a gradient (so it is not trivially small).
fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn workspace_with(files: &[(&str, Vec<u8>)]) -> Env {
    let env = Env::new();
    for (name, bytes) in files {
        std::fs::write(env.ws().join(name), bytes).unwrap();
    }
    env
}

/// Runs `jig ARGS… --json` with only `vars` of the provider variables set.
fn jig(env: &Env, vars: &[(&str, String)], args: &[&str]) -> Output {
    let mut cmd = env.jig();
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("OPENAI_") || name.starts_with("ANTHROPIC_") {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd.env_remove("OLLAMA_HOST").env_remove("JIG_MODEL");
    for (name, value) in vars {
        cmd.env(name, value);
    }
    let out = cmd.args(args).output().unwrap();
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    out
}

fn exec(env: &Env, vars: &[(&str, String)], model: &str) -> Output {
    jig(
        env,
        vars,
        &["exec", "--json", "--model", model, "look at the screenshot"],
    )
}

fn session_id(out: &Output) -> String {
    stdout(out)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|e| e["type"] == "session_started")
        .expect("a session_started event")["session_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The size of a base64-encoded image, decoded for real.
fn decoded_size(base64: &str) -> (u32, u32) {
    let bytes = base64::engine::general_purpose::STANDARD.decode(base64).unwrap();
    let image = image::load_from_memory(&bytes).unwrap();
    (image.width(), image.height())
}

/// The media type and base64 bytes of a `data:` URL.
fn data_url(url: &str) -> (&str, &str) {
    let rest = url.strip_prefix("data:").expect("a data: URL");
    rest.split_once(";base64,").expect("base64 data")
}

/// `value` with image bytes replaced (they are checked by decoding).
fn redacted(mut value: Value) -> String {
    fn walk(value: &mut Value) {
        match value {
            Value::String(text) if text.starts_with("data:image/") => {
                let (media, _) = data_url(text);
                *text = format!("data:{media};base64,[BYTES]");
            }
            Value::Object(map) => {
                if map.get("type").and_then(Value::as_str) == Some("base64") && map.contains_key("data") {
                    map.insert("data".into(), Value::String("[BYTES]".into()));
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    serde_json::to_string_pretty(&value).unwrap()
}

/// What request 2 adds to request 1 under `key` (`input` or `messages`).
fn added(requests: &[jig_testkit::Request], key: &str) -> Vec<Value> {
    let (first, second) = (requests[0].json(), requests[1].json());
    let before = first[key].as_array().unwrap().len();
    second[key].as_array().unwrap()[before..].to_vec()
}

fn openai_vars(server: &jig_testkit::FakeServer) -> [(&'static str, String); 2] {
    [
        ("OPENAI_BASE_URL", server.base_url()),
        ("OPENAI_API_KEY", "sk-test".to_string()),
    ]
}

#[test]
fn openai_view_image_sends_an_input_image_scaled_to_high_detail_and_resumes_with_it() {
    let served = serve(vec![
        Reply::events(
            &openai::function_call("call_1", "view_image", r#"{"path":"shot.png"}"#),
            End::Clean,
        ),
        Reply::events(&openai::text(&["A gradient."]), End::Clean),
    ]);
    let env = workspace_with(&[("shot.png", png(1600, 1000))]);
    let out = exec(&env, &openai_vars(&served.server), "openai:gpt-5-codex");
    let requests = served.server.requests();
    assert_eq!(requests.len(), 2);
    let tools = requests[0].json()["tools"].clone();
    assert!(
        tools.as_array().unwrap().iter().any(|t| t["name"] == "view_image"),
        "{tools}"
    );

    let added = added(&requests, "input");
    let content = added[1]["output"].as_array().expect("output as content items");
    let (media, bytes) = data_url(content[1]["image_url"].as_str().unwrap());
    assert_eq!(media, "image/jpeg");
    // 1600×1000 into 2048×2048, short side 768.
    assert_eq!(decoded_size(bytes), (1228, 768));
    insta::assert_snapshot!("openai_view_image_request", redacted(Value::Array(added.clone())));

    // The rollout holds the image: a resumed turn sends it again, unchanged.
    let again = serve(vec![Reply::events(&openai::text(&["Still a gradient."]), End::Clean)]);
    let id = session_id(&out);
    jig(
        &env,
        &openai_vars(&again.server),
        &["resume", "--json", &id, "and now?"],
    );
    let resumed = again.server.requests()[0].json();
    let output = resumed["input"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["type"] == "function_call_output")
        .expect("the call's output after resume")
        .clone();
    assert_eq!(output, added[1]);
}

#[test]
fn anthropic_read_of_an_image_sends_an_image_block_within_1568_pixels() {
    let input = r#"{"file_path":"shot.png"}"#;
    let served = serve(vec![
        Reply::events(&anthropic::tool_use("toolu_1", "Read", input), End::Clean),
        Reply::events(&anthropic::text(&["A gradient."]), End::Clean),
    ]);
    let env = workspace_with(&[("shot.png", png(1800, 900))]);
    let vars = [
        ("ANTHROPIC_BASE_URL", served.server.root_url()),
        ("ANTHROPIC_API_KEY", "sk-ant-test".to_string()),
    ];
    exec(&env, &vars, "anthropic:claude-sonnet-4-5");
    let requests = served.server.requests();
    assert_eq!(requests.len(), 2);
    let added = added(&requests, "messages");
    let result = &added[1]["content"][0];
    assert_eq!(result["type"], "tool_result");
    let source = &result["content"][1]["source"];
    assert_eq!(source["media_type"], "image/jpeg");
    let (width, height) = decoded_size(source["data"].as_str().unwrap());
    assert!(width.max(height) <= 1568, "{width}x{height}");
    assert_eq!((width, height), (1568, 784));
    insta::assert_snapshot!("anthropic_read_image_request", redacted(Value::Array(added)));
}

#[test]
fn chat_view_image_follows_the_tool_message_as_a_user_image_url() {
    let shot = png(64, 32);
    let served = serve(vec![
        Reply::sse(
            &chat::tool_call("call_1", "view_image", r#"{"path":"shot.png"}"#),
            End::Clean,
        ),
        Reply::sse(&chat::text(&["A gradient."]), End::Clean),
    ]);
    let env = workspace_with(&[("shot.png", shot.clone())]);
    let vars = [("OLLAMA_HOST", served.server.root_url())];
    let out = exec(&env, &vars, "ollama:gemma3:4b");
    let requests = served.server.requests();
    assert_eq!(requests.len(), 2);
    let added = added(&requests, "messages");
    assert_eq!(added[1]["role"], "tool");
    assert_eq!(added[2]["role"], "user");
    let (media, bytes) = data_url(added[2]["content"][1]["image_url"]["url"].as_str().unwrap());
    assert_eq!(media, "image/png");
    // Within the limits: the file's own bytes, unchanged.
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(bytes).unwrap(), shot);
    insta::assert_snapshot!("chat_view_image_request", redacted(Value::Array(added)));
    // Front-ends show a placeholder line, never the bytes.
    let ended = stdout(&out)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|e| e["type"] == "tool_call_end")
        .expect("the call's end");
    assert_eq!(ended["output"], "[image shot.png: 64x32 PNG]");
}

#[test]
fn a_text_only_model_is_told_so_and_sent_no_image() {
    let served = serve(vec![
        Reply::sse(
            &chat::tool_call("call_1", "view_image", r#"{"path":"shot.png"}"#),
            End::Clean,
        ),
        Reply::sse(&chat::text(&["I cannot see it."]), End::Clean),
    ]);
    let env = workspace_with(&[("shot.png", png(64, 32))]);
    let vars = [("OLLAMA_HOST", served.server.root_url())];
    exec(&env, &vars, "ollama:qwen2.5-coder:7b");
    let requests = served.server.requests();
    let added = added(&requests, "messages");
    assert_eq!(added.len(), 2, "no image message: {added:?}");
    insta::assert_snapshot!(added[1]["content"].as_str().unwrap(), @"view_image is not available: the current model does not take image input, so no image was sent; work from text instead (ask the user to describe the image, or inspect the file with a command)");
    assert!(!requests[1].body.contains("image_url"));
}

#[test]
fn bad_paths_and_files_that_are_no_images_get_a_clear_error() {
    let calls = [
        ("call_1", r#"{"path":"notes.txt"}"#),
        ("call_2", r#"{"path":"../outside.png"}"#),
        ("call_3", r#"{"path":"missing.png"}"#),
        ("call_4", r#"{"path":"old.bmp"}"#),
    ];
    let mut replies: Vec<Reply> = calls
        .iter()
        .map(|(id, args)| Reply::events(&openai::function_call(id, "view_image", args), End::Clean))
        .collect();
    replies.push(Reply::events(&openai::text(&["No luck."]), End::Clean));
    let served = serve(replies);
    let bmp = [b"BM".as_slice(), &[0u8; 60]].concat();
    let env = workspace_with(&[("notes.txt", b"not a picture\n".to_vec()), ("old.bmp", bmp)]);
    std::fs::write(env.dir.path().join("outside.png"), png(8, 8)).unwrap();
    exec(&env, &openai_vars(&served.server), "openai:gpt-5-codex");
    let last = served.server.requests().last().unwrap().json();
    let outputs: Vec<String> = last["input"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["type"] == "function_call_output")
        .map(|item| item["output"].as_str().expect("an error is text only").to_string())
        .collect();
    let ws = env.ws().canonicalize().unwrap().display().to_string();
    let text = outputs.join("\n").replace(&ws, "[WS]");
    insta::assert_snapshot!(text, @r"
    cannot view notes.txt: it is not a PNG, JPEG, GIF or WebP image
    cannot view ../outside.png: it is outside the workspace ([WS]); only images inside the workspace can be viewed
    cannot view missing.png: no such file; check the path (relative to the workspace root)
    cannot view old.bmp: BMP images are not supported; convert it to PNG or JPEG first
    ");
}
