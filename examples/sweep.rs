//! Choosing k: fit k = 1..=10 to 2000 points in 3-D around 5 centres, print the scores, and draw inertia
//! and silhouette against k.
//!
//! ```text
//! cargo run --release --example sweep [-- OUT.svg]
//! ```
//!
//! The picture (default `target/sweep.svg`) has the inertia on the left axis, the mean
//! silhouette on the right one, and the suggested k marked.

use std::error::Error;
use std::path::PathBuf;

use k_means::datasets::make_blobs;
use k_means::{KMeans, RowMajor, Suggest};
use plotters::prelude::*;

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/sweep.svg"), PathBuf::from);

    let blobs = make_blobs::<f64>(2000, 3, 5, 0.4, 11)?;
    let rows = RowMajor::new(&blobs.data, 3)?;
    let sweep = KMeans::new(1).sweep(1..=10).fit(&rows)?;
    let silhouette_k = sweep.suggest(Suggest::Silhouette);
    let elbow_k = sweep.suggest(Suggest::Elbow);

    println!("   k        inertia  silhouette");
    for s in sweep.scores() {
        let sil = s
            .silhouette
            .map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
        println!("{:>4} {:>14.2} {sil:>11}", s.k, s.inertia);
    }
    println!("highest silhouette: k = {silhouette_k:?}; elbow of the inertia: k = {elbow_k:?}");
    assert_eq!(silhouette_k, Some(5), "the blobs have 5 clusters");

    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let root = SVGBackend::new(&out, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let top = sweep.scores().iter().map(|s| s.inertia).fold(0.0, f64::max) * 1.05;
    let ks = 0.5..10.5;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Inertia and silhouette against k (5 true blobs)",
            ("sans-serif", 20),
        )
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .right_y_label_area_size(70)
        .build_cartesian_2d(ks.clone(), 0.0..top)?
        .set_secondary_coord(ks, 0.0..1.0);
    chart
        .configure_mesh()
        .x_desc("k (number of clusters)")
        .y_desc("inertia (sum of squared distances)")
        .x_labels(11)
        .x_label_formatter(&|x: &f64| format!("{}", x.round()))
        .y_label_formatter(&|y: &f64| format!("{y:.0}"))
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("mean silhouette")
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    let (blue, orange, grey) = (
        RGBColor(0x1f, 0x77, 0xb4),
        RGBColor(0xff, 0x7f, 0x0e),
        RGBColor(0x99, 0x99, 0x99),
    );
    if let Some(k) = silhouette_k {
        let k = k as f64;
        chart
            .draw_series(LineSeries::new([(k, 0.0), (k, top)], grey.stroke_width(2)))?
            .label(format!("suggested k = {k}"))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], grey.stroke_width(2)));
    }
    let inertia: Vec<(f64, f64)> = sweep.scores().iter().map(|s| (s.k as f64, s.inertia)).collect();
    chart
        .draw_series(LineSeries::new(inertia.clone(), blue.stroke_width(2)))?
        .label("inertia (left axis)")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], blue.stroke_width(2)));
    chart.draw_series(inertia.into_iter().map(|p| Circle::new(p, 4, blue.filled())))?;
    // k = 1 has no silhouette.
    let silhouette: Vec<(f64, f64)> = sweep
        .scores()
        .iter()
        .filter_map(|s| Some((s.k as f64, s.silhouette?)))
        .collect();
    chart
        .draw_secondary_series(LineSeries::new(silhouette.clone(), orange.stroke_width(2)))?
        .label("silhouette (right axis)")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], orange.stroke_width(2)));
    chart.draw_secondary_series(
        silhouette
            .into_iter()
            .map(|p| TriangleMarker::new(p, 5, orange.filled())),
    )?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    println!("plot: {}", out.display());
    Ok(())
}
