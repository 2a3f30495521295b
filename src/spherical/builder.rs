//! The `SphericalKMeans` builder: options, validation and normalisation at the boundary,
//! restarts.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

use crate::algorithm::{Algorithm, Facts, FitContext};
use crate::builder::{DEFAULT_MAX_ITER, DEFAULT_SEED, DEFAULT_TOLERANCE};
use crate::comm::Comm;
use crate::data::{AsRows, RowMajor};
use crate::error::KMeansError;
use crate::float::Float;
use crate::init::{self, Init};
use crate::validate;

use super::iterate::{self, SphericalRun};
use super::model::SphericalModel;
use super::normalise::{unit_centroids, unit_rows, unit_start};

/// Spherical k-means: k-means for cosine similarity (Dhillon & Modha, 2001). Build it with
/// [`SphericalKMeans::new`], set options, then [`fit`](SphericalKMeans::fit).
///
/// Every row is normalised to unit length once (in f64, then rounded to `T`; an all-zero row
/// is an error). Each iteration assigns every row to the centroid of largest cosine similarity
/// and moves each centroid to the mean of its rows, re-normalised to unit length. For unit
/// vectors `‖x − c‖² = 2 − 2 x·c`, so the largest dot product is the smallest squared distance:
/// the assignment runs through the crate's certified tile kernel on the unit rows and is the
/// exact argmax of the cosine similarity (ties to the lowest index), the sums are the crate's
/// exact fixed-point sums, and a fit gives the same bits on any number of threads. For the same
/// reason the default start, greedy k-means++ on the unit rows, is spherical k-means++
/// (D² sampling with the cosine dissimilarity `1 − cos = ‖x − c‖²/2`).
///
/// | option | default | meaning |
/// |---|---|---|
/// | [`max_iter`](SphericalKMeans::max_iter) | 300 | iterations per run at most |
/// | [`tolerance`](SphericalKMeans::tolerance) | 1e-4 | stop when the total squared centroid shift is at most this times the mean per-feature variance of the unit rows |
/// | [`n_init`](SphericalKMeans::n_init) | 1 for k-means++ and k-means‖, 10 for random | runs from different starts; the lowest [`objective`](SphericalModel::objective) wins |
/// | [`init`](SphericalKMeans::init) | [`Init::KMeansPlusPlus`] at every size | the start, on the unit rows; a precomputed start is normalised |
/// | [`seed`](SphericalKMeans::seed) | 0 | seed of the portable RNG (Xoshiro256++) |
///
/// These mirror [`KMeans`](crate::KMeans)'s options of the same names. What `KMeans` has and
/// this does not: breathing refinement, a choice of [`Algorithm`] (plain Lloyd passes only),
/// sample weights, fits over partitions and checkpoints.
///
/// # Examples
///
/// ```
/// use k_means::SphericalKMeans;
///
/// // Two directions, at very different lengths: cosine similarity ignores the length.
/// let rows = vec![[1.0_f64, 0.0], [100.0, 3.0], [0.01, 0.0], [0.0, 1.0], [2.0, 50.0]];
/// let model = SphericalKMeans::new(2).fit(&rows)?;
/// let l = model.labels();
/// assert!(l[0] == l[1] && l[1] == l[2] && l[3] == l[4] && l[0] != l[3]);
/// for c in model.centroids().chunks(2) {
///     assert!((c[0] * c[0] + c[1] * c[1] - 1.0).abs() < 1e-12); // unit centroids
/// }
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SphericalKMeans<T> {
    k: usize,
    max_iter: usize,
    tolerance: f64,
    n_init: Option<usize>,
    init: Init<T>,
    seed: u64,
}

