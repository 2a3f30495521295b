//! Calibration of `Algorithm::Auto`: Lloyd, Hamerly and Yinyang from the same seed to
//! convergence (plain fit, k-means++ seeding included in each time), on `make_blobs` data of
//! small k, alternating the algorithms twice. All three give the same model; only time differs.
//!
//! ```text
//! cargo run --release --manifest-path benches/compare/rust-ours/Cargo.toml --bin calibrate-auto
//! ```

use k_means::{Algorithm, KMeans, Refine, RowMajor, datasets::make_blobs};
use std::time::Instant;

fn main() {
    let cases: &[(usize, usize, usize, f64)] = &[
        (100_000, 2, 3, 2.0),
        (100_000, 2, 8, 2.0),
        (100_000, 2, 8, 6.0),
        (100_000, 8, 8, 2.0),
        (50_000, 50, 4, 2.0),
        (50_000, 50, 10, 8.0),
        (20_000, 300, 8, 2.0),
        (100_000, 16, 12, 4.0),
    ];
    println!("| rows×features×k | cluster std | Lloyd ms | Hamerly ms | Yinyang ms | Hamerly / Lloyd |");
    println!("|---|---|---|---|---|---|");
    for &(n, d, k, std) in cases {
        let blobs = make_blobs::<f32>(n, d, k, std, 1).expect("valid blobs");
        let rows = RowMajor::new(&blobs.data, d).expect("whole rows");
        let algorithms = [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::Yinyang];
        let mut best = [f64::INFINITY; 3];
        let mut models = Vec::new();
        for _ in 0..2 {
            for (a, &algorithm) in algorithms.iter().enumerate() {
                let params = KMeans::new(k).refine(Refine::None).algorithm(algorithm).seed(3);
                let t = Instant::now();
                let model = params.fit(&rows).expect("valid fit");
                best[a] = best[a].min(t.elapsed().as_secs_f64() * 1e3);
                models.push(model);
            }
        }
        assert!(
            models.windows(2).all(|w| w[0] == w[1]),
            "every algorithm gives the same model"
        );
        println!(
            "| {n}×{d}×{k} | {std} | {:.1} | {:.1} | {:.1} | {:.2} |",
            best[0],
            best[1],
            best[2],
            best[1] / best[0]
        );
    }
}
