//! The `fit` target: `KMeans::fit` with arbitrary data and options, then `predict` and
//! `transform` on the training data and on a second arbitrary buffer.

use arbitrary::Arbitrary;
use k_means::{Algorithm, Init, KMeans, KMeansError, KMeansModel, Refine, RowMajor};

use crate::{
    FuzzFloat, SAFE, Val, all_within, nearest, skip_known, sq_dist, vals, value_error_explained, wide,
};

/// The tolerance option.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Tol {
    /// Not set (the default, 1e-4).
    Default,
    /// 0: strict convergence.
    Zero,
    /// From a small table, valid and invalid.
    Table(u8),
    /// Any f64 (negative, NaN, ∞ included).
    Bits(u64),
}

impl Tol {
    fn value(self) -> Option<f64> {
        const T: &[f64] = &[
            1e-4,
            1e-8,
            0.5,
            1.0,
            1e10,
            1e300,
            -1.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            5e-324,
        ];
        match self {
            Tol::Default => None,
            Tol::Zero => Some(0.0),
            Tol::Table(i) => Some(T[i as usize % T.len()]),
            Tol::Bits(b) => Some(f64::from_bits(b)),
        }
    }
}

/// The init option.
#[derive(Arbitrary, Debug, Clone)]
pub enum InitChoice {
    /// Greedy k-means++.
    KMeansPlusPlus,
    /// Random distinct rows.
    Random,
    /// Arbitrary centroids, any length.
    Precomputed(Vec<Val>),
    /// Arbitrary centroids, cycled or cut to `k × n_features`.
    PrecomputedShaped(Vec<Val>),
    /// Rows of the data (indices modulo the row count), `k` of them.
    PrecomputedRows(Vec<u8>),
}

/// The refine option.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum RefineChoice {
    /// Not set: breathing (m = 2) for random and k-means++ starts, none for precomputed ones.
    Default,
    /// `Refine::None`: plain k-means.
    Plain,
    /// `Refine::Breathing { m }` with `m` reduced to 0..=6.
    Breathing(u8),
}

/// The algorithm option.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum AlgoChoice {
    /// Lloyd.
    Lloyd,
    /// Hamerly.
    Hamerly,
    /// Yinyang.
    Yinyang,
    /// Auto (the default).
    Auto,
}

/// One `fit` input.
#[derive(Arbitrary, Debug, Clone)]
pub struct FitInput {
    /// f32 or f64 data.
    pub use_f32: bool,
    /// `n_features`, reduced to 0..=8.
    pub n_features: u8,
    /// `k`, reduced to 0..=10.
    pub k: u8,
    /// `max_iter`, reduced to 0..=50.
    pub max_iter: u8,
    /// The tolerance.
    pub tolerance: Tol,
    /// `n_init`, reduced to 0..=4 (`None`: the default).
    pub n_init: Option<u8>,
    /// The start.
    pub init: InitChoice,
    /// The algorithm.
    pub algorithm: AlgoChoice,
    /// The refinement.
    pub refine: RefineChoice,
    /// The seed.
    pub seed: u64,
    /// The data, flat (cut to whole rows).
    pub values: Vec<Val>,
    /// Whether the second buffer has the model's width.
    pub other_same_width: bool,
    /// The second buffer's width otherwise (0..=8).
    pub other_features: u8,
    /// The second buffer, for `predict` / `transform`.
    pub other: Vec<Val>,
}

/// Runs one input, in the type it asks for.
pub fn run(input: &FitInput) {
    if input.use_f32 {
        check::<f32>(input);
    } else {
        check::<f64>(input);
    }
}

fn algorithm(a: AlgoChoice) -> Algorithm {
    match a {
        AlgoChoice::Lloyd => Algorithm::Lloyd,
        AlgoChoice::Hamerly => Algorithm::Hamerly,
        AlgoChoice::Yinyang => Algorithm::Yinyang,
        AlgoChoice::Auto => Algorithm::Auto,
    }
}

/// The `Init::Precomputed` buffer the input asks for, if any.
fn precomputed<T: FuzzFloat>(init: &InitChoice, data: &[T], d: usize, k: usize) -> Option<Vec<T>> {
    match init {
        InitChoice::KMeansPlusPlus | InitChoice::Random => None,
        InitChoice::Precomputed(v) => Some(vals(v)),
        InitChoice::PrecomputedShaped(v) => {
            let v: Vec<T> = vals(v);
            let want = k * d;
            Some(if v.is_empty() {
                vec![T::zero(); want]
            } else {
                v.iter().copied().cycle().take(want).collect()
            })
        }
        InitChoice::PrecomputedRows(idx) => {
            let n = data.len().checked_div(d).unwrap_or(0);
            if n == 0 || idx.is_empty() {
                return Some(Vec::new());
            }
            let mut out = Vec::with_capacity(k * d);
            for &i in idx.iter().cycle().take(k) {
                let r = i as usize % n;
                out.extend_from_slice(&data[r * d..(r + 1) * d]);
            }
            Some(out)
        }
    }
}

