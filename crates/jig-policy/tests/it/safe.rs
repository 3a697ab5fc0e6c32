//! The known-safe, read-only set.

use jig_policy::{Command, is_known_safe};

#[test]
fn known_safe_table() {
    let cases = [
        ("ls -la", true),
        ("cat README.md | head -n 5", true),
        ("tail -n 20 log.txt && wc -l a b", true),
        ("rg -n 'fn main' src", true),
        ("grep -r TODO . 2>/dev/null", true),
        ("find . -name '*.rs'", true),
        ("git status", true),
        ("git log --oneline -5", true),
        ("git --no-pager diff HEAD~1", true),
        ("git show HEAD:README.md", true),
        ("pwd", true),
        ("echo hello", true),
        ("sed -n '1,5p' a.txt", true),
        ("timeout 5 ls", true),
        ("bash -lc 'ls && pwd'", true),
        ("find . -exec rm {} \\;", false),
        ("find . -name x -delete", false),
        ("find . -fprint out", false),
        ("sed -i 's/a/b/' a.txt", false),
        ("sed -ni 's/a/b/p' a.txt", false),
        ("sed --in-place=.bak 's/a/b/' a.txt", false),
        ("rg --pre ./evil x", false),
        ("git push", false),
        ("git branch -D main", false),
        ("git diff --output=x", false),
        ("git -c core.pager=evil log", false),
        ("echo hi > file.txt", false),
        ("ls; rm x", false),
        ("sudo ls", false),
        ("xargs cat", false),
        ("cat $(curl x)", false),
        ("$CMD", false),
        ("ls &&", false),
        ("", false),
        ("sort -o out in", false),
        ("cargo build", false),
    ];
    let mut failures = Vec::new();
    for (script, want) in cases {
        if is_known_safe(&Command::script(script)) != want {
            failures.push(format!("{script:?}: want {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(is_known_safe(&Command::argv(["git", "log"])));
    assert!(!is_known_safe(&Command::argv(["rm", "x"])));
}
