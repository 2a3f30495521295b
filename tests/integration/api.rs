//! The crate as an outside user calls it: builders, inputs, accessors, exact small results,
//! and the five building blocks composed into `fit`.

use k_means::datasets::make_blobs;
use k_means::metrics::adjusted_rand_index;
use k_means::{
    Algorithm, AsRows, Init, KMeans, KMeansError, KMeansModel, RowMajor, closest_centroid, compute_means,
    create_clusters, euclidean_distance, initialize_random_centroids, squared_euclidean_distance,
};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

use crate::{Real, cast, close, inertia_of, nearest, sq_dist};

/// Three tight groups around (1, 1), (8, 8) and (1, 8).
fn three_groups() -> Vec<[f64; 2]> {
    vec![
        [1.0, 1.0],
        [1.2, 0.8],
        [0.9, 1.1],
        [8.0, 8.0],
        [8.2, 7.9],
        [7.9, 8.1],
        [1.0, 8.0],
        [1.1, 8.2],
        [0.8, 7.9],
    ]
}

/// Checks that `labels` put rows `3g..3g+3` together and the three groups apart.
fn assert_three_groups(labels: &[usize]) {
    assert_eq!(labels.len(), 9);
    for g in 0..3 {
        assert_eq!(labels[3 * g], labels[3 * g + 1]);
        assert_eq!(labels[3 * g], labels[3 * g + 2]);
    }
    assert_ne!(labels[0], labels[3]);
    assert_ne!(labels[0], labels[6]);
    assert_ne!(labels[3], labels[6]);
}

/// Everything a model reports is mutually consistent.
fn assert_consistent<T: Real>(model: &KMeansModel<T>, data: &[T], d: usize) {
    let n = data.len() / d;
    let k = model.k();
    assert_eq!(model.n_features(), d);
    assert_eq!(model.centroids().len(), k * d);
    assert_eq!(model.labels().len(), n);
    assert!(model.centroids().iter().all(|c| c.is_finite()));
    assert!(model.labels().iter().all(|&l| l < k));
    let mut sizes = vec![0; k];
    for &l in model.labels() {
        sizes[l] += 1;
    }
    assert_eq!(model.cluster_sizes(), &sizes[..]);
    assert_eq!(
        model.n_nonempty_clusters(),
        sizes.iter().filter(|&&s| s > 0).count()
    );
    assert!(model.n_iter() >= 1);
    let inertia = inertia_of(data, model.centroids(), model.labels(), d);
    assert!(
        close(model.inertia(), inertia, 1e-12),
        "{} vs {inertia}",
        model.inertia()
    );
    for j in 0..k {
        assert_eq!(model.centroid(j), Some(&model.centroids()[j * d..(j + 1) * d]));
    }
    assert_eq!(model.centroid(k), None);
}

#[test]
fn fit_array_rows_f64() -> Result<(), KMeansError> {
    let rows = three_groups();
    let model = KMeans::new(3).fit(&rows)?;
    assert_eq!(model.k(), 3);
    assert_three_groups(model.labels());
    assert!(model.converged());
    assert!(model.n_iter() >= 1);
    assert!(model.inertia() > 0.0 && model.inertia() < 1.0);
    assert_consistent(&model, rows.as_flattened(), 2);
    Ok(())
}

#[test]
fn fit_array_rows_f32() -> Result<(), KMeansError> {
    let rows: Vec<[f32; 2]> = three_groups()
        .iter()
        .map(|r| [r[0] as f32, r[1] as f32])
        .collect();
    let model = KMeans::new(3).fit(&rows)?;
    assert_three_groups(model.labels());
    assert_consistent(&model, rows.as_flattened(), 2);
    // The same clustering as in f64, up to f32 rounding of the centroids.
    let model64 = KMeans::new(3).fit(&three_groups())?;
    assert_eq!(model.labels(), model64.labels());
    for (a, b) in model.centroids().iter().zip(model64.centroids()) {
        assert!((f64::from(*a) - b).abs() < 1e-5);
    }
    Ok(())
}

