//! The two kinds of fitted model the program saves and applies, behind one interface for
//! `predict`, `transform`, `plot` and the fit's summary: Euclidean k-means (`KMeansModel`) and
//! spherical k-means (`SphericalModel`, cosine similarity).

use k_means::{Float, KMeansError, KMeansModel, RowMajor, SphericalModel, StopReason};
use num_traits::NumCast;

/// A fitted model of either kind.
#[derive(Debug, Clone)]
pub enum Fitted<T: Float> {
    /// `fit` without `--spherical`.
    KMeans(KMeansModel<T>),
    /// `fit --spherical`.
    Spherical(SphericalModel<T>),
}

impl<T: Float + Into<f64>> Fitted<T> {
    /// The model file's `kind` field.
    pub fn kind(&self) -> &'static str {
        match self {
            Fitted::KMeans(_) => KIND_KMEANS,
            Fitted::Spherical(_) => KIND_SPHERICAL,
        }
    }

    pub fn k(&self) -> usize {
        match self {
            Fitted::KMeans(m) => m.k(),
            Fitted::Spherical(m) => m.k(),
        }
    }

    pub fn n_features(&self) -> usize {
        match self {
            Fitted::KMeans(m) => m.n_features(),
            Fitted::Spherical(m) => m.n_features(),
        }
    }

    /// Row-major, `k × n_features` (of unit length for a spherical model).
    pub fn centroids(&self) -> &[T] {
        match self {
            Fitted::KMeans(m) => m.centroids(),
            Fitted::Spherical(m) => m.centroids(),
        }
    }

    /// The training rows' labels (empty for a `KMeansModel` loaded from a file, which is saved
    /// without them).
    pub fn labels(&self) -> &[usize] {
        match self {
            Fitted::KMeans(m) => m.labels(),
            Fitted::Spherical(m) => m.labels(),
        }
    }

    pub fn cluster_sizes(&self) -> &[usize] {
        match self {
            Fitted::KMeans(m) => m.cluster_sizes(),
            Fitted::Spherical(m) => m.cluster_sizes(),
        }
    }

    pub fn n_iter(&self) -> usize {
        match self {
            Fitted::KMeans(m) => m.n_iter(),
            Fitted::Spherical(m) => m.n_iter(),
        }
    }

    pub fn converged(&self) -> bool {
        match self {
            Fitted::KMeans(m) => m.converged(),
            Fitted::Spherical(m) => m.converged(),
        }
    }

    pub fn stop_reason(&self) -> StopReason {
        match self {
            Fitted::KMeans(m) => m.stop_reason(),
            Fitted::Spherical(m) => m.stop_reason(),
        }
    }

    /// What the fit minimised, by name: the inertia (sum of squared distances) or the
    /// spherical objective (sum of cosine dissimilarities `1 − x̂·ĉ`).
    pub fn score(&self) -> (&'static str, f64) {
        match self {
            Fitted::KMeans(m) => ("inertia", m.inertia()),
            Fitted::Spherical(m) => ("objective", m.objective()),
        }
    }

    /// Each row's cluster.
    pub fn predict(&self, rows: &RowMajor<'_, T>) -> Result<Vec<usize>, KMeansError> {
        match self {
            Fitted::KMeans(m) => m.predict(rows),
            Fitted::Spherical(m) => m.predict(rows),
        }
    }

    /// Each row's k distances, row-major: the Euclidean distances of `KMeansModel::transform`,
    /// or for a spherical model the cosine dissimilarities `1 − x̂·ĉⱼ` (x̂ the row at unit
    /// length; computed in f64, rounded to `T`).
    pub fn distances(&self, rows: &RowMajor<'_, T>) -> Result<Vec<T>, KMeansError> {
        match self {
            Fitted::KMeans(m) => m.transform(rows),
            Fitted::Spherical(m) => cosine_dissimilarities(m, rows),
        }
    }

    /// The rows as the model sees them, in f64: as they are, or at unit length for a
    /// spherical model (the plot draws those, so that rows and unit centroids share a space).
    pub fn as_seen(&self, rows: &RowMajor<'_, T>) -> Result<Vec<f64>, KMeansError> {
        let d = rows.n_features();
        let mut out: Vec<f64> = rows.as_slice().iter().map(|&v| v.into()).collect();
        if let Fitted::Spherical(_) = self {
            for (row, chunk) in out.chunks_exact_mut(d).enumerate() {
                if !to_unit(chunk) {
                    return Err(KMeansError::ZeroRow { row });
                }
            }
        }
        Ok(out)
    }
}

