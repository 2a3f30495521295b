//! `cluster`: k-means on a CSV file of your own, in a few lines of library calls.
//!
//! ```text
//! cargo run --release --example cluster -- points.csv 5
//! ```
//!
//! Every row of numbers is a point (a first line of names is skipped). For a real command line
//! (headers, column choice, gzip, models, sweeps, pictures) install the `k-means` program:
//! `cargo install k-means --features cli`.

use std::error::Error;

use k_means::{KMeans, RowMajorBuf};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(k)) = (args.next(), args.next()) else {
        return Err("usage: cluster FILE.csv K".into());
    };
    let k: usize = k
        .parse()
        .map_err(|_| format!("K must be a whole number, got {k:?}"))?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;

    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let row: Result<Vec<f64>, _> = line.split(',').map(|f| f.trim().parse()).collect();
        match row {
            Ok(row) => rows.push(row),
            // A header: the first line, if it is not numbers.
            Err(_) if rows.is_empty() && i == 0 => {}
            Err(_) => return Err(format!("{path}, line {}: not a row of numbers", i + 1).into()),
        }
    }
    // Rows of equal width, or an error naming the first that differs.
    let data = RowMajorBuf::from_rows(&rows)?;
    let model = KMeans::new(k).fit(&data)?;

    println!(
        "inertia {:.6e} after {} iterations",
        model.inertia(),
        model.n_iter()
    );
    for (j, centroid) in model.centroids().chunks_exact(model.n_features()).enumerate() {
        println!(
            "cluster {j}: {} rows around {centroid:?}",
            model.cluster_sizes()[j]
        );
    }
    Ok(())
}
