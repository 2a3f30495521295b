//! The fitted spherical model: unit centroids, labels, the cosine objective, and prediction
//! of new rows (normalised first).

use crate::algorithm::StopReason;
use crate::assign::assign_all;
use crate::data::{AsRows, RowMajor};
use crate::error::KMeansError;
use crate::float::Float;
use crate::kernels::nearest_direct;
use crate::validate;

use super::iterate::SphericalRun;
use super::normalise::{unit_into, unit_rows};

/// The result of [`SphericalKMeans::fit`](crate::SphericalKMeans::fit): unit-length centroids,
/// the training rows' labels (each row's centroid of largest cosine similarity), the cosine
/// objective, and what the run did.
///
/// [`predict`](Self::predict) normalises new rows as the fit normalised the training rows,
/// so a row and any positive multiple of it get the same label.
///
/// # Examples
///
/// ```
/// use k_means::SphericalKMeans;
///
/// let rows = vec![[1.0_f64, 0.1], [5.0, 0.0], [0.0, 2.0], [0.2, 9.0]];
/// let model = SphericalKMeans::new(2).fit(&rows)?;
/// assert_eq!(model.labels()[0], model.labels()[1]);
/// assert_ne!(model.labels()[0], model.labels()[2]);
/// assert_eq!(model.predict(&vec![[100.0, 1.0]])?, vec![model.labels()[0]]);
/// assert!(model.objective() < 0.01);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
///
/// # Saving and loading (feature `serde`)
///
/// Every field is saved, the training labels included. A model loads only if its invariants
/// hold: k ≥ 1 and n_features ≥ 1, `k × n_features` finite centroids each of unit length
/// (within `(n_features + 16) · 4u`, u the unit roundoff of `T`), k within what `T` indexes,
/// k cluster sizes, labels below k and no more of them per cluster than its size, and a
/// finite objective ≥ 0; otherwise the deserialiser reports the [`KMeansError`] naming the
/// broken one.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use k_means::{SphericalKMeans, SphericalModel};
///
/// let rows = vec![[1.0_f64, 0.1], [5.0, 0.0], [0.0, 2.0], [0.2, 9.0]];
/// let model = SphericalKMeans::new(2).fit(&rows)?;
/// let text = serde_json::to_string(&model)?;
/// assert_eq!(serde_json::from_str::<SphericalModel<f64>>(&text)?, model);
/// let mut value: serde_json::Value = serde_json::from_str(&text)?;
/// value["centroids"][0] = serde_json::json!(3.0); // no longer of unit length
/// let err = serde_json::from_value::<SphericalModel<f64>>(value).unwrap_err();
/// assert!(err.to_string().contains("centroid 0 has length"));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "RawSphericalModel<T>",
        bound(
            serialize = "T: serde::Serialize",
            deserialize = "T: Float + serde::Deserialize<'de>"
        )
    )
)]
pub struct SphericalModel<T> {
    centroids: Vec<T>,
    labels: Vec<usize>,
    cluster_sizes: Vec<usize>,
    objective: f64,
    n_iter: usize,
    stop_reason: StopReason,
    k: usize,
    n_features: usize,
}

/// A model as stored, before its invariants are checked.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawSphericalModel<T> {
    centroids: Vec<T>,
    labels: Vec<usize>,
    cluster_sizes: Vec<usize>,
    objective: f64,
    n_iter: usize,
    stop_reason: StopReason,
    k: usize,
    n_features: usize,
}

#[cfg(feature = "serde")]
impl<T: Float> TryFrom<RawSphericalModel<T>> for SphericalModel<T> {
    type Error = KMeansError;

    fn try_from(raw: RawSphericalModel<T>) -> Result<Self, KMeansError> {
        let invalid = |reason: String| KMeansError::InvalidModel { reason };
        if raw.k == 0 {
            return Err(KMeansError::ZeroK);
        }
        if raw.n_features == 0 {
            return Err(KMeansError::ZeroFeatures);
        }
        if raw.cluster_sizes.len() != raw.k {
            return Err(invalid(format!(
                "{} cluster sizes for k = {}",
                raw.cluster_sizes.len(),
                raw.k
            )));
        }
        // Unit centroids are within any magnitude limit: shape, k for T and finiteness only.
        validate::centroids(&raw.centroids, raw.k, raw.n_features, 1)?;
        let slack = (raw.n_features as f64 + 16.0) * 4.0 * T::UNIT_ROUNDOFF;
        for (j, c) in raw.centroids.chunks_exact(raw.n_features).enumerate() {
            let norm = c.iter().map(|v| v.to_f64_() * v.to_f64_()).sum::<f64>().sqrt();
            if (norm - 1.0).abs() > slack {
                return Err(invalid(format!("centroid {j} has length {norm}, not 1")));
            }
        }
        if let Some(row) = raw.labels.iter().position(|&l| l >= raw.k) {
            return Err(KMeansError::LabelOutOfRange {
                row,
                label: raw.labels[row],
                k: raw.k,
            });
        }
        let mut counts = vec![0usize; raw.k];
        for &l in &raw.labels {
            counts[l] += 1;
        }
        if let Some(j) = (0..raw.k).find(|&j| counts[j] > raw.cluster_sizes[j]) {
            return Err(invalid(format!(
                "cluster {j} holds {} of the labels but its size is {}",
                counts[j], raw.cluster_sizes[j]
            )));
        }
        if !(raw.objective.is_finite() && raw.objective >= 0.0) {
            return Err(invalid(format!(
                "objective {} is not a finite number ≥ 0",
                raw.objective
            )));
        }
        Ok(SphericalModel {
            centroids: raw.centroids,
            labels: raw.labels,
            cluster_sizes: raw.cluster_sizes,
            objective: raw.objective,
            n_iter: raw.n_iter,
            stop_reason: raw.stop_reason,
            k: raw.k,
            n_features: raw.n_features,
        })
    }
}

