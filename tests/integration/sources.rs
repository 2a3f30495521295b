//! Fits over row sources: `fit_source` over a raw file written to a temporary folder equals
//! `fit` over the same rows in memory, bit for bit (f32 and f64; default options on both sides
//! of the k-means|| threshold, Lloyd, Hamerly, weights), whether the file is fitted in place
//! (memory-mapped) or read into memory through `read_rows` in blocks; and every error of a
//! source: a size that is not whole rows, an empty file, a NaN (row and column), a missing
//! file, a file that shrank, reads past the end.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use k_means::datasets::make_blobs;
use k_means::{
    Algorithm, Init, KMEANS_PARALLEL_FROM, KMeans, KMeansError, KMeansModel, RawFile, Refine, RowMajor,
    RowSource,
};
use proptest::prelude::*;

use crate::{Real, cast};

/// A file under the temporary folder, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    /// A new file holding `bytes`, under a name no other test (or process) uses.
    fn with_bytes(name: &str, bytes: &[u8]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("k-means-sources-{}-{unique}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        TempFile(path)
    }

    /// A new file holding `values` as raw little-endian values.
    fn with_values<T: Real>(name: &str, values: &[T]) -> Self {
        Self::with_bytes(name, &le_bytes(values))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `values` as little-endian bytes (4 or 8 each).
fn le_bytes<T: Real>(values: &[T]) -> Vec<u8> {
    let four = std::mem::size_of::<T>() == 4;
    values
        .iter()
        .flat_map(|v| {
            if four {
                (v.wide() as f32).to_le_bytes().to_vec()
            } else {
                v.wide().to_le_bytes().to_vec()
            }
        })
        .collect()
}

/// A source that does not lend its rows in place, so that `fit_source` reads them through
/// `read_rows` (in blocks of 65 536 rows).
struct ReadOnly<'a, S>(&'a S);

impl<T: Real, S: RowSource<T>> RowSource<T> for ReadOnly<'_, S> {
    fn n_rows(&self) -> usize {
        self.0.n_rows()
    }
    fn n_features(&self) -> usize {
        self.0.n_features()
    }
    fn read_rows(&self, start: usize, out: &mut [T]) -> Result<(), KMeansError> {
        self.0.read_rows(start, out)
    }
}

/// The model's centroid and inertia bits, beside the model itself (`==` on floats would let
/// 0.0 equal −0.0).
fn bits<T: Real>(m: &KMeansModel<T>) -> (Vec<u64>, u64) {
    (
        m.centroids().iter().map(|c| c.wide().to_bits()).collect(),
        m.inertia().to_bits(),
    )
}

/// `km.fit_source` over `data` written to a file, in place and read through `read_rows`,
/// equals `km.fit` over `data` in memory.
fn assert_source_equals_fit<T: Real>(km: &KMeans<T>, data: &[T], d: usize) {
    let expected = km.fit(&RowMajor::new(data, d).unwrap()).unwrap();
    let file = TempFile::with_values("rows", data);
    let source = RawFile::<T>::open(&file.0, d).unwrap();
    assert_eq!(source.n_rows(), data.len() / d);
    assert!(source.in_place().is_some() || !cfg!(unix));
    let in_place = km.fit_source(&source).unwrap();
    assert_eq!(in_place, expected);
    assert_eq!(bits(&in_place), bits(&expected));
    let read = km.fit_source(&ReadOnly(&source)).unwrap();
    assert_eq!(read, expected);
    assert_eq!(bits(&read), bits(&expected));
}

fn blobs<T: Real>(n: usize, d: usize, centers: usize, seed: u64) -> Vec<T> {
    make_blobs::<T>(n, d, centers, 1.0, seed).unwrap().data
}

fn default_options_below_the_parallel_threshold<T: Real>() {
    // 3000 × 4 × 3 < 2²¹: greedy k-means++, then Hamerly and breathing refinement.
    let (n, k, d) = (3000, 4, 3);
    assert!(n * k * d < KMEANS_PARALLEL_FROM);
    assert_source_equals_fit(&KMeans::<T>::new(k), &blobs::<T>(n, d, k, 7), d);
}

fn default_options_above_the_parallel_threshold<T: Real>() {
    // 65 537 × 8 × 4 ≥ 2²¹: k-means|| (and the read-into-memory copy spans two blocks of
    // 65 536 rows, the second of one row).
    let (n, k, d) = (65_537, 8, 4);
    assert!(n * k * d >= KMEANS_PARALLEL_FROM);
    let km = KMeans::<T>::new(k).max_iter(20);
    assert_source_equals_fit(&km, &blobs::<T>(n, d, k, 8), d);
}

