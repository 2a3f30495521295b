//! Quality harness for the `k-means` crate on the 12 centroid-structured sets of Fränti's basic
//! benchmark (s1–s4, a1–a3, d31, r15, unbalance, birch1, birch2), see `../README.md`.
//!
//! For every set (raw data, f64, k = the reference k) and every seed `0..N` it fits the crate
//! with a *method* (a builder configuration, see [`configure`]) and records the Centroid Index
//! against the ground-truth centroids (the means of the `labels0` classes), the SSE (inertia)
//! and the time of the fit alone. It prints a markdown table per set and overall: mean CI, share
//! of runs with CI = 0, mean SSE relative to the best SSE seen for the set (over every run in
//! the table), mean fit time.
//!
//! ```text
//! quality [--datasets DIR] [--seeds N] [--method M[,M…]] [--sets s1,a1,…] [--threads T]
//!         [--json FILE] [--include FILE]… [--no-run] [--time-ref NAME]
//! ```
//!
//! * `--datasets DIR`: the directory holding `sipu/` (default: `../shared/datasets` next to
//!   the repository). When it is missing the binary says so and exits with status 0.
//! * `--seeds N`: seeds `0..N` (default 30).
//! * `--method`: comma-separated names from [`METHODS`] (default `default`).
//! * `--threads T`: size of rayon's global pool (default: rayon's, i.e. `RAYON_NUM_THREADS` or
//!   the number of CPUs). The number used is recorded in every run.
//! * `--json FILE`: write every run as one JSON line (centroids included).
//! * `--include FILE`: merge runs from a JSON-lines file written by `--json` or by
//!   `sklearn_quality.py`; runs without a `ci` get it computed here from their `centroids`, with
//!   the same `centroid_index`. Repeatable.
//! * `--no-run`: fit nothing, only tabulate the included runs.
//! * `--time-ref NAME`: the method the time ratios divide by (default `sklearn`, when present).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use flate2::read::GzDecoder;
use k_means::metrics::centroid_index;
use k_means::{Init, KMeans, Refine, RowMajor};
use serde::{Deserialize, Serialize};

/// The 12 centroid-structured sets with the reference k of `../shared/datasets/README.md`.
const SETS: [(&str, usize); 12] = [
    ("s1", 15),
    ("s2", 15),
    ("s3", 15),
    ("s4", 15),
    ("a1", 20),
    ("a2", 35),
    ("a3", 50),
    ("d31", 31),
    ("r15", 15),
    ("unbalance", 8),
    ("birch1", 100),
    ("birch2", 100),
];

/// The methods [`configure`] knows.
const METHODS: [&str; 6] = [
    "default",
    "plain",
    "random",
    "n_init10",
    "breathing",
    "breathing2",
];

/// The builder a method runs for `k` clusters and one seed. A new quality mode is one more arm
/// here (and its name in [`METHODS`]).
fn configure(method: &str, k: usize, seed: u64) -> Option<KMeans<f64>> {
    let base = KMeans::new(k).seed(seed);
    Some(match method {
        // What a user gets from `KMeans::new(k)` (greedy k-means++, then breathing k-means, m = 2).
        "default" => base,
        // Uniformly random distinct rows, one start.
        "random" => base.init(Init::Random).n_init(1),
        // Greedy k-means++, best of ten starts.
        "n_init10" => base.init(Init::KMeansPlusPlus).n_init(10),
        // scikit-learn's default: one greedy k-means++ run, no refinement.
        "plain" => base.refine(Refine::None),
        // Quality mode: breathing k-means with the paper's m = 5.
        "breathing" => base.refine(Refine::breathing()),
        // Breathing with m = 2 (what `default` does today).
        "breathing2" => base.refine(Refine::Breathing { m: 2 }),
        _ => return None,
    })
}

/// One fit of one method on one set with one seed (also the JSON-lines record).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Run {
    set: String,
    method: String,
    seed: u64,
    k: usize,
    n: usize,
    d: usize,
    /// Centroid Index against the ground truth; computed from `centroids` when absent.
    #[serde(default)]
    ci: Option<usize>,
    /// Sum of squared distances to the nearest centroid (the model's inertia).
    sse: f64,
    /// Wall time of the fit alone, seconds.
    time_s: f64,
    #[serde(default)]
    n_iter: Option<usize>,
    /// Threads the implementation could use.
    #[serde(default)]
    threads: Option<usize>,
    /// Implementation and version, free text.
    #[serde(default)]
    version: Option<String>,
    /// Final centroids, row-major `k × d`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    centroids: Option<Vec<f64>>,
}

