//! The scripted provider: loading TOML and JSON scripts, streaming, call ids,
//! positions, exhaustion and load errors.

use jig_model::scripted::{ScriptFormat, ScriptedModel, ScriptedResponse, ScriptedToolCall};
use jig_model::{ModelClient, ModelError, ReasoningPart, ResponseEvent};
use jig_protocol::{Item, TokenUsage, ToolCall, ToolStatus};
use serde_json::json;

use crate::support::{call, collect, output, text_of, write_temp};

const FIX_TOML: &str = r#"
[[response]]
reasoning = "the bug is probably in divide"
text = "I'll look for the failing function first."
[[response.tool_calls]]
name = "search"
arguments = { pattern = "fn divide" }
[[response.tool_calls]]
name = "read_file"
arguments = { path = "src/lib.rs" }
id = "call_read"
[response.usage]
input_tokens = 1200
output_tokens = 40
cached_input_tokens = 100

[[response]]
text = "Fixed."
"#;

fn tool_call(call_id: &str, name: &str, arguments: &str) -> ResponseEvent {
    ResponseEvent::ToolCall(ToolCall {
        call_id: call_id.to_string(),
        name: name.to_string(),
        arguments: arguments.to_string(),
    })
}

#[tokio::test]
async fn toml_script_streams_reasoning_text_calls_then_completed() {
    let (_dir, path) = write_temp("fix.toml", FIX_TOML);
    let model = ScriptedModel::from_file(&path).unwrap();
    let events = collect(&model, vec![Item::user("fix the divide bug")]).await.unwrap();

    assert_eq!(
        events[0],
        ResponseEvent::Reasoning(ReasoningPart::text("the bug is probably in divide"))
    );
    let deltas = events
        .iter()
        .filter(|e| matches!(e, ResponseEvent::TextDelta(_)))
        .count();
    assert_eq!(deltas, 3, "the text streams as three word-aligned deltas: {events:?}");
    assert_eq!(text_of(&events), "I'll look for the failing function first.");
    assert_eq!(
        events[1 + deltas..],
        [
            tool_call("call_1_0", "search", r#"{"pattern":"fn divide"}"#),
            tool_call("call_read", "read_file", r#"{"path":"src/lib.rs"}"#),
            ResponseEvent::Completed {
                usage: TokenUsage {
                    input_tokens: 1200,
                    cached_input_tokens: 100,
                    output_tokens: 40
                },
            },
        ]
    );
    assert_eq!(model.spec(), format!("scripted:{}", path.display()));
}

#[tokio::test]
async fn json_script_loads_with_either_key() {
    let script = json!({"response": [
        {"text": "one", "tool_calls": [{"name": "shell", "arguments": {"cmd": "ls"}}]},
        {"text": "two"},
    ]});
    let (_dir, path) = write_temp("s.json", &script.to_string());
    let model = ScriptedModel::from_file(&path).unwrap();
    let events = collect(&model, vec![Item::user("go")]).await.unwrap();
    assert_eq!(text_of(&events), "one");
    assert_eq!(events[1], tool_call("call_1_0", "shell", r#"{"cmd":"ls"}"#));

    let plural = json!({"responses": [{"text": "plural"}]}).to_string();
    let (_dir, path) = write_temp("p.json", &plural);
    let model = ScriptedModel::from_file(&path).unwrap();
    assert_eq!(text_of(&collect(&model, vec![]).await.unwrap()), "plural");

    let toml_plural = "[[responses]]\ntext = \"toml plural\"\n";
    let model = ScriptedModel::parse("inline", toml_plural, ScriptFormat::Toml).unwrap();
    assert_eq!(text_of(&collect(&model, vec![]).await.unwrap()), "toml plural");
    assert_eq!(model.spec(), "scripted:inline");
}

#[tokio::test]
async fn default_call_ids_number_responses_from_one_and_calls_from_zero() {
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "a"
[[response.tool_calls]]
name = "b"
[[response]]
[[response.tool_calls]]
name = "c"
"#;
    let model = ScriptedModel::parse("ids", script, ScriptFormat::Toml).unwrap();
    let first = collect(&model, vec![Item::user("go")]).await.unwrap();
    assert_eq!(first[0], tool_call("call_1_0", "a", "{}"));
    assert_eq!(first[1], tool_call("call_1_1", "b", "{}"));
    let items = vec![
        Item::user("go"),
        call("call_1_0", "a"),
        call("call_1_1", "b"),
        output("call_1_0", "", ToolStatus::Ok),
        output("call_1_1", "", ToolStatus::Ok),
    ];
    let second = collect(&model, items).await.unwrap();
    assert_eq!(second[0], tool_call("call_2_0", "c", "{}"));
}

#[tokio::test]
async fn string_arguments_are_sent_verbatim_even_when_malformed() {
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "search"
arguments = '{"pattern": '
"#;
    let model = ScriptedModel::parse("raw", script, ScriptFormat::Toml).unwrap();
    let events = collect(&model, vec![]).await.unwrap();
    assert_eq!(events[0], tool_call("call_1_0", "search", r#"{"pattern": "#));
}

#[tokio::test]
async fn position_follows_responses_so_far() {
    let responses = (1..=3)
        .map(|n| ScriptedResponse::message(format!("reply {n}")))
        .collect();
    let model = ScriptedModel::new("steps", responses);

    let first = collect(&model, vec![Item::user("hi")]).await.unwrap();
    assert_eq!(text_of(&first), "reply 1");

    // One model run (assistant text + call), then the harness's output.
    let after_one = vec![
        Item::user("hi"),
        Item::assistant("reply 1"),
        call("c1", "shell"),
        output("c1", "done", ToolStatus::Ok),
    ];
    assert_eq!(text_of(&collect(&model, after_one.clone()).await.unwrap()), "reply 2");

    // A second run made only of reasoning and a call counts too.
    let mut after_two = after_one;
    after_two.push(Item::user("and then?"));
    after_two.push(Item::reasoning("thinking"));
    after_two.push(call("c2", "shell"));
    after_two.push(output("c2", "done", ToolStatus::Ok));
    assert_eq!(text_of(&collect(&model, after_two).await.unwrap()), "reply 3");
}

#[tokio::test]
async fn exhausted_script_says_which_response_is_missing() {
    let model = ScriptedModel::new("short.toml", vec![ScriptedResponse::message("only")]);
    let items = vec![Item::user("hi"), Item::assistant("only"), Item::user("more")];
    let err = collect(&model, items).await.unwrap_err();
    assert!(matches!(err, ModelError::Exhausted(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "model script short.toml has no response #2 (it has 1); add a response or check why \
         the session needed another step"
    );
}

#[tokio::test]
async fn response_without_text_or_calls_only_completes() {
    let model = ScriptedModel::new("empty", vec![ScriptedResponse::default()]);
    let events = collect(&model, vec![]).await.unwrap();
    assert_eq!(
        events,
        [ResponseEvent::Completed {
            usage: TokenUsage::default()
        }]
    );
}

#[tokio::test]
async fn usage_estimate_is_a_token_per_four_characters() {
    let response = ScriptedResponse::message("12345678").with_tool_call(ScriptedToolCall::raw("ab", "{}"));
    let model = ScriptedModel::new("usage", vec![response]);
    // 9 characters of user text -> 3 tokens; 8 + 2 + 2 output characters -> 3 tokens.
    let events = collect(&model, vec![Item::user("123456789")]).await.unwrap();
    assert_eq!(
        events.last(),
        Some(&ResponseEvent::Completed {
            usage: TokenUsage {
                input_tokens: 3,
                cached_input_tokens: 0,
                output_tokens: 3
            },
        })
    );
}

#[tokio::test]
async fn deltas_concatenate_to_the_exact_text() {
    let texts = [
        "word",
        "two words",
        "  leading and trailing  ",
        "lines\nwith\ttabs and  double  spaces\n",
        "ünïcödé wörds — with dashes, 日本語 too",
    ];
    for text in texts {
        let model = ScriptedModel::new("t", vec![ScriptedResponse::message(text)]);
        let events = collect(&model, vec![]).await.unwrap();
        let deltas = events
            .iter()
            .filter(|e| matches!(e, ResponseEvent::TextDelta(_)))
            .count();
        assert!((1..=3).contains(&deltas), "{text:?} gave {deltas} deltas");
        assert_eq!(text_of(&events), text);
    }
}

#[tokio::test]
async fn code_built_script_runs_a_thousand_steps() {
    let responses: Vec<_> = (0..1000)
        .map(|n| ScriptedResponse::tool_call("shell", json!({ "cmd": format!("echo {n}") })))
        .collect();
    let model = ScriptedModel::new("bench", responses);
    let mut items = vec![Item::user("go")];
    for n in 0..1000 {
        let events = collect(&model, items.clone()).await.unwrap();
        let ResponseEvent::ToolCall(call) = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!(call.arguments, format!(r#"{{"cmd":"echo {n}"}}"#));
        let call_id = call.call_id.clone();
        items.push(Item::ToolCall(call.clone()));
        items.push(output(&call_id, "ok", ToolStatus::Ok));
    }
    let err = collect(&model, items).await.unwrap_err();
    assert!(err.to_string().contains("has no response #1001 (it has 1000)"), "{err}");
}

fn load_error(name: &str, text: &str) -> String {
    let (dir, path) = write_temp(name, text);
    let err = ScriptedModel::from_file(&path).unwrap_err();
    assert!(matches!(err, ModelError::Load { .. }), "{err:?}");
    err.to_string().replace(&dir.path().display().to_string(), "[dir]")
}

#[test]
fn toml_syntax_error_names_line_and_column() {
    let message = load_error("bad.toml", "[[response]]\ntext = \"ok\"\ntext2 = oops\n");
    insta::assert_snapshot!(message, @r#"
    cannot load model script [dir]/bad.toml: invalid TOML script: TOML parse error at line 3, column 9
      |
    3 | text2 = oops
      |         ^^^^
    string values must be quoted, expected literal string
    fix the script and run again
    "#);
}

#[test]
fn json_syntax_error_names_line_and_column() {
    let message = load_error("bad.json", "{\"responses\": [\n  {\"text\": }\n]}");
    insta::assert_snapshot!(message, @"cannot load model script [dir]/bad.json: invalid JSON script: expected value at line 2 column 12; fix the script and run again");
}

#[test]
fn invalid_scripts_are_load_errors() {
    let cases = [
        ("", "the script has no responses"),
        ("[[response]]\nbogus = 1\n", "unknown field `bogus`"),
        (
            "[[response]]\n[response.expect]\nlast_status = \"fine\"\n",
            "unknown variant `fine`",
        ),
        (
            "[[response]]\n[[response.tool_calls]]\nname = \"a\"\narguments = [1]\n",
            "response #1, tool call #1 (a): arguments must be a table/object, or a string of raw \
             JSON text, but it is an array",
        ),
        (
            "[[response]]\n[[response.tool_calls]]\nname = \"\"\n",
            "the tool name is empty",
        ),
    ];
    for (script, expected) in cases {
        let message = load_error("s.toml", script);
        assert!(message.contains(expected), "{script:?} gave: {message}");
    }
}

#[test]
fn missing_file_is_a_load_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = ScriptedModel::from_file(&dir.path().join("nope.toml")).unwrap_err();
    let ModelError::Load { path, reason } = err else {
        panic!("{err:?}")
    };
    assert!(path.ends_with("nope.toml"), "{path}");
    assert!(reason.starts_with("cannot read it: "), "{reason}");
}
