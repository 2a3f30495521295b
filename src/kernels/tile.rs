//! The register-blocked micro-kernel over a packed tile of rows and packed centroids.
//!
//! Orientation: **rows in SIMD lanes, centroids broadcast.** A row panel holds `RW` centred rows
//! feature by feature (`[f][RW]`, two registers of rows); a centroid block holds `MC = 6`
//! centred centroids feature by feature (`[f][MC]`). The micro-kernel keeps `MC × RW`
//! accumulators (12 registers) and, per feature, loads the two row registers, broadcasts six
//! centroid values and issues twelve FMAs. Because each accumulator register holds one centroid's
//! scores for `RW` different rows, the nearest-centroid epilogue is purely vertical (compare and
//! select per lane, no shuffles): it keeps, per row, the best score, its index and the runner-up
//! while the accumulators are still in registers. No score matrix is ever written.
//!
//! A second, direct kernel ([`direct`]) serves k-means++, which compares all rows with only a
//! few candidates at a time.
//!
//! Each generic body is compiled twice: as portable code (the reference, always built) and inside
//! a `#[target_feature(enable = "avx2,fma")]` function, where LLVM maps the fixed-size arrays
//! onto ymm registers and `mul_add` onto FMA. The choice is made once per tile.

use super::{Backend, MC, panel_width};
use crate::Float;

/// The per-row result of the fused epilogue: best score, its centroid index (as `T`, exact
/// below 2²⁴), and the second-best score.
#[derive(Debug, Clone, Copy)]
pub(super) struct BestTwo<T> {
    pub best: T,
    pub index: T,
    pub second: T,
}

/// [`BestTwo`] for a whole tile, one array per field (so the certification pass over a tile
/// reads them as vectors).
#[derive(Debug, Clone)]
pub(super) struct BestTwoColumns<T> {
    pub best: Vec<T>,
    pub index: Vec<T>,
    pub second: Vec<T>,
}

