//! Row-major data (a borrowed view, an owned buffer, either of the two) and the input
//! conversions `fit`, `predict` and `transform` accept from std types.

use crate::error::KMeansError;
use crate::float::Float;

/// A borrowed, row-major matrix: `n_rows` rows of `n_features` values each, stored
/// contiguously as `data[row * n_features + column]`.
///
/// Built by the checked constructor [`RowMajor::new`], so a view always has a consistent
/// shape (at least one feature, a whole number of rows). Values are not checked here: `fit`
/// and friends check them once, at their boundary.
///
/// # Examples
///
/// ```
/// use k_means::RowMajor;
///
/// let flat = vec![1.0_f64, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let view = RowMajor::new(&flat, 2)?;
/// assert_eq!(view.n_rows(), 3);
/// assert_eq!(view.row(1), &[3.0, 4.0]);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowMajor<'a, T> {
    data: &'a [T],
    n_rows: usize,
    n_features: usize,
}

impl<'a, T: Float> RowMajor<'a, T> {
    /// Views `data` as rows of `n_features` values.
    ///
    /// An empty buffer is a valid view with zero rows (fitting it is an error, predicting on
    /// it returns nothing).
    ///
    /// # Errors
    ///
    /// [`KMeansError::ZeroFeatures`] if `n_features` is 0, and [`KMeansError::ShapeMismatch`]
    /// if `data.len()` is not a multiple of `n_features`.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeansError, RowMajor};
    ///
    /// assert!(RowMajor::new(&[1.0_f32, 2.0, 3.0], 3).is_ok());
    /// assert_eq!(
    ///     RowMajor::new(&[1.0_f32, 2.0, 3.0], 2),
    ///     Err(KMeansError::ShapeMismatch { len: 3, n_features: 2 })
    /// );
    /// ```
    pub fn new(data: &'a [T], n_features: usize) -> Result<Self, KMeansError> {
        if n_features == 0 {
            return Err(KMeansError::ZeroFeatures);
        }
        if !data.len().is_multiple_of(n_features) {
            return Err(KMeansError::ShapeMismatch {
                len: data.len(),
                n_features,
            });
        }
        Ok(Self {
            data,
            n_rows: data.len() / n_features,
            n_features,
        })
    }

    /// The number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// # use k_means::RowMajor;
    /// assert_eq!(RowMajor::new(&[0.0_f64; 6], 3)?.n_rows(), 2);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// The number of features (columns) per row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use k_means::RowMajor;
    /// assert_eq!(RowMajor::new(&[0.0_f64; 6], 3)?.n_features(), 3);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The whole flat buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// # use k_means::RowMajor;
    /// assert_eq!(RowMajor::new(&[1.0_f64, 2.0], 1)?.as_slice(), &[1.0, 2.0]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn as_slice(&self) -> &'a [T] {
        self.data
    }

    /// Row `i`, or an empty slice if `i` is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// # use k_means::RowMajor;
    /// let v = RowMajor::new(&[1.0_f64, 2.0, 3.0, 4.0], 2)?;
    /// assert_eq!(v.row(1), &[3.0, 4.0]);
    /// assert!(v.row(2).is_empty());
    /// assert!(v.row(usize::MAX).is_empty());
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn row(&self, i: usize) -> &'a [T] {
        if i >= self.n_rows {
            return &[];
        }
        // In range, so `(i + 1) × n_features ≤ len` cannot overflow.
        &self.data[i * self.n_features..(i + 1) * self.n_features]
    }

    /// Iterates over the rows.
    ///
    /// # Examples
    ///
    /// ```
    /// # use k_means::RowMajor;
    /// let v = RowMajor::new(&[1.0_f64, 2.0, 3.0, 4.0], 2)?;
    /// let sums: Vec<f64> = v.rows().map(|r| r.iter().sum()).collect();
    /// assert_eq!(sums, [3.0, 7.0]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &'a [T]> + 'a {
        self.data.chunks_exact(self.n_features)
    }

    /// Rows `start..end` as a view (the range is clamped to the view).
    pub(crate) fn slice_rows(&self, start: usize, end: usize) -> RowMajor<'a, T> {
        let end = end.min(self.n_rows);
        let start = start.min(end);
        RowMajor {
            data: &self.data[start * self.n_features..end * self.n_features],
            n_rows: end - start,
            n_features: self.n_features,
        }
    }
}

