//! Each process's own contiguous range of a data file's rows.
//!
//! * **Row ranges.** Process `i` of `P` holds rows [`balanced_range`]`(n, P, i)`: the first
//!   `n mod P` processes one row more than the others, in file order.
//! * **Raw files** (little-endian `f32` or `f64`, row-major, `d` values per row, no header): `n`
//!   is the file's size over `d × size_of::<T>()` (a size that does not divide is an error), and
//!   a process seeks to its first row and reads only its range's bytes.
//! * **Text** (one row per line, fields separated by commas or semicolons, otherwise by spaces or
//!   tabs; blank lines skipped; a first non-blank line that is not all numbers is a header;
//!   gzip, sniffed by its magic bytes, decompressed on the fly), as the core crate's `cluster`
//!   example reads it. Lines have no fixed length, so a process cannot seek to its rows: it
//!   reads the text twice, once to count the rows (`n`, from which its range follows) and once
//!   to parse the rows of its range, stopping after the last one. Lines outside the range are
//!   only counted, never parsed: each is checked by the process that holds it. A gzip file is
//!   decompressed in both passes. The count costs a fraction of a parse; every process reading
//!   the whole text is the price of text: convert to raw for large data.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;

use crate::Element;
use flate2::read::MultiGzDecoder;

/// The rows `[start, end)` of process `index` among `parts`, for `n` rows: a balanced split
/// in order (sizes differ by at most one, the larger first).
///
/// ```
/// use k_means_timely::input::balanced_range;
/// assert_eq!(balanced_range(10, 3, 0), 0..4);
/// assert_eq!(balanced_range(10, 3, 1), 4..7);
/// assert_eq!(balanced_range(10, 3, 2), 7..10);
/// ```
#[must_use]
pub fn balanced_range(n: usize, parts: usize, index: usize) -> Range<usize> {
    let (base, extra) = (n / parts, n % parts);
    let start = index * base + index.min(extra);
    start..start + base + usize::from(index < extra)
}

/// One process's rows of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Part<T> {
    /// The rows of the range, flat and row-major.
    pub values: Vec<T>,
    /// Values per row; `None` for a text file when this process's range is empty (the width
    /// then comes from the peers).
    pub n_features: Option<usize>,
    /// The rows of the whole file.
    pub n_rows: usize,
    /// This process's rows of the file.
    pub range: Range<usize>,
}

/// Reads the rows of process `index` of `parts` from a raw little-endian file of
/// `n_features` values per row, by offset: only the range's bytes are read.
///
/// # Errors
///
/// I/O errors; a file size that is not a whole number of rows.
pub fn read_raw<T: Element>(
    path: &Path,
    n_features: usize,
    parts: usize,
    index: usize,
) -> Result<Part<T>, String> {
    let fail = |e: io::Error| format!("{}: {e}", path.display());
    if n_features == 0 {
        return Err("--features must be at least 1".into());
    }
    let mut file = File::open(path).map_err(fail)?;
    let len = file.metadata().map_err(fail)?.len();
    let row_bytes = (n_features * T::SIZE) as u64;
    if len % row_bytes != 0 {
        return Err(format!(
            "{}: {len} bytes is not a whole number of rows of {n_features} {} values ({row_bytes} bytes)",
            path.display(),
            T::NAME
        ));
    }
    let n_rows = usize::try_from(len / row_bytes).map_err(|_| "file too large".to_string())?;
    let range = balanced_range(n_rows, parts, index);
    file.seek(SeekFrom::Start(range.start as u64 * row_bytes))
        .map_err(fail)?;
    let mut bytes = vec![0u8; range.len() * n_features * T::SIZE];
    file.read_exact(&mut bytes).map_err(fail)?;
    let values = bytes.chunks_exact(T::SIZE).map(T::from_le).collect();
    Ok(Part {
        values,
        n_features: Some(n_features),
        n_rows,
        range,
    })
}

/// Opens `path`, decompressing it if its first bytes are the gzip magic number.
fn open(path: &Path) -> io::Result<Box<dyn BufRead>> {
    let mut reader = BufReader::with_capacity(1 << 16, File::open(path)?);
    if reader.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(reader),
        )))
    } else {
        Ok(Box::new(reader))
    }
}

/// The fields of a line: split on commas and semicolons if it has any, otherwise on whitespace.
fn fields(line: &str) -> Vec<&str> {
    if line.contains([',', ';']) {
        line.split([',', ';']).map(str::trim).collect()
    } else {
        line.split_whitespace().collect()
    }
}

/// A line of the file, as the two passes see it.
enum Line {
    Blank,
    Header,
    Row,
}

