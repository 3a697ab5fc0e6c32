//! The directory walk of jig's `rg`: ripgrep's own walker settings.
//!
//! Invariant: the files ripgrep searches, and no others — ignore rules
//! exactly as ripgrep applies them (`.gitignore`, `.git/info/exclude` and
//! the global git ignore only inside a git repository unless
//! `--no-require-git`; `.ignore` and `.rgignore` everywhere; parent
//! directories' files too), hidden entries skipped unless `--hidden` or a
//! `-g` glob whitelists them. The sequential walk sorts each directory's
//! entries by name (the order of `rg --sort path`); the parallel walk is
//! ripgrep's multi-threaded one and has no order. Nothing is added on top:
//! with `--hidden`, `.git` is searched, as ripgrep does.

use std::path::{Path, PathBuf};

use ignore::overrides::OverrideBuilder;
use ignore::types::TypesBuilder;
use ignore::{DirEntry, WalkBuilder, WalkParallel};

use super::args::Args;

/// A path argument to walk.
pub(super) struct Root {
    /// The path joined onto the working directory, `.` segments dropped
    /// (they would keep `-g` globs, anchored there, from matching).
    pub abs: PathBuf,
    /// The path as the user wrote it; `None` for the working directory
    /// searched by default.
    pub given: Option<PathBuf>,
}

/// A path argument, resolved against the working directory.
pub(super) enum Target {
    /// `-`: standard input.
    Stdin,
    /// A path that names nothing, as the user wrote it.
    Missing(PathBuf),
    /// A file or directory.
    Walk(Root),
}

/// One step of a parallel run: roots walked together, or standard input
/// (searched on the calling thread, which owns the reader).
pub(super) enum Step {
    Stdin,
    Missing(PathBuf),
    Walk(Vec<Root>),
}

/// The sorted, single-threaded walker for one root.
pub(super) fn sorted(args: &Args, cwd: &Path, root: &Root) -> Result<ignore::Walk, String> {
    let mut builder = builder(args, cwd, std::slice::from_ref(root))?;
    builder.sort_by_file_name(|a, b| a.cmp(b));
    Ok(builder.build())
}

/// The multi-threaded walker over `roots`, with ripgrep's thread count.
pub(super) fn parallel(args: &Args, cwd: &Path, roots: &[Root]) -> Result<WalkParallel, String> {
    Ok(builder(args, cwd, roots)?.build_parallel())
}

/// ripgrep's walker settings over `roots` (at least one); `cwd` anchors
/// `-g` globs.
fn builder(args: &Args, cwd: &Path, roots: &[Root]) -> Result<WalkBuilder, String> {
    let ignore = !args.no_ignore;
    let mut paths = roots.iter().map(|root| root.abs.as_path());
    let mut builder = WalkBuilder::new(paths.next().unwrap_or(cwd));
    for path in paths {
        builder.add(path);
    }
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
        .current_dir(cwd);
    if ignore {
        builder.add_custom_ignore_filename(".rgignore");
    }
    Ok(builder)
}

/// Whether a walked entry is searched, and if so whether the user named it:
/// named entries that are not directories always are (symlinks included),
/// others only when they are files.
pub(super) fn searchable(entry: &DirEntry) -> Option<bool> {
    let file_type = entry.file_type()?;
    if entry.depth() == 0 {
        let is_dir = file_type.is_dir() || (entry.path_is_symlink() && entry.path().is_dir());
        return (!is_dir).then_some(true);
    }
    file_type.is_file().then_some(false)
}

/// The path as ripgrep prints it: the root as the user wrote it, joined with
/// the path below it; relative to the working directory when no root was
/// given.
pub(super) fn shown_path(root: &Root, path: &Path) -> PathBuf {
    let rel = path.strip_prefix(&root.abs).unwrap_or(path);
    match &root.given {
        None => rel.to_path_buf(),
        Some(given) if rel.as_os_str().is_empty() => given.clone(),
        Some(given) => given.join(rel),
    }
}

/// The root among `roots` an entry of a parallel walk came from: the walker
/// builds every path by joining names onto its root, so the root is the
/// path `depth` levels up. `roots` holds no two equal paths.
pub(super) fn root_of<'r>(roots: &'r [Root], entry: &DirEntry) -> Option<&'r Root> {
    let top = entry.path().ancestors().nth(entry.depth())?;
    roots.iter().find(|root| root.abs == top)
}

/// A path argument as the walk sees it; `given` is `None` for the working
/// directory searched by default.
pub(super) fn target(cwd: &Path, given: Option<&PathBuf>) -> Target {
    // Collecting the components drops `.` segments, which would keep `-g`
    // globs (anchored at `cwd`) from matching.
    let abs: PathBuf = match given {
        Some(path) => cwd.join(path).components().collect(),
        None => cwd.to_path_buf(),
    };
    if std::fs::symlink_metadata(&abs).is_err() {
        return Target::Missing(given.cloned().unwrap_or_else(|| PathBuf::from(".")));
    }
    Target::Walk(Root {
        abs,
        given: given.cloned(),
    })
}

/// Groups the targets of a parallel run: consecutive roots are walked
/// together unless one repeats (its files are printed under each name, so
/// each walk must know its own root).
pub(super) fn steps(targets: Vec<Target>) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut group: Vec<Root> = Vec::new();
    for target in targets {
        match target {
            Target::Walk(root) => {
                if group.iter().any(|other| other.abs == root.abs) {
                    steps.push(Step::Walk(std::mem::take(&mut group)));
                }
                group.push(root);
            }
            other => {
                if !group.is_empty() {
                    steps.push(Step::Walk(std::mem::take(&mut group)));
                }
                steps.push(match other {
                    Target::Stdin => Step::Stdin,
                    Target::Missing(name) => Step::Missing(name),
                    Target::Walk(_) => continue,
                });
            }
        }
    }
    if !group.is_empty() {
        steps.push(Step::Walk(group));
    }
    steps
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
