//! The hot loops: every distance the crate computes goes through this module.
//!
//! Three kinds of distance live here:
//!
//! * **Direct** squared distances `Σ (x − c)²`, accumulated in f64 ([`sq_dist_f64`]). They are the
//!   oracle: the public building blocks, the exact re-check of near ties, inertia and the
//!   empty-cluster policy all use them.
//! * **Tiled** scores `½‖c̃‖² − x̃·c̃` over a tile of rows × all centroids, where `x̃ = x − μ` and
//!   `c̃ = c − μ` are centred on the centroids' mean μ (centring is what keeps f32 data far from
//!   the origin accurate). `‖x − c‖² = ‖x̃‖² + 2·score`, so the smallest score is the nearest
//!   centroid. Scores cost one FMA per feature and pair and run through a register-blocked
//!   micro-kernel ([`tile`]); the argmin epilogue certifies each label with a rounding-error
//!   bound and re-checks near ties with direct f64 distances, so labels always equal those of
//!   the direct f64 computation (ties go to the lowest index).
//! * **Direct few-centroid** squared distances in `T` ([`sq_distances_direct`]), read straight
//!   from the row-major data with a relative error bound, for k-means++, which compares all rows
//!   with only `2 + ⌊ln k⌋` candidates per step.
//!
//! The backend (portable code, or the same code compiled for AVX2+FMA or AVX-512) is chosen once
//! per process at run time; the portable one is always compiled and is the test oracle.

mod grouped;
mod tile;

pub(crate) use grouped::{GroupedCentroids, RowHit, assign_groups};

use crate::update::{ClusterSums, SumFrame};
use crate::{Float, RowMajor};

/// Centroids per micro-kernel block: 6 centroids × 2 registers of rows = 12 accumulators, which
/// with 2 row loads and 1 broadcast fits the 16 AVX2 registers.
pub(crate) const MC: usize = 6;
/// Rows per tile (a multiple of every row-panel width): the packed tile stays in L1/L2 while the
/// epilogue and the centroid sums read it.
pub(crate) const TILE_ROWS: usize = 64;

/// Rows per row panel for a backend: two SIMD registers' worth of lanes (AVX2: 16 f32 or 8 f64;
/// AVX-512: 32 f32 or 16 f64).
#[inline(always)]
pub(crate) const fn panel_width<T>(backend: Backend) -> usize {
    let bytes = match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => 128,
        _ => 64,
    };
    bytes / core::mem::size_of::<T>()
}

/// Which compiled copy of the tile kernel runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// Portable code (LLVM may still auto-vectorise it for the baseline target).
    Scalar,
    /// The same code compiled with AVX2 and FMA enabled; chosen when the CPU has both.
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
    /// The same code compiled with AVX-512F (512-bit registers, twice the rows per panel);
    /// chosen when the CPU has it.
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Backend {
    /// The fastest backend this CPU supports, detected once.
    pub(crate) fn detect() -> Backend {
        use std::sync::OnceLock;
        static BACKEND: OnceLock<Backend> = OnceLock::new();
        *BACKEND.get_or_init(|| {
            #[cfg(target_arch = "x86_64")]
            {
                // K_MEANS_KERNEL=scalar|avx2 caps the choice (for testing and comparisons).
                let cap = std::env::var("K_MEANS_KERNEL").unwrap_or_default();
                let avx2 =
                    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
                if cap != "scalar" && cap != "avx2" && avx2 && std::arch::is_x86_feature_detected!("avx512f")
                {
                    return Backend::Avx512;
                }
                if cap != "scalar" && avx2 {
                    return Backend::Avx2Fma;
                }
            }
            Backend::Scalar
        })
    }
}

/// Direct squared Euclidean distance `Σ (aᵢ − bᵢ)²`, accumulated in f64 in a fixed order
/// (four interleaved partial sums), so it is deterministic and as exact as f64 allows.
#[inline]
pub(crate) fn sq_dist_f64<A: Float, B: Float>(a: &[A], b: &[B]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0_f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..4 {
            let t = x[l].to_f64_() - y[l].to_f64_();
            acc[l] += t * t;
        }
    }
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        let t = x.to_f64_() - y.to_f64_();
        acc[0] += t * t;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// Index of the nearest centroid to `row` by direct f64 squared distance; ties go to the lowest
