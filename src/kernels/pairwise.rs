//! Sums of Euclidean distances (not squared) from rows to groups of rows, for the silhouette.
//!
//! [`distance_sums`] takes the rows to score (a range of a [`RowMajor`] view) and groups of
//! other rows of the same view (the rows `order[groups[g]..groups[g + 1]]` form group `g`),
//! and reports for every scored row and every group `Σ ‖x − y‖` over the group's rows `y`.
//! Every pair's distance is computed directly, `√Σ (x − y)²` in f64 (the data widened), so a
//! distance carries no cancellation error (the `½‖c‖² − x·c` form of the assignment kernel would
//! carry an absolute error of order `u·‖x‖²`, which the assignment's certificate covers but a
//! sum of distances cannot).
//!
//! The rows of a group are packed, [`LANES`] at a time, feature-major in f64 (rows in lanes,
//! the scored rows broadcast, as in the assignment kernel), so the inner loop is vertical; the
//! lane count is fixed (not the backend's register width), and each lane adds its features in
//! order without FMA, so every backend gives the same bits, and a row's sums do not depend on
//! which other rows are scored in the same call (so not on the chunk grid or the thread count).

use super::backend::{Backend, Isa, Kernel};
use crate::data::RowMajor;
use crate::float::Float;

/// Rows of a group per packed panel (16 f64: two AVX-512 or four AVX2 registers).
pub(crate) const LANES: usize = 16;

/// For every row `i` in `range` of `rows` and every group `g`, calls `each(i, g, sum)` with
/// `sum = Σ ‖rows[i] − rows[j]‖` over `j ∈ order[groups[g]..groups[g + 1]]`, in group order
/// and, within a group, in row order. `groups` is non-decreasing and ends at most at
/// `order.len()`; every index in `order` is a row of `rows`.
pub(crate) fn distance_sums<T: Float>(
    rows: RowMajor<'_, T>,
    range: (usize, usize),
    order: &[usize],
    groups: &[usize],
    each: impl FnMut(usize, usize, f64),
) {
    Backend::detected().run(DistanceSums {
        rows,
        range,
        order,
        groups,
        each,
    });
}

/// The arguments of [`distance_sums`], as a kernel call.
struct DistanceSums<'a, T, F> {
    rows: RowMajor<'a, T>,
    range: (usize, usize),
    order: &'a [usize],
    groups: &'a [usize],
    each: F,
}

impl<T: Float, F: FnMut(usize, usize, f64)> Kernel for DistanceSums<'_, T, F> {
    type Output = ();

    #[inline(always)]
    fn run<S: Isa>(self, _isa: S) {
        let DistanceSums {
            rows,
            range: (lo, hi),
            order,
            groups,
            mut each,
        } = self;
        let d = rows.n_features();
        let mut panel = vec![0.0_f64; d * LANES];
        let mut sums = vec![0.0_f64; hi - lo];
        for (g, bounds) in groups.windows(2).enumerate() {
            sums.fill(0.0);
            for members in order[bounds[0]..bounds[1]].chunks(LANES) {
                pack(rows, members, &mut panel);
                // Two rows at a time with 256-bit registers, four with 512-bit ones: the same
                // arithmetic per pair, only more independent accumulators in flight.
                if S::PANEL_BYTES >= 128 {
                    rows_against_panel::<T, 4>(rows, lo, &panel, members.len(), &mut sums);
                } else {
                    rows_against_panel::<T, 2>(rows, lo, &panel, members.len(), &mut sums);
                }
            }
            for (offset, &sum) in sums.iter().enumerate() {
                each(lo + offset, g, sum);
            }
        }
    }
}

/// Packs `members` (at most [`LANES`] rows) feature-major into `panel`: value `f` of member `l`
/// at `panel[f · LANES + l]`; unused lanes hold 0 (their distances are masked out).
#[inline(always)]
fn pack<T: Float>(rows: RowMajor<'_, T>, members: &[usize], panel: &mut [f64]) {
    let d = rows.n_features();
    panel.fill(0.0);
    for (l, &j) in members.iter().enumerate() {
        for (f, &v) in rows.row(j).iter().enumerate() {
            panel[f * LANES + l] = v.to_f64_();
        }
    }
    debug_assert_eq!(panel.len(), d * LANES);
}

