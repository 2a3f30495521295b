//! `k-means-timely`: one process of an exact k-means fit over timely dataflow.
//!
//! ```text
//! k-means-timely --input points.f64 --features 32 -k 100 --model model.json -n 3 -p 0 -h hosts
//! ```
//!
//! Started once per process, as timely programs are. Run with `--help` for every option; the
//! crate's README has the walk-through.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use k_means::distributed::Collective;
use k_means::{Algorithm, Checkpoint, DEFAULT_BREATHING_M, Init, KMeans, KMeansError, Refine, RowMajor};
use k_means_timely::input::{Part, read_raw, read_text};
use k_means_timely::{Element, TimelyCollective};

const USAGE: &str = "\
usage: k-means-timely --input FILE -k K [--seed S] [--init kmeans++|random] [--n-init N]
                      [--algorithm auto|lloyd|hamerly|yinyang] [--refine breathing|none]
                      [--max-iter N] [--tolerance X] [--weights FILE] [--features D]
                      [--dtype f32|f64] [--model OUT.json] [--labels OUT]
                      [--checkpoint FILE] [--resume FILE] [-n P] [-p I] [-h HOSTFILE]";

const HELP: &str = "\
One process of a k-means fit over P processes (timely dataflow over TCP). Start it once per
process with the same options, each with its own -p; every process reads only its own
contiguous range of FILE's rows, and the model is bit for bit the one-process fit of FILE.

input:
  --input FILE       the rows. Without --features: text, one row per line, fields separated
                     by commas/semicolons or spaces/tabs, blank lines skipped, a first line
                     that is not all numbers skipped as a header, gzip decompressed (every
                     process reads the text through, parsing only its rows). With --features:
                     raw little-endian values, row-major, no header (each process reads only
                     its rows, by offset)
  --features D       raw input of D values per row
  --dtype T          f32 or f64: the values' type in a raw file, and the type the fit computes
                     in [default: f64]
  --weights FILE     one weight per row, in the input's format (text, or raw of --dtype)

fit (as the k-means crate's KMeans builder; defaults are the crate's):
  -k K               number of clusters (required)
  --seed S           [default: 0]
  --init METHOD      kmeans++ or random [default: kmeans++]
  --n-init N         runs from different starts [default: 1 for kmeans++, 10 for random]
  --algorithm A      auto, lloyd, hamerly or yinyang [default: auto]
  --refine R         breathing or none [default: breathing]
  --max-iter N       [default: 300]
  --tolerance X      [default: 1e-4]

output:
  --model OUT.json   process 0 writes the model (the crate's serde format, with the labels
                     left out: they are in the --labels files)
  --labels OUT       every process I writes its rows' clusters to OUT.I, one per line

