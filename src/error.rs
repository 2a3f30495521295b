//! The crate's one error type.

/// Everything that can go wrong in this crate.
///
/// Every fallible function validates its input once, at the boundary, and reports the first
/// problem it finds with enough detail to fix it (which row, which column, which shape).
/// Nothing below the boundary can fail, and no public function panics.
///
/// # Examples
///
/// ```
/// use k_means::{KMeans, KMeansError, RowMajor};
///
/// let data = [0.0_f64, 1.0, f64::NAN, 3.0];
/// let view = RowMajor::new(&data, 2)?;
/// let err = KMeans::new(1).fit(&view).unwrap_err();
/// assert_eq!(err, KMeansError::NonFinite { row: 1, column: 0 });
/// assert_eq!(err.to_string(), "the value at row 1, column 0 is NaN or infinite");
/// # Ok::<(), KMeansError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KMeansError {
    /// `k` was 0: at least one cluster is needed.
    #[error("k must be at least 1")]
    ZeroK,
    /// `k` was larger than the number of rows, so some clusters could never hold a point.
    #[error("k = {k} is greater than the number of rows ({n_rows})")]
    KTooLarge {
        /// The requested number of clusters.
        k: usize,
        /// The number of rows in the data.
        n_rows: usize,
    },
    /// The data had no rows.
    #[error("the data has no rows")]
    NoRows,
    /// `n_features` was 0.
    #[error("the data has zero features (n_features must be at least 1)")]
    ZeroFeatures,
    /// A flat buffer's length was not a multiple of the number of features.
    #[error("a buffer of length {len} is not a whole number of rows of {n_features} features")]
    ShapeMismatch {
        /// The buffer's length.
        len: usize,
        /// The number of features per row that was given.
        n_features: usize,
    },
    /// The data held a NaN or an infinite value.
    #[error("the value at row {row}, column {column} is NaN or infinite")]
    NonFinite {
        /// Row of the first offending value (0-based).
        row: usize,
        /// Column of the first offending value (0-based).
        column: usize,
    },
    /// The data held a value so large that squared distances would overflow.
    #[error(
        "the value at row {row}, column {column} is too large in magnitude: squared distances \
         between rows would overflow; rescale the data (largest magnitude allowed here: {limit:e})"
    )]
    ValueTooLarge {
        /// Row of the first offending value (0-based).
        row: usize,
        /// Column of the first offending value (0-based).
        column: usize,
        /// The largest magnitude accepted for data of this width and type.
        limit: f64,
    },
    /// Rows of runtime width (`Vec<Vec<T>>`, `&[&[T]]`) did not all have the first row's width.
    #[error("row {row} has {len} values, but the first row has {expected}")]
    RaggedRow {
        /// The first row whose length differs (0-based).
        row: usize,
        /// Its length.
        len: usize,
        /// The first row's length.
        expected: usize,
    },
    /// Arrow input (feature `arrow`) held a null value.
    #[error("the value at row {row}, column {column}{} is null", quoted_name(.name))]
    NullValue {
        /// Row of the first null (0-based).
        row: usize,
        /// Column of the first null (0-based).
        column: usize,
        /// The column's name (a `RecordBatch` field), empty when it has none.
        name: String,
    },
    /// A row of an Arrow `FixedSizeListArray` (feature `arrow`) was null.
    #[error("row {row} is null")]
    NullRow {
        /// The first null row (0-based).
        row: usize,
    },
    /// Arrow input (feature `arrow`) held values of a type that is not the model's: a column of
    /// a `RecordBatch`, or the values of a `FixedSizeListArray` (column 0, no name).
    #[error("column {column}{} has type {found}, expected {expected}", quoted_name(.name))]
    ColumnType {
        /// The column (0-based).
        column: usize,
        /// Its name, empty when it has none.
        name: String,
        /// The type found (Arrow's name for it).
        found: String,
        /// The types accepted.
        expected: &'static str,
    },
    /// The tolerance was negative, NaN or infinite.
    #[error("the tolerance must be finite and non-negative, got {tolerance}")]
    InvalidTolerance {
        /// The tolerance that was given.
        tolerance: f64,
    },
    /// A standard deviation given to [`make_blobs`](crate::datasets::make_blobs) was negative,
    /// NaN or infinite.
    #[error("the cluster standard deviation must be finite and non-negative, got {cluster_std}")]
    InvalidClusterStd {
        /// The value that was given.
        cluster_std: f64,
    },
    /// [`Init::KMeansParallel`](crate::Init::KMeansParallel) had 0 rounds or an oversampling
    /// factor that is not finite and positive.
    #[error(
        "k-means|| needs at least 1 round and a finite, positive oversampling factor, got rounds = {rounds}, oversampling = {oversampling}"
    )]
    InvalidKMeansParallel {
        /// The rounds that were given.
        rounds: usize,
        /// The oversampling factor that was given.
        oversampling: f64,
    },
    /// `max_iter` was 0.
    #[error("max_iter must be at least 1")]
    ZeroMaxIter,
    /// `n_init` was 0.
    #[error("n_init must be at least 1")]
    ZeroNInit,
    /// A centroid buffer did not hold `k × n_features` values.
    #[error("the centroid buffer has {len} values, but k × n_features = {k} × {n_features} = {expected}")]
    CentroidShape {
        /// The buffer's length.
        len: usize,
        /// The number of clusters expected.
        k: usize,
        /// The number of features expected.
        n_features: usize,
        /// `k × n_features`.
        expected: usize,
    },
    /// A centroid held a NaN or an infinite value.
    #[error("centroid {row} has a NaN or infinite value at column {column}")]
    NonFiniteCentroid {
        /// The centroid's index.
        row: usize,
        /// The column of the offending value.
        column: usize,
    },
    /// A centroid held a value so large that squared distances would overflow.
    #[error(
        "centroid {row} has a value at column {column} too large in magnitude: squared distances \
         would overflow (largest magnitude allowed here: {limit:e})"
    )]
    CentroidTooLarge {
        /// The centroid's index.
        row: usize,
        /// The column of the offending value.
        column: usize,
        /// The largest magnitude accepted.
        limit: f64,
    },
    /// Data given to a fitted model, or two vectors compared, had a different number of features.
    #[error("expected {expected} features, got {got}")]
    FeatureMismatch {
        /// The number of features expected.
        expected: usize,
        /// The number of features given.
        got: usize,
    },
    /// A label buffer did not have one label per row.
    #[error("{labels} labels were given for {n_rows} rows")]
    LabelCount {
        /// The number of labels given.
        labels: usize,
        /// The number of rows in the data.
        n_rows: usize,
    },
    /// More clusters than the element type can index exactly: the assignment kernel carries
    /// centroid indices in `T`, so `f32` allows at most 2²⁴ centroids (`f64` 2⁵³).
    #[error("k = {k} is more centroids than {ty} data can index exactly (at most {max})")]
    KTooLargeForType {
        /// The number of clusters (centroids) given.
        k: usize,
        /// The largest k accepted for this element type.
        max: usize,
        /// The element type (`"f32"` or `"f64"`).
        ty: &'static str,
    },
    /// A size computed from the input (`what`: an output or working buffer) does not fit in
    /// memory's address space: `rows × k` for [`transform`](crate::KMeansModel::transform),
    /// `n_samples × n_features` for [`make_blobs`](crate::datasets::make_blobs), `k × n_features`
    /// for a loaded model.
    #[error("the {what} would hold more values than fit in memory ({factors})")]
    TooLarge {
        /// What was to be allocated.
        what: &'static str,
        /// The product that overflowed, as text (e.g. `"4611686018427387904 × 3"`).
        factors: String,
    },
    /// The allocator refused a buffer whose size is fine in principle (`bytes` bytes for
    /// `what`): the machine does not have the memory.
    #[error("could not allocate {bytes} bytes for the {what}")]
    AllocationFailed {
        /// What was to be allocated.
        what: &'static str,
        /// How many bytes were asked for.
        bytes: usize,
    },
    /// A deserialised [`KMeansModel`](crate::KMeansModel) broke one of its invariants (the
    /// reason names which); only models whose every invariant holds can be loaded.
    #[error("invalid model: {reason}")]
    InvalidModel {
        /// Which invariant failed.
        reason: String,
    },
    /// A label was not a valid cluster index.
    #[error("the label of row {row} is {label}, but there are only {k} clusters")]
    LabelOutOfRange {
        /// The row whose label is out of range.
        row: usize,
        /// The label found.
        label: usize,
        /// The number of clusters.
        k: usize,
    },
    /// The labels given to a clustering score
    /// ([`metrics`](crate::metrics): silhouette, Calinski–Harabasz, Davies–Bouldin) name fewer
    /// than 2 distinct clusters, or as many as there are rows: the scores compare clusters with
    /// each other, so they need between 2 and `n_rows − 1` clusters (as scikit-learn requires).
    #[error(
        "the labels of these {n_rows} rows name {n_clusters} distinct clusters, but the score needs between 2 and n_rows − 1 clusters"
    )]
    ClusterCount {
        /// The number of distinct labels.
        n_clusters: usize,
        /// The number of rows scored (the sample's, for a sampled silhouette).
        n_rows: usize,
    },
    /// A sampled silhouette was asked for fewer than 3 rows (2 clusters and a row more are the
    /// least a silhouette needs).
    #[error("a silhouette sample needs at least 3 rows, got sample_size = {sample_size}")]
    SampleTooSmall {
        /// The sample size given.
        sample_size: usize,
    },
    /// A [`KSweep`](crate::KSweep) was given no value of k to fit.
    #[error("the sweep over k has no k to fit: give at least one value of k")]
    EmptySweep,
    /// A weight buffer did not have one weight per row.
    #[error("{weights} weights were given for {n_rows} rows")]
    WeightCount {
        /// The number of weights given.
        weights: usize,
        /// The number of rows.
        n_rows: usize,
    },
    /// A sample weight was negative, NaN, infinite, or above 2⁵³.
    #[error("the weight of row {row} is {weight}: weights must be finite, non-negative and at most 2^53")]
    InvalidWeight {
        /// The row (0-based, global for a fit over partitions).
        row: usize,
        /// The weight given.
        weight: f64,
    },
    /// Every sample weight was 0, so there is nothing to cluster.
    #[error("every weight is 0: at least one row must have a positive weight")]
    ZeroTotalWeight,
    /// In a fit over partitions, another participant's rows or weights were refused (that
    /// participant reports the reason).
    #[error("the participant holding rows from {first_row} on refused its input")]
    PeerRefused {
        /// The first global row of the participant that refused its input.
        first_row: usize,
    },
    /// In a fit over partitions, the participants' rows do not tile `0..n` in order.
    #[error(
        "a participant's rows start at row {first_row}, but the previous rows end at {expected}: the partitions must tile the rows without gaps or overlaps"
    )]
    InvalidPartition {
        /// The first row the participant declared.
        first_row: usize,
        /// Where its rows should start.
        expected: usize,
    },
    /// In a fit over partitions, the exchange between participants failed.
    #[error("the exchange between participants failed: {reason}")]
    Collective {
        /// What the transport reported.
        reason: String,
    },
    /// A fit was asked to resume from a [`Checkpoint`](crate::Checkpoint) of a different fit:
    /// `what` (k, the seed, an option, the data's shape or fingerprint) differs.
    #[error(
        "the checkpoint is from a different fit: {what} is {checkpoint} in the checkpoint but {fit} in this fit"
    )]
    CheckpointMismatch {
        /// What differs.
        what: &'static str,
        /// Its value in the checkpoint.
        checkpoint: String,
        /// Its value in the fit asked to resume.
        fit: String,
    },
    /// The checkpoint callback of
    /// [`KMeans::fit_resumable`](crate::KMeans::fit_resumable) (or
    /// [`fit_partition_resumable`](crate::KMeans::fit_partition_resumable)) could not keep a
    /// checkpoint, or asked the fit to stop; the fit ended there.
    #[error("the fit was stopped by its checkpoint callback: {reason}")]
    CheckpointFailed {
        /// What the callback reported.
        reason: String,
    },
    /// [`MiniBatchKMeans::batch_size`](crate::MiniBatchKMeans::batch_size) was 0.
    #[error("batch_size must be at least 1")]
    ZeroBatchSize,
    /// [`MiniBatchKMeans::max_no_improvement`](crate::MiniBatchKMeans::max_no_improvement)
    /// was `Some(0)` (`None` turns the test off).
    #[error("max_no_improvement must be at least 1 (or None to turn the test off)")]
    ZeroMaxNoImprovement,
    /// [`MiniBatchKMeans::reassignment_ratio`](crate::MiniBatchKMeans::reassignment_ratio) was
    /// negative, NaN or infinite.
    #[error("reassignment_ratio must be a finite number ≥ 0, got {ratio}")]
    InvalidReassignmentRatio {
        /// The value given.
        ratio: f64,
    },
    /// A deserialised [`MiniBatchState`](crate::MiniBatchState) broke one of the invariants
    /// of a stream's state (the reason names which).
    #[error("invalid mini-batch state: {reason}")]
    InvalidMiniBatchState {
        /// Which invariant failed.
        reason: String,
    },
    /// The fit was stopped by its observer ([`KMeans::observer`](crate::KMeans::observer)
    /// returned `Break`) or its [`CancelToken`](crate::CancelToken), and
    /// [`KMeans::on_cancel`](crate::KMeans::on_cancel) asked for an error (the default), or the
    /// fit had no finished run to return yet.
    #[error("the fit was cancelled by its observer or cancellation token")]
    Cancelled,
    /// A [`RawFile`](crate::RawFile)'s size is not a whole number of rows: `bytes` is not a
    /// multiple of `n_features` values of `element` (`"f32"`: 4 bytes, `"f64"`: 8).
    #[error(
        "the file {path} has {bytes} bytes, which is not a whole number of rows of {n_features} {element} values ({row_bytes} bytes a row)"
    )]
    SourceSize {
        /// The file.
        path: String,
        /// Its size in bytes.
        bytes: u64,
        /// The number of features per row that was declared.
        n_features: usize,
        /// The element type (`"f32"` or `"f64"`).
        element: &'static str,
        /// The bytes of one row, `n_features × size_of(element)`.
        row_bytes: u64,
    },
    /// A row source ([`RowSource`](crate::RowSource)) could not be opened or read: reading rows
    /// `start..end` of `path` failed (`start == end == 0` when the file could not be opened).
    #[error("reading rows {start}..{end} of {path} failed: {reason}")]
    SourceRead {
        /// The file (or the source's description).
        path: String,
        /// The first row of the read.
        start: usize,
        /// One past its last row.
        end: usize,
        /// What the operating system reported.
        reason: String,
    },
    /// A row of [`SphericalKMeans`](crate::SphericalKMeans) data (or of data given to a
    /// [`SphericalModel`](crate::SphericalModel)) was all zeros: it has no direction, so no
    /// cosine similarity.
    #[error("row {row} is all zeros: it has no direction, so spherical k-means cannot use it")]
    ZeroRow {
        /// The first all-zero row (0-based).
        row: usize,
    },
    /// A centroid of a precomputed start of [`SphericalKMeans`](crate::SphericalKMeans) was all
    /// zeros: it has no direction to normalise.
    #[error("centroid {centroid} of the start is all zeros: it has no direction")]
    ZeroCentroid {
        /// The centroid's index.
        centroid: usize,
    },
    /// A deserialised [`Checkpoint`](crate::Checkpoint) broke one of the invariants every
    /// checkpoint of a fit has (the reason names which).
    #[error("invalid checkpoint: {reason}")]
    InvalidCheckpoint {
        /// Which invariant failed.
        reason: String,
    },
}

/// ` ("name")` for a named column, nothing otherwise.
fn quoted_name(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!(" ({name:?})")
    }
}

impl KMeansError {
    /// The same error with row indices moved by `offset` (a partition's first global row).
    pub(crate) fn at_row_offset(self, offset: usize) -> Self {
        match self {
            KMeansError::NonFinite { row, column } => KMeansError::NonFinite {
                row: row + offset,
                column,
            },
            KMeansError::ValueTooLarge { row, column, limit } => KMeansError::ValueTooLarge {
                row: row + offset,
                column,
                limit,
            },
            KMeansError::InvalidWeight { row, weight } => KMeansError::InvalidWeight {
                row: row + offset,
                weight,
            },
            other => other,
        }
    }
}
