//! The micro-kernel for few centroids: rows read where they lie, no packing.
//!
//! Orientation: **features in SIMD lanes.** The packed kernel ([`super::tile`]) puts rows in
//! lanes and broadcasts centroids, which needs every tile of rows transposed into panels first;
//! with few centroids that transposition costs more than the dot products it feeds (at
//! 50 000 × 784 × 10 it took most of the assignment step). Here `R` rows are read in place,
//! `L` features at a time, against `G` centred centroids laid out row by row
//! (`Prepared::rowwise`, held in L1 for the few centroids this kernel is chosen for):
//! `R × G` accumulators of `L` lanes, one FMA each per feature chunk, then one horizontal sum
//! per (row, centroid). The centring `x − μ` is done in registers, in `T`, on the origin
//! rounded to `T` (so the centred value is one rounding of an exact difference, as in the
//! packed kernel), and each row's squared norm is accumulated in `T` beside the dots, its
//! error counted in the score bound (`Prepared::norm_accumulation_len`).
//!
//! Its output is the packed kernel's (each row's best score, index and runner-up, and `‖x̃‖²`),
//! so the certificate that follows ([`super::certify`]) is the same.

use super::backend::{Isa, panel_width};
#[cfg(target_arch = "x86_64")]
use super::in_place_avx512;
use super::in_place_layout::{IN_PLACE_GROUP, horizontal_sum};
use super::prepared::{Prepared, Scratch};
use crate::float::Float;

/// Lanes (elements of `T` in one register) of level `S`.
#[inline(always)]
pub(crate) const fn lanes<T, S: Isa>() -> usize {
    panel_width::<T, S>() / 2
}

/// For rows `start .. start + len` of `data` (or the rows `select` lists at those positions):
/// writes each row's best score, its index and the runner-up score into `scratch.best`, and
/// `‖x̃‖²` into `scratch.x_norm_sq`, at the row's position in the tile.
#[inline(always)]
pub(super) fn best_two_in_place<T: Float, S: Isa>(
    isa: S,
    data: &[T],
    select: Option<&[usize]>,
    (start, len): (usize, usize),
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
) {
    // Four rows at a time where there are 32 registers (AVX-512), two elsewhere.
    let wide = S::PANEL_BYTES >= 128;
    match (lanes::<T, S>(), wide) {
        (16, true) => rows_in_place::<T, S, 16, 4>(isa, data, select, (start, len), prep, scratch),
        (8, true) => rows_in_place::<T, S, 8, 4>(isa, data, select, (start, len), prep, scratch),
        (8, false) => rows_in_place::<T, S, 8, 2>(isa, data, select, (start, len), prep, scratch),
        (4, false) => rows_in_place::<T, S, 4, 2>(isa, data, select, (start, len), prep, scratch),
        (l, w) => unreachable!("{l} lanes, wide {w}"),
    }
}

#[inline(always)]
fn rows_in_place<T: Float, S: Isa, const L: usize, const R: usize>(
    isa: S,
    data: &[T],
    select: Option<&[usize]>,
    (start, len): (usize, usize),
    prep: &Prepared<T>,
    scratch: &mut Scratch<T>,
) {
    const G: usize = IN_PLACE_GROUP;
    let d = prep.n_features;
    let n_groups = prep.k().div_ceil(G);
    let origin = &prep.origin_in_t[..d];
    let mut r0 = 0;
    while r0 < len {
        let rows_here = R.min(len - r0);
        // Short groups repeat their last row; the repeats' results are not written.
        let row: [&[T]; R] = core::array::from_fn(|r| {
            let i = start + r0 + r.min(rows_here - 1);
            let src = select.map_or(i, |s| s[i]);
            &data[src * d..(src + 1) * d]
        });
        // The next group's rows, whose cache lines the first pass over this group requests.
        let ahead: [&[T]; R] = core::array::from_fn(|r| {
            let i = (start + r0 + R + r).min(start + len - 1);
            let src = select.map_or(i, |s| s[i]);
            &data[src * d..(src + 1) * d]
        });
        let mut m1 = [T::infinity(); R];
        let mut m2 = [T::infinity(); R];
        let mut i1 = [T::zero(); R];
        let mut norm = [T::zero(); R];
        for g in 0..n_groups {
            let cents: [&[T]; G] =
                core::array::from_fn(|m| &prep.rowwise[(g * G + m) * d..(g * G + m + 1) * d]);
            // The norms are accumulated in the first group's pass only.
            let dots = if g == 0 {
                let (dots, n) = group_dots::<T, S, L, R, true>(isa, (row, ahead), cents, origin);
                norm = n;
                dots
            } else {
                group_dots::<T, S, L, R, false>(isa, (row, ahead), cents, origin).0
            };
            for m in 0..G {
                let j = g * G + m;
                let h = prep.rowwise_half_norms[j];
                let index = T::from_f64_(j as f64);
                for r in 0..R {
                    // As in the packed kernel: compares and selects, strict `<` over increasing
                    // j, so ties keep the lowest index; padding scores +∞ and never wins.
                    let s = h - dots[r][m];
                    let lt = s < m1[r];
                    let m2_else = if s < m2[r] { s } else { m2[r] };
                    m2[r] = if lt { m1[r] } else { m2_else };
                    i1[r] = if lt { index } else { i1[r] };
                    m1[r] = if lt { s } else { m1[r] };
                }
            }
        }
        for r in 0..rows_here {
            let at = r0 + r;
            scratch.best.best[at] = m1[r];
            scratch.best.index[at] = i1[r];
            scratch.best.second[at] = m2[r];
            scratch.x_norm_sq[at] = norm[r].to_f64_();
        }
        r0 += R;
    }
}

