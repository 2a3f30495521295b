//! Feature `ndarray`: 2-D arrays as input (borrowed in standard layout, else copied once), and
//! the model's outputs as arrays.

use ndarray::{Array1, Array2, ArrayBase, ArrayView1, ArrayView2, Data, Ix2};

use crate::data::{AsRows, RowMajor, RowMajorBuf, Rows, try_buffer};
use crate::error::KMeansError;
use crate::float::Float;
use crate::model::KMeansModel;

/// Any 2-D array of `T` (`Array2`, `ArrayView2`, `ArcArray2`, `CowArray`), one row per sample:
/// borrowed when it is in standard (C, row-major contiguous) layout, else copied once into a
/// row-major buffer (a transposed or Fortran-layout array, a strided slice).
impl<T: Float, S: Data<Elem = T>> AsRows<T> for ArrayBase<S, Ix2> {
    fn as_rows(&self) -> Result<Rows<'_, T>, KMeansError> {
        let (n_rows, n_features) = self.dim();
        if n_features == 0 {
            return Err(KMeansError::ZeroFeatures);
        }
        if let Some(flat) = self.as_slice() {
            return Ok(RowMajor::new(flat, n_features)?.into());
        }
        let mut data = try_buffer(n_rows, n_features)?;
        // Logical order is row-major whatever the memory layout.
        data.extend(self.iter().copied());
        Ok(RowMajorBuf::new(data, n_features)?.into())
    }
}

