//! Rows that are not in memory: the [`RowSource`] trait, [`RawFile`] (raw little-endian
//! f32/f64 files), and [`KMeans::fit_source`], which fits a source without loading it when the
//! source can lend its rows in place (a memory-mapped file).

#[cfg(all(unix, target_endian = "little"))]
#[allow(unsafe_code)]
mod mapping;
mod raw_file;

pub use raw_file::RawFile;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::builder::KMeans;
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::model::KMeansModel;

/// Rows that can be read a contiguous range at a time: a file, or any store too large to hold
/// in memory as one buffer.
///
/// `read_rows` may be called from several threads at once (hence `Sync`), so an
/// implementation should read with positioned reads (`std::os::unix::fs::FileExt::read_at`),
/// not a shared cursor. A source that can lend all its rows as one view without copying (a
/// memory mapping, a buffer) says so with [`in_place`](Self::in_place); a fit then reads them
/// there.
///
/// # Examples
///
/// A source computed on the fly, fitted as the same rows in memory:
///
/// ```
/// use k_means::{KMeans, KMeansError, RowMajor, RowSource};
///
/// /// Row i is (i mod 10, i / 10 mod 3).
/// struct Grid(usize);
/// impl RowSource<f64> for Grid {
///     fn n_rows(&self) -> usize { self.0 }
///     fn n_features(&self) -> usize { 2 }
///     fn read_rows(&self, start: usize, out: &mut [f64]) -> Result<(), KMeansError> {
///         for (r, row) in out.chunks_exact_mut(2).enumerate() {
///             let i = start + r;
///             row.copy_from_slice(&[(i % 10) as f64, (i / 10 % 3) as f64]);
///         }
///         Ok(())
///     }
/// }
///
/// let mut flat = vec![0.0; 2 * 60];
/// Grid(60).read_rows(0, &mut flat)?;
/// let km = KMeans::new(3);
/// assert_eq!(km.fit_source(&Grid(60))?, km.fit(&RowMajor::new(&flat, 2)?)?);
/// # Ok::<(), KMeansError>(())
/// ```
pub trait RowSource<T: Float>: Sync {
    /// The number of rows.
    fn n_rows(&self) -> usize;

    /// The number of values per row (at least 1).
    fn n_features(&self) -> usize;

    /// Reads rows `start .. start + out.len() / n_features()` into `out`, row-major.
    ///
    /// # Errors
    ///
    /// Whatever the source reports, as [`KMeansError::SourceRead`] (naming the source and the
    /// rows) by convention; also when `out` is not a whole number of rows or the range passes
    /// the last row.
    fn read_rows(&self, start: usize, out: &mut [T]) -> Result<(), KMeansError>;

    /// Every row as one in-memory view, when the source can lend them without reading them
    /// into a buffer (a memory-mapped file, a slice); `None` (the default) when it cannot.
    fn in_place(&self) -> Option<RowMajor<'_, T>> {
        None
    }

    /// Drops from the process's resident memory the pages of the [`in_place`](Self::in_place)
    /// rows read so far (a memory mapping's pages stay in the page cache and are mapped again
    /// on the next read). [`KMeans::fit_source`] calls it every few milliseconds while it
    /// fits the rows in place; it must not change any value. The default does nothing.
    fn release_resident(&self) {}
}

/// A view in memory is a source of its own rows, lent in place.
impl<T: Float> RowSource<T> for RowMajor<'_, T> {
    fn n_rows(&self) -> usize {
        RowMajor::n_rows(self)
    }

    fn n_features(&self) -> usize {
        RowMajor::n_features(self)
    }

    fn read_rows(&self, start: usize, out: &mut [T]) -> Result<(), KMeansError> {
        let d = RowMajor::n_features(self);
        let end = start.saturating_add(out.len() / d);
        if !out.len().is_multiple_of(d) || end > RowMajor::n_rows(self) {
            return Err(KMeansError::SourceRead {
                path: "rows in memory".into(),
                start,
                end,
                reason: format!(
                    "{} values are not a whole number of rows of {d} within the {} rows",
                    out.len(),
                    RowMajor::n_rows(self)
                ),
            });
        }
        out.copy_from_slice(&self.as_slice()[start * d..end * d]);
        Ok(())
    }

    fn in_place(&self) -> Option<RowMajor<'_, T>> {
        Some(*self)
    }
}

/// How often a fit in place drops the source's resident pages: the resident window of the
/// source is what the fit's threads read in this time.
const RELEASE_PERIOD: Duration = Duration::from_millis(20);

/// A source without rows in place is read into memory in blocks of this many rows.
const LOAD_BLOCK_ROWS: usize = 1 << 16;

