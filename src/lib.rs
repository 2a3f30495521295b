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
//! [`KMeans`] is a builder: [`KMeans::new`]`(k)`, options, then [`KMeans::fit`] on a
//! [`RowMajor`] view of a flat buffer or on rows given as arrays (`Vec<[T; D]>`). The result is
//! a [`KMeansModel`] with the centroids, labels, inertia and what the run did, which can
//! [`predict`](KMeansModel::predict) and [`transform`](KMeansModel::transform) new data.
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
//! # Crate features
//!
//! * `rayon` (default): parallel assignment and seeding. Results do not depend on it.
//! * `serde`: `Serialize`/`Deserialize` for [`KMeansModel`], [`KMeans`], [`Init`] and
//!   [`Algorithm`].
#![deny(missing_docs)]
// The only unsafe code is the dispatch to the `#[target_feature]` kernel copies, allowed in
// `kernels/backend.rs` alone.
#![deny(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

mod algorithm;
mod assign;
mod builder;
mod collective;
mod comm;
mod data;
mod error;
mod float;
mod init;
mod kernels;
mod model;
mod parallel;
mod part;
mod refine;
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
pub use data::{AsRows, RowMajor};
pub use error::KMeansError;
pub use float::Float;
pub use init::Init;
pub use model::KMeansModel;
pub use refine::Refine;
pub use steps::{
    closest_centroid, compute_means, create_clusters, euclidean_distance, initialize_random_centroids,
    squared_euclidean_distance,
};
pub use sweep::{DEFAULT_SILHOUETTE_SAMPLE, KScores, KSweep, Suggest, SweepResult};

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
