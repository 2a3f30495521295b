//! What a fit did: the report a fitted model carries ([`KMeansModel::report`]).
//!
//! [`KMeansModel::report`]: crate::KMeansModel::report

use std::time::Duration;

use crate::algorithm::{Algorithm, StopReason};
use crate::refinement::Refine;

/// How a model was fitted: why the fit stopped, how many iterations it took, every restart's
/// inertia, the time of each phase, and the options and seed that produced it. Returned by
/// [`KMeansModel::report`](crate::KMeansModel::report).
///
/// Every field but [`timings`](Self::timings) is deterministic: the same data, options and
/// seed give the same report on any number of threads and over any partition of the rows.
/// Equality ignores the timings (two fits of the same data compare equal), and a model's
/// equality ignores its report (see [`KMeansModel`](crate::KMeansModel)). The report does not
/// grow with the data: one inertia per restart.
///
/// A fit resumed from a [`Checkpoint`](crate::Checkpoint) reports what that call did: the
/// restarts it finished (the run it resumed counts its iterations from the run's start), the
/// breathing cycles it ran, and its own times.
///
/// # Examples
///
/// ```
/// use k_means::KMeans;
///
/// let rows: Vec<[f64; 2]> = (0..600).map(|i| [(i % 13) as f64, (i % 7) as f64]).collect();
/// let model = KMeans::new(4).n_init(3).seed(5).fit(&rows)?;
/// let report = model.report().expect("a fitted model has a report");
/// assert_eq!(report.run_inertias.len(), 3);
/// assert_eq!(report.kept_run_iterations, model.n_iter());
/// assert!(report.total_iterations >= model.n_iter());
/// assert_eq!(report.stop_reason, model.stop_reason());
/// assert_eq!((report.options.k, report.options.seed, report.options.n_init), (4, 5, 3));
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FitReport {
    /// Why the fit stopped: [`StopReason::Cancelled`] when its observer or token stopped it
    /// (the model is then the best so far, [`OnCancel::BestSoFar`](crate::OnCancel)); else the
    /// kept run's reason, [`KMeansModel::stop_reason`](crate::KMeansModel::stop_reason).
    pub stop_reason: StopReason,
    /// Iterations of every run of the fit: the restarts and the two runs of each breathing
    /// cycle.
    pub total_iterations: usize,
    /// Iterations of the run whose centroids the model holds: its
    /// [`n_iter`](crate::KMeansModel::n_iter).
    pub kept_run_iterations: usize,
    /// The inertia of each restart, in order (of the `n_init` restarts, those that finished;
    /// before refinement).
    pub run_inertias: Vec<f64>,
    /// Breathing cycles run by the refinement (0 without it).
    pub breathing_cycles: usize,
    /// Wall-clock time of each phase (the only field that varies from fit to fit). Not saved
    /// with the model (feature `serde`), so that the same fit saves the same bytes: a loaded
    /// model reports zero durations.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub timings: PhaseTimings,
    /// The options the fit ran with, defaults resolved.
    pub options: FitOptions,
}

impl PartialEq for FitReport {
    /// Every field but the timings.
    fn eq(&self, other: &Self) -> bool {
        self.stop_reason == other.stop_reason
            && self.total_iterations == other.total_iterations
            && self.kept_run_iterations == other.kept_run_iterations
            && self.run_inertias.len() == other.run_inertias.len()
            && self
                .run_inertias
                .iter()
                .zip(&other.run_inertias)
                .all(|(a, b)| a.to_bits() == b.to_bits())
            && self.breathing_cycles == other.breathing_cycles
            && self.options == other.options
    }
}

/// Wall-clock time of a fit's phases, measured with [`std::time::Instant`] around each (a few
/// readings of the clock per run).
///
/// # Examples
///
/// ```
/// use k_means::{KMeans, Refine};
/// use std::time::Duration;
///
/// let rows = vec![[0.0_f64], [1.0], [9.0]];
/// let plain = KMeans::new(2).refine(Refine::None).fit(&rows)?;
/// let t = plain.report().unwrap().timings;
/// assert_eq!(t.refinement, Duration::ZERO); // no refinement ran
/// println!("seeding {:?}, iterations {:?}", t.seeding, t.iterations);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PhaseTimings {
    /// Choosing the restarts' initial centroids.
    pub seeding: Duration,
    /// The restarts' iterations (with each run's final assignment and inertia).
    pub iterations: Duration,
    /// Breathing k-means (its moves and runs).
    pub refinement: Duration,
}

