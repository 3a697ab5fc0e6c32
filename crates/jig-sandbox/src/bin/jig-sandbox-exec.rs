//! Test-only stand-in for `jig __sandbox-exec` and `jig __sandbox-view`: the
//! integration tests cannot run the `jig` binary, so they run the same
//! helpers through this one.
//! Usage: `jig-sandbox-exec __sandbox-exec <policy-json> -- PROGRAM ARGS...`
//! or `jig-sandbox-exec __sandbox-view <view-json> -- PROGRAM ARGS...`,
//! exactly the argv that `jig_sandbox::wrap_command` and
//! `jig_sandbox::wrap_in_view` build.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let code = match args.get(1) {
        Some(sub) if sub == jig_sandbox::HELPER_SUBCOMMAND => jig_sandbox::helper_main(&args[2..]),
        Some(sub) if sub == jig_sandbox::VIEW_SUBCOMMAND => jig_sandbox::view_main(&args[2..]),
        _ => {
            eprintln!(
                "usage: jig-sandbox-exec {} <policy-json> -- PROGRAM [ARGS...]\n       jig-sandbox-exec {} <view-json> -- PROGRAM [ARGS...]",
                jig_sandbox::HELPER_SUBCOMMAND,
                jig_sandbox::VIEW_SUBCOMMAND
            );
            jig_sandbox::EXIT_SETUP_FAILED
        }
    };
    std::process::exit(code);
}