/// A loaded set: the data, row-major, and the ground-truth centroids.
struct DataSet {
    name: &'static str,
    k: usize,
    n: usize,
    d: usize,
    data: Vec<f64>,
    truth: Vec<f64>,
}

struct Args {
    datasets: PathBuf,
    seeds: u64,
    methods: Vec<String>,
    sets: Vec<(&'static str, usize)>,
    threads: Option<usize>,
    json: Option<PathBuf>,
    include: Vec<PathBuf>,
    no_run: bool,
    time_ref: String,
}

const USAGE: &str = "usage: quality [--datasets DIR] [--seeds N] [--method M[,M...]] [--sets s1,a1,...] \
[--threads T] [--json FILE] [--include FILE]... [--no-run] [--time-ref NAME]";

fn parse_args() -> Result<Args, String> {
    let default_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets");
    let mut a = Args {
        datasets: default_dir,
        seeds: 30,
        methods: vec!["default".into()],
        sets: SETS.to_vec(),
        threads: None,
        json: None,
        include: Vec::new(),
        no_run: false,
        time_ref: "sklearn".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--datasets" => a.datasets = PathBuf::from(value()?),
            "--seeds" => a.seeds = value()?.parse().map_err(|e| format!("--seeds: {e}"))?,
            "--method" | "--methods" => {
                a.methods = value()?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect();
                for m in &a.methods {
                    if !METHODS.contains(&m.as_str()) {
                        return Err(format!("unknown method {m:?}; known: {}", METHODS.join(", ")));
                    }
                }
            }
            "--sets" => {
                let v = value()?;
                let mut sets = Vec::new();
                for name in v.split(',').filter(|s| !s.is_empty()) {
                    let set = SETS.iter().find(|(s, _)| *s == name).ok_or_else(|| {
                        let known: Vec<_> = SETS.iter().map(|(s, _)| *s).collect();
                        format!("unknown set {name:?}; known: {}", known.join(", "))
                    })?;
                    sets.push(*set);
                }
                a.sets = sets;
            }
            "--threads" => a.threads = Some(value()?.parse().map_err(|e| format!("--threads: {e}"))?),
            "--json" => a.json = Some(PathBuf::from(value()?)),
            "--include" => a.include.push(PathBuf::from(value()?)),
            "--no-run" => a.no_run = true,
            "--time-ref" => a.time_ref = value()?,
            "-h" | "--help" => {
                println!("{USAGE}\nmethods: {}", METHODS.join(", "));
                std::process::exit(0);
            }
            _ => return Err(format!("unknown argument {flag:?}\n{USAGE}")),
        }
    }
    Ok(a)
}

fn read_gz_lines(path: &Path) -> Result<Vec<String>, String> {
    let f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    BufReader::new(GzDecoder::new(f))
        .lines()
        .map(|l| l.map_err(|e| format!("{}: {e}", path.display())))
        .filter(|l| l.as_ref().map_or(true, |s| !s.trim().is_empty()))
        .collect()
}

