//! The `k-means` program (feature `cli`), run as a process on files it is given: what it
//! prints equals what the library computes, and its errors name the file, line and column.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use k_means::datasets::make_blobs;
use k_means::{KMeans, RowMajor, SphericalKMeans};

/// A fresh directory of this test's own under the target directory.
fn work_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_k-means"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the k-means program runs")
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// 5 blobs in 3-D (those of `SweepResult::suggest`'s example) as CSV with a header and a name column; the blobs' flat values too.
fn blobs_csv(dir: &Path) -> Vec<f64> {
    let blobs = make_blobs::<f64>(500, 3, 5, 0.4, 11).unwrap();
    let mut text = String::from("name,a,b,c\n");
    for (i, row) in blobs.data.chunks_exact(3).enumerate() {
        text += &format!("row{i},{},{},{}\n", row[0], row[1], row[2]);
    }
    std::fs::write(dir.join("blobs.csv"), text).unwrap();
    blobs.data
}

#[test]
fn fit_labels_equal_the_library_and_predict_from_the_saved_model() {
    let dir = work_dir("fit");
    let data = blobs_csv(&dir);
    let out = run(
        &dir,
        &[
            "fit",
            "blobs.csv",
            "-k",
            "5",
            "--columns",
            "a,b,c",
            "--seed",
            "5",
            "--model",
            "m.json",
            "--labels",
            "-",
        ],
    );
    let labels: Vec<usize> = stdout(&out).lines().map(|l| l.parse().unwrap()).collect();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("blobs.csv: line 1 read as a header (name, a, b, c)"),
        "{stderr}"
    );
    let model = KMeans::new(5)
        .seed(5)
        .fit(&RowMajor::new(&data, 3).unwrap())
        .unwrap();
    assert_eq!(labels, model.labels());

    let json = stdout(&run(
        &dir,
        &[
            "fit",
            "blobs.csv",
            "-k",
            "5",
            "--columns",
            "a,b,c",
            "--seed",
            "5",
            "--json",
        ],
    ));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["inertia"], model.inertia());
    assert_eq!(json["cluster_sizes"], serde_json::json!(model.cluster_sizes()));
    assert_eq!(json["columns"][0], serde_json::json!({"number": 2, "name": "a"}));

    let predicted = stdout(&run(&dir, &["predict", "--model", "m.json", "blobs.csv"]));
    let predicted: Vec<usize> = predicted.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(predicted, labels);

    let distances = stdout(&run(&dir, &["transform", "--model", "m.json", "blobs.csv"]));
    let expected = model.transform(&RowMajor::new(&data, 3).unwrap()).unwrap();
    let printed: Vec<f64> = distances
        .lines()
        .flat_map(|l| {
            l.split(',')
                .map(|v| v.parse::<f64>().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    // Written in the shortest form that reads back to the same f64.
    assert_eq!(printed, expected);
}

#[test]
fn sweep_suggests_the_blobs_k_and_plots_write_svg() {
    let dir = work_dir("sweep");
    blobs_csv(&dir);
    let table = stdout(&run(
        &dir,
        &[
            "sweep",
            "blobs.csv",
            "--columns",
            "2,3,4",
            "--k",
            "2..7",
            "--plot",
            "elbow.svg",
        ],
    ));
    assert_eq!(table.lines().count(), 1 + 6 + 1, "{table}");
    assert_eq!(table.lines().last(), Some("suggested k: 5 (highest silhouette)"));
    let json = stdout(&run(
        &dir,
        &[
            "sweep",
            "blobs.csv",
            "--columns",
            "a,b,c",
            "--k",
            "2,5,8",
            "--json",
        ],
    ));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["suggested_k"], 5);
    assert_eq!(json["scores"].as_array().map(Vec::len), Some(3));

    stdout(&run(
        &dir,
        &[
            "fit",
            "blobs.csv",
            "-k",
            "5",
            "--columns",
            "a,b,c",
            "--model",
            "m.json",
        ],
    ));
    stdout(&run(
        &dir,
        &[
            "plot",
            "blobs.csv",
            "--model",
            "m.json",
            "--out",
            "clusters.svg",
            "--pca",
        ],
    ));
    // 500 rows, at most 100 drawn: every 5th, and the title says so.
    stdout(&run(
        &dir,
        &[
            "plot",
            "blobs.csv",
            "--model",
            "m.json",
            "--out",
            "few.svg",
            "--max-points",
            "100",
        ],
    ));
    let few = std::fs::read_to_string(dir.join("few.svg")).unwrap();
    assert!(few.contains("500 rows, 1 in 5 drawn"));
    assert!(
        few.matches("<circle").count() < 200,
        "at most 100 dots and the legend's"
    );
    for svg in ["elbow.svg", "clusters.svg"] {
        let text = std::fs::read_to_string(dir.join(svg)).unwrap();
        assert!(text.starts_with("<svg") || text.contains("\n<svg"), "{svg}");
        assert!(text.trim_end().ends_with("</svg>"), "{svg}");
        assert!(text.contains("centroid") || text.contains("silhouette"), "{svg}");
    }
}

#[test]
fn errors_name_the_file_line_and_column() {
    let dir = work_dir("errors");
    std::fs::write(dir.join("bad.csv"), "x;y\n1.5;2\n\n3;4,5\n").unwrap();
    let out = run(&dir, &["fit", "bad.csv", "-k", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r#"error: bad.csv: line 4, column 2 ("y"): "4,5" is not a number (a decimal comma?"#),
        "{stderr}"
    );
    let out = run(&dir, &["fit", "bad.csv", "-k", "1", "--columns", "z"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r#"error: bad.csv: no column is named "z""#),
        "{stderr}"
    );
    let out = run(&dir, &["fit", "absent.csv", "-k", "1"]);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: absent.csv: cannot read"));
    // Bad arguments are clap's: status 2.
    assert_eq!(run(&dir, &["fit", "bad.csv"]).status.code(), Some(2));
    std::fs::write(dir.join("big.csv"), "1e300,0\n-1e300,1\n").unwrap();
    let out = run(&dir, &["fit", "big.csv", "-k", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: big.csv: line 1, column 1: the value is too large"),
        "{stderr}"
    );
}

#[test]
fn fit_spherical_labels_equal_the_library_and_predict_from_the_saved_model() {
    let dir = work_dir("spherical");
    let data = blobs_csv(&dir);
    let rows = RowMajor::new(&data, 3).unwrap();
    let fit = |extra: &[&str]| {
        let mut args = vec![
            "fit",
            "blobs.csv",
            "-k",
            "4",
            "--columns",
            "a,b,c",
            "--spherical",
            "--seed",
            "3",
        ];
        args.extend_from_slice(extra);
        run(&dir, &args)
    };
    let out = fit(&["--model", "s.json", "--labels", "-"]);
    let labels: Vec<usize> = stdout(&out).lines().map(|l| l.parse().unwrap()).collect();
    let model = SphericalKMeans::new(4).seed(3).fit(&rows).unwrap();
    assert_eq!(labels, model.labels());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("spherical k-means (cosine similarity)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("objective") && !stderr.contains("inertia"),
        "{stderr}"
    );

    let json: serde_json::Value = serde_json::from_str(&stdout(&fit(&["--json"]))).unwrap();
    assert_eq!(json["kind"], "spherical");
    assert_eq!(json["objective"], model.objective());
    assert_eq!(json["inertia"], serde_json::Value::Null);
    assert_eq!(json["cluster_sizes"], serde_json::json!(model.cluster_sizes()));

    // The options of the start and the stop reach the library.
    let random = fit(&[
        "--init",
        "random",
        "--n-init",
        "3",
        "--max-iter",
        "2",
        "--labels",
        "-",
    ]);
    let random: Vec<usize> = stdout(&random).lines().map(|l| l.parse().unwrap()).collect();
    let expected = SphericalKMeans::new(4)
        .seed(3)
        .init(k_means::Init::Random)
        .n_init(3)
        .max_iter(2)
        .fit(&rows)
        .unwrap();
    assert_eq!(random, expected.labels());

    let predicted = stdout(&run(&dir, &["predict", "--model", "s.json", "blobs.csv"]));
    let predicted: Vec<usize> = predicted.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(predicted, labels);

    // transform: 1 − cos to each unit centroid, smallest at the label on these blobs.
    let dissimilarities = stdout(&run(&dir, &["transform", "--model", "s.json", "blobs.csv"]));
    let c = model.centroids();
    for ((line, row), &label) in dissimilarities.lines().zip(data.chunks_exact(3)).zip(&labels) {
        let got: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        assert_eq!(got.len(), 4);
        let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
        for (j, g) in got.iter().enumerate() {
            let cos: f64 = row
                .iter()
                .zip(&c[3 * j..3 * j + 3])
                .map(|(x, c)| x * c)
                .sum::<f64>()
                / norm;
            assert!((g - (1.0 - cos)).abs() < 1e-12, "{line}");
        }
        let nearest = (0..4).min_by(|&a, &b| got[a].total_cmp(&got[b])).unwrap();
        assert_eq!(nearest, label, "{line}");
    }

    stdout(&run(
        &dir,
        &[
            "plot",
            "blobs.csv",
            "--model",
            "s.json",
            "--out",
            "s.svg",
            "--pca",
        ],
    ));
    let svg = std::fs::read_to_string(dir.join("s.svg")).unwrap();
    assert!(svg.contains("spherical k-means clusters: k = 4, 500 rows"));
}

#[test]
fn spherical_errors_name_the_line_and_the_refused_option() {
    let dir = work_dir("spherical-errors");
    std::fs::write(dir.join("zero.csv"), "x,y,w\n1,2,1\n\n0,0,1\n3,1,1\n").unwrap();
    let fit = |extra: &[&str]| {
        let mut args = vec!["fit", "zero.csv", "-k", "1", "--spherical"];
        args.extend_from_slice(extra);
        run(&dir, &args)
    };
    let out = fit(&["--columns", "x,y"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: zero.csv: line 4: every value is 0, and an all-zero row has no direction"),
        "{stderr}"
    );
    for (option, extra) in [
        ("--algorithm", &["--algorithm", "hamerly"][..]),
        ("--refine", &["--refine", "none"][..]),
        ("--weights", &["--weights", "w"][..]),
    ] {
        let out = fit(extra);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("error: {option} does not apply to --spherical")),
            "{stderr}"
        );
    }
    let out = run(&dir, &["sweep", "zero.csv", "--k", "1..2", "--spherical"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sweep does not take --spherical"));

    // A spherical model meets a zero row in new data: predict names its line too.
    std::fs::write(dir.join("fine.csv"), "x,y\n1,2\n3,1\n").unwrap();
    stdout(&run(
        &dir,
        &["fit", "fine.csv", "-k", "1", "--spherical", "--model", "s.json"],
    ));
    for sub in ["predict", "transform"] {
        let out = run(&dir, &[sub, "--model", "s.json", "zero.csv"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("error: zero.csv: line 4: every value is 0"),
            "{sub}: {stderr}"
        );
    }
}
