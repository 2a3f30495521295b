//! The assignment kernel: a tile of rows against all centroids through the micro-kernel, then
//! the certificate of every label.
//!
//! Scores are `½‖c̃‖² − x̃·c̃` with `x̃ = x − μ` and `c̃ = c − μ` centred on the centroids' mean μ
//! (centring is what keeps f32 data far from the origin accurate), so that
//! `‖x − c‖² = ‖x̃‖² + 2·score` and the smallest score is the nearest centroid. A label is
//! **certified** when the runner-up's score exceeds the best by more than twice the rounding
//! bound `Prepared::score_error_bound`; the others are re-checked by direct f64 distances.
//! So labels always equal those of the direct f64 computation (ties to the lowest index).

use super::backend::{Isa, Kernel};
use super::direct::nearest_direct;
use super::in_place::best_two_in_place;
use super::pack::pack_tile;
use super::prepared::{Prepared, Scratch};
use super::{TILE_ROWS, tile};
use crate::data::RowMajor;
use crate::float::Float;
use crate::sums::{ClusterSums, SumFrame, SumsBuffer};

/// Where [`assign`] adds each row to its cluster's sums: the sums, their frame, and the rows'
/// quantized weights (`None`: 1 each), indexed like the rows of the call.
#[derive(Debug)]
pub(crate) struct SumsInto<'a> {
    pub acc: &'a mut ClusterSums,
    pub frame: &'a SumFrame,
    pub weights: Option<&'a [i64]>,
}

/// Where the assignment step writes its per-row results.
#[derive(Debug)]
pub(crate) struct AssignOut<'a> {
    /// Nearest centroid per row.
    pub labels: &'a mut [usize],
    /// An upper bound on each row's squared distance to its nearest centroid (exact when the
    /// label needed a re-check).
    pub upper_sq: &'a mut [f64],
    /// If given, a lower bound on each row's squared distance to its second-nearest centroid
    /// (+∞ when k = 1).
    pub second_lower_sq: Option<&'a mut [f64]>,
}

/// The assignment step over `rows` (or, with `select`, over the rows it lists, results indexed
/// by position in the list): nearest centroid per row (exactly the direct f64 argmin,
/// lowest index on ties), plus distance bounds; optionally adds every row to the sums of its
/// cluster while the tile is in cache. One dispatch to the backend for the whole call.
pub(crate) fn assign<T: Float>(
    rows: RowMajor<'_, T>,
    select: Option<&[usize]>,
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
    out: AssignOut<'_>,
    sums: Option<SumsInto<'_>>,
) {
    prep.backend.run(Assign {
        rows,
        select,
        prep,
        scratch,
        out,
        sums,
    });
}

/// The arguments of [`assign`], as a kernel call.
struct Assign<'a, 'b, T> {
    rows: RowMajor<'a, T>,
    select: Option<&'a [usize]>,
    prep: &'a Prepared<T>,
    scratch: &'a mut Scratch<T>,
    out: AssignOut<'a>,
    sums: Option<SumsInto<'b>>,
}

impl<T: Float> Kernel for Assign<'_, '_, T> {
    type Output = ();

