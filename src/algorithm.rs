//! The iteration: Lloyd's algorithm over the tiled kernel, chunked and merged in a fixed order.

use crate::hamerly::HamerlyBounds;
use crate::kernels::{self, AssignOut, Prepared, Scratch};
use crate::parallel::{chunk_rows, map_ordered, worth_parallel};
use crate::update::{self, ClusterSums, SumFrame};
use crate::yinyang::YinyangBounds;
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
    /// Hamerly's algorithm (SDM 2010): two distance bounds per row skip the rows whose label
    /// cannot change; the rest go through the same tiled kernel. O(n) extra memory. Pays off
    /// once most rows stay put, which on clustered data is after a few iterations at any k
    /// and dimension.
    Hamerly,
    /// Simplified Yinyang (Ding et al., ICML 2015): the centroids are split once into about
    /// k/10 groups; each row keeps an upper bound and one lower bound per group, so a row whose
    /// label is in doubt is compared only with the groups that could hold a nearer centroid,
    /// batched per group through the tiled kernel. `4·⌈k/10⌉ + 20` bytes per row. On this
    /// crate's kernel it has not yet beaten Hamerly on any configuration measured (see
    /// `DESIGN.md`), so `Auto` does not choose it.
    Yinyang,
    /// Chosen by the crate: Hamerly (to convergence it beat Lloyd and Yinyang on every
    /// configuration measured, from k = 3 to 1000 and 2 to 784 features; see `DESIGN.md`), or
    /// Lloyd for k = 1, falling back to Lloyd for the rest of the run when (after the first
    /// three iterations) the bounds save less than a quarter of the distance computations
    /// three iterations in a row.
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
    /// Which exact algorithm assigns the rows.
    pub algorithm: Algorithm,
}

/// One assignment step over all rows: labels and distance bounds written in place (the
/// runner-up bound too when `second_lower_sq` is given), the cluster sums (in `frame`)
/// returned when a frame is given. Chunks run in parallel.
pub(crate) fn assign_all<T: Float, C: Float>(
    rows: RowMajor<'_, T>,
    centroids: &[C],
    labels: &mut [usize],
    upper_sq: &mut [f64],
    second_lower_sq: Option<&mut [f64]>,
    frame: Option<&SumFrame>,
) -> ClusterSums {
    let n = rows.n_rows();
    let d = rows.n_features();
    let prep = Prepared::new(centroids, d);
    let k = prep.k();
    let chunk = chunk_rows(n, k, d);
    let parallel = worth_parallel(n * k * d);
    let mut seconds: Vec<Option<&mut [f64]>> = match second_lower_sq {
        Some(s) => s.chunks_mut(chunk).map(Some).collect(),
        None => Vec::new(),
    };
    seconds.resize_with(n.div_ceil(chunk), || None);
    let tasks: Vec<_> = labels
        .chunks_mut(chunk)
        .zip(upper_sq.chunks_mut(chunk))
        .zip(seconds)
        .enumerate()
        .collect();
    let partials = map_ordered(tasks, parallel, |(c, ((l, u), second))| {
        let part = rows.slice_rows(c * chunk, (c + 1) * chunk);
        let mut scratch = Scratch::new(&prep);
        let mut acc = match frame {
            Some(_) => ClusterSums::zeros(k, d),
            None => ClusterSums::zeros(0, 0),
        };
        let sums = frame.map(|f| (&mut acc, f));
        let out = AssignOut {
            labels: l,
            upper_sq: u,
            second_lower_sq: second,
        };
        kernels::assign(part, None, &prep, &mut scratch, out, sums);
        acc
    });
    let mut total = ClusterSums::zeros(if frame.is_some() { k } else { 0 }, d);
    for p in &partials {
        total.merge(p);
    }
    total
}

