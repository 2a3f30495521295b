//! The floating-point element types the crate works on.

use core::fmt::{Debug, Display};
use core::iter::Sum;

/// The seal, and the crate's own view of the two types: a slice of `T` as what it is, for
/// the kernels with hand-written intrinsics (users cannot name this trait).
pub(crate) mod sealed {
    pub trait Sealed: Sized {
        /// `Some` when `Self` is f32.
        fn as_f32s(values: &[Self]) -> Option<&[f32]>;
        /// `Some` when `Self` is f64.
        fn as_f64s(values: &[Self]) -> Option<&[f64]>;
    }
    impl Sealed for f32 {
        #[inline(always)]
        fn as_f32s(values: &[f32]) -> Option<&[f32]> {
            Some(values)
        }
        #[inline(always)]
        fn as_f64s(_: &[f32]) -> Option<&[f64]> {
            None
        }
    }
    impl Sealed for f64 {
        #[inline(always)]
        fn as_f32s(_: &[f64]) -> Option<&[f32]> {
            None
        }
        #[inline(always)]
        fn as_f64s(values: &[f64]) -> Option<&[f64]> {
            Some(values)
        }
    }
}

/// An element type k-means can run on: `f32` or `f64`.
///
/// This is [`num_traits::Float`] plus the bounds a parallel, serializable library needs. It is
/// sealed because the distance kernels are specialised per type (SIMD panel width, rounding
/// error bounds); every public item is generic over it.
///
/// # Examples
///
/// ```
/// fn mean<T: k_means::Float>(xs: &[T]) -> T {
///     xs.iter().copied().fold(T::zero(), |a, b| a + b) / T::from(xs.len()).unwrap()
/// }
/// assert_eq!(mean(&[1.0_f32, 3.0]), 2.0);
/// assert_eq!(mean(&[1.0_f64, 2.0]), 1.5);
/// ```
#[diagnostic::on_unimplemented(
    message = "k-means runs on `f32` or `f64` values, not `{Self}`",
    label = "not `f32` or `f64`",
    note = "convert the values first, e.g. `rows.iter().map(|r| r.map(f64::from))`"
)]
pub trait Float:
    num_traits::Float + Default + Debug + Display + Sum + Send + Sync + 'static + sealed::Sealed
{
    /// Unit roundoff of the type (half its machine epsilon), as `f64`.
    #[doc(hidden)]
    const UNIT_ROUNDOFF: f64;
    /// Lossless widening to `f64`.
    #[doc(hidden)]
    fn to_f64_(self) -> f64;
    /// Rounding conversion from `f64` (overflow gives infinity).
    #[doc(hidden)]
    fn from_f64_(v: f64) -> Self;
}

impl Float for f32 {
    const UNIT_ROUNDOFF: f64 = f32::EPSILON as f64 / 2.0;
    #[inline(always)]
    fn to_f64_(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn from_f64_(v: f64) -> Self {
        v as f32
    }
}

impl Float for f64 {
    const UNIT_ROUNDOFF: f64 = f64::EPSILON / 2.0;
    #[inline(always)]
    fn to_f64_(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_f64_(v: f64) -> Self {
        v
    }
}
