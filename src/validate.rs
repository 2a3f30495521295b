//! The checks shared by the builder, the model and the building blocks: each boundary calls
//! these once, and nothing below a boundary validates again.

use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;

/// Checks every value of `rows` once: finite, and small enough that squared distances between
/// rows (and the f64 sums built from them) cannot overflow.
pub(crate) fn values<T: Float>(rows: RowMajor<'_, T>) -> Result<(), KMeansError> {
    values_in(rows, rows.n_rows() as f64)
}

/// [`values`] for rows that are part of a fit over `total_weight` rows' worth of weight (all
/// participants, weights counted), which bounds the inertia.
pub(crate) fn values_in<T: Float>(rows: RowMajor<'_, T>, total_weight: f64) -> Result<(), KMeansError> {
    let limit = magnitude_limit::<T>(rows.n_features(), total_weight);
    values_within(rows.as_slice(), rows.n_features(), limit, 0)
}

/// Checks that every value of `rows` is finite, with no magnitude limit: for rows that are
/// normalised to unit length before any distance is computed (spherical k-means), where only
/// NaN and infinities are errors.
pub(crate) fn finite<T: Float>(rows: RowMajor<'_, T>) -> Result<(), KMeansError> {
    values_within(rows.as_slice(), rows.n_features(), f64::INFINITY, 0)
}

/// Checks one vector of a distance building block (`row` names it in the error: 0 for the
/// first argument, 1 for the second): finite and within the magnitude limit of one row of its
/// width (with the centroids' slack, since either vector may be a fitted centroid), so that its
/// squared distance to any other such vector is finite in `T`.
pub(crate) fn vector<T: Float>(v: &[T], row: usize) -> Result<(), KMeansError> {
    if v.is_empty() {
        return Ok(());
    }
    let limit = magnitude_limit::<T>(v.len(), 1.0) * (1.0 + CENTROID_SLACK);
    values_within(v, v.len(), limit, row)
}

/// [`values`] over a flat buffer of `n_features`-wide rows against `limit`, naming rows from
/// `first_row` on.
fn values_within<T: Float>(
    flat: &[T],
    n_features: usize,
    limit: f64,
    first_row: usize,
) -> Result<(), KMeansError> {
    // A branch-free test over blocks of values (it vectorises: NaN and ±∞ fail the compare),
    // and the exact scan, which names the first offending value, only for a failing block.
    const BLOCK: usize = 1024;
    for (b, block) in flat.chunks(BLOCK).enumerate() {
        let ok = block.iter().fold(true, |ok, &v| {
            let a = v.to_f64_().abs();
            ok & (a <= limit) & (a < f64::INFINITY)
        });
        if ok {
            continue;
        }
        for (offset, &v) in block.iter().enumerate() {
            let index = b * BLOCK + offset;
            let (row, column) = (first_row + index / n_features, index % n_features);
            let v = v.to_f64_();
            if !v.is_finite() {
                return Err(KMeansError::NonFinite { row, column });
            }
            if v.abs() > limit {
                return Err(KMeansError::ValueTooLarge { row, column, limit });
            }
        }
    }
    Ok(())
}

/// The largest number of centroids the kernels index exactly in `T`: the tiled kernel's
/// epilogue carries centroid indices as `T` values, exact up to 2²⁴ for `f32` (2⁵³ for `f64`).
pub(crate) fn max_k<T: Float>() -> usize {
    // 1 / u = 2²⁴ or 2⁵³, exactly; saturates on 32-bit targets.
    (1.0 / T::UNIT_ROUNDOFF) as usize
}

/// `"f32"` or `"f64"`.
pub(crate) fn type_name<T: Float>() -> &'static str {
    if core::mem::size_of::<T>() == 4 {
        "f32"
    } else {
        "f64"
    }
}

/// Checks that `k` centroids can be indexed exactly in `T` (see [`max_k`]).
pub(crate) fn k_fits_type<T: Float>(k: usize) -> Result<(), KMeansError> {
    let max = max_k::<T>();
    if k > max {
        let ty = type_name::<T>();
        return Err(KMeansError::KTooLargeForType { k, max, ty });
    }
    Ok(())
}

/// `a × b`, or [`KMeansError::TooLarge`] naming `what` if the product overflows `usize`.
pub(crate) fn checked_size(a: usize, b: usize, what: &'static str) -> Result<usize, KMeansError> {
    a.checked_mul(b).ok_or_else(|| KMeansError::TooLarge {
        what,
        factors: format!("{a} × {b}"),
    })
}

/// An empty vector with room for `n` values, or [`KMeansError::AllocationFailed`] (or
/// [`KMeansError::TooLarge`] past the address space) naming `what`: the allocation is tried,
/// so a refusal is an error instead of an abort.
pub(crate) fn try_with_capacity<U>(n: usize, what: &'static str) -> Result<Vec<U>, KMeansError> {
    let bytes = checked_size(n, core::mem::size_of::<U>(), what)?;
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| KMeansError::AllocationFailed { what, bytes })?;
    Ok(v)
}

