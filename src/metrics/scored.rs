//! The boundary of the clustering scores: data and labels checked once, the labels turned into
//! dense cluster ids with each cluster's rows listed, so the scores below run infallible loops.

use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::validate;

/// A labelling of the rows of a view, checked: one label per row, between 2 and `n − 1`
/// distinct labels. Labels are arbitrary numbers; cluster `c` is the `c`-th smallest label (as
/// scikit-learn's label encoding numbers them).
#[derive(Debug)]
pub(super) struct Clusters {
    /// The dense cluster of each row.
    pub(super) of_row: Vec<usize>,
    /// Rows in cluster order (each cluster's rows in row order): cluster `c` is
    /// `order[starts[c]..starts[c + 1]]`.
    pub(super) order: Vec<usize>,
    /// `m + 1` offsets into `order`.
    pub(super) starts: Vec<usize>,
}

impl Clusters {
    /// The number of clusters.
    pub(super) fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// The number of rows of cluster `c`.
    pub(super) fn size(&self, c: usize) -> usize {
        self.starts[c + 1] - self.starts[c]
    }

    /// The rows of cluster `c`, in row order.
    pub(super) fn members(&self, c: usize) -> &[usize] {
        &self.order[self.starts[c]..self.starts[c + 1]]
    }
}

/// The checks every score makes, in this order: rows of width ≥ 1 (from `as_rows`), at least
/// one row, one label per row, every value finite and within the crate's magnitude limit (so no
/// distance or sum of them overflows).
///
/// # Errors
///
/// [`KMeansError::NoRows`], [`KMeansError::LabelCount`], [`KMeansError::NonFinite`],
/// [`KMeansError::ValueTooLarge`].
pub(super) fn check_rows<T: Float>(rows: RowMajor<'_, T>, labels: &[usize]) -> Result<(), KMeansError> {
    if rows.n_rows() == 0 {
        return Err(KMeansError::NoRows);
    }
    if labels.len() != rows.n_rows() {
        return Err(KMeansError::LabelCount {
            labels: labels.len(),
            n_rows: rows.n_rows(),
        });
    }
    validate::values(rows)
}

/// The clusters of `labels` (one per row, already checked by [`check_rows`]).
///
/// # Errors
///
/// [`KMeansError::ClusterCount`] unless there are between 2 and `labels.len() − 1` distinct
/// labels.
pub(super) fn clusters(labels: &[usize]) -> Result<Clusters, KMeansError> {
    let n = labels.len();
    let mut distinct = labels.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let m = distinct.len();
    if m < 2 || m >= n {
        return Err(KMeansError::ClusterCount {
            n_clusters: m,
            n_rows: n,
        });
    }
    // Every label is in `distinct`, so the search always succeeds.
    let of_row: Vec<usize> = labels
        .iter()
        .map(|l| distinct.binary_search(l).unwrap_or(0))
        .collect();
    // A counting sort: stable, so each cluster's rows stay in row order.
    let mut starts = vec![0_usize; m + 1];
    for &c in &of_row {
        starts[c + 1] += 1;
    }
    for c in 0..m {
        starts[c + 1] += starts[c];
    }
    let mut next = starts.clone();
    let mut order = vec![0_usize; n];
    for (row, &c) in of_row.iter().enumerate() {
        order[next[c]] = row;
        next[c] += 1;
    }
    Ok(Clusters {
        of_row,
        order,
        starts,
    })
}

/// A compensated (Neumaier) running sum in f64: its error does not grow with the number of
/// terms, so a mean of values of mixed signs is as exact as f64 holds it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Sum {
    sum: f64,
    compensation: f64,
}

impl Sum {
    /// Adds `v`.
    pub(super) fn add(&mut self, v: f64) {
        let t = self.sum + v;
        if self.sum.abs() >= v.abs() {
            self.compensation += (self.sum - t) + v;
        } else {
            self.compensation += (v - t) + self.sum;
        }
        self.sum = t;
    }

    /// The sum.
    pub(super) fn value(self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_dense_ids_in_label_order() {
        let c = clusters(&[7, 3, 7, 42, 3]).unwrap();
        assert_eq!(c.of_row, [1, 0, 1, 2, 0]);
        assert_eq!(c.len(), 3);
        assert_eq!(c.members(0), &[1, 4]);
        assert_eq!(c.members(1), &[0, 2]);
        assert_eq!(c.members(2), &[3]);
        assert_eq!(c.size(2), 1);
    }

    #[test]
    fn one_cluster_or_one_per_row_is_an_error() {
        assert_eq!(
            clusters(&[5, 5, 5]).unwrap_err(),
            KMeansError::ClusterCount {
                n_clusters: 1,
                n_rows: 3
            }
        );
        assert_eq!(
            clusters(&[0, 1, 2]).unwrap_err(),
            KMeansError::ClusterCount {
                n_clusters: 3,
                n_rows: 3
            }
        );
    }

    #[test]
    fn compensated_sum_keeps_small_terms() {
        let mut s = Sum::default();
        for v in [1e16, 1.0, -1e16, 1.0] {
            s.add(v);
        }
        assert_eq!(s.value(), 2.0);
    }
}
