//! Times the `k-means` crate on one dataset of the comparison harness and prints one JSON
//! object per measurement on stdout (see `../README.md` for what each kind means).
//!
//! ```text
//! compare-ours --dir DATA --config 100000x16x64 --dtype f32 --threads 1,2 \
//!              --iters 10 --repeats 3 --seeds 5 --modes fixed,conv,e2e
//! compare-ours --dir DATA --config 1000000x32x100 --dtype f32 --threads 2 --modes fit
//! ```
//!
//! * `fixed`: `Algorithm::Lloyd`, `Init::Precomputed(start)`, `tolerance(0.0)`, `max_iter(iters)`; median of
//!   `repeats` timed fits (after one untimed 1-iteration fit), reported per iteration.
//! * `conv`: from the same start with the default tolerance and `max_iter`; one fit (`Auto`).
//!   `conv-lloyd`, `conv-hamerly`, `conv-yinyang`: the same with that algorithm.
//! * `e2e`: `KMeans::new(k).seed(s)` for `s` in `0..seeds`; one fit each.
//! * `fit`: one default fit (seed 0), for peak-memory measurement under `/usr/bin/time -v`.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use k_means::{Algorithm, Float, Init, KMeans, KMeansModel, RowMajor};

/// Command-line options.
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
    seeds: u64,
    modes: Vec<String>,
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
        seeds: get("--seeds", Some("5"))
            .parse()
            .unwrap_or_else(|_| die("--seeds")),
        modes: list(get("--modes", Some("fixed,conv,e2e"))),
    }
}

fn die(msg: &str) -> ! {
    eprintln!("compare-ours: {msg}");
    std::process::exit(2)
}

/// Little-endian decoding of one value.
trait LeBytes: Float {
    const SIZE: usize;
    fn from_le(b: &[u8]) -> Self;
}

impl LeBytes for f32 {
    const SIZE: usize = 4;
    fn from_le(b: &[u8]) -> Self {
        f32::from_le_bytes(b.try_into().expect("4 bytes"))
    }
}

impl LeBytes for f64 {
    const SIZE: usize = 8;
    fn from_le(b: &[u8]) -> Self {
        f64::from_le_bytes(b.try_into().expect("8 bytes"))
    }
}

