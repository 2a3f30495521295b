//! Quickstart: cluster synthetic blobs, score the result against the truth, and draw both.
//!
//! ```text
//! cargo run --release --example quickstart [-- OUT.svg]
//! ```
//!
//! Prints a short report and writes a two-panel scatter plot (default `target/quickstart.svg`):
//! the clusters k-means found, with their centroids, next to the blobs the data was drawn from.

use std::error::Error;
use std::fmt::{self, Write as _};
use std::path::PathBuf;

use k_means::datasets::make_blobs;
use k_means::metrics::adjusted_rand_index;
use k_means::{KMeans, RowMajor};

const N_SAMPLES: usize = 1500;
const N_FEATURES: usize = 2;
const K: usize = 3;
const CLUSTER_STD: f64 = 1.0;
const SEED: u64 = 7;

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/quickstart.svg"), PathBuf::from);

    // 1500 points around 3 centres drawn uniformly in [-10, 10]², standard deviation 1 each.
    // `blobs.data` is flat and row-major: point i is `data[2 * i..2 * i + 2]`.
    let blobs = make_blobs::<f64>(N_SAMPLES, N_FEATURES, K, CLUSTER_STD, SEED)?;
    let model = KMeans::new(K).fit(&RowMajor::new(&blobs.data, N_FEATURES)?)?;

    // Cluster numbers are arbitrary, so compare partitions, not label values: the adjusted Rand
    // index is 1 for the same partition and about 0 for a random one.
    let ari = adjusted_rand_index(&blobs.labels, model.labels())?;

    println!("k-means: {N_SAMPLES} points, {N_FEATURES} features, k = {K} (make_blobs, seed {SEED})\n");
    println!("  cluster   size   centroid");
    for (j, &size) in model.cluster_sizes().iter().enumerate() {
        let c = model.centroid(j).expect("j < k");
        println!("  {j:>7} {size:>6}   ({:>7.3}, {:>7.3})", c[0], c[1]);
    }
    let status = if model.converged() {
        "converged"
    } else {
        "stopped at max_iter"
    };
    println!();
    println!("  inertia      {:.2}", model.inertia());
    println!("  iterations   {} ({status})", model.n_iter());
    println!("  ARI          {ari:.4} vs the true blobs");

    let svg = render_svg(&blobs.data, model.labels(), model.centroids(), &blobs.labels, ari)?;
    let write = || {
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&out, svg)
    };
    write().map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("  plot         {}", out.display());
    Ok(())
}

/// Tableau 10: distinct hues that stay readable on white.
const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
    "#17becf",
];

/// Side length of a plot area, in pixels.
const PLOT: f64 = 400.0;
/// Panel margins: room for the title and legend above, tick labels and axis titles around.
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 62.0;
const BOTTOM: f64 = 52.0;
const PANEL_WIDTH: f64 = LEFT + PLOT + RIGHT;

/// The two panels: found clusters with centroids on the left, true blobs on the right.
fn render_svg(
    points: &[f64],
    labels: &[usize],
    centroids: &[f64],
    truth: &[usize],
    ari: f64,
) -> Result<String, fmt::Error> {
    // One data window for both panels, square so that distances look as k-means measures them.
    let frame = Frame::around(points.iter().chain(centroids));
    // Colour each true blob like the found cluster holding most of its points, so matching
    // clusters share a colour across panels (cluster numbers themselves are arbitrary).
    let blob_colour = match_labels(truth, labels, K);

    let width = 2.0 * PANEL_WIDTH;
    let height = TOP + PLOT + BOTTOM;
    let mut svg = String::new();
    writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    )?;
    writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#)?;

    let found = Panel {
        x0: 0.0,
        frame: &frame,
    };
    found.axes(&mut svg, &format!("k-means clusters (ARI {ari:.3})"))?;
    found.points(&mut svg, points, labels, |j| j)?;
    found.crosses(&mut svg, centroids)?;
    let sizes = count(labels, K);
    let mut legend: Vec<(String, Mark)> = (0..K)
        .map(|j| (format!("cluster {j} ({})", sizes[j]), Mark::Dot(j)))
        .collect();
    legend.push(("centroid".to_string(), Mark::Cross));
    found.legend(&mut svg, &legend)?;

    let truth_panel = Panel {
        x0: PANEL_WIDTH,
        frame: &frame,
    };
    truth_panel.axes(&mut svg, "true blobs")?;
    truth_panel.points(&mut svg, points, truth, |b| blob_colour[b])?;
    let sizes = count(truth, K);
    let legend: Vec<(String, Mark)> = (0..K)
        .map(|b| (format!("blob {b} ({})", sizes[b]), Mark::Dot(blob_colour[b])))
        .collect();
    truth_panel.legend(&mut svg, &legend)?;

    svg.push_str("</svg>\n");
    Ok(svg)
}

