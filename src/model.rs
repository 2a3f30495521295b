//! The fitted model.

use crate::algorithm::{RunOutcome, StopReason};
use crate::assign::assign_all;
use crate::data::AsRows;
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::kernels::sq_dist_f64;
use crate::validate;

/// The result of [`KMeans::fit`](crate::KMeans::fit): centroids, the training rows' labels, and
/// what the run did.
///
/// # Example
///
/// ```
/// use k_means::{Init, KMeans};
///
/// let rows = vec![[0.0_f64, 0.0], [0.0, 2.0], [10.0, 0.0], [10.0, 2.0]];
/// let model = KMeans::new(2).init(Init::Precomputed(vec![0.0, 0.0, 10.0, 0.0])).fit(&rows)?;
/// assert_eq!(model.centroids(), &[0.0, 1.0, 10.0, 1.0]);
/// assert_eq!(model.labels(), &[0, 0, 1, 1]);
/// assert_eq!(model.inertia(), 4.0);
/// assert_eq!(model.predict(&vec![[9.0, 9.0]])?, vec![1]);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
///
/// # Loading (feature `serde`)
///
/// A model deserialises only if every invariant a fit guarantees holds: k ≥ 1 and
/// n_features ≥ 1, `k × n_features` finite centroids within the data's magnitude limit (so
/// `f64` values that overflow `f32` are refused), k within what `T` can index, every label
/// below k, cluster sizes that count the labels, and a finite, non-negative inertia. Otherwise
/// the deserialiser reports the [`KMeansError`] that names the broken invariant.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "RawModel<T>",
        bound(deserialize = "T: Float + serde::Deserialize<'de>")
    )
)]
pub struct KMeansModel<T> {
    centroids: Vec<T>,
    labels: Vec<usize>,
    cluster_sizes: Vec<usize>,
    inertia: f64,
    n_iter: usize,
    stop_reason: StopReason,
    k: usize,
    n_features: usize,
}

/// A model as stored, before its invariants are checked ([`KMeansModel`]'s `try_from`).
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawModel<T> {
    centroids: Vec<T>,
    labels: Vec<usize>,
    cluster_sizes: Vec<usize>,
    inertia: f64,
    n_iter: usize,
    stop_reason: StopReason,
    k: usize,
    n_features: usize,
}

#[cfg(feature = "serde")]
impl<T: Float> TryFrom<RawModel<T>> for KMeansModel<T> {
    type Error = KMeansError;

    fn try_from(raw: RawModel<T>) -> Result<Self, KMeansError> {
        let invalid = |reason: String| KMeansError::InvalidModel { reason };
        if raw.k == 0 {
            return Err(KMeansError::ZeroK);
        }
        if raw.n_features == 0 {
            return Err(KMeansError::ZeroFeatures);
        }
        // Shape, k for T, finiteness and magnitude, as for a precomputed start on the training
        // rows (one label per training row).
        validate::centroids(&raw.centroids, raw.k, raw.n_features, raw.labels.len().max(1))?;
        if let Some(row) = raw.labels.iter().position(|&l| l >= raw.k) {
            return Err(KMeansError::LabelOutOfRange {
                row,
                label: raw.labels[row],
                k: raw.k,
            });
        }
        let mut sizes = vec![0usize; raw.k];
        for &l in &raw.labels {
            sizes[l] += 1;
        }
        if raw.cluster_sizes != sizes {
            return Err(invalid(format!(
                "cluster_sizes {:?} do not count the labels ({} clusters)",
                if raw.cluster_sizes.len() <= 16 {
                    &raw.cluster_sizes[..]
                } else {
                    &raw.cluster_sizes[..16]
                },
                raw.k
            )));
        }
        if !(raw.inertia.is_finite() && raw.inertia >= 0.0) {
            return Err(invalid(format!(
                "inertia {} is not a finite number ≥ 0",
                raw.inertia
            )));
        }
        Ok(KMeansModel {
            centroids: raw.centroids,
            labels: raw.labels,
            cluster_sizes: raw.cluster_sizes,
            inertia: raw.inertia,
            n_iter: raw.n_iter,
            stop_reason: raw.stop_reason,
            k: raw.k,
            n_features: raw.n_features,
        })
    }
}

