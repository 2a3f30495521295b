//! [`RawFile`]: a file of raw little-endian row-major f32 or f64 values, as a [`RowSource`].

use std::fs::File;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use super::RowSource;
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;

#[cfg(all(unix, target_endian = "little"))]
use super::mapping::Mapping;

/// A file of raw values: `n_rows × n_features` little-endian `T` (`f32` or `f64`), row-major,
/// no header (what `numpy.ndarray.tofile` writes for a C-ordered `float32`/`float64` array).
///
/// [`open`](Self::open) checks the shape once: the file's size must be a whole number of rows.
/// [`KMeans::fit_source`](crate::KMeans::fit_source) then fits the file where it is, without
/// loading it: on unix (little-endian), the file is memory-mapped read-only and the pages the
/// fit has read are dropped from the process as it goes (they stay in the operating system's
/// page cache, which is not the process's memory), so the fit's resident memory is its per-row
/// state plus a window of the file, whatever the file's size. Elsewhere, `fit_source` reads the
/// rows into memory with [`read_rows`](RowSource::read_rows).
///
/// The file must not be modified or truncated while a fit reads it in place: a mapped page
/// that no longer exists is a bus error (the process stops), as with any memory-mapped file.
/// [`read_rows`](RowSource::read_rows) never reads through the mapping, so a truncated file is
/// a [`KMeansError::SourceRead`] there.
///
/// # Examples
///
/// ```
/// use k_means::{KMeans, RawFile, RowMajor, RowSource};
///
/// let data = [0.0_f32, 0.0, 0.0, 1.0, 9.0, 9.0, 9.0, 8.0];
/// let path = std::env::temp_dir().join(format!("k-means-rawfile-doc-{}.f32", std::process::id()));
/// let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
/// std::fs::write(&path, bytes).unwrap();
///
/// let file = RawFile::<f32>::open(&path, 2)?;
/// assert_eq!((file.n_rows(), file.n_features()), (4, 2));
/// let mut row = [0.0_f32; 2];
/// file.read_rows(3, &mut row)?;
/// assert_eq!(row, [9.0, 8.0]);
///
/// let km = KMeans::new(2);
/// assert_eq!(km.fit_source(&file)?, km.fit(&RowMajor::new(&data, 2)?)?);
/// # drop(file);
/// std::fs::remove_file(&path).unwrap();
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[derive(Debug)]
pub struct RawFile<T> {
    file: File,
    path: PathBuf,
    n_rows: usize,
    n_features: usize,
    #[cfg(all(unix, target_endian = "little"))]
    mapping: Option<Mapping>,
    element: PhantomData<T>,
}

impl<T: Float> RawFile<T> {
    /// Opens `path` as rows of `n_features` values of `T`, checking that its size is a whole
    /// number of rows (an empty file is zero rows: fitting it is [`KMeansError::NoRows`]).
    /// Values are not read here; a fit checks them in its first pass.
    ///
    /// # Errors
    ///
    /// [`KMeansError::ZeroFeatures`] if `n_features` is 0; [`KMeansError::SourceRead`] (rows
    /// `0..0`) if the file cannot be opened, its size read or (on unix) mapped;
    /// [`KMeansError::SourceSize`] if its size is not a multiple of `n_features × size_of::<T>()`
    /// bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use k_means::{KMeansError, RawFile, RowSource};
    ///
    /// let path = std::env::temp_dir().join(format!("k-means-open-doc-{}.f64", std::process::id()));
    /// std::fs::write(&path, [0_u8; 24]).unwrap(); // three f64 values
    /// assert!(matches!(
    ///     RawFile::<f64>::open(&path, 2),
    ///     Err(KMeansError::SourceSize { bytes: 24, n_features: 2, element: "f64", row_bytes: 16, .. })
    /// ));
    /// assert_eq!(RawFile::<f64>::open(&path, 3).map(|f| f.n_rows()), Ok(1));
    /// std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), KMeansError>(())
    /// ```
    pub fn open(path: impl AsRef<Path>, n_features: usize) -> Result<Self, KMeansError> {
        let path = path.as_ref().to_path_buf();
        if n_features == 0 {
            return Err(KMeansError::ZeroFeatures);
        }
        let opening = |e: std::io::Error| KMeansError::SourceRead {
            path: path.display().to_string(),
            start: 0,
            end: 0,
            reason: e.to_string(),
        };
        let file = File::open(&path).map_err(opening)?;
        let bytes = file.metadata().map_err(opening)?.len();
        let value_bytes = std::mem::size_of::<T>() as u64;
        let element = if value_bytes == 4 { "f32" } else { "f64" };
        let row_bytes = (n_features as u64).checked_mul(value_bytes);
        let n_rows = row_bytes
            .filter(|&r| bytes.is_multiple_of(r))
            .and_then(|r| usize::try_from(bytes / r).ok());
        let Some(n_rows) = n_rows else {
            return Err(KMeansError::SourceSize {
                path: path.display().to_string(),
                bytes,
                n_features,
                element,
                row_bytes: row_bytes.unwrap_or(u64::MAX),
            });
        };
        #[cfg(all(unix, target_endian = "little"))]
        let mapping = match usize::try_from(bytes) {
            Ok(0) => None,
            Ok(len) => Some(Mapping::of(&file, len).map_err(opening)?),
            Err(_) => None,
        };
        Ok(RawFile {
            file,
            path,
            n_rows,
            n_features,
            #[cfg(all(unix, target_endian = "little"))]
            mapping,
            element: PhantomData,
        })
    }