impl<T: Float> KMeans<T> {
    /// Clusters the rows of `source`, a file larger than memory for instance: the model of
    /// [`fit`](Self::fit) on the same rows in memory, bit for bit (centroids, labels, inertia,
    /// `n_iter`, stop reason), with every option.
    ///
    /// When the source lends its rows in place ([`RowSource::in_place`]: a [`RawFile`] on
    /// unix, memory-mapped), the fit reads them there, and calls
    /// [`release_resident`](RowSource::release_resident) every 20 ms so that the rows it has
    /// read do not accumulate in its resident memory. Its memory is then O(k·d), a window of
    /// the file, and the per-row state of the fit, which does not depend on the source: a run
    /// keeps 16 bytes a row (its labels and the previous iteration's), 16 more for Hamerly's
    /// bounds (the default [`Algorithm`](crate::Algorithm); none for
    /// [`Lloyd`](crate::Algorithm::Lloyd)); the best run so far keeps its labels (8 bytes a
    /// row) while another run or a breathing step runs; seeding keeps 24 bytes a row while it
    /// runs for k-means|| and 32 for greedy k-means++ (plus 8 per trial for its kept distances
    /// when they fit in a quarter of the data's size). Sources that cannot lend their rows are
    /// read into memory once, in blocks, with
    /// [`read_rows`](RowSource::read_rows) (O(n·d) more).
    ///
    /// # Errors
    ///
    /// As [`fit`](Self::fit) (a NaN or infinite value is [`KMeansError::NonFinite`] with its
    /// row and column, found by the fit's first pass over the rows); whatever `read_rows`
    /// reports for a source that is read into memory; [`KMeansError::AllocationFailed`] when
    /// that copy does not fit in memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Algorithm, KMeans, RawFile, RowMajor};
    ///
    /// let data: Vec<f64> = (0..200).map(|i| (i % 7) as f64 + (i / 100) as f64 * 50.0).collect();
    /// let path = std::env::temp_dir().join(format!("k-means-fit-source-doc-{}.f64", std::process::id()));
    /// std::fs::write(&path, data.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()).unwrap();
    ///
    /// let km = KMeans::new(2).algorithm(Algorithm::Lloyd);
    /// let from_file = km.fit_source(&RawFile::<f64>::open(&path, 2)?)?;
    /// assert_eq!(from_file, km.fit(&RowMajor::new(&data, 2)?)?);
    /// std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn fit_source<S: RowSource<T> + ?Sized>(&self, source: &S) -> Result<KMeansModel<T>, KMeansError> {
        fit_rows_of(source, |rows| self.fit(&rows))
    }

    /// [`fit_source`](Self::fit_source) with one non-negative weight per row, as
    /// [`fit_weighted`](Self::fit_weighted): its model on the same rows in memory, bit for bit.
    ///
    /// # Errors
    ///
    /// As [`fit_source`](Self::fit_source) and [`fit_weighted`](Self::fit_weighted).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, KMeans, RowMajor};
    ///
    /// let data = [0.0_f64, 1.0, 10.0];
    /// let rows = RowMajor::new(&data, 1)?;
    /// let km = KMeans::new(2).init(Init::Precomputed(vec![0.0, 10.0]));
    /// let model = km.fit_source_weighted(&rows, &[1.0, 3.0, 2.0])?;
    /// assert_eq!(model.centroids(), &[0.75, 10.0]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn fit_source_weighted<S: RowSource<T> + ?Sized>(
        &self,
        source: &S,
        weights: &[T],
    ) -> Result<KMeansModel<T>, KMeansError> {
        fit_rows_of(source, |rows| self.fit_weighted(&rows, weights))
    }
}

/// Runs `fit` on the rows of `source`: in place while a helper thread keeps releasing their
/// resident pages, or on a copy read into memory.
fn fit_rows_of<T: Float, S: RowSource<T> + ?Sized>(
    source: &S,
    fit: impl FnOnce(RowMajor<'_, T>) -> Result<KMeansModel<T>, KMeansError>,
) -> Result<KMeansModel<T>, KMeansError> {
    if let Some(rows) = source.in_place() {
        let done = AtomicBool::new(false);
        return std::thread::scope(|scope| {
            let releaser = scope.spawn(|| {
                while !done.load(Ordering::Acquire) {
                    std::thread::park_timeout(RELEASE_PERIOD);
                    source.release_resident();
                }
            });
            // Stops the releaser however the fit ends (a panic too: the scope joins it first).
            let _stop = Stop(&done, releaser.thread());
            fit(rows)
        });
    }
    let (n, d) = (source.n_rows(), source.n_features());
    if d == 0 {
        return Err(KMeansError::ZeroFeatures);
    }
    let len = n.checked_mul(d).ok_or_else(|| KMeansError::TooLarge {
        what: "copy of the source's rows",
        factors: format!("{n} × {d}"),
    })?;
    let mut data: Vec<T> = Vec::new();
    data.try_reserve_exact(len)
        .map_err(|_| KMeansError::AllocationFailed {
            what: "copy of the source's rows",
            bytes: len.saturating_mul(std::mem::size_of::<T>()),
        })?;
    data.resize(len, T::zero());
    for (b, block) in data.chunks_mut(LOAD_BLOCK_ROWS * d).enumerate() {
        source.read_rows(b * LOAD_BLOCK_ROWS, block)?;
    }
    fit(RowMajor::new(&data, d)?)
}

/// On drop, tells the releaser thread to stop and wakes it.
struct Stop<'a>(&'a AtomicBool, &'a std::thread::Thread);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
        self.1.unpark();
    }
}
