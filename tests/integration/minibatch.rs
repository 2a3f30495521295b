//! Mini-batch k-means and its stream: deterministic for a seed and a batch order on any number
//! of threads; a stream checkpointed (serde) and resumed mid-way ends in the same state and
//! model; with `reassignment_ratio > 0` no centre is ever unused when the data have k distinct
//! rows; labels and inertia are exactly those of the final centroids; every error case.

use k_means::datasets::make_blobs;
use k_means::{
    Init, KMeans, KMeansError, KMeansModel, MiniBatchKMeans, MiniBatchState, Refine, RowMajor, StopReason,
};
use proptest::prelude::*;

use crate::{Real, cast, inertia_of, nearest};

/// Every bit of a model: centroids, inertia, n_iter, stop reason, labels, sizes.
fn bits<T: Real>(m: &KMeansModel<T>) -> (Vec<u64>, u64, usize, String, Vec<usize>, Vec<usize>) {
    (
        m.centroids().iter().map(|c| c.wide().to_bits()).collect(),
        m.inertia().to_bits(),
        m.n_iter(),
        format!("{:?}", m.stop_reason()),
        m.labels().to_vec(),
        m.cluster_sizes().to_vec(),
    )
}

fn blobs<T: Real>(n: usize, d: usize, k: usize, seed: u64) -> Vec<T> {
    cast(&make_blobs::<f64>(n, d, k, 1.5, seed).unwrap().data)
}

fn in_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn fit_is_deterministic_over_threads<T: Real>() {
    let (n, d, k) = (6000, 5, 12);
    let data = blobs::<T>(n, d, k, 3);
    let rows = RowMajor::new(&data, d).unwrap();
    let km = MiniBatchKMeans::new(k).batch_size(200).seed(11);
    let reference = bits(&km.fit(&rows).unwrap());
    for threads in [1, 2, 3, 4] {
        assert_eq!(
            bits(&in_pool(threads, || km.fit(&rows).unwrap())),
            reference,
            "{threads} threads"
        );
    }
    // Another seed, another batch order.
    assert_ne!(bits(&km.clone().seed(12).fit(&rows).unwrap()), reference);
}

#[test]
fn fit_is_deterministic_over_threads_f32() {
    fit_is_deterministic_over_threads::<f32>();
}

#[test]
fn fit_is_deterministic_over_threads_f64() {
    fit_is_deterministic_over_threads::<f64>();
}

/// The batches of a stream: `count` batches of `size` rows cut from blob data.
fn batches(count: usize, size: usize, d: usize, k: usize) -> Vec<Vec<f64>> {
    let data = blobs::<f64>(count * size, d, k, 5);
    data.chunks(size * d).map(<[f64]>::to_vec).collect()
}

fn stream_over(km: &MiniBatchKMeans<f64>, parts: &[Vec<f64>], d: usize) -> MiniBatchState<f64> {
    let mut s = km.start().unwrap();
    for b in parts {
        s.partial_fit(&RowMajor::new(b, d).unwrap()).unwrap();
    }
    s
}

#[test]
fn partial_fit_is_deterministic_over_threads() {
    let (d, k) = (4, 9);
    let parts = batches(20, 150, d, k);
    let km = MiniBatchKMeans::new(k).seed(2);
    let reference = stream_over(&km, &parts, d);
    assert_eq!(reference.n_batches(), 20);
    assert_eq!(reference.n_rows_seen(), 3000);
    for threads in [1, 2, 3] {
        let s = in_pool(threads, || stream_over(&km, &parts, d));
        assert_eq!(s, reference, "{threads} threads");
        assert_eq!(bits(&s.model().unwrap()), bits(&reference.model().unwrap()));
    }
    let model = reference.model().unwrap();
    assert_eq!(model.stop_reason(), StopReason::Streamed);
    assert!(!model.converged());
    // A different batch order is a different stream.
    let mut reversed = parts.clone();
    reversed.reverse();
    assert_ne!(stream_over(&km, &reversed, d), reference);
}

