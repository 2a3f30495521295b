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
//! outwards (relative slack [`SLACK`]), so a skipped row is one whose label the direct f64
//! computation would not change: Hamerly gives Lloyd's labels exactly, and since the centroid
//! sums are then taken from the labels in the same chunked order, Lloyd's centroids bit for bit.

use crate::algorithm::assign_all;
use crate::kernels::{self, AssignOut, Prepared, Scratch, sq_dist_f64};
use crate::parallel::{chunk_rows, map_ordered, worth_parallel};
use crate::{Float, RowMajor};

/// Relative outward rounding applied to every bound update and test.
const SLACK: f64 = 1e-10;

/// Per-row bounds, kept across iterations of one run.
#[derive(Debug, Clone)]
pub(crate) struct HamerlyBounds {
    /// `u(i)`: an upper bound on the distance from row i to its centroid.
    upper: Vec<f64>,
    /// `l(i)`: a lower bound on the distance from row i to any other centroid.
    lower: Vec<f64>,
    /// Whether the bounds hold for the current labels (false until the first full pass).
    ready: bool,
}

impl HamerlyBounds {
    pub(crate) fn new(n: usize) -> Self {
        HamerlyBounds {
            upper: vec![0.0; n],
            lower: vec![0.0; n],
            ready: false,
        }
    }

    /// One assignment step: brings `labels` up to date with `centroids` (which moved from
    /// `previous`), computing distances only for rows whose bounds do not prove their label.
    /// Returns how many rows needed the full computation.
    pub(crate) fn step<T: Float>(
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
            assign_all(
                rows,
                centroids,
                labels,
                &mut self.upper,
                Some(&mut self.lower),
                None,
            );
            for v in &mut self.upper {
                *v = v.sqrt() * (1.0 + SLACK);
            }
            for v in &mut self.lower {
                *v = v.sqrt() * (1.0 - SLACK);
            }
            return n;
        }

        let (drift, max_other_drift) = centroid_drift(centroids, previous, d);
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
            // Tighten u(i) to the exact distance and test again.
            let mut still_doubtful = 0;
            for t in 0..doubtful {
                let i = todo[t];
                let a = labels[i];
                let bound = half_gap[a].max(lower[i]);
                upper[i] = sq_dist_f64(part.row(i), &centroids[a * d..(a + 1) * d]).sqrt() * (1.0 + SLACK);
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

/// How far each centroid moved, `δⱼ` (rounded up), and per centroid the largest move of any
/// other centroid (what its rows' bound on every other centroid must give up).
pub(crate) fn centroid_drift(centroids: &[f64], previous: &[f64], d: usize) -> (Vec<f64>, Vec<f64>) {
    let drift: Vec<f64> = centroids
        .chunks_exact(d)
        .zip(previous.chunks_exact(d))
        .map(|(a, b)| sq_dist_f64(a, b).sqrt() * (1.0 + SLACK))
        .collect();
    let (mut max1, mut max1_at, mut max2) = (0.0_f64, usize::MAX, 0.0_f64);
    for (j, &v) in drift.iter().enumerate() {
        if v > max1 {
            (max2, max1, max1_at) = (max1, v, j);
        } else if v > max2 {
            max2 = v;
        }
    }
    let max_other = (0..drift.len())
        .map(|j| if j == max1_at { max2 } else { max1 })
        .collect();
    (drift, max_other)
}

/// `s(j)`: half the distance from centroid j to its nearest other centroid (a lower bound,
/// from the kernel's certified second-nearest bound; +∞ when k = 1).
pub(crate) fn half_distance_to_nearest_other(centroids: &[f64], d: usize) -> Vec<f64> {
    let k = centroids.len() / d;
    let rows = RowMajor::new(centroids, d).expect("whole rows of d features");
    let (mut labels, mut upper, mut second) = (vec![0; k], vec![0.0; k], vec![0.0; k]);
    // Each centroid is nearest to itself (or to an identical one, at distance 0, which the
    // runner-up bound then reports as 0 too): the runner-up bound is the nearest other one.
    assign_all(rows, centroids, &mut labels, &mut upper, Some(&mut second), None);
    second.iter().map(|&s| 0.5 * s.sqrt() * (1.0 - SLACK)).collect()
}
