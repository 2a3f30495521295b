//! The silhouette (Rousseeuw 1987): exact, and on a seeded sample of rows.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use super::scored::{self, Clusters, Sum};
use crate::data::{AsRows, RowMajor};
use crate::error::KMeansError;
use crate::float::Float;
use crate::kernels::distance_sums;
use crate::parallel::{map_ordered, worth_parallel};

/// Rows scored per kernel call (and per parallel task). Only speed depends on it: a row's
/// value is computed the same way whichever rows share its call.
const CHUNK: usize = 256;

/// The silhouette value of every row, in `[−1, 1]`: with `a` the mean distance from the row to
/// the other rows of its cluster and `b` the smallest mean distance from it to the rows of
/// another cluster, `s = (b − a) / max(a, b)`. Close to 1: the row sits well inside its
/// cluster; close to −1: it is nearer another cluster. Distances are Euclidean (not squared).
///
/// A row alone in its cluster scores 0 (Rousseeuw's convention, and scikit-learn's), as does a
/// row with `a = b = 0` (it coincides with its own cluster and with another).
///
/// Labels are arbitrary numbers (cluster ids need not be contiguous); there must be between 2
/// and `n − 1` distinct ones. Exact: every pair's distance is computed directly in f64, in
/// O(n²·d) time and O(n) memory, spread over threads with the `rayon` feature; the result does
/// not depend on the thread count. Equal to scikit-learn's `silhouette_samples` within 1e-12
/// on the reference cases (scikit-learn's distances carry the rounding error of the
/// `‖x‖² − 2x·y + ‖y‖²` form, up to 1.8e-15 there).
///
/// # Errors
///
/// [`KMeansError::ZeroFeatures`] for rows of width 0, [`KMeansError::NoRows`] for no rows,
/// [`KMeansError::LabelCount`] unless there is one label per row, [`KMeansError::NonFinite`]
/// or [`KMeansError::ValueTooLarge`] for a NaN, infinite or overflowing value,
/// [`KMeansError::ClusterCount`] for fewer than 2 distinct labels or as many as rows.
///
/// # Example
///
/// ```
/// use k_means::metrics::silhouette_samples;
///
/// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0], [30.0]];
/// let s = silhouette_samples(&rows, &[0, 0, 1, 1, 2])?;
/// // Row 0: a = 1 (to row 1), b = 10.5 (to rows 2 and 3).
/// assert!((s[0] - (10.5 - 1.0) / 10.5).abs() < 1e-15);
/// assert_eq!(s[4], 0.0); // alone in its cluster
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn silhouette_samples<T: Float, D: AsRows<T> + ?Sized>(
    data: &D,
    labels: &[usize],
) -> Result<Vec<f64>, KMeansError> {
    let input = data.as_rows()?;
    let rows = input.view();
    scored::check_rows(rows, labels)?;
    let clusters = scored::clusters(labels)?;
    Ok(samples(rows, &clusters))
}

/// The mean silhouette value over all rows ([`silhouette_samples`]), in `[−1, 1]`: higher is
/// better separated. The usual score for choosing k (see [`KSweep`](crate::KSweep)).
///
/// Exact, in O(n²·d) time (about 0.5 s for 20 000 rows of 16 features on two cores); for many
/// more rows see [`silhouette_score_sampled`].
///
/// # Errors
///
/// As [`silhouette_samples`].
///
/// # Example
///
/// ```
/// use k_means::datasets::make_blobs;
/// use k_means::metrics::silhouette_score;
/// use k_means::RowMajor;
///
/// let blobs = make_blobs::<f64>(300, 2, 3, 0.3, 7)?;
/// let rows = RowMajor::new(&blobs.data, 2)?;
/// let truth = silhouette_score(&rows, &blobs.labels)?;
/// let shuffled: Vec<usize> = (0..300).map(|i| i % 3).collect();
/// assert!(truth > 0.8);
/// assert!(silhouette_score(&rows, &shuffled)? < 0.1);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn silhouette_score<T: Float, D: AsRows<T> + ?Sized>(
    data: &D,
    labels: &[usize],
) -> Result<f64, KMeansError> {
    Ok(mean(&silhouette_samples(data, labels)?))
}