/// Walks the lines of a text file, classifying them; `on_row(line_no, row_index, text)` is
/// called for every row and returns `false` to stop.
fn walk<T: Element>(
    path: &Path,
    mut on_row: impl FnMut(usize, usize, &str) -> Result<bool, String>,
) -> Result<usize, String> {
    let mut reader = open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut buf = Vec::new();
    let mut line_no = 0;
    let mut rows = 0;
    let mut seen_first = false;
    loop {
        buf.clear();
        let read = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| format!("{}: line {}: {e}", path.display(), line_no + 1))?;
        if read == 0 {
            return Ok(rows);
        }
        line_no += 1;
        let kind = if buf.iter().all(u8::is_ascii_whitespace) {
            Line::Blank
        } else if !seen_first {
            seen_first = true;
            let text = text_of(path, line_no, &buf)?;
            let text = text.trim_start_matches('\u{feff}');
            if fields(text).iter().all(|f| f.parse::<T>().is_ok()) {
                Line::Row
            } else {
                Line::Header
            }
        } else {
            Line::Row
        };
        if let Line::Row = kind {
            let text = text_of(path, line_no, &buf)?;
            let text = if rows == 0 {
                text.trim_start_matches('\u{feff}')
            } else {
                text
            };
            if !on_row(line_no, rows, text)? {
                return Ok(rows + 1);
            }
            rows += 1;
        }
    }
}

fn text_of<'a>(path: &Path, line_no: usize, buf: &'a [u8]) -> Result<&'a str, String> {
    std::str::from_utf8(buf).map_err(|_| format!("{}: line {line_no}: not UTF-8 text", path.display()))
}

/// Reads the rows of process `index` of `parts` from a text file: counts the rows (first pass),
/// then parses those of its range (second pass, stopping after the range).
///
/// # Errors
///
/// I/O errors; a field of a row in the range that is not a finite number; rows of the range of
/// different widths.
pub fn read_text<T: Element>(path: &Path, parts: usize, index: usize) -> Result<Part<T>, String> {
    let n_rows = walk::<T>(path, |_, _, _| Ok(true))?;
    let range = balanced_range(n_rows, parts, index);
    let mut values = Vec::new();
    let mut width: Option<(usize, usize)> = None;
    if !range.is_empty() {
        walk::<T>(path, |line_no, row, text| {
            if row < range.start {
                return Ok(true);
            }
            let fields = fields(text);
            for (i, field) in fields.iter().enumerate() {
                let value: T = field.parse().map_err(|_| {
                    format!(
                        "{}: line {line_no}, field {}: {field:?} is not a number",
                        path.display(),
                        i + 1
                    )
                })?;
                if !value.is_finite() {
                    return Err(format!(
                        "{}: line {line_no}, field {}: {field:?} is not a finite {}",
                        path.display(),
                        i + 1,
                        T::NAME
                    ));
                }
                values.push(value);
            }
            match width {
                None => width = Some((fields.len(), line_no)),
                Some((w, first)) if w != fields.len() => {
                    return Err(format!(
                        "{}: line {line_no} has {} field(s), but line {first} has {w}",
                        path.display(),
                        fields.len()
                    ));
                }
                Some(_) => {}
            }
            Ok(row + 1 < range.end)
        })?;
    }
    Ok(Part {
        values,
        n_features: width.map(|(w, _)| w),
        n_rows,
        range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("k-means-timely-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::File::create(&path).unwrap().write_all(bytes).unwrap();
        path
    }

    #[test]
    fn ranges_tile_the_rows() {
        for n in 0..20 {
            for parts in 1..7 {
                let mut next = 0;
                for i in 0..parts {
                    let r = balanced_range(n, parts, i);
                    assert_eq!(r.start, next);
                    assert!(r.len() == n / parts || r.len() == n / parts + 1);
                    next = r.end;
                }
                assert_eq!(next, n);
            }
        }
    }

    #[test]
    fn text_parts_concatenate_to_the_file() {
        let path = temp("t.csv", b"x,y\n1,2\n\n3,4\r\n5,6\n7,8\n9,10\n");
        let mut all = Vec::new();
        for i in 0..3 {
            let part = read_text::<f64>(&path, 3, i).unwrap();
            assert_eq!(part.n_rows, 5);
            assert_eq!(part.n_features, Some(2));
            all.extend(part.values);
        }
        assert_eq!(all, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        let empty = read_text::<f64>(&path, 6, 5).unwrap();
        assert_eq!((empty.range, empty.n_features), (5..5, None));
    }

    #[test]
    fn errors_name_lines_of_the_range_only() {
        let path = temp("bad.txt", b"1 2\n3 x\n5 6\n7\n");
        assert!(
            read_text::<f64>(&path, 2, 0)
                .unwrap_err()
                .contains("line 2, field 2")
        );
        assert!(
            read_text::<f64>(&path, 2, 1)
                .unwrap_err()
                .contains("line 4 has 1 field(s)")
        );
        let path = temp("nan.txt", b"1e39\n");
        assert!(
            read_text::<f32>(&path, 1, 0)
                .unwrap_err()
                .contains("not a finite f32")
        );
    }

    #[test]
    fn gzip_is_read() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"1 2\n3 4\n").unwrap();
        let path = temp("g.txt.gz", &enc.finish().unwrap());
        let part = read_text::<f32>(&path, 2, 1).unwrap();
        assert_eq!(part.values, [3.0, 4.0]);
    }

    #[test]
    fn raw_ranges_are_read_by_offset() {
        let values: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let path = temp("r.f32", &bytes);
        let part = read_raw::<f32>(&path, 3, 2, 1).unwrap();
        assert_eq!((part.n_rows, part.range.clone()), (4, 2..4));
        assert_eq!(part.values, values[6..]);
        assert!(
            read_raw::<f32>(&path, 5, 1, 0)
                .unwrap_err()
                .contains("not a whole number")
        );
    }
}
