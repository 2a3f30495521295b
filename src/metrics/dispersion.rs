//! Scores from cluster means: Calinski–Harabasz and Davies–Bouldin.

use super::scored::{self, Clusters, Sum};
use crate::data::{AsRows, RowMajor};
use crate::error::KMeansError;
use crate::float::Float;
use crate::kernels::sq_dist_f64;

/// The Calinski–Harabasz score (variance ratio criterion, Caliński & Harabasz 1974): the
/// between-cluster dispersion over the within-cluster dispersion, each divided by its degrees
/// of freedom, `[Σ_c n_c ‖μ_c − μ‖² / (m − 1)] / [Σ_i ‖x_i − μ_{c(i)}‖² / (n − m)]` for `m`
/// clusters of `n` rows. Higher is better; 1 when every row sits on its cluster's mean (as
/// scikit-learn returns). Means are compensated f64 sums, so the score equals scikit-learn's
/// `calinski_harabasz_score` to within rounding. O(n·d).
///
/// Labels are arbitrary numbers, between 2 and `n − 1` distinct ones.
///
/// # Errors
///
/// As [`silhouette_samples`](super::silhouette_samples): [`KMeansError::ZeroFeatures`],
/// [`KMeansError::NoRows`], [`KMeansError::LabelCount`], [`KMeansError::NonFinite`],
/// [`KMeansError::ValueTooLarge`], [`KMeansError::ClusterCount`].
///
/// # Example
///
/// ```
/// use k_means::metrics::calinski_harabasz_score;
///
/// let rows = vec![[0.0_f64], [2.0], [10.0], [12.0]];
/// // Between: 2 clusters × 2 rows × 5² over 1; within: 4 × 1² over 2.
/// assert_eq!(calinski_harabasz_score(&rows, &[0, 0, 1, 1])?, 100.0 / 2.0);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn calinski_harabasz_score<T: Float, D: AsRows<T> + ?Sized>(
    data: &D,
    labels: &[usize],
) -> Result<f64, KMeansError> {
    let input = data.as_rows()?;
    let rows = input.view();
    scored::check_rows(rows, labels)?;
    let clusters = scored::clusters(labels)?;
    let (n, m, d) = (rows.n_rows(), clusters.len(), rows.n_features());
    let means = cluster_means(rows, &clusters);
    let all = mean_of(rows, &clusters.order);
    let mut between = Sum::default();
    let mut within = Sum::default();
    for c in 0..m {
        let centre = &means[c * d..(c + 1) * d];
        between.add(clusters.size(c) as f64 * sq_dist_f64(centre, &all));
        for &i in clusters.members(c) {
            within.add(sq_dist_f64(rows.row(i), centre));
        }
    }
    let (between, within) = (between.value(), within.value());
    if within == 0.0 {
        return Ok(1.0);
    }
    Ok(between * (n - m) as f64 / (within * (m - 1) as f64))
}

