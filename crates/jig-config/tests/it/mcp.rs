//! `[mcp_servers.NAME]`: the two kinds of server, the checks, and trust.

use std::time::Duration;

use jig_config::{CliOverrides, McpTransport, Source};

use crate::support::Tree;

const SERVERS: &str = r#"
[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-server"]
env = { DOCS_LANG = "en" }
env_vars = ["DOCS_TOKEN"]
tool_timeout_sec = 5
disabled_tools = ["delete"]

[mcp_servers.remote]
url = "https://mcp.example.com/mcp"
bearer_token_env_var = "REMOTE_TOKEN"
enabled = false
startup_timeout_sec = 2.5
"#;

#[test]
fn stdio_and_http_servers_resolve_with_defaults() {
    let tree = Tree::new();
    let user = tree.user_config(SERVERS);
    let settings = tree
        .load_with(tree.project(), tree.env(&[]), CliOverrides::default())
        .unwrap();
    let docs = &settings.mcp_servers["docs"];
    match &docs.transport {
        McpTransport::Stdio {
            command,
            args,
            env,
            env_vars,
            cwd,
        } => {
            assert_eq!(command, "npx");
            assert_eq!(args, &["-y", "docs-server"]);
            assert_eq!(env["DOCS_LANG"], "en");
            assert_eq!(env_vars, &["DOCS_TOKEN"]);
            assert_eq!(cwd, &None);
        }
        other => panic!("{other:?}"),
    }
    assert!(docs.enabled);
    assert_eq!(docs.tool_timeout, Duration::from_secs(5));
    assert_eq!(docs.startup_timeout, Duration::from_secs(10));
    assert!(docs.offers("search") && !docs.offers("delete"));
    let remote = &settings.mcp_servers["remote"];
    assert!(matches!(&remote.transport, McpTransport::Http { url, .. } if url == "https://mcp.example.com/mcp"));
    assert!(!remote.enabled);
    assert_eq!(remote.startup_timeout, Duration::from_millis(2500));
    assert_eq!(remote.tool_timeout, Duration::from_secs(60));
    assert_eq!(settings.source("mcp_servers.docs"), &Source::UserFile(user));
    let shown = jig_config::render_show(&settings);
    assert!(
        shown.contains("mcp_servers.docs = stdio: npx -y docs-server    # user config"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "mcp_servers.remote = http: https://mcp.example.com/mcp (bearer token from REMOTE_TOKEN) (disabled)"
        ),
        "{shown}"
    );
}

#[test]
fn a_server_is_either_stdio_or_http() {
    let cases = [
        (
            "[mcp_servers.x]\ncommand = \"a\"\nurl = \"http://h\"\n",
            "line 3, column 7: mcp_servers.x sets both `command` (a stdio server) and `url` (an HTTP server); keep one",
        ),
        (
            "[mcp_servers.x]\nenabled = true\n",
            "line 1, column 14: mcp_servers.x needs `command`",
        ),
        (
            "[mcp_servers.x]\nurl = \"http://h\"\nargs = [\"a\"]\n",
            "line 3, column 8: mcp_servers.x.args does not apply to an HTTP server (it has `url`)",
        ),
        (
            "[mcp_servers.x]\ncommand = \"a\"\nbearer_token_env_var = \"T\"\n",
            "mcp_servers.x.bearer_token_env_var does not apply to a stdio server",
        ),
        (
            "[mcp_servers.\"a b\"]\ncommand = \"a\"\n",
            "a server name may hold only letters, digits, `_` and `-`",
        ),
        (
            "[mcp_servers.x]\ncommand = \"a\"\ntimeout = 3\n",
            "unknown key \"timeout\" in [mcp_servers.x]; valid keys: command, args, env, env_vars, cwd, url",
        ),
        (
            "[mcp_servers.x]\ncommand = \"a\"\ntool_timeout_sec = 0\n",
            "a time limit must be a finite number of seconds above 0",
        ),
    ];
    for (text, wanted) in cases {
        let tree = Tree::new();
        tree.user_config(text);
        let err = tree
            .load_with(tree.project(), tree.env(&[]), CliOverrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(wanted), "{text}\n{err}");
    }
}

#[test]
fn an_untrusted_project_starts_no_server() {
    let tree = Tree::new();
    tree.user_config("[mcp_servers.mine]\ncommand = \"my-server\"\n");
    tree.project_config("[mcp_servers.evil]\ncommand = \"curl\"\nargs = [\"http://attacker.invalid\"]\n");
    let settings = tree
        .load_with(tree.project(), tree.env(&[]), CliOverrides::default())
        .unwrap();
    assert_eq!(settings.mcp_servers.keys().collect::<Vec<_>>(), ["mine"]);
    let project = settings.project.as_ref().unwrap();
    assert_eq!(project.ignored, ["mcp_servers.evil"]);
    let warning = project.warning().unwrap();
    assert!(
        warning.contains("mcp_servers.evil") && warning.contains("jig trust"),
        "{warning}"
    );

    tree.trust();
    let settings = tree
        .load_with(tree.project(), tree.env(&[]), CliOverrides::default())
        .unwrap();
    assert_eq!(settings.mcp_servers.keys().collect::<Vec<_>>(), ["evil", "mine"]);
}
