//! The `blocks` target: the five building blocks and the two metrics, with arbitrary shapes,
//! values and labels.

use arbitrary::Arbitrary;
use k_means::metrics::{adjusted_rand_index, centroid_index};
use k_means::{
    KMeansError, closest_centroid, compute_means, create_clusters, euclidean_distance,
    initialize_random_centroids, squared_euclidean_distance,
};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

use crate::{
    FuzzFloat, Val, centroid_limit, first_bad, magnitude_limit, nearest, sq_dist, vals,
    value_error_explained, wide,
};

/// A label: usually small, sometimes huge.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Label {
    /// 0..=255.
    Small(u8),
    /// `usize::MAX - i`.
    Huge(u8),
}

impl Label {
    fn get(self) -> usize {
        match self {
            Label::Small(i) => i as usize,
            Label::Huge(i) => usize::MAX - i as usize,
        }
    }
}

/// How the label list of `compute_means` is shaped.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum LabelShape {
    /// As given.
    Raw,
    /// Cycled or cut to one label per row, reduced modulo k.
    InRange,
    /// Cycled or cut to one label per row, as given.
    PerRow,
}

/// One `blocks` input.
#[derive(Arbitrary, Debug, Clone)]
pub struct BlocksInput {
    /// f32 or f64.
    pub use_f32: bool,
    /// `n_features` for the data and centroids, 0..=9.
    pub n_features: u8,
    /// Whether the data is cut to whole rows (otherwise a shape error is likely).
    pub whole_rows: bool,
    /// The data.
    pub data: Vec<Val>,
    /// Centroids: rows of the data (by index) or arbitrary values.
    pub centroids: CentroidChoice,
    /// `k` for `initialize_random_centroids`, 0..=11.
    pub k: u8,
    /// The RNG seed.
    pub seed: u64,
    /// Labels for `compute_means`.
    pub labels: Vec<Label>,
    /// How to shape them.
    pub label_shape: LabelShape,
    /// Two vectors for the distances.
    pub a: Vec<Val>,
    /// The second vector.
    pub b: Vec<Val>,
    /// Two labelings for the adjusted Rand index.
    pub ari_a: Vec<Label>,
    /// The second labeling (cycled or cut to the first's length when `ari_same_len`).
    pub ari_b: Vec<Label>,
    /// See `ari_b`.
    pub ari_same_len: bool,
    /// Two centroid sets for the centroid index.
    pub ci_a: Vec<Val>,
    /// The second set.
    pub ci_b: Vec<Val>,
    /// Their width, 0..=4.
    pub ci_features: u8,
}

/// The centroids for `closest_centroid`, `create_clusters` and `compute_means`.
#[derive(Arbitrary, Debug, Clone)]
pub enum CentroidChoice {
    /// Arbitrary values, any length.
    Values(Vec<Val>),
    /// Rows of the data, by index modulo the row count.
    Rows(Vec<u8>),
    /// Rows of the data, by index, every value times `10^(exp % 40)` (and the last centroid
    /// left as is): centroids far out beyond the data's magnitude, where scores overflow.
    Far(Vec<u8>, u8),
}

/// Runs one input, in the type it asks for.
pub fn run(input: &BlocksInput) {
    if input.use_f32 {
        check::<f32>(input);
    } else {
        check::<f64>(input);
    }
    check_ari(input);
}

