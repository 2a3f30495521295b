//! `cluster`: k-means on your own data file, from the command line.
//!
//! ```text
//! cargo run --release --example cluster -- points.csv -k 5 --labels labels.txt
//! cargo run --release --example cluster -- points.txt.gz -k 15 --json
//! ```
//!
//! Run with `--help` for every option. The reading code is in small functions with unit tests
//! (`cargo test --example cluster`).

use std::ffi::OsString;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

use flate2::read::MultiGzDecoder;
use k_means::{Float, Init, KMeans, KMeansError, KMeansModel, RowMajor};

const USAGE: &str = "\
usage: cluster FILE -k K [--seed S] [--init kmeans++|random] [--n-init N] [--max-iter N]
               [--tolerance X] [--labels OUT] [--centroids OUT] [--json] [--f32]";

const HELP: &str = "\
Clusters the rows of FILE with k-means and prints a summary to stderr.

FILE holds one row of numbers per line, separated by semicolons, commas, tabs or spaces (a
line with a semicolon is split on semicolons only; numbers use a decimal point, so a decimal
comma such as `1,5;2,5` is an error). Blank lines are skipped; a first line in which no field
is a number is skipped as a header (one with some numbers is data, and a bad field in it is an
error); gzip-compressed input is detected by its first bytes and decompressed on the fly. FILE
`-` reads stdin. Writing to a closed pipe (`... --json | head -c1`) ends quietly.

options:
  -k K               number of clusters (required)
  --seed S           seed of the random starts [default: 0]
  --init METHOD      kmeans++ or random [default: kmeans++]
  --n-init N         runs from different starts, the best is kept
                     [default: 1 for kmeans++, 10 for random]
  --max-iter N       iterations per run at most [default: 300]
  --tolerance X      stop when the centroids move less than X times the data's mean
                     per-feature variance; 0 runs until no label changes [default: 1e-4]
  --labels OUT       write each row's cluster (0..K-1), one per line; `-` is stdout
  --centroids OUT    write the K centroids, one per line; `-` is stdout
  --json             print the summary as one JSON object on stdout
  --f32              read and cluster the data as f32 instead of f64
  -h, --help         print this help

Exit status: 0 on success, 1 if reading or clustering fails, 2 for bad arguments.";

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args_os().skip(1)) {
        Ok(opts) => opts,
        Err(ArgError::Help) => {
            // `cluster --help | head -1`: a closed pipe is not an error.
            let _ = writeln!(io::stdout(), "{USAGE}\n\n{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(ArgError::Usage(msg)) => {
            let _ = writeln!(
                io::stderr(),
                "error: {msg}\n\n{USAGE}\n\nRun with --help for details."
            );
            return ExitCode::from(2);
        }
    };
    let result = if opts.f32 {
        run::<f32>(&opts)
    } else {
        run::<f64>(&opts)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output has gone (`| head`): nothing more to say, and no one to say
        // it to.
        Err(Failure::BrokenPipe) => ExitCode::SUCCESS,
        Err(Failure::Message(msg)) => {
            // If stderr is closed too, there is nothing left to do.
            let _ = writeln!(io::stderr(), "error: {msg}");
            ExitCode::from(1)
        }
    }
}

/// Why `run` stopped early.
#[derive(Debug, PartialEq)]
enum Failure {
    /// A message for stderr.
    Message(String),
    /// Stdout (or an output file that is a pipe) was closed by its reader.
    BrokenPipe,
}

impl From<String> for Failure {
    fn from(msg: String) -> Self {
        Failure::Message(msg)
    }
}

/// A write error: a closed pipe ends the program quietly, anything else is reported.
fn write_failure(e: &io::Error, what: &str, name: &str) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure::BrokenPipe
    } else {
        Failure::Message(format!("cannot write {what} to {name}: {e}"))
    }
}

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InitMethod {
    KMeansPlusPlus,
    Random,
}

impl InitMethod {
    fn name(self) -> &'static str {
        match self {
            InitMethod::KMeansPlusPlus => "kmeans++",
            InitMethod::Random => "random",
        }
    }
}

/// Where `--labels` or `--centroids` go.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Output {
    Stdout,
    File(PathBuf),
}

