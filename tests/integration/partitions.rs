//! Fits over partitions of the rows, and sample weights: the laws that make them the same fit.
//!
//! * Partition-invariance: for any split of the rows into 1–8 contiguous parts of random sizes
//!   (empty parts included), `fit_in_threads` returns exactly `fit`'s model (centroid bits,
//!   inertia bits, `n_iter`, stop reason, cluster sizes, and the parts' labels concatenated),
//!   for every init, every algorithm, with and without weights, f32 and f64.
//! * Weights: integer weights equal repeated rows; a row of weight 0 equals an absent row;
//!   scaling every weight by a power of two scales the inertia only.

use k_means::datasets::make_blobs;
use k_means::distributed::{Collective, fit_in_threads, fit_weighted_in_threads};
use k_means::{Algorithm, Init, KMeans, KMeansError, KMeansModel, Refine, RowMajor};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::{Real, cast};

/// The model's global parts as bits.
fn global_bits<T: Real>(m: &KMeansModel<T>) -> (Vec<u64>, u64, usize, String, Vec<usize>) {
    (
        m.centroids().iter().map(|c| c.wide().to_bits()).collect(),
        m.inertia().to_bits(),
        m.n_iter(),
        format!("{:?}", m.stop_reason()),
        m.cluster_sizes().to_vec(),
    )
}

/// Cuts `n` rows at `cuts` (sorted, each in 0..=n) into consecutive parts.
fn bounds(n: usize, cuts: &[usize]) -> Vec<(usize, usize)> {
    let mut c: Vec<usize> = cuts.iter().map(|&x| x.min(n)).collect();
    c.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for x in c.into_iter().chain(std::iter::once(n)) {
        out.push((start, x));
        start = x;
    }
    out
}

fn check_invariance<T: Real>(
    kmeans: &KMeans<T>,
    data: &[T],
    d: usize,
    weights: Option<&[T]>,
    cuts: &[usize],
) -> Result<(), TestCaseError> {
    let rows = RowMajor::new(data, d).unwrap();
    let whole = match weights {
        Some(w) => kmeans.fit_weighted(&rows, w),
        None => kmeans.fit(&rows),
    }
    .unwrap();
    let spans = bounds(rows.n_rows(), cuts);
    let parts: Vec<RowMajor<'_, T>> = spans
        .iter()
        .map(|&(a, b)| RowMajor::new(&data[a * d..b * d], d).unwrap())
        .collect();
    let models = match weights {
        Some(w) => {
            let ws: Vec<&[T]> = spans.iter().map(|&(a, b)| &w[a..b]).collect();
            fit_weighted_in_threads(kmeans, &parts, &ws)
        }
        None => fit_in_threads(kmeans, &parts),
    }
    .unwrap();
    prop_assert_eq!(models.len(), parts.len());
    let labels: Vec<usize> = models.iter().flat_map(|m| m.labels().iter().copied()).collect();
    prop_assert_eq!(&labels[..], whole.labels(), "labels, parts {:?}", spans);
    for m in &models {
        prop_assert_eq!(global_bits(m), global_bits(&whole), "parts {:?}", spans);
    }
    Ok(())
}

/// Options from small indices: init (k-means++, random, the first k rows, k-means‖ with the
/// defaults, k-means‖ with one round of few candidates) and algorithm.
fn retype<T: Real>(k: usize, init: u8, algorithm: u8, seed: u64, data: &[T], d: usize) -> KMeans<T> {
    let init = match init {
        0 => Init::KMeansPlusPlus,
        1 => Init::Random,
        2 => Init::Precomputed(data[..k * d].to_vec()),
        3 => Init::kmeans_parallel(),
        _ => Init::KMeansParallel {
            rounds: 1,
            oversampling: 0.5,
        },
    };
    let algorithm = [
        Algorithm::Auto,
        Algorithm::Lloyd,
        Algorithm::Hamerly,
        Algorithm::Yinyang,
    ][algorithm as usize];
    KMeans::new(k).init(init).algorithm(algorithm).seed(seed)
}