fn check<T: FuzzFloat>(input: &BlocksInput) {
    let d = (input.n_features % 10) as usize;
    let mut data: Vec<T> = vals(&input.data);
    if input.whole_rows && d > 0 {
        data.truncate(data.len() / d * d);
    }
    let centroids: Vec<T> = match &input.centroids {
        CentroidChoice::Values(v) => vals(v),
        CentroidChoice::Rows(idx) => {
            let n = data.len().checked_div(d).unwrap_or(0);
            let mut c = Vec::new();
            if n > 0 {
                for &i in idx {
                    let r = i as usize % n;
                    c.extend_from_slice(&data[r * d..(r + 1) * d]);
                }
            }
            c
        }
        CentroidChoice::Far(idx, exp) => {
            let n = data.len().checked_div(d).unwrap_or(0);
            let mut c = Vec::new();
            if n > 0 {
                let scale = 10f64.powi(i32::from(*exp % 40));
                for (p, &i) in idx.iter().enumerate() {
                    let r = i as usize % n;
                    let s = if p + 1 == idx.len() { 1.0 } else { scale };
                    c.extend(data[r * d..(r + 1) * d].iter().map(|v| T::narrow(v.wide() * s)));
                }
            }
            c
        }
    };

    let data64 = wide(&data);
    let t_max = T::max_value().wide();
    let cents64 = wide(&centroids);
    let shape = |len: usize| -> Option<KMeansError> {
        if d == 0 {
            Some(KMeansError::ZeroFeatures)
        } else if !len.is_multiple_of(d) {
            Some(KMeansError::ShapeMismatch { len, n_features: d })
        } else {
            None
        }
    };

    check_random_init(input, &data, d, shape(data.len()));
    check_distances::<T>(input);

    // closest_centroid with the first row of the data (or a short row).
    let row: Vec<T> = data.iter().copied().take(d).collect();
    let cc = closest_centroid(&row, &centroids, d);
    let want_err = if let Some(e) = shape(centroids.len()) {
        Some(e)
    } else if centroids.is_empty() {
        Some(KMeansError::ZeroK)
    } else if row.len() != d {
        Some(KMeansError::FeatureMismatch {
            expected: d,
            got: row.len(),
        })
    } else {
        // Centroids, then the row, held to the limit of one row of data.
        let limit = magnitude_limit(t_max, d, 1);
        let c_limit = centroid_limit(t_max, d, 1);
        first_bad(&cents64, c_limit)
            .map(|(i, finite)| centroid_error(i, d, finite, c_limit))
            .or_else(|| first_bad(&wide(&row), limit).map(|(i, finite)| data_error(i, d, finite, limit)))
    };
    match (cc, want_err) {
        (Err(e), Some(w)) => assert_eq!(e, w),
        (Ok(j), None) => assert_eq!(j, nearest(&wide(&row), &cents64, d), "closest_centroid"),
        (r, w) => panic!("closest_centroid gave {r:?}, expected error {w:?}"),
    }

    // create_clusters: every label is closest_centroid's.
    let shape_err = shape(data.len())
        .or_else(|| shape(centroids.len()))
        .or_else(|| centroids.is_empty().then_some(KMeansError::ZeroK));
    let k = centroids.len().checked_div(d).unwrap_or(0);
    let n_rows = data.len().checked_div(d).unwrap_or(0);
    // Centroids are held to the data's magnitude limit (finite, and under it).
    let c_limit = centroid_limit(t_max, d, n_rows);
    let first_bad_centroid = first_bad(&cents64, c_limit).map(|(i, _)| i);
    match (create_clusters(&data, &centroids, d), &shape_err) {
        (Err(e), Some(w)) => assert_eq!(&e, w),
        (Ok(_), Some(w)) => panic!("create_clusters succeeded, expected {w:?}"),
        (Err(e), None) => {
            explain_value_error("create_clusters", &e, &data64, d, first_bad_centroid, &cents64)
        }
        (Ok(labels), None) => {
            assert!(
                first_bad_centroid.is_none(),
                "create_clusters accepted a non-finite or too large centroid"
            );
            assert!(
                data64.iter().all(|v| v.is_finite()),
                "create_clusters accepted a non-finite value"
            );
            assert_eq!(labels.len(), data.len() / d);
            for (i, &l) in labels.iter().enumerate() {
                assert!(l < k, "label {l} >= k = {k}");
                let row = &data[i * d..(i + 1) * d];
                let cc = closest_centroid(row, &centroids, d).unwrap();
                assert_eq!(l, cc, "create_clusters row {i}: {l}, closest_centroid {cc}");
                // And the true nearest, computed here.
                let exact = nearest(&wide(row), &cents64, d);
                assert_eq!(l, exact, "create_clusters row {i}: {l}, exact nearest {exact}");
            }
        }
    }

    // compute_means: finite means of the right shape.
    let n = data.len().checked_div(d).unwrap_or(0);
    let labels: Vec<usize> = match input.label_shape {
        LabelShape::Raw => input.labels.iter().map(|l| l.get()).collect(),
        LabelShape::PerRow | LabelShape::InRange if input.labels.is_empty() => vec![0; n],
        LabelShape::PerRow => input.labels.iter().cycle().take(n).map(|l| l.get()).collect(),
        LabelShape::InRange => input
            .labels
            .iter()
            .cycle()
            .take(n)
            .map(|l| l.get() % k.max(1))
            .collect(),
    };
    match (compute_means(&data, &labels, &centroids, d), &shape_err) {
        (Err(e), Some(w)) => assert_eq!(&e, w),
        (Ok(_), Some(w)) => panic!("compute_means succeeded, expected {w:?}"),
        (Err(e), None) => match e {
            KMeansError::LabelCount { labels: nl, n_rows } => {
                assert_eq!((nl, n_rows), (labels.len(), n));
                assert_ne!(nl, n_rows);
                assert!(first_bad_centroid.is_none() && data64.iter().all(|v| v.is_finite()));
            }
            KMeansError::LabelOutOfRange { row, label, k: ek } => {
                assert_eq!(ek, k);
                assert_eq!(labels.len(), n);
                assert_eq!(labels[row], label);
                assert!(label >= k && labels[..row].iter().all(|&l| l < k), "{e:?}");
            }
            e => explain_value_error("compute_means", &e, &data64, d, first_bad_centroid, &cents64),
        },
        (Ok(means), None) => {
            assert!(
                first_bad_centroid.is_none(),
                "compute_means accepted a non-finite centroid"
            );
            assert!(
                data64.iter().all(|v| v.is_finite()),
                "compute_means accepted a non-finite value"
            );
            assert_eq!(labels.len(), n);
            assert!(labels.iter().all(|&l| l < k));
            assert_eq!(means.len(), centroids.len());
            assert!(
                means.iter().all(|v| v.wide().is_finite()),
                "compute_means gave a non-finite mean: {means:?}"
            );
        }
    }

    check_centroid_index::<T>(input);
}

