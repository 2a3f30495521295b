//! The end of a mini-batch fit: the training rows' labels under the final centres (one pass
//! through the tile kernel, as scikit-learn's `compute_labels`), and the repair that makes
//! every centre used whenever the data have at least k distinct rows.

use crate::assign::assign_all;
use crate::data::RowMajor;
use crate::float::Float;
use crate::kernels::sq_dist_f64;

/// Labels of every row under `centres` (f64, `k × d`), after moving each centre that no row
/// of positive weight chose onto one of the rows farthest from their centres (largest
/// distance first, then lowest row; one row per distinct value), then assigning again, until
/// every centre is used or every row of positive weight sits on a centre. Returns the labels
/// and how many centres were moved.
///
/// Why it ends, with k used centres whenever the rows of positive weight have ≥ k distinct
/// values: a moved centre sits on a row that was at distance > 0 from every centre, so after
/// the next assignment it owns that row at distance 0 (ties go to the lowest index, and no
/// other centre is on that point); a centre that owns a row at distance 0 keeps it in every
/// later round, since later moves only put centres on points no centre occupied. So each round
/// adds centres that own a row on them, at most k rounds run, and the loop stops early only
/// when every row is on its centre: then the used centres are the distinct values.
pub(crate) fn labels_with_every_centre_used<T: Float>(
    rows: RowMajor<'_, T>,
    weights: Option<&[f64]>,
    centres: &mut [f64],
    k: usize,
) -> (Vec<usize>, usize) {
    let n = rows.n_rows();
    let d = rows.n_features();
    let mut labels = vec![0usize; n];
    let mut upper = vec![0.0f64; n];
    let mut moved = 0;
    let positive = |i: usize| weights.is_none_or(|w| w[i] > 0.0);
    for _round in 0..=k {
        assign_all(rows, &*centres, &mut labels, &mut upper, None, None);
        let mut used = vec![false; k];
        for (i, &l) in labels.iter().enumerate() {
            if positive(i) {
                used[l] = true;
            }
        }
        let empty: Vec<usize> = (0..k).filter(|&j| !used[j]).collect();
        if empty.is_empty() {
            break;
        }
        // Rows off their centre, farthest first: the candidates (rare: only when a centre is
        // unused, so a full sort is affordable).
        let dist: Vec<f64> = (0..n)
            .map(|i| {
                let l = labels[i];
                sq_dist_f64(rows.row(i), &centres[l * d..(l + 1) * d])
            })
            .collect();
        let mut order: Vec<usize> = (0..n).filter(|&i| positive(i) && dist[i] > 0.0).collect();
        if order.is_empty() {
            break; // every row sits on a centre: fewer distinct rows than k
        }
        order.sort_unstable_by(|&a, &b| dist[b].total_cmp(&dist[a]).then(a.cmp(&b)));
        let mut chosen: Vec<usize> = Vec::with_capacity(empty.len());
        for &i in &order {
            if chosen.len() == empty.len() {
                break;
            }
            let row = rows.row(i);
            let same = |c: &usize| {
                rows.row(*c)
                    .iter()
                    .zip(row)
                    .all(|(a, b)| a.to_f64_() == b.to_f64_())
            };
            if !chosen.iter().any(same) {
                chosen.push(i);
            }
        }
        for (&j, &i) in empty.iter().zip(&chosen) {
            for (c, v) in centres[j * d..(j + 1) * d].iter_mut().zip(rows.row(i)) {
                *c = v.to_f64_();
            }
            moved += 1;
        }
    }
    (labels, moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unused_centre_moves_to_the_farthest_row() {
        // Centre 1 is far from everything; the farthest row from centre 0 is 10.
        let data = [0.0_f64, 1.0, 10.0, 10.0];
        let rows = RowMajor::new(&data, 1).unwrap();
        let mut centres = [0.5, 1000.0];
        let (labels, moved) = labels_with_every_centre_used(rows, None, &mut centres, 2);
        assert_eq!(moved, 1);
        assert_eq!(centres, [0.5, 10.0]);
        assert_eq!(labels, [0, 0, 1, 1]);
    }

    #[test]
    fn duplicates_of_one_value_fill_one_centre_only() {
        // Two unused centres, two farthest rows of the same value: one centre takes it, the
        // next round gives the other the next distinct row.
        let data = [0.0_f64, 1.0, 2.0, 9.0, 9.0];
        let rows = RowMajor::new(&data, 1).unwrap();
        let mut centres = [0.0, 500.0, 600.0];
        let (labels, moved) = labels_with_every_centre_used(rows, None, &mut centres, 3);
        let mut used = [false; 3];
        for &l in &labels {
            used[l] = true;
        }
        assert_eq!(used, [true; 3]);
        assert!(moved >= 2);
        assert!(centres.contains(&9.0));
    }

    #[test]
    fn fewer_distinct_rows_than_k_stop_the_repair() {
        let data = [3.0_f64, 3.0, 3.0];
        let rows = RowMajor::new(&data, 1).unwrap();
        let mut centres = [3.0, 7.0];
        let (labels, moved) = labels_with_every_centre_used(rows, None, &mut centres, 2);
        assert_eq!((labels, moved), (vec![0, 0, 0], 0));
    }
}
