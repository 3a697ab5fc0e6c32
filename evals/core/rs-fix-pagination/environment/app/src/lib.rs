//! Pagination for the admin UI's tables. Pages are numbered from 1; a page
//! is the half-open range of item indices it shows.

use std::ops::Range;

/// How many pages `total` items fill at `per_page` items a page; the last
/// page may be partly full. No page size means no pages.
pub fn page_count(total: usize, per_page: usize) -> usize {
    if per_page == 0 {
        return 0;
    }
    total / per_page
}

/// The items page `number` shows, or `None` when there is no such page.
pub fn page(total: usize, per_page: usize, number: usize) -> Option<Range<usize>> {
    if number > page_count(total, per_page) {
        return None;
    }
    let start = number * per_page;
    Some(start..start + per_page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_page_size_no_pages() {
        assert_eq!(page_count(10, 0), 0);
        assert_eq!(page(10, 0, 1), None);
    }
}