/// A legend entry's symbol: a dot of a palette colour, or the centroid cross.
enum Mark {
    Dot(usize),
    Cross,
}

/// For each true label, the found label that holds most of its points, if that is one-to-one;
/// otherwise the identity (colours then simply do not match across panels).
fn match_labels(truth: &[usize], found: &[usize], k: usize) -> Vec<usize> {
    let mut table = vec![0usize; k * k];
    for (&t, &f) in truth.iter().zip(found) {
        table[t * k + f] += 1;
    }
    let best: Vec<usize> = table
        .chunks(k)
        .map(|row| (0..k).max_by_key(|&f| row[f]).unwrap_or(0))
        .collect();
    let mut seen = vec![false; k];
    let one_to_one = best.iter().all(|&f| !std::mem::replace(&mut seen[f], true));
    if one_to_one { best } else { (0..k).collect() }
}

fn count(labels: &[usize], k: usize) -> Vec<usize> {
    let mut sizes = vec![0; k];
    for &l in labels {
        sizes[l] += 1;
    }
    sizes
}

/// A square window onto the data plane (data coordinates).
struct Frame {
    x_min: f64,
    y_min: f64,
    span: f64,
}

impl Frame {
    /// The smallest square holding every (x, y) pair of `flat`, plus a 5% margin.
    fn around<'a>(flat: impl Iterator<Item = &'a f64>) -> Frame {
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for (i, &v) in flat.enumerate() {
            lo[i % 2] = lo[i % 2].min(v);
            hi[i % 2] = hi[i % 2].max(v);
        }
        let span = (hi[0] - lo[0]).max(hi[1] - lo[1]) * 1.1;
        let centre = [lo[0].midpoint(hi[0]), lo[1].midpoint(hi[1])];
        Frame {
            x_min: centre[0] - span / 2.0,
            y_min: centre[1] - span / 2.0,
            span,
        }
    }

    /// Evenly spaced "nice" values (1, 2 or 5 × 10ⁿ apart) inside `[min, min + span]`.
    fn ticks(&self, min: f64) -> (Vec<f64>, usize) {
        let raw = self.span / 6.0;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|m| m * magnitude)
            .find(|&s| s >= raw)
            .unwrap_or(10.0 * magnitude);
        let decimals = (-step.log10().floor()).max(0.0) as usize;
        let first = (min / step).ceil() as i64;
        let last = ((min + self.span) / step).floor() as i64;
        ((first..=last).map(|i| i as f64 * step).collect(), decimals)
    }
}

/// One scatter panel, `x0` pixels from the left edge of the picture.
struct Panel<'f> {
    x0: f64,
    frame: &'f Frame,
}