#[test]
fn fit_flat_buffer_equals_array_rows() -> Result<(), KMeansError> {
    let rows = three_groups();
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    let view = RowMajor::new(&flat, 2)?;
    assert_eq!(view.n_rows(), 9);
    assert_eq!(view.n_features(), 2);
    let from_flat = KMeans::new(3).fit(&view)?;
    let from_rows = KMeans::new(3).fit(&rows)?;
    let from_slice = KMeans::new(3).fit(&rows[..])?;
    let fixed: [[f64; 2]; 9] = rows.clone().try_into().unwrap();
    let from_array = KMeans::new(3).fit(&fixed)?;
    assert_eq!(from_flat, from_rows);
    assert_eq!(from_flat, from_slice);
    assert_eq!(from_flat, from_array);
    assert_eq!(rows.as_rows()?.view(), view);
    Ok(())
}

#[test]
fn predict_and_transform_agree() -> Result<(), KMeansError> {
    let blobs = make_blobs::<f64>(120, 3, 4, 1.5, 3)?;
    let d = 3;
    let model = KMeans::new(4).fit(&RowMajor::new(&blobs.data, d)?)?;
    assert_consistent(&model, &blobs.data, d);
    let view = RowMajor::new(&blobs.data, d)?;
    // Predicting the training rows gives the training labels.
    let predicted = model.predict(&view)?;
    assert_eq!(predicted, model.labels());
    let dist = model.transform(&view)?;
    assert_eq!(dist.len(), 120 * 4);
    let mut sum_sq = 0.0;
    for (i, row) in blobs.data.chunks_exact(d).enumerate() {
        let t = &dist[i * 4..(i + 1) * 4];
        // predict = argmin of the transform row (ties to the lowest index).
        let mut arg = 0;
        for j in 1..4 {
            if t[j] < t[arg] {
                arg = j;
            }
        }
        assert_eq!(predicted[i], arg, "row {i}");
        for (j, c) in model.centroids().chunks_exact(d).enumerate() {
            assert_eq!(t[j], euclidean_distance(row, c)?);
            assert!(close(t[j], sq_dist(row, c).sqrt(), 1e-14));
        }
        // The distance to its own centroid is the square root of the row's share of inertia.
        sum_sq += t[predicted[i]] * t[predicted[i]];
    }
    assert!(
        close(sum_sq, model.inertia(), 1e-12),
        "{sum_sq} vs {}",
        model.inertia()
    );

    // New rows: predict is the nearest centroid by plain f64 distance.
    let new_rows: Vec<f64> = (0..60).map(|i| (i as f64 * 0.77).sin() * 12.0).collect();
    let predicted = model.predict(&RowMajor::new(&new_rows, d)?)?;
    let t = model.transform(&RowMajor::new(&new_rows, d)?)?;
    for (i, row) in new_rows.chunks_exact(d).enumerate() {
        assert_eq!(predicted[i], nearest(row, model.centroids(), d));
        let best = t[i * 4..(i + 1) * 4]
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        assert_eq!(t[i * 4 + predicted[i]], best);
    }
    Ok(())
}

#[test]
fn predict_and_transform_f32() -> Result<(), KMeansError> {
    let blobs = make_blobs::<f32>(90, 2, 3, 1.0, 5)?;
    let model = KMeans::new(3).fit(&RowMajor::new(&blobs.data, 2)?)?;
    assert_consistent(&model, &blobs.data, 2);
    let view = RowMajor::new(&blobs.data, 2)?;
    assert_eq!(model.predict(&view)?, model.labels());
    let t = model.transform(&view)?;
    for (i, row) in blobs.data.chunks_exact(2).enumerate() {
        for (j, c) in model.centroids().chunks_exact(2).enumerate() {
            // Computed in f64 and rounded to f32 once.
            assert_eq!(t[i * 3 + j], sq_dist(row, c).sqrt() as f32);
        }
    }
    Ok(())
}