/// `x̃_r · c̃_m` for `R` rows and `G` centroids (and, with `NORM`, `‖x̃_r‖²`), with
/// `x̃ = x − origin` formed in registers.
#[inline(always)]
fn group_dots<T: Float, S: Isa, const L: usize, const R: usize, const NORM: bool>(
    isa: S,
    (row, ahead): ([&[T]; R], [&[T]; R]),
    cents: [&[T]; IN_PLACE_GROUP],
    origin: &[T],
) -> ([[T; IN_PLACE_GROUP]; R], [T; R]) {
    const G: usize = IN_PLACE_GROUP;
    #[cfg(target_arch = "x86_64")]
    if let (Some(proof), true) = (isa.avx512(), R == in_place_avx512::ROWS) {
        let (dots, norms) = in_place_avx512::dots::<T, NORM>(
            proof,
            (
                core::array::from_fn(|r| row[r]),
                core::array::from_fn(|r| ahead[r]),
            ),
            cents,
            origin,
        );
        return (
            core::array::from_fn(|r| dots[r]),
            core::array::from_fn(|r| norms[r]),
        );
    }
    let d = origin.len();
    let whole = d - d % L;
    let mut acc = [[[T::zero(); L]; G]; R];
    let mut norm_acc = [[T::zero(); L]; R];
    let mut f = 0;
    while f < whole {
        let o: &[T; L] = origin[f..f + L].try_into().unwrap();
        let mut x = [[T::zero(); L]; R];
        for r in 0..R {
            let xr: &[T; L] = row[r][f..f + L].try_into().unwrap();
            for l in 0..L {
                x[r][l] = xr[l] - o[l];
            }
            if NORM {
                for l in 0..L {
                    norm_acc[r][l] = fma::<T, S>(x[r][l], x[r][l], norm_acc[r][l]);
                }
            }
        }
        for m in 0..G {
            let c: &[T; L] = cents[m][f..f + L].try_into().unwrap();
            for r in 0..R {
                for l in 0..L {
                    acc[r][m][l] = fma::<T, S>(x[r][l], c[l], acc[r][m][l]);
                }
            }
        }
        f += L;
    }
    let mut dots = [[T::zero(); G]; R];
    let mut norms = [T::zero(); R];
    for r in 0..R {
        for m in 0..G {
            dots[r][m] = horizontal_sum(acc[r][m]);
        }
        norms[r] = horizontal_sum(norm_acc[r]);
    }
    // The last `d mod L` features, one at a time.
    if whole < d {
        for r in 0..R {
            let mut tail = [T::zero(); G];
            let mut tail_norm = T::zero();
            for f in whole..d {
                let x = row[r][f] - origin[f];
                for m in 0..G {
                    tail[m] = fma::<T, S>(x, cents[m][f], tail[m]);
                }
                tail_norm = fma::<T, S>(x, x, tail_norm);
            }
            for m in 0..G {
                dots[r][m] = dots[r][m] + tail[m];
            }
            norms[r] = norms[r] + tail_norm;
        }
    }
    (dots, norms)
}

/// `a·b + c`: one FMA where the level has it, a multiply and an add in the portable copy (a
/// software `fma` call would be slow); the error bound allows for either.
#[inline(always)]
fn fma<T: Float, S: Isa>(a: T, b: T, c: T) -> T {
    if S::FUSED { a.mul_add(b, c) } else { a * b + c }
}