fn load_set(dir: &Path, name: &'static str, k: usize) -> Result<DataSet, String> {
    let data_path = dir.join("sipu").join(format!("{name}.data.gz"));
    let label_path = dir.join("sipu").join(format!("{name}.labels0.gz"));
    let mut data = Vec::new();
    let mut d = 0;
    let lines = read_gz_lines(&data_path)?;
    for (i, line) in lines.iter().enumerate() {
        let row: Vec<f64> = line
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: line {}: {e}", data_path.display(), i + 1))?;
        if i == 0 {
            d = row.len();
        } else if row.len() != d {
            return Err(format!(
                "{}: line {} has {} values, expected {d}",
                data_path.display(),
                i + 1,
                row.len()
            ));
        }
        data.extend(row);
    }
    let n = lines.len();
    let labels: Vec<usize> = read_gz_lines(&label_path)?
        .iter()
        .map(|l| l.trim().parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", label_path.display()))?;
    if labels.len() != n {
        return Err(format!(
            "{}: {} labels for {n} rows",
            label_path.display(),
            labels.len()
        ));
    }
    // Ground truth: the mean of every class (label 0 = noise is left out), in label order.
    let mut sums: BTreeMap<usize, (Vec<f64>, usize)> = BTreeMap::new();
    for (i, &l) in labels.iter().enumerate().filter(|&(_, &l)| l != 0) {
        let e = sums.entry(l).or_insert_with(|| (vec![0.0; d], 0));
        for (s, v) in e.0.iter_mut().zip(&data[i * d..(i + 1) * d]) {
            *s += v;
        }
        e.1 += 1;
    }
    if sums.len() != k {
        return Err(format!(
            "{name}: labels0 has {} classes, the reference k is {k}",
            sums.len()
        ));
    }
    let truth = sums
        .values()
        .flat_map(|(s, c)| s.iter().map(move |v| v / *c as f64))
        .collect();
    Ok(DataSet {
        name,
        k,
        n,
        d,
        data,
        truth,
    })
}

fn read_runs(path: &Path) -> Result<Vec<Run>, String> {
    let f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut runs = Vec::new();
    for (i, line) in BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        runs.push(serde_json::from_str(&line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?);
    }
    Ok(runs)
}

fn main() -> ExitCode {
    match real_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quality: {e}");
            ExitCode::FAILURE
        }
    }
}

fn real_main() -> Result<(), String> {
    let args = parse_args()?;
    if !args.datasets.join("sipu").is_dir() {
        println!(
            "quality: no benchmark datasets at {} (expected its sipu/ folder; see benches/quality/README.md). \
             Nothing to measure.",
            args.datasets.display()
        );
        return Ok(());
    }
    if let Some(t) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .map_err(|e| format!("--threads: {e}"))?;
    }
    let threads = rayon::current_num_threads();
    let mut json = match &args.json {
        Some(p) => Some(BufWriter::new(
            File::create(p).map_err(|e| format!("{}: {e}", p.display()))?,
        )),
        None => None,
    };

    let mut runs: Vec<Run> = Vec::new();
    for p in &args.include {
        runs.extend(read_runs(p)?);
    }
    let mut sets = Vec::new();
    let mut warmed_up = false;
    for &(name, k) in &args.sets {
        let t0 = Instant::now();
        let set = match load_set(&args.datasets, name, k) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("quality: skipping {name}: {e}");
                continue;
            }
        };
        if !args.no_run {
            eprintln!(
                "{name}: n = {}, d = {}, k = {} (loaded in {:.2} s)",
                set.n,
                set.d,
                set.k,
                t0.elapsed().as_secs_f64()
            );
        }
        let rows = RowMajor::new(&set.data, set.d).map_err(|e| format!("{name}: {e}"))?;
        if !args.no_run && !warmed_up {
            // Start rayon's pool and fault in the code before anything is timed.
            let _ = KMeans::<f64>::new(k).max_iter(3).fit(&rows);
            warmed_up = true;
        }
        for method in if args.no_run { &[][..] } else { &args.methods[..] } {
            let t1 = Instant::now();
            let mut ci_sum = 0;
            for seed in 0..args.seeds {
                let cfg = configure(method, k, seed).expect("methods were checked");
                let start = Instant::now();
                let model = cfg
                    .fit(&rows)
                    .map_err(|e| format!("{name} {method} seed {seed}: {e}"))?;
                let time_s = start.elapsed().as_secs_f64();
                let ci = centroid_index(model.centroids(), &set.truth, set.d)
                    .map_err(|e| format!("{name}: {e}"))?;
                ci_sum += ci;
                let run = Run {
                    set: name.into(),
                    method: method.clone(),
                    seed,
                    k,
                    n: set.n,
                    d: set.d,
                    ci: Some(ci),
                    sse: model.inertia(),
                    time_s,
                    n_iter: Some(model.n_iter()),
                    threads: Some(threads),
                    version: Some("k-means crate (path ../..), rayon".into()),
                    centroids: Some(model.centroids().to_vec()),
                };
                if let Some(w) = json.as_mut() {
                    serde_json::to_writer(&mut *w, &run).map_err(|e| e.to_string())?;
                    writeln!(w).and_then(|_| w.flush()).map_err(|e| e.to_string())?;
                }
                runs.push(run);
            }
            eprintln!(
                "  {method:>10}: mean CI {:.2} over {} seeds ({:.1} s)",
                ci_sum as f64 / args.seeds.max(1) as f64,
                args.seeds,
                t1.elapsed().as_secs_f64()
            );
        }
        sets.push(set);
    }
    if sets.is_empty() {
        println!(
            "quality: none of the selected sets could be loaded from {}.",
            args.datasets.display()
        );
        return Ok(());
    }

    // Included runs: keep those of loaded sets, check their shape, compute missing CIs.
    let mut kept = Vec::with_capacity(runs.len());
    let mut dropped = 0;
    for mut r in runs {
        let Some(set) = sets.iter().find(|s| s.name == r.set) else {
            dropped += 1;
            continue;
        };
        if (r.n, r.d, r.k) != (set.n, set.d, set.k) {
            return Err(format!(
                "run {} {} seed {}: n, d, k = {:?}, the set has {:?}",
                r.set,
                r.method,
                r.seed,
                (r.n, r.d, r.k),
                (set.n, set.d, set.k)
            ));
        }
        if r.ci.is_none() {
            let c = r.centroids.as_ref().ok_or_else(|| {
                format!(
                    "run {} {} seed {}: neither ci nor centroids",
                    r.set, r.method, r.seed
                )
            })?;
            r.ci = Some(
                centroid_index(c, &set.truth, set.d).map_err(|e| format!("{} {}: {e}", r.set, r.method))?,
            );
        }
        kept.push(r);
    }
    if dropped > 0 {
        eprintln!("quality: {dropped} included runs belong to sets not selected here; left out");
    }
    print!("{}", report(&sets, &kept, &args.time_ref));
    Ok(())
}

