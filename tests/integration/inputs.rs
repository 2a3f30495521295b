//! Every input `fit`, `predict` and `transform` take gives the model of the same rows as a flat
//! row-major buffer: arrays, rows of runtime width, an owned buffer; ragged rows are an error
//! naming the row.

use k_means::datasets::make_blobs;
use k_means::{AsRows, KMeans, KMeansError, RowMajor, RowMajorBuf};

#[test]
fn rows_of_runtime_width_fit_as_the_flat_buffer() -> Result<(), KMeansError> {
    let blobs = make_blobs::<f64>(400, 5, 3, 1.0, 21)?;
    let flat = RowMajor::new(&blobs.data, 5)?;
    let vecs: Vec<Vec<f64>> = blobs.data.chunks(5).map(<[f64]>::to_vec).collect();
    let slices: Vec<&[f64]> = blobs.data.chunks(5).collect();
    let km = KMeans::new(3).seed(4);
    let model = km.fit(&flat)?;
    assert_eq!(km.fit(&vecs)?, model);
    assert_eq!(km.fit(&vecs[..])?, model);
    assert_eq!(km.fit(&slices)?, model);
    assert_eq!(km.fit(&slices[..])?, model);
    let buf = RowMajorBuf::from_rows(&vecs)?;
    assert_eq!(buf.view(), flat);
    assert_eq!(km.fit(&buf)?, model);
    assert_eq!(model.predict(&vecs)?, model.labels());
    assert_eq!(model.transform(&slices)?, model.transform(&flat)?);
    assert_eq!(
        km.fit_weighted(&vecs, &vec![1.0; 400])?,
        km.fit_weighted(&flat, &vec![1.0; 400])?
    );
    Ok(())
}

#[test]
fn ragged_rows_are_an_error_naming_the_row() {
    let rows = vec![vec![0.0_f64, 1.0], vec![2.0, 3.0], vec![4.0], vec![5.0, 6.0]];
    let err = KMeans::new(2).fit(&rows).unwrap_err();
    assert_eq!(
        err,
        KMeansError::RaggedRow {
            row: 2,
            len: 1,
            expected: 2
        }
    );
    assert_eq!(err.to_string(), "row 2 has 1 values, but the first row has 2");
    let model = KMeans::new(1).fit(&rows[..2]).unwrap();
    assert_eq!(model.predict(&rows).unwrap_err(), err);
    assert_eq!(model.transform(&rows).unwrap_err(), err);
    assert_eq!(model.score(&rows).unwrap_err(), err);
}

#[test]
fn bad_values_in_runtime_rows_are_named_as_in_flat_buffers() {
    let rows = vec![vec![0.0_f32, 1.0], vec![2.0, f32::NAN]];
    assert_eq!(
        KMeans::new(1).fit(&rows).unwrap_err(),
        KMeansError::NonFinite { row: 1, column: 1 }
    );
    assert_eq!(
        KMeans::new(1).fit(&Vec::<Vec<f32>>::new()).unwrap_err(),
        KMeansError::NoRows
    );
}

#[test]
fn arrays_and_views_are_borrowed_runtime_rows_copied() -> Result<(), KMeansError> {
    let arrays = vec![[1.0_f64, 2.0], [3.0, 4.0]];
    let held = arrays.as_rows()?;
    assert!(held.is_borrowed());
    assert_eq!(held.view().as_slice().as_ptr(), arrays.as_ptr().cast());
    let vecs = vec![vec![1.0_f64, 2.0], vec![3.0, 4.0]];
    let held = vecs.as_rows()?;
    assert!(!held.is_borrowed());
    assert_eq!(held.view(), arrays.as_rows()?.view());
    Ok(())
}