#[derive(Debug, Clone, PartialEq)]
struct Options {
    file: PathBuf,
    k: usize,
    seed: u64,
    init: InitMethod,
    n_init: Option<usize>,
    max_iter: usize,
    tolerance: f64,
    labels: Option<Output>,
    centroids: Option<Output>,
    json: bool,
    f32: bool,
}

#[derive(Debug, PartialEq)]
enum ArgError {
    Help,
    Usage(String),
}

fn usage(msg: impl Into<String>) -> ArgError {
    ArgError::Usage(msg.into())
}

/// Parses the arguments (without the program name). Options take their value as the next
/// argument or after `=` (`--seed 3`, `--seed=3`); `--` ends the options.
fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Options, ArgError> {
    let mut args = args.into_iter();
    let mut file: Option<PathBuf> = None;
    let mut k = None;
    let mut opts = Options {
        file: PathBuf::new(),
        k: 0,
        seed: k_means::DEFAULT_SEED,
        init: InitMethod::KMeansPlusPlus,
        n_init: None,
        max_iter: k_means::DEFAULT_MAX_ITER,
        tolerance: k_means::DEFAULT_TOLERANCE,
        labels: None,
        centroids: None,
        json: false,
        f32: false,
    };
    let mut only_positional = false;
    while let Some(arg) = args.next() {
        // File names need not be UTF-8; option names and numbers must be.
        let text = arg.to_str().unwrap_or("");
        if only_positional || text == "-" || !text.starts_with('-') {
            if file.replace(PathBuf::from(arg)).is_some() {
                return Err(usage("more than one input file given"));
            }
            continue;
        }
        let (flag, mut inline) = match text.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(OsString::from(value))),
            _ => (text, None),
        };
        // The option's value: after `=`, or else the next argument.
        let mut value = || {
            inline
                .take()
                .or_else(|| args.next())
                .ok_or_else(|| usage(format!("{flag} needs a value")))
        };
        match flag {
            "-h" | "--help" => return Err(ArgError::Help),
            "--" => only_positional = true,
            "-k" | "--k" => k = Some(positive(flag, &value()?)?),
            "--seed" => opts.seed = number(flag, &value()?)?,
            "--init" => {
                opts.init = match value()?.to_str() {
                    Some("kmeans++" | "k-means++") => InitMethod::KMeansPlusPlus,
                    Some("random") => InitMethod::Random,
                    _ => return Err(usage("--init must be kmeans++ or random")),
                }
            }
            "--n-init" => opts.n_init = Some(positive(flag, &value()?)?),
            "--max-iter" => opts.max_iter = positive(flag, &value()?)?,
            "--tolerance" => {
                let tol: f64 = number(flag, &value()?)?;
                if !(tol.is_finite() && tol >= 0.0) {
                    return Err(usage("--tolerance must be a finite number ≥ 0"));
                }
                opts.tolerance = tol;
            }
            "--labels" => opts.labels = Some(output(value()?)),
            "--centroids" => opts.centroids = Some(output(value()?)),
            "--json" => opts.json = true,
            "--f32" => opts.f32 = true,
            _ => return Err(usage(format!("unknown option {arg:?}"))),
        }
        if inline.is_some() {
            return Err(usage(format!("{flag} takes no value")));
        }
    }
    opts.file = file.ok_or_else(|| usage("no input FILE given"))?;
    opts.k = k.ok_or_else(|| usage("-k K is required"))?;
    let to_stdout = [
        opts.labels == Some(Output::Stdout),
        opts.centroids == Some(Output::Stdout),
        opts.json,
    ];
    if to_stdout.iter().filter(|&&b| b).count() > 1 {
        return Err(usage(
            "only one of --labels -, --centroids - and --json can use stdout",
        ));
    }
    Ok(opts)
}

fn number<N: FromStr>(flag: &str, value: &OsString) -> Result<N, ArgError> {
    value
        .to_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| usage(format!("{flag} expects a number, got {value:?}")))
}

fn positive(flag: &str, value: &OsString) -> Result<usize, ArgError> {
    match number(flag, value)? {
        0 => Err(usage(format!("{flag} must be at least 1"))),
        n => Ok(n),
    }
}

