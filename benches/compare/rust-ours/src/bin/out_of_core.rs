//! An exact fit of a raw file larger than half the machine's memory with `KMeans::fit_source`,
//! and the same fit of a prefix in memory, for the per-row cost of an iteration.
//!
//! ```text
//! CARGO_TARGET_DIR=target/compare-ours cargo build --release \
//!     --manifest-path benches/compare/rust-ours/Cargo.toml --bin out_of_core
//! B=target/compare-ours/release/out_of_core
//! $B generate --out $DIR/rows.f32 --rows 100000000 --features 32 --centers 100
//! /usr/bin/time -v $B source --input $DIR/rows.f32 --features 32 --k 100
//! /usr/bin/time -v $B memory --input $DIR/rows.f32 --features 32 --k 100 --rows 10000000
//! rm $DIR/rows.f32
//! ```
//!
//! `generate` writes make_blobs-like rows (`--centers` centres uniform in [−10, 10]^d, row i
//! from centre i mod centers, plus N(0, 5²) noise per value: overlapping blobs) as little-endian f32, in blocks
//! of 2¹⁶ rows, each from its own seeded stream: the file is the same for any thread count.
//!
//! `source` fits the whole file with `fit_source` (memory-mapped, resident pages released as
//! it goes); `memory` reads the first `--rows` rows into memory and fits them with `fit`. Both
//! use Lloyd, `Refine::None`, and a precomputed start (rows 0, 2, 4, …, 2(k − 1) of the file: two
//! rows of each of k/2 blobs, so that Lloyd needs many iterations), so that a fit
//! is validation, iterations and a final pass, and time two fits, `--iters a,b` iterations (the
//! tolerance 0 and `max_iter`), whose difference divided by b − a is the time of one iteration,
//! in wall time and in the process's CPU time (user + system, from `/proc/self/stat`).

use std::io::Write;
use std::time::Instant;

use k_means::{Algorithm, Init, KMeans, KMeansModel, RawFile, Refine, RowMajor, RowSource};

fn arg(args: &[String], key: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == key)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

fn num(args: &[String], key: &str, default: &str) -> usize {
    arg(args, key, default)
        .parse()
        .unwrap_or_else(|_| panic!("{key} is a number"))
}

/// splitmix64: a seeded stream of 64-bit values.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Two independent N(0, 1) values (Box–Muller).
    fn normals(&mut self) -> (f64, f64) {
        let (u, v) = (self.unit(), self.unit());
        let r = (-2.0 * u.ln()).sqrt();
        let t = std::f64::consts::TAU * v;
        (r * t.cos(), r * t.sin())
    }
}

const BLOCK_ROWS: usize = 1 << 16;

fn generate(args: &[String]) {
    let out = arg(args, "--out", "rows.f32");
    let (m, d, k) = (
        num(args, "--rows", "100000000"),
        num(args, "--features", "32"),
        num(args, "--centers", "100"),
    );
    let mut seed = SplitMix(0);
    let centers: Vec<f64> = (0..k * d).map(|_| seed.unit() * 20.0 - 10.0).collect();
    let t = Instant::now();
    let mut file =
        std::io::BufWriter::with_capacity(1 << 22, std::fs::File::create(&out).expect("--out writable"));
    let blocks = m.div_ceil(BLOCK_ROWS);
    // Blocks are generated in parallel a batch at a time and written in order.
    let batch = 2 * rayon::current_num_threads();
    for first in (0..blocks).step_by(batch) {
        use rayon::prelude::*;
        let bytes: Vec<Vec<u8>> = (first..(first + batch).min(blocks))
            .into_par_iter()
            .map(|b| {
                let mut rng = SplitMix(0x5EED_0000_0000 ^ b as u64);
                let rows = (b * BLOCK_ROWS..((b + 1) * BLOCK_ROWS).min(m)).len();
                let mut out = Vec::with_capacity(rows * d * 4);
                for r in 0..rows {
                    let c = (b * BLOCK_ROWS + r) % k;
                    for f in (0..d).step_by(2) {
                        let (x, y) = rng.normals();
                        out.extend_from_slice(&((centers[c * d + f] + 5.0 * x) as f32).to_le_bytes());
                        if f + 1 < d {
                            out.extend_from_slice(&((centers[c * d + f + 1] + 5.0 * y) as f32).to_le_bytes());
                        }
                    }
                }
                out
            })
            .collect();
        for b in &bytes {
            file.write_all(b).expect("write");
        }
    }
    file.flush().expect("write");
    println!(
        "wrote {out}: {m} rows x {d} f32 ({} bytes) in {:.1} s",
        m * d * 4,
        t.elapsed().as_secs_f64()
    );
}

