//! The `KMeans` builder: options, validation at the boundary, restarts, refinement.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

use crate::algorithm::{self, Algorithm, Facts, FitContext, RunOutcome};
use crate::collective::Collective;
use crate::comm::Comm;
use crate::data::AsRows;
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::init::{self, Init};
use crate::model::KMeansModel;
use crate::part::{Part, scale_within};
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

    /// The same configuration for `k` clusters (for [`KSweep`](crate::KSweep), which fits
    /// every k of a range with one builder's options).
    pub(crate) fn with_k(&self, k: usize) -> Self {
        KMeans { k, ..self.clone() }
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
        self.fit_impl(data.as_rows()?, None, 0, Comm::solo())
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
    /// # Example
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
        self.fit_impl(data.as_rows()?, Some(weights), 0, Comm::solo())
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
    /// # Example
    ///
    /// See [`crate::distributed`].
    pub fn fit_partition<D: AsRows<T> + ?Sized, C: Collective + ?Sized>(
        &self,
        data: &D,
        first_row: usize,
        collective: &mut C,
    ) -> Result<KMeansModel<T>, KMeansError> {
        let rows = data.as_rows()?;
        self.fit_with(rows, None, first_row, collective)
    }

    /// [`fit_partition`](Self::fit_partition) with one weight per row of `data`, as
    /// [`fit_weighted`](Self::fit_weighted).
    ///
    /// # Errors
    ///
    /// As [`fit_partition`](Self::fit_partition) and [`fit_weighted`](Self::fit_weighted).
    ///
    /// # Example
    ///
    /// See [`crate::distributed::fit_weighted_in_threads`].
    pub fn fit_partition_weighted<D: AsRows<T> + ?Sized, C: Collective + ?Sized>(
        &self,
        data: &D,
        weights: &[T],
        first_row: usize,
        collective: &mut C,
    ) -> Result<KMeansModel<T>, KMeansError> {
        let rows = data.as_rows()?;
        self.fit_with(rows, Some(weights), first_row, collective)
    }

    fn fit_with<C: Collective + ?Sized>(
        &self,
        rows: RowMajor<'_, T>,
        weights: Option<&[T]>,
        first_row: usize,
        collective: &mut C,
    ) -> Result<KMeansModel<T>, KMeansError> {
        let mut adapter = Dyn(collective);
        self.fit_impl(rows, weights, first_row, Comm::over(&mut adapter))
    }

    /// The one fit: this participant's `rows` (all of them for [`fit`](Self::fit)).
    fn fit_impl(
        &self,
        rows: RowMajor<'_, T>,
        weights: Option<&[T]>,
        first_row: usize,
        comm: Comm<'_>,
    ) -> Result<KMeansModel<T>, KMeansError> {
        let (ctx, n_init) = self.validate(rows, weights, first_row, comm)?;
        let mut master = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let mut best: Option<RunOutcome<T>> = None;
        for _ in 0..n_init {
            // Each run has its own stream, derived from the seed, so run r's start does not
            // depend on how many random numbers earlier runs drew.
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(master.next_u64());
            let start = self.start(ctx.part(rows), &mut rng)?;
            let run = algorithm::run(&ctx, rows, start)?;
            if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
                best = Some(run);
            }
        }
        let Some(mut best) = best else {
            return Err(KMeansError::ZeroNInit);
        };
        let refine = self.refine.unwrap_or(match self.init {
            Init::Precomputed(_) => Refine::None,
            _ => Refine::Breathing {
                m: DEFAULT_BREATHING_M,
            },
        });
        if let Refine::Breathing { m } = refine {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(master.next_u64());
            best = refine::breathing(&ctx, rows, best, m, &mut rng)?;
        }
        // Cluster sizes over every participant's rows.
        let mut sizes = vec![0_i64; self.k];
        for &l in &best.labels {
            sizes[l] += 1;
        }
        ctx.comm.sum_i64(&mut sizes)?;
        let sizes = sizes.iter().map(|&s| s as usize).collect();
        Ok(KMeansModel::from_run(best, self.k, rows.n_features(), sizes))
    }

    /// Checks options and data once (with every participant); returns the fit context and the
    /// number of runs.
    fn validate<'c>(
        &self,
        rows: RowMajor<'_, T>,
        weights: Option<&[T]>,
        first_row: usize,
        comm: Comm<'c>,
    ) -> Result<(FitContext<'c>, usize), KMeansError> {
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
                let scale = scale_within(layout.positive as f64 * layout.max_weight, 60);
                (
                    Some(w.iter().map(|&v| (v.to_f64_() * scale).round() as i64).collect()),
                    scale,
                )
            }
        };
        let n_init = match &self.init {
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
        if let Init::Precomputed(c) = &self.init {
            validate::centroids(c, self.k, rows.n_features(), layout.n_total).map_err(|e| (3, e))?;
        }
        Ok(())
    }

    fn start<R: Rng + ?Sized>(&self, part: Part<'_, '_, T>, rng: &mut R) -> Result<Vec<T>, KMeansError> {
        match &self.init {
            Init::Precomputed(c) => Ok(c.clone()),
            Init::Random => init::random_rows(part, self.k, rng),
            Init::KMeansPlusPlus => init::kmeans_plus_plus(part, self.k, rng),
            &Init::KMeansParallel { rounds, oversampling } => {
                init::kmeans_parallel(part, self.k, rounds, oversampling, rng)
            }
        }
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
