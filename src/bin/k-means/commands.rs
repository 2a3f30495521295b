//! The subcommands: read, call the library, write. Every message names the file it is about.

use std::io::{self, Write};
use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use k_means::{Algorithm, Float, Init, KMeans, KMeansError, RowMajor, SphericalKMeans, Suggest};
use serde::Serialize;

use crate::args::{
    AlgorithmName, ApplyArgs, ColumnRef, FitArgs, FitOptions, InitMethod, InputArgs, PlotArgs, SuggestRule,
    SweepArgs,
};
use crate::fitted::Fitted;
use crate::input::{self, Columns, ReadSpec, Table};
use crate::model_file::{self, AnyModel, ModelFile};
use crate::output::{self, Failure, Summary};
use crate::pca::Pca;
use crate::plot;

/// The bounds every float type the program reads has.
pub trait Number: Float + FromStr + Serialize + Into<f64> {}
impl Number for f32 {}
impl Number for f64 {}

/// The options of `fit` that spherical k-means does not have, refused by name with `--spherical`
/// rather than ignored. (`--init kmeans||` applies: the library starts spherical k-means with
/// k-means‖ on the unit rows.)
fn spherical_refusals(opts: &FitOptions) -> Result<(), Failure> {
    let refused = [
        (
            opts.algorithm.is_some(),
            "--algorithm",
            "runs plain Lloyd passes only",
        ),
        (opts.refine.is_some(), "--refine", "has no breathing refinement"),
        (opts.weights.is_some(), "--weights", "takes no sample weights"),
    ];
    match refused.iter().find(|r| r.0) {
        Some(&(_, option, why)) => Err(Failure::Message(format!(
            "{option} does not apply to --spherical: spherical k-means {why}"
        ))),
        None => Ok(()),
    }
}

/// Reads DATA as `spec` says, saying on stderr how its first line was taken when that was
/// detected.
fn read<T: Number>(
    input: &InputArgs,
    columns: Columns<'_>,
    weights: Option<&ColumnRef>,
) -> Result<Table<T>, Failure> {
    let path = input.data.display();
    let spec = ReadSpec {
        columns,
        weights,
        header: input.header(),
        delimiter: input.delimiter,
    };
    let reader = input::open(&input.data).map_err(|e| format!("{path}: cannot read: {e}"))?;
    let table = input::read_table(reader, &spec).map_err(|e| format!("{path}: {e}"))?;
    // For people; a closed stderr is no reason to stop.
    match &table.header {
        Some(h) if h.detected => {
            let _ = writeln!(
                io::stderr(),
                "{path}: line {} read as a header ({}); give --no-header if it is data",
                h.line,
                h.names.join(", ")
            );
        }
        None if input.header().is_none() => {
            let _ = writeln!(
                io::stderr(),
                "{path}: no header line (line {} holds numbers); give --header if it is one",
                table.lines[0]
            );
        }
        _ => {}
    }
    Ok(table)
}

/// The library reports rows and columns 0-based in its own terms; say which line and column of
/// the file they are.
fn library_error<T>(err: &KMeansError, table: &Table<T>, path: &Path) -> Failure {
    let path = path.display();
    let at = |row: usize| table.lines.get(row).copied().unwrap_or(0);
    let msg = match *err {
        KMeansError::ValueTooLarge { row, column, limit } => format!(
            "line {}, {}: the value is too large to cluster without overflow (largest magnitude \
             allowed: {limit:e}); rescale the data",
            at(row),
            table.describe_column(column)
        ),
        KMeansError::InvalidWeight { row, weight } => format!(
            "line {}: the weight {weight} is not finite, non-negative and at most 2^53",
            at(row)
        ),
        KMeansError::ZeroRow { row } => format!(
            "line {}: every value is 0, and an all-zero row has no direction for spherical \
             k-means (cosine similarity); remove it",
            at(row)
        ),
        KMeansError::FeatureMismatch { expected, got } => {
            format!("the model has {expected} features, but {got} columns were chosen")
        }
        _ => err.to_string(),
    };
    Failure::Message(format!("{path}: {msg}"))
}

/// Runs `work` on `threads` threads (a pool of its own), or on rayon's global pool.
fn on_threads<R: Send>(threads: Option<usize>, work: impl FnOnce() -> R + Send) -> Result<R, Failure> {
    match threads {
        None => Ok(work()),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| format!("cannot start {n} threads: {e}"))?;
            Ok(pool.install(work))
        }
    }
}

