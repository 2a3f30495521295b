//! The fit context: one value carried through a fit, from the builder's validation down to every
//! run and refinement step.

use super::Algorithm;
use crate::data::RowMajor;
use crate::float::Float;
use crate::sums::SumFrame;

/// What every run of one fit shares, built once after validation.
///
/// Every function below the builder takes it by reference, so a new concern (an observer, a
/// cancellation flag, sample weights, a partition of the rows, explicit parallelism) becomes a
/// field here rather than a new parameter of every signature.
#[derive(Debug, Clone)]
pub(crate) struct FitContext {
    /// Iterations per run at most (≥ 1).
    pub max_iter: usize,
    /// Absolute tolerance on the total squared centroid shift of an iteration.
    pub tol: f64,
    /// Which exact algorithm assigns the rows.
    pub algorithm: Algorithm,
    /// The fixed-point frame of the data's cluster sums (it depends on the data only, so every
    /// run and refinement step of the fit shares it).
    pub frame: SumFrame,
}

impl FitContext {
    /// The context for fitting validated `rows`: `relative_tolerance` (finite, ≥ 0) is scaled
    /// by the data's mean per-feature variance, as scikit-learn does.
    pub(crate) fn new<T: Float>(
        rows: RowMajor<'_, T>,
        max_iter: usize,
        relative_tolerance: f64,
        algorithm: Algorithm,
    ) -> Self {
        let tol = if relative_tolerance == 0.0 {
            0.0
        } else {
            relative_tolerance * mean_feature_variance(rows)
        };
        FitContext {
            max_iter,
            tol,
            algorithm,
            frame: SumFrame::new(rows),
        }
    }
}

/// Mean over features of each feature's population variance (numpy's `var(X, axis=0).mean()`),
/// two-pass in f64.
fn mean_feature_variance<T: Float>(rows: RowMajor<'_, T>) -> f64 {
    let d = rows.n_features();
    let n = rows.n_rows() as f64;
    let mut mean = vec![0.0_f64; d];
    for r in rows.rows() {
        for (m, &v) in mean.iter_mut().zip(r) {
            *m += v.to_f64_();
        }
    }
    for m in &mut mean {
        *m /= n;
    }
    let mut var = vec![0.0_f64; d];
    for r in rows.rows() {
        for ((s, &v), m) in var.iter_mut().zip(r).zip(&mean) {
            let t = v.to_f64_() - m;
            *s += t * t;
        }
    }
    var.iter().map(|s| s / n).sum::<f64>() / d as f64
}
