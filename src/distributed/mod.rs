//! Fits over partitions of the rows: every participant holds some rows, all run the same fit,
//! and they exchange only small per-cluster statistics, with the same result as one process.
//!
//! A participant calls [`KMeans::fit_partition`](crate::KMeans::fit_partition) with its own
//! rows, the global index of its first row and a [`Collective`]: the one exchange primitive the
//! fit needs, which any transport can implement (threads: [`fit_in_threads`]; a dataflow engine,
//! MPI, sockets). Every statistic that crosses it is exact and merges in any order (fixed-point
//! integer sums, minima and maxima, sets ordered by global row index), and every decision is
//! taken from merged values, so the model's centroids, inertia, `n_iter` and stop reason are
//! the same bits as [`KMeans::fit`](crate::KMeans::fit) on all the rows in one process, whatever
//! the partitioning and the number of threads. `fit` is itself the one-partition case of the
//! same code.
//!
//! # Example
//!
//! ```
//! use k_means::{KMeans, RowMajor, datasets::make_blobs, distributed::fit_in_threads};
//!
//! let blobs = make_blobs::<f64>(3000, 2, 5, 1.0, 7)?;
//! let rows = RowMajor::new(&blobs.data, 2)?;
//! let kmeans = KMeans::new(5).seed(3);
//! let whole = kmeans.fit(&rows)?;
//! // Three participants holding rows 0..1000, 1000..1700 and 1700..3000.
//! let parts = [
//!     RowMajor::new(&blobs.data[..2000], 2)?,
//!     RowMajor::new(&blobs.data[2000..3400], 2)?,
//!     RowMajor::new(&blobs.data[3400..], 2)?,
//! ];
//! let models = fit_in_threads(&kmeans, &parts)?;
//! for m in &models {
//!     assert_eq!(m.centroids(), whole.centroids());
//!     assert_eq!(m.inertia().to_bits(), whole.inertia().to_bits());
//! }
//! let labels: Vec<usize> = models.iter().flat_map(|m| m.labels().iter().copied()).collect();
//! assert_eq!(labels, whole.labels());
//! # Ok::<(), k_means::KMeansError>(())
//! ```

mod threads;

pub use crate::collective::Collective;
pub use threads::{fit_in_threads, fit_weighted_in_threads};
