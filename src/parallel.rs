//! Deterministic data parallelism.
//!
//! Rows are cut into chunks whose size depends on the data's shape only, each chunk's work
//! (labels, partial sums) is done by one task, and the per-chunk results come back in chunk
//! order to be merged in that order. So a fit gives bit-identical results with the `rayon`
//! feature on or off, in any thread pool, on any number of threads.
//!
//! A leaf: it knows shapes, not kernels. Chunks are whole multiples of [`CHUNK_ALIGN`] rows,
//! which the assignment driver checks is a whole number of kernel tiles.

/// Rows per chunk are a multiple of this (64: one kernel tile, checked where both meet, in
/// `assign.rs`). The chunk grid decides the order of the f64 inertia sum, so changing it
/// changes results.
pub(crate) const CHUNK_ALIGN: usize = 64;

/// Rows per chunk for data of this shape. Every chunk keeps its own `k × (d + 1)` 8-byte
/// partial sums (and counts), allocated and zeroed each iteration, so the chunk count is capped
/// to keep those within [`PARTIAL_BUDGET`] (8 MiB) in total, and at 256 chunks (plenty to
/// balance any thread count we target), but never below 4 chunks (parallelism): so the total is
/// at most `max(8 MiB, 4 × one chunk's sums)`, the second only when one chunk's sums exceed
/// 2 MiB (tested by `partial_sums_stay_within_the_stated_bound`). Chunks are whole multiples of
/// [`CHUNK_ALIGN`] rows (at least 16 of them). Saturating arithmetic: any `k × d`, however
/// large, gives the maximal cap instead of wrapping.
pub(crate) fn chunk_rows(n_rows: usize, k: usize, n_features: usize) -> usize {
    let partial_bytes = k
        .saturating_mul(n_features.saturating_add(1))
        .saturating_mul(8)
        .max(1);
    let max_chunks = (PARTIAL_BUDGET / partial_bytes).clamp(MIN_CHUNKS, 256);
    let rows = n_rows.div_ceil(max_chunks).max(16 * CHUNK_ALIGN);
    rows.div_ceil(CHUNK_ALIGN).saturating_mul(CHUNK_ALIGN)
}

/// The total the chunks' partial sums are kept within, when one chunk's fit 4 times in it.
pub(crate) const PARTIAL_BUDGET: usize = 8 << 20;
/// Chunks at least (when there are enough rows), whatever the partial sums' size.
const MIN_CHUNKS: usize = 4;

/// Whether work of `flops` is big enough to be worth spreading over threads. Only speed
/// depends on this, never results.
pub(crate) fn worth_parallel(flops: usize) -> bool {
    cfg!(feature = "rayon") && flops >= 1 << 20
}

/// Maps `f` over `items`, in parallel when `parallel` is set and the `rayon` feature is on, and
/// returns the results in the items' order.
pub(crate) fn map_ordered<I, R, F>(items: Vec<I>, parallel: bool, f: F) -> Vec<R>
where
    I: Send,
    R: Send,
    F: Fn(I) -> R + Sync + Send,
{
    #[cfg(feature = "rayon")]
    if parallel && items.len() > 1 {
        use rayon::prelude::*;
        return items.into_par_iter().map(f).collect();
    }
    let _ = parallel;
    items.into_iter().map(f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_aligned_and_bounded_in_number() {
        for &(n, k, d) in &[
            (10, 3, 2),
            (1_000_000, 100, 32),
            (200_000, 256, 64),
            (20_000, 1000, 128),
        ] {
            let c = chunk_rows(n, k, d);
            assert_eq!(c % CHUNK_ALIGN, 0);
            assert!(n.div_ceil(c) <= 256);
        }
    }

    #[test]
    fn partial_sums_stay_within_the_stated_bound() {
        // The bound DESIGN.md states: at most max(8 MiB, 4 × one chunk's sums), 8 MiB whenever
        // one chunk's sums are at most 2 MiB; no overflow for any k × d.
        for &(n, k, d) in &[
            (1_000_000, 100, 32),
            (10_000_000, 1000, 300),
            (10_000_000, 10_000, 1000),
            (1 << 30, 1 << 16, 1 << 12),
            (1 << 20, 3, 1 << 20),
            (usize::MAX / 2, usize::MAX / 2, usize::MAX),
        ] {
            let c = chunk_rows(n, k, d);
            let chunks = n.div_ceil(c);
            let one = k.saturating_mul(d.saturating_add(1)).saturating_mul(8);
            let total = chunks.saturating_mul(one);
            assert!(chunks <= 256 && c.is_multiple_of(CHUNK_ALIGN), "{n} {k} {d}");
            if one <= PARTIAL_BUDGET / MIN_CHUNKS {
                assert!(total <= PARTIAL_BUDGET, "{n} {k} {d}: {total}");
            } else {
                assert!(chunks <= MIN_CHUNKS, "{n} {k} {d}: {chunks} chunks");
            }
        }
    }

    #[test]
    fn map_ordered_keeps_order() {
        let out = map_ordered((0..100).collect(), true, |i: i32| i * 2);
        assert_eq!(out, (0..100).map(|i| i * 2).collect::<Vec<_>>());
    }
}
