//! The in-place kernel's dot products in AVX-512F intrinsics, for 4 rows and
//! [`IN_PLACE_GROUP`](super::in_place_layout::IN_PLACE_GROUP) centroids: LLVM's vectoriser
//! spills part of the 20 accumulators of the portable formulation ([`super::in_place`]) to
//! the stack on every feature chunk; written out, they stay in 20 of the 32 registers. The arithmetic is the portable one's with FMA (centre
//! in `T`, one fused multiply-add per product, lanes summed by the same pairwise tree), and the
//! tail is read with masked loads, so a product passes through at most `⌈d/L⌉ + log₂ L`
//! additions, within `in_place_accumulation_len`. The f32 and f64 versions are one body,
//! written once in `dots_avx512!` and instantiated with each type's intrinsics.

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

/// The safe entry point `$name` (checks the lengths, holds the proof) and the
/// `#[target_feature]` body `$inner` for one element type: `$vec` registers of `$lanes`
/// lanes, `$mask` tail masks, and that type's intrinsics.
macro_rules! dots_avx512 {
    (
        $(#[$doc:meta])*
        $name:ident, $inner:ident, $t:ty, $vec:ty, $mask:ty, $lanes:expr,
        $setzero:ident, $load:ident, $sub:ident, $fmadd:ident, $store:ident
    ) => {
        $(#[$doc])*
        ///
        /// # Panics
        ///
        /// If a row or centroid does not have `origin.len()` features (never, from the kernel).
        #[cfg(target_arch = "x86_64")]
        #[inline(always)]
        pub(super) fn $name<const NORM: bool>(
            proof: Avx512Proof,
            (rows, ahead): ([&[$t]; ROWS], [&[$t]; ROWS]),
            cents: [&[$t]; G],
            origin: &[$t],
        ) -> ([[$t; G]; ROWS], [$t; ROWS]) {
            let _ = proof;
            let d = origin.len();
            assert!(
                rows.iter().chain(&ahead).chain(&cents).all(|s| s.len() == d),
                "feature counts"
            );
            // SAFETY: a proof exists only where detection found AVX-512F (see
            // `Avx512Proof`), and every slice holds `d` values, of which the loads read only
            // those below `d`.
            unsafe { $inner::<NORM>((rows, ahead), cents, origin) }
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f")]
        unsafe fn $inner<const NORM: bool>(
            (rows, ahead): ([&[$t]; ROWS], [&[$t]; ROWS]),
            cents: [&[$t]; G],
            origin: &[$t],
        ) -> ([[$t; G]; ROWS], [$t; ROWS]) {
            const L: usize = $lanes;
            let d = origin.len();
            let mut acc = [[$setzero(); G]; ROWS];
            let mut norm = [$setzero(); ROWS];
            let mut f = 0;
            while f < d {
                let rest = d - f;
                let mask: $mask = if rest >= L { !0 } else { (1 << rest) - 1 };
                // SAFETY (every load): lanes at or past `d` are masked off, and masked-off
                // lanes are not read (AVX-512 suppresses their faults).
                let o = unsafe { $load(mask, origin.as_ptr().add(f)) };
                let mut x = [$setzero(); ROWS];
                for r in 0..ROWS {
                    x[r] = $sub(unsafe { $load(mask, rows[r].as_ptr().add(f)) }, o);
                    if NORM {
                        // Ask for the next call's rows now (a hint), so that the first pass
                        // over each row does not wait on memory: without it the loads of the
                        // rows took most of the kernel's time at 784 features.
                        _mm_prefetch::<_MM_HINT_T0>(ahead[r].as_ptr().wrapping_add(f).cast::<i8>());
                        norm[r] = $fmadd(x[r], x[r], norm[r]);
                    }
                }
                for m in 0..G {
                    let c = unsafe { $load(mask, cents[m].as_ptr().add(f)) };
                    for r in 0..ROWS {
                        acc[r][m] = $fmadd(x[r], c, acc[r][m]);
                    }
                }
                f += L;
            }
            let lanes = |v: $vec| {
                let mut out = [0.0 as $t; L];
                // SAFETY: `out` holds `L` values, one register.
                unsafe { $store(out.as_mut_ptr(), v) };
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
    };
}

dots_avx512!(
    /// The dot products (and with `NORM` the squared norms) of 4 rows centred on `origin` with
    /// `G` centred centroids, in f32, while the cache lines of the rows `ahead` are requested.
    dots_f32, dots_f32_avx512, f32, __m512, __mmask16, 16,
    _mm512_setzero_ps, _mm512_maskz_loadu_ps, _mm512_sub_ps, _mm512_fmadd_ps, _mm512_storeu_ps
);

dots_avx512!(
    /// [`dots_f32`] in f64.
    dots_f64, dots_f64_avx512, f64, __m512d, __mmask8, 8,
    _mm512_setzero_pd, _mm512_maskz_loadu_pd, _mm512_sub_pd, _mm512_fmadd_pd, _mm512_storeu_pd
);
