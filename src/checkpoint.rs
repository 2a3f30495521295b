//! Checkpoints: the global state of a fit at an iteration boundary, to resume it from.
//!
//! A fit is a sequence of runs (the `n_init` restarts, then breathing's cycles, two runs
//! each); every run is a sequence of iterations. At the end of every iteration a run continues
//! from, the fit's state is global (no per-row data, the same on every participant): which
//! run this is and what came before it ([`Phase`], the best outcome so far), and the run's own
//! state (iterations done, its current and previous f64 centroids). The random streams need no
//! state of their own: run `r`'s stream is seeded by the master stream's `r`-th value, and
//! breathing's stream is counted in values drawn.

use std::marker::PhantomData;

use crate::algorithm::{RunOutcome, RunState, StopReason};
use crate::error::KMeansError;
use crate::float::Float;
use crate::validate;

/// The state of an unfinished fit at the end of one of its iterations, from which
/// [`KMeans::fit_resumable`](crate::KMeans::fit_resumable) and
/// [`KMeans::fit_partition_resumable`](crate::KMeans::fit_partition_resumable) continue to the
/// same model, bit for bit, as the fit that was not interrupted.
///
/// It holds no row data: a few `k × n_features` centroid sets, the fit's identity (k, the
/// shape of the data, the seed, the options and a fingerprint of the data's range, variance
/// and weights; a resume from a different fit is refused with
/// [`KMeansError::CheckpointMismatch`]) and where the fit was. Every participant of a
/// partitioned fit sees the same checkpoints, so any one of them can store them.
///
/// # Storing (feature `serde`)
///
/// It implements `Serialize` and `Deserialize`. Floats are stored as their IEEE-754 bit
/// patterns (unsigned integers), so every format keeps them exactly. Loading checks what a fit
/// guarantees (shapes that agree with k and the number of features, finite centroids within
/// the magnitude limit of the data, counts within the options): a damaged or edited file is a
/// deserialisation error carrying the [`KMeansError`] message, never a panic.
///
/// # Examples
///
/// ```
/// use k_means::{Checkpoint, KMeans, RowMajor, datasets::make_blobs};
///
/// let blobs = make_blobs::<f64>(500, 2, 4, 1.0, 7)?;
/// let rows = RowMajor::new(&blobs.data, 2)?;
/// let km = KMeans::new(4).seed(3);
/// let mut saved: Vec<Checkpoint<f64>> = Vec::new();
/// let model = km.fit_resumable(&rows, None, None, |c| {
///     saved.push(c.clone());
///     Ok(())
/// })?;
/// assert!(!saved.is_empty());
/// // Resuming from any of them gives the same model.
/// let resumed = km.fit_resumable(&rows, None, Some(&saved[0]), |_| Ok(()))?;
/// assert_eq!(resumed, model);
/// assert_eq!(saved[0].sequence(), 1);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint<T> {
    state: State,
    _type: PhantomData<T>,
}

/// What a checkpoint holds (its serde form).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct State {
    identity: Identity,
    /// Checkpoints this fit has passed, this one included (1 for the first).
    sequence: u64,
    phase: Phase,
    /// The best finished run so far (among the restarts; in breathing, the best solution).
    best: Option<Best>,
    /// The current run at the boundary.
    run: Run,
}

/// What makes two fits the same fit: everything their result depends on, except the data's
/// values (of which the range, the mean variance and the weight scale are compared).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Identity {
    pub dtype: String,
    pub k: usize,
    pub n_features: usize,
    pub n_rows: usize,
    pub seed: u64,
    pub init: String,
    pub n_init: usize,
    /// Breathing's starting `m` (0 without refinement).
    pub refine_m: usize,
    pub max_iter: usize,
    #[cfg_attr(feature = "serde", serde(with = "bits"))]
    pub tolerance: f64,
    pub weighted: bool,
    /// A hash of the data's range, absolute tolerance and weight scale.
    pub data: u64,
}

/// Where in the fit the current run is.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) enum Phase {
    /// Restart `run` (0-based) of `n_init`.
    Restart { run: usize },
    /// A breathing cycle with `m` centroids moved: the run from the grown set (`k + m`
    /// centroids) or from the shrunk one (`k`); `draws` values drawn from breathing's stream
    /// so far.
    Breathing { m: usize, grown: bool, draws: u64 },
}

/// A finished run, without its labels (the assignment of `centroids`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Best {
    #[cfg_attr(feature = "serde", serde(with = "bits_vec"))]
    pub centroids: Vec<f64>,
    #[cfg_attr(feature = "serde", serde(with = "bits"))]
    pub inertia: f64,
    pub n_iter: usize,
    pub stop: StopReason,
}

