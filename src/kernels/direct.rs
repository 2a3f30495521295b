//! Direct squared distances, read straight from the row-major data.
//!
//! * [`sq_dist_f64`] and [`nearest_direct`]: accumulated in f64 in a fixed order. They are the
//!   oracle: the public building blocks, the exact re-check of near ties, inertia and the
//!   empty-cluster policy all use them.
//! * [`sq_distances_direct`]: squared distances in `T` from rows to a few centroids, with the
//!   relative error bound [`direct_relative_error`], for k-means++, which compares all rows with
//!   only `2 + ⌊ln k⌋` candidates per step (packing the rows would cost more than the distances).

use super::backend::{Backend, Isa, Kernel};
use crate::data::RowMajor;
use crate::float::Float;

/// Direct squared Euclidean distance `Σ (aᵢ − bᵢ)²`, accumulated in f64 in a fixed order
/// (four interleaved partial sums), so it is deterministic and as exact as f64 allows.
#[inline]
pub(crate) fn sq_dist_f64<A: Float, B: Float>(a: &[A], b: &[B]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0_f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..4 {
            let t = x[l].to_f64_() - y[l].to_f64_();
            acc[l] += t * t;
        }
    }
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        let t = x.to_f64_() - y.to_f64_();
        acc[0] += t * t;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// Index of the nearest centroid to `row` by direct f64 squared distance; ties go to the lowest
/// index. Returns `(index, squared distance)`.
///
/// If every squared distance overflows f64 (values beyond the magnitude limit, which the entry
/// points refuse), the nearest is still found, by [`nearest_scaled`], and its distance is +∞
/// (an upper bound, the only one f64 can hold).
#[inline]
pub(crate) fn nearest_direct<T: Float, C: Float>(
    row: &[T],
    centroids: &[C],
    n_features: usize,
) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centroids.chunks_exact(n_features).enumerate() {
        let d = sq_dist_f64(row, c);
        if d < best.1 {
            best = (j, d);
        }
    }
    if best.1 == f64::INFINITY && !centroids.is_empty() {
        return (nearest_scaled(row, centroids, n_features), f64::INFINITY);
    }
    best
}

/// The nearest centroid when unscaled squared distances overflow: every value is multiplied by
/// the same power of two, which brings the largest magnitude to at most 1 (exact unless a value
/// underflows, which moves a distance by less than its rounding), so the distances are finite
/// and compare as the true ones do. Ties to the lowest index.
#[cold]
fn nearest_scaled<T: Float, C: Float>(row: &[T], centroids: &[C], n_features: usize) -> usize {
    let max = row
        .iter()
        .map(|v| v.to_f64_())
        .chain(centroids.iter().map(|v| v.to_f64_()))
        .filter(|v| v.is_finite())
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    // 2^-e with 2^e ≥ max (e ≤ 1024); two factors, since 2^-1024 alone is subnormal.
    let e = if max > 0.0 {
        max.log2().ceil() as i32 + 1
    } else {
        0
    };
    let (s1, s2) = (2f64.powi(-(e / 2)), 2f64.powi(-(e - e / 2)));
    let mut best = (0, f64::INFINITY);
    for (j, c) in centroids.chunks_exact(n_features).enumerate() {
        let mut acc = 0.0_f64;
        for (x, y) in row.iter().zip(c) {
            let t = x.to_f64_() * s1 * s2 - y.to_f64_() * s1 * s2;
            acc += t * t;
        }
        if acc < best.1 {
            best = (j, acc);
        }
    }
    best.0
}

/// Lanes of the direct kernel's accumulators: each lane sums every 16th feature.
pub(crate) const DIRECT_LANES: usize = 16;

