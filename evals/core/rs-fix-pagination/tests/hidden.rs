//! Hidden tests for page_count and page, compiled with the crate's lib.rs as a module.

#[path = "/app/src/lib.rs"]
#[allow(dead_code)]
mod paging;

use paging::{page, page_count};

#[test]
fn counts_include_the_partial_page() {
    assert_eq!(page_count(45, 10), 5);
    assert_eq!(page_count(40, 10), 4);
    assert_eq!(page_count(1, 10), 1);
    assert_eq!(page_count(0, 10), 0);
    assert_eq!(page_count(10, 0), 0);
    assert_eq!(page_count(usize::MAX, 1), usize::MAX);
    assert_eq!(page_count(usize::MAX, 2), usize::MAX / 2 + 1);
}

#[test]
fn pages_are_numbered_from_one_and_clamped() {
    assert_eq!(page(45, 10, 1), Some(0..10));
    assert_eq!(page(45, 10, 2), Some(10..20));
    assert_eq!(page(45, 10, 5), Some(40..45));
    assert_eq!(page(40, 10, 4), Some(30..40));
    assert_eq!(page(3, 1, 3), Some(2..3));
}

#[test]
fn missing_pages_are_none() {
    assert_eq!(page(45, 10, 0), None);
    assert_eq!(page(45, 10, 6), None);
    assert_eq!(page(40, 10, 5), None);
    assert_eq!(page(0, 10, 1), None);
    assert_eq!(page(10, 0, 1), None);
    assert_eq!(page(10, 3, usize::MAX), None);
}

#[test]
fn every_item_on_exactly_one_page() {
    for total in 0..40 {
        for per_page in 1..12 {
            let mut next = 0;
            for number in 1..=page_count(total, per_page) {
                let range = page(total, per_page, number).expect("a counted page exists");
                assert_eq!(range.start, next, "total {total}, per_page {per_page}, page {number}");
                assert!(!range.is_empty() && range.len() <= per_page);
                next = range.end;
            }
            assert_eq!(next, total, "total {total}, per_page {per_page}");
        }
    }
}