/// index. Returns `(index, squared distance)`.
#[inline]
pub(crate) fn nearest_direct<T: Float, C: Float>(
    row: &[T],
    centroids: &[C],
    n_features: usize,
) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centroids.chunks_exact(n_features).enumerate() {
        let d = sq_dist_f64(row, c);
        if d < best.1 {
            best = (j, d);
        }
    }
    best
}

/// Centroids prepared for the tiled kernel: centred on their mean, packed into blocks of [`MC`]
/// centroids laid out feature by feature, with their half squared norms.
#[derive(Debug, Clone)]
pub(crate) struct Prepared<T> {
    k: usize,
    n_features: usize,
    /// The centroids at full precision (f64), for the direct re-check.
    centroids: Vec<f64>,
    /// μ, the centroids' mean, subtracted from rows and centroids before the dot products.
    origin: Vec<f64>,
    /// `n_blocks × n_features × MC`; centroids past `k` are zero.
    blocks: Vec<T>,
    /// `½‖c̃‖²` per centroid; padding past `k` is +∞ so it never wins.
    half_norms: Vec<T>,
    /// The largest `‖c̃‖`, for the rounding-error bound.
    max_norm: f64,
    /// Roundoff units in one dot product's error bound.
    accumulation_len: usize,
    /// Whether every packed value and half norm is finite in `T`. Centroids far beyond the data's
    /// magnitude limit (accepted by `create_clusters`) can overflow `T` here; then no score can
    /// be trusted and every row is decided by direct f64 distances.
    scores_trusted: bool,
    backend: Backend,
}

