//! Bit-identical results in rayon pools of any size, and run after run.
//!
//! The crate cuts rows into chunks that depend on the data's shape only (whole tiles, a thousand
//! rows or more) and goes parallel once `n × k × d ≥ 2²⁰`. The data here is big enough for the
//! assignment (`n × k × d = 16384 × 16 × 16 = 2²²`, a dozen chunks and more) and the k-means++
//! seeding (`n × d × trials = 16384 × 16 × 4 = 2²⁰`) to run in parallel.

use k_means::datasets::make_blobs;
use k_means::{Algorithm, Init, KMeans, KMeansModel, RowMajor, create_clusters};

use crate::Real;

const N: usize = 16_384;
const D: usize = 16;
const K: usize = 16;
const THREADS: [usize; 5] = [1, 2, 3, 4, 8];

/// What must be identical, with floats as bits.
#[derive(Debug, PartialEq, Eq)]
struct Bits {
    centroids: Vec<u64>,
    labels: Vec<usize>,
    inertia: u64,
    n_iter: usize,
}

fn bits<T: Real>(model: &KMeansModel<T>) -> Bits {
    Bits {
        centroids: model.centroids().iter().map(|c| c.wide().to_bits()).collect(),
        labels: model.labels().to_vec(),
        inertia: model.inertia().to_bits(),
        n_iter: model.n_iter(),
    }
}

fn in_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// Fits the blobs with the configuration `config` makes for them, in every pool and twice on
/// the global one, and checks that every result is the same, bit for bit.
fn check<T: Real>(config: impl FnOnce(&[T]) -> KMeans<T>) {
    // Overlapping blobs (std 4 around centres in [-10, 10]) so that every iteration moves rows;
    // max_iter keeps the debug-build runtime modest.
    let blobs = make_blobs::<T>(N, D, K, 4.0, 123).unwrap();
    let config = config(&blobs.data);
    let view = RowMajor::new(&blobs.data, D).unwrap();
    let reference = bits(&config.fit(&view).unwrap());
    assert!(reference.n_iter > 1);
    for threads in THREADS {
        let got = in_pool(threads, || bits(&config.fit(&view).unwrap()));
        assert!(got == reference, "{threads} threads give another result");
    }
    // Run after run, on the global pool.
    let again = bits(&config.fit(&view).unwrap());
    assert!(again == reference, "a second run gives another result");
}

/// k-means++ seeding and `Auto` (Hamerly's algorithm).
#[test]
fn kmeans_plus_plus_auto_f64_any_thread_count() {
    check::<f64>(|_| KMeans::new(K).init(Init::KMeansPlusPlus).max_iter(3).seed(5));
}

/// k-means‖ seeding (its candidates keyed by seed, round and row) and Hamerly, in f32.
#[test]
fn kmeans_parallel_f32_any_thread_count() {
    check::<f32>(|_| KMeans::new(K).init(Init::kmeans_parallel()).max_iter(3).seed(6));
}

/// Lloyd's algorithm from a fixed start, in f32.
#[test]
fn lloyd_precomputed_f32_any_thread_count() {
    check::<f32>(|data| {
        KMeans::new(K)
            .algorithm(Algorithm::Lloyd)
            .init(Init::Precomputed(data[..K * D].to_vec()))
            .max_iter(3)
    });
}

#[test]
fn create_clusters_any_thread_count() {
    let blobs = make_blobs::<f64>(N, D, K, 4.0, 9).unwrap();
    let centroids = &blobs.data[..K * D];
    let reference = create_clusters(&blobs.data, centroids, D).unwrap();
    for threads in THREADS {
        let got = in_pool(threads, || create_clusters(&blobs.data, centroids, D).unwrap());
        assert!(got == reference, "{threads} threads");
    }
}