#[test]
fn predict_and_transform_on_no_rows_return_nothing() -> Result<(), KMeansError> {
    let model = KMeans::new(2).fit(&three_groups())?;
    let empty: Vec<f64> = Vec::new();
    assert_eq!(model.predict(&RowMajor::new(&empty, 2)?)?, Vec::<usize>::new());
    assert_eq!(model.transform(&RowMajor::new(&empty, 2)?)?, Vec::<f64>::new());
    Ok(())
}

#[test]
fn builder_and_model_are_send_sync_unpin() {
    fn auto<T: Send + Sync + Unpin>() {}
    auto::<KMeans<f32>>();
    auto::<KMeans<f64>>();
    auto::<KMeansModel<f32>>();
    auto::<KMeansModel<f64>>();
    auto::<k_means::Checkpoint<f32>>();
    auto::<k_means::Checkpoint<f64>>();
    auto::<Init<f64>>();
    auto::<Algorithm>();
    auto::<KMeansError>();
    auto::<RowMajor<'static, f32>>();
}

#[test]
fn builder_is_clone_and_comparable() {
    let a = KMeans::<f64>::new(3)
        .max_iter(10)
        .tolerance(0.0)
        .n_init(2)
        .seed(9);
    let b = a.clone();
    assert_eq!(a, b);
    assert_ne!(a, b.seed(10));
    assert_eq!(k_means::DEFAULT_MAX_ITER, 300);
    assert_eq!(k_means::DEFAULT_TOLERANCE, 1e-4);
    assert_eq!(k_means::DEFAULT_SEED, 0);
}

/// Three well separated blobs: k-means++ finds them from every seed.
#[test]
fn separated_blobs_are_recovered_from_every_seed() -> Result<(), KMeansError> {
    let blobs = make_blobs::<f64>(300, 2, 3, 0.5, 3)?;
    // The blobs really are well separated: centres more than 20 standard deviations apart.
    let c = &blobs.centers;
    for a in 0..3 {
        for b in a + 1..3 {
            let gap = sq_dist(&c[2 * a..2 * a + 2], &c[2 * b..2 * b + 2]).sqrt();
            assert!(gap > 10.0, "centres {a} and {b} are only {gap} apart");
        }
    }
    let view = RowMajor::new(&blobs.data, 2)?;
    for seed in 0..100 {
        let model = KMeans::new(3).seed(seed).fit(&view)?;
        let ari = adjusted_rand_index(&blobs.labels, model.labels())?;
        assert_eq!(ari, 1.0, "seed {seed}");
        assert!(model.converged(), "seed {seed}");
    }
    Ok(())
}

/// 1-D data in two obvious groups, {0, 1, 2} and {10, 11, 12}.
#[test]
fn hand_computed_one_dimensional() -> Result<(), KMeansError> {
    let rows = vec![[0.0_f64], [1.0], [2.0], [10.0], [11.0], [12.0]];
    // From the start (0, 10): iteration 1 labels the groups and moves the centroids to the means
    // 3/3 = 1 and 33/3 = 11; iteration 2 changes no label, so it stops with n_iter = 2.
    // Inertia = (1 + 0 + 1) + (1 + 0 + 1) = 4.
    let model = KMeans::new(2)
        .init(Init::Precomputed(vec![0.0, 10.0]))
        .fit(&rows)?;
    assert_eq!(model.centroids(), &[1.0, 11.0]);
    assert_eq!(model.labels(), &[0, 0, 0, 1, 1, 1]);
    assert_eq!(model.inertia(), 4.0);
    assert_eq!(model.n_iter(), 2);
    assert!(model.converged());
    assert_eq!(model.cluster_sizes(), &[3, 3]);

    // k-means++ finds the same partition (centroids in some order).
    for seed in 0..10 {
        let model = KMeans::new(2).seed(seed).fit(&rows)?;
        let mut c = model.centroids().to_vec();
        c.sort_by(f64::total_cmp);
        assert_eq!(c, [1.0, 11.0], "seed {seed}");
        assert_eq!(model.inertia(), 4.0);
        assert_eq!(model.labels()[0], model.labels()[2]);
        assert_eq!(model.labels()[3], model.labels()[5]);
        assert_ne!(model.labels()[0], model.labels()[3]);
    }

    // The same in f32.
    let rows32 = vec![[0.0_f32], [1.0], [2.0], [10.0], [11.0], [12.0]];
    let model = KMeans::new(2)
        .init(Init::Precomputed(vec![0.0, 10.0]))
        .fit(&rows32)?;
    assert_eq!(model.centroids(), &[1.0_f32, 11.0]);
    assert_eq!(model.inertia(), 4.0);
    Ok(())
}

