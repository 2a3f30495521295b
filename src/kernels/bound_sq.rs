//! Squared distances for distance *bounds* (Hamerly's): rows read in place against their own
//! or a few centroids, in f64.
//!
//! A bound only has to enclose the direct f64 distance ([`sq_dist_f64`](super::sq_dist_f64)),
//! not to reproduce its bits, so these sums take whatever order is fastest: 32 independent lanes
//! (four 512-bit chains, which keep an AVX-512 core's adders busy where `sq_dist_f64`'s four
//! fixed chains wait on each other), fused multiply-adds where the backend has them, and the next
//! row's cache lines asked for while the current one is summed (the rows a bounded step revisits
//! are scattered, so the hardware's stream prefetch does not find them). The difference from
//! `sq_dist_f64` is at most [`bound_sq_slack`] relatively, which callers apply outwards.

use super::backend::{Backend, Isa, Kernel, prefetch};
use crate::data::RowMajor;
use crate::float::Float;

/// Accumulator lanes: each sums every 32nd feature.
const LANES: usize = 32;

/// A relative bound on how far a squared distance of this module may be from
/// [`sq_dist_f64`](super::sq_dist_f64)'s for `n_features` features: with `s` this value,
/// `v · (1 − s) ≤ sq_dist_f64 ≤ v · (1 + s)`.
///
/// Both compute the same differences `tᵢ = xᵢ − cᵢ` (exact conversions to f64, one rounding) and
/// sum the non-negative `tᵢ²` with at most `d + 8` roundings on any path (products, lane sums,
/// the lanes' reduction), so each is within `γ = (d + 8)·u / (1 − (d + 8)·u)` of the exact sum of
/// the `tᵢ²`, and they are within `2γ / (1 − γ)` of each other; 2.5·(d + 8)·u covers that and the
/// rounding of the product by `1 ± s` itself while `(d + 8)·u ≤ 0.01`, which any `d` that fits
/// in memory satisfies. The inputs' magnitude limit keeps every sum finite.
pub(crate) fn bound_sq_slack(n_features: usize) -> f64 {
    2.5 * (n_features as f64 + 8.0) * f64::UNIT_ROUNDOFF
}

/// `Σ (aᵢ − bᵢ)²` in f64, in [`LANES`] lanes, fused on backends with FMA.
#[inline(always)]
fn lanes_sq_dist<T: Float, S: Isa>(a: &[T], b: &[f64]) -> f64 {
    if a.len() < LANES {
        // No whole block of lanes: one chain, without the lanes' reduction (most of the cost at
        // low d).
        let mut total = 0.0_f64;
        for (x, y) in a.iter().zip(b) {
            let t = x.to_f64_() - y;
            total += t * t;
        }
        return total;
    }
    let mut acc = [0.0_f64; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..LANES {
            let t = x[l].to_f64_() - y[l];
            acc[l] = if S::FUSED {
                t.mul_add(t, acc[l])
            } else {
                acc[l] + t * t
            };
        }
    }
    for (l, (x, y)) in ca.remainder().iter().zip(cb.remainder()).enumerate() {
        let t = x.to_f64_() - y;
        acc[l] += t * t;
    }
    let mut width = LANES / 2;
    while width > 0 {
        for l in 0..width {
            acc[l] += acc[l + width];
        }
        width /= 2;
    }
    acc[0]
}

/// For each `t`, `out[t]` = the squared distance (within [`bound_sq_slack`] of the direct one)
/// from row `which[t]` of `rows` to centroid `labels[which[t]]` of `centroids` (row-major, f64).
pub(crate) fn sq_dists_to_own(
    rows: RowMajor<'_, impl Float>,
    which: &[usize],
    labels: &[usize],
    centroids: &[f64],
    out: &mut [f64],
) {
    debug_assert_eq!(which.len(), out.len());
    Backend::detected().run(ToOwn {
        rows,
        which,
        labels,
        centroids,
        out,
    });
}

/// The arguments of [`sq_dists_to_own`], as a kernel call.
struct ToOwn<'a, T> {
    rows: RowMajor<'a, T>,
    which: &'a [usize],
    labels: &'a [usize],
    centroids: &'a [f64],
    out: &'a mut [f64],
}