checkpoints:
  --checkpoint FILE  process 0 writes the fit's state to FILE after every iteration
                     (atomically: a temporary file in FILE's directory, fsync, rename); it
                     holds no rows, only centroids and counters (a few k x D sets)
  --resume FILE      continue the fit from a checkpoint FILE (the same options and data;
                     the model is the uninterrupted fit's, bit for bit). Every process reads
                     FILE: it must be on a file system they share, or copied to each host

processes (timely's):
  -n P               number of processes [default: 1: an ordinary single-process run]
  -p I               this process, 0..P-1 [default: 0]
  -h HOSTFILE        host:port of process 0, 1, ... one per line
                     [default: localhost:2101, localhost:2102, ...]
  --help             print this help

Process 0 prints a one-line summary on stdout. Exit status: 0 on success, 1 if reading,
clustering or a peer fails, 2 for bad arguments.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dtype {
    F32,
    F64,
}

#[derive(Debug, Clone)]
struct Options {
    input: PathBuf,
    k: usize,
    seed: Option<u64>,
    init: Option<String>,
    n_init: Option<usize>,
    algorithm: Option<String>,
    refine: Option<String>,
    max_iter: Option<usize>,
    tolerance: Option<f64>,
    weights: Option<PathBuf>,
    features: Option<usize>,
    dtype: Dtype,
    model: Option<PathBuf>,
    labels: Option<PathBuf>,
    checkpoint: Option<PathBuf>,
    resume: Option<PathBuf>,
    processes: usize,
    process: usize,
    hostfile: Option<PathBuf>,
}

impl Options {
    /// The options every process must share, as one string compared in the first round.
    fn shared(&self) -> String {
        format!(
            "k={} seed={:?} init={:?} n_init={:?} algorithm={:?} refine={:?} max_iter={:?} \
             tolerance={:?} weights={} features={:?} dtype={:?} processes={} resume={}",
            self.k,
            self.seed,
            self.init,
            self.n_init,
            self.algorithm,
            self.refine,
            self.max_iter,
            self.tolerance.map(f64::to_bits),
            self.weights.is_some(),
            self.features,
            self.dtype,
            self.processes,
            self.resume.is_some()
        )
    }

    fn kmeans<T: Element>(&self) -> KMeans<T> {
        let mut km = KMeans::new(self.k);
        if let Some(seed) = self.seed {
            km = km.seed(seed);
        }
        match self.init.as_deref() {
            Some("random") => km = km.init(Init::Random),
            Some(_) => km = km.init(Init::KMeansPlusPlus),
            None => {}
        }
        if let Some(n) = self.n_init {
            km = km.n_init(n);
        }
        match self.algorithm.as_deref() {
            Some("lloyd") => km = km.algorithm(Algorithm::Lloyd),
            Some("hamerly") => km = km.algorithm(Algorithm::Hamerly),
            Some("yinyang") => km = km.algorithm(Algorithm::Yinyang),
            Some(_) => km = km.algorithm(Algorithm::Auto),
            None => {}
        }
        match self.refine.as_deref() {
            Some("none") => km = km.refine(Refine::None),
            Some(_) => {
                km = km.refine(Refine::Breathing {
                    m: DEFAULT_BREATHING_M,
                })
            }
            None => {}
        }
        if let Some(n) = self.max_iter {
            km = km.max_iter(n);
        }
        if let Some(t) = self.tolerance {
            km = km.tolerance(t);
        }
        km
    }
}

enum ArgError {
    Help,
    Usage(String),
}

fn usage(msg: impl Into<String>) -> ArgError {
    ArgError::Usage(msg.into())
}

fn number<N: FromStr>(flag: &str, value: &str) -> Result<N, ArgError> {
    value
        .parse()
        .map_err(|_| usage(format!("{flag}: {value:?} is not a valid number")))
}

fn choice(flag: &str, value: String, allowed: &[&str]) -> Result<String, ArgError> {
    if allowed.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(usage(format!(
            "{flag}: {value:?} is not one of {}",
            allowed.join(", ")
        )))
    }
}

fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Options, ArgError> {
    let mut args = args.into_iter();
    let mut input = None;
    let mut k = None;
    let mut o = Options {
        input: PathBuf::new(),
        k: 0,
        seed: None,
        init: None,
        n_init: None,
        algorithm: None,
        refine: None,
        max_iter: None,
        tolerance: None,
        weights: None,
        features: None,
        dtype: Dtype::F64,
        model: None,
        labels: None,
        checkpoint: None,
        resume: None,
        processes: 1,
        process: 0,
        hostfile: None,
    };
    while let Some(arg) = args.next() {
        let text = arg
            .to_str()
            .ok_or_else(|| usage(format!("{arg:?} is not UTF-8")))?
            .to_string();
        if text == "--help" {
            return Err(ArgError::Help);
        }
        let (flag, inline) = match text.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(OsString::from(v))),
            _ => (text.clone(), None),
        };
        let mut value = || -> Result<OsString, ArgError> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| usage(format!("{flag} needs a value")))
        };
        let string = |v: OsString| -> Result<String, ArgError> {
            v.into_string().map_err(|v| usage(format!("{v:?} is not UTF-8")))
        };
        match flag.as_str() {
            "--input" => input = Some(PathBuf::from(value()?)),
            "-k" => k = Some(number::<usize>(&flag, &string(value()?)?)?),
            "--seed" => o.seed = Some(number(&flag, &string(value()?)?)?),
            "--init" => o.init = Some(choice(&flag, string(value()?)?, &["kmeans++", "random"])?),
            "--n-init" => o.n_init = Some(number(&flag, &string(value()?)?)?),
            "--algorithm" => {
                o.algorithm = Some(choice(
                    &flag,
                    string(value()?)?,
                    &["auto", "lloyd", "hamerly", "yinyang"],
                )?)
            }
            "--refine" => o.refine = Some(choice(&flag, string(value()?)?, &["breathing", "none"])?),
            "--max-iter" => o.max_iter = Some(number(&flag, &string(value()?)?)?),
            "--tolerance" => o.tolerance = Some(number(&flag, &string(value()?)?)?),
            "--weights" => o.weights = Some(PathBuf::from(value()?)),
            "--features" => o.features = Some(number(&flag, &string(value()?)?)?),
            "--dtype" => {
                o.dtype = match choice(&flag, string(value()?)?, &["f32", "f64"])?.as_str() {
                    "f32" => Dtype::F32,
                    _ => Dtype::F64,
                }
            }
            "--model" => o.model = Some(PathBuf::from(value()?)),
            "--labels" => o.labels = Some(PathBuf::from(value()?)),
            "--checkpoint" => o.checkpoint = Some(PathBuf::from(value()?)),
            "--resume" => o.resume = Some(PathBuf::from(value()?)),
            "-n" => o.processes = number(&flag, &string(value()?)?)?,
            "-p" => o.process = number(&flag, &string(value()?)?)?,
            "-h" => o.hostfile = Some(PathBuf::from(value()?)),
            _ => return Err(usage(format!("unknown argument {text:?}"))),
        }
    }
    o.input = input.ok_or_else(|| usage("--input FILE is required"))?;
    o.k = k.ok_or_else(|| usage("-k K is required"))?;
    if o.processes == 0 {
        return Err(usage("-n must be at least 1"));
    }
    if o.process >= o.processes {
        return Err(usage(format!("-p {} is not below -n {}", o.process, o.processes)));
    }
    Ok(o)
}

