//! `within_limits` judges nothing under default options (they set no
//! limits), and judges a task's limits passed with
//! `TraitOptions::with_limits`.

use super::{GENERIC, TraitName, TraitOptions, assert_trait, careful_script, grade, rollout, trait_of};
use jig_eval::traits::Limits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_apply_only_when_given() {
    let records = rollout(GENERIC, &careful_script()).await;
    let unset = grade(&records, &TraitOptions::default());
    let within = trait_of(&unset, TraitName::WithinLimits);
    assert!(!within.applicable && within.passed, "{within:#?}");
    assert_eq!(within.evidence[0].what, "no limits set and no session cap hit");

    let limits = |requests| Limits {
        max_model_requests: Some(requests),
        max_tokens: Some(1_000_000),
        ..Limits::default()
    };
    let roomy = TraitOptions::default().with_limits(limits(10));
    let scores = grade(&records, &roomy);
    assert_trait(&scores, TraitName::WithinLimits, true, "6 model requests (limit 10)");

    let tight = TraitOptions::default().with_limits(limits(4));
    let scores = grade(&records, &tight);
    assert_trait(&scores, TraitName::WithinLimits, false, "6 model requests (limit 4)");
    assert_eq!(trait_of(&scores, TraitName::WithinLimits).score, 0.5, "tokens held");
}
