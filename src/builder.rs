//! The `KMeans` builder: options, validation at the boundary, restarts, refinement.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

use crate::algorithm::{self, Algorithm, FitContext, RunOutcome};
use crate::data::AsRows;
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::init::{self, Init};
use crate::model::KMeansModel;
use crate::refine::{self, Refine};
use crate::validate;

/// Default maximum number of iterations per run (scikit-learn's).
pub const DEFAULT_MAX_ITER: usize = 300;
/// Default relative tolerance (scikit-learn's), scaled by the data's mean per-feature variance.
pub const DEFAULT_TOLERANCE: f64 = 1e-4;
/// Default `m` of the breathing k-means refinement applied to seeded starts.
pub const DEFAULT_BREATHING_M: usize = 2;
/// Default seed: fits are reproducible unless the caller asks for another seed.
pub const DEFAULT_SEED: u64 = 0;

/// A k-means configuration: build it with [`KMeans::new`], set options, then [`fit`](KMeans::fit).
///
/// | option | default | meaning |
/// |---|---|---|
/// | [`max_iter`](KMeans::max_iter) | 300 | iterations per run at most |
/// | [`tolerance`](KMeans::tolerance) | 1e-4 | stop when the total squared centroid shift is at most this times the mean per-feature variance |
/// | [`n_init`](KMeans::n_init) | 1 for k-means++, 10 for random | runs from different starts; the lowest inertia wins |
/// | [`init`](KMeans::init) | [`Init::KMeansPlusPlus`] (greedy, `2 + ⌊ln k⌋` candidates) | the start |
/// | [`algorithm`](KMeans::algorithm) | [`Algorithm::Auto`] | exact algorithm (all give the same result) |
/// | [`refine`](KMeans::refine) | `Breathing { m: 2 }`, or `None` for precomputed starts | breathing k-means after the runs |
/// | [`seed`](KMeans::seed) | 0 | seed of the portable RNG (Xoshiro256++) |
///
/// These follow scikit-learn's `KMeans` with two exceptions: the seed is fixed by default (the
/// same data and options give the same model, bit for bit, on any number of threads), and fits
/// from a random or k-means++ start are refined by breathing k-means, which finds much better
/// clusterings for a small multiple of the cost ([`KMeans::refine`]; `.refine(Refine::None)`
/// gives scikit-learn's plain fit).
///
/// # Example
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
    init: Init<T>,
    algorithm: Algorithm,
    /// `None`: the default, which depends on the start (see [`KMeans::refine`]).
    refine: Option<Refine>,
    seed: u64,
}

impl<T: Float> KMeans<T> {
    /// A configuration for `k` clusters with the default options.
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
            init: Init::KMeansPlusPlus,
            algorithm: Algorithm::Auto,
            refine: None,
            seed: DEFAULT_SEED,
        }
    }

    /// The maximum number of iterations of each run (≥ 1).
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
    /// ```
    /// use k_means::{Init, KMeans};
    /// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
    /// let model = KMeans::new(2).init(Init::Random).fit(&rows)?;
    /// assert_eq!(model.inertia(), 1.0);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn init(mut self, init: Init<T>) -> Self {
        self.init = init;
        self
    }

    /// Which exact algorithm runs the iterations; see [`Algorithm`].
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

    /// Clusters `data` and returns the fitted model.
    ///
    /// `data` is a [`RowMajor`] view or rows as arrays (`Vec<[T; D]>`, `&[[T; D]]`).
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
    /// # Example
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
        let rows = data.as_rows()?;
        let (ctx, n_init) = self.validate(rows)?;
        let mut master = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let mut best: Option<RunOutcome<T>> = None;
        for _ in 0..n_init {
            // Each run has its own stream, derived from the seed, so run r's start does not
            // depend on how many random numbers earlier runs drew.
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(master.next_u64());
            let start = self.start(rows, &mut rng);
            let run = algorithm::run(&ctx, rows, start);
            if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
                best = Some(run);
            }
        }
        let mut best = best.expect("n_init >= 1 was validated");
        let refine = self.refine.unwrap_or(match self.init {
            Init::Precomputed(_) => Refine::None,
            _ => Refine::Breathing {
                m: DEFAULT_BREATHING_M,
            },
        });
        if let Refine::Breathing { m } = refine {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(master.next_u64());
            best = refine::breathing(&ctx, rows, best, m, &mut rng);
        }
        Ok(KMeansModel::from_run(best, self.k, rows.n_features()))
    }

    /// Checks options and data once; returns the fit context and the number of runs.
    fn validate(&self, rows: RowMajor<'_, T>) -> Result<(FitContext, usize), KMeansError> {
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
        if rows.n_rows() == 0 {
            return Err(KMeansError::NoRows);
        }
        if self.k > rows.n_rows() {
            return Err(KMeansError::KTooLarge {
                k: self.k,
                n_rows: rows.n_rows(),
            });
        }
        validate::k_fits_type::<T>(self.k)?;
        validate::values(rows)?;
        let n_init = match &self.init {
            Init::Precomputed(c) => {
                validate::centroids(c, self.k, rows.n_features(), rows.n_rows())?;
                1
            }
            Init::Random => self.n_init.unwrap_or(10),
            Init::KMeansPlusPlus => self.n_init.unwrap_or(1),
        };
        let ctx = FitContext::new(rows, self.max_iter, self.tolerance, self.algorithm);
        Ok((ctx, n_init))
    }

    fn start<R: Rng + ?Sized>(&self, rows: RowMajor<'_, T>, rng: &mut R) -> Vec<T> {
        match &self.init {
            Init::Precomputed(c) => c.clone(),
            Init::Random => {
                let idx = init::random_distinct_rows(rows.n_rows(), self.k, rng);
                init::gather_rows(rows, &idx)
            }
            Init::KMeansPlusPlus => init::kmeans_plus_plus(rows, self.k, rng),
        }
    }
}
