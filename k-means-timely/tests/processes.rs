//! Real processes of the `k-means-timely` binary over real TCP sockets on 127.0.0.1, compared
//! bit for bit with the core crate's one-process `KMeans::fit` of the same file.
//!
//! Each test writes a data file (and a host file with free ports) into its own temporary
//! directory, starts the processes, waits for them with a timeout (killing them all on failure
//! or timeout), and compares the model file's text with the serialization of `fit`'s model
//! (the same text means the same bits: floats are written in their shortest round-trip form),
//! and the labels files, concatenated in process order, with `fit`'s labels.

use std::fs::File;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use k_means::datasets::make_blobs;
use k_means::{Algorithm, Float, Init, KMeans, KMeansModel, RowMajor};

const BIN: &str = env!("CARGO_BIN_EXE_k-means-timely");
/// Generous: a debug build on a loaded 2-core machine. Never a timing assertion, only a bound
/// on a hang.
const TIMEOUT: Duration = Duration::from_secs(180);
/// How long the other processes may run on after one has failed.
const GRACE: Duration = Duration::from_secs(10);

/// A fresh temporary directory for one test, removed when the test passes.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("k-means-timely-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Child processes, all killed if still running when dropped (a failed assertion, a timeout).
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `count` ports that were free a moment ago: bound to port 0 (the OS picks), then released.
fn free_ports(count: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

/// The outcome of one process: exit status, stdout, stderr.
#[derive(Debug)]
struct Outcome {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs `processes` processes of the binary with `args` plus timely's `-n/-p/-h`, waits for all
/// of them (killing all of them after `TIMEOUT`), and returns their outcomes in process order.
/// Retried with new ports when a port was taken between choosing and binding it.
fn run(dir: &TempDir, processes: usize, args: &[&str]) -> Vec<Outcome> {
    for attempt in 0.. {
        let hosts = dir.path(&format!("hosts{attempt}"));
        let mut text = String::new();
        for port in free_ports(processes) {
            text += &format!("127.0.0.1:{port}\n");
        }
        std::fs::write(&hosts, text).unwrap();
        let mut children = Children(Vec::new());
        for p in 0..processes {
            let out = File::create(dir.path(&format!("stdout.{p}"))).unwrap();
            let err = File::create(dir.path(&format!("stderr.{p}"))).unwrap();
            let child = Command::new(BIN)
                .args(args)
                .args(["-n", &processes.to_string(), "-p", &p.to_string()])
                .arg("-h")
                .arg(&hosts)
                .current_dir(&dir.0)
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .spawn()
                .unwrap();
            children.0.push(child);
        }
        let start = Instant::now();
        let mut status = vec![None; processes];
        let mut first_failure: Option<Instant> = None;
        while status.iter().any(Option::is_none) {
            for (p, child) in children.0.iter_mut().enumerate() {
                if status[p].is_none() {
                    status[p] = child.try_wait().unwrap();
                    if status[p].is_some_and(|s| !s.success()) && first_failure.is_none() {
                        first_failure = Some(Instant::now());
                    }
                }
            }
            // A process that failed before connecting (a port taken) leaves its peers retrying
            // the connection forever: once one has failed, give the others a few seconds to
            // report (a lost connection is reported at once), then end them.
            if first_failure.is_some_and(|t| t.elapsed() > GRACE) {
                for (p, child) in children.0.iter_mut().enumerate() {
                    if status[p].is_none() {
                        let _ = child.kill();
                        status[p] = Some(child.wait().unwrap());
                    }
                }
                break;
            }
            if start.elapsed() > TIMEOUT {
                let stderr: Vec<String> = (0..processes)
                    .map(|p| std::fs::read_to_string(dir.path(&format!("stderr.{p}"))).unwrap())
                    .collect();
                panic!("processes still running after {TIMEOUT:?}; killed. stderr: {stderr:#?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let outcomes: Vec<Outcome> = (0..processes)
            .map(|p| Outcome {
                success: status[p].unwrap().success(),
                stdout: std::fs::read_to_string(dir.path(&format!("stdout.{p}"))).unwrap(),
                stderr: std::fs::read_to_string(dir.path(&format!("stderr.{p}"))).unwrap(),
            })
            .collect();
        let port_taken = outcomes.iter().any(|o| o.stderr.contains("in use"));
        if port_taken && attempt < 3 {
            continue;
        }
        return outcomes;
    }
    unreachable!()
}

fn assert_all_succeeded(outcomes: &[Outcome]) {
    for (p, o) in outcomes.iter().enumerate() {
        assert!(o.success, "process {p} failed: {o:#?}");
    }
    // timely prints its connection progress on stdout; the summary is the last line.
    let last = outcomes[0].stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("k="), "{outcomes:#?}");
    for o in &outcomes[1..] {
        assert!(!o.stdout.contains("k="), "{outcomes:#?}");
    }
}

/// The model file a fit's model is written as: the core crate's serde format (labels left out),
/// through a JSON value (keys sorted).
fn model_text<T: Float + serde::Serialize>(model: &KMeansModel<T>) -> String {
    let json = serde_json::to_value(model).unwrap();
    assert_eq!(json["labels"], serde_json::json!([]));
    serde_json::to_string(&json).unwrap() + "\n"
}

/// Asserts the processes' model and labels files equal `expected` (the one-process fit).
fn assert_same_fit<T: Float + serde::Serialize>(dir: &TempDir, processes: usize, expected: &KMeansModel<T>) {
    let model = std::fs::read_to_string(dir.path("model.json")).unwrap();
    assert_eq!(model, model_text(expected));
    // The text equal means the bits equal; check the headline numbers as bits too, read back
    // with a correctly rounding parser (str::parse).
    let json: serde_json::Value = serde_json::from_str(&model).unwrap();
    let inertia: f64 = json["inertia"].to_string().parse().unwrap();
    assert_eq!(inertia.to_bits(), expected.inertia().to_bits());
    assert_eq!(json["n_iter"].as_u64(), Some(expected.n_iter() as u64));
    let mut labels = Vec::new();
    for p in 0..processes {
        let text = std::fs::read_to_string(dir.path(&format!("labels.{p}"))).unwrap();
        labels.extend(text.lines().map(|l| l.parse::<usize>().unwrap()));
    }
    assert_eq!(labels, expected.labels());
}

/// Writes `data` (`d` columns) as CSV with a header line.
fn write_csv(path: &Path, data: &[f64], d: usize) {
    let mut f = std::io::BufWriter::new(File::create(path).unwrap());
    let header: Vec<String> = (0..d).map(|j| format!("x{j}")).collect();
    writeln!(f, "{}", header.join(",")).unwrap();
    for row in data.chunks(d) {
        let fields: Vec<String> = row.iter().map(f64::to_string).collect();
        writeln!(f, "{}", fields.join(",")).unwrap();
    }
    f.flush().unwrap();
}

const N: usize = 2500;
const D: usize = 4;
const K: usize = 6;

fn blobs() -> Vec<f64> {
    make_blobs::<f64>(N, D, K, 1.5, 11).unwrap().data
}

fn text_run(name: &str, processes: usize, extra: &[&str], kmeans: KMeans<f64>) {
    let dir = TempDir::new(name);
    let data = blobs();
    write_csv(&dir.path("data.csv"), &data, D);
    let expected = kmeans.fit(&RowMajor::new(&data, D).unwrap()).unwrap();
    let k = K.to_string();
    let mut args = vec![
        "--input",
        "data.csv",
        "-k",
        &k,
        "--model",
        "model.json",
        "--labels",
        "labels",
    ];
    args.extend_from_slice(extra);
    let outcomes = run(&dir, processes, &args);
    assert_all_succeeded(&outcomes);
    assert_same_fit(&dir, processes, &expected);
}

#[test]
fn three_processes_text_default_options() {
    text_run("three", 3, &[], KMeans::new(K));
}

#[test]
fn two_processes_random_init_lloyd() {
    text_run(
        "two-random-lloyd",
        2,
        &["--init", "random", "--algorithm", "lloyd", "--seed", "5"],
        KMeans::new(K)
            .init(Init::Random)
            .algorithm(Algorithm::Lloyd)
            .seed(5),
    );
}

#[test]
fn one_process_is_an_ordinary_run() {
    text_run("one", 1, &[], KMeans::new(K));
}

#[test]
fn raw_f32_read_by_offset_three_processes() {
    let dir = TempDir::new("raw-f32");
    let data: Vec<f32> = make_blobs::<f32>(N, D, K, 1.5, 12).unwrap().data;
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(dir.path("data.f32"), bytes).unwrap();
    let expected = KMeans::<f32>::new(K)
        .fit(&RowMajor::new(&data, D).unwrap())
        .unwrap();
    let (k, d) = (K.to_string(), D.to_string());
    let args = [
        "--input",
        "data.f32",
        "--features",
        &d,
        "--dtype",
        "f32",
        "-k",
        &k,
        "--model",
        "model.json",
        "--labels",
        "labels",
    ];
    let outcomes = run(&dir, 3, &args);
    assert_all_succeeded(&outcomes);
    assert_same_fit(&dir, 3, &expected);
}

#[test]
fn weights_and_gzip_two_processes() {
    let dir = TempDir::new("weights-gz");
    let data = blobs();
    let weights: Vec<f64> = (0..N).map(|i| (i % 4) as f64 * 0.5).collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for row in data.chunks(D) {
        let fields: Vec<String> = row.iter().map(f64::to_string).collect();
        writeln!(gz, "{}", fields.join(" ")).unwrap();
    }
    std::fs::write(dir.path("data.txt.gz"), gz.finish().unwrap()).unwrap();
    let text: String = weights.iter().map(|w| format!("{w}\n")).collect();
    std::fs::write(dir.path("weights.txt"), text).unwrap();
    let kmeans = KMeans::new(K).seed(3);
    let expected = kmeans
        .fit_weighted(&RowMajor::new(&data, D).unwrap(), &weights)
        .unwrap();
    let k = K.to_string();
    let args = [
        "--input",
        "data.txt.gz",
        "--weights",
        "weights.txt",
        "--seed",
        "3",
        "-k",
        &k,
        "--model",
        "model.json",
        "--labels",
        "labels",
    ];
    let outcomes = run(&dir, 2, &args);
    assert_all_succeeded(&outcomes);
    assert_same_fit(&dir, 2, &expected);
}

#[test]
fn the_model_file_is_the_same_for_one_two_and_three_processes() {
    let dir = TempDir::new("same-file");
    write_csv(&dir.path("data.csv"), &blobs(), D);
    let k = K.to_string();
    let mut files = Vec::new();
    for processes in 1..=3 {
        let model = format!("model{processes}.json");
        let args = [
            "--input", "data.csv", "-k", &k, "--refine", "none", "--model", &model,
        ];
        assert_all_succeeded(&run(&dir, processes, &args));
        files.push(std::fs::read(dir.path(&model)).unwrap());
    }
    assert_eq!(files[0], files[1]);
    assert_eq!(files[0], files[2]);
}

#[test]
fn mismatched_options_are_reported_by_every_process() {
    let dir = TempDir::new("mismatch");
    write_csv(&dir.path("data.csv"), &blobs(), D);
    let ports = free_ports(2);
    let hosts = dir.path("hosts");
    std::fs::write(
        &hosts,
        format!("127.0.0.1:{}\n127.0.0.1:{}\n", ports[0], ports[1]),
    )
    .unwrap();
    // Process 1 asks for another k: both processes must fail, naming the disagreement.
    let mut children = Children(Vec::new());
    for (p, k) in [(0, "6"), (1, "7")] {
        let child = Command::new(BIN)
            .args([
                "--input",
                "data.csv",
                "-k",
                k,
                "-n",
                "2",
                "-p",
                &p.to_string(),
                "-h",
            ])
            .arg(&hosts)
            .current_dir(&dir.0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        children.0.push(child);
    }
    let start = Instant::now();
    for child in &mut children.0 {
        while child.try_wait().unwrap().is_none() {
            assert!(start.elapsed() < TIMEOUT, "a process hung on mismatched options");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    for child in &mut children.0 {
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        assert!(!status.success());
        assert!(
            stderr.contains("disagrees with process 0 on the options"),
            "{stderr}"
        );
    }
}

#[test]
fn a_killed_peer_makes_the_others_exit_naming_it() {
    let dir = TempDir::new("killed");
    // Big enough that the fit cannot end before the kill (process 1 dies right after it has
    // connected, so the others cannot finish a round it has not sent).
    let data = make_blobs::<f64>(40_000, D, 20, 1.5, 13).unwrap().data;
    write_csv(&dir.path("data.csv"), &data, D);
    let ports = free_ports(3);
    let hosts = dir.path("hosts");
    let text: String = ports.iter().map(|p| format!("127.0.0.1:{p}\n")).collect();
    std::fs::write(&hosts, text).unwrap();
    let mut children = Children(Vec::new());
    for p in 0..3 {
        let err = File::create(dir.path(&format!("stderr.{p}"))).unwrap();
        let child = Command::new(BIN)
            .args([
                "--input",
                "data.csv",
                "-k",
                "20",
                "-n",
                "3",
                "-p",
                &p.to_string(),
                "-h",
            ])
            .arg(&hosts)
            .current_dir(&dir.0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .unwrap();
        children.0.push(child);
    }
    let start = Instant::now();
    let stderr = |p: usize| std::fs::read_to_string(dir.path(&format!("stderr.{p}"))).unwrap();
    while !stderr(1).contains("process 1 of 3: connected") {
        assert!(
            start.elapsed() < TIMEOUT,
            "process 1 never connected: {}",
            stderr(1)
        );
        assert!(
            children.0[1].try_wait().unwrap().is_none(),
            "process 1 ended: {}",
            stderr(1)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    children.0[1].kill().unwrap();
    for p in [0, 2] {
        let status = loop {
            if let Some(status) = children.0[p].try_wait().unwrap() {
                break status;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "process {p} hung after its peer was killed"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(status.code(), Some(1), "process {p}: {}", stderr(p));
        assert!(
            stderr(p).contains("lost the connection to process"),
            "{}",
            stderr(p)
        );
    }
    // Each survivor names the first broken connection it saw: process 1's, or a survivor's
    // that exited already. The first to notice saw process 1's.
    assert!(
        [0, 2]
            .iter()
            .any(|&p| stderr(p).contains("lost the connection to process 1:")),
        "{}\n{}",
        stderr(0),
        stderr(2)
    );
}

/// The `sequence` of the checkpoint in `path`, if there is one yet (the file is replaced by a
/// rename, so it is always whole).
fn checkpoint_sequence(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["sequence"].as_u64()
}

#[test]
fn a_fit_killed_after_some_checkpoints_resumes_to_the_same_model() {
    let dir = TempDir::new("resume");
    // Default options (k-means++, breathing): restarts and breathing cycles, many checkpoints.
    let (n, k) = (12_000, 16);
    let data = make_blobs::<f64>(n, D, k, 2.5, 17).unwrap().data;
    write_csv(&dir.path("data.csv"), &data, D);
    let expected = KMeans::new(k).fit(&RowMajor::new(&data, D).unwrap()).unwrap();
    let k = k.to_string();
    let common = [
        "--input",
        "data.csv",
        "-k",
        &k,
        "--model",
        "model.json",
        "--labels",
        "labels",
        "--checkpoint",
        "fit.checkpoint",
    ];
    let checkpoint = dir.path("fit.checkpoint");
    // Start both processes, wait until process 0 has written a few checkpoints, kill both
    // (SIGKILL). A port taken between choosing and binding it means no checkpoint ever comes
    // and the processes fail: then try again with other ports.
    let mut killed_at = None;
    for attempt in 0..4 {
        let ports = free_ports(2);
        let hosts = dir.path(&format!("hosts{attempt}"));
        let text: String = ports.iter().map(|p| format!("127.0.0.1:{p}\n")).collect();
        std::fs::write(&hosts, text).unwrap();
        let mut children = Children(Vec::new());
        for p in 0..2 {
            let err = File::create(dir.path(&format!("stderr.{p}"))).unwrap();
            let child = Command::new(BIN)
                .args(common)
                .args(["-n", "2", "-p", &p.to_string(), "-h"])
                .arg(&hosts)
                .current_dir(&dir.0)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(err)
                .spawn()
                .unwrap();
            children.0.push(child);
        }
        let start = Instant::now();
        loop {
            if checkpoint_sequence(&checkpoint).is_some_and(|s| s >= 3) {
                break;
            }
            let ended: Vec<bool> = children
                .0
                .iter_mut()
                .map(|c| c.try_wait().unwrap().is_some())
                .collect();
            if ended.iter().any(|&e| e) {
                break;
            }
            assert!(start.elapsed() < TIMEOUT, "no checkpoint after {TIMEOUT:?}");
            std::thread::sleep(Duration::from_millis(2));
        }
        for child in &mut children.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(s) = checkpoint_sequence(&checkpoint) {
            killed_at = Some(s);
            break;
        }
    }
    let killed_at = killed_at.expect("the processes never wrote a checkpoint");
    // Had the fit ended before the kill (not expected: it passes far more checkpoints), its
    // last checkpoint is still one from before its end: remove its outputs and resume anyway.
    for name in ["model.json", "labels.0", "labels.1", "labels.2"] {
        let _ = std::fs::remove_file(dir.path(name));
    }
    // Resume, checkpointing into the same file, on three processes (the state is global, so
    // the partition may change): the uninterrupted fit's model and labels.
    let mut args = common.to_vec();
    args.extend(["--resume", "fit.checkpoint"]);
    let outcomes = run(&dir, 3, &args);
    assert_all_succeeded(&outcomes);
    assert_same_fit(&dir, 3, &expected);
    // The resumed fit went on from where it was (its checkpoints continue the count).
    let last = checkpoint_sequence(&checkpoint).unwrap();
    assert!(last > killed_at);
    eprintln!("killed after checkpoint {killed_at}; the resumed fit's last was {last}");
    // A checkpoint of another fit is refused by every process.
    let mut other = args.clone();
    other[3] = "5";
    let outcomes = run(&dir, 2, &other);
    for (p, o) in outcomes.iter().enumerate() {
        assert!(!o.success, "process {p}: {o:#?}");
        assert!(
            o.stderr.contains("the checkpoint is from a different fit: k is"),
            "process {p}: {o:#?}"
        );
    }
}
