//! The command line: subcommands, options and the parsers of their values (clap, derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exact, deterministic k-means clustering of the rows of a CSV or text file.
///
/// DATA is CSV (quoted fields allowed; `,` or `;` separated, detected from the first line),
/// whitespace-separated text, either of them gzip-compressed (detected from the first bytes),
/// or `-` for stdin. A first line in which no field is a number is taken as a header, and
/// stderr says so (`--header`/`--no-header` decide instead). Errors name the file, the line and
/// the column.
#[derive(Debug, Parser)]
#[command(name = "k-means", version, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Cluster the rows of DATA into k clusters; print a summary to stderr.
    Fit(FitArgs),
    /// Print the cluster (0..k-1) of every row of DATA under a saved model, one per line.
    Predict(ApplyArgs),
    /// Print every row's distances to the k centroids of a saved model (k columns, CSV); for a
    /// spherical model, the cosine dissimilarities 1 − x̂·ĉ (x̂ the row at unit length).
    Transform(ApplyArgs),
    /// Fit a range of k and print inertia and validity scores per k, and the suggested k.
    Sweep(SweepArgs),
    /// Draw the rows of DATA coloured by their cluster under a saved model, centroids marked
    /// (SVG).
    Plot(PlotArgs),
}

/// How DATA is read: shared by every subcommand.
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// The data file (CSV, whitespace-separated text, gzip or not); `-` reads stdin.
    #[arg(value_name = "DATA")]
    pub data: PathBuf,
    /// The columns to cluster, by header name or 1-based number, comma-separated
    /// (`--columns x,y` or `--columns 2,3`) [default: every column but the weights column;
    /// for predict, transform and plot: the model's columns].
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub columns: Option<Vec<ColumnRef>>,
    /// The first line is a header (names of the columns).
    #[arg(long, conflicts_with = "no_header")]
    pub header: bool,
    /// The first line is data, even if it holds no number.
    #[arg(long)]
    pub no_header: bool,
    /// The field separator: one character (`,` `;` `|`, `\t` or `tab`), or `whitespace` for
    /// runs of spaces and tabs [default: detected from the first line: `;` if it has one, else
    /// `,` if it has one, else whitespace].
    #[arg(long, value_parser = parse_delimiter, value_name = "CHAR")]
    pub delimiter: Option<Delimiter>,
    /// Read and compute in f32 instead of f64 (for predict, transform and plot: the model's
    /// type decides).
    #[arg(long)]
    pub f32: bool,
}

