//! Value stability: the exact results of seeded fits, pinned bit for bit.
//!
//! In the spirit of `rand_distr`'s `tests/value_stability.rs`, but exact to the last bit: this
//! crate promises bit-identical results on any number of threads, with or without the `rayon`
//! feature, and on every kernel backend (portable, AVX2+FMA, AVX-512), so the values pinned here
//! must come out of every build on every machine.
//!
//! # What is pinned
//!
//! Every case in [`CASES`] is fitted for `f32` and for `f64` on [`make_blobs`] data (portable:
//! the same seed gives the same rows everywhere). It covers each start (`Init::Random`,
//! `Init::KMeansPlusPlus`, `Init::Precomputed` from the first k rows), each algorithm (`Lloyd`,
//! `Hamerly`, `Yinyang`, `Auto`), the default refinement (breathing k-means for seeded starts,
//! none for precomputed ones), `Refine::None`, an explicit `Refine::Breathing`, a run stopped by
//! `max_iter` and the all-defaults fit, on overlapping blobs (plain runs take 5 to 26
//! iterations). Every data set spans two or more of the fixed 1024-row chunks; all but `WIDE`
//! end in a partial 64-row tile, and `WIDE` reaches the parallel path (`n × k × d = 2²⁰`). k runs
//! from 3 to 20 (not all multiples of the kernel's 6-centroid blocks; one or two Yinyang groups)
//! and d is 2, 5, 7 and 16 (a remainder in the direct distances' 4 and 16 lanes, or none). For
//! each case and type, [`Pinned`] holds:
//!
//! * `centroids`: a 64-bit FNV-1a digest of the little-endian bytes of `to_bits()` of every
//!   centroid value (4 bytes for `f32`, 8 for `f64`), in order;
//! * `first_centroid`: the first centroid in full, written with `{:?}` (the shortest decimal that
//!   parses back to the same value, so the literal fixes every bit) and compared by `to_bits()`;
//! * `labels`: an FNV-1a digest of every label as a little-endian `u64`;
//! * `inertia`: `f64::to_bits` of the inertia (its value in a comment);
//! * `n_iter` and `converged`.
//!
//! Cases that differ only in the algorithm must also agree with one another (all the algorithms
//! are exact), whatever the pinned values say.
//!
//! # When a value changes
//!
//! A change here changes what users get from a seeded fit: it is **value-breaking**, must be
//! deliberate, and goes into `CHANGELOG.md` with a "**Value-breaking**" note saying what changed
//! and why. A mismatch that appears only under some build (release, `--no-default-features`,
//! `K_MEANS_KERNEL=scalar`, another thread count or CPU) is not a re-pin: it is a bug in the
//! crate's determinism.
//!
//! To re-pin after a deliberate change, run
//!
//! ```text
//! cargo test --test value_stability -- --nocapture --test-threads=1
//! ```
//!
//! and replace the `F32_PINNED` and `F64_PINNED` tables at the end of this file with the ones
//! printed (each test lists the fields that differ, then prints its table in full, ready to paste
//! as it is), then run the test again.

use k_means::datasets::make_blobs;
use k_means::{Algorithm, Float, Init, KMeans, KMeansModel, Refine, RowMajor};

use Algorithm::{Auto, Hamerly, Lloyd, Yinyang};
use Start::{FirstRows, KMeansPlusPlus as Kpp, Random};

/// A [`make_blobs`] data set.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Data {
    n_samples: usize,
    n_features: usize,
    n_centers: usize,
    cluster_std: f64,
    seed: u64,
}

/// 2000 × 2, five blobs of std 2.5 around centres in [-10, 10]: heavily overlapping, so runs
/// take many iterations; fitted with k = 8 > 5, so breathing has centroids to move.
const PLANE: Data = Data {
    n_samples: 2000,
    n_features: 2,
    n_centers: 5,
    cluster_std: 2.5,
    seed: 11,
};

/// 4096 × 16 with k = 16: `n × k × d = 2²⁰`, the parallel threshold, in four row chunks of
/// whole tiles; 16 features fill the direct kernel's 16 lanes exactly.
const WIDE: Data = Data {
    n_samples: 4096,
    n_features: 16,
    n_centers: 16,
    cluster_std: 4.0,
    seed: 12,
};

/// 2000 × 7 with k = 20: 7 features (a remainder in both the f64 direct distance's 4 partial
/// sums and the k-means++ direct kernel's 16 SIMD lanes), k not a multiple of the kernel's
/// 6-centroid blocks, and two Yinyang groups.
const ODD: Data = Data {
    n_samples: 2000,
    n_features: 7,
    n_centers: 20,
    cluster_std: 1.5,
    seed: 13,
};

/// 2000 × 5 with k = 3 blobs of std 6 (barely separated): the smallest k.
const SMALL_K: Data = Data {
    n_samples: 2000,
    n_features: 5,
    n_centers: 3,
    cluster_std: 6.0,
    seed: 14,
};

/// How a case starts.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Start {
    Random,
    KMeansPlusPlus,
    /// `Init::Precomputed` with the first k rows of the data.
    FirstRows,
}

/// One seeded fit. `None` options are left at the builder's default.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Case {
    name: &'static str,
    data: Data,
    k: usize,
    start: Start,
    algorithm: Algorithm,
    refine: Option<Refine>,
    n_init: Option<usize>,
    max_iter: Option<usize>,
    seed: Option<u64>,
}

impl Case {
    /// Whether `self` and `other` are the same fit but for the algorithm.
    fn same_but_algorithm(&self, other: &Case) -> bool {
        Case {
            name: "",
            algorithm: Algorithm::Auto,
            ..*self
        } == Case {
            name: "",
            algorithm: Algorithm::Auto,
            ..*other
        }
    }
}

