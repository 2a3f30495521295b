//! Reading DATA: CSV (quoted fields allowed) or whitespace-separated text, gzip or not, a file
//! or stdin, into a flat row-major table of the chosen columns. Every error says which line and
//! which column.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;

use flate2::read::MultiGzDecoder;
use k_means::Float;

use crate::args::{ColumnRef, Delimiter};

/// The columns to read.
#[derive(Debug, Clone, Copy)]
pub enum Columns<'a> {
    /// Every column except the weights column.
    All,
    /// The user's `--columns`.
    Given(&'a [ColumnRef]),
    /// A saved model's: by name when the file has a header holding every name, else by number.
    Saved(&'a [SavedColumn]),
}

/// A column as a model remembers it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SavedColumn {
    /// 1-based.
    pub number: usize,
    /// The header's name for it, if the file had a header.
    pub name: Option<String>,
}

/// What to read and how.
#[derive(Debug, Clone, Copy)]
pub struct ReadSpec<'a> {
    pub columns: Columns<'a>,
    pub weights: Option<&'a ColumnRef>,
    /// `Some(true)`: the first line is a header; `Some(false)`: it is data; `None`: detect.
    pub header: Option<bool>,
    pub delimiter: Option<Delimiter>,
}

/// The numbers of the chosen columns, flat and row-major as `RowMajor` wants them.
#[derive(Debug)]
pub struct Table<T> {
    pub values: Vec<T>,
    /// The chosen columns, in order.
    pub columns: Vec<SavedColumn>,
    /// One weight per row, from the weights column.
    pub weights: Option<Vec<T>>,
    /// The 1-based line of every row, to report problems in the file's terms.
    pub lines: Vec<u64>,
    /// The header line, if the first line was one, and whether that was detected (not asked).
    pub header: Option<Header>,
    /// The separator used.
    pub delimiter: Delimiter,
}

/// The header line of a file.
#[derive(Debug)]
pub struct Header {
    pub line: u64,
    pub names: Vec<String>,
    pub detected: bool,
}

impl<T> Table<T> {
    pub fn n_features(&self) -> usize {
        self.columns.len()
    }

    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }

    /// "column 3 (\"y\")": how errors name a chosen column (0-based index into `columns`).
    pub fn describe_column(&self, index: usize) -> String {
        describe(&self.columns[index])
    }
}

fn describe(c: &SavedColumn) -> String {
    match &c.name {
        Some(name) => format!("column {} ({name:?})", c.number),
        None => format!("column {}", c.number),
    }
}

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io {
        line: u64,
        source: io::Error,
    },
    NotUtf8 {
        line: u64,
    },
    NotANumber {
        line: u64,
        column: String,
        text: String,
    },
    NotFinite {
        line: u64,
        column: String,
        text: String,
        ty: &'static str,
    },
    WrongWidth {
        line: u64,
        found: usize,
        expected: usize,
        first: u64,
    },
    MissingColumn {
        line: u64,
        column: usize,
        width: usize,
    },
    UnknownName {
        name: String,
        names: Vec<String>,
    },
    NoHeader {
        name: String,
    },
    WeightsClustered,
    NoColumns,
    NoRows,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io { line, source } => write!(f, "line {line}: {source}"),
            ReadError::NotUtf8 { line } => write!(f, "line {line} is not UTF-8 text"),
            ReadError::NotANumber { line, column, text } => {
                write!(f, "line {line}, {column}: {text:?} is not a number")?;
                if looks_like_decimal_comma(text) {
                    write!(f, " (a decimal comma? write numbers with a decimal point)")?;
                }
                Ok(())
            }
            ReadError::NotFinite {
                line,
                column,
                text,
                ty,
            } => {
                write!(f, "line {line}, {column}: {text:?} is not a finite {ty}")
            }
            ReadError::WrongWidth {
                line,
                found,
                expected,
                first,
            } => write!(
                f,
                "line {line} has {found} field(s), but line {first} has {expected}; \
                 every row needs the same number of fields"
            ),
            ReadError::MissingColumn { line, column, width } => write!(
                f,
                "line {line}: column {column} was asked for, but the line has {width} field(s)"
            ),
            ReadError::UnknownName { name, names } => {
                write!(f, "no column is named {name:?}; the header names {names:?}")
            }
            ReadError::NoHeader { name } => write!(
                f,
                "column {name:?} is named, but the file has no header line \
                 (give --header if its first line is one, or use column numbers)"
            ),
            ReadError::WeightsClustered => write!(f, "the weights column is also a column to cluster"),
            ReadError::NoColumns => write!(f, "no column to cluster (every column is the weights column)"),
            ReadError::NoRows => write!(f, "no rows of numbers found"),
        }
    }
}