#[test]
fn weighted_stream_with_unit_weights_is_the_unweighted_stream() {
    let (d, k) = (3, 5);
    let parts = batches(6, 100, d, k);
    let km = MiniBatchKMeans::new(k).seed(4);
    let plain = stream_over(&km, &parts, d);
    let mut weighted = km.start().unwrap();
    for b in &parts {
        weighted
            .partial_fit_weighted(&RowMajor::new(b, d).unwrap(), &vec![1.0; b.len() / d])
            .unwrap();
    }
    assert_eq!(weighted, plain);
}

#[cfg(feature = "serde")]
#[test]
fn a_stream_resumed_from_its_serialised_state_ends_as_the_uninterrupted_one() {
    let (d, k) = (4, 7);
    let parts = batches(16, 120, d, k);
    let km = MiniBatchKMeans::new(k).seed(9).reassignment_ratio(0.05);
    let through = stream_over(&km, &parts, d);
    for cut in [0, 1, 5, 15, 16] {
        let head = stream_over(&km, &parts[..cut], d);
        let json = serde_json::to_string(&head).unwrap();
        let mut resumed: MiniBatchState<f64> = serde_json::from_str(&json).unwrap();
        assert_eq!(resumed, head, "round trip at {cut}");
        for b in &parts[cut..] {
            resumed.partial_fit(&RowMajor::new(b, d).unwrap()).unwrap();
        }
        assert_eq!(resumed, through, "resumed after {cut} batches");
        assert_eq!(bits(&resumed.model().unwrap()), bits(&through.model().unwrap()));
    }
}

#[cfg(feature = "serde")]
#[test]
fn a_damaged_stream_state_is_refused() {
    let (d, k) = (2, 3);
    let parts = batches(3, 50, d, k);
    let s = stream_over(&MiniBatchKMeans::new(k), &parts, d);
    let good: serde_json::Value = serde_json::to_value(&s).unwrap();
    let load = |v: &serde_json::Value| serde_json::from_value::<MiniBatchState<f64>>(v.clone());
    assert_eq!(load(&good).unwrap(), s);
    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        edit(&mut v);
        load(&v).unwrap_err().to_string()
    };
    let err = broken(&|v| v["counts"] = serde_json::json!([0, 0]));
    assert!(
        err.contains("invalid mini-batch state: 2 counts for k = 3"),
        "{err}"
    );
    let err = broken(&|v| v["counts"][1] = serde_json::json!(f64::NAN.to_bits()));
    assert!(err.contains("the count of centre 1"), "{err}");
    let err = broken(&|v| v["centres"][4] = serde_json::json!(f64::INFINITY.to_bits()));
    assert!(
        err.contains("centroid 2 has a NaN or infinite value at column 0"),
        "{err}"
    );
    let err = broken(&|v| v["centres"] = serde_json::json!([0, 0]));
    assert!(err.contains("centroid"), "{err}");
    let err = broken(&|v| v["n_features"] = serde_json::json!(0));
    assert!(err.contains("zero features"), "{err}");
    let err = broken(&|v| v["n_rows_seen"] = serde_json::json!(1));
    assert!(err.contains("every batch has a row"), "{err}");
    let err = broken(&|v| v["last_batch_inertia"] = serde_json::json!((-1.0f64).to_bits()));
    assert!(err.contains("last batch inertia"), "{err}");
    let err = broken(&|v| v["config"]["batch_size"] = serde_json::json!(0));
    assert!(err.contains("batch_size must be at least 1"), "{err}");
    let err = broken(&|v| v["config"]["reassignment_ratio"] = serde_json::json!(-0.5));
    assert!(err.contains("reassignment_ratio"), "{err}");
    // Not started: no centres, but rows seen.
    let fresh = serde_json::to_value(MiniBatchKMeans::<f64>::new(k).start().unwrap()).unwrap();
    assert!(load(&fresh).is_ok());
    let mut v = fresh.clone();
    v["n_rows_seen"] = serde_json::json!(10);
    assert!(load(&v).unwrap_err().to_string().contains("without centres"));
}

/// Data made to starve centres: most rows on a few points, `k` distinct values in all.
fn starving(k: usize, extra: usize) -> Vec<f64> {
    let mut data = Vec::new();
    for i in 0..4000 {
        data.extend_from_slice(&[(i % 2) as f64, 0.0]);
    }
    for j in 0..(k - 2 + extra) {
        data.extend_from_slice(&[100.0 + j as f64 * 3.0, 50.0]);
    }
    data
}

