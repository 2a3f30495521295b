//! One run of spherical Lloyd on unit rows: assign through the certified tile kernel, sum
//! exactly, re-normalise the means, test for convergence; and the cosine objective.

use crate::algorithm::{FitContext, StopReason};
use crate::assign::assign_all;
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::parallel::{chunk_rows, map_ordered, worth_parallel};
use crate::sums::ClusterSums;
use crate::update;

use super::normalise::unit_into;

/// What one run returns.
#[derive(Debug, Clone)]
pub(crate) struct SphericalRun<T> {
    /// The final centroids (unit length in f64, then rounded to `T`).
    pub centroids: Vec<T>,
    /// Each row's label: the centroid of largest cosine similarity.
    pub labels: Vec<usize>,
    /// `Σᵢ (1 − x̂ᵢ · ĉ_{label(i)})`.
    pub objective: f64,
    pub n_iter: usize,
    pub stop: StopReason,
}

/// Spherical Lloyd from the unit centroids `start` (f64) over the unit rows `rows`.
///
/// For unit vectors `‖x − c‖² = 2 − 2 x·c`, so the nearest centroid is the one of largest dot
/// product, that is of largest cosine similarity: the crate's certified assignment (exact
/// argmin of the direct f64 squared distance, ties to the lowest index) is the spherical
/// assignment, and Hamerly's bounds would be too; plain Lloyd passes are used (the bounded
/// steps' drift bounds assume Euclidean means, which the re-normalised centroids are not
/// exactly, and this keeps the loop short). The stopping rule is [`crate::KMeans`]'s: labels
/// unchanged, or a total squared shift of the centroids at most `ctx.tol`, or `max_iter`.
pub(crate) fn run<T: Float>(
    ctx: &FitContext<'_, '_>,
    rows: RowMajor<'_, T>,
    start: Vec<f64>,
) -> Result<SphericalRun<T>, KMeansError> {
    let n = rows.n_rows();
    let d = rows.n_features();
    let mut centroids = start;
    let mut next = centroids.clone();
    let mut labels = vec![usize::MAX; n];
    let mut labels_old = vec![usize::MAX; n];
    let mut upper = vec![0.0_f64; n];
    let mut n_iter = 0;
    let mut strict = false;
    let mut stop = StopReason::MaxIter;
    for it in 0..ctx.max_iter {
        n_iter = it + 1;
        let mut acc = assign_all(
            rows,
            &centroids,
            &mut labels,
            &mut upper,
            None,
            Some((&ctx.frame, None)),
        );
        let shift = next_unit_centroids(ctx, rows, &labels, &centroids, &mut acc, &mut next, d)?;
        std::mem::swap(&mut centroids, &mut next);
        if labels == labels_old {
            stop = StopReason::LabelsUnchanged;
            // As in Euclidean k-means: labels computed against the previous centroids are the
            // final ones only if this update moved nothing.
            strict = shift == 0.0;
            break;
        }
        if shift <= ctx.tol {
            stop = StopReason::ToleranceReached;
            break;
        }
        labels_old.copy_from_slice(&labels);
    }
    if !strict {
        assign_all(rows, &centroids, &mut labels, &mut upper, None, None);
    }
    let centroids: Vec<T> = centroids.iter().map(|&v| T::from_f64_(v)).collect();
    let objective = cosine_objective(rows, &centroids, &labels);
    Ok(SphericalRun {
        centroids,
        labels,
        objective,
        n_iter,
        stop,
    })
}

/// The update: the exact cluster sums, empty clusters filled with the rows farthest from
/// their centroids (for unit vectors the largest distance is the lowest cosine similarity),
/// each mean re-normalised. A cluster whose mean is exactly zero (its rows cancel out) has
/// no direction: it keeps its previous centroid, as a cluster that stays empty does, so no
/// centroid is ever NaN or off the unit sphere. Returns the total squared shift.
fn next_unit_centroids<T: Float>(
    ctx: &FitContext<'_, '_>,
    rows: RowMajor<'_, T>,
    labels: &[usize],
    centroids: &[f64],
    acc: &mut ClusterSums,
    out: &mut [f64],
    d: usize,
) -> Result<f64, KMeansError> {
    let part = ctx.part(rows);
    acc.all_reduce(part.comm)?;
    update::relocate_empty_clusters(part, labels, centroids, acc, &ctx.frame)?;
    update::finish_means(acc, &ctx.frame, centroids, out);
    let mut unit = vec![0.0_f64; d];
    for (j, o) in out.chunks_exact_mut(d).enumerate() {
        if acc.weights[j] == 0 {
            continue; // the previous centroid, already unit
        }
        if unit_into(o, &mut unit) {
            o.copy_from_slice(&unit);
        } else {
            o.copy_from_slice(&centroids[j * d..(j + 1) * d]);
        }
    }
    Ok(update::total_sq_shift(centroids, out))
}

/// `Σᵢ max(0, 1 − x̂ᵢ · ĉ_{label(i)})`, dot products in f64, summed per chunk of the fixed chunk grid
/// and the chunks in order: the same bits for any thread count.
pub(crate) fn cosine_objective<T: Float>(rows: RowMajor<'_, T>, centroids: &[T], labels: &[usize]) -> f64 {
    let n = rows.n_rows();
    let d = rows.n_features();
    let chunk = chunk_rows(n, 1, d);
    let partial = map_ordered(
        (0..n.div_ceil(chunk)).collect(),
        worth_parallel(n * d),
        |c: usize| {
            let mut s = 0.0_f64;
            for i in c * chunk..((c + 1) * chunk).min(n) {
                let l = labels[i];
                let dot: f64 = rows
                    .row(i)
                    .iter()
                    .zip(&centroids[l * d..(l + 1) * d])
                    .map(|(x, c)| x.to_f64_() * c.to_f64_())
                    .sum();
                // Rounding can put a row's dot product a hair above 1.
                s += (1.0 - dot).max(0.0);
            }
            s
        },
    );
    partial.iter().sum()
}