fn looks_like_decimal_comma(text: &str) -> bool {
    text.split_once(',').is_some_and(|(a, b)| {
        !a.is_empty()
            && a.trim_start_matches('-').bytes().all(|c| c.is_ascii_digit())
            && !b.is_empty()
            && b.bytes().all(|c| c.is_ascii_digit())
    })
}

/// Opens `path` (`-` is stdin), decompressing it if it is gzip.
pub fn open(path: &Path) -> io::Result<Box<dyn BufRead>> {
    if path == Path::new("-") {
        maybe_gunzip(io::stdin().lock())
    } else {
        maybe_gunzip(BufReader::new(File::open(path)?))
    }
}

/// Wraps `reader` in a gzip decoder if its first bytes are the gzip magic number. Sniffing the
/// content rather than the `.gz` extension also handles compressed files with other names.
/// `MultiGzDecoder` reads all members of a multi-member file (`cat a.gz b.gz`), as `zcat` does.
///
/// Both magic bytes are read in full before deciding: a slow pipe can deliver the first byte
/// alone, which must not make a gzip stream text.
pub fn maybe_gunzip<'a, R: BufRead + 'a>(mut reader: R) -> io::Result<Box<dyn BufRead + 'a>> {
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < magic.len() {
        match reader.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let whole = io::Cursor::new(magic[..got].to_vec()).chain(reader);
    if magic[..got] == [0x1f, 0x8b] {
        Ok(Box::new(BufReader::new(MultiGzDecoder::new(whole))))
    } else {
        Ok(Box::new(BufReader::new(whole)))
    }
}

/// Whether a field is a number, or would be with a decimal point for its decimal comma
/// (`1,5`): a line with such a field is data, never a header.
fn looks_numeric(field: &str) -> bool {
    field.parse::<f64>().is_ok() || field.replacen(',', ".", 1).parse::<f64>().is_ok()
}

/// The separator of a first line: `;` if it has one (the separator of decimal-comma locales,
/// so `1,5;2,5` is two fields that fail to parse rather than four columns), else `,`, else
/// whitespace.
fn detect_delimiter(first_line: &str) -> Delimiter {
    if first_line.contains(';') {
        Delimiter::Byte(b';')
    } else if first_line.contains(',') {
        Delimiter::Byte(b',')
    } else {
        Delimiter::Whitespace
    }
}

