//! The fitted model.

use crate::algorithm::{RunOutcome, StopReason};
use crate::assign::{assign_all, inertia};
use crate::data::{AsRows, RowMajor, Rows};
use crate::error::KMeansError;
use crate::float::Float;
use crate::kernels::{nearest_direct, sq_dist_f64};
use crate::part::Solo;
use crate::report::FitReport;
use crate::validate;

/// The result of [`KMeans::fit`](crate::KMeans::fit): centroids, the training rows' labels, and
/// what the run did.
///
/// # Examples
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
/// # Saving and loading (feature `serde`)
///
/// A saved model holds what inference and inspection need, and nothing that grows with the
/// training data: the centroids, `k`, `n_features`, the cluster sizes, inertia, `n_iter` and
/// the stop reason. The training rows' labels are kept in memory after a fit
/// ([`labels`](Self::labels)) but serialised as an empty list, unless asked for with
/// [`with_labels`](Self::with_labels); a model loaded without them has empty
/// [`labels`](Self::labels), and predicts, transforms and scores as the fitted one.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use k_means::{KMeans, KMeansModel};
///
/// let rows: Vec<[f64; 2]> = (0..1000).map(|i| [(i % 10) as f64, (i % 7) as f64]).collect();
/// let model = KMeans::new(3).fit(&rows)?;
/// let saved = serde_json::to_string(&model)?; // no labels: the size does not grow with n
/// let loaded: KMeansModel<f64> = serde_json::from_str(&saved)?;
/// assert_eq!(loaded.centroids(), model.centroids());
/// assert!(loaded.labels().is_empty());
/// assert_eq!(loaded.predict(&rows)?, model.labels());
///
/// let full = serde_json::to_string(&model.with_labels())?; // labels too, on request
/// assert_eq!(serde_json::from_str::<KMeansModel<f64>>(&full)?, model);
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A model deserialises only if every invariant a fit guarantees holds: k ≥ 1 and
/// n_features ≥ 1, `k × n_features` finite centroids within the magnitude limit of data of
/// that many rows (`Σ cluster_sizes`; so `f64` values that overflow `f32` are refused), k
/// within what `T` can index, k cluster sizes, every label (when present) below k and no
/// cluster with more labels than its size (equal for a whole fit; a participant of a fit over
/// partitions holds only its own rows' labels), and a finite, non-negative inertia. Otherwise
/// the deserialiser reports the [`KMeansError`] that names the broken invariant. Files saved
/// with labels by earlier versions load as before.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
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
    report: Option<FitReport>,
}

impl<T: PartialEq> PartialEq for KMeansModel<T> {
    /// What was fitted: centroids, labels, cluster sizes, inertia, `n_iter`, stop reason and
    /// shape; not the [`report`](Self::report) of how (compare those apart: its timings vary
    /// from fit to fit, and a resumed fit reports what its own call did).
    fn eq(&self, other: &Self) -> bool {
        self.centroids == other.centroids
            && self.labels == other.labels
            && self.cluster_sizes == other.cluster_sizes
            && self.inertia == other.inertia
            && self.n_iter == other.n_iter
            && self.stop_reason == other.stop_reason
            && self.k == other.k
            && self.n_features == other.n_features
    }
}

/// A model as stored: every field of [`KMeansModel`], the labels empty unless asked for.
#[cfg(feature = "serde")]
#[derive(serde::Serialize)]
#[serde(rename = "KMeansModel")]
struct Stored<'a, T> {
    centroids: &'a [T],
    labels: &'a [usize],
    cluster_sizes: &'a [usize],
    inertia: f64,
    n_iter: usize,
    stop_reason: StopReason,
    k: usize,
    n_features: usize,
    report: Option<&'a FitReport>,
}

#[cfg(feature = "serde")]
impl<T: Float> KMeansModel<T> {
    fn stored<'a>(&'a self, labels: &'a [usize]) -> Stored<'a, T> {
        Stored {
            centroids: &self.centroids,
            labels,
            cluster_sizes: &self.cluster_sizes,
            inertia: self.inertia,
            n_iter: self.n_iter,
            stop_reason: self.stop_reason,
            k: self.k,
            n_features: self.n_features,
            report: self.report.as_ref(),
        }
    }

    /// The model with its training labels, for serialising them too (feature `serde`):
    /// `serde_json::to_string(&model.with_labels())`. The plain model serialises an empty
    /// label list, so that its size does not grow with the training data; both load as a
    /// [`KMeansModel`].
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeans, KMeansModel};
    ///
    /// let model = KMeans::new(2).fit(&vec![[0.0_f64], [0.5], [9.0]])?;
    /// let text = serde_json::to_string(&model.with_labels())?;
    /// let back: KMeansModel<f64> = serde_json::from_str(&text)?;
    /// assert_eq!(back.labels(), model.labels());
    /// assert_eq!(back, model);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_labels(&self) -> WithLabels<'_, T> {
        WithLabels(self)
    }
}