fn output(value: OsString) -> Output {
    if value == "-" {
        Output::Stdout
    } else {
        Output::File(value.into())
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the data
// ---------------------------------------------------------------------------------------------

/// The numbers of a file: rows of equal width, flat and row-major as `RowMajor` wants them.
#[derive(Debug)]
struct Table<T> {
    values: Vec<T>,
    n_features: usize,
    /// The 1-based file line of every row, to report problems in the file's terms.
    lines: Vec<usize>,
    /// The line skipped as a header, if any.
    header: Option<usize>,
}

#[derive(Debug)]
enum ReadError {
    Io {
        line: usize,
        source: io::Error,
    },
    NotANumber {
        line: usize,
        field: usize,
        text: String,
    },
    NotFinite {
        line: usize,
        field: usize,
        text: String,
        ty: &'static str,
    },
    WrongWidth {
        line: usize,
        found: usize,
        expected: usize,
        first: usize,
    },
    NoRows,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io { line, source } => write!(f, "line {line}: {source}"),
            ReadError::NotANumber { line, field, text } => {
                write!(f, "line {line}, field {field}: {text:?} is not a number")?;
                let decimal_comma = text.split_once(',').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && a.trim_start_matches('-').bytes().all(|c| c.is_ascii_digit())
                        && !b.is_empty()
                        && b.bytes().all(|c| c.is_ascii_digit())
                });
                if decimal_comma {
                    write!(f, " (a decimal comma? write numbers with a decimal point)")?;
                }
                Ok(())
            }
            ReadError::NotFinite {
                line,
                field,
                text,
                ty,
            } => {
                write!(f, "line {line}, field {field}: {text:?} is not a finite {ty}")
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
            ReadError::NoRows => write!(f, "no rows of numbers found"),
        }
    }
}

/// Opens `path` (`-` is stdin), decompressing it if it is gzip.
fn open(path: &Path) -> io::Result<Box<dyn BufRead>> {
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
/// alone (one `fill_buf` may return a single byte), which must not make a gzip stream text.
fn maybe_gunzip<'a, R: BufRead + 'a>(mut reader: R) -> io::Result<Box<dyn BufRead + 'a>> {
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

/// The fields of a line: split on semicolons if it has any (the separator of decimal-comma
/// locales, so `1,5;2,5` is two fields, which then fail to parse instead of becoming four
/// columns), else on commas (CSV), with spaces around fields allowed; otherwise on whitespace
/// (spaces and tabs).
fn fields(line: &str) -> Vec<&str> {
    if line.contains(';') {
        line.split(';').map(str::trim).collect()
    } else if line.contains(',') {
        line.split(',').map(str::trim).collect()
    } else {
        line.split_whitespace().collect()
    }
}

/// Whether a field is a number, or would be with a decimal point for its decimal comma
/// (`1,5`): a line with such a field is data, never a header.
fn looks_numeric(field: &str) -> bool {
    field.parse::<f64>().is_ok() || field.replacen(',', ".", 1).parse::<f64>().is_ok()
}

/// Parses every field of a line, or says which one (1-based) is not a number.
fn parse_fields<T: FromStr>(fields: &[&str]) -> Result<Vec<T>, usize> {
    fields
        .iter()
        .enumerate()
        .map(|(i, s)| s.parse().map_err(|_| i + 1))
        .collect()
}

/// Reads a table of numbers (see `HELP` for the format).
fn read_table<T: Float + FromStr>(reader: impl BufRead) -> Result<Table<T>, ReadError> {
    let mut table = Table {
        values: Vec::new(),
        n_features: 0,
        lines: Vec::new(),
        header: None,
    };
    for (i, line) in reader.lines().enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|source| ReadError::Io {
            line: line_no,
            source,
        })?;
        // A byte-order mark, as some spreadsheet exports write, is not part of the first field.
        let line = if line_no == 1 {
            line.trim_start_matches('\u{feff}')
        } else {
            &line
        };
        if line.trim().is_empty() {
            continue;
        }
        let fields = fields(line);
        let values: Vec<T> = match parse_fields(&fields) {
            Ok(values) => values,
            // The first non-blank line may be a header such as `x,y`, but only if no field of
            // it is a number: `1.5,2x` is a data row with a typo, not a header.
            Err(_)
                if table.lines.is_empty()
                    && table.header.is_none()
                    && !fields.iter().any(|f| looks_numeric(f)) =>
            {
                table.header = Some(line_no);
                continue;
            }
            Err(field) => {
                let text = fields[field - 1].to_string();
                return Err(ReadError::NotANumber {
                    line: line_no,
                    field,
                    text,
                });
            }
        };
        // `parse` accepts "NaN" and "inf", and f32 overflows to infinity: reject those here,
        // where the line number is known.
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            let text = fields[i].to_string();
            let ty = std::any::type_name::<T>();
            return Err(ReadError::NotFinite {
                line: line_no,
                field: i + 1,
                text,
                ty,
            });
        }
        if table.lines.is_empty() {
            table.n_features = values.len();
        } else if values.len() != table.n_features {
            return Err(ReadError::WrongWidth {
                line: line_no,
                found: values.len(),
                expected: table.n_features,
                first: table.lines[0],
            });
        }
        table.values.extend(values);
        table.lines.push(line_no);
    }
    if table.lines.is_empty() {
        return Err(ReadError::NoRows);
    }
    Ok(table)
}