fn each_algorithm<T: Real>() {
    let (n, k, d) = (5000, 6, 5);
    let data = blobs::<T>(n, d, k, 9);
    for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::Yinyang] {
        let km = KMeans::<T>::new(k)
            .algorithm(algorithm)
            .refine(Refine::None)
            .n_init(2);
        assert_source_equals_fit(&km, &data, d);
    }
    let random = KMeans::<T>::new(k).algorithm(Algorithm::Lloyd).init(Init::Random);
    assert_source_equals_fit(&random, &data, d);
}

#[test]
fn default_options_below_the_parallel_threshold_f32() {
    default_options_below_the_parallel_threshold::<f32>();
}
#[test]
fn default_options_below_the_parallel_threshold_f64() {
    default_options_below_the_parallel_threshold::<f64>();
}
#[test]
fn default_options_above_the_parallel_threshold_f32() {
    default_options_above_the_parallel_threshold::<f32>();
}
#[test]
fn default_options_above_the_parallel_threshold_f64() {
    default_options_above_the_parallel_threshold::<f64>();
}
#[test]
fn each_algorithm_f32() {
    each_algorithm::<f32>();
}
#[test]
fn each_algorithm_f64() {
    each_algorithm::<f64>();
}

#[test]
fn weighted_source_equals_fit_weighted() {
    let (n, k, d) = (2000, 3, 2);
    let data = blobs::<f64>(n, d, k, 10);
    let weights: Vec<f64> = (0..n).map(|i| (i % 5) as f64 * 0.5).collect();
    let km = KMeans::<f64>::new(k);
    let expected = km
        .fit_weighted(&RowMajor::new(&data, d).unwrap(), &weights)
        .unwrap();
    let file = TempFile::with_values("weighted", &data);
    let source = RawFile::<f64>::open(&file.0, d).unwrap();
    assert_eq!(km.fit_source_weighted(&source, &weights).unwrap(), expected);
    assert_eq!(
        km.fit_source_weighted(&ReadOnly(&source), &weights).unwrap(),
        expected
    );
    // The trait is object-safe: a `dyn RowSource` fits alike.
    let dynamic: &dyn RowSource<f64> = &source;
    assert_eq!(km.fit_source_weighted(dynamic, &weights).unwrap(), expected);
}

#[test]
fn read_rows_reads_the_values_written() {
    let data: Vec<f32> = (0..3 * 70_000).map(|i| i as f32 * 0.25 - 7.0).collect();
    let file = TempFile::with_values("read", &data);
    let source = RawFile::<f32>::open(&file.0, 3).unwrap();
    let mut out = vec![0.0_f32; 3 * 69_000];
    source.read_rows(1000, &mut out).unwrap();
    assert_eq!(out, data[3 * 1000..3 * 70_000]);
    let mut none: [f32; 0] = [];
    source.read_rows(70_000, &mut none).unwrap();
}

#[test]
fn a_size_that_is_not_whole_rows_is_an_error() {
    let file = TempFile::with_bytes("ragged", &[0_u8; 20]);
    let err = RawFile::<f64>::open(&file.0, 2).unwrap_err();
    assert_eq!(
        err,
        KMeansError::SourceSize {
            path: file.0.display().to_string(),
            bytes: 20,
            n_features: 2,
            element: "f64",
            row_bytes: 16,
        }
    );
    assert!(err.to_string().contains("20 bytes"), "{err}");
    assert!(err.to_string().contains("2 f64 values"), "{err}");
    // 20 bytes are five f32 values: one row of 5, not rows of 2.
    assert!(matches!(
        RawFile::<f32>::open(&file.0, 2),
        Err(KMeansError::SourceSize {
            element: "f32",
            row_bytes: 8,
            ..
        })
    ));
    assert_eq!(RawFile::<f32>::open(&file.0, 5).unwrap().n_rows(), 1);
    assert_eq!(
        RawFile::<f32>::open(&file.0, 0).unwrap_err(),
        KMeansError::ZeroFeatures
    );
}

#[test]
fn an_empty_file_has_no_rows() {
    let file = TempFile::with_bytes("empty", &[]);
    let source = RawFile::<f32>::open(&file.0, 4).unwrap();
    assert_eq!(source.n_rows(), 0);
    assert_eq!(
        KMeans::new(1).fit_source(&source).unwrap_err(),
        KMeansError::NoRows
    );
    assert_eq!(
        KMeans::new(1).fit_source(&ReadOnly(&source)).unwrap_err(),
        KMeansError::NoRows
    );
}

