//! The update step, shared by every algorithm and by [`compute_means`](crate::compute_means):
//! f64 sums per cluster, the empty-cluster policy, and the division into new centroids.

use crate::kernels::sq_dist_f64;
use crate::parallel::{chunk_rows, map_ordered, worth_parallel};
use crate::{Float, RowMajor};

/// Per-cluster sums (`k × d`, f64) and row counts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClusterSums {
    pub sums: Vec<f64>,
    pub counts: Vec<usize>,
}

impl ClusterSums {
    pub(crate) fn zeros(k: usize, n_features: usize) -> Self {
        ClusterSums {
            sums: vec![0.0; k * n_features],
            counts: vec![0; k],
        }
    }

    /// Adds `other` into `self`; merging chunk partials in chunk order keeps results
    /// independent of the thread count.
    pub(crate) fn merge(&mut self, other: &ClusterSums) {
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b;
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// Sums of `rows` by `labels`: per chunk of [`chunk_rows`] rows in row order, chunks merged
    /// in order. This is exactly how the assignment step of `fit` accumulates, so
    /// [`compute_means`](crate::compute_means) and `fit` agree to the last bit.
    pub(crate) fn from_labels<T: Float>(rows: RowMajor<'_, T>, labels: &[usize], k: usize) -> Self {
        let d = rows.n_features();
        let chunk = chunk_rows(rows.n_rows(), k, d);
        let tasks: Vec<(usize, &[usize])> = labels.chunks(chunk).enumerate().collect();
        let partials = map_ordered(tasks, worth_parallel(rows.n_rows() * d), |(c, chunk_labels)| {
            let part = rows.slice_rows(c * chunk, (c + 1) * chunk);
            let mut s = ClusterSums::zeros(k, d);
            for (row, &l) in part.rows().zip(chunk_labels) {
                s.counts[l] += 1;
                for (acc, &v) in s.sums[l * d..(l + 1) * d].iter_mut().zip(row) {
                    *acc += v.to_f64_();
                }
            }
            s
        });
        let mut total = ClusterSums::zeros(k, d);
        for p in &partials {
            total.merge(p);
        }
        total
    }
}

/// Gives every empty cluster a row, as scikit-learn does: the rows farthest from the centroid
/// they were assigned to (largest first, lower row index first on equal distance) are taken out
/// of their clusters' sums and each becomes the whole of one empty cluster (lowest cluster index
/// first). Rows at distance 0 are never moved, so with fewer distinct rows than k some clusters
/// stay empty. Returns how many clusters were filled. `labels` are left as they are: the next
/// assignment step moves the rows.
pub(crate) fn relocate_empty_clusters<T: Float, C: Float>(
    rows: RowMajor<'_, T>,
    labels: &[usize],
    centroids: &[C],
    acc: &mut ClusterSums,
) -> usize {
    let d = rows.n_features();
    let empty: Vec<usize> = (0..acc.counts.len()).filter(|&j| acc.counts[j] == 0).collect();
    if empty.is_empty() {
        return 0;
    }
    let dist: Vec<f64> = rows
        .rows()
        .zip(labels)
        .map(|(row, &l)| sq_dist_f64(row, &centroids[l * d..(l + 1) * d]))
        .collect();
    let mut order: Vec<usize> = (0..rows.n_rows()).collect();
    let farther = |a: &usize, b: &usize| dist[*b].total_cmp(&dist[*a]).then(a.cmp(b));
    let take = empty.len().min(order.len());
    if take < order.len() {
        order.select_nth_unstable_by(take, farther);
    }
    order.truncate(take);
    order.sort_unstable_by(farther);
    let mut filled = 0;
    for (&j, &i) in empty.iter().zip(&order) {
        if dist[i] <= 0.0 {
            break;
        }
        let from = labels[i];
        let row = rows.row(i);
        acc.counts[from] -= 1;
        acc.counts[j] = 1;
        for f in 0..d {
            let v = row[f].to_f64_();
            acc.sums[from * d + f] -= v;
            acc.sums[j * d + f] = v;
        }
        filled += 1;
    }
    filled
}

/// New centroids: each cluster's mean; a cluster that is still empty keeps its previous centroid
/// (so no centroid is ever NaN).
pub(crate) fn finish_means<C: Float>(acc: &ClusterSums, previous: &[C], out: &mut [C]) {
    let d = previous.len() / acc.counts.len().max(1);
    for (j, &count) in acc.counts.iter().enumerate() {
        let o = &mut out[j * d..(j + 1) * d];
        if count == 0 {
            o.copy_from_slice(&previous[j * d..(j + 1) * d]);
        } else {
            let inv = 1.0 / count as f64;
            for f in 0..d {
                o[f] = C::from_f64_(acc.sums[j * d + f] * inv);
            }
        }
    }
}

/// `Σⱼ ‖aⱼ − bⱼ‖²` in f64.
pub(crate) fn total_sq_shift(a: &[f64], b: &[f64]) -> f64 {
    sq_dist_f64(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_cluster_takes_the_farthest_row() {
        // Cluster 0 holds three rows, the one at 10 farthest from centroid 0 (at 0); cluster 1 is empty.
        let data = [0.0_f64, 1.0, 10.0];
        let rows = RowMajor::new(&data, 1).unwrap();
        let labels = [0, 0, 0];
        let cents = [0.0, 100.0];
        let mut acc = ClusterSums::from_labels(rows, &labels, 2);
        assert_eq!(relocate_empty_clusters(rows, &labels, &cents, &mut acc), 1);
        let mut out = [0.0; 2];
        finish_means(&acc, &cents, &mut out);
        assert_eq!(out, [0.5, 10.0]);
    }

    #[test]
    fn duplicates_leave_clusters_empty_but_finite() {
        let data = [2.0_f32, 2.0, 2.0];
        let rows = RowMajor::new(&data, 1).unwrap();
        let labels = [0, 0, 0];
        let cents = [2.0_f32, 2.0];
        let mut acc = ClusterSums::from_labels(rows, &labels, 2);
        assert_eq!(relocate_empty_clusters(rows, &labels, &cents, &mut acc), 0);
        let mut out = [0.0_f32; 2];
        finish_means(&acc, &cents, &mut out);
        assert_eq!(out, [2.0, 2.0]);
    }
}