/// Reads `len` values from a raw little-endian file, through a small buffer so the peak memory
/// is the returned vector alone.
fn read_values<T: LeBytes>(path: &Path, len: usize) -> Vec<T> {
    let file = File::open(path).unwrap_or_else(|e| die(&format!("{}: {e}", path.display())));
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    if bytes != (len * T::SIZE) as u64 {
        die(&format!(
            "{}: {bytes} bytes, expected {}",
            path.display(),
            len * T::SIZE
        ));
    }
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

/// One JSON result line.
fn emit(o: &Opts, kind: &str, threads: usize, fields: &[(&str, String)]) {
    let mut s = format!(
        "{{\"kind\":\"{kind}\",\"impl\":\"ours\",\"config\":\"{}\",\"dtype\":\"{}\",\"threads\":{threads}",
        o.config, o.dtype
    );
    for (k, v) in fields {
        s.push_str(&format!(",\"{k}\":{v}"));
    }
    s.push('}');
    println!("{s}");
}

fn timed<T: Float>(params: &KMeans<T>, rows: &RowMajor<'_, T>) -> (f64, KMeansModel<T>) {
    let t = Instant::now();
    let model = params
        .fit(rows)
        .unwrap_or_else(|e| die(&format!("fit failed: {e}")));
    (t.elapsed().as_secs_f64(), model)
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

fn run<T: LeBytes>(o: &Opts) {
    let base = o.dir.join(&o.config);
    let data: Vec<T> = read_values(&base.join(format!("x_{}.bin", o.dtype)), o.m * o.n);
    let start: Vec<T> = read_values(&base.join(format!("start_{}.bin", o.dtype)), o.k * o.n);
    let rows = RowMajor::new(&data, o.n).unwrap_or_else(|e| die(&e.to_string()));
    for &threads in &o.threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap_or_else(|e| die(&e.to_string()));
        pool.install(|| {
            for mode in &o.modes {
                match mode.as_str() {
                    "fixed" => {
                        let params = KMeans::new(o.k)
                            .init(Init::Precomputed(start.clone()))
                            .algorithm(Algorithm::Lloyd)
                            .tolerance(0.0)
                            .max_iter(o.iters);
                        let _ = timed(&params.clone().max_iter(1), &rows);
                        let mut times = Vec::new();
                        let mut last = None;
                        for _ in 0..o.repeats.max(1) {
                            let (t, m) = timed(&params, &rows);
                            times.push(t);
                            last = Some(m);
                        }
                        let m = last.expect("at least one repeat");
                        let t = median(times.clone());
                        emit(
                            o,
                            "fixed",
                            threads,
                            &[
                                ("iters", o.iters.to_string()),
                                ("n_iter", m.n_iter().to_string()),
                                ("time_s", format!("{t:e}")),
                                ("s_per_iter", format!("{:e}", t / m.n_iter() as f64)),
                                ("inertia", format!("{:e}", m.inertia())),
                                ("repeats", times.len().to_string()),
                                (
                                    "times",
                                    format!(
                                        "[{}]",
                                        times
                                            .iter()
                                            .map(|t| format!("{t:e}"))
                                            .collect::<Vec<_>>()
                                            .join(",")
                                    ),
                                ),
                            ],
                        );
                    }
                    "conv" | "conv-lloyd" | "conv-hamerly" | "conv-yinyang" => {
                        let algorithm = match mode.as_str() {
                            "conv-lloyd" => Algorithm::Lloyd,
                            "conv-hamerly" => Algorithm::Hamerly,
                            "conv-yinyang" => Algorithm::Yinyang,
                            _ => Algorithm::Auto,
                        };
                        let params = KMeans::new(o.k)
                            .init(Init::Precomputed(start.clone()))
                            .algorithm(algorithm);
                        let (t, m) = timed(&params, &rows);
                        emit(
                            o,
                            mode,
                            threads,
                            &[
                                ("n_iter", m.n_iter().to_string()),
                                ("time_s", format!("{t:e}")),
                                ("inertia", format!("{:e}", m.inertia())),
                                ("converged", m.converged().to_string()),
                            ],
                        );
                    }
                    "e2e" => {
                        for seed in 0..o.seeds {
                            let (t, m) = timed(&KMeans::new(o.k).seed(seed), &rows);
                            let report = m.report().expect("a fitted model has a report");
                            let phases = &report.timings;
                            emit(
                                o,
                                "e2e",
                                threads,
                                &[
                                    ("seed", seed.to_string()),
                                    ("n_iter", m.n_iter().to_string()),
                                    ("time_s", format!("{t:e}")),
                                    ("inertia", format!("{:e}", m.inertia())),
                                    // Where the time went (the fit's own report).
                                    ("seeding_s", format!("{:e}", phases.seeding.as_secs_f64())),
                                    ("iterations_s", format!("{:e}", phases.iterations.as_secs_f64())),
                                    ("refinement_s", format!("{:e}", phases.refinement.as_secs_f64())),
                                    ("total_iterations", report.total_iterations.to_string()),
                                    ("breathing_cycles", report.breathing_cycles.to_string()),
                                ],
                            );
                        }
                    }
                    "fit" => {
                        let (t, m) = timed(&KMeans::new(o.k).seed(0), &rows);
                        emit(
                            o,
                            "fit",
                            threads,
                            &[
                                ("n_iter", m.n_iter().to_string()),
                                ("time_s", format!("{t:e}")),
                                ("inertia", format!("{:e}", m.inertia())),
                            ],
                        );
                    }
                    other => die(&format!("unknown mode {other}")),
                }
            }
        });
    }
}

fn main() {
    let o = parse();
    match o.dtype.as_str() {
        "f32" => run::<f32>(&o),
        "f64" => run::<f64>(&o),
        other => die(&format!("unknown dtype {other}")),
    }
}
