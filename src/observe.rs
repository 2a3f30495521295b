//! Watching and stopping a fit: the events an observer receives, the cancellation token, and
//! the per-fit state that turns the fit's progress into events and stop requests.
//!
//! The fit reports its progress through [`Watch`], which the builder owns for the length of one
//! fit: the restart loop and breathing call it between runs, and every run reaches it at each
//! iteration boundary through the fit context's hook (`algorithm/context.rs`), the seam the
//! checkpoints use too. Nothing here changes what a fit computes: events are read-only, and a
//! stop request only ends the fit early.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::algorithm::StopReason;

/// A flag that stops a fit from another thread: clone it, give one clone to
/// [`KMeans::cancel_token`](crate::KMeans::cancel_token), and call [`cancel`](Self::cancel) on
/// another. The fit checks it at every iteration boundary of every run, after every centroid
/// greedy k-means++ chooses, and between runs; it then ends as
/// [`KMeans::on_cancel`](crate::KMeans::on_cancel) says (by default with
/// [`KMeansError::Cancelled`](crate::KMeansError::Cancelled)).
///
/// A token stays cancelled: a fit started with a cancelled token stops at its first check.
/// Clones share one flag; equality is sharing it.
///
/// # Examples
///
/// ```
/// use k_means::{CancelToken, KMeans, KMeansError};
///
/// let rows: Vec<[f64; 2]> = (0..500).map(|i| [(i % 17) as f64, (i % 5) as f64]).collect();
/// let token = CancelToken::new();
/// let km = KMeans::new(4).cancel_token(token.clone());
/// assert!(km.fit(&rows).is_ok());
/// token.cancel(); // e.g. from another thread, while a fit runs
/// assert!(token.is_cancelled());
/// assert_eq!(km.fit(&rows).unwrap_err(), KMeansError::Cancelled);
/// ```
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not cancelled yet.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!k_means::CancelToken::new().is_cancelled());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Asks every fit holding a clone of this token to stop at its next check.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = k_means::CancelToken::new();
    /// let other = token.clone();
    /// std::thread::spawn(move || other.cancel()).join().unwrap();
    /// assert!(token.is_cancelled());
    /// ```
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`cancel`](Self::cancel) was called on this token or a clone of it.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = k_means::CancelToken::new();
    /// assert!(!token.is_cancelled());
    /// token.cancel();
    /// assert!(token.is_cancelled());
    /// ```
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl PartialEq for CancelToken {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// What a stopped fit returns (see [`KMeans::on_cancel`](crate::KMeans::on_cancel)).
///
/// # Examples
///
/// ```
/// use k_means::{FitEvent, KMeans, KMeansError, OnCancel, StopReason};
/// use std::ops::ControlFlow;
///
/// let rows: Vec<[f64; 1]> = (0..300).map(|i| [(i % 31) as f64]).collect();
/// // Stop after the first iteration, and keep what the fit has.
/// let km = KMeans::new(3)
///     .observer(|event| match event {
///         FitEvent::Iteration { .. } => ControlFlow::Break(()),
///         _ => ControlFlow::Continue(()),
///     })
///     .on_cancel(OnCancel::BestSoFar);
/// let model = km.fit(&rows)?;
/// assert_eq!(model.n_iter(), 1);
/// assert_eq!(model.report().unwrap().stop_reason, StopReason::Cancelled);
/// // Stopped before any run had an iteration, there is no model.
/// let early = KMeans::new(3).observer(|_| ControlFlow::Break(())).on_cancel(OnCancel::BestSoFar);
/// assert_eq!(early.fit(&rows).unwrap_err(), KMeansError::Cancelled);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum OnCancel {
    /// The fit returns [`KMeansError::Cancelled`](crate::KMeansError::Cancelled).
    #[default]
    Error,
    /// The fit returns the model of lowest inertia among the runs it finished and the run it
    /// interrupted (whose centroids are those of its last iteration, with their exact labels
    /// and inertia); its [`FitReport::stop_reason`](crate::FitReport::stop_reason) is
    /// [`StopReason::Cancelled`]. A fit stopped while seeding its first run has no model and
    /// returns [`KMeansError::Cancelled`](crate::KMeansError::Cancelled) all the same.
    BestSoFar,
}

/// Where in a fit an event happened: one of the `n_init` restarts, or a run of breathing
/// k-means' refinement.
///
/// # Examples
///
/// ```
/// use k_means::FitStage;
/// assert_ne!(FitStage::Restart { run: 0 }, FitStage::Breathing { m: 2, grown: true });
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FitStage {
    /// Restart `run` (0-based) of `n_init`.
    Restart {
        /// Which restart.
        run: usize,
    },
    /// A breathing cycle moving `m` centroids: the run from the grown set (`k + m` centroids,
    /// `grown = true`) or from the shrunk one (`k` centroids).
    Breathing {
        /// Centroids added and then removed in this cycle.
        m: usize,
        /// Whether this run has the `k + m` centroids of the grown set.
        grown: bool,
    },
}

