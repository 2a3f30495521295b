//! Centroids prepared for the tiled kernel ([`Prepared`]: centred, packed in blocks, with the
//! rounding-error bound of their scores) and the per-call scratch space ([`Scratch`]).

use super::backend::Backend;
use super::{MC, TILE_ROWS, tile};
use crate::float::Float;

/// Centroids prepared for the tiled kernel: centred on their mean, packed into blocks of [`MC`]
/// centroids laid out feature by feature, with their half squared norms.
#[derive(Debug, Clone)]
pub(crate) struct Prepared<T> {
    k: usize,
    pub(super) n_features: usize,
    /// The centroids at full precision (f64), for the direct re-check.
    pub(super) centroids: Vec<f64>,
    /// μ, the centroids' mean, subtracted from rows and centroids before the dot products.
    pub(super) origin: Vec<f64>,
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
            accumulation_len: tile::accumulation_len(d),
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
    ///   miss by that much when the centroids are all near μ, e.g. k = 1).
    ///
    /// It decides when a label is re-checked and how wide the bounds are, so it errs on the
    /// large side (×1.25).
    #[inline]
    pub(super) fn score_error_bound(&self, x_norm: f64) -> f64 {
        let terms = self.accumulation_len as f64 + 4.0;
        let c = self.max_norm;
        let in_t = T::UNIT_ROUNDOFF * (terms * (x_norm * c + c * c) + 1.5 * x_norm * x_norm);
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