/// `n` copies of `value`, allocated as [`try_with_capacity`] does.
pub(crate) fn try_filled<U: Clone>(n: usize, value: U, what: &'static str) -> Result<Vec<U>, KMeansError> {
    let mut v = try_with_capacity(n, what)?;
    v.resize(n, value);
    Ok(v)
}

/// The largest magnitude accepted for data of this type and shape.
///
/// Squared distances are computed in `T`: with every |x| ≤ L, a squared distance is at most
/// `n_features · (2L)²`, and the kernels also form half squared norms and their differences, so
/// we keep that bound 8× under `T::MAX`. Inertia is accumulated in f64 over all rows, which
/// bounds `L` for f64 data by the row count too.
pub(crate) fn magnitude_limit<T: Float>(n_features: usize, n_rows: f64) -> f64 {
    let t_max = T::max_value().to_f64_();
    let d = n_features.max(1) as f64;
    let in_t = (t_max / (32.0 * d)).sqrt();
    let in_f64 = (f64::MAX / (32.0 * d * n_rows.max(1.0))).sqrt();
    in_t.min(in_f64)
}

/// Checks a `k × n_features` centroid buffer: shape, a k that `T` can index
/// ([`k_fits_type`]), finiteness, and magnitude: the limit of data of `n_rows` rows (the rows
/// the centroids will be compared with and, in a fit, summed over), so that every score and
/// distance between them and such data is finite. One policy for every entry point: `fit`'s
/// precomputed start, the building blocks, a loaded model.
pub(crate) fn centroids<T: Float>(
    c: &[T],
    k: usize,
    n_features: usize,
    n_rows: usize,
) -> Result<(), KMeansError> {
    let expected = k.checked_mul(n_features);
    if expected != Some(c.len()) {
        return Err(KMeansError::CentroidShape {
            len: c.len(),
            k,
            n_features,
            expected: expected.unwrap_or(usize::MAX),
        });
    }
    k_fits_type::<T>(k)?;
    // A fitted centroid is a fixed-point mean of values within the data's limit, which can
    // round up past it by half a quantum (relative 2⁻⁵¹): allow that much, so that every
    // model a fit returns passes (the limit keeps 8× headroom, so this cannot overflow).
    let limit = magnitude_limit::<T>(n_features, n_rows as f64) * (1.0 + CENTROID_SLACK);
    for (i, v) in c.iter().enumerate() {
        let (row, column) = (i / n_features, i % n_features);
        if !v.is_finite() {
            return Err(KMeansError::NonFiniteCentroid { row, column });
        }
        if v.to_f64_().abs() > limit {
            return Err(KMeansError::CentroidTooLarge { row, column, limit });
        }
    }
    Ok(())
}

/// Checks sample weights: one per row, each finite, non-negative and at most 2⁵³ (so that
/// integer weights stay exact).
pub(crate) fn weights<T: Float>(weights: &[T], n_rows: usize) -> Result<(), KMeansError> {
    if weights.len() != n_rows {
        return Err(KMeansError::WeightCount {
            weights: weights.len(),
            n_rows,
        });
    }
    const MAX_WEIGHT: f64 = 9_007_199_254_740_992.0; // 2⁵³
    if let Some(row) = weights.iter().position(|w| {
        let w = w.to_f64_();
        !(w.is_finite() && (0.0..=MAX_WEIGHT).contains(&w))
    }) {
        return Err(KMeansError::InvalidWeight {
            row,
            weight: weights[row].to_f64_(),
        });
    }
    Ok(())
}

/// The relative slack of the centroid limit over the data's (see [`centroids`]).
pub(crate) const CENTROID_SLACK: f64 = 1.0 / (1u64 << 40) as f64;

/// Checks a label buffer against `n_rows` rows and `k` clusters: one label per row, each < k.
pub(crate) fn labels(labels: &[usize], n_rows: usize, k: usize) -> Result<(), KMeansError> {
    if labels.len() != n_rows {
        return Err(KMeansError::LabelCount {
            labels: labels.len(),
            n_rows,
        });
    }
    if let Some(row) = labels.iter().position(|&l| l >= k) {
        return Err(KMeansError::LabelOutOfRange {
            row,
            label: labels[row],
            k,
        });
    }
    Ok(())
}

/// Checks that two vectors have the same number of features.
pub(crate) fn same_len<T>(a: &[T], b: &[T]) -> Result<(), KMeansError> {
    if a.len() != b.len() {
        return Err(KMeansError::FeatureMismatch {
            expected: a.len(),
            got: b.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_values_names_row_and_column() {
        let data = [1.0_f32, 2.0, 3.0, f32::INFINITY];
        let v = RowMajor::new(&data, 2).unwrap();
        assert_eq!(values(v), Err(KMeansError::NonFinite { row: 1, column: 1 }));
    }

    #[test]
    fn f32_limit_admits_1e18_in_two_features() {
        assert!(magnitude_limit::<f32>(2, 1000.0) > 1e18);
        assert!(magnitude_limit::<f64>(2, 1000.0) > 1e150);
    }
}
