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
