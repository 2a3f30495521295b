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

/// `v · scale` rounded to the nearest integer, as i128 (`v ≥ 0` and `v · scale ≤ 2⁶⁴` by the
/// callers' choice of scale).
#[inline]
pub(crate) fn quantize_sq(v: f64, scale: f64) -> i128 {
    (v * scale).round() as i128
}

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
