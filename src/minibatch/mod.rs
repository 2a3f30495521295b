//! Mini-batch k-means (Sculley 2010, scikit-learn's `MiniBatchKMeans`): the `MiniBatchKMeans`
//! builder, its option checks and `fit`; the per-batch step, the start, the final repair and
//! the stream live in the submodules.

mod finish;
mod start;
mod step;
mod stream;

pub use stream::MiniBatchState;

use crate::algorithm::{RunOutcome, StopReason};
use crate::assign::inertia;
use crate::builder::DEFAULT_SEED;
use crate::data::{AsRows, RowMajor};
use crate::error::KMeansError;
use crate::float::Float;
use crate::init::Init;
use crate::model::KMeansModel;
use crate::part::{Solo, quantize_weights};
use crate::validate;

use step::{Learner, TAG_INIT, TAG_ORDER, rng_for};

/// Default rows per batch (scikit-learn's).
///
/// # Examples
///
/// ```
/// assert_eq!(k_means::DEFAULT_BATCH_SIZE, 1024);
/// ```
pub const DEFAULT_BATCH_SIZE: usize = 1024;

/// Mini-batch k-means: approximate, much faster than a full fit on large data, and the way to
/// cluster data that arrive over time ([`start`](Self::start) and
/// [`MiniBatchState::partial_fit`]).
///
/// | option | default | meaning |
/// |---|---|---|
/// | [`batch_size`](Self::batch_size) | 1024 | rows per step |
/// | [`max_iter`](Self::max_iter) | 100 | passes over the data (epochs) at most |
/// | [`max_no_improvement`](Self::max_no_improvement) | `Some(10)` | stop after this many steps without a new lowest smoothed batch inertia |
/// | [`tolerance`](Self::tolerance) | 0 (off) | stop when a step moves the centres by at most this × the data's mean per-feature variance (squared) |
/// | [`reassignment_ratio`](Self::reassignment_ratio) | 0.01 | centres whose count is below this × the largest count move to new rows |
/// | [`init`](Self::init) | [`Init::KMeansPlusPlus`] | the start, seeded on `init_size` rows |
/// | [`init_size`](Self::init_size) | 3 × `batch_size` | rows of each start's sample (at least 3k if below k) |
/// | [`n_init`](Self::n_init) | 1 (3 for [`Init::Random`]) | starts tried; the lowest inertia on another sample wins |
/// | [`seed`](Self::seed) | 0 | seed of every random choice (Xoshiro256++) |
///
/// # What a fit does
///
/// 1. **Start**: `n_init` candidate starts, each from its own random sample of `init_size`
///    distinct rows, scored (when there are several) on one more such sample.
/// 2. **Steps**: each epoch shuffles the rows (Fisher–Yates, its own seeded stream) and cuts
///    the order into batches of `batch_size` consecutive rows (the last one shorter). Each
///    batch is assigned through the crate's tile kernel (certified exact labels); each centre
///    then moves to `(c·W + Σ wx)/(W + Σ w)` and its count becomes `W + Σ w`, so its learning
///    rate is the inverse of the weight it has seen (scikit-learn's rule).
/// 3. **Reassignment** (every `10·k` rows, or after a step that left a count at 0, when
///    `reassignment_ratio > 0`): centres with count below `reassignment_ratio × max count`
///    (at most half a batch of them) move to rows of the batch drawn as k-means++ draws
///    (∝ `w·D²`, never a row on a centre), instead of scikit-learn's uniform draw, which can
///    put two centres on one point and return fewer clusters than asked.
/// 4. **Stopping** (scikit-learn's): an exponentially weighted average of the batch inertia
///    per unit weight (α = 2·batch_size/(n + 1), the first step ignored); the fit stops when it
///    has not reached a new low for `max_no_improvement` steps, when a step's squared centre
///    shift is at most the tolerance, or after `max_iter` epochs.
/// 5. **Labels**: every training row is assigned to the final centres (one pass), and a centre
///    that no row chose is moved onto the farthest rows and the rows assigned again, so **a
///    model has k used centres whenever the data have k distinct rows** (of positive weight).
///    Inertia is computed exactly as [`KMeans::fit`](crate::KMeans::fit) computes it.
///
/// The model's [`n_iter`](KMeansModel::n_iter) counts the steps (batches) and its
/// [`stop_reason`](KMeansModel::stop_reason) says which test ended the fit
/// ([`StopReason::NoImprovement`], [`StopReason::ToleranceReached`], [`StopReason::MaxIter`]).
/// The same data, options and seed give the same model on any number of threads.
///
/// # Examples
///
/// ```
/// use k_means::MiniBatchKMeans;
///
/// let rows: Vec<[f64; 2]> = (0..3000)
///     .map(|i| {
///         let c = (i % 3) as f64 * 10.0;
///         [c + (i % 7) as f64 * 0.1, c - (i % 5) as f64 * 0.1]
///     })
///     .collect();
/// let model = MiniBatchKMeans::new(3).batch_size(256).seed(7).fit(&rows)?;
/// assert_eq!(model.k(), 3);
/// assert!(model.cluster_sizes().iter().all(|&s| s == 1000));
/// assert_eq!(model, MiniBatchKMeans::new(3).batch_size(256).seed(7).fit(&rows)?);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MiniBatchKMeans<T> {
    k: usize,
    batch_size: usize,
    max_iter: usize,
    max_no_improvement: Option<usize>,
    tolerance: f64,
    reassignment_ratio: f64,
    init: Option<Init<T>>,
    init_size: Option<usize>,
    n_init: Option<usize>,
    seed: u64,
}