/// An owned, row-major matrix: the buffer [`RowMajor`] borrows, with its width.
///
/// For rows whose width is known only at run time (`Vec<Vec<T>>`, `&[&[T]]`, rows parsed from
/// a file): [`RowMajorBuf::from_rows`] copies them once into one contiguous buffer, checking
/// that every row has the width of the first. `fit`, `predict` and `transform` take it as they
/// take a [`RowMajor`] view (without another copy), and [`view`](Self::view) lends one.
///
/// # Examples
///
/// ```
/// use k_means::{KMeans, RowMajorBuf};
///
/// let rows: Vec<Vec<f64>> = vec![vec![0.0, 0.0], vec![0.0, 1.0], vec![9.0, 9.0]];
/// let buf = RowMajorBuf::from_rows(&rows)?;
/// assert_eq!((buf.n_rows(), buf.n_features()), (3, 2));
/// assert_eq!(buf.as_slice(), &[0.0, 0.0, 0.0, 1.0, 9.0, 9.0]);
/// let model = KMeans::new(2).fit(&buf)?;
/// assert_eq!(model.labels()[0], model.labels()[1]);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RowMajorBuf<T> {
    data: Vec<T>,
    n_features: usize,
}

impl<T: Float> RowMajorBuf<T> {
    /// Takes `data` as rows of `n_features` values, with the checks of [`RowMajor::new`].
    ///
    /// # Errors
    ///
    /// [`KMeansError::ZeroFeatures`] if `n_features` is 0, [`KMeansError::ShapeMismatch`] if
    /// `data.len()` is not a multiple of `n_features`.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeansError, RowMajorBuf};
    ///
    /// let buf = RowMajorBuf::new(vec![1.0_f32, 2.0, 3.0, 4.0], 2)?;
    /// assert_eq!(buf.view().row(1), &[3.0, 4.0]);
    /// assert_eq!(
    ///     RowMajorBuf::new(vec![1.0_f32, 2.0, 3.0], 2),
    ///     Err(KMeansError::ShapeMismatch { len: 3, n_features: 2 })
    /// );
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn new(data: Vec<T>, n_features: usize) -> Result<Self, KMeansError> {
        RowMajor::new(&data, n_features)?;
        Ok(RowMajorBuf { data, n_features })
    }

    /// Copies rows of any runtime width (`&[Vec<T>]`, `&[&[T]]`, `&[Box<[T]>]`, …) into one
    /// row-major buffer, once.
    ///
    /// # Errors
    ///
    /// [`KMeansError::NoRows`] for no rows (their width is unknown);
    /// [`KMeansError::ZeroFeatures`] if the first row is empty; [`KMeansError::RaggedRow`]
    /// naming the first row whose length differs from the first row's;
    /// [`KMeansError::TooLarge`] / [`KMeansError::AllocationFailed`] if the buffer cannot be
    /// held (tried before anything is copied).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeansError, RowMajorBuf};
    ///
    /// let a = [1.0_f64, 2.0];
    /// let b = [3.0_f64, 4.0];
    /// let buf = RowMajorBuf::from_rows(&[&a[..], &b[..]])?;
    /// assert_eq!(buf.into_vec(), vec![1.0, 2.0, 3.0, 4.0]);
    ///
    /// let ragged = vec![vec![1.0_f64, 2.0], vec![3.0, 4.0], vec![5.0]];
    /// assert_eq!(
    ///     RowMajorBuf::from_rows(&ragged),
    ///     Err(KMeansError::RaggedRow { row: 2, len: 1, expected: 2 })
    /// );
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn from_rows<R: AsRef<[T]>>(rows: &[R]) -> Result<Self, KMeansError> {
        let Some(first) = rows.first() else {
            return Err(KMeansError::NoRows);
        };
        let n_features = first.as_ref().len();
        if n_features == 0 {
            return Err(KMeansError::ZeroFeatures);
        }
        if let Some(row) = rows.iter().position(|r| r.as_ref().len() != n_features) {
            return Err(KMeansError::RaggedRow {
                row,
                len: rows[row].as_ref().len(),
                expected: n_features,
            });
        }
        let mut data = try_buffer(rows.len(), n_features)?;
        for r in rows {
            data.extend_from_slice(r.as_ref());
        }
        Ok(RowMajorBuf { data, n_features })
    }

