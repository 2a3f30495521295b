//! Initial centroids: random distinct rows, greedy k-means++, or the caller's own.

use std::ops::ControlFlow;

use rand::{Rng, RngExt};

use crate::assign::{self, sq_scale};
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::kernels::{self, sq_dist_f64};
use crate::parallel::{chunk_rows, map_ordered, worth_parallel};
use crate::part::{Part, Solo, quantize_sq};

/// What greedy k-means++ tells of its progress: the number of centroids chosen so far, after
/// each one; `Break` stops the seeding ([`KMeansError::Cancelled`]).
pub(crate) type OnChosen<'a> = &'a mut dyn FnMut(usize) -> ControlFlow<()>;

/// How `fit` chooses the initial centroids.
///
/// # Examples
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
    /// "best" meaning the one that most lowers the total squared distance. The default below
    /// `n·k·d =` [`KMEANS_PARALLEL_FROM`]: it usually needs one run where random starts need
    /// ten.
    KMeansPlusPlus,
    /// `k` distinct rows drawn uniformly at random (the tutorial's start, without its repeats).
    /// Cheap, but often lands two centroids in one cluster: use several restarts (`n_init`).
    Random,
    /// k-means‖ (Bahmani et al., "Scalable k-means++", VLDB 2012): `rounds` passes over the
    /// data, each taking every row as a candidate independently with probability
    /// `min(1, ℓ·w·D²/φ)` (`ℓ = oversampling × k`, `D` the distance to the nearest candidate so
    /// far, `φ` the total of `w·D²`), then the candidates, weighted by the rows nearest to them,
    /// reduced to `k` by weighted greedy k-means++. A handful of passes over the data instead of
    /// `k`; the candidates do not depend on threads or partitions (each row's draw is keyed by
    /// the seed, the round and the row's global rank). [`Init::kmeans_parallel`] gives the
    /// measured defaults, the default start from `n·k·d =` [`KMEANS_PARALLEL_FROM`] on.
    KMeansParallel {
        /// Oversampling passes over the data (≥ 1).
        rounds: usize,
        /// Expected candidates per pass, as a multiple of `k` (finite, > 0).
        oversampling: f64,
    },
    /// The caller's own `k × n_features` centroids, flat and row-major. Runs once, whatever
    /// `n_init` says, since every run would be the same.
    Precomputed(Vec<T>),
}

/// The size `n·k·d` (rows × clusters × features) from which the default start is
/// [`Init::kmeans_parallel`] rather than [`Init::KMeansPlusPlus`]: 2²¹.
///
/// Measured on the comparison harness's six configurations (every one above it; README,
/// "Choosing the start"): k-means‖ seeds 1.1–28 × faster and the default fit's inertia is
/// the same to 7 digits in 15 of 18 runs and 0.31 % lower on average in the other
/// configuration; below it greedy k-means++ takes a few milliseconds and keeps its
/// `O(log k)` guarantee, so it stays the default there.
///
/// # Examples
///
/// ```
/// use k_means::{Init, KMEANS_PARALLEL_FROM};
///
/// assert_eq!(KMEANS_PARALLEL_FROM, 1 << 21);
/// assert_eq!(Init::<f64>::default_for(1000, 10, 2), Init::KMeansPlusPlus);
/// assert_eq!(Init::<f64>::default_for(1_000_000, 100, 32), Init::kmeans_parallel());
/// ```
pub const KMEANS_PARALLEL_FROM: usize = 1 << 21;

impl<T> Init<T> {
    /// The start a [`KMeans`](crate::KMeans) whose `init` was not set uses for `n_rows` rows
    /// (over every participant) of `n_features` features and `k` clusters: greedy k-means++
    /// below `n·k·d =` [`KMEANS_PARALLEL_FROM`], [`Init::kmeans_parallel`] from it on.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, KMeans};
    ///
    /// let rows = vec![[0.0_f64, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]];
    /// let default = KMeans::new(2).fit(&rows)?;
    /// let chosen = KMeans::new(2).init(Init::default_for(4, 2, 2)).fit(&rows)?;
    /// assert_eq!(default, chosen);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn default_for(n_rows: usize, k: usize, n_features: usize) -> Self {
        let size = n_rows.saturating_mul(k).saturating_mul(n_features);
        if size < KMEANS_PARALLEL_FROM {
            Init::KMeansPlusPlus
        } else {
            Init::kmeans_parallel()
        }
    }

    /// k-means‖ with the defaults: 2 rounds, oversampling 2 (`ℓ = 2k`, Spark's).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, KMeans};
    ///
    /// assert_eq!(Init::<f64>::kmeans_parallel(), Init::KMeansParallel { rounds: 2, oversampling: 2.0 });
    /// let rows = vec![[0.0_f64, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]];
    /// let model = KMeans::new(2).init(Init::kmeans_parallel()).fit(&rows)?;
    /// assert_eq!(model.inertia(), 1.0);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn kmeans_parallel() -> Self {
        Init::KMeansParallel {
            rounds: 2,
            oversampling: 2.0,
        }
    }
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

