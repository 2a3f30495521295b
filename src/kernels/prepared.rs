//! Centroids prepared for the tiled kernel ([`Prepared`]: centred, packed in blocks, with the
//! rounding-error bound of their scores) and the per-call scratch space ([`Scratch`]).

use super::backend::Backend;
use super::in_place_layout::{IN_PLACE_GROUP, in_place_accumulation_len};
use super::{MC, TILE_ROWS, tile};

/// The in-place kernel ([`super::in_place`]) serves up to this many centroids: beyond, the
/// packed kernel's broadcasts reuse each loaded row for more centroids and its packing is
/// shared by more of them.
pub(crate) const IN_PLACE_MAX_K: usize = 20;
/// … from this many features: below, a row is a fraction of a register and the horizontal sums
/// dominate.
pub(crate) const IN_PLACE_MIN_FEATURES: usize = 32;
/// … and below [`IN_PLACE_WIDE_FEATURES`] features up to this many centroids only (measured:
/// at 32 features 8 centroids gain, 20 lose a third).
const IN_PLACE_NARROW_MAX_K: usize = 10;
/// See [`IN_PLACE_NARROW_MAX_K`].
const IN_PLACE_WIDE_FEATURES: usize = 64;
/// … up to this many lane chunks per row, so that its error bound stays that of a short chain
/// (the packed kernel blocks its chains instead).
const IN_PLACE_MAX_CHUNKS: usize = 64;
/// … or this many for f64 rows on AVX-512 (up to 2048 features), where the hand-written
/// kernel beat the packed one at every shape measured (Lloyd per iteration, 0.75–0.96× at
/// 784–2048 features, k = 10 and 20, AMD EPYC) and f64's rounding unit keeps the bound of a
/// 260-step chain near 3·10⁻¹⁴ relative. The AVX2 form lost there (1.1–2.0×), so it keeps 64.
const IN_PLACE_MAX_CHUNKS_F64_AVX512: usize = 256;
use crate::float::Float;

/// Centroids prepared for the tiled kernel: centred on their mean, packed into blocks of [`MC`]
/// centroids laid out feature by feature, with their half squared norms.
#[derive(Debug, Clone)]
pub(crate) struct Prepared<T> {
    k: usize,
    pub(super) n_features: usize,
    /// The centroids at full precision (f64), for the direct re-check.
    pub(super) centroids: Vec<f64>,
    /// μ, the centroids' mean, subtracted from rows and centroids before the dot products
    /// (rounded to `T` when the in-place kernel runs, which centres rows in `T`).
    pub(super) origin: Vec<f64>,
    /// Whether [`super::in_place`] scores the rows (few centroids, many features), not the
    /// packed kernel.
    pub(super) in_place: bool,
    /// `origin` in `T`, for the in-place kernel (empty otherwise).
    pub(super) origin_in_t: Vec<T>,
    /// The centred centroids row by row, padded with zero rows to a whole number of
    /// [`IN_PLACE_GROUP`]s, for the in-place kernel (empty otherwise).
    pub(super) rowwise: Vec<T>,
    /// `½‖c̃‖²` per row of `rowwise`; padding +∞.
    pub(super) rowwise_half_norms: Vec<T>,
    /// Roundoff units in the relative error of a row's `‖x̃‖²`: 0 for the packed kernel, which
    /// sums it in f64 (covered by the f64 term of the bound), the chain length in `T` for the
    /// in-place kernel.
    pub(super) norm_accumulation_len: usize,
    /// `n_blocks × n_features × MC`; centroids past `k` are zero.
    pub(super) blocks: Vec<T>,
    /// `½‖c̃‖²` per centroid; padding past `k` is +∞ so it never wins.
    pub(super) half_norms: Vec<T>,
    /// The largest `‖c̃‖`, for the rounding-error bound.
    pub(super) max_norm: f64,
    /// Roundoff units in one dot product's error bound.
    pub(super) accumulation_len: usize,
    /// Whether every packed value, half norm and the centring point are finite. Every entry
    /// point holds centroids to the data's magnitude limit, so they always are; if centroids
    /// beyond it reached the kernel, no score would be trusted and every row would be decided
    /// by direct f64 distances (and a finite row whose dot product overflows is caught by
    /// `certify::certifies`).
    pub(super) scores_trusted: bool,
    pub(super) backend: Backend,
}

impl<T: Float> Prepared<T> {
    /// Packs `centroids` (`k × n_features`, row-major, in T or in f64) for the detected backend.
    pub(crate) fn new<C: Float>(centroids: &[C], n_features: usize) -> Self {
        Self::with_backend(centroids, n_features, Backend::detected())
    }

