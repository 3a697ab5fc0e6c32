//! How an embedded model writes tool calls: the text layout it was trained
//! on, the grammar that makes every call it starts well-formed, and the
//! parser that reads calls back out of the generated text.
//!
//! A response is free text, or free text followed by one tool-call block:
//! `<tool_call>[{"name": "shell", "arguments": {…}}]</tool_call>` for
//! SmolLM-family models (as they were trained), or Hermes/Qwen-style
//! `<tool_call>{"name": …, "arguments": …}</tool_call>` blocks for the rest.
//! The grammar leaves the text unconstrained until the model writes the
//! opening tag; from there the envelope is forced byte for byte, the tool
//! name must be one offered, and the arguments must match that tool's JSON
//! Schema, so a constrained response always parses. After the block only the
//! end of the response may follow.
//!
//! Invariant: [`render_calls`] writes exactly the bytes the grammar makes the
//! model write for the same calls, so a later prompt that contains the
//! response re-tokenizes to the tokens the model generated and the KV cache
//! is reused across turns.

use jig_protocol::{ToolCall, ToolSpec};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

/// The tag that opens a tool-call block.
pub const OPEN: &str = "<tool_call>";
/// The tag that closes a tool-call block.
pub const CLOSE: &str = "</tool_call>";

/// Longest string argument the grammar lets a model write when the tool's
/// schema sets no limit. Small models can loop inside a string; this keeps a
/// call short enough to close within the response's token budget.
pub const MAX_STRING_LEN: u64 = 1200;

/// Most calls one constrained response may hold.
pub const MAX_CALLS: usize = 4;

/// The tool-call layout a model family was trained on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallLayout {
    /// `<tool_call>[{"name": …, "arguments": …}, …]</tool_call>` (SmolLM2).
    Array,
    /// `<tool_call>\n{"name": …, "arguments": …}\n</tool_call>`, one block per
    /// call (Hermes, Qwen and most open models).
    Tagged,
}

impl CallLayout {
    /// The layout for a model, recognised by its GGUF `general.name` /
    /// `general.basename`.
    pub fn for_model(name: &str) -> Self {
        if name.to_ascii_lowercase().contains("smollm") {
            CallLayout::Array
        } else {
            CallLayout::Tagged
        }
    }
}

/// How much of each tool's documentation the system prompt carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Descriptions and parameter docs in full.
    Full,
    /// The first sentence of each description and bare parameter schemas:
    /// a third of the tokens, for small models whose context (and
    /// attention) is short. The grammar still enforces the full schema.
    Brief,
}

impl Listing {
    /// The listing for a model of `parameters` weights: brief below 1B.
    pub fn for_size(parameters: u64) -> Self {
        if crate::is_small(parameters) {
            Listing::Brief
        } else {
            Listing::Full
        }
    }
}

/// The system-prompt paragraph that lists the tools and shows the layout.
pub fn tools_prompt(tools: &[ToolSpec], layout: CallLayout, listing: Listing) -> String {
    let mut out = String::from(
        "# Tools\n\nYou act in the workspace by calling functions. They are listed inside <tools></tools>, one JSON object per line:\n<tools>\n",
    );
    for tool in tools {
        let (description, parameters) = match listing {
            Listing::Full => (tool.description.clone(), jig_model::wire::function_parameters(tool)),
            Listing::Brief => (
                first_sentence(&tool.description),
                strip_descriptions(jig_model::wire::function_parameters(tool)),
            ),
        };
        let entry = json!({ "name": tool.name, "description": description, "parameters": parameters });
        out.push_str(&entry.to_string());
        out.push('\n');
    }
    out.push_str("</tools>\n\n");
    match layout {
        CallLayout::Array => out.push_str(
            "To call functions, reply with a JSON list of calls inside <tool_call></tool_call>:\n\
             <tool_call>[{\"name\": \"function_name\", \"arguments\": {\"argument\": \"value\"}}]</tool_call>\n",
        ),
        CallLayout::Tagged => out.push_str(
            "To call a function, reply with a JSON object of its name and arguments inside <tool_call></tool_call>:\n\
             <tool_call>\n{\"name\": \"function_name\", \"arguments\": {\"argument\": \"value\"}}\n</tool_call>\n",
        ),
    }
    out.push_str(
        "Each call's result comes back inside <tool_response></tool_response>. \
         When the task is done, or no function fits, reply in plain text.",
    );
    out
}

