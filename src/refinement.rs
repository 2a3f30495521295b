//! The `Refine` option: what a fit does after its best run. A module of its own so that the
//! fit's report can name it without depending on the refinement's code.

/// How `fit` improves on the solution of its best run. See [`KMeans::refine`](crate::KMeans::refine).
///
/// # Examples
///
/// ```
/// use k_means::{KMeans, Refine, datasets::make_blobs, RowMajor};
///
/// let blobs = make_blobs::<f64>(2000, 2, 12, 0.4, 3)?;
/// let rows = RowMajor::new(&blobs.data, 2)?;
/// let plain = KMeans::new(12).seed(1).refine(Refine::None).fit(&rows)?;
/// let refined = KMeans::new(12).seed(1).refine(Refine::breathing()).fit(&rows)?;
/// assert!(refined.inertia() <= plain.inertia());
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Refine {
    /// Plain k-means: the best run's local optimum is the result (scikit-learn's behaviour).
    None,
    /// Breathing k-means (Fritzke 2020) starting with `m` centroids added and removed per cycle
    /// (the paper's default is 5; this crate's default refinement uses 2). Each cycle runs
    /// k-means twice from a nearby start, which converges in few iterations: measured on
    /// Fränti's sets (`benches/quality`, one thread), `m = 2` costs 1.1–3.5× a plain fit and
    /// `m = 5` 1.4–3.8× (less than `m = 2` on the large Birch sets, where breathing ends at the
    /// first cycle that does not pay). Finds the
    /// clusters that plain k-means++ misses (two centroids in one cluster, one cluster without).
    Breathing {
        /// Centroids added and removed per cycle at the start; 0 does nothing. A cycle that does
        /// not improve the error lowers it by one (Fritzke's schedule), or, on large problems
        /// (rows × k ≥ 2¹⁸), to 0; breathing stops at 0.
        m: usize,
    },
}

impl Refine {
    /// Breathing k-means with the paper's default `m = 5`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(k_means::Refine::breathing(), k_means::Refine::Breathing { m: 5 });
    /// ```
    #[must_use]
    pub fn breathing() -> Self {
        Refine::Breathing { m: 5 }
    }
}