#[test]
fn every_centre_is_used_when_the_data_allow() {
    for (k, ratio) in [(5, 0.01), (12, 0.01), (12, 0.5), (30, 0.01), (12, 0.0)] {
        let data = starving(k, 0);
        let rows = RowMajor::new(&data, 2).unwrap();
        for seed in 0..4 {
            let model = MiniBatchKMeans::new(k)
                .batch_size(64)
                .reassignment_ratio(ratio)
                .seed(seed)
                .fit(&rows)
                .unwrap();
            assert!(
                model.cluster_sizes().iter().all(|&s| s > 0),
                "k = {k}, ratio {ratio}, seed {seed}: sizes {:?}",
                model.cluster_sizes()
            );
        }
    }
}

#[test]
fn fewer_distinct_rows_than_k_leave_clusters_empty_without_error() {
    let data: Vec<f64> = (0..300).map(|i| (i % 3) as f64).collect();
    let model = MiniBatchKMeans::new(5)
        .fit(&RowMajor::new(&data, 1).unwrap())
        .unwrap();
    assert_eq!(model.cluster_sizes().iter().filter(|&&s| s > 0).count(), 3);
    assert_eq!(model.inertia(), 0.0);
    assert!(model.centroids().iter().all(|c| c.is_finite()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32)
    ))]

    /// Random small data with many duplicates: whenever there are at least k distinct rows,
    /// mini-batch with reassignment returns k used centres; labels are the nearest centroid of
    /// every row and the inertia is theirs.
    #[test]
    fn no_unused_centre_and_exact_labels(
        values in proptest::collection::vec(0u8..12, 40..400),
        k in 1usize..10,
        batch in 1usize..80,
        ratio in prop_oneof![Just(0.01), 0.001f64..0.9],
        seed in 0u64..1000,
    ) {
        let d = 2;
        let data: Vec<f64> = values.iter().flat_map(|&v| [f64::from(v % 4), f64::from(v / 4)]).collect();
        let rows = RowMajor::new(&data, d).unwrap();
        let mut distinct: Vec<(u8, u8)> = values.iter().map(|&v| (v % 4, v / 4)).collect();
        distinct.sort_unstable();
        distinct.dedup();
        prop_assume!(k <= values.len());
        let model = MiniBatchKMeans::new(k).batch_size(batch).reassignment_ratio(ratio).seed(seed).fit(&rows).unwrap();
        let used = model.cluster_sizes().iter().filter(|&&s| s > 0).count();
        prop_assert_eq!(used, k.min(distinct.len()));
        for (i, row) in data.chunks_exact(d).enumerate() {
            prop_assert_eq!(model.labels()[i], nearest(row, model.centroids(), d));
        }
        let direct = inertia_of(&data, model.centroids(), model.labels(), d);
        prop_assert!((model.inertia() - direct).abs() <= 1e-9 * direct.max(1.0));
    }
}

#[test]
fn labels_and_inertia_are_those_of_the_final_centroids() {
    let (n, d, k) = (5000, 6, 10);
    let data = blobs::<f32>(n, d, k, 8);
    let rows = RowMajor::new(&data, d).unwrap();
    let model = MiniBatchKMeans::new(k).batch_size(256).fit(&rows).unwrap();
    let from_centroids = k_means::KMeansModel::from_centroids(model.centroids().to_vec(), d).unwrap();
    assert_eq!(from_centroids.predict(&rows).unwrap(), model.labels());
    // The inertia as `score` (and a full fit) computes it from the same centroids.
    assert_eq!(from_centroids.score(&rows).unwrap(), model.inertia());
    assert_eq!(model.cluster_sizes().iter().sum::<usize>(), n);
}

#[test]
fn quality_is_close_to_the_full_fit_on_separated_blobs() {
    let (n, d, k) = (20_000, 8, 16);
    let data = blobs::<f64>(n, d, k, 21);
    let rows = RowMajor::new(&data, d).unwrap();
    let full = KMeans::new(k).refine(Refine::None).fit(&rows).unwrap();
    let mini = MiniBatchKMeans::new(k).fit(&rows).unwrap();
    assert!(
        mini.inertia() <= full.inertia() * 1.05,
        "mini-batch {} vs full {}",
        mini.inertia(),
        full.inertia()
    );
}