impl InputArgs {
    /// `--header`/`--no-header`: `None` when neither was given (detect).
    pub fn header(&self) -> Option<bool> {
        match (self.header, self.no_header) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

/// The options of the fit shared by `fit` and `sweep`.
#[derive(Debug, Args, Clone)]
pub struct FitOptions {
    /// The start: `kmeans++` (greedy k-means++), `kmeans||` (k-means‖), or `random`
    /// [default: kmeans++ below n·k·d = 2^21, kmeans|| from it on; with --spherical, kmeans++
    /// on the unit rows at every size].
    #[arg(long, value_enum, value_name = "METHOD")]
    pub init: Option<InitMethod>,
    /// The iteration: all give the same labels and centroids, bit for bit [default: auto; not
    /// with --spherical].
    #[arg(long, value_enum, value_name = "ALGORITHM")]
    pub algorithm: Option<AlgorithmName>,
    /// Refinement of the best run: `none` (scikit-learn's plain fit), `breathing` (breathing
    /// k-means with m = 2) or `breathing=M` [default: breathing; not with --spherical].
    #[arg(long, value_parser = parse_refine, value_name = "REFINE")]
    pub refine: Option<k_means::Refine>,
    /// Runs from different starts; the best is kept [default: 1 for kmeans++ and kmeans||, 10
    /// for random].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..), value_name = "N")]
    pub n_init: Option<u64>,
    /// Iterations per run at most.
    #[arg(long, default_value_t = k_means::DEFAULT_MAX_ITER, value_parser = at_least_one, value_name = "N")]
    pub max_iter: usize,
    /// Stop when the centroids move less than X times the data's mean per-feature variance
    /// (with --spherical: of the rows at unit length); 0 runs until no label changes.
    #[arg(long, default_value_t = k_means::DEFAULT_TOLERANCE, value_parser = parse_tolerance, value_name = "X")]
    pub tolerance: f64,
    /// Seed of the random starts (the same seed gives the same result on any machine and any
    /// number of threads).
    #[arg(long, default_value_t = k_means::DEFAULT_SEED, value_name = "S")]
    pub seed: u64,
    /// Threads to run on [default: one per core, or RAYON_NUM_THREADS]; the result does not
    /// depend on it.
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub threads: Option<usize>,
    /// Weigh every row by the number in this column (name or 1-based number; finite, ≥ 0);
    /// the column is not clustered [not with --spherical].
    #[arg(long, value_name = "COLUMN")]
    pub weights: Option<ColumnRef>,
    /// Spherical k-means: cluster by cosine similarity (every row scaled to unit length; an
    /// all-zero row is an error); the centroids are of unit length and the summary gives the
    /// objective Σ (1 − x̂·ĉ) instead of the inertia. Not with --algorithm, --refine or
    /// --weights, and not for sweep.
    #[arg(long)]
    pub spherical: bool,
}

/// `k-means fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The number of clusters.
    #[arg(short, long, value_parser = at_least_one, value_name = "K")]
    pub k: usize,
    #[command(flatten)]
    pub fit: FitOptions,
    /// Save the model (JSON) for predict, transform and plot.
    #[arg(long, value_name = "OUT.json")]
    pub model: Option<PathBuf>,
    /// Write each row's cluster (0..k-1), one per line; `-` is stdout.
    #[arg(long, value_name = "OUT")]
    pub labels: Option<PathBuf>,
    /// Write the k centroids as CSV (with the columns' names if DATA has a header); `-` is
    /// stdout.
    #[arg(long, value_name = "OUT")]
    pub centroids: Option<PathBuf>,
    /// Print the summary as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `k-means predict` and `k-means transform`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The model saved by `k-means fit --model`.
    #[arg(long, value_name = "MODEL.json")]
    pub model: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
}

/// `k-means sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The values of k: a range `2..30` (both ends included) or a list `2,4,8`.
    #[arg(short, long, value_parser = parse_ks, value_name = "KS")]
    pub k: KRange,
    #[command(flatten)]
    pub fit: FitOptions,
    /// How the suggested k is chosen.
    #[arg(long, value_enum, default_value_t = SuggestRule::Silhouette)]
    pub suggest: SuggestRule,
    /// Compute the silhouette on a sample of this many rows when DATA has more (0: all rows).
    #[arg(long, default_value_t = k_means::DEFAULT_SILHOUETTE_SAMPLE, value_name = "N")]
    pub silhouette_sample: usize,
    /// Print the scores as one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Draw inertia and silhouette against k (SVG).
    #[arg(long, value_name = "OUT.svg")]
    pub plot: Option<PathBuf>,
}

/// `k-means plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The model saved by `k-means fit --model`.
    #[arg(long, value_name = "MODEL.json")]
    pub model: PathBuf,
    /// The SVG file to write.
    #[arg(long, value_name = "OUT.svg")]
    pub out: PathBuf,
    /// Draw the first two principal components instead of the first two columns (for more than
    /// two columns).
    #[arg(long)]
    pub pca: bool,
    /// Draw at most this many rows (evenly spaced through the file), to keep the SVG small.
    #[arg(long, default_value_t = 20_000, value_parser = at_least_one, value_name = "N")]
    pub max_points: usize,
}

/// A column, by 1-based number or by header name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    /// 1-based, as `cut -f` counts.
    Number(usize),
    /// A name of the header line.
    Name(String),
}

impl std::str::FromStr for ColumnRef {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        match s.parse::<usize>() {
            Ok(0) => Err("column numbers start at 1".into()),
            Ok(n) => Ok(ColumnRef::Number(n)),
            Err(_) if s.is_empty() => Err("empty column name".into()),
            Err(_) => Ok(ColumnRef::Name(s.to_string())),
        }
    }
}

impl std::fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ColumnRef::Number(n) => write!(f, "{n}"),
            ColumnRef::Name(name) => write!(f, "{name:?}"),
        }
    }
}

/// How fields are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// One byte, with CSV quoting.
    Byte(u8),
    /// Runs of spaces and tabs (no quoting).
    Whitespace,
}

fn parse_delimiter(s: &str) -> Result<Delimiter, String> {
    match s {
        "whitespace" | "space" | " " => Ok(Delimiter::Whitespace),
        "tab" | "\\t" | "\t" => Ok(Delimiter::Byte(b'\t')),
        _ if s.len() == 1 && s.is_ascii() => Ok(Delimiter::Byte(s.as_bytes()[0])),
        _ => Err(format!("{s:?} is not one ASCII character, `tab` or `whitespace`")),
    }
}

/// `kmeans++`, `kmeans||` or `random`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitMethod {
    /// Greedy k-means++.
    #[value(name = "kmeans++", alias = "k-means++")]
    KMeansPlusPlus,
    /// k-means‖ (scalable k-means++).
    #[value(name = "kmeans||", alias = "k-means||")]
    KMeansParallel,
    /// k distinct rows at random.
    Random,
}