#[derive(Debug, Clone)]
struct Split {
    n: usize,
    d: usize,
    k: usize,
    std: f64,
    seed: u64,
    cuts: Vec<usize>,
    init: u8,
    algorithm: u8,
    weighted: bool,
}

fn split() -> impl Strategy<Value = Split> {
    (20usize..400, 1usize..6, 1usize..9, 0.2..4.0_f64, any::<u64>())
        .prop_flat_map(|(n, d, k, std, seed)| {
            (
                Just((n, d, k, std, seed)),
                prop::collection::vec(0..=n, 0..8),
                0u8..5,
                0u8..4,
                any::<bool>(),
            )
        })
        .prop_map(|((n, d, k, std, seed), cuts, init, algorithm, weighted)| Split {
            n,
            d,
            k,
            std,
            seed,
            cuts,
            init,
            algorithm,
            weighted,
        })
}

fn invariance<T: Real>(s: &Split) -> Result<(), TestCaseError> {
    let blobs = make_blobs::<f64>(s.n, s.d, s.k.max(2), s.std, s.seed).unwrap();
    let data: Vec<T> = cast(&blobs.data);
    // Weights with zeros, fractions and integers (never all zero: row 0 keeps weight ≥ 1).
    let weights: Vec<T> = (0..s.n)
        .map(|i| {
            T::of(
                [1.0_f64, 0.0, 2.5, 3.0, 0.125][(i * 7 + s.seed as usize) % 5].max(if i == 0 {
                    1.0
                } else {
                    0.0
                }),
            )
        })
        .collect();
    let k = s.k.min(if s.weighted {
        weights.iter().filter(|w| w.wide() > 0.0).count()
    } else {
        s.n
    });
    let mut kmeans = retype::<T>(k, s.init, s.algorithm, s.seed, &data, s.d);
    if s.weighted && s.init == 2 {
        kmeans = kmeans.refine(Refine::Breathing { m: 2 });
    }
    check_invariance(&kmeans, &data, s.d, s.weighted.then_some(&weights[..]), &s.cuts)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_partition_gives_fit_f64(s in split()) { invariance::<f64>(&s)?; }

    #[test]
    fn any_partition_gives_fit_f32(s in split()) { invariance::<f32>(&s)?; }
}

#[test]
fn default_options_over_one_to_eight_parts() {
    let blobs = make_blobs::<f32>(6000, 8, 12, 1.5, 11).unwrap();
    let kmeans = KMeans::new(12);
    for p in 1..=8 {
        let cuts: Vec<usize> = (1..p).map(|i| i * 6000 / p + (i * 37) % 100).collect();
        check_invariance(&kmeans, &blobs.data, 8, None, &cuts).unwrap();
    }
}

/// The default start is decided from the global size, so it is the same on every participant:
/// greedy k-means++ below `n·k·d = 2²¹`, k-means‖ from it on, over any partition.
#[test]
fn the_default_start_follows_the_global_size_over_any_partition() {
    let (n, d, k) = (16_384, 16, 8);
    assert_eq!(n * d * k, k_means::KMEANS_PARALLEL_FROM);
    let blobs = make_blobs::<f32>(n, d, k, 2.0, 21).unwrap();
    let fast = |km: KMeans<f32>| km.refine(Refine::None).max_iter(4);
    let rows = RowMajor::new(&blobs.data, d).unwrap();
    let default = fast(KMeans::new(k)).fit(&rows).unwrap();
    let parallel = fast(KMeans::new(k).init(Init::kmeans_parallel()))
        .fit(&rows)
        .unwrap();
    let greedy = fast(KMeans::new(k).init(Init::KMeansPlusPlus))
        .fit(&rows)
        .unwrap();
    assert_eq!(global_bits(&default), global_bits(&parallel));
    assert_ne!(global_bits(&default), global_bits(&greedy));
    // One row fewer: below the threshold, greedy k-means++.
    let below = RowMajor::new(&blobs.data[..(n - 1) * d], d).unwrap();
    let below = &below;
    let default = fast(KMeans::new(k)).fit(below).unwrap();
    let greedy = fast(KMeans::new(k).init(Init::KMeansPlusPlus))
        .fit(below)
        .unwrap();
    assert_eq!(global_bits(&default), global_bits(&greedy));
    // Parts smaller than the threshold still start as the whole data does.
    check_invariance(&fast(KMeans::new(k)), &blobs.data, d, None, &[3000, 9000]).unwrap();
}

