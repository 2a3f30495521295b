//! Hardening: f32 far from the origin, values near the float limits, subnormals, degenerate
//! shapes. Every case must give the right answer or a clear error, never a panic or a NaN.

use k_means::datasets::make_blobs;
use k_means::{Algorithm, Init, KMeans, KMeansError, KMeansModel, RowMajor};

fn assert_finite<T: k_means::Float>(m: &KMeansModel<T>) {
    assert!(m.centroids().iter().all(|c| c.is_finite()), "centroid not finite");
    assert!(
        m.inertia().is_finite() && m.inertia() >= 0.0,
        "inertia {}",
        m.inertia()
    );
    assert!(m.labels().iter().all(|&l| l < m.k()));
}

/// Five separated blobs with standard deviation `spread`, centred around `offset` in every
/// feature, as f32, and the very same values as f64.
fn offset_blobs(offset: f64, spread: f64, seed: u64) -> (Vec<f64>, Vec<f32>) {
    // make_blobs puts centres in [-10, 10]³ with standard deviation 0.1 here; scaling by
    // 10·spread gives blobs of standard deviation `spread` whose centres are ~100 spreads apart.
    let b = make_blobs::<f64>(3000, 3, 5, 0.1, seed).unwrap();
    let as_f32: Vec<f32> = b
        .data
        .iter()
        .map(|&v| (offset + v * 10.0 * spread) as f32)
        .collect();
    let as_f64: Vec<f64> = as_f32.iter().map(|&v| v as f64).collect();
    (as_f64, as_f32)
}

fn check_f32_matches_f64(offset: f64, spread: f64) {
    for seed in 0..3 {
        let (d64, d32) = offset_blobs(offset, spread, seed);
        let start64: Vec<f64> = d64[..5 * 3].to_vec();
        let start32: Vec<f32> = d32[..5 * 3].to_vec();
        for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::Yinyang] {
            let m64 = KMeans::new(5)
                .init(Init::Precomputed(start64.clone()))
                .algorithm(algorithm)
                .fit(&RowMajor::new(&d64, 3).unwrap())
                .unwrap();
            let m32 = KMeans::new(5)
                .init(Init::Precomputed(start32.clone()))
                .algorithm(algorithm)
                .fit(&RowMajor::new(&d32, 3).unwrap())
                .unwrap();
            let differ = m32
                .labels()
                .iter()
                .zip(m64.labels())
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(
                differ, 0,
                "offset {offset}, seed {seed}, {algorithm:?}: {differ} labels differ"
            );
            let rel = (m32.inertia() - m64.inertia()).abs() / m64.inertia();
            assert!(
                rel <= 1e-4,
                "offset {offset}: inertia {} vs {} ({rel:e})",
                m32.inertia(),
                m64.inertia()
            );
            assert_finite(&m32);
        }
        // Default seeding too: the same seed picks the same start in both precisions here.
        let m64 = KMeans::new(5)
            .seed(seed)
            .fit(&RowMajor::new(&d64, 3).unwrap())
            .unwrap();
        let m32 = KMeans::new(5)
            .seed(seed)
            .fit(&RowMajor::new(&d32, 3).unwrap())
            .unwrap();
        let rel = (m32.inertia() - m64.inertia()).abs() / m64.inertia();
        assert!(rel <= 1e-4, "default fit at offset {offset}: {rel:e}");
    }
}

#[test]
fn f32_at_1e4_with_spread_1_clusters_as_f64() {
    check_f32_matches_f64(1e4, 1.0);
}

#[test]
fn f32_at_1e6_with_spread_10_clusters_as_f64() {
    check_f32_matches_f64(1e6, 10.0);
}

#[test]
fn f64_values_near_1e150_work_without_overflow() {
    let data: Vec<f64> = [0.0, 1.0, 2.0, 100.0, 101.0, 102.0]
        .iter()
        .map(|v| v * 1e150)
        .collect();
    let m = KMeans::new(2).fit(&RowMajor::new(&data, 1).unwrap()).unwrap();
    assert_finite(&m);
    let mut c = m.centroids().to_vec();
    c.sort_by(f64::total_cmp);
    assert!(
        (c[0] / 1e150 - 1.0).abs() < 1e-14 && (c[1] / 101e150 - 1.0).abs() < 1e-14,
        "{c:?}"
    );
}

