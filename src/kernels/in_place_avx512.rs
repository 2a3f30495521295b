//! The in-place kernel's dot products in AVX-512F intrinsics, for 4 rows and
//! [`IN_PLACE_GROUP`](super::in_place_layout::IN_PLACE_GROUP) centroids: LLVM's vectoriser
//! spills part of the 20 accumulators of the portable formulation ([`super::in_place`]) to the stack on every feature chunk; written out,
//! they stay in 20 of the 32 registers. The arithmetic is the portable one's with FMA (centre
//! in `T`, one fused multiply-add per product, lanes summed by the same pairwise tree), and the
//! tail is read with masked loads, so a product passes through at most `⌈d/L⌉ + log₂ L`
//! additions, within `in_place_accumulation_len`.

#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

use super::backend::Avx512Proof;
use super::in_place_layout::{IN_PLACE_GROUP as G, horizontal_sum};
use crate::float::Float;

/// Rows per call.
pub(super) const ROWS: usize = 4;

/// The dot products of 4 rows with `G` centroids (and with `NORM` their squared norms), for
/// either element type.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) fn dots<T: Float, const NORM: bool>(
    proof: Avx512Proof,
    (rows, ahead): ([&[T]; ROWS], [&[T]; ROWS]),
    cents: [&[T]; G],
    origin: &[T],
) -> ([[T; G]; ROWS], [T; ROWS]) {
    // `T` is f32 or f64, so one of the two views exists, for every slice alike.
    const SAME: &str = "every slice has the same element type";
    let to_t = |v: f64| T::from_f64_(v);
    if let Some(origin) = T::as_f32s(origin) {
        let rows = rows.map(|s| T::as_f32s(s).expect(SAME));
        let ahead = ahead.map(|s| T::as_f32s(s).expect(SAME));
        let cents = cents.map(|s| T::as_f32s(s).expect(SAME));
        let (dots, norms) = dots_f32::<NORM>(proof, (rows, ahead), cents, origin);
        return (
            dots.map(|r| r.map(|v| to_t(f64::from(v)))),
            norms.map(|v| to_t(f64::from(v))),
        );
    }
    let origin = T::as_f64s(origin).expect(SAME);
    let rows = rows.map(|s| T::as_f64s(s).expect(SAME));
    let ahead = ahead.map(|s| T::as_f64s(s).expect(SAME));
    let cents = cents.map(|s| T::as_f64s(s).expect(SAME));
    let (dots, norms) = dots_f64::<NORM>(proof, (rows, ahead), cents, origin);
    (dots.map(|r| r.map(to_t)), norms.map(to_t))
}