#[test]
fn zero_weight_rows_change_nothing_and_unit_weights_are_no_weights() {
    let (n, d, k) = (3000, 3, 6);
    let data = blobs::<f64>(n, d, k, 13);
    let rows = RowMajor::new(&data, d).unwrap();
    let km = MiniBatchKMeans::new(k).batch_size(128).seed(5);
    let plain = km.fit(&rows).unwrap();
    let ones = km.fit_weighted(&rows, &vec![1.0; n]).unwrap();
    assert_eq!(bits(&ones), bits(&plain));
    // Rows of weight 0 appended: same centroids and inertia; they get labels.
    let mut more = data.clone();
    more.extend(std::iter::repeat_n(1e3, 10 * d));
    let mut w = vec![1.0; n];
    w.extend(std::iter::repeat_n(0.0, 10));
    let padded = km.fit_weighted(&RowMajor::new(&more, d).unwrap(), &w).unwrap();
    assert_eq!(padded.centroids(), plain.centroids());
    assert_eq!(padded.inertia(), plain.inertia());
    assert_eq!(padded.labels().len(), n + 10);
    assert_eq!(&padded.labels()[..n], plain.labels());
}

#[test]
fn stopping_rules() {
    let data: Vec<f64> = (0..4000).map(|i| f64::from(i % 40)).collect();
    let rows = RowMajor::new(&data, 1).unwrap();
    let capped = MiniBatchKMeans::new(3)
        .batch_size(100)
        .max_iter(2)
        .max_no_improvement(None)
        .fit(&rows)
        .unwrap();
    assert_eq!((capped.n_iter(), capped.stop_reason()), (80, StopReason::MaxIter));
    let early = MiniBatchKMeans::new(3)
        .batch_size(100)
        .max_no_improvement(Some(2))
        .fit(&rows)
        .unwrap();
    assert_eq!(early.stop_reason(), StopReason::NoImprovement);
    assert!(early.n_iter() < 100 * 40);
    assert!(early.converged());
}

#[test]
fn errors() {
    let rows = vec![[0.0_f64, 1.0], [2.0, 3.0], [4.0, 5.0]];
    let fit = |km: MiniBatchKMeans<f64>| km.fit(&rows).unwrap_err();
    assert_eq!(fit(MiniBatchKMeans::new(0)), KMeansError::ZeroK);
    assert_eq!(
        fit(MiniBatchKMeans::new(2).batch_size(0)),
        KMeansError::ZeroBatchSize
    );
    assert_eq!(fit(MiniBatchKMeans::new(2).max_iter(0)), KMeansError::ZeroMaxIter);
    assert_eq!(fit(MiniBatchKMeans::new(2).n_init(0)), KMeansError::ZeroNInit);
    assert_eq!(
        fit(MiniBatchKMeans::new(2).max_no_improvement(Some(0))),
        KMeansError::ZeroMaxNoImprovement
    );
    assert_eq!(
        fit(MiniBatchKMeans::new(2).tolerance(-1.0)),
        KMeansError::InvalidTolerance { tolerance: -1.0 }
    );
    assert!(matches!(
        fit(MiniBatchKMeans::new(2).reassignment_ratio(f64::NAN)),
        KMeansError::InvalidReassignmentRatio { ratio } if ratio.is_nan()
    ));
    assert_eq!(
        fit(MiniBatchKMeans::new(2).reassignment_ratio(f64::INFINITY)),
        KMeansError::InvalidReassignmentRatio { ratio: f64::INFINITY }
    );
    assert_eq!(
        fit(MiniBatchKMeans::new(2).init(Init::KMeansParallel {
            rounds: 0,
            oversampling: 2.0
        })),
        KMeansError::InvalidKMeansParallel {
            rounds: 0,
            oversampling: 2.0
        }
    );
    assert_eq!(
        fit(MiniBatchKMeans::new(4)),
        KMeansError::KTooLarge { k: 4, n_rows: 3 }
    );
    assert!(matches!(
        fit(MiniBatchKMeans::new(2).init(Init::Precomputed(vec![0.0; 3]))),
        KMeansError::CentroidShape { .. }
    ));
    assert_eq!(
        fit(MiniBatchKMeans::new(2).init(Init::Precomputed(vec![0.0, 0.0, f64::NAN, 0.0]))),
        KMeansError::NonFiniteCentroid { row: 1, column: 0 }
    );
    let empty: Vec<[f64; 2]> = Vec::new();
    assert_eq!(
        MiniBatchKMeans::new(1).fit(&empty).unwrap_err(),
        KMeansError::NoRows
    );
    let bad = vec![[0.0_f64, 1.0], [2.0, f64::INFINITY]];
    assert_eq!(
        MiniBatchKMeans::new(1).fit(&bad).unwrap_err(),
        KMeansError::NonFinite { row: 1, column: 1 }
    );
    let huge = vec![[0.0_f32, 1.0], [3e38, 0.0]];
    assert!(matches!(
        MiniBatchKMeans::new(1).fit(&huge).unwrap_err(),
        KMeansError::ValueTooLarge {
            row: 1,
            column: 0,
            ..
        }
    ));
    // Weights.
    let km = MiniBatchKMeans::new(2);
    assert_eq!(
        km.fit_weighted(&rows, &[1.0]).unwrap_err(),
        KMeansError::WeightCount {
            weights: 1,
            n_rows: 3
        }
    );
    assert_eq!(
        km.fit_weighted(&rows, &[1.0, -2.0, 1.0]).unwrap_err(),
        KMeansError::InvalidWeight { row: 1, weight: -2.0 }
    );
    assert_eq!(
        km.fit_weighted(&rows, &[0.0; 3]).unwrap_err(),
        KMeansError::ZeroTotalWeight
    );
    assert_eq!(
        km.fit_weighted(&rows, &[0.0, 0.0, 1.0]).unwrap_err(),
        KMeansError::KTooLarge { k: 2, n_rows: 1 }
    );
    // Options are checked when a stream starts.
    assert_eq!(
        MiniBatchKMeans::<f64>::new(2).batch_size(0).start().unwrap_err(),
        KMeansError::ZeroBatchSize
    );
}