#[test]
fn f32_values_near_1e18_work_without_overflow() {
    let data: Vec<f32> = vec![-1e18, -0.9e18, 0.9e18, 1e18];
    let m = KMeans::new(2).fit(&RowMajor::new(&data, 2).unwrap()).unwrap();
    assert_finite(&m);
    assert_eq!(m.n_nonempty_clusters(), 2);
}

#[test]
fn values_whose_squares_overflow_are_a_clear_error() {
    let data = [0.0_f32, 1e30, 2.0, 3.0];
    let err = KMeans::new(1).fit(&RowMajor::new(&data, 2).unwrap()).unwrap_err();
    assert!(
        matches!(
            err,
            KMeansError::ValueTooLarge {
                row: 0,
                column: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let data = [f64::MAX, 0.0];
    let err = KMeans::new(1).fit(&RowMajor::new(&data, 1).unwrap()).unwrap_err();
    assert!(matches!(
        err,
        KMeansError::ValueTooLarge {
            row: 0,
            column: 0,
            ..
        }
    ));
}

#[test]
fn subnormal_values_cluster_without_nan() {
    let tiny = f64::MIN_POSITIVE / 1024.0; // subnormal
    let data = [0.0, tiny, 2.0 * tiny, 1000.0 * tiny, 1001.0 * tiny];
    let m = KMeans::new(2).fit(&RowMajor::new(&data, 1).unwrap()).unwrap();
    assert_finite(&m);
    let tiny32 = f32::MIN_POSITIVE / 64.0;
    let data32 = [0.0, tiny32, 100.0 * tiny32, 101.0 * tiny32];
    let m = KMeans::new(2).fit(&RowMajor::new(&data32, 1).unwrap()).unwrap();
    assert_finite(&m);
}

#[test]
fn constant_feature_is_fine() {
    let data = [5.0_f64, 0.0, 5.0, 1.0, 5.0, 10.0, 5.0, 11.0];
    let m = KMeans::new(2).fit(&RowMajor::new(&data, 2).unwrap()).unwrap();
    assert_finite(&m);
    assert_eq!(m.inertia(), 1.0);
}

#[test]
fn all_rows_identical() {
    let data = vec![[3.0_f32, -1.0]; 50];
    let m = KMeans::new(4).fit(&data).unwrap();
    assert_finite(&m);
    assert_eq!(m.n_nonempty_clusters(), 1);
    assert_eq!(m.inertia(), 0.0);
}

#[test]
fn fewer_distinct_rows_than_k_reports_nonempty_count() {
    let data = vec![[0.0_f64], [0.0], [1.0], [1.0], [2.0], [2.0]];
    for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::Yinyang] {
        let m = KMeans::new(5).algorithm(algorithm).fit(&data).unwrap();
        assert_finite(&m);
        assert_eq!(m.n_nonempty_clusters(), 3);
        assert_eq!(m.inertia(), 0.0);
    }
}

#[test]
fn k_equals_number_of_rows() {
    let data = vec![[0.0_f64, 1.0], [2.0, 3.0], [4.0, 5.0], [9.0, 9.0]];
    let m = KMeans::new(4).fit(&data).unwrap();
    assert_eq!(m.inertia(), 0.0);
    assert_eq!(m.n_nonempty_clusters(), 4);
}

#[test]
fn two_rows() {
    let m = KMeans::new(2).fit(&vec![[1.0_f32, 1.0], [2.0, 2.0]]).unwrap();
    assert_eq!(m.inertia(), 0.0);
    let m = KMeans::new(1).fit(&vec![[1.0_f32, 1.0], [3.0, 3.0]]).unwrap();
    assert_eq!(m.centroids(), &[2.0, 2.0]);
}

#[test]
fn one_feature_and_k_one() {
    let data = [1.0_f64, 2.0, 3.0, 10.0];
    let m = KMeans::new(1).fit(&RowMajor::new(&data, 1).unwrap()).unwrap();
    assert_eq!(m.centroids(), &[4.0]);
    assert_eq!(m.inertia(), 9.0 + 4.0 + 1.0 + 36.0);
}

#[test]
fn ten_thousand_features() {
    let d = 10_000;
    let mut data = vec![0.0_f32; 6 * d];
    for r in 3..6 {
        for f in 0..d {
            data[r * d + f] = 1.0;
        }
    }
    data[1] = 0.5;
    let m = KMeans::new(2).fit(&RowMajor::new(&data, d).unwrap()).unwrap();
    assert_finite(&m);
    assert_eq!(m.labels()[0], m.labels()[2]);
    assert_ne!(m.labels()[0], m.labels()[3]);
}

#[test]
fn far_outlier_never_breaks_fit() {
    let mut data: Vec<[f64; 2]> = make_blobs::<f64>(200, 2, 3, 1.0, 3)
        .unwrap()
        .data
        .chunks(2)
        .map(|c| [c[0], c[1]])
        .collect();
    data.push([1e12, -1e12]);
    let m = KMeans::new(3).fit(&data).unwrap();
    assert_finite(&m);
}

// ---------------------------------------------------------------------------------------------
// Issue 13: every public entry point keeps the promise (no wrong label, no panic, no
// unvalidated model). Each test below failed before its fix (see CHANGELOG.md).
// ---------------------------------------------------------------------------------------------

use k_means::{
    closest_centroid, compute_means, create_clusters, euclidean_distance, initialize_random_centroids,
    squared_euclidean_distance,
};

/// The exact nearest centroid by f64 distances (ties to the lowest index), computed here
/// independently of the crate.
fn exact_nearest(row: &[f64], centroids: &[f64], d: usize) -> usize {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centroids.chunks_exact(d).enumerate() {
        let s: f64 = row.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum();
        if s < best.1 {
            best = (j, s);
        }
    }
    best.0
}

/// Class 1 (f32): centroids far beyond the data's magnitude. The blocked dot product of the
/// tiled kernel overflowed to infinity in a partial sum and that centroid's score, −∞, was
/// "certified" as the best: `create_clusters` returned centroid 0 although centroid 1 is
/// nearer. Found by a random search; now refused as `CentroidTooLarge` (one policy: every
/// entry point holds centroids to the data's magnitude limit).
#[test]
fn far_f32_centroids_never_certify_a_wrong_label() {
    let data = [883_338_600_000.0_f32, -1.151_418_1, 390.2931];
    let cents = [
        4.160_917e19_f32,
        -4.373_058_6e19,
        -4.494_956_6e19,
        5.703_700_3e19,
        -3.396_245e19,
        -2.484_367e19,
    ];
    let wide: Vec<f64> = cents.iter().map(|&v| v as f64).collect();
    let row: Vec<f64> = data.iter().map(|&v| v as f64).collect();
    assert_eq!(exact_nearest(&row, &wide, 3), 1);
    match create_clusters(&data, &cents, 3) {
        Ok(labels) => assert_eq!(labels, [1], "a wrong label was returned"),
        Err(e) => assert!(matches!(e, KMeansError::CentroidTooLarge { .. }), "{e:?}"),
    }
    match closest_centroid(&data, &cents, 3) {
        Ok(l) => assert_eq!(l, 1),
        Err(e) => assert!(matches!(e, KMeansError::CentroidTooLarge { .. }), "{e:?}"),
    }
}

/// Class 1 (f64): squared distances that overflow to +∞ tied, and the tie went to index 0,
/// whose centroid is 10¹⁰⁰ times farther than centroid 1.
#[test]
fn overflowing_f64_distances_never_pick_a_far_centroid() {
    let cents = [-1e300_f64, 1e200];
    for result in [
        closest_centroid(&[0.0], &cents, 1),
        create_clusters(&[0.0], &cents, 1).map(|l| l[0]),
    ] {
        match result {
            Ok(l) => assert_eq!(l, 1, "a wrong label was returned"),
            Err(e) => assert!(matches!(e, KMeansError::CentroidTooLarge { .. }), "{e:?}"),
        }
    }
}

/// Class 2: index arithmetic on huge indices panicked (debug) or wrapped (release).
#[test]
fn index_accessors_never_panic() {
    let flat = [1.0_f64, 2.0, 3.0, 4.0];
    let view = RowMajor::new(&flat, 2).unwrap();
    for i in [2, usize::MAX / 2, usize::MAX / 2 + 1, usize::MAX - 1, usize::MAX] {
        let got = std::panic::catch_unwind(|| view.row(i).len());
        assert_eq!(got.ok(), Some(0), "row({i})");
    }
    let model = KMeans::new(2).fit(&vec![[0.0_f64, 0.0], [5.0, 5.0]]).unwrap();
    for j in [2, usize::MAX / 2, usize::MAX / 2 + 1, usize::MAX] {
        let got = std::panic::catch_unwind(|| model.centroid(j).is_none());
        assert_eq!(got.ok(), Some(true), "centroid({j})");
    }
}

/// Class 2: `make_blobs` with sizes whose product overflows, or that cannot be allocated,
/// panicked ("capacity overflow") or aborted the process.
#[test]
fn make_blobs_with_huge_sizes_is_an_error() {
    for (n, d, c) in [
        (usize::MAX, 2, 1),
        (usize::MAX / 2, 3, 1),
        (1 << 40, 1 << 20, 1),
        (10, 1, usize::MAX / 2),
        (10, 3, usize::MAX / 2),
    ] {
        let got = std::panic::catch_unwind(|| make_blobs::<f32>(n, d, c, 1.0, 0).is_err());
        assert_eq!(got.ok(), Some(true), "make_blobs({n}, {d}, {c})");
    }
}

/// Class 3: the building blocks returned `Ok` with a meaningless answer for NaN and infinite
/// values, and for values whose squares overflow.
#[test]
fn building_blocks_refuse_what_fit_refuses() {
    let nan = f64::NAN;
    assert_eq!(
        closest_centroid(&[0.0, nan], &[0.0, 0.0, 1.0, 1.0], 2),
        Err(KMeansError::NonFinite { row: 0, column: 1 })
    );
    assert_eq!(
        closest_centroid(&[0.0, 0.0], &[0.0, 0.0, 1.0, nan], 2),
        Err(KMeansError::NonFiniteCentroid { row: 1, column: 1 })
    );
    assert_eq!(
        euclidean_distance(&[0.0, 1.0], &[2.0, f64::NEG_INFINITY]),
        Err(KMeansError::NonFinite { row: 1, column: 1 })
    );
    assert!(matches!(
        squared_euclidean_distance(&[3e38_f32], &[-3e38]),
        Err(KMeansError::ValueTooLarge {
            row: 0,
            column: 0,
            ..
        })
    ));
    assert!(closest_centroid(&[nan, 0.0], &[0.0, 0.0, 1.0, 1.0], 2).is_err());
    assert!(closest_centroid(&[0.0, 0.0], &[0.0, nan, 1.0, 1.0], 2).is_err());
    assert!(closest_centroid(&[0.0_f32], &[f32::INFINITY], 1).is_err());
    assert!(euclidean_distance(&[f64::INFINITY], &[0.0]).is_err());
    assert!(euclidean_distance(&[0.0], &[nan]).is_err());
    assert!(squared_euclidean_distance(&[nan], &[0.0]).is_err());
    // Finite inputs whose squared distance overflows the type: +∞ came back as `Ok`.
    assert!(squared_euclidean_distance(&[3e38_f32], &[-3e38]).is_err());
    assert!(euclidean_distance(&[f64::MAX], &[-f64::MAX]).is_err());
    let mut rng = <rand::rngs::Xoshiro256PlusPlus as rand::SeedableRng>::seed_from_u64(0);
    assert_eq!(
        initialize_random_centroids(&[0.0, nan, 1.0, 2.0], 1, 2, &mut rng),
        Err(KMeansError::NonFinite { row: 1, column: 0 })
    );
    assert!(initialize_random_centroids(&[0.0_f32, 1e30, 1.0, 2.0], 2, 1, &mut rng).is_err());
    assert!(matches!(
        compute_means(&[0.0, 1.0], &[0, 1], &[0.0, 1e300], 1),
        Err(KMeansError::CentroidTooLarge {
            row: 1,
            column: 0,
            ..
        })
    ));
}

/// Class 5: above 2²⁴ centroids the f32 kernel's centroid index (carried as an f32) rounded,
/// and the label of a row next to centroid 2²⁴ + 1 came back as 2²⁴ (certified: the centroids
/// are a 64⁴ grid of integers, so the scores are accurate). Now refused as `KTooLargeForType`.
#[test]
fn f32_labels_above_2_pow_24_centroids_are_exact_or_refused() {
    let k = (1usize << 24) + 2;
    let mut cents = Vec::with_capacity(k * 4);
    for j in 0..1usize << 24 {
        cents.extend([j % 64, (j / 64) % 64, (j / 4096) % 64, j / 262_144].map(|v| v as f32));
    }
    cents.extend([64.0, 0.0, 0.0, 0.0, 64.0, 1.0, 0.0, 0.0]);
    match create_clusters(&[64.0_f32, 0.9, 0.0, 0.0], &cents, 4) {
        Ok(l) => assert_eq!(l, [k - 1], "a wrong label was returned"),
        Err(e) => assert_eq!(
            e,
            KMeansError::KTooLargeForType {
                k,
                max: 1 << 24,
                ty: "f32"
            }
        ),
    }
}

/// Class 2: `transform`'s `rows × k` output was allocated with `Vec::with_capacity`, which
/// aborts the process when the allocator refuses (here 2²² rows × 2¹⁹ centroids × 8 bytes =
/// 16 TiB). The model is loaded (serde) because fitting 2¹⁹ centroids takes too long for a test.
#[cfg(feature = "serde")]
#[test]
fn transform_too_large_to_allocate_is_an_error() {
    let k = 1usize << 19;
    let centroids: Vec<f64> = (0..k).map(|j| j as f64).collect();
    let labels: Vec<usize> = (0..k).collect();
    let json = serde_json::json!({
        "centroids": centroids, "labels": labels, "cluster_sizes": vec![1; k], "inertia": 0.0,
        "n_iter": 1, "stop_reason": "LabelsUnchanged", "k": k, "n_features": 1,
    });
    let model: KMeansModel<f64> = serde_json::from_value(json).unwrap();
    let rows = vec![0.5_f64; 1 << 22];
    let err = model.transform(&RowMajor::new(&rows, 1).unwrap()).unwrap_err();
    assert_eq!(
        err,
        KMeansError::AllocationFailed {
            what: "transform output",
            bytes: 8 << 41
        }
    );
}

/// Class 4: any JSON deserialised into a model; `predict` then returned labels from no
/// centroids, or wrong shapes, or panicked.
#[cfg(feature = "serde")]
#[test]
fn loaded_models_are_validated() {
    let good = serde_json::json!({
        "centroids": [0.0, 0.0, 10.0, 10.0], "labels": [0, 1, 1], "cluster_sizes": [1, 2],
        "inertia": 1.0, "n_iter": 2, "stop_reason": "LabelsUnchanged", "k": 2, "n_features": 2,
    });
    let model: KMeansModel<f64> = serde_json::from_value(good.clone()).unwrap();
    assert_eq!(model.predict(&vec![[9.0, 9.0]]).unwrap(), [1]);
    let with = |key: &str, value: serde_json::Value| {
        let mut v = good.clone();
        v[key] = value;
        v
    };
    let bad = [
        with("k", 0.into()),
        with("k", 3.into()),
        with("k", serde_json::json!(u64::MAX)),
        with("n_features", 0.into()),
        with("n_features", 3.into()),
        with("n_features", serde_json::json!(u64::MAX)),
        with("centroids", serde_json::json!([0.0, 0.0, 10.0])),
        with("centroids", serde_json::json!([0.0, 0.0, 1e300, 10.0])),
        with("labels", serde_json::json!([0, 1, 2])),
        // More labels in cluster 1 than its size. (Fewer, `[0, 1]`, loads: a participant of a
        // fit over partitions holds only its own rows' labels.)
        with("labels", serde_json::json!([0, 1, 1, 1])),
        with("cluster_sizes", serde_json::json!([2, 1])),
        with("cluster_sizes", serde_json::json!([1, 2, 0])),
        with("inertia", serde_json::json!(-1.0)),
    ];
    for v in bad {
        let r = std::panic::catch_unwind(|| serde_json::from_value::<KMeansModel<f64>>(v.clone()));
        assert!(matches!(r, Ok(Err(_))), "accepted or panicked: {v}");
    }
    // f64 values that overflow when read as f32.
    let r = serde_json::from_value::<KMeansModel<f32>>(with(
        "centroids",
        serde_json::json!([0.0, 0.0, 1e39, 10.0]),
    ));
    assert!(r.is_err());
}
