//! Writing results: to a file or stdout, with a closed pipe (`… | head`) ending the program
//! quietly; the fit's summary and the sweep's table.

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use k_means::{Float, SweepResult};

use crate::fitted::Fitted;
use crate::input::SavedColumn;

/// Why a subcommand stopped early.
#[derive(Debug, PartialEq)]
pub enum Failure {
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
pub fn write_failure(e: &io::Error, what: &str, name: &str) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure::BrokenPipe
    } else {
        Failure::Message(format!("cannot write {what} to {name}: {e}"))
    }
}

/// Writes through a buffer to `out` (`None` or `-`: stdout), naming `what` and the
/// destination if that fails.
pub fn write_to(
    out: Option<&Path>,
    what: &str,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Failure> {
    let (result, name) = match out.filter(|p| *p != Path::new("-")) {
        None => {
            let mut w = BufWriter::new(io::stdout().lock());
            (body(&mut w).and_then(|()| w.flush()), "stdout".into())
        }
        Some(path) => {
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

/// Rows of numbers as CSV lines (shortest round-trip decimal form).
pub fn write_rows<T: Float>(w: &mut dyn Write, values: &[T], width: usize) -> io::Result<()> {
    for row in values.chunks_exact(width) {
        let line: Vec<String> = row.iter().map(ToString::to_string).collect();
        writeln!(w, "{}", line.join(","))?;
    }
    Ok(())
}

/// A CSV header of the columns' names, if every column has one.
pub fn header_line(columns: &[SavedColumn]) -> Option<String> {
    let names: Option<Vec<String>> = columns
        .iter()
        .map(|c| c.name.as_ref().map(|n| csv_field(n)))
        .collect();
    names.map(|n| n.join(","))
}

/// A field quoted as CSV needs it.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// What a fit did, for people (`Display`, to stderr) and programs (`json`).
pub struct Summary<'a, T: Float> {
    pub file: &'a Path,
    pub rows: usize,
    pub columns: &'a [SavedColumn],
    pub weighted: bool,
    pub fit_seconds: f64,
    pub model: &'a Fitted<T>,
}

impl<T: Float + Into<f64>> fmt::Display for Summary<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.model;
        writeln!(f, "file           {}", self.file.display())?;
        if let Fitted::Spherical(_) = m {
            writeln!(f, "model          spherical k-means (cosine similarity)")?;
        }
        writeln!(
            f,
            "rows           {}{}",
            self.rows,
            if self.weighted { " (weighted)" } else { "" }
        )?;
        writeln!(f, "features       {}", m.n_features())?;
        writeln!(f, "k              {}", m.k())?;
        writeln!(f, "iterations     {}", m.n_iter())?;
        writeln!(f, "converged      {}", m.converged())?;
        let (score, value) = m.score();
        writeln!(f, "{score:<15}{value:.6e}")?;
        writeln!(f, "fit seconds    {:.4}", self.fit_seconds)?;
        writeln!(f, "cluster sizes  {:?}", m.cluster_sizes())
    }
}

impl<T: Float + Into<f64> + serde::Serialize> Summary<'_, T> {
    pub fn json(&self) -> serde_json::Value {
        let m = self.model;
        let (score, value) = m.score();
        let mut json = serde_json::json!({
            "file": self.file.display().to_string(),
            "kind": m.kind(),
            "rows": self.rows,
            "features": m.n_features(),
            "columns": self.columns,
            "k": m.k(),
            "n_iter": m.n_iter(),
            "converged": m.converged(),
            "stop_reason": m.stop_reason(),
            "fit_seconds": self.fit_seconds,
            "cluster_sizes": m.cluster_sizes(),
            "centroids": m.centroids().chunks_exact(m.n_features()).collect::<Vec<_>>(),
        });
        // `inertia` for k-means, `objective` for spherical k-means: the name says which.
        json[score] = serde_json::json!(value);
        json
    }
}

/// An optional score in a fixed-width table cell.
fn cell(v: Option<f64>, width: usize) -> String {
    v.map_or_else(|| format!("{:>width$}", "-"), |v| format!("{v:>width$.4}"))
}

/// The sweep as a table, one line per k, and the suggested k.
pub fn sweep_table(
    w: &mut dyn Write,
    sweep: &SweepResult,
    suggested: Option<usize>,
    rule: &str,
) -> io::Result<()> {
    writeln!(
        w,
        "{:>5} {:>14} {:>11} {:>18} {:>15} {:>10}",
        "k", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "iterations"
    )?;
    for s in sweep.scores() {
        writeln!(
            w,
            "{:>5} {:>14.6e} {} {} {} {:>10}",
            s.k,
            s.inertia,
            cell(s.silhouette, 11),
            cell(s.calinski_harabasz, 18),
            cell(s.davies_bouldin, 15),
            s.n_iter
        )?;
    }
    match suggested {
        Some(k) => writeln!(w, "suggested k: {k} ({rule})"),
        None => writeln!(w, "suggested k: none ({rule} needs more values of k)"),
    }
}

/// The sweep as one JSON object.
pub fn sweep_json(sweep: &SweepResult, suggested: Option<usize>, rule: &str) -> serde_json::Value {
    let scores: Vec<serde_json::Value> = sweep
        .scores()
        .iter()
        .map(|s| {
            serde_json::json!({
                "k": s.k,
                "inertia": s.inertia,
                "silhouette": s.silhouette,
                "calinski_harabasz": s.calinski_harabasz,
                "davies_bouldin": s.davies_bouldin,
                "n_iter": s.n_iter,
                "n_nonempty_clusters": s.n_nonempty_clusters,
                "fit_seconds": s.fit_time.as_secs_f64(),
            })
        })
        .collect();
    serde_json::json!({
        "scores": scores,
        "suggested_k": suggested,
        "rule": rule,
        "silhouette_sampled": sweep.silhouette_sampled(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_ends_quietly() {
        let closed = io::Error::from(io::ErrorKind::BrokenPipe);
        assert_eq!(write_failure(&closed, "labels", "stdout"), Failure::BrokenPipe);
        let full = io::Error::other("disk full");
        assert_eq!(
            write_failure(&full, "labels", "x.txt"),
            Failure::Message("cannot write labels to x.txt: disk full".into())
        );
    }

    #[test]
    fn rows_and_headers_as_csv() {
        let mut out = Vec::new();
        write_rows(&mut out, &[1.5_f64, -2.0, 0.1, 3.0], 2).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "1.5,-2\n0.1,3\n");
        let named = |n: &str| SavedColumn {
            number: 1,
            name: Some(n.into()),
        };
        assert_eq!(
            header_line(&[named("x"), named("a,\"b\"")]).as_deref(),
            Some("x,\"a,\"\"b\"\"\"")
        );
        assert_eq!(
            header_line(&[
                named("x"),
                SavedColumn {
                    number: 2,
                    name: None
                }
            ]),
            None
        );
    }

    #[test]
    fn the_sweep_table_says_the_suggestion() {
        let rows = vec![[0.0_f64], [0.2], [4.0], [4.1], [9.0], [9.3]];
        let sweep = k_means::KMeans::new(1).sweep(1..=3).fit(&rows).unwrap();
        let mut out = Vec::new();
        sweep_table(&mut out, &sweep, sweep.suggested_k(), "silhouette").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 5, "{text}");
        assert!(text.ends_with("suggested k: 3 (silhouette)\n"), "{text}");
        let json = sweep_json(&sweep, Some(3), "silhouette");
        assert_eq!(json["scores"][0]["silhouette"], serde_json::Value::Null);
        assert_eq!(json["suggested_k"], 3);
    }
}