    /// The row-major view of the buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// # use k_means::RowMajorBuf;
    /// let buf = RowMajorBuf::new(vec![1.0_f64, 2.0, 3.0, 4.0], 2)?;
    /// assert_eq!(buf.view().rows().count(), 2);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn view(&self) -> RowMajor<'_, T> {
        RowMajor {
            data: &self.data,
            n_rows: self.data.len() / self.n_features,
            n_features: self.n_features,
        }
    }

    /// The number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// # use k_means::RowMajorBuf;
    /// assert_eq!(RowMajorBuf::new(vec![0.0_f64; 6], 3)?.n_rows(), 2);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_rows(&self) -> usize {
        self.data.len() / self.n_features
    }

    /// The number of features (columns) per row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use k_means::RowMajorBuf;
    /// assert_eq!(RowMajorBuf::new(vec![0.0_f64; 6], 3)?.n_features(), 3);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The whole flat buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// # use k_means::RowMajorBuf;
    /// assert_eq!(RowMajorBuf::new(vec![1.0_f64, 2.0], 1)?.as_slice(), &[1.0, 2.0]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// The flat buffer, without a copy.
    ///
    /// # Examples
    ///
    /// ```
    /// # use k_means::RowMajorBuf;
    /// assert_eq!(RowMajorBuf::new(vec![1.0_f64, 2.0], 2)?.into_vec(), vec![1.0, 2.0]);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }
}

/// An empty buffer with room for `n_rows × n_features` values, tried (not aborting).
pub(crate) fn try_buffer<T>(n_rows: usize, n_features: usize) -> Result<Vec<T>, KMeansError> {
    let what = "row-major copy of the input";
    let too_large = || KMeansError::TooLarge {
        what,
        factors: format!("{n_rows} × {n_features}"),
    };
    let len = n_rows.checked_mul(n_features).ok_or_else(too_large)?;
    let bytes = len.checked_mul(core::mem::size_of::<T>()).ok_or_else(too_large)?;
    let mut data = Vec::new();
    data.try_reserve_exact(len)
        .map_err(|_| KMeansError::AllocationFailed { what, bytes })?;
    Ok(data)
}

/// Rows as `fit`, `predict` and `transform` read them: either borrowed from the caller's
/// buffer (a [`RowMajor`] view: no copy) or an owned row-major copy (a [`RowMajorBuf`]), made
/// once by [`AsRows::as_rows`] for input that is not row-major in memory (`Vec<Vec<T>>`,
/// an `ndarray` array in another layout, an Arrow `RecordBatch`). A `Cow` for row-major data.
///
/// # Examples
///
/// ```
/// use k_means::{AsRows, RowMajor};
///
/// let arrays = vec![[1.0_f64, 2.0], [3.0, 4.0]];
/// let rows = arrays.as_rows()?;
/// assert!(rows.is_borrowed()); // arrays are already row-major
/// assert_eq!(rows.view(), RowMajor::new(&[1.0, 2.0, 3.0, 4.0], 2)?);
///
/// let vecs = vec![vec![1.0_f64, 2.0], vec![3.0, 4.0]];
/// let rows = vecs.as_rows()?;
/// assert!(!rows.is_borrowed()); // copied once into one buffer
/// assert_eq!(rows.view().as_slice(), &[1.0, 2.0, 3.0, 4.0]);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Rows<'a, T>(Held<'a, T>);

#[derive(Debug, Clone, PartialEq)]
enum Held<'a, T> {
    Borrowed(RowMajor<'a, T>),
    Owned(RowMajorBuf<T>),
}

impl<T: Float> Rows<'_, T> {
    /// The rows as a row-major view.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::AsRows;
    ///
    /// let rows = vec![vec![1.0_f32], vec![2.0]];
    /// assert_eq!(rows.as_rows()?.view().n_rows(), 2);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn view(&self) -> RowMajor<'_, T> {
        match &self.0 {
            Held::Borrowed(v) => *v,
            Held::Owned(b) => b.view(),
        }
    }

    /// Whether the rows are borrowed from the input (`true`: no copy was made) rather than a
    /// row-major copy of it.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{Rows, RowMajor, RowMajorBuf};
    ///
    /// assert!(Rows::from(RowMajor::new(&[1.0_f64, 2.0], 1)?).is_borrowed());
    /// assert!(!Rows::from(RowMajorBuf::new(vec![1.0_f64, 2.0], 1)?).is_borrowed());
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn is_borrowed(&self) -> bool {
        matches!(self.0, Held::Borrowed(_))
    }
}