/// The CPU time this process has used (user + system, every thread), in seconds, from
/// `/proc/self/stat` (Linux; clock ticks of 1/100 s); `None` elsewhere. On a shared machine
/// the CPU time of an iteration is steadier than its wall time, which waits for the cores.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (in parentheses, which may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Times `fit` at `a` and `b` iterations; prints both and the time of one iteration.
fn time_iterations(
    label: &str,
    n: usize,
    iters: (usize, usize),
    fit: impl Fn(&KMeans<f32>) -> KMeansModel<f32>,
    km: KMeans<f32>,
) {
    let mut secs = Vec::new();
    let mut cpu = Vec::new();
    for it in [iters.0, iters.1] {
        let km = km.clone().max_iter(it);
        let (t, c) = (Instant::now(), cpu_seconds());
        let model = fit(&km);
        let s = t.elapsed().as_secs_f64();
        let c = cpu_seconds()
            .zip(c)
            .map_or(f64::NAN, |(after, before)| after - before);
        println!(
            "{label}: {n} rows, max_iter {it}: {s:.2} s wall, {c:.2} s CPU, n_iter {}, stop {:?}, inertia {:.9e}",
            model.n_iter(),
            model.stop_reason(),
            model.inertia()
        );
        assert_eq!(model.n_iter(), it, "the fit stopped early: time more iterations");
        secs.push(s);
        cpu.push(c);
    }
    let per_iter = (secs[1] - secs[0]) / (iters.1 - iters.0) as f64;
    let cpu_per_iter = (cpu[1] - cpu[0]) / (iters.1 - iters.0) as f64;
    println!(
        "{label}: per iteration {per_iter:.3} s wall ({:.3} ns a row), {cpu_per_iter:.3} s CPU ({:.3} ns a row)",
        per_iter / n as f64 * 1e9,
        cpu_per_iter / n as f64 * 1e9
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("");
    if mode == "generate" {
        return generate(&args);
    }
    let input = arg(&args, "--input", "rows.f32");
    let (d, k) = (num(&args, "--features", "32"), num(&args, "--k", "100"));
    let iters: Vec<usize> = arg(&args, "--iters", "2,5")
        .split(',')
        .map(|s| s.parse().expect("--iters is a,b"))
        .collect();
    let source = RawFile::<f32>::open(&input, d).expect("--input is whole rows of --features f32");
    let mut first = vec![0.0_f32; 2 * k * d];
    source.read_rows(0, &mut first).expect("readable");
    let start: Vec<f32> = first.chunks_exact(d).step_by(2).flatten().copied().collect();
    let km = KMeans::new(k)
        .algorithm(Algorithm::Lloyd)
        .init(Init::Precomputed(start))
        .refine(Refine::None)
        .tolerance(0.0);
    println!("{} threads", rayon::current_num_threads());
    match mode {
        "source" => {
            let n = source.n_rows();
            time_iterations(
                "fit_source",
                n,
                (iters[0], iters[1]),
                |km| km.fit_source(&source).expect("fit"),
                km,
            );
        }
        "memory" => {
            let n = num(&args, "--rows", "10000000").min(source.n_rows());
            let mut data = vec![0.0_f32; n * d];
            source.read_rows(0, &mut data).expect("readable");
            drop(source);
            let rows = RowMajor::new(&data, d).expect("whole rows");
            time_iterations(
                "fit in memory",
                n,
                (iters[0], iters[1]),
                |km| km.fit(&rows).expect("fit"),
                km,
            );
        }
        _ => panic!("the mode is generate, source or memory"),
    }
}
