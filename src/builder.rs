//! The `KMeans` builder: options, validation at the boundary, restarts, refinement.

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

use crate::algorithm::{self, Algorithm, Facts, FitContext, Hook, RunOutcome, RunState, Signal, StopReason};
use crate::checkpoint::{Checkpoint, Identity, Phase, Resume, Tracker, fingerprint};
use crate::collective::Collective;
use crate::comm::Comm;
use crate::data::AsRows;
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::init::{self, Init};
use crate::model::KMeansModel;
use crate::observe::{CancelToken, FitEvent, FitStage, Observer, OnCancel, Watch};
use crate::part::{Part, quantize_weights};
use crate::refine;
use crate::refinement::Refine;
use crate::report::{FitOptions, Tally};
use crate::validate;

/// The caller's checkpoint callback, as the fit carries it.
type OnCheckpoint<'a, T> = &'a mut dyn FnMut(&Checkpoint<T>) -> Result<(), KMeansError>;

/// Default maximum number of iterations per run (scikit-learn's).
///
/// # Examples
///
/// ```
/// use k_means::{DEFAULT_MAX_ITER, KMeans};
/// let model = KMeans::new(1).fit(&vec![[0.0_f64], [1.0]])?;
/// assert!(model.n_iter() <= DEFAULT_MAX_ITER);
/// assert_eq!(DEFAULT_MAX_ITER, 300);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub const DEFAULT_MAX_ITER: usize = 300;
/// Default relative tolerance (scikit-learn's), scaled by the data's mean per-feature variance.
///
/// # Examples
///
/// ```
/// use k_means::{DEFAULT_TOLERANCE, KMeans};
/// let rows = vec![[0.0_f64], [1.0], [10.0]];
/// assert_eq!(KMeans::new(2).fit(&rows)?, KMeans::new(2).tolerance(DEFAULT_TOLERANCE).fit(&rows)?);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub const DEFAULT_TOLERANCE: f64 = 1e-4;
/// Default `m` of the breathing k-means refinement applied to seeded starts.
///
/// # Examples
///
/// ```
/// use k_means::{DEFAULT_BREATHING_M, KMeans, Refine};
/// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
/// let refined = KMeans::new(2).refine(Refine::Breathing { m: DEFAULT_BREATHING_M }).fit(&rows)?;
/// assert_eq!(refined, KMeans::new(2).fit(&rows)?);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub const DEFAULT_BREATHING_M: usize = 2;
/// Default seed: fits are reproducible unless the caller asks for another seed.
///
/// # Examples
///
/// ```
/// use k_means::{DEFAULT_SEED, KMeans};
/// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
/// assert_eq!(KMeans::new(2).fit(&rows)?, KMeans::new(2).seed(DEFAULT_SEED).fit(&rows)?);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub const DEFAULT_SEED: u64 = 0;

/// A k-means configuration: build it with [`KMeans::new`], set options, then [`fit`](KMeans::fit).
///
/// | option | default | meaning |
/// |---|---|---|
/// | [`max_iter`](KMeans::max_iter) | 300 | iterations per run at most |
/// | [`tolerance`](KMeans::tolerance) | 1e-4 | stop when the total squared centroid shift is at most this times the mean per-feature variance |
/// | [`n_init`](KMeans::n_init) | 1 for k-means++, 10 for random | runs from different starts; the lowest inertia wins |
/// | [`init`](KMeans::init) | [`Init::default_for`] the data's size: greedy k-means++ (`2 + ⌊ln k⌋` candidates) below `n·k·d = 2²¹`, k-means‖ from it on | the start |
/// | [`algorithm`](KMeans::algorithm) | [`Algorithm::Auto`] | exact algorithm (all give the same result) |
/// | [`refine`](KMeans::refine) | `Breathing { m: 2 }`, or `None` for precomputed starts | breathing k-means after the runs |
/// | [`seed`](KMeans::seed) | 0 | seed of the portable RNG (Xoshiro256++) |
/// | [`observer`](KMeans::observer) | none | a callback receiving the fit's events, which may stop it |
/// | [`cancel_token`](KMeans::cancel_token) | none | a flag that stops the fit from another thread |
/// | [`on_cancel`](KMeans::on_cancel) | [`OnCancel::Error`] | what a stopped fit returns |
///
/// These follow scikit-learn's `KMeans` with two exceptions: the seed is fixed by default (the
/// same data and options give the same model, bit for bit, on any number of threads), and fits
/// from a random or k-means++ start are refined by breathing k-means, which finds much better
/// clusterings for a small multiple of the cost ([`KMeans::refine`]; `.refine(Refine::None)`
/// gives scikit-learn's plain fit).
///
/// # Examples
///
/// ```
/// use k_means::KMeans;
///
/// let rows = vec![[1.0_f64, 1.0], [1.5, 2.0], [8.0, 8.0], [9.0, 8.5], [1.0, 0.5]];
/// let model = KMeans::new(2).fit(&rows)?;
/// assert_eq!(model.labels()[0], model.labels()[1]);
/// assert_ne!(model.labels()[0], model.labels()[2]);
/// assert!(model.converged());
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct KMeans<T> {
    k: usize,
    max_iter: usize,
    tolerance: f64,
    n_init: Option<usize>,
    /// `None`: [`Init::default_for`] the data's size, decided once the row count is agreed.
    init: Option<Init<T>>,
    algorithm: Algorithm,
    /// `None`: the default, which depends on the start (see [`KMeans::refine`]).
    refine: Option<Refine>,
    seed: u64,
    /// Not saved: a closure, and no option of the result.
    #[cfg_attr(feature = "serde", serde(skip))]
    observer: Option<Observer>,
    /// Not saved: a flag of this process.
    #[cfg_attr(feature = "serde", serde(skip))]
    cancel: Option<CancelToken>,
    #[cfg_attr(feature = "serde", serde(default))]
    on_cancel: OnCancel,
}