/// The crate's error for centroid value `i` (of `d` per centroid).
fn centroid_error(i: usize, d: usize, finite: bool, limit: f64) -> KMeansError {
    let (row, column) = (i / d, i % d);
    if finite {
        KMeansError::CentroidTooLarge { row, column, limit }
    } else {
        KMeansError::NonFiniteCentroid { row, column }
    }
}

/// The crate's error for data value `i` (of `d` per row).
fn data_error(i: usize, d: usize, finite: bool, limit: f64) -> KMeansError {
    let (row, column) = (i / d, i % d);
    if finite {
        KMeansError::ValueTooLarge { row, column, limit }
    } else {
        KMeansError::NonFinite { row, column }
    }
}

/// An error of `create_clusters` / `compute_means` after the shape checks passed: a centroid
/// that is not finite or beyond the data's magnitude limit (checked first), or a bad data value.
fn explain_value_error(
    what: &str,
    e: &KMeansError,
    data: &[f64],
    d: usize,
    first_bad_centroid: Option<usize>,
    centroids: &[f64],
) {
    if let KMeansError::NonFiniteCentroid { row, column }
    | KMeansError::CentroidTooLarge { row, column, .. } = *e
    {
        assert_eq!(Some(row * d + column), first_bad_centroid, "{what}: {e:?}");
        assert!(column < d);
        let v = centroids[row * d + column];
        assert_eq!(
            v.is_finite(),
            matches!(e, KMeansError::CentroidTooLarge { .. }),
            "{what}: {e:?}"
        );
        return;
    }
    assert!(
        first_bad_centroid.is_none(),
        "{what}: {e:?} before the non-finite centroid"
    );
    if value_error_explained(e, data, d) {
        return;
    }
    panic!("{what}: unexpected error {e:?}");
}

