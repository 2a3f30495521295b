//! Hamerly's exact accelerated assignment (G. Hamerly, "Making k-means even faster", SDM 2010).
//!
//! Each row keeps two bounds on true (not squared) Euclidean distances: `upper[i]` ≥ the
//! distance to its assigned centroid (`u(i)` in the paper) and `lower[i]` ≤ the distance to every
//! other centroid (`l(i)`). After the centroids move by `δⱼ`, `u(i)` grows by `δ_{a(i)}` and `l(i)`
//! shrinks by the largest move of any other centroid. A row whose `u(i)` is below both `l(i)`
//! and `s(a(i))` (half the distance from its centroid to the nearest other centroid) cannot
//! change label, so its distances are not computed at all. The rows that fail the test are
//! gathered and sent through the tiled kernel together, which also refreshes both bounds.
//!
//! Bounds start from the kernel's certified upper/lower bounds and every update is rounded
//! outwards (relative slack [`SLACK`]; a distance taken for a bound alone, in the fast order of
//! [`kernels::sq_dists_to_own`], is widened by its own slack first), so a skipped row is one whose label the direct f64
//! computation would not change: Hamerly gives Lloyd's labels exactly, and since the centroid
//! sums are then taken from the labels in the same chunked order, Lloyd's centroids bit for bit.

use super::bounds::{
    BoundedStep, RowBounds, SLACK, WarmStart, centroid_drift, half_distance_to_nearest_other, largest_other,
};
use crate::assign::assign_all;
use crate::data::RowMajor;
use crate::float::Float;
use crate::kernels::{self, AssignOut, Prepared, Scratch, sq_dist_f64};
use crate::parallel::{chunk_rows, map_ordered, worth_parallel};

/// Per-row bounds, kept across iterations of one run.
#[derive(Debug, Clone)]
pub(crate) struct HamerlyBounds {
    /// `u(i)`: an upper bound on the distance from row i to its centroid.
    upper: Vec<f64>,
    /// `l(i)`: a lower bound on the distance from row i to any other centroid.
    lower: Vec<f64>,
    /// Whether the bounds hold for the current labels (false until the first full pass or a
    /// warm start).
    ready: bool,
}

impl HamerlyBounds {
    /// Bounds not yet computed: the first step makes a full pass (the bounds' buffers are
    /// allocated then, so a warm start never allocates a set it replaces).
    pub(crate) fn new() -> Self {
        HamerlyBounds {
            upper: Vec::new(),
            lower: Vec::new(),
            ready: false,
        }
    }

    /// Bounds for a run starting at `start` from what `warm` holds, and the labels they go with:
    /// a row keeps its centroid and bounds where that centroid is kept, widened by how far
    /// rounding moved the centroids, and its lower bound is brought down to its distance to
    /// each new centroid (`n × new` distances, against `n × k` for a full pass). A row whose
    /// centroid is gone gets label 0 with bounds that prove nothing (`∞`, 0), so the first step
    /// recomputes it. The first step then sends exactly the rows in doubt through the kernel,
    /// as any later step does: the labels are Lloyd's, as after a full pass.
    pub(crate) fn warm<T: Float>(
        rows: RowMajor<'_, T>,
        start: &[f64],
        warm: WarmStart<'_>,
    ) -> (Self, Vec<usize>) {
        let n = rows.n_rows();
        let d = rows.n_features();
        let k_before = warm.centroids.len() / d;
        let mut now_at = vec![None; k_before];
        let mut drift = vec![0.0; warm.source.len()];
        let mut added = Vec::new();
        for (j, source) in warm.source.iter().enumerate() {
            match *source {
                Some(o) => {
                    now_at[o] = Some(j);
                    let before = &warm.centroids[o * d..(o + 1) * d];
                    drift[j] = sq_dist_f64(&start[j * d..(j + 1) * d], before).sqrt() * (1.0 + SLACK);
                }
                None => added.push(j),
            }
        }
        // A new centroid's drift stays 0: each row's distance to it is computed below.
        let max_other_drift = largest_other(&drift);
        let mut bounds = HamerlyBounds {
            upper: warm.upper.into_owned(),
            lower: warm.lower.into_owned(),
            ready: true,
        };
        // The labels are renumbered in place (in the caller's buffer when it was handed over).
        let mut labels = warm.labels.into_owned();
        let chunk = chunk_rows(n, added.len().max(1), d);
        let parallel = worth_parallel(n * (added.len() + 1) * d);
        let tasks: Vec<_> = labels
            .chunks_mut(chunk)
            .zip(bounds.upper.chunks_mut(chunk))
            .zip(bounds.lower.chunks_mut(chunk))
            .enumerate()
            .collect();
        let loosen = 1.0 - kernels::bound_sq_slack(d);
        map_ordered(tasks, parallel, |(c, ((labels, upper), lower))| {
            let part = rows.slice_rows(c * chunk, (c + 1) * chunk);
            // Each row's distance to the nearest new centroid (a bound's, within `loosen`).
            let mut to_new = vec![0.0; part.n_rows()];
            kernels::min_sq_dists_to(part, &added, start, &mut to_new);
            for i in 0..part.n_rows() {
                let Some(a) = now_at[labels[i]] else {
                    (labels[i], upper[i], lower[i]) = (0, f64::INFINITY, 0.0);
                    continue;
                };
                labels[i] = a;
                upper[i] += drift[a];
                let low = (lower[i] - max_other_drift[a]).max(0.0);
                lower[i] = low.min((to_new[i] * loosen).sqrt() * (1.0 - SLACK));
            }
        });
        (bounds, labels)
    }

