//! Whole-fit benchmarks, reported as rows per second of one `fit` call, for `f32` and `f64`:
//!
//! * `fit_default`: [`k_means::KMeans::new`]`(k).seed(0)`: greedy k-means++ seeding, then
//!   iterations to convergence with the default tolerance;
//! * `fit_10_iter`: ten Lloyd iterations from a fixed start ([`k_means::Init::Precomputed`] with
//!   the first `k` rows, `max_iter(10)`, `tolerance(0.0)`). A run that converges strictly sooner
//!   stops sooner; the iteration count of each configuration is printed when it first runs.
//!
//! `fit_default` on the largest configuration dominates the suite's time while greedy
//! k-means++ seeding is slow (criterion needs at least 10 fits); skip it with a filter, e.g.
//! `cargo bench --bench fit -- fit_10_iter`.
//!
//! * `observer`: the cost of watching a fit, on 100 000 × 16 × 64 (`f32`): the same fits
//!   without an observer, with a no-op observer ([`k_means::KMeans::observer`] returning
//!   `Continue`) and with a [`k_means::CancelToken`] never cancelled, side by side, for ten
//!   Lloyd iterations from a fixed start (`10_iter`) and a plain fit to convergence (`plain`:
//!   k-means‖ seeding, `Auto`). `cargo bench --bench fit -- observer`.
//!
//! Data: `make_blobs(rows, features, k, cluster_std = 2.0, seed = 0)`. Run with
//! `cargo bench --bench fit`.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use k_means::datasets::make_blobs;
use k_means::{Algorithm, CancelToken, Float, Init, KMeans, Refine, RowMajor};

/// `(rows, features, k)` for the fit grid.
const GRID: &[(usize, usize, usize)] = &[(10_000, 2, 8), (100_000, 16, 64), (100_000, 64, 256)];

/// Fixed iteration count of `fit_10_iter`.
const ITERS: usize = 10;

/// Blob data for one grid point.
struct Case<T> {
    rows: usize,
    features: usize,
    k: usize,
    data: Vec<T>,
}

impl<T: Float> Case<T> {
    fn new(rows: usize, features: usize, k: usize) -> Self {
        let blobs = make_blobs::<T>(rows, features, k, 2.0, 0).expect("valid blob parameters");
        Case {
            rows,
            features,
            k,
            data: blobs.data,
        }
    }

    fn view(&self) -> RowMajor<'_, T> {
        RowMajor::new(&self.data, self.features).expect("whole rows")
    }

    fn label(&self) -> String {
        format!("{}x{}x{}", self.rows, self.features, self.k)
    }

    /// The default configuration (k-means++ seeding, default tolerance), seed 0.
    fn default_params(&self) -> KMeans<T> {
        KMeans::new(self.k).seed(0)
    }

    /// A plain fit (no refinement): k-means++ seeding and the iterations, seed 0.
    fn plain_params(&self) -> KMeans<T> {
        KMeans::new(self.k).seed(0).refine(Refine::None)
    }

    /// Seeding alone, as near as the public API gets: k-means++ then one iteration.
    fn seeding_params(&self) -> KMeans<T> {
        KMeans::new(self.k).seed(0).refine(Refine::None).max_iter(1)
    }

    /// To convergence (default tolerance) from the first `k` rows with one algorithm.
    fn converge_params(&self, algorithm: Algorithm) -> KMeans<T> {
        KMeans::new(self.k)
            .init(Init::Precomputed(self.data[..self.k * self.features].to_vec()))
            .algorithm(algorithm)
    }

    /// `ITERS` Lloyd iterations from the first `k` rows.
    fn fixed_params(&self) -> KMeans<T> {
        KMeans::new(self.k)
            .init(Init::Precomputed(self.data[..self.k * self.features].to_vec()))
            .algorithm(Algorithm::Lloyd)
            .max_iter(ITERS)
            .tolerance(0.0)
    }
}

/// Sample counts and times small enough for the whole suite to take a few minutes.
fn configure(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
}

/// One fit benchmark over every case of one float type.
fn fit_cases<T: Float>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    ty: &str,
    cases: &[Case<T>],
    params: impl Fn(&Case<T>) -> KMeans<T>,
) {
    for case in cases {
        let x = case.view();
        let p = params(case);
        group.throughput(Throughput::Elements(case.rows as u64));
        group.bench_function(BenchmarkId::new(ty, case.label()), |b| {
            let mut reported = false;
            b.iter(|| {
                let model = p.fit(black_box(&x)).unwrap();
                if !reported {
                    // What the timed fits do, once per benchmark (only for benchmarks that run).
                    eprintln!(
                        "{name}/{ty}/{}: n_iter {}, inertia {:.6e}",
                        case.label(),
                        model.n_iter(),
                        model.inertia()
                    );
                    reported = true;
                }
                model
            })
        });
    }
}

/// Default fits and fixed-iteration fits, f32 and f64.
fn bench_fit(c: &mut Criterion) {
    let c32: Vec<Case<f32>> = GRID.iter().map(|&(m, n, k)| Case::new(m, n, k)).collect();
    let c64: Vec<Case<f64>> = GRID.iter().map(|&(m, n, k)| Case::new(m, n, k)).collect();

    let mut group = c.benchmark_group("fit_default");
    configure(&mut group);
    fit_cases(&mut group, "fit_default", "f32", &c32, Case::default_params);
    fit_cases(&mut group, "fit_default", "f64", &c64, Case::default_params);
    group.finish();

    let mut group = c.benchmark_group("fit_10_iter");
    configure(&mut group);
    fit_cases(&mut group, "fit_10_iter", "f32", &c32, Case::fixed_params);
    fit_cases(&mut group, "fit_10_iter", "f64", &c64, Case::fixed_params);
    group.finish();

    let mut group = c.benchmark_group("fit_plain");
    configure(&mut group);
    fit_cases(&mut group, "fit_plain", "f32", &c32, Case::plain_params);
    group.finish();

    let mut group = c.benchmark_group("seeding");
    configure(&mut group);
    fit_cases(&mut group, "seeding", "f32", &c32, Case::seeding_params);
    group.finish();

    // Each exact algorithm from the same start to the same solution.
    for (name, algorithm) in [
        ("converge_lloyd", Algorithm::Lloyd),
        ("converge_hamerly", Algorithm::Hamerly),
        ("converge_yinyang", Algorithm::Yinyang),
        ("converge_auto", Algorithm::Auto),
    ] {
        let mut group = c.benchmark_group(name);
        configure(&mut group);
        fit_cases(&mut group, name, "f32", &c32, |case| {
            case.converge_params(algorithm)
        });
        group.finish();
    }
}

/// The same fits without an observer, with a no-op one, and with an idle cancellation token,
/// interleaved per configuration so that they run under the same machine load.
fn bench_observer(c: &mut Criterion) {
    let case: Case<f32> = Case::new(100_000, 16, 64);
    let mut group = c.benchmark_group("observer");
    configure(&mut group);
    group.throughput(Throughput::Elements(case.rows as u64));
    let x = case.view();
    for (config, params) in [("10_iter", case.fixed_params()), ("plain", case.plain_params())] {
        let variants = [
            ("none", params.clone()),
            (
                "no-op observer",
                params.clone().observer(|_| std::ops::ControlFlow::Continue(())),
            ),
            ("idle token", params.clone().cancel_token(CancelToken::new())),
        ];
        for (variant, km) in variants {
            group.bench_function(
                BenchmarkId::new(format!("{config}/{variant}"), case.label()),
                |b| b.iter(|| km.fit(black_box(&x)).unwrap()),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench_fit, bench_observer);
criterion_main!(benches);