impl<T: Float> KMeans<T> {
    /// A configuration for `k` clusters with the default options.
    ///
    /// # Examples
    ///
    /// ```
    /// let model = k_means::KMeans::new(1).fit(&vec![[2.0_f64], [4.0]])?;
    /// assert_eq!(model.centroids(), &[3.0]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn new(k: usize) -> Self {
        KMeans {
            k,
            max_iter: DEFAULT_MAX_ITER,
            tolerance: DEFAULT_TOLERANCE,
            n_init: None,
            init: None,
            algorithm: Algorithm::Auto,
            refine: None,
            seed: DEFAULT_SEED,
            observer: None,
            cancel: None,
            on_cancel: OnCancel::Error,
        }
    }

    /// The maximum number of iterations of each run (≥ 1).
    ///
    /// # Examples
    ///
    /// ```
    /// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
    /// let model = k_means::KMeans::new(2).max_iter(1).fit(&rows)?;
    /// assert_eq!(model.n_iter(), 1);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// The relative tolerance (finite, ≥ 0): a run stops when `Σⱼ ‖Δcⱼ‖²` is at most
    /// `tolerance × mean per-feature variance of the data`, or when no label changes. 0 runs to
    /// strict convergence.
    ///
    /// # Examples
    ///
    /// ```
    /// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
    /// let model = k_means::KMeans::new(2).tolerance(0.0).fit(&rows)?;
    /// assert!(model.converged());
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The number of runs from different starts (≥ 1); the run with the lowest inertia is kept,
    /// with its own labels. Defaults to 1 for k-means++ and 10 for random starts; ignored for
    /// precomputed starts.
    ///
    /// # Examples
    ///
    /// ```
    /// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
    /// let model = k_means::KMeans::new(2).n_init(5).fit(&rows)?;
    /// assert_eq!(model.inertia(), 1.0);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = Some(n_init);
        self
    }

    /// How the initial centroids are chosen; see [`Init`].
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, KMeans};
    /// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
    /// let model = KMeans::new(2).init(Init::Random).fit(&rows)?;
    /// assert_eq!(model.inertia(), 1.0);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn init(mut self, init: Init<T>) -> Self {
        self.init = Some(init);
        self
    }

    /// Which exact algorithm runs the iterations; see [`Algorithm`].
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Algorithm, KMeans};
    /// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
    /// let model = KMeans::new(2).algorithm(Algorithm::Lloyd).fit(&rows)?;
    /// assert_eq!(model.inertia(), 1.0);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Whether and how to improve on the best run's local optimum; see [`Refine`].
    ///
    /// By default, fits from a random or k-means++ start are refined with
    /// `Refine::Breathing { m: 2 }`: on Fränti's benchmark sets it finds every cluster in every
    /// run where plain k-means++ (scikit-learn's default) misses one in more than half the runs,
    /// for about twice the cost of a plain fit; see the README's quality table. Fits from an
    /// [`Init::Precomputed`] start are not refined by default: they run Lloyd's iterations from
    /// the given centroids, as scikit-learn does.
    /// [`Refine::None`] gives a plain fit; [`Refine::breathing`] (`m = 5`) searches harder.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeans, Refine};
    /// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0], [20.0], [21.0]];
    /// let model = KMeans::new(3).refine(Refine::breathing()).fit(&rows)?;
    /// assert_eq!(model.inertia(), 1.5);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn refine(mut self, refine: Refine) -> Self {
        self.refine = Some(refine);
        self
    }

    /// The seed of the random starts. Same data, options and seed give the same model.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::KMeans;
    /// let rows: Vec<[f32; 2]> = (0..50).map(|i| [(i % 7) as f32, (i % 11) as f32]).collect();
    /// let a = KMeans::new(3).seed(42).fit(&rows)?;
    /// let b = KMeans::new(3).seed(42).fit(&rows)?;
    /// assert_eq!(a, b);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Calls `observer` with every [`FitEvent`] of every fit this builder runs: seeding
    /// progress, each iteration of each run (its total squared centroid shift and the rows
    /// that changed cluster), each run's end with its inertia, the kept restart, each breathing
    /// cycle; see [`FitEvent`] for the order. Returning `ControlFlow::Break(())` stops the fit
    /// as [`on_cancel`](Self::on_cancel) says: a single process stops at once (after the
    /// current iteration, or the current k-means++ centroid); over partitions the request is
    /// a vote exchanged with the next iteration's flag round, so every participant stops
    /// after the same iteration, one iteration later. An observer that never breaks changes
    /// nothing: the model is the same, bit for bit, as without it.
    ///
    /// The observer is shared by the builder's clones (and by the threads of
    /// [`fit_in_threads`](crate::distributed::fit_in_threads), each of which calls it with the
    /// same events); it is not saved with the builder (feature `serde`), and builders compare
    /// equal only if they share it. Without an observer or a [token](Self::cancel_token) a fit
    /// calls nothing per iteration.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{FitEvent, KMeans, KMeansError};
    /// use std::ops::ControlFlow;
    ///
    /// let rows: Vec<[f64; 2]> = (0..1000).map(|i| [(i % 31) as f64, (i % 17) as f64]).collect();
    /// // Stop after the third iteration of the first run.
    /// let km = KMeans::new(8).observer(|event| match event {
    ///     FitEvent::Iteration { iteration: 3, .. } => ControlFlow::Break(()),
    ///     _ => ControlFlow::Continue(()),
    /// });
    /// assert_eq!(km.fit(&rows).unwrap_err(), KMeansError::Cancelled);
    /// ```
    #[must_use]
    pub fn observer<F>(mut self, observer: F) -> Self
    where
        F: FnMut(&FitEvent) -> ControlFlow<()> + Send + 'static,
    {
        self.observer = Some(Observer(Arc::new(Mutex::new(observer))));
        self
    }

    /// Stops every fit of this builder once `token` is [cancelled](CancelToken::cancel) (from
    /// any thread): it is checked at every iteration boundary, after every centroid greedy
    /// k-means++ chooses, and between runs; the fit then ends as
    /// [`on_cancel`](Self::on_cancel) says. Over partitions a participant's cancelled token is
    /// a vote, as for [`observer`](Self::observer) (seeding is then not interrupted).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{CancelToken, KMeans, KMeansError};
    ///
    /// let rows: Vec<[f32; 2]> = (0..2000).map(|i| [(i % 37) as f32, (i % 23) as f32]).collect();
    /// let token = CancelToken::new();
    /// let km = KMeans::new(16).cancel_token(token.clone());
    /// let stopper = std::thread::spawn(move || token.cancel());
    /// stopper.join().unwrap();
    /// assert_eq!(km.fit(&rows).unwrap_err(), KMeansError::Cancelled);
    /// ```
    #[must_use]
    pub fn cancel_token(mut self, token: CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// What a fit stopped by its [`observer`](Self::observer) or
    /// [`cancel_token`](Self::cancel_token) returns: [`KMeansError::Cancelled`] (the default),
    /// or with [`OnCancel::BestSoFar`] the model of lowest inertia among the runs finished and
    /// the run interrupted, whose [`FitReport::stop_reason`](crate::FitReport) is
    /// [`StopReason::Cancelled`](crate::StopReason::Cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{FitEvent, KMeans, OnCancel, StopReason};
    /// use std::ops::ControlFlow;
    ///
    /// let rows: Vec<[f64; 2]> = (0..1000).map(|i| [(i % 31) as f64, (i % 17) as f64]).collect();
    /// let model = KMeans::new(8)
    ///     .observer(|event| match event {
    ///         FitEvent::Iteration { iteration: 2, .. } => ControlFlow::Break(()),
    ///         _ => ControlFlow::Continue(()),
    ///     })
    ///     .on_cancel(OnCancel::BestSoFar)
    ///     .fit(&rows)?;
    /// assert_eq!(model.n_iter(), 2);
    /// assert_eq!(model.stop_reason(), StopReason::Cancelled);
    /// assert_eq!(model.report().unwrap().stop_reason, StopReason::Cancelled);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn on_cancel(mut self, on_cancel: OnCancel) -> Self {
        self.on_cancel = on_cancel;
        self
    }

    /// The same configuration for `k` clusters (for [`KSweep`](crate::KSweep), which fits
    /// every k of a range with one builder's options).
    pub(crate) fn with_k(&self, k: usize) -> Self {
        KMeans { k, ..self.clone() }
    }

    /// Clusters `data` and returns the fitted model.
    ///
    /// `data` is anything [`AsRows`] reads: a [`RowMajor`] view or [`RowMajorBuf`](crate::RowMajorBuf),
    /// rows as arrays (`Vec<[T; D]>`, `&[[T; D]]`), rows of runtime width (`Vec<Vec<T>>`,
    /// `&[&[T]]`, copied once), and with the features `ndarray` / `arrow` 2-D arrays and Arrow
    /// data.
    ///
    /// # Errors
    ///
    /// * [`KMeansError::ZeroK`], [`KMeansError::ZeroMaxIter`], [`KMeansError::ZeroNInit`],
    ///   [`KMeansError::InvalidTolerance`] for bad options;
    /// * [`KMeansError::NoRows`] for empty data, [`KMeansError::ZeroFeatures`] for rows of
    ///   width 0, [`KMeansError::KTooLarge`] when k exceeds the number of rows,
    ///   [`KMeansError::KTooLargeForType`] for more than 2²⁴ clusters of `f32` data;
    /// * [`KMeansError::NonFinite`] / [`KMeansError::ValueTooLarge`] for a NaN, infinite or
    ///   overflowing value (with its row and column);
    /// * [`KMeansError::CentroidShape`] / [`KMeansError::NonFiniteCentroid`] /
    ///   [`KMeansError::CentroidTooLarge`] for a bad
    ///   [`Init::Precomputed`] start (held to the same magnitude limit as the data).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeans, KMeansError, RowMajor};
    ///
    /// let flat = vec![0.0_f32, 0.0, 0.1, 0.0, 5.0, 5.0, 5.1, 5.0];
    /// let model = KMeans::new(2).fit(&RowMajor::new(&flat, 2)?)?;
    /// assert_eq!(model.cluster_sizes(), &[2, 2]);
    /// assert_eq!(KMeans::new(5).fit(&RowMajor::new(&flat, 2)?).unwrap_err(),
    ///            KMeansError::KTooLarge { k: 5, n_rows: 4 });
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn fit<D: AsRows<T> + ?Sized>(&self, data: &D) -> Result<KMeansModel<T>, KMeansError> {
        self.fit_impl(data.as_rows()?.view(), None, 0, Comm::solo(), None, None)
    }

    /// Clusters `data` and returns only the label of every row (scikit-learn's
    /// `fit_predict`): `fit(data)?.labels()`, without keeping the model.
    ///
    /// # Errors
    ///
    /// As [`fit`](Self::fit).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::KMeans;
    ///
    /// let rows = vec![vec![0.0_f64, 0.0], vec![0.2, 0.1], vec![9.0, 9.0]];
    /// let labels = KMeans::new(2).fit_predict(&rows)?;
    /// assert_eq!(labels.len(), 3);
    /// assert_eq!(labels[0], labels[1]);
    /// assert_ne!(labels[0], labels[2]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn fit_predict<D: AsRows<T> + ?Sized>(&self, data: &D) -> Result<Vec<usize>, KMeansError> {
        Ok(self.fit(data)?.into_labels())
    }

    /// Clusters `data` with one non-negative weight per row, as scikit-learn's `sample_weight`:
    /// weights enter the k-means++ and random draws (by `w · D²` and by `w`), the cluster sums
    /// and weights (exact), the inertia `Σ wᵢ‖xᵢ − c‖²`, the empty-cluster policy (only rows of
    /// positive weight are moved), the tolerance (weighted variance) and breathing k-means.
    /// [`predict`](KMeansModel::predict) and [`transform`](KMeansModel::transform) are
    /// unchanged.
    ///
    /// Weights are quantized once to multiples of a power of two (so that they total at most
    /// 2⁶⁰ units); integer weights are kept exactly. Hence, from the same precomputed start,
    /// integer weights give the centroids and inertia of the rows repeated that many times, bit
    /// for bit, and scaling every weight by a power of two changes nothing but the inertia's
    /// scale. A row of weight 0 changes nothing that the row's absence would not, except that it
    /// receives a label: it is never drawn, never moved into an empty cluster, and adds nothing
    /// to any sum, range or tolerance. `cluster_sizes()` counts rows, not weight.
    ///
    /// # Errors
    ///
    /// As [`fit`](Self::fit), plus [`KMeansError::WeightCount`] if there is not one weight per
    /// row, [`KMeansError::InvalidWeight`] for a weight that is negative, NaN, infinite or above
    /// 2⁵³ (with its row), [`KMeansError::ZeroTotalWeight`] if every weight is 0, and
    /// [`KMeansError::KTooLarge`] when k exceeds the number of rows of positive weight.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, KMeans};
    ///
    /// let rows = vec![[0.0_f64], [1.0], [10.0]];
    /// let model = KMeans::new(2)
    ///     .init(Init::Precomputed(vec![0.0, 10.0]))
    ///     .fit_weighted(&rows, &[1.0, 3.0, 2.0])?;
    /// assert_eq!(model.centroids(), &[0.75, 10.0]);
    /// assert_eq!(model.inertia(), 0.75); // 1 · 0.75² + 3 · 0.25²
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn fit_weighted<D: AsRows<T> + ?Sized>(
        &self,
        data: &D,
        weights: &[T],
    ) -> Result<KMeansModel<T>, KMeansError> {
        self.fit_impl(data.as_rows()?.view(), Some(weights), 0, Comm::solo(), None, None)
    }

    /// The fit of all the participants' rows, run by one participant that holds `data`, rows
    /// `first_row ..` of the global order; every participant calls it with its own rows and the
    /// same options, through `collective` (see [`crate::distributed`]). Returns a model whose
    /// centroids, inertia, `n_iter` and stop reason are those of [`fit`](Self::fit) on all the
    /// rows, bit for bit, and whose labels are this participant's rows'.
    ///
    /// # Errors
    ///
    /// As [`fit`](Self::fit) on all the rows, with global row indices;
    /// [`KMeansError::PeerRefused`] when another participant's rows were refused;
    /// [`KMeansError::InvalidPartition`] when the participants' rows do not tile `0..n`;
    /// [`KMeansError::FeatureMismatch`] when they differ in width;
    /// [`KMeansError::Collective`] for a transport failure.
    ///
    /// # Examples
    ///
    /// One participant holding every row (any transport: see [`crate::distributed`]) gives
    /// [`fit`](Self::fit)'s model:
    ///
    /// ```
    /// use k_means::{KMeans, KMeansError, distributed::Collective};
    ///
    /// struct Alone;
    /// impl Collective for Alone {
    ///     fn size(&self) -> usize { 1 }
    ///     fn rank(&self) -> usize { 0 }
    ///     fn all_gather(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, KMeansError> {
    ///         Ok(vec![message.to_vec()])
    ///     }
    /// }
    ///
    /// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
    /// let km = KMeans::new(2);
    /// assert_eq!(km.fit_partition(&rows, 0, &mut Alone)?, km.fit(&rows)?);
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn fit_partition<D: AsRows<T> + ?Sized, C: Collective + ?Sized>(
        &self,
        data: &D,
        first_row: usize,
        collective: &mut C,
    ) -> Result<KMeansModel<T>, KMeansError> {
        let rows = data.as_rows()?;
        self.fit_with(rows.view(), None, first_row, collective, None, None)
    }

    /// [`fit_partition`](Self::fit_partition) with one weight per row of `data`, as
    /// [`fit_weighted`](Self::fit_weighted).
    ///
    /// # Errors
    ///
    /// As [`fit_partition`](Self::fit_partition) and [`fit_weighted`](Self::fit_weighted).
    ///
    /// # Examples
    ///
    /// Two participants in threads ([`crate::distributed::fit_weighted_in_threads`] calls this
    /// in each):
    ///
    /// ```
    /// use k_means::{KMeans, RowMajor, distributed::fit_weighted_in_threads};
    ///
    /// let data = [0.0_f64, 1.0, 10.0, 11.0];
    /// let weights = [1.0, 2.0, 1.0, 3.0];
    /// let km = KMeans::new(2);
    /// let parts = [RowMajor::new(&data[..1], 1)?, RowMajor::new(&data[1..], 1)?];
    /// let models = fit_weighted_in_threads(&km, &parts, &[&weights[..1], &weights[1..]])?;
    /// let whole = km.fit_weighted(&RowMajor::new(&data, 1)?, &weights)?;
    /// assert_eq!(models[1].centroids(), whole.centroids());
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn fit_partition_weighted<D: AsRows<T> + ?Sized, C: Collective + ?Sized>(
        &self,
        data: &D,
        weights: &[T],
        first_row: usize,
        collective: &mut C,
    ) -> Result<KMeansModel<T>, KMeansError> {
        let rows = data.as_rows()?;
        self.fit_with(rows.view(), Some(weights), first_row, collective, None, None)
    }

    /// [`fit`](Self::fit) (or, with `weights`, [`fit_weighted`](Self::fit_weighted)) with
    /// checkpoints: `on_checkpoint` is called at the end of every
    /// iteration the fit continues from, with a [`Checkpoint`] of the fit's state there, and
    /// with `resume` the fit starts from such a checkpoint instead of from the beginning. A
    /// fit resumed from any of its checkpoints returns the same model, bit for bit, as the fit
    /// that was not interrupted (it does not redo the iterations before the checkpoint).
    ///
    /// An error returned by `on_checkpoint` ends the fit with that error (the checkpoint it was
    /// given, or an earlier one, is where to resume from). The `Algorithm` is not part of a
    /// fit's identity: every algorithm gives the same result, so a fit may resume with another.
    ///
    /// # Errors
    ///
    /// As [`fit`](Self::fit) (and [`fit_weighted`](Self::fit_weighted) for `weights`);
    /// [`KMeansError::CheckpointMismatch`] when `resume` is a
    /// checkpoint of another fit (other k, data shape, seed, options or data), naming what
    /// differs; any error `on_checkpoint` returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Checkpoint, KMeans, KMeansError, RowMajor, datasets::make_blobs};
    ///
    /// let blobs = make_blobs::<f32>(400, 3, 5, 1.5, 2)?;
    /// let rows = RowMajor::new(&blobs.data, 3)?;
    /// let km = KMeans::new(5).seed(9);
    /// let whole = km.fit(&rows)?;
    /// // Interrupt the fit at its third checkpoint (an error from the callback ends it) ...
    /// let mut last: Option<Checkpoint<f32>> = None;
    /// let stopped = km.fit_resumable(&rows, None, None, |c| {
    ///     last = Some(c.clone());
    ///     if c.sequence() == 3 {
    ///         return Err(KMeansError::CheckpointFailed { reason: "stopped".into() });
    ///     }
    ///     Ok(())
    /// });
    /// assert!(stopped.is_err());
    /// // ... and resume it: the same model as the fit that ran through.
    /// let resumed = km.fit_resumable(&rows, None, last.as_ref(), |_| Ok(()))?;
    /// assert_eq!(resumed, whole);
    /// // A checkpoint of another fit is refused.
    /// let other = KMeans::new(5).seed(10).fit_resumable(&rows, None, last.as_ref(), |_| Ok(()));
    /// assert!(matches!(other, Err(KMeansError::CheckpointMismatch { what: "the seed", .. })));
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn fit_resumable<D: AsRows<T> + ?Sized, F: FnMut(&Checkpoint<T>) -> Result<(), KMeansError>>(
        &self,
        data: &D,
        weights: Option<&[T]>,
        resume: Option<&Checkpoint<T>>,
        mut on_checkpoint: F,
    ) -> Result<KMeansModel<T>, KMeansError> {
        self.fit_impl(
            data.as_rows()?.view(),
            weights,
            0,
            Comm::solo(),
            resume,
            Some(&mut on_checkpoint),
        )
    }

    /// [`fit_partition`](Self::fit_partition) (or, with `weights`,
    /// [`fit_partition_weighted`](Self::fit_partition_weighted)) with checkpoints, as
    /// [`fit_resumable`](Self::fit_resumable): every participant's `on_checkpoint` is called
    /// with the same checkpoints (they hold only global state, so one participant can store
    /// them for all), and every participant resumes from the same checkpoint.
    ///
    /// # Errors
    ///
    /// As [`fit_partition`](Self::fit_partition) and [`fit_resumable`](Self::fit_resumable).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::distributed::Collective;
    /// use k_means::{KMeans, KMeansError};
    ///
    /// // One participant holding every row: a collective of one returns its own message.
    /// struct Alone;
    /// impl Collective for Alone {
    ///     fn size(&self) -> usize { 1 }
    ///     fn rank(&self) -> usize { 0 }
    ///     fn all_gather(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, KMeansError> {
    ///         Ok(vec![message.to_vec()])
    ///     }
    /// }
    ///
    /// let rows = vec![[0.0_f64, 0.0], [0.5, 0.0], [9.0, 9.0], [9.5, 9.0], [4.0, 4.5]];
    /// let km = KMeans::new(2).seed(4);
    /// let mut saved = Vec::new();
    /// let model = km.fit_partition_resumable(&rows, None, 0, &mut Alone, None, |c| {
    ///     saved.push(c.clone());
    ///     Ok(())
    /// })?;
    /// assert_eq!(model, km.fit(&rows)?);
    /// for c in &saved {
    ///     let resumed = km.fit_partition_resumable(&rows, None, 0, &mut Alone, Some(c), |_| Ok(()))?;
    ///     assert_eq!(resumed, model);
    /// }
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn fit_partition_resumable<
        D: AsRows<T> + ?Sized,
        C: Collective + ?Sized,
        F: FnMut(&Checkpoint<T>) -> Result<(), KMeansError>,
    >(
        &self,
        data: &D,
        weights: Option<&[T]>,
        first_row: usize,
        collective: &mut C,
        resume: Option<&Checkpoint<T>>,
        mut on_checkpoint: F,
    ) -> Result<KMeansModel<T>, KMeansError> {
        let rows = data.as_rows()?;
        self.fit_with(
            rows.view(),
            weights,
            first_row,
            collective,
            resume,
            Some(&mut on_checkpoint),
        )
    }

    fn fit_with<C: Collective + ?Sized>(
        &self,
        rows: RowMajor<'_, T>,
        weights: Option<&[T]>,
        first_row: usize,
        collective: &mut C,
        resume: Option<&Checkpoint<T>>,
        on_checkpoint: Option<OnCheckpoint<'_, T>>,
    ) -> Result<KMeansModel<T>, KMeansError> {
        let mut adapter = Dyn(collective);
        self.fit_impl(
            rows,
            weights,
            first_row,
            Comm::over(&mut adapter),
            resume,
            on_checkpoint,
        )
    }

    /// The one fit: this participant's `rows` (all of them for [`fit`](Self::fit)).
    fn fit_impl(
        &self,
        rows: RowMajor<'_, T>,
        weights: Option<&[T]>,
        first_row: usize,
        comm: Comm<'_>,
        resume: Option<&Checkpoint<T>>,
        on_checkpoint: Option<OnCheckpoint<'_, T>>,
    ) -> Result<KMeansModel<T>, KMeansError> {
        let (ctx, n_init) = self.validate(rows, weights, first_row, comm)?;
        // The default start, decided from the agreed size: the same on every participant.
        let sized;
        let this = if self.init.is_some() {
            self
        } else {
            sized = self
                .clone()
                .init(Init::default_for(ctx.n_total, self.k, rows.n_features()));
            &sized
        };
        this.fit_resolved(rows, weights, ctx, n_init, resume, on_checkpoint)
    }

    /// [`fit_impl`](Self::fit_impl) after validation, with the start decided.
    fn fit_resolved(
        &self,
        rows: RowMajor<'_, T>,
        weights: Option<&[T]>,
        ctx: FitContext<'_, 'static>,
        n_init: usize,
        resume: Option<&Checkpoint<T>>,
        on_checkpoint: Option<OnCheckpoint<'_, T>>,
    ) -> Result<KMeansModel<T>, KMeansError> {
        let refine = self.refine.unwrap_or(match self.chosen_init() {
            Init::Precomputed(_) => Refine::None,
            _ => Refine::Breathing {
                m: DEFAULT_BREATHING_M,
            },
        });
        let refine_m = match refine {
            Refine::Breathing { m } => m,
            Refine::None => 0,
        };
        let identity = self.identity(&ctx, rows.n_features(), n_init, refine_m, weights.is_some());
        let options = FitOptions {
            k: self.k,
            init: identity.init.clone(),
            algorithm: self.algorithm,
            refine,
            n_init,
            max_iter: self.max_iter,
            tolerance: self.tolerance,
            seed: self.seed,
        };
        let resume: Option<Resume> = match resume {
            Some(c) => Some(c.resume_for(&identity)?),
            None => None,
        };
        // The checkpoints: the drivers below keep the tracker's phase up to date, every run
        // calls the hook at its boundaries, the hook hands the checkpoint to the caller.
        let tracker = RefCell::new(Tracker::new(
            identity,
            on_checkpoint.is_some(),
            resume.as_ref().map_or(0, |r| r.sequence),
        ));
        let sink = RefCell::new(on_checkpoint);
        // The observer and the token: the drivers keep the watch's stage up to date.
        let watch = RefCell::new(Watch::new(self.observer.clone(), self.cancel.clone()));
        // One hook for both: the checkpoint first (so a fit stopped here can resume from it),
        // then the event.
        let hook = |signal: Signal<'_>| -> Result<ControlFlow<()>, KMeansError> {
            match signal {
                Signal::Iteration {
                    state,
                    shift_squared,
                    rows_changed,
                    continues,
                } => {
                    if continues && let Some(f) = sink.borrow_mut().as_mut() {
                        let checkpoint = tracker.borrow_mut().checkpoint::<T>(state);
                        f(&checkpoint)?;
                    }
                    let mut watch = watch.borrow_mut();
                    let stage = watch.stage;
                    Ok(watch.emit(FitEvent::Iteration {
                        stage,
                        iteration: state.n_iter,
                        shift_squared,
                        rows_changed,
                    }))
                }
                Signal::Poll => Ok(watch.borrow_mut().poll()),
            }
        };
        let mut ctx: FitContext<'_, '_> = ctx;
        if sink.borrow().is_some() || watch.borrow().is_active() {
            ctx.hook = Some(Hook(&hook));
        }
        // A single process stops at once; participants stop together (see `Watch`).
        let solo = ctx.comm.size() == 1;
        let mut tally = Tally::default();

        let mut master = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let mut best: Option<RunOutcome<T>> = None;
        let mut kept_run = 0;
        let (mut first_run, mut resume_run, mut resume_breathing) = (0, None, None);
        if let Some(r) = resume {
            best = r
                .best
                .map(|b| algorithm::restore(rows, b.centroids, b.inertia, b.n_iter, b.stop));
            match r.phase {
                Phase::Restart { run } => {
                    first_run = run;
                    resume_run = Some(r.run);
                }
                Phase::Breathing { .. } => {
                    first_run = n_init;
                    resume_breathing = Some((r.phase, r.run));
                }
            }
            // The master stream as the interrupted fit had it before run `first_run`.
            for _ in 0..first_run {
                master.next_u64();
            }
        }
        let mut cancelled = false;
        for run in first_run..n_init {
            // Each run has its own stream, derived from the seed, so run r's start does not
            // depend on how many random numbers earlier runs drew.
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(master.next_u64());
            tracker.borrow_mut().enter(Phase::Restart { run }, best.as_ref());
            watch.borrow_mut().stage = FitStage::Restart { run };
            let state = match resume_run.take() {
                Some(state) => state,
                None => {
                    let clock = Instant::now();
                    let start = self.start(ctx.part(rows), &mut rng, run, &watch, solo);
                    tally.timings.seeding += clock.elapsed();
                    match start {
                        // Only a single process stops while seeding.
                        Err(KMeansError::Cancelled) => {
                            cancelled = true;
                            break;
                        }
                        start => RunState::start(&start?),
                    }
                }
            };
            let clock = Instant::now();
            let mut outcome = algorithm::run_from(&ctx, rows, state, ctx.tol)?;
            tally.timings.iterations += clock.elapsed();
            // Only breathing starts from a run's bounds: without it they would be held for nothing.
            if !matches!(refine, Refine::Breathing { m } if m > 0) {
                outcome.bounds = None;
            }
            tally.total_iterations += outcome.n_iter;
            tally.run_inertias.push(outcome.inertia);
            // A stop asked for at this event is taken up by `stop_agreed` below.
            let _ = watch.borrow_mut().emit(FitEvent::RunFinished {
                stage: FitStage::Restart { run },
                n_iter: outcome.n_iter,
                inertia: outcome.inertia,
                stop_reason: outcome.stop,
            });
            // Every participant has the same outcome, so all or none make the round.
            cancelled = outcome.stop == StopReason::Cancelled || ctx.stop_agreed()?;
            if best.as_ref().is_none_or(|b| outcome.inertia < b.inertia) {
                best = Some(outcome);
                kept_run = run;
            }
            if cancelled {
                break;
            }
        }
        let Some(mut best) = best else {
            return Err(if cancelled {
                KMeansError::Cancelled
            } else {
                KMeansError::ZeroNInit
            });
        };
        if !cancelled && resume_breathing.is_none() {
            let _ = watch.borrow_mut().emit(FitEvent::Kept {
                run: kept_run,
                inertia: best.inertia,
                n_iter: best.n_iter,
            });
        }
        if let Refine::Breathing { m } = refine
            && !cancelled
        {
            cancelled = ctx.stop_agreed()?;
            if !cancelled {
                let clock = Instant::now();
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(master.next_u64());
                let refined = refine::breathing(
                    &ctx,
                    rows,
                    best,
                    m,
                    &mut rng,
                    (&tracker, &watch, &mut tally),
                    resume_breathing,
                )?;
                (best, cancelled) = refined;
                tally.timings.refinement += clock.elapsed();
            }
        }
        if cancelled && self.on_cancel == OnCancel::Error {
            return Err(KMeansError::Cancelled);
        }
        // Cluster sizes over every participant's rows.
        let mut sizes = vec![0_i64; self.k];
        for &l in &best.labels {
            sizes[l] += 1;
        }
        ctx.comm.sum_i64(&mut sizes)?;
        let sizes = sizes.iter().map(|&s| s as usize).collect();
        let stop_reason = if cancelled {
            StopReason::Cancelled
        } else {
            best.stop
        };
        let report = tally.into_report(stop_reason, best.n_iter, options);
        Ok(KMeansModel::from_run(
            best,
            self.k,
            rows.n_features(),
            sizes,
            report,
        ))
    }

    /// Checks options and data once (with every participant); returns the fit context and the
    /// number of runs.
    fn validate<'c>(
        &self,
        rows: RowMajor<'_, T>,
        weights: Option<&[T]>,
        first_row: usize,
        comm: Comm<'c>,
    ) -> Result<(FitContext<'c, 'static>, usize), KMeansError> {
        if self.k == 0 {
            return Err(KMeansError::ZeroK);
        }
        if self.max_iter == 0 {
            return Err(KMeansError::ZeroMaxIter);
        }
        if self.n_init == Some(0) {
            return Err(KMeansError::ZeroNInit);
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            return Err(KMeansError::InvalidTolerance {
                tolerance: self.tolerance,
            });
        }
        if let Some(Init::KMeansParallel { rounds, oversampling }) = self.init
            && (rounds == 0 || !(oversampling.is_finite() && oversampling > 0.0))
        {
            return Err(KMeansError::InvalidKMeansParallel { rounds, oversampling });
        }
        let layout = Layout::agree(&comm, rows, weights, first_row)?;
        // Every participant checks its own rows, then they agree on the outcome.
        // The error a single process would report first wins: by the check that failed (in the
        // order `check_rows` makes them), then by first row.
        let local = self.check_rows(rows, weights, first_row, &layout);
        if let Err((stage, e)) = local {
            if comm.size() == 1 {
                return Err(e);
            }
            let mine = [stage, first_row as i64];
            let all = comm.gather(&mine)?;
            let winner = all.iter().filter(|r| r[0] >= 0).map(|r| (r[0], r[1])).min();
            return Err(match winner {
                Some((s, f)) if (s, f) == (stage, first_row as i64) => e,
                Some((_, f)) => KMeansError::PeerRefused {
                    first_row: f as usize,
                },
                None => e,
            });
        }
        if comm.size() > 1 {
            let all = comm.gather(&[-1_i64, first_row as i64])?;
            if let Some((_, f)) = all.iter().filter(|r| r[0] >= 0).map(|r| (r[0], r[1])).min() {
                return Err(KMeansError::PeerRefused {
                    first_row: f as usize,
                });
            }
        }
        let (omega, weight_scale) = match weights {
            None => (None, 1.0),
            Some(w) => {
                if layout.positive == 0 {
                    return Err(KMeansError::ZeroTotalWeight);
                }
                if self.k > layout.positive {
                    return Err(KMeansError::KTooLarge {
                        k: self.k,
                        n_rows: layout.positive,
                    });
                }
                let (omega, scale) =
                    quantize_weights(w.iter().map(|v| v.to_f64_()), layout.positive, layout.max_weight);
                (Some(omega), scale)
            }
        };
        let n_init = match self.chosen_init() {
            Init::Precomputed(_) => 1,
            Init::Random => self.n_init.unwrap_or(10),
            Init::KMeansPlusPlus | Init::KMeansParallel { .. } => self.n_init.unwrap_or(1),
        };
        let facts = Facts {
            weights: omega,
            weight_scale,
            first_row,
            n_total: layout.n_total,
            comm,
        };
        let ctx = FitContext::new(rows, self.max_iter, self.tolerance, self.algorithm, facts)?;
        Ok((ctx, n_init))
    }

    /// The checks of this participant's rows and weights against the agreed layout; a failure
    /// comes with its stage (0: shape, 1: values, 2: weights, 3: the start), the order in which
    /// a single process meets them.
    fn check_rows(
        &self,
        rows: RowMajor<'_, T>,
        weights: Option<&[T]>,
        first_row: usize,
        layout: &Layout,
    ) -> Result<(), (i64, KMeansError)> {
        if layout.n_total == 0 {
            return Err((0, KMeansError::NoRows));
        }
        if self.k > layout.n_total {
            return Err((
                0,
                KMeansError::KTooLarge {
                    k: self.k,
                    n_rows: layout.n_total,
                },
            ));
        }
        validate::k_fits_type::<T>(self.k).map_err(|e| (0, e))?;
        let effective_rows = (layout.n_total as f64 * layout.max_weight.max(1.0)).min(1e300);
        validate::values_in(rows, effective_rows).map_err(|e| (1, e.at_row_offset(first_row)))?;
        if let Some(w) = weights {
            validate::weights(w, rows.n_rows()).map_err(|e| (2, e.at_row_offset(first_row)))?;
        }
        if let Some(Init::Precomputed(c)) = &self.init {
            validate::centroids(c, self.k, rows.n_features(), layout.n_total).map_err(|e| (3, e))?;
        }
        Ok(())
    }

    /// What makes a fit this fit, for its checkpoints: the options its result depends on (the
    /// algorithm does not change it), the data's shape and a fingerprint of the global facts
    /// the context holds (the range, the absolute tolerance, the weight scale).
    fn identity(
        &self,
        ctx: &FitContext<'_, '_>,
        n_features: usize,
        n_init: usize,
        refine_m: usize,
        weighted: bool,
    ) -> Identity {
        let init = match self.chosen_init() {
            Init::Random => "random".to_string(),
            Init::KMeansPlusPlus => "k-means++".to_string(),
            Init::KMeansParallel { rounds, oversampling } => {
                format!("k-means|| (rounds {rounds}, oversampling {oversampling:?})")
            }
            Init::Precomputed(c) => format!(
                "precomputed (fingerprint {:#018x})",
                fingerprint(c.iter().map(|v| v.to_f64_().to_bits()))
            ),
        };
        let (lo, hi) = ctx.range.bounds();
        let facts = lo
            .iter()
            .chain(hi)
            .chain([&ctx.tol, &ctx.weight_scale])
            .map(|v| v.to_bits());
        Identity {
            dtype: validate::type_name::<T>().to_string(),
            k: self.k,
            n_features,
            n_rows: ctx.n_total,
            seed: self.seed,
            init,
            n_init,
            refine_m,
            max_iter: self.max_iter,
            tolerance: self.tolerance,
            weighted,
            data: fingerprint(facts),
        }
    }

    /// The start as set; k-means++ for an unset one that has not been sized yet (the two
    /// defaults take one run and breathing refinement alike, so option checks need not wait).
    fn chosen_init(&self) -> &Init<T> {
        self.init.as_ref().unwrap_or(&Init::KMeansPlusPlus)
    }

    /// The start of restart `run`, telling `watch` of its progress; a single process (`solo`)
    /// stops with [`KMeansError::Cancelled`] when a stop is pending.
    fn start<R: Rng + ?Sized>(
        &self,
        part: Part<'_, '_, T>,
        rng: &mut R,
        run: usize,
        watch: &RefCell<Watch>,
        solo: bool,
    ) -> Result<Vec<T>, KMeansError> {
        let k = self.k;
        let mut progress = |chosen: usize| {
            let flow = watch.borrow_mut().emit(FitEvent::Seeding { run, chosen, k });
            if solo { flow } else { ControlFlow::Continue(()) }
        };
        let start = match self.chosen_init() {
            Init::Precomputed(c) => c.clone(),
            Init::Random => init::random_rows(part, k, rng)?,
            Init::KMeansPlusPlus => return init::kmeans_plus_plus(part, k, rng, &mut progress),
            &Init::KMeansParallel { rounds, oversampling } => {
                init::kmeans_parallel(part, k, rounds, oversampling, rng)?
            }
        };
        if progress(k).is_break() {
            return Err(KMeansError::Cancelled);
        }
        Ok(start)
    }
}

