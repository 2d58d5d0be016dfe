//! A stable insertion sort for the few short lists the Worker orders (waiting calls, knowledge
//! workers to offer a call to, the ended calls a queue keeps, and the agents' token digests
//! checked once at load for duplicates — each request already compares every agent's digest).
//!
//! The standard library's sorts (driftsort, ipnsort) are fast on long slices but each
//! instantiation brings kilobytes of wasm; the Worker had four of them (~18 KB before
//! wasm-opt, 7.2 KB of its gzip) for slices of tens, at most a few hundred, items. Insertion
//! sort is a few dozen bytes, stable like `sort_by`, and quadratic only in what these lists
//! never reach.

use std::cmp::Ordering;

/// Sorts `v` stably by `cmp` (equal items keep their order), as `slice::sort_by` does.
pub(crate) fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && cmp(&v[j - 1], &v[j]) == Ordering::Greater {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// [`sort_by`] on a key.
pub(crate) fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_as_the_standard_stable_sort_does() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in [0, 1, 2, 3, 7, 31, 200] {
            // (key, original position): equal keys must keep their order.
            let mut v: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    ((x % 9) as u8, i)
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_by_key(|p| p.0);
            sort_by_key(&mut v, |p| p.0);
            assert_eq!(v, expected, "len {len}");
        }
        let mut words = vec!["b", "a", "c", "a"];
        sort_by(&mut words, |a, b| b.cmp(a));
        assert_eq!(words, ["c", "b", "a", "a"]);
    }
}