/// Two 2 × 2 squares of side 2, far apart.
#[test]
fn hand_computed_two_squares() -> Result<(), KMeansError> {
    let rows = vec![
        [0.0_f64, 0.0],
        [20.0, 20.0],
        [2.0, 0.0],
        [22.0, 20.0],
        [0.0, 2.0],
        [20.0, 22.0],
        [2.0, 2.0],
        [22.0, 22.0],
    ];
    // Centroids are the squares' centres (1, 1) and (21, 21); every corner is at squared
    // distance 1² + 1² = 2 from its centre, so inertia = 8 × 2 = 16.
    let model = KMeans::new(2)
        .init(Init::Precomputed(vec![0.0, 0.0, 22.0, 22.0]))
        .fit(&rows)?;
    assert_eq!(model.centroids(), &[1.0, 1.0, 21.0, 21.0]);
    assert_eq!(model.labels(), &[0, 1, 0, 1, 0, 1, 0, 1]);
    assert_eq!(model.inertia(), 16.0);
    assert_eq!(
        model.predict(&vec![[3.0, 3.0], [11.0, 11.0], [11.0, 11.1]])?,
        vec![0, 0, 1]
    );
    // Distances from (1, 4) to (1, 1) and to (21, 21): 3 and √(20² + 17²) = √689.
    assert_eq!(model.transform(&vec![[1.0, 4.0]])?, vec![3.0, 689.0_f64.sqrt()]);
    let default = KMeans::new(2).fit(&rows)?;
    assert_eq!(default.inertia(), 16.0);
    Ok(())
}

/// One Lloyd iteration of `fit` is `create_clusters` then `compute_means`, bit for bit.
#[test]
fn one_iteration_of_fit_is_the_building_blocks() -> Result<(), KMeansError> {
    fn check<T: Real>() -> Result<(), KMeansError> {
        let blobs = make_blobs::<T>(200, 3, 4, 2.0, 11)?;
        let d = 3;
        let data = &blobs.data;
        let start = data[..4 * d].to_vec();
        let model = KMeans::new(4)
            .init(Init::Precomputed(start.clone()))
            .max_iter(1)
            .fit(&RowMajor::new(data, d)?)?;
        let labels = create_clusters(data, &start, d)?;
        let means = compute_means(data, &labels, &start, d)?;
        assert_eq!(model.centroids(), &means[..]);
        assert_eq!(model.n_iter(), 1);
        // The returned labels are the assignment to the returned centroids.
        assert_eq!(model.labels(), &create_clusters(data, &means, d)?[..]);
        Ok(())
    }
    check::<f64>()?;
    check::<f32>()
}

/// scikit-learn's Lloyd loop written with the building blocks, tolerance 0.
fn lloyd_by_hand<T: Real>(data: &[T], start: &[T], d: usize, max_iter: usize) -> (Vec<T>, Vec<usize>, usize) {
    let mut centroids = start.to_vec();
    let mut labels_old: Option<Vec<usize>> = None;
    let mut strict = false;
    let mut n_iter = 0;
    for it in 1..=max_iter {
        n_iter = it;
        let labels = create_clusters(data, &centroids, d).unwrap();
        let next = compute_means(data, &labels, &centroids, d).unwrap();
        let shift = sq_dist(&centroids, &next);
        centroids = next;
        if labels_old.as_ref() == Some(&labels) {
            strict = true;
            labels_old = Some(labels);
            break;
        }
        labels_old = Some(labels);
        if shift <= 0.0 {
            break;
        }
    }
    let labels = if strict {
        labels_old.unwrap()
    } else {
        create_clusters(data, &centroids, d).unwrap()
    };
    (centroids, labels, n_iter)
}

