//! The update step's policy, shared by every algorithm and by
//! [`compute_means`](crate::compute_means): the empty-cluster policy and the division of the
//! exact sums ([`crate::sums`]) into new centroids.

use crate::data::RowMajor;
use crate::float::Float;
use crate::kernels::sq_dist_f64;
use crate::sums::{ClusterSums, SumFrame};

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
    frame: &SumFrame,
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
        let row = rows.row(i);
        frame.remove_row(acc, labels[i], row);
        frame.add_row(acc, j, row);
        filled += 1;
    }
    filled
}

/// New centroids: each cluster's mean; a cluster that is still empty keeps its previous centroid
/// (so no centroid is ever NaN).
pub(crate) fn finish_means<C: Float>(acc: &ClusterSums, frame: &SumFrame, previous: &[C], out: &mut [C]) {
    let d = previous.len() / acc.counts.len().max(1);
    for (j, &count) in acc.counts.iter().enumerate() {
        let o = &mut out[j * d..(j + 1) * d];
        if count == 0 {
            o.copy_from_slice(&previous[j * d..(j + 1) * d]);
        } else {
            for f in 0..d {
                o[f] = C::from_f64_(frame.mean(acc.sums[j * d + f], count, f));
            }
        }
    }
}

/// The whole update step of one iteration: fills the empty clusters of `acc` (the sums of `rows`
/// by `labels`, computed against `centroids`), writes the new centroids into `out`, and returns
/// the total squared shift `Σⱼ ‖outⱼ − centroidsⱼ‖²`.
pub(crate) fn next_centroids<T: Float>(
    rows: RowMajor<'_, T>,
    labels: &[usize],
    centroids: &[f64],
    acc: &mut ClusterSums,
    frame: &SumFrame,
    out: &mut [f64],
) -> f64 {
    relocate_empty_clusters(rows, labels, centroids, acc, frame);
    finish_means(acc, frame, centroids, out);
    total_sq_shift(centroids, out)
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
        let frame = SumFrame::new(rows);
        let mut acc = ClusterSums::from_labels(rows, &labels, 2, &frame);
        assert_eq!(
            relocate_empty_clusters(rows, &labels, &cents, &mut acc, &frame),
            1
        );
        let mut out = [0.0; 2];
        finish_means(&acc, &frame, &cents, &mut out);
        assert_eq!(out, [0.5, 10.0]);
    }

    #[test]
    fn duplicates_leave_clusters_empty_but_finite() {
        let data = [2.0_f32, 2.0, 2.0];
        let rows = RowMajor::new(&data, 1).unwrap();
        let labels = [0, 0, 0];
        let cents = [2.0_f32, 2.0];
        let frame = SumFrame::new(rows);
        let mut acc = ClusterSums::from_labels(rows, &labels, 2, &frame);
        assert_eq!(
            relocate_empty_clusters(rows, &labels, &cents, &mut acc, &frame),
            0
        );
        let mut out = [0.0_f32; 2];
        finish_means(&acc, &frame, &cents, &mut out);
        assert_eq!(out, [2.0, 2.0]);
    }
}