    #[inline(always)]
    fn run<S: Isa>(self, isa: S) {
        let Assign {
            rows,
            select,
            prep,
            scratch,
            out,
            mut sums,
        } = self;
        let AssignOut {
            labels,
            upper_sq,
            mut second_lower_sq,
        } = out;
        let d = prep.n_features;
        let n = select.map_or(rows.n_rows(), <[usize]>::len);
        let data = rows.as_slice();
        let mut buffer = sums.as_ref().map(|_| SumsBuffer::for_rows(prep.k(), d, n));
        let mut start = 0;
        while start < n {
            let len = TILE_ROWS.min(n - start);
            if prep.in_place {
                best_two_in_place::<T, S>(isa, data, select, (start, len), prep, scratch);
            } else {
                let n_panels = pack_tile::<T, S>(data, select, start, len, prep, scratch);
                tile::best_two::<T, S>(
                    &scratch.packed,
                    n_panels,
                    d,
                    &prep.blocks,
                    &prep.half_norms,
                    &mut scratch.best,
                );
            }
            let tile_labels = &mut labels[start..start + len];
            let tile_upper = &mut upper_sq[start..start + len];
            let certified = &mut scratch.certified[..len];
            let (best, index, second) = (
                &scratch.best.best[..len],
                &scratch.best.index[..len],
                &scratch.best.second[..len],
            );
            let x_norm_sq = &scratch.x_norm_sq[..len];
            // First the bounds and the certificate of every row of the tile, in one branch-free pass.
            for r in 0..len {
                let (sb, ss) = (best[r].to_f64_(), second[r].to_f64_());
                let err = prep.score_error_bound(x_norm_sq[r].sqrt());
                certified[r] = prep.scores_trusted & certifies(sb, ss, err, prep.k() == 1);
                tile_labels[r] = index[r].to_f64_() as usize;
                tile_upper[r] = (x_norm_sq[r] + 2.0 * (sb + err)).max(0.0);
            }
            if let Some(second_lower) = second_lower_sq.as_deref_mut() {
                let second_lower = &mut second_lower[start..start + len];
                for r in 0..len {
                    let (sb, ss) = (best[r].to_f64_(), second[r].to_f64_());
                    let err = prep.score_error_bound(x_norm_sq[r].sqrt());
                    // Without a certificate the runner-up may score as low as the tile's best.
                    let lower_score = if certified[r] { ss } else { sb };
                    second_lower[r] = (x_norm_sq[r] + 2.0 * (lower_score - err)).max(0.0);
                }
            }
            let row_of = |r: usize| {
                let i = start + r;
                let src = select.map_or(i, |s| s[i]);
                &data[src * d..(src + 1) * d]
            };
            for r in 0..len {
                if !certified[r] {
                    // Another centroid may truly be as near: decide by direct f64 distances.
                    (tile_labels[r], tile_upper[r]) = recheck(prep, row_of(r));
                }
            }
            if let (Some(into), Some(buffer)) = (sums.as_mut(), buffer.as_mut()) {
                for r in 0..len {
                    let weight = into.weights.map_or(1, |w| w[start + r]);
                    into.frame
                        .add_row_buffered(into.acc, buffer, tile_labels[r], row_of(r), weight);
                }
            }
            start += len;
        }
        if let (Some(into), Some(buffer)) = (sums.as_mut(), buffer.as_mut()) {
            buffer.flush(into.acc);
        }
    }
}

/// Whether a row's best score `sb` and runner-up `ss` (with error bound `err`) prove its label.
///
/// Only finite numbers certify: an overflow anywhere in a dot product (a partial sum can
/// overflow even when the whole would not) makes that score ±∞ or NaN, and a −∞ best or a +∞
/// runner-up says nothing about the true distances. The one +∞ that is trusted is the
/// runner-up of a single centroid (`single`: the padding's score), where the label is 0
/// whatever the scores. Validated inputs never overflow (every entry point holds rows and
/// centroids to the magnitude limit); this keeps the kernel exact even if one did.
#[inline(always)]
pub(super) fn certifies(sb: f64, ss: f64, err: f64, single: bool) -> bool {
    let finite = sb.is_finite() & err.is_finite() & (ss.is_finite() | single);
    finite & (ss - sb > 2.0 * err)
}