/// What an observer ([`KMeans::observer`](crate::KMeans::observer)) receives, in this order:
/// per restart, its [`Seeding`](Self::Seeding) events, its [`Iteration`](Self::Iteration)s and
/// its [`RunFinished`](Self::RunFinished); then [`Kept`](Self::Kept) once; then per breathing
/// cycle two runs' iterations and `RunFinished` (grown, then shrunk) and a
/// [`BreathingCycle`](Self::BreathingCycle). Every value is global: over partitions every
/// participant sees the same events.
///
/// # Examples
///
/// ```
/// use k_means::{FitEvent, KMeans, Refine};
/// use std::ops::ControlFlow;
/// use std::sync::{Arc, Mutex};
///
/// let rows: Vec<[f64; 2]> = (0..400).map(|i| [(i % 20) as f64, (i / 20) as f64]).collect();
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = Arc::clone(&seen);
/// let model = KMeans::new(3)
///     .refine(Refine::None)
///     .observer(move |event: &FitEvent| {
///         log.lock().unwrap().push(event.clone());
///         ControlFlow::Continue(())
///     })
///     .fit(&rows)?;
/// let seen = seen.lock().unwrap();
/// let iterations = seen.iter().filter(|e| matches!(e, FitEvent::Iteration { .. })).count();
/// assert_eq!(iterations, model.n_iter());
/// assert!(matches!(seen.last(), Some(FitEvent::Kept { run: 0, .. })));
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum FitEvent {
    /// Seeding of a restart made progress: greedy k-means++ reports every centroid it chooses
    /// (`chosen` = 1, 2, …, k); the other starts (random, k-means‖, precomputed) report once,
    /// with `chosen = k`.
    Seeding {
        /// Which restart is being seeded.
        run: usize,
        /// Centroids chosen so far.
        chosen: usize,
        /// Centroids to choose.
        k: usize,
    },
    /// An iteration of a run ended (after the assignment, the update and the stopping test).
    Iteration {
        /// Which run.
        stage: FitStage,
        /// Iterations this run has done, this one included (1 for the first).
        iteration: usize,
        /// `Σⱼ ‖cⱼ' − cⱼ‖²`, the total squared shift of the centroids in this iteration's
        /// update: the quantity the tolerance test compares (in f64, before the centroids are
        /// rounded to `T`).
        shift_squared: f64,
        /// Rows (over every participant) whose label differs from the previous iteration's;
        /// in a run's first iteration every row (it had none). 0 is strict convergence.
        rows_changed: u64,
    },
    /// A run ended.
    RunFinished {
        /// Which run.
        stage: FitStage,
        /// Its iterations.
        n_iter: usize,
        /// Its exact inertia (computed once, at the end of the run: per iteration there is
        /// none).
        inertia: f64,
        /// Why it stopped ([`StopReason::Cancelled`] if it was interrupted).
        stop_reason: StopReason,
    },
    /// The restarts are done: restart `run` has the lowest inertia and is the one refined (or
    /// the result, without refinement).
    Kept {
        /// Which restart.
        run: usize,
        /// Its inertia.
        inertia: f64,
        /// Its iterations.
        n_iter: usize,
    },
    /// A breathing cycle ended.
    BreathingCycle {
        /// Centroids it moved.
        m: usize,
        /// The inertia of the cycle's result (after its shrunk run).
        inertia: f64,
        /// The best inertia before the cycle.
        best_inertia: f64,
        /// Whether the cycle's result replaced the best solution.
        improved: bool,
    },
}

/// The caller's observer, shared by the clones of a builder (and by the threads of
/// [`fit_in_threads`](crate::distributed::fit_in_threads)).
pub(crate) type ObserverFn = dyn FnMut(&FitEvent) -> ControlFlow<()> + Send;

/// A builder's observer: compared by identity, skipped by serde.
#[derive(Clone)]
pub(crate) struct Observer(pub Arc<Mutex<ObserverFn>>);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}

impl PartialEq for Observer {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// One fit's observation state: where the fit is, and whether a stop was asked for.
///
/// A stop request is *pending* from the moment the observer returns `Break` or the token is
/// seen cancelled. A single process acts on it at once; over partitions it is a vote that
/// travels with the next exchange the fit makes anyway (the per-iteration flag round, or the
/// round after each run), so every participant stops after the same iteration.
#[derive(Debug)]
pub(crate) struct Watch {
    observer: Option<Observer>,
    token: Option<CancelToken>,
    pending: bool,
    /// Where the fit is (set by the restart loop and breathing before each run).
    pub stage: FitStage,
}

impl Watch {
    pub(crate) fn new(observer: Option<Observer>, token: Option<CancelToken>) -> Self {
        Watch {
            observer,
            token,
            pending: false,
            stage: FitStage::Restart { run: 0 },
        }
    }

    /// Whether anyone watches (otherwise the fit calls nothing per iteration).
    pub(crate) fn is_active(&self) -> bool {
        self.observer.is_some() || self.token.is_some()
    }

    /// Delivers `event` (if there is an observer) and checks the token; returns `Break` when a
    /// stop is pending.
    pub(crate) fn emit(&mut self, event: FitEvent) -> ControlFlow<()> {
        if let Some(Observer(f)) = &self.observer {
            // A panic in an earlier call poisons the lock; the closure itself is still there.
            let mut f = f.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if f(&event).is_break() {
                self.pending = true;
            }
        }
        self.poll()
    }

    /// Checks the token; returns `Break` when a stop is pending.
    pub(crate) fn poll(&mut self) -> ControlFlow<()> {
        if self.token.as_ref().is_some_and(CancelToken::is_cancelled) {
            self.pending = true;
        }
        if self.pending {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}