/// The builder the options describe.
fn builder<T: Number>(k: usize, opts: &FitOptions) -> KMeans<T> {
    let mut km = KMeans::new(k)
        .seed(opts.seed)
        .max_iter(opts.max_iter)
        .tolerance(opts.tolerance)
        .algorithm(match opts.algorithm.unwrap_or(AlgorithmName::Auto) {
            AlgorithmName::Auto => Algorithm::Auto,
            AlgorithmName::Lloyd => Algorithm::Lloyd,
            AlgorithmName::Hamerly => Algorithm::Hamerly,
            AlgorithmName::Yinyang => Algorithm::Yinyang,
        });
    if let Some(init) = opts.init {
        km = km.init(match init {
            InitMethod::KMeansPlusPlus => Init::KMeansPlusPlus,
            InitMethod::KMeansParallel => Init::kmeans_parallel(),
            InitMethod::Random => Init::Random,
        });
    }
    if let Some(refine) = opts.refine {
        km = km.refine(refine);
    }
    if let Some(n) = opts.n_init {
        km = km.n_init(usize::try_from(n).unwrap_or(usize::MAX));
    }
    km
}

/// The spherical builder the options describe (after `spherical_refusals`).
fn spherical_builder<T: Number>(k: usize, opts: &FitOptions) -> SphericalKMeans<T> {
    let mut km = SphericalKMeans::new(k)
        .seed(opts.seed)
        .max_iter(opts.max_iter)
        .tolerance(opts.tolerance);
    if let Some(init) = opts.init {
        km = km.init(match init {
            InitMethod::KMeansPlusPlus => Init::KMeansPlusPlus,
            InitMethod::KMeansParallel => Init::kmeans_parallel(),
            InitMethod::Random => Init::Random,
        });
    }
    if let Some(n) = opts.n_init {
        km = km.n_init(usize::try_from(n).unwrap_or(usize::MAX));
    }
    km
}

/// A spinner on stderr with `message`, drawn only when stderr is a terminal.
fn spinner(message: String) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
        bar.set_style(style);
    }
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// `k-means fit`.
pub fn fit(args: &FitArgs) -> Result<(), Failure> {
    if args.fit.spherical {
        spherical_refusals(&args.fit)?;
    }
    let to_stdout = [
        args.labels.as_deref() == Some(Path::new("-")),
        args.centroids.as_deref() == Some(Path::new("-")),
        args.json,
    ];
    if to_stdout.iter().filter(|&&b| b).count() > 1 {
        return Err(Failure::Message(
            "only one of --labels -, --centroids - and --json can write to stdout".into(),
        ));
    }
    if args.input.f32 {
        fit_as::<f32>(args)
    } else {
        fit_as::<f64>(args)
    }
}

fn fit_as<T: Number>(args: &FitArgs) -> Result<(), Failure> {
    let columns = args.input.columns.as_deref().map_or(Columns::All, Columns::Given);
    let table: Table<T> = read(&args.input, columns, args.fit.weights.as_ref())?;
    let path = &args.input.data;
    let rows =
        RowMajor::new(&table.values, table.n_features()).map_err(|e| library_error(&e, &table, path))?;
    let bar = spinner(format!("fitting k = {} to {} rows", args.k, table.n_rows()));
    let started = Instant::now();
    let model = if args.fit.spherical {
        // No progress callback: spherical k-means has no resumable fit; the spinner turns.
        let km = spherical_builder::<T>(args.k, &args.fit);
        let result = on_threads(args.fit.threads, || km.fit(&rows))?;
        bar.finish_and_clear();
        Fitted::Spherical(result.map_err(|e| library_error(&e, &table, path))?)
    } else {
        let km = builder::<T>(args.k, &args.fit);
        let result = on_threads(args.fit.threads, || {
            // The resumable fit is the plain fit, bit for bit, with a call at every iteration:
            // the progress shown.
            km.fit_resumable(&rows, table.weights.as_deref(), None, |c| {
                bar.set_message(format!(
                    "fitting k = {} to {} rows: {} iterations",
                    args.k,
                    table.n_rows(),
                    c.sequence()
                ));
                Ok(())
            })
        })?;
        bar.finish_and_clear();
        Fitted::KMeans(result.map_err(|e| library_error(&e, &table, path))?)
    };
    let summary = Summary {
        file: path,
        rows: table.n_rows(),
        columns: &table.columns,
        weighted: table.weights.is_some(),
        fit_seconds: started.elapsed().as_secs_f64(),
        model: &model,
    };
    let _ = write!(io::stderr(), "{summary}");
    if let Some(out) = &args.centroids {
        output::write_to(Some(out), "the centroids", |w| {
            if let Some(header) = output::header_line(&table.columns) {
                writeln!(w, "{header}")?;
            }
            output::write_rows(w, model.centroids(), model.n_features())
        })?;
    }
    if let Some(out) = &args.labels {
        output::write_to(Some(out), "the labels", |w| {
            model.labels().iter().try_for_each(|l| writeln!(w, "{l}"))
        })?;
    }
    if args.json {
        let json = summary.json();
        output::write_to(None, "the summary", |w| writeln!(w, "{json}"))?;
    }
    if let Some(out) = &args.model {
        ModelFile::new(model, table.columns).save(out)?;
    }
    Ok(())
}

