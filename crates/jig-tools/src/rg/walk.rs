//! The directory walk of jig's `rg`: ripgrep's own walker settings.
//!
//! Invariant: the same files in the same order as `rg --sort path` — ignore
//! rules exactly as ripgrep applies them (`.gitignore`, `.git/info/exclude`
//! and the global git ignore only inside a git repository unless
//! `--no-require-git`; `.ignore` and `.rgignore` everywhere; parent
//! directories' files too), hidden entries skipped unless `--hidden` or a
//! `-g` glob whitelists them, and each directory's entries sorted by name.
//! Nothing is added on top: with `--hidden`, `.git` is searched, as ripgrep
//! does.

use std::path::Path;

use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;
use ignore::types::TypesBuilder;

use super::args::Args;

/// The walker for one root (an absolute path); `cwd` anchors `-g` globs.
pub(super) fn walker(args: &Args, cwd: &Path, root: &Path) -> Result<ignore::Walk, String> {
    let ignore = !args.no_ignore;
    let mut builder = WalkBuilder::new(root);
    builder
        .max_depth(args.max_depth)
        .follow_links(args.follow)
        .overrides(overrides(args, cwd)?)
        .types(types(args)?)
        .hidden(!args.hidden)
        .parents(ignore)
        .ignore(ignore)
        .git_global(ignore)
        .git_ignore(ignore)
        .git_exclude(ignore)
        .require_git(args.require_git)
        .current_dir(cwd)
        .sort_by_file_name(|a, b| a.cmp(b));
    if ignore {
        builder.add_custom_ignore_filename(".rgignore");
    }
    Ok(builder.build())
}

fn overrides(args: &Args, cwd: &Path) -> Result<ignore::overrides::Override, String> {
    let mut overrides = OverrideBuilder::new(cwd);
    for glob in &args.globs {
        overrides.add(glob).map_err(|e| format!("invalid glob {glob}: {e}"))?;
    }
    overrides.case_insensitive(true).map_err(|e| e.to_string())?;
    for glob in &args.iglobs {
        overrides.add(glob).map_err(|e| format!("invalid glob {glob}: {e}"))?;
    }
    overrides.build().map_err(|e| e.to_string())
}

fn types(args: &Args) -> Result<ignore::types::Types, String> {
    let mut types = TypesBuilder::new();
    types.add_defaults();
    for name in &args.types {
        types.select(name);
    }
    for name in &args.types_not {
        types.negate(name);
    }
    types.build().map_err(|e| e.to_string())
}
