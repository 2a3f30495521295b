//! The register-blocked micro-kernel: scores `½‖c̃‖² − x̃·c̃` for a tile of packed rows against
//! every packed centroid panel.
//!
//! One generic body, [`scores_generic`], is compiled twice: as portable code (the reference,
//! always built) and inside a `#[target_feature(enable = "avx2,fma")]` function, where LLVM
//! turns the fixed-size accumulator arrays into 12 ymm registers and the `mul_add` into FMA.
//! Which copy runs is decided once per tile, never per element.

use super::{Backend, MR, panel_width};
use crate::Float;

/// Computes `scores[(g·MR + r) · kp + j] = half_norms[j] − x̃_{g,r} · c̃_j` for every row of the
/// `groups` packed groups and every padded centroid lane `j < kp`.
#[inline]
pub(super) fn scores<T: Float>(
    backend: Backend,
    packed: &[T],
    groups: usize,
    d: usize,
    panels: &[T],
    half_norms: &[T],
    out: &mut [T],
) {
    match backend {
        Backend::Scalar => scores_generic::<T, false>(packed, groups, d, panels, half_norms, out),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Backend::Avx2Fma` is only ever produced by `Backend::detect` after
        // `is_x86_feature_detected!` confirmed both AVX2 and FMA.
        Backend::Avx2Fma => unsafe { scores_avx2_fma(packed, groups, d, panels, half_norms, out) },
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn scores_avx2_fma<T: Float>(
    packed: &[T],
    groups: usize,
    d: usize,
    panels: &[T],
    half_norms: &[T],
    out: &mut [T],
) {
    scores_generic::<T, true>(packed, groups, d, panels, half_norms, out);
}

#[inline(always)]
fn scores_generic<T: Float, const FUSED: bool>(
    packed: &[T],
    groups: usize,
    d: usize,
    panels: &[T],
    half_norms: &[T],
    out: &mut [T],
) {
    // The panel width is a property of T (two 256-bit registers); monomorphise on it.
    if panel_width::<T>() == 16 {
        blocked::<T, 16, FUSED>(packed, groups, d, panels, half_norms, out);
    } else {
        blocked::<T, 8, FUSED>(packed, groups, d, panels, half_norms, out);
    }
}

#[inline(always)]
fn blocked<T: Float, const W: usize, const FUSED: bool>(
    packed: &[T],
    groups: usize,
    d: usize,
    panels: &[T],
    half_norms: &[T],
    out: &mut [T],
) {
    let kp = half_norms.len();
    let n_panels = kp / W;
    // Panel-outer: one panel (d × W) stays in L1 while every row group of the tile passes it.
    for p in 0..n_panels {
        let panel = &panels[p * d * W..(p + 1) * d * W];
        let hn: &[T; W] = half_norms[p * W..(p + 1) * W].try_into().unwrap();
        for g in 0..groups {
            let xs = &packed[g * d * MR..(g + 1) * d * MR];
            let mut acc = [[T::zero(); W]; MR];
            for (x, c) in xs.chunks_exact(MR).zip(panel.chunks_exact(W)) {
                let x: &[T; MR] = x.try_into().unwrap();
                let c: &[T; W] = c.try_into().unwrap();
                for r in 0..MR {
                    for l in 0..W {
                        acc[r][l] = if FUSED {
                            x[r].mul_add(c[l], acc[r][l])
                        } else {
                            acc[r][l] + x[r] * c[l]
                        };
                    }
                }
            }
            for r in 0..MR {
                let o = &mut out[(g * MR + r) * kp + p * W..(g * MR + r) * kp + (p + 1) * W];
                for l in 0..W {
                    o[l] = hn[l] - acc[r][l];
                }
            }
        }
    }
}