/// `--algorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmName {
    /// Hamerly, or Lloyd where the bounds do not pay.
    Auto,
    /// Lloyd's algorithm.
    Lloyd,
    /// Hamerly's algorithm.
    Hamerly,
    /// Simplified Yinyang.
    Yinyang,
}

/// `--suggest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SuggestRule {
    /// The highest mean silhouette.
    Silhouette,
    /// The elbow of the inertia curve.
    Elbow,
    /// The highest Calinski–Harabasz score.
    CalinskiHarabasz,
    /// The lowest Davies–Bouldin score.
    DaviesBouldin,
}

/// The values of k of a sweep, increasing, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KRange(pub Vec<usize>);

fn parse_ks(s: &str) -> Result<KRange, String> {
    let number = |t: &str| -> Result<usize, String> {
        match t.trim().parse::<usize>() {
            Ok(0) => Err("k must be at least 1".into()),
            Ok(k) => Ok(k),
            Err(_) => Err(format!("{t:?} is not a whole number")),
        }
    };
    let mut ks = if let Some((a, b)) = s.split_once("..") {
        let (lo, hi) = (number(a)?, number(b.trim_start_matches('='))?);
        if lo > hi {
            return Err(format!("the range {s} is empty ({lo} > {hi})"));
        }
        (lo..=hi).collect()
    } else {
        s.split(',').map(number).collect::<Result<Vec<_>, _>>()?
    };
    ks.sort_unstable();
    ks.dedup();
    Ok(KRange(ks))
}

fn parse_refine(s: &str) -> Result<k_means::Refine, String> {
    match s.split_once('=') {
        None if s == "none" => Ok(k_means::Refine::None),
        None if s == "breathing" => Ok(k_means::Refine::Breathing {
            m: k_means::DEFAULT_BREATHING_M,
        }),
        Some(("breathing", m)) => m
            .parse()
            .map(|m| k_means::Refine::Breathing { m })
            .map_err(|_| format!("breathing={m}: M must be a whole number")),
        _ => Err(format!("{s:?}: expected none, breathing or breathing=M")),
    }
}

fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{s:?} is not a whole number")),
    }
}

fn parse_tolerance(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t.is_finite() && t >= 0.0 => Ok(t),
        _ => Err(format!("{s:?} is not a finite number ≥ 0")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("k-means").chain(line.split_whitespace()))
    }

    #[test]
    fn the_command_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn fit_options() {
        let cli =
            parse("fit data.csv -k 4 --seed 9 --init random --refine breathing=3 --columns x,2").unwrap();
        let Command::Fit(fit) = cli.command else {
            panic!("not fit")
        };
        assert_eq!((fit.k, fit.fit.seed), (4, 9));
        assert_eq!(fit.fit.init, Some(InitMethod::Random));
        assert_eq!(fit.fit.refine, Some(k_means::Refine::Breathing { m: 3 }));
        assert_eq!(
            fit.input.columns,
            Some(vec![ColumnRef::Name("x".into()), ColumnRef::Number(2)])
        );
        assert_eq!(fit.input.header(), None);
        assert_eq!((fit.fit.algorithm, fit.fit.spherical), (None, false));
        let Command::Fit(fit) = parse("fit data.csv -k 2 --spherical --algorithm lloyd")
            .unwrap()
            .command
        else {
            panic!("not fit")
        };
        assert_eq!(
            (fit.fit.algorithm, fit.fit.spherical),
            (Some(AlgorithmName::Lloyd), true)
        );
        for bad in [
            "fit data.csv",
            "fit data.csv -k 0",
            "fit data.csv -k 3 --tolerance -1",
            "fit data.csv -k 3 --header --no-header",
            "fit data.csv -k 3 --columns 0",
            "fit data.csv -k 3 --refine sometimes",
            "fit data.csv -k 3 --delimiter ab",
            "fit data.csv -k 3 --n-init 0",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn k_ranges_and_lists() {
        assert_eq!(parse_ks("2..5"), Ok(KRange(vec![2, 3, 4, 5])));
        assert_eq!(parse_ks("2..=3"), Ok(KRange(vec![2, 3])));
        assert_eq!(parse_ks("8,2,4,2"), Ok(KRange(vec![2, 4, 8])));
        assert!(parse_ks("5..2").is_err());
        assert!(parse_ks("0..2").is_err());
        assert!(parse_ks("a").is_err());
    }

    #[test]
    fn delimiters() {
        assert_eq!(parse_delimiter("tab"), Ok(Delimiter::Byte(b'\t')));
        assert_eq!(parse_delimiter(";"), Ok(Delimiter::Byte(b';')));
        assert_eq!(parse_delimiter("whitespace"), Ok(Delimiter::Whitespace));
        assert!(parse_delimiter("é").is_err());
    }
}