/// The mean silhouette of a random sample of rows, for data too large for the exact
/// O(n²·d) score: `sample_size` distinct rows are drawn uniformly without replacement (a
/// partial Fisher–Yates shuffle driven by Xoshiro256++ seeded with `seed`, so the same seed
/// gives the same rows on every platform), and the silhouette of those rows is computed
/// exactly **among the sampled rows only** (each sampled row's `a` and `b` are mean distances
/// to the sampled rows of each cluster), as scikit-learn's `silhouette_score(…, sample_size=m,
/// random_state=…)` does. The cost is O(m²·d).
///
/// With `sample_size ≥ n` every row is used and the result is [`silhouette_score`]'s. The
/// sample must hold between 2 and `sample_size − 1` distinct labels.
///
/// # Errors
///
/// As [`silhouette_samples`] for the data and labels (the cluster count is checked on the
/// sample: [`KMeansError::ClusterCount`] names the sample's rows), and
/// [`KMeansError::SampleTooSmall`] for `sample_size < 3`.
///
/// # Example
///
/// ```
/// use k_means::datasets::make_blobs;
/// use k_means::metrics::{silhouette_score, silhouette_score_sampled};
/// use k_means::RowMajor;
///
/// let blobs = make_blobs::<f32>(2000, 4, 3, 1.0, 1)?;
/// let rows = RowMajor::new(&blobs.data, 4)?;
/// let exact = silhouette_score(&rows, &blobs.labels)?;
/// let sampled = silhouette_score_sampled(&rows, &blobs.labels, 500, 42)?;
/// assert!((sampled - exact).abs() < 0.05);
/// // The same seed, the same sample.
/// assert_eq!(sampled, silhouette_score_sampled(&rows, &blobs.labels, 500, 42)?);
/// assert_eq!(silhouette_score_sampled(&rows, &blobs.labels, 5000, 0)?, exact);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn silhouette_score_sampled<T: Float, D: AsRows<T> + ?Sized>(
    data: &D,
    labels: &[usize],
    sample_size: usize,
    seed: u64,
) -> Result<f64, KMeansError> {
    if sample_size < 3 {
        return Err(KMeansError::SampleTooSmall { sample_size });
    }
    let input = data.as_rows()?;
    let rows = input.view();
    scored::check_rows(rows, labels)?;
    let n = rows.n_rows();
    if sample_size >= n {
        return Ok(mean(&samples(rows, &scored::clusters(labels)?)));
    }
    let picked = sample_rows(n, sample_size, seed);
    let d = rows.n_features();
    let mut sub = Vec::with_capacity(sample_size * d);
    for &i in &picked {
        sub.extend_from_slice(rows.row(i));
    }
    let sub_labels: Vec<usize> = picked.iter().map(|&i| labels[i]).collect();
    let clusters = scored::clusters(&sub_labels)?;
    // `sub` holds whole rows of `d ≥ 1` values, so the view is valid.
    let sub_rows = RowMajor::new(&sub, d)?;
    Ok(mean(&samples(sub_rows, &clusters)))
}

/// `m < n` distinct row indices drawn uniformly (the first `m` places of a partial
/// Fisher–Yates shuffle of `0..n`), in increasing order.
fn sample_rows(n: usize, m: usize, seed: u64) -> Vec<usize> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut perm: Vec<usize> = (0..n).collect();
    for i in 0..m {
        let j = rng.random_range(i..n);
        perm.swap(i, j);
    }
    perm.truncate(m);
    perm.sort_unstable();
    perm
}

/// The mean of silhouette values, with a compensated sum (values of both signs).
fn mean(values: &[f64]) -> f64 {
    let mut sum = Sum::default();
    for &v in values {
        sum.add(v);
    }
    sum.value() / values.len() as f64
}

/// Every row's silhouette value (checked input: 2 to n − 1 clusters).
fn samples<T: Float>(rows: RowMajor<'_, T>, clusters: &Clusters) -> Vec<f64> {
    let n = rows.n_rows();
    let ranges: Vec<(usize, usize)> = (0..n)
        .step_by(CHUNK)
        .map(|lo| (lo, (lo + CHUNK).min(n)))
        .collect();
    let work = n.saturating_mul(n).saturating_mul(rows.n_features());
    let per_chunk = map_ordered(ranges, worth_parallel(work), |range| {
        chunk_samples(rows, clusters, range)
    });
    per_chunk.concat()
}

