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
//! The functions here are generic over the instruction-set level `S` and `#[inline(always)]`:
//! they are compiled into the kernel call that uses them ([`super::certify::assign`],
//! [`super::grouped::assign_groups`]), once per level, where LLVM maps the fixed-size arrays
//! onto SIMD registers and `mul_add` onto FMA.

use super::MC;
use super::backend::{Isa, panel_width};
use crate::float::Float;

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
#[inline(always)]
pub(super) fn best_two<T: Float, S: Isa>(
    rows: &[T],
    n_panels: usize,
    d: usize,
    blocks: &[T],
    half_norms: &[T],
    out: &mut BestTwoColumns<T>,
) {
    // Two registers of rows per panel; monomorphise on the width.
    match panel_width::<T, S>() {
        32 => best_two_rw::<T, S, 32, 16>(rows, n_panels, d, blocks, half_norms, out),
        16 => best_two_rw::<T, S, 16, 8>(rows, n_panels, d, blocks, half_norms, out),
        8 => best_two_rw::<T, S, 8, 4>(rows, n_panels, d, blocks, half_norms, out),
        w => unreachable!("panel width {w}"),
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
fn dot_block<T: Float, S: Isa, const RW: usize, const H: usize>(panel: &[T], block: &[T]) -> [[T; RW]; MC] {
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
                    lo[m][r] = if S::FUSED {
                        c[m].mul_add(xl[r], lo[m][r])
                    } else {
                        lo[m][r] + c[m] * xl[r]
                    };
                    hi[m][r] = if S::FUSED {
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
fn best_two_rw<T: Float, S: Isa, const RW: usize, const H: usize>(
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
            let acc = dot_block::<T, S, RW, H>(panel, &blocks[b * d * MC..(b + 1) * d * MC]);
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
#[inline(always)]
pub(super) fn best_two_grouped<T: Float, S: Isa>(
    rows: &[T],
    n_panels: usize,
    d: usize,
    (blocks, half_norms): (&[T], &[T]),
    group_ends: &[usize],
    skip: &[bool],
    out: &mut [BestTwo<T>],
) {
    let groups = (group_ends, skip);
    match panel_width::<T, S>() {
        32 => grouped_rw::<T, S, 32, 16>(rows, n_panels, d, blocks, half_norms, groups, out),
        16 => grouped_rw::<T, S, 16, 8>(rows, n_panels, d, blocks, half_norms, groups, out),
        8 => grouped_rw::<T, S, 8, 4>(rows, n_panels, d, blocks, half_norms, groups, out),
        w => unreachable!("panel width {w}"),
    }
}

#[inline(always)]
fn grouped_rw<T: Float, S: Isa, const RW: usize, const H: usize>(
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
                let acc = dot_block::<T, S, RW, H>(panel, &blocks[b * d * MC..(b + 1) * d * MC]);
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
