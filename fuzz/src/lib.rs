//! Shared input types and checks for the `fit`, `blocks` and `partitions` fuzz targets.
//!
//! Inputs are derived with `arbitrary`. Floating-point values come from [`Val`], which mixes
//! "nice" values (small integers, quarters, a table of ordinary numbers) with raw f64/f32 bit
//! patterns and a table of edge cases (NaN, ±∞, −0, subnormals, ±1e300, ±f32::MAX, values just
//! around the crate's magnitude limits), so that both valid and invalid inputs are common.
//!
//! Every check panics (a crash for libFuzzer) on: a panic inside the crate, a NaN or infinity
//! in an `Ok` result where the crate documents finite output, an `Err` that the input does not
//! explain, or an `Ok` that breaks a documented property (labels not the nearest centroid, ...).

pub mod blocks;
pub mod fit;
pub mod model;
pub mod partitions;

use arbitrary::Arbitrary;

/// Ordinary values (picked by `Val::Nice`).
const NICE: &[f64] = &[
    0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, 10.0, -10.0, 0.1, 0.25, 100.0, -100.0, 1e3, 1e-3, 7.5, -3.25,
    42.0, 1e6, -1e6, 0.3, 1.5, 5.0,
];

/// Edge cases (picked by `Val::Special`).
fn special(i: u8) -> f64 {
    let f32_max = f32::MAX as f64;
    match i % 40 {
        0 => f64::NAN,
        1 => f64::INFINITY,
        2 => f64::NEG_INFINITY,
        3 => -0.0,
        4 => f64::MIN_POSITIVE,
        5 => 5e-324,
        6 => -5e-324,
        7 => f32::MIN_POSITIVE as f64,
        8 => 1e-45, // f32 subnormal
        9 => 1e300,
        10 => -1e300,
        11 => f32_max,
        12 => -f32_max,
        13 => f64::MAX,
        14 => -f64::MAX,
        15 => 1e18,
        16 => -1e18,
        17 => 3e18,
        18 => (f32_max / 32.0).sqrt(), // the f32 limit for 1 feature
        19 => (f32_max / 32.0).sqrt() * 1.000001,
        20 => (f32_max / 256.0).sqrt(), // the f32 limit for 8 features
        21 => 1e150,
        22 => -1e150,
        23 => (f64::MAX / 32.0).sqrt(), // the f64 limit for 1 feature, 1 row
        24 => (f64::MAX / 32.0).sqrt() * 1.000001,
        25 => 1e153,
        26 => 1e154,
        27 => 1e19,
        28 => 1e30,
        29 => 1e38,
        30 => -1e38,
        31 => 1e-300,
        32 => 1.0 + f64::EPSILON,
        33 => 1.0 - f64::EPSILON / 2.0,
        34 => 16_777_217.0, // 2^24 + 1, not an f32
        35 => 9_007_199_254_740_993.0,
        36 => 1e7 + 0.5,
        37 => -1e-10,
        38 => 4e9,
        _ => 1e100,
    }
}

/// One arbitrary floating-point value.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
pub enum Val {
    /// `i / 4`: small, often repeated values.
    Small(i8),
    /// A small integer.
    Int(i16),
    /// An entry of [`NICE`].
    Nice(u8),
    /// An edge case from [`special`].
    Special(u8),
    /// `mantissa · 2^(exp mod 2200 − 1100)`: any magnitude, subnormals and overflow included.
    Scaled {
        /// The signed mantissa.
        mantissa: i16,
        /// The binary exponent, reduced modulo 2200.
        exp: u16,
    },
    /// Raw f64 bits (narrowed by `as` for f32).
    F64(u64),
    /// Raw f32 bits.
    F32(u32),
}

impl Val {
    /// The value as f64 (for `F32`, the exact widening).
    pub fn as_f64(self) -> f64 {
        match self {
            Val::Small(i) => i as f64 / 4.0,
            Val::Int(i) => i as f64,
            Val::Nice(i) => NICE[i as usize % NICE.len()],
            Val::Special(i) => special(i),
            Val::Scaled { mantissa, exp } => {
                let e = (exp % 2200) as i32 - 1100;
                // Two steps so that neither power overflows or underflows on its own.
                mantissa as f64 * 2f64.powi(e / 2) * 2f64.powi(e - e / 2)
            }
            Val::F64(bits) => f64::from_bits(bits),
            Val::F32(bits) => f32::from_bits(bits) as f64,
        }
    }
}

/// The element types, with conversions from [`Val`] and to f64.
pub trait FuzzFloat: k_means::Float {
    /// Converts an arbitrary value (raw f32 bits are taken exactly for f32).
    fn from_val(v: Val) -> Self;
    /// Widens to f64 (exact).
    fn wide(self) -> f64;
    /// Rounds an f64 to this type.
    fn narrow(v: f64) -> Self;
}

impl FuzzFloat for f32 {
    fn from_val(v: Val) -> Self {
        match v {
            Val::F32(bits) => f32::from_bits(bits),
            other => other.as_f64() as f32,
        }
    }
    fn wide(self) -> f64 {
        self as f64
    }
    fn narrow(v: f64) -> Self {
        v as f32
    }
}

impl FuzzFloat for f64 {
    fn from_val(v: Val) -> Self {
        v.as_f64()
    }
    fn wide(self) -> f64 {
        self
    }
    fn narrow(v: f64) -> Self {
        v
    }
}

