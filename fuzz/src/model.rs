//! The `model` target: loading a `KMeansModel` (and a `KMeans` builder) from arbitrary bytes and
//! from structured JSON, then every accessor with arbitrary indices, `predict` and `transform`.
//!
//! A loaded model must hold every invariant a fit guarantees, or loading fails; a model that
//! loads must never make `predict`, `transform`, `centroid` or `RowMajor::row` panic, return a
//! label ≥ k, or a label that is not the nearest centroid.

use arbitrary::Arbitrary;
use k_means::{KMeans, KMeansModel, RowMajor};

use crate::{FuzzFloat, Val, nearest, vals, wide};

/// A structured model: arbitrary fields, serialised to JSON before loading, so that the fuzzer
/// reaches the validation of each field (raw bytes rarely parse).
#[derive(Arbitrary, Debug, Clone)]
pub struct RawFields {
    pub k: u16,
    pub n_features: u8,
    pub centroids: Vec<Val>,
    pub labels: Vec<u16>,
    pub sizes: Vec<u16>,
    /// Use the counts of `labels` as the cluster sizes (so the deeper checks are reached).
    pub consistent_sizes: bool,
    pub inertia: Val,
    pub n_iter: u16,
    pub stop: u8,
    /// Huge k or n_features instead (`u64::MAX - value`).
    pub huge: Option<u8>,
}

/// One input: raw bytes, or fields; then rows to predict and indices to look up.
#[derive(Arbitrary, Debug, Clone)]
pub struct ModelInput {
    pub use_f32: bool,
    pub raw: Option<Vec<u8>>,
    pub fields: RawFields,
    pub rows: Vec<Val>,
    pub indices: Vec<u64>,
    /// A builder as JSON bytes, fitted on `rows` if it loads.
    pub builder: Vec<u8>,
}

/// Runs one input, in the type it asks for.
pub fn run(input: &ModelInput) {
    if input.use_f32 {
        check::<f32>(input);
    } else {
        check::<f64>(input);
    }
}

fn json_of(f: &RawFields) -> serde_json::Value {
    let (mut k, mut d) = (u64::from(f.k), u64::from(f.n_features));
    match f.huge {
        Some(h) if h % 2 == 0 => k = u64::MAX - u64::from(h),
        Some(h) => d = u64::MAX - u64::from(h),
        None => {}
    }
    let num =
        |v: f64| serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number);
    let sizes: Vec<u64> = if f.consistent_sizes {
        let mut s = vec![0u64; (f.k as usize).min(4096)];
        for &l in &f.labels {
            if let Some(c) = s.get_mut(l as usize) {
                *c += 1;
            }
        }
        s
    } else {
        f.sizes.iter().map(|&s| u64::from(s)).collect()
    };
    let stop = ["LabelsUnchanged", "ToleranceReached", "MaxIter", "Bogus"][f.stop as usize % 4];
    serde_json::json!({
        "centroids": f.centroids.iter().map(|v| num(v.as_f64())).collect::<Vec<_>>(),
        "labels": f.labels,
        "cluster_sizes": sizes,
        "inertia": num(f.inertia.as_f64()),
        "n_iter": f.n_iter,
        "stop_reason": stop,
        "k": k,
        "n_features": d,
    })
}

fn check<T: FuzzFloat + serde::de::DeserializeOwned + serde::Serialize>(input: &ModelInput) {
    let loaded: Result<KMeansModel<T>, _> = match &input.raw {
        Some(bytes) => serde_json::from_slice(bytes),
        None => serde_json::from_value(json_of(&input.fields)),
    };
    if let Ok(model) = loaded {
        check_model(&model, input);
        // A loaded model serialised with its labels loads back to itself; without them (the
        // default), to itself but for the labels.
        let text = serde_json::to_string(&model.with_labels()).expect("serialise");
        let back: KMeansModel<T> = serde_json::from_str(&text).expect("a valid model loads back");
        assert_eq!(back, model);
        let text = serde_json::to_string(&model).expect("serialise");
        let back: KMeansModel<T> = serde_json::from_str(&text).expect("a valid model loads back");
        assert!(back.labels().is_empty());
        assert_eq!(back.centroids(), model.centroids());
        assert_eq!(back.cluster_sizes(), model.cluster_sizes());
        assert_eq!(back.inertia().to_bits(), model.inertia().to_bits());
        assert_eq!(
            (back.k(), back.n_features(), back.n_iter()),
            (model.k(), model.n_features(), model.n_iter())
        );
        assert_eq!(back.stop_reason(), model.stop_reason());
    }
    // A builder from bytes: whatever it holds, fit reports errors, never panics.
    if let Ok(km) = serde_json::from_slice::<KMeans<T>>(&input.builder) {
        let data: Vec<T> = vals(&input.rows);
        if let Ok(view) = RowMajor::new(&data, 1) {
            // Cap the work: at most 64 rows and 5 iterations.
            let n = view.n_rows().min(64);
            let view = RowMajor::new(&data[..n], 1).unwrap();
            if let Ok(m) = km.max_iter(5).fit(&view) {
                assert!(m.centroids().iter().all(|c| c.wide().is_finite()));
                assert!(m.labels().iter().all(|&l| l < m.k()));
            }
        }
    }
}

fn check_model<T: FuzzFloat>(model: &KMeansModel<T>, input: &ModelInput) {
    let (k, d) = (model.k(), model.n_features());
    // The invariants loading promises.
    assert!(k >= 1 && d >= 1, "k = {k}, d = {d}");
    assert_eq!(model.centroids().len(), k * d);
    assert!(model.centroids().iter().all(|c| c.wide().is_finite()));
    assert!(model.labels().iter().all(|&l| l < k));
    assert_eq!(model.cluster_sizes().len(), k);
    // No cluster holds more labels than its size (equal for a whole fit; labels may be absent).
    let mut counts = vec![0usize; k];
    for &l in model.labels() {
        counts[l] += 1;
    }
    assert!(counts.iter().zip(model.cluster_sizes()).all(|(c, s)| c <= s));
    assert!(model.inertia().is_finite() && model.inertia() >= 0.0);
    // Index accessors with arbitrary indices.
    let view = RowMajor::new(model.centroids(), d).unwrap();
    for &i in &input.indices {
        let i = i as usize;
        assert_eq!(model.centroid(i).is_some(), i < k, "centroid({i})");
        assert_eq!(view.row(i).len(), if i < k { d } else { 0 }, "row({i})");
    }
    assert!(model.centroid(usize::MAX).is_none() && view.row(usize::MAX).is_empty());
    // predict and transform: labels are the exact nearest, distances finite.
    let data: Vec<T> = vals(&input.rows);
    let n = data.len() / d;
    let data = &data[..n * d];
    let rows = RowMajor::new(data, d).unwrap();
    let cents = wide(model.centroids());
    match model.predict(&rows) {
        Ok(labels) => {
            assert_eq!(labels.len(), n);
            for (i, (row, &l)) in wide(data).chunks_exact(d).zip(&labels).enumerate() {
                assert_eq!(l, nearest(row, &cents, d), "predict row {i}");
            }
        }
        Err(e) => assert!(crate::value_error_explained(&e, &wide(data), d), "{e:?}"),
    }
    if n * k <= 1 << 16
        && let Ok(t) = model.transform(&rows)
    {
        assert_eq!(t.len(), n * k);
        assert!(t.iter().all(|v| v.wide().is_finite() && v.wide() >= 0.0));
    }
}