// ---------------------------------------------------------------------------------------------
// Clustering and output
// ---------------------------------------------------------------------------------------------

fn run<T: Float + FromStr>(opts: &Options) -> Result<(), Failure> {
    let path = opts.file.display();
    let reader = open(&opts.file).map_err(|e| format!("cannot read {path}: {e}"))?;
    let table: Table<T> = read_table(reader).map_err(|e| format!("{path}: {e}"))?;
    let data = RowMajor::new(&table.values, table.n_features).map_err(|e| e.to_string())?;

    let init = match opts.init {
        InitMethod::KMeansPlusPlus => Init::KMeansPlusPlus,
        InitMethod::Random => Init::Random,
    };
    let mut kmeans = KMeans::new(opts.k)
        .init(init)
        .seed(opts.seed)
        .max_iter(opts.max_iter)
        .tolerance(opts.tolerance);
    if let Some(n) = opts.n_init {
        kmeans = kmeans.n_init(n);
    }
    let started = Instant::now();
    let model = kmeans
        .fit(&data)
        .map_err(|e| format!("{path}: {}", fit_error(&e, &table)))?;
    let fit_seconds = started.elapsed().as_secs_f64();

    // The crate's defaults, restated: `KMeans` does not report the n_init it used.
    let n_init = opts.n_init.unwrap_or(match opts.init {
        InitMethod::KMeansPlusPlus => 1,
        InitMethod::Random => 10,
    });
    let summary = Summary {
        file: &opts.file,
        header: table.header,
        rows: data.n_rows(),
        init: opts.init,
        n_init,
        fit_seconds,
        model: &model,
    };
    // The summary is for people; a closed stderr is no reason to stop.
    let _ = write!(io::stderr(), "{summary}");

    if let Some(out) = &opts.centroids {
        write_to(out, "centroids", |w| {
            for c in model.centroids().chunks_exact(model.n_features()) {
                let line: Vec<String> = c.iter().map(ToString::to_string).collect();
                writeln!(w, "{}", line.join(" "))?;
            }
            Ok(())
        })?;
    }
    if let Some(out) = &opts.labels {
        write_to(out, "labels", |w| {
            model.labels().iter().try_for_each(|l| writeln!(w, "{l}"))
        })?;
    }
    if opts.json {
        write_to(&Output::Stdout, "the summary", |w| {
            writeln!(w, "{}", summary.json())
        })?;
    }
    Ok(())
}

/// The crate reports bad values by 0-based row; say which line of the file holds them.
fn fit_error<T>(err: &KMeansError, table: &Table<T>) -> String {
    match *err {
        KMeansError::ValueTooLarge { row, column, limit } => format!(
            "line {}, field {}: the value is too large to cluster without overflow (largest \
             magnitude allowed: {limit:e}); rescale the data",
            table.lines[row],
            column + 1
        ),
        _ => err.to_string(),
    }
}