/// Inertia: `Σ ‖xᵢ − c_{label(i)}‖²` by direct f64 distances, summed per chunk in order.
pub(crate) fn inertia<T: Float, C: Float>(rows: RowMajor<'_, T>, centroids: &[C], labels: &[usize]) -> f64 {
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

/// The bounds an accelerated run keeps across iterations.
enum Bounds {
    Hamerly(HamerlyBounds),
    Yinyang(YinyangBounds),
}

impl Bounds {
    /// One assignment step; returns the number of (row, centroid) distances computed.
    fn step<T: Float>(
        &mut self,
        rows: RowMajor<'_, T>,
        centroids: &[f64],
        previous: &[f64],
        labels: &mut [usize],
    ) -> usize {
        match self {
            Bounds::Hamerly(b) => {
                b.step(rows, centroids, previous, labels) * (centroids.len() / rows.n_features())
            }
            Bounds::Yinyang(b) => b.step(rows, centroids, previous, labels),
        }
    }
}

/// Which bounds (if any) `algorithm` uses for `k` centroids.
fn choose_bounds(algorithm: Algorithm, n: usize, k: usize) -> Option<Bounds> {
    match algorithm {
        Algorithm::Lloyd => None,
        Algorithm::Hamerly => Some(Bounds::Hamerly(HamerlyBounds::new(n))),
        Algorithm::Yinyang => Some(Bounds::Yinyang(YinyangBounds::new(n))),
        // One centroid: every label is 0 after the first pass.
        Algorithm::Auto if k == 1 => None,
        // Hamerly at every k and dimension: with the running sums, its iteration costs little
        // more than reading the bounds once few rows move, and Yinyang has not beaten it on any
        // configuration measured (see DESIGN.md): a full recompute of the rows Hamerly cannot
        // prove costs little more, through the tile kernel, than Yinyang's per-group work.
        Algorithm::Auto => Some(Bounds::Hamerly(HamerlyBounds::new(n))),
    }
}

/// One run from `init`, with scikit-learn's stopping rule: stop when the labels no longer change
/// ("strict" convergence) or when the total squared centroid shift is at most `tol`. Without
/// strict convergence, one more assignment makes the labels consistent with the returned
/// centroids. Every algorithm produces the same labels each iteration (they are all exact), and
/// the sums are exact integers (see [`update`]), so they all return the same model.
pub(crate) fn run<T: Float>(rows: RowMajor<'_, T>, init: Vec<T>, cfg: RunConfig) -> RunOutcome<T> {
    let n = rows.n_rows();
    let d = rows.n_features();
    let k = init.len() / d;
    let mut bounds = choose_bounds(cfg.algorithm, n, k);
    let frame = SumFrame::new(rows);
    // With bounds: the cluster sums over `labels_old`, kept up to date incrementally.
    let mut running: Option<ClusterSums> = None;
    // Under Auto, give up on the bounds after three iterations in a row in which they saved
    // less than a quarter of the distances: Lloyd's full pass is then cheaper.
    let mut poor_iterations = 0;
    // Centroids stay in f64 during the run (they are f64 means of exact sums); only the returned
    // ones are rounded to T. So f32 data follows the same path as the same data in f64, even
    // far from the origin where rounding a centroid to f32 would move it noticeably.
    let mut centroids: Vec<f64> = init.iter().map(|v| v.to_f64_()).collect();
    let mut next = centroids.clone();
    let mut previous = centroids.clone();
    let mut labels = vec![usize::MAX; n];
    let mut labels_old = vec![usize::MAX; n];
    let mut upper = vec![0.0_f64; n];
    let mut strict = false;
    let mut converged = false;
    let mut n_iter = 0;
    for it in 0..cfg.max_iter {
        n_iter = it + 1;
        let mut acc = match bounds.as_mut() {
            Some(b) => {
                let computed = b.step(rows, &centroids, &previous, &mut labels);
                // The first iterations move centroids far and prune little on any data; judge
                // the bounds only after those.
                if cfg.algorithm == Algorithm::Auto && it >= 3 {
                    poor_iterations = if 4 * computed > 3 * n * k {
                        poor_iterations + 1
                    } else {
                        0
                    };
                    if poor_iterations >= 3 {
                        bounds = None;
                    }
                }
                // The sums are exact integers, so moving only the rows that changed cluster
                // gives the same sums as adding up every row (which is cheaper when most moved).
                let moved = labels.iter().zip(&labels_old).filter(|(a, b)| a != b).count();
                let sums = match running.take() {
                    Some(mut sums) if 4 * moved <= n => {
                        sums.update_moved(rows, &labels_old, &labels, &frame);
                        sums
                    }
                    _ => ClusterSums::from_labels(rows, &labels, k, &frame),
                };
                running = Some(sums.clone());
                sums
            }
            None => assign_all(rows, &centroids, &mut labels, &mut upper, None, Some(&frame)),
        };
        update::relocate_empty_clusters(rows, &labels, &centroids, &mut acc, &frame);
        update::finish_means(&acc, &frame, &centroids, &mut next);
        let shift = update::total_sq_shift(&centroids, &next);
        previous.copy_from_slice(&centroids);
        std::mem::swap(&mut centroids, &mut next);
        if labels == labels_old {
            converged = true;
            // Labels are the nearest of the centroids they were computed against; if this last
            // update still moved a centroid (an empty-cluster relocation, or rounding when such a
            // move is undone), they must be computed again below.
            strict = shift == 0.0;
            break;
        }
        if shift <= cfg.tol {
            converged = true;
            break;
        }
        labels_old.copy_from_slice(&labels);
    }
    if !strict {
        assign_all(rows, &centroids, &mut labels, &mut upper, None, None);
    }
    let centroids: Vec<T> = centroids.iter().map(|&v| T::from_f64_(v)).collect();
    let inertia = inertia(rows, &centroids, &labels);
    RunOutcome {
        centroids,
        labels,
        inertia,
        n_iter,
        converged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datasets::make_blobs;

    fn fit_with<T: Float>(data: &[T], d: usize, k: usize, algorithm: Algorithm, tol: f64) -> RunOutcome<T> {
        let rows = RowMajor::new(data, d).unwrap();
        let init = data[..k * d].to_vec();
        run(
            rows,
            init,
            RunConfig {
                max_iter: 100,
                tol,
                algorithm,
            },
        )
    }

    fn assert_same<T: Float>(a: &RunOutcome<T>, b: &RunOutcome<T>) {
        assert_eq!(a.labels, b.labels);
        assert_eq!(a.centroids, b.centroids);
        assert_eq!(a.n_iter, b.n_iter);
        assert_eq!(a.inertia.to_bits(), b.inertia.to_bits());
    }

    #[test]
    fn hamerly_and_auto_equal_lloyd_bit_for_bit() {
        for &(n, d, k, std, seed) in &[
            (2000, 2, 16, 1.5, 1),
            (1500, 5, 9, 3.0, 2),
            (900, 20, 12, 6.0, 3),
            (300, 3, 40, 0.5, 4),
            (3000, 24, 57, 4.0, 5),
            (2500, 40, 120, 8.0, 6),
        ] {
            let b64 = make_blobs::<f64>(n, d, k, std, seed).unwrap();
            let lloyd = fit_with(&b64.data, d, k, Algorithm::Lloyd, 0.0);
            assert_same(&lloyd, &fit_with(&b64.data, d, k, Algorithm::Hamerly, 0.0));
            assert_same(&lloyd, &fit_with(&b64.data, d, k, Algorithm::Yinyang, 0.0));
            assert_same(&lloyd, &fit_with(&b64.data, d, k, Algorithm::Auto, 0.0));
            let b32 = make_blobs::<f32>(n, d, k, std, seed).unwrap();
            let lloyd = fit_with(&b32.data, d, k, Algorithm::Lloyd, 1e-9);
            assert_same(&lloyd, &fit_with(&b32.data, d, k, Algorithm::Hamerly, 1e-9));
            assert_same(&lloyd, &fit_with(&b32.data, d, k, Algorithm::Yinyang, 1e-9));
        }
    }

    #[test]
    fn hamerly_handles_duplicate_centroids_and_empty_clusters() {
        // Many identical rows: several centroids coincide and clusters empty out.
        let mut data = vec![1.0_f64; 200];
        data.extend((0..100).map(|i| (i % 7) as f64));
        let lloyd = fit_with(&data, 1, 10, Algorithm::Lloyd, 0.0);
        assert_same(&lloyd, &fit_with(&data, 1, 10, Algorithm::Hamerly, 0.0));
        assert_same(&lloyd, &fit_with(&data, 1, 10, Algorithm::Yinyang, 0.0));
        let lloyd = fit_with(&data, 1, 25, Algorithm::Lloyd, 0.0);
        assert_same(&lloyd, &fit_with(&data, 1, 25, Algorithm::Yinyang, 0.0));
        assert!(lloyd.centroids.iter().all(|c| c.is_finite()));
    }
}
