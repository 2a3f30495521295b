//! Regression tests for the crashes found by the cargo-fuzz targets in `fuzz/` (see
//! `fuzz/README.md`).
//!
//! One test per crashing input, minimised with `cargo fuzz tmin` and written out as literal
//! values. Each asserts the correct behaviour (a specific error, or an `Ok` model whose labels
//! are the nearest centroids), so it fails while the bug is there. Tests of bugs not yet fixed
//! in `src/` are `#[ignore]`d with the crash number; remove the attribute with the fix.

use k_means::{Algorithm, Init, KMeans, KMeansError, KMeansModel, Refine, RowMajor, closest_centroid};

/// Asserts the invariants every `Ok` model must satisfy on its training data: finite centroids
/// and inertia, one label per row, each label the nearest centroid (exact for f64 data) and
/// `predict` equal to the labels, sizes that count the labels, and the inertia equal to the
/// direct sum of squared distances.
fn assert_consistent_f64(model: &KMeansModel<f64>, data: &[f64], d: usize) {
    let k = model.k();
    assert!(model.centroids().iter().all(|c| c.is_finite()), "{model:?}");
    assert!(model.inertia().is_finite(), "{model:?}");
    assert_eq!(model.labels().len(), data.len() / d);
    let mut sizes = vec![0; k];
    let mut inertia = 0.0;
    for (i, (row, &l)) in data.chunks_exact(d).zip(model.labels()).enumerate() {
        let nearest = closest_centroid(row, model.centroids(), d).unwrap();
        assert_eq!(
            l, nearest,
            "row {i}: label {l}, nearest centroid {nearest}; {model:?}"
        );
        sizes[l] += 1;
        inertia += k_means::squared_euclidean_distance(row, model.centroid(l).unwrap()).unwrap();
    }
    assert_eq!(model.cluster_sizes(), &sizes[..]);
    assert!((model.inertia() - inertia).abs() <= 1e-12 * inertia, "{model:?}");
    let view = RowMajor::new(data, d).unwrap();
    assert_eq!(model.predict(&view).unwrap(), model.labels());
}

/// Fuzz crash 1 (target `fit`, minimised; found at commit 5863ab9): f32, one feature, two rows
/// `[f32::MIN_POSITIVE]` and `[0.0]`, k = 2, Hamerly, `Init::Precomputed([-26.75, -f32::MAX])`,
/// max_iter 48.
///
/// `-f32::MAX` is finite, so `fit` accepted it, but it is far beyond the magnitude limit the
/// data is held to (about 3.3e18 for one f32 feature). Its half squared norm overflows f32 in
/// the tiled kernel, every score of the first assignment is NaN or +∞, and the kernel reported
/// a +∞ lower bound on the distance to the second-nearest centroid. Hamerly kept that bound and
/// never looked at the rows again: the model came back with labels `[0, 0]` although centroid 1
/// is exactly row 0 (centroids `[0.0, 1.1754944e-38]`), and differed from Lloyd's model.
///
/// Correct (since commit 11b87ca, "CentroidTooLarge for fit starts"): the start is rejected,
/// naming centroid 1, column 0.
#[test]
fn fuzz_crash_1_huge_precomputed_centroid_hamerly_stale_labels() {
    let data = [f32::MIN_POSITIVE, 0.0];
    let start = vec![-26.75_f32, -f32::MAX];
    let rows = RowMajor::new(&data, 1).unwrap();
    for algorithm in [Algorithm::Hamerly, Algorithm::Yinyang, Algorithm::Lloyd] {
        let err = KMeans::new(2)
            .max_iter(48)
            .algorithm(algorithm)
            .seed(9_187_201_950_435_737_471)
            .init(Init::Precomputed(start.clone()))
            .fit(&rows)
            .unwrap_err();
        assert!(
            matches!(err, KMeansError::CentroidTooLarge { row: 1, column: 0, limit } if limit < 1e19),
            "{err:?}"
        );
    }
    // The same start within the limit: Hamerly gives Lloyd's model, labels the nearest centroids.
    let start = vec![-26.75_f32, -3e18];
    let km = KMeans::new(2).max_iter(48).init(Init::Precomputed(start));
    let hamerly = km.clone().algorithm(Algorithm::Hamerly).fit(&rows).unwrap();
    assert_eq!(
        km.clone().algorithm(Algorithm::Yinyang).fit(&rows).unwrap(),
        hamerly
    );
    let lloyd = km.algorithm(Algorithm::Lloyd).fit(&rows).unwrap();
    assert_eq!(hamerly, lloyd);
    for (row, &l) in data.chunks_exact(1).zip(hamerly.labels()) {
        assert_eq!(
            l,
            closest_centroid(row, hamerly.centroids(), 1).unwrap(),
            "{hamerly:?}"
        );
    }
}

