//! Row-major data views and the input conversions `fit`, `predict` and `transform` accept.

use crate::error::KMeansError;
use crate::float::Float;

/// A borrowed, row-major matrix: `n_rows` rows of `n_features` values each, stored
/// contiguously as `data[row * n_features + column]`.
///
/// Built by the checked constructor [`RowMajor::new`], so a view always has a consistent
/// shape (at least one feature, a whole number of rows). Values are not checked here: `fit`
/// and friends check them once, at their boundary.
///
/// # Example
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
    /// # Example
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

/// Anything that can be viewed as row-major rows of `T`: a [`RowMajor`] view, or rows given as
/// fixed-size arrays (`Vec<[T; D]>`, `[[T; D]]`, `[[T; D]; N]`), which are already row-major in
/// memory.
///
/// # Example
///
/// ```
/// use k_means::AsRows;
///
/// let rows: Vec<[f32; 2]> = vec![[1.0, 2.0], [3.0, 4.0]];
/// let view = rows.as_rows()?;
/// assert_eq!(view.n_rows(), 2);
/// assert_eq!(view.as_slice(), &[1.0, 2.0, 3.0, 4.0]);
/// # Ok::<(), k_means::KMeansError>(())
/// ```
pub trait AsRows<T: Float> {
    /// The row-major view of `self`.
    ///
    /// # Errors
    ///
    /// [`KMeansError::ZeroFeatures`] for rows of zero width (`[T; 0]`).
    fn as_rows(&self) -> Result<RowMajor<'_, T>, KMeansError>;
}

impl<T: Float> AsRows<T> for RowMajor<'_, T> {
    fn as_rows(&self) -> Result<RowMajor<'_, T>, KMeansError> {
        Ok(*self)
    }
}

impl<T: Float, const D: usize> AsRows<T> for [[T; D]] {
    fn as_rows(&self) -> Result<RowMajor<'_, T>, KMeansError> {
        RowMajor::new(self.as_flattened(), D)
    }
}

impl<T: Float, const D: usize, const N: usize> AsRows<T> for [[T; D]; N] {
    fn as_rows(&self) -> Result<RowMajor<'_, T>, KMeansError> {
        RowMajor::new(self.as_flattened(), D)
    }
}

impl<T: Float, const D: usize> AsRows<T> for Vec<[T; D]> {
    fn as_rows(&self) -> Result<RowMajor<'_, T>, KMeansError> {
        RowMajor::new(self.as_flattened(), D)
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
}