/// The building blocks, looped, reproduce `fit` label for label, and bit for bit in f64 (also on
/// data that `fit` splits into several chunks).
#[test]
fn building_block_loop_reproduces_fit() -> Result<(), KMeansError> {
    fn check<T: Real>(n: usize, d: usize, k: usize, max_iter: usize) -> Result<(), KMeansError> {
        let blobs = make_blobs::<T>(n, d, k, 3.0, 17)?;
        let data = &blobs.data;
        let start = data[..k * d].to_vec();
        let model = KMeans::new(k)
            .init(Init::Precomputed(start.clone()))
            .tolerance(0.0)
            .max_iter(max_iter)
            .fit(&RowMajor::new(data, d)?)?;
        let (centroids, labels, n_iter) = lloyd_by_hand(data, &start, d, max_iter);
        assert_eq!(model.labels(), &labels[..], "n={n}");
        assert_eq!(model.n_iter(), n_iter, "n={n}");
        if std::mem::size_of::<T>() == 8 {
            // Documented: bit for bit in f64.
            assert_eq!(model.centroids(), &centroids[..], "n={n}");
        } else {
            // f32: `fit` keeps its centroids in f64 between iterations, the loop rounds them to
            // f32 each time, so they may differ in the last bits.
            for (a, b) in model.centroids().iter().zip(&centroids) {
                assert!(close(a.wide(), b.wide(), 1e-6), "n={n}: {a} vs {b}");
            }
        }
        Ok(())
    }
    check::<f64>(150, 2, 5, 300)?;
    check::<f32>(150, 2, 5, 300)?;
    check::<f64>(2000, 2, 5, 300)?;
    check::<f32>(2000, 2, 5, 300)?;
    // Stopped by max_iter: labels are the assignment to the final centroids.
    check::<f64>(150, 2, 5, 2)
}

/// A start centroid far from all data gets no rows in iteration 1; it takes the row farthest
/// from its centroid, and no value is ever NaN.
#[test]
fn empty_cluster_takes_the_farthest_row() -> Result<(), KMeansError> {
    let rows = vec![[0.0_f64], [1.0], [2.0], [10.0], [11.0], [12.0]];
    // Iteration 1, start (0, 10, 1000): labels 0 0 0 1 1 1, cluster 2 empty. Squared distances
    // to the assigned centroids are 0 1 4 0 1 4; the tie at 4 goes to the lower row, 2.0, which
    // becomes cluster 2 and leaves cluster 0: centroids (0.5, 11, 2).
    // Iteration 2: 0 and 1 stay at 0.5 (1 is 0.5 from it, 1 from 2), 2 joins cluster 2: labels
    // 0 0 2 1 1 1 changed, but the centroids do not move (shift 0 ≤ tol), so it stops there:
    // n_iter = 2. Inertia = 0.25 + 0.25 + 0 + 1 + 0 + 1 = 2.5.
    let model = KMeans::new(3)
        .init(Init::Precomputed(vec![0.0, 10.0, 1000.0]))
        .fit(&rows)?;
    assert_eq!(model.centroids(), &[0.5, 11.0, 2.0]);
    assert_eq!(model.labels(), &[0, 0, 2, 1, 1, 1]);
    assert_eq!(model.inertia(), 2.5);
    assert_eq!(model.n_iter(), 2);
    assert!(model.converged());
    assert_eq!(model.n_nonempty_clusters(), 3);

    // The update step alone: one empty cluster filled, no NaN.
    let flat = [0.0_f64, 1.0, 2.0, 10.0, 11.0, 12.0];
    let start = [0.0, 10.0, 1000.0];
    let labels = create_clusters(&flat, &start, 1)?;
    assert_eq!(labels, [0, 0, 0, 1, 1, 1]);
    assert_eq!(compute_means(&flat, &labels, &start, 1)?, [0.5, 11.0, 2.0]);

    // In 2-D and f32, with two far centroids.
    let blobs = make_blobs::<f32>(60, 2, 3, 0.5, 8)?;
    let mut start = blobs.data[..2].to_vec();
    start.extend_from_slice(&[500.0, 500.0, -500.0, 500.0]);
    let model = KMeans::new(3)
        .init(Init::Precomputed(start))
        .fit(&RowMajor::new(&blobs.data, 2)?)?;
    assert_consistent(&model, &blobs.data, 2);
    assert_eq!(model.n_nonempty_clusters(), 3);
    assert!(model.centroids().iter().all(|c| c.abs() < 50.0));
    Ok(())
}

