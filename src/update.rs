//! The update step's policy, shared by every algorithm and by
//! [`compute_means`](crate::compute_means): the empty-cluster policy and the division of the
//! exact sums ([`crate::sums`]) into new centroids.

use crate::error::KMeansError;
use crate::float::Float;
use crate::kernels::sq_dist_f64;
use crate::part::Part;
use crate::sums::{ClusterSums, SumFrame};

/// Gives every empty cluster a row, as scikit-learn does: among every participant's rows of
/// positive weight, the rows farthest from the centroid they were assigned to (largest first,
/// lower global row index first on equal distance) are taken out of their clusters' sums and
/// each becomes the whole of one empty cluster (lowest cluster index first). Rows at distance 0
/// are never moved, so with fewer distinct rows than k some clusters stay empty. `acc` holds the
/// sums over all participants (merged), so every participant makes the same moves. Returns how
/// many clusters were filled. `labels` are left as they are: the next assignment step moves
/// the rows.
///
/// What crosses between participants: each one's `m` farthest rows (distance, global index,
/// label, weight, values), m the number of empty clusters.
pub(crate) fn relocate_empty_clusters<T: Float, C: Float>(
    part: Part<'_, '_, T>,
    labels: &[usize],
    centroids: &[C],
    acc: &mut ClusterSums,
    frame: &SumFrame,
) -> Result<usize, KMeansError> {
    let rows = part.rows;
    let d = rows.n_features();
    let empty: Vec<usize> = (0..acc.weights.len()).filter(|&j| acc.weights[j] == 0).collect();
    if empty.is_empty() {
        return Ok(0);
    }
    let dist: Vec<f64> = rows
        .rows()
        .zip(labels)
        .map(|(row, &l)| sq_dist_f64(row, &centroids[l * d..(l + 1) * d]))
        .collect();
    let mut order: Vec<usize> = (0..rows.n_rows()).filter(|&i| part.weight(i) > 0).collect();
    let farther = |a: &usize, b: &usize| dist[*b].total_cmp(&dist[*a]).then(a.cmp(b));
    let take = empty.len().min(order.len());
    if take < order.len() {
        order.select_nth_unstable_by(take, farther);
    }
    order.truncate(take);
    order.sort_unstable_by(farther);
    // This participant's candidates as words: distance, global row, label, weight, values.
    let mut mine: Vec<f64> = Vec::with_capacity(order.len() * (d + 4));
    for &i in &order {
        mine.push(dist[i]);
        mine.push(f64::from_bits((part.first_row + i) as u64));
        mine.push(f64::from_bits(labels[i] as u64));
        mine.push(f64::from_bits(part.weight(i) as u64));
        mine.extend(rows.row(i).iter().map(|v| v.to_f64_()));
    }
    let mut candidates: Vec<Vec<f64>> = part
        .comm
        .gather(&mine)?
        .iter()
        .flat_map(|words| words.chunks_exact(d + 4).map(<[f64]>::to_vec).collect::<Vec<_>>())
        .collect();
    candidates.sort_by(|a, b| b[0].total_cmp(&a[0]).then(a[1].to_bits().cmp(&b[1].to_bits())));
    let mut filled = 0;
    for (&j, c) in empty.iter().zip(&candidates) {
        if c[0] <= 0.0 {
            break;
        }
        let (label, weight) = (c[2].to_bits() as usize, c[3].to_bits() as i64);
        frame.remove_row(acc, label, &c[4..], weight);
        frame.add_row(acc, j, &c[4..], weight);
        filled += 1;
    }
    Ok(filled)
}

/// New centroids: each cluster's mean; a cluster that is still empty keeps its previous centroid
/// (so no centroid is ever NaN).
pub(crate) fn finish_means<C: Float>(acc: &ClusterSums, frame: &SumFrame, previous: &[C], out: &mut [C]) {
    let d = previous.len() / acc.weights.len().max(1);
    for (j, &count) in acc.weights.iter().enumerate() {
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

/// The whole update step of one iteration: merges every participant's `acc` (this one's: the
/// sums of its rows by `labels`, computed against `centroids`), fills the empty clusters, writes
/// the new centroids into `out`, and returns the total squared shift
/// `Σⱼ ‖outⱼ − centroidsⱼ‖²`.
pub(crate) fn next_centroids<T: Float>(
    part: Part<'_, '_, T>,
    labels: &[usize],
    centroids: &[f64],
    acc: &mut ClusterSums,
    frame: &SumFrame,
    out: &mut [f64],
) -> Result<f64, KMeansError> {
    acc.all_reduce(part.comm)?;
    relocate_empty_clusters(part, labels, centroids, acc, frame)?;
    finish_means(acc, frame, centroids, out);
    Ok(total_sq_shift(centroids, out))
}

/// `Σⱼ ‖aⱼ − bⱼ‖²` in f64.
pub(crate) fn total_sq_shift(a: &[f64], b: &[f64]) -> f64 {
    sq_dist_f64(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::RowMajor;
    use crate::part::Solo;

    #[test]
    fn empty_cluster_takes_the_farthest_row() {
        // Cluster 0 holds three rows, the one at 10 farthest from centroid 0 (at 0); cluster 1 is empty.
        let data = [0.0_f64, 1.0, 10.0];
        let rows = RowMajor::new(&data, 1).unwrap();
        let labels = [0, 0, 0];
        let cents = [0.0, 100.0];
        let frame = SumFrame::new(rows);
        let mut acc = ClusterSums::from_labels(rows, &labels, 2, &frame, None);
        assert_eq!(
            relocate_empty_clusters(Solo::new(rows).part(rows), &labels, &cents, &mut acc, &frame).unwrap(),
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
        let mut acc = ClusterSums::from_labels(rows, &labels, 2, &frame, None);
        assert_eq!(
            relocate_empty_clusters(Solo::new(rows).part(rows), &labels, &cents, &mut acc, &frame).unwrap(),
            0
        );
        let mut out = [0.0_f32; 2];
        finish_means(&acc, &frame, &cents, &mut out);
        assert_eq!(out, [2.0, 2.0]);
    }
}