impl Best {
    fn of<T>(run: &RunOutcome<T>) -> Self {
        Best {
            centroids: run.centroids_f64.clone(),
            inertia: run.inertia,
            n_iter: run.n_iter,
            stop: run.stop,
        }
    }
}

/// The serde form of a [`RunState`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Run {
    n_iter: usize,
    #[cfg_attr(feature = "serde", serde(with = "bits_vec"))]
    centroids: Vec<f64>,
    #[cfg_attr(feature = "serde", serde(with = "bits_vec"))]
    previous: Vec<f64>,
}

/// Where a resumed fit starts: the phase, the best run so far, the current run's state.
#[derive(Debug)]
pub(crate) struct Resume {
    pub sequence: u64,
    pub phase: Phase,
    pub best: Option<Best>,
    pub run: RunState,
}

impl<T: Float> Checkpoint<T> {
    /// How many checkpoints the fit has passed, this one included (1 for the first; a resumed
    /// fit continues the count).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::KMeans;
    ///
    /// let rows = vec![[0.0_f64], [1.0], [2.0], [10.0], [11.0], [12.5]];
    /// let mut sequence = Vec::new();
    /// KMeans::new(2).seed(1).fit_resumable(&rows, None, None, |c| {
    ///     sequence.push(c.sequence());
    ///     Ok(())
    /// })?;
    /// assert!(sequence.iter().enumerate().all(|(i, &s)| s == i as u64 + 1));
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn sequence(&self) -> u64 {
        self.state.sequence
    }

    /// Iterations the current run has done (the fit's runs: the `n_init` restarts, then two per
    /// breathing cycle).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::KMeans;
    ///
    /// let rows = vec![[0.0_f64], [1.0], [2.0], [10.0], [11.0], [12.5]];
    /// let mut ok = true;
    /// KMeans::new(2).seed(1).max_iter(5).fit_resumable(&rows, None, None, |c| {
    ///     ok &= (1..=5).contains(&c.n_iter());
    ///     Ok(())
    /// })?;
    /// assert!(ok);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_iter(&self) -> usize {
        self.state.run.n_iter
    }

    /// Builds the checkpoint at a run's boundary (all participants do, with the same values).
    pub(crate) fn new(
        identity: Identity,
        sequence: u64,
        phase: Phase,
        best: Option<Best>,
        run: &RunState,
    ) -> Self {
        Checkpoint {
            state: State {
                identity,
                sequence,
                phase,
                best,
                run: Run {
                    n_iter: run.n_iter,
                    centroids: run.centroids.clone(),
                    previous: run.previous.clone(),
                },
            },
            _type: PhantomData,
        }
    }

    /// Where the fit of `identity` resumes, if this checkpoint is one of its own.
    pub(crate) fn resume_for(&self, identity: &Identity) -> Result<Resume, KMeansError> {
        let mine = &self.state.identity;
        let differ = |what: &'static str, checkpoint: String, fit: String| {
            Err(KMeansError::CheckpointMismatch {
                what,
                checkpoint,
                fit,
            })
        };
        macro_rules! same {
            ($field:ident, $what:expr) => {
                if mine.$field != identity.$field {
                    return differ(
                        $what,
                        format!("{:?}", mine.$field),
                        format!("{:?}", identity.$field),
                    );
                }
            };
        }
        same!(dtype, "the element type");
        same!(k, "k");
        same!(n_features, "the number of features");
        same!(n_rows, "the number of rows");
        same!(seed, "the seed");
        same!(init, "the initialisation");
        same!(n_init, "n_init");
        same!(refine_m, "breathing's m");
        same!(max_iter, "max_iter");
        if mine.tolerance.to_bits() != identity.tolerance.to_bits() {
            return differ(
                "the tolerance",
                mine.tolerance.to_string(),
                identity.tolerance.to_string(),
            );
        }
        same!(weighted, "whether rows are weighted");
        if mine.data != identity.data {
            return differ(
                "the data (its range, variance or weights)",
                format!("fingerprint {:#018x}", mine.data),
                format!("fingerprint {:#018x}", identity.data),
            );
        }
        let s = &self.state;
        Ok(Resume {
            sequence: s.sequence,
            phase: s.phase,
            best: s.best.clone(),
            run: RunState {
                n_iter: s.run.n_iter,
                centroids: s.run.centroids.clone(),
                previous: s.run.previous.clone(),
            },
        })
    }

    /// Checks what a fit guarantees of its checkpoints (used when loading one).
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    fn checked(state: State) -> Result<Self, KMeansError> {
        let invalid = |reason: String| Err(KMeansError::InvalidCheckpoint { reason });
        let id = &state.identity;
        if id.dtype != validate::type_name::<T>() {
            return invalid(format!(
                "it is for {} data, not {}",
                id.dtype,
                validate::type_name::<T>()
            ));
        }
        let (k, d) = (id.k, id.n_features);
        if k == 0 || d == 0 || id.n_rows < k || id.n_init == 0 || id.max_iter == 0 {
            return invalid(format!(
                "k = {k}, {d} features, {} rows, n_init = {}, max_iter = {}",
                id.n_rows, id.n_init, id.max_iter
            ));
        }
        if !(id.tolerance.is_finite() && id.tolerance >= 0.0) {
            return invalid(format!("the tolerance is {}", id.tolerance));
        }
        if state.sequence == 0 {
            return invalid("its sequence number is 0".into());
        }
        let run_k = match state.phase {
            Phase::Restart { run } => {
                if run >= id.n_init {
                    return invalid(format!("it is in run {run} of n_init = {}", id.n_init));
                }
                if state.best.is_some() != (run > 0) {
                    return invalid(format!("run {run} has the wrong number of earlier results"));
                }
                k
            }
            Phase::Breathing { m, grown, .. } => {
                if m == 0 || m > id.refine_m || m > k || k + m > id.n_rows {
                    return invalid(format!("breathing moves {m} centroids (m = {})", id.refine_m));
                }
                if state.best.is_none() {
                    return invalid("breathing has no solution to improve".into());
                }
                if grown { k + m } else { k }
            }
        };
        let limit_rows = id.n_rows;
        let check = |c: &[f64], rows: usize| -> Result<(), KMeansError> {
            let as_t: Vec<T> = c.iter().map(|&v| T::from_f64_(v)).collect();
            validate::centroids(&as_t, rows, d, limit_rows)
        };
        if let Some(best) = &state.best {
            check(&best.centroids, k)?;
            if !(best.inertia.is_finite() && best.inertia >= 0.0) {
                return invalid(format!("the best inertia is {}", best.inertia));
            }
            if best.n_iter == 0 || best.n_iter > id.max_iter || best.stop == StopReason::FromCentroids {
                return invalid(format!(
                    "the best run did {} iterations (max_iter = {}) and stopped by {:?}",
                    best.n_iter, id.max_iter, best.stop
                ));
            }
        }
        let run = &state.run;
        if run.n_iter == 0 || run.n_iter > id.max_iter {
            return invalid(format!(
                "the run did {} iterations (max_iter = {})",
                run.n_iter, id.max_iter
            ));
        }
        check(&run.centroids, run_k)?;
        check(&run.previous, run_k)?;
        Ok(Checkpoint {
            state,
            _type: PhantomData,
        })
    }
}

