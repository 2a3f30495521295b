//! Quickstart: cluster synthetic blobs, score the result against the truth, and draw both.
//!
//! ```text
//! cargo run --release --example quickstart [-- OUT.svg]
//! ```
//!
//! Prints a short report and writes a two-panel scatter plot (default `target/quickstart.svg`):
//! the clusters k-means found, with their centroids, next to the blobs the data was drawn from.

use std::error::Error;
use std::path::{Path, PathBuf};

use k_means::datasets::make_blobs;
use k_means::metrics::adjusted_rand_index;
use k_means::{KMeans, RowMajor};
use plotters::prelude::*;

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

    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    draw(
        &out,
        &blobs.data,
        model.labels(),
        model.centroids(),
        &blobs.labels,
        ari,
    )
    .map_err(|e| format!("cannot draw {}: {e}", out.display()))?;
    println!("  plot         {}", out.display());
    Ok(())
}

/// Tableau 10: distinct hues that stay readable on white.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// The two panels, side by side in one SVG: the clusters found with their centroids on the
/// left, the true blobs on the right, in the same square data window (so that distances look as
/// k-means measures them) and with matching colours.
fn draw(
    out: &Path,
    points: &[f64],
    labels: &[usize],
    centroids: &[f64],
    truth: &[usize],
    ari: f64,
) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(out, (1100, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(550);
    // Colour each true blob like the found cluster holding most of its points (cluster numbers
    // themselves are arbitrary).
    let blob_colour = match_labels(truth, labels, K);
    let (xs, ys) = square_window(points.chunks_exact(2).chain(centroids.chunks_exact(2)));

    let title = format!("k-means clusters (ARI {ari:.3} vs the truth)");
    let mut found = panel(&left, &title, xs.clone(), ys.clone())?;
    let sizes = count(labels, K);
    for j in 0..K {
        let colour = PALETTE[j % PALETTE.len()];
        found
            .draw_series(dots(points, labels, j, colour))?
            .label(format!("cluster {j} ({})", sizes[j]))
            .legend(move |(x, y)| Circle::new((x + 6, y), 5, colour.filled()));
    }
    // Centroids: black crosses on a white halo, visible over any colour.
    let crosses = |style: ShapeStyle| {
        centroids
            .chunks_exact(2)
            .map(move |c| Cross::new((c[0], c[1]), 7, style))
    };
    found.draw_series(crosses(WHITE.stroke_width(5)))?;
    found
        .draw_series(crosses(BLACK.stroke_width(2)))?
        .label("centroid")
        .legend(|(x, y)| Cross::new((x + 6, y), 5, BLACK.stroke_width(2)));
    legend(&mut found)?;

    let mut true_blobs = panel(&right, "true blobs", xs, ys)?;
    let sizes = count(truth, K);
    for b in 0..K {
        let colour = PALETTE[blob_colour[b] % PALETTE.len()];
        true_blobs
            .draw_series(dots(points, truth, b, colour))?
            .label(format!("blob {b} ({})", sizes[b]))
            .legend(move |(x, y)| Circle::new((x + 6, y), 5, colour.filled()));
    }
    legend(&mut true_blobs)?;
    root.present()?;
    Ok(())
}

type Chart<'a> = ChartContext<
    'a,
    SVGBackend<'a>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A titled panel with labelled axes over the data window.
fn panel<'a>(
    area: &DrawingArea<SVGBackend<'a>, plotters::coord::Shift>,
    title: &str,
    xs: std::ops::Range<f64>,
    ys: std::ops::Range<f64>,
) -> Result<Chart<'a>, Box<dyn Error>> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 19))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(xs, ys)?;
    chart
        .configure_mesh()
        .x_desc("feature 0")
        .y_desc("feature 1")
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .light_line_style(RGBColor(0xf2, 0xf2, 0xf2))
        .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
        .draw()?;
    Ok(chart)
}

/// The legend box, in the panel's upper left corner.
fn legend(chart: &mut Chart<'_>) -> Result<(), Box<dyn Error>> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(0x88, 0x88, 0x88))
        .draw()?;
    Ok(())
}

/// One small translucent dot per point of `class`.
fn dots<'a>(
    points: &'a [f64],
    labels: &'a [usize],
    class: usize,
    colour: RGBColor,
) -> impl Iterator<Item = Circle<(f64, f64), i32>> + 'a {
    points
        .chunks_exact(2)
        .zip(labels)
        .filter(move |&(_, &l)| l == class)
        .map(move |(p, _)| Circle::new((p[0], p[1]), 2, colour.mix(0.55).filled()))
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

/// A square window around every (x, y) point, with room above them for the legend.
fn square_window<'a>(
    points: impl Iterator<Item = &'a [f64]>,
) -> (std::ops::Range<f64>, std::ops::Range<f64>) {
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in points {
        for a in 0..2 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    let span = (hi[0] - lo[0]).max(hi[1] - lo[1]) * 1.1;
    let centre = [lo[0].midpoint(hi[0]), lo[1].midpoint(hi[1])];
    // The legend sits in the upper left corner: a quarter more room above keeps it off the
    // points, and as much more width keeps the units of both axes equal.
    (
        centre[0] - span * 0.625..centre[0] + span * 0.625,
        centre[1] - span / 2.0..centre[1] + span * 0.75,
    )
}
