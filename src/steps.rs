//! The tutorial's five building blocks, public and composable over flat row-major buffers.
//!
//! They are the reference path of the crate: [`KMeans::fit`](crate::KMeans::fit) runs the same
//! kernels and the same update step, so a loop written with them (see
//! `examples/from_scratch.rs`) reproduces `fit` from the same start, label for label.

use rand::Rng;

use crate::assign::assign_all;
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::init::{gather_rows, random_distinct_rows};
use crate::kernels::{nearest_direct, sq_dist_f64};
use crate::part::Solo;
use crate::sums::{ClusterSums, SumFrame};
use crate::update;
use crate::validate;

/// Picks `k` *distinct* rows of `data` (`n_features` values per row) uniformly at random as
/// initial centroids, returned flat and row-major (`k × n_features`).
///
/// Unlike the tutorial's version, a row is never picked twice (a repeated row would leave one
/// cluster empty for ever). The RNG is the caller's: pass a seeded one for reproducible starts.
///
/// # Errors
///
/// Shape errors as [`RowMajor::new`], [`KMeansError::NoRows`], [`KMeansError::ZeroK`],
/// [`KMeansError::KTooLarge`] and [`KMeansError::KTooLargeForType`]; then, as
/// [`KMeans::fit`](crate::KMeans::fit), [`KMeansError::NonFinite`] or
/// [`KMeansError::ValueTooLarge`] for a NaN, infinite or overflowing value of `data` (checked
/// whether or not the row is picked).
///
/// # Examples
///
/// ```
/// use k_means::initialize_random_centroids;
/// use rand::SeedableRng;
///
/// let data = [0.0_f64, 0.0, 1.0, 1.0, 2.0, 2.0];
/// let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
/// let c = initialize_random_centroids(&data, 2, 3, &mut rng)?;
/// let mut picked: Vec<f64> = c.chunks(2).map(|r| r[0]).collect();
/// picked.sort_by(f64::total_cmp);
/// assert_eq!(picked, [0.0, 1.0, 2.0]);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn initialize_random_centroids<T: Float, R: Rng + ?Sized>(
    data: &[T],
    n_features: usize,
    k: usize,
    rng: &mut R,
) -> Result<Vec<T>, KMeansError> {
    let rows = RowMajor::new(data, n_features)?;
    if rows.n_rows() == 0 {
        return Err(KMeansError::NoRows);
    }
    if k == 0 {
        return Err(KMeansError::ZeroK);
    }
    if k > rows.n_rows() {
        return Err(KMeansError::KTooLarge {
            k,
            n_rows: rows.n_rows(),
        });
    }
    validate::k_fits_type::<T>(k)?;
    validate::values(rows)?;
    Ok(gather_rows(rows, &random_distinct_rows(rows.n_rows(), k, rng)))
}

/// The Euclidean distance `√Σ (aᵢ − bᵢ)²`, accumulated in f64 and rounded to `T` once.
///
/// # Errors
///
/// [`KMeansError::FeatureMismatch`] if the slices differ in length; [`KMeansError::NonFinite`]
/// or [`KMeansError::ValueTooLarge`] (row 0 for `a`, row 1 for `b`) for a NaN or infinite
/// value, or one so large that the squared distance could overflow `T` (the limit `fit` sets
/// for one row of this width), so the result is always finite.
///
/// # Examples
///
/// ```
/// use k_means::euclidean_distance;
/// assert_eq!(euclidean_distance(&[0.0_f32, 0.0], &[3.0, 4.0])?, 5.0);
/// assert!(euclidean_distance(&[0.0_f32], &[3.0, 4.0]).is_err());
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn euclidean_distance<T: Float>(a: &[T], b: &[T]) -> Result<T, KMeansError> {
    validate::same_len(a, b)?;
    validate::vector(a, 0)?;
    validate::vector(b, 1)?;
    Ok(T::from_f64_(sq_dist_f64(a, b).sqrt()))
}