#[test]
fn a_nan_names_its_row_and_column() {
    let mut data = blobs::<f32>(1000, 3, 2, 11);
    data[3 * 617 + 2] = f32::NAN;
    let file = TempFile::with_values("nan", &data);
    let source = RawFile::<f32>::open(&file.0, 3).unwrap();
    let expected = KMeansError::NonFinite { row: 617, column: 2 };
    assert_eq!(KMeans::new(2).fit_source(&source).unwrap_err(), expected);
    assert_eq!(
        KMeans::new(2).fit_source(&ReadOnly(&source)).unwrap_err(),
        expected
    );
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let path = std::env::temp_dir().join(format!("k-means-sources-{}-missing.f32", std::process::id()));
    let err = RawFile::<f32>::open(&path, 2).unwrap_err();
    match &err {
        KMeansError::SourceRead {
            path: p,
            start: 0,
            end: 0,
            ..
        } => assert_eq!(*p, path.display().to_string()),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains(&path.display().to_string()), "{err}");
}

#[test]
fn a_file_that_shrank_is_a_read_error_naming_the_rows() {
    let data = blobs::<f64>(100_000, 2, 3, 12);
    let file = TempFile::with_values("shrinks", &data);
    let source = RawFile::<f64>::open(&file.0, 2).unwrap();
    // Cut the file after 70 000 rows: the second block of 65 536 rows cannot be read whole.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file.0)
        .unwrap()
        .set_len(70_000 * 16)
        .unwrap();
    let err = KMeans::new(3).fit_source(&ReadOnly(&source)).unwrap_err();
    match &err {
        KMeansError::SourceRead { path, start, end, .. } => {
            assert_eq!(*path, file.0.display().to_string());
            assert_eq!((*start, *end), (65_536, 100_000));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("rows 65536..100000"), "{err}");
}

#[test]
fn reads_past_the_end_or_of_partial_rows_are_errors() {
    let data = [1.0_f64, 2.0, 3.0, 4.0];
    let file = TempFile::with_values("short", &data);
    let source = RawFile::<f64>::open(&file.0, 2).unwrap();
    let mut two_rows = [0.0; 4];
    assert!(matches!(
        source.read_rows(1, &mut two_rows),
        Err(KMeansError::SourceRead { start: 1, end: 3, .. })
    ));
    let mut partial = [0.0; 3];
    assert!(matches!(
        source.read_rows(0, &mut partial),
        Err(KMeansError::SourceRead { .. })
    ));
    let rows = RowMajor::new(&data, 2).unwrap();
    assert!(matches!(
        RowSource::read_rows(&rows, 2, &mut [0.0; 2]),
        Err(KMeansError::SourceRead { start: 2, end: 3, .. })
    ));
    let mut row = [0.0; 2];
    RowSource::read_rows(&rows, 1, &mut row).unwrap();
    assert_eq!(row, [3.0, 4.0]);
}

fn case() -> impl Strategy<Value = (usize, usize, usize, u64, bool)> {
    (1_usize..300, 1_usize..6, 1_usize..5, any::<u64>(), any::<bool>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random rows of random small shapes: the file's fit is `fit`'s, f32 and f64.
    #[test]
    fn a_file_of_random_rows_fits_as_in_memory((n, d, k, seed, lloyd) in case()) {
        let k = k.min(n);
        let mut state = seed | 1;
        let values: Vec<f64> = (0..n * d)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % 2001) as f64 / 100.0 - 10.0
            })
            .collect();
        let algorithm = if lloyd { Algorithm::Lloyd } else { Algorithm::Auto };
        assert_source_equals_fit(&KMeans::<f32>::new(k).algorithm(algorithm).seed(seed), &cast::<f32>(&values), d);
        assert_source_equals_fit(&KMeans::<f64>::new(k).algorithm(algorithm).seed(seed), &values, d);
    }
}

/// A source that claims `n_rows` rows of 3 features and holds none.
struct Claims(usize);

impl RowSource<f32> for Claims {
    fn n_rows(&self) -> usize {
        self.0
    }
    fn n_features(&self) -> usize {
        3
    }
    fn read_rows(&self, _: usize, _: &mut [f32]) -> Result<(), KMeansError> {
        unreachable!("a source too large to copy is never read")
    }
}

#[test]
fn a_source_too_large_to_copy_into_memory_is_an_error() {
    let km = KMeans::<f32>::new(2);
    assert!(matches!(
        km.fit_source(&Claims(usize::MAX / 2)),
        Err(KMeansError::TooLarge { .. })
    ));
    // 2⁶⁰ values of 4 bytes: a size that does not overflow, but no machine has the memory.
    assert!(matches!(
        km.fit_source(&Claims((1 << 60) / 3)),
        Err(KMeansError::AllocationFailed { .. })
    ));
}