/// The options a fit ran with, as [`KMeans`](crate::KMeans) resolved them for the data.
///
/// # Examples
///
/// ```
/// use k_means::{Algorithm, KMeans, Refine};
///
/// let model = KMeans::new(2).seed(7).fit(&vec![[0.0_f64], [1.0], [9.0], [10.0]])?;
/// let options = &model.report().unwrap().options;
/// assert_eq!(options.init, "k-means++");
/// assert_eq!(options.algorithm, Algorithm::Auto);
/// assert_eq!(options.refine, Refine::Breathing { m: 2 });
/// assert_eq!((options.n_init, options.max_iter, options.seed), (1, 300, 7));
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FitOptions {
    /// Clusters.
    pub k: usize,
    /// The start: `"random"`, `"k-means++"`, `"k-means|| (rounds …, oversampling …)"` or
    /// `"precomputed (fingerprint …)"` (a hash of the given centroids' bits).
    pub init: String,
    /// The algorithm asked for.
    pub algorithm: Algorithm,
    /// The refinement, default resolved.
    pub refine: Refine,
    /// Restarts, default resolved (1 for a precomputed start).
    pub n_init: usize,
    /// Iterations per run at most.
    pub max_iter: usize,
    /// The relative tolerance.
    pub tolerance: f64,
    /// The seed.
    pub seed: u64,
}

impl FitReport {
    /// What a fit guarantees of its report, for a model of `k` centroids whose kept run did
    /// `n_iter` iterations and stopped for `stop` (used when loading a model).
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    pub(crate) fn check(&self, k: usize, n_iter: usize, stop: StopReason) -> Result<(), String> {
        let o = &self.options;
        if o.k != k {
            return Err(format!(
                "the report is of a fit with k = {}, the model has k = {k}",
                o.k
            ));
        }
        if o.n_init == 0 || o.max_iter == 0 {
            return Err(format!(
                "n_init = {} and max_iter = {} in the report",
                o.n_init, o.max_iter
            ));
        }
        if !(o.tolerance.is_finite() && o.tolerance >= 0.0) {
            return Err(format!("the report's tolerance is {}", o.tolerance));
        }
        if self.kept_run_iterations != n_iter {
            return Err(format!(
                "the report's kept run did {} iterations, the model's {n_iter}",
                self.kept_run_iterations
            ));
        }
        if n_iter > o.max_iter || self.total_iterations < n_iter {
            return Err(format!(
                "{n_iter} iterations of the kept run, {} in all, max_iter = {}",
                self.total_iterations, o.max_iter
            ));
        }
        if self.run_inertias.len() > o.n_init {
            return Err(format!(
                "{} restart inertias for n_init = {}",
                self.run_inertias.len(),
                o.n_init
            ));
        }
        if let Some(v) = self.run_inertias.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
            return Err(format!("a restart's inertia is {v}, not a finite number ≥ 0"));
        }
        if self.stop_reason != StopReason::Cancelled && self.stop_reason != stop {
            return Err(format!(
                "the report stopped for {:?}, the model's run for {stop:?}",
                self.stop_reason
            ));
        }
        if matches!(self.stop_reason, StopReason::FromCentroids) {
            return Err("a fit's report cannot stop for FromCentroids".into());
        }
        Ok(())
    }
}

/// What the fit counts for its report as it goes (the builder's restart loop and breathing).
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub total_iterations: usize,
    pub run_inertias: Vec<f64>,
    pub breathing_cycles: usize,
    pub timings: PhaseTimings,
}

impl Tally {
    /// The report of a fit that kept a run of `kept_run_iterations` and stopped for
    /// `stop_reason`.
    pub(crate) fn into_report(
        self,
        stop_reason: StopReason,
        kept_run_iterations: usize,
        options: FitOptions,
    ) -> FitReport {
        FitReport {
            stop_reason,
            total_iterations: self.total_iterations,
            kept_run_iterations,
            run_inertias: self.run_inertias,
            breathing_cycles: self.breathing_cycles,
            timings: self.timings,
            options,
        }
    }
}