#[test]
fn k_equal_to_the_number_of_rows() -> Result<(), KMeansError> {
    let rows = vec![[3.0_f64, 1.0], [-2.0, 5.0], [0.5, 0.25], [7.0, -7.0], [1.0, 1.0]];
    for init in [Init::KMeansPlusPlus, Init::Random] {
        for seed in 0..5 {
            let model = KMeans::new(5).init(init.clone()).seed(seed).fit(&rows)?;
            assert_eq!(model.inertia(), 0.0);
            assert_eq!(model.cluster_sizes(), &[1, 1, 1, 1, 1]);
            let mut got: Vec<[f64; 2]> = model.centroids().chunks(2).map(|c| [c[0], c[1]]).collect();
            got.sort_by(|a, b| a[0].total_cmp(&b[0]));
            let mut want = rows.clone();
            want.sort_by(|a, b| a[0].total_cmp(&b[0]));
            assert_eq!(got, want);
            for (i, &l) in model.labels().iter().enumerate() {
                assert_eq!(model.centroid(l), Some(&rows[i][..]));
            }
        }
    }
    Ok(())
}

#[test]
fn one_cluster_is_the_mean() -> Result<(), KMeansError> {
    // Mean (2, 3); squared deviations: x: 4 + 0 + 4 + 0 = 8, y: 1 + 1 + 9 + 9 = 20; total 28.
    let rows = vec![[0.0_f64, 2.0], [2.0, 4.0], [4.0, 0.0], [2.0, 6.0]];
    let model = KMeans::new(1).fit(&rows)?;
    assert_eq!(model.centroids(), &[2.0, 3.0]);
    assert_eq!(model.inertia(), 28.0);
    assert_eq!(model.labels(), &[0, 0, 0, 0]);
    assert!(model.converged());

    // Random data: the centroid is the f64 mean and inertia the total sum of squares.
    let blobs = make_blobs::<f64>(101, 3, 2, 4.0, 1)?;
    let model = KMeans::new(1).fit(&RowMajor::new(&blobs.data, 3)?)?;
    let mut mean = [0.0; 3];
    for r in blobs.data.chunks_exact(3) {
        for f in 0..3 {
            mean[f] += r[f];
        }
    }
    let mean = mean.map(|s| s / 101.0);
    for f in 0..3 {
        assert!(close(model.centroids()[f], mean[f], 1e-13));
    }
    let tss: f64 = blobs.data.chunks_exact(3).map(|r| sq_dist(r, &mean)).sum();
    assert!(close(model.inertia(), tss, 1e-12));
    Ok(())
}

