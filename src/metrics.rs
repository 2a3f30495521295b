//! Judging clusterings.
//!
//! * Without the truth, from the data and the labels alone (internal validity, for choosing k:
//!   see [`KSweep`](crate::KSweep)): [`silhouette_score`] (exact) and
//!   [`silhouette_score_sampled`] (a seeded sample of rows, for large n), [`silhouette_samples`]
//!   (per row), [`calinski_harabasz_score`], [`davies_bouldin_score`]. Each equals
//!   scikit-learn's function of the same name on the same data and labels (to within 1e-12
//!   relative on the stored reference cases); distances are Euclidean, computed directly in
//!   f64; labels are arbitrary numbers, between 2 and `n − 1` distinct ones; results are `f64`
//!   for `f32` and `f64` data alike.
//! * With the truth ([`adjusted_rand_index`]) and with reference centroids
//!   ([`centroid_index`]).
//!
//! ```
//! use k_means::metrics::{calinski_harabasz_score, davies_bouldin_score, silhouette_score};
//! use k_means::KMeans;
//!
//! let rows = vec![[0.0_f64, 0.0], [0.0, 1.0], [9.0, 9.0], [9.0, 10.0], [0.5, 0.5]];
//! let model = KMeans::new(2).fit(&rows)?;
//! assert!(silhouette_score(&rows, model.labels())? > 0.8);
//! assert!(calinski_harabasz_score(&rows, model.labels())? > 100.0);
//! assert!(davies_bouldin_score(&rows, model.labels())? < 0.2);
//! # Ok::<(), k_means::KMeansError>(())
//! ```

use std::collections::HashMap;

mod dispersion;
mod scored;
mod silhouette;

pub use dispersion::{calinski_harabasz_score, davies_bouldin_score};
pub use silhouette::{silhouette_samples, silhouette_score, silhouette_score_sampled};

use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::kernels::nearest_direct;

/// The adjusted Rand index (Hubert & Arabie 1985) between two labelings of the same rows: 1.0
/// for the same partition (whatever the label numbers), about 0.0 for independent labelings.
/// Labels are arbitrary integers. Like scikit-learn, two labelings that put every row in one
/// cluster, or every row in its own, score 1.0.
///
/// # Errors
///
/// [`KMeansError::LabelCount`] if the labelings differ in length.
///
/// # Examples
///
/// ```
/// use k_means::metrics::adjusted_rand_index;
/// assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[5, 5, 2, 2])?, 1.0);
/// assert!(adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1])? < 0.0);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> Result<f64, KMeansError> {
    if a.len() != b.len() {
        return Err(KMeansError::LabelCount {
            labels: b.len(),
            n_rows: a.len(),
        });
    }
    let pairs = |m: f64| m * (m - 1.0) / 2.0;
    let mut joint: HashMap<(usize, usize), f64> = HashMap::new();
    let mut rows: HashMap<usize, f64> = HashMap::new();
    let mut cols: HashMap<usize, f64> = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *joint.entry((x, y)).or_default() += 1.0;
        *rows.entry(x).or_default() += 1.0;
        *cols.entry(y).or_default() += 1.0;
    }
    let index: f64 = joint.values().map(|&m| pairs(m)).sum();
    let sum_a: f64 = rows.values().map(|&m| pairs(m)).sum();
    let sum_b: f64 = cols.values().map(|&m| pairs(m)).sum();
    let total = pairs(a.len() as f64);
    if total == 0.0 {
        return Ok(1.0);
    }
    let expected = sum_a * sum_b / total;
    let max = 0.5 * (sum_a + sum_b);
    if max == expected {
        return Ok(1.0);
    }
    Ok((index - expected) / (max - expected))
}

/// The centroid index CI (Fränti, Rezaei & Zhao 2014) between two sets of centroids (flat,
/// `n_features` values each): how many clusters one solution misses compared with the other.
/// Each centroid of one set is mapped to its nearest centroid in the other; the centroids that
/// nothing maps to are "orphans". CI is the larger orphan count of the two directions: 0 means
/// both solutions have the same cluster structure.
///
/// # Errors
///
/// Shape errors as [`RowMajor::new`]; [`KMeansError::ZeroK`] if either set is empty;
/// [`KMeansError::NonFiniteCentroid`] for NaN or infinite values.
///
/// # Examples
///
/// ```
/// use k_means::metrics::centroid_index;
/// let truth = [0.0_f64, 0.0, 10.0, 0.0, 0.0, 10.0];
/// // The same clusters, in another order: CI = 0.
/// assert_eq!(centroid_index(&truth, &[10.0, 0.1, 0.0, 9.9, 0.1, 0.0], 2)?, 0);
/// // Two centroids in one cluster, none in another: one cluster missed.
/// assert_eq!(centroid_index(&truth, &[0.0, 0.0, 0.5, 0.0, 10.0, 0.0], 2)?, 1);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn centroid_index<T: Float>(a: &[T], b: &[T], n_features: usize) -> Result<usize, KMeansError> {
    let ra = RowMajor::new(a, n_features)?;
    let rb = RowMajor::new(b, n_features)?;
    if ra.n_rows() == 0 || rb.n_rows() == 0 {
        return Err(KMeansError::ZeroK);
    }
    for c in [a, b] {
        if let Some(i) = c.iter().position(|v| !v.is_finite()) {
            return Err(KMeansError::NonFiniteCentroid {
                row: i / n_features,
                column: i % n_features,
            });
        }
    }
    let orphans = |from: RowMajor<'_, T>, to: &[T], n_to: usize| {
        let mut hit = vec![false; n_to];
        for c in from.rows() {
            hit[nearest_direct(c, to, n_features).0] = true;
        }
        hit.iter().filter(|&&h| !h).count()
    };
    Ok(orphans(ra, b, rb.n_rows()).max(orphans(rb, a, ra.n_rows())))
}