impl<'a, T> From<RowMajor<'a, T>> for Rows<'a, T> {
    fn from(view: RowMajor<'a, T>) -> Self {
        Rows(Held::Borrowed(view))
    }
}

impl<T> From<RowMajorBuf<T>> for Rows<'_, T> {
    fn from(buf: RowMajorBuf<T>) -> Self {
        Rows(Held::Owned(buf))
    }
}

/// Anything `fit`, `predict` and `transform` can read as rows of `T`.
///
/// | input | how it is read |
/// |---|---|
/// | [`RowMajor`] (a checked view of a flat buffer), [`RowMajorBuf`] | borrowed |
/// | rows as arrays: `Vec<[T; D]>`, `[[T; D]]`, `[[T; D]; N]` | borrowed (already row-major in memory) |
/// | rows of runtime width: `Vec<Vec<T>>`, `[Vec<T>]`, `Vec<&[T]>`, `[&[T]]` | copied once ([`RowMajorBuf::from_rows`]: ragged rows are an error naming the row) |
/// | feature `ndarray`: `Array2<T>`, `ArrayView2<T>`, any 2-D `ArrayBase` | borrowed in standard (C) layout, else copied once |
/// | feature `arrow`: `FixedSizeListArray` of `T` | borrowed (the values buffer, zero-copy); nulls are an error |
/// | feature `arrow`: `RecordBatch` of float columns | copied once to row-major; nulls and non-float columns are errors |
///
/// [`as_rows`](AsRows::as_rows) returns [`Rows`], which either borrows the input or holds its
/// one row-major copy; a fit or a prediction then reads that view without copying again. To
/// pay the copy once for several calls, convert first ([`RowMajorBuf::from_rows`]) and pass the
/// buffer.
///
/// Implement it for your own type by returning a [`RowMajor`] view of its buffer
/// (`Ok(RowMajor::new(slice, width)?.into())`) or a [`RowMajorBuf`] copy.
///
/// Any other type is a compile error that says what to use. A flat `Vec<f64>` has no row
/// width ("`Vec<f64>` is not rows that k-means can read … a flat buffer needs its width:
/// `RowMajor::new(&data, n_features)?`"):
///
/// ```compile_fail,E0277
/// let flat = vec![1.0_f64, 2.0, 3.0, 4.0];
/// let _ = k_means::KMeans::new(2).fit(&flat);
/// ```
///
/// and integers must be converted first ("k-means runs on `f32` or `f64` values, not `i32`"):
///
/// ```compile_fail,E0277
/// let rows = vec![[1_i32, 2], [3, 4]];
/// let _ = k_means::KMeans::new(2).fit(&rows);
/// ```
///
/// # Examples
///
/// ```
/// use k_means::AsRows;
///
/// let rows: Vec<[f32; 2]> = vec![[1.0, 2.0], [3.0, 4.0]];
/// let view = rows.as_rows()?;
/// assert_eq!(view.view().n_rows(), 2);
/// assert_eq!(view.view().as_slice(), &[1.0, 2.0, 3.0, 4.0]);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not rows that k-means can read",
    label = "not rows of `f32` or `f64` values",
    note = "a flat buffer needs its width: `RowMajor::new(&data, n_features)?`",
    note = "rows can also be arrays (`Vec<[T; D]>`, `&[[T; D]]`), rows of runtime width (`Vec<Vec<T>>`, `&[&[T]]`, copied once; or `RowMajorBuf::from_rows(&rows)?`), with the feature `ndarray` an `Array2<T>` / `ArrayView2<T>`, with the feature `arrow` a `FixedSizeListArray` or a `RecordBatch`",
    note = "`T` is the model's value type, `f32` or `f64`"
)]
pub trait AsRows<T: Float> {
    /// The rows of `self`, borrowed when `self` is row-major in memory, else copied once.
    ///
    /// # Errors
    ///
    /// [`KMeansError::ZeroFeatures`] for rows of zero width (`[T; 0]`); for the copying
    /// conversions, the errors of [`RowMajorBuf::from_rows`] and of the feature's input
    /// (nulls, column types).
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{AsRows, KMeansError};
    ///
    /// let rows: Vec<[f64; 0]> = vec![[], []];
    /// assert_eq!(rows.as_rows().unwrap_err(), KMeansError::ZeroFeatures);
    /// ```
    fn as_rows(&self) -> Result<Rows<'_, T>, KMeansError>;
}

