//! What an accelerated exact assignment step is, and the centroid geometry the bounded steps
//! share.
//!
//! A bounded step keeps per-row distance bounds across the iterations of one run and computes
//! distances only for the rows whose bounds do not prove their label. It must return exactly
//! Lloyd's labels (the direct f64 argmin, lowest index on ties): the run loop then takes the
//! same exact sums from them, so every algorithm gives Lloyd's result bit for bit.

use std::borrow::Cow;

use crate::assign::assign_all;
use crate::data::RowMajor;
use crate::float::Float;
use crate::kernels::sq_dist_f64;

/// Relative outward rounding applied to every bound update and test.
pub(super) const SLACK: f64 = 1e-10;

/// An exact assignment step that keeps state (bounds) across the iterations of one run: Hamerly,
/// Yinyang; Elkan or a mini-batch step would implement it too.
pub(super) trait BoundedStep<T: Float> {
    /// Brings `labels` up to date with `centroids` (which moved from `previous`; on the first
    /// call both are the start and `labels` is unset), exactly as Lloyd's full pass would.
    /// Returns the number of (row, centroid) distances computed, by which `Algorithm::Auto`
    /// judges whether the bounds pay.
    fn step(
        &mut self,
        rows: RowMajor<'_, T>,
        centroids: &[f64],
        previous: &[f64],
        labels: &mut [usize],
    ) -> usize;

    /// Takes the bounds `warm` holds for a run starting at `start` (before its first step)
    /// instead of a first full pass, and returns the labels they go with; `None` where the
    /// step keeps bounds of another kind (the run then starts with its full pass).
    fn start_from(
        &mut self,
        rows: RowMajor<'_, T>,
        start: &[f64],
        warm: WarmStart<'_>,
    ) -> Option<Vec<usize>> {
        let _ = (rows, start, warm);
        None
    }

    /// The per-row bounds after the last step, as Hamerly's pair (`None` where the step keeps
    /// other bounds or has not run): what a run hands to the next one (see [`WarmStart`]).
    fn into_row_bounds(self: Box<Self>) -> Option<RowBounds> {
        None
    }
}

/// Hamerly's per-row bounds on true distances, valid for a finished run's `centroids_f64`
/// and `labels`: `upper[i]` ≥ row i's distance to its centroid, `lower[i]` ≤ its distance to
/// every other centroid.
#[derive(Debug, Clone)]
pub(crate) struct RowBounds {
    pub upper: Vec<f64>,
    pub lower: Vec<f64>,
}

impl RowBounds {
    /// The bounds from each row's exact squared distance to its nearest centroid and to the
    /// next nearest (as `sq_dist_f64` computes them), rounded outwards as every bound is.
    pub(crate) fn from_squared(mut upper: Vec<f64>, mut lower: Vec<f64>) -> Self {
        for v in &mut upper {
            *v = v.sqrt() * (1.0 + SLACK);
        }
        for v in &mut lower {
            *v = v.sqrt() * (1.0 - SLACK);
        }
        RowBounds { upper, lower }
    }
}

/// What a run starts from instead of a full assignment pass: bounds another run (or a pass
/// over the rows) left, for `centroids`, `labels` and the bounds `upper`/`lower` (as in
/// [`RowBounds`]). `source[j]` is the index in `centroids` of the new run's centroid j
/// (moved, at most, by rounding to `T`), or `None` for a centroid that is new. Breathing
/// k-means starts each of its runs so: most centroids are those the previous run ended with.
/// Borrowed bounds are copied into the run; owned ones (a pass made for this run) are moved.
#[derive(Debug)]
pub(crate) struct WarmStart<'a> {
    pub centroids: &'a [f64],
    pub labels: Cow<'a, [usize]>,
    pub upper: Cow<'a, [f64]>,
    pub lower: Cow<'a, [f64]>,
    pub source: Vec<Option<usize>>,
}

/// How far each centroid moved, `δⱼ` (rounded up), and per centroid the largest move of any
/// other centroid (what its rows' bound on every other centroid must give up).
pub(super) fn centroid_drift(centroids: &[f64], previous: &[f64], d: usize) -> (Vec<f64>, Vec<f64>) {
    let drift: Vec<f64> = centroids
        .chunks_exact(d)
        .zip(previous.chunks_exact(d))
        .map(|(a, b)| sq_dist_f64(a, b).sqrt() * (1.0 + SLACK))
        .collect();
    let max_other = largest_other(&drift);
    (drift, max_other)
}

/// Per centroid, the largest of the other centroids' moves.
pub(super) fn largest_other(drift: &[f64]) -> Vec<f64> {
    let (mut max1, mut max1_at, mut max2) = (0.0_f64, usize::MAX, 0.0_f64);
    for (j, &v) in drift.iter().enumerate() {
        if v > max1 {
            (max2, max1, max1_at) = (max1, v, j);
        } else if v > max2 {
            max2 = v;
        }
    }
    (0..drift.len())
        .map(|j| if j == max1_at { max2 } else { max1 })
        .collect()
}

/// `s(j)`: half the distance from centroid j to its nearest other centroid (a lower bound,
/// from the kernel's certified second-nearest bound; +∞ when k = 1).
pub(super) fn half_distance_to_nearest_other(centroids: &[f64], d: usize) -> Vec<f64> {
    let k = centroids.len() / d;
    let rows = RowMajor::new(centroids, d).expect("whole rows of d features");
    let (mut labels, mut upper, mut second) = (vec![0; k], vec![0.0; k], vec![0.0; k]);
    // Each centroid is nearest to itself (or to an identical one, at distance 0, which the
    // runner-up bound then reports as 0 too): the runner-up bound is the nearest other one.
    assign_all(rows, centroids, &mut labels, &mut upper, Some(&mut second), None);
    second.iter().map(|&s| 0.5 * s.sqrt() * (1.0 - SLACK)).collect()
}