/// A case with the defaults but for data, k, start, algorithm, refinement and seed.
const fn case(
    name: &'static str,
    data: Data,
    k: usize,
    start: Start,
    algorithm: Algorithm,
    refine: Option<Refine>,
    seed: u64,
) -> Case {
    Case {
        name,
        data,
        k,
        start,
        algorithm,
        refine,
        n_init: None,
        max_iter: None,
        seed: Some(seed),
    }
}

/// `refine` left at its default: breathing (m = 2) for seeded starts, none for precomputed.
const DEFAULT: Option<Refine> = None;
const NONE: Option<Refine> = Some(Refine::None);
const BREATHE_2: Option<Refine> = Some(Refine::Breathing { m: 2 });

/// The fits pinned, for f32 and f64 alike. The groups that differ only in the algorithm (checked
/// to agree): `plane/kpp/none` (seeded, plain), `*/first-rows/default` on three shapes (fixed
/// start, plain, one of them parallel), `small-k/kpp/default` (breathing; Lloyd, the slowest in
/// debug builds, left out).
#[rustfmt::skip]
const CASES: &[Case] = &[
    // Everything at its default (k-means++, Auto, breathing m = 2, seed 0).
    Case {
        name: "plane/all-defaults",
        data: PLANE,
        k: 8,
        start: Kpp,
        algorithm: Auto,
        refine: DEFAULT,
        n_init: None,
        max_iter: None,
        seed: None,
    },
    case("plane/kpp/none/lloyd", PLANE, 8, Kpp, Lloyd, NONE, 1),
    case("plane/kpp/none/hamerly", PLANE, 8, Kpp, Hamerly, NONE, 1),
    case("plane/kpp/none/yinyang", PLANE, 8, Kpp, Yinyang, NONE, 1),
    case("plane/kpp/none/auto", PLANE, 8, Kpp, Auto, NONE, 1),
    Case {
        name: "plane/random/none/auto/n-init-4",
        n_init: Some(4),
        ..case("", PLANE, 8, Random, Auto, NONE, 2)
    },
    case("plane/first-rows/default/lloyd", PLANE, 8, FirstRows, Lloyd, DEFAULT, 3),
    case("plane/first-rows/default/hamerly", PLANE, 8, FirstRows, Hamerly, DEFAULT, 3),
    case("plane/first-rows/default/yinyang", PLANE, 8, FirstRows, Yinyang, DEFAULT, 3),
    case("plane/first-rows/default/auto", PLANE, 8, FirstRows, Auto, DEFAULT, 3),
    // Stopped by max_iter: pins converged = false.
    Case {
        name: "plane/kpp/none/auto/max-iter-3",
        max_iter: Some(3),
        ..case("", PLANE, 8, Kpp, Auto, NONE, 4)
    },
    case("wide/kpp/none/auto", WIDE, 16, Kpp, Auto, NONE, 5),
    case("wide/first-rows/default/lloyd", WIDE, 16, FirstRows, Lloyd, DEFAULT, 7),
    case("wide/first-rows/default/hamerly", WIDE, 16, FirstRows, Hamerly, DEFAULT, 7),
    case("wide/first-rows/default/yinyang", WIDE, 16, FirstRows, Yinyang, DEFAULT, 7),
    case("wide/first-rows/default/auto", WIDE, 16, FirstRows, Auto, DEFAULT, 7),
    case("odd/kpp/default/auto", ODD, 20, Kpp, Auto, DEFAULT, 8),
    case("odd/kpp/none/auto", ODD, 20, Kpp, Auto, NONE, 8),
    Case {
        name: "odd/random/none/auto/n-init-3",
        n_init: Some(3),
        ..case("", ODD, 20, Random, Auto, NONE, 9)
    },
    case("odd/first-rows/default/lloyd", ODD, 20, FirstRows, Lloyd, DEFAULT, 10),
    case("odd/first-rows/default/hamerly", ODD, 20, FirstRows, Hamerly, DEFAULT, 10),
    case("odd/first-rows/default/yinyang", ODD, 20, FirstRows, Yinyang, DEFAULT, 10),
    case("odd/first-rows/default/auto", ODD, 20, FirstRows, Auto, DEFAULT, 10),
    case("small-k/kpp/default/hamerly", SMALL_K, 3, Kpp, Hamerly, DEFAULT, 11),
    case("small-k/kpp/default/yinyang", SMALL_K, 3, Kpp, Yinyang, DEFAULT, 11),
    case("small-k/kpp/default/auto", SMALL_K, 3, Kpp, Auto, DEFAULT, 11),
    case("small-k/kpp/none/auto", SMALL_K, 3, Kpp, Auto, NONE, 11),
    // Random starts with the default ten runs.
    case("small-k/random/default/auto", SMALL_K, 3, Random, Auto, DEFAULT, 12),
    case("small-k/first-rows/default/auto", SMALL_K, 3, FirstRows, Auto, DEFAULT, 13),
    case("small-k/first-rows/breathing-2/auto", SMALL_K, 3, FirstRows, Auto, BREATHE_2, 13),
];

/// What a case must produce, for element type `T`.
#[derive(Debug, Clone, PartialEq)]
struct Pinned<T: 'static> {
    case: &'static str,
    /// FNV-1a over the bits of every centroid value.
    centroids: u64,
    /// The first centroid, exact.
    first_centroid: &'static [T],
    /// FNV-1a over every label as a `u64`.
    labels: u64,
    /// `f64::to_bits` of the inertia.
    inertia: u64,
    n_iter: usize,
    converged: bool,
}