/// Fuzz crash 2 (target `fit`, minimised; found at commit 53baa6e): f64, one feature, six identical rows `[1e100]`,
/// k = 2, k-means++ start, no refinement (the default when the bug was found), Lloyd, max_iter
/// 17 (Hamerly and Auto do the same).
///
/// All rows are identical, so both centroids start on them, cluster 1 is empty and takes a row
/// (the empty-cluster policy), and the mean of the other five, computed as (sum of six − the
/// moved row) / 5, is 1e100 rounded differently. The next iteration gives the same labels as
/// the previous one, so the run stops on "labels unchanged" (strict convergence) and skips the
/// final assignment, but that iteration's update still moved centroid 0 (the mean of six
/// copies of 1e100 is 9.999999999999998e99). The model came back with centroids
/// `[9.999999999999998e99, 1e100]` and labels all 0, although every row *is* centroid 1.
/// Plain data shows it too: six rows `[0.1]` and `KMeans::new(2)` with every default option.
///
/// Correct (since commit 13ad029, "relabel after strict convergence when the last update moved
/// a centroid"): an `Ok` model whose labels are the nearest of its centroids, and inertia the
/// direct sum of squared distances.
#[test]
fn fuzz_crash_2_strict_convergence_after_relocation_leaves_stale_labels() {
    for algorithm in [
        Algorithm::Lloyd,
        Algorithm::Hamerly,
        Algorithm::Yinyang,
        Algorithm::Auto,
    ] {
        let data = [1e100_f64; 6];
        let rows = RowMajor::new(&data, 1).unwrap();
        let model = KMeans::new(2)
            .max_iter(17)
            .algorithm(algorithm)
            .refine(Refine::None)
            .seed(8_574_853_694_824_513_792)
            .fit(&rows)
            .unwrap();
        assert_consistent_f64(&model, &data, 1);

        // The same bug with ordinary values and every option at its default (then refinement
        // off; now breathing k-means, which ends with the same kind of run).
        let data = [0.1_f64; 6];
        let model = KMeans::new(2)
            .algorithm(algorithm)
            .fit(&RowMajor::new(&data, 1).unwrap())
            .unwrap();
        assert_consistent_f64(&model, &data, 1);
    }
}

/// Fuzz crash 3 (target `fit`, found while hardening for issue 13): f64, one row `[√(f64::MAX /
/// 32)]` (exactly the magnitude limit of one row of one feature), k = 1, precomputed from that
/// row. The fitted centroid, a fixed-point mean, rounded up past the data's limit by half a
/// quantum, so `closest_centroid` (and loading the saved model) refused the fit's own centroid
/// with `CentroidTooLarge`. Correct: centroids are held to the data's limit with a relative
/// slack of 2⁻⁴⁰, so every fitted model passes.
#[test]
fn fuzz_crash_3_fitted_centroid_at_the_limit_is_accepted_everywhere() {
    let v = (f64::MAX / 32.0).sqrt();
    let data = [v];
    let model = KMeans::new(1)
        .init(Init::Precomputed(vec![v]))
        .fit(&RowMajor::new(&data, 1).unwrap())
        .unwrap();
    assert_eq!(closest_centroid(&data, model.centroids(), 1), Ok(0));
    assert_eq!(k_means::create_clusters(&data, model.centroids(), 1), Ok(vec![0]));
    assert_consistent_f64(&model, &data, 1);
    #[cfg(feature = "serde")]
    {
        let json = serde_json::to_string(&model).unwrap();
        let back: KMeansModel<f64> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.centroids(), model.centroids());
    }
}