    /// The file's path, as given to [`open`](Self::open).
    ///
    /// # Examples
    ///
    /// ```
    /// # use k_means::RawFile;
    /// let path = std::env::temp_dir().join(format!("k-means-path-doc-{}.f32", std::process::id()));
    /// std::fs::write(&path, []).unwrap();
    /// assert_eq!(RawFile::<f32>::open(&path, 1)?.path(), path);
    /// std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads `buf.len()` bytes at byte `offset` of the file, without moving any cursor (so
    /// that reads from several threads do not interfere).
    #[cfg(unix)]
    fn read_bytes_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset)
    }

    #[cfg(windows)]
    fn read_bytes_at(&self, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
        while !buf.is_empty() {
            match std::os::windows::fs::FileExt::seek_read(&self.file, buf, offset)? {
                0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                n => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }

    #[cfg(not(any(unix, windows)))]
    fn read_bytes_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = self.file.try_clone()?;
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(buf)
    }
}

/// Rows of a file are read in blocks of this many bytes at most (so `read_rows` needs no
/// buffer larger than this beside its output).
const READ_BLOCK_BYTES: usize = 1 << 20;

impl<T: Float> RowSource<T> for RawFile<T> {
    fn n_rows(&self) -> usize {
        self.n_rows
    }

    fn n_features(&self) -> usize {
        self.n_features
    }

    fn read_rows(&self, start: usize, out: &mut [T]) -> Result<(), KMeansError> {
        let d = self.n_features;
        let count = out.len() / d;
        let end = start.saturating_add(count);
        let failed = |reason: String| KMeansError::SourceRead {
            path: self.path.display().to_string(),
            start,
            end,
            reason,
        };
        if !out.len().is_multiple_of(d) {
            return Err(failed(format!(
                "the buffer of {} values is not a whole number of rows of {d}",
                out.len()
            )));
        }
        if end > self.n_rows {
            return Err(failed(format!("the file has {} rows", self.n_rows)));
        }
        let value_bytes = std::mem::size_of::<T>();
        let mut bytes = vec![0_u8; READ_BLOCK_BYTES.min(std::mem::size_of_val(out))];
        let per_block = (bytes.len() / value_bytes).max(1);
        let mut offset = (start * d * value_bytes) as u64;
        for block in out.chunks_mut(per_block) {
            let raw = &mut bytes[..std::mem::size_of_val(block)];
            self.read_bytes_at(raw, offset)
                .map_err(|e| failed(e.to_string()))?;
            for (v, b) in block.iter_mut().zip(raw.chunks_exact(value_bytes)) {
                *v = decode(b);
            }
            offset += raw.len() as u64;
        }
        Ok(())
    }

    fn in_place(&self) -> Option<RowMajor<'_, T>> {
        #[cfg(all(unix, target_endian = "little"))]
        if let Some(mapping) = &self.mapping {
            return RowMajor::new(mapping.as_values(), self.n_features).ok();
        }
        None
    }

    fn release_resident(&self) {
        #[cfg(all(unix, target_endian = "little"))]
        if let Some(mapping) = &self.mapping {
            mapping.release();
        }
    }
}

/// One little-endian value of `T` (4 or 8 bytes).
fn decode<T: Float>(b: &[u8]) -> T {
    if b.len() == 4 {
        // Widening an f32 to f64 and back is exact, so this is the stored value.
        T::from_f64_(f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
    } else {
        T::from_f64_(f64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    }
}