/// timely's configuration for one worker thread in this process: the hostfile's first `P`
/// non-blank lines (or timely's default addresses) for `-n P > 1`.
fn timely_config(o: &Options) -> Result<timely::Config, String> {
    let communication = if o.processes == 1 {
        timely::CommunicationConfig::Thread
    } else {
        let addresses: Vec<String> = match &o.hostfile {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .take(o.processes)
                .map(String::from)
                .collect(),
            None => (0..o.processes)
                .map(|i| format!("localhost:{}", 2101 + i))
                .collect(),
        };
        if addresses.len() < o.processes {
            return Err(format!(
                "the host file has {} address(es), but -n is {}",
                addresses.len(),
                o.processes
            ));
        }
        timely::CommunicationConfig::Cluster {
            threads: 1,
            process: o.process,
            addresses,
            report: false,
            zerocopy: false,
        }
    };
    Ok(timely::Config {
        communication,
        worker: timely::WorkerConfig::default(),
    })
}

/// What a process reports when it is done.
struct Report {
    /// The summary line (process 0 only).
    summary: Option<String>,
}

/// Reads this process's rows (and weights) of the file, and the checkpoint to resume from.
fn read_part<T: Element>(o: &Options) -> Result<Input<T>, String> {
    let read = |path: &Path, features: Option<usize>| match features {
        Some(d) => read_raw::<T>(path, d, o.processes, o.process),
        None => read_text::<T>(path, o.processes, o.process),
    };
    let part = read(&o.input, o.features)?;
    let weights = match &o.weights {
        Some(path) => {
            let w = read(path, o.features.map(|_| 1))?;
            if w.n_rows != part.n_rows {
                return Err(format!(
                    "{}: {} weight(s) for {} row(s)",
                    path.display(),
                    w.n_rows,
                    part.n_rows
                ));
            }
            if w.n_features.is_some_and(|d| d != 1) {
                return Err(format!("{}: one weight per line expected", path.display()));
            }
            Some(w.values)
        }
        None => None,
    };
    let resume = match &o.resume {
        Some(path) => {
            let fail = |e: String| format!("{}: {e}", path.display());
            let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
            let checkpoint: Checkpoint<T> =
                serde_json::from_slice(&bytes).map_err(|e| fail(e.to_string()))?;
            Some((checkpoint, fnv(&bytes)))
        }
        None => None,
    };
    Ok((part, weights, resume))
}

/// What a process reads: its rows, their weights, the checkpoint to resume from (with a
/// fingerprint of its bytes, which every process must share).
type Input<T> = (Part<T>, Option<Vec<T>>, Option<(Checkpoint<T>, u64)>);

