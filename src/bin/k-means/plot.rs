//! The pictures, drawn with plotters' SVG backend: the clusters as a scatter plot, and a
//! sweep's inertia and silhouette against k.

use std::ops::Range;
use std::path::Path;

use plotters::prelude::*;

/// Tableau 10: distinct hues that stay readable on white. More clusters reuse them in order.
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

/// The colour of cluster `j`.
pub fn colour(j: usize) -> RGBColor {
    PALETTE[j % PALETTE.len()]
}

/// At most this many legend entries; the rest are summed up in one line.
const LEGEND_ENTRIES: usize = 24;

fn draw_error<E: std::fmt::Display>(path: &Path) -> impl Fn(E) -> String + '_ {
    move |e| format!("cannot draw {}: {e}", path.display())
}

/// A scatter plot's content, in the plane it is drawn in.
pub struct Scatter<'a> {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// (x, y) of each drawn row.
    pub points: &'a [[f64; 2]],
    /// The cluster of each drawn row.
    pub labels: &'a [usize],
    /// (x, y) of each centroid.
    pub centroids: &'a [[f64; 2]],
    /// Rows per cluster (of the whole file, not only the drawn rows).
    pub sizes: &'a [usize],
}

/// The square window around `points`, with a 5 % margin: equal units on both axes, so that
/// distances look as k-means measures them.
fn square_window(points: impl Iterator<Item = [f64; 2]>) -> (Range<f64>, Range<f64>) {
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in points {
        for a in 0..2 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    let centre = [lo[0].midpoint(hi[0]), lo[1].midpoint(hi[1])];
    // All points in one place (or nearly, for the resolution of the numbers): a window of a
    // tenth of their magnitude, or of 1 around 0, rather than an empty one.
    let magnitude = centre[0].abs().max(centre[1].abs()).max(1.0);
    let span = ((hi[0] - lo[0]).max(hi[1] - lo[1]) * 1.1).max(magnitude * 1e-6);
    (
        centre[0] - span / 2.0..centre[0] + span / 2.0,
        centre[1] - span / 2.0..centre[1] + span / 2.0,
    )
}

/// A centroid mark: a black cross on a white halo, visible over any colour.
fn centroid_mark<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    at: (i32, i32),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.draw(&Cross::new(at, 7, WHITE.stroke_width(5)))?;
    area.draw(&Cross::new(at, 7, BLACK.stroke_width(2)))
}