/// A [`KMeansModel`] that serialises with its training labels (feature `serde`); made by
/// [`KMeansModel::with_labels`].
///
/// # Examples
///
/// ```
/// let model = k_means::KMeans::new(1).fit(&vec![[0.0_f64], [2.0]])?;
/// let json = serde_json::to_value(model.with_labels())?;
/// assert_eq!(json["labels"], serde_json::json!([0, 0]));
/// assert_eq!(serde_json::to_value(&model)?["labels"], serde_json::json!([]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "serde")]
#[derive(Debug, Clone, Copy)]
pub struct WithLabels<'a, T>(&'a KMeansModel<T>);

#[cfg(feature = "serde")]
impl<T: Float + serde::Serialize> serde::Serialize for WithLabels<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.stored(&self.0.labels).serialize(serializer)
    }
}

/// Serialises the model without its training labels (an empty list); see
/// [`KMeansModel::with_labels`].
#[cfg(feature = "serde")]
impl<T: Float + serde::Serialize> serde::Serialize for KMeansModel<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.stored(&[]).serialize(serializer)
    }
}

/// A model as stored, before its invariants are checked ([`KMeansModel`]'s `try_from`).
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawModel<T> {
    centroids: Vec<T>,
    #[serde(default)]
    labels: Vec<usize>,
    cluster_sizes: Vec<usize>,
    inertia: f64,
    n_iter: usize,
    stop_reason: StopReason,
    k: usize,
    n_features: usize,
    /// Absent in models saved before reports existed, and in models built from centroids.
    #[serde(default)]
    report: Option<FitReport>,
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
        if raw.cluster_sizes.len() != raw.k {
            return Err(invalid(format!(
                "{} cluster sizes for k = {}",
                raw.cluster_sizes.len(),
                raw.k
            )));
        }
        let n_train = raw
            .cluster_sizes
            .iter()
            .try_fold(0_usize, |a, &s| a.checked_add(s))
            .ok_or_else(|| invalid("the cluster sizes add up to more than usize::MAX".into()))?;
        // Shape, k for T, finiteness and magnitude, as for a precomputed start on the training
        // rows.
        validate::centroids(
            &raw.centroids,
            raw.k,
            raw.n_features,
            n_train.max(raw.labels.len()).max(1),
        )?;
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
        if !(raw.inertia.is_finite() && raw.inertia >= 0.0) {
            return Err(invalid(format!(
                "inertia {} is not a finite number ≥ 0",
                raw.inertia
            )));
        }
        if let Some(report) = &raw.report {
            report
                .check(raw.k, raw.n_iter, raw.stop_reason)
                .map_err(invalid)?;
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
            report: raw.report,
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
    /// # Examples
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
            report: None,
        })
    }

    /// The model of a fit's kept run; `cluster_sizes` counts the rows of every participant.
    pub(crate) fn from_run(
        run: RunOutcome<T>,
        k: usize,
        n_features: usize,
        cluster_sizes: Vec<usize>,
        report: FitReport,
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
            report: Some(report),
        }
    }

    /// The model of a run that no [`FitReport`] describes (mini-batch fits and streams, whose
    /// runs are not `KMeans` runs): [`report`](Self::report) is `None`.
    pub(crate) fn from_run_unreported(
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
            report: None,
        }
    }

    /// The centroids, flat and row-major: `k × n_features`, centroid `j` at
    /// `[j * n_features .. (j + 1) * n_features]`. Never NaN.
    ///
    /// # Examples
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
    /// # Examples
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
    /// # Examples
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
    /// # Examples
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
    /// # Examples
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
    /// # Examples
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

    /// The number of iterations (assignment, update, stopping test) of the kept run: the run
    /// whose centroids the model holds, i.e. the restart of lowest inertia or, after breathing
    /// k-means replaced it, the run of the breathing cycle that produced the result. It counts
    /// neither the other runs nor the final assignment a run ends with; the fit's total is
    /// [`FitReport::total_iterations`]. At most [`max_iter`](crate::KMeans::max_iter); 0 for a
    /// model [built from centroids](Self::from_centroids).
    ///
    /// # Examples
    ///
    /// ```
    /// let model = k_means::KMeans::new(1).fit(&vec![[0.0_f32], [2.0]])?;
    /// assert!(model.n_iter() >= 1);
    /// assert_eq!(model.report().unwrap().kept_run_iterations, model.n_iter());
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// What the fit did, for a fitted model: why it stopped, its iterations, every restart's
    /// inertia, the time of each phase, its options and seed (see [`FitReport`]). `None` for a
    /// model [built from centroids](Self::from_centroids) or loaded from a file saved before
    /// reports existed. Saved with the model (feature `serde`).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeans, KMeansModel};
    ///
    /// let model = KMeans::new(2).fit(&vec![[0.0_f64], [1.0], [9.0], [10.0]])?;
    /// let report = model.report().unwrap();
    /// assert_eq!(report.kept_run_iterations, model.n_iter());
    /// assert_eq!(report.options.k, 2);
    /// assert!(KMeansModel::from_centroids(vec![0.0_f64], 1)?.report().is_none());
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn report(&self) -> Option<&FitReport> {
        self.report.as_ref()
    }

    /// Whether the kept run stopped because it converged: an iteration changed no label
    /// ([`StopReason::LabelsUnchanged`]) or moved the centroids by at most the tolerance
    /// ([`StopReason::ToleranceReached`]), rather than reaching `max_iter` or being cancelled.
    /// It is about the kept run only (see [`n_iter`](Self::n_iter)): a fit cancelled after that
    /// run converged says so in [`FitReport::stop_reason`].
    ///
    /// # Examples
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
    /// # Examples
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
    /// # Examples
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
    /// # Examples
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
    fn check<'a, D: AsRows<T> + ?Sized>(&self, data: &'a D) -> Result<Rows<'a, T>, KMeansError> {
        let held = data.as_rows()?;
        let rows = held.view();
        if rows.n_features() != self.n_features {
            return Err(KMeansError::FeatureMismatch {
                expected: self.n_features,
                got: rows.n_features(),
            });
        }
        validate::values(rows)?;
        Ok(held)
    }

    /// The training labels, moving them out of the model.
    pub(crate) fn into_labels(self) -> Vec<usize> {
        self.labels
    }

    /// The nearest centroid of one row (ties to the lowest index): [`predict`](Self::predict)
    /// for a single row, without allocating.
    ///
    /// # Errors
    ///
    /// [`KMeansError::FeatureMismatch`] if `row` does not have the model's number of features;
    /// [`KMeansError::NonFinite`] / [`KMeansError::ValueTooLarge`] (row 0) for a bad value.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeansError, KMeansModel};
    ///
    /// let model = KMeansModel::from_centroids(vec![0.0_f64, 0.0, 10.0, 10.0], 2)?;
    /// assert_eq!(model.predict_one(&[9.0, 8.0])?, 1);
    /// assert_eq!(model.predict_one(&[5.0, 5.0])?, 0); // a tie: the lower index
    /// assert_eq!(model.predict_one(&[1.0]).unwrap_err(),
    ///            KMeansError::FeatureMismatch { expected: 2, got: 1 });
    /// assert_eq!(model.predict_one(&[1.0, f64::NAN]).unwrap_err(),
    ///            KMeansError::NonFinite { row: 0, column: 1 });
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn predict_one(&self, row: &[T]) -> Result<usize, KMeansError> {
        if row.len() != self.n_features {
            return Err(KMeansError::FeatureMismatch {
                expected: self.n_features,
                got: row.len(),
            });
        }
        validate::values(RowMajor::new(row, self.n_features)?)?;
        Ok(nearest_direct(row, &self.centroids, self.n_features).0)
    }

    /// The inertia of `data` under the model: `Σ ‖x − c‖²` over the rows of `data`, each to its
    /// nearest centroid (as [`predict`](Self::predict) assigns it), summed exactly as a fit
    /// sums its [`inertia`](Self::inertia). Lower is better; 0 for no rows. On the training
    /// rows of an `f64` fit it is [`inertia`](Self::inertia), bit for bit.
    ///
    /// scikit-learn's `KMeans.score(X)` returns the *opposite*, `−inertia`, so that greater is
    /// better (its convention for every estimator's score); this returns the inertia itself.
    /// For scikit-learn's number, negate it.
    ///
    /// # Errors
    ///
    /// As [`predict`](Self::predict).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::KMeansModel;
    ///
    /// let model = KMeansModel::from_centroids(vec![0.0_f64, 10.0], 1)?;
    /// assert_eq!(model.score(&vec![[1.0], [7.0], [10.0]])?, 1.0 + 9.0 + 0.0);
    /// let sklearn_score = -model.score(&vec![[1.0]])?;
    /// assert_eq!(sklearn_score, -1.0);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn score<D: AsRows<T> + ?Sized>(&self, data: &D) -> Result<f64, KMeansError> {
        let held = self.check(data)?;
        let rows = held.view();
        if rows.n_rows() == 0 {
            return Ok(0.0);
        }
        let labels = self.assign(rows)?;
        let solo = Solo::new(rows);
        inertia(solo.part(rows), &self.centroids, &labels)
    }

    /// The labels of checked rows.
    fn assign(&self, rows: RowMajor<'_, T>) -> Result<Vec<usize>, KMeansError> {
        let mut labels = validate::try_filled(rows.n_rows(), 0, "labels")?;
        let mut upper = validate::try_filled(rows.n_rows(), 0.0, "distance bounds")?;
        assign_all(rows, &self.centroids, &mut labels, &mut upper, None, None);
        Ok(labels)
    }

    /// The nearest centroid of every row of `data` (ties to the lowest index).
    ///
    /// # Errors
    ///
    /// [`KMeansError::FeatureMismatch`] if `data` has a different number of features than the
    /// model; [`KMeansError::NonFinite`] / [`KMeansError::ValueTooLarge`] for bad values;
    /// [`KMeansError::AllocationFailed`] if the labels cannot be allocated.
    ///
    /// # Examples
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
        let held = self.check(data)?;
        self.assign(held.view())
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
    /// # Examples
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
        let held = self.check(data)?;
        let rows = held.view();
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
