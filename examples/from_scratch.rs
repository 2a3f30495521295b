//! k-means from scratch, the way the tutorial writes it, out of the crate's public building
//! blocks, and the proof that `KMeans::fit` computes the same thing.
//!
//! ```text
//! cargo run --release --example from_scratch
//! ```

use std::error::Error;

use k_means::datasets::make_blobs;
use k_means::{Init, KMeans, RowMajor, compute_means, create_clusters, initialize_random_centroids};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

fn main() -> Result<(), Box<dyn Error>> {
    let (n_samples, n_features, k, max_iter) = (2000, 2, 4, 300);
    let blobs = make_blobs::<f64>(n_samples, n_features, k, 1.5, 3)?;
    let data = &blobs.data;

    // Step 1: k distinct random rows as the starting centroids.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
    let start = initialize_random_centroids(data, n_features, k, &mut rng)?;

    // Steps 2–4: assign every row to its nearest centroid, move each centroid to the mean of
    // its rows, and stop when the centroids no longer move at all.
    let mut centroids = start.clone();
    let mut labels = Vec::new();
    let mut n_iter = 0;
    while n_iter < max_iter {
        n_iter += 1;
        labels = create_clusters(data, &centroids, n_features)?;
        let next = compute_means(data, &labels, &centroids, n_features)?;
        if next == centroids {
            break;
        }
        centroids = next;
    }
    println!("from scratch: {n_iter} iterations");
    for c in centroids.chunks_exact(n_features) {
        println!("  centroid ({:>9.5}, {:>9.5})", c[0], c[1]);
    }

    // The library's fit from the same start. Tolerance 0 makes it run to strict convergence
    // (labels stable), which is exactly when the loop above sees the centroids stop moving.
    let model = KMeans::new(k)
        .init(Init::Precomputed(start.clone()))
        .tolerance(0.0)
        .max_iter(max_iter)
        .fit(&RowMajor::new(data, n_features)?)?;
    println!(
        "KMeans::fit:  {} iterations, converged: {}",
        model.n_iter(),
        model.converged()
    );

    assert_eq!(model.labels(), labels.as_slice());
    assert_eq!(model.n_iter(), n_iter);
    // Bit for bit: `compute_means` accumulates the f64 cluster sums in the same chunks, in the
    // same order, as `fit` does.
    assert_eq!(model.centroids(), centroids.as_slice());
    println!("same labels for all {n_samples} rows; identical centroids, bit for bit");
    Ok(())
}