#[test]
fn every_init_and_algorithm_with_weights_over_three_parts() {
    let blobs = make_blobs::<f64>(1500, 3, 6, 2.0, 5).unwrap();
    let weights: Vec<f64> = (0..1500).map(|i| ((i % 4) as f64) * 0.75).collect();
    for init in 0..5 {
        for algorithm in 0..4 {
            let kmeans = retype::<f64>(6, init, algorithm, 9, &blobs.data, 3);
            check_invariance(&kmeans, &blobs.data, 3, Some(&weights), &[400, 401, 1200]).unwrap();
            check_invariance(&kmeans, &blobs.data, 3, None, &[0, 999]).unwrap();
        }
    }
}

#[test]
fn integer_weights_equal_repeated_rows() {
    let blobs = make_blobs::<f64>(500, 2, 5, 2.5, 3).unwrap();
    let counts: Vec<usize> = (0..500).map(|i| 1 + (i * 13) % 4).collect();
    let mut repeated = Vec::new();
    for (row, &c) in blobs.data.chunks(2).zip(&counts) {
        for _ in 0..c {
            repeated.extend_from_slice(row);
        }
    }
    let weights: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
    let start = blobs.data[..10].to_vec();
    for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::Yinyang] {
        let km = KMeans::new(5)
            .init(Init::Precomputed(start.clone()))
            .algorithm(algorithm);
        let weighted = km
            .fit_weighted(&RowMajor::new(&blobs.data, 2).unwrap(), &weights)
            .unwrap();
        let plain = km.fit(&RowMajor::new(&repeated, 2).unwrap()).unwrap();
        assert_eq!(weighted.centroids(), plain.centroids(), "{algorithm:?}");
        assert_eq!(
            weighted.inertia().to_bits(),
            plain.inertia().to_bits(),
            "{algorithm:?}"
        );
        assert_eq!(weighted.n_iter(), plain.n_iter());
    }
}

#[test]
fn zero_weight_rows_change_nothing_but_their_own_label() {
    let blobs = make_blobs::<f32>(800, 3, 6, 1.0, 8).unwrap();
    let weights: Vec<f32> = (0..800)
        .map(|i| if i % 3 == 1 { 0.0 } else { 1.0 + (i % 5) as f32 })
        .collect();
    let kept: Vec<usize> = (0..800).filter(|i| i % 3 != 1).collect();
    let data_kept: Vec<f32> = kept
        .iter()
        .flat_map(|&i| blobs.data[i * 3..i * 3 + 3].iter().copied())
        .collect();
    let w_kept: Vec<f32> = kept.iter().map(|&i| weights[i]).collect();
    for init in [Init::KMeansPlusPlus, Init::Random] {
        // Default refinement (breathing) included.
        let km = KMeans::new(6).init(init).seed(4);
        let with = km
            .fit_weighted(&RowMajor::new(&blobs.data, 3).unwrap(), &weights)
            .unwrap();
        let without = km
            .fit_weighted(&RowMajor::new(&data_kept, 3).unwrap(), &w_kept)
            .unwrap();
        assert_eq!(with.centroids(), without.centroids());
        assert_eq!(with.inertia().to_bits(), without.inertia().to_bits());
        assert_eq!(with.n_iter(), without.n_iter());
        let labels_kept: Vec<usize> = kept.iter().map(|&i| with.labels()[i]).collect();
        assert_eq!(labels_kept, without.labels());
    }
}