/// The model file's `kind` of a `KMeansModel` (also what a file without `kind` holds).
pub const KIND_KMEANS: &str = "kmeans";
/// The model file's `kind` of a `SphericalModel`.
pub const KIND_SPHERICAL: &str = "spherical";

/// Scales `v` (finite values) to unit length in place; `false` for an all-zero row. The row is
/// first divided by its largest magnitude so that the sum of squares neither overflows nor
/// underflows.
fn to_unit(v: &mut [f64]) -> bool {
    let largest = v.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    if largest == 0.0 {
        return false;
    }
    v.iter_mut().for_each(|x| *x /= largest);
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    true
}

fn cosine_dissimilarities<T: Float + Into<f64>>(
    model: &SphericalModel<T>,
    rows: &RowMajor<'_, T>,
) -> Result<Vec<T>, KMeansError> {
    // The model's own checks (width, finite values, zero rows), with its errors.
    model.predict(rows)?;
    let d = model.n_features();
    let centroids: Vec<f64> = model.centroids().iter().map(|&c| c.into()).collect();
    let mut unit = vec![0.0; d];
    let mut out = Vec::with_capacity(rows.n_rows() * model.k());
    for (row, values) in rows.as_slice().chunks_exact(d).enumerate() {
        unit.iter_mut().zip(values).for_each(|(u, v)| *u = (*v).into());
        if !to_unit(&mut unit) {
            return Err(KMeansError::ZeroRow { row });
        }
        for c in centroids.chunks_exact(d) {
            let cosine: f64 = unit.iter().zip(c).map(|(x, c)| x * c).sum();
            // In [0, 2] up to rounding: a value of every float type.
            out.push(<T as NumCast>::from(1.0 - cosine).unwrap_or_else(T::nan));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k_means::SphericalKMeans;

    #[test]
    fn cosine_dissimilarities_are_one_minus_the_cosine() {
        let rows = [1.0_f64, 0.0, 0.0, 3.0, 2.0, 2.0];
        let rows = RowMajor::new(&rows, 2).unwrap();
        let model = SphericalKMeans::new(2)
            .init(k_means::Init::Precomputed(vec![1.0, 0.0, 0.0, 1.0]))
            .max_iter(1)
            .fit(&RowMajor::new(&[1.0_f64, 0.0, 0.0, 1.0], 2).unwrap())
            .unwrap();
        let fitted = Fitted::Spherical(model);
        let d = fitted.distances(&rows).unwrap();
        let half = 1.0 - 0.5_f64.sqrt();
        let expected = [0.0, 1.0, 1.0, 0.0, half, half];
        for (got, want) in d.iter().zip(expected) {
            assert!((got - want).abs() < 1e-15, "{d:?}");
        }
        assert_eq!(fitted.score().0, "objective");
        let seen = fitted.as_seen(&rows).unwrap();
        assert_eq!(&seen[..4], &[1.0, 0.0, 0.0, 1.0]);
        let zero = [1.0_f64, 1.0, 0.0, 0.0];
        let zero = RowMajor::new(&zero, 2).unwrap();
        assert_eq!(fitted.distances(&zero), Err(KMeansError::ZeroRow { row: 1 }));
        assert_eq!(fitted.as_seen(&zero), Err(KMeansError::ZeroRow { row: 1 }));
    }
}
