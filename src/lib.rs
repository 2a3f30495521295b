//! Fast, exact, deterministic k-means clustering for `f32` and `f64`.
//!
//! ```
//! use k_means::KMeans;
//!
//! let rows: Vec<[f64; 2]> = vec![[1.0, 1.0], [1.2, 0.8], [8.0, 8.0], [8.2, 7.9], [0.9, 1.1]];
//! let model = KMeans::new(2).fit(&rows)?;
//! assert_eq!(model.labels()[0], model.labels()[4]);
//! assert_ne!(model.labels()[0], model.labels()[2]);
//! println!("centroids {:?}, inertia {}", model.centroids(), model.inertia());
//! # Ok::<(), k_means::KMeansError>(())
//! ```
//!
//! # What it does
//!
//! [`KMeans`] is a builder: [`KMeans::new`]`(k)`, options, then [`KMeans::fit`] on anything
//! [`AsRows`] reads: a [`RowMajor`] view of a flat buffer, rows as arrays (`Vec<[T; D]>`),
//! rows of runtime width (`Vec<Vec<T>>`, `&[&[T]]`, copied once into a [`RowMajorBuf`]), and
//! with the features `ndarray` and `arrow` 2-D arrays and Arrow data. The result is a
//! [`KMeansModel`] with the centroids, labels, inertia and what the run did, which can
//! [`predict`](KMeansModel::predict), [`predict_one`](KMeansModel::predict_one),
//! [`transform`](KMeansModel::transform) and [`score`](KMeansModel::score) new data.
//! [`KMeans::fit_source`] fits a [`RowSource`] (a [`RawFile`] of raw f32/f64 values larger
//! than memory, fitted in place) to the model `fit` gives on the same rows, bit for bit.
//!
//! * **Exact.** Labels are certified equal to a direct f64 nearest-centroid computation (ties to
//!   the lowest index) even though the kernel computes `½‖c‖² − x·c` with SIMD FMAs in the data's
//!   own type; rows and centroids are centred first, so f32 data far from the origin clusters as
//!   f64 does. Centroid sums are exact fixed-point integers (independent of summation order,
//!   thread count and algorithm) and inertia is accumulated in f64.
//! * **Deterministic.** Defaults use a fixed seed and a portable RNG (Xoshiro256++); parallel
//!   work is cut into chunks that depend on the data's shape only and merged in order, so the
//!   same input gives the same bits on 1 or 64 threads.
//! * **Better clusterings by default.** Seeded fits are refined by breathing k-means
//!   ([`Refine`]), which finds the clusters a single k-means++ run misses; `.refine(Refine::None)`
//!   gives scikit-learn's plain fit. [`Algorithm::Auto`] uses Hamerly's exact pruning when it pays.
//! * **Robust.** Input is validated once (NaN and infinities are reported with their row and
//!   column); an empty cluster takes the farthest row, as in scikit-learn, and a centroid is
//!   never NaN; no public function panics.
//!
//! # Mini-batch and streaming
//!
//! [`MiniBatchKMeans`] is scikit-learn's mini-batch k-means (approximate, much faster on large
//! data), through the same kernel, deterministic for a seed, with k used centres whenever the
//! data allow; [`MiniBatchKMeans::start`] gives a [`MiniBatchState`] that learns from batches
//! as they arrive ([`MiniBatchState::partial_fit`]) and, with the feature `serde`, can be
//! saved and resumed.
//!
//! # Cosine similarity
//!
//! [`SphericalKMeans`] clusters by cosine similarity (spherical k-means): rows are normalised
//! to unit length once, centroids are re-normalised means, and the assignment runs through
//! the same certified kernel, since for unit vectors the largest dot product is the nearest
//! centroid. Its [`SphericalModel`] predicts new rows after normalising them.
//!
//! # Choosing k
//!
//! [`KMeans::sweep`] fits a range of k with one builder's options and scores each fit with the
//! internal validity scores of [`metrics`] (silhouette, Calinski–Harabasz, Davies–Bouldin, each
//! equal to scikit-learn's); [`SweepResult::suggest`] picks the best silhouette or the elbow of
//! the inertia.
//!
//! # The building blocks
//!
//! The tutorial this crate grew from writes k-means from five functions. They are public here
//! and run the same kernels as `fit`: [`initialize_random_centroids`], [`euclidean_distance`]
//! (and [`squared_euclidean_distance`]), [`closest_centroid`], [`create_clusters`] and
//! [`compute_means`].
//!
//! # Threads
//!
//! With the `rayon` feature (default) the assignment and seeding run on rayon's global pool,
//! one thread per core unless the environment variable `RAYON_NUM_THREADS` says otherwise, or
//! on a pool of your own:
//!
//! ```
//! use k_means::KMeans;
//!
//! let rows: Vec<[f64; 2]> = (0..2000).map(|i| [(i % 13) as f64, (i % 7) as f64]).collect();
//! let km = KMeans::new(4);
//! let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
//! let on_two = pool.install(|| km.fit(&rows))?;
//! assert_eq!(on_two, km.fit(&rows)?); // the same bits on any number of threads
//! # Ok::<(), k_means::KMeansError>(())
//! ```
//!
//! # Crate features
//!
//! * `rayon` (default): parallel assignment and seeding. Results do not depend on it.
//! * `serde`: `Serialize`/`Deserialize` for [`KMeansModel`] (without the training labels
//!   unless asked: `KMeansModel::with_labels`), [`KMeans`], [`Init`],
//!   [`Algorithm`], [`Checkpoint`], [`MiniBatchKMeans`] and [`MiniBatchState`];
//!   [`SphericalKMeans`] and [`SphericalModel`] (with labels).
//! * `ndarray`: `fit`, `predict`, `transform` on `ndarray` 2-D arrays (read in place in
//!   standard layout, else copied once); `centroids_array()`, `labels_array()`,
//!   `predict_array()`, `transform_array()` on the model.
//! * `arrow`: `fit`, `predict`, `transform` on an Arrow `FixedSizeListArray` of `f32`/`f64`
//!   (read in place) or a `RecordBatch` of float columns (copied once); nulls are errors that
//!   name the row and column.
//! * `cli`: the `k-means` program (`cargo install k-means --features cli`): `fit`, `predict`,
//!   `transform`, `sweep` and `plot` on CSV or text files. Adds nothing to the library; its
//!   dependencies (clap, csv-core, flate2, indicatif, plotters, serde_json) are the program's.
//!
//! [`rand`] is re-exported, so an RNG for [`initialize_random_centroids`] can be named without
//! depending on the same `rand` version by hand.
#![deny(missing_docs)]
// The only unsafe code is the dispatch to the `#[target_feature]` kernel copies, allowed in
// `kernels/backend.rs` alone, and the memory mapping of `RawFile`, in `source/mapping.rs`.
#![deny(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