/// A row of weight 0 far outside the weighted rows' range (found by the `partitions` fuzz
/// target: its values overflowed the fixed-point frame, which covers weighted rows only).
#[test]
fn a_zero_weight_row_may_lie_far_outside_the_others() {
    let rows = vec![[0.0_f64], [1.0], [-150.0], [10.0], [11.0]];
    let weights = [1.0, 1.0, 0.0, 1.0, 1.0];
    let kept = vec![[0.0_f64], [1.0], [10.0], [11.0]];
    for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::Yinyang] {
        let km = KMeans::new(2).algorithm(algorithm);
        let with = km.fit_weighted(&rows, &weights).unwrap();
        let without = km.fit_weighted(&kept, &[1.0; 4]).unwrap();
        assert_eq!(with.centroids(), without.centroids());
        assert_eq!(with.inertia(), 1.0);
    }
}

#[test]
fn scaling_weights_by_a_power_of_two_scales_only_the_inertia() {
    let blobs = make_blobs::<f64>(700, 2, 7, 1.2, 2).unwrap();
    let weights: Vec<f64> = (0..700).map(|i| 0.3 + (i % 7) as f64 * 0.61).collect();
    let rows = RowMajor::new(&blobs.data, 2).unwrap();
    let km = KMeans::new(7).seed(1);
    let base = km.fit_weighted(&rows, &weights).unwrap();
    for j in [-20, -3, 1, 12] {
        let s = 2.0_f64.powi(j);
        let scaled: Vec<f64> = weights.iter().map(|w| w * s).collect();
        let m = km.fit_weighted(&rows, &scaled).unwrap();
        assert_eq!(m.centroids(), base.centroids(), "2^{j}");
        assert_eq!(m.labels(), base.labels());
        assert_eq!(m.inertia(), base.inertia() * s, "2^{j}");
    }
}