/// The model's outputs as `ndarray` arrays (feature `ndarray`).
impl<T: Float> KMeansModel<T> {
    /// The centroids as a `k × n_features` array view (no copy).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::KMeansModel;
    /// use ndarray::array;
    ///
    /// let model = KMeansModel::from_centroids(vec![0.0_f64, 1.0, 10.0, 11.0], 2)?;
    /// assert_eq!(model.centroids_array(), array![[0.0, 1.0], [10.0, 11.0]]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn centroids_array(&self) -> ArrayView2<'_, T> {
        // A model always holds k × n_features centroids (checked when it was built or loaded).
        ArrayView2::from_shape((self.k(), self.n_features()), self.centroids())
            .expect("a model holds k × n_features centroids")
    }

    /// The training rows' labels as a 1-D array view (no copy; empty for a model loaded
    /// without labels or built from centroids).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::KMeans;
    /// use ndarray::array;
    ///
    /// let data = array![[0.0_f64], [0.5], [9.0]];
    /// let model = KMeans::new(2).fit(&data)?;
    /// assert_eq!(model.labels_array().len(), 3);
    /// assert_eq!(model.labels_array()[0], model.labels_array()[1]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn labels_array(&self) -> ArrayView1<'_, usize> {
        ArrayView1::from(self.labels())
    }

    /// [`predict`](Self::predict) as a 1-D array.
    ///
    /// # Errors
    ///
    /// As [`predict`](Self::predict).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::KMeansModel;
    /// use ndarray::array;
    ///
    /// let model = KMeansModel::from_centroids(vec![0.0_f64, 10.0], 1)?;
    /// assert_eq!(model.predict_array(&array![[1.0], [8.0]])?, array![0, 1]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn predict_array<D: AsRows<T> + ?Sized>(&self, data: &D) -> Result<Array1<usize>, KMeansError> {
        Ok(Array1::from(self.predict(data)?))
    }

    /// [`transform`](Self::transform) as an `n_rows × k` array: the Euclidean distance from
    /// every row to every centroid.
    ///
    /// # Errors
    ///
    /// As [`transform`](Self::transform).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::KMeansModel;
    /// use ndarray::array;
    ///
    /// let model = KMeansModel::from_centroids(vec![0.0_f64, 0.0, 3.0, 4.0], 2)?;
    /// assert_eq!(model.transform_array(&array![[0.0, 0.0]])?, array![[0.0, 5.0]]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn transform_array<D: AsRows<T> + ?Sized>(&self, data: &D) -> Result<Array2<T>, KMeansError> {
        let distances = self.transform(data)?;
        let n_rows = distances.len() / self.k();
        Ok(Array2::from_shape_vec((n_rows, self.k()), distances)
            .expect("transform returns n_rows × k distances"))
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ShapeBuilder, array, s};

    use crate::builder::KMeans;
    use crate::data::{AsRows, RowMajor};
    use crate::datasets::make_blobs;
    use crate::error::KMeansError;

    #[test]
    fn standard_layout_is_borrowed_without_a_copy() {
        let a = array![[1.0_f64, 2.0], [3.0, 4.0], [5.0, 6.0]];
        let rows = a.as_rows().unwrap();
        assert!(rows.is_borrowed());
        assert_eq!(rows.view().as_slice().as_ptr(), a.as_ptr());
        let view = a.view();
        assert!(view.as_rows().unwrap().is_borrowed());
        // A slice of whole rows is still standard layout.
        let tail = a.slice(s![1.., ..]);
        let held = tail.as_rows().unwrap();
        assert!(held.is_borrowed());
        assert_eq!(held.view().as_slice(), &[3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn other_layouts_are_copied_once_in_row_order() {
        let a = array![[1.0_f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let fortran = Array2::from_shape_vec((2, 3).f(), vec![1.0_f32, 4.0, 2.0, 5.0, 3.0, 6.0]).unwrap();
        assert_eq!(fortran, a);
        for other in [fortran.view(), a.t().reversed_axes(), a.slice(s![.., ..;1])] {
            let held = other.as_rows().unwrap();
            assert_eq!(
                held.view(),
                RowMajor::new(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3).unwrap()
            );
        }
        let fortran_rows = fortran.as_rows().unwrap();
        assert!(!fortran_rows.is_borrowed());
        let t = a.t();
        let held = t.as_rows().unwrap();
        assert!(!held.is_borrowed());
        assert_eq!(held.view().as_slice(), &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let strided = a.slice(s![.., ..;2]);
        assert_eq!(
            strided.as_rows().unwrap().view().as_slice(),
            &[1.0, 3.0, 4.0, 6.0]
        );
    }

    #[test]
    fn zero_columns_are_an_error_and_zero_rows_are_empty() {
        let empty_cols = Array2::<f64>::zeros((3, 0));
        assert_eq!(empty_cols.as_rows().unwrap_err(), KMeansError::ZeroFeatures);
        let no_rows = Array2::<f64>::zeros((0, 2));
        assert_eq!(no_rows.as_rows().unwrap().view().n_rows(), 0);
        assert_eq!(KMeans::new(1).fit(&no_rows).unwrap_err(), KMeansError::NoRows);
    }

    #[test]
    fn arrays_fit_predict_and_transform_as_flat_buffers_do() {
        let blobs = make_blobs::<f64>(300, 3, 4, 1.0, 5).unwrap();
        let flat = RowMajor::new(&blobs.data, 3).unwrap();
        let a = Array2::from_shape_vec((300, 3), blobs.data.clone()).unwrap();
        let km = KMeans::new(4);
        let model = km.fit(&a).unwrap();
        assert_eq!(model, km.fit(&flat).unwrap());
        // The same rows in Fortran layout: copied, same model.
        let mut f = Array2::<f64>::zeros((300, 3).f());
        f.assign(&a);
        assert_eq!(km.fit(&f).unwrap(), model);
        assert_eq!(model.predict_array(&f).unwrap().to_vec(), model.labels());
        assert_eq!(model.labels_array().to_vec(), model.labels());
        let t = model.transform_array(&a.view()).unwrap();
        assert_eq!(t.dim(), (300, 4));
        assert_eq!(t.as_slice().unwrap(), &model.transform(&flat).unwrap()[..]);
        assert_eq!(model.centroids_array().dim(), (4, 3));
        assert_eq!(model.centroids_array().as_slice().unwrap(), model.centroids());
        assert_eq!(model.score(&a).unwrap().to_bits(), model.inertia().to_bits());
        let wrong = Array2::<f64>::zeros((2, 5));
        assert_eq!(
            model.predict(&wrong).unwrap_err(),
            KMeansError::FeatureMismatch { expected: 3, got: 5 }
        );
    }
}
