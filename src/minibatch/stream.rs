//! The streaming state of mini-batch k-means: batches given one at a time
//! ([`MiniBatchState::partial_fit`]), a model at any point, and a serialised form (feature
//! `serde`) checked on loading, so that a long-running stream can stop and resume exactly.

use crate::algorithm::{RunOutcome, StopReason};
use crate::data::AsRows;
use crate::error::KMeansError;
use crate::float::Float;
#[cfg(feature = "serde")]
use crate::init::Init;
use crate::model::KMeansModel;
#[cfg(feature = "serde")]
use crate::validate;

use super::MiniBatchKMeans;
use super::step::Learner;

/// A mini-batch k-means that learns from batches as they arrive, from
/// [`MiniBatchKMeans::start`]; scikit-learn's `partial_fit`.
///
/// Each [`partial_fit`](Self::partial_fit) is one step over the batch given (assignment
/// through the tile kernel, the per-centre learning-rate update, the reassignment of rarely
/// used centres when due: see [`MiniBatchKMeans`]). **The first batch starts the stream**:
/// the start (k-means++ by default) is seeded on up to `init_size` of its rows, so it must
/// hold at least k rows of positive weight ([`KMeansError::KTooLarge`] otherwise) and should
/// hold `init_size` (3 × `batch_size` by default) for a start as good as
/// [`fit`](MiniBatchKMeans::fit)'s; then the same batch is the first step. Batch sizes may
/// vary; `batch_size`, `max_iter`, `max_no_improvement` and `tolerance` do not apply (the
/// caller decides when the stream ends).
///
/// The state is deterministic: the same options, seed and batches in the same order give the
/// same bits, on any number of threads, and with the feature `serde` it serialises (floats as
/// bit patterns, exact in any format) and loads, after checks, into a state that continues
/// exactly as the original would.
///
/// # Examples
///
/// ```
/// use k_means::MiniBatchKMeans;
///
/// let batch = |b: usize| -> Vec<[f64; 2]> {
///     (0..300).map(|i| [((i + b) % 3) as f64 * 10.0, (i % 7) as f64 * 0.1]).collect()
/// };
/// let mut stream = MiniBatchKMeans::new(3).seed(1).start()?;
/// for b in 0..5 {
///     stream.partial_fit(&batch(b))?;
/// }
/// assert_eq!(stream.n_batches(), 5);
/// assert_eq!(stream.n_rows_seen(), 1500);
/// let model = stream.model()?;
/// let mut xs: Vec<f64> = model.centroids().chunks(2).map(|c| c[0].round()).collect();
/// xs.sort_by(f64::total_cmp);
/// assert_eq!(xs, [0.0, 10.0, 20.0]);
/// assert_eq!(model.predict(&vec![[19.0, 0.3]])?, model.predict(&vec![[20.0, 0.0]])?);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
///
/// Checkpoint and resume (feature `serde`):
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use k_means::{MiniBatchKMeans, MiniBatchState};
///
/// let batches: Vec<Vec<[f64; 1]>> = (0..6).map(|b| (0..200).map(|i| [((i * 7 + b) % 40) as f64]).collect()).collect();
/// let mut stream = MiniBatchKMeans::new(4).start()?;
/// for b in &batches[..3] {
///     stream.partial_fit(b)?;
/// }
/// let saved = serde_json::to_string(&stream)?;
/// let mut resumed: MiniBatchState<f64> = serde_json::from_str(&saved)?;
/// for b in &batches[3..] {
///     stream.partial_fit(b)?;
///     resumed.partial_fit(b)?;
/// }
/// assert_eq!(resumed, stream);
/// assert_eq!(resumed.model()?, stream.model()?);
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MiniBatchState<T> {
    config: MiniBatchKMeans<T>,
    /// `None` until the first batch.
    learner: Option<Learner>,
    n_rows_seen: u64,
    /// `Σ wᵢ ‖xᵢ − c‖²` of the last batch against the centres before its step.
    last_batch_inertia: f64,
}

impl<T: Float> MiniBatchState<T> {
    /// A stream not yet started (options checked by the caller).
    pub(crate) fn new(config: MiniBatchKMeans<T>) -> Self {
        MiniBatchState {
            config,
            learner: None,
            n_rows_seen: 0,
            last_batch_inertia: 0.0,
        }
    }

    /// Learns from one batch: the first batch starts the stream (see the type's docs), every
    /// batch is one step.
    ///
    /// # Errors
    ///
    /// [`KMeansError::NoRows`] for an empty batch; [`KMeansError::FeatureMismatch`] for a
    /// batch of another width than the first; [`KMeansError::NonFinite`] /
    /// [`KMeansError::ValueTooLarge`] (row and column within the batch);
    /// [`KMeansError::KTooLarge`] when the first batch has fewer than k rows; the errors of a
    /// bad [`Init::Precomputed`] start. A refused batch leaves the state unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeansError, MiniBatchKMeans};
    /// let mut stream = MiniBatchKMeans::new(2).start()?;
    /// assert_eq!(stream.partial_fit(&vec![[1.0_f64, 2.0]]).unwrap_err(), KMeansError::KTooLarge { k: 2, n_rows: 1 });
    /// stream.partial_fit(&vec![[0.0, 0.0], [9.0, 9.0]])?;
    /// assert_eq!(stream.partial_fit(&vec![[1.0]]).unwrap_err(), KMeansError::FeatureMismatch { expected: 2, got: 1 });
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn partial_fit<D: AsRows<T> + ?Sized>(&mut self, batch: &D) -> Result<(), KMeansError> {
        self.partial_fit_impl(batch, None)
    }

