//! Spherical k-means: equal to a direct O(n·k·d) spherical Lloyd written here in f64 from the
//! same start; the laws it shares with Euclidean k-means (permutations, thread count) and its
//! own (invariance under positive scaling of any row); its errors.

use k_means::{Init, KMeansError, SphericalKMeans, StopReason};
use proptest::prelude::*;

use crate::{Real, cast, widen};

/// `v / ‖v‖` by the plain formula, in f64.
fn unit(v: &[f64]) -> Vec<f64> {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.iter().map(|x| x / norm).collect()
}

/// Every `d`-wide row of `flat` at unit length.
fn unit_rows(flat: &[f64], d: usize) -> Vec<f64> {
    flat.chunks_exact(d).flat_map(unit).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The centroid of largest dot product with `row` (the lowest index on ties).
fn most_similar(row: &[f64], centroids: &[f64], d: usize) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (j, c) in centroids.chunks_exact(d).enumerate() {
        let s = dot(row, c);
        if s > best.1 {
            best = (j, s);
        }
    }
    best.0
}

/// What the direct implementation returns.
struct Direct {
    centroids: Vec<f64>,
    labels: Vec<usize>,
    n_iter: usize,
}

/// Spherical Lloyd, plainly: assign by the largest dot product, centroids the re-normalised
/// means (f64 sums in row order), an empty cluster takes the row farthest from its centroid (the
/// farthest first, lower row first on ties, one per empty cluster in index order, rows at
/// distance 0 never), a zero mean keeps its previous centroid; stop when the labels no longer
/// change or the centroids no longer move (tolerance 0), then the labels of the final
/// centroids.
fn direct(rows: &[f64], d: usize, start: &[f64], max_iter: usize) -> Direct {
    let n = rows.len() / d;
    let k = start.len() / d;
    let row = |i: usize| &rows[i * d..(i + 1) * d];
    let mut c = start.to_vec();
    let mut labels_old = vec![usize::MAX; n];
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        let labels: Vec<usize> = (0..n).map(|i| most_similar(row(i), &c, d)).collect();
        let mut sums = vec![0.0; k * d];
        let mut counts = vec![0usize; k];
        for i in 0..n {
            counts[labels[i]] += 1;
            for f in 0..d {
                sums[labels[i] * d + f] += row(i)[f];
            }
        }
        let empty: Vec<usize> = (0..k).filter(|&j| counts[j] == 0).collect();
        if !empty.is_empty() {
            let dist: Vec<f64> = (0..n)
                .map(|i| sq_dist(row(i), &c[labels[i] * d..(labels[i] + 1) * d]))
                .collect();
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| dist[b].total_cmp(&dist[a]).then(a.cmp(&b)));
            for (&j, &i) in empty.iter().zip(&order) {
                if dist[i] <= 0.0 {
                    break;
                }
                counts[labels[i]] -= 1;
                counts[j] += 1;
                for f in 0..d {
                    sums[labels[i] * d + f] -= row(i)[f];
                    sums[j * d + f] += row(i)[f];
                }
            }
        }
        let mut next = c.clone();
        for j in 0..k {
            if counts[j] == 0 {
                continue;
            }
            let mean: Vec<f64> = sums[j * d..(j + 1) * d]
                .iter()
                .map(|s| s / counts[j] as f64)
                .collect();
            if mean.iter().any(|&m| m != 0.0) {
                next[j * d..(j + 1) * d].copy_from_slice(&unit(&mean));
            }
        }
        let moved = next != c;
        c = next;
        if labels == labels_old || !moved {
            break;
        }
        labels_old = labels;
    }
    let labels = (0..n).map(|i| most_similar(row(i), &c, d)).collect();
    Direct {
        centroids: c,
        labels,
        n_iter,
    }
}

/// The rows as the fit sees them: normalised in f64, rounded to `T`, widened back.
fn as_fit_sees<T: Real>(data: &[T], d: usize) -> Vec<f64> {
    widen(&cast::<T>(&unit_rows(&widen(data), d)))
}

/// Data without all-zero rows: every value at least 1e-3 from 0.
fn nonzero(v: Vec<f64>) -> Vec<f64> {
    v.into_iter()
        .map(|x| if x.abs() < 1e-3 { x + 0.5 } else { x })
        .collect()
}

