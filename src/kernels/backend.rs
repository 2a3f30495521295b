//! Which compiled copy of the kernels runs, and the one place that enters it.
//!
//! Every kernel body is written once, generic over an instruction-set marker `S: Isa`
//! ([`Portable`], and on x86-64 [`Avx2Fma`] and [`Avx512`]), and implemented as a [`Kernel`]:
//! a value holding its arguments with an `#[inline(always)]` `run::<S>()`. [`Backend::run`]
//! is the only code that calls a `#[target_feature]` function: it matches on the backend token
//! and calls one of three wrappers below, each compiled with its instruction set enabled, into
//! which the whole kernel body is inlined. So a kernel call dispatches once, not once per tile,
//! and the portable copy (the test oracle) is always compiled.
//!
//! **Soundness by construction.** A [`Backend`] holds a private `Level`; the only functions
//! that produce one ([`Backend::detected`], [`Backend::supported`], [`Backend::portable`]) live
//! in this module and return an AVX level only after `is_x86_feature_detected!` confirmed every
//! feature it enables. No other module can name `Level` or build a `Backend` by hand, so every
//! `unsafe` call in [`Backend::run`] is reachable only with a token that detection produced.

/// A compile-time instruction-set level that a kernel body is compiled for. It only selects
/// code shapes (FMA or not, panel width); whether the CPU can run them is [`Backend`]'s concern.
pub(crate) trait Isa: Copy {
    /// Whether `mul_add` is a hardware FMA. The portable copy multiplies and adds separately
    /// (a software `fma` call would be slow); the AVX copies use FMA. The two can differ in the
    /// last bit of a score, which the certification bound covers.
    const FUSED: bool;
    /// Bytes per row panel: two SIMD registers of rows.
    const PANEL_BYTES: usize;

    /// The proof that AVX-512F may run, for kernels with hand-written intrinsics: `Some` only
    /// for the [`Avx512`] level, whose values only [`Backend::run`] makes, after detection.
    #[inline(always)]
    fn avx512(self) -> Option<Avx512Proof> {
        None
    }
}

/// A value that exists only where AVX-512F was detected (see [`Isa::avx512`]). Off x86-64 it
/// cannot be made at all.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx512Proof(());

/// Portable code (LLVM may still auto-vectorise it for the baseline target).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Portable;

impl Isa for Portable {
    const FUSED: bool = false;
    const PANEL_BYTES: usize = 64;
}

/// The same code compiled with AVX2 and FMA enabled (256-bit registers).
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx2Fma;

#[cfg(target_arch = "x86_64")]
impl Isa for Avx2Fma {
    const FUSED: bool = true;
    const PANEL_BYTES: usize = 64;
}

/// The same code compiled with AVX-512F (512-bit registers, twice the rows per panel). Its
/// private field keeps any other module from making one: a value of it is the evidence that
/// detection found AVX-512F, which the intrinsic kernels rely on.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx512(());

#[cfg(target_arch = "x86_64")]
impl Isa for Avx512 {
    const FUSED: bool = true;
    const PANEL_BYTES: usize = 128;

    #[inline(always)]
    fn avx512(self) -> Option<Avx512Proof> {
        Some(Avx512Proof(()))
    }
}

/// Rows per row panel of the level `S` for element type `T`.
#[inline(always)]
pub(crate) const fn panel_width<T, S: Isa>() -> usize {
    S::PANEL_BYTES / core::mem::size_of::<T>()
}

/// A kernel call: its arguments, and its body compiled for any level.
pub(crate) trait Kernel {
    /// What the kernel returns.
    type Output;
    /// The body, for level `S` (`isa`: a value of it, which for [`Avx512`] only
    /// [`Backend::run`] can make). Implementations mark it `#[inline(always)]` so that it is
    /// compiled inside the `#[target_feature]` wrapper that [`Backend::run`] calls.
    fn run<S: Isa>(self, isa: S) -> Self::Output;
}

