//! This participant's rows, and what places them among all the rows of a fit: their weights,
//! the global index of the first, the data's range, and the exchange with the other
//! participants. A single-process fit is one part holding every row.

use crate::comm::Comm;
use crate::data::RowMajor;
use crate::sums::FeatureRange;

/// One participant's view of the data set of a fit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Part<'p, 'c, T> {
    /// This participant's rows.
    pub rows: RowMajor<'p, T>,
    /// Quantized weight per row (`None`: every row weighs 1).
    pub weights: Option<&'p [i64]>,
    /// Quantized weight per unit of real weight (a power of two; 1 without weights).
    pub weight_scale: f64,
    /// The global index of `rows`' first row.
    pub first_row: usize,
    /// The number of rows over all participants.
    pub n_total: usize,
    /// The range of every weighted row over all participants.
    pub range: &'p FeatureRange,
    /// The exchange with the other participants.
    pub comm: &'p Comm<'c>,
}

impl<T> Part<'_, '_, T> {
    /// The quantized weight of local row `i`.
    #[inline]
    pub(crate) fn weight(&self, i: usize) -> i64 {
        self.weights.map_or(1, |w| w[i])
    }
}

/// The power of two `s` with `bound · s ≤ 2^bits` as large as possible (1 for a bound of 0).
pub(crate) fn scale_within(bound: f64, bits: i32) -> f64 {
    if bound.is_nan() || bound <= 0.0 || bound.is_infinite() {
        return 1.0;
    }
    let exponent = ((2.0_f64).powi(bits) / bound)
        .log2()
        .floor()
        .clamp(-1000.0, 1000.0);
    2.0_f64.powi(exponent as i32)
}

/// Sample weights quantized once for a fit: `ω = round(w · s_w)` with `s_w` the largest power
/// of two such that `positive · max_weight · s_w ≤ 2⁶⁰` (`positive` rows of positive weight,
/// over all participants), so Σω ≤ 2⁶⁰ and i128 sums cannot overflow. Returns ω and `s_w`.
pub(crate) fn quantize_weights(
    weights: impl Iterator<Item = f64>,
    positive: usize,
    max_weight: f64,
) -> (Vec<i64>, f64) {
    let scale = scale_within(positive as f64 * max_weight, 60);
    (weights.map(|w| (w * scale).round() as i64).collect(), scale)
}

/// `v · scale` rounded to the nearest integer (halves away from zero), as i128 (`v ≥ 0` and
/// `v · scale ≤ 2⁶⁴` by the callers' choice of scale).
///
/// The same integers as `(v * scale).round() as i128`, without its two library calls (`round`
/// and the f64 → i128 conversion, which are most of greedy k-means++'s time at low d, where it
/// quantizes n × candidates distances per step): below 2⁶³ the value is truncated to i64 in one
/// instruction and its fraction, `x − trunc(x)` (exact in f64), decides the rounding; larger
/// values (and anything unexpected) take the library path.
#[inline]
pub(crate) fn quantize_sq(v: f64, scale: f64) -> i128 {
    let x = v * scale;
    if (0.0..TWO_POW_63).contains(&x) {
        let t = x as i64;
        // `t as f64` is exact: t ≤ x, and below 2⁵³ every integer is an f64 (above it x has no
        // fraction and t = x).
        let up = x - t as f64 >= 0.5;
        i128::from(t + i64::from(up))
    } else {
        x.round() as i128
    }
}

/// 2⁶³ as f64.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// A single process holding every row, unweighted: what the building blocks and tests run on.
#[derive(Debug)]
pub(crate) struct Solo {
    range: FeatureRange,
    comm: Comm<'static>,
}

impl Solo {
    /// The single-process view of `rows`.
    pub(crate) fn new<T: crate::float::Float>(rows: RowMajor<'_, T>) -> Self {
        Solo {
            range: FeatureRange::of(rows),
            comm: Comm::solo(),
        }
    }

    /// The single-process view of `rows` with quantized `weights` (the range over the rows of
    /// positive weight).
    pub(crate) fn weighted<T: crate::float::Float>(rows: RowMajor<'_, T>, weights: &[i64]) -> Self {
        Solo {
            range: FeatureRange::of_weighted(rows, Some(weights)),
            comm: Comm::solo(),
        }
    }

    /// The single-process view of `rows` with quantized `weights`, if any (the range over the
    /// rows of positive weight).
    pub(crate) fn of<T: crate::float::Float>(rows: RowMajor<'_, T>, weights: Option<&[i64]>) -> Self {
        Solo {
            range: FeatureRange::of_weighted(rows, weights),
            comm: Comm::solo(),
        }
    }

    /// `rows` with quantized `weights` (if any) of `weight_scale` per unit of weight as the one
    /// part of a fit (`self` from [`Solo::of`] with the same rows and weights).
    pub(crate) fn part_scaled<'a, T: crate::float::Float>(
        &'a self,
        rows: RowMajor<'a, T>,
        weights: Option<&'a [i64]>,
        weight_scale: f64,
    ) -> Part<'a, 'static, T> {
        Part {
            weights,
            weight_scale,
            ..self.part(rows)
        }
    }

    /// `rows` with quantized `weights` as the one part of a fit (`self` from
    /// [`Solo::weighted`] with the same rows and weights).
    pub(crate) fn part_weighted<'a, T: crate::float::Float>(
        &'a self,
        rows: RowMajor<'a, T>,
        weights: &'a [i64],
    ) -> Part<'a, 'static, T> {
        Part {
            weights: Some(weights),
            ..self.part(rows)
        }
    }

    /// `rows` as the one part of a fit.
    pub(crate) fn part<'a, T: crate::float::Float>(&'a self, rows: RowMajor<'a, T>) -> Part<'a, 'static, T> {
        Part {
            rows,
            weights: None,
            weight_scale: 1.0,
            first_row: 0,
            n_total: rows.n_rows(),
            range: &self.range,
            comm: &self.comm,
        }
    }
}

#[cfg(test)]
mod quantize_tests {
    use super::quantize_sq;

    /// The fast path gives the library rounding's integers, at the edges of every branch.
    #[test]
    fn quantize_equals_library_rounding() {
        let two_52 = 4_503_599_627_370_496.0_f64;
        let two_63 = 9_223_372_036_854_775_808.0_f64;
        let mut cases = vec![
            0.0,
            -0.0,
            5e-324,
            0.25,
            0.49999999999999994,
            0.5,
            0.5000000000000001,
            1.5,
            2.5,
            3.4999999999999996,
            1e6 + 0.5,
            two_52 - 0.5,
            two_52 - 1.5,
            two_52,
            two_52 + 1.0,
            2.0 * two_52 - 1.0,
            2.0 * two_52,
            2.0 * two_52 + 2.0,
            two_63 - 1024.0,
            two_63,
            two_63 + 2048.0,
            2.0 * two_63,
        ];
        // A deterministic spread over every binade up to 2⁶⁴.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mantissa = (state >> 12) as f64 / (1u64 << 52) as f64 + 1.0;
            let exponent = (state % 66) as i32 - 2;
            cases.push(mantissa * 2.0_f64.powi(exponent));
            cases.push((mantissa * 2.0_f64.powi(exponent)).floor() + 0.5);
        }
        for v in cases {
            for scale in [1.0, 0.5, 2.0] {
                let x = v * scale;
                if x > 2.0 * two_63 {
                    continue;
                }
                assert_eq!(quantize_sq(v, scale), x.round() as i128, "{v} × {scale}");
            }
        }
    }
}
