//! Writes a test data set for `k-means-timely`: the core crate's `make_blobs` as raw
//! little-endian f64 (or CSV), row-major.
//!
//! ```text
//! cargo run --release -p k-means-timely --example blobs -- points.f64 1000000 32 100
//! cargo run --release -p k-means-timely --example blobs -- points.csv 10000 2 5
//! ```
//!
//! Arguments: OUT N_ROWS N_FEATURES N_CENTERS [CLUSTER_STD (2.0)] [SEED (0)]. A name ending in
//! `.csv` is written as text, anything else as raw f64.

use std::io::{BufWriter, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: blobs OUT N_ROWS N_FEATURES N_CENTERS [CLUSTER_STD] [SEED]");
        std::process::exit(2);
    }
    let (n, d, centers): (usize, usize, usize) = (args[1].parse()?, args[2].parse()?, args[3].parse()?);
    let std: f64 = args.get(4).map_or(Ok(2.0), |s| s.parse())?;
    let seed: u64 = args.get(5).map_or(Ok(0), |s| s.parse())?;
    let blobs = k_means::datasets::make_blobs::<f64>(n, d, centers, std, seed)?;
    let mut out = BufWriter::new(std::fs::File::create(&args[0])?);
    if args[0].ends_with(".csv") {
        for row in blobs.data.chunks(d) {
            let fields: Vec<String> = row.iter().map(f64::to_string).collect();
            writeln!(out, "{}", fields.join(","))?;
        }
    } else {
        for v in &blobs.data {
            out.write_all(&v.to_le_bytes())?;
        }
    }
    out.flush()?;
    Ok(())
}