/// Converts a list of values.
pub fn vals<T: FuzzFloat>(v: &[Val]) -> Vec<T> {
    v.iter().map(|&x| T::from_val(x)).collect()
}

/// Widens a buffer to f64.
pub fn wide<T: FuzzFloat>(v: &[T]) -> Vec<f64> {
    v.iter().map(|x| x.wide()).collect()
}

/// Direct squared distance in f64, in exactly the crate's order (four interleaved partial
/// sums, the remainder into the first, then `(s0 + s1) + (s2 + s3)`), so it equals the crate's
/// oracle to the bit; written out here because the crate's own functions refuse NaN, ±∞ and
/// overflowing values, which this must handle.
pub fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mut acc = [0.0_f64; 4];
    let split = a.len() / 4 * 4;
    for (x, y) in a[..split].chunks_exact(4).zip(b[..split].chunks_exact(4)) {
        for l in 0..4 {
            let t = x[l] - y[l];
            acc[l] += t * t;
        }
    }
    for (x, y) in a[split..].iter().zip(&b[split..]) {
        let t = x - y;
        acc[0] += t * t;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// The crate's magnitude limit for data of type `T` (`T::MAX` given by `t_max`), `d` features
/// and `n` rows: `min(√(T::MAX / 32d), √(f64::MAX / 32dn))`, as documented in `validate.rs`.
pub fn magnitude_limit(t_max: f64, d: usize, n: usize) -> f64 {
    let d = d.max(1) as f64;
    let in_t = (t_max / (32.0 * d)).sqrt();
    let in_f64 = (f64::MAX / (32.0 * d * n.max(1) as f64)).sqrt();
    in_t.min(in_f64)
}

/// The crate's limit for centroids: the data's, with a relative slack of 2⁻⁴⁰ (a fitted
/// centroid, a fixed-point mean, can round up past the data's limit by half a quantum).
pub fn centroid_limit(t_max: f64, d: usize, n: usize) -> f64 {
    magnitude_limit(t_max, d, n) * (1.0 + 1.0 / (1u64 << 40) as f64)
}

/// The first value of `values` that is not finite or exceeds `limit`, as the crate reports it:
/// `(index, finite?)`.
pub fn first_bad(values: &[f64], limit: f64) -> Option<(usize, bool)> {
    values
        .iter()
        .position(|v| !v.is_finite() || v.abs() > limit)
        .map(|i| (i, values[i].is_finite()))
}

/// Index of the nearest centroid by direct f64 squared distance, ties to the lowest index
/// (scan from +∞ with strict `<`, as documented).
pub fn nearest(row: &[f64], centroids: &[f64], d: usize) -> usize {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centroids.chunks_exact(d).enumerate() {
        let s = sq_dist(row, c);
        if s < best.1 {
            best = (j, s);
        }
    }
    best.0
}

/// Checks that a value-check error of the crate (`NonFinite` / `ValueTooLarge`) is explained by
/// `values` (`d` per row): the reported value is bad and every earlier value passed. Returns
/// `false` if the error is of another kind.
pub fn value_error_explained(err: &k_means::KMeansError, values: &[f64], d: usize) -> bool {
    use k_means::KMeansError as E;
    match *err {
        E::NonFinite { row, column } => {
            assert!(column < d, "{err:?}: column out of range (d = {d})");
            let i = row * d + column;
            assert!(i < values.len(), "{err:?}: position out of range");
            assert!(!values[i].is_finite(), "{err:?}: value {} is finite", values[i]);
            assert!(
                values[..i].iter().all(|v| v.is_finite()),
                "{err:?}: an earlier value is not finite"
            );
            true
        }
        E::ValueTooLarge { row, column, limit } => {
            assert!(column < d, "{err:?}: column out of range (d = {d})");
            assert!(limit.is_finite() && limit > 0.0, "{err:?}: bad limit");
            let i = row * d + column;
            assert!(i < values.len(), "{err:?}: position out of range");
            assert!(
                values[i].is_finite() && values[i].abs() > limit,
                "{err:?}: value {} is not over the limit",
                values[i]
            );
            assert!(
                values[..i].iter().all(|v| v.is_finite() && v.abs() <= limit),
                "{err:?}: an earlier value is bad"
            );
            true
        }
        _ => false,
    }
}

/// All values finite and at most `bound` in magnitude.
pub fn all_within(values: &[f64], bound: f64) -> bool {
    values.iter().all(|v| v.is_finite() && v.abs() <= bound)
}

/// Whether known crash `id` (numbered as in `tests/fuzz_regressions.rs`) should be stepped
/// around, so that a long run finds new bugs instead of the same one: set
/// `K_MEANS_FUZZ_SKIP=1,2` in the environment. Unset (the default), nothing is skipped.
pub fn skip_known(id: u32) -> bool {
    use std::sync::OnceLock;
    static SKIP: OnceLock<Vec<u32>> = OnceLock::new();
    SKIP.get_or_init(|| {
        std::env::var("K_MEANS_FUZZ_SKIP")
            .unwrap_or_default()
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect()
    })
    .contains(&id)
}

/// A magnitude every shape accepts, for both types (far under every limit).
pub const SAFE: f64 = 1e6;