impl<T: Float> SphericalModel<T> {
    /// The model of a fit's kept run.
    pub(crate) fn from_run(run: SphericalRun<T>, k: usize, n_features: usize) -> Self {
        let mut cluster_sizes = vec![0; k];
        for &l in &run.labels {
            cluster_sizes[l] += 1;
        }
        SphericalModel {
            centroids: run.centroids,
            labels: run.labels,
            cluster_sizes,
            objective: run.objective,
            n_iter: run.n_iter,
            stop_reason: run.stop,
            k,
            n_features,
        }
    }

    /// The centroids, flat and row-major (`k × n_features`), each of unit length (normalised in
    /// f64, then rounded to `T`). Never NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// let model = k_means::SphericalKMeans::new(1).fit(&vec![[2.0_f64, 0.0], [0.0, 5.0]])?;
    /// let c = model.centroids();
    /// assert!((c[0] - 0.5_f64.sqrt()).abs() < 1e-15 && (c[1] - 0.5_f64.sqrt()).abs() < 1e-15);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn centroids(&self) -> &[T] {
        &self.centroids
    }

    /// Centroid `j` (`n_features` values), or `None` for `j ≥ k`.
    ///
    /// # Examples
    ///
    /// ```
    /// let model = k_means::SphericalKMeans::new(1).fit(&vec![[0.0_f64, 3.0]])?;
    /// assert_eq!(model.centroid(0), Some(&[0.0, 1.0][..]));
    /// assert_eq!(model.centroid(1), None);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn centroid(&self, j: usize) -> Option<&[T]> {
        (j < self.k).then(|| &self.centroids[j * self.n_features..(j + 1) * self.n_features])
    }

    /// The label of every training row: the index of its centroid of largest cosine
    /// similarity (ties to the lowest index).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, SphericalKMeans};
    /// let rows = vec![[1.0_f64, 0.0], [0.0, 1.0], [3.0, 0.1]];
    /// let model = SphericalKMeans::new(2).init(Init::Precomputed(vec![1.0, 0.0, 0.0, 1.0])).fit(&rows)?;
    /// assert_eq!(model.labels(), &[0, 1, 0]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The number of training rows in each cluster.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, SphericalKMeans};
    /// let rows = vec![[1.0_f64, 0.0], [0.0, 1.0], [3.0, 0.1]];
    /// let model = SphericalKMeans::new(2).init(Init::Precomputed(vec![1.0, 0.0, 0.0, 1.0])).fit(&rows)?;
    /// assert_eq!(model.cluster_sizes(), &[2, 1]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn cluster_sizes(&self) -> &[usize] {
        &self.cluster_sizes
    }

    /// The objective: the sum of cosine dissimilarities `Σᵢ (1 − x̂ᵢ · ĉ_{label(i)})` of the
    /// normalised training rows `x̂ᵢ` to their centroids `ĉ` (dot products in f64, each term at
    /// least 0), lower is better; it is half the Euclidean inertia of the unit rows, up to the
    /// rounding of rows and centroids to `T`. Summed over a fixed chunking of the rows, so the
    /// same bits for any thread count.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::SphericalKMeans;
    /// // Two rows at 90° from one centroid at 45°: each has cosine √½.
    /// let model = SphericalKMeans::new(1).fit(&vec![[1.0_f64, 0.0], [0.0, 4.0]])?;
    /// assert!((model.objective() - 2.0 * (1.0 - 0.5_f64.sqrt())).abs() < 1e-15);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn objective(&self) -> f64 {
        self.objective
    }

    /// The number of iterations the kept run took.
    ///
    /// # Examples
    ///
    /// ```
    /// let model = k_means::SphericalKMeans::new(1).max_iter(1).fit(&vec![[1.0_f32, 0.0], [0.0, 1.0]])?;
    /// assert_eq!(model.n_iter(), 1);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the kept run converged (labels unchanged or shift within the tolerance) rather
    /// than stopping at `max_iter`.
    ///
    /// # Examples
    ///
    /// ```
    /// let model = k_means::SphericalKMeans::new(2).fit(&vec![[1.0_f64, 0.0], [0.0, 1.0], [1.0, 0.1]])?;
    /// assert!(model.converged());
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn converged(&self) -> bool {
        self.stop_reason != StopReason::MaxIter
    }

    /// Why the kept run stopped.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{SphericalKMeans, StopReason};
    /// let model = SphericalKMeans::new(2).tolerance(0.0).fit(&vec![[1.0_f64, 0.0], [0.0, 1.0], [1.0, 0.1]])?;
    /// assert_eq!(model.stop_reason(), StopReason::LabelsUnchanged);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn stop_reason(&self) -> StopReason {
        self.stop_reason
    }

    /// The number of clusters.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(k_means::SphericalKMeans::new(2).fit(&vec![[1.0_f64, 0.0], [0.0, 1.0]])?.k(), 2);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn k(&self) -> usize {
        self.k
    }

    /// The number of features per row.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(k_means::SphericalKMeans::new(1).fit(&vec![[1.0_f64, 0.0, 2.0]])?.n_features(), 3);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The training labels, moving them out of the model.
    pub(crate) fn into_labels(self) -> Vec<usize> {
        self.labels
    }

    /// The centroid of largest cosine similarity for every row of `data` (ties to the lowest
    /// index): each row is normalised as the fit normalised its rows, then assigned by the
    /// certified kernel.
    ///
    /// # Errors
    ///
    /// [`KMeansError::FeatureMismatch`] for data of another width; [`KMeansError::NonFinite`]
    /// for a NaN or infinite value; [`KMeansError::ZeroRow`] for an all-zero row;
    /// [`KMeansError::AllocationFailed`] if the normalised copy or the labels cannot be held.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, KMeansError, SphericalKMeans};
    /// let rows = vec![[1.0_f64, 0.0], [0.0, 1.0]];
    /// let model = SphericalKMeans::new(2).init(Init::Precomputed(vec![1.0, 0.0, 0.0, 1.0])).fit(&rows)?;
    /// assert_eq!(model.predict(&vec![[10.0, 1.0], [-1.0, 3.0]])?, vec![0, 1]);
    /// assert_eq!(model.predict(&vec![[1.0, 1.0], [0.0, 0.0]]).unwrap_err(), KMeansError::ZeroRow { row: 1 });
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn predict<D: AsRows<T> + ?Sized>(&self, data: &D) -> Result<Vec<usize>, KMeansError> {
        let held = data.as_rows()?;
        let rows = held.view();
        self.check_width(rows.n_features())?;
        validate::finite(rows)?;
        let unit = unit_rows(rows)?;
        let mut labels = validate::try_filled(rows.n_rows(), 0, "labels")?;
        let mut upper = validate::try_filled(rows.n_rows(), 0.0, "distance bounds")?;
        assign_all(unit.view(), &self.centroids, &mut labels, &mut upper, None, None);
        Ok(labels)
    }

    /// [`predict`](Self::predict) for one row.
    ///
    /// # Errors
    ///
    /// As [`predict`](Self::predict) (row 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Init, KMeansError, SphericalKMeans};
    /// let rows = vec![[1.0_f64, 0.0], [0.0, 1.0]];
    /// let model = SphericalKMeans::new(2).init(Init::Precomputed(vec![1.0, 0.0, 0.0, 1.0])).fit(&rows)?;
    /// assert_eq!(model.predict_one(&[0.5, 7.0])?, 1);
    /// assert_eq!(model.predict_one(&[0.0, 0.0]).unwrap_err(), KMeansError::ZeroRow { row: 0 });
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn predict_one(&self, row: &[T]) -> Result<usize, KMeansError> {
        self.check_width(row.len())?;
        validate::finite(RowMajor::new(row, self.n_features)?)?;
        let mut unit = vec![0.0_f64; row.len()];
        if !unit_into(row, &mut unit) {
            return Err(KMeansError::ZeroRow { row: 0 });
        }
        // Rounded to T as the fit's rows were, so that a training row predicts its label.
        let unit: Vec<T> = unit.iter().map(|&u| T::from_f64_(u)).collect();
        Ok(nearest_direct(&unit, &self.centroids, self.n_features).0)
    }

    fn check_width(&self, n_features: usize) -> Result<(), KMeansError> {
        if n_features == self.n_features {
            Ok(())
        } else {
            Err(KMeansError::FeatureMismatch {
                expected: self.n_features,
                got: n_features,
            })
        }
    }
}