#[test]
fn duplicates_with_more_clusters_than_distinct_rows() -> Result<(), KMeansError> {
    let mut rows = vec![[1.0_f64, 1.0]; 5];
    rows.extend(vec![[2.0, 2.0]; 5]);
    for init in [Init::KMeansPlusPlus, Init::Random] {
        for seed in 0..5 {
            let model = KMeans::new(4).init(init.clone()).seed(seed).fit(&rows)?;
            assert_eq!(model.n_nonempty_clusters(), 2);
            assert!(model.centroids().iter().all(|c| c.is_finite()));
            assert_eq!(model.inertia(), 0.0);
            assert_eq!(model.labels()[0], model.labels()[4]);
            assert_eq!(model.labels()[5], model.labels()[9]);
            assert_ne!(model.labels()[0], model.labels()[5]);
            assert_consistent(&model, rows.as_flattened(), 2);
        }
    }
    // All rows equal, f32.
    let same = vec![[3.5_f32]; 4];
    let model = KMeans::new(4).fit(&same)?;
    assert_eq!(model.n_nonempty_clusters(), 1);
    assert!(model.centroids().iter().all(|c| c.is_finite()));
    assert_eq!(model.inertia(), 0.0);
    Ok(())
}

#[test]
fn stopped_by_max_iter_is_not_converged_but_labels_are_nearest() -> Result<(), KMeansError> {
    let blobs = make_blobs::<f64>(200, 2, 5, 3.0, 4)?;
    let view = RowMajor::new(&blobs.data, 2)?;
    let start = blobs.data[..10].to_vec();
    let full = KMeans::new(5)
        .init(Init::Precomputed(start.clone()))
        .tolerance(0.0)
        .fit(&view)?;
    assert!(full.converged());
    assert!(
        full.n_iter() > 2,
        "the test needs a start that takes a few iterations"
    );
    let cut = KMeans::new(5)
        .init(Init::Precomputed(start))
        .max_iter(1)
        .fit(&view)?;
    assert_eq!(cut.n_iter(), 1);
    assert!(!cut.converged());
    for (row, &l) in blobs.data.chunks_exact(2).zip(cut.labels()) {
        assert_eq!(l, nearest(row, cut.centroids(), 2));
    }
    Ok(())
}

#[test]
fn all_options_work_together() -> Result<(), KMeansError> {
    let blobs = make_blobs::<f32>(150, 4, 3, 1.0, 9)?;
    let view = RowMajor::new(&blobs.data, 4)?;
    for init in [Init::KMeansPlusPlus, Init::Random] {
        let model = KMeans::new(3)
            .init(init)
            .algorithm(Algorithm::Lloyd)
            .n_init(3)
            .max_iter(50)
            .tolerance(1e-6)
            .seed(99)
            .fit(&view)?;
        assert_consistent(&model, &blobs.data, 4);
        assert_eq!(adjusted_rand_index(&blobs.labels, model.labels())?, 1.0);
        // Every algorithm gives the same model.
        let with = |algorithm| {
            KMeans::new(3)
                .init(model_init(&model))
                .algorithm(algorithm)
                .fit(&view)
        };
        let lloyd = with(Algorithm::Lloyd)?;
        assert_eq!(with(Algorithm::Hamerly)?, lloyd);
        assert_eq!(with(Algorithm::Yinyang)?, lloyd);
        assert_eq!(with(Algorithm::Auto)?, lloyd);
    }
    assert_eq!(Algorithm::default(), Algorithm::Auto);
    Ok(())
}

fn model_init<T: Real>(model: &KMeansModel<T>) -> Init<T> {
    Init::Precomputed(model.centroids().to_vec())
}