/// The crate's fit from the first k rows against the direct implementation from the same
/// start.
fn check_against_direct<T: Real>(
    data: &[T],
    d: usize,
    k: usize,
    centroid_tol: f64,
) -> Result<(), TestCaseError> {
    let start = data[..k * d].to_vec();
    let model = SphericalKMeans::new(k)
        .init(Init::Precomputed(start.clone()))
        .tolerance(0.0)
        .max_iter(50)
        .fit(&k_means::RowMajor::new(data, d).unwrap())
        .unwrap();
    let rows = as_fit_sees(data, d);
    let reference = direct(&rows, d, &unit_rows(&widen(&start), d), 50);
    prop_assert_eq!(model.labels(), &reference.labels[..]);
    prop_assert_eq!(model.n_iter(), reference.n_iter);
    for (a, b) in widen(model.centroids()).iter().zip(&reference.centroids) {
        prop_assert!((a - b).abs() <= centroid_tol, "centroid {} vs {}", a, b);
    }
    let objective: f64 = rows
        .chunks_exact(d)
        .zip(model.labels())
        .map(|(r, &l)| (1.0 - dot(r, &widen(model.centroid(l).unwrap()))).max(0.0))
        .sum();
    prop_assert!((model.objective() - objective).abs() <= 1e-9 * (1.0 + objective));
    Ok(())
}

