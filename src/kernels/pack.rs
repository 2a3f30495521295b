//! Packing a tile of rows for the micro-kernel: each row centred on the centroids' mean and
//! stored feature by feature in row panels (`[q][f][RW]`), with its squared norm.

use super::backend::{Isa, panel_width, prefetch};
use super::prepared::{Prepared, Scratch};
use crate::float::Float;

/// Packs rows `start .. start + len` of `data` (or, with `select`, the rows it lists at those
/// positions) as centred row panels (`[q][f][RW]`, padding rows zero) into `scratch.packed`,
/// with each row's `‖x̃‖²` (f64, from the packed values). Returns the number of panels.
#[inline(always)]
pub(super) fn pack_tile<T: Float, S: Isa>(
    data: &[T],
    select: Option<&[usize]>,
    start: usize,
    len: usize,
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
) -> usize {
    match panel_width::<T, S>() {
        8 => pack_panels::<T, 8>(data, select, start, len, prep, scratch),
        16 => pack_panels::<T, 16>(data, select, start, len, prep, scratch),
        32 => pack_panels::<T, 32>(data, select, start, len, prep, scratch),
        w => unreachable!("panel width {w}"),
    }
}

/// Rows ahead of the one being packed whose cache lines are requested: the packing pass is
/// the first to touch each row, and on the machines measured it waited on memory (at
/// 100 000 × 16 × 64 its first load of each row took a quarter of the assignment step) although
/// the rows are read in order.
const PREFETCH_ROWS: usize = 8;

/// Asks for the cache lines of row `i` of the call (or of the row `select` lists at `i`), if
/// there is one: a hint, which changes no result.
#[inline(always)]
fn prefetch_row<T>(data: &[T], select: Option<&[usize]>, i: usize, d: usize) {
    let row = match select {
        Some(s) => s.get(i).copied(),
        None => Some(i),
    };
    if let Some(row) = row
        && let Some(values) = data.get(row * d..(row + 1) * d)
    {
        prefetch(values);
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
            prefetch_row(data, select, i + PREFETCH_ROWS, d);
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
            prefetch_row(data, select, i + PREFETCH_ROWS, d);
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