mod algorithm;
mod assign;
mod builder;
mod checkpoint;
mod collective;
mod comm;
mod data;
mod error;
mod float;
mod init;
mod integrations;
mod kernels;
mod minibatch;
mod model;
mod observe;
mod parallel;
mod part;
mod refine;
mod refinement;
mod report;
mod source;
mod spherical;
mod steps;
mod sums;
mod sweep;
mod update;
mod validate;

pub mod datasets;
pub mod distributed;
pub mod metrics;

pub use algorithm::{Algorithm, StopReason};
pub use builder::{DEFAULT_BREATHING_M, DEFAULT_MAX_ITER, DEFAULT_SEED, DEFAULT_TOLERANCE, KMeans};
pub use checkpoint::Checkpoint;
pub use data::{AsRows, RowMajor, RowMajorBuf, Rows};
pub use error::KMeansError;
pub use float::Float;
pub use init::{Init, KMEANS_PARALLEL_FROM};
pub use minibatch::{DEFAULT_BATCH_SIZE, MiniBatchKMeans, MiniBatchState};
pub use model::KMeansModel;
#[cfg(feature = "serde")]
pub use model::WithLabels;
pub use observe::{CancelToken, FitEvent, FitStage, OnCancel};
/// The `rand` crate this one is built with, so that an RNG passed to
/// [`initialize_random_centroids`] need not match its version by hand:
/// `k_means::rand::rngs::Xoshiro256PlusPlus` is the generator `fit` uses.
pub use rand;
pub use refinement::Refine;
pub use report::{FitOptions, FitReport, PhaseTimings};
pub use source::{RawFile, RowSource};
pub use spherical::{SphericalKMeans, SphericalModel};
pub use steps::{
    closest_centroid, compute_means, create_clusters, euclidean_distance, initialize_random_centroids,
    squared_euclidean_distance,
};
pub use sweep::{DEFAULT_SILHOUETTE_SAMPLE, KScores, KSweep, Suggest, SweepResult};

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