/// FNV-1a of `bytes`.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Writes `bytes` to `path` so that `path` always holds a whole file, the old or the new one:
/// a temporary file in the same directory, written and synced, renamed over `path`, then the
/// directory synced so the rename survives a crash.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut name = OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(".tmp.{}", std::process::id()));
    let tmp = dir.join(name);
    let mut file = File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    File::open(dir)?.sync_all()
}

/// The first round: every process's shared options and view of the file, or its read error.
/// Returns the number of features (a process with no rows of a text file learns it here).
fn check_round<T: Element>(
    o: &Options,
    part: &Result<Input<T>, String>,
    collective: &mut TimelyCollective,
) -> Result<usize, String> {
    let mine = match part {
        Ok((p, _, resume)) => serde_json::json!({
            "shared": o.shared(),
            "rows": p.n_rows,
            "features": p.n_features,
            "resume": resume.as_ref().map(|(_, f)| format!("{f:#018x}")),
        }),
        Err(e) => serde_json::json!({ "error": e }),
    };
    let all = collective
        .all_gather(mine.to_string().as_bytes())
        .map_err(|e| e.to_string())?;
    let all: Vec<serde_json::Value> = all
        .iter()
        .map(|m| serde_json::from_slice(m).map_err(|e| format!("a malformed first message: {e}")))
        .collect::<Result<_, _>>()?;
    if let Some((i, e)) = all
        .iter()
        .enumerate()
        .find_map(|(i, m)| m.get("error").map(|e| (i, e)))
    {
        let e = e.as_str().unwrap_or_default();
        return Err(if i == o.process {
            e.to_string()
        } else {
            format!("process {i} failed to read its rows: {e}")
        });
    }
    let first = &all[0];
    for (i, m) in all.iter().enumerate().skip(1) {
        for key in ["shared", "rows", "resume"] {
            if m[key] != first[key] {
                return Err(format!(
                    "process {i} disagrees with process 0 on {}: {} vs {}",
                    match key {
                        "rows" => "the number of rows",
                        "resume" => "the checkpoint file's contents",
                        _ => "the options",
                    },
                    m[key],
                    first[key]
                ));
            }
        }
    }
    let mut features = None;
    for (i, m) in all.iter().enumerate() {
        if let Some(d) = m["features"].as_u64() {
            match features {
                None => features = Some((d, i)),
                Some((f, j)) if f != d => {
                    return Err(format!(
                        "process {i}'s rows have {d} feature(s), process {j}'s have {f}"
                    ));
                }
                Some(_) => {}
            }
        }
    }
    Ok(features.map_or(1, |(d, _)| d as usize))
}

