//! Laws of k-means on random valid data, for f32 and f64.
//!
//! Data: 1..=60 rows of 1..=4 features in [-100, 100), 1..=min(rows, 6) clusters. Laws that
//! compare two fits whose inputs differ by rounding (permuted, translated or duplicated rows)
//! first replay the fit with the building blocks and skip the rare cases where a row is within
//! rounding of a tie between two centroids (or a cluster empties), where the two fits may
//! legitimately part ways.

use k_means::{
    Algorithm, Init, KMeans, KMeansModel, RowMajor, closest_centroid, compute_means, create_clusters,
    initialize_random_centroids, squared_euclidean_distance,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

use crate::{Real, cast, sq_dist, widen};

#[derive(Debug, Clone)]
struct Case {
    /// Row-major, `n × d`, finite.
    data: Vec<f64>,
    d: usize,
    k: usize,
    seed: u64,
}

impl Case {
    fn n(&self) -> usize {
        self.data.len() / self.d
    }
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..=60, 1usize..=4)
        .prop_flat_map(|(n, d)| {
            (
                prop::collection::vec(-100.0..100.0_f64, n * d),
                Just(d),
                1..=n.min(6),
                any::<u64>(),
            )
        })
        .prop_map(|(data, d, k, seed)| Case { data, d, k, seed })
}

/// A case with a permutation of its rows.
fn case_and_permutation() -> impl Strategy<Value = (Case, Vec<usize>)> {
    case().prop_flat_map(|c| {
        let perm = Just((0..c.n()).collect::<Vec<usize>>()).prop_shuffle();
        (Just(c), perm)
    })
}

/// A case with a translation vector.
fn case_and_shift() -> impl Strategy<Value = (Case, Vec<f64>)> {
    case().prop_flat_map(|c| {
        let v = prop::collection::vec(-50.0..50.0_f64, c.d);
        (Just(c), v)
    })
}

/// 64 cases, unless `PROPTEST_CASES` asks for another number (for deeper runs).
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 64;
    }
    config
}

/// Relative tolerance for values of `T` computed through f64 sums in another order.
fn rel_tol<T: Real>() -> f64 {
    if std::mem::size_of::<T>() == 4 { 1e-6 } else { 1e-9 }
}

/// The first k rows, the start of the laws that need a fixed one.
fn first_rows<T: Real>(data: &[T], k: usize, d: usize) -> Vec<T> {
    data[..k * d].to_vec()
}

fn fit_from<T: Real>(data: &[T], d: usize, start: &[T]) -> KMeansModel<T> {
    KMeans::new(start.len() / d)
        .init(Init::Precomputed(start.to_vec()))
        .tolerance(0.0)
        .fit(&RowMajor::new(data, d).unwrap())
        .unwrap()
}

/// The smallest relative gap between a row's nearest and second-nearest centroid.
fn margin<T: Real>(data: &[T], centroids: &[T], d: usize) -> f64 {
    let mut m = f64::INFINITY;
    for row in data.chunks_exact(d) {
        let mut dist: Vec<f64> = centroids.chunks_exact(d).map(|c| sq_dist(row, c)).collect();
        if dist.len() < 2 {
            return m;
        }
        dist.sort_by(f64::total_cmp);
        m = m.min((dist[1] - dist[0]) / dist[1].max(1e-300));
    }
    m
}

/// Replays a tolerance-0 fit from `start` with the building blocks. Returns the smallest
/// `margin` over every assignment it makes, and whether a cluster was ever empty.
fn replay<T: Real>(data: &[T], start: &[T], d: usize) -> (f64, bool) {
    let k = start.len() / d;
    let mut c = start.to_vec();
    let mut old: Option<Vec<usize>> = None;
    let mut min_margin = f64::INFINITY;
    let mut empty = false;
    for _ in 0..300 {
        min_margin = min_margin.min(margin(data, &c, d));
        let labels = create_clusters(data, &c, d).unwrap();
        let mut counts = vec![0; k];
        for &l in &labels {
            counts[l] += 1;
        }
        empty |= counts.contains(&0);
        let next = compute_means(data, &labels, &c, d).unwrap();
        let moved = next != c;
        c = next;
        if old.as_ref() == Some(&labels) || !moved {
            break;
        }
        old = Some(labels);
    }
    min_margin = min_margin.min(margin(data, &c, d));
    (min_margin, empty)
}