/// What the participants agree on before checking their rows: the total row count, and with
/// weights the number of rows of positive weight and the largest weight.
#[derive(Debug)]
struct Layout {
    n_total: usize,
    positive: usize,
    max_weight: f64,
}

impl Layout {
    /// One round: every participant's row count, width, first row, and weight facts; checks
    /// that the participants' rows tile `0..n` and have one width.
    fn agree<T: Float>(
        comm: &Comm<'_>,
        rows: RowMajor<'_, T>,
        weights: Option<&[T]>,
        first_row: usize,
    ) -> Result<Layout, KMeansError> {
        let (positive, max_weight) = weights.map_or((rows.n_rows(), 1.0), |w| {
            let valid = w
                .iter()
                .map(|v| v.to_f64_())
                .filter(|v| v.is_finite() && *v >= 0.0);
            let positive = w.iter().filter(|v| v.to_f64_() > 0.0).count();
            (positive, valid.fold(0.0, f64::max))
        });
        let mine = [
            rows.n_rows() as f64,
            rows.n_features() as f64,
            first_row as f64,
            positive as f64,
            max_weight,
        ];
        let all = comm.gather(&mine)?;
        let mut parts: Vec<&Vec<f64>> = all.iter().collect();
        // By first row; an empty part sorts before a part starting at the same row.
        parts.sort_by(|a, b| a[2].total_cmp(&b[2]).then(a[0].total_cmp(&b[0])));
        let mut expected_first = 0_usize;
        for p in &parts {
            if p.len() != mine.len() {
                return Err(KMeansError::Collective {
                    reason: "participants are not running the same fit".into(),
                });
            }
            if p[1] as usize != rows.n_features() {
                return Err(KMeansError::FeatureMismatch {
                    expected: parts[0][1] as usize,
                    got: p[1] as usize,
                });
            }
            if p[2] as usize != expected_first {
                return Err(KMeansError::InvalidPartition {
                    first_row: p[2] as usize,
                    expected: expected_first,
                });
            }
            expected_first += p[0] as usize;
        }
        Ok(Layout {
            n_total: expected_first,
            positive: parts.iter().map(|p| p[3] as usize).sum(),
            max_weight: parts.iter().map(|p| p[4]).fold(0.0, f64::max),
        })
    }
}

/// A `&mut C` for any `C: Collective + ?Sized`, as a sized `Collective` (so it can be borrowed
/// as `&mut dyn Collective`).
struct Dyn<'a, C: ?Sized>(&'a mut C);

impl<C: Collective + ?Sized> Collective for Dyn<'_, C> {
    fn size(&self) -> usize {
        self.0.size()
    }
    fn rank(&self) -> usize {
        self.0.rank()
    }
    fn all_gather(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, KMeansError> {
        self.0.all_gather(message)
    }
}