/// Draws `plot` into the SVG file `path`: the plot on the left, the legend on the right.
pub fn scatter(path: &Path, plot: &Scatter<'_>) -> Result<(), String> {
    let err = draw_error(path);
    let root = SVGBackend::new(path, (900, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    let (left, legend) = root.split_horizontally(700);
    let (x_range, y_range) = square_window(plot.points.iter().chain(plot.centroids).copied());
    let mut chart = ChartBuilder::on(&left)
        .caption(&plot.title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range, y_range)
        .map_err(&err)?;
    chart
        .configure_mesh()
        .x_desc(&plot.x_label)
        .y_desc(&plot.y_label)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
        .draw()
        .map_err(&err)?;
    // One series per cluster, so that each is one group of one colour in the file.
    for j in 0..plot.sizes.len() {
        let dots = plot
            .points
            .iter()
            .zip(plot.labels)
            .filter(move |&(_, &l)| l == j)
            .map(|(p, _)| Circle::new((p[0], p[1]), 2, colour(j).mix(0.6).filled()));
        chart.draw_series(dots).map_err(&err)?;
    }
    for c in plot.centroids {
        let at = chart.backend_coord(&(c[0], c[1]));
        centroid_mark(&root, at).map_err(&err)?;
    }

    // The legend: one line per cluster with its size, then the centroid mark.
    let style = ("sans-serif", 15).into_font();
    let k = plot.sizes.len();
    let shown = k.min(LEGEND_ENTRIES);
    let mut y = 60;
    for (j, size) in plot.sizes.iter().enumerate().take(shown) {
        legend
            .draw(&Circle::new((16, y), 6, colour(j).filled()))
            .map_err(&err)?;
        let text = format!("cluster {j} ({size})");
        legend
            .draw(&Text::new(text, (30, y - 8), style.clone()))
            .map_err(&err)?;
        y += 24;
    }
    if shown < k {
        let text = format!("… {} more", k - shown);
        legend
            .draw(&Text::new(text, (30, y - 8), style.clone()))
            .map_err(&err)?;
        y += 24;
    }
    centroid_mark(&legend, (16, y)).map_err(&err)?;
    legend
        .draw(&Text::new("centroid", (30, y - 8), style))
        .map_err(&err)?;
    root.present().map_err(&err)
}

/// Draws inertia (left axis) and silhouette (right axis) against k into the SVG file `path`,
/// with a vertical line at the suggested k.
pub fn sweep(
    path: &Path,
    scores: &[k_means::KScores],
    suggested: Option<usize>,
    rule: &str,
) -> Result<(), String> {
    let err = draw_error(path);
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    let k_lo = scores.first().map_or(1, |s| s.k);
    let k_hi = scores.last().map_or(2, |s| s.k).max(k_lo + 1);
    let inertia_hi = scores
        .iter()
        .map(|s| s.inertia)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE)
        * 1.05;
    let silhouettes: Vec<(usize, f64)> = scores.iter().filter_map(|s| Some((s.k, s.silhouette?))).collect();
    let s_lo = silhouettes.iter().map(|s| s.1).fold(0.0, f64::min);
    let s_hi = silhouettes.iter().map(|s| s.1).fold(0.0, f64::max);
    let s_range = (s_lo - 0.05).max(-1.0)..(s_hi + 0.05).min(1.0);
    let x_range = k_lo as f64 - 0.5..k_hi as f64 + 0.5;
    let title = match suggested {
        Some(k) => format!("Choosing k: suggested k = {k} ({rule})"),
        None => "Choosing k".to_string(),
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .right_y_label_area_size(70)
        .build_cartesian_2d(x_range.clone(), 0.0..inertia_hi)
        .map_err(&err)?
        .set_secondary_coord(x_range, s_range);
    let span = k_hi - k_lo;
    chart
        .configure_mesh()
        .x_desc("k (number of clusters)")
        .y_desc("inertia (sum of squared distances)")
        .x_labels(span.min(20) + 1)
        .x_label_formatter(&|x| format!("{}", x.round()))
        .y_label_formatter(&|y| tick_label(*y))
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
        .draw()
        .map_err(&err)?;
    chart
        .configure_secondary_axes()
        .y_desc("mean silhouette")
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .draw()
        .map_err(&err)?;
    let (blue, orange) = (colour(0), colour(1));
    if let Some(k) = suggested {
        let grey = RGBColor(0x99, 0x99, 0x99);
        chart
            .draw_series(LineSeries::new(
                [(k as f64, 0.0), (k as f64, inertia_hi)],
                grey.stroke_width(2),
            ))
            .map_err(&err)?
            .label(format!("suggested k = {k}"))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], grey.stroke_width(2)));
    }
    let inertia = scores.iter().map(|s| (s.k as f64, s.inertia));
    chart
        .draw_series(LineSeries::new(inertia.clone(), blue.stroke_width(2)))
        .map_err(&err)?
        .label("inertia (left axis)")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], blue.stroke_width(2)));
    chart
        .draw_series(inertia.map(|p| Circle::new(p, 4, blue.filled())))
        .map_err(&err)?;
    let silhouette = silhouettes.iter().map(|&(k, s)| (k as f64, s));
    chart
        .draw_secondary_series(LineSeries::new(silhouette.clone(), orange.stroke_width(2)))
        .map_err(&err)?
        .label("silhouette (right axis)")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], orange.stroke_width(2)));
    chart
        .draw_secondary_series(silhouette.map(|p| TriangleMarker::new(p, 5, orange.filled())))
        .map_err(&err)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(&err)?;
    root.present().map_err(&err)
}

/// A tick label: plain digits for moderate magnitudes (`45000`, `0.25`), scientific notation
/// for the rest (`1.2e7`), without trailing zeros.
fn tick_label(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if (1e-3..1e6).contains(&a) {
        let text = format!("{v:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        let text = format!("{v:.2e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{mantissa}e{exponent}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(0.0), "0");
        assert_eq!(tick_label(45000.0), "45000");
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_label(12_000_000.0), "1.2e7");
        assert_eq!(tick_label(-0.0001), "-1e-4");
    }

    #[test]
    fn the_window_is_square_and_holds_every_point() {
        let (x, y) = square_window([[0.0, 0.0], [10.0, 2.0]].into_iter());
        assert!((x.end - x.start - (y.end - y.start)).abs() < 1e-12);
        assert!(x.start < 0.0 && x.end > 10.0 && y.start < 0.0 && y.end > 2.0);
        // One point: a small window, not an empty one.
        let (x, _) = square_window([[3.0, 3.0]].into_iter());
        assert!(x.start < x.end);
    }
}
