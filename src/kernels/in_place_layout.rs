//! The in-place kernel's layout, shared by its portable form ([`super::in_place`]), its
//! AVX-512 form ([`super::in_place_avx512`]) and the prepared centroids
//! ([`super::prepared`]): how many centroids a group holds, how long its accumulation chains
//! are (for the error bound), and how the lanes of an accumulator are summed. A leaf, so that
//! the three import it and not each other.

use crate::float::Float;

/// Centroids per group of the in-place kernel: 5 keeps `R × 5` accumulators, `R` rows and `R`
/// norms within the register file (4 × 5 + 8 of 32 AVX-512 registers, 2 × 5 + 4 of 16 AVX2
/// ones), and k = 10 in two full groups.
pub(crate) const IN_PLACE_GROUP: usize = 5;

/// Roundoff units in the error bound of one dot product (or squared norm) over `d` features
/// computed with `lanes` lanes: a product passes through at most `max(⌊d/L⌋, d mod L)` chain
/// additions, `log₂ L` in the horizontal sum and one more adding the tail.
pub(crate) fn in_place_accumulation_len(d: usize, lanes: usize) -> usize {
    (d / lanes).max(d % lanes) + lanes.trailing_zeros() as usize + 1
}

/// The lanes of `v` added pairwise (halves, then quarters, …): `log₂ L` rounding steps.
#[inline(always)]
pub(super) fn horizontal_sum<T: Float, const L: usize>(mut v: [T; L]) -> T {
    let mut width = L / 2;
    while width > 0 {
        for l in 0..width {
            v[l] = v[l] + v[l + width];
        }
        width /= 2;
    }
    v[0]
}