fn data_strategy() -> impl Strategy<Value = (Vec<f64>, usize, usize)> {
    (1usize..6, 1usize..5, 8usize..60).prop_flat_map(|(d, k, n)| {
        (
            prop::collection::vec(-1.0f64..1.0, n * d).prop_map(nonzero),
            Just(d),
            Just(k),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn equals_direct_spherical_lloyd_f64((data, d, k) in data_strategy()) {
        check_against_direct::<f64>(&data, d, k, 1e-12)?;
    }

    #[test]
    fn equals_direct_spherical_lloyd_f32((data, d, k) in data_strategy()) {
        check_against_direct::<f32>(&cast(&data), d, k, 1e-6)?;
    }

    /// Scaling each row by its own power of two changes nothing, bit for bit (the
    /// normalisation scales exactly), with the default k-means++ start too.
    #[test]
    fn rows_scaled_by_powers_of_two_give_the_same_model(
        (data, d, k) in data_strategy(),
        exponents in prop::collection::vec(-40i32..40, 60),
    ) {
        let scaled: Vec<f64> = data
            .chunks_exact(d)
            .zip(exponents.iter().cycle())
            .flat_map(|(r, &e)| r.iter().map(move |x| x * 2.0_f64.powi(e)))
            .collect();
        let km = SphericalKMeans::new(k).seed(3);
        let a = km.fit(&k_means::RowMajor::new(&data, d).unwrap()).unwrap();
        let b = km.fit(&k_means::RowMajor::new(&scaled, d).unwrap()).unwrap();
        prop_assert_eq!(&a, &b);
        let km32 = SphericalKMeans::<f32>::new(k).seed(3);
        let a = km32.fit(&k_means::RowMajor::new(&cast::<f32>(&data), d).unwrap()).unwrap();
        let b = km32.fit(&k_means::RowMajor::new(&cast::<f32>(&scaled), d).unwrap()).unwrap();
        prop_assert_eq!(a, b);
    }

    /// Any positive factors per row: the same labels (normalisation may differ in the last
    /// bit, so the centroids agree closely, not bit for bit).
    #[test]
    fn rows_scaled_by_positive_factors_give_the_same_labels(
        (data, d, k) in data_strategy(),
        factors in prop::collection::vec(0.01f64..100.0, 60),
    ) {
        let scaled: Vec<f64> = data
            .chunks_exact(d)
            .zip(factors.iter().cycle())
            .flat_map(|(r, &s)| r.iter().map(move |x| x * s))
            .collect();
        let km = SphericalKMeans::new(k).init(Init::Precomputed(data[..k * d].to_vec())).tolerance(0.0);
        let a = km.fit(&k_means::RowMajor::new(&data, d).unwrap()).unwrap();
        let b = km.fit(&k_means::RowMajor::new(&scaled, d).unwrap()).unwrap();
        prop_assert_eq!(a.labels(), b.labels());
        for (x, y) in a.centroids().iter().zip(b.centroids()) {
            prop_assert!((x - y).abs() < 1e-12);
        }
    }

    /// Permuting the start's centroids permutes the fitted centroids and renames the labels,
    /// bit for bit.
    #[test]
    fn permuting_the_start_permutes_the_result((data, d, k) in data_strategy(), seed in 0u64..1000) {
        // Distinct start directions, so that no tie between centroids depends on their order.
        let start = data[..k * d].to_vec();
        let directions = unit_rows(&start, d);
        let distinct = (0..k).all(|a| (0..a).all(|b| directions[a * d..(a + 1) * d] != directions[b * d..(b + 1) * d]));
        prop_assume!(distinct);
        let mut perm: Vec<usize> = (0..k).collect();
        perm.rotate_left(seed as usize % k);
        let permuted: Vec<f64> = perm.iter().flat_map(|&j| start[j * d..(j + 1) * d].to_vec()).collect();
        let rows = k_means::RowMajor::new(&data, d).unwrap();
        let a = SphericalKMeans::new(k).init(Init::Precomputed(start)).fit(&rows).unwrap();
        let b = SphericalKMeans::new(k).init(Init::Precomputed(permuted)).fit(&rows).unwrap();
        // b's centroid p is a's centroid perm[p].
        for p in 0..k {
            prop_assert_eq!(b.centroid(p), a.centroid(perm[p]));
        }
        for (la, lb) in a.labels().iter().zip(b.labels()) {
            prop_assert_eq!(perm[*lb], *la);
        }
        prop_assert_eq!(a.objective().to_bits(), b.objective().to_bits());
    }

    /// Permuting the rows permutes the labels; the centroids (exact sums) are the same bits.
    #[test]
    fn permuting_the_rows_permutes_the_labels((data, d, k) in data_strategy()) {
        let n = data.len() / d;
        let start = data[..k * d].to_vec();
        let order: Vec<usize> = (0..n).rev().collect();
        let reversed: Vec<f64> = order.iter().flat_map(|&i| data[i * d..(i + 1) * d].to_vec()).collect();
        let km = SphericalKMeans::new(k).init(Init::Precomputed(start)).tolerance(0.0);
        let a = km.fit(&k_means::RowMajor::new(&data, d).unwrap()).unwrap();
        let b = km.fit(&k_means::RowMajor::new(&reversed, d).unwrap()).unwrap();
        prop_assert_eq!(a.centroids(), b.centroids());
        for (r, &i) in order.iter().enumerate() {
            prop_assert_eq!(b.labels()[r], a.labels()[i]);
        }
    }
}

/// Rows around `k` random directions, at random lengths (so that only their direction tells
/// the clusters apart), from a simple deterministic generator.
fn directions_data(n: usize, d: usize, k: usize, seed: u64) -> Vec<f64> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    let centres: Vec<f64> = (0..k * d).map(|_| next()).collect();
    let mut data = Vec::with_capacity(n * d);
    for i in 0..n {
        let j = i % k;
        let length = 0.1 + 50.0 * (next() + 1.0);
        for f in 0..d {
            data.push(length * (centres[j * d + f] + 0.03 * next()));
        }
    }
    data
}

#[test]
fn the_same_bits_on_any_number_of_threads() {
    // n·k·d above the parallel threshold, so the assignment runs in chunks on the pool.
    let (n, d, k) = (20_000, 16, 8);
    let data = directions_data(n, d, k, 7);
    let rows = k_means::RowMajor::new(&data, d).unwrap();
    let km = SphericalKMeans::new(k);
    let reference = km.fit(&rows).unwrap();
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        assert_eq!(
            pool.install(|| km.fit(&rows)).unwrap(),
            reference,
            "{threads} threads"
        );
    }
    let data32: Vec<f32> = cast(&data);
    let rows32 = k_means::RowMajor::new(&data32, d).unwrap();
    let km32 = SphericalKMeans::<f32>::new(k).init(Init::Random);
    let reference = km32.fit(&rows32).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
    assert_eq!(pool.install(|| km32.fit(&rows32)).unwrap(), reference);
}

#[test]
fn finds_directions_at_any_length_and_predicts_them() {
    let (n, d, k) = (3000, 8, 4);
    let data = directions_data(n, d, k, 11);
    let rows = k_means::RowMajor::new(&data, d).unwrap();
    let model = SphericalKMeans::new(k).fit(&rows).unwrap();
    // Rows i and i + k were drawn around the same direction: the same cluster, always.
    for i in 0..n - k {
        assert_eq!(model.labels()[i], model.labels()[i + k], "row {i}");
    }
    assert_eq!(model.cluster_sizes(), &[n / k; 4]);
    assert!(model.converged());
    // Unit centroids; the training rows, at any positive length, predict their labels.
    for c in model.centroids().chunks_exact(d) {
        assert!((c.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-14);
    }
    let tripled: Vec<f64> = data.iter().map(|v| v * 3.0).collect();
    assert_eq!(
        model
            .predict(&k_means::RowMajor::new(&tripled, d).unwrap())
            .unwrap(),
        model.labels()
    );
    for i in [0, 1, 2, 3, 999] {
        assert_eq!(
            model.predict_one(&data[i * d..(i + 1) * d]).unwrap(),
            model.labels()[i]
        );
    }
    // Every label is a centroid of largest cosine similarity.
    let unit_data = unit_rows(&data, d);
    for (r, &l) in unit_data.chunks_exact(d).zip(model.labels()) {
        let best = most_similar(r, model.centroids(), d);
        assert!(dot(r, model.centroid(l).unwrap()) >= dot(r, model.centroid(best).unwrap()) - 1e-12);
    }
}

#[test]
fn an_empty_cluster_takes_the_least_similar_row() {
    // Two equal start centroids: every row ties to centroid 0, so centroid 1 is empty and takes
    // the row of lowest cosine similarity, [0, 1].
    let rows = vec![[1.0_f64, 0.0], [0.9, 0.1], [0.0, 1.0]];
    let model = SphericalKMeans::new(2)
        .init(Init::Precomputed(vec![1.0, 0.0, 2.0, 0.0]))
        .fit(&rows)
        .unwrap();
    assert_eq!(model.labels(), &[0, 0, 1]);
    assert_eq!(model.centroid(1), Some(&[0.0, 1.0][..]));
    let reference = direct(
        &unit_rows(&[1.0, 0.0, 0.9, 0.1, 0.0, 1.0], 2),
        2,
        &[1.0, 0.0, 1.0, 0.0],
        300,
    );
    assert_eq!(model.labels(), &reference.labels[..]);
}

#[test]
fn a_zero_mean_keeps_its_previous_centroid() {
    // x and −x: their mean has no direction; the centroid stays the (normalised) start.
    let model = SphericalKMeans::new(1)
        .init(Init::Precomputed(vec![0.0, 3.0]))
        .fit(&vec![[1.0_f64, 0.0], [-2.0, 0.0]])
        .unwrap();
    assert_eq!(model.centroids(), &[0.0, 1.0]);
    assert_eq!(model.objective(), 2.0);
    // Nothing moved: the shift is 0, within any tolerance.
    assert_eq!(model.stop_reason(), StopReason::ToleranceReached);
}

#[test]
fn large_values_need_no_magnitude_limit() {
    // Beyond the Euclidean fit's limit (squared distances would overflow), fine once normalised.
    let rows = vec![[1e300_f64, 0.0], [0.0, -1e300], [f64::MAX, 1.0]];
    let model = SphericalKMeans::new(2).fit(&rows).unwrap();
    assert_eq!(model.labels()[0], model.labels()[2]);
    assert!(model.centroids().iter().all(|v| v.is_finite()));
    let tiny = vec![[5e-324_f64, 0.0], [0.0, 1e-310]];
    assert_eq!(SphericalKMeans::new(2).fit(&tiny).unwrap().objective(), 0.0);
}

#[test]
fn errors_name_what_is_wrong() {
    let rows = vec![[1.0_f64, 0.0], [0.0, 1.0], [0.0, 0.0], [1.0, 1.0]];
    let err = SphericalKMeans::new(2).fit(&rows).unwrap_err();
    assert_eq!(err, KMeansError::ZeroRow { row: 2 });
    assert_eq!(
        err.to_string(),
        "row 2 is all zeros: it has no direction, so spherical k-means cannot use it"
    );
    let ok = vec![[1.0_f64, 0.0], [0.0, 1.0], [1.0, 1.0]];
    assert_eq!(
        SphericalKMeans::new(4).fit(&ok).unwrap_err(),
        KMeansError::KTooLarge { k: 4, n_rows: 3 }
    );
    assert_eq!(SphericalKMeans::new(0).fit(&ok).unwrap_err(), KMeansError::ZeroK);
    assert_eq!(
        SphericalKMeans::<f64>::new(1)
            .fit(&Vec::<[f64; 2]>::new())
            .unwrap_err(),
        KMeansError::NoRows
    );
    assert_eq!(
        SphericalKMeans::new(1).max_iter(0).fit(&ok).unwrap_err(),
        KMeansError::ZeroMaxIter
    );
    assert_eq!(
        SphericalKMeans::new(1).n_init(0).fit(&ok).unwrap_err(),
        KMeansError::ZeroNInit
    );
    assert_eq!(
        SphericalKMeans::new(1).tolerance(-1.0).fit(&ok).unwrap_err(),
        KMeansError::InvalidTolerance { tolerance: -1.0 }
    );
    assert_eq!(
        SphericalKMeans::new(1)
            .init(Init::KMeansParallel {
                rounds: 0,
                oversampling: 2.0
            })
            .fit(&ok)
            .unwrap_err(),
        KMeansError::InvalidKMeansParallel {
            rounds: 0,
            oversampling: 2.0
        }
    );
    let nan = vec![[1.0_f32, 0.0], [0.0, f32::NAN]];
    assert_eq!(
        SphericalKMeans::new(1).fit(&nan).unwrap_err(),
        KMeansError::NonFinite { row: 1, column: 1 }
    );
    // A bad precomputed start.
    let err = SphericalKMeans::new(2)
        .init(Init::Precomputed(vec![1.0, 0.0, 0.0, 0.0]))
        .fit(&ok)
        .unwrap_err();
    assert_eq!(err, KMeansError::ZeroCentroid { centroid: 1 });
    assert_eq!(
        err.to_string(),
        "centroid 1 of the start is all zeros: it has no direction"
    );
    assert!(matches!(
        SphericalKMeans::new(2)
            .init(Init::Precomputed(vec![1.0, 0.0, 0.0]))
            .fit(&ok)
            .unwrap_err(),
        KMeansError::CentroidShape {
            len: 3,
            k: 2,
            n_features: 2,
            expected: 4
        }
    ));
    assert_eq!(
        SphericalKMeans::new(1)
            .init(Init::Precomputed(vec![1.0, f64::INFINITY]))
            .fit(&ok)
            .unwrap_err(),
        KMeansError::NonFiniteCentroid { row: 0, column: 1 }
    );
    // The model's inputs.
    let model = SphericalKMeans::new(2).fit(&ok).unwrap();
    assert_eq!(
        model.predict(&vec![[1.0, 2.0], [0.0, 0.0]]).unwrap_err(),
        KMeansError::ZeroRow { row: 1 }
    );
    assert_eq!(
        model.predict_one(&[0.0, 0.0]).unwrap_err(),
        KMeansError::ZeroRow { row: 0 }
    );
    assert_eq!(
        model.predict(&vec![[1.0, 2.0, 3.0]]).unwrap_err(),
        KMeansError::FeatureMismatch { expected: 2, got: 3 }
    );
    assert_eq!(
        model.predict_one(&[1.0]).unwrap_err(),
        KMeansError::FeatureMismatch { expected: 2, got: 1 }
    );
    assert_eq!(
        model.predict(&vec![[f64::NAN, 2.0]]).unwrap_err(),
        KMeansError::NonFinite { row: 0, column: 0 }
    );
}

#[test]
fn restarts_keep_the_lowest_objective() {
    let data = directions_data(400, 3, 5, 2);
    let rows = k_means::RowMajor::new(&data, 3).unwrap();
    let best = SphericalKMeans::new(5)
        .init(Init::Random)
        .n_init(6)
        .seed(9)
        .fit(&rows)
        .unwrap();
    let one = SphericalKMeans::new(5)
        .init(Init::Random)
        .n_init(1)
        .seed(9)
        .fit(&rows)
        .unwrap();
    assert!(best.objective() <= one.objective());
    assert_eq!(
        SphericalKMeans::new(5).fit_predict(&rows).unwrap(),
        SphericalKMeans::new(5).fit(&rows).unwrap().labels()
    );
}

#[cfg(feature = "serde")]
#[test]
fn saved_models_load_only_when_valid() {
    use k_means::SphericalModel;

    let data = directions_data(300, 4, 3, 5);
    let rows = k_means::RowMajor::new(&data, 4).unwrap();
    let model = SphericalKMeans::new(3).fit(&rows).unwrap();
    let text = serde_json::to_string(&model).unwrap();
    let back: SphericalModel<f64> = serde_json::from_str(&text).unwrap();
    assert_eq!(back, model);
    assert_eq!(back.predict(&rows).unwrap(), model.labels());
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let load = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = value.clone();
        edit(&mut v);
        serde_json::from_value::<SphericalModel<f64>>(v)
            .unwrap_err()
            .to_string()
    };
    assert!(load(&|v| v["centroids"][0] = serde_json::json!(2.0)).contains("centroid 0 has length"));
    assert!(load(&|v| v["labels"][0] = serde_json::json!(3)).contains("the label of row 0 is 3"));
    assert!(load(&|v| v["objective"] = serde_json::json!(-1.0)).contains("objective -1"));
    assert!(load(&|v| v["cluster_sizes"] = serde_json::json!([1])).contains("1 cluster sizes for k = 3"));
    assert!(load(&|v| v["k"] = serde_json::json!(0)).contains("k must be at least 1"));
    // The builder round-trips too.
    let km = SphericalKMeans::<f64>::new(3).seed(4).n_init(2);
    assert_eq!(
        serde_json::from_str::<SphericalKMeans<f64>>(&serde_json::to_string(&km).unwrap()).unwrap(),
        km
    );
}