/// What a fit produced, in the form it is pinned in.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Actual {
    centroids: u64,
    first_centroid: Vec<u64>,
    first_centroid_text: String,
    labels: u64,
    inertia: u64,
    n_iter: usize,
    converged: bool,
}

/// The element types pinned: their bits and how a value is written in the tables.
trait Elem: Float + std::fmt::Debug + 'static {
    const NAME: &'static str;
    /// `to_bits()` widened to u64.
    fn bits(self) -> u64;
    /// The little-endian bytes of `to_bits()`, fed to the digest.
    fn digest_into(self, h: &mut Fnv);
}

impl Elem for f32 {
    const NAME: &'static str = "f32";
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
    fn digest_into(self, h: &mut Fnv) {
        h.write(&self.to_bits().to_le_bytes());
    }
}

impl Elem for f64 {
    const NAME: &'static str = "f64";
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn digest_into(self, h: &mut Fnv) {
        h.write(&self.to_bits().to_le_bytes());
    }
}

/// 64-bit FNV-1a.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

fn fit<T: Elem>(c: &Case) -> KMeansModel<T> {
    let Data {
        n_samples,
        n_features,
        n_centers,
        cluster_std,
        seed,
    } = c.data;
    let blobs = make_blobs::<T>(n_samples, n_features, n_centers, cluster_std, seed).unwrap();
    let init = match c.start {
        Start::Random => Init::Random,
        Start::KMeansPlusPlus => Init::KMeansPlusPlus,
        Start::FirstRows => Init::Precomputed(blobs.data[..c.k * n_features].to_vec()),
    };
    let mut km = KMeans::new(c.k).init(init).algorithm(c.algorithm);
    if let Some(r) = c.refine {
        km = km.refine(r);
    }
    if let Some(n) = c.n_init {
        km = km.n_init(n);
    }
    if let Some(m) = c.max_iter {
        km = km.max_iter(m);
    }
    if let Some(s) = c.seed {
        km = km.seed(s);
    }
    km.fit(&RowMajor::new(&blobs.data, n_features).unwrap()).unwrap()
}

fn actual<T: Elem>(model: &KMeansModel<T>) -> Actual {
    let mut centroids = Fnv::new();
    for &v in model.centroids() {
        v.digest_into(&mut centroids);
    }
    let mut labels = Fnv::new();
    for &l in model.labels() {
        labels.write(&(l as u64).to_le_bytes());
    }
    let first = model.centroid(0).unwrap();
    Actual {
        centroids: centroids.0,
        first_centroid: first.iter().map(|v| v.bits()).collect(),
        first_centroid_text: first
            .iter()
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>()
            .join(", "),
        labels: labels.0,
        inertia: model.inertia().to_bits(),
        n_iter: model.n_iter(),
        converged: model.converged(),
    }
}

/// The fields in which `a` differs from `p`, as `field: pinned → actual` (empty if none).
fn differences<T: Elem>(p: &Pinned<T>, name: &str, a: &Actual) -> Vec<String> {
    let mut out = Vec::new();
    if p.case != name {
        out.push(format!("case: {:?} → {name:?}", p.case));
    }
    if p.centroids != a.centroids {
        out.push(format!(
            "centroids: {:#018x} → {:#018x}",
            p.centroids, a.centroids
        ));
    }
    if !p
        .first_centroid
        .iter()
        .map(|v| v.bits())
        .eq(a.first_centroid.iter().copied())
    {
        out.push(format!(
            "first_centroid: {:?} → [{}]",
            p.first_centroid, a.first_centroid_text
        ));
    }
    if p.labels != a.labels {
        out.push(format!("labels: {:#018x} → {:#018x}", p.labels, a.labels));
    }
    if p.inertia != a.inertia {
        out.push(format!(
            "inertia: {:?} → {:?}",
            f64::from_bits(p.inertia),
            f64::from_bits(a.inertia)
        ));
    }
    if p.n_iter != a.n_iter {
        out.push(format!("n_iter: {} → {}", p.n_iter, a.n_iter));
    }
    if p.converged != a.converged {
        out.push(format!("converged: {} → {}", p.converged, a.converged));
    }
    out
}

/// The table of `actuals`, as source to paste over the `table` constant.
fn table_source(table: &str, elem: &str, actuals: &[Actual]) -> String {
    let mut s = format!("#[rustfmt::skip]\nconst {table}: &[Pinned<{elem}>] = &[\n");
    for (c, a) in CASES.iter().zip(actuals) {
        s += &format!(
            "    Pinned {{\n        case: {:?},\n        centroids: {:#018x},\n        \
             first_centroid: &[{}],\n        labels: {:#018x},\n        inertia: {:#018x}, // {:?}\n        \
             n_iter: {},\n        converged: {},\n    }},\n",
            c.name,
            a.centroids,
            a.first_centroid_text,
            a.labels,
            a.inertia,
            f64::from_bits(a.inertia),
            a.n_iter,
            a.converged,
        );
    }
    s += "];\n";
    s
}