    /// Packs `centroids` for the given backend.
    pub(crate) fn with_backend<C: Float>(centroids: &[C], n_features: usize, backend: Backend) -> Self {
        let k = centroids.len() / n_features.max(1);
        let in_place = Self::in_place_suits(k, n_features, backend);
        Self::with_kernel(centroids, n_features, backend, in_place)
    }

    /// Packs `centroids` for the packed kernel, whatever their number (grouped centroids, whose
    /// kernel has no in-place form).
    pub(crate) fn packed<C: Float>(centroids: &[C], n_features: usize) -> Self {
        Self::with_kernel(centroids, n_features, Backend::detected(), false)
    }

    /// Whether the in-place kernel scores `k` centroids of `d` features on `backend`. Not on
    /// the portable copy, which it was not measured on (the copy CPUs without AVX run); either
    /// kernel gives the same labels.
    fn in_place_suits(k: usize, d: usize, backend: Backend) -> bool {
        let lanes = backend.panel_width::<T>() / 2;
        let max_chunks = if core::mem::size_of::<T>() == 8 && backend.is_avx512() {
            IN_PLACE_MAX_CHUNKS_F64_AVX512
        } else {
            IN_PLACE_MAX_CHUNKS
        };
        backend != Backend::portable()
            && k <= IN_PLACE_MAX_K
            && d >= IN_PLACE_MIN_FEATURES
            && (d >= IN_PLACE_WIDE_FEATURES || k <= IN_PLACE_NARROW_MAX_K)
            && d <= max_chunks * lanes
    }

    /// Packs `centroids` for `backend`, for the in-place kernel or the packed one.
    pub(crate) fn with_kernel<C: Float>(
        centroids: &[C],
        n_features: usize,
        backend: Backend,
        in_place: bool,
    ) -> Self {
        let d = n_features;
        let k = centroids.len() / d;
        let n_blocks = k.div_ceil(MC);
        let mut origin = vec![0.0_f64; d];
        for c in centroids.chunks_exact(d) {
            for (o, &v) in origin.iter_mut().zip(c) {
                *o += v.to_f64_();
            }
        }
        for o in &mut origin {
            *o /= k as f64;
            if in_place {
                // The in-place kernel forms x − μ in T: with μ in T it is one rounding of an
                // exact difference, as the packed kernel's f64 centring is.
                *o = T::from_f64_(*o).to_f64_();
            }
        }
        let mut blocks = vec![T::zero(); n_blocks * d * MC];
        let mut half_norms = vec![T::infinity(); n_blocks * MC];
        let mut max_norm = 0.0_f64;
        for (j, c) in centroids.chunks_exact(d).enumerate() {
            let (b, m) = (j / MC, j % MC);
            let mut norm_sq = 0.0_f64;
            for f in 0..d {
                let v = T::from_f64_(c[f].to_f64_() - origin[f]);
                blocks[(b * d + f) * MC + m] = v;
                norm_sq += v.to_f64_() * v.to_f64_();
            }
            half_norms[j] = T::from_f64_(0.5 * norm_sq);
            max_norm = max_norm.max(norm_sq.sqrt());
        }
        let lanes = backend.panel_width::<T>() / 2;
        let (mut rowwise, mut rowwise_half_norms, mut origin_in_t) = (Vec::new(), Vec::new(), Vec::new());
        let mut norm_accumulation_len = 0;
        let mut accumulation_len = tile::accumulation_len(d);
        if in_place {
            let slots = k.div_ceil(IN_PLACE_GROUP) * IN_PLACE_GROUP;
            rowwise = vec![T::zero(); slots * d];
            rowwise_half_norms = vec![T::infinity(); slots];
            for j in 0..k {
                for f in 0..d {
                    rowwise[j * d + f] = blocks[((j / MC) * d + f) * MC + j % MC];
                }
                rowwise_half_norms[j] = half_norms[j];
            }
            origin_in_t = origin.iter().map(|&o| T::from_f64_(o)).collect();
            norm_accumulation_len = in_place_accumulation_len(d, lanes);
            accumulation_len = accumulation_len.max(norm_accumulation_len);
        }
        let scores_trusted = blocks.iter().all(|v| v.is_finite())
            && half_norms[..k].iter().all(|v| v.is_finite())
            && origin.iter().all(|v| v.is_finite())
            && max_norm.is_finite();
        Prepared {
            k,
            n_features: d,
            centroids: centroids.iter().map(|c| c.to_f64_()).collect(),
            origin,
            blocks,
            half_norms,
            max_norm,
            accumulation_len,
            in_place,
            origin_in_t,
            rowwise,
            rowwise_half_norms,
            norm_accumulation_len,
            scores_trusted,
            backend,
        }
    }