/// Calls `each(line, fields)` for every non-blank record.
fn for_each_record(
    mut reader: Box<dyn BufRead + '_>,
    delimiter: Option<Delimiter>,
    mut each: impl FnMut(u64, &[&str]) -> Result<(), ReadError>,
) -> Result<Delimiter, ReadError> {
    // Read up to the first non-blank line to choose the separator, then read it again with the
    // rest.
    let mut prefix = String::new();
    let mut line_no = 0;
    let delimiter = match delimiter {
        Some(d) => d,
        None => loop {
            let start = prefix.len();
            line_no += 1;
            let n = reader.read_line(&mut prefix).map_err(|source| ReadError::Io {
                line: line_no,
                source,
            })?;
            if n == 0 || !prefix[start..].trim().is_empty() {
                break detect_delimiter(&prefix[start..]);
            }
        },
    };
    let reader = io::Cursor::new(prefix.into_bytes()).chain(reader);
    match delimiter {
        Delimiter::Byte(b) => {
            // csv-core (the csv crate's parser) fed one line at a time, so that the line of
            // every record is known exactly (the csv crate's record positions count from where
            // a read started, before the blank lines and the `\n` of a CRLF it skips).
            let mut parser = csv_core::ReaderBuilder::new().delimiter(b).build();
            let mut reader = BufReader::new(reader);
            let mut bytes = Vec::new();
            let mut out = vec![0u8; 4096];
            let mut ends = vec![0usize; 64];
            let (mut n_out, mut n_ends) = (0, 0);
            let (mut line, mut record_line) = (0, 0);
            // Whether bytes other than line breaks were fed since the last record ended: then
            // a record is open (a quoted field may go on over the next line).
            let mut open = false;
            loop {
                bytes.clear();
                let n = reader
                    .read_until(b'\n', &mut bytes)
                    .map_err(|source| ReadError::Io {
                        line: line + 1,
                        source,
                    })?;
                let eof = n == 0;
                if !eof {
                    line += 1;
                    if !open && bytes.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                }
                let mut input: &[u8] = &bytes;
                loop {
                    let (result, n_in, o, e) =
                        parser.read_record(input, &mut out[n_out..], &mut ends[n_ends..]);
                    if !open && input[..n_in].iter().any(|c| !matches!(c, b'\r' | b'\n')) {
                        open = true;
                        record_line = line;
                    }
                    input = &input[n_in..];
                    n_out += o;
                    n_ends += e;
                    match result {
                        csv_core::ReadRecordResult::InputEmpty => break,
                        csv_core::ReadRecordResult::OutputFull => out.resize(out.len() * 2, 0),
                        csv_core::ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
                        csv_core::ReadRecordResult::Record => {
                            let text = std::str::from_utf8(&out[..n_out])
                                .map_err(|_| ReadError::NotUtf8 { line: record_line })?;
                            let mut start = 0;
                            let fields: Vec<&str> = ends[..n_ends]
                                .iter()
                                .map(|&end| {
                                    let field = text[start..end].trim();
                                    start = end;
                                    field
                                })
                                .collect();
                            (n_out, n_ends, open) = (0, 0, false);
                            // A line of only separators is blank too.
                            if !fields.iter().all(|f| f.is_empty()) {
                                each(record_line, &fields)?;
                            }
                            // Empty input tells csv-core the data has ended: only at the end.
                            if input.is_empty() && !eof {
                                break;
                            }
                        }
                        csv_core::ReadRecordResult::End => return Ok(delimiter),
                    }
                }
            }
        }
        Delimiter::Whitespace => {
            let mut reader = BufReader::new(reader);
            let mut text = String::new();
            let mut line = 0;
            loop {
                text.clear();
                line += 1;
                let n = reader
                    .read_line(&mut text)
                    .map_err(|source| ReadError::Io { line, source })?;
                if n == 0 {
                    break;
                }
                let fields: Vec<&str> = text.split_whitespace().collect();
                if !fields.is_empty() {
                    each(line, &fields)?;
                }
            }
        }
    }
    Ok(delimiter)
}

/// The 0-based field index of `c` in a record, given the header's names.
fn resolve(c: &ColumnRef, names: Option<&[String]>) -> Result<usize, ReadError> {
    match c {
        ColumnRef::Number(n) => Ok(n - 1),
        ColumnRef::Name(name) => {
            let names = names.ok_or_else(|| ReadError::NoHeader { name: name.clone() })?;
            names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| ReadError::UnknownName {
                    name: name.clone(),
                    names: names.to_vec(),
                })
        }
    }
}