/// Per (set, method) figures.
#[derive(Default, Clone, Copy)]
struct Stats {
    runs: usize,
    ci_sum: usize,
    ok: usize,
    ratio_sum: f64,
    time_sum: f64,
}

impl Stats {
    fn add(&mut self, ci: usize, ratio: f64, time: f64) {
        self.runs += 1;
        self.ci_sum += ci;
        self.ok += usize::from(ci == 0);
        self.ratio_sum += ratio;
        self.time_sum += time;
    }
    fn merge(&mut self, o: &Stats) {
        self.runs += o.runs;
        self.ci_sum += o.ci_sum;
        self.ok += o.ok;
        self.ratio_sum += o.ratio_sum;
        self.time_sum += o.time_sum;
    }
    fn mean_time(&self) -> f64 {
        self.time_sum / self.runs as f64
    }
    fn cells(&self) -> String {
        if self.runs == 0 {
            return "| – | – | – | – ".into();
        }
        let n = self.runs as f64;
        format!(
            "| {:.2} | {:.0} % | {:.4} | {} ",
            self.ci_sum as f64 / n,
            100.0 * self.ok as f64 / n,
            self.ratio_sum / n,
            fmt_ms(self.mean_time())
        )
    }
}

fn fmt_ms(s: f64) -> String {
    let ms = s * 1e3;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

/// The markdown table: one row per set and an overall row; per method mean CI, share of runs
/// with CI = 0, mean SSE / best SSE of the set, mean fit time; then each method's time over the
/// reference method's.
fn report(sets: &[DataSet], runs: &[Run], time_ref: &str) -> String {
    let mut methods: Vec<String> = Vec::new();
    for r in runs {
        if !methods.contains(&r.method) {
            methods.push(r.method.clone());
        }
    }
    let has_ref = methods.iter().any(|m| m == time_ref);
    let others: Vec<&String> = methods.iter().filter(|m| has_ref && *m != time_ref).collect();
    let mut best: BTreeMap<&str, f64> = BTreeMap::new();
    for r in runs {
        let b = best.entry(r.set.as_str()).or_insert(f64::INFINITY);
        *b = b.min(r.sse);
    }
    let mut stats: BTreeMap<(&str, &str), Stats> = BTreeMap::new();
    for r in runs {
        let ratio = r.sse / best[r.set.as_str()];
        stats
            .entry((r.set.as_str(), r.method.as_str()))
            .or_default()
            .add(r.ci.unwrap_or(0), ratio, r.time_s);
    }

    let mut out = String::new();
    out.push_str(
        "Columns per method: mean CI | runs with CI = 0 | mean SSE / best SSE seen | mean fit time (ms)\n\n",
    );
    for m in &methods {
        let mut th: Vec<String> = runs
            .iter()
            .filter(|r| &r.method == m)
            .map(|r| {
                let t = r.threads.map_or("?".into(), |t| t.to_string());
                match &r.version {
                    Some(v) => format!("{v}; threads {t}"),
                    None => format!("threads {t}"),
                }
            })
            .collect();
        th.sort();
        th.dedup();
        let seeds: Vec<u64> = runs.iter().filter(|r| &r.method == m).map(|r| r.seed).collect();
        let (lo, hi) = (
            seeds.iter().min().copied().unwrap_or(0),
            seeds.iter().max().copied().unwrap_or(0),
        );
        out.push_str(&format!("* `{m}`: seeds {lo}..={hi}; {}\n", th.join(" / ")));
    }
    out.push('\n');

    let mut head = String::from("| set | n | k ");
    let mut rule = String::from("|---|---:|---:");
    for m in &methods {
        head.push_str(&format!("| {m} CI | {m} CI=0 | {m} SSE/best | {m} ms "));
        rule.push_str("|---:|---:|---:|---:");
    }
    for m in &others {
        head.push_str(&format!("| {m}/{time_ref} time "));
        rule.push_str("|---:");
    }
    out.push_str(&head);
    out.push_str("|\n");
    out.push_str(&rule);
    out.push_str("|\n");

    let mut total: BTreeMap<&str, Stats> = BTreeMap::new();
    // Per other method: (sum of its per-set mean times, sum of the reference's, log-ratio sum, sets).
    let mut ratio_acc: BTreeMap<&str, (f64, f64, f64, usize)> = BTreeMap::new();
    for set in sets {
        let mut line = format!("| {} | {} | {} ", set.name, set.n, set.k);
        for m in &methods {
            let s = stats.get(&(set.name, m.as_str())).copied().unwrap_or_default();
            line.push_str(&s.cells());
            total.entry(m.as_str()).or_default().merge(&s);
        }
        for m in &others {
            let a = stats.get(&(set.name, m.as_str()));
            let b = stats.get(&(set.name, time_ref));
            match (a, b) {
                (Some(a), Some(b)) if a.runs > 0 && b.runs > 0 => {
                    let (ta, tb) = (a.mean_time(), b.mean_time());
                    line.push_str(&format!("| {:.2} ", ta / tb));
                    let e = ratio_acc.entry(m.as_str()).or_default();
                    e.0 += ta;
                    e.1 += tb;
                    e.2 += (ta / tb).ln();
                    e.3 += 1;
                }
                _ => line.push_str("| – "),
            }
        }
        out.push_str(&line);
        out.push_str("|\n");
    }
    let mut line = String::from("| **overall** | | ");
    for m in &methods {
        line.push_str(&total.get(m.as_str()).copied().unwrap_or_default().cells());
    }
    for m in &others {
        match ratio_acc.get(m.as_str()) {
            Some(&(ta, tb, _, _)) => line.push_str(&format!("| {:.2} ", ta / tb)),
            None => line.push_str("| – "),
        }
    }
    out.push_str(&line);
    out.push_str("|\n");
    if !others.is_empty() {
        out.push_str(&format!(
            "\nTime ratios are mean fit time of the method over mean fit time of `{time_ref}` on the same set; \
             the overall row divides the sums of the per-set mean times (Birch dominates it)."
        ));
        for m in &others {
            if let Some(&(_, _, log_sum, sets)) = ratio_acc.get(m.as_str()) {
                out.push_str(&format!(
                    " Geometric mean of the per-set ratios, `{m}`: {:.2}.",
                    (log_sum / sets as f64).exp()
                ));
            }
        }
        out.push('\n');
    }
    out
}