/// Writes through a buffer to `out`, naming `what` and the destination if that fails.
fn write_to(
    out: &Output,
    what: &str,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Failure> {
    let (result, name) = match out {
        Output::Stdout => {
            let mut w = BufWriter::new(io::stdout().lock());
            (body(&mut w).and_then(|()| w.flush()), "stdout".into())
        }
        Output::File(path) => {
            let result = File::create(path).and_then(|f| {
                let mut w = BufWriter::new(f);
                body(&mut w)?;
                w.flush()
            });
            (result, path.display().to_string())
        }
    };
    result.map_err(|e| write_failure(&e, what, &name))
}

/// What the run did, for people (`Display`, to stderr) and programs (`json`).
struct Summary<'a, T> {
    file: &'a Path,
    header: Option<usize>,
    rows: usize,
    init: InitMethod,
    n_init: usize,
    fit_seconds: f64,
    model: &'a KMeansModel<T>,
}

impl<T: Float> fmt::Display for Summary<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.model;
        writeln!(f, "file           {}", self.file.display())?;
        if let Some(line) = self.header {
            writeln!(f, "header         line {line} skipped")?;
        }
        writeln!(f, "rows           {}", self.rows)?;
        writeln!(f, "features       {}", m.n_features())?;
        writeln!(f, "k              {}", m.k())?;
        writeln!(f, "init           {}", self.init.name())?;
        writeln!(f, "n_init         {}", self.n_init)?;
        writeln!(f, "iterations     {}", m.n_iter())?;
        writeln!(f, "converged      {}", m.converged())?;
        writeln!(f, "inertia        {:.6e}", m.inertia())?;
        writeln!(f, "fit seconds    {:.4}", self.fit_seconds)?;
        writeln!(f, "cluster sizes  {:?}", m.cluster_sizes())
    }
}