/// The squared Euclidean distance `Σ (aᵢ − bᵢ)²`, accumulated in f64 and rounded to `T` once.
/// This is what k-means minimises and compares; it saves the square root.
///
/// # Errors
///
/// As [`euclidean_distance`].
///
/// # Examples
///
/// ```
/// use k_means::squared_euclidean_distance;
/// assert_eq!(squared_euclidean_distance(&[0.0_f64, 0.0], &[3.0, 4.0])?, 25.0);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn squared_euclidean_distance<T: Float>(a: &[T], b: &[T]) -> Result<T, KMeansError> {
    validate::same_len(a, b)?;
    validate::vector(a, 0)?;
    validate::vector(b, 1)?;
    Ok(T::from_f64_(sq_dist_f64(a, b)))
}

/// The index of the centroid nearest to `row`, among `centroids` (flat, `n_features` values
/// each). Distances are compared squared, exactly in f64; ties go to the lowest index.
///
/// # Errors
///
/// Shape errors as [`RowMajor::new`] for `centroids`; [`KMeansError::ZeroK`] if there are no
/// centroids; [`KMeansError::FeatureMismatch`] if `row` does not have `n_features` values;
/// [`KMeansError::KTooLargeForType`] for more than 2²⁴ `f32` centroids; then, as `fit` for
/// one row of data, [`KMeansError::NonFinite`] / [`KMeansError::ValueTooLarge`] (row 0) for
/// `row` and [`KMeansError::NonFiniteCentroid`] / [`KMeansError::CentroidTooLarge`] for
/// `centroids`.
///
/// # Examples
///
/// ```
/// use k_means::closest_centroid;
/// let centroids = [0.0_f64, 0.0, 10.0, 10.0];
/// assert_eq!(closest_centroid(&[9.0, 8.0], &centroids, 2)?, 1);
/// // Equidistant: the lower index wins.
/// assert_eq!(closest_centroid(&[5.0, 5.0], &centroids, 2)?, 0);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn closest_centroid<T: Float>(
    row: &[T],
    centroids: &[T],
    n_features: usize,
) -> Result<usize, KMeansError> {
    let c = RowMajor::new(centroids, n_features)?;
    if c.n_rows() == 0 {
        return Err(KMeansError::ZeroK);
    }
    if row.len() != n_features {
        return Err(KMeansError::FeatureMismatch {
            expected: n_features,
            got: row.len(),
        });
    }
    validate::centroids(centroids, c.n_rows(), n_features, 1)?;
    validate::values(RowMajor::new(row, n_features)?)?;
    Ok(nearest_direct(row, centroids, n_features).0)
}

/// The assignment step: the label (nearest centroid, as [`closest_centroid`] defines it) of
/// every row of `data`.
///
/// Runs the crate's tiled SIMD kernel, in parallel with the `rayon` feature; its labels are
/// certified equal to the direct f64 computation.
///
/// # Errors
///
/// Shape errors as [`RowMajor::new`] for either buffer; [`KMeansError::ZeroK`] if there are no
/// centroids; [`KMeansError::KTooLargeForType`] for more than 2²⁴ `f32` centroids;
/// [`KMeansError::NonFiniteCentroid`] or [`KMeansError::CentroidTooLarge`] for a centroid that
/// is NaN, infinite or beyond the magnitude limit of the data (the limit `fit` holds a
/// precomputed start to, so that no score or distance can overflow); [`KMeansError::NonFinite`]
/// or [`KMeansError::ValueTooLarge`] for bad values of `data`; [`KMeansError::AllocationFailed`]
/// if the labels cannot be allocated.
///
/// # Examples
///
/// ```
/// use k_means::create_clusters;
/// let data = [0.0_f32, 1.0, 9.0, 10.0];
/// let centroids = [0.5_f32, 9.5];
/// assert_eq!(create_clusters(&data, &centroids, 1)?, vec![0, 0, 1, 1]);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn create_clusters<T: Float>(
    data: &[T],
    centroids: &[T],
    n_features: usize,
) -> Result<Vec<usize>, KMeansError> {
    let rows = RowMajor::new(data, n_features)?;
    let c = RowMajor::new(centroids, n_features)?;
    if c.n_rows() == 0 {
        return Err(KMeansError::ZeroK);
    }
    validate::centroids(centroids, c.n_rows(), n_features, rows.n_rows())?;
    validate::values(rows)?;
    let mut labels = validate::try_filled(rows.n_rows(), 0, "labels")?;
    let mut upper = validate::try_filled(rows.n_rows(), 0.0, "distance bounds")?;
    assign_all(rows, centroids, &mut labels, &mut upper, None, None);
    Ok(labels)
}

