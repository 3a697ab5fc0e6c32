//! Hidden tests for top_words, compiled with the crate's lib.rs as a module.

#[path = "/app/src/lib.rs"]
#[allow(dead_code)]
mod wordstats;

use std::time::Instant;

use wordstats::top_words;

fn owned(pairs: &[(&str, usize)]) -> Vec<(String, usize)> {
    pairs.iter().map(|(w, c)| (w.to_string(), *c)).collect()
}

#[test]
fn most_frequent_first_ties_alphabetical() {
    let text = "the cat and the hat and THE bat";
    assert_eq!(top_words(text, 3), owned(&[("the", 3), ("and", 2), ("bat", 1)]));
    assert_eq!(top_words(text, 10).len(), 5);
    assert_eq!(top_words(text, 10)[4], ("hat".to_string(), 1));
}

#[test]
fn words_as_the_crate_splits_them() {
    assert_eq!(top_words("Don't stop. don't STOP, don't", 2), owned(&[("don't", 3), ("stop", 2)]));
    assert_eq!(top_words("Éclair éclair zèbre", 1), owned(&[("éclair", 2)]));
}

#[test]
fn empty_cases() {
    assert!(top_words("", 3).is_empty());
    assert!(top_words("42 -- !!", 3).is_empty());
    assert!(top_words("some words here", 0).is_empty());
}

#[test]
fn large_text_is_fast() {
    // 20 000 distinct words: "w" followed by the index spelt with letters.
    let vocabulary: Vec<String> = (0..20_000u32)
        .map(|i| {
            let letters: String = i.to_string().bytes().map(|d| char::from(b'a' + (d - b'0'))).collect();
            format!("w{letters}")
        })
        .collect();
    let mut text = String::with_capacity(4_000_000);
    let mut state: u64 = 12345;
    for _ in 0..400_000 {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let index = ((state >> 33) % 20_000) as usize;
        text.push_str(&vocabulary[index]);
        text.push(' ');
    }
    text.push_str(&"zebra ".repeat(50_000));
    let start = Instant::now();
    let top = top_words(&text, 5);
    let elapsed = start.elapsed();
    assert_eq!(top[0], ("zebra".to_string(), 50_000));
    assert_eq!(top.len(), 5);
    assert!(top.windows(2).all(|w| w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0)));
    assert!(elapsed.as_secs_f64() < 10.0, "took {elapsed:?}");
}