/// The least margin two fits need to follow the same path in `T`.
fn needed_margin<T: Real>() -> f64 {
    if std::mem::size_of::<T>() == 4 { 1e-4 } else { 1e-9 }
}

fn assert_valid<T: Real>(model: &KMeansModel<T>, data: &[T], d: usize) -> Result<(), TestCaseError> {
    let k = model.k();
    prop_assert_eq!(model.labels().len(), data.len() / d);
    prop_assert!(model.labels().iter().all(|&l| l < k));
    prop_assert!(model.centroids().iter().all(|c| c.is_finite()));
    prop_assert!(model.inertia().is_finite() && model.inertia() >= 0.0);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The laws, generic over the element type.

/// Labels are in range and each is its row's nearest centroid.
fn labels_are_nearest<T: Real>(c: &Case) -> Result<(), TestCaseError> {
    let data: Vec<T> = cast(&c.data);
    for init in [Init::KMeansPlusPlus, Init::Random] {
        let model = KMeans::new(c.k)
            .init(init)
            .seed(c.seed)
            .fit(&RowMajor::new(&data, c.d).unwrap())
            .unwrap();
        assert_valid(&model, &data, c.d)?;
        for (i, row) in data.chunks_exact(c.d).enumerate() {
            let want = closest_centroid(row, model.centroids(), c.d).unwrap();
            prop_assert_eq!(model.labels()[i], want, "row {}", i);
            prop_assert_eq!(want, crate::nearest(row, model.centroids(), c.d));
        }
        prop_assert_eq!(
            model.predict(&RowMajor::new(&data, c.d).unwrap()).unwrap(),
            model.labels()
        );
    }
    Ok(())
}

/// At convergence (tolerance 0) each non-empty cluster's centroid is the mean of its rows.
fn converged_centroids_are_means<T: Real>(c: &Case) -> Result<(), TestCaseError> {
    let data: Vec<T> = cast(&c.data);
    let d = c.d;
    let model = KMeans::new(c.k)
        .tolerance(0.0)
        .seed(c.seed)
        .fit(&RowMajor::new(&data, d).unwrap())
        .unwrap();
    if !model.converged() {
        return Ok(());
    }
    let tol = if std::mem::size_of::<T>() == 4 { 1e-5 } else { 1e-9 };
    for j in 0..c.k {
        let rows: Vec<&[T]> = data
            .chunks_exact(d)
            .zip(model.labels())
            .filter(|&(_, &l)| l == j)
            .map(|(r, _)| r)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let scale = rows
            .iter()
            .flat_map(|r| r.iter())
            .fold(1.0_f64, |m, v| m.max(v.wide().abs()));
        for f in 0..d {
            let mean = rows.iter().map(|r| r[f].wide()).sum::<f64>() / rows.len() as f64;
            let got = model.centroids()[j * d + f].wide();
            prop_assert!(
                (got - mean).abs() <= tol * scale,
                "cluster {} feature {}: {} vs mean {}",
                j,
                f,
                got,
                mean
            );
        }
    }
    Ok(())
}

/// Lloyd iterations driven through the building blocks never increase the inertia.
fn inertia_never_increases<T: Real>(c: &Case) -> Result<(), TestCaseError> {
    let data: Vec<T> = cast(&c.data);
    let d = c.d;
    let n = c.n();
    let data64 = widen(&data);
    let inertia = |labels: &[usize], cents: &[T]| -> f64 {
        let cents = widen(cents);
        data64
            .chunks_exact(d)
            .zip(labels)
            .map(|(row, &l)| squared_euclidean_distance(row, &cents[l * d..(l + 1) * d]).unwrap())
            .sum()
    };
    // Rounding the new means to T can raise the inertia by up to n · d · (u · max|x|)²; so can
    // the fixed-point sums, whose quantum is at most 2 · max|x| · 2⁻⁵⁰ here (the data is
    // within ±100, so both are written for max|x| = 100).
    let quantum = 2.0 * 100.0 * 2.0_f64.powi(-50);
    let rounding = if std::mem::size_of::<T>() == 4 {
        n as f64 * d as f64 * (100.0 * f64::from(f32::EPSILON)).powi(2)
    } else {
        0.0
    } + n as f64 * d as f64 * quantum.powi(2);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(c.seed);
    let mut cents = initialize_random_centroids(&data, d, c.k, &mut rng).unwrap();
    let mut labels = create_clusters(&data, &cents, d).unwrap();
    let mut before = inertia(&labels, &cents);
    for it in 0..100 {
        let next = compute_means(&data, &labels, &cents, d).unwrap();
        let next_labels = create_clusters(&data, &next, d).unwrap();
        let after = inertia(&next_labels, &next);
        prop_assert!(
            after <= before * (1.0 + 1e-9) + rounding,
            "iteration {}: inertia {} -> {}",
            it,
            before,
            after
        );
        if next_labels == labels && next == cents {
            break;
        }
        (cents, labels, before) = (next, next_labels, after);
    }
    Ok(())
}

/// Permuting the rows (same start) permutes the labels and keeps the centroids.
fn permutation_invariance<T: Real>(c: &Case, perm: &[usize]) -> Result<(), TestCaseError> {
    let d = c.d;
    let data: Vec<T> = cast(&c.data);
    let start = first_rows(&data, c.k, d);
    let (m, empty) = replay(&data, &start, d);
    prop_assume!(m > needed_margin::<T>() && !empty);
    let permuted: Vec<T> = perm
        .iter()
        .flat_map(|&i| data[i * d..(i + 1) * d].to_vec())
        .collect();
    let a = fit_from(&data, d, &start);
    let b = fit_from(&permuted, d, &start);
    for (i, &p) in perm.iter().enumerate() {
        prop_assert_eq!(b.labels()[i], a.labels()[p]);
    }
    prop_assert_eq!(a.n_iter(), b.n_iter());
    for (x, y) in a.centroids().iter().zip(b.centroids()) {
        prop_assert!(crate::close(y.wide(), x.wide(), rel_tol::<T>()), "{} vs {}", x, y);
    }
    prop_assert!(crate::close(b.inertia(), a.inertia(), 1e-9));
    Ok(())
}

/// Translating the data and the start by v translates the centroids by v.
fn translation_equivariance<T: Real>(c: &Case, v: &[f64]) -> Result<(), TestCaseError> {
    let d = c.d;
    let data: Vec<T> = cast(&c.data);
    let start = first_rows(&data, c.k, d);
    let (m, empty) = replay(&data, &start, d);
    prop_assume!(m > needed_margin::<T>() && !empty);
    let shift = |x: &[T]| -> Vec<T> {
        x.iter()
            .enumerate()
            .map(|(i, &x)| T::of(x.wide() + v[i % d]))
            .collect()
    };
    let a = fit_from(&data, d, &start);
    let b = fit_from(&shift(&data), d, &shift(&start));
    prop_assert_eq!(a.labels(), b.labels());
    let tol = if std::mem::size_of::<T>() == 4 {
        1e-5
    } else {
        1e-12
    };
    for (i, (x, y)) in a.centroids().iter().zip(b.centroids()).enumerate() {
        let (x, y, v) = (x.wide(), y.wide(), v[i % d]);
        prop_assert!(
            (y - v - x).abs() <= tol * (1.0 + x.abs() + v.abs()),
            "centroid value {}: {} + {} vs {}",
            i,
            x,
            v,
            y
        );
    }
    let tol_inertia = if std::mem::size_of::<T>() == 4 { 1e-3 } else { 1e-9 };
    prop_assert!(
        (a.inertia() - b.inertia()).abs() <= tol_inertia * (1.0 + a.inertia()),
        "{} vs {}",
        a.inertia(),
        b.inertia()
    );
    Ok(())
}

/// The same data, options and seed give the same model.
fn same_seed_same_model<T: Real>(c: &Case) -> Result<(), TestCaseError> {
    let data: Vec<T> = cast(&c.data);
    let view = RowMajor::new(&data, c.d).unwrap();
    for init in [Init::KMeansPlusPlus, Init::Random] {
        let config = KMeans::new(c.k).init(init).seed(c.seed);
        let a = config.fit(&view).unwrap();
        let b = config.clone().fit(&view).unwrap();
        prop_assert_eq!(&a, &b);
        let copy = data.clone();
        prop_assert_eq!(&a, &config.fit(&RowMajor::new(&copy, c.d).unwrap()).unwrap());
    }
    Ok(())
}

/// Scaling the data by a power of two scales the centroids by it and the inertia by its
/// square, exactly (every rounding scales too), from any start and seed.
fn scale_equivariance<T: Real>(c: &Case, s: f64) -> Result<(), TestCaseError> {
    let data: Vec<T> = cast(&c.data);
    let scaled: Vec<T> = data.iter().map(|&x| T::of(x.wide() * s)).collect();
    for init in [Init::KMeansPlusPlus, Init::Random] {
        let config = KMeans::new(c.k).init(init).seed(c.seed);
        let a = config.fit(&RowMajor::new(&data, c.d).unwrap()).unwrap();
        let b = config.fit(&RowMajor::new(&scaled, c.d).unwrap()).unwrap();
        prop_assert_eq!(a.labels(), b.labels());
        prop_assert_eq!(a.n_iter(), b.n_iter());
        prop_assert_eq!(a.converged(), b.converged());
        let want: Vec<T> = a.centroids().iter().map(|&x| T::of(x.wide() * s)).collect();
        prop_assert_eq!(b.centroids(), &want[..]);
        prop_assert_eq!(b.inertia(), a.inertia() * s * s);
    }
    Ok(())
}

/// Every row twice (same start): the same centroids, twice the inertia.
fn duplication<T: Real>(c: &Case) -> Result<(), TestCaseError> {
    let d = c.d;
    let n = c.n();
    let data: Vec<T> = cast(&c.data);
    let start = first_rows(&data, c.k, d);
    let (m, empty) = replay(&data, &start, d);
    prop_assume!(m > needed_margin::<T>() && !empty);
    let twice: Vec<T> = data.iter().chain(&data).copied().collect();
    let a = fit_from(&data, d, &start);
    let b = fit_from(&twice, d, &start);
    prop_assert_eq!(&b.labels()[..n], a.labels());
    prop_assert_eq!(&b.labels()[n..], a.labels());
    for (x, y) in a.centroids().iter().zip(b.centroids()) {
        prop_assert!(crate::close(y.wide(), x.wide(), rel_tol::<T>()), "{} vs {}", x, y);
    }
    prop_assert!(crate::close(b.inertia(), 2.0 * a.inertia(), 1e-9));
    Ok(())
}

/// A far-away outlier row never makes `fit` fail.
fn outlier_is_fine<T: Real>(c: &Case, far: f64) -> Result<(), TestCaseError> {
    let mut data: Vec<T> = cast(&c.data);
    data.extend((0..c.d).map(|f| T::of(if f % 2 == 0 { far } else { -far })));
    for init in [Init::KMeansPlusPlus, Init::Random] {
        let model = KMeans::new(c.k)
            .init(init)
            .seed(c.seed)
            .fit(&RowMajor::new(&data, c.d).unwrap());
        prop_assert!(model.is_ok(), "{:?}", model);
        assert_valid(&model.unwrap(), &data, c.d)?;
    }
    Ok(())
}

/// Every algorithm gives the same model (they are all exact and sum in the same order).
fn algorithms_agree<T: Real>(c: &Case) -> Result<(), TestCaseError> {
    let data: Vec<T> = cast(&c.data);
    let view = RowMajor::new(&data, c.d).unwrap();
    for tol in [0.0, 1e-4] {
        let config = KMeans::new(c.k).tolerance(tol).seed(c.seed);
        let lloyd = config.clone().algorithm(Algorithm::Lloyd).fit(&view).unwrap();
        let hamerly = config.clone().algorithm(Algorithm::Hamerly).fit(&view).unwrap();
        let yinyang = config.clone().algorithm(Algorithm::Yinyang).fit(&view).unwrap();
        let auto = config.algorithm(Algorithm::Auto).fit(&view).unwrap();
        prop_assert_eq!(&lloyd, &hamerly);
        prop_assert_eq!(&lloyd, &yinyang);
        prop_assert_eq!(&lloyd, &auto);
    }
    Ok(())
}

/// 12 to 80 rows and up to 12 clusters.
fn many_clusters_case() -> impl Strategy<Value = Case> {
    (12usize..=80, 1usize..=4)
        .prop_flat_map(|(n, d)| {
            (
                prop::collection::vec(-100.0..100.0_f64, n * d),
                Just(d),
                1usize..=12,
                any::<u64>(),
            )
        })
        .prop_map(|(data, d, k, seed)| Case { data, d, k, seed })
}

/// `create_clusters` gives every row the label `closest_centroid` gives it, for any finite
/// centroids (they are not limited in magnitude as data is), as documented.
fn create_clusters_is_closest_centroid<T: Real>(
    data: &[f64],
    d: usize,
    centroids: &[T],
) -> Result<(), TestCaseError> {
    let data: Vec<T> = cast(data);
    let labels = match create_clusters(&data, centroids, d) {
        Ok(labels) => labels,
        // Centroids beyond the data's magnitude limit are refused (one policy for every entry
        // point): this draws centroids up to T::MAX, far beyond it.
        Err(k_means::KMeansError::CentroidTooLarge { row, column, limit }) => {
            prop_assert!(centroids[row * d + column].wide().abs() > limit);
            return Ok(());
        }
        Err(e) => return Err(TestCaseError::fail(format!("{e:?}"))),
    };
    for (i, row) in data.chunks_exact(d).enumerate() {
        prop_assert_eq!(
            labels[i],
            closest_centroid(row, centroids, d).unwrap(),
            "row {}",
            i
        );
    }
    Ok(())
}

/// Cases the law above once found: f32 centroids whose centred half squared norm overflows f32
/// (`½ (5e19)² > f32::MAX`) although every f64 distance is finite and far from a tie. Such
/// centroids are now refused (`CentroidTooLarge`), as `fit` refuses them; the labels of the
/// last case, within the limit, are still the nearest.
#[test]
fn create_clusters_with_huge_f32_centroids() {
    let refused: [(&[f32], &[f32], usize); 3] = [
        (&[0.0], &[1e20, 0.0], 1),
        (&[0.0], &[3e38, 0.0], 1),
        (&[0.0, 1.0, 2.0], &[3e38, 3e38, 0.0], 1),
    ];
    for (data, centroids, d) in refused {
        let err = create_clusters(data, centroids, d).unwrap_err();
        assert!(
            matches!(
                err,
                k_means::KMeansError::CentroidTooLarge {
                    row: 0,
                    column: 0,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(closest_centroid(&data[..d], centroids, d).is_err());
    }
    let cases: [(&[f32], &[f32], usize); 1] =
        [(&[1.0, -1.0, 5.0, 5.0], &[-1e17, 1e17, 1.0, -1.0, 4.0, 4.0], 2)];
    for (data, centroids, d) in cases {
        let labels = create_clusters(data, centroids, d).unwrap();
        let want: Vec<usize> = data
            .chunks(d)
            .map(|r| closest_centroid(r, centroids, d).unwrap())
            .collect();
        assert_eq!(labels, want, "data {data:?}, centroids {centroids:?}");
        assert_eq!(
            want,
            data.chunks(d)
                .map(|r| crate::nearest(r, centroids, d))
                .collect::<Vec<_>>()
        );
    }
}

/// Finite centroid values of magnitudes up to `10^max_exp`, and `T::MAX` if `with_max`.
fn wild_centroid<T: Real>(max_exp: i32, with_max: bool) -> impl Strategy<Value = T> {
    let max = if with_max {
        T::max_value()
    } else {
        T::of(10f64.powi(max_exp))
    };
    prop_oneof![
        (-100.0..100.0_f64).prop_map(T::of),
        (-30..=max_exp, any::<bool>())
            .prop_map(|(e, neg)| T::of(if neg { -1.0 } else { 1.0 } * 10f64.powi(e))),
        Just(max),
        Just(-max),
    ]
}

/// k centroids of `d` values from `values`, cycled.
fn shape<T: Copy>(values: &[T], d: usize) -> Vec<T> {
    let k = (values.len() / d).max(1);
    values.iter().copied().cycle().take(k * d).collect()
}

// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn labels_are_nearest_f32(c in case()) { labels_are_nearest::<f32>(&c)?; }
    #[test]
    fn labels_are_nearest_f64(c in case()) { labels_are_nearest::<f64>(&c)?; }

    #[test]
    fn converged_centroids_are_means_f32(c in case()) { converged_centroids_are_means::<f32>(&c)?; }
    #[test]
    fn converged_centroids_are_means_f64(c in case()) { converged_centroids_are_means::<f64>(&c)?; }

    #[test]
    fn inertia_never_increases_f32(c in case()) { inertia_never_increases::<f32>(&c)?; }
    #[test]
    fn inertia_never_increases_f64(c in case()) { inertia_never_increases::<f64>(&c)?; }

    #[test]
    fn permutation_invariance_f32((c, p) in case_and_permutation()) { permutation_invariance::<f32>(&c, &p)?; }
    #[test]
    fn permutation_invariance_f64((c, p) in case_and_permutation()) { permutation_invariance::<f64>(&c, &p)?; }

    #[test]
    fn translation_equivariance_f32((c, v) in case_and_shift()) { translation_equivariance::<f32>(&c, &v)?; }
    #[test]
    fn translation_equivariance_f64((c, v) in case_and_shift()) { translation_equivariance::<f64>(&c, &v)?; }

    #[test]
    fn same_seed_same_model_f32(c in case()) { same_seed_same_model::<f32>(&c)?; }
    #[test]
    fn same_seed_same_model_f64(c in case()) { same_seed_same_model::<f64>(&c)?; }

    #[test]
    fn scale_equivariance_f32(c in case(), s in prop::sample::select(vec![0.5, 2.0, 4.0])) {
        scale_equivariance::<f32>(&c, s)?;
    }
    #[test]
    fn scale_equivariance_f64(c in case(), s in prop::sample::select(vec![0.5, 2.0, 4.0])) {
        scale_equivariance::<f64>(&c, s)?;
    }

    #[test]
    fn duplication_f32(c in case()) { duplication::<f32>(&c)?; }
    #[test]
    fn duplication_f64(c in case()) { duplication::<f64>(&c)?; }

    #[test]
    fn outlier_is_fine_f32(c in case(), far in prop::sample::select(vec![1e6, 1e9, 1e15])) {
        outlier_is_fine::<f32>(&c, far)?;
    }
    #[test]
    fn outlier_is_fine_f64(c in case(), far in prop::sample::select(vec![1e6, 1e15, 1e100])) {
        outlier_is_fine::<f64>(&c, far)?;
    }

    #[test]
    fn algorithms_agree_f32(c in many_clusters_case()) { algorithms_agree::<f32>(&c)?; }
    #[test]
    fn algorithms_agree_f64(c in many_clusters_case()) { algorithms_agree::<f64>(&c)?; }

    #[test]
    fn create_clusters_is_closest_centroid_f32(
        c in case(),
        cents in prop::collection::vec(wild_centroid::<f32>(38, true), 1..=24),
    ) {
        create_clusters_is_closest_centroid::<f32>(&c.data, c.d, &shape(&cents, c.d))?;
    }

    /// f64: magnitudes up to 1e150, so that every squared distance is finite in f64 and
    /// `closest_centroid` is exact.
    #[test]
    fn create_clusters_is_closest_centroid_f64(
        c in case(),
        cents in prop::collection::vec(wild_centroid::<f64>(150, false), 1..=24),
    ) {
        create_clusters_is_closest_centroid::<f64>(&c.data, c.d, &shape(&cents, c.d))?;
    }
}