    /// [`partial_fit`](Self::partial_fit) with one non-negative weight per row (rows of
    /// weight 0 change nothing).
    ///
    /// # Errors
    ///
    /// As [`partial_fit`](Self::partial_fit), plus [`KMeansError::WeightCount`],
    /// [`KMeansError::InvalidWeight`] and [`KMeansError::ZeroTotalWeight`].
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, MiniBatchKMeans};
    /// let mut stream = MiniBatchKMeans::new(1).init(Init::Precomputed(vec![0.0_f64])).start()?;
    /// stream.partial_fit_weighted(&vec![[0.0], [4.0]], &[1.0, 3.0])?;
    /// assert_eq!(stream.model()?.centroids(), &[3.0]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn partial_fit_weighted<D: AsRows<T> + ?Sized>(
        &mut self,
        batch: &D,
        weights: &[T],
    ) -> Result<(), KMeansError> {
        self.partial_fit_impl(batch, Some(weights))
    }

    fn partial_fit_impl<D: AsRows<T> + ?Sized>(
        &mut self,
        batch: &D,
        weights: Option<&[T]>,
    ) -> Result<(), KMeansError> {
        let rows = batch.as_rows()?;
        let rows = rows.view();
        if let Some(l) = &self.learner
            && l.n_features != rows.n_features()
        {
            return Err(KMeansError::FeatureMismatch {
                expected: l.n_features,
                got: rows.n_features(),
            });
        }
        let (w64, pool) = self.config.check_rows(rows, weights)?;
        let w64 = w64.as_deref();
        let mut learner = match self.learner.take() {
            Some(l) => l,
            None => self.config.initial_learner(rows, w64, &pool)?,
        };
        let out = learner.step(rows, w64, self.config.ratio(), self.config.seed_value());
        self.learner = Some(learner);
        self.n_rows_seen += rows.n_rows() as u64;
        self.last_batch_inertia = out.batch_inertia;
        Ok(())
    }

    /// The model of the centres so far: centroids rounded to `T`, `n_iter` = the batches seen,
    /// [`StopReason::Streamed`]. It has no training rows: labels are empty, cluster sizes 0,
    /// inertia 0 (score rows with [`KMeansModel::score`], label them with
    /// [`KMeansModel::predict`]).
    ///
    /// # Errors
    ///
    /// [`KMeansError::NoRows`] before the first batch.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut stream = k_means::MiniBatchKMeans::new(1).start()?;
    /// assert!(stream.model().is_err());
    /// stream.partial_fit(&vec![[2.0_f32], [4.0]])?;
    /// let model = stream.model()?;
    /// assert_eq!(model.centroids(), &[3.0]);
    /// assert_eq!(model.score(&vec![[2.0], [4.0]])?, 2.0);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn model(&self) -> Result<KMeansModel<T>, KMeansError> {
        let Some(l) = &self.learner else {
            return Err(KMeansError::NoRows);
        };
        let run = RunOutcome {
            centroids: l.centres.iter().map(|&v| T::from_f64_(v)).collect(),
            centroids_f64: l.centres.clone(),
            labels: Vec::new(),
            inertia: 0.0,
            n_iter: l.n_steps as usize,
            stop: StopReason::Streamed,
            bounds: None,
            errors: None,
        };
        Ok(KMeansModel::from_run_unreported(
            run,
            l.k,
            l.n_features,
            vec![0; l.k],
        ))
    }

    /// The batches learnt from.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut stream = k_means::MiniBatchKMeans::new(1).start()?;
    /// stream.partial_fit(&vec![[0.0_f64]])?;
    /// assert_eq!(stream.n_batches(), 1);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_batches(&self) -> u64 {
        self.learner.as_ref().map_or(0, |l| l.n_steps)
    }

    /// The rows learnt from (every row of every batch, weight 0 included).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut stream = k_means::MiniBatchKMeans::new(1).start()?;
    /// stream.partial_fit(&vec![[0.0_f64], [1.0]])?;
    /// assert_eq!(stream.n_rows_seen(), 2);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_rows_seen(&self) -> u64 {
        self.n_rows_seen
    }

    /// The last batch's inertia `Σ wᵢ ‖xᵢ − c_{label(i)}‖²` against the centres before its
    /// step (scikit-learn's batch inertia, not divided by the batch size): a running measure
    /// of fit for monitoring a stream. 0 before the first batch.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, MiniBatchKMeans};
    /// let mut stream = MiniBatchKMeans::new(1).init(Init::Precomputed(vec![0.0_f64])).start()?;
    /// stream.partial_fit(&vec![[1.0], [3.0]])?;
    /// assert_eq!(stream.last_batch_inertia(), 10.0); // 1² + 3² against the start
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn last_batch_inertia(&self) -> f64 {
        self.last_batch_inertia
    }
}