impl<T: Float> KMeansModel<T> {
    /// A model for inference only ([`predict`](Self::predict), [`transform`](Self::transform))
    /// from known centroids (`k × n_features`, flat and row-major), e.g. computed elsewhere or
    /// loaded from a file. It has no training rows: [`labels`](Self::labels) is empty,
    /// [`cluster_sizes`](Self::cluster_sizes) is all zeros, [`inertia`](Self::inertia) and
    /// [`n_iter`](Self::n_iter) are 0, and [`stop_reason`](Self::stop_reason) is
    /// [`StopReason::FromCentroids`].
    ///
    /// # Errors
    ///
    /// [`KMeansError::ZeroFeatures`] for `n_features = 0`; [`KMeansError::ShapeMismatch`] if
    /// `centroids.len()` is not a whole number of rows; [`KMeansError::ZeroK`] for no centroids;
    /// [`KMeansError::NonFiniteCentroid`] for a NaN or infinite value;
    /// [`KMeansError::CentroidTooLarge`] for a value beyond the data magnitude limit (as for a
    /// loaded model); [`KMeansError::KTooLargeForType`] for more centroids than `T` indexes
    /// exactly.
    ///
    /// # Example
    ///
    /// ```
    /// use k_means::{KMeansError, KMeansModel};
    ///
    /// let model = KMeansModel::from_centroids(vec![0.0_f64, 0.0, 10.0, 10.0], 2)?;
    /// assert_eq!(model.k(), 2);
    /// assert_eq!(model.predict(&vec![[9.0, 8.0], [1.0, 2.0]])?, vec![1, 0]);
    /// assert_eq!(KMeansModel::from_centroids(vec![0.0_f64, f64::NAN], 1).unwrap_err(),
    ///            KMeansError::NonFiniteCentroid { row: 1, column: 0 });
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn from_centroids(centroids: Vec<T>, n_features: usize) -> Result<Self, KMeansError> {
        let k = RowMajor::new(&centroids, n_features)?.n_rows();
        if k == 0 {
            return Err(KMeansError::ZeroK);
        }
        validate::centroids(&centroids, k, n_features, 1)?;
        Ok(KMeansModel {
            centroids,
            labels: Vec::new(),
            cluster_sizes: vec![0; k],
            inertia: 0.0,
            n_iter: 0,
            stop_reason: StopReason::FromCentroids,
            k,
            n_features,
        })
    }

    /// The model of a fit's kept run; `cluster_sizes` counts the rows of every participant.
    pub(crate) fn from_run(
        run: RunOutcome<T>,
        k: usize,
        n_features: usize,
        cluster_sizes: Vec<usize>,
    ) -> Self {
        KMeansModel {
            centroids: run.centroids,
            labels: run.labels,
            cluster_sizes,
            inertia: run.inertia,
            n_iter: run.n_iter,
            stop_reason: run.stop,
            k,
            n_features,
        }
    }