    /// One assignment step (see [`BoundedStep::step`]), computing distances only for rows whose
    /// bounds do not prove their label. Returns how many rows needed the full computation.
    fn recompute<T: Float>(
        &mut self,
        rows: RowMajor<'_, T>,
        centroids: &[f64],
        previous: &[f64],
        labels: &mut [usize],
    ) -> usize {
        let n = rows.n_rows();
        let d = rows.n_features();
        let k = centroids.len() / d;
        let prep = Prepared::<T>::new(centroids, d);
        let chunk = chunk_rows(n, k, d);
        let parallel = worth_parallel(n * k * d);

        if !self.ready {
            self.ready = true;
            let (mut upper_sq, mut lower_sq) = (vec![0.0; n], vec![0.0; n]);
            assign_all(rows, centroids, labels, &mut upper_sq, Some(&mut lower_sq), None);
            // The kernel's certified bounds on squared distances, as bounds on distances.
            RowBounds {
                upper: self.upper,
                lower: self.lower,
            } = RowBounds::from_squared(upper_sq, lower_sq);
            return n;
        }

        let (drift, max_other_drift) = centroid_drift(centroids, previous, d);
        let tighten = 1.0 + kernels::bound_sq_slack(d);
        let half_gap = half_distance_to_nearest_other(centroids, d);

        let tasks: Vec<_> = labels
            .chunks_mut(chunk)
            .zip(self.upper.chunks_mut(chunk))
            .zip(self.lower.chunks_mut(chunk))
            .enumerate()
            .collect();
        let recomputed = map_ordered(tasks, parallel, |(c, ((labels, upper), lower))| {
            let part = rows.slice_rows(c * chunk, (c + 1) * chunk);
            // Both tests select rows by branch-free compaction (write the index, advance by the
            // test's outcome): whether a row is skipped is close to random on overlapping
            // clusters, and mispredicted branches dominated this loop. (`>=` is the exact negation
            // of the skip test `<`: bounds are never NaN, at most +∞ when k = 1.)
            let mut todo: Vec<usize> = vec![0; part.n_rows()];
            let mut doubtful = 0;
            for i in 0..part.n_rows() {
                let a = labels[i];
                upper[i] += drift[a];
                lower[i] = (lower[i] - max_other_drift[a]).max(0.0);
                let bound = half_gap[a].max(lower[i]);
                todo[doubtful] = i;
                doubtful += usize::from(upper[i] * (1.0 + SLACK) >= bound);
            }
            // Tighten u(i) to the distance (a bound's, within `tighten` of the direct one) and
            // test again.
            let mut to_own = vec![0.0; doubtful];
            kernels::sq_dists_to_own(part, &todo[..doubtful], labels, centroids, &mut to_own);
            let mut still_doubtful = 0;
            for (t, &sq) in to_own.iter().enumerate() {
                let i = todo[t];
                let a = labels[i];
                let bound = half_gap[a].max(lower[i]);
                upper[i] = (sq * tighten).sqrt() * (1.0 + SLACK);
                todo[still_doubtful] = i;
                still_doubtful += usize::from(upper[i] * (1.0 + SLACK) >= bound);
            }
            todo.truncate(still_doubtful);
            if todo.is_empty() {
                return 0;
            }
            // The rows whose label is in doubt go through the tile kernel together.
            let m = todo.len();
            let (mut gl, mut gu, mut glo) = (vec![0; m], vec![0.0; m], vec![0.0; m]);
            let mut scratch = Scratch::new(&prep);
            let out = AssignOut {
                labels: &mut gl,
                upper_sq: &mut gu,
                second_lower_sq: Some(&mut glo),
            };
            kernels::assign(part, Some(&todo), &prep, &mut scratch, out, None);
            for (t, &i) in todo.iter().enumerate() {
                labels[i] = gl[t];
                upper[i] = gu[t].sqrt() * (1.0 + SLACK);
                lower[i] = glo[t].sqrt() * (1.0 - SLACK);
            }
            m
        });
        recomputed.iter().sum()
    }
}

impl<T: Float> BoundedStep<T> for HamerlyBounds {
    fn step(
        &mut self,
        rows: RowMajor<'_, T>,
        centroids: &[f64],
        previous: &[f64],
        labels: &mut [usize],
    ) -> usize {
        let k = centroids.len() / rows.n_features();
        self.recompute(rows, centroids, previous, labels) * k
    }

    fn start_from(
        &mut self,
        rows: RowMajor<'_, T>,
        start: &[f64],
        warm: WarmStart<'_>,
    ) -> Option<Vec<usize>> {
        let (bounds, labels) = HamerlyBounds::warm(rows, start, warm);
        *self = bounds;
        Some(labels)
    }

    fn into_row_bounds(self: Box<Self>) -> Option<RowBounds> {
        self.ready.then_some(RowBounds {
            upper: self.upper,
            lower: self.lower,
        })
    }
}