impl<T: Float> Summary<'_, T> {
    fn json(&self) -> serde_json::Value {
        let m = self.model;
        serde_json::json!({
            "rows": self.rows,
            "features": m.n_features(),
            "k": m.k(),
            "init": self.init.name(),
            "n_init": self.n_init,
            "n_iter": m.n_iter(),
            "converged": m.converged(),
            "inertia": m.inertia(),
            "fit_seconds": self.fit_seconds,
            "cluster_sizes": m.cluster_sizes(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn read(text: &str) -> Result<Table<f64>, ReadError> {
        read_table(Cursor::new(text))
    }

    #[test]
    fn csv_header_is_skipped() {
        let t = read("x,y\n1,2\n3.5,-4e1\n").unwrap();
        assert_eq!(t.header, Some(1));
        assert_eq!((t.n_features, t.values), (2, vec![1.0, 2.0, 3.5, -40.0]));
        assert_eq!(t.lines, [2, 3]);
    }

    #[test]
    fn separators_blank_lines_and_crlf() {
        let t = read("\n1 2\r\n\n3\t4\r\n5; 6\n 7 ,8 \n").unwrap();
        assert_eq!(t.header, None);
        assert_eq!(t.values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
        assert_eq!(t.lines, [2, 4, 5, 6]);
    }

    #[test]
    fn malformed_lines_are_named_by_line_number() {
        let err = read("1 2\n\n3 x\n").unwrap_err();
        assert_eq!(err.to_string(), r#"line 3, field 2: "x" is not a number"#);
        let err = read("a,b\n1,2\n3\n").unwrap_err();
        assert!(matches!(
            err,
            ReadError::WrongWidth {
                line: 3,
                found: 1,
                expected: 2,
                first: 2
            }
        ));
        let err = read("1,2\n3,\n").unwrap_err();
        assert!(matches!(
            err,
            ReadError::NotANumber {
                line: 2,
                field: 2,
                ..
            }
        ));
        let err = read("1,2\nnan,2\n").unwrap_err();
        assert!(matches!(
            err,
            ReadError::NotFinite {
                line: 2,
                field: 1,
                ..
            }
        ));
        assert!(matches!(read("x\n\n"), Err(ReadError::NoRows)));
    }

    #[test]
    fn f32_overflow_is_not_finite() {
        let err = read_table::<f32>(Cursor::new("1e39 0\n")).unwrap_err();
        assert_eq!(err.to_string(), r#"line 1, field 1: "1e39" is not a finite f32"#);
    }

    #[test]
    fn gzip_is_read_transparently() {
        use flate2::{Compression, write::GzEncoder};
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(b"x y\n1 2\n3 4\n").unwrap();
        let bytes = gz.finish().unwrap();
        let t: Table<f64> = read_table(maybe_gunzip(Cursor::new(bytes)).unwrap()).unwrap();
        assert_eq!((t.header, t.values), (Some(1), vec![1.0, 2.0, 3.0, 4.0]));
        // Plain text passes through untouched.
        let t: Table<f64> = read_table(maybe_gunzip(Cursor::new("5 6\n")).unwrap()).unwrap();
        assert_eq!(t.values, [5.0, 6.0]);
    }

    #[test]
    fn a_first_row_with_a_typo_is_an_error_not_a_header() {
        let err = read("1.5,2x\n3,4\n").unwrap_err();
        assert_eq!(err.to_string(), r#"line 1, field 2: "2x" is not a number"#);
        // Headers have no number at all.
        let t = read("x,2y\n3,4\n").unwrap();
        assert_eq!((t.header, t.values), (Some(1), vec![3.0, 4.0]));
        assert!(read("id,1\n3,4\n").is_err());
    }

    #[test]
    fn decimal_commas_are_an_error_not_more_columns() {
        let err = read("1,5;2,5\n3,5;4,0\n").unwrap_err();
        assert!(
            matches!(
                err,
                ReadError::NotANumber {
                    line: 1,
                    field: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("decimal comma"), "{err}");
        // With a header line too.
        let err = read("x;y\n1,5;2,5\n").unwrap_err();
        assert!(
            matches!(
                err,
                ReadError::NotANumber {
                    line: 2,
                    field: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        // Semicolon-separated numbers with decimal points are fine.
        assert_eq!(read("1.5; 2.5\n").unwrap().values, [1.5, 2.5]);
    }

    /// A reader that hands out one byte per call, as a slow pipe can.
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

    #[test]
    fn gzip_is_detected_on_a_slow_pipe() {
        use flate2::{Compression, write::GzEncoder};
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(b"1 2\n3 4\n").unwrap();
        let bytes = gz.finish().unwrap();
        let slow = BufReader::new(Trickle(bytes, 0));
        let t: Table<f64> = read_table(maybe_gunzip(slow).unwrap()).unwrap();
        assert_eq!(t.values, [1.0, 2.0, 3.0, 4.0]);
        // Text through the same pipe, including a one-byte file.
        let t: Table<f64> =
            read_table(maybe_gunzip(BufReader::new(Trickle(b"5 6\n".to_vec(), 0))).unwrap()).unwrap();
        assert_eq!(t.values, [5.0, 6.0]);
        let t: Table<f64> =
            read_table(maybe_gunzip(BufReader::new(Trickle(b"7".to_vec(), 0))).unwrap()).unwrap();
        assert_eq!(t.values, [7.0]);
    }

    #[test]
    fn a_closed_pipe_ends_quietly() {
        let closed = io::Error::from(io::ErrorKind::BrokenPipe);
        assert_eq!(write_failure(&closed, "labels", "stdout"), Failure::BrokenPipe);
        let full = io::Error::other("disk full");
        assert!(matches!(
            write_failure(&full, "labels", "x.txt"),
            Failure::Message(_)
        ));
    }

    fn args(line: &str) -> Result<Options, ArgError> {
        parse_args(line.split_whitespace().map(OsString::from))
    }

    #[test]
    fn arguments() {
        let o = args("data.csv -k 4 --seed=9 --init random --labels - --f32").unwrap();
        assert_eq!((o.file, o.k, o.seed), (PathBuf::from("data.csv"), 4, 9));
        assert_eq!(
            (o.init, o.labels, o.f32),
            (InitMethod::Random, Some(Output::Stdout), true)
        );
        assert_eq!(args("-k 2 --help"), Err(ArgError::Help));
        for bad in [
            "data.csv",
            "-k 3",
            "data.csv -k 0",
            "data.csv -k",
            "data.csv -k 3 --bogus",
            "data.csv -k 3 --json=yes",
            "data.csv -k 3 --tolerance -1",
            "data.csv -k 3 --json --labels -",
        ] {
            assert!(matches!(args(bad), Err(ArgError::Usage(_))), "{bad}");
        }
    }
}
