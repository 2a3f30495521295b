//! The in-process [`Collective`]: one thread per part, rounds through a mutex and a condition
//! variable. The reference implementation and the test bed of partitioned fits.

use std::sync::{Arc, Condvar, Mutex};

use crate::builder::KMeans;
use crate::collective::Collective;
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::model::KMeansModel;

/// Fits `kmeans` over `parts` (consecutive pieces of the rows, in order: part 0 holds the first
/// rows), each on its own thread through an in-process [`Collective`]; returns one model per
/// part. Every model has the centroids, inertia, `n_iter` and stop reason of
/// [`KMeans::fit`] on all the rows, bit for bit, and the labels of its part.
///
/// # Errors
///
/// As [`KMeans::fit`] on the concatenated rows (the first part whose rows are refused reports
/// its error, with global row indices); [`KMeansError::NoRows`] for no parts;
/// [`KMeansError::FeatureMismatch`] if the parts differ in width.
///
/// # Examples
///
/// ```
/// use k_means::{KMeans, RowMajor, distributed::fit_in_threads};
///
/// let data = [0.0_f32, 1.0, 10.0, 11.0, 20.0, 21.0];
/// let parts = [RowMajor::new(&data[..1], 1)?, RowMajor::new(&data[1..], 1)?];
/// let models = fit_in_threads(&KMeans::new(3), &parts)?;
/// assert_eq!(models[0].labels().len() + models[1].labels().len(), 6);
/// assert_eq!(models[0].centroids(), models[1].centroids());
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn fit_in_threads<T: Float>(
    kmeans: &KMeans<T>,
    parts: &[RowMajor<'_, T>],
) -> Result<Vec<KMeansModel<T>>, KMeansError> {
    fit_parts(kmeans, parts, None)
}

/// [`fit_in_threads`] with one weight per row of each part, as [`KMeans::fit_weighted`].
///
/// # Errors
///
/// As [`fit_in_threads`] and [`KMeans::fit_weighted`]; [`KMeansError::WeightCount`] when a
/// part's weights do not match its rows.
///
/// # Examples
///
/// ```
/// use k_means::{KMeans, RowMajor, distributed::fit_weighted_in_threads};
///
/// let data = [0.0_f64, 1.0, 10.0, 11.0];
/// let parts = [RowMajor::new(&data[..2], 1)?, RowMajor::new(&data[2..], 1)?];
/// let weights: [&[f64]; 2] = [&[1.0, 3.0], &[1.0, 1.0]];
/// let models = fit_weighted_in_threads(&KMeans::new(2), &parts, &weights)?;
/// let mut c = models[0].centroids().to_vec();
/// c.sort_by(f64::total_cmp);
/// assert_eq!(c, [0.75, 10.5]); // (0·1 + 1·3) / 4 and (10 + 11) / 2
/// assert_eq!(models[1].centroids(), models[0].centroids());
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn fit_weighted_in_threads<T: Float>(
    kmeans: &KMeans<T>,
    parts: &[RowMajor<'_, T>],
    weights: &[&[T]],
) -> Result<Vec<KMeansModel<T>>, KMeansError> {
    if weights.len() != parts.len() {
        return Err(KMeansError::WeightCount {
            weights: weights.len(),
            n_rows: parts.len(),
        });
    }
    fit_parts(kmeans, parts, Some(weights))
}

fn fit_parts<T: Float>(
    kmeans: &KMeans<T>,
    parts: &[RowMajor<'_, T>],
    weights: Option<&[&[T]]>,
) -> Result<Vec<KMeansModel<T>>, KMeansError> {
    if parts.is_empty() {
        return Err(KMeansError::NoRows);
    }
    let shared = Arc::new(Shared::new(parts.len()));
    let mut first_rows = Vec::with_capacity(parts.len());
    let mut first = 0;
    for p in parts {
        first_rows.push(first);
        first += p.n_rows();
    }
    let results: Vec<Result<KMeansModel<T>, KMeansError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .iter()
            .enumerate()
            .map(|(rank, &rows)| {
                let shared = Arc::clone(&shared);
                let first_row = first_rows[rank];
                let w = weights.map(|w| w[rank]);
                scope.spawn(move || {
                    let mut collective = ThreadCollective { shared, rank };
                    match w {
                        Some(w) => kmeans.fit_partition_weighted(&rows, w, first_row, &mut collective),
                        None => kmeans.fit_partition(&rows, first_row, &mut collective),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(KMeansError::Collective {
                        reason: "a participant's thread panicked".into(),
                    })
                })
            })
            .collect()
    });
    // The first part's own error (not a peer's report of it) is the one to return.
    let mut models = Vec::with_capacity(results.len());
    let mut peer_error = None;
    for r in results {
        match r {
            Ok(m) => models.push(m),
            Err(KMeansError::PeerRefused { .. }) if peer_error.is_none() => peer_error = r.err(),
            Err(KMeansError::PeerRefused { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    match peer_error {
        Some(e) => Err(e),
        None => Ok(models),
    }
}

/// One round's state.
#[derive(Debug)]
struct State {
    round: u64,
    arrived: usize,
    slots: Vec<Vec<u8>>,
    last: Arc<Vec<Vec<u8>>>,
    departed: bool,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    ready: Condvar,
    size: usize,
}

impl Shared {
    fn new(size: usize) -> Self {
        Shared {
            state: Mutex::new(State {
                round: 0,
                arrived: 0,
                slots: vec![Vec::new(); size],
                last: Arc::new(Vec::new()),
                departed: false,
            }),
            ready: Condvar::new(),
            size,
        }
    }
}

/// A participant of [`fit_in_threads`].
#[derive(Debug)]
struct ThreadCollective {
    shared: Arc<Shared>,
    rank: usize,
}

impl Collective for ThreadCollective {
    fn size(&self) -> usize {
        self.shared.size
    }

    fn rank(&self) -> usize {
        self.rank
    }

    fn all_gather(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, KMeansError> {
        let gone = || KMeansError::Collective {
            reason: "a participant stopped before the fit ended".into(),
        };
        let mut state = self.shared.state.lock().map_err(|_| gone())?;
        if state.departed {
            return Err(gone());
        }
        state.slots[self.rank] = message.to_vec();
        state.arrived += 1;
        if state.arrived == self.shared.size {
            let slots = std::mem::replace(&mut state.slots, vec![Vec::new(); self.shared.size]);
            state.last = Arc::new(slots);
            state.arrived = 0;
            state.round += 1;
            self.shared.ready.notify_all();
            return Ok(state.last.as_ref().clone());
        }
        let round = state.round;
        while state.round == round {
            if state.departed {
                return Err(gone());
            }
            state = self.shared.ready.wait(state).map_err(|_| gone())?;
        }
        Ok(state.last.as_ref().clone())
    }
}

impl Drop for ThreadCollective {
    /// A participant that leaves (its fit returned, or failed) releases the others from any
    /// round it will not join, so no thread waits for ever.
    fn drop(&mut self) {
        if let Ok(mut state) = self.shared.state.lock() {
            state.departed = true;
            self.shared.ready.notify_all();
        }
    }
}