fn check_random_init<T: FuzzFloat>(input: &BlocksInput, data: &[T], d: usize, shape: Option<KMeansError>) {
    let k = (input.k % 12) as usize;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(input.seed);
    let got = initialize_random_centroids(data, d, k, &mut rng);
    let n = data.len().checked_div(d).unwrap_or(0);
    let want = shape.or(if n == 0 {
        Some(KMeansError::NoRows)
    } else if k == 0 {
        Some(KMeansError::ZeroK)
    } else if k > n {
        Some(KMeansError::KTooLarge { k, n_rows: n })
    } else {
        None
    });
    let want = want.or_else(|| {
        let limit = magnitude_limit(T::max_value().wide(), d, n);
        first_bad(&wide(data), limit).map(|(i, finite)| data_error(i, d, finite, limit))
    });
    match (got, want) {
        (Err(e), Some(w)) => assert_eq!(e, w),
        (Ok(c), None) => {
            assert_eq!(c.len(), k * d);
            // Distinct rows: every data row is used at most once (compare bit patterns).
            let bits = |r: &[T]| r.iter().map(|v| v.wide().to_bits()).collect::<Vec<_>>();
            let mut pool: Vec<Vec<u64>> = data.chunks_exact(d).map(bits).collect();
            for cent in c.chunks_exact(d) {
                let b = bits(cent);
                let at = pool.iter().position(|r| *r == b);
                let at = at.unwrap_or_else(|| panic!("centroid {cent:?} is not an unused data row"));
                pool.swap_remove(at);
            }
        }
        (r, w) => panic!("initialize_random_centroids gave {r:?}, expected {w:?}"),
    }
}

fn check_distances<T: FuzzFloat>(input: &BlocksInput) {
    let a: Vec<T> = vals(&input.a);
    // Usually the same length as `a`.
    let b: Vec<T> = if input.b.is_empty() || input.whole_rows {
        let bb: Vec<T> = vals(&input.b);
        if bb.is_empty() {
            a.clone()
        } else {
            bb.iter().copied().cycle().take(a.len()).collect()
        }
    } else {
        vals(&input.b)
    };
    let e = euclidean_distance(&a, &b);
    let s = squared_euclidean_distance(&a, &b);
    if a.len() != b.len() {
        let w = KMeansError::FeatureMismatch {
            expected: a.len(),
            got: b.len(),
        };
        assert_eq!(e, Err(w.clone()));
        assert_eq!(s, Err(w));
        return;
    }
    let (a64, b64) = (wide(&a), wide(&b));
    // Each vector is held to the magnitude limit of one row of its width (a first, then b).
    let limit = centroid_limit(T::max_value().wide(), a.len(), 1);
    let want = first_bad(&a64, limit)
        .map(|(i, finite)| data_error(i, a.len(), finite, limit))
        .or_else(|| {
            first_bad(&b64, limit).map(|(i, finite)| {
                let mut e = data_error(i, b.len(), finite, limit);
                if let KMeansError::NonFinite { row, .. } | KMeansError::ValueTooLarge { row, .. } = &mut e {
                    *row = 1;
                }
                e
            })
        });
    if let Some(w) = want {
        assert_eq!(e, Err(w.clone()), "euclidean_distance");
        assert_eq!(s, Err(w), "squared_euclidean_distance");
        return;
    }
    let (e, s) = (e.expect("valid vectors"), s.expect("valid vectors"));
    // Always finite now.
    assert!(e.wide().is_finite() && s.wide().is_finite(), "{e:?} {s:?}");
    let exact = sq_dist(&a64, &b64);
    // Equal to the bit (any NaN equals any NaN).
    let same = |x: f64, y: f64| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
    assert!(
        same(s.wide(), T::narrow(exact).wide()),
        "squared distance {s:?}, direct {exact}"
    );
    assert!(
        same(e.wide(), T::narrow(exact.sqrt()).wide()),
        "distance {e:?}, direct {}",
        exact.sqrt()
    );
    // Symmetric, to the bit.
    assert!(
        same(euclidean_distance(&b, &a).unwrap().wide(), e.wide()),
        "not symmetric"
    );
    if a64.iter().chain(&b64).all(|v| v.is_finite()) {
        assert!(
            !e.wide().is_nan() && e.wide() >= 0.0,
            "distance {e:?} of finite vectors"
        );
        assert!(!s.wide().is_nan() && s.wide() >= 0.0);
        // Representable results come back finite.
        let max = T::max_value().wide();
        if exact < 0.5 * max {
            assert!(s.wide().is_finite());
        }
        if exact.sqrt() < 0.5 * max {
            assert!(e.wide().is_finite());
        }
    }
    // Distance to itself is 0 for finite vectors.
    if a64.iter().all(|v| v.is_finite()) {
        assert_eq!(euclidean_distance(&a, &a).unwrap().wide(), 0.0);
    }
}

