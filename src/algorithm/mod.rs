//! The iterations of one run, and the exact algorithms that assign rows in them.
//!
//! * [`iterate`]: the loop of one run (assign, update, stop), the same for every algorithm;
//! * [`bounds`]: the [`BoundedStep`](bounds::BoundedStep) trait that an accelerated assignment
//!   step implements (Hamerly, Yinyang; Elkan or a mini-batch step would go here too), and the
//!   centroid-geometry helpers they share;
//! * [`hamerly`], [`yinyang`]: the two bounded steps;
//! * [`context`]: the [`FitContext`] carried through a fit.

mod bounds;
pub(crate) mod context;
mod hamerly;
mod iterate;
mod yinyang;

use crate::assign::ClusterErrors;
pub(crate) use bounds::{RowBounds, WarmStart};
pub(crate) use context::{Facts, FitContext, Hook, Signal};
pub(crate) use iterate::{restore, run_from, run_warm};

/// Which exact algorithm runs the iterations. All of them give the same labels and centroids
/// from the same start (they differ only in how many distances they compute).
///
/// # Examples
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

/// Why a run stopped: scikit-learn's two convergence tests, or the iteration limit.
///
/// # Examples
///
/// ```
/// use k_means::{KMeans, StopReason};
///
/// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
/// let model = KMeans::new(2).tolerance(0.0).fit(&rows)?;
/// assert_eq!(model.stop_reason(), StopReason::LabelsUnchanged);
/// assert!(model.stop_reason().is_converged());
/// let capped = KMeans::new(2).max_iter(1).fit(&vec![[0.0_f64], [1.0], [2.0], [10.0]])?;
/// assert!(!capped.converged() || capped.stop_reason() != StopReason::MaxIter);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum StopReason {
    /// An iteration changed no label ("strict" convergence): the centroids are the means of
    /// their clusters and every row is at its nearest centroid.
    LabelsUnchanged,
    /// The total squared centroid shift of an iteration fell to the tolerance
    /// ([`KMeans::tolerance`](crate::KMeans::tolerance) × the data's mean per-feature
    /// variance); the labels were then computed once more against the final centroids.
    ToleranceReached,
    /// [`max_iter`](crate::KMeans::max_iter) iterations ran without either test passing.
    MaxIter,
    /// Stopped by the fit's observer or cancellation token
    /// ([`KMeans::observer`](crate::KMeans::observer),
    /// [`KMeans::cancel_token`](crate::KMeans::cancel_token)) before either test passed: the
    /// centroids are those of the last iteration done, with their exact labels and inertia.
    Cancelled,
    /// Not fitted: the model was built by
    /// [`KMeansModel::from_centroids`](crate::KMeansModel::from_centroids).
    FromCentroids,
    /// Mini-batch k-means ([`MiniBatchKMeans`](crate::MiniBatchKMeans)): the smoothed batch
    /// inertia reached no new low for `max_no_improvement` steps (scikit-learn's early stop).
    NoImprovement,
    /// The model of a stream ([`MiniBatchState::model`](crate::MiniBatchState::model)): the
    /// caller decides when a stream ends, so it is not said to have converged.
    Streamed,
}

impl StopReason {
    /// Whether the run converged (either test passed), as
    /// [`KMeansModel::converged`](crate::KMeansModel::converged) reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::StopReason;
    /// assert!(StopReason::ToleranceReached.is_converged());
    /// assert!(!StopReason::MaxIter.is_converged());
    /// ```
    #[must_use]
    pub fn is_converged(self) -> bool {
        matches!(
            self,
            StopReason::LabelsUnchanged | StopReason::ToleranceReached | StopReason::NoImprovement
        )
    }
}

/// What one run (one start) produced.
#[derive(Debug, Clone)]
pub(crate) struct RunOutcome<T> {
    pub centroids: Vec<T>,
    /// The centroids before rounding to `T`: `labels` are their assignment (so a checkpoint
    /// that keeps these recomputes the labels exactly, see `restore`).
    pub centroids_f64: Vec<f64>,
    pub labels: Vec<usize>,
    pub inertia: f64,
    pub n_iter: usize,
    pub stop: StopReason,
    /// Hamerly's bounds for `centroids_f64` and `labels` where the run kept them, for a run
    /// that starts from these centroids (breathing's next cycle); `None` otherwise.
    pub bounds: Option<RowBounds>,
    /// Each cluster's exact error, from the pass that computed `inertia` (for breathing's next
    /// cycle); `None` where the outcome was rebuilt or streamed.
    pub errors: Option<ClusterErrors>,
}

/// A run's state at an iteration boundary, all a run needs to continue exactly: `n_iter`
/// iterations done, `centroids` the current ones (C_i, f64) and `previous` the ones before
/// the last update (C_{i-1}: the previous labels, which the stopping test compares with, are
/// their assignment, recomputed on resume). A fresh run is `n_iter = 0` with both the start.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunState {
    pub n_iter: usize,
    pub centroids: Vec<f64>,
    pub previous: Vec<f64>,
}

impl RunState {
    /// The state of a run about to start from `init`.
    pub(crate) fn start<T: crate::float::Float>(init: &[T]) -> Self {
        let centroids: Vec<f64> = init.iter().map(|v| v.to_f64_()).collect();
        RunState {
            n_iter: 0,
            previous: centroids.clone(),
            centroids,
        }
    }
}