/// Reads DATA for a saved model: its columns unless `--columns` says otherwise.
fn read_for<T: Number>(input: &InputArgs, file: &ModelFile<T>) -> Result<Table<T>, Failure> {
    let columns = input
        .columns
        .as_deref()
        .map_or(Columns::Saved(&file.columns), Columns::Given);
    read(input, columns, None)
}

/// `k-means predict` (`distances = false`) and `k-means transform` (`true`).
pub fn apply(args: &ApplyArgs, distances: bool) -> Result<(), Failure> {
    match model_file::load(&args.model)? {
        AnyModel::F32(file) => apply_as(args, &file, distances),
        AnyModel::F64(file) => apply_as(args, &file, distances),
    }
}

fn apply_as<T: Number>(args: &ApplyArgs, file: &ModelFile<T>, distances: bool) -> Result<(), Failure> {
    let table = read_for(&args.input, file)?;
    let path = &args.input.data;
    let rows =
        RowMajor::new(&table.values, table.n_features()).map_err(|e| library_error(&e, &table, path))?;
    let model = &file.model;
    if distances {
        let d = model
            .distances(&rows)
            .map_err(|e| library_error(&e, &table, path))?;
        output::write_to(args.output.as_deref(), "the distances", |w| {
            output::write_rows(w, &d, model.k())
        })
    } else {
        let labels = model
            .predict(&rows)
            .map_err(|e| library_error(&e, &table, path))?;
        output::write_to(args.output.as_deref(), "the labels", |w| {
            labels.iter().try_for_each(|l| writeln!(w, "{l}"))
        })
    }
}

/// `k-means sweep`.
pub fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    if args.fit.spherical {
        return Err(Failure::Message(
            "sweep does not take --spherical: the library sweeps k-means only (SphericalKMeans \
             has no sweep); run `fit --spherical` for each k instead"
                .into(),
        ));
    }
    if args.fit.weights.is_some() {
        return Err(Failure::Message(
            "sweep does not take --weights (the validity scores are unweighted)".into(),
        ));
    }
    if args.input.f32 {
        sweep_as::<f32>(args)
    } else {
        sweep_as::<f64>(args)
    }
}

fn sweep_as<T: Number>(args: &SweepArgs) -> Result<(), Failure> {
    let columns = args.input.columns.as_deref().map_or(Columns::All, Columns::Given);
    let table: Table<T> = read(&args.input, columns, None)?;
    let path = &args.input.data;
    let rows =
        RowMajor::new(&table.values, table.n_features()).map_err(|e| library_error(&e, &table, path))?;
    let ks = &args.k.0;
    let mut sweep = builder::<T>(ks[0], &args.fit).sweep(ks.iter().copied());
    // 0: every row (a sample as large as the data is the exact silhouette).
    let sample = if args.silhouette_sample == 0 {
        table.n_rows().max(3)
    } else {
        args.silhouette_sample
    };
    sweep = sweep.silhouette_sample(sample, args.fit.seed);
    let bar = spinner(format!("fitting and scoring {} values of k", ks.len()));
    let result = on_threads(args.fit.threads, || sweep.fit(&rows))?;
    bar.finish_and_clear();
    let result = result.map_err(|e| library_error(&e, &table, path))?;
    let (rule, name) = match args.suggest {
        SuggestRule::Silhouette => (Suggest::Silhouette, "highest silhouette"),
        SuggestRule::Elbow => (Suggest::Elbow, "elbow of the inertia"),
        SuggestRule::CalinskiHarabasz => (Suggest::CalinskiHarabasz, "highest Calinski-Harabasz"),
        SuggestRule::DaviesBouldin => (Suggest::DaviesBouldin, "lowest Davies-Bouldin"),
    };
    let suggested = result.suggest(rule);
    if args.json {
        let json = output::sweep_json(&result, suggested, name);
        output::write_to(None, "the scores", |w| writeln!(w, "{json}"))?;
    } else {
        output::write_to(None, "the scores", |w| {
            output::sweep_table(w, &result, suggested, name)
        })?;
    }
    if let Some(out) = &args.plot {
        plot::sweep(out, result.scores(), suggested, name)?;
    }
    Ok(())
}

/// How a row of DATA becomes a point of the picture.
type Projection = dyn Fn(&[f64]) -> [f64; 2];