/// Reads the table `spec` asks for from `reader`.
pub fn read_table<T: Float + FromStr>(
    reader: Box<dyn BufRead + '_>,
    spec: &ReadSpec<'_>,
) -> Result<Table<T>, ReadError> {
    let mut table = Table {
        values: Vec::new(),
        columns: Vec::new(),
        weights: spec.weights.map(|_| Vec::new()),
        lines: Vec::new(),
        header: None,
        delimiter: Delimiter::Whitespace,
    };
    // Field indices of the chosen columns and of the weights, set at the first record.
    let mut chosen: Vec<usize> = Vec::new();
    let mut weight_field: Option<usize> = None;
    let mut width = 0;
    let mut first_line = 0;
    let mut first = true;
    let ty = std::any::type_name::<T>();
    let parse = |text: &str, line: u64, column: &SavedColumn| -> Result<T, ReadError> {
        let value: T = text.parse().map_err(|_| ReadError::NotANumber {
            line,
            column: describe(column),
            text: text.to_string(),
        })?;
        // `parse` accepts "NaN" and "inf", and f32 overflows to infinity: reject those here,
        // where the line is known.
        if !value.is_finite() {
            return Err(ReadError::NotFinite {
                line,
                column: describe(column),
                text: text.to_string(),
                ty,
            });
        }
        Ok(value)
    };
    let mut weight_column = SavedColumn {
        number: 0,
        name: None,
    };
    let delimiter = for_each_record(reader, spec.delimiter, |line, fields| {
        let mut fields = fields.to_vec();
        if first {
            first = false;
            // A byte-order mark, as some spreadsheet exports write, is not part of the field.
            fields[0] = fields[0].trim_start_matches('\u{feff}');
            let is_header = spec
                .header
                .unwrap_or_else(|| !fields.iter().any(|f| looks_numeric(f)));
            width = fields.len();
            first_line = line;
            let names: Option<Vec<String>> =
                is_header.then(|| fields.iter().map(|f| f.to_string()).collect());
            let name_of = |i: usize| names.as_ref().and_then(|n| n.get(i).cloned());
            weight_field = spec.weights.map(|w| resolve(w, names.as_deref())).transpose()?;
            if let Some(w) = weight_field {
                weight_column = SavedColumn {
                    number: w + 1,
                    name: name_of(w),
                };
            }
            chosen = match spec.columns {
                Columns::All => (0..width).filter(|&i| Some(i) != weight_field).collect(),
                Columns::Given(cols) => cols
                    .iter()
                    .map(|c| resolve(c, names.as_deref()))
                    .collect::<Result<_, _>>()?,
                Columns::Saved(cols) => {
                    let by_name = names.as_ref().is_some_and(|names| {
                        cols.iter()
                            .all(|c| c.name.as_ref().is_some_and(|n| names.contains(n)))
                    });
                    cols.iter()
                        .map(|c| match (&c.name, by_name) {
                            (Some(name), true) => resolve(&ColumnRef::Name(name.clone()), names.as_deref()),
                            _ => Ok(c.number - 1),
                        })
                        .collect::<Result<_, _>>()?
                }
            };
            if chosen.is_empty() {
                return Err(ReadError::NoColumns);
            }
            if weight_field.is_some_and(|w| chosen.contains(&w)) {
                return Err(ReadError::WeightsClustered);
            }
            table.columns = chosen
                .iter()
                .map(|&i| SavedColumn {
                    number: i + 1,
                    name: name_of(i),
                })
                .collect();
            if let Some(names) = names {
                table.header = Some(Header {
                    line,
                    names,
                    detected: spec.header.is_none(),
                });
                return Ok(());
            }
        } else if fields.len() != width {
            return Err(ReadError::WrongWidth {
                line,
                found: fields.len(),
                expected: width,
                first: first_line,
            });
        }
        for (column, &i) in table.columns.iter().zip(&chosen) {
            let text = fields.get(i).ok_or(ReadError::MissingColumn {
                line,
                column: i + 1,
                width: fields.len(),
            })?;
            table.values.push(parse(text, line, column)?);
        }
        if let (Some(w), Some(weights)) = (weight_field, table.weights.as_mut()) {
            let text = fields.get(w).ok_or(ReadError::MissingColumn {
                line,
                column: w + 1,
                width: fields.len(),
            })?;
            weights.push(parse(text, line, &weight_column)?);
        }
        table.lines.push(line);
        Ok(())
    })?;
    table.delimiter = delimiter;
    if table.lines.is_empty() {
        return Err(ReadError::NoRows);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    const ALL: ReadSpec<'static> = ReadSpec {
        columns: Columns::All,
        weights: None,
        header: None,
        delimiter: None,
    };

    fn read_with(text: &str, spec: &ReadSpec<'_>) -> Result<Table<f64>, ReadError> {
        read_table(maybe_gunzip(Cursor::new(text.as_bytes().to_vec())).unwrap(), spec)
    }

    fn read(text: &str) -> Result<Table<f64>, ReadError> {
        read_with(text, &ALL)
    }

    #[test]
    fn csv_header_is_detected_and_named() {
        let t = read("x,y\n1,2\n3.5,-4e1\n").unwrap();
        let header = t.header.as_ref().unwrap();
        assert_eq!((header.line, header.detected), (1, true));
        assert_eq!(header.names, ["x", "y"]);
        assert_eq!(t.describe_column(1), r#"column 2 ("y")"#);
        assert_eq!((t.n_features(), t.values), (2, vec![1.0, 2.0, 3.5, -40.0]));
        assert_eq!(t.lines, [2, 3]);
    }

    #[test]
    fn quoting_blank_lines_crlf_and_whitespace() {
        let t = read("\"a, b\",c\r\n\r\n\"1\", 2\r\n3,\"4\"\r\n").unwrap();
        assert_eq!(t.header.as_ref().unwrap().names, ["a, b", "c"]);
        assert_eq!(t.values, [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(t.lines, [3, 4]);
        let t = read("\n1 2\n\n3\t  4\n").unwrap();
        assert_eq!(t.delimiter, Delimiter::Whitespace);
        assert!(t.header.is_none());
        assert_eq!((t.values, t.lines), (vec![1.0, 2.0, 3.0, 4.0], vec![2, 4]));
        let t = read("1.5; 2.5\n3;4\n").unwrap();
        assert_eq!(t.delimiter, Delimiter::Byte(b';'));
        assert_eq!(t.values, [1.5, 2.5, 3.0, 4.0]);
    }

    #[test]
    fn a_quoted_field_over_two_lines_keeps_the_line_numbers() {
        let t = read("x,\"second\nname\"\n1,2\n\n3,4\n").unwrap();
        assert_eq!(t.header.as_ref().unwrap().names, ["x", "second\nname"]);
        assert_eq!((t.values, t.lines), (vec![1.0, 2.0, 3.0, 4.0], vec![3, 5]));
        let err = read("a;b\r\n\r\n1;2\r\n3;\"x\"\r\n").unwrap_err();
        assert_eq!(err.to_string(), r#"line 4, column 2 ("b"): "x" is not a number"#);
    }

    #[test]
    fn a_given_delimiter_is_used() {
        let tab = ReadSpec {
            delimiter: Some(Delimiter::Byte(b'\t')),
            ..ALL
        };
        let t = read_with("a b\tc\n1\t2\n", &tab).unwrap();
        assert_eq!(t.header.as_ref().unwrap().names, ["a b", "c"]);
        assert_eq!(t.values, [1.0, 2.0]);
        // An empty field between two tabs is a missing value, not a narrower row.
        let err = read_with("1\t\t2\n", &tab).unwrap_err();
        assert_eq!(err.to_string(), r#"line 1, column 2: "" is not a number"#);
        let blanks = ReadSpec {
            delimiter: Some(Delimiter::Whitespace),
            ..ALL
        };
        let err = read_with("1,5 2\n", &blanks).unwrap_err();
        assert!(err.to_string().contains("decimal comma"), "{err}");
    }

    #[test]
    fn bad_values_name_line_and_column() {
        let err = read("x,y\n1,2\n\n3,abc\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"line 4, column 2 ("y"): "abc" is not a number"#
        );
        let err = read("1 2\n3 nan\n").unwrap_err();
        assert_eq!(err.to_string(), r#"line 2, column 2: "nan" is not a finite f64"#);
        let err = read("a,b\n1,2\n3\n").unwrap_err();
        assert!(matches!(
            err,
            ReadError::WrongWidth {
                line: 3,
                found: 1,
                expected: 2,
                first: 1
            }
        ));
        let err = read("1,2\n3,\n").unwrap_err();
        assert!(matches!(err, ReadError::NotANumber { line: 2, .. }), "{err:?}");
        assert!(matches!(read("x\n\n"), Err(ReadError::NoRows)));
        let err = read_table::<f32>(maybe_gunzip(Cursor::new("1e39 0\n")).unwrap(), &ALL).unwrap_err();
        assert_eq!(err.to_string(), r#"line 1, column 1: "1e39" is not a finite f32"#);
    }

    #[test]
    fn a_first_row_with_a_typo_is_an_error_not_a_header() {
        let err = read("1.5,2x\n3,4\n").unwrap_err();
        assert_eq!(err.to_string(), r#"line 1, column 2: "2x" is not a number"#);
        let t = read("x,2y\n3,4\n").unwrap();
        assert_eq!(t.values, [3.0, 4.0]);
    }

    #[test]
    fn decimal_commas_are_an_error_with_a_hint() {
        let err = read("1,5;2,5\n3,5;4,0\n").unwrap_err();
        assert!(matches!(err, ReadError::NotANumber { line: 1, .. }), "{err:?}");
        assert!(err.to_string().contains("decimal comma"), "{err}");
    }

    #[test]
    fn header_flags_decide() {
        let forced = ReadSpec {
            header: Some(true),
            ..ALL
        };
        let t = read_with("1,2\n3,4\n", &forced).unwrap();
        assert_eq!(t.header.as_ref().map(|h| h.detected), Some(false));
        assert_eq!(t.values, [3.0, 4.0]);
        let data = ReadSpec {
            header: Some(false),
            ..ALL
        };
        let err = read_with("x,y\n3,4\n", &data).unwrap_err();
        assert_eq!(err.to_string(), r#"line 1, column 1: "x" is not a number"#);
    }

    #[test]
    fn columns_and_weights_by_name_and_number() {
        let text = "id,x,w,y\na,1,2,3\nb,4,5,6\n";
        let cols = [ColumnRef::Name("y".into()), ColumnRef::Number(2)];
        let w = ColumnRef::Name("w".into());
        let spec = ReadSpec {
            columns: Columns::Given(&cols),
            weights: Some(&w),
            ..ALL
        };
        let t = read_with(text, &spec).unwrap();
        assert_eq!(t.values, [3.0, 1.0, 6.0, 4.0]);
        assert_eq!(t.weights, Some(vec![2.0, 5.0]));
        assert_eq!(
            t.columns[0],
            SavedColumn {
                number: 4,
                name: Some("y".into())
            }
        );
        // Every column but the weights by default: the id column is then an error.
        let spec = ReadSpec {
            weights: Some(&w),
            ..ALL
        };
        let err = read_with(text, &spec).unwrap_err();
        assert_eq!(err.to_string(), r#"line 2, column 1 ("id"): "a" is not a number"#);
        let missing = [ColumnRef::Name("z".into())];
        let spec = ReadSpec {
            columns: Columns::Given(&missing),
            ..ALL
        };
        assert!(matches!(
            read_with(text, &spec),
            Err(ReadError::UnknownName { .. })
        ));
        assert!(matches!(
            read_with("1 2\n", &spec),
            Err(ReadError::NoHeader { .. })
        ));
        let far = [ColumnRef::Number(9)];
        let spec = ReadSpec {
            columns: Columns::Given(&far),
            ..ALL
        };
        assert!(matches!(
            read_with("1 2\n", &spec),
            Err(ReadError::MissingColumn {
                line: 1,
                column: 9,
                ..
            })
        ));
        let both = [ColumnRef::Name("w".into())];
        let spec = ReadSpec {
            columns: Columns::Given(&both),
            weights: Some(&w),
            ..ALL
        };
        assert!(matches!(read_with(text, &spec), Err(ReadError::WeightsClustered)));
    }

    #[test]
    fn saved_columns_by_name_then_by_number() {
        let saved = [SavedColumn {
            number: 1,
            name: Some("y".into()),
        }];
        let spec = ReadSpec {
            columns: Columns::Saved(&saved),
            ..ALL
        };
        // The header holds "y" (now second): by name.
        assert_eq!(read_with("x,y\n1,2\n", &spec).unwrap().values, [2.0]);
        // No header: by number.
        assert_eq!(read_with("1,2\n", &spec).unwrap().values, [1.0]);
    }

    #[test]
    fn gzip_is_read_transparently_even_on_a_slow_pipe() {
        use flate2::{Compression, write::GzEncoder};
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(b"x y\n1 2\n3 4\n").unwrap();
        let bytes = gz.finish().unwrap();
        let t: Table<f64> = read_table(maybe_gunzip(Cursor::new(bytes.clone())).unwrap(), &ALL).unwrap();
        assert_eq!(t.values, [1.0, 2.0, 3.0, 4.0]);

        /// Hands out one byte per call, as a slow pipe can.
        struct Trickle(Vec<u8>, usize);
        impl io::Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.1 == self.0.len() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[self.1];
                self.1 += 1;
                Ok(1)
            }
        }
        let slow = BufReader::new(Trickle(bytes, 0));
        let t: Table<f64> = read_table(maybe_gunzip(slow).unwrap(), &ALL).unwrap();
        assert_eq!(t.values, [1.0, 2.0, 3.0, 4.0]);
        let one = BufReader::new(Trickle(b"7".to_vec(), 0));
        assert_eq!(
            read_table::<f64>(maybe_gunzip(one).unwrap(), &ALL)
                .unwrap()
                .values,
            [7.0]
        );
    }
}
