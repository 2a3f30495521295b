//! Feature `arrow`: Arrow data as input. A `FixedSizeListArray` of the model's float type is
//! read in place (its values buffer is row-major already); a `RecordBatch` of float columns
//! is copied once to row-major. Nulls are refused, with their row and column.

use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::{Array, ArrowPrimitiveType, FixedSizeListArray, PrimitiveArray, RecordBatch};
use arrow_schema::DataType;

use crate::data::{AsRows, RowMajor, RowMajorBuf, Rows, try_buffer};
use crate::error::KMeansError;
use crate::float::Float;

/// The rows of a `FixedSizeListArray` whose values are `A` (`T`'s Arrow type): row `i` is list
/// `i`, read in place from the values buffer (zero-copy: Arrow keeps a slice's values sliced).
fn fixed_size_list<'a, A: ArrowPrimitiveType>(
    list: &'a FixedSizeListArray,
    expected: &'static str,
) -> Result<Rows<'a, A::Native>, KMeansError>
where
    A::Native: Float,
{
    let d = usize::try_from(list.value_length()).unwrap_or(0);
    if d == 0 {
        return Err(KMeansError::ZeroFeatures);
    }
    let n = list.len();
    if let Some(nulls) = list.nulls()
        && let Some(row) = (0..n).find(|&i| nulls.is_null(i))
    {
        return Err(KMeansError::NullRow { row });
    }
    let values = list.values();
    let Some(values) = values.as_any().downcast_ref::<PrimitiveArray<A>>() else {
        return Err(KMeansError::ColumnType {
            column: 0,
            name: String::new(),
            found: values.data_type().to_string(),
            expected,
        });
    };
    if let Some(nulls) = values.nulls()
        && let Some(i) = (0..values.len()).find(|&i| nulls.is_null(i))
    {
        return Err(KMeansError::NullValue {
            row: i / d,
            column: i % d,
            name: String::new(),
        });
    }
    let flat: &[A::Native] = values.values();
    // Arrow sizes the values to `len × value_length`; take exactly that many.
    let flat = flat.get(..n.saturating_mul(d)).unwrap_or(flat);
    Ok(RowMajor::new(flat, d)?.into())
}

/// One column of a batch, as values of either float type.
enum Column<'a> {
    F32(&'a [f32]),
    F64(&'a [f64]),
}

/// The rows of a `RecordBatch` whose every column is `Float32`, or also `Float64` when
/// `f64_columns`: checked whole (types, then nulls, column by column) before one copy to
/// row-major.
fn record_batch<T: Float>(
    batch: &RecordBatch,
    f64_columns: bool,
    expected: &'static str,
) -> Result<Rows<'static, T>, KMeansError> {
    let (n, d) = (batch.num_rows(), batch.num_columns());
    if d == 0 {
        return Err(KMeansError::ZeroFeatures);
    }
    let schema = batch.schema();
    let mut columns = Vec::with_capacity(d);
    for (j, array) in batch.columns().iter().enumerate() {
        let name = || schema.field(j).name().clone();
        let column = match array.data_type() {
            DataType::Float32 => array
                .as_any()
                .downcast_ref::<PrimitiveArray<Float32Type>>()
                .map(|a| Column::F32(a.values())),
            DataType::Float64 if f64_columns => array
                .as_any()
                .downcast_ref::<PrimitiveArray<Float64Type>>()
                .map(|a| Column::F64(a.values())),
            _ => None,
        };
        let Some(column) = column else {
            return Err(KMeansError::ColumnType {
                column: j,
                name: name(),
                found: array.data_type().to_string(),
                expected,
            });
        };
        if let Some(nulls) = array.logical_nulls()
            && let Some(row) = (0..n).find(|&i| nulls.is_null(i))
        {
            return Err(KMeansError::NullValue {
                row,
                column: j,
                name: name(),
            });
        }
        columns.push(column);
    }
    let mut data = try_buffer::<T>(n, d)?;
    data.resize(n * d, T::zero());
    for (j, column) in columns.iter().enumerate() {
        let cells = data.iter_mut().skip(j).step_by(d);
        match column {
            Column::F32(v) => cells.zip(*v).for_each(|(c, &x)| *c = T::from_f64_(f64::from(x))),
            Column::F64(v) => cells.zip(*v).for_each(|(c, &x)| *c = T::from_f64_(x)),
        }
    }
    Ok(RowMajorBuf::new(data, d)?.into())
}

