//! Assignment-step benchmarks: [`k_means::create_clusters`] (the hot loop every iteration runs)
//! over a grid of `(rows, features, k)` for `f32` and `f64`, reported as rows per second, plus
//! the single-row building blocks [`k_means::closest_centroid`] and
//! [`k_means::euclidean_distance`].
//!
//! Data: `make_blobs(rows, features, k, cluster_std = 2.0, seed = 0)`; centroids are the first
//! `k` rows. Run with `cargo bench --bench assignment`.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use k_means::datasets::make_blobs;
use k_means::{Float, closest_centroid, create_clusters, euclidean_distance};

/// `(rows, features, k)` for the assignment grid.
const GRID: &[(usize, usize, usize)] = &[
    (10_000, 2, 8),
    (100_000, 2, 16),
    (100_000, 16, 64),
    (100_000, 64, 256),
    (20_000, 128, 1000),
];

/// Blob data (`rows × features`) and its first `k` rows as centroids.
fn data<T: Float>(rows: usize, features: usize, k: usize) -> (Vec<T>, Vec<T>) {
    let blobs = make_blobs::<T>(rows, features, k, 2.0, 0).expect("valid blob parameters");
    let centroids = blobs.data[..k * features].to_vec();
    (blobs.data, centroids)
}

/// A readable label for a grid point, e.g. `100000x16x64`.
fn label(rows: usize, features: usize, k: usize) -> String {
    format!("{rows}x{features}x{k}")
}

/// `create_clusters` over the grid for one float type.
fn assign_grid<T: Float>(group: &mut BenchmarkGroup<'_, WallTime>, ty: &str) {
    for &(rows, features, k) in GRID {
        let (x, c) = data::<T>(rows, features, k);
        group.throughput(Throughput::Elements(rows as u64));
        group.bench_with_input(
            BenchmarkId::new(ty, label(rows, features, k)),
            &(x, c),
            |b, (x, c)| b.iter(|| create_clusters(black_box(x), black_box(c), features).unwrap()),
        );
    }
}

/// The assignment step, rows per second.
fn bench_create_clusters(c: &mut Criterion) {
    let mut group = c.benchmark_group("create_clusters");
    group.sample_size(10).measurement_time(Duration::from_secs(3));
    group.warm_up_time(Duration::from_secs(1));
    assign_grid::<f32>(&mut group, "f32");
    assign_grid::<f64>(&mut group, "f64");
    group.finish();
}

/// `closest_centroid` for one row (direct f64 distances to every centroid).
fn bench_closest_centroid(c: &mut Criterion) {
    let mut group = c.benchmark_group("closest_centroid");
    group.sample_size(20).measurement_time(Duration::from_secs(1));
    group.warm_up_time(Duration::from_millis(300));
    group.throughput(Throughput::Elements(1));
    for &(features, k) in &[(2, 8), (16, 64), (64, 256)] {
        let (x, cents) = data::<f32>(k, features, k);
        let row = x[..features].to_vec();
        group.bench_with_input(BenchmarkId::new("f32", format!("{features}x{k}")), &(), |b, _| {
            b.iter(|| closest_centroid(black_box(&row), black_box(&cents), features).unwrap())
        });
        let (x, cents) = data::<f64>(k, features, k);
        let row = x[..features].to_vec();
        group.bench_with_input(BenchmarkId::new("f64", format!("{features}x{k}")), &(), |b, _| {
            b.iter(|| closest_centroid(black_box(&row), black_box(&cents), features).unwrap())
        });
    }
    group.finish();
}

/// `euclidean_distance` between two rows.
fn bench_euclidean_distance(c: &mut Criterion) {
    let mut group = c.benchmark_group("euclidean_distance");
    group.sample_size(20).measurement_time(Duration::from_secs(1));
    group.warm_up_time(Duration::from_millis(300));
    for &features in &[2, 64] {
        let (x, _) = data::<f64>(2, features, 1);
        let (a, b2) = x.split_at(features);
        group.bench_with_input(BenchmarkId::new("f64", features), &(), |b, _| {
            b.iter(|| euclidean_distance(black_box(a), black_box(b2)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_create_clusters,
    bench_closest_centroid,
    bench_euclidean_distance
);
criterion_main!(benches);
