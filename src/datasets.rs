//! Synthetic data with known clusters, for examples, tests and benchmarks.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};

use crate::error::KMeansError;
use crate::float::Float;

/// Isotropic Gaussian blobs, as returned by [`make_blobs`].
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
/// is 0, [`KMeansError::InvalidClusterStd`] if `cluster_std` is negative or not finite.
///
/// # Example
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
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let centers: Vec<f64> = (0..n_centers * n_features)
        .map(|_| rng.random_range(-10.0..10.0))
        .collect();
    let mut labels: Vec<usize> = (0..n_samples)
        .map(|i| {
            // First `n_samples % n_centers` blobs get one extra row.
            let base = n_samples / n_centers;
            let extra = n_samples % n_centers;
            let cut = extra * (base + 1);
            if i < cut {
                i / (base + 1)
            } else {
                extra + (i - cut) / base.max(1)
            }
        })
        .collect();
    // Fisher–Yates shuffle of the row order.
    for i in (1..labels.len()).rev() {
        let j = rng.random_range(0..=i);
        labels.swap(i, j);
    }
    let mut data = Vec::with_capacity(n_samples * n_features);
    for &l in &labels {
        for f in 0..n_features {
            data.push(T::from_f64_(centers[l * n_features + f] + noise.sample(&mut rng)));
        }
    }
    Ok(Blobs {
        data,
        labels,
        centers: centers.into_iter().map(T::from_f64_).collect(),
    })
}