impl<T: Float> Prepared<T> {
    /// Packs `centroids` (`k × n_features`, row-major, in T or in f64) for the detected backend.
    pub(crate) fn new<C: Float>(centroids: &[C], n_features: usize) -> Self {
        Self::with_backend(centroids, n_features, Backend::detect())
    }

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
    fn score_error_bound(&self, x_norm: f64) -> f64 {
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
    packed: Vec<T>,
    /// One row panel's centred rows, row-major, before the transposition into `packed`.
    staging: Vec<T>,
    x_norm_sq: Vec<f64>,
    best: tile::BestTwoColumns<T>,
    /// Per row of the tile: whether the tiled scores proved its label.
    certified: Vec<bool>,
}

impl<T: Float> Scratch<T> {
    pub(crate) fn new(prep: &Prepared<T>) -> Self {
        Scratch {
            packed: vec![T::zero(); TILE_ROWS * prep.n_features],
            staging: vec![T::zero(); panel_width::<T>(prep.backend) * prep.n_features],
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

/// Packs rows `start .. start + len` of `data` as centred row panels (`[q][f][RW]`, padding rows
/// zero) into `scratch.packed`, with each row's `‖x̃‖²` (f64, from the packed values). Returns
/// the number of panels.
fn pack_tile<T: Float>(
    data: &[T],
    select: Option<&[usize]>,
    start: usize,
    len: usize,
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
) -> usize {
    match prep.backend {
        Backend::Scalar => pack_tile_generic(data, select, start, len, prep, scratch),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Backend::Avx2Fma` exists only when the CPU has AVX2 and FMA; `Avx512` only
        // when it also has AVX-512F.
        Backend::Avx2Fma => unsafe { pack_tile_avx2_fma(data, select, start, len, prep, scratch) },
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => unsafe { pack_tile_avx512(data, select, start, len, prep, scratch) },
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn pack_tile_avx2_fma<T: Float>(
    data: &[T],
    select: Option<&[usize]>,
    start: usize,
    len: usize,
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
) -> usize {
    pack_tile_generic(data, select, start, len, prep, scratch)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn pack_tile_avx512<T: Float>(
    data: &[T],
    select: Option<&[usize]>,
    start: usize,
    len: usize,
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
) -> usize {
    pack_tile_generic(data, select, start, len, prep, scratch)
}

#[inline(always)]
fn pack_tile_generic<T: Float>(
    data: &[T],
    select: Option<&[usize]>,
    start: usize,
    len: usize,
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
) -> usize {
    match panel_width::<T>(prep.backend) {
        8 => pack_panels::<T, 8>(data, select, start, len, prep, scratch),
        16 => pack_panels::<T, 16>(data, select, start, len, prep, scratch),
        32 => pack_panels::<T, 32>(data, select, start, len, prep, scratch),
        w => unreachable!("panel width {w}"),
    }
}

/// From this many features up [`pack_panels`] stages each panel; below, the per-row loops of
/// the staging pass cost more than the strided stores they avoid (measured at d = 2).
const STAGED_PACK_MIN_FEATURES: usize = 16;

/// [`pack_tile`] for panels of `RW` rows, in two passes per panel. First each row is centred
/// into a row-major staging buffer: contiguous reads and writes that vectorise. Then the
/// buffer, now in cache, is transposed into the panel one feature line of `RW` rows at a time,
/// and each row's norm is accumulated from the lines (four partial sums, feature `f` into sum
/// `f mod 4`, the last `d mod 4` features into sum 0, as in [`pack_panels_direct`]). Writing
/// each centred value straight to its panel slot strides `RW` values apart, one cache line per
/// store, which dominated the assignment step in high dimension.
#[inline(always)]
fn pack_panels<T: Float, const RW: usize>(
    data: &[T],
    select: Option<&[usize]>,
    start: usize,
    len: usize,
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
) -> usize {
    let d = prep.n_features;
    if d < STAGED_PACK_MIN_FEATURES {
        return pack_panels_direct::<T, RW>(data, select, start, len, prep, scratch);
    }
    let origin = &prep.origin[..d];
    let n_panels = len.div_ceil(RW);
    let packed = &mut scratch.packed[..n_panels * RW * d];
    let staging = &mut scratch.staging[..RW * d];
    for q in 0..n_panels {
        let panel = &mut packed[q * RW * d..(q + 1) * RW * d];
        let rows_here = RW.min(len - q * RW);
        for r in 0..rows_here {
            let i = start + q * RW + r;
            let src = select.map_or(i, |s| s[i]);
            let src = &data[src * d..(src + 1) * d];
            let dst = &mut staging[r * d..(r + 1) * d];
            for ((v, &x), &o) in dst.iter_mut().zip(src).zip(origin) {
                *v = T::from_f64_(x.to_f64_() - o);
            }
        }
        // Padding rows are zero.
        staging[rows_here * d..].fill(T::zero());
        // Each row's norm as four partial sums, accumulated across the panel's rows at once
        // (vertical adds over a feature line, in the same order per row as a row-wise loop).
        let mut norm = [[0.0_f64; RW]; 4];
        let whole_fours = d - d % 4;
        for (f, line) in panel.chunks_exact_mut(RW).enumerate() {
            let line: &mut [T; RW] = line.try_into().unwrap();
            for r in 0..RW {
                line[r] = staging[r * d + f];
            }
            let partial = &mut norm[if f < whole_fours { f % 4 } else { 0 }];
            for r in 0..RW {
                let v = line[r].to_f64_();
                partial[r] += v * v;
            }
        }
        for r in 0..rows_here {
            scratch.x_norm_sq[q * RW + r] = (norm[0][r] + norm[1][r]) + (norm[2][r] + norm[3][r]);
        }
    }
    n_panels
}

/// [`pack_panels`] for few features: each centred value is stored straight into its panel slot.
#[inline(always)]
fn pack_panels_direct<T: Float, const RW: usize>(
    data: &[T],
    select: Option<&[usize]>,
    start: usize,
    len: usize,
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
) -> usize {
    let d = prep.n_features;
    let n_panels = len.div_ceil(RW);
    let packed = &mut scratch.packed[..n_panels * RW * d];
    for q in 0..n_panels {
        let panel = &mut packed[q * RW * d..(q + 1) * RW * d];
        let rows_here = RW.min(len - q * RW);
        for r in 0..rows_here {
            let i = start + q * RW + r;
            let row = select.map_or(i, |s| s[i]);
            let src = &data[row * d..(row + 1) * d];
            let mut norm = [0.0_f64; 4];
            let mut f = 0;
            while f + 4 <= d {
                for l in 0..4 {
                    let v = T::from_f64_(src[f + l].to_f64_() - prep.origin[f + l]);
                    panel[(f + l) * RW + r] = v;
                    norm[l] += v.to_f64_() * v.to_f64_();
                }
                f += 4;
            }
            while f < d {
                let v = T::from_f64_(src[f].to_f64_() - prep.origin[f]);
                panel[f * RW + r] = v;
                norm[0] += v.to_f64_() * v.to_f64_();
                f += 1;
            }
            scratch.x_norm_sq[q * RW + r] = (norm[0] + norm[1]) + (norm[2] + norm[3]);
        }
        for r in rows_here..RW {
            for f in 0..d {
                panel[f * RW + r] = T::zero();
            }
        }
    }
    n_panels
}

/// Where the assignment step writes its per-row results.
#[derive(Debug)]
pub(crate) struct AssignOut<'a> {
    /// Nearest centroid per row.
    pub labels: &'a mut [usize],
    /// An upper bound on each row's squared distance to its nearest centroid (exact when the
    /// label needed a re-check).
    pub upper_sq: &'a mut [f64],
    /// If given, a lower bound on each row's squared distance to its second-nearest centroid
    /// (+∞ when k = 1).
    pub second_lower_sq: Option<&'a mut [f64]>,
}

/// The assignment step over `rows` (or, with `select`, over the rows it lists, results indexed
/// by position in the list): nearest centroid per row (exactly the direct f64 argmin,
/// lowest index on ties), plus distance bounds; optionally adds every row to the sums of its
/// cluster while the tile is in cache.
pub(crate) fn assign<T: Float>(
    rows: RowMajor<'_, T>,
    select: Option<&[usize]>,
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
    out: AssignOut<'_>,
    sums: Option<(&mut ClusterSums, &SumFrame)>,
) {
    match prep.backend {
        Backend::Scalar => assign_generic(rows, select, prep, scratch, out, sums),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Backend::Avx2Fma` exists only when the CPU has AVX2 and FMA; `Avx512` only
        // when it also has AVX-512F.
        Backend::Avx2Fma => unsafe { assign_avx2_fma(rows, select, prep, scratch, out, sums) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        Backend::Avx512 => unsafe { assign_avx512(rows, select, prep, scratch, out, sums) },
    }
}

/// [`assign`] compiled for AVX2 and FMA, so that its per-tile loops (certification, sums)
/// vectorise for the backend too.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn assign_avx2_fma<T: Float>(
    rows: RowMajor<'_, T>,
    select: Option<&[usize]>,
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
    out: AssignOut<'_>,
    sums: Option<(&mut ClusterSums, &SumFrame)>,
) {
    assign_generic(rows, select, prep, scratch, out, sums);
}

/// [`assign`] compiled for AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn assign_avx512<T: Float>(
    rows: RowMajor<'_, T>,
    select: Option<&[usize]>,
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
    out: AssignOut<'_>,
    sums: Option<(&mut ClusterSums, &SumFrame)>,
) {
    assign_generic(rows, select, prep, scratch, out, sums);
}

#[inline(always)]
fn assign_generic<T: Float>(
    rows: RowMajor<'_, T>,
    select: Option<&[usize]>,
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
    out: AssignOut<'_>,
    mut sums: Option<(&mut ClusterSums, &SumFrame)>,
) {
    let AssignOut {
        labels,
        upper_sq,
        mut second_lower_sq,
    } = out;
    let d = prep.n_features;
    let n = select.map_or(rows.n_rows(), <[usize]>::len);
    let data = rows.as_slice();
    let mut start = 0;
    while start < n {
        let len = TILE_ROWS.min(n - start);
        let n_panels = pack_tile(data, select, start, len, prep, scratch);
        tile::best_two(
            prep.backend,
            &scratch.packed,
            n_panels,
            d,
            &prep.blocks,
            &prep.half_norms,
            &mut scratch.best,
        );
        let tile_labels = &mut labels[start..start + len];
        let tile_upper = &mut upper_sq[start..start + len];
        let certified = &mut scratch.certified[..len];
        let (best, index, second) = (
            &scratch.best.best[..len],
            &scratch.best.index[..len],
            &scratch.best.second[..len],
        );
        let x_norm_sq = &scratch.x_norm_sq[..len];
        // First the bounds and the certificate of every row of the tile, in one branch-free pass.
        for r in 0..len {
            let (sb, ss) = (best[r].to_f64_(), second[r].to_f64_());
            let err = prep.score_error_bound(x_norm_sq[r].sqrt());
            certified[r] = prep.scores_trusted & (ss - sb > 2.0 * err);
            tile_labels[r] = index[r].to_f64_() as usize;
            tile_upper[r] = (x_norm_sq[r] + 2.0 * (sb + err)).max(0.0);
        }
        if let Some(second_lower) = second_lower_sq.as_deref_mut() {
            let second_lower = &mut second_lower[start..start + len];
            for r in 0..len {
                let (sb, ss) = (best[r].to_f64_(), second[r].to_f64_());
                let err = prep.score_error_bound(x_norm_sq[r].sqrt());
                // Without a certificate the runner-up may score as low as the tile's best.
                let lower_score = if certified[r] { ss } else { sb };
                second_lower[r] = (x_norm_sq[r] + 2.0 * (lower_score - err)).max(0.0);
            }
        }
        let row_of = |r: usize| {
            let i = start + r;
            let src = select.map_or(i, |s| s[i]);
            &data[src * d..(src + 1) * d]
        };
        for r in 0..len {
            if !certified[r] {
                // Another centroid may truly be as near: decide by direct f64 distances.
                (tile_labels[r], tile_upper[r]) = recheck(prep, row_of(r));
            }
        }
        if let Some((acc, frame)) = sums.as_mut() {
            for r in 0..len {
                frame.add_row(acc, tile_labels[r], row_of(r));
            }
        }
        start += len;
    }
}

/// The exact decision for a row whose label the tiled scores could not certify: the direct
/// f64 argmin over all centroids (lowest index on ties), with its squared distance.
#[cold]
fn recheck<T: Float>(prep: &Prepared<T>, row: &[T]) -> (usize, f64) {
    nearest_direct(row, &prep.centroids, prep.n_features)
}

/// Squared distances from rows `lo..hi` to a few centroids (`cents`, row-major) by the direct
/// kernel (see [`direct_relative_error`]), for the pairs `wanted(i, t)` accepts:
/// `out[(i - lo) * m + t]`; other entries are left untouched.
pub(crate) fn sq_distances_direct<T: Float>(
    rows: RowMajor<'_, T>,
    range: (usize, usize),
    cents: &[T],
    wanted: impl Fn(usize, usize) -> bool,
    out: &mut [f64],
) {
    tile::direct(
        Backend::detect(),
        rows.as_slice(),
        rows.n_features(),
        range,
        cents,
        wanted,
        out,
    );
}

/// A bound on the relative error of [`sq_distances_direct`]: each term `(x − c)²` is rounded
/// twice, each of the 16 lanes sums `⌈d/16⌉` terms in `T`, the lanes are added pairwise in `T`
/// (four roundings), and the remainder in f64. All terms are non-negative, so the relative
/// bound holds for the sum.
pub(crate) fn direct_relative_error<T: Float>(n_features: usize) -> f64 {
    1.25 * (n_features.div_ceil(tile::DIRECT_LANES) as f64 + 8.0) * T::UNIT_ROUNDOFF
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::Xoshiro256PlusPlus;
    use rand::{RngExt, SeedableRng};

    fn random_data<T: Float>(n: usize, d: usize, offset: f64, seed: u64) -> Vec<T> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..n * d)
            .map(|_| T::from_f64_(offset + rng.random_range(-1.0..1.0)))
            .collect()
    }

