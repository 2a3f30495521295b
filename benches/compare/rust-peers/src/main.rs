//! Times other Rust k-means crates (linfa-clustering, and `kmeans` when built with the `kmeans`
//! feature on nightly) for a fixed number of Lloyd iterations from the harness's start
//! centroids, and prints one JSON object per measurement on stdout.
//!
//! ```text
//! compare-peers --dir DATA --config 100000x16x64 --dtype f32 --threads 1,2 \
//!               --iters 10 --repeats 3 --impls linfa,kmeans
//! ```
//!
//! * linfa: `KMeans::params_with_rng(k, rng).n_runs(1).init_method(Precomputed(start))
//!   .max_n_iterations(iters).tolerance(F::MIN_POSITIVE)` (linfa rejects a tolerance of 0; this
//!   one stops only when the centroids stop moving). linfa does not report its iteration count:
//!   `iters` is assumed. Its update is "MacQueen-style" (the old centroid counts as one extra
//!   point), so its path differs from Lloyd's.
//! * kmeans: `kmeans_lloyd(k, iters, init_precomputed(start), config)` with an abort strategy
//!   that never fires (`NoImprovement { threshold: -inf }`); iterations counted by callback. The
//!   `KMeans::new` call (which copies the data into its padded layout) is outside the timing.
//!
//! Each measurement: one untimed 1-iteration warm-up (skipped when `repeats` is 1: the slow
//! peers on the largest configs), then the median of `repeats` timed runs.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use linfa::traits::Fit;
use linfa::DatasetBase;
use linfa_clustering::{KMeans as LinfaKMeans, KMeansInit};
use ndarray::{Array2, ArrayView2};
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

struct Opts {
    dir: PathBuf,
    config: String,
    m: usize,
    n: usize,
    k: usize,
    dtype: String,
    threads: Vec<usize>,
    iters: usize,
    repeats: usize,
    impls: Vec<String>,
}

fn die(msg: &str) -> ! {
    eprintln!("compare-peers: {msg}");
    std::process::exit(2)
}

fn parse() -> Opts {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |key: &str, default: Option<&str>| -> String {
        match args.iter().position(|a| a == key) {
            Some(i) => args
                .get(i + 1)
                .cloned()
                .unwrap_or_else(|| die(&format!("{key} needs a value"))),
            None => default
                .map(str::to_string)
                .unwrap_or_else(|| die(&format!("missing {key}"))),
        }
    };
    let config = get("--config", None);
    let dims: Vec<usize> = config
        .split('x')
        .map(|s| s.parse().unwrap_or_else(|_| die("--config is MxNxK")))
        .collect();
    if dims.len() != 3 {
        die("--config is MxNxK");
    }
    let list =
        |s: String| -> Vec<String> { s.split(',').filter(|x| !x.is_empty()).map(String::from).collect() };
    Opts {
        dir: PathBuf::from(get("--dir", None)),
        m: dims[0],
        n: dims[1],
        k: dims[2],
        config,
        dtype: get("--dtype", Some("f32")),
        threads: list(get("--threads", Some("1,2")))
            .iter()
            .map(|t| t.parse().unwrap_or_else(|_| die("--threads is a list of counts")))
            .collect(),
        iters: get("--iters", Some("10"))
            .parse()
            .unwrap_or_else(|_| die("--iters")),
        repeats: get("--repeats", Some("3"))
            .parse()
            .unwrap_or_else(|_| die("--repeats")),
        impls: list(get("--impls", Some("linfa,kmeans"))),
    }
}

trait Value: linfa::Float + Send + Sync + 'static {
    const SIZE: usize;
    fn from_le(b: &[u8]) -> Self;
    fn to_f64(self) -> f64;
}