/// Nearest and second-nearest score of every row of `panels` row panels (`[q][f][RW]`) against
/// all centroid blocks (`[b][f][MC]`, half norms per centroid, padding +∞).
/// Row `r` of panel `q` goes to position `q * RW + r` of each array of `out`.
#[inline]
pub(super) fn best_two<T: Float>(
    backend: Backend,
    rows: &[T],
    n_panels: usize,
    d: usize,
    blocks: &[T],
    half_norms: &[T],
    out: &mut BestTwoColumns<T>,
) {
    match backend {
        Backend::Scalar => best_two_generic::<T, false>(rows, n_panels, d, blocks, half_norms, out),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Backend::Avx2Fma` is only produced by `Backend::detect` after
        // `is_x86_feature_detected!` confirmed AVX2 and FMA.
        Backend::Avx2Fma => unsafe { best_two_avx2_fma(rows, n_panels, d, blocks, half_norms, out) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Backend::Avx512` is only produced after detecting AVX-512F, AVX2 and FMA.
        Backend::Avx512 => unsafe { best_two_avx512(rows, n_panels, d, blocks, half_norms, out) },
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn best_two_avx2_fma<T: Float>(
    rows: &[T],
    n_panels: usize,
    d: usize,
    blocks: &[T],
    half_norms: &[T],
    out: &mut BestTwoColumns<T>,
) {
    best_two_generic::<T, true>(rows, n_panels, d, blocks, half_norms, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn best_two_avx512<T: Float>(
    rows: &[T],
    n_panels: usize,
    d: usize,
    blocks: &[T],
    half_norms: &[T],
    out: &mut BestTwoColumns<T>,
) {
    // Two 512-bit registers of rows per panel.
    if core::mem::size_of::<T>() == 4 {
        best_two_rw::<T, 32, 16, true>(rows, n_panels, d, blocks, half_norms, out);
    } else {
        best_two_rw::<T, 16, 8, true>(rows, n_panels, d, blocks, half_norms, out);
    }
}

#[inline(always)]
fn best_two_generic<T: Float, const FUSED: bool>(
    rows: &[T],
    n_panels: usize,
    d: usize,
    blocks: &[T],
    half_norms: &[T],
    out: &mut BestTwoColumns<T>,
) {
    // Two 256-bit registers of rows per panel; monomorphise on the width.
    if panel_width::<T>(Backend::Scalar) == 16 {
        best_two_rw::<T, 16, 8, FUSED>(rows, n_panels, d, blocks, half_norms, out);
    } else {
        best_two_rw::<T, 8, 4, FUSED>(rows, n_panels, d, blocks, half_norms, out);
    }
}

/// Features per accumulation block: within a block each dot product is one FMA chain; block
/// sums are then added into running totals. The rounding error of a dot product over `d`
/// features is thereby bounded by `(min(d, ACC_BLOCK) + ⌈d / ACC_BLOCK⌉)` units of roundoff
/// instead of `d`, which keeps near-tie re-checks rare for f32 in high dimension.
pub(super) const ACC_BLOCK: usize = 64;

/// The number of roundoff units in the error bound of one dot product over `d` features.
pub(super) fn accumulation_len(d: usize) -> usize {
    if d <= ACC_BLOCK {
        d
    } else {
        ACC_BLOCK + d.div_ceil(ACC_BLOCK)
    }
}

/// `acc[m][r] = x̃_r · c̃_m` for one row panel and one centroid block.
///
/// The accumulators are kept as two halves of `H = RW / 2` lanes (one register each): LLVM's SLP
/// vectoriser maps 6 × 8-lane f32 arrays onto registers but gives up on one 6 × 16 array.
#[inline(always)]
fn dot_block<T: Float, const RW: usize, const H: usize, const FUSED: bool>(
    panel: &[T],
    block: &[T],
) -> [[T; RW]; MC] {
    debug_assert_eq!(2 * H, RW);
    let mut acc = [[T::zero(); RW]; MC];
    for (xs, cs) in panel.chunks(ACC_BLOCK * RW).zip(block.chunks(ACC_BLOCK * MC)) {
        let mut lo = [[T::zero(); H]; MC];
        let mut hi = [[T::zero(); H]; MC];
        for (x, c) in xs.chunks_exact(RW).zip(cs.chunks_exact(MC)) {
            let c: &[T; MC] = c.try_into().unwrap();
            let (xl, xh) = x.split_at(H);
            for m in 0..MC {
                for r in 0..H {
                    lo[m][r] = if FUSED {
                        c[m].mul_add(xl[r], lo[m][r])
                    } else {
                        lo[m][r] + c[m] * xl[r]
                    };
                    hi[m][r] = if FUSED {
                        c[m].mul_add(xh[r], hi[m][r])
                    } else {
                        hi[m][r] + c[m] * xh[r]
                    };
                }
            }
        }
        for m in 0..MC {
            for r in 0..H {
                acc[m][r] = acc[m][r] + lo[m][r];
                acc[m][H + r] = acc[m][H + r] + hi[m][r];
            }
        }
    }
    acc
}

#[inline(always)]
fn best_two_rw<T: Float, const RW: usize, const H: usize, const FUSED: bool>(
    rows: &[T],
    n_panels: usize,
    d: usize,
    blocks: &[T],
    half_norms: &[T],
    out: &mut BestTwoColumns<T>,
) {
    let n_blocks = half_norms.len() / MC;
    for q in 0..n_panels {
        let panel = &rows[q * d * RW..(q + 1) * d * RW];
        let mut m1 = [T::infinity(); RW];
        let mut m2 = [T::infinity(); RW];
        let mut i1 = [T::zero(); RW];
        for b in 0..n_blocks {
            let acc = dot_block::<T, RW, H, FUSED>(panel, &blocks[b * d * MC..(b + 1) * d * MC]);
            for m in 0..MC {
                let h = half_norms[b * MC + m];
                let j = T::from_f64_((b * MC + m) as f64);
                if core::mem::size_of::<T>() == 8 {
                    // LLVM's SLP vectoriser scalarises this epilogue over 16 f64 lanes (AVX-512)
                    // but not over two register halves; for f32 the whole panel vectorises and
                    // the halves do not. Each lane's result is the same either way.
                    let (dot_lo, dot_hi) = acc[m].split_at(H);
                    let (m1_lo, m1_hi) = m1.split_at_mut(H);
                    let (m2_lo, m2_hi) = m2.split_at_mut(H);
                    let (i1_lo, i1_hi) = i1.split_at_mut(H);
                    keep_best_two::<T, H>(dot_lo, h, j, m1_lo, m2_lo, i1_lo);
                    keep_best_two::<T, H>(dot_hi, h, j, m1_hi, m2_hi, i1_hi);
                } else {
                    keep_best_two::<T, RW>(&acc[m], h, j, &mut m1, &mut m2, &mut i1);
                }
            }
        }
        out.best[q * RW..(q + 1) * RW].copy_from_slice(&m1);
        out.index[q * RW..(q + 1) * RW].copy_from_slice(&i1);
        out.second[q * RW..(q + 1) * RW].copy_from_slice(&m2);
    }
}

/// Folds one centroid's scores `h − dot` (index `j`) into the running best, its index and the
/// runner-up of `N` lanes (every slice has `N` elements).
#[inline(always)]
fn keep_best_two<T: Float, const N: usize>(dot: &[T], h: T, j: T, m1: &mut [T], m2: &mut [T], i1: &mut [T]) {
    let dot: &[T; N] = dot.try_into().unwrap();
    let m1: &mut [T; N] = m1.try_into().unwrap();
    let m2: &mut [T; N] = m2.try_into().unwrap();
    let i1: &mut [T; N] = i1.try_into().unwrap();
    for r in 0..N {
        // Plain compares and selects (not `Float::min`, whose NaN handling blocks
        // vectorisation; the data is NaN-free). Strict `<` over increasing j keeps the lowest
        // index on ties.
        let s = h - dot[r];
        let lt = s < m1[r];
        let m2_else = if s < m2[r] { s } else { m2[r] };
        m2[r] = if lt { m1[r] } else { m2_else };
        i1[r] = if lt { j } else { i1[r] };
        m1[r] = if lt { s } else { m1[r] };
    }
}

/// [`best_two`] per group of centroids: the blocks are split into consecutive groups at
/// `group_ends` (each group's end block), and for every row and every group that `skip` does not
/// exclude, `out[(q * RW + r) * t + g]` receives that group's best score, its index (relative to
/// the group's first slot) and runner-up score. Skipped groups are neither computed nor written.
#[inline]
pub(super) fn best_two_grouped<T: Float>(
    backend: Backend,
    rows: &[T],
    n_panels: usize,
    d: usize,
    (blocks, half_norms): (&[T], &[T]),
    group_ends: &[usize],
    skip: &[bool],
    out: &mut [BestTwo<T>],
) {
    let groups = (group_ends, skip);
    match backend {
        Backend::Scalar => grouped_generic::<T, false>(rows, n_panels, d, blocks, half_norms, groups, out),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Backend::Avx2Fma` is only produced by `Backend::detect` after
        // `is_x86_feature_detected!` confirmed AVX2 and FMA.
        Backend::Avx2Fma => unsafe { grouped_avx2_fma(rows, n_panels, d, blocks, half_norms, groups, out) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Backend::Avx512` is only produced after detecting AVX-512F, AVX2 and FMA.
        Backend::Avx512 => unsafe { grouped_avx512(rows, n_panels, d, blocks, half_norms, groups, out) },
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn grouped_avx2_fma<T: Float>(
    rows: &[T],
    n_panels: usize,
    d: usize,
    blocks: &[T],
    half_norms: &[T],
    groups: (&[usize], &[bool]),
    out: &mut [BestTwo<T>],
) {
    grouped_generic::<T, true>(rows, n_panels, d, blocks, half_norms, groups, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn grouped_avx512<T: Float>(
    rows: &[T],
    n_panels: usize,
    d: usize,
    blocks: &[T],
    half_norms: &[T],
    groups: (&[usize], &[bool]),
    out: &mut [BestTwo<T>],
) {
    if core::mem::size_of::<T>() == 4 {
        grouped_rw::<T, 32, 16, true>(rows, n_panels, d, blocks, half_norms, groups, out);
    } else {
        grouped_rw::<T, 16, 8, true>(rows, n_panels, d, blocks, half_norms, groups, out);
    }
}

#[inline(always)]
fn grouped_generic<T: Float, const FUSED: bool>(
    rows: &[T],
    n_panels: usize,
    d: usize,
    blocks: &[T],
    half_norms: &[T],
    groups: (&[usize], &[bool]),
    out: &mut [BestTwo<T>],
) {
    if panel_width::<T>(Backend::Scalar) == 16 {
        grouped_rw::<T, 16, 8, FUSED>(rows, n_panels, d, blocks, half_norms, groups, out);
    } else {
        grouped_rw::<T, 8, 4, FUSED>(rows, n_panels, d, blocks, half_norms, groups, out);
    }
}

#[inline(always)]
fn grouped_rw<T: Float, const RW: usize, const H: usize, const FUSED: bool>(
    rows: &[T],
    n_panels: usize,
    d: usize,
    blocks: &[T],
    half_norms: &[T],
    (group_ends, skip): (&[usize], &[bool]),
    out: &mut [BestTwo<T>],
) {
    let t = group_ends.len();
    for q in 0..n_panels {
        let panel = &rows[q * d * RW..(q + 1) * d * RW];
        let mut first_block = 0;
        for (g, &end_block) in group_ends.iter().enumerate() {
            let begin = first_block;
            first_block = end_block;
            if skip[g] {
                continue;
            }
            let mut m1 = [T::infinity(); RW];
            let mut m2 = [T::infinity(); RW];
            let mut i1 = [T::zero(); RW];
            for b in begin..end_block {
                let acc = dot_block::<T, RW, H, FUSED>(panel, &blocks[b * d * MC..(b + 1) * d * MC]);
                for m in 0..MC {
                    let h = half_norms[b * MC + m];
                    let j = T::from_f64_(((b - begin) * MC + m) as f64);
                    for r in 0..RW {
                        // As in `best_two_rw`: compares and selects, lowest index on ties.
                        let s = h - acc[m][r];
                        let lt = s < m1[r];
                        let m2_else = if s < m2[r] { s } else { m2[r] };
                        m2[r] = if lt { m1[r] } else { m2_else };
                        i1[r] = if lt { j } else { i1[r] };
                        m1[r] = if lt { s } else { m1[r] };
                    }
                }
            }
            for r in 0..RW {
                out[(q * RW + r) * t + g] = BestTwo {
                    best: m1[r],
                    index: i1[r],
                    second: m2[r],
                };
            }
        }
    }
}

/// Squared distances `Σ (x − c)²` from rows to a few centroids, computed directly from the
/// row-major data (no packing, no centring: the difference form has no cancellation). For
/// k-means++, where each step compares all rows with only `2 + ⌊ln k⌋` candidates and packing the
/// rows would cost more than the distances. For rows `lo..hi` of `data` and centroid `t`, the
/// pair is computed into `out[(i - lo) * m + t]` when `wanted(i, t)`; other entries are left as
/// they are. Each row is read once for all its wanted pairs.
#[inline]
pub(super) fn direct<T: Float, F: Fn(usize, usize) -> bool>(
    backend: Backend,
    data: &[T],
    d: usize,
    (lo, hi): (usize, usize),
    cents: &[T],
    wanted: F,
    out: &mut [f64],
) {
    match backend {
        Backend::Scalar => direct_generic::<T, F, false>(data, d, (lo, hi), cents, wanted, out),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as in `best_two`.
        Backend::Avx2Fma => unsafe { direct_avx2_fma(data, d, (lo, hi), cents, wanted, out) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as in `best_two`.
        Backend::Avx512 => unsafe { direct_avx512(data, d, (lo, hi), cents, wanted, out) },
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn direct_avx2_fma<T: Float, F: Fn(usize, usize) -> bool>(
    data: &[T],
    d: usize,
    range: (usize, usize),
    cents: &[T],
    wanted: F,
    out: &mut [f64],
) {
    direct_generic::<T, F, true>(data, d, range, cents, wanted, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn direct_avx512<T: Float, F: Fn(usize, usize) -> bool>(
    data: &[T],
    d: usize,
    range: (usize, usize),
    cents: &[T],
    wanted: F,
    out: &mut [f64],
) {
    direct_generic::<T, F, true>(data, d, range, cents, wanted, out);
}

/// Lanes of the direct kernel's accumulators: each lane sums every 16th feature.
pub(super) const DIRECT_LANES: usize = 16;

#[inline(always)]
fn direct_generic<T: Float, F: Fn(usize, usize) -> bool, const FUSED: bool>(
    data: &[T],
    d: usize,
    (lo, hi): (usize, usize),
    cents: &[T],
    wanted: F,
    out: &mut [f64],
) {
    let m = cents.len() / d;
    for i in lo..hi {
        let x = &data[i * d..(i + 1) * d];
        for t in 0..m {
            if !wanted(i, t) {
                continue;
            }
            let c = &cents[t * d..(t + 1) * d];
            let mut acc = [T::zero(); DIRECT_LANES];
            let mut xs = x.chunks_exact(DIRECT_LANES);
            let mut cs = c.chunks_exact(DIRECT_LANES);
            for (xv, cv) in (&mut xs).zip(&mut cs) {
                let xv: &[T; DIRECT_LANES] = xv.try_into().unwrap();
                let cv: &[T; DIRECT_LANES] = cv.try_into().unwrap();
                for l in 0..DIRECT_LANES {
                    let diff = xv[l] - cv[l];
                    acc[l] = if FUSED {
                        diff.mul_add(diff, acc[l])
                    } else {
                        acc[l] + diff * diff
                    };
                }
            }
            // Pairwise reduction of the lanes in T (four more roundings), then the remainder
            // features in f64.
            let mut width = DIRECT_LANES / 2;
            while width > 0 {
                for l in 0..width {
                    acc[l] = acc[l] + acc[l + width];
                }
                width /= 2;
            }
            let mut total = acc[0].to_f64_();
            for (&xv, &cv) in xs.remainder().iter().zip(cs.remainder()) {
                let diff = xv - cv;
                total += (diff * diff).to_f64_();
            }
            out[(i - lo) * m + t] = total;
        }
    }
}
