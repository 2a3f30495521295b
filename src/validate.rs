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
    // A branch-free test over blocks of values (it vectorises: NaN and ±∞ fail the compare),
    // and the exact scan, which names the first offending value, only for a failing block.
    const BLOCK: usize = 1024;
    for (b, block) in rows.as_slice().chunks(BLOCK).enumerate() {
        let ok = block.iter().fold(true, |ok, &v| {
            let a = v.to_f64_().abs();
            ok & (a <= limit) & (a < f64::INFINITY)
        });
        if ok {
            continue;
        }
        for (offset, &v) in block.iter().enumerate() {
            let index = b * BLOCK + offset;
            let (row, column) = (index / rows.n_features(), index % rows.n_features());
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

/// Checks a `k × n_features` centroid buffer: shape, finiteness, and, given the number of rows
/// a fit will sum over, magnitude (as the data's, so inertia cannot overflow).
pub(crate) fn centroids<T: Float>(
    c: &[T],
    k: usize,
    n_features: usize,
    fit_rows: Option<usize>,
) -> Result<(), KMeansError> {
    if c.len() != k * n_features {
        return Err(KMeansError::CentroidShape {
            len: c.len(),
            k,
            n_features,
            expected: k * n_features,
        });
    }
    let limit = fit_rows.map_or(f64::INFINITY, |n| magnitude_limit::<T>(n_features, n as f64));
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
