//! Initial centroids: random distinct rows, greedy k-means++, or the caller's own.

use rand::{Rng, RngExt};

use crate::data::RowMajor;
use crate::float::Float;
use crate::kernels::{self, sq_dist_f64};
use crate::parallel::{chunk_rows, map_ordered, worth_parallel};

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
///
/// Most candidate distances cannot matter: a candidate `t` can only lower a row's distance `D`
/// to its nearest centroid `c` if `d(x, t) < √D`, and `d(x, t) ≥ d(t, c) − √D`, so when
/// `d(t, c) ≥ 2√D` the pair is skipped (Raff, "Exact acceleration of k-means++ and k-means||",
/// IJCAI 2021). `D` is tracked with the kernel's error bound added, so a skipped pair is one the
/// kernel would have found no nearer; the result is identical to the unpruned computation
/// (tested), which `prune = false` runs.
pub(crate) fn kmeans_plus_plus<T: Float, R: Rng + ?Sized>(
    rows: RowMajor<'_, T>,
    k: usize,
    rng: &mut R,
) -> Vec<T> {
    // Keep every candidate's distances between the two sweeps of a step (saving a second read
    // of the data, which dominates when it does not fit in cache) when they take at most a
    // quarter of the input's size (or 16 MiB); otherwise recompute the chosen candidate's. The
    // result is the same.
    let n_trials = 2 + (k as f64).ln().floor() as usize;
    let input_bytes = core::mem::size_of_val(rows.as_slice());
    let keep_distances = rows.n_rows() * n_trials * 8 <= (16 << 20).max(input_bytes / 4);
    kmeans_plus_plus_impl(rows, k, rng, true, keep_distances)
}