/// A `FixedSizeListArray` of `Float32` values, one list per row: read in place (zero-copy).
/// A null row or value is an error naming it; values of another type are an error naming it.
impl AsRows<f32> for FixedSizeListArray {
    fn as_rows(&self) -> Result<Rows<'_, f32>, KMeansError> {
        fixed_size_list::<Float32Type>(self, "Float32")
    }
}

/// A `FixedSizeListArray` of `Float64` values, one list per row: read in place (zero-copy).
/// A null row or value is an error naming it; values of another type are an error naming it.
impl AsRows<f64> for FixedSizeListArray {
    fn as_rows(&self) -> Result<Rows<'_, f64>, KMeansError> {
        fixed_size_list::<Float64Type>(self, "Float64")
    }
}

/// A `RecordBatch` whose every column is `Float32`, one column per feature: copied once to
/// row-major. A `Float64` column is refused (it would be rounded: fit `f64`, or cast it).
impl AsRows<f32> for RecordBatch {
    fn as_rows(&self) -> Result<Rows<'_, f32>, KMeansError> {
        record_batch::<f32>(self, false, "Float32")
    }
}

/// A `RecordBatch` whose every column is `Float64` or `Float32` (converted exactly), one column
/// per feature: copied once to row-major.
impl AsRows<f64> for RecordBatch {
    fn as_rows(&self) -> Result<Rows<'_, f64>, KMeansError> {
        record_batch::<f64>(self, true, "Float64 or Float32")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::{FixedSizeListBuilder, Float64Builder};
    use arrow_array::{ArrayRef, FixedSizeListArray, Float32Array, Float64Array, Int32Array, RecordBatch};
    use arrow_schema::{DataType, Field};

    use crate::builder::KMeans;
    use crate::data::{AsRows, RowMajor};
    use crate::error::KMeansError;

    fn list_f64(values: Vec<f64>, d: i32) -> FixedSizeListArray {
        let field = Arc::new(Field::new("item", DataType::Float64, true));
        FixedSizeListArray::try_new(field, d, Arc::new(Float64Array::from(values)), None).unwrap()
    }

