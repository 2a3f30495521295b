//! Every error the public API reports, with its exact variant, and a fuzz test that no input,
//! however malformed, makes anything panic or return non-finite results.

use k_means::datasets::make_blobs;
use k_means::metrics::{
    adjusted_rand_index, calinski_harabasz_score, centroid_index, davies_bouldin_score, silhouette_samples,
    silhouette_score_sampled,
};
use k_means::{
    Init, KMeans, KMeansError, KMeansModel, RowMajor, closest_centroid, compute_means, create_clusters,
    euclidean_distance, initialize_random_centroids, squared_euclidean_distance,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

use crate::Real;

fn rows() -> Vec<[f64; 2]> {
    vec![[0.0, 0.0], [1.0, 0.0], [10.0, 10.0], [11.0, 10.0]]
}

fn model() -> KMeansModel<f64> {
    KMeans::new(2).fit(&rows()).unwrap()
}

#[test]
fn zero_k() {
    let err = KMeans::new(0).fit(&rows()).unwrap_err();
    assert_eq!(err, KMeansError::ZeroK);
    assert_eq!(err.to_string(), "k must be at least 1");
}

#[test]
fn k_larger_than_the_number_of_rows() {
    let err = KMeans::new(5).fit(&rows()).unwrap_err();
    assert_eq!(err, KMeansError::KTooLarge { k: 5, n_rows: 4 });
    assert_eq!(err.to_string(), "k = 5 is greater than the number of rows (4)");
    // Also with precomputed centroids of the right shape.
    let err = KMeans::new(5)
        .init(Init::Precomputed(vec![0.0; 10]))
        .fit(&rows())
        .unwrap_err();
    assert_eq!(err, KMeansError::KTooLarge { k: 5, n_rows: 4 });
}

#[test]
fn no_rows() {
    let empty: Vec<[f64; 2]> = Vec::new();
    assert_eq!(KMeans::new(1).fit(&empty).unwrap_err(), KMeansError::NoRows);
    let flat: [f32; 0] = [];
    assert_eq!(
        KMeans::new(1).fit(&RowMajor::new(&flat, 3).unwrap()).unwrap_err(),
        KMeansError::NoRows
    );
    assert_eq!(KMeansError::NoRows.to_string(), "the data has no rows");
}

#[test]
fn zero_features() {
    assert_eq!(
        RowMajor::<f64>::new(&[], 0).unwrap_err(),
        KMeansError::ZeroFeatures
    );
    assert_eq!(
        RowMajor::new(&[1.0_f32, 2.0], 0).unwrap_err(),
        KMeansError::ZeroFeatures
    );
    let zero_width: Vec<[f64; 0]> = vec![[], [], []];
    assert_eq!(
        KMeans::new(1).fit(&zero_width).unwrap_err(),
        KMeansError::ZeroFeatures
    );
    let none: Vec<[f64; 0]> = Vec::new();
    assert_eq!(KMeans::new(1).fit(&none).unwrap_err(), KMeansError::ZeroFeatures);
    assert_eq!(
        model().predict(&zero_width).unwrap_err(),
        KMeansError::ZeroFeatures
    );
}

#[test]
fn length_not_a_multiple_of_the_width() {
    let flat = [1.0_f64, 2.0, 3.0, 4.0, 5.0];
    let err = RowMajor::new(&flat, 2).unwrap_err();
    assert_eq!(
        err,
        KMeansError::ShapeMismatch {
            len: 5,
            n_features: 2
        }
    );
    assert_eq!(
        err.to_string(),
        "a buffer of length 5 is not a whole number of rows of 2 features"
    );
}

#[test]
fn nan_in_data() {
    let mut data = rows();
    data[2][1] = f64::NAN;
    let err = KMeans::new(2).fit(&data).unwrap_err();
    assert_eq!(err, KMeansError::NonFinite { row: 2, column: 1 });
    assert_eq!(err.to_string(), "the value at row 2, column 1 is NaN or infinite");
}

#[test]
fn infinity_in_data() {
    let mut data: Vec<[f32; 2]> = vec![[0.0, 0.0], [1.0, 0.0], [10.0, 10.0], [11.0, 10.0]];
    data[1][0] = f32::INFINITY;
    // The first bad value in row-major order is reported.
    data[3][1] = f32::NAN;
    assert_eq!(
        KMeans::new(2).fit(&data).unwrap_err(),
        KMeansError::NonFinite { row: 1, column: 0 }
    );
    let mut data = rows();
    data[3][0] = f64::NEG_INFINITY;
    assert_eq!(
        KMeans::new(2).fit(&data).unwrap_err(),
        KMeansError::NonFinite { row: 3, column: 0 }
    );
}

#[test]
fn value_too_large_f32() {
    // Two features: |x| must stay below √(f32::MAX / 64) ≈ 2.3e18 so that squared distances fit.
    let data: Vec<[f32; 2]> = vec![[0.0, 0.0], [1.0, 2.0], [1e30, 0.0], [3.0, 4.0]];
    let err = KMeans::new(2).fit(&data).unwrap_err();
    match err {
        KMeansError::ValueTooLarge { row, column, limit } => {
            assert_eq!((row, column), (2, 0));
            assert!(limit > 1e18 && limit < 1e19, "limit {limit}");
        }
        other => panic!("expected ValueTooLarge, got {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("the value at row 2, column 0 is too large in magnitude")
    );
    // -1e30 as well, and in predict.
    let data: Vec<[f32; 2]> = vec![[0.0, -1e30]];
    let model = KMeans::new(1).fit(&vec![[0.0_f32, 0.0]]).unwrap();
    assert!(matches!(
        model.predict(&data).unwrap_err(),
        KMeansError::ValueTooLarge {
            row: 0,
            column: 1,
            ..
        }
    ));
    // 1e18 is accepted.
    assert!(KMeans::new(1).fit(&vec![[1e18_f32, -1e18]]).is_ok());
}

#[test]
fn value_too_large_f64() {
    let data = vec![[0.0_f64, 0.0], [1e200, 0.0]];
    assert!(matches!(
        KMeans::new(1).fit(&data).unwrap_err(),
        KMeansError::ValueTooLarge {
            row: 1,
            column: 0,
            ..
        }
    ));
    let data = vec![[0.0_f64, f64::MAX]];
    assert!(matches!(
        KMeans::new(1).fit(&data).unwrap_err(),
        KMeansError::ValueTooLarge {
            row: 0,
            column: 1,
            ..
        }
    ));
}

#[test]
fn negative_tolerance() {
    let err = KMeans::new(2).tolerance(-1e-3).fit(&rows()).unwrap_err();
    assert_eq!(err, KMeansError::InvalidTolerance { tolerance: -1e-3 });
    assert_eq!(
        err.to_string(),
        "the tolerance must be finite and non-negative, got -0.001"
    );
}

#[test]
fn nan_tolerance() {
    let err = KMeans::new(2).tolerance(f64::NAN).fit(&rows()).unwrap_err();
    assert!(
        matches!(err, KMeansError::InvalidTolerance { tolerance } if tolerance.is_nan()),
        "{err:?}"
    );
}

#[test]
fn infinite_tolerance() {
    let err = KMeans::new(2).tolerance(f64::INFINITY).fit(&rows()).unwrap_err();
    assert_eq!(
        err,
        KMeansError::InvalidTolerance {
            tolerance: f64::INFINITY
        }
    );
}

#[test]
fn zero_max_iter() {
    let err = KMeans::new(2).max_iter(0).fit(&rows()).unwrap_err();
    assert_eq!(err, KMeansError::ZeroMaxIter);
    assert_eq!(err.to_string(), "max_iter must be at least 1");
}

#[test]
fn zero_n_init() {
    for init in [Init::KMeansPlusPlus, Init::Random] {
        let err = KMeans::new(2).init(init).n_init(0).fit(&rows()).unwrap_err();
        assert_eq!(err, KMeansError::ZeroNInit);
    }
    assert_eq!(KMeansError::ZeroNInit.to_string(), "n_init must be at least 1");
}

#[test]
fn precomputed_centroids_of_the_wrong_length() {
    let err = KMeans::new(2)
        .init(Init::Precomputed(vec![0.0; 3]))
        .fit(&rows())
        .unwrap_err();
    assert_eq!(
        err,
        KMeansError::CentroidShape {
            len: 3,
            k: 2,
            n_features: 2,
            expected: 4
        }
    );
    assert_eq!(
        err.to_string(),
        "the centroid buffer has 3 values, but k × n_features = 2 × 2 = 4"
    );
    let err = KMeans::new(1)
        .init(Init::Precomputed(vec![0.0; 4]))
        .fit(&rows())
        .unwrap_err();
    assert!(matches!(
        err,
        KMeansError::CentroidShape {
            len: 4,
            expected: 2,
            ..
        }
    ));
}

#[test]
fn precomputed_centroids_with_nan() {
    let err = KMeans::new(2)
        .init(Init::Precomputed(vec![0.0, 0.0, 1.0, f64::NAN]))
        .fit(&rows())
        .unwrap_err();
    assert_eq!(err, KMeansError::NonFiniteCentroid { row: 1, column: 1 });
    assert_eq!(
        err.to_string(),
        "centroid 1 has a NaN or infinite value at column 1"
    );
    let err = KMeans::new(2)
        .init(Init::Precomputed(vec![f32::NEG_INFINITY, 0.0, 1.0, 1.0]))
        .fit(&vec![[0.0_f32, 0.0], [1.0, 1.0]])
        .unwrap_err();
    assert_eq!(err, KMeansError::NonFiniteCentroid { row: 0, column: 0 });
}

#[test]
fn predict_and_transform_with_another_width() {
    let m = model();
    let three = vec![[0.0_f64, 1.0, 2.0]];
    let err = KMeansError::FeatureMismatch { expected: 2, got: 3 };
    assert_eq!(m.predict(&three).unwrap_err(), err);
    assert_eq!(m.transform(&three).unwrap_err(), err);
    assert_eq!(err.to_string(), "expected 2 features, got 3");
    let flat = [1.0_f64, 2.0, 3.0];
    let one = RowMajor::new(&flat, 1).unwrap();
    assert_eq!(
        m.predict(&one).unwrap_err(),
        KMeansError::FeatureMismatch { expected: 2, got: 1 }
    );
}

#[test]
fn predict_and_transform_with_nan() {
    let m = model();
    let bad = vec![[0.0_f64, 1.0], [f64::NAN, 2.0]];
    assert_eq!(
        m.predict(&bad).unwrap_err(),
        KMeansError::NonFinite { row: 1, column: 0 }
    );
    assert_eq!(
        m.transform(&bad).unwrap_err(),
        KMeansError::NonFinite { row: 1, column: 0 }
    );
    let inf = vec![[0.0_f64, f64::INFINITY]];
    assert_eq!(
        m.transform(&inf).unwrap_err(),
        KMeansError::NonFinite { row: 0, column: 1 }
    );
}

#[test]
fn initialize_random_centroids_errors() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let data = [0.0_f64, 1.0, 2.0, 3.0];
    assert_eq!(
        initialize_random_centroids(&data, 3, 1, &mut rng).unwrap_err(),
        KMeansError::ShapeMismatch {
            len: 4,
            n_features: 3
        }
    );
    assert_eq!(
        initialize_random_centroids(&data, 0, 1, &mut rng).unwrap_err(),
        KMeansError::ZeroFeatures
    );
    assert_eq!(
        initialize_random_centroids::<f64, _>(&[], 2, 1, &mut rng).unwrap_err(),
        KMeansError::NoRows
    );
    assert_eq!(
        initialize_random_centroids(&data, 2, 0, &mut rng).unwrap_err(),
        KMeansError::ZeroK
    );
    assert_eq!(
        initialize_random_centroids(&data, 2, 3, &mut rng).unwrap_err(),
        KMeansError::KTooLarge { k: 3, n_rows: 2 }
    );
}

#[test]
fn distance_errors() {
    let err = KMeansError::FeatureMismatch { expected: 2, got: 3 };
    assert_eq!(
        euclidean_distance(&[0.0_f64, 1.0], &[0.0, 1.0, 2.0]).unwrap_err(),
        err
    );
    assert_eq!(
        squared_euclidean_distance(&[0.0_f32, 1.0], &[0.0, 1.0, 2.0]).unwrap_err(),
        err
    );
}

#[test]
fn closest_centroid_errors() {
    let c = [0.0_f64, 0.0, 1.0, 1.0];
    assert_eq!(
        closest_centroid(&[0.0, 0.0, 0.0], &c, 2).unwrap_err(),
        KMeansError::FeatureMismatch { expected: 2, got: 3 }
    );
    assert_eq!(
        closest_centroid::<f64>(&[0.0], &[], 1).unwrap_err(),
        KMeansError::ZeroK
    );
    assert_eq!(
        closest_centroid(&[0.0, 0.0], &c[..3], 2).unwrap_err(),
        KMeansError::ShapeMismatch {
            len: 3,
            n_features: 2
        }
    );
    assert_eq!(
        closest_centroid::<f64>(&[], &c, 0).unwrap_err(),
        KMeansError::ZeroFeatures
    );
}

#[test]
fn create_clusters_errors() {
    let data = [0.0_f64, 0.0, 1.0, 1.0, 5.0, 5.0];
    let c = [0.0_f64, 0.0, 5.0, 5.0];
    assert_eq!(create_clusters(&data, &[], 2).unwrap_err(), KMeansError::ZeroK);
    assert_eq!(
        create_clusters(&data[..5], &c, 2).unwrap_err(),
        KMeansError::ShapeMismatch {
            len: 5,
            n_features: 2
        }
    );
    assert_eq!(
        create_clusters(&data, &c[..3], 2).unwrap_err(),
        KMeansError::ShapeMismatch {
            len: 3,
            n_features: 2
        }
    );
    assert_eq!(
        create_clusters(&data, &c, 0).unwrap_err(),
        KMeansError::ZeroFeatures
    );
    let mut bad = data;
    bad[3] = f64::NAN;
    assert_eq!(
        create_clusters(&bad, &c, 2).unwrap_err(),
        KMeansError::NonFinite { row: 1, column: 1 }
    );
    assert_eq!(
        create_clusters(&data, &[0.0, 0.0, f64::INFINITY, 5.0], 2).unwrap_err(),
        KMeansError::NonFiniteCentroid { row: 1, column: 0 }
    );
    assert!(matches!(
        create_clusters(&[1e30_f32, 0.0], &[0.0, 0.0], 2).unwrap_err(),
        KMeansError::ValueTooLarge {
            row: 0,
            column: 0,
            ..
        }
    ));
}

#[test]
fn compute_means_errors() {
    let data = [0.0_f64, 0.0, 1.0, 1.0, 5.0, 5.0];
    let c = [0.0_f64, 0.0, 5.0, 5.0];
    let err = compute_means(&data, &[0, 0], &c, 2).unwrap_err();
    assert_eq!(err, KMeansError::LabelCount { labels: 2, n_rows: 3 });
    assert_eq!(err.to_string(), "2 labels were given for 3 rows");
    let err = compute_means(&data, &[0, 2, 1], &c, 2).unwrap_err();
    assert_eq!(
        err,
        KMeansError::LabelOutOfRange {
            row: 1,
            label: 2,
            k: 2
        }
    );
    assert_eq!(
        err.to_string(),
        "the label of row 1 is 2, but there are only 2 clusters"
    );
    assert_eq!(
        compute_means(&data, &[0, 0, 0], &[], 2).unwrap_err(),
        KMeansError::ZeroK
    );
    assert_eq!(
        compute_means(&data, &[0, 0, 0], &c[..3], 2).unwrap_err(),
        KMeansError::ShapeMismatch {
            len: 3,
            n_features: 2
        }
    );
    assert_eq!(
        compute_means(&data, &[0, 0, 0], &[0.0, f64::NAN, 5.0, 5.0], 2).unwrap_err(),
        KMeansError::NonFiniteCentroid { row: 0, column: 1 }
    );
    let mut bad = data;
    bad[4] = f64::NEG_INFINITY;
    assert_eq!(
        compute_means(&bad, &[0, 0, 1], &c, 2).unwrap_err(),
        KMeansError::NonFinite { row: 2, column: 0 }
    );
}

#[test]
fn metrics_errors() {
    assert_eq!(
        adjusted_rand_index(&[0, 1, 1], &[0, 1]).unwrap_err(),
        KMeansError::LabelCount { labels: 2, n_rows: 3 }
    );
    assert_eq!(
        centroid_index::<f64>(&[], &[1.0], 1).unwrap_err(),
        KMeansError::ZeroK
    );
    assert_eq!(
        centroid_index(&[0.0_f64, f64::NAN], &[1.0, 1.0], 2).unwrap_err(),
        KMeansError::NonFiniteCentroid { row: 0, column: 1 }
    );
    // The clustering scores' own errors (the rest: tests/integration/metrics.rs).
    let rows = rows();
    let err = calinski_harabasz_score(&rows, &[3, 3, 3, 3]).unwrap_err();
    assert_eq!(
        err,
        KMeansError::ClusterCount {
            n_clusters: 1,
            n_rows: 4
        }
    );
    assert_eq!(
        err.to_string(),
        "the labels of these 4 rows name 1 distinct clusters, but the score needs between 2 and n_rows − 1 clusters"
    );
    let err = silhouette_score_sampled(&rows, &[0, 0, 1, 1], 1, 0).unwrap_err();
    assert_eq!(err, KMeansError::SampleTooSmall { sample_size: 1 });
    assert_eq!(
        err.to_string(),
        "a silhouette sample needs at least 3 rows, got sample_size = 1"
    );
    let err = KMeans::new(2).sweep([]).fit(&rows).unwrap_err();
    assert_eq!(err, KMeansError::EmptySweep);
    assert_eq!(
        err.to_string(),
        "the sweep over k has no k to fit: give at least one value of k"
    );
}

#[test]
fn make_blobs_invalid_cluster_std() {
    // Documented: InvalidClusterStd if cluster_std is negative or not finite.
    assert_eq!(
        make_blobs::<f32>(10, 2, 2, -1.0, 0).unwrap_err(),
        KMeansError::InvalidClusterStd { cluster_std: -1.0 }
    );
    assert_eq!(
        make_blobs::<f64>(10, 2, 2, f64::INFINITY, 0).unwrap_err(),
        KMeansError::InvalidClusterStd {
            cluster_std: f64::INFINITY
        }
    );
    let err = make_blobs::<f64>(10, 2, 2, f64::NAN, 0).unwrap_err();
    assert!(
        matches!(err, KMeansError::InvalidClusterStd { cluster_std } if cluster_std.is_nan()),
        "{err:?}"
    );
}

#[test]
fn make_blobs_errors() {
    assert_eq!(
        make_blobs::<f64>(10, 0, 2, 1.0, 0).unwrap_err(),
        KMeansError::ZeroFeatures
    );
    assert_eq!(
        make_blobs::<f64>(10, 2, 0, 1.0, 0).unwrap_err(),
        KMeansError::ZeroK
    );
    // A zero standard deviation is valid: every row is its blob's centre.
    let blobs = make_blobs::<f64>(6, 2, 3, 0.0, 0).unwrap();
    for (row, &l) in blobs.data.chunks(2).zip(&blobs.labels) {
        assert_eq!(row, &blobs.centers[2 * l..2 * l + 2]);
    }
}

/// Runs `f`, failing the test with a message if it panics.
fn no_panic<R>(what: &str, f: impl FnOnce() -> R + std::panic::UnwindSafe) -> R {
    match std::panic::catch_unwind(f) {
        Ok(r) => r,
        Err(_) => panic!("{what} panicked"),
    }
}

/// A centroid at f64::MAX: every squared distance to it is +∞ in f64. Refused, as `fit`
/// refuses such a start: centroids are held to the data's magnitude limit everywhere.
#[test]
fn create_clusters_with_a_centroid_at_f64_max() {
    for centroids in [&[f64::MAX][..], &[f64::MAX, -f64::MAX]] {
        let labels = no_panic("create_clusters", || {
            create_clusters(&[0.0_f64, 1.0], centroids, 1)
        });
        assert!(
            matches!(
                labels,
                Err(KMeansError::CentroidTooLarge {
                    row: 0,
                    column: 0,
                    ..
                })
            ),
            "{labels:?}"
        );
    }
}

#[test]
fn fit_from_a_centroid_at_f64_max() {
    // Documented: bad precomputed starts are reported as errors and no public function panics.
    // Either an error or a valid model (the single row's own value as centroid) is correct.
    let result = no_panic("fit", || {
        KMeans::new(1)
            .init(Init::Precomputed(vec![f64::MAX]))
            .fit(&vec![[0.0_f64]])
    });
    if let Ok(model) = result {
        assert_eq!(model.centroids(), &[0.0]);
        assert_eq!(model.labels(), &[0]);
        assert_eq!(model.inertia(), 0.0);
    }
}

// ---------------------------------------------------------------------------------------------
// Fuzz: arbitrary shapes and values never panic; every Ok result is finite and in range.

/// A value: mostly ordinary, often one of the troublemakers.
fn value<T: Real>() -> impl Strategy<Value = T> {
    prop_oneof![
        3 => (-100.0..100.0_f64).prop_map(T::of),
        1 => (0usize..10).prop_map(special::<T>),
    ]
}

/// NaN, ±∞, ±0, a subnormal, ±1e30 and ±MAX of `T`.
fn special<T: Real>(i: usize) -> T {
    match i {
        0 => T::nan(),
        1 => T::infinity(),
        2 => T::neg_infinity(),
        3 => T::of(0.0),
        4 => T::of(-0.0),
        5 => T::min_positive_value() / T::of(16.0),
        6 => T::of(1e30),
        7 => T::of(-1e30),
        8 => T::max_value(),
        _ => -T::max_value(),
    }
}

#[derive(Debug, Clone)]
struct Fuzz<T> {
    data: Vec<T>,
    n_features: usize,
    k: usize,
    centroids: Vec<T>,
    labels: Vec<usize>,
}

fn fuzz_case<T: Real>() -> impl Strategy<Value = Fuzz<T>> {
    (
        prop::collection::vec(value::<T>(), 0..40),
        0usize..5,
        0usize..8,
        prop::collection::vec(value::<T>(), 0..20),
        prop::collection::vec(0usize..8, 0..40),
    )
        .prop_map(|(data, n_features, k, centroids, labels)| Fuzz {
            data,
            n_features,
            k,
            centroids,
            labels,
        })
}

fn check_model<T: Real>(model: &KMeansModel<T>, n_rows: usize, k: usize) {
    assert_eq!(model.k(), k);
    assert_eq!(model.centroids().len(), k * model.n_features());
    assert!(model.centroids().iter().all(|c| c.is_finite()), "{model:?}");
    assert!(model.inertia().is_finite() && model.inertia() >= 0.0, "{model:?}");
    assert_eq!(model.labels().len(), n_rows);
    assert!(model.labels().iter().all(|&l| l < k));
}

fn fuzz<T: Real>(case: Fuzz<T>) {
    let Fuzz {
        data,
        n_features: d,
        k,
        centroids,
        labels,
    } = case;
    let n_rows = data.len().checked_div(d).unwrap_or(0);

    // fit, with every kind of start.
    if let Ok(view) = RowMajor::new(&data, d) {
        let configs = [
            KMeans::new(k),
            KMeans::new(k).init(Init::Random).n_init(2).max_iter(5),
            KMeans::new(k).init(Init::Precomputed(centroids.clone())),
            KMeans::new(k)
                .init(Init::Precomputed(centroids.clone()))
                .max_iter(1)
                .tolerance(0.0),
        ];
        for config in configs {
            if let Ok(model) = config.fit(&view) {
                check_model(&model, n_rows, k);
                let p = model.predict(&view).expect("the training data is valid");
                assert_eq!(p, model.labels());
            }
        }
    }

    // predict and transform, on models of every width.
    for width in 1..=4 {
        let train: Vec<T> = (0..3 * width).map(|i| T::of(i as f64)).collect();
        let model = KMeans::new(2)
            .fit(&RowMajor::new(&train, width).unwrap())
            .unwrap();
        if let Ok(view) = RowMajor::new(&data, d) {
            if let Ok(p) = model.predict(&view) {
                assert_eq!(p.len(), n_rows);
                assert!(p.iter().all(|&l| l < 2));
            }
            if let Ok(t) = model.transform(&view) {
                assert_eq!(t.len(), n_rows * 2);
                assert!(t.iter().all(|v| v.is_finite() && *v >= T::of(0.0)), "{t:?}");
            }
        }
    }

    // The building blocks.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    if let Ok(c) = initialize_random_centroids(&data, d, k, &mut rng) {
        assert_eq!(c.len(), k * d);
        for centroid in c.chunks_exact(d) {
            let bits = |r: &[T]| r.iter().map(|v| v.wide().to_bits()).collect::<Vec<_>>();
            assert!(data.chunks_exact(d).any(|row| bits(row) == bits(centroid)));
        }
    }
    let a = &data[..data.len().min(centroids.len())];
    let b = &centroids[..a.len()];
    // Finite and non-negative, or a value error (NaN, ±∞, or a magnitude whose square could
    // overflow), as `fit` reports it.
    for result in [euclidean_distance(a, b), squared_euclidean_distance(a, b)] {
        match result {
            Ok(v) => assert!(v.is_finite() && v >= T::of(0.0), "{v:?}"),
            Err(e) => assert!(
                matches!(
                    e,
                    KMeansError::NonFinite { .. } | KMeansError::ValueTooLarge { .. }
                ),
                "{e:?}"
            ),
        }
    }
    if data.len() != centroids.len() {
        assert!(matches!(
            euclidean_distance(&data, &centroids),
            Err(KMeansError::FeatureMismatch { .. })
        ));
    }
    let row = &data[..d.min(data.len())];
    if let Ok(j) = closest_centroid(row, &centroids, d) {
        assert!(j < centroids.len() / d);
    }
    if let Ok(l) = create_clusters(&data, &centroids, d) {
        assert_eq!(l.len(), n_rows);
        assert!(l.iter().all(|&l| l < centroids.len() / d));
    }
    if let Ok(m) = compute_means(&data, &labels, &centroids, d) {
        assert_eq!(m.len(), centroids.len());
        assert!(m.iter().all(|v| v.is_finite()), "{m:?}");
    }
    // compute_means with labels that fit the shape, so that the success path is exercised.
    if d > 0 && centroids.len() >= d {
        let k = centroids.len() / d;
        let c = &centroids[..k * d];
        let fitted: Vec<usize> = (0..n_rows)
            .map(|i| labels.get(i).copied().unwrap_or(i) % k)
            .collect();
        if let Ok(m) = compute_means(&data[..n_rows * d], &fitted, c, d) {
            assert_eq!(m.len(), k * d);
            assert!(m.iter().all(|v| v.is_finite()), "{m:?}");
        }
    }

    // The clustering scores: a value in range, or an error.
    if let Ok(view) = RowMajor::new(&data, d) {
        if let Ok(s) = silhouette_samples(&view, &labels) {
            assert_eq!(s.len(), n_rows);
            assert!(s.iter().all(|v| (-1.0..=1.0).contains(v)), "{s:?}");
        }
        if let Ok(s) = silhouette_score_sampled(&view, &labels, 5, 1) {
            assert!((-1.0..=1.0).contains(&s), "{s}");
        }
        let scores = [
            calinski_harabasz_score(&view, &labels),
            davies_bouldin_score(&view, &labels),
        ];
        for v in scores.into_iter().flatten() {
            assert!(v.is_finite() && v >= 0.0, "{v}");
        }
    }
}

proptest! {
    // 256 cases (proptest's default), or `PROPTEST_CASES`.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn fuzz_f64(case in fuzz_case::<f64>()) {
        fuzz(case);
    }

    #[test]
    fn fuzz_f32(case in fuzz_case::<f32>()) {
        fuzz(case);
    }
}
