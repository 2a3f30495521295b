//! k-means on `ndarray` arrays (feature `ndarray`): fit an `Array2`, predict a column-major
//! array (copied once, since it is not row-major), and read the results as arrays.
//!
//! ```text
//! cargo run --example ndarray --features ndarray
//! ```

use std::error::Error;

use k_means::datasets::make_blobs;
use k_means::metrics::adjusted_rand_index;
use k_means::{AsRows, KMeans};
use ndarray::{Array2, ShapeBuilder};

fn main() -> Result<(), Box<dyn Error>> {
    // 600 points around 4 centres in 3 dimensions, as a 600 × 3 array in standard layout.
    let blobs = make_blobs::<f64>(600, 3, 4, 0.5, 11)?;
    let data = Array2::from_shape_vec((600, 3), blobs.data.clone()).map_err(|e| e.to_string())?;
    assert!(data.as_rows()?.is_borrowed(), "standard layout is read in place");

    let model = KMeans::new(4).fit(&data)?;
    let centroids = model.centroids_array(); // a 4 × 3 view
    println!("centroids ({:?}):\n{centroids:.3}", centroids.dim());
    let ari = adjusted_rand_index(model.labels(), &blobs.labels)?;
    println!(
        "inertia {:.3}, adjusted Rand index against the truth {ari:.4}",
        model.inertia()
    );
    assert!(ari > 0.99, "the blobs are well separated: ARI {ari}");

    // The same rows in column-major (Fortran) layout: copied once to row-major, same answer.
    let mut fortran = Array2::<f64>::zeros((600, 3).f());
    fortran.assign(&data);
    assert!(!fortran.as_rows()?.is_borrowed());
    let labels = model.predict_array(&fortran)?;
    assert_eq!(labels.as_slice(), Some(model.labels()));

    // Distances to every centroid (600 × 4); each row's smallest is its own cluster's.
    let distances = model.transform_array(&data)?;
    for (row, &label) in distances.rows().into_iter().zip(labels.iter()) {
        let nearest = row.iter().copied().fold(f64::INFINITY, f64::min);
        assert_eq!(row[label], nearest);
    }
    // The inertia of new data under the model (scikit-learn's `score` is its negative).
    assert_eq!(model.score(&data)?.to_bits(), model.inertia().to_bits());
    println!("predict, transform and score agree with the fit");
    Ok(())
}