/// Rows of `part`, wherever they are held, by global index: each participant contributes the
/// `wanted` rows it holds (`(slot, local row)`), and every participant receives, per slot of
/// `0..slots`, the global index and the row.
pub(crate) fn share_rows<T: Float>(
    part: Part<'_, '_, T>,
    wanted: &[(usize, usize)],
    slots: usize,
) -> Result<(Vec<usize>, Vec<T>), KMeansError> {
    let d = part.rows.n_features();
    let mut mine: Vec<f64> = Vec::with_capacity(wanted.len() * (d + 2));
    for &(slot, i) in wanted {
        mine.push(f64::from_bits(slot as u64));
        mine.push(f64::from_bits((part.first_row + i) as u64));
        mine.extend(part.rows.row(i).iter().map(|v| v.to_f64_()));
    }
    let mut index = vec![usize::MAX; slots];
    let mut out = vec![T::zero(); slots * d];
    for words in part.comm.gather(&mine)? {
        for entry in words.chunks_exact(d + 2) {
            let slot = entry[0].to_bits() as usize;
            if slot < slots {
                index[slot] = entry[1].to_bits() as usize;
                for f in 0..d {
                    out[slot * d + f] = T::from_f64_(entry[2 + f]);
                }
            }
        }
    }
    if index.contains(&usize::MAX) {
        return Err(KMeansError::Collective {
            reason: "no participant holds a row the seeding chose: the partitions do not cover the rows"
                .into(),
        });
    }
    Ok((index, out))
}

/// The `(slot, local row)` pairs of the global rows `global` that this participant holds.
fn held(part: Part<'_, '_, impl Float>, global: &[usize]) -> Vec<(usize, usize)> {
    let range = part.first_row..part.first_row + part.rows.n_rows();
    global
        .iter()
        .enumerate()
        .filter(|(_, g)| range.contains(g))
        .map(|(slot, &g)| (slot, g - part.first_row))
        .collect()
}

/// `k` distinct rows chosen at random, as centroids: uniformly without weights (the same draws
/// as [`random_distinct_rows`] over all the rows), and with weights with probability
/// proportional to weight, without replacement (Efraimidis–Spirakis keys `ln(u)/w`, `u` drawn
/// per row from the run's seed and the row's rank among the rows of positive weight, so no draw
/// depends on the partitioning or on rows of weight 0; the k largest keys, ties to the lower
/// row).
pub(crate) fn random_rows<T: Float, R: Rng + ?Sized>(
    part: Part<'_, '_, T>,
    k: usize,
    rng: &mut R,
) -> Result<Vec<T>, KMeansError> {
    let global = match part.weights {
        None => random_distinct_rows(part.n_total, k, rng),
        Some(w) => {
            let seed = rng.next_u64();
            // Each row's draw is keyed by its rank among the rows of positive weight (so a row
            // of weight 0 shifts no other row's draw), placed in the global order.
            let positive: Vec<usize> = (0..part.rows.n_rows()).filter(|&i| w[i] > 0).collect();
            let (offset, _) = global_offset(part, positive.len() as i128)?;
            let mut keyed: Vec<(f64, usize)> = positive
                .iter()
                .enumerate()
                .map(|(r, &i)| {
                    let rank = offset as u64 + r as u64;
                    (uniform_open(seed, rank).ln() / w[i] as f64, part.first_row + i)
                })
                .collect();
            let larger = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
            keyed.sort_unstable_by(larger);
            keyed.truncate(k);
            let mut words = Vec::with_capacity(2 * keyed.len());
            for &(key, g) in &keyed {
                words.push(key);
                words.push(f64::from_bits(g as u64));
            }
            let mut all: Vec<(f64, usize)> = part
                .comm
                .gather(&words)?
                .iter()
                .flat_map(|p| {
                    p.chunks_exact(2)
                        .map(|e| (e[0], e[1].to_bits() as usize))
                        .collect::<Vec<_>>()
                })
                .collect();
            all.sort_unstable_by(larger);
            all.truncate(k);
            all.into_iter().map(|(_, g)| g).collect()
        }
    };
    Ok(share_rows(part, &held(part, &global), k)?.1)
}