impl<T: Float> MiniBatchKMeans<T> {
    /// A mini-batch configuration for `k` clusters with the default options.
    ///
    /// # Examples
    ///
    /// ```
    /// let model = k_means::MiniBatchKMeans::new(1).fit(&vec![[2.0_f64], [4.0]])?;
    /// assert_eq!(model.centroids(), &[3.0]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn new(k: usize) -> Self {
        MiniBatchKMeans {
            k,
            batch_size: DEFAULT_BATCH_SIZE,
            max_iter: 100,
            max_no_improvement: Some(10),
            tolerance: 0.0,
            reassignment_ratio: 0.01,
            init: None,
            init_size: None,
            n_init: None,
            seed: DEFAULT_SEED,
        }
    }

    /// Rows per step (≥ 1).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeansError, MiniBatchKMeans};
    /// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
    /// let model = MiniBatchKMeans::new(2).batch_size(2).fit(&rows)?;
    /// let labels = model.labels();
    /// assert_eq!((labels[0] == labels[1], labels[1] == labels[2], labels[2] == labels[3]), (true, false, true));
    /// assert_eq!(MiniBatchKMeans::new(2).batch_size(0).fit(&rows).unwrap_err(), KMeansError::ZeroBatchSize);
    /// # Ok::<(), KMeansError>(())
    /// ```
    #[must_use]
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// The maximum number of passes over the data (epochs, ≥ 1), scikit-learn's `max_iter`.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{MiniBatchKMeans, StopReason};
    /// let rows: Vec<[f64; 1]> = (0..100).map(|i| [i as f64]).collect();
    /// let model = MiniBatchKMeans::new(2).batch_size(10).max_iter(1).max_no_improvement(None).fit(&rows)?;
    /// assert_eq!((model.n_iter(), model.stop_reason()), (10, StopReason::MaxIter));
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Stop after this many consecutive steps (≥ 1) without a new lowest smoothed batch
    /// inertia; `None` turns the test off.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{MiniBatchKMeans, StopReason};
    /// let rows: Vec<[f64; 1]> = (0..5000).map(|i| [(i % 50) as f64]).collect();
    /// let model = MiniBatchKMeans::new(3).batch_size(50).max_no_improvement(Some(3)).fit(&rows)?;
    /// assert_eq!(model.stop_reason(), StopReason::NoImprovement);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn max_no_improvement(mut self, steps: Option<usize>) -> Self {
        self.max_no_improvement = steps;
        self
    }

    /// The relative tolerance on the centres' squared shift per step (finite, ≥ 0; 0 turns
    /// the test off, scikit-learn's default): the fit stops when `Σⱼ ‖Δcⱼ‖²` of a step is at
    /// most `tolerance ×` the data's mean per-feature variance.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{MiniBatchKMeans, StopReason};
    /// let rows: Vec<[f64; 1]> = (0..2000).map(|i| [(i % 2) as f64 * 100.0]).collect();
    /// let model = MiniBatchKMeans::new(2).batch_size(100).tolerance(1e-6).fit(&rows)?;
    /// assert_eq!(model.stop_reason(), StopReason::ToleranceReached);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The reassignment threshold (finite, ≥ 0): centres whose count is below this fraction of
    /// the largest count move to new rows of the batch (see the type's docs); 0 never moves a
    /// centre during the steps (the final repair still makes every centre used).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeansError, MiniBatchKMeans};
    /// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
    /// assert_eq!(MiniBatchKMeans::new(2).reassignment_ratio(0.0).fit(&rows)?.inertia(), 1.0);
    /// assert!(matches!(
    ///     MiniBatchKMeans::new(2).reassignment_ratio(-1.0).fit(&rows),
    ///     Err(KMeansError::InvalidReassignmentRatio { .. })
    /// ));
    /// # Ok::<(), KMeansError>(())
    /// ```
    #[must_use]
    pub fn reassignment_ratio(mut self, ratio: f64) -> Self {
        self.reassignment_ratio = ratio;
        self
    }

    /// How the start is chosen (on samples of [`init_size`](Self::init_size) rows); see
    /// [`Init`]. An [`Init::Precomputed`] start is used as given.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, MiniBatchKMeans};
    /// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
    /// let model = MiniBatchKMeans::new(2).init(Init::Precomputed(vec![0.0, 10.0])).fit(&rows)?;
    /// assert_eq!(model.centroids(), &[0.5, 10.5]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn init(mut self, init: Init<T>) -> Self {
        self.init = Some(init);
        self
    }

    /// Rows in each start's random sample (default `3 × batch_size`; raised to `3k` when
    /// below k, as scikit-learn does; at most the rows there are).
    ///
    /// # Examples
    ///
    /// ```
    /// let rows: Vec<[f64; 1]> = (0..1000).map(|i| [(i % 10) as f64]).collect();
    /// let model = k_means::MiniBatchKMeans::new(2).init_size(50).fit(&rows)?;
    /// assert_eq!(model.k(), 2);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn init_size(mut self, init_size: usize) -> Self {
        self.init_size = Some(init_size);
        self
    }

    /// The number of candidate starts (≥ 1); the one of lowest inertia on a separate sample of
    /// `init_size` rows is kept. Defaults to 1, or 3 for [`Init::Random`] (scikit-learn's);
    /// ignored for precomputed starts.
    ///
    /// # Examples
    ///
    /// ```
    /// let rows: Vec<[f64; 1]> = (0..1000).map(|i| [(i % 10) as f64]).collect();
    /// let model = k_means::MiniBatchKMeans::new(2).n_init(4).fit(&rows)?;
    /// assert_eq!(model.k(), 2);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = Some(n_init);
        self
    }

    /// The seed of every random choice: the starts' samples, the batch order, the
    /// reassignments.
    ///
    /// # Examples
    ///
    /// ```
    /// let rows: Vec<[f32; 2]> = (0..500).map(|i| [(i % 7) as f32, (i % 11) as f32]).collect();
    /// let km = k_means::MiniBatchKMeans::new(3).batch_size(64).seed(42);
    /// assert_eq!(km.fit(&rows)?, km.fit(&rows)?);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Clusters `data` by mini-batches and returns the model: centroids, the labels of every
    /// row under them, inertia computed as [`KMeans::fit`](crate::KMeans::fit) does.
    ///
    /// # Errors
    ///
    /// * [`KMeansError::ZeroK`], [`KMeansError::ZeroBatchSize`], [`KMeansError::ZeroMaxIter`],
    ///   [`KMeansError::ZeroNInit`], [`KMeansError::ZeroMaxNoImprovement`],
    ///   [`KMeansError::InvalidTolerance`], [`KMeansError::InvalidReassignmentRatio`],
    ///   [`KMeansError::InvalidKMeansParallel`] for bad options;
    /// * [`KMeansError::NoRows`], [`KMeansError::KTooLarge`], [`KMeansError::KTooLargeForType`],
    ///   [`KMeansError::NonFinite`], [`KMeansError::ValueTooLarge`] for bad data (with row
    ///   and column), as [`KMeans::fit`](crate::KMeans::fit);
    /// * [`KMeansError::CentroidShape`], [`KMeansError::NonFiniteCentroid`],
    ///   [`KMeansError::CentroidTooLarge`] for a bad [`Init::Precomputed`] start.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeansError, MiniBatchKMeans};
    /// let rows = vec![[0.0_f64, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]];
    /// let model = MiniBatchKMeans::new(2).fit(&rows)?;
    /// assert_eq!(model.labels()[0], model.labels()[1]);
    /// assert_ne!(model.labels()[0], model.labels()[2]);
    /// assert_eq!(MiniBatchKMeans::new(5).fit(&rows).unwrap_err(), KMeansError::KTooLarge { k: 5, n_rows: 4 });
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn fit<D: AsRows<T> + ?Sized>(&self, data: &D) -> Result<KMeansModel<T>, KMeansError> {
        self.fit_impl(data.as_rows()?.view(), None)
    }

    /// [`fit`](Self::fit) with one non-negative weight per row (scikit-learn's
    /// `sample_weight`): weights enter the starts' draws, the batch sums and counts (so the
    /// learning rates), the batch inertia, the reassignment draws and the inertia. Rows of
    /// weight 0 are never in a batch and receive a label.
    ///
    /// # Errors
    ///
    /// As [`fit`](Self::fit), plus [`KMeansError::WeightCount`], [`KMeansError::InvalidWeight`]
    /// (with its row), [`KMeansError::ZeroTotalWeight`], and [`KMeansError::KTooLarge`] when k
    /// exceeds the rows of positive weight.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, MiniBatchKMeans};
    /// let rows = vec![[0.0_f64], [1.0], [10.0]];
    /// let model = MiniBatchKMeans::new(2)
    ///     .init(Init::Precomputed(vec![0.0, 10.0]))
    ///     .max_iter(1)
    ///     .fit_weighted(&rows, &[1.0, 3.0, 2.0])?;
    /// assert_eq!(model.centroids(), &[0.75, 10.0]);
    /// assert_eq!(model.inertia(), 0.75);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn fit_weighted<D: AsRows<T> + ?Sized>(
        &self,
        data: &D,
        weights: &[T],
    ) -> Result<KMeansModel<T>, KMeansError> {
        self.fit_impl(data.as_rows()?.view(), Some(weights))
    }

    /// A stream of batches to learn from one at a time ([`MiniBatchState::partial_fit`]),
    /// with these options (`batch_size`, `max_iter`, `max_no_improvement` and `tolerance` are
    /// the caller's business then: each call is one step over the batch given).
    ///
    /// # Errors
    ///
    /// The option errors of [`fit`](Self::fit).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut stream = k_means::MiniBatchKMeans::new(2).start()?;
    /// stream.partial_fit(&vec![[0.0_f64], [1.0], [10.0], [11.0]])?;
    /// assert_eq!(stream.model()?.k(), 2);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn start(&self) -> Result<MiniBatchState<T>, KMeansError> {
        self.check_options()?;
        Ok(MiniBatchState::new(self.clone()))
    }

    /// The option checks, shared by `fit`, `start` and a loaded stream.
    pub(crate) fn check_options(&self) -> Result<(), KMeansError> {
        if self.k == 0 {
            return Err(KMeansError::ZeroK);
        }
        if self.batch_size == 0 {
            return Err(KMeansError::ZeroBatchSize);
        }
        if self.max_iter == 0 {
            return Err(KMeansError::ZeroMaxIter);
        }
        if self.n_init == Some(0) {
            return Err(KMeansError::ZeroNInit);
        }
        if self.max_no_improvement == Some(0) {
            return Err(KMeansError::ZeroMaxNoImprovement);
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            return Err(KMeansError::InvalidTolerance {
                tolerance: self.tolerance,
            });
        }
        if !(self.reassignment_ratio.is_finite() && self.reassignment_ratio >= 0.0) {
            return Err(KMeansError::InvalidReassignmentRatio {
                ratio: self.reassignment_ratio,
            });
        }
        if let Some(Init::KMeansParallel { rounds, oversampling }) = self.init
            && (rounds == 0 || !(oversampling.is_finite() && oversampling > 0.0))
        {
            return Err(KMeansError::InvalidKMeansParallel { rounds, oversampling });
        }
        validate::k_fits_type::<T>(self.k)
    }

    /// The number of clusters.
    #[cfg(feature = "serde")]
    pub(crate) fn k(&self) -> usize {
        self.k
    }

    /// The seed.
    pub(crate) fn seed_value(&self) -> u64 {
        self.seed
    }

    /// The reassignment ratio.
    pub(crate) fn ratio(&self) -> f64 {
        self.reassignment_ratio
    }

    /// The chosen start.
    pub(crate) fn chosen_init(&self) -> &Init<T> {
        self.init.as_ref().unwrap_or(&Init::KMeansPlusPlus)
    }

    /// The effective number of candidate starts.
    pub(crate) fn effective_n_init(&self) -> usize {
        match self.chosen_init() {
            Init::Precomputed(_) => 1,
            Init::Random => self.n_init.unwrap_or(3),
            _ => self.n_init.unwrap_or(1),
        }
    }

    /// The effective size of each start's sample before it is capped by the rows there are.
    pub(crate) fn effective_init_size(&self) -> usize {
        let size = self.init_size.unwrap_or(self.batch_size.saturating_mul(3));
        if size < self.k {
            self.k.saturating_mul(3)
        } else {
            size
        }
    }

    /// Checks a batch or a training set: values (against the magnitude limit of its rows'
    /// total weight), weights, the precomputed start; returns the weights in f64 and the
    /// indices of the rows of positive weight.
    pub(crate) fn check_rows(
        &self,
        rows: RowMajor<'_, T>,
        weights: Option<&[T]>,
    ) -> Result<(Option<Vec<f64>>, Vec<usize>), KMeansError> {
        let n = rows.n_rows();
        if n == 0 {
            return Err(KMeansError::NoRows);
        }
        if let Some(w) = weights {
            validate::weights(w, n)?;
        }
        let w64: Option<Vec<f64>> = weights.map(|w| w.iter().map(|v| v.to_f64_()).collect());
        let max_weight = w64
            .as_ref()
            .map_or(1.0, |w| w.iter().copied().fold(0.0, f64::max));
        validate::values_in(rows, (n as f64 * max_weight.max(1.0)).min(1e300))?;
        if let Some(Init::Precomputed(c)) = &self.init {
            validate::centroids(c, self.k, rows.n_features(), n)?;
        }
        let pool: Vec<usize> = match &w64 {
            None => (0..n).collect(),
            Some(w) => (0..n).filter(|&i| w[i] > 0.0).collect(),
        };
        if weights.is_some() && pool.is_empty() {
            return Err(KMeansError::ZeroTotalWeight);
        }
        Ok((w64, pool))
    }

    /// The start on the rows `pool` of `rows`.
    pub(crate) fn initial_learner(
        &self,
        rows: RowMajor<'_, T>,
        weights: Option<&[f64]>,
        pool: &[usize],
    ) -> Result<Learner, KMeansError> {
        if self.k > pool.len() {
            return Err(KMeansError::KTooLarge {
                k: self.k,
                n_rows: pool.len(),
            });
        }
        let mut rng = rng_for(self.seed, TAG_INIT, 0);
        let centres = start::best_start(
            rows,
            weights,
            pool,
            self.chosen_init(),
            self.k,
            self.effective_n_init(),
            self.effective_init_size(),
            &mut rng,
        )?;
        Ok(Learner::new(&centres, self.k, rows.n_features()))
    }

    fn fit_impl(&self, rows: RowMajor<'_, T>, weights: Option<&[T]>) -> Result<KMeansModel<T>, KMeansError> {
        self.check_options()?;
        let (w64, pool) = self.check_rows(rows, weights)?;
        let w64 = w64.as_deref();
        let mut learner = self.initial_learner(rows, w64, &pool)?;
        let d = rows.n_features();
        let n_pool = pool.len();
        let tol = if self.tolerance > 0.0 {
            self.tolerance * mean_variance(rows, w64)
        } else {
            0.0
        };
        // scikit-learn's smoothing weight of a batch in the running batch inertia.
        let alpha = (self.batch_size as f64 * 2.0 / (n_pool as f64 + 1.0)).min(1.0);
        let (mut ewa, mut ewa_min): (Option<f64>, Option<f64>) = (None, None);
        let mut no_improvement = 0usize;
        let mut stop = StopReason::MaxIter;
        let mut batch: Vec<T> = Vec::with_capacity(self.batch_size.min(n_pool) * d);
        let mut batch_w: Vec<f64> = Vec::new();
        let mut order = pool.clone();
        let mut step_no = 0usize;
        'epochs: for epoch in 0..self.max_iter {
            let mut rng = rng_for(self.seed, TAG_ORDER, epoch as u64);
            for i in (1..order.len()).rev() {
                let j = rand::RngExt::random_range(&mut rng, 0..=i);
                order.swap(i, j);
            }
            for slice in order.chunks(self.batch_size) {
                batch.clear();
                batch_w.clear();
                for &i in slice {
                    batch.extend_from_slice(rows.row(i));
                    if let Some(w) = w64 {
                        batch_w.push(w[i]);
                    }
                }
                let view = RowMajor::new(&batch, d)?;
                let out = learner.step(
                    view,
                    w64.map(|_| batch_w.as_slice()),
                    self.reassignment_ratio,
                    self.seed,
                );
                step_no += 1;
                // The first step is ignored: its inertia is against the start, far worse.
                if step_no == 1 {
                    continue;
                }
                let batch_inertia = out.batch_inertia / out.batch_weight;
                let smoothed = match ewa {
                    None => batch_inertia,
                    Some(e) => e * (1.0 - alpha) + batch_inertia * alpha,
                };
                ewa = Some(smoothed);
                if tol > 0.0 && out.sq_shift <= tol {
                    stop = StopReason::ToleranceReached;
                    break 'epochs;
                }
                if ewa_min.is_none_or(|m| smoothed < m) {
                    no_improvement = 0;
                    ewa_min = Some(smoothed);
                } else {
                    no_improvement += 1;
                }
                if self.max_no_improvement.is_some_and(|m| no_improvement >= m) {
                    stop = StopReason::NoImprovement;
                    break 'epochs;
                }
            }
        }
        let (labels, _moved) = finish::labels_with_every_centre_used(rows, w64, &mut learner.centres, self.k);
        let centroids: Vec<T> = learner.centres.iter().map(|&v| T::from_f64_(v)).collect();
        let inertia = exact_inertia(rows, w64, &centroids, &labels)?;
        let mut sizes = vec![0usize; self.k];
        for &l in &labels {
            sizes[l] += 1;
        }
        let run = RunOutcome {
            centroids,
            centroids_f64: learner.centres,
            labels,
            inertia,
            n_iter: step_no,
            stop,
            bounds: None,
            errors: None,
        };
        Ok(KMeansModel::from_run_unreported(run, self.k, d, sizes))
    }
}

