//! Mini-batch k-means against the full fit, on the data sets that `../minibatch.py gen` writes
//! (the comparison harness's `make_blobs` configurations and Fränti's sets, raw f64 files), on
//! a pool of `--threads` threads (default 2). Prints one JSON object per fit on stdout:
//!
//! * `kind: "minibatch"`: `MiniBatchKMeans::new(k).batch_size(B).seed(s)`, seeds `0..--seeds`;
//! * `kind: "full-plain"`: `KMeans::new(k).refine(Refine::None).seed(s)`, seeds `0..--full-seeds`;
//! * `kind: "full-default"`: `KMeans::new(k).seed(s)` (breathing refinement), the same seeds.
//!
//! Each with `set`, `seed`, `seconds` (wall time of the fit alone, data in memory), `inertia`
//! (the model's, computed exactly over every row) and `n_iter`.
//!
//! ```text
//! cargo run --release --manifest-path benches/compare/rust-ours/Cargo.toml --bin minibatch -- \
//!     --dir target/minibatch-data --sets 1000000x32x100,s1 --batch 1024 --seeds 3 --full-seeds 1
//! ```

use std::path::Path;
use std::time::Instant;

use k_means::{KMeans, KMeansModel, MiniBatchKMeans, Refine, RowMajor};

fn arg(args: &[String], key: &str, default: &str) -> String {
    match args.iter().position(|a| a == key) {
        Some(i) => args
            .get(i + 1)
            .cloned()
            .unwrap_or_else(|| panic!("{key} needs a value")),
        None => default.to_string(),
    }
}

/// `m n k` of a set: from its name `MxNxK`, else from `DIR/NAME/shape.txt`.
fn shape(dir: &Path, set: &str) -> (usize, usize, usize) {
    let text = std::fs::read_to_string(dir.join(set).join("shape.txt"))
        .unwrap_or_else(|e| panic!("{set}: shape.txt: {e} (run minibatch.py gen first)"));
    let v: Vec<usize> = text
        .split_whitespace()
        .map(|s| s.parse().expect("shape.txt holds m n k"))
        .collect();
    (v[0], v[1], v[2])
}

fn read_f64(path: &Path, len: usize) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(bytes.len(), len * 8, "{}: unexpected size", path.display());
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect()
}

fn report(kind: &str, set: &str, seed: u64, seconds: f64, model: &KMeansModel<f64>, batch: usize) {
    println!(
        "{{\"kind\":\"{kind}\",\"impl\":\"ours\",\"set\":\"{set}\",\"k\":{},\"seed\":{seed},\"batch\":{batch},\
         \"seconds\":{seconds:.6},\"inertia\":{:.10e},\"n_iter\":{},\"used\":{}}}",
        model.k(),
        model.inertia(),
        model.n_iter(),
        model.cluster_sizes().iter().filter(|&&s| s > 0).count()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = std::path::PathBuf::from(arg(&args, "--dir", "target/minibatch-data"));
    let sets = arg(&args, "--sets", "");
    let batch: usize = arg(&args, "--batch", "1024").parse().expect("--batch");
    let seeds: u64 = arg(&args, "--seeds", "3").parse().expect("--seeds");
    let full_seeds: u64 = arg(&args, "--full-seeds", "1").parse().expect("--full-seeds");
    let threads: usize = arg(&args, "--threads", "2").parse().expect("--threads");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    for set in sets.split(',').filter(|s| !s.is_empty()) {
        let (m, n, k) = shape(&dir, set);
        let x = read_f64(&dir.join(set).join("x_f64.bin"), m * n);
        let rows = RowMajor::new(&x, n).expect("rows");
        pool.install(|| {
            for seed in 0..seeds {
                let km = MiniBatchKMeans::new(k).batch_size(batch).seed(seed);
                let t = Instant::now();
                let model = km.fit(&rows).expect("mini-batch fit");
                report("minibatch", set, seed, t.elapsed().as_secs_f64(), &model, batch);
            }
            for seed in 0..full_seeds {
                let t = Instant::now();
                let model = KMeans::new(k)
                    .refine(Refine::None)
                    .seed(seed)
                    .fit(&rows)
                    .expect("fit");
                report("full-plain", set, seed, t.elapsed().as_secs_f64(), &model, 0);
                let t = Instant::now();
                let model = KMeans::new(k).seed(seed).fit(&rows).expect("fit");
                report("full-default", set, seed, t.elapsed().as_secs_f64(), &model, 0);
            }
        });
    }
}