/// The silhouette values of rows `lo..hi`.
fn chunk_samples<T: Float>(rows: RowMajor<'_, T>, clusters: &Clusters, (lo, hi): (usize, usize)) -> Vec<f64> {
    let len = hi - lo;
    // Sum of distances to the row's own cluster, and the smallest mean distance to another.
    let mut own = vec![0.0_f64; len];
    let mut nearest = vec![f64::INFINITY; len];
    distance_sums(rows, (lo, hi), &clusters.order, &clusters.starts, |i, c, sum| {
        if clusters.of_row[i] == c {
            own[i - lo] = sum;
        } else {
            nearest[i - lo] = nearest[i - lo].min(sum / clusters.size(c) as f64);
        }
    });
    (lo..hi)
        .map(|i| {
            let size = clusters.size(clusters.of_row[i]);
            if size == 1 {
                return 0.0;
            }
            let a = own[i - lo] / (size - 1) as f64;
            let b = nearest[i - lo];
            let denominator = a.max(b);
            if denominator == 0.0 {
                0.0
            } else {
                (b - a) / denominator
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::sq_dist_f64;

    /// The definition, pair by pair.
    fn naive(data: &[f64], d: usize, labels: &[usize]) -> Vec<f64> {
        let n = labels.len();
        let dist =
            |i: usize, j: usize| sq_dist_f64(&data[i * d..(i + 1) * d], &data[j * d..(j + 1) * d]).sqrt();
        (0..n)
            .map(|i| {
                let mut by_label = std::collections::BTreeMap::<usize, (f64, usize)>::new();
                for j in 0..n {
                    let e = by_label.entry(labels[j]).or_default();
                    e.0 += dist(i, j);
                    e.1 += 1;
                }
                let (own, size) = by_label[&labels[i]];
                if size == 1 {
                    return 0.0;
                }
                let a = own / (size - 1) as f64;
                let b = by_label
                    .iter()
                    .filter(|&(&l, _)| l != labels[i])
                    .map(|(_, &(s, c))| s / c as f64)
                    .fold(f64::INFINITY, f64::min);
                if a.max(b) == 0.0 { 0.0 } else { (b - a) / a.max(b) }
            })
            .collect()
    }

    #[test]
    fn samples_equal_the_definition() {
        let d = 3;
        let data = crate::kernels::tests::random_data::<f64>(600, d, 5.0, 11);
        // Uneven clusters, a singleton among them, labels not contiguous; more than one chunk.
        let labels: Vec<usize> = (0..600)
            .map(|i| if i == 17 { 99 } else { (i * 7 % 5) * 3 })
            .collect();
        let got = silhouette_samples(&RowMajor::new(&data, d).unwrap(), &labels).unwrap();
        let want = naive(&data, d, &labels);
        assert_eq!(got[17], 0.0);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-13, "{g} vs {w}");
        }
    }

    #[test]
    fn coinciding_clusters_score_zero_not_nan() {
        let rows = vec![[1.0_f64], [1.0], [1.0], [1.0]];
        assert_eq!(silhouette_samples(&rows, &[0, 0, 1, 1]).unwrap(), [0.0; 4]);
    }

    #[test]
    fn sample_rows_are_distinct_sorted_and_seeded() {
        let a = sample_rows(1000, 100, 5);
        assert_eq!(a.len(), 100);
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a[99] < 1000);
        assert_eq!(a, sample_rows(1000, 100, 5));
        assert_ne!(a, sample_rows(1000, 100, 6));
    }

    #[test]
    fn sampled_score_is_the_exact_score_of_the_sampled_rows() {
        let d = 2;
        let data = crate::kernels::tests::random_data::<f64>(300, d, 0.0, 4);
        let labels: Vec<usize> = (0..300).map(|i| usize::from(data[i * d] > 0.0)).collect();
        let rows = RowMajor::new(&data, d).unwrap();
        let picked = sample_rows(300, 40, 9);
        let sub: Vec<f64> = picked.iter().flat_map(|&i| rows.row(i).to_vec()).collect();
        let sub_labels: Vec<usize> = picked.iter().map(|&i| labels[i]).collect();
        assert_eq!(
            silhouette_score_sampled(&rows, &labels, 40, 9).unwrap(),
            silhouette_score(&RowMajor::new(&sub, d).unwrap(), &sub_labels).unwrap()
        );
    }
}
