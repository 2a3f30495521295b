//! The hot loops: every distance the crate computes goes through this module, and no algorithm
//! lives here.
//!
//! * [`direct`]: direct squared distances, in f64 (the oracle: building blocks, re-checks,
//!   inertia, the empty-cluster policy) and in `T` to a few centroids (k-means++).
//! * [`prepared`]: centroids packed for the tiled kernel, and its scratch space.
//! * [`pack`] → [`tile`] → [`certify`]: the assignment kernel. A tile of [`TILE_ROWS`] rows is
//!   centred and packed into row panels ([`pack`]), scored against all centroids by a
//!   register-blocked micro-kernel that keeps each row's best two scores ([`tile`]), and every
//!   label is certified with a rounding-error bound or re-checked by direct f64 distances
//!   ([`certify`]), so labels always equal those of the direct f64 computation (ties to the
//!   lowest index). Rows can be added to the cluster sums while the tile is in cache.
//! * [`in_place`]: for few centroids in many features, the same scores from rows read in place
//!   (features in lanes), without [`pack`]; its results go through the same [`certify`].
//! * [`bound_sq`]: squared distances for bounds (Hamerly's), in f64 but in no fixed order
//!   (faster; within a stated slack of the direct ones).
//! * [`grouped`]: the same against groups of centroids, for Yinyang.
//! * [`pairwise`]: sums of direct (not squared) distances from rows to groups of rows, for the
//!   silhouette.
//! * [`backend`]: which compiled copy runs (portable code, or the same code for AVX2+FMA or
//!   AVX-512), chosen once per process by feature detection; the portable copy is always
//!   compiled and is the test oracle. Each public kernel call dispatches once.

#[allow(unsafe_code)]
mod backend;
mod bound_sq;
mod certify;
mod direct;
mod grouped;
mod in_place;
#[allow(unsafe_code)]
mod in_place_avx512;
mod in_place_layout;
mod pack;
mod pairwise;
mod prepared;
mod tile;

pub(crate) use backend::Backend;
#[cfg(test)]
pub(crate) use backend::tests::FORCE_PORTABLE;
pub(crate) use bound_sq::{bound_sq_slack, min_sq_dists_to, sq_dists_to_own};
pub(crate) use certify::{AssignOut, SumsInto, assign};
pub(crate) use direct::{direct_relative_error, nearest_direct, sq_dist_f64, sq_distances_direct};
pub(crate) use grouped::{GroupedCentroids, RowHit, assign_groups};
pub(crate) use pairwise::distance_sums;
pub(crate) use prepared::{Prepared, Scratch};

/// Centroids per micro-kernel block: 6 centroids × 2 registers of rows = 12 accumulators, which
/// with 2 row loads and 1 broadcast fits the 16 AVX2 registers.
pub(crate) const MC: usize = 6;
/// Rows per tile (a multiple of every row-panel width): the packed tile stays in L1/L2 while the
/// epilogue and the centroid sums read it.
pub(crate) const TILE_ROWS: usize = 64;

#[cfg(test)]
pub(crate) mod tests {
    use rand::rngs::Xoshiro256PlusPlus;
    use rand::{RngExt, SeedableRng};

    use crate::float::Float;

    /// `n × d` values uniform in `offset ± 1`.
    pub(crate) fn random_data<T: Float>(n: usize, d: usize, offset: f64, seed: u64) -> Vec<T> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..n * d)
            .map(|_| T::from_f64_(offset + rng.random_range(-1.0..1.0)))
            .collect()
    }
}
