//! All files of a patch apply or none do, and no temp file is left behind.

use crate::support::Sandbox;

/// Sorted by path, as `Sandbox::files` lists them.
const SEED: &[(&str, &str)] = &[
    ("gone.txt", "g\n"),
    ("one.txt", "1\n"),
    ("three.txt", "3\n"),
    ("two.txt", "2\n"),
];

#[test]
fn a_failing_third_file_leaves_the_first_two_untouched() {
    let third_fails = [
        "*** Update File: three.txt\n-not there\n+x",
        "*** Delete File: missing.txt",
        "*** Add File: three.txt/x\n+x",
        "*** Update File: missing.txt\n-3\n+x",
        "*** Delete File: ../three.txt",
    ];
    for third in third_fails {
        let sandbox = Sandbox::with(SEED);
        let before = sandbox.everything();
        let patch = format!(
            "*** Begin Patch\n*** Update File: one.txt\n-1\n+one\n*** Add File: new/two.txt\n+2\n*** Delete File: gone.txt\n{third}\n*** End Patch"
        );

        let error = sandbox.apply(&patch);

        assert!(error.is_err(), "{third}: applied");
        assert_eq!(sandbox.files(), crate::support::owned(SEED), "{third}");
        assert_eq!(sandbox.everything(), before, "{third}");
    }
}

#[test]
fn a_successful_patch_leaves_no_temp_files() {
    let sandbox = Sandbox::with(SEED);
    let patch = "*** Begin Patch\n*** Update File: one.txt\n-1\n+one\n*** Update File: two.txt\n*** Move to: deep/er/two.txt\n*** Delete File: gone.txt\n*** End Patch";

    sandbox.apply(patch).unwrap();

    let mut expected = vec![
        "outside",
        "root",
        "root/deep",
        "root/deep/er",
        "root/deep/er/two.txt",
        "root/one.txt",
        "root/three.txt",
    ];
    expected.sort();
    assert_eq!(sandbox.everything(), expected);
}