fn run<T: Element>(worker: &mut timely::worker::Worker, o: &Options) -> Result<Report, String> {
    let start = Instant::now();
    let mut collective = TimelyCollective::new(worker);
    if collective.size() > 1 {
        // timely has connected every pair of processes before the worker starts.
        eprintln!(
            "process {} of {}: connected",
            collective.rank(),
            collective.size()
        );
    }
    let part = read_part::<T>(o);
    let read_time = start.elapsed();
    let n_features = check_round(o, &part, &mut collective)?;
    let (part, weights, resume) = part?;
    let rows = RowMajor::new(&part.values, n_features).map_err(|e| e.to_string())?;
    let kmeans = o.kmeans::<T>();
    let fit_start = Instant::now();
    let rounds_before = collective.rounds();
    let bytes_before = collective.bytes_sent();
    let writer = o.checkpoint.as_deref().filter(|_| collective.rank() == 0);
    let on_checkpoint = |c: &Checkpoint<T>| -> Result<(), KMeansError> {
        if let Some(path) = writer {
            let fail = |e: String| KMeansError::CheckpointFailed {
                reason: format!("{}: {e}", path.display()),
            };
            let json = serde_json::to_vec(c).map_err(|e| fail(e.to_string()))?;
            write_atomically(path, &json).map_err(|e| fail(e.to_string()))?;
        }
        Ok(())
    };
    let resume = resume.as_ref().map(|(c, _)| c);
    let model = if o.checkpoint.is_some() || resume.is_some() {
        kmeans.fit_partition_resumable(
            &rows,
            weights.as_deref(),
            part.range.start,
            &mut collective,
            resume,
            on_checkpoint,
        )
    } else {
        match &weights {
            Some(w) => kmeans.fit_partition_weighted(&rows, w, part.range.start, &mut collective),
            None => kmeans.fit_partition(&rows, part.range.start, &mut collective),
        }
    }
    .map_err(|e| e.to_string())?;
    let fit_time = fit_start.elapsed();
    let rounds = collective.rounds() - rounds_before;
    let bytes = collective.bytes_sent() - bytes_before;

    if let Some(out) = &o.labels {
        let mut name = out.clone().into_os_string();
        name.push(format!(".{}", o.process));
        let path = PathBuf::from(name);
        let fail = |e: std::io::Error| format!("{}: {e}", path.display());
        let mut w = BufWriter::new(File::create(&path).map_err(fail)?);
        for label in model.labels() {
            writeln!(w, "{label}").map_err(fail)?;
        }
        w.flush().map_err(fail)?;
    }
    if collective.rank() != 0 {
        return Ok(Report { summary: None });
    }
    if let Some(path) = &o.model {
        // The core crate serialises a model without its training labels (process 0 holds only
        // its own rows'), so the file is the same for any number of processes. The labels are
        // in the --labels files.
        let json = T::model_json(&model).map_err(|e| e.to_string())?;
        let text = serde_json::to_string(&json).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let summary = format!(
        "k={} n={} d={} dtype={} inertia={} n_iter={} stop={:?} processes={} rounds={} \
         bytes_sent={} largest_message={} read_s={:.3} fit_s={:.3}",
        model.k(),
        part.n_rows,
        n_features,
        T::NAME,
        model.inertia(),
        model.n_iter(),
        model.stop_reason(),
        collective.size(),
        rounds,
        bytes,
        collective.largest_message(),
        read_time.as_secs_f64(),
        fit_time.as_secs_f64(),
    );
    Ok(Report {
        summary: Some(summary),
    })
}

/// timely has no fault tolerance: when a peer dies or its socket closes, the network thread of
/// that peer (`timely:recv-I` / `timely:send-I`, I the peer's process index) panics, and the
/// worker would panic after it on poisoned queues. Turn that into one message naming the lost
/// process and an immediate exit with status 1, so no process waits on a peer that is gone.
fn exit_on_lost_peer(me: usize) {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or_default();
        let peer = name
            .strip_prefix("timely:recv-")
            .or_else(|| name.strip_prefix("timely:send-"));
        if let Some(peer) = peer {
            let payload = info.payload();
            let reason = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("a network thread failed");
            eprintln!("error: process {me}: lost the connection to process {peer}: {reason}");
            std::process::exit(1);
        }
        default_hook(info);
    }));
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args_os().skip(1)) {
        Ok(o) => Arc::new(o),
        Err(ArgError::Help) => {
            println!("{USAGE}\n\n{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(ArgError::Usage(msg)) => {
            eprintln!("error: {msg}\n\n{USAGE}\n\nRun with --help for details.");
            return ExitCode::from(2);
        }
    };
    let me = opts.process;
    let config = match timely_config(&opts) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(2);
        }
    };
    exit_on_lost_peer(me);
    let worker_opts = Arc::clone(&opts);
    let guards = timely::execute(config, move |worker| match worker_opts.dtype {
        Dtype::F32 => run::<f32>(worker, &worker_opts),
        Dtype::F64 => run::<f64>(worker, &worker_opts),
    });
    let results = match guards {
        Ok(guards) => guards.join(),
        Err(msg) => {
            eprintln!("error: process {me}: cannot start timely: {msg}");
            return ExitCode::from(1);
        }
    };
    let mut code = ExitCode::SUCCESS;
    for result in results {
        match result {
            Ok(Ok(Report { summary })) => {
                if let Some(line) = summary {
                    println!("{line}");
                }
            }
            Ok(Err(msg)) => {
                eprintln!("error: process {me}: {msg}");
                code = ExitCode::from(1);
            }
            Err(panic) => {
                eprintln!("error: process {me}: lost the connection to a peer process ({panic})");
                code = ExitCode::from(1);
            }
        }
    }
    code
}