fn check<T: FuzzFloat>(input: &FitInput) {
    let d = (input.n_features % 9) as usize;
    let k = (input.k % 11) as usize;
    let max_iter = (input.max_iter % 51) as usize;
    let n_init = input.n_init.map(|n| (n % 5) as usize);
    let tol = input.tolerance.value();
    let algo = algorithm(input.algorithm);

    let mut data: Vec<T> = vals(&input.values);
    if let Some(n) = data.len().checked_div(d) {
        data.truncate(n * d);
    }
    let pre = precomputed(&input.init, &data, d, k);
    // Whether breathing k-means runs after the plain fit (by default: unless the start is given).
    let refined = match input.refine {
        RefineChoice::Default => pre.is_none(),
        RefineChoice::Plain => false,
        RefineChoice::Breathing(_) => true,
    };

    let mut km = KMeans::<T>::new(k)
        .max_iter(max_iter)
        .algorithm(algo)
        .seed(input.seed);
    if let Some(t) = tol {
        km = km.tolerance(t);
    }
    if let Some(n) = n_init {
        km = km.n_init(n);
    }
    match input.refine {
        RefineChoice::Default => {}
        RefineChoice::Plain => km = km.refine(Refine::None),
        RefineChoice::Breathing(m) => km = km.refine(Refine::Breathing { m: (m % 7) as usize }),
    }
    km = km.init(match &pre {
        None if matches!(input.init, InitChoice::Random) => Init::Random,
        None => Init::KMeansPlusPlus,
        Some(c) => Init::Precomputed(c.clone()),
    });

    if d == 0 {
        // Rows of width zero: the only way to say so is `[T; 0]` rows.
        let rows: Vec<[T; 0]> = vec![[]; input.values.len()];
        assert_eq!(km.fit(&rows), Err(KMeansError::ZeroFeatures));
        return;
    }
    let view = RowMajor::new(&data, d).expect("whole rows");
    let n = view.n_rows();
    let data64 = wide(&data);
    let pre64 = pre.as_deref().map(wide);

    // The option and shape errors, in the documented order of checks.
    let tol_v = tol.unwrap_or(k_means::DEFAULT_TOLERANCE);
    let option_err = if k == 0 {
        Some(KMeansError::ZeroK)
    } else if max_iter == 0 {
        Some(KMeansError::ZeroMaxIter)
    } else if n_init == Some(0) {
        Some(KMeansError::ZeroNInit)
    } else if !(tol_v.is_finite() && tol_v >= 0.0) {
        Some(KMeansError::InvalidTolerance { tolerance: tol_v })
    } else if n == 0 {
        Some(KMeansError::NoRows)
    } else if k > n {
        Some(KMeansError::KTooLarge { k, n_rows: n })
    } else {
        None
    };

    let result = km.fit(&view);
    let model = match (result, option_err) {
        (Err(e), Some(want)) => {
            match (&e, &want) {
                (
                    KMeansError::InvalidTolerance { tolerance: a },
                    KMeansError::InvalidTolerance { tolerance: b },
                ) => assert_eq!(a.to_bits(), b.to_bits()),
                _ => assert_eq!(e, want),
            }
            return;
        }
        (Ok(_), Some(want)) => panic!("fit succeeded, expected {want:?}"),
        (Err(e), None) => {
            check_fit_error(&e, &data64, pre64.as_deref(), d, k);
            return;
        }
        (Ok(m), None) => m,
    };

    // Ok: the input was valid.
    assert!(
        data64.iter().all(|v| v.is_finite()),
        "fit accepted a non-finite value"
    );
    if let Some(c) = &pre64 {
        assert_eq!(
            c.len(),
            k * d,
            "fit accepted a centroid buffer of the wrong shape"
        );
        assert!(
            c.iter().all(|v| v.is_finite()),
            "fit accepted a non-finite centroid"
        );
    }
    if skip_known(2) && stale_labels(&km, &model, &view, refined) {
        return;
    }
    check_model(&model, &data, &data64, d, k, max_iter);

    // Every algorithm gives the same model, bit for bit (documented on `Algorithm`).
    if !matches!(algo, Algorithm::Lloyd) {
        let lloyd = km
            .clone()
            .algorithm(Algorithm::Lloyd)
            .fit(&view)
            .expect("Lloyd fit of valid input");
        assert_eq!(model, lloyd, "{algo:?} and Lloyd give different models");
    }

    // Breathing k-means starts from the plain fit's solution and keeps the best one seen.
    if refined {
        let plain = km
            .clone()
            .refine(Refine::None)
            .fit(&view)
            .expect("plain fit of valid input");
        assert!(
            model.inertia() <= plain.inertia(),
            "refined inertia {} > plain inertia {}",
            model.inertia(),
            plain.inertia()
        );
    }

    check_second_buffer(&model, input, d, k);
}