#[test]
fn stream_errors_leave_the_state_unchanged() {
    let mut s = MiniBatchKMeans::new(2).start().unwrap();
    assert_eq!(s.model().unwrap_err(), KMeansError::NoRows);
    let empty: Vec<[f64; 2]> = Vec::new();
    assert_eq!(s.partial_fit(&empty).unwrap_err(), KMeansError::NoRows);
    assert_eq!(
        s.partial_fit(&vec![[0.0_f64, 0.0]]).unwrap_err(),
        KMeansError::KTooLarge { k: 2, n_rows: 1 }
    );
    assert_eq!(
        s.partial_fit_weighted(&vec![[0.0_f64, 0.0], [1.0, 1.0]], &[0.0, 1.0])
            .unwrap_err(),
        KMeansError::KTooLarge { k: 2, n_rows: 1 }
    );
    assert_eq!(s.n_batches(), 0);
    s.partial_fit(&vec![[0.0_f64, 0.0], [5.0, 5.0], [0.5, 0.0]])
        .unwrap();
    let before = s.clone();
    assert_eq!(
        s.partial_fit(&vec![[0.0_f64]]).unwrap_err(),
        KMeansError::FeatureMismatch { expected: 2, got: 1 }
    );
    assert_eq!(
        s.partial_fit(&vec![[0.0_f64, 1.0], [f64::NAN, 0.0]]).unwrap_err(),
        KMeansError::NonFinite { row: 1, column: 0 }
    );
    assert_eq!(
        s.partial_fit_weighted(&vec![[0.0_f64, 1.0]], &[f64::INFINITY])
            .unwrap_err(),
        KMeansError::InvalidWeight {
            row: 0,
            weight: f64::INFINITY
        }
    );
    assert_eq!(
        s.partial_fit_weighted(&vec![[0.0_f64, 1.0]], &[0.0]).unwrap_err(),
        KMeansError::ZeroTotalWeight
    );
    assert_eq!(s, before);
    // After the start, a batch of fewer than k rows is fine.
    s.partial_fit(&vec![[0.2_f64, 0.1]]).unwrap();
    assert_eq!(s.n_batches(), 2);
}