impl<T: Float> Kernel for ToOwn<'_, T> {
    type Output = ();

    #[inline(always)]
    fn run<S: Isa>(self, _isa: S) {
        let d = self.rows.n_features();
        for (t, &i) in self.which.iter().enumerate() {
            if let Some(&next) = self.which.get(t + 1) {
                prefetch(self.rows.row(next));
            }
            let a = self.labels[i];
            self.out[t] = lanes_sq_dist::<T, S>(self.rows.row(i), &self.centroids[a * d..(a + 1) * d]);
        }
    }
}

/// For each row `i` of `rows`, `out[i]` = the smallest squared distance (within
/// [`bound_sq_slack`] of the direct ones) from it to the centroids `which` of `centroids`
/// (row-major, f64); `+∞` when `which` is empty.
pub(crate) fn min_sq_dists_to(
    rows: RowMajor<'_, impl Float>,
    which: &[usize],
    centroids: &[f64],
    out: &mut [f64],
) {
    debug_assert_eq!(rows.n_rows(), out.len());
    Backend::detected().run(ToSome {
        rows,
        which,
        centroids,
        out,
    });
}

/// The arguments of [`min_sq_dists_to`], as a kernel call.
struct ToSome<'a, T> {
    rows: RowMajor<'a, T>,
    which: &'a [usize],
    centroids: &'a [f64],
    out: &'a mut [f64],
}

impl<T: Float> Kernel for ToSome<'_, T> {
    type Output = ();

    #[inline(always)]
    fn run<S: Isa>(self, _isa: S) {
        let d = self.rows.n_features();
        for (i, out) in self.out.iter_mut().enumerate() {
            let row = self.rows.row(i);
            *out = self
                .which
                .iter()
                .map(|&j| lanes_sq_dist::<T, S>(row, &self.centroids[j * d..(j + 1) * d]))
                .fold(f64::INFINITY, f64::min);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::sq_dist_f64;
    use crate::kernels::tests::random_data;

    /// On every backend the CPU has, within the slack of the direct f64 distance, on both sides,
    /// for dimensions around the lane count and far from the origin (where the differences
    /// cancel most).
    fn check<T: Float>() {
        for &(n, d) in &[
            (7, 1),
            (9, 5),
            (12, 31),
            (12, 32),
            (10, 33),
            (6, 100),
            (5, 784),
            (3, 2000),
        ] {
            for offset in [0.0, 1e5] {
                let data = random_data::<T>(n, d, offset, 11);
                let cents = random_data::<f64>(3, d, offset, 12);
                let rows = RowMajor::new(&data, d).unwrap();
                let labels: Vec<usize> = (0..n).map(|i| (i * 7) % 3).collect();
                let which: Vec<usize> = (0..n).rev().step_by(2).collect();
                let slack = bound_sq_slack(d);
                let exact = |i: usize, j: usize| sq_dist_f64(rows.row(i), &cents[j * d..(j + 1) * d]);
                let within = |got: f64, want: f64| got * (1.0 - slack) <= want && want <= got * (1.0 + slack);
                for backend in Backend::supported() {
                    let mut out = vec![-1.0; which.len()];
                    backend.run(ToOwn {
                        rows,
                        which: &which,
                        labels: &labels,
                        centroids: &cents,
                        out: &mut out,
                    });
                    for (t, &i) in which.iter().enumerate() {
                        let want = exact(i, labels[i]);
                        assert!(within(out[t], want), "{backend:?} d={d}: {} vs {want}", out[t]);
                    }
                    let mut min = vec![-1.0; n];
                    backend.run(ToSome {
                        rows,
                        which: &[2, 0],
                        centroids: &cents,
                        out: &mut min,
                    });
                    for (i, &got) in min.iter().enumerate() {
                        let want = exact(i, 0).min(exact(i, 2));
                        assert!(within(got, want), "{backend:?} d={d}: {got} vs {want}");
                    }
                }
                let mut none = vec![0.0; n];
                min_sq_dists_to(rows, &[], &cents, &mut none);
                assert!(none.iter().all(|&v| v == f64::INFINITY));
            }
        }
    }

    #[test]
    fn bound_distances_are_within_their_slack_on_every_backend() {
        check::<f32>();
        check::<f64>();
    }
}