    fn check_assign_matches_direct<T: Float>(n: usize, d: usize, k: usize, offset: f64, backend: Backend) {
        let data = random_data::<T>(n, d, offset, 1);
        let cents = random_data::<T>(k, d, offset, 2);
        let rows = RowMajor::new(&data, d).unwrap();
        let prep = Prepared::with_backend(&cents, d, backend);
        let mut scratch = Scratch::new(&prep);
        let mut labels = vec![0; n];
        let mut upper = vec![0.0; n];
        let mut second = vec![0.0; n];
        assign(
            rows,
            None,
            &prep,
            &mut scratch,
            AssignOut {
                labels: &mut labels,
                upper_sq: &mut upper,
                second_lower_sq: Some(&mut second),
            },
            None,
        );
        for i in 0..n {
            let row = rows.row(i);
            let (j, dist) = nearest_direct(row, &cents, d);
            assert_eq!(
                labels[i], j,
                "row {i} (n={n} d={d} k={k} offset={offset} {backend:?})"
            );
            assert!(
                upper[i] >= dist * (1.0 - 1e-12) - 1e-300,
                "upper bound {} < {dist} (n={n} d={d} k={k} offset={offset} {backend:?})",
                upper[i]
            );
            for (jj, c) in cents.chunks_exact(d).enumerate() {
                if jj != j {
                    assert!(
                        second[i] <= sq_dist_f64(row, c) * (1.0 + 1e-12) + 1e-300,
                        "lower bound"
                    );
                }
            }
        }
        // Without the runner-up bound, through a selection of rows, with the cluster sums.
        let select: Vec<usize> = (0..n).rev().collect();
        let mut labels = vec![0; n];
        let frame = SumFrame::new(rows);
        let mut sums = ClusterSums::zeros(k, d);
        assign(
            rows,
            Some(&select),
            &prep,
            &mut scratch,
            AssignOut {
                labels: &mut labels,
                upper_sq: &mut upper,
                second_lower_sq: None,
            },
            Some((&mut sums, &frame)),
        );
        let mut expected = Vec::new();
        for (p, &i) in select.iter().enumerate() {
            let (j, dist) = nearest_direct(rows.row(i), &cents, d);
            assert_eq!(
                labels[p], j,
                "row {i} without bounds (n={n} d={d} k={k} offset={offset} {backend:?})"
            );
            assert!(upper[p] >= dist * (1.0 - 1e-12) - 1e-300, "upper bound");
            expected.push(j);
        }
        // Labels by row index (row i sits at position n − 1 − i of the selection).
        let order: Vec<usize> = (0..n).map(|i| expected[n - 1 - i]).collect();
        let reference = ClusterSums::from_labels(rows, &order, k, &frame);
        assert_eq!(sums, reference, "sums");
    }

