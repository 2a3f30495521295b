//! k-means on Apache Arrow data (feature `arrow`): a `FixedSizeListArray` of embeddings, read in
//! place, and a `RecordBatch` of float columns, copied once to row-major; nulls are refused
//! with their row and column.
//!
//! ```text
//! cargo run --example arrow --features arrow
//! ```

use std::error::Error;
use std::sync::Arc;

use arrow_array::{ArrayRef, FixedSizeListArray, Float32Array, Float64Array, RecordBatch};
use arrow_schema::{DataType, Field};
use k_means::datasets::make_blobs;
use k_means::{AsRows, KMeans, KMeansError};

fn main() -> Result<(), Box<dyn Error>> {
    // 500 "embeddings" of 8 f32 values around 5 centres, as one FixedSizeList column.
    let blobs = make_blobs::<f32>(500, 8, 5, 0.5, 3)?;
    let field = Arc::new(Field::new("item", DataType::Float32, false));
    let values = Arc::new(Float32Array::from(blobs.data.clone()));
    let embeddings = FixedSizeListArray::try_new(field, 8, values, None)?;
    assert!(
        AsRows::<f32>::as_rows(&embeddings)?.is_borrowed(),
        "read in place"
    );

    let model = KMeans::<f32>::new(5).fit(&embeddings)?;
    println!(
        "embeddings: k = {}, inertia {:.2}, sizes {:?}",
        model.k(),
        model.inertia(),
        model.cluster_sizes()
    );
    assert_eq!(model.predict(&embeddings)?, model.labels());

    // A table of two float columns: copied once to row-major rows (x, y).
    let points = make_blobs::<f64>(300, 2, 3, 0.4, 8)?;
    let x: Vec<f64> = points.data.iter().step_by(2).copied().collect();
    let y: Vec<f32> = points.data.iter().skip(1).step_by(2).map(|&v| v as f32).collect();
    let table = RecordBatch::try_from_iter([
        ("x", Arc::new(Float64Array::from(x)) as ArrayRef),
        ("y", Arc::new(Float32Array::from(y)) as ArrayRef),
    ])?;
    let model = KMeans::<f64>::new(3).fit(&table)?;
    println!("table: centroids {:?}", model.centroids());
    assert_eq!(model.cluster_sizes().iter().sum::<usize>(), 300);

    // A null is an error naming its row and column.
    let with_null = RecordBatch::try_from_iter([
        ("x", Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0])) as ArrayRef),
        (
            "y",
            Arc::new(Float64Array::from(vec![Some(1.0), None, Some(3.0)])) as ArrayRef,
        ),
    ])?;
    let err = model.predict(&with_null).unwrap_err();
    println!("a null: {err}");
    assert!(matches!(
        err,
        KMeansError::NullValue {
            row: 1,
            column: 1,
            ..
        }
    ));
    Ok(())
}