/// The update step: each cluster's mean, given every row's label and the centroids the labels
/// were computed against (`k × n_features`). Sums are exact fixed-point integers (see
/// `DESIGN.md`), so the result does not depend on row order, thread count or chunking.
///
/// **Empty clusters** never produce NaN: as in scikit-learn (and in [`KMeans::fit`](crate::KMeans::fit),
/// which runs this same code), each empty cluster receives one of the rows farthest from their
/// assigned centroid (farthest first, lowest row index on equal distance; lowest empty cluster
/// first), and that row leaves its old cluster's mean. If no row is away from its centroid
/// (fewer distinct rows than k), the cluster keeps its previous centroid.
///
/// For `f64` data a loop of [`create_clusters`] and `compute_means` reproduces `fit` bit for bit.
/// For `f32` data `fit` keeps its centroids in f64 between iterations while this function
/// returns them rounded to `f32`, so the two can differ in the last bits.
///
/// # Errors
///
/// Shape errors as [`RowMajor::new`]; [`KMeansError::ZeroK`] for no centroids;
/// [`KMeansError::LabelCount`] if `labels` does not have one entry per row;
/// [`KMeansError::LabelOutOfRange`] for a label ≥ k; [`KMeansError::NonFinite`],
/// [`KMeansError::ValueTooLarge`], [`KMeansError::NonFiniteCentroid`],
/// [`KMeansError::CentroidTooLarge`] for bad values (centroids held to the data's magnitude
/// limit, as in [`create_clusters`]); [`KMeansError::KTooLargeForType`] for more than 2²⁴
/// `f32` centroids.
///
/// # Examples
///
/// ```
/// use k_means::compute_means;
/// let data = [0.0_f64, 2.0, 11.0, 20.0];
/// let previous = [1.0, 15.0, 100.0];
/// // Cluster 2 is empty: it takes the row farthest from its centroid (20.0, 5 away from 15),
/// // which leaves cluster 1.
/// let means = compute_means(&data, &[0, 0, 1, 1], &previous, 1)?;
/// assert_eq!(means, vec![1.0, 11.0, 20.0]);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn compute_means<T: Float>(
    data: &[T],
    labels: &[usize],
    centroids: &[T],
    n_features: usize,
) -> Result<Vec<T>, KMeansError> {
    let rows = RowMajor::new(data, n_features)?;
    let k = RowMajor::new(centroids, n_features)?.n_rows();
    if k == 0 {
        return Err(KMeansError::ZeroK);
    }
    validate::centroids(centroids, k, n_features, rows.n_rows())?;
    validate::values(rows)?;
    validate::labels(labels, rows.n_rows(), k)?;
    let solo = Solo::new(rows);
    let frame = SumFrame::new(rows);
    let mut acc = ClusterSums::from_labels(rows, labels, k, &frame, None);
    update::relocate_empty_clusters(solo.part(rows), labels, centroids, &mut acc, &frame)?;
    let mut out = vec![T::zero(); centroids.len()];
    update::finish_means(&acc, &frame, centroids, &mut out);
    Ok(out)
}