    /// Every backend this CPU can run, so each compiled copy is checked against the oracle.
    pub(super) fn backends() -> Vec<Backend> {
        #[allow(unused_mut)]
        let mut b = vec![Backend::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                b.push(Backend::Avx2Fma);
                if std::arch::is_x86_feature_detected!("avx512f") {
                    b.push(Backend::Avx512);
                }
            }
        }
        b
    }

    #[test]
    fn tiled_labels_equal_direct_f64_labels() {
        for backend in backends() {
            // k = 1 puts every centroid at μ: the bounds then rest on the row norm's rounding alone.
            for &(n, d, k) in &[
                (1, 1, 1),
                (7, 2, 3),
                (50, 3, 17),
                (97, 16, 33),
                (61, 70, 9),
                (40, 200, 16),
                (9, 64, 1),
            ] {
                check_assign_matches_direct::<f32>(n, d, k, 0.0, backend);
                check_assign_matches_direct::<f64>(n, d, k, 0.0, backend);
                check_assign_matches_direct::<f32>(n, d, k, 1e4, backend);
                check_assign_matches_direct::<f64>(n, d, k, 1e6, backend);
            }
        }
    }

    #[test]
    fn direct_kernel_is_within_its_error_bound() {
        for &(n, d, m) in &[(5, 1, 1), (40, 3, 7), (33, 17, 5), (20, 300, 8)] {
            for offset in [0.0, 1e4] {
                let data = random_data::<f32>(n, d, offset, 3);
                let cents = random_data::<f32>(m, d, offset, 4);
                let rows = RowMajor::new(&data, d).unwrap();
                let mut out = vec![-1.0; n * m];
                // Every pair but those with i + t divisible by 3.
                sq_distances_direct(rows, (0, n), &cents, |i, t| (i + t) % 3 != 0, &mut out);
                let rel = direct_relative_error::<f32>(d);
                for i in 0..n {
                    let r = i;
                    for t in 0..m {
                        if (i + t) % 3 == 0 {
                            assert_eq!(out[r * m + t], -1.0);
                            continue;
                        }
                        let exact = sq_dist_f64(rows.row(i), &cents[t * d..(t + 1) * d]);
                        let got = out[r * m + t];
                        assert!((got - exact).abs() <= rel * exact + 1e-30, "{got} vs {exact}");
                    }
                }
            }
        }
    }

    #[test]
    fn exact_ties_go_to_the_lowest_index() {
        // The row is equidistant from centroids 1 and 2 (and 0 is farther).
        let data = [0.0_f32, 0.0];
        let cents = [5.0_f32, 5.0, 1.0, 0.0, 0.0, 1.0];
        for backend in backends() {
            let prep = Prepared::with_backend(&cents, 2, backend);
            let mut scratch = Scratch::new(&prep);
            let (mut l, mut u) = ([9], [0.0]);
            assign(
                RowMajor::new(&data, 2).unwrap(),
                None,
                &prep,
                &mut scratch,
                AssignOut {
                    labels: &mut l,
                    upper_sq: &mut u,
                    second_lower_sq: None,
                },
                None,
            );
            assert_eq!(l[0], 1);
            assert_eq!(u[0], 1.0);
        }
    }
}