    /// The centroids, flat and row-major: `k × n_features`, centroid `j` at
    /// `[j * n_features .. (j + 1) * n_features]`. Never NaN.
    ///
    /// ```
    /// let model = k_means::KMeans::new(1).fit(&vec![[0.0_f32, 2.0], [2.0, 4.0]])?;
    /// assert_eq!(model.centroids(), &[1.0, 3.0]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn centroids(&self) -> &[T] {
        &self.centroids
    }

    /// Centroid `j`, or `None` if `j ≥ k`.
    ///
    /// ```
    /// let model = k_means::KMeans::new(1).fit(&vec![[0.0_f32, 2.0], [2.0, 4.0]])?;
    /// assert_eq!(model.centroid(0), Some(&[1.0, 3.0][..]));
    /// assert_eq!(model.centroid(1), None);
    /// assert_eq!(model.centroid(usize::MAX), None);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn centroid(&self, j: usize) -> Option<&[T]> {
        if j >= self.k {
            return None;
        }
        // j < k and centroids.len() == k × n_features (checked when the model was built or
        // loaded), so this cannot overflow.
        self.centroids.get(j * self.n_features..(j + 1) * self.n_features)
    }

    /// The cluster of every training row: the nearest centroid (ties to the lowest index).
    ///
    /// A fit keeps its centroids in f64 and rounds them to `T` only when it returns, so for
    /// `f32` data a label is the nearest of the full-precision means; a row lying within that
    /// rounding (relative 6e-8 of the centroids' magnitude) of the boundary between two clusters
    /// may be nearer another rounded centroid. For `f64` data the labels are exactly the nearest
    /// of [`centroids`](Self::centroids).
    ///
    /// ```
    /// let model = k_means::KMeans::new(2).fit(&vec![[0.0_f64], [0.5], [9.0]])?;
    /// assert_eq!(model.labels()[0], model.labels()[1]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The number of training rows in each cluster. A cluster can be empty only when the data
    /// has fewer distinct rows than k; [`n_nonempty_clusters`](Self::n_nonempty_clusters) says
    /// how many are not.
    ///
    /// ```
    /// let model = k_means::KMeans::new(2).fit(&vec![[0.0_f64], [0.5], [9.0]])?;
    /// let mut sizes = model.cluster_sizes().to_vec();
    /// sizes.sort();
    /// assert_eq!(sizes, [1, 2]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn cluster_sizes(&self) -> &[usize] {
        &self.cluster_sizes
    }

    /// How many clusters hold at least one training row. Less than k means the data has fewer
    /// distinct rows than k (scikit-learn warns in that case).
    ///
    /// ```
    /// let model = k_means::KMeans::new(3).fit(&vec![[1.0_f64], [1.0], [1.0], [2.0]])?;
    /// assert_eq!(model.n_nonempty_clusters(), 2);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_nonempty_clusters(&self) -> usize {
        self.cluster_sizes.iter().filter(|&&s| s > 0).count()
    }

    /// The sum of squared distances from each training row to its centroid, computed directly
    /// as `Σ ‖x − c‖²` and accumulated in f64 (also for f32 data).
    ///
    /// ```
    /// let model = k_means::KMeans::new(1).fit(&vec![[0.0_f32], [2.0]])?;
    /// assert_eq!(model.inertia(), 2.0);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// The number of iterations the kept run took.
    ///
    /// ```
    /// let model = k_means::KMeans::new(1).fit(&vec![[0.0_f32], [2.0]])?;
    /// assert!(model.n_iter() >= 1);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the kept run stopped because it converged (labels stable, or centroid shift
    /// under the tolerance) rather than because it reached `max_iter`.
    ///
    /// ```
    /// let model = k_means::KMeans::new(1).fit(&vec![[0.0_f32], [2.0]])?;
    /// assert!(model.converged());
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn converged(&self) -> bool {
        self.stop_reason.is_converged()
    }

    /// Why the kept run stopped: [`StopReason::LabelsUnchanged`],
    /// [`StopReason::ToleranceReached`] or [`StopReason::MaxIter`].
    /// [`converged`](Self::converged) is `stop_reason().is_converged()`.
    ///
    /// ```
    /// use k_means::{KMeans, StopReason};
    /// let model = KMeans::new(1).fit(&vec![[0.0_f32], [2.0]])?;
    /// assert_eq!(model.stop_reason(), StopReason::LabelsUnchanged);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn stop_reason(&self) -> StopReason {
        self.stop_reason
    }

    /// The number of clusters.
    ///
    /// ```
    /// assert_eq!(k_means::KMeans::new(2).fit(&vec![[0.0_f32], [2.0]])?.k(), 2);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn k(&self) -> usize {
        self.k
    }

    /// The number of features per row.
    ///
    /// ```
    /// assert_eq!(k_means::KMeans::new(2).fit(&vec![[0.0_f32, 1.0], [2.0, 1.0]])?.n_features(), 2);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Checks new data against the model: same width, finite values.
    fn check<'a, D: AsRows<T> + ?Sized>(&self, data: &'a D) -> Result<RowMajor<'a, T>, KMeansError> {
        let rows = data.as_rows()?;
        if rows.n_features() != self.n_features {
            return Err(KMeansError::FeatureMismatch {
                expected: self.n_features,
                got: rows.n_features(),
            });
        }
        validate::values(rows)?;
        Ok(rows)
    }

    /// The nearest centroid of every row of `data` (ties to the lowest index).
    ///
    /// # Errors
    ///
    /// [`KMeansError::FeatureMismatch`] if `data` has a different number of features than the
    /// model; [`KMeansError::NonFinite`] / [`KMeansError::ValueTooLarge`] for bad values;
    /// [`KMeansError::AllocationFailed`] if the labels cannot be allocated.
    ///
    /// ```
    /// use k_means::{Init, KMeans, KMeansError};
    /// let model = KMeans::new(2)
    ///     .init(Init::Precomputed(vec![0.0_f64, 10.0]))
    ///     .fit(&vec![[0.0], [10.0]])?;
    /// assert_eq!(model.predict(&vec![[1.0], [8.0]])?, vec![0, 1]);
    /// assert_eq!(model.predict(&vec![[1.0, 2.0]]).unwrap_err(),
    ///            KMeansError::FeatureMismatch { expected: 1, got: 2 });
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn predict<D: AsRows<T> + ?Sized>(&self, data: &D) -> Result<Vec<usize>, KMeansError> {
        let rows = self.check(data)?;
        let mut labels = validate::try_filled(rows.n_rows(), 0, "labels")?;
        let mut upper = validate::try_filled(rows.n_rows(), 0.0, "distance bounds")?;
        assign_all(rows, &self.centroids, &mut labels, &mut upper, None, None);
        Ok(labels)
    }

    /// The Euclidean distance from every row of `data` to every centroid, row-major
    /// (`n_rows × k`), computed directly in f64 and rounded to `T`.
    ///
    /// # Errors
    ///
    /// As [`predict`](Self::predict), and [`KMeansError::TooLarge`] if `n_rows × k` overflows
    /// `usize`, [`KMeansError::AllocationFailed`] if the output cannot be allocated (the
    /// allocation is tried before any distance is computed).
    ///
    /// ```
    /// use k_means::{Init, KMeans};
    /// let model = KMeans::new(2)
    ///     .init(Init::Precomputed(vec![0.0_f64, 0.0, 3.0, 4.0]))
    ///     .max_iter(1)
    ///     .fit(&vec![[0.0, 0.0], [3.0, 4.0]])?;
    /// assert_eq!(model.transform(&vec![[0.0, 0.0]])?, vec![0.0, 5.0]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn transform<D: AsRows<T> + ?Sized>(&self, data: &D) -> Result<Vec<T>, KMeansError> {
        let rows = self.check(data)?;
        let d = self.n_features;
        let len = validate::checked_size(rows.n_rows(), self.k, "transform output")?;
        let mut out = validate::try_with_capacity(len, "transform output")?;
        for row in rows.rows() {
            for c in self.centroids.chunks_exact(d) {
                out.push(T::from_f64_(sq_dist_f64(row, c).sqrt()));
            }
        }
        Ok(out)
    }
}