/// The dot products (and with `NORM` the squared norms) of 4 rows centred on `origin` with
/// `G` centred centroids, in f32, while the cache lines of the rows `ahead` are requested.
///
/// # Panics
///
/// If a row or centroid does not have `origin.len()` features (never, from the kernel).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) fn dots_f32<const NORM: bool>(
    proof: Avx512Proof,
    (rows, ahead): ([&[f32]; ROWS], [&[f32]; ROWS]),
    cents: [&[f32]; G],
    origin: &[f32],
) -> ([[f32; G]; ROWS], [f32; ROWS]) {
    let _ = proof;
    let d = origin.len();
    assert!(
        rows.iter().chain(&ahead).chain(&cents).all(|s| s.len() == d),
        "feature counts"
    );
    // SAFETY: a proof exists only where detection found AVX-512F (see `Avx512Proof`), and
    // every slice holds `d` values, of which the loads read only those below `d`.
    unsafe { dots_f32_avx512::<NORM>((rows, ahead), cents, origin) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn dots_f32_avx512<const NORM: bool>(
    (rows, ahead): ([&[f32]; ROWS], [&[f32]; ROWS]),
    cents: [&[f32]; G],
    origin: &[f32],
) -> ([[f32; G]; ROWS], [f32; ROWS]) {
    const L: usize = 16;
    let d = origin.len();
    let mut acc = [[_mm512_setzero_ps(); G]; ROWS];
    let mut norm = [_mm512_setzero_ps(); ROWS];
    let mut f = 0;
    while f < d {
        let rest = d - f;
        let mask: __mmask16 = if rest >= L { !0 } else { (1u16 << rest) - 1 };
        // SAFETY (every load): lanes at or past `d` are masked off, and masked-off lanes are
        // not read (AVX-512 suppresses their faults).
        let o = unsafe { _mm512_maskz_loadu_ps(mask, origin.as_ptr().add(f)) };
        let mut x = [_mm512_setzero_ps(); ROWS];
        for r in 0..ROWS {
            x[r] = _mm512_sub_ps(unsafe { _mm512_maskz_loadu_ps(mask, rows[r].as_ptr().add(f)) }, o);
            if NORM {
                // Ask for the next call's rows now (a hint), so that the first pass over each
                // row does not wait on memory: without it the loads of the rows took most of
                // the kernel's time at 784 features.
                _mm_prefetch::<_MM_HINT_T0>(ahead[r].as_ptr().wrapping_add(f).cast::<i8>());
                norm[r] = _mm512_fmadd_ps(x[r], x[r], norm[r]);
            }
        }
        for m in 0..G {
            let c = unsafe { _mm512_maskz_loadu_ps(mask, cents[m].as_ptr().add(f)) };
            for r in 0..ROWS {
                acc[r][m] = _mm512_fmadd_ps(x[r], c, acc[r][m]);
            }
        }
        f += L;
    }
    let lanes = |v: __m512| {
        let mut out = [0.0_f32; L];
        // SAFETY: `out` holds 16 f32.
        unsafe { _mm512_storeu_ps(out.as_mut_ptr(), v) };
        horizontal_sum(out)
    };
    let mut dots = [[0.0; G]; ROWS];
    let mut norms = [0.0; ROWS];
    for r in 0..ROWS {
        for m in 0..G {
            dots[r][m] = lanes(acc[r][m]);
        }
        norms[r] = lanes(norm[r]);
    }
    (dots, norms)
}

/// [`dots_f32`] in f64.
///
/// # Panics
///
/// If a row or centroid does not have `origin.len()` features (never, from the kernel).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) fn dots_f64<const NORM: bool>(
    proof: Avx512Proof,
    (rows, ahead): ([&[f64]; ROWS], [&[f64]; ROWS]),
    cents: [&[f64]; G],
    origin: &[f64],
) -> ([[f64; G]; ROWS], [f64; ROWS]) {
    let _ = proof;
    let d = origin.len();
    assert!(
        rows.iter().chain(&ahead).chain(&cents).all(|s| s.len() == d),
        "feature counts"
    );
    // SAFETY: as in `dots_f32`.
    unsafe { dots_f64_avx512::<NORM>((rows, ahead), cents, origin) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn dots_f64_avx512<const NORM: bool>(
    (rows, ahead): ([&[f64]; ROWS], [&[f64]; ROWS]),
    cents: [&[f64]; G],
    origin: &[f64],
) -> ([[f64; G]; ROWS], [f64; ROWS]) {
    const L: usize = 8;
    let d = origin.len();
    let mut acc = [[_mm512_setzero_pd(); G]; ROWS];
    let mut norm = [_mm512_setzero_pd(); ROWS];
    let mut f = 0;
    while f < d {
        let rest = d - f;
        let mask: __mmask8 = if rest >= L { !0 } else { (1u8 << rest) - 1 };
        // SAFETY (every load): as in `dots_f32_avx512`.
        let o = unsafe { _mm512_maskz_loadu_pd(mask, origin.as_ptr().add(f)) };
        let mut x = [_mm512_setzero_pd(); ROWS];
        for r in 0..ROWS {
            x[r] = _mm512_sub_pd(unsafe { _mm512_maskz_loadu_pd(mask, rows[r].as_ptr().add(f)) }, o);
            if NORM {
                // Ask for the next call's rows now (a hint), so that the first pass over each
                // row does not wait on memory: without it the loads of the rows took most of
                // the kernel's time at 784 features.
                _mm_prefetch::<_MM_HINT_T0>(ahead[r].as_ptr().wrapping_add(f).cast::<i8>());
                norm[r] = _mm512_fmadd_pd(x[r], x[r], norm[r]);
            }
        }
        for m in 0..G {
            let c = unsafe { _mm512_maskz_loadu_pd(mask, cents[m].as_ptr().add(f)) };
            for r in 0..ROWS {
                acc[r][m] = _mm512_fmadd_pd(x[r], c, acc[r][m]);
            }
        }
        f += L;
    }
    let lanes = |v: __m512d| {
        let mut out = [0.0_f64; L];
        // SAFETY: `out` holds 8 f64.
        unsafe { _mm512_storeu_pd(out.as_mut_ptr(), v) };
        horizontal_sum(out)
    };
    let mut dots = [[0.0; G]; ROWS];
    let mut norms = [0.0; ROWS];
    for r in 0..ROWS {
        for m in 0..G {
            dots[r][m] = lanes(acc[r][m]);
        }
        norms[r] = lanes(norm[r]);
    }
    (dots, norms)
}