/// An `Err` from `fit` when every option is valid: a data value error, or a centroid error.
fn check_fit_error(e: &KMeansError, data: &[f64], pre: Option<&[f64]>, d: usize, k: usize) {
    let data_ok = all_within(data, SAFE);
    let pre_ok = pre.is_none_or(|c| c.len() == k * d && all_within(c, SAFE));
    assert!(!(data_ok && pre_ok), "fit rejected a valid input: {e:?}");
    if value_error_explained(e, data, d) {
        return;
    }
    // The data passed its check, so the error must be about the precomputed centroids.
    assert!(data.iter().all(|v| v.is_finite()), "data error reported as {e:?}");
    let c = pre.unwrap_or_else(|| panic!("unexpected error without precomputed centroids: {e:?}"));
    match *e {
        KMeansError::CentroidShape {
            len,
            k: ek,
            n_features,
            expected,
        } => {
            assert_eq!((len, ek, n_features, expected), (c.len(), k, d, k * d));
            assert_ne!(c.len(), k * d);
        }
        KMeansError::NonFiniteCentroid { row, column } => {
            assert_eq!(c.len(), k * d);
            let i = row * d + column;
            assert!(column < d && i < c.len() && !c[i].is_finite(), "{e:?}");
            assert!(c[..i].iter().all(|v| v.is_finite()), "{e:?}: not the first");
        }
        KMeansError::CentroidTooLarge { row, column, limit } => {
            assert_eq!(c.len(), k * d);
            assert!(limit.is_finite() && limit > 0.0, "{e:?}: bad limit");
            let i = row * d + column;
            assert!(column < d && i < c.len(), "{e:?}");
            assert!(
                c[i].is_finite() && c[i].abs() > limit,
                "{e:?}: centroid value {}",
                c[i]
            );
            assert!(
                c[..i].iter().all(|v| v.is_finite() && v.abs() <= limit),
                "{e:?}: not the first bad centroid value"
            );
        }
        _ => panic!("unexpected error {e:?}"),
    }
}

fn check_model<T: FuzzFloat>(
    model: &KMeansModel<T>,
    data: &[T],
    data64: &[f64],
    d: usize,
    k: usize,
    max_iter: usize,
) {
    let n = data.len() / d;
    let cents = model.centroids();
    let cents64 = wide(cents);
    assert_eq!(model.k(), k);
    assert_eq!(model.n_features(), d);
    assert_eq!(cents.len(), k * d, "centroid buffer shape");
    assert!(
        cents64.iter().all(|v| v.is_finite()),
        "non-finite centroid: {cents:?}"
    );
    let inertia = model.inertia();
    assert!(inertia.is_finite() && inertia >= 0.0, "inertia {inertia}");
    assert!(
        (1..=max_iter).contains(&model.n_iter()),
        "n_iter {}",
        model.n_iter()
    );

    let labels = model.labels();
    assert_eq!(labels.len(), n, "one label per row");
    let is_f32 = size_of::<T>() == 4;
    let view = RowMajor::new(data, d).unwrap();
    let predicted = model.predict(&view).expect("predict on the training data");
    let dist = model.transform(&view).expect("transform on the training data");
    assert_eq!(predicted.len(), n);
    assert_eq!(dist.len(), n * k);
    let mut sizes = vec![0usize; k];
    let mut direct_inertia = 0.0;
    for (i, &l) in labels.iter().enumerate() {
        assert!(l < k, "label {l} >= k = {k}");
        sizes[l] += 1;
        let row = &data[i * d..(i + 1) * d];
        let row64 = &data64[i * d..(i + 1) * d];
        let cc = k_means::closest_centroid(row, cents, d).expect("closest_centroid");
        assert_eq!(
            cc,
            nearest(row64, &cents64, d),
            "row {i}: closest_centroid is not the f64 nearest"
        );
        if is_f32 {
            // Documented on `labels`: f32 fits keep centroids in f64 and round them on return,
            // so a row within that rounding of a boundary may be nearer another rounded centroid.
            assert!(
                label_within_rounding(row64, &cents64, d, l, cc),
                "row {i}: label {l}, nearest centroid {cc}, beyond the f32 rounding of the centroids"
            );
        } else {
            assert_eq!(l, cc, "row {i}: label {l}, nearest centroid {cc}");
        }
        // predict: the nearest of the model's centroids (for f64 the label itself).
        assert_eq!(
            predicted[i], cc,
            "row {i}: predict {} vs nearest {cc}",
            predicted[i]
        );
        direct_inertia += sq_dist(row64, &cents64[l * d..(l + 1) * d]);
        let r = &dist[i * k..(i + 1) * k];
        assert!(
            r.iter().all(|v| v.wide().is_finite()),
            "transform row {i} not finite: {r:?}"
        );
        let m = r.iter().map(|v| v.wide()).fold(f64::INFINITY, f64::min);
        assert_eq!(
            r[cc].wide(),
            m,
            "transform row {i}: the nearest centroid is not the smallest distance"
        );
    }
    if !is_f32 {
        assert_eq!(
            predicted, labels,
            "predict on the training data differs from labels"
        );
    }
    assert_eq!(model.cluster_sizes(), &sizes[..], "cluster sizes");
    let tol = 1e-9 * direct_inertia.max(inertia) + 1e-300;
    assert!(
        (inertia - direct_inertia).abs() <= tol,
        "inertia {inertia} vs direct {direct_inertia}"
    );
}

