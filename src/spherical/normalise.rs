//! Vectors to unit length, in f64: the one normalisation of spherical k-means, shared by the
//! rows of a fit, a precomputed start, the centroids of every iteration and new data.

use crate::data::{RowMajor, RowMajorBuf, try_buffer};
use crate::error::KMeansError;
use crate::float::Float;
use crate::validate;

/// Writes `v / ‖v‖` into `out`, in f64, and returns `false` (leaving `out` unspecified) when
/// `v` is all zeros. `v` is first scaled by a power of two that brings its largest magnitude
/// into `[1, 2)`, exactly, so that the sum of squares can neither overflow nor underflow; the
/// squares are summed in order, and each value is divided (not multiplied by a reciprocal) by
/// the square root. Because the scaling is exact, `2ʲ·v` gives the same bits as `v` for any
/// `j` (short of subnormal values), and the result is what the plain formula
/// `vᵢ / √(Σ vⱼ²)` gives wherever that formula neither overflows nor underflows.
pub(crate) fn unit_into<V: Float>(v: &[V], out: &mut [f64]) -> bool {
    let largest = v.iter().fold(0.0_f64, |m, x| m.max(x.to_f64_().abs()));
    if largest == 0.0 {
        return false;
    }
    let (s1, s2) = power_of_two_inverse(largest);
    for (o, x) in out.iter_mut().zip(v) {
        *o = x.to_f64_() * s1 * s2;
    }
    let sum_sq: f64 = out.iter().fold(0.0, |s, x| s + x * x);
    let norm = sum_sq.sqrt();
    for o in out.iter_mut() {
        *o /= norm;
    }
    true
}

/// Two powers of two whose product `2⁻ᵉ` brings `largest` (finite, > 0) into `[1, 2)`. Two
/// factors because `2⁻ᵉ` itself is not an f64 for the smallest subnormals (e up to 1074).
fn power_of_two_inverse(largest: f64) -> (f64, f64) {
    let bits = largest.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let e = if biased == 0 {
        // Subnormal: the exponent of its leading bit.
        -1022 - (bits & ((1 << 52) - 1)).leading_zeros() as i32 + 12 - 1
    } else {
        biased - 1023
    };
    let half = -e / 2;
    (2.0_f64.powi(half), 2.0_f64.powi(-e - half))
}

/// Every row of `rows` (finite values) at unit length, rounded to `T`, as one owned buffer.
///
/// # Errors
///
/// [`KMeansError::ZeroRow`] for the first all-zero row; [`KMeansError::TooLarge`] /
/// [`KMeansError::AllocationFailed`] if the copy cannot be held.
pub(crate) fn unit_rows<T: Float>(rows: RowMajor<'_, T>) -> Result<RowMajorBuf<T>, KMeansError> {
    let d = rows.n_features();
    let mut data = try_buffer::<T>(rows.n_rows(), d)?;
    let mut unit = vec![0.0_f64; d];
    for (i, row) in rows.rows().enumerate() {
        if !unit_into(row, &mut unit) {
            return Err(KMeansError::ZeroRow { row: i });
        }
        data.extend(unit.iter().map(|&u| T::from_f64_(u)));
    }
    RowMajorBuf::new(data, d)
}

/// A precomputed start checked (shape, k within `T`, finite values, no zero centroid) and
/// normalised, in f64.
///
/// # Errors
///
/// [`KMeansError::CentroidShape`], [`KMeansError::KTooLargeForType`],
/// [`KMeansError::NonFiniteCentroid`], [`KMeansError::ZeroCentroid`].
pub(crate) fn unit_start<T: Float>(
    centroids: &[T],
    k: usize,
    n_features: usize,
) -> Result<Vec<f64>, KMeansError> {
    let expected = k.checked_mul(n_features);
    if expected != Some(centroids.len()) {
        return Err(KMeansError::CentroidShape {
            len: centroids.len(),
            k,
            n_features,
            expected: expected.unwrap_or(usize::MAX),
        });
    }
    validate::k_fits_type::<T>(k)?;
    if let Some(i) = centroids.iter().position(|v| !v.is_finite()) {
        return Err(KMeansError::NonFiniteCentroid {
            row: i / n_features,
            column: i % n_features,
        });
    }
    unit_centroids(centroids, n_features).map_err(|centroid| KMeansError::ZeroCentroid { centroid })
}

/// Each `n_features`-wide vector of `flat` (finite values) at unit length, in f64; `Err(j)`
/// names the first all-zero one.
pub(crate) fn unit_centroids<V: Float>(flat: &[V], n_features: usize) -> Result<Vec<f64>, usize> {
    let mut out = vec![0.0; flat.len()];
    for (j, (c, o)) in flat
        .chunks_exact(n_features)
        .zip(out.chunks_exact_mut(n_features))
        .enumerate()
    {
        if !unit_into(c, o) {
            return Err(j);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_length_and_direction() {
        let mut out = [0.0; 2];
        assert!(unit_into(&[3.0_f64, -4.0], &mut out));
        assert_eq!(out, [0.6, -0.8]);
        assert!(!unit_into(&[0.0_f32, -0.0], &mut out));
    }

    #[test]
    fn powers_of_two_give_the_same_bits_at_every_scale() {
        let v = [0.3_f64, -1.7, 2.9, 1e-3];
        let mut reference = [0.0; 4];
        assert!(unit_into(&v, &mut reference));
        for j in [-1000, -300, -40, -1, 1, 7, 60, 500, 1000] {
            let scaled: Vec<f64> = v.iter().map(|x| x * 2.0_f64.powi(j)).collect();
            let mut out = [0.0; 4];
            assert!(unit_into(&scaled, &mut out));
            assert_eq!(out, reference, "scale 2^{j}");
        }
        // The plain formula, where it neither overflows nor underflows.
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        let plain: Vec<f64> = v.iter().map(|x| x / norm).collect();
        assert_eq!(reference.to_vec(), plain);
    }

    #[test]
    fn extreme_magnitudes_normalise() {
        let mut out = [0.0; 2];
        // Squares of these overflow or underflow f64; the scaled sum does not.
        for v in [[f64::MAX, f64::MAX], [5e-324, 5e-324], [1e-310, 0.0]] {
            assert!(unit_into(&v, &mut out));
            let norm = (out[0] * out[0] + out[1] * out[1]).sqrt();
            assert!((norm - 1.0).abs() < 1e-15, "{v:?}: {out:?}");
        }
        let (a, b) = power_of_two_inverse(5e-324);
        assert_eq!(5e-324 * a * b, 1.0);
        assert_eq!(power_of_two_inverse(1.5), (1.0, 1.0));
        assert_eq!(power_of_two_inverse(0.75).0 * power_of_two_inverse(0.75).1, 2.0);
    }

    #[test]
    fn zero_rows_and_centroids_are_named() {
        let data = [1.0_f32, 0.0, 0.0, 0.0, 0.0, 2.0];
        let rows = RowMajor::new(&data, 2).unwrap();
        assert_eq!(unit_rows(rows).unwrap_err(), KMeansError::ZeroRow { row: 1 });
        assert_eq!(
            unit_start(&[1.0_f64, 0.0, 0.0, 0.0], 2, 2).unwrap_err(),
            KMeansError::ZeroCentroid { centroid: 1 }
        );
        assert_eq!(
            unit_start(&[1.0_f64, f64::NAN], 1, 2).unwrap_err(),
            KMeansError::NonFiniteCentroid { row: 0, column: 1 }
        );
        assert!(matches!(
            unit_start(&[1.0_f64], 2, 2).unwrap_err(),
            KMeansError::CentroidShape { .. }
        ));
    }
}