/// Squared distances `Σ (x − c)²` from rows `lo..hi` of `rows` to a few centroids (`cents`,
/// row-major), computed in `T` directly from the row-major data (no packing, no centring: the
/// difference form has no cancellation), within [`direct_relative_error`]. For centroid `t`
/// the pair is computed into `out[(i - lo) * m + t]` when `wanted(i, t)`; other entries are left
/// as they are. Each row is read once for all its wanted pairs.
pub(crate) fn sq_distances_direct<T: Float>(
    rows: RowMajor<'_, T>,
    range: (usize, usize),
    cents: &[T],
    wanted: impl Fn(usize, usize) -> bool,
    out: &mut [f64],
) {
    Backend::detected().run(Direct {
        data: rows.as_slice(),
        d: rows.n_features(),
        range,
        cents,
        wanted,
        out,
    });
}

/// A bound on the relative error of [`sq_distances_direct`] (the same bits on every backend:
/// no FMA): each term `(x − c)²` is rounded twice, each of the 16 lanes sums `⌈d/16⌉` terms in `T`, the lanes are added pairwise in `T`
/// (four roundings), and the remainder in f64. All terms are non-negative, so the relative
/// bound holds for the sum.
pub(crate) fn direct_relative_error<T: Float>(n_features: usize) -> f64 {
    1.25 * (n_features.div_ceil(DIRECT_LANES) as f64 + 8.0) * T::UNIT_ROUNDOFF
}

/// The arguments of [`sq_distances_direct`], as a kernel call.
struct Direct<'a, T, F> {
    data: &'a [T],
    d: usize,
    range: (usize, usize),
    cents: &'a [T],
    wanted: F,
    out: &'a mut [f64],
}

