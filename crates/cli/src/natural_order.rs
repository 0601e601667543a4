//! `sortorder.NaturalLess`, which docker sorts volume names with: runs of digits compare as
//! numbers (`vol9` before `vol10`), digits before other bytes, everything else bytewise.

use std::cmp::Ordering;

/// The order of `a` and `b` under `NaturalLess`.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    if natural_less(a, b) {
        Ordering::Less
    } else if natural_less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

fn natural_less(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (ca, cb) = (a[i], b[j]);
        let (da, db) = (ca.is_ascii_digit(), cb.is_ascii_digit());
        if da != db {
            return da;
        }
        if !da {
            if ca != cb {
                return ca < cb;
            }
            i += 1;
            j += 1;
            continue;
        }
        // Both at a number: skip leading zeros, then compare lengths, then digits.
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let (start_a, start_b) = (i, j);
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let (len_a, len_b) = (i - start_a, j - start_b);
        if len_a != len_b {
            return len_a < len_b;
        }
        let (num_a, num_b) = (&a[start_a..i], &b[start_b..j]);
        if num_a != num_b {
            return num_a < num_b;
        }
        // Same value: fewer leading zeros first.
        if start_a != start_b {
            return start_a < start_b;
        }
    }
    a.len() < b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        let mut names = vec!["myvol10", "labeled", "myvol9", "a", "1x", "myvol09", "B"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            ["1x", "B", "a", "labeled", "myvol9", "myvol09", "myvol10"]
        );
        assert_eq!(natural_cmp("x", "x"), Ordering::Equal);
        assert_eq!(natural_cmp("x", "x1"), Ordering::Less);
    }
}