/// The exact decision for a row whose label the tiled scores could not certify: the direct
/// f64 argmin over all centroids (lowest index on ties), with its squared distance.
#[cold]
fn recheck<T: Float>(prep: &Prepared<T>, row: &[T]) -> (usize, f64) {
    nearest_direct(row, &prep.centroids, prep.n_features)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::Backend;
    use crate::kernels::tests::random_data;
    use crate::kernels::{nearest_direct, sq_dist_f64};

    fn check_assign_matches_direct<T: Float>(n: usize, d: usize, k: usize, offset: f64, backend: Backend) {
        for in_place in [false, true] {
            check_kernel_matches_direct::<T>(n, d, k, offset, backend, in_place);
        }
    }

    fn check_kernel_matches_direct<T: Float>(
        n: usize,
        d: usize,
        k: usize,
        offset: f64,
        backend: Backend,
        in_place: bool,
    ) {
        let data = random_data::<T>(n, d, offset, 1);
        let cents = random_data::<T>(k, d, offset, 2);
        let rows = RowMajor::new(&data, d).unwrap();
        let prep = Prepared::with_kernel(&cents, d, backend, in_place);
        let backend = (backend, if in_place { "in place" } else { "packed" });
        let mut scratch = Scratch::new(&prep);
        let mut labels = vec![0; n];
        let mut upper = vec![0.0; n];
        let mut second = vec![0.0; n];
        assign(
            rows,
            None,
            &prep,
            &mut scratch,
            AssignOut {
                labels: &mut labels,
                upper_sq: &mut upper,
                second_lower_sq: Some(&mut second),
            },
            None,
        );
        for i in 0..n {
            let row = rows.row(i);
            let (j, dist) = nearest_direct(row, &cents, d);
            assert_eq!(
                labels[i], j,
                "row {i} (n={n} d={d} k={k} offset={offset} {backend:?})"
            );
            assert!(
                upper[i] >= dist * (1.0 - 1e-12) - 1e-300,
                "upper bound {} < {dist} (n={n} d={d} k={k} offset={offset} {backend:?})",
                upper[i]
            );
            for (jj, c) in cents.chunks_exact(d).enumerate() {
                if jj != j {
                    assert!(
                        second[i] <= sq_dist_f64(row, c) * (1.0 + 1e-12) + 1e-300,
                        "lower bound"
                    );
                }
            }
        }
        // Without the runner-up bound, through a selection of rows, with the cluster sums.
        let select: Vec<usize> = (0..n).rev().collect();
        let mut labels = vec![0; n];
        let frame = SumFrame::new(rows);
        let mut sums = ClusterSums::zeros(k, d);
        assign(
            rows,
            Some(&select),
            &prep,
            &mut scratch,
            AssignOut {
                labels: &mut labels,
                upper_sq: &mut upper,
                second_lower_sq: None,
            },
            Some(SumsInto {
                acc: &mut sums,
                frame: &frame,
                weights: None,
            }),
        );
        let mut expected = Vec::new();
        for (p, &i) in select.iter().enumerate() {
            let (j, dist) = nearest_direct(rows.row(i), &cents, d);
            assert_eq!(
                labels[p], j,
                "row {i} without bounds (n={n} d={d} k={k} offset={offset} {backend:?})"
            );
            assert!(upper[p] >= dist * (1.0 - 1e-12) - 1e-300, "upper bound");
            expected.push(j);
        }
        // Labels by row index (row i sits at position n − 1 − i of the selection).
        let order: Vec<usize> = (0..n).map(|i| expected[n - 1 - i]).collect();
        let reference = ClusterSums::from_labels(rows, &order, k, &frame, None);
        assert_eq!(sums, reference, "sums");
    }

    #[test]
    fn tiled_labels_equal_direct_f64_labels() {
        for backend in Backend::supported() {
            // k = 1 puts every centroid at μ: the bounds then rest on the row norm's rounding alone.
            for &(n, d, k) in &[
                (1, 1, 1),
                (7, 2, 3),
                (50, 3, 17),
                (97, 16, 33),
                (61, 70, 9),
                (40, 200, 16),
                (9, 64, 1),
                // The in-place kernel's shapes: every lane width's tail, short row groups.
                (203, 784, 10),
                (37, 47, 11),
                (66, 129, 4),
            ] {
                check_assign_matches_direct::<f32>(n, d, k, 0.0, backend);
                check_assign_matches_direct::<f64>(n, d, k, 0.0, backend);
                check_assign_matches_direct::<f32>(n, d, k, 1e4, backend);
                check_assign_matches_direct::<f64>(n, d, k, 1e6, backend);
            }
        }
    }

    #[test]
    fn exact_ties_go_to_the_lowest_index() {
        // The row is equidistant from centroids 1 and 2 (and 0 is farther).
        let data = [0.0_f32, 0.0];
        let cents = [5.0_f32, 5.0, 1.0, 0.0, 0.0, 1.0];
        for (backend, in_place) in Backend::supported()
            .into_iter()
            .flat_map(|b| [(b, false), (b, true)])
        {
            let prep = Prepared::with_kernel(&cents, 2, backend, in_place);
            let mut scratch = Scratch::new(&prep);
            let (mut l, mut u) = ([9], [0.0]);
            assign(
                RowMajor::new(&data, 2).unwrap(),
                None,
                &prep,
                &mut scratch,
                AssignOut {
                    labels: &mut l,
                    upper_sq: &mut u,
                    second_lower_sq: None,
                },
                None,
            );
            assert_eq!(l[0], 1);
            assert_eq!(u[0], 1.0);
        }
    }
}
