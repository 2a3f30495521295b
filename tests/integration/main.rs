//! Integration tests: the crate as an outside user sees it, in one test binary
//! (`cargo test --test integration`).
//!
//! * `api`: everyday use, exact hand-computed results, the building blocks against `fit`.
//! * `checkpoints`: a fit resumed from any of its checkpoints equals the uninterrupted fit.
//! * `errors`: every error variant, and a fuzz test that no input makes anything panic.
//! * `properties`: laws of k-means checked on random data (proptest), for f32 and f64.
//! * `reference`: scikit-learn's Lloyd results, reproduced from the same starts.
//! * `determinism`: bit-identical results in rayon pools of any size, run after run.
//! * `metrics`: the clustering scores against scikit-learn, their errors and laws.
//! * `minibatch`: mini-batch k-means and its stream: determinism, resumed streams, every
//!   centre used, exact labels and inertia, errors.
//! * `sweep`: choosing k: the suggestion finds clear blobs' k, sweeps are deterministic.
//! * `partitions`: fits over partitions equal `fit` bit for bit; the laws of sample weights.
//! * `inputs`: every input type (arrays, rows of runtime width, owned buffers) fits as the flat
//!   buffer of the same rows; ragged rows are errors.
//! * `observe`: the observer's events, cancelling (observer, token from another thread, over
//!   partitions), the best model so far, the fit report; watching changes no result.
//! * `sources`: `fit_source` over raw files in a temporary folder equals `fit` bit for bit;
//!   the errors of a source (size, empty, NaN, missing file, a file that shrank).
//! * `spherical`: spherical k-means against a direct implementation, its laws and errors.
//! * `inference`: `predict_one`, `score`, `fit_predict`; saved models (serde) that do not grow
//!   with the training data.
//! * `cli` (feature `cli`): the `k-means` program run as a user runs it, on generated files.

mod api;
mod checkpoints;
#[cfg(feature = "cli")]
mod cli;
mod determinism;
mod errors;
mod inference;
mod inputs;
mod metrics;
mod minibatch;
mod observe;
mod partitions;
mod properties;
mod reference;
mod sources;
mod spherical;
mod sweep;

/// The element types the tests are generic over, with conversions to and from f64.
pub trait Real: k_means::Float {
    /// Rounds an f64 to this type.
    fn of(v: f64) -> Self;
    /// Widens to f64 (exact).
    fn wide(self) -> f64;
}

impl Real for f32 {
    fn of(v: f64) -> Self {
        v as f32
    }
    fn wide(self) -> f64 {
        f64::from(self)
    }
}

impl Real for f64 {
    fn of(v: f64) -> Self {
        v
    }
    fn wide(self) -> f64 {
        self
    }
}

/// `v` rounded to `T`.
pub fn cast<T: Real>(v: &[f64]) -> Vec<T> {
    v.iter().map(|&x| T::of(x)).collect()
}

/// `v` widened to f64.
pub fn widen<T: Real>(v: &[T]) -> Vec<f64> {
    v.iter().map(|&x| x.wide()).collect()
}

/// Squared Euclidean distance, computed plainly in f64 (an oracle independent of the crate).
pub fn sq_dist<T: Real>(a: &[T], b: &[T]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (x.wide() - y.wide()).powi(2))
        .sum()
}

/// Index of the nearest of `centroids` (`d` values each) by plain f64 distance, lowest index on
/// ties.
pub fn nearest<T: Real>(row: &[T], centroids: &[T], d: usize) -> usize {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centroids.chunks_exact(d).enumerate() {
        let dist = sq_dist(row, c);
        if dist < best.1 {
            best = (j, dist);
        }
    }
    best.0
}

/// `Σ ‖xᵢ − c_{labelᵢ}‖²` in f64.
pub fn inertia_of<T: Real>(data: &[T], centroids: &[T], labels: &[usize], d: usize) -> f64 {
    data.chunks_exact(d)
        .zip(labels)
        .map(|(row, &l)| sq_dist(row, &centroids[l * d..(l + 1) * d]))
        .sum()
}

/// `|a − b| ≤ rel · max(1, |b|)`.
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1.0)
}