fn first_sentence(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.find(". ") {
        Some(end) => line[..=end].to_owned(),
        None => line.to_owned(),
    }
}

fn strip_descriptions(mut schema: Value) -> Value {
    fn walk(node: &mut Value) {
        match node {
            Value::Object(map) => {
                if map.get("description").is_some_and(Value::is_string) {
                    map.remove("description");
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut schema);
    schema
}

/// JSON options for every inlined schema: a fixed layout (so re-rendered
/// calls tokenize as generated) and leniency toward keywords llguidance does
/// not enforce (`format`, …), which are then simply not constrained.
fn guidance_options() -> Value {
    json!({
        "whitespace_flexible": false,
        "item_separator": ", ",
        "key_separator": ": ",
        "lenient": true,
    })
}

/// Whether a response may answer in text alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Choice {
    /// Text, or text followed by tool calls (the model decides).
    #[default]
    Auto,
    /// One short line of text (at most [`MAX_PREAMBLE`] bytes), then tool
    /// calls.
    Required,
}

/// Longest preamble line before the calls when a call is [`Choice::Required`].
pub const MAX_PREAMBLE: usize = 160;

/// The Lark grammar (llguidance dialect) for a response that may call
/// `tools`. `None` when there are no tools: the response is plain text.
pub fn grammar(tools: &[ToolSpec], layout: CallLayout, choice: Choice) -> Option<String> {
    if tools.is_empty() {
        return None;
    }
    let mut g = String::from("%llguidance {}\n\n");
    // The text before the calls ends with the opening tag, in one lexeme:
    // llguidance's lexer does not backtrack, so the tag cannot be a
    // separate lexeme after a greedy one that could also swallow it.
    match choice {
        Choice::Auto => {
            // Either text that never contains the tag, or the shortest text
            // that ends with it (lazy), after which only calls may follow.
            g.push_str("start: TEXT | head calls\n");
            g.push_str(&format!(
                "TEXT: /(?s:.*)/ & ~/(?s:.*){tag}(?s:.*)/\nhead[lazy]: /(?s:.*){tag}/\n",
                tag = regex_escape(OPEN)
            ));
        }
        Choice::Required => {
            // One line, with no `<` in it, then the tag.
            g.push_str("start: head calls\n");
            g.push_str(&format!(
                "head: /[^\\n<]{{0,{MAX_PREAMBLE}}}\\n?{}/\n",
                regex_escape(OPEN)
            ));
        }
    }
    match layout {
        CallLayout::Array => {
            g.push_str(&format!(
                "calls: \"[\" call (\", \" call){{0,{}}} \"]\" {}\n",
                MAX_CALLS - 1,
                lark_string(CLOSE)
            ));
        }
        CallLayout::Tagged => {
            let more = format!(
                "\"\\n\" {} \"\\n\" call \"\\n\" {}",
                lark_string(OPEN),
                lark_string(CLOSE)
            );
            g.push_str(&format!(
                "calls: \"\\n\" call \"\\n\" {} ({more}){{0,{}}}\n",
                lark_string(CLOSE),
                MAX_CALLS - 1
            ));
        }
    }
    let alternatives: Vec<String> = (0..tools.len()).map(|i| format!("call_{i}")).collect();
    g.push_str(&format!("call: {}\n", alternatives.join(" | ")));
    for (i, tool) in tools.iter().enumerate() {
        let head = format!("{{\"name\": {}, \"arguments\": ", Value::String(tool.name.clone()));
        g.push_str(&format!("call_{i}: {} args_{i} \"}}\"\n", lark_string(&head)));
        let mut schema = constrain_schema(jig_model::wire::function_parameters(tool));
        if let Value::Object(map) = &mut schema {
            map.insert("x-guidance".into(), guidance_options());
        }
        g.push_str(&format!("args_{i}: %json {schema}\n"));
    }
    Some(g)
}

/// The grammar for a response that is one JSON object matching `schema`:
/// the engine's structured output ([`jig_model::ModelRequest::output_schema`]),
/// enforced token by token as tool arguments are.
pub fn json_grammar(schema: &Value) -> String {
    let mut schema = constrain_schema(schema.clone());
    if let Value::Object(map) = &mut schema {
        map.insert("x-guidance".into(), guidance_options());
    }
    format!("%llguidance {{}}\n\nstart: %json {schema}\n")
}

/// A copy of `schema` that a small model can always finish: objects accept
/// only their declared properties (when they declare any), and strings
/// without a length limit get [`MAX_STRING_LEN`].
pub fn constrain_schema(mut schema: Value) -> Value {
    tighten(&mut schema);
    schema
}

fn tighten(node: &mut Value) {
    let Value::Object(map) = node else {
        if let Value::Array(items) = node {
            items.iter_mut().for_each(tighten);
        }
        return;
    };
    let is_type = |map: &Map<String, Value>, t: &str| match map.get("type") {
        Some(Value::String(s)) => s == t,
        Some(Value::Array(ts)) => ts.iter().any(|v| v == t),
        _ => false,
    };
    if is_type(map, "object") && map.contains_key("properties") && !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    if is_type(map, "string")
        && !map.contains_key("maxLength")
        && !map.contains_key("enum")
        && !map.contains_key("const")
    {
        map.insert("maxLength".into(), json!(MAX_STRING_LEN));
    }
    for (key, child) in map.iter_mut() {
        if matches!(
            key.as_str(),
            "properties" | "items" | "anyOf" | "oneOf" | "allOf" | "additionalProperties" | "$defs" | "definitions"
        ) {
            match child {
                Value::Object(props) if key == "properties" || key == "$defs" || key == "definitions" => {
                    props.values_mut().for_each(tighten);
                }
                other => tighten(other),
            }
        }
    }
}

fn lark_string(s: &str) -> String {
    // A JSON string literal is a valid Lark string literal.
    Value::String(s.to_owned()).to_string()
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '<' || c == '>' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// What the last tokens of a response's budget should do to finish the tool
/// call they are in. The grammar decides what is allowed; this only picks,
/// among allowed tokens, ones that end the call soonest, so a call never
/// runs past the budget half-written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Steer {
    /// No call has begun: start the opening tag.
    OpenTag,
    /// Inside a string: close it (a token of only `"`, `}` and `]`, starting with `"`).
    CloseString,
    /// Inside the call's structure: a token of only closing characters.
    CloseStructure,
}

impl Steer {
    /// Whether a token whose text is `piece` does what this asks.
    pub fn wants(self, piece: &[u8]) -> bool {
        let closing_only = !piece.is_empty()
            && (piece.iter().all(|b| matches!(b, b'"' | b'}' | b']' | b' '))
                || CLOSE.as_bytes().windows(piece.len()).any(|w| w == piece));
        match self {
            Steer::OpenTag => piece.first() == Some(&b'<'),
            Steer::CloseString => piece.first() == Some(&b'"') && closing_only,
            Steer::CloseStructure => closing_only,
        }
    }
}

/// How to finish the call `generated` is in; `None` once the calls are closed.
pub fn steer(generated: &str) -> Option<Steer> {
    let Some(start) = generated.find(OPEN) else {
        return Some(Steer::OpenTag);
    };
    let body = &generated[start + OPEN.len()..];
    match scan_block(body) {
        Block::Closed(_) => None,
        Block::Open { in_string: true } => Some(Steer::CloseString),
        Block::Open { in_string: false } => Some(Steer::CloseStructure),
    }
}

/// Where a tool-call block's body stands.
enum Block {
    /// The closing tag starts at this byte offset, outside any JSON string.
    Closed(usize),
    /// No closing tag yet; whether the text ends inside a string.
    Open { in_string: bool },
}

/// Finds the closing tag outside JSON strings: a model may well write
/// `</tool_call>` inside an argument.
fn scan_block(body: &str) -> Block {
    let bytes = body.as_bytes();
    let (mut in_string, mut escaped) = (false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if bytes[i..].starts_with(CLOSE.as_bytes()) {
            return Block::Closed(i);
        }
    }
    Block::Open { in_string }
}

/// Renders calls as the grammar makes the model write them.
pub fn render_calls(calls: &[&ToolCall], layout: CallLayout) -> String {
    let one = |call: &ToolCall| {
        format!(
            "{{\"name\": {}, \"arguments\": {}}}",
            Value::String(call.name.clone()),
            call.arguments
        )
    };
    match layout {
        CallLayout::Array => {
            let inner: Vec<String> = calls.iter().map(|c| one(c)).collect();
            format!("{OPEN}[{}]{CLOSE}", inner.join(", "))
        }
        CallLayout::Tagged => calls
            .iter()
            .map(|c| format!("{OPEN}\n{}\n{CLOSE}", one(c)))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// A generated response, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    /// The free text (before the first tool-call block, plus anything after it).
    pub text: String,
    /// The calls, each with its arguments as JSON text.
    pub calls: Vec<ParsedCall>,
    /// Tool-call blocks (or calls in them) that could not be read: bad JSON,
    /// no name, arguments that are not an object, a block never closed.
    pub malformed: Vec<Malformed>,
}

/// A tool call that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// What was wrong.
    pub reason: String,
    /// The tool name, when one could be read.
    pub name: Option<String>,
    /// The text as the model wrote it.
    pub raw: String,
}

fn malformed(reason: String, name: Option<String>, raw: &str) -> Malformed {
    Malformed {
        reason,
        name,
        raw: raw.trim().to_owned(),
    }
}

/// One call read from a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCall {
    /// The tool's name.
    pub name: String,
    /// Its arguments, as JSON text.
    pub arguments: String,
}

/// Splits generated text into free text and tool calls. Accepts both
/// layouts (an unconstrained model may write either) and reports every
/// block it cannot read rather than dropping it silently.
pub fn parse(generated: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut rest = generated;
    while let Some(start) = rest.find(OPEN) {
        parsed.text.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let (body, next) = match scan_block(after) {
            Block::Closed(end) => (&after[..end], &after[end + CLOSE.len()..]),
            Block::Open { .. } => {
                let reason = format!("the tool-call block was not closed with {CLOSE}");
                parsed.malformed.push(malformed(reason, None, after));
                ("", "")
            }
        };
        if !body.is_empty() {
            read_block(body, &mut parsed);
        }
        rest = next;
    }
    parsed.text.push_str(rest);
    parsed.text = parsed.text.trim().to_owned();
    parsed
}

/// One call as written, keeping the arguments' bytes as generated (so a
/// re-rendered call matches what the model saw itself write).
#[derive(serde::Deserialize)]
struct RawEntry {
    name: Option<String>,
    arguments: Option<Box<RawValue>>,
    parameters: Option<Box<RawValue>>,
}

fn read_block(body: &str, parsed: &mut Parsed) {
    let body = body.trim();
    let entries: Result<Vec<RawEntry>, _> = if body.starts_with('[') {
        serde_json::from_str(body)
    } else {
        serde_json::from_str(body).map(|one| vec![one])
    };
    let entries = match entries {
        Ok(entries) => entries,
        Err(e) => {
            let reason = format!("the tool call is not valid JSON ({e})");
            parsed.malformed.push(malformed(reason, None, body));
            return;
        }
    };
    for entry in entries {
        let args = entry.arguments.or(entry.parameters);
        match (entry.name, args) {
            (Some(name), Some(args)) if args.get().trim_start().starts_with('{') => parsed.calls.push(ParsedCall {
                name,
                arguments: args.get().to_owned(),
            }),
            (Some(name), Some(args)) => {
                let reason = format!("the arguments of `{name}` are not a JSON object");
                parsed.malformed.push(malformed(reason, Some(name), args.get()));
            }
            (name, _) => {
                let reason = "the tool call lacks a \"name\" or \"arguments\" field".to_owned();
                parsed.malformed.push(malformed(reason, name, body));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_layouts_and_reports_broken_blocks() {
        let p =
            parse("Let me look.\n<tool_call>[{\"name\": \"list_dir\", \"arguments\": {\"path\": \".\"}}]</tool_call>");
        assert_eq!(p.text, "Let me look.");
        assert_eq!(p.calls[0].name, "list_dir");
        assert_eq!(p.calls[0].arguments, r#"{"path": "."}"#);
        let p = parse(
            "<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"b\", \"arguments\": {}}\n</tool_call>",
        );
        assert_eq!(p.calls.len(), 2);
        let p = parse("<tool_call>{\"name\": \"a\", \"arguments\": ");
        assert_eq!(p.calls.len(), 0);
        assert_eq!(p.malformed.len(), 1, "{:?}", p.malformed);
        assert!(p.malformed[0].reason.contains("not closed"));
    }

    #[test]
    fn steering_follows_the_open_structure() {
        assert_eq!(steer("Let me look"), Some(Steer::OpenTag));
        let in_string = "<tool_call>[{\"name\": \"shell\", \"arguments\": {\"command\": \"ls -";
        assert_eq!(steer(in_string), Some(Steer::CloseString));
        let escaped = "<tool_call>[{\"name\": \"a\", \"arguments\": {\"x\": \"q\\\"\"}";
        assert_eq!(steer(escaped), Some(Steer::CloseStructure));
        assert_eq!(
            steer("<tool_call>[{\"name\": \"a\", \"arguments\": {}}]</tool_call>"),
            None
        );
        let tag_in_a_string = "<tool_call>[{\"name\": \"a\", \"arguments\": {\"x\": \"}]</tool_call> more";
        assert_eq!(steer(tag_in_a_string), Some(Steer::CloseString));
        let p = parse(&format!("{tag_in_a_string}\"}}}}]</tool_call>"));
        assert_eq!(p.calls.len(), 1, "{p:?}");
        assert_eq!(p.calls[0].arguments, "{\"x\": \"}]</tool_call> more\"}");
        assert!(Steer::CloseString.wants(b"\"}"));
        assert!(
            !Steer::CloseString.wants(b"\","),
            "a comma goes on to the next argument"
        );
        assert!(!Steer::CloseStructure.wants(b"}, {"), "nor to the next call");
        assert!(Steer::CloseStructure.wants(b"</"));
    }

    #[test]
    fn tightened_schema_bounds_strings_and_closes_objects() {
        let s = constrain_schema(json!({
            "type": "object",
            "properties": {"cmd": {"type": "string"}, "mode": {"type": "string", "enum": ["a"]}},
        }));
        assert_eq!(s["additionalProperties"], json!(false));
        assert_eq!(s["properties"]["cmd"]["maxLength"], json!(MAX_STRING_LEN));
        assert!(s["properties"]["mode"].get("maxLength").is_none());
    }
}

/// The grammar checked byte by byte with llguidance's own matcher: what it
/// must accept and what it must refuse.
#[cfg(all(test, feature = "engine"))]
mod grammar_tests {
    use super::*;
    use llguidance::api::TopLevelGrammar;
    use llguidance::toktrie::ApproximateTokEnv;
    use llguidance::{Matcher, ParserFactory};

    fn tools() -> Vec<ToolSpec> {
        let spec = |name: &str, parameters: Value| ToolSpec {
            namespace: None,
            name: name.into(),
            description: format!("{name} tool"),
            parameters,
            format: Default::default(),
        };
        vec![
            spec(
                "list_dir",
                json!({"type": "object", "properties": {"path": {"type": "string"}, "depth": {"type": "integer"}}}),
            ),
            spec(
                "shell",
                json!({"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}),
            ),
        ]
    }

    /// Whether the whole of `text` is a complete sentence of `grammar`.
    fn accepts(grammar: &str, text: &str) -> bool {
        let env = ApproximateTokEnv::single_byte_env();
        let mut factory = match ParserFactory::new_simple(&env) {
            Ok(f) => f,
            Err(e) => panic!("factory: {e}"),
        };
        factory.quiet();
        let mut matcher = Matcher::new(factory.create_parser(TopLevelGrammar::from_lark(grammar.to_owned())));
        assert_eq!(matcher.get_error(), None, "grammar does not compile:\n{grammar}");
        let tokens = env.tokenize_bytes(text.as_bytes());
        let consumed = matcher.try_consume_tokens(&tokens).unwrap_or(0);
        consumed == tokens.len() && matcher.is_accepting().unwrap_or(false)
    }

    #[test]
    fn auto_accepts_text_or_well_formed_calls_and_nothing_else() {
        for layout in [CallLayout::Array, CallLayout::Tagged] {
            let g = grammar(&tools(), layout, Choice::Auto).unwrap_or_default();
            let call = |args: &str| {
                let c = ToolCall {
                    call_id: "c".into(),
                    name: "list_dir".into(),
                    arguments: args.into(),
                };
                render_calls(&[&c], layout)
            };
            assert!(accepts(&g, "Plain answer, with < and > and {braces}."));
            assert!(accepts(&g, ""));
            assert!(accepts(
                &g,
                &format!("Looking.\n{}", call(r#"{"path": "src", "depth": 2}"#))
            ));
            assert!(accepts(&g, &call("{}")));
            // What constrained decoding rules out:
            assert!(!accepts(&g, "<tool_call>ls -la</tool_call>"), "free text after the tag");
            assert!(!accepts(&g, &call(r#"{"path": 3}"#)), "wrong argument type");
            assert!(!accepts(&g, &call(r#"{"colour": "red"}"#)), "unknown argument");
            assert!(
                !accepts(&g, &call(r#"{"path":"src"}"#)),
                "layout other than the rendered one"
            );
            assert!(
                !accepts(&g, &format!("{} and then more text", call("{}"))),
                "text after the calls"
            );
            let unknown = call("{}").replace("list_dir", "rm_everything");
            assert!(!accepts(&g, &unknown), "a tool that was not offered");
        }
    }

    #[test]
    fn required_takes_one_line_then_a_call() {
        let g = grammar(&tools(), CallLayout::Array, Choice::Required).unwrap_or_default();
        let c = ToolCall {
            call_id: "c".into(),
            name: "shell".into(),
            arguments: r#"{"command": "cargo test"}"#.into(),
        };
        let calls = render_calls(&[&c], CallLayout::Array);
        assert!(accepts(&g, &format!("I'll run the tests.\n{calls}")));
        assert!(accepts(&g, &calls));
        assert!(!accepts(&g, "I'll just answer."), "text alone");
        assert!(
            !accepts(&g, &format!("Two\nlines.\n{calls}")),
            "a preamble of two lines"
        );
        let missing = calls.replace(r#""command": "cargo test""#, "");
        assert!(!accepts(&g, &missing), "a required argument left out");
    }
}
