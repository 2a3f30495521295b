//! Synthetic data with known clusters, for examples, tests and benchmarks.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};

use crate::error::KMeansError;
use crate::float::Float;
use crate::validate;

/// Isotropic Gaussian blobs, as returned by [`make_blobs`].
///
/// # Examples
///
/// ```
/// let blobs = k_means::datasets::make_blobs::<f64>(100, 2, 3, 1.0, 0)?;
/// assert_eq!((blobs.data.len(), blobs.labels.len(), blobs.centers.len()), (200, 100, 6));
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Blobs<T> {
    /// The rows, flat and row-major (`n_samples × n_features`).
    pub data: Vec<T>,
    /// The blob each row was drawn from.
    pub labels: Vec<usize>,
    /// The blob centres, flat and row-major (`n_centers × n_features`).
    pub centers: Vec<T>,
}

/// Draws `n_samples` rows from `n_centers` isotropic Gaussian blobs, like scikit-learn's
/// `make_blobs`: centres uniform in `[-10, 10]` per feature, standard deviation `cluster_std`,
/// rows split as evenly as possible (the first blobs get one more), then shuffled. The same
/// seed gives the same data on every platform.
///
/// # Errors
///
/// [`KMeansError::ZeroFeatures`] if `n_features` is 0, [`KMeansError::ZeroK`] if `n_centers`
/// is 0, [`KMeansError::InvalidClusterStd`] if `cluster_std` is negative or not finite;
/// [`KMeansError::TooLarge`] if `n_samples × n_features` or `n_centers × n_features` overflows
/// `usize`, [`KMeansError::AllocationFailed`] if the data cannot be allocated (tried before
/// any value is drawn).
///
/// # Examples
///
/// ```
/// use k_means::datasets::make_blobs;
///
/// let blobs = make_blobs::<f64>(300, 2, 3, 0.5, 42)?;
/// assert_eq!(blobs.data.len(), 600);
/// assert_eq!(blobs.labels.iter().filter(|&&l| l == 2).count(), 100);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub fn make_blobs<T: Float>(
    n_samples: usize,
    n_features: usize,
    n_centers: usize,
    cluster_std: f64,
    seed: u64,
) -> Result<Blobs<T>, KMeansError> {
    if n_features == 0 {
        return Err(KMeansError::ZeroFeatures);
    }
    if n_centers == 0 {
        return Err(KMeansError::ZeroK);
    }
    if !(cluster_std.is_finite() && cluster_std >= 0.0) {
        return Err(KMeansError::InvalidClusterStd { cluster_std });
    }
    let noise = Normal::new(0.0, cluster_std).map_err(|_| KMeansError::InvalidClusterStd { cluster_std })?;
    // Every size checked and every buffer tried before any work, so huge requests are errors.
    let n_values = validate::checked_size(n_samples, n_features, "make_blobs data")?;
    let n_center_values = validate::checked_size(n_centers, n_features, "make_blobs centres")?;
    let mut data = validate::try_with_capacity::<T>(n_values, "make_blobs data")?;
    let mut centers = validate::try_with_capacity::<f64>(n_center_values, "make_blobs centres")?;
    let mut labels = validate::try_with_capacity::<usize>(n_samples, "make_blobs labels")?;
    let mut centers_out = validate::try_with_capacity::<T>(n_center_values, "make_blobs centres")?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    centers.extend((0..n_center_values).map(|_| rng.random_range(-10.0..10.0)));
    labels.extend((0..n_samples).map(|i| {
        // First `n_samples % n_centers` blobs get one extra row.
        let base = n_samples / n_centers;
        let extra = n_samples % n_centers;
        let cut = extra * (base + 1);
        if i < cut {
            i / (base + 1)
        } else {
            extra + (i - cut) / base.max(1)
        }
    }));
    // Fisher–Yates shuffle of the row order.
    for i in (1..labels.len()).rev() {
        let j = rng.random_range(0..=i);
        labels.swap(i, j);
    }
    for &l in &labels {
        for f in 0..n_features {
            data.push(T::from_f64_(centers[l * n_features + f] + noise.sample(&mut rng)));
        }
    }
    Ok(Blobs {
        data,
        labels,
        centers: {
            centers_out.extend(centers.into_iter().map(T::from_f64_));
            centers_out
        },
    })
}