pub(crate) fn kmeans_plus_plus_impl<T: Float, R: Rng + ?Sized>(
    rows: RowMajor<'_, T>,
    k: usize,
    rng: &mut R,
    prune: bool,
    keep_distances: bool,
) -> Vec<T> {
    let n = rows.n_rows();
    let d = rows.n_features();
    let n_trials = 2 + (k as f64).ln().floor() as usize;
    let chunk = chunk_rows(n, n_trials, d);
    let parallel = worth_parallel(n * d * n_trials);
    // The direct kernel's distances are within this relative error of the true ones.
    let rel = kernels::direct_relative_error::<T>(d);

    let first = rng.random_range(0..n);
    let mut centroids = Vec::with_capacity(k * d);
    centroids.extend_from_slice(rows.row(first));
    // For every row: squared distance to its nearest chosen centroid as the kernel computed it,
    // and which centroid that is.
    let mut closest = vec![0.0_f64; n];
    let tasks: Vec<(usize, &mut [f64])> = closest.chunks_mut(chunk).enumerate().collect();
    map_ordered(tasks, parallel, |(c, out)| {
        let lo = c * chunk;
        kernels::sq_distances_direct(rows, (lo, lo + out.len()), &centroids, |_, _| true, out);
    });
    let mut nearest = vec![0usize; n];
    let mut cumulative = vec![0.0_f64; n];

    for _ in 1..k {
        // Cumulative weights in row order; a draw r picks the first row whose cumulative
        // weight reaches r (numpy's searchsorted), clipped to the last row.
        let mut run = 0.0;
        for (c, &w) in cumulative.iter_mut().zip(&closest) {
            run += w;
            *c = run;
        }
        let potential = run;
        let candidates: Vec<usize> = (0..n_trials)
            .map(|_| {
                let r = rng.random::<f64>() * potential;
                cumulative.partition_point(|&c| c < r).min(n - 1)
            })
            .collect();
        let cand_rows = gather_rows(rows, &candidates);
        // gap[t][j]: a lower bound on the distance from candidate t to chosen centroid j.
        let n_chosen = centroids.len() / d;
        let gap: Vec<f64> = if prune {
            (0..n_trials * n_chosen)
                .map(|p| {
                    let (t, j) = (p / n_chosen, p % n_chosen);
                    sq_dist_f64(&cand_rows[t * d..(t + 1) * d], &centroids[j * d..(j + 1) * d]).sqrt()
                        * (1.0 - 1e-12)
                })
                .collect()
        } else {
            Vec::new()
        };
        // A row whose true distance D to its centroid j satisfies gap(t, j) ≥ 2√D is no nearer to
        // candidate t; with D ≤ D̂·(1 + rel)/(1 − rel) that also holds for the computed values,
        // so a skipped pair is exactly one whose min(D̂, d̂) would be D̂.
        let inflate = (1.0 + rel) / (1.0 - rel) * (1.0 + 1e-12);
        let needs = |i: usize, t: usize, reach: f64| !prune || gap[t * n_chosen + nearest[i]] < reach;
        let reach_of = |i: usize| 2.0 * (closest[i] * inflate).sqrt();
        // Each chunk computes the candidate distances its rows may get nearer by (each row read
        // once for all its candidates) and sums each candidate's gain (how much the potential
        // would drop). A skipped pair would add an exact zero, so skipping changes no bit.
        let per_chunk: Vec<(Vec<f64>, Vec<f64>)> =
            map_ordered((0..n.div_ceil(chunk)).collect(), parallel, |c: usize| {
                let (lo, hi) = (c * chunk, ((c + 1) * chunk).min(n));
                let reach: Vec<f64> = (lo..hi).map(reach_of).collect();
                let mut dist = vec![f64::INFINITY; (hi - lo) * n_trials];
                kernels::sq_distances_direct(
                    rows,
                    (lo, hi),
                    &cand_rows,
                    |i, t| needs(i, t, reach[i - lo]),
                    &mut dist,
                );
                let mut gain = vec![0.0; n_trials];
                for i in lo..hi {
                    for (t, g) in gain.iter_mut().enumerate() {
                        *g += (closest[i] - dist[(i - lo) * n_trials + t]).max(0.0);
                    }
                }
                (gain, if keep_distances { dist } else { Vec::new() })
            });
        let mut gains = vec![0.0; n_trials];
        for (g, _) in &per_chunk {
            for (a, b) in gains.iter_mut().zip(g) {
                *a += b;
            }
        }
        let mut best = 0;
        for t in 1..n_trials {
            if gains[t] > gains[best] {
                best = t;
            }
        }
        // The chosen candidate's distances: kept from the sweep above when they fit the budget,
        // else recomputed for the same pairs (each pair is computed independently, so these are
        // the same values).
        let chosen = &cand_rows[best * d..(best + 1) * d];
        let tasks: Vec<_> = closest
            .chunks_mut(chunk)
            .zip(nearest.chunks_mut(chunk))
            .enumerate()
            .collect();
        map_ordered(tasks, parallel, |(c, (closest, nearest))| {
            let lo = c * chunk;
            let hi = lo + closest.len();
            let mut dist = vec![f64::INFINITY; hi - lo];
            if keep_distances {
                let kept = &per_chunk[c].1;
                for (r, v) in dist.iter_mut().enumerate() {
                    *v = kept[r * n_trials + best];
                }
            } else {
                let wanted = |i: usize, _: usize| {
                    !prune
                        || gap[best * n_chosen + nearest[i - lo]] < 2.0 * (closest[i - lo] * inflate).sqrt()
                };
                kernels::sq_distances_direct(rows, (lo, hi), chosen, wanted, &mut dist);
            }
            for (r, &v) in dist.iter().enumerate() {
                if v < closest[r] {
                    closest[r] = v;
                    nearest[r] = n_chosen;
                }
            }
        });
        centroids.extend_from_slice(rows.row(candidates[best]));
    }
    centroids
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
    fn pruned_plus_plus_equals_unpruned_with_or_without_kept_distances() {
        for &(n, d, k, seed) in &[(3000, 2, 40, 1), (2000, 8, 25, 2), (500, 30, 60, 3)] {
            let b = crate::datasets::make_blobs::<f32>(n, d, k / 2, 1.0, seed).unwrap();
            let rows = RowMajor::new(&b.data, d).unwrap();
            let run = |prune, keep| {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                kmeans_plus_plus_impl(rows, k, &mut rng, prune, keep)
            };
            let reference = run(false, false);
            assert_eq!(run(true, true), reference);
            assert_eq!(run(true, false), reference);
            assert_eq!(run(false, true), reference);
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
