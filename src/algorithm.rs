//! The iteration: Lloyd's algorithm over the tiled kernel, chunked and merged in a fixed order.

use crate::kernels::{self, AssignOut, Prepared, Scratch};
use crate::parallel::{chunk_rows, map_ordered, worth_parallel};
use crate::update::{self, ClusterSums};
use crate::{Float, RowMajor};

/// Which exact algorithm runs the iterations. All of them give the same labels and centroids
/// from the same start (they differ only in how many distances they compute).
///
/// # Example
///
/// ```
/// use k_means::{Algorithm, KMeans};
///
/// let rows = vec![[0.0_f32, 0.0], [0.0, 1.0], [9.0, 9.0], [9.0, 8.0]];
/// let model = KMeans::new(2).algorithm(Algorithm::Lloyd).seed(1).fit(&rows)?;
/// assert_eq!(model.k(), 2);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Algorithm {
    /// Lloyd's algorithm: every row against every centroid, every iteration, through the
    /// tiled SIMD kernel. The right choice for small k and poorly separated data.
    Lloyd,
    /// Chosen by the crate from the data's shape (currently always [`Algorithm::Lloyd`]).
    #[default]
    Auto,
}

/// What one run (one start) produced.
#[derive(Debug, Clone)]
pub(crate) struct RunOutcome<T> {
    pub centroids: Vec<T>,
    pub labels: Vec<usize>,
    pub inertia: f64,
    pub n_iter: usize,
    pub converged: bool,
}

/// Per-fit constants.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunConfig {
    pub max_iter: usize,
    /// Absolute tolerance on the total squared centroid shift.
    pub tol: f64,
}

/// One assignment step over all rows: labels (and distance bounds) written in place, the
/// cluster sums returned when `with_sums` is set. Chunks run in parallel and merge in order.
pub(crate) fn assign_all<T: Float>(
    rows: RowMajor<'_, T>,
    centroids: &[T],
    labels: &mut [usize],
    upper_sq: &mut [f64],
    with_sums: bool,
) -> ClusterSums {
    let n = rows.n_rows();
    let d = rows.n_features();
    let prep = Prepared::new(centroids, d);
    let k = prep.k();
    let chunk = chunk_rows(n, k, d);
    let parallel = worth_parallel(n * k * d);
    let tasks: Vec<(usize, &mut [usize], &mut [f64])> = labels
        .chunks_mut(chunk)
        .zip(upper_sq.chunks_mut(chunk))
        .enumerate()
        .map(|(c, (l, u))| (c, l, u))
        .collect();
    let partials = map_ordered(tasks, parallel, |(c, l, u)| {
        let part = rows.slice_rows(c * chunk, (c + 1) * chunk);
        let mut scratch = Scratch::new(&prep);
        let mut acc = if with_sums {
            ClusterSums::zeros(k, d)
        } else {
            ClusterSums::zeros(0, 0)
        };
        let sums = with_sums.then_some((&mut acc.sums[..], &mut acc.counts[..]));
        let out = AssignOut {
            labels: l,
            upper_sq: u,
            second_lower_sq: None,
        };
        kernels::assign(part, &prep, &mut scratch, out, sums);
        acc
    });
    let mut total = ClusterSums::zeros(if with_sums { k } else { 0 }, d);
    for p in &partials {
        total.merge(p);
    }
    total
}

/// Inertia: `Σ ‖xᵢ − c_{label(i)}‖²` by direct f64 distances, summed per chunk in order.
pub(crate) fn inertia<T: Float>(rows: RowMajor<'_, T>, centroids: &[T], labels: &[usize]) -> f64 {
    let n = rows.n_rows();
    let d = rows.n_features();
    let chunk = chunk_rows(n, 1, d);
    let partial = map_ordered(
        (0..n.div_ceil(chunk)).collect(),
        worth_parallel(n * d),
        |c: usize| {
            let mut s = 0.0;
            for i in c * chunk..((c + 1) * chunk).min(n) {
                let l = labels[i];
                s += kernels::sq_dist_f64(rows.row(i), &centroids[l * d..(l + 1) * d]);
            }
            s
        },
    );
    partial.iter().sum()
}

/// Lloyd's algorithm from `init`, with scikit-learn's stopping rule: stop when the labels no
/// longer change ("strict" convergence) or when the total squared centroid shift is at most
/// `tol`. Without strict convergence, one more assignment makes the labels consistent with the
/// returned centroids.
pub(crate) fn lloyd<T: Float>(rows: RowMajor<'_, T>, init: Vec<T>, cfg: RunConfig) -> RunOutcome<T> {
    let n = rows.n_rows();
    let mut centroids = init;
    let mut next = centroids.clone();
    let mut labels = vec![usize::MAX; n];
    let mut labels_old = vec![usize::MAX; n];
    let mut upper = vec![0.0_f64; n];
    let mut strict = false;
    let mut converged = false;
    let mut n_iter = 0;
    for it in 0..cfg.max_iter {
        n_iter = it + 1;
        let mut acc = assign_all(rows, &centroids, &mut labels, &mut upper, true);
        update::relocate_empty_clusters(rows, &labels, &centroids, &mut acc);
        update::finish_means(&acc, &centroids, &mut next);
        let shift = update::total_sq_shift(&centroids, &next);
        std::mem::swap(&mut centroids, &mut next);
        if labels == labels_old {
            strict = true;
            converged = true;
            break;
        }
        if shift <= cfg.tol {
            converged = true;
            break;
        }
        labels_old.copy_from_slice(&labels);
    }
    if !strict {
        assign_all(rows, &centroids, &mut labels, &mut upper, false);
    }
    let inertia = inertia(rows, &centroids, &labels);
    RunOutcome {
        centroids,
        labels,
        inertia,
        n_iter,
        converged,
    }
}