/// Fits every case for `T`, checks that the algorithms agree, and compares with `pinned`.
fn check<T: Elem>(table: &str, pinned: &[Pinned<T>]) {
    let actuals: Vec<Actual> = CASES.iter().map(|c| actual(&fit::<T>(c))).collect();

    let mut mismatched: Vec<&str> = Vec::new();
    let mut report = String::new();
    for (i, c) in CASES.iter().enumerate() {
        let diff = match pinned.get(i) {
            Some(p) => differences(p, c.name, &actuals[i]),
            None => vec!["not pinned".to_string()],
        };
        if !diff.is_empty() {
            mismatched.push(c.name);
            report += &format!("  {}: {}\n", c.name, diff.join("; "));
        }
    }
    let stale = pinned.len() != CASES.len() || !mismatched.is_empty();
    if stale {
        println!(
            "\n{} value stability: {} of {} cases differ from {table} ({} pinned):\n{report}\n\
             If the change is deliberate, replace {table} in tests/value_stability.rs with:\n\n{}",
            T::NAME,
            mismatched.len(),
            CASES.len(),
            pinned.len(),
            table_source(table, T::NAME, &actuals)
        );
    }

    // The algorithms are exact: from the same start and options they give the same fit.
    let mut pairs = 0;
    for (i, a) in CASES.iter().enumerate() {
        for (j, b) in CASES.iter().enumerate().skip(i + 1) {
            if a.same_but_algorithm(b) {
                pairs += 1;
                assert_eq!(
                    actuals[i],
                    actuals[j],
                    "{}: {} and {} differ: the algorithms disagree (a bug, not a re-pin)",
                    T::NAME,
                    a.name,
                    b.name
                );
            }
        }
    }

    assert!(pairs > 0, "no two cases differ only in the algorithm");

    assert!(
        !stale,
        "{} results differ from {table} in {} case(s): {mismatched:?}{}. A deliberate change is \
         value-breaking (CHANGELOG.md); re-pin from the table printed above (run with --nocapture)",
        T::NAME,
        mismatched.len(),
        if pinned.len() == CASES.len() {
            String::new()
        } else {
            format!(" ({} pinned for {} cases)", pinned.len(), CASES.len())
        },
    );
}

#[test]
fn f32_fits_are_pinned() {
    check::<f32>("F32_PINNED", F32_PINNED);
}

#[test]
fn f64_fits_are_pinned() {
    check::<f64>("F64_PINNED", F64_PINNED);
}