#[test]
fn building_blocks_small_cases() -> Result<(), KMeansError> {
    assert_eq!(euclidean_distance(&[0.0_f64, 0.0], &[3.0, 4.0])?, 5.0);
    assert_eq!(
        squared_euclidean_distance(&[1.0_f32, 1.0, 1.0], &[2.0, 3.0, 4.0])?,
        14.0
    );
    assert_eq!(euclidean_distance::<f64>(&[], &[])?, 0.0);
    // Ties go to the lowest index.
    assert_eq!(
        closest_centroid(&[0.0_f64, 0.0], &[1.0, 0.0, 0.0, 1.0, -1.0, 0.0], 2)?,
        0
    );
    assert_eq!(
        closest_centroid(&[0.0_f64, 0.9], &[1.0, 0.0, 0.0, 1.0, -1.0, 0.0], 2)?,
        1
    );
    assert_eq!(
        create_clusters(&[0.0_f32, 0.4, 0.6, 5.0], &[0.0, 1.0], 1)?,
        [0, 0, 1, 1]
    );
    assert_eq!(
        compute_means(&[0.0_f32, 0.4, 0.6, 5.0], &[0, 0, 1, 1], &[0.0, 1.0], 1)?,
        [0.2, 2.8]
    );
    // No rows: the centroids stay.
    assert_eq!(create_clusters::<f64>(&[], &[1.0, 2.0], 2)?, Vec::<usize>::new());
    assert_eq!(compute_means::<f64>(&[], &[], &[1.0, 2.0], 2)?, [1.0, 2.0]);

    let data: Vec<f64> = (0..20).map(f64::from).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    for k in 1..=10 {
        let c = initialize_random_centroids(&data, 2, k, &mut rng)?;
        assert_eq!(c.len(), 2 * k);
        let mut firsts: Vec<f64> = c.chunks(2).map(|r| r[0]).collect();
        for r in c.chunks(2) {
            // Each centroid is a row of the data.
            assert_eq!(r[1], r[0] + 1.0);
            assert_eq!(r[0] % 2.0, 0.0);
        }
        firsts.sort_by(f64::total_cmp);
        firsts.dedup();
        assert_eq!(firsts.len(), k, "rows are distinct");
    }
    // The same seed gives the same start.
    let a = initialize_random_centroids(&data, 2, 4, &mut Xoshiro256PlusPlus::seed_from_u64(1))?;
    let b = initialize_random_centroids(&data, 2, 4, &mut Xoshiro256PlusPlus::seed_from_u64(1))?;
    assert_eq!(a, b);
    Ok(())
}

#[test]
fn far_from_the_origin_f32_clusters_like_f64() -> Result<(), KMeansError> {
    // Offset 1e4: f32 keeps about 3 decimals there; the kernel centres data first.
    let blobs = make_blobs::<f64>(200, 2, 3, 0.5, 3)?;
    let shifted: Vec<f64> = blobs.data.iter().map(|v| v + 1e4).collect();
    let shifted32: Vec<f32> = cast(&shifted);
    let m64 = KMeans::new(3).fit(&RowMajor::new(&shifted, 2)?)?;
    let m32 = KMeans::new(3).fit(&RowMajor::new(&shifted32, 2)?)?;
    assert_eq!(adjusted_rand_index(&blobs.labels, m64.labels())?, 1.0);
    assert_eq!(adjusted_rand_index(&blobs.labels, m32.labels())?, 1.0);
    for (row, &l) in shifted32.chunks_exact(2).zip(m32.labels()) {
        assert_eq!(l, nearest(row, m32.centroids(), 2));
    }
    Ok(())
}

#[test]
fn metrics_on_fits() -> Result<(), KMeansError> {
    let blobs = make_blobs::<f64>(200, 2, 4, 0.3, 133)?;
    let model = KMeans::new(4).fit(&RowMajor::new(&blobs.data, 2)?)?;
    assert_eq!(adjusted_rand_index(&blobs.labels, model.labels())?, 1.0);
    assert_eq!(
        k_means::metrics::centroid_index(&blobs.centers, model.centroids(), 2)?,
        0
    );
    Ok(())
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trip() -> Result<(), KMeansError> {
    let rows = vec![[0.0_f64, 0.0], [0.0, 2.0], [10.0, 0.0], [10.0, 2.0]];
    let config = KMeans::new(2)
        .init(Init::Precomputed(vec![0.0, 0.0, 10.0, 0.0]))
        .seed(3);
    let model = config.fit(&rows)?;
    let json = serde_json::to_string(&model.with_labels()).unwrap();
    let back: KMeansModel<f64> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, model);
    let json = serde_json::to_string(&config).unwrap();
    let back: KMeans<f64> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, config);
    Ok(())
}