/// A token for one compiled copy of the kernels that this CPU can run (see the module docs for
/// why only detection can make one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backend(Level);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Backend {
    /// The portable copy, which every CPU runs.
    pub(crate) const fn portable() -> Backend {
        Backend(Level::Portable)
    }

    /// Every copy this CPU can run, slowest first (for tests that check each against the
    /// portable oracle).
    pub(crate) fn supported() -> Vec<Backend> {
        #[allow(unused_mut)]
        let mut all = vec![Backend::portable()];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                all.push(Backend(Level::Avx2Fma));
                if std::arch::is_x86_feature_detected!("avx512f") {
                    all.push(Backend(Level::Avx512));
                }
            }
        }
        all
    }

    /// The fastest copy this CPU can run, detected once per process.
    ///
    /// The environment variable `K_MEANS_KERNEL=portable` (or `scalar`) or `=avx2` caps the
    /// choice; it is read once, on the first kernel call, and is meant for diagnostics and
    /// comparisons only: every backend gives the same results.
    pub(crate) fn detected() -> Backend {
        #[cfg(test)]
        if tests::FORCE_PORTABLE.load(std::sync::atomic::Ordering::SeqCst) {
            return Backend::portable();
        }
        use std::sync::OnceLock;
        static DETECTED: OnceLock<Backend> = OnceLock::new();
        *DETECTED.get_or_init(|| {
            let cap = std::env::var("K_MEANS_KERNEL").unwrap_or_default();
            let supported = Backend::supported_for(&cap);
            supported[supported.len() - 1]
        })
    }

    /// [`supported`](Self::supported), capped by a `K_MEANS_KERNEL` value.
    fn supported_for(cap: &str) -> Vec<Backend> {
        let mut all = Backend::supported();
        let max = match cap {
            "portable" | "scalar" => 1,
            "avx2" => 2,
            _ => all.len(),
        };
        all.truncate(max);
        all
    }

    /// Whether this backend runs the AVX-512 code (its hand-written in-place kernel included).
    pub(crate) fn is_avx512(self) -> bool {
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => true,
            _ => false,
        }
    }

    /// Rows per row panel of this backend for element type `T`.
    pub(crate) fn panel_width<T>(self) -> usize {
        match self.0 {
            Level::Portable => panel_width::<T, Portable>(),
            #[cfg(target_arch = "x86_64")]
            Level::Avx2Fma => panel_width::<T, Avx2Fma>(),
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => panel_width::<T, Avx512>(),
        }
    }

    /// Runs `kernel` compiled for this backend.
    #[inline]
    pub(crate) fn run<K: Kernel>(self, kernel: K) -> K::Output {
        match self.0 {
            Level::Portable => kernel.run(Portable),
            // SAFETY: a `Backend(Level::Avx2Fma)` is only built by `supported`, after
            // `is_x86_feature_detected!` confirmed AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            Level::Avx2Fma => unsafe { run_avx2_fma(kernel) },
            // SAFETY: a `Backend(Level::Avx512)` is only built by `supported`, after
            // `is_x86_feature_detected!` confirmed AVX-512F, AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => unsafe { run_avx512(kernel) },
        }
    }
}

/// Asks for the cache lines of `values` (a hint, which changes no result; nothing happens off
/// x86-64).
#[inline(always)]
pub(crate) fn prefetch<T>(values: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let bytes = core::mem::size_of_val(values);
        let base = values.as_ptr().cast::<i8>();
        for offset in (0..bytes).step_by(64) {
            // SAFETY: SSE, which `_mm_prefetch` needs, is part of every x86-64 CPU, and a
            // prefetch reads nothing into the program (these addresses are in `values` anyway).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(base.wrapping_add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = values;
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn run_avx2_fma<K: Kernel>(kernel: K) -> K::Output {
    kernel.run(Avx2Fma)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn run_avx512<K: Kernel>(kernel: K) -> K::Output {
    kernel.run(Avx512(()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Makes [`Backend::detected`] return the portable copy while set (tests only: a whole fit
    /// on the portable backend, to compare with the detected one's, without the environment
    /// variable). Every backend must give the same results, so tests running meanwhile in
    /// other threads are unaffected.
    pub(crate) static FORCE_PORTABLE: std::sync::atomic::AtomicBool =
        std::sync::atomic::AtomicBool::new(false);

    #[test]
    fn the_cap_only_lowers_the_choice() {
        let all = Backend::supported();
        assert_eq!(all[0], Backend::portable());
        assert_eq!(Backend::supported_for("portable"), vec![Backend::portable()]);
        assert_eq!(Backend::supported_for("scalar"), vec![Backend::portable()]);
        assert!(Backend::supported_for("avx2").len() <= 2);
        assert_eq!(Backend::supported_for(""), all);
        assert!(all.contains(&Backend::detected()));
    }

    #[test]
    fn panel_widths_are_two_registers() {
        assert_eq!(Backend::portable().panel_width::<f32>(), 16);
        assert_eq!(Backend::portable().panel_width::<f64>(), 8);
        for b in Backend::supported() {
            assert!(b.panel_width::<f32>() == 16 || b.panel_width::<f32>() == 32);
        }
    }
}