#[rustfmt::skip]
const F32_PINNED: &[Pinned<f32>] = &[
    Pinned {
        case: "plane/all-defaults",
        centroids: 0x6ead96c5b916be68,
        first_centroid: &[-9.249523, -8.733453],
        labels: 0x78f9591239ed8361,
        inertia: 0x40ce854d8bc0f02b, // 15626.60582744338
        n_iter: 3,
        converged: true,
    },
    Pinned {
        case: "plane/kpp/none/lloyd",
        centroids: 0xd724cfe660e844c4,
        first_centroid: &[-9.242018, -8.815324],
        labels: 0xc86fa59f683a58c6,
        inertia: 0x40cef6a6dc0f68f5, // 15853.303590704201
        n_iter: 26,
        converged: true,
    },
    Pinned {
        case: "plane/kpp/none/hamerly",
        centroids: 0xd724cfe660e844c4,
        first_centroid: &[-9.242018, -8.815324],
        labels: 0xc86fa59f683a58c6,
        inertia: 0x40cef6a6dc0f68f5, // 15853.303590704201
        n_iter: 26,
        converged: true,
    },
    Pinned {
        case: "plane/kpp/none/yinyang",
        centroids: 0xd724cfe660e844c4,
        first_centroid: &[-9.242018, -8.815324],
        labels: 0xc86fa59f683a58c6,
        inertia: 0x40cef6a6dc0f68f5, // 15853.303590704201
        n_iter: 26,
        converged: true,
    },
    Pinned {
        case: "plane/kpp/none/auto",
        centroids: 0xd724cfe660e844c4,
        first_centroid: &[-9.242018, -8.815324],
        labels: 0xc86fa59f683a58c6,
        inertia: 0x40cef6a6dc0f68f5, // 15853.303590704201
        n_iter: 26,
        converged: true,
    },
    Pinned {
        case: "plane/random/none/auto/n-init-4",
        centroids: 0x78047216f20b61f9,
        first_centroid: &[-4.012833, 2.403702],
        labels: 0xd29132e9d2f3fe22,
        inertia: 0x40cf05110f0e334e, // 15882.133271956493
        n_iter: 13,
        converged: true,
    },
    Pinned {
        case: "plane/first-rows/default/lloyd",
        centroids: 0x67150066277cbce5,
        first_centroid: &[2.9594436, -2.1133773],
        labels: 0x1f82209ae557a285,
        inertia: 0x40cf2faf4370e2e8, // 15967.369245634836
        n_iter: 11,
        converged: true,
    },
    Pinned {
        case: "plane/first-rows/default/hamerly",
        centroids: 0x67150066277cbce5,
        first_centroid: &[2.9594436, -2.1133773],
        labels: 0x1f82209ae557a285,
        inertia: 0x40cf2faf4370e2e8, // 15967.369245634836
        n_iter: 11,
        converged: true,
    },
    Pinned {
        case: "plane/first-rows/default/yinyang",
        centroids: 0x67150066277cbce5,
        first_centroid: &[2.9594436, -2.1133773],
        labels: 0x1f82209ae557a285,
        inertia: 0x40cf2faf4370e2e8, // 15967.369245634836
        n_iter: 11,
        converged: true,
    },
    Pinned {
        case: "plane/first-rows/default/auto",
        centroids: 0x67150066277cbce5,
        first_centroid: &[2.9594436, -2.1133773],
        labels: 0x1f82209ae557a285,
        inertia: 0x40cf2faf4370e2e8, // 15967.369245634836
        n_iter: 11,
        converged: true,
    },
    Pinned {
        case: "plane/kpp/none/auto/max-iter-3",
        centroids: 0x917d856b0f59c5f1,
        first_centroid: &[3.029565, -5.2348547],
        labels: 0x376c76508d195ae5,
        inertia: 0x40d02018c5925a5c, // 16512.387058819048
        n_iter: 3,
        converged: false,
    },
    Pinned {
        case: "wide/kpp/none/auto",
        centroids: 0x14a7353be84bdf5d,
        first_centroid: &[9.310918, 7.772242, 5.889856, 5.181448, -2.823727, -6.89323, 9.59608, -4.330786, -4.504097, -6.790735, 8.918867, 3.5462923, -1.5258608, -3.592918, 2.2521737, -3.1932342],
        labels: 0x8762288b428801e7,
        inertia: 0x4130b159bf7236af, // 1093977.7478365113
        n_iter: 13,
        converged: true,
    },
    Pinned {
        case: "wide/first-rows/default/lloyd",
        centroids: 0x689824c70dc47448,
        first_centroid: &[5.6804066, -4.847842, 9.689187, 7.1189656, -7.224973, 6.778205, -7.2078853, -0.57112193, -1.7639896, 5.0969396, 2.1599133, -9.943263, 10.038541, 7.071628, -5.940546, -0.85844284],
        labels: 0x27506ea1b4e9fe48,
        inertia: 0x413125020cf97f1c, // 1123586.0506820148
        n_iter: 10,
        converged: true,
    },
    Pinned {
        case: "wide/first-rows/default/hamerly",
        centroids: 0x689824c70dc47448,
        first_centroid: &[5.6804066, -4.847842, 9.689187, 7.1189656, -7.224973, 6.778205, -7.2078853, -0.57112193, -1.7639896, 5.0969396, 2.1599133, -9.943263, 10.038541, 7.071628, -5.940546, -0.85844284],
        labels: 0x27506ea1b4e9fe48,
        inertia: 0x413125020cf97f1c, // 1123586.0506820148
        n_iter: 10,
        converged: true,
    },
    Pinned {
        case: "wide/first-rows/default/yinyang",
        centroids: 0x689824c70dc47448,
        first_centroid: &[5.6804066, -4.847842, 9.689187, 7.1189656, -7.224973, 6.778205, -7.2078853, -0.57112193, -1.7639896, 5.0969396, 2.1599133, -9.943263, 10.038541, 7.071628, -5.940546, -0.85844284],
        labels: 0x27506ea1b4e9fe48,
        inertia: 0x413125020cf97f1c, // 1123586.0506820148
        n_iter: 10,
        converged: true,
    },
    Pinned {
        case: "wide/first-rows/default/auto",
        centroids: 0x689824c70dc47448,
        first_centroid: &[5.6804066, -4.847842, 9.689187, 7.1189656, -7.224973, 6.778205, -7.2078853, -0.57112193, -1.7639896, 5.0969396, 2.1599133, -9.943263, 10.038541, 7.071628, -5.940546, -0.85844284],
        labels: 0x27506ea1b4e9fe48,
        inertia: 0x413125020cf97f1c, // 1123586.0506820148
        n_iter: 10,
        converged: true,
    },
    Pinned {
        case: "odd/kpp/default/auto",
        centroids: 0x46a1ad395606f94f,
        first_centroid: &[-10.051925, -3.5198395, 8.069697, -2.79909, 7.4100056, -2.2276418, -5.5631146],
        labels: 0x2c813809dd2d53d1,
        inertia: 0x40de661731d5209f, // 31128.362416536194
        n_iter: 2,
        converged: true,
    },
    Pinned {
        case: "odd/kpp/none/auto",
        centroids: 0x795804c2e2936a9b,
        first_centroid: &[-10.051925, -3.5198395, 8.069697, -2.79909, 7.4100056, -2.2276418, -5.5631146],
        labels: 0xcefc2c36620992db,
        inertia: 0x40e10a835def1888, // 34900.105216548836
        n_iter: 9,
        converged: true,
    },
    Pinned {
        case: "odd/random/none/auto/n-init-3",
        centroids: 0x9aeb956068c67b3e,
        first_centroid: &[-3.561682, -8.185613, 0.00081421295, 4.0517683, -6.041873, -6.6051793, -7.4041023],
        labels: 0x4b65f64a51107229,
        inertia: 0x40e8459670fad5a5, // 49708.70129148223
        n_iter: 15,
        converged: true,
    },
    Pinned {
        case: "odd/first-rows/default/lloyd",
        centroids: 0xb8cdf4d33e124ad3,
        first_centroid: &[-9.31795, -3.6311615, 7.81523, 0.52925146, 4.8054543, 1.2701422, -3.1430707],
        labels: 0x5dca74b1fadf16c7,
        inertia: 0x40ef8afc5007d50e, // 64599.884769359705
        n_iter: 12,
        converged: true,
    },
    Pinned {
        case: "odd/first-rows/default/hamerly",
        centroids: 0xb8cdf4d33e124ad3,
        first_centroid: &[-9.31795, -3.6311615, 7.81523, 0.52925146, 4.8054543, 1.2701422, -3.1430707],
        labels: 0x5dca74b1fadf16c7,
        inertia: 0x40ef8afc5007d50e, // 64599.884769359705
        n_iter: 12,
        converged: true,
    },
    Pinned {
        case: "odd/first-rows/default/yinyang",
        centroids: 0xb8cdf4d33e124ad3,
        first_centroid: &[-9.31795, -3.6311615, 7.81523, 0.52925146, 4.8054543, 1.2701422, -3.1430707],
        labels: 0x5dca74b1fadf16c7,
        inertia: 0x40ef8afc5007d50e, // 64599.884769359705
        n_iter: 12,
        converged: true,
    },
    Pinned {
        case: "odd/first-rows/default/auto",
        centroids: 0xb8cdf4d33e124ad3,
        first_centroid: &[-9.31795, -3.6311615, 7.81523, 0.52925146, 4.8054543, 1.2701422, -3.1430707],
        labels: 0x5dca74b1fadf16c7,
        inertia: 0x40ef8afc5007d50e, // 64599.884769359705
        n_iter: 12,
        converged: true,
    },
    Pinned {
        case: "small-k/kpp/default/hamerly",
        centroids: 0x079131352481e3c2,
        first_centroid: &[7.2541122, -8.0958185, 2.9267504, 5.393828, 5.6351566],
        labels: 0x01f9f753e9b1d465,
        inertia: 0x4114bee9c3acb7e5, // 339898.4410885557
        n_iter: 4,
        converged: true,
    },
    Pinned {
        case: "small-k/kpp/default/yinyang",
        centroids: 0x079131352481e3c2,
        first_centroid: &[7.2541122, -8.0958185, 2.9267504, 5.393828, 5.6351566],
        labels: 0x01f9f753e9b1d465,
        inertia: 0x4114bee9c3acb7e5, // 339898.4410885557
        n_iter: 4,
        converged: true,
    },
    Pinned {
        case: "small-k/kpp/default/auto",
        centroids: 0x079131352481e3c2,
        first_centroid: &[7.2541122, -8.0958185, 2.9267504, 5.393828, 5.6351566],
        labels: 0x01f9f753e9b1d465,
        inertia: 0x4114bee9c3acb7e5, // 339898.4410885557
        n_iter: 4,
        converged: true,
    },
    Pinned {
        case: "small-k/kpp/none/auto",
        centroids: 0xda99ff2c26ec2ee6,
        first_centroid: &[7.25363, -8.071358, 2.9448118, 5.452689, 5.598543],
        labels: 0x958579ad9ec70e85,
        inertia: 0x4114beeaee17b9a2, // 339898.7325123792
        n_iter: 6,
        converged: true,
    },
    Pinned {
        case: "small-k/random/default/auto",
        centroids: 0xf3e5988370d2925e,
        first_centroid: &[-3.3980787, 6.0443482, -8.305601, 7.6992354, 1.4797807],
        labels: 0x68277f368b0d7265,
        inertia: 0x4114bee9c3acb7e5, // 339898.4410885557
        n_iter: 8,
        converged: true,
    },
    Pinned {
        case: "small-k/first-rows/default/auto",
        centroids: 0x7b7b3bda9539bc8e,
        first_centroid: &[1.5853949, -9.332376, 4.1079793, -10.120613, 3.024577],
        labels: 0x0e918fb2d5d14365,
        inertia: 0x4114beeaee17b9a2, // 339898.7325123792
        n_iter: 5,
        converged: true,
    },
    Pinned {
        case: "small-k/first-rows/breathing-2/auto",
        centroids: 0x7b7b3bda9539bc8e,
        first_centroid: &[1.5853949, -9.332376, 4.1079793, -10.120613, 3.024577],
        labels: 0x0e918fb2d5d14365,
        inertia: 0x4114beeaee17b9a2, // 339898.7325123792
        n_iter: 5,
        converged: true,
    },
];