impl Value for f32 {
    const SIZE: usize = 4;
    fn from_le(b: &[u8]) -> Self {
        f32::from_le_bytes(b.try_into().expect("4 bytes"))
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Value for f64 {
    const SIZE: usize = 8;
    fn from_le(b: &[u8]) -> Self {
        f64::from_le_bytes(b.try_into().expect("8 bytes"))
    }
    fn to_f64(self) -> f64 {
        self
    }
}

fn read_values<T: Value>(path: &Path, len: usize) -> Vec<T> {
    let file = File::open(path).unwrap_or_else(|e| die(&format!("{}: {e}", path.display())));
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut out = Vec::with_capacity(len);
    let mut buf = vec![0u8; T::SIZE * 8192];
    while out.len() < len {
        let take = (len - out.len()).min(8192) * T::SIZE;
        reader
            .read_exact(&mut buf[..take])
            .unwrap_or_else(|e| die(&format!("{}: {e}", path.display())));
        out.extend(buf[..take].chunks_exact(T::SIZE).map(T::from_le));
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn emit(o: &Opts, name: &str, threads: usize, n_iter: usize, times: &[f64], inertia: f64, note: &str) {
    let t = median(times.to_vec());
    let list: Vec<String> = times.iter().map(|t| format!("{t:e}")).collect();
    println!(
        "{{\"kind\":\"fixed\",\"impl\":\"{name}\",\"config\":\"{}\",\"dtype\":\"{}\",\"threads\":{threads},\
         \"iters\":{},\"n_iter\":{n_iter},\"time_s\":{t:e},\"s_per_iter\":{:e},\"inertia\":{inertia:e},\
         \"repeats\":{},\"times\":[{}],\"note\":\"{note}\"}}",
        o.config,
        o.dtype,
        o.iters,
        t / n_iter as f64,
        times.len(),
        list.join(",")
    );
}

/// One linfa fit of `iters` iterations from `start`; returns (seconds, total inertia).
fn linfa_fit<T: Value>(x: ArrayView2<'_, T>, start: &Array2<T>, k: usize, iters: usize) -> (f64, f64) {
    let dataset = DatasetBase::from(x);
    let params = LinfaKMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(0))
        .n_runs(1)
        .init_method(KMeansInit::Precomputed(start.clone()))
        .max_n_iterations(iters as u64)
        .tolerance(T::min_positive_value());
    let t = Instant::now();
    let model = params
        .fit(&dataset)
        .unwrap_or_else(|e| die(&format!("linfa: {e}")));
    let secs = t.elapsed().as_secs_f64();
    // linfa reports the mean squared distance; scale back to the sum.
    (secs, model.inertia().to_f64() * x.nrows() as f64)
}

fn run_linfa<T: Value>(o: &Opts, data: &[T], start: &[T]) {
    let x = ArrayView2::from_shape((o.m, o.n), data).expect("shape");
    let s = Array2::from_shape_vec((o.k, o.n), start.to_vec()).expect("shape");
    for &threads in &o.threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| {
            if o.repeats > 1 {
                let _ = linfa_fit(x, &s, o.k, 1);
            }
            let mut times = Vec::new();
            let mut inertia = 0.0;
            for _ in 0..o.repeats.max(1) {
                let (t, i) = linfa_fit(x, &s, o.k, o.iters);
                times.push(t);
                inertia = i;
            }
            emit(
                o,
                "linfa",
                threads,
                o.iters,
                &times,
                inertia,
                "n_iter not reported (assumed = iters); MacQueen-style update",
            );
        });
    }
}

#[cfg(feature = "kmeans")]
macro_rules! kmeans_runner {
    ($name:ident, $t:ty, $lanes:expr) => {
        fn $name(o: &Opts, data: &[$t], start: &[$t]) {
            use kmeans::{AbortStrategy, EuclideanDistance, KMeans, KMeansConfig, KMeansState};
            use std::cell::Cell;
            let km: KMeans<$t, $lanes, _> = KMeans::new(data, o.m, o.n, EuclideanDistance);
            let fit = |iters: usize| -> (f64, usize, f64) {
                let count = Cell::new(0usize);
                let cb = |_: &KMeansState<$t>, _: usize, _: $t| count.set(count.get() + 1);
                let conf = KMeansConfig::build()
                    .abort_strategy(AbortStrategy::NoImprovement {
                        threshold: <$t>::NEG_INFINITY,
                    })
                    .iteration_done(&cb)
                    .build();
                let t = Instant::now();
                let state = km.kmeans_lloyd(o.k, iters, KMeans::init_precomputed(start.to_vec()), &conf);
                (t.elapsed().as_secs_f64(), count.get(), state.distsum as f64)
            };
            for &threads in &o.threads {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .expect("pool");
                pool.install(|| {
                    if o.repeats > 1 {
                        let _ = fit(1);
                    }
                    let mut times = Vec::new();
                    let (mut n_iter, mut inertia) = (0, 0.0);
                    for _ in 0..o.repeats.max(1) {
                        let (t, n, i) = fit(o.iters);
                        times.push(t);
                        n_iter = n;
                        inertia = i;
                    }
                    emit(o, "kmeans", threads, n_iter.max(1), &times, inertia, "");
                });
            }
        }
    };
}

#[cfg(feature = "kmeans")]
kmeans_runner!(run_kmeans_f32, f32, 16);
#[cfg(feature = "kmeans")]
kmeans_runner!(run_kmeans_f64, f64, 8);

fn load<T: Value>(o: &Opts) -> (Vec<T>, Vec<T>) {
    let base = o.dir.join(&o.config);
    (
        read_values(&base.join(format!("x_{}.bin", o.dtype)), o.m * o.n),
        read_values(&base.join(format!("start_{}.bin", o.dtype)), o.k * o.n),
    )
}

fn main() {
    let o = parse();
    for name in &o.impls {
        match (name.as_str(), o.dtype.as_str()) {
            ("linfa", "f32") => {
                let (x, s) = load::<f32>(&o);
                run_linfa(&o, &x, &s);
            }
            ("linfa", "f64") => {
                let (x, s) = load::<f64>(&o);
                run_linfa(&o, &x, &s);
            }
            #[cfg(feature = "kmeans")]
            ("kmeans", "f32") => {
                let (x, s) = load::<f32>(&o);
                run_kmeans_f32(&o, &x, &s);
            }
            #[cfg(feature = "kmeans")]
            ("kmeans", "f64") => {
                let (x, s) = load::<f64>(&o);
                run_kmeans_f64(&o, &x, &s);
            }
            #[cfg(not(feature = "kmeans"))]
            ("kmeans", _) => {
                eprintln!("compare-peers: built without the `kmeans` feature (needs nightly); skipped")
            }
            _ => die(&format!("unknown impl/dtype {name}/{}", o.dtype)),
        }
    }
}