/// `k-means plot`.
pub fn plot(args: &PlotArgs) -> Result<(), Failure> {
    match model_file::load(&args.model)? {
        AnyModel::F32(file) => plot_as(args, &file),
        AnyModel::F64(file) => plot_as(args, &file),
    }
}

fn plot_as<T: Number>(args: &PlotArgs, file: &ModelFile<T>) -> Result<(), Failure> {
    let table = read_for(&args.input, file)?;
    let path = &args.input.data;
    let rows =
        RowMajor::new(&table.values, table.n_features()).map_err(|e| library_error(&e, &table, path))?;
    let model = &file.model;
    let labels = model
        .predict(&rows)
        .map_err(|e| library_error(&e, &table, path))?;
    let d = table.n_features();
    if d < 2 {
        return Err(Failure::Message(format!(
            "{}: a scatter plot needs at least 2 columns, the model has {d}",
            path.display()
        )));
    }
    // A spherical model's rows at unit length, where its unit centroids are.
    let wide = model
        .as_seen(&rows)
        .map_err(|e| library_error(&e, &table, path))?;
    let centroids: Vec<f64> = model.centroids().iter().map(|&v| v.into()).collect();
    let unit = if let Fitted::Spherical(_) = model {
        " (rows at unit length)"
    } else {
        ""
    };
    let name = |i: usize| match &table.columns[i].name {
        Some(n) => format!("{n}{unit}"),
        None => format!("column {}{unit}", table.columns[i].number),
    };
    let (project, x_label, y_label): (Box<Projection>, String, String) = if args.pca {
        let pca = Pca::fit(&wide, d);
        let [a, b] = pca.explained;
        let labels = (
            format!("principal component 1 ({:.1} % of the variance)", 100.0 * a),
            format!("principal component 2 ({:.1} % of the variance)", 100.0 * b),
        );
        (Box::new(move |row| pca.project(row)), labels.0, labels.1)
    } else {
        if d > 2 {
            let _ = writeln!(
                io::stderr(),
                "{}: drawing the first 2 of {d} columns; give --pca for the first two principal components",
                path.display()
            );
        }
        (Box::new(|row: &[f64]| [row[0], row[1]]), name(0), name(1))
    };
    let n = table.n_rows();
    // Every `stride`-th row, so that the file stays small and every part of the data is drawn.
    let stride = n.div_ceil(args.max_points);
    let drawn: Vec<usize> = (0..n).step_by(stride).collect();
    let points: Vec<[f64; 2]> = drawn
        .iter()
        .map(|&i| project(&wide[i * d..(i + 1) * d]))
        .collect();
    let drawn_labels: Vec<usize> = drawn.iter().map(|&i| labels[i]).collect();
    let centres: Vec<[f64; 2]> = centroids.chunks_exact(d).map(&project).collect();
    let mut sizes = vec![0; model.k()];
    for &l in &labels {
        sizes[l] += 1;
    }
    let sample = if stride > 1 {
        format!(", 1 in {stride} drawn")
    } else {
        String::new()
    };
    let kind = if let Fitted::Spherical(_) = model {
        "spherical k-means"
    } else {
        "k-means"
    };
    let title = format!("{kind} clusters: k = {}, {n} rows{sample}", model.k());
    plot::scatter(
        &args.out,
        &plot::Scatter {
            title,
            x_label,
            y_label,
            points: &points,
            labels: &drawn_labels,
            centroids: &centres,
            sizes: &sizes,
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn fit_options(line: &str) -> FitOptions {
        let cli = crate::args::Cli::try_parse_from(
            ["k-means", "fit", "data.csv", "-k", "2", "--spherical"]
                .into_iter()
                .chain(line.split_whitespace()),
        )
        .unwrap();
        match cli.command {
            crate::args::Command::Fit(f) => f.fit,
            _ => panic!("not fit"),
        }
    }

    #[test]
    fn spherical_refuses_the_options_it_does_not_have_by_name() {
        for (line, option) in [
            ("--algorithm lloyd", "--algorithm"),
            ("--refine none", "--refine"),
            ("--weights w", "--weights"),
        ] {
            let Err(Failure::Message(msg)) = spherical_refusals(&fit_options(line)) else {
                panic!("{line} accepted")
            };
            assert!(
                msg.starts_with(&format!("{option} does not apply to --spherical")),
                "{msg}"
            );
        }
        for line in [
            "",
            "--init kmeans|| --n-init 2 --seed 3 --tolerance 0 --max-iter 5 --f32",
        ] {
            assert_eq!(spherical_refusals(&fit_options(line)), Ok(()), "{line}");
        }
    }
}