impl<T: Float> SphericalKMeans<T> {
    /// A configuration for `k` clusters with the default options.
    ///
    /// # Examples
    ///
    /// ```
    /// let model = k_means::SphericalKMeans::new(1).fit(&vec![[2.0_f64, 0.0], [7.0, 0.0]])?;
    /// assert_eq!(model.centroids(), &[1.0, 0.0]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn new(k: usize) -> Self {
        SphericalKMeans {
            k,
            max_iter: DEFAULT_MAX_ITER,
            tolerance: DEFAULT_TOLERANCE,
            n_init: None,
            init: Init::KMeansPlusPlus,
            seed: DEFAULT_SEED,
        }
    }

    /// The maximum number of iterations of each run (≥ 1).
    ///
    /// # Examples
    ///
    /// ```
    /// let rows = vec![[1.0_f64, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]];
    /// assert_eq!(k_means::SphericalKMeans::new(2).max_iter(1).fit(&rows)?.n_iter(), 1);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// The relative tolerance (finite, ≥ 0): a run stops when `Σⱼ ‖Δcⱼ‖²` (the unit centroids'
    /// total squared shift) is at most `tolerance ×` the mean per-feature variance of the unit
    /// rows, or when no label changes. 0 runs to strict convergence.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{SphericalKMeans, StopReason};
    /// let rows = vec![[1.0_f64, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]];
    /// let model = SphericalKMeans::new(2).tolerance(0.0).fit(&rows)?;
    /// assert_eq!(model.stop_reason(), StopReason::LabelsUnchanged);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The number of runs from different starts (≥ 1); the run of lowest objective is kept.
    /// Defaults to 1 for k-means++ and k-means‖, 10 for random starts; ignored for precomputed
    /// starts.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, SphericalKMeans};
    /// let rows = vec![[1.0_f64, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]];
    /// let model = SphericalKMeans::new(2).init(Init::Random).n_init(3).fit(&rows)?;
    /// assert_eq!(model.labels()[0], model.labels()[1]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = Some(n_init);
        self
    }

    /// How the initial centroids are chosen, on the unit rows; see [`Init`]. A precomputed start
    /// is normalised (an all-zero centroid is an error).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, SphericalKMeans};
    /// let rows = vec![[1.0_f64, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]];
    /// let model = SphericalKMeans::new(2).init(Init::Precomputed(vec![0.0, 5.0, 5.0, 0.0])).fit(&rows)?;
    /// assert_eq!(model.labels(), &[1, 1, 0, 0]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn init(mut self, init: Init<T>) -> Self {
        self.init = init;
        self
    }

    /// The seed of the random starts. Same data, options and seed give the same model.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::SphericalKMeans;
    /// let rows: Vec<[f32; 3]> = (0..60).map(|i| [(i % 7) as f32, (i % 11) as f32, 1.0]).collect();
    /// assert_eq!(SphericalKMeans::new(3).seed(5).fit(&rows)?, SphericalKMeans::new(3).seed(5).fit(&rows)?);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Clusters `data` by cosine similarity and returns the fitted model. `data` is anything
    /// [`AsRows`] reads, as for [`KMeans::fit`](crate::KMeans::fit).
    ///
    /// # Errors
    ///
    /// * [`KMeansError::ZeroK`], [`KMeansError::ZeroMaxIter`], [`KMeansError::ZeroNInit`],
    ///   [`KMeansError::InvalidTolerance`], [`KMeansError::InvalidKMeansParallel`] for bad
    ///   options;
    /// * [`KMeansError::NoRows`] for empty data, [`KMeansError::ZeroFeatures`] for rows of
    ///   width 0, [`KMeansError::KTooLarge`] when k exceeds the number of rows,
    ///   [`KMeansError::KTooLargeForType`] for more than 2²⁴ clusters of `f32` data;
    /// * [`KMeansError::NonFinite`] for a NaN or infinite value (with its row and column;
    ///   there is no magnitude limit, since rows are normalised first), [`KMeansError::ZeroRow`]
    ///   for an all-zero row;
    /// * [`KMeansError::CentroidShape`], [`KMeansError::NonFiniteCentroid`],
    ///   [`KMeansError::ZeroCentroid`] for a bad [`Init::Precomputed`] start.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeansError, SphericalKMeans};
    ///
    /// let rows = vec![[1.0_f64, 2.0], [0.0, 0.0], [3.0, 1.0]];
    /// assert_eq!(SphericalKMeans::new(2).fit(&rows).unwrap_err(), KMeansError::ZeroRow { row: 1 });
    /// assert_eq!(SphericalKMeans::new(4).fit(&rows).unwrap_err(),
    ///            KMeansError::KTooLarge { k: 4, n_rows: 3 });
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn fit<D: AsRows<T> + ?Sized>(&self, data: &D) -> Result<SphericalModel<T>, KMeansError> {
        let held = data.as_rows()?;
        let rows = held.view();
        let (n_init, start) = self.validate(rows)?;
        let unit = unit_rows(rows)?;
        let unit = unit.view();
        let facts = Facts {
            weights: None,
            weight_scale: 1.0,
            first_row: 0,
            n_total: unit.n_rows(),
            comm: Comm::solo(),
        };
        let ctx = FitContext::new(unit, self.max_iter, self.tolerance, Algorithm::Lloyd, facts)?;
        let mut master = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let mut best: Option<SphericalRun<T>> = None;
        for _ in 0..n_init {
            // Each run has its own stream, derived from the seed, as in `KMeans`.
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(master.next_u64());
            let start = match &start {
                Some(c) => c.clone(),
                None => self.start(&ctx, unit, &mut rng)?,
            };
            let outcome = iterate::run(&ctx, unit, start)?;
            if best.as_ref().is_none_or(|b| outcome.objective < b.objective) {
                best = Some(outcome);
            }
        }
        let best = best.ok_or(KMeansError::ZeroNInit)?;
        Ok(SphericalModel::from_run(best, self.k, rows.n_features()))
    }

    /// Clusters `data` and returns only the label of every row: `fit(data)?.labels()`.
    ///
    /// # Errors
    ///
    /// As [`fit`](Self::fit).
    ///
    /// # Examples
    ///
    /// ```
    /// let rows = vec![vec![1.0_f64, 0.0], vec![0.0, 2.0], vec![3.0, 0.2]];
    /// let labels = k_means::SphericalKMeans::new(2).fit_predict(&rows)?;
    /// assert_eq!(labels[0], labels[2]);
    /// assert_ne!(labels[0], labels[1]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn fit_predict<D: AsRows<T> + ?Sized>(&self, data: &D) -> Result<Vec<usize>, KMeansError> {
        Ok(self.fit(data)?.into_labels())
    }

    /// The option and data checks, once: returns the number of runs and, for a precomputed
    /// start, its unit centroids. The zero-row check comes with the normalisation.
    fn validate(&self, rows: RowMajor<'_, T>) -> Result<(usize, Option<Vec<f64>>), KMeansError> {
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
        if let Init::KMeansParallel { rounds, oversampling } = self.init
            && (rounds == 0 || !(oversampling.is_finite() && oversampling > 0.0))
        {
            return Err(KMeansError::InvalidKMeansParallel { rounds, oversampling });
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
        validate::finite(rows)?;
        Ok(match &self.init {
            Init::Precomputed(c) => (1, Some(unit_start(c, self.k, rows.n_features())?)),
            Init::Random => (self.n_init.unwrap_or(10), None),
            Init::KMeansPlusPlus | Init::KMeansParallel { .. } => (self.n_init.unwrap_or(1), None),
        })
    }

    /// A drawn start over the unit rows, normalised again in f64 (rows rounded to `T` are unit
    /// only to within `T`'s rounding).
    fn start<R: Rng + ?Sized>(
        &self,
        ctx: &FitContext<'_, '_>,
        unit: RowMajor<'_, T>,
        rng: &mut R,
    ) -> Result<Vec<f64>, KMeansError> {
        let part = ctx.part(unit);
        let drawn = match &self.init {
            Init::Random => init::random_rows(part, self.k, rng)?,
            Init::KMeansPlusPlus => {
                init::kmeans_plus_plus(part, self.k, rng, &mut |_| std::ops::ControlFlow::Continue(()))?
            }
            &Init::KMeansParallel { rounds, oversampling } => {
                init::kmeans_parallel(part, self.k, rounds, oversampling, rng)?
            }
            // Normalised once by `validate`; never drawn.
            Init::Precomputed(c) => c.clone(),
        };
        // Every drawn centroid is a unit row (k-means‖'s are weighted k-means++ picks among
        // its candidate rows), so none is zero.
        unit_centroids(&drawn, unit.n_features()).map_err(|centroid| KMeansError::ZeroCentroid { centroid })
    }
}