impl<T: Float> AsRows<T> for RowMajor<'_, T> {
    fn as_rows(&self) -> Result<Rows<'_, T>, KMeansError> {
        Ok((*self).into())
    }
}

impl<T: Float> AsRows<T> for RowMajorBuf<T> {
    fn as_rows(&self) -> Result<Rows<'_, T>, KMeansError> {
        Ok(self.view().into())
    }
}

impl<T: Float, const D: usize> AsRows<T> for [[T; D]] {
    fn as_rows(&self) -> Result<Rows<'_, T>, KMeansError> {
        Ok(RowMajor::new(self.as_flattened(), D)?.into())
    }
}

impl<T: Float, const D: usize, const N: usize> AsRows<T> for [[T; D]; N] {
    fn as_rows(&self) -> Result<Rows<'_, T>, KMeansError> {
        Ok(RowMajor::new(self.as_flattened(), D)?.into())
    }
}

impl<T: Float, const D: usize> AsRows<T> for Vec<[T; D]> {
    fn as_rows(&self) -> Result<Rows<'_, T>, KMeansError> {
        Ok(RowMajor::new(self.as_flattened(), D)?.into())
    }
}

impl<T: Float> AsRows<T> for [Vec<T>] {
    fn as_rows(&self) -> Result<Rows<'_, T>, KMeansError> {
        Ok(RowMajorBuf::from_rows(self)?.into())
    }
}

impl<T: Float> AsRows<T> for Vec<Vec<T>> {
    fn as_rows(&self) -> Result<Rows<'_, T>, KMeansError> {
        Ok(RowMajorBuf::from_rows(self)?.into())
    }
}

impl<T: Float> AsRows<T> for [&[T]] {
    fn as_rows(&self) -> Result<Rows<'_, T>, KMeansError> {
        Ok(RowMajorBuf::from_rows(self)?.into())
    }
}

impl<T: Float> AsRows<T> for Vec<&[T]> {
    fn as_rows(&self) -> Result<Rows<'_, T>, KMeansError> {
        Ok(RowMajorBuf::from_rows(self)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_width_arrays_are_an_error() {
        let rows: Vec<[f64; 0]> = vec![[], []];
        assert_eq!(rows.as_rows(), Err(KMeansError::ZeroFeatures));
    }

    #[test]
    fn rows_of_runtime_width_are_copied_once_in_order() {
        let rows = vec![vec![1.0_f64, 2.0, 3.0], vec![4.0, 5.0, 6.0]];
        let held = rows.as_rows().unwrap();
        assert!(!held.is_borrowed());
        assert_eq!(held.view().as_slice(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(held.view().n_features(), 3);
        let slices: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        assert_eq!(slices.as_rows().unwrap().view(), held.view());
        assert_eq!(slices[..].as_rows().unwrap().view(), held.view());
        assert_eq!(rows[..].as_rows().unwrap().view(), held.view());
    }

    #[test]
    fn ragged_rows_name_the_first_bad_row() {
        let rows = vec![vec![1.0_f32, 2.0], vec![3.0, 4.0], vec![5.0, 6.0, 7.0], vec![8.0]];
        assert_eq!(
            rows.as_rows(),
            Err(KMeansError::RaggedRow {
                row: 2,
                len: 3,
                expected: 2
            })
        );
        let empty: Vec<Vec<f32>> = Vec::new();
        assert_eq!(empty.as_rows(), Err(KMeansError::NoRows));
        assert_eq!(vec![Vec::<f32>::new()].as_rows(), Err(KMeansError::ZeroFeatures));
    }

    #[test]
    fn too_large_a_copy_is_an_error_not_an_abort() {
        assert!(matches!(
            try_buffer::<f64>(usize::MAX / 2, 3),
            Err(KMeansError::TooLarge { .. })
        ));
        assert!(matches!(
            try_buffer::<f64>(1 << 40, 1 << 20),
            Err(KMeansError::TooLarge { .. } | KMeansError::AllocationFailed { .. })
        ));
    }
}