/// Known crash 2 (for `K_MEANS_FUZZ_SKIP=2`): the labels are not the nearest centroids, but
/// they are those of the centroids one iteration earlier (the run stopped on "labels
/// unchanged" although the last update still moved a centroid).
fn stale_labels<T: FuzzFloat>(
    km: &KMeans<T>,
    model: &KMeansModel<T>,
    view: &RowMajor<'_, T>,
    refined: bool,
) -> bool {
    let d = view.n_features();
    let labels = model.labels();
    let nearest_now = k_means::create_clusters(view.as_slice(), model.centroids(), d).expect("valid");
    if nearest_now == labels {
        return false;
    }
    if refined {
        return true;
    }
    if model.n_iter() < 2 {
        return false;
    }
    let prev = km
        .clone()
        .max_iter(model.n_iter() - 1)
        .fit(view)
        .expect("valid input");
    k_means::create_clusters(view.as_slice(), prev.centroids(), d).expect("valid") == labels
}

/// For f32: label `l` is as near as the nearest centroid `cc` up to the rounding of both
/// centroids to f32 (half an ulp per coordinate, subnormal spacing included).
fn label_within_rounding(row: &[f64], cents: &[f64], d: usize, l: usize, cc: usize) -> bool {
    if l == cc {
        return true;
    }
    let c = |j: usize| &cents[j * d..(j + 1) * d];
    let shift = |j: usize| {
        let s: f64 = c(j)
            .iter()
            .map(|v| {
                let e = v.abs() * f64::from(f32::EPSILON) / 2.0 + 1e-45;
                e * e
            })
            .sum();
        s.sqrt()
    };
    let dl = sq_dist(row, c(l)).sqrt();
    let dc = sq_dist(row, c(cc)).sqrt();
    dl <= dc + 1.01 * (shift(l) + shift(cc)) + 1e-12 * dl
}

/// `predict` and `transform` on an arbitrary second buffer: never a panic; `Ok` only for valid
/// data, and then the nearest centroids and finite distances.
fn check_second_buffer<T: FuzzFloat>(model: &KMeansModel<T>, input: &FitInput, d: usize, k: usize) {
    let od = if input.other_same_width {
        d
    } else {
        (input.other_features % 9) as usize
    };
    if od == 0 {
        return;
    }
    let mut other: Vec<T> = vals(&input.other);
    other.truncate(other.len() / od * od);
    let view = RowMajor::new(&other, od).expect("whole rows");
    let other64 = wide(&other);
    let p = model.predict(&view);
    let t = model.transform(&view);
    match (&p, &t) {
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "predict and transform disagree");
            if od != d {
                assert_eq!(*a, KMeansError::FeatureMismatch { expected: d, got: od });
            } else {
                assert!(
                    value_error_explained(a, &other64, d),
                    "unexpected predict error {a:?}"
                );
                assert!(!all_within(&other64, SAFE), "predict rejected valid data: {a:?}");
            }
        }
        (Ok(labels), Ok(dist)) => {
            assert_eq!(od, d, "predict accepted rows of the wrong width");
            assert!(
                other64.iter().all(|v| v.is_finite()),
                "predict accepted a non-finite value"
            );
            let n = other.len() / d;
            assert_eq!(labels.len(), n);
            assert_eq!(dist.len(), n * k);
            let cents64 = wide(model.centroids());
            for i in 0..n {
                let row64 = &other64[i * d..(i + 1) * d];
                assert_eq!(
                    labels[i],
                    nearest(row64, &cents64, d),
                    "predict row {i}: not the nearest"
                );
                let r = &dist[i * k..(i + 1) * k];
                assert!(
                    r.iter().all(|v| v.wide().is_finite()),
                    "transform row {i} not finite: {r:?}"
                );
            }
        }
        _ => panic!("predict {p:?} and transform {t:?} disagree"),
    }
}