impl<T: Float, F: Fn(usize, usize) -> bool> Kernel for Direct<'_, T, F> {
    type Output = ();

    #[inline(always)]
    fn run<S: Isa>(self, _isa: S) {
        // `S` selects only the compiled copy (vector width); the arithmetic is the same for all.
        let Direct {
            data,
            d,
            range: (lo, hi),
            cents,
            wanted,
            out,
        } = self;
        let m = cents.len() / d;
        for i in lo..hi {
            let x = &data[i * d..(i + 1) * d];
            for t in 0..m {
                if !wanted(i, t) {
                    continue;
                }
                let c = &cents[t * d..(t + 1) * d];
                if d < DIRECT_LANES {
                    // No whole block of lanes: the lanes would sum to +0 (what `total` starts
                    // from below), so only the remainder loop runs, with the same bits and
                    // without the lane reduction's fifteen additions per pair (most of the cost
                    // of a pair at low d).
                    let mut total = 0.0_f64;
                    for (&xv, &cv) in x.iter().zip(c) {
                        let diff = xv - cv;
                        total += (diff * diff).to_f64_();
                    }
                    out[(i - lo) * m + t] = total;
                    continue;
                }
                let mut acc = [T::zero(); DIRECT_LANES];
                let mut xs = x.chunks_exact(DIRECT_LANES);
                let mut cs = c.chunks_exact(DIRECT_LANES);
                for (xv, cv) in (&mut xs).zip(&mut cs) {
                    let xv: &[T; DIRECT_LANES] = xv.try_into().unwrap();
                    let cv: &[T; DIRECT_LANES] = cv.try_into().unwrap();
                    for l in 0..DIRECT_LANES {
                        // Never fused, on any backend: a multiply and an add, each rounded, give
                        // the same bits everywhere, so k-means++ picks the same seeds on the
                        // portable, AVX2 and AVX-512 copies (FMA would round once and could tip
                        // a draw or a candidate's gain).
                        let diff = xv[l] - cv[l];
                        acc[l] = acc[l] + diff * diff;
                    }
                }
                // Pairwise reduction of the lanes in T (four more roundings), then the remainder
                // features in f64.
                let mut width = DIRECT_LANES / 2;
                while width > 0 {
                    for l in 0..width {
                        acc[l] = acc[l] + acc[l + width];
                    }
                    width /= 2;
                }
                let mut total = acc[0].to_f64_();
                for (&xv, &cv) in xs.remainder().iter().zip(cs.remainder()) {
                    let diff = xv - cv;
                    total += (diff * diff).to_f64_();
                }
                out[(i - lo) * m + t] = total;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::tests::random_data;

    /// The direct kernel (k-means++'s distances) gives the same bits on every backend. Failed
    /// before: the SIMD copies fused the multiply-adds.
    #[test]
    fn direct_kernel_bits_do_not_depend_on_the_backend() {
        for &(n, d, m) in &[(50, 16, 3), (40, 33, 5), (20, 300, 2)] {
            let data = random_data::<f32>(n, d, 1e3, 5);
            let cents = random_data::<f32>(m, d, 1e3, 6);
            let run = |backend: Backend| {
                let mut out = vec![0.0; n * m];
                backend.run(Direct {
                    data: &data,
                    d,
                    range: (0, n),
                    cents: &cents,
                    wanted: |_: usize, _: usize| true,
                    out: &mut out,
                });
                out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            };
            let portable = run(Backend::portable());
            for backend in Backend::supported() {
                assert_eq!(run(backend), portable, "{backend:?}, n={n} d={d} m={m}");
            }
        }
    }

    /// Below one block of lanes the kernel is the plain sum: each `(x − c)²` rounded in `T`,
    /// added in order to an f64 starting at 0 (what the lane blocks reduce to when there are
    /// none).
    #[test]
    fn low_dimension_distances_are_the_plain_sum() {
        for d in 1..DIRECT_LANES {
            let data = random_data::<f32>(40, d, 3.0, d as u64);
            let cents = random_data::<f32>(3, d, 3.0, 100 + d as u64);
            let rows = RowMajor::new(&data, d).unwrap();
            let mut out = vec![0.0; 40 * 3];
            sq_distances_direct(rows, (0, 40), &cents, |_, _| true, &mut out);
            for i in 0..40 {
                for t in 0..3 {
                    let mut total = 0.0_f64;
                    for f in 0..d {
                        let diff = data[i * d + f] - cents[t * d + f];
                        total += f64::from(diff * diff);
                    }
                    assert_eq!(
                        out[i * 3 + t].to_bits(),
                        total.to_bits(),
                        "d {d}, row {i}, centroid {t}"
                    );
                }
            }
        }
    }

    #[test]
    fn direct_kernel_is_within_its_error_bound() {
        for &(n, d, m) in &[(5, 1, 1), (40, 3, 7), (33, 17, 5), (20, 300, 8)] {
            for offset in [0.0, 1e4] {
                let data = random_data::<f32>(n, d, offset, 3);
                let cents = random_data::<f32>(m, d, offset, 4);
                let rows = RowMajor::new(&data, d).unwrap();
                let rel = direct_relative_error::<f32>(d);
                for backend in Backend::supported() {
                    let mut out = vec![-1.0; n * m];
                    // Every pair but those with i + t divisible by 3.
                    backend.run(Direct {
                        data: &data,
                        d,
                        range: (0, n),
                        cents: &cents,
                        wanted: |i: usize, t: usize| !(i + t).is_multiple_of(3),
                        out: &mut out,
                    });
                    for i in 0..n {
                        for t in 0..m {
                            if (i + t) % 3 == 0 {
                                assert_eq!(out[i * m + t], -1.0);
                                continue;
                            }
                            let exact = sq_dist_f64(rows.row(i), &cents[t * d..(t + 1) * d]);
                            let got = out[i * m + t];
                            assert!(
                                (got - exact).abs() <= rel * exact + 1e-30,
                                "{got} vs {exact} ({backend:?})"
                            );
                        }
                    }
                }
                // The public entry point, on the detected backend.
                let mut out = vec![-1.0; n * m];
                sq_distances_direct(rows, (0, n), &cents, |_, _| true, &mut out);
                assert!(out.iter().all(|&v| v >= 0.0));
            }
        }
    }
}