/// The fit-level progress the drivers (the restarts, breathing) keep up to date, from which the
/// hook builds each checkpoint.
#[derive(Debug)]
pub(crate) struct Tracker {
    /// Whether anyone listens (otherwise nothing is copied).
    enabled: bool,
    identity: Identity,
    sequence: u64,
    phase: Phase,
    best: Option<Best>,
}

impl Tracker {
    pub(crate) fn new(identity: Identity, enabled: bool, sequence: u64) -> Self {
        Tracker {
            enabled,
            identity,
            sequence,
            phase: Phase::Restart { run: 0 },
            best: None,
        }
    }

    /// The fit is now in `phase`, with `best` the best finished run so far.
    pub(crate) fn enter<T>(&mut self, phase: Phase, best: Option<&RunOutcome<T>>) {
        if self.enabled {
            self.phase = phase;
            self.best = best.map(Best::of);
        }
    }

    /// The checkpoint at `run`'s boundary.
    pub(crate) fn checkpoint<T: Float>(&mut self, run: &RunState) -> Checkpoint<T> {
        self.sequence += 1;
        Checkpoint::new(
            self.identity.clone(),
            self.sequence,
            self.phase,
            self.best.clone(),
            run,
        )
    }
}

/// FNV-1a over 64-bit words: a stable fingerprint (not `std`'s hasher, whose algorithm may
/// change between Rust releases).
pub(crate) fn fingerprint(words: impl IntoIterator<Item = u64>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in words {
        for b in w.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

#[cfg(feature = "serde")]
impl<T> serde::Serialize for Checkpoint<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.state.serialize(serializer)
    }
}

#[cfg(feature = "serde")]
impl<'de, T: Float> serde::Deserialize<'de> for Checkpoint<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let state = State::deserialize(deserializer)?;
        Checkpoint::checked(state).map_err(serde::de::Error::custom)
    }
}

/// An f64 as its bit pattern.
#[cfg(feature = "serde")]
mod bits {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(v.to_bits())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        u64::deserialize(d).map(f64::from_bits)
    }
}

/// f64 values as their bit patterns.
#[cfg(feature = "serde")]
mod bits_vec {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| x.to_bits()))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<u64>::deserialize(d).map(|v| v.into_iter().map(f64::from_bits).collect())
    }
}