/// The weighted mean per-feature variance of `rows`, in f64, in row order (for the tolerance).
fn mean_variance<T: Float>(rows: RowMajor<'_, T>, weights: Option<&[f64]>) -> f64 {
    let d = rows.n_features();
    let (mut mean, mut total) = (vec![0.0f64; d], 0.0);
    for (i, row) in rows.rows().enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        total += w;
        for (m, v) in mean.iter_mut().zip(row) {
            *m += w * v.to_f64_();
        }
    }
    mean.iter_mut().for_each(|m| *m /= total);
    let mut var = 0.0;
    for (i, row) in rows.rows().enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        for (m, v) in mean.iter().zip(row) {
            var += w * (v.to_f64_() - m) * (v.to_f64_() - m);
        }
    }
    var / total / d as f64
}

/// The inertia of a fit: [`crate::assign::inertia`] over the rows as one part, with the
/// weights quantized as [`KMeans::fit_weighted`](crate::KMeans::fit_weighted) quantizes them,
/// so that it is the number a full fit reports for the same centroids and labels.
fn exact_inertia<T: Float>(
    rows: RowMajor<'_, T>,
    weights: Option<&[f64]>,
    centroids: &[T],
    labels: &[usize],
) -> Result<f64, KMeansError> {
    let (omega, weight_scale) = match weights {
        None => (None, 1.0),
        Some(w) => {
            let positive = w.iter().filter(|&&v| v > 0.0).count();
            let max = w.iter().copied().fold(0.0, f64::max);
            let (omega, scale) = quantize_weights(w.iter().copied(), positive, max);
            (Some(omega), scale)
        }
    };
    let solo = Solo::of(rows, omega.as_deref());
    let part = solo.part_scaled(rows, omega.as_deref(), weight_scale);
    inertia(part, centroids, labels)
}
