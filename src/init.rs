//! Initial centroids: random distinct rows, greedy k-means++, or the caller's own.

use rand::{Rng, RngExt};

use crate::kernels::{self, Prepared, Scratch};
use crate::parallel::{chunk_rows, map_ordered, worth_parallel};
use crate::{Float, RowMajor};

/// How `fit` chooses the initial centroids.
///
/// # Example
///
/// ```
/// use k_means::{Init, KMeans};
///
/// let rows = vec![[0.0_f64, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]];
/// let start = vec![0.0, 0.5, 10.0, 0.5];
/// let model = KMeans::new(2).init(Init::Precomputed(start)).fit(&rows)?;
/// assert_eq!(model.labels(), &[0, 0, 1, 1]);
/// assert_eq!(model.n_iter(), 1);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Init<T> {
    /// Greedy k-means++ (Arthur & Vassilvitskii 2007, in scikit-learn's greedy form): the first
    /// centroid is a uniformly random row; each next one is the best of `2 + ⌊ln k⌋` rows drawn
    /// with probability proportional to their squared distance to the nearest centroid so far,
    /// "best" meaning the one that most lowers the total squared distance. The default: it
    /// usually needs one run where random starts need ten.
    KMeansPlusPlus,
    /// `k` distinct rows drawn uniformly at random (the tutorial's start, without its repeats).
    /// Cheap, but often lands two centroids in one cluster: use several restarts (`n_init`).
    Random,
    /// The caller's own `k × n_features` centroids, flat and row-major. Runs once, whatever
    /// `n_init` says, since every run would be the same.
    Precomputed(Vec<T>),
}

/// `k` distinct row indices, uniformly at random. Small `k`: draw and reject repeats (expected
/// fewer than two draws per index while `k ≤ n/2`); large `k`: a partial Fisher–Yates shuffle.
pub(crate) fn random_distinct_rows<R: Rng + ?Sized>(n: usize, k: usize, rng: &mut R) -> Vec<usize> {
    if k * 2 <= n {
        let mut picked: Vec<usize> = Vec::with_capacity(k);
        let mut seen = std::collections::HashSet::with_capacity(k);
        while picked.len() < k {
            let i = rng.random_range(0..n);
            if seen.insert(i) {
                picked.push(i);
            }
        }
        picked
    } else {
        let mut idx: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = rng.random_range(i..n);
            idx.swap(i, j);
        }
        idx.truncate(k);
        idx
    }
}

/// Copies the given rows into a flat centroid buffer.
pub(crate) fn gather_rows<T: Float>(rows: RowMajor<'_, T>, idx: &[usize]) -> Vec<T> {
    let mut out = Vec::with_capacity(idx.len() * rows.n_features());
    for &i in idx {
        out.extend_from_slice(rows.row(i));
    }
    out
}

