//! Fits over partitions against one process, on one harness-sized data set: for each part count
//! P, `fit_in_threads` over P contiguous parts of uneven sizes, checked equal to `fit` bit for bit
//! (centroids, inertia, n_iter, stop reason, labels), and timed side by side with it.
//!
//! ```text
//! cargo run --release --manifest-path benches/compare/rust-ours/Cargo.toml --bin partitions -- \
//!     --config 1000000x32x100 --parts 1,2,3,5,8 --repeats 3
//! ```
//!
//! `--parts 0` runs `fit` alone, once, for a peak-memory measurement:
//!
//! ```text
//! /usr/bin/time -v target/compare-ours/release/partitions --config 10000000x32x100 --parts 0
//! ```
//!
//! `--input FILE` reads raw little-endian f32 rows instead (e.g. the file
//! `benches/compare/sklearn_10m.py` writes, to time scikit-learn on the same rows).
//!
//! Data: the crate's `make_blobs(m, n, k, cluster_std = 2.0, seed = 0)` in f32; options: the
//! defaults (`KMeans::new(k)`: greedy k-means++, Auto, breathing refinement). Prints one line per
//! fit and a summary per P with the median time ratio to `fit`.

use std::time::Instant;

use k_means::datasets::make_blobs;
use k_means::distributed::fit_in_threads;
use k_means::{KMeans, KMeansModel, RowMajor};

fn arg(args: &[String], key: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == key)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn same(a: &KMeansModel<f32>, b: &KMeansModel<f32>) -> bool {
    a.centroids()
        .iter()
        .zip(b.centroids())
        .all(|(x, y)| x.to_bits() == y.to_bits())
        && a.inertia().to_bits() == b.inertia().to_bits()
        && a.n_iter() == b.n_iter()
        && a.stop_reason() == b.stop_reason()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = arg(&args, "--config", "1000000x32x100");
    let dims: Vec<usize> = config
        .split('x')
        .map(|s| s.parse().expect("--config is MxNxK"))
        .collect();
    let (m, n, k) = (dims[0], dims[1], dims[2]);
    let parts: Vec<usize> = arg(&args, "--parts", "1,2,3,5,8")
        .split(',')
        .map(|s| s.parse().expect("--parts is a list"))
        .collect();
    let repeats: usize = arg(&args, "--repeats", "3")
        .parse()
        .expect("--repeats is a number");
    let mut blobs = make_blobs::<f32>(
        if args.contains(&"--input".to_string()) {
            k
        } else {
            m
        },
        n,
        k,
        2.0,
        0,
    )
    .expect("valid blob parameters");
    // `--input FILE`: raw little-endian f32 rows (m × n) instead of generated ones.
    if let Some(path) = args
        .iter()
        .position(|a| a == "--input")
        .and_then(|i| args.get(i + 1))
    {
        // Decoded in pieces, so the raw bytes never sit in memory beside the rows.
        use std::io::Read;
        let mut file = std::io::BufReader::new(std::fs::File::open(path).expect("readable --input"));
        let mut data = Vec::with_capacity(m * n);
        let mut buf = vec![0_u8; 1 << 20];
        while data.len() < m * n {
            let want = ((m * n - data.len()) * 4).min(buf.len());
            file.read_exact(&mut buf[..want])
                .expect("--input holds m × n f32 values");
            data.extend(
                buf[..want]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes(b.try_into().unwrap())),
            );
        }
        blobs.data = data;
    }
    let rows = RowMajor::new(&blobs.data, n).expect("whole rows");
    let kmeans = KMeans::new(k);
    if parts == [0] {
        drop(blobs.labels);
        let t = Instant::now();
        let m = kmeans.fit(&rows).expect("fit");
        println!(
            "{config} f32 default fit: {:.2} s, inertia {:.6e}, n_iter {}, input {} bytes",
            t.elapsed().as_secs_f64(),
            m.inertia(),
            m.n_iter(),
            core::mem::size_of_val(&blobs.data[..])
        );
        return;
    }
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    println!(
        "{config} f32, default options, {} threads, {cpu}",
        rayon::current_num_threads()
    );
    let mut reference = None;
    let mut fit_times = Vec::new();
    let mut part_times: Vec<Vec<f64>> = vec![Vec::new(); parts.len()];
    let mut all_equal = true;
    for r in 0..repeats {
        let t = Instant::now();
        let whole = kmeans.fit(&rows).expect("fit");
        let s = t.elapsed().as_secs_f64();
        println!(
            "repeat {r}: fit {s:.3} s, inertia {:.6e}, n_iter {}",
            whole.inertia(),
            whole.n_iter()
        );
        fit_times.push(s);
        for (pi, &p) in parts.iter().enumerate() {
            // Uneven contiguous parts: boundaries at i·m/p shifted by a few hundred rows.
            let mut cuts: Vec<usize> = (1..p).map(|i| (i * m / p + (i * 7919) % 500).min(m)).collect();
            cuts.sort_unstable();
            let mut spans = Vec::new();
            let mut start = 0;
            for c in cuts.into_iter().chain(std::iter::once(m)) {
                spans.push(RowMajor::new(&blobs.data[start * n..c * n], n).expect("whole rows"));
                start = c;
            }
            let t = Instant::now();
            let models = fit_in_threads(&kmeans, &spans).expect("fit_in_threads");
            let s = t.elapsed().as_secs_f64();
            let labels: Vec<usize> = models.iter().flat_map(|md| md.labels().iter().copied()).collect();
            let equal = models.iter().all(|md| same(md, &whole)) && labels == whole.labels();
            all_equal &= equal;
            println!("repeat {r}: {p} parts {s:.3} s, equal to fit: {equal}");
            part_times[pi].push(s);
        }
        reference.get_or_insert(whole);
    }
    let f = median(fit_times);
    println!("median fit {f:.3} s");
    for (pi, &p) in parts.iter().enumerate() {
        let t = median(part_times[pi].clone());
        println!("{p} parts: median {t:.3} s = {:.2} x fit", t / f);
    }
    println!("every partitioned model equal to fit: {all_equal}");
    if !all_equal {
        std::process::exit(1);
    }
}