    #[test]
    fn fixed_size_list_is_read_in_place() {
        let list = list_f64(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2);
        let rows = AsRows::<f64>::as_rows(&list).unwrap();
        assert!(rows.is_borrowed());
        let values = list.values().as_any().downcast_ref::<Float64Array>().unwrap();
        assert_eq!(rows.view().as_slice().as_ptr(), values.values().as_ptr());
        assert_eq!(
            rows.view(),
            RowMajor::new(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2).unwrap()
        );
        // A slice (an offset into the values): still in place, the right rows.
        let tail = list.slice(1, 2);
        let rows = AsRows::<f64>::as_rows(&tail).unwrap();
        assert!(rows.is_borrowed());
        assert_eq!(rows.view().as_slice(), &[3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn fixed_size_list_nulls_and_types_are_errors() {
        let mut b = FixedSizeListBuilder::new(Float64Builder::new(), 2);
        for row in [Some([1.0, 2.0]), None, Some([3.0, 4.0])] {
            match row {
                Some(r) => {
                    b.values().append_slice(&r);
                    b.append(true);
                }
                None => {
                    b.values().append_nulls(2);
                    b.append(false);
                }
            }
        }
        let with_null_row = b.finish();
        assert_eq!(
            AsRows::<f64>::as_rows(&with_null_row).unwrap_err(),
            KMeansError::NullRow { row: 1 }
        );
        let mut b = FixedSizeListBuilder::new(Float64Builder::new(), 3);
        b.values().append_slice(&[1.0, 2.0, 3.0, 4.0]);
        b.values().append_null();
        b.values().append_value(6.0);
        b.append(true);
        b.append(true);
        let with_null_value = b.finish();
        let err = AsRows::<f64>::as_rows(&with_null_value).unwrap_err();
        assert_eq!(
            err,
            KMeansError::NullValue {
                row: 1,
                column: 1,
                name: String::new()
            }
        );
        assert_eq!(err.to_string(), "the value at row 1, column 1 is null");
        let list = list_f64(vec![1.0, 2.0], 2);
        let err = AsRows::<f32>::as_rows(&list).unwrap_err();
        assert_eq!(err.to_string(), "column 0 has type Float64, expected Float32");
        let field = Arc::new(Field::new("item", DataType::Float64, true));
        let zero = FixedSizeListArray::try_new_with_length(
            field,
            0,
            Arc::new(Float64Array::from(Vec::<f64>::new())),
            None,
            3,
        )
        .unwrap();
        assert_eq!(
            AsRows::<f64>::as_rows(&zero).unwrap_err(),
            KMeansError::ZeroFeatures
        );
    }

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns).unwrap()
    }

    #[test]
    fn record_batch_is_copied_to_row_major() {
        let b = batch(vec![
            ("x", Arc::new(Float64Array::from(vec![1.0, 3.0, 5.0])) as ArrayRef),
            ("y", Arc::new(Float32Array::from(vec![2.0_f32, 4.0, 6.5]))),
        ]);
        let rows = AsRows::<f64>::as_rows(&b).unwrap();
        assert!(!rows.is_borrowed());
        assert_eq!(
            rows.view(),
            RowMajor::new(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.5], 2).unwrap()
        );
        let model = KMeans::<f64>::new(2).fit(&b).unwrap();
        assert_eq!(model, KMeans::new(2).fit(&rows.view()).unwrap());
        // f32: Float32 columns only.
        let err = AsRows::<f32>::as_rows(&b).unwrap_err();
        assert_eq!(
            err.to_string(),
            "column 0 (\"x\") has type Float64, expected Float32"
        );
        let b32 = batch(vec![(
            "y",
            Arc::new(Float32Array::from(vec![2.0_f32, 4.0])) as ArrayRef,
        )]);
        assert_eq!(
            AsRows::<f32>::as_rows(&b32).unwrap().view().as_slice(),
            &[2.0, 4.0]
        );
    }

    #[test]
    fn record_batch_nulls_and_other_types_name_the_column() {
        let b = batch(vec![
            ("x", Arc::new(Float64Array::from(vec![1.0, 3.0, 5.0])) as ArrayRef),
            (
                "y",
                Arc::new(Float64Array::from(vec![Some(2.0), Some(4.0), None])),
            ),
        ]);
        let err = AsRows::<f64>::as_rows(&b).unwrap_err();
        assert_eq!(
            err,
            KMeansError::NullValue {
                row: 2,
                column: 1,
                name: "y".into()
            }
        );
        assert_eq!(err.to_string(), "the value at row 2, column 1 (\"y\") is null");
        let b = batch(vec![
            ("x", Arc::new(Float64Array::from(vec![1.0, 3.0])) as ArrayRef),
            ("label", Arc::new(Int32Array::from(vec![1, 2]))),
        ]);
        let err = AsRows::<f64>::as_rows(&b).unwrap_err();
        assert_eq!(
            err.to_string(),
            "column 1 (\"label\") has type Int32, expected Float64 or Float32"
        );
        let empty = RecordBatch::new_empty(Arc::new(arrow_schema::Schema::empty()));
        assert_eq!(
            AsRows::<f64>::as_rows(&empty).unwrap_err(),
            KMeansError::ZeroFeatures
        );
    }
}