/// The stored form: the options and the learning state, floats as bit patterns.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename = "MiniBatchState")]
struct Stored<T> {
    config: MiniBatchKMeans<T>,
    n_features: usize,
    /// `k × n_features` bit patterns, empty before the first batch.
    centres: Vec<u64>,
    counts: Vec<u64>,
    since_reassign: u64,
    n_steps: u64,
    n_rows_seen: u64,
    last_batch_inertia: u64,
}

#[cfg(feature = "serde")]
impl<T: Float + serde::Serialize> serde::Serialize for MiniBatchState<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let l = self.learner.as_ref();
        Stored {
            config: self.config.clone(),
            n_features: l.map_or(0, |l| l.n_features),
            centres: l.map_or(Vec::new(), |l| bits(&l.centres)),
            counts: l.map_or(Vec::new(), |l| bits(&l.counts)),
            since_reassign: l.map_or(0, |l| l.since_reassign),
            n_steps: l.map_or(0, |l| l.n_steps),
            n_rows_seen: self.n_rows_seen,
            last_batch_inertia: self.last_batch_inertia.to_bits(),
        }
        .serialize(serializer)
    }
}

#[cfg(feature = "serde")]
impl<'de, T: Float + serde::Deserialize<'de>> serde::Deserialize<'de> for MiniBatchState<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = Stored::<T>::deserialize(deserializer)?;
        checked(stored).map_err(serde::de::Error::custom)
    }
}

/// A loaded state, if it is one a stream can be in: valid options, and either not started
/// (no centres) or `k × n_features` finite centres within the magnitude limit of the rows
/// seen, k finite non-negative counts, a finite non-negative last inertia.
#[cfg(feature = "serde")]
fn checked<T: Float>(s: Stored<T>) -> Result<MiniBatchState<T>, KMeansError> {
    let invalid = |reason: String| KMeansError::InvalidMiniBatchState { reason };
    s.config.check_options()?;
    let k = s.config.k();
    let last_batch_inertia = f64::from_bits(s.last_batch_inertia);
    if !(last_batch_inertia.is_finite() && last_batch_inertia >= 0.0) {
        return Err(invalid(format!(
            "the last batch inertia {last_batch_inertia} is not a finite number ≥ 0"
        )));
    }
    let started = !(s.centres.is_empty() && s.counts.is_empty() && s.n_steps == 0);
    if !started {
        if s.n_features != 0 || s.n_rows_seen != 0 || s.since_reassign != 0 {
            return Err(invalid("a stream without centres has seen rows".into()));
        }
        return Ok(MiniBatchState::new(s.config));
    }
    if s.n_features == 0 {
        return Err(KMeansError::ZeroFeatures);
    }
    if s.n_steps == 0 || s.n_rows_seen < s.n_steps {
        return Err(invalid(format!(
            "{} batches of {} rows in all: every batch has a row",
            s.n_steps, s.n_rows_seen
        )));
    }
    let centres: Vec<f64> = s.centres.iter().map(|&b| f64::from_bits(b)).collect();
    let as_t: Vec<T> = centres.iter().map(|&v| T::from_f64_(v)).collect();
    if centres
        .iter()
        .zip(&as_t)
        .any(|(c, t)| c.is_finite() && !t.is_finite())
    {
        return Err(invalid("a centre overflows the element type".into()));
    }
    validate::centroids(
        &as_t,
        k,
        s.n_features,
        s.n_rows_seen.min(usize::MAX as u64) as usize,
    )?;
    if let Some(Init::Precomputed(c)) = &s.config.init
        && c.len() != k * s.n_features
    {
        return Err(invalid(format!(
            "the precomputed start has {} values for k = {k} and {} features",
            c.len(),
            s.n_features
        )));
    }
    let counts: Vec<f64> = s.counts.iter().map(|&b| f64::from_bits(b)).collect();
    if counts.len() != k {
        return Err(invalid(format!("{} counts for k = {k}", counts.len())));
    }
    if let Some(j) = counts.iter().position(|c| !(c.is_finite() && *c >= 0.0)) {
        return Err(invalid(format!(
            "the count of centre {j} is {}, not a finite number ≥ 0",
            counts[j]
        )));
    }
    Ok(MiniBatchState {
        learner: Some(Learner {
            k,
            n_features: s.n_features,
            centres,
            counts,
            since_reassign: s.since_reassign,
            n_steps: s.n_steps,
        }),
        config: s.config,
        n_rows_seen: s.n_rows_seen,
        last_batch_inertia,
    })
}