impl Panel<'_> {
    fn px(&self, x: f64) -> f64 {
        self.x0 + LEFT + (x - self.frame.x_min) / self.frame.span * PLOT
    }

    /// SVG's y axis points down; data's points up.
    fn py(&self, y: f64) -> f64 {
        TOP + PLOT - (y - self.frame.y_min) / self.frame.span * PLOT
    }

    /// Title, frame, grid, tick labels and axis titles.
    fn axes(&self, svg: &mut String, title: &str) -> fmt::Result {
        let (left, right, top, bottom) = (self.x0 + LEFT, self.x0 + LEFT + PLOT, TOP, TOP + PLOT);
        let mid = left + PLOT / 2.0;
        writeln!(
            svg,
            r#"<text x="{mid}" y="20" text-anchor="middle" font-size="15" font-weight="bold">{title}</text>"#
        )?;
        writeln!(
            svg,
            r##"<rect x="{left}" y="{top}" width="{PLOT}" height="{PLOT}" fill="#fafafa" stroke="#444"/>"##
        )?;
        let (xs, xd) = self.frame.ticks(self.frame.x_min);
        for x in xs {
            let p = self.px(x);
            // `+ 0.0` turns -0.0 into 0.0, so the origin is not labelled "-0".
            let label = format!("{:.*}", xd, x + 0.0);
            writeln!(
                svg,
                r##"<line x1="{p:.1}" y1="{top}" x2="{p:.1}" y2="{bottom}" stroke="#e4e4e4"/><text x="{p:.1}" y="{}" text-anchor="middle" fill="#444">{label}</text>"##,
                bottom + 16.0
            )?;
        }
        let (ys, yd) = self.frame.ticks(self.frame.y_min);
        for y in ys {
            let p = self.py(y);
            let label = format!("{:.*}", yd, y + 0.0);
            writeln!(
                svg,
                r##"<line x1="{left}" y1="{p:.1}" x2="{right}" y2="{p:.1}" stroke="#e4e4e4"/><text x="{}" y="{:.1}" text-anchor="end" fill="#444">{label}</text>"##,
                left - 6.0,
                p + 4.0
            )?;
        }
        writeln!(
            svg,
            r#"<text x="{mid}" y="{}" text-anchor="middle">feature 0</text>"#,
            bottom + 40.0
        )?;
        let (x, y) = (self.x0 + 18.0, top + PLOT / 2.0);
        writeln!(
            svg,
            r#"<text x="{x}" y="{y}" text-anchor="middle" transform="rotate(-90 {x} {y})">feature 1</text>"#
        )
    }

    /// One small translucent dot per point, grouped by colour to keep the file small.
    fn points(
        &self,
        svg: &mut String,
        flat: &[f64],
        labels: &[usize],
        colour_of: impl Fn(usize) -> usize,
    ) -> fmt::Result {
        for class in 0..K {
            let colour = PALETTE[colour_of(class) % PALETTE.len()];
            writeln!(svg, r#"<g fill="{colour}" fill-opacity="0.55">"#)?;
            for (p, _) in flat.chunks_exact(2).zip(labels).filter(|&(_, &l)| l == class) {
                writeln!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="2.2"/>"#,
                    self.px(p[0]),
                    self.py(p[1])
                )?;
            }
            svg.push_str("</g>\n");
        }
        Ok(())
    }

    /// A cross per centroid: black on a white halo, visible over any colour.
    fn crosses(&self, svg: &mut String, centroids: &[f64]) -> fmt::Result {
        for c in centroids.chunks_exact(2) {
            cross(svg, self.px(c[0]), self.py(c[1]), 8.0)?;
        }
        Ok(())
    }

    /// A row of legend entries between the title and the plot.
    fn legend(&self, svg: &mut String, entries: &[(String, Mark)]) -> fmt::Result {
        let mut x = self.x0 + LEFT;
        let y = 44.0;
        for (text, mark) in entries {
            match *mark {
                Mark::Cross => cross(svg, x + 5.0, y - 4.0, 5.0)?,
                Mark::Dot(c) => {
                    let colour = PALETTE[c % PALETTE.len()];
                    writeln!(
                        svg,
                        r#"<circle cx="{}" cy="{}" r="5" fill="{colour}"/>"#,
                        x + 5.0,
                        y - 4.0
                    )?;
                }
            }
            writeln!(svg, r#"<text x="{}" y="{y}">{text}</text>"#, x + 16.0)?;
            // Rough text width: about 6.5 px per character at 12 px.
            x += 16.0 + 6.5 * text.chars().count() as f64 + 14.0;
        }
        Ok(())
    }
}

fn cross(svg: &mut String, x: f64, y: f64, r: f64) -> fmt::Result {
    let d = format!(
        "M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}",
        x - r,
        y - r,
        x + r,
        y + r,
        x - r,
        y + r,
        x + r,
        y - r
    );
    writeln!(
        svg,
        r#"<path d="{d}" stroke="white" stroke-width="5" stroke-linecap="round"/><path d="{d}" stroke="black" stroke-width="2.2" stroke-linecap="round"/>"#
    )
}