/// A uniform draw in (0, 1) from `(seed, index)` alone (SplitMix64 of their mix), so that each
/// row's draw is the same wherever the row is held.
fn uniform_open(seed: u64, index: u64) -> f64 {
    ((mix(seed, index) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// SplitMix64's finaliser of `seed ^ index · φ⁻¹·2⁶⁴`: a counter-based hash of the pair.
fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// This participant's offset in the global order of an exactly summed quantity whose local
/// total is `local`, and the global total.
fn global_offset(part: Part<'_, '_, impl Float>, local: i128) -> Result<(i128, i128), KMeansError> {
    let all = part.comm.gather(&[local, part.first_row as i128])?;
    let (mut offset, mut total) = (0, 0);
    for p in &all {
        total += p[0];
        if (p[1] as usize) < part.first_row {
            offset += p[0];
        }
    }
    Ok((offset, total))
}

/// A draw in `[0, total)` from `u ∈ [0, 1)` (`total > 0`).
fn target(u: f64, total: i128) -> i128 {
    ((u * total as f64) as i128).clamp(0, total - 1)
}

/// The local row whose cumulative range `(cumulative[i-1], cumulative[i]]` covers the global
/// draw `t`, if this participant holds it.
fn covering(cumulative: &[i128], offset: i128, t: i128) -> Option<usize> {
    let local_total = cumulative.last().copied().unwrap_or(0);
    if t < offset || t >= offset + local_total {
        return None;
    }
    Some(cumulative.partition_point(|&c| c <= t - offset))
}

/// The global index of the first centroid of k-means++: a uniformly random row, or with
/// weights a row drawn with probability proportional to its weight (`cumulative`: scratch of
/// one entry per local row).
fn first_row<T: Float, R: Rng + ?Sized>(
    part: Part<'_, '_, T>,
    rng: &mut R,
    cumulative: &mut [i128],
) -> Result<usize, KMeansError> {
    Ok(match part.weights {
        None => rng.random_range(0..part.n_total),
        Some(w) => {
            let mut run = 0_i128;
            for (c, &wi) in cumulative.iter_mut().zip(w) {
                run += i128::from(wi);
                *c = run;
            }
            let (offset, total) = global_offset(part, run)?;
            let t = target(rng.random::<f64>(), total.max(1));
            let mine: Vec<(usize, usize)> = covering(cumulative, offset, t)
                .map(|i| (0, i))
                .into_iter()
                .collect();
            share_rows(part, &mine, 1)?.0[0]
        }
    })
}

/// Greedy k-means++ seeding over every participant's rows (at least `k ≥ 1` rows in all).
///
/// Rows are drawn with probability proportional to `w · D²`, `D` the distance to the nearest
/// centroid chosen so far: each row's `w · D²` is rounded to a fixed-point integer (a power of
/// two per `2⁻⁶⁴ ×` the data's squared diameter) and the prefix sums are exact integers in
/// global row order, so a draw picks the same row whatever the partitioning; each step's
/// candidates are compared by their exact new potential.
///
/// Most candidate distances cannot matter: a candidate `t` can only lower a row's distance `D`
/// to its nearest centroid `c` if `d(x, t) < √D`, and `d(x, t) ≥ d(t, c) − √D`, so when
/// `d(t, c) ≥ 2√D` the pair is skipped (Raff, "Exact acceleration of k-means++ and k-means||",
/// IJCAI 2021). `D` is tracked with the kernel's error bound added, so a skipped pair is one the
/// kernel would have found no nearer; the result is identical to the unpruned computation
/// (tested), which `prune = false` runs.
pub(crate) fn kmeans_plus_plus<T: Float, R: Rng + ?Sized>(
    part: Part<'_, '_, T>,
    k: usize,
    rng: &mut R,
    on_chosen: OnChosen<'_>,
) -> Result<Vec<T>, KMeansError> {
    // Keep every candidate's distances between the two sweeps of a step (saving a second read
    // of the data, which dominates when it does not fit in cache) when they take at most a
    // quarter of the input's size (or 16 MiB); otherwise recompute the chosen candidate's. The
    // result is the same.
    kmeans_plus_plus_from(part, k, rng, Vec::new(), on_chosen)
}

/// [`kmeans_plus_plus`] continued from the centroids `start` (flat; empty: from nothing).
fn kmeans_plus_plus_from<T: Float, R: Rng + ?Sized>(
    part: Part<'_, '_, T>,
    k: usize,
    rng: &mut R,
    start: Vec<T>,
    on_chosen: OnChosen<'_>,
) -> Result<Vec<T>, KMeansError> {
    let rows = part.rows;
    let n_trials = 2 + (k as f64).ln().floor() as usize;
    let input_bytes = core::mem::size_of_val(rows.as_slice());
    let keep_distances = rows.n_rows() * n_trials * 8 <= (16 << 20).max(input_bytes / 4);
    // The pruning's bookkeeping (a square root per row, a bound looked up per pair) costs more
    // than the distances it skips below 64 features; the result is the same either way.
    let prune = rows.n_features() >= PRUNE_FROM_FEATURES;
    kmeans_plus_plus_impl(part, k, rng, prune, keep_distances, start, on_chosen)
}

/// The width from which greedy k-means++ prunes candidate distances by the triangle inequality.
/// Measured side by side on the comparison harness's data (2 threads, a loaded machine): without
/// pruning, seeding took 0.5–0.9× the time at 2, 16 and 32 features, about the same at 64, and
/// pruning took 0.6–0.75× the time at 128 features and k = 1000.
const PRUNE_FROM_FEATURES: usize = 64;

/// Greedy k-means++ steps over `part` from the centroids `start` (flat, row-major; empty: the
/// first centroid is drawn as k-means++ draws it) until there are `k`. `on_chosen` hears the
/// number of centroids after each one is chosen; `Break` ends the seeding with
/// [`KMeansError::Cancelled`].
pub(crate) fn kmeans_plus_plus_impl<T: Float, R: Rng + ?Sized>(
    part: Part<'_, '_, T>,
    k: usize,
    rng: &mut R,
    prune: bool,
    keep_distances: bool,
    start: Vec<T>,
    on_chosen: OnChosen<'_>,
) -> Result<Vec<T>, KMeansError> {
    let rows = part.rows;
    let n = rows.n_rows();
    let d = rows.n_features();
    let n_trials = 2 + (k as f64).ln().floor() as usize;
    let chunk = chunk_rows(n, n_trials, d);
    let parallel = worth_parallel(n * d * n_trials);
    // The direct kernel's distances are within this relative error of the true ones.
    let rel = kernels::direct_relative_error::<T>(d);
    let scale = sq_scale(part, &[] as &[T]);
    let mut cumulative = vec![0_i128; n];

    let mut centroids = Vec::with_capacity(k * d);
    // For every row: squared distance to its nearest chosen centroid as the kernel computed it,
    // and which centroid that is.
    let mut closest = vec![0.0_f64; n];
    let mut nearest = vec![0usize; n];
    if start.is_empty() {
        let first = first_row(part, rng, &mut cumulative)?;
        let (_, first_row) = share_rows(part, &held(part, &[first]), 1)?;
        centroids.extend_from_slice(&first_row);
        if on_chosen(1).is_break() {
            return Err(KMeansError::Cancelled);
        }
        let tasks: Vec<(usize, &mut [f64])> = closest.chunks_mut(chunk).enumerate().collect();
        map_ordered(tasks, parallel, |(c, out)| {
            let lo = c * chunk;
            kernels::sq_distances_direct(rows, (lo, lo + out.len()), &centroids, |_, _| true, out);
        });
    } else {
        centroids.extend_from_slice(&start);
        let m = start.len() / d;
        let tasks: Vec<_> = closest
            .chunks_mut(chunk)
            .zip(nearest.chunks_mut(chunk))
            .enumerate()
            .collect();
        map_ordered(tasks, parallel, |(c, (closest, nearest))| {
            let lo = c * chunk;
            let mut dist = vec![0.0; closest.len() * m];
            kernels::sq_distances_direct(rows, (lo, lo + closest.len()), &start, |_, _| true, &mut dist);
            for (r, row) in dist.chunks_exact(m).enumerate() {
                let (j, v) = row
                    .iter()
                    .enumerate()
                    .fold((0, f64::INFINITY), |b, (j, &v)| if v < b.1 { (j, v) } else { b });
                closest[r] = v;
                nearest[r] = j;
            }
        });
    }

    // Per chunk, the candidates' distances of a step, kept for its update when they fit the
    // budget; reused from step to step.
    let mut dist_buffers: Vec<Vec<f64>> = vec![Vec::new(); n.div_ceil(chunk)];
    for _ in centroids.len() / d..k {
        // Exact potentials, cumulative in row order, placed in the global order.
        let mut run = 0_i128;
        match part.weights {
            None => {
                for (c, &v) in cumulative.iter_mut().zip(&closest) {
                    run += quantize_sq(v, scale);
                    *c = run;
                }
            }
            Some(weights) => {
                for ((c, &v), &w) in cumulative.iter_mut().zip(&closest).zip(weights) {
                    run += quantize_sq(v, scale) * i128::from(w);
                    *c = run;
                }
            }
        }
        let (offset, potential) = global_offset(part, run)?;
        // The draws are the same on every participant; the holder of each drawn row shares it.
        let draws: Vec<f64> = (0..n_trials).map(|_| rng.random::<f64>()).collect();
        // The shared rows travel with the draw; their global indices are not needed here.
        let (_, cand_rows) = if potential == 0 {
            // Every row sits on a chosen centroid: any row is as good; take the first.
            share_rows(part, &held(part, &vec![0; n_trials]), n_trials)?
        } else {
            let mine: Vec<(usize, usize)> = draws
                .iter()
                .enumerate()
                .filter_map(|(t, &u)| covering(&cumulative, offset, target(u, potential)).map(|i| (t, i)))
                .collect();
            share_rows(part, &mine, n_trials)?
        };
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
        // once for all its candidates) and each candidate's exact potential over its rows. A
        // skipped pair keeps the row's own term, so skipping changes no bit.
        let weights = part.weights;
        let tasks: Vec<(usize, &mut Vec<f64>)> = dist_buffers.iter_mut().enumerate().collect();
        let per_chunk: Vec<Vec<i128>> = map_ordered(tasks, parallel, |(c, dist): (usize, &mut Vec<f64>)| {
            let (lo, hi) = (c * chunk, ((c + 1) * chunk).min(n));
            // Each row's reach (a square root) only where pruning reads it.
            let reach: Vec<f64> = if prune {
                (lo..hi).map(reach_of).collect()
            } else {
                Vec::new()
            };
            // The chunk's buffer from the previous step (no fresh pages to fault in).
            dist.clear();
            dist.resize((hi - lo) * n_trials, f64::INFINITY);
            kernels::sq_distances_direct(
                rows,
                (lo, hi),
                &cand_rows,
                |i, t| !prune || needs(i, t, reach[i - lo]),
                dist,
            );
            // Each candidate's potential is the rows' own terms (the same for every
            // candidate) plus, for the few pairs where the candidate is nearer, the change of
            // the row's term: the same integers as summing `min(own, candidate)` per pair, in
            // one quantization per row instead of one per pair.
            let mut own = 0_i128;
            let mut potential = vec![0_i128; n_trials];
            for i in lo..hi {
                let q_own = quantize_sq(closest[i], scale);
                let from_candidates = &dist[(i - lo) * n_trials..(i - lo + 1) * n_trials];
                match weights {
                    None => {
                        own += q_own;
                        for (p, &v) in potential.iter_mut().zip(from_candidates) {
                            if v < closest[i] {
                                *p += quantize_sq(v, scale) - q_own;
                            }
                        }
                    }
                    Some(w) => {
                        let w = i128::from(w[i]);
                        own += q_own * w;
                        for (p, &v) in potential.iter_mut().zip(from_candidates) {
                            if v < closest[i] {
                                *p += (quantize_sq(v, scale) - q_own) * w;
                            }
                        }
                    }
                }
            }
            for p in &mut potential {
                *p += own;
            }
            if !keep_distances {
                // Over the memory budget: not held between the sweeps.
                *dist = Vec::new();
            }
            potential
        });
        let mut potentials = vec![0_i128; n_trials];
        for p in &per_chunk {
            for (a, b) in potentials.iter_mut().zip(p) {
                *a += b;
            }
        }
        part.comm.sum_i128(&mut potentials)?;
        let mut best = 0;
        for t in 1..n_trials {
            if potentials[t] < potentials[best] {
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
            if keep_distances {
                let kept = &dist_buffers[c];
                for r in 0..hi - lo {
                    let v = kept[r * n_trials + best];
                    if v < closest[r] {
                        closest[r] = v;
                        nearest[r] = n_chosen;
                    }
                }
                return;
            }
            let mut dist = vec![f64::INFINITY; hi - lo];
            {
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
        centroids.extend_from_slice(chosen);
        if on_chosen(centroids.len() / d).is_break() {
            return Err(KMeansError::Cancelled);
        }
    }
    Ok(centroids)
}

/// k-means‖ seeding (Bahmani et al., "Scalable k-means++", VLDB 2012) over every participant's
/// rows: the first candidate as k-means++ draws its first centroid; then `rounds` times, every
/// row is taken as a candidate independently with probability `min(1, ℓ·w·D²/φ)`, `ℓ =
/// oversampling · k`, `D` the distance to the nearest candidate so far and `φ = Σ w·D²` the
/// exact potential (fixed-point, as in [`kmeans_plus_plus`]); each row's uniform draw is a hash
/// of (the run's seed, the round, the row's rank among the rows of positive weight), so it is
/// the same however the rows are partitioned and a row of weight 0 shifts no other row's draw.
/// The candidates, in round then global row order, are weighted by the total weight of the rows
/// nearest to them (ties to the earlier candidate; exact integer sums) and reduced to `k` by
/// weighted greedy k-means++ over the candidates alone, which every participant runs on the
/// same numbers. With `k` or fewer candidates of positive weight, those are kept and greedy
/// k-means++ steps over the data add the rest.
pub(crate) fn kmeans_parallel<T: Float, R: Rng + ?Sized>(
    part: Part<'_, '_, T>,
    k: usize,
    rounds: usize,
    oversampling: f64,
    rng: &mut R,
) -> Result<Vec<T>, KMeansError> {
    let rows = part.rows;
    let n = rows.n_rows();
    let d = rows.n_features();
    let seed = rng.next_u64();
    let mut cumulative = vec![0_i128; n];
    let first = first_row(part, rng, &mut cumulative)?;
    drop(cumulative);
    let (mut index, mut cands) = share_rows(part, &held(part, &[first]), 1)?;
    let mut closest = vec![f64::INFINITY; n];
    let mut nearest = vec![0_usize; n];
    nearer_candidates(rows, &cands, 0, &mut closest, &mut nearest);
    // Each row's rank among the rows of positive weight: its global index without weights.
    let rank_offset = match part.weights {
        None => part.first_row as u64,
        Some(w) => global_offset(part, w.iter().filter(|&&w| w > 0).count() as i128)?.0 as u64,
    };
    let scale = sq_scale(part, &[] as &[T]);
    let ell = oversampling * k as f64;
    for round in 0..rounds {
        let mut phi = [potential_of(part, &closest, scale)];
        part.comm.sum_i128(&mut phi)?;
        if phi[0] == 0 {
            break;
        }
        let phi = phi[0] as f64;
        let round_seed = mix(seed, round as u64);
        let mut chosen = Vec::new();
        let mut rank = rank_offset;
        for i in 0..n {
            let w = part.weight(i);
            if w <= 0 {
                continue;
            }
            let qw = (quantize_sq(closest[i], scale) * i128::from(w)) as f64;
            if qw > 0.0 && uniform_open(round_seed, rank) * phi < ell * qw {
                chosen.push(i);
            }
            rank += 1;
        }
        let (new_index, new_rows) = gather_ordered(part, &chosen)?;
        if new_index.is_empty() {
            continue;
        }
        nearer_candidates(rows, &new_rows, index.len(), &mut closest, &mut nearest);
        index.extend_from_slice(&new_index);
        cands.extend_from_slice(&new_rows);
    }
    // Each candidate's weight: the rows nearest to it.
    let m = index.len();
    let mut weights = vec![0_i64; m];
    for (i, &j) in nearest.iter().enumerate() {
        weights[j] += part.weight(i);
    }
    part.comm.sum_i64(&mut weights)?;
    let kept: Vec<usize> = (0..m).filter(|&j| weights[j] > 0).collect();
    let kept_rows: Vec<T> = kept
        .iter()
        .flat_map(|&j| cands[j * d..(j + 1) * d].iter().copied())
        .collect();
    if kept.len() <= k {
        return kmeans_plus_plus_from(part, k, rng, kept_rows, &mut |_| ControlFlow::Continue(()));
    }
    let kept_weights: Vec<i64> = kept.iter().map(|&j| weights[j]).collect();
    let crows = RowMajor::new(&kept_rows, d).expect("whole rows");
    let solo = Solo::weighted(crows, &kept_weights);
    // The reduction is part of one seeding step: it reports no progress of its own.
    kmeans_plus_plus(solo.part_weighted(crows, &kept_weights), k, rng, &mut |_| {
        ControlFlow::Continue(())
    })
}

/// `Σ w·D²` over this participant's rows, in fixed point (`quantize_sq` at `scale`).
fn potential_of<T: Float>(part: Part<'_, '_, T>, closest: &[f64], scale: f64) -> i128 {
    let n = closest.len();
    let chunk = chunk_rows(n, 1, 1);
    let weights = part.weights;
    map_ordered(
        (0..n.div_ceil(chunk)).collect(),
        worth_parallel(n * 16),
        |c: usize| {
            (c * chunk..((c + 1) * chunk).min(n))
                .map(|i| quantize_sq(closest[i], scale) * i128::from(weights.map_or(1, |w| w[i])))
                .sum::<i128>()
        },
    )
    .iter()
    .sum()
}

/// The local rows `chosen` of every participant, shared with all: their global indices in
/// increasing order, and the rows in that order.
fn gather_ordered<T: Float>(
    part: Part<'_, '_, T>,
    chosen: &[usize],
) -> Result<(Vec<usize>, Vec<T>), KMeansError> {
    let d = part.rows.n_features();
    let mut mine: Vec<f64> = Vec::with_capacity(chosen.len() * (d + 1));
    for &i in chosen {
        mine.push(f64::from_bits((part.first_row + i) as u64));
        mine.extend(part.rows.row(i).iter().map(|v| v.to_f64_()));
    }
    let all = part.comm.gather(&mine)?;
    let mut entries: Vec<&[f64]> = all.iter().flat_map(|p| p.chunks_exact(d + 1)).collect();
    entries.sort_unstable_by_key(|e| e[0].to_bits());
    let index = entries.iter().map(|e| e[0].to_bits() as usize).collect();
    let out = entries
        .iter()
        .flat_map(|e| e[1..].iter().map(|&v| T::from_f64_(v)))
        .collect();
    Ok((index, out))
}

/// Lowers each row's `closest` squared distance (direct f64, [`sq_dist_f64`]) to the nearest of
/// the candidates `cands`, numbered from `base` in `nearest`; ties keep the earlier candidate.
/// The nearest new candidate comes from the tile kernel's exact argmin (ties to the lower index).
fn nearer_candidates<T: Float>(
    rows: RowMajor<'_, T>,
    cands: &[T],
    base: usize,
    closest: &mut [f64],
    nearest: &mut [usize],
) {
    let n = rows.n_rows();
    let d = rows.n_features();
    let m = cands.len() / d;
    let mut labels = vec![0_usize; n];
    if m > 1 {
        // Only the labels are read: no per-row bounds kept (`&mut []`).
        assign::assign_all(rows, cands, &mut labels, &mut [], None, None);
    }
    let chunk = chunk_rows(n, 1, d);
    let tasks: Vec<_> = closest
        .chunks_mut(chunk)
        .zip(nearest.chunks_mut(chunk))
        .enumerate()
        .collect();
    map_ordered(tasks, worth_parallel(n * d), |(c, (closest, nearest))| {
        let lo = c * chunk;
        for r in 0..closest.len() {
            let l = labels[lo + r];
            let v = sq_dist_f64(rows.row(lo + r), &cands[l * d..(l + 1) * d]);
            if v < closest[r] {
                closest[r] = v;
                nearest[r] = base + l;
            }
        }
    });
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
                kmeans_plus_plus_impl(
                    Solo::new(rows).part(rows),
                    k,
                    &mut rng,
                    prune,
                    keep,
                    Vec::new(),
                    &mut |_| ControlFlow::Continue(()),
                )
                .unwrap()
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
            let c = kmeans_plus_plus(Solo::new(rows).part(rows), 3, &mut rng, &mut |_| {
                ControlFlow::Continue(())
            })
            .unwrap();
            let mut groups: Vec<i64> = c.chunks(2).map(|r| (r[0] / 1000.0).round() as i64).collect();
            groups.sort_unstable();
            assert_eq!(groups, [0, 1, 2], "seed {seed}");
        }
    }
}