#[test]
fn bad_weights_and_partitions_are_clear_errors() {
    let rows = vec![[0.0_f64], [1.0], [2.0]];
    let km = KMeans::new(2);
    assert_eq!(
        km.fit_weighted(&rows, &[1.0, 2.0]).unwrap_err(),
        KMeansError::WeightCount {
            weights: 2,
            n_rows: 3
        }
    );
    assert!(matches!(
        km.fit_weighted(&rows, &[1.0, -1.0, 1.0]).unwrap_err(),
        KMeansError::InvalidWeight { row: 1, .. }
    ));
    assert!(matches!(
        km.fit_weighted(&rows, &[1.0, 1.0, f64::NAN]).unwrap_err(),
        KMeansError::InvalidWeight { row: 2, .. }
    ));
    assert_eq!(
        km.fit_weighted(&rows, &[0.0; 3]).unwrap_err(),
        KMeansError::ZeroTotalWeight
    );
    assert_eq!(
        KMeans::new(3).fit_weighted(&rows, &[1.0, 0.0, 1.0]).unwrap_err(),
        KMeansError::KTooLarge { k: 3, n_rows: 2 }
    );
    // A bad value in the second part is reported with its global row, by the part holding it;
    // fit_in_threads returns that error.
    let data = [0.0_f64, 1.0, 2.0, f64::NAN, 4.0];
    let parts = [
        RowMajor::new(&data[..2], 1).unwrap(),
        RowMajor::new(&data[2..], 1).unwrap(),
    ];
    assert_eq!(
        fit_in_threads(&km, &parts).unwrap_err(),
        KMeansError::NonFinite { row: 3, column: 0 }
    );
    // A single process checks every value before any weight: so do the parts (found by the
    // `partitions` fuzz target, where the part with the bad weight reported first).
    let data = [0.0_f64, 1e300, 2.0];
    let parts = [
        RowMajor::new(&data[..1], 1).unwrap(),
        RowMajor::new(&data[1..], 1).unwrap(),
    ];
    let weights: [&[f64]; 2] = [&[-1.0], &[1.0, 1.0]];
    let whole = km
        .fit_weighted(&RowMajor::new(&data, 1).unwrap(), &[-1.0, 1.0, 1.0])
        .unwrap_err();
    assert!(matches!(whole, KMeansError::ValueTooLarge { row: 1, .. }));
    assert_eq!(fit_weighted_in_threads(&km, &parts, &weights).unwrap_err(), whole);
    // One participant that claims to start at row 5.
    struct Alone;
    impl Collective for Alone {
        fn size(&self) -> usize {
            1
        }
        fn rank(&self) -> usize {
            0
        }
        fn all_gather(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, KMeansError> {
            Ok(vec![message.to_vec()])
        }
    }
    struct Pretend(usize);
    impl Collective for Pretend {
        fn size(&self) -> usize {
            2
        }
        fn rank(&self) -> usize {
            self.0
        }
        fn all_gather(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, KMeansError> {
            // The other participant sends the same message: two parts both claiming row 0.
            Ok(vec![message.to_vec(), message.to_vec()])
        }
    }
    assert!(km.fit_partition(&rows, 0, &mut Alone).is_ok());
    assert_eq!(
        km.fit_partition(&rows, 0, &mut Pretend(0)).unwrap_err(),
        KMeansError::InvalidPartition {
            first_row: 0,
            expected: 3
        }
    );
}

/// Two threads whose ranks run against the row order, the second holding no rows that start at
/// the same row as the first's (found by the `partitions` fuzz target: the layout check sorted
/// equal first rows by rank).
#[test]
fn ranks_need_not_follow_the_row_order() {
    use std::sync::{Arc, Barrier, Mutex};
    struct Pair {
        slots: Arc<Mutex<[Vec<u8>; 2]>>,
        barrier: Arc<Barrier>,
        rank: usize,
    }
    impl Collective for Pair {
        fn size(&self) -> usize {
            2
        }
        fn rank(&self) -> usize {
            self.rank
        }
        fn all_gather(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, KMeansError> {
            self.slots.lock().unwrap()[self.rank] = message.to_vec();
            self.barrier.wait();
            let all = self.slots.lock().unwrap().to_vec();
            self.barrier.wait();
            Ok(all)
        }
    }
    let blobs = make_blobs::<f64>(300, 2, 4, 1.0, 1).unwrap();
    let km = KMeans::new(4).seed(2);
    let whole = km.fit(&RowMajor::new(&blobs.data, 2).unwrap()).unwrap();
    for split in [0, 120, 300] {
        let slots = Arc::new(Mutex::new([Vec::new(), Vec::new()]));
        let barrier = Arc::new(Barrier::new(2));
        let models: Vec<KMeansModel<f64>> = std::thread::scope(|s| {
            let spans = [(0, split), (split, 300)];
            let handles: Vec<_> = spans
                .iter()
                .enumerate()
                .map(|(part, &(a, b))| {
                    let mut c = Pair {
                        slots: Arc::clone(&slots),
                        barrier: Arc::clone(&barrier),
                        rank: 1 - part,
                    };
                    let (km, data) = (&km, &blobs.data);
                    s.spawn(move || {
                        km.fit_partition(&RowMajor::new(&data[a * 2..b * 2], 2).unwrap(), a, &mut c)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap().unwrap()).collect()
        });
        for m in &models {
            assert_eq!(global_bits(m), global_bits(&whole), "split {split}");
        }
        let labels: Vec<usize> = models.iter().flat_map(|m| m.labels().iter().copied()).collect();
        assert_eq!(labels, whole.labels());
    }
}