#[rustfmt::skip]
const F64_PINNED: &[Pinned<f64>] = &[
    Pinned {
        case: "plane/all-defaults",
        centroids: 0x25121b4a2088470d,
        first_centroid: &[-9.24952296982942, -8.733452562798618],
        labels: 0x78f9591239ed8361,
        inertia: 0x40ce854d8f8426eb, // 15626.60594226742
        n_iter: 3,
        converged: true,
    },
    Pinned {
        case: "plane/kpp/none/lloyd",
        centroids: 0xe1d79531948fb689,
        first_centroid: &[-9.242017931753871, -8.815323469660873],
        labels: 0xc86fa59f683a58c6,
        inertia: 0x40cef6a6dfd37d15, // 15853.303705631328
        n_iter: 26,
        converged: true,
    },
    Pinned {
        case: "plane/kpp/none/hamerly",
        centroids: 0xe1d79531948fb689,
        first_centroid: &[-9.242017931753871, -8.815323469660873],
        labels: 0xc86fa59f683a58c6,
        inertia: 0x40cef6a6dfd37d15, // 15853.303705631328
        n_iter: 26,
        converged: true,
    },
    Pinned {
        case: "plane/kpp/none/yinyang",
        centroids: 0xe1d79531948fb689,
        first_centroid: &[-9.242017931753871, -8.815323469660873],
        labels: 0xc86fa59f683a58c6,
        inertia: 0x40cef6a6dfd37d15, // 15853.303705631328
        n_iter: 26,
        converged: true,
    },
    Pinned {
        case: "plane/kpp/none/auto",
        centroids: 0xe1d79531948fb689,
        first_centroid: &[-9.242017931753871, -8.815323469660873],
        labels: 0xc86fa59f683a58c6,
        inertia: 0x40cef6a6dfd37d15, // 15853.303705631328
        n_iter: 26,
        converged: true,
    },
    Pinned {
        case: "plane/random/none/auto/n-init-4",
        centroids: 0xa819d6ea952dce17,
        first_centroid: &[-4.012833095603468, 2.4037021343191247],
        labels: 0xd29132e9d2f3fe22,
        inertia: 0x40cf051111f50a83, // 15882.133360509999
        n_iter: 13,
        converged: true,
    },
    Pinned {
        case: "plane/first-rows/default/lloyd",
        centroids: 0x03a77350ffc0441d,
        first_centroid: &[2.9594434870968502, -2.113377381490323],
        labels: 0x1f82209ae557a285,
        inertia: 0x40cf2faf464349d1, // 15967.369331751865
        n_iter: 11,
        converged: true,
    },
    Pinned {
        case: "plane/first-rows/default/hamerly",
        centroids: 0x03a77350ffc0441d,
        first_centroid: &[2.9594434870968502, -2.113377381490323],
        labels: 0x1f82209ae557a285,
        inertia: 0x40cf2faf464349d1, // 15967.369331751865
        n_iter: 11,
        converged: true,
    },
    Pinned {
        case: "plane/first-rows/default/yinyang",
        centroids: 0x03a77350ffc0441d,
        first_centroid: &[2.9594434870968502, -2.113377381490323],
        labels: 0x1f82209ae557a285,
        inertia: 0x40cf2faf464349d1, // 15967.369331751865
        n_iter: 11,
        converged: true,
    },
    Pinned {
        case: "plane/first-rows/default/auto",
        centroids: 0x03a77350ffc0441d,
        first_centroid: &[2.9594434870968502, -2.113377381490323],
        labels: 0x1f82209ae557a285,
        inertia: 0x40cf2faf464349d1, // 15967.369331751865
        n_iter: 11,
        converged: true,
    },
    Pinned {
        case: "plane/kpp/none/auto/max-iter-3",
        centroids: 0x5ed619896c6892bb,
        first_centroid: &[3.029565020857094, -5.2348545257944155],
        labels: 0x376c76508d195ae5,
        inertia: 0x40d02018c6a2d363, // 16512.387123781617
        n_iter: 3,
        converged: false,
    },
    Pinned {
        case: "wide/kpp/none/auto",
        centroids: 0x896a67343cc6a20e,
        first_centroid: &[9.310917418881248, 7.7722418948448615, 5.889855873578363, 5.181447985240089, -2.8237268766400923, -6.893229880715993, 9.596079652097117, -4.330786139871936, -4.504097039251935, -6.790734518917124, 8.918867562478678, 3.5462923271453013, -1.525860807384471, -3.5929180258507496, 2.2521736068477307, -3.1932343144772943],
        labels: 0x8762288b428801e7,
        inertia: 0x4130b159bf50aa30, // 1093977.747324597
        n_iter: 13,
        converged: true,
    },
    Pinned {
        case: "wide/first-rows/default/lloyd",
        centroids: 0x7a677ea8e3f6e3ae,
        first_centroid: &[5.680406629874591, -4.847842397121021, 9.689186620405293, 7.118965708974006, -7.224973274860196, 6.778205152633746, -7.207885197548601, -0.5711219349180858, -1.7639895584287468, 5.096939618599307, 2.159913332530488, -9.943263066163041, 10.038541080475063, 7.071628290010139, -5.940545881257162, -0.8584428431754415],
        labels: 0x27506ea1b4e9fe48,
        inertia: 0x413125020cd006fb, // 1123586.0500492442
        n_iter: 10,
        converged: true,
    },
    Pinned {
        case: "wide/first-rows/default/hamerly",
        centroids: 0x7a677ea8e3f6e3ae,
        first_centroid: &[5.680406629874591, -4.847842397121021, 9.689186620405293, 7.118965708974006, -7.224973274860196, 6.778205152633746, -7.207885197548601, -0.5711219349180858, -1.7639895584287468, 5.096939618599307, 2.159913332530488, -9.943263066163041, 10.038541080475063, 7.071628290010139, -5.940545881257162, -0.8584428431754415],
        labels: 0x27506ea1b4e9fe48,
        inertia: 0x413125020cd006fb, // 1123586.0500492442
        n_iter: 10,
        converged: true,
    },
    Pinned {
        case: "wide/first-rows/default/yinyang",
        centroids: 0x7a677ea8e3f6e3ae,
        first_centroid: &[5.680406629874591, -4.847842397121021, 9.689186620405293, 7.118965708974006, -7.224973274860196, 6.778205152633746, -7.207885197548601, -0.5711219349180858, -1.7639895584287468, 5.096939618599307, 2.159913332530488, -9.943263066163041, 10.038541080475063, 7.071628290010139, -5.940545881257162, -0.8584428431754415],
        labels: 0x27506ea1b4e9fe48,
        inertia: 0x413125020cd006fb, // 1123586.0500492442
        n_iter: 10,
        converged: true,
    },
    Pinned {
        case: "wide/first-rows/default/auto",
        centroids: 0x7a677ea8e3f6e3ae,
        first_centroid: &[5.680406629874591, -4.847842397121021, 9.689186620405293, 7.118965708974006, -7.224973274860196, 6.778205152633746, -7.207885197548601, -0.5711219349180858, -1.7639895584287468, 5.096939618599307, 2.159913332530488, -9.943263066163041, 10.038541080475063, 7.071628290010139, -5.940545881257162, -0.8584428431754415],
        labels: 0x27506ea1b4e9fe48,
        inertia: 0x413125020cd006fb, // 1123586.0500492442
        n_iter: 10,
        converged: true,
    },
    Pinned {
        case: "odd/kpp/default/auto",
        centroids: 0x68f3445763d0ed00,
        first_centroid: &[-10.05192441337966, -3.5198396500162787, 8.069696982362998, -2.7990898967299325, 7.410005427040626, -2.22764185534082, -5.563114640390368],
        labels: 0x2c813809dd2d53d1,
        inertia: 0x40de661730e3473e, // 31128.362358874867
        n_iter: 2,
        converged: true,
    },
    Pinned {
        case: "odd/kpp/none/auto",
        centroids: 0xaf0afb3c9faa0ae7,
        first_centroid: &[-10.05192441337966, -3.5198396500162787, 8.069696982362998, -2.7990898967299325, 7.410005427040626, -2.22764185534082, -5.563114640390368],
        labels: 0xcefc2c36620992db,
        inertia: 0x40e10a835d9faef1, // 34900.105178682024
        n_iter: 9,
        converged: true,
    },
    Pinned {
        case: "odd/random/none/auto/n-init-3",
        centroids: 0x70bf6b06b0943d08,
        first_centroid: &[-3.5616820630650214, -8.185612514897517, 0.0008142094479165963, 4.051768240383471, -6.041872744535152, -6.605179136502347, -7.404102408885901],
        labels: 0x4b65f64a51107229,
        inertia: 0x40e84596709c8a8f, // 49708.70124651968
        n_iter: 15,
        converged: true,
    },
    Pinned {
        case: "odd/first-rows/default/lloyd",
        centroids: 0xd2d196e32423019b,
        first_centroid: &[-9.31795000453172, -3.6311615030426196, 7.815229762568909, 0.5292514688715041, 4.805454082694846, 1.2701422491897096, -3.143070649757037],
        labels: 0x5dca74b1fadf16c7,
        inertia: 0x40ef8afc502c8fe1, // 64599.88478687383
        n_iter: 12,
        converged: true,
    },
    Pinned {
        case: "odd/first-rows/default/hamerly",
        centroids: 0xd2d196e32423019b,
        first_centroid: &[-9.31795000453172, -3.6311615030426196, 7.815229762568909, 0.5292514688715041, 4.805454082694846, 1.2701422491897096, -3.143070649757037],
        labels: 0x5dca74b1fadf16c7,
        inertia: 0x40ef8afc502c8fe1, // 64599.88478687383
        n_iter: 12,
        converged: true,
    },
    Pinned {
        case: "odd/first-rows/default/yinyang",
        centroids: 0xd2d196e32423019b,
        first_centroid: &[-9.31795000453172, -3.6311615030426196, 7.815229762568909, 0.5292514688715041, 4.805454082694846, 1.2701422491897096, -3.143070649757037],
        labels: 0x5dca74b1fadf16c7,
        inertia: 0x40ef8afc502c8fe1, // 64599.88478687383
        n_iter: 12,
        converged: true,
    },
    Pinned {
        case: "odd/first-rows/default/auto",
        centroids: 0xd2d196e32423019b,
        first_centroid: &[-9.31795000453172, -3.6311615030426196, 7.815229762568909, 0.5292514688715041, 4.805454082694846, 1.2701422491897096, -3.143070649757037],
        labels: 0x5dca74b1fadf16c7,
        inertia: 0x40ef8afc502c8fe1, // 64599.88478687383
        n_iter: 12,
        converged: true,
    },
    Pinned {
        case: "small-k/kpp/default/hamerly",
        centroids: 0x678f02c212ffee1a,
        first_centroid: &[7.254112058597092, -8.095818852377771, 2.9267504881460336, 5.393828092711135, 5.63515639432278],
        labels: 0x01f9f753e9b1d465,
        inertia: 0x4114bee9c3769cd6, // 339898.4408821588
        n_iter: 4,
        converged: true,
    },
    Pinned {
        case: "small-k/kpp/default/yinyang",
        centroids: 0x678f02c212ffee1a,
        first_centroid: &[7.254112058597092, -8.095818852377771, 2.9267504881460336, 5.393828092711135, 5.63515639432278],
        labels: 0x01f9f753e9b1d465,
        inertia: 0x4114bee9c3769cd6, // 339898.4408821588
        n_iter: 4,
        converged: true,
    },
    Pinned {
        case: "small-k/kpp/default/auto",
        centroids: 0x678f02c212ffee1a,
        first_centroid: &[7.254112058597092, -8.095818852377771, 2.9267504881460336, 5.393828092711135, 5.63515639432278],
        labels: 0x01f9f753e9b1d465,
        inertia: 0x4114bee9c3769cd6, // 339898.4408821588
        n_iter: 4,
        converged: true,
    },
    Pinned {
        case: "small-k/kpp/none/auto",
        centroids: 0x50189d83efad02f2,
        first_centroid: &[7.253629999328291, -8.071357356918856, 2.944811711166339, 5.452689398630094, 5.598542950362564],
        labels: 0x958579ad9ec70e85,
        inertia: 0x4114beeaede06875, // 339898.7323013612
        n_iter: 6,
        converged: true,
    },
    Pinned {
        case: "small-k/random/default/auto",
        centroids: 0x634331c979ddfb22,
        first_centroid: &[-3.3980786954990467, 6.044348211628095, -8.305601280735443, 7.699235366982675, 1.4797807012490718],
        labels: 0x68277f368b0d7265,
        inertia: 0x4114bee9c3769cd6, // 339898.4408821588
        n_iter: 8,
        converged: true,
    },
    Pinned {
        case: "small-k/first-rows/default/auto",
        centroids: 0x4848bc4cd8473056,
        first_centroid: &[1.5853948745951099, -9.332375568771269, 4.1079791124125675, -10.120612747580097, 3.0245769604701347],
        labels: 0x0e918fb2d5d14365,
        inertia: 0x4114beeaede06875, // 339898.7323013612
        n_iter: 5,
        converged: true,
    },
    Pinned {
        case: "small-k/first-rows/breathing-2/auto",
        centroids: 0x4848bc4cd8473056,
        first_centroid: &[1.5853948745951099, -9.332375568771269, 4.1079791124125675, -10.120612747580097, 3.0245769604701347],
        labels: 0x0e918fb2d5d14365,
        inertia: 0x4114beeaede06875, // 339898.7323013612
        n_iter: 5,
        converged: true,
    },
];
