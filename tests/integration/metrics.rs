//! The clustering scores: scikit-learn's values on the stored reference cases, their errors,
//! laws on random data (proptest), and bit-identical results in rayon pools of any size.
//!
//! Tolerances against scikit-learn (f64): 1e-12 relative for the three scores, 1e-12 absolute
//! for per-row silhouettes (they lie in [−1, 1], and a value near 0 is a difference of two
//! nearly equal means, so only an absolute bound is meaningful). The generating script checks
//! scikit-learn's values against a direct computation (exact distances, `math.fsum`) and found
//! them within 3.4e-14 (relative) and 1.8e-15 (absolute); the crate computes directly, with
//! compensated sums, so the bound left for it is about 30 times the script's largest difference.

use k_means::datasets::make_blobs;
use k_means::metrics::{
    calinski_harabasz_score, davies_bouldin_score, silhouette_samples, silhouette_score,
    silhouette_score_sampled,
};
use k_means::{KMeansError, RowMajor};
use proptest::prelude::*;

use crate::reference::sklearn_cases::{METRIC_CASES, MetricCase};
use crate::{Real, cast};

fn rel(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs()
}

fn rows_of<T: Real>(case: &MetricCase) -> Vec<T> {
    cast(case.data)
}

#[test]
fn the_metric_cases_are_consistent() {
    assert!(METRIC_CASES.len() >= 4);
    for case in METRIC_CASES {
        let n = case.labels.len();
        assert_eq!(case.data.len(), n * case.n_features, "{}", case.name);
        assert_eq!(case.silhouette_samples.len(), n, "{}", case.name);
    }
    // A singleton cluster: its row scores 0.
    let singleton = METRIC_CASES
        .iter()
        .find(|c| c.name == "singleton_sparse_labels")
        .unwrap();
    assert_eq!(singleton.labels.iter().filter(|&&l| l == 40).count(), 1);
    assert_eq!(*singleton.silhouette_samples.last().unwrap(), 0.0);
}

#[test]
fn f64_scores_match_scikit_learn() {
    for case in METRIC_CASES {
        let data = rows_of::<f64>(case);
        let rows = RowMajor::new(&data, case.n_features).unwrap();
        let name = case.name;
        let s = silhouette_score(&rows, case.labels).unwrap();
        assert!(
            rel(s, case.silhouette) <= 1e-12,
            "{name}: silhouette {s} vs {}",
            case.silhouette
        );
        let samples = silhouette_samples(&rows, case.labels).unwrap();
        for (i, (&got, &want)) in samples.iter().zip(case.silhouette_samples).enumerate() {
            assert!((got - want).abs() <= 1e-12, "{name}: row {i}: {got} vs {want}");
        }
        let ch = calinski_harabasz_score(&rows, case.labels).unwrap();
        assert!(
            rel(ch, case.calinski_harabasz) <= 1e-12,
            "{name}: CH {ch} vs {}",
            case.calinski_harabasz
        );
        let db = davies_bouldin_score(&rows, case.labels).unwrap();
        assert!(
            rel(db, case.davies_bouldin) <= 1e-12,
            "{name}: DB {db} vs {}",
            case.davies_bouldin
        );
        // A sample as large as the data is the data.
        let n = case.labels.len();
        assert_eq!(
            silhouette_score_sampled(&rows, case.labels, n, 3).unwrap(),
            s,
            "{name}"
        );
    }
}

/// The data rounded to f32 moves each value by up to 2⁻²⁴ relative, so the scores by about as
/// much times their sensitivity: 1e-5 leaves a wide margin.
#[test]
fn f32_scores_are_close_to_scikit_learn() {
    for case in METRIC_CASES {
        let data = rows_of::<f32>(case);
        let rows = RowMajor::new(&data, case.n_features).unwrap();
        let name = case.name;
        let s = silhouette_score(&rows, case.labels).unwrap();
        assert!(
            (s - case.silhouette).abs() <= 1e-5,
            "{name}: {s} vs {}",
            case.silhouette
        );
        let ch = calinski_harabasz_score(&rows, case.labels).unwrap();
        assert!(rel(ch, case.calinski_harabasz) <= 1e-5, "{name}: CH {ch}");
        let db = davies_bouldin_score(&rows, case.labels).unwrap();
        assert!(rel(db, case.davies_bouldin) <= 1e-5, "{name}: DB {db}");
    }
}