/// Adds, for each row `lo + offset` scored, the distances to the first `len` lanes of `panel`
/// into `sums[offset]`, `R` rows at a time (the rest one at a time). No closures here: they
/// would not be inlined into the `#[target_feature]` copy and would run unvectorised.
#[inline(always)]
fn rows_against_panel<T: Float, const R: usize>(
    rows: RowMajor<'_, T>,
    lo: usize,
    panel: &[f64],
    len: usize,
    sums: &mut [f64],
) {
    let d = rows.n_features();
    let data = rows.as_slice();
    let mut keep = [0.0_f64; LANES];
    for l in 0..len.min(LANES) {
        keep[l] = 1.0;
    }
    let mut blocks = sums.chunks_exact_mut(R);
    let mut first = lo;
    for block in &mut blocks {
        let xs = &data[first * d..(first + R) * d];
        let mut totals = [0.0_f64; R];
        block_sums::<T, R>(xs, panel, &keep, &mut totals);
        for r in 0..R {
            block[r] += totals[r];
        }
        first += R;
    }
    for s in blocks.into_remainder() {
        let mut total = [0.0_f64; 1];
        block_sums::<T, 1>(&data[first * d..(first + 1) * d], panel, &keep, &mut total);
        *s += total[0];
        first += 1;
    }
}

/// `totals[r] = Σ_l keep[l] · √Σ_f (xs[r·d + f] − panel[f·LANES + l])²` for the `R` rows of
/// `xs` (row-major, `d` values each); `keep` is 1 for the lanes in use, 0 for padding. Per lane
/// the features are added in order (a multiply and an add, never fused); the lanes' roots are
/// added in a fixed pairwise order.
#[inline(always)]
fn block_sums<T: Float, const R: usize>(xs: &[T], panel: &[f64], keep: &[f64; LANES], totals: &mut [f64; R]) {
    let d = panel.len() / LANES;
    debug_assert_eq!(xs.len(), R * d);
    let mut acc = [[0.0_f64; LANES]; R];
    for f in 0..d {
        let y: &[f64; LANES] = panel[f * LANES..(f + 1) * LANES].try_into().unwrap();
        for r in 0..R {
            let x = xs[r * d + f].to_f64_();
            for l in 0..LANES {
                let t = x - y[l];
                acc[r][l] += t * t;
            }
        }
    }
    for r in 0..R {
        let mut roots = [0.0_f64; LANES];
        for l in 0..LANES {
            // The square root taken here, at one place: the silhouette needs true distances.
            // A padding lane's root is finite, so multiplying by 0 removes it exactly.
            roots[l] = acc[r][l].sqrt() * keep[l];
        }
        let mut width = LANES / 2;
        while width > 0 {
            for l in 0..width {
                roots[l] += roots[l + width];
            }
            width /= 2;
        }
        totals[r] = roots[0];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::sq_dist_f64;
    use crate::kernels::tests::random_data;

    /// All sums, on one backend, as bits, for rows `lo..hi`.
    fn run_on<T: Float>(
        backend: Backend,
        rows: RowMajor<'_, T>,
        range: (usize, usize),
        order: &[usize],
        groups: &[usize],
    ) -> Vec<(usize, usize, u64)> {
        let mut out = Vec::new();
        backend.run(DistanceSums {
            rows,
            range,
            order,
            groups,
            each: |i: usize, g: usize, s: f64| out.push((i, g, s.to_bits())),
        });
        out
    }

    #[test]
    fn sums_equal_direct_distances_on_every_backend() {
        for &(n, d) in &[(1, 1), (7, 3), (40, 17), (70, 5)] {
            let data = random_data::<f32>(n, d, 100.0, 9);
            let rows = RowMajor::new(&data, d).unwrap();
            // Groups: a reversed order cut into uneven pieces, one of them empty.
            let order: Vec<usize> = (0..n).rev().collect();
            let groups = [0, n / 3, n / 3, n];
            let portable = run_on(Backend::portable(), rows, (0, n), &order, &groups);
            assert_eq!(portable.len(), n * 3);
            for &(i, g, bits) in &portable {
                let exact: f64 = order[groups[g]..groups[g + 1]]
                    .iter()
                    .map(|&j| sq_dist_f64(rows.row(i), rows.row(j)).sqrt())
                    .sum();
                let got = f64::from_bits(bits);
                assert!((got - exact).abs() <= 1e-13 * exact, "{got} vs {exact}");
            }
            for backend in Backend::supported() {
                assert_eq!(
                    run_on(backend, rows, (0, n), &order, &groups),
                    portable,
                    "{backend:?}"
                );
            }
        }
    }

    #[test]
    fn a_row_s_sums_do_not_depend_on_the_range() {
        let (n, d) = (50, 4);
        let data = random_data::<f64>(n, d, 0.0, 2);
        let rows = RowMajor::new(&data, d).unwrap();
        let order: Vec<usize> = (0..n).collect();
        let groups = [0, 20, n];
        let all = run_on(Backend::detected(), rows, (0, n), &order, &groups);
        let part = run_on(Backend::detected(), rows, (13, 31), &order, &groups);
        for entry in part {
            assert!(all.contains(&entry));
        }
    }
}