    /// Number of centroids.
    pub(crate) fn k(&self) -> usize {
        self.k
    }

    /// A bound on the absolute error of every score of a row with centred norm `x_norm`,
    /// against the exact score of the exact (unrounded) centred row and centroid:
    ///
    /// * the blocked FMA chain: `L·u·Σ|x̃_f c̃_f| ≤ L·u·‖x̃‖·max‖c̃‖`, with `L` from
    ///   [`tile::accumulation_len`];
    /// * rounding `x − μ`, `c − μ` and `½‖c̃‖²` to `T`, and the final subtraction: a few `u` times
    ///   `‖x̃‖·max‖c̃‖ + max‖c̃‖²`;
    /// * plus the rounding of the direct f64 distances that decide re-checked rows, so that the
    ///   re-check window also covers the f64 oracle's own near-ties;
    /// * plus `1.5·u·‖x̃‖²`: the row's squared norm, which the distance bounds add to the scores
    ///   (`xn2 + 2·score`), comes from the rounded `x̃` and is off by up to `2u·‖x̃‖²` (this
    ///   cancels between centroids, so it never changes a label, but without it a bound could
    ///   miss by that much when the centroids are all near μ, e.g. k = 1);
    /// * plus, when the in-place kernel sums `‖x̃‖²` in `T`, half its rounding error
    ///   (`(norm_accumulation_len + 1)·u·‖x̃‖²`), since the bounds add twice the score error
    ///   to the norm.
    ///
    /// It decides when a label is re-checked and how wide the bounds are, so it errs on the
    /// large side (×1.25).
    #[inline]
    pub(super) fn score_error_bound(&self, x_norm: f64) -> f64 {
        let terms = self.accumulation_len as f64 + 4.0;
        let c = self.max_norm;
        let norm_terms = 1.5 + 0.5 * (self.norm_accumulation_len as f64 + 1.0) * f64::from(self.in_place);
        let in_t = T::UNIT_ROUNDOFF * (terms * (x_norm * c + c * c) + norm_terms * x_norm * x_norm);
        let in_f64 = (self.n_features as f64 + 4.0) * (f64::EPSILON / 2.0) * (x_norm + c) * (x_norm + c);
        1.25 * (in_t + in_f64)
    }
}

/// Per-call scratch space for the tiled kernel.
#[derive(Debug)]
pub(crate) struct Scratch<T> {
    pub(super) packed: Vec<T>,
    /// One row panel's centred rows, row-major, before the transposition into `packed`.
    pub(super) staging: Vec<T>,
    pub(super) x_norm_sq: Vec<f64>,
    pub(super) best: tile::BestTwoColumns<T>,
    /// Per row of the tile: whether the tiled scores proved its label.
    pub(super) certified: Vec<bool>,
}

impl<T: Float> Scratch<T> {
    pub(crate) fn new(prep: &Prepared<T>) -> Self {
        Scratch {
            packed: vec![T::zero(); TILE_ROWS * prep.n_features],
            staging: vec![T::zero(); prep.backend.panel_width::<T>() * prep.n_features],
            x_norm_sq: vec![0.0; TILE_ROWS],
            best: tile::BestTwoColumns {
                best: vec![T::zero(); TILE_ROWS],
                index: vec![T::zero(); TILE_ROWS],
                second: vec![T::zero(); TILE_ROWS],
            },
            certified: vec![false; TILE_ROWS],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_in_place_kernel_serves_few_centroids_in_many_features() {
        for backend in Backend::supported() {
            let suits32 = |k, d| Prepared::<f32>::in_place_suits(k, d, backend);
            let suits64 = |k, d| Prepared::<f64>::in_place_suits(k, d, backend);
            if backend == Backend::portable() {
                assert!(
                    !suits32(10, 784) && !suits64(10, 784),
                    "no in-place kernel without SIMD"
                );
                continue;
            }
            assert!(suits32(10, 512));
            assert!(!suits32(21, 512), "too many centroids");
            assert!(!suits32(10, 16), "too few features");
            assert!(
                suits32(10, 32) && !suits32(11, 32),
                "narrow rows take 10 centroids at most"
            );
            // 784 features are 49 AVX-512 chunks in f32 and 98 in f64, 98 and 196 AVX2 ones.
            assert_eq!(suits32(10, 784), backend.is_avx512());
            assert_eq!(suits64(10, 784), backend.is_avx512());
            assert_eq!(suits64(10, 2048), backend.is_avx512());
            assert!(!suits64(10, 2049 * 4), "beyond the chain limit on every backend");
        }
    }
}