#[test]
fn singleton_cluster_scores_zero() {
    let rows = vec![[0.0_f64], [1.0], [10.0], [11.0], [50.0]];
    let s = silhouette_samples(&rows, &[0, 0, 1, 1, 2]).unwrap();
    assert_eq!(s[4], 0.0);
    assert!(s[..4].iter().all(|&v| v > 0.8));
}

/// Every score's error cases, in the order they are checked.
#[test]
fn bad_input_is_an_error_naming_the_problem() {
    type Score = fn(&RowMajor<'_, f64>, &[usize]) -> Result<f64, KMeansError>;
    let scores: [(&str, Score); 4] = [
        ("silhouette", |r, l| silhouette_score(r, l)),
        ("samples", |r, l| silhouette_samples(r, l).map(|s| s[0])),
        ("calinski_harabasz", |r, l| calinski_harabasz_score(r, l)),
        ("davies_bouldin", |r, l| davies_bouldin_score(r, l)),
    ];
    let data = [0.0_f64, 0.0, 1.0, 0.0, 5.0, 5.0, 6.0, 5.0];
    let rows = RowMajor::new(&data, 2).unwrap();
    let mut nan = data;
    nan[5] = f64::NAN;
    let nan_rows = RowMajor::new(&nan, 2).unwrap();
    let mut huge = data;
    huge[2] = 1e300;
    let huge_rows = RowMajor::new(&huge, 2).unwrap();
    let empty = RowMajor::new(&[] as &[f64], 2).unwrap();
    for (name, score) in scores {
        assert!(score(&rows, &[0, 0, 1, 1]).is_ok(), "{name}");
        assert_eq!(score(&empty, &[]), Err(KMeansError::NoRows), "{name}");
        assert_eq!(
            score(&rows, &[0, 0, 1]),
            Err(KMeansError::LabelCount { labels: 3, n_rows: 4 }),
            "{name}"
        );
        assert_eq!(
            score(&nan_rows, &[0, 0, 1, 1]),
            Err(KMeansError::NonFinite { row: 2, column: 1 }),
            "{name}"
        );
        assert!(
            matches!(
                score(&huge_rows, &[0, 0, 1, 1]),
                Err(KMeansError::ValueTooLarge {
                    row: 1,
                    column: 0,
                    ..
                })
            ),
            "{name}"
        );
        assert_eq!(
            score(&rows, &[7, 7, 7, 7]),
            Err(KMeansError::ClusterCount {
                n_clusters: 1,
                n_rows: 4
            }),
            "{name}"
        );
        assert_eq!(
            score(&rows, &[0, 1, 2, 3]),
            Err(KMeansError::ClusterCount {
                n_clusters: 4,
                n_rows: 4
            }),
            "{name}"
        );
    }
    let err = silhouette_score(&rows, &[1, 1, 1, 1]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the labels of these 4 rows name 1 distinct clusters, but the score needs between 2 and n_rows − 1 clusters"
    );
    let zero_width: Vec<[f64; 0]> = vec![[], []];
    assert_eq!(
        silhouette_score(&zero_width, &[0, 1]),
        Err(KMeansError::ZeroFeatures)
    );
}

#[test]
fn sampled_silhouette_errors() {
    let blobs = make_blobs::<f64>(100, 2, 3, 1.0, 2).unwrap();
    let rows = RowMajor::new(&blobs.data, 2).unwrap();
    assert_eq!(
        silhouette_score_sampled(&rows, &blobs.labels, 2, 0),
        Err(KMeansError::SampleTooSmall { sample_size: 2 })
    );
    assert_eq!(
        silhouette_score_sampled(&rows, &blobs.labels[..99], 10, 0),
        Err(KMeansError::LabelCount {
            labels: 99,
            n_rows: 100
        })
    );
    // Every sampled row in one cluster: the count is the sample's.
    let mut labels = vec![0; 100];
    labels[0] = 1;
    let err = (0..50)
        .map(|seed| silhouette_score_sampled(&rows, &labels, 5, seed))
        .find(|r| r.is_err())
        .unwrap();
    assert_eq!(
        err,
        Err(KMeansError::ClusterCount {
            n_clusters: 1,
            n_rows: 5
        })
    );
}

#[test]
fn silhouette_is_bit_identical_in_any_pool() {
    // 3000 rows: 12 chunks of 256, n² · d = 3.6e7, above the parallel threshold.
    let blobs = make_blobs::<f32>(3000, 4, 5, 2.0, 8).unwrap();
    let rows = RowMajor::new(&blobs.data, 4).unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| silhouette_samples(&rows, &blobs.labels).unwrap())
    };
    let one: Vec<u64> = run(1).iter().map(|v| v.to_bits()).collect();
    for threads in [2, 3, 8] {
        let other: Vec<u64> = run(threads).iter().map(|v| v.to_bits()).collect();
        assert_eq!(other, one, "{threads} threads");
    }
}