/// Greedy k-means++ seeding. `rows` must hold at least `k ≥ 1` rows.
///
/// Every distance goes through the tiled kernel, chunked as the assignment step is, and every
/// sum is taken in chunk order, so the result depends on the data and the RNG only.
pub(crate) fn kmeans_plus_plus<T: Float, R: Rng + ?Sized>(
    rows: RowMajor<'_, T>,
    k: usize,
    rng: &mut R,
) -> Vec<T> {
    let n = rows.n_rows();
    let d = rows.n_features();
    let n_trials = 2 + (k as f64).ln().floor() as usize;
    let chunk = chunk_rows(n, n_trials, d);
    let parallel = worth_parallel(n * d * n_trials);

    let first = rng.random_range(0..n);
    let mut centroids = Vec::with_capacity(k * d);
    centroids.extend_from_slice(rows.row(first));
    // Squared distance of every row to its nearest chosen centroid.
    let mut closest = vec![0.0_f64; n];
    distances_to(rows, &centroids, chunk, parallel, &mut closest);
    let mut potential = ordered_sum(&closest, chunk);
    let mut trial_dist = vec![0.0_f64; n * n_trials];
    let mut cumulative = vec![0.0_f64; n];

    for _ in 1..k {
        // Cumulative weights in row order; a draw r picks the first row whose cumulative
        // weight reaches r (numpy's searchsorted), clipped to the last row.
        let mut run = 0.0;
        for (c, &w) in cumulative.iter_mut().zip(&closest) {
            run += w;
            *c = run;
        }
        let candidates: Vec<usize> = (0..n_trials)
            .map(|_| {
                let r = rng.random::<f64>() * potential;
                cumulative.partition_point(|&c| c < r).min(n - 1)
            })
            .collect();
        let cand_rows = gather_rows(rows, &candidates);
        distances_to(rows, &cand_rows, chunk, parallel, &mut trial_dist);
        // Potential if each candidate were added, summed per chunk, chunks in order.
        let per_chunk: Vec<Vec<f64>> = map_ordered((0..n.div_ceil(chunk)).collect(), parallel, |c: usize| {
            let mut pot = vec![0.0; n_trials];
            for i in c * chunk..((c + 1) * chunk).min(n) {
                for (t, p) in pot.iter_mut().enumerate() {
                    *p += closest[i].min(trial_dist[i * n_trials + t]);
                }
            }
            pot
        });
        let mut pots = vec![0.0; n_trials];
        for p in &per_chunk {
            for (a, b) in pots.iter_mut().zip(p) {
                *a += b;
            }
        }
        let mut best = 0;
        for t in 1..n_trials {
            if pots[t] < pots[best] {
                best = t;
            }
        }
        potential = pots[best];
        for (i, c) in closest.iter_mut().enumerate() {
            *c = c.min(trial_dist[i * n_trials + best]);
        }
        centroids.extend_from_slice(rows.row(candidates[best]));
    }
    centroids
}

/// `out[i * m + j]` = squared distance from row i to centroid j, for the `m` centroids given.
fn distances_to<T: Float>(
    rows: RowMajor<'_, T>,
    centroids: &[T],
    chunk: usize,
    parallel: bool,
    out: &mut [f64],
) {
    let d = rows.n_features();
    let m = centroids.len() / d;
    let prep = Prepared::new(centroids, d);
    let tasks: Vec<(usize, &mut [f64])> = out.chunks_mut(chunk * m).enumerate().collect();
    map_ordered(tasks, parallel, |(c, o)| {
        let part = rows.slice_rows(c * chunk, (c + 1) * chunk);
        let mut scratch = Scratch::new(&prep);
        kernels::sq_distances(part, &prep, &mut scratch, o);
    });
}

/// Sum of `v` in chunk order (chunks summed left to right, then the chunk totals).
fn ordered_sum(v: &[f64], chunk: usize) -> f64 {
    v.chunks(chunk).map(|c| c.iter().sum::<f64>()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    #[test]
    fn random_rows_are_distinct() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for &(n, k) in &[(10, 10), (10, 3), (1000, 999), (5, 1)] {
            let mut idx = random_distinct_rows(n, k, &mut rng);
            assert_eq!(idx.len(), k);
            idx.sort_unstable();
            idx.dedup();
            assert_eq!(idx.len(), k);
            assert!(idx.iter().all(|&i| i < n));
        }
    }

    #[test]
    fn plus_plus_picks_one_row_per_far_group() {
        // Three tight, far-apart groups: greedy k-means++ must seed one centroid in each.
        let mut data = Vec::new();
        for g in 0..3 {
            for i in 0..20 {
                data.push(g as f64 * 1000.0 + (i % 5) as f64 * 0.01);
                data.push((i / 5) as f64 * 0.01);
            }
        }
        let rows = RowMajor::new(&data, 2).unwrap();
        for seed in 0..20 {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let c = kmeans_plus_plus(rows, 3, &mut rng);
            let mut groups: Vec<i64> = c.chunks(2).map(|r| (r[0] / 1000.0).round() as i64).collect();
            groups.sort_unstable();
            assert_eq!(groups, [0, 1, 2], "seed {seed}");
        }
    }
}