/// The Davies–Bouldin score (Davies & Bouldin 1979): for each cluster, its worst ratio
/// `(s_c + s_c′) / ‖μ_c − μ_c′‖` with another cluster, averaged over clusters, where `s_c` is
/// the mean distance from the cluster's rows to its mean. Lower is better; 0 is the least.
/// Distances are Euclidean, computed directly in f64. O(n·d + m²·d).
///
/// As in scikit-learn's `davies_bouldin_score`: two clusters with the same mean are not
/// compared (their ratio would be infinite), and the score is 0 when every `s_c` is 0 or every
/// mean is the same. One difference: scikit-learn tests those two cases with `np.allclose(…,
/// 0)`, i.e. all values within 1e-8 in absolute terms, which depends on the data's units (data
/// scaled by 1e-9 scores 0 there); here the test is exact, so the score is invariant under
/// scaling the data. Otherwise it equals scikit-learn's value to within rounding.
///
/// Labels are arbitrary numbers, between 2 and `n − 1` distinct ones.
///
/// # Errors
///
/// As [`calinski_harabasz_score`].
///
/// # Example
///
/// ```
/// use k_means::metrics::davies_bouldin_score;
///
/// let rows = vec![[0.0_f64], [2.0], [10.0], [12.0]];
/// // s = 1 for both clusters, means 10 apart.
/// assert_eq!(davies_bouldin_score(&rows, &[0, 0, 1, 1])?, 0.2);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn davies_bouldin_score<T: Float, D: AsRows<T> + ?Sized>(
    data: &D,
    labels: &[usize],
) -> Result<f64, KMeansError> {
    let input = data.as_rows()?;
    let rows = input.view();
    scored::check_rows(rows, labels)?;
    let clusters = scored::clusters(labels)?;
    let (m, d) = (clusters.len(), rows.n_features());
    let means = cluster_means(rows, &clusters);
    let centre = |c: usize| &means[c * d..(c + 1) * d];
    let spread: Vec<f64> = (0..m)
        .map(|c| {
            let mut sum = Sum::default();
            for &i in clusters.members(c) {
                sum.add(sq_dist_f64(rows.row(i), centre(c)).sqrt());
            }
            sum.value() / clusters.size(c) as f64
        })
        .collect();
    if spread.iter().all(|&s| s == 0.0) {
        return Ok(0.0);
    }
    let mut any_apart = false;
    let mut total = Sum::default();
    for c in 0..m {
        let mut worst = 0.0_f64;
        for other in (0..m).filter(|&o| o != c) {
            let apart = sq_dist_f64(centre(c), centre(other)).sqrt();
            if apart > 0.0 {
                any_apart = true;
                worst = worst.max((spread[c] + spread[other]) / apart);
            }
        }
        total.add(worst);
    }
    if !any_apart {
        return Ok(0.0);
    }
    Ok(total.value() / m as f64)
}

/// Each cluster's mean (`m × d`, row-major), by compensated sums.
fn cluster_means<T: Float>(rows: RowMajor<'_, T>, clusters: &Clusters) -> Vec<f64> {
    (0..clusters.len())
        .flat_map(|c| mean_of(rows, clusters.members(c)))
        .collect()
}

/// The mean of the rows `members` (not empty).
fn mean_of<T: Float>(rows: RowMajor<'_, T>, members: &[usize]) -> Vec<f64> {
    let mut sums = vec![Sum::default(); rows.n_features()];
    for &i in members {
        for (s, &v) in sums.iter_mut().zip(rows.row(i)) {
            s.add(v.to_f64_());
        }
    }
    sums.iter().map(|s| s.value() / members.len() as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_on_its_mean() {
        let rows = vec![[1.0_f64, 2.0], [1.0, 2.0], [5.0, 5.0], [5.0, 5.0]];
        assert_eq!(calinski_harabasz_score(&rows, &[0, 0, 1, 1]).unwrap(), 1.0);
        assert_eq!(davies_bouldin_score(&rows, &[0, 0, 1, 1]).unwrap(), 0.0);
    }

    #[test]
    fn clusters_with_one_mean_are_not_compared() {
        // Clusters 0 and 1 share their mean (0); cluster 2 is apart.
        let rows = vec![[-1.0_f64], [1.0], [-2.0], [2.0], [10.0], [11.0]];
        let db = davies_bouldin_score(&rows, &[0, 0, 1, 1, 2, 2]).unwrap();
        let (s0, s1, s2) = (1.0, 2.0, 0.5);
        let want = ((s0 + s2) / 10.5 + (s1 + s2) / 10.5 + (s1 + s2) / 10.5) / 3.0;
        assert!((db - want).abs() < 1e-15, "{db} vs {want}");
    }

    #[test]
    fn equal_means_everywhere_score_zero() {
        let rows = vec![[-1.0_f64], [1.0], [-2.0], [2.0]];
        assert_eq!(davies_bouldin_score(&rows, &[0, 0, 1, 1]).unwrap(), 0.0);
    }
}