// ---------------------------------------------------------------------------------------------
// Laws on random data.

/// Rows (n × d, small integers plus a fraction, so some coincide) with labels naming 2 to n − 1
/// clusters.
fn scored_case() -> impl Strategy<Value = (Vec<f64>, usize, Vec<usize>)> {
    (4_usize..40, 1_usize..5).prop_flat_map(|(n, d)| {
        let data = prop::collection::vec(
            (-20_i32..20, 0_u8..4).prop_map(|(i, f)| f64::from(i) + f64::from(f) / 4.0),
            n * d,
        );
        let labels = prop::collection::vec(0_usize..6, n);
        (data, Just(d), labels).prop_filter("2 to n − 1 clusters", |(_, _, labels)| {
            let mut distinct = labels.clone();
            distinct.sort_unstable();
            distinct.dedup();
            distinct.len() >= 2 && distinct.len() < labels.len()
        })
    })
}

fn all_scores(data: &[f64], d: usize, labels: &[usize]) -> (Vec<f64>, f64, f64, f64) {
    let rows = RowMajor::new(data, d).unwrap();
    (
        silhouette_samples(&rows, labels).unwrap(),
        silhouette_score(&rows, labels).unwrap(),
        calinski_harabasz_score(&rows, labels).unwrap(),
        davies_bouldin_score(&rows, labels).unwrap(),
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn scores_are_in_their_ranges((data, d, labels) in scored_case()) {
        let (samples, s, ch, db) = all_scores(&data, d, &labels);
        prop_assert!(samples.iter().all(|v| (-1.0..=1.0).contains(v)));
        prop_assert!((-1.0..=1.0).contains(&s));
        prop_assert!(ch >= 0.0 && ch.is_finite());
        prop_assert!(db >= 0.0 && db.is_finite());
    }

    /// Renaming the clusters (any bijection of label values, order not kept) changes nothing
    /// but the order of a few sums.
    #[test]
    fn scores_do_not_depend_on_label_names((data, d, labels) in scored_case(), offset in 0_usize..1000) {
        let renamed: Vec<usize> = labels.iter().map(|&l| (5 - l) * 1000 + offset).collect();
        let a = all_scores(&data, d, &labels);
        let b = all_scores(&data, d, &renamed);
        prop_assert_eq!(&a.0, &b.0);
        prop_assert_eq!(a.1, b.1);
        prop_assert!(close(b.2, a.2), "CH {} vs {}", b.2, a.2);
        prop_assert!(close(b.3, a.3), "DB {} vs {}", b.3, a.3);
    }

    /// Translating the data by a multiple of 1/4 keeps every value exact, so every distance
    /// and every score is the same but for the rounding of the means.
    #[test]
    fn scores_do_not_depend_on_translation((data, d, labels) in scored_case(), shift in -400_i32..400) {
        let shift = f64::from(shift) / 4.0;
        let moved: Vec<f64> = data.iter().map(|v| v + shift).collect();
        let a = all_scores(&data, d, &labels);
        let b = all_scores(&moved, d, &labels);
        prop_assert_eq!(&a.0, &b.0);
        prop_assert!(close(b.2, a.2), "CH {} vs {}", b.2, a.2);
        prop_assert!(close(b.3, a.3), "DB {} vs {}", b.3, a.3);
    }

    /// Scaling by a power of two scales every distance exactly: no score changes.
    #[test]
    fn scores_do_not_depend_on_scale((data, d, labels) in scored_case(), e in -30_i32..30) {
        let scaled: Vec<f64> = data.iter().map(|v| v * 2f64.powi(e)).collect();
        let a = all_scores(&data, d, &labels);
        let b = all_scores(&scaled, d, &labels);
        prop_assert_eq!(a, b);
    }
}