fn check_ari(input: &BlocksInput) {
    let a: Vec<usize> = input.ari_a.iter().map(|l| l.get()).collect();
    let b: Vec<usize> = if input.ari_same_len {
        if input.ari_b.is_empty() {
            a.iter().map(|&x| x.wrapping_mul(7)).collect()
        } else {
            input
                .ari_b
                .iter()
                .cycle()
                .take(a.len())
                .map(|l| l.get())
                .collect()
        }
    } else {
        input.ari_b.iter().map(|l| l.get()).collect()
    };
    match adjusted_rand_index(&a, &b) {
        Err(e) => {
            assert_eq!(
                e,
                KMeansError::LabelCount {
                    labels: b.len(),
                    n_rows: a.len()
                }
            );
            assert_ne!(a.len(), b.len());
        }
        Ok(v) => {
            assert_eq!(a.len(), b.len());
            assert!(v.is_finite() && (-1.0..=1.0).contains(&v), "ARI {v}");
            let back = adjusted_rand_index(&b, &a).unwrap();
            assert_eq!(v.to_bits(), back.to_bits(), "ARI is not symmetric");
            assert_eq!(adjusted_rand_index(&a, &a).unwrap(), 1.0, "ARI(a, a)");
        }
    }
}

fn check_centroid_index<T: FuzzFloat>(input: &BlocksInput) {
    let d = (input.ci_features % 5) as usize;
    let a: Vec<T> = vals(&input.ci_a);
    let b: Vec<T> = vals(&input.ci_b);
    let got = centroid_index(&a, &b, d);
    let shape = |len: usize| {
        if d == 0 {
            Some(KMeansError::ZeroFeatures)
        } else if !len.is_multiple_of(d) {
            Some(KMeansError::ShapeMismatch { len, n_features: d })
        } else {
            None
        }
    };
    let want = shape(a.len()).or_else(|| shape(b.len())).or_else(|| {
        if a.is_empty() || b.is_empty() {
            return Some(KMeansError::ZeroK);
        }
        for c in [&a, &b] {
            if let Some(i) = c.iter().position(|v| !v.wide().is_finite()) {
                return Some(KMeansError::NonFiniteCentroid {
                    row: i / d,
                    column: i % d,
                });
            }
        }
        None
    });
    match (got, want) {
        (Err(e), Some(w)) => assert_eq!(e, w),
        (Ok(ci), None) => {
            let (ka, kb) = (a.len() / d, b.len() / d);
            assert!(
                ci <= ka.max(kb) && ci >= ka.abs_diff(kb),
                "CI {ci} for {ka} and {kb} centroids"
            );
            assert_eq!(centroid_index(&b, &a, d).unwrap(), ci, "CI is not symmetric");
            // Pairwise distinct centroids (in f64): CI(a, a) = 0.
            let a64 = wide(&a);
            let rows: Vec<&[f64]> = a64.chunks_exact(d).collect();
            let distinct = (0..ka).all(|i| (0..i).all(|j| sq_dist(rows[i], rows[j]) > 0.0));
            if distinct {
                assert_eq!(
                    centroid_index(&a, &a, d).unwrap(),
                    0,
                    "CI(a, a) of distinct centroids"
                );
            }
        }
        (r, w) => panic!("centroid_index gave {r:?}, expected {w:?}"),
    }
}
