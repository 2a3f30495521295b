//! Checkpoints: a fit interrupted at any of its checkpoints and resumed from it returns the
//! model of the fit that ran through, bit for bit, and passes the same later checkpoints;
//! participants of a partitioned fit see the one-process checkpoints and resume from them over
//! any split; a checkpoint of another fit, or a damaged one, is refused with an error.

use k_means::datasets::make_blobs;
use k_means::{Algorithm, Checkpoint, Init, KMeans, KMeansError, KMeansModel, RowMajor};

use crate::{Real, cast};

/// Every bit of a model: centroids, inertia, n_iter, stop reason, every label.
fn bits<T: Real>(m: &KMeansModel<T>) -> (Vec<u64>, u64, usize, String, Vec<usize>) {
    (
        m.centroids().iter().map(|c| c.wide().to_bits()).collect(),
        m.inertia().to_bits(),
        m.n_iter(),
        format!("{:?}", m.stop_reason()),
        m.labels().to_vec(),
    )
}

/// Through the serde format when it is there (what a resumed process reads), else a copy.
fn stored<T: Real>(c: &Checkpoint<T>) -> Checkpoint<T> {
    #[cfg(feature = "serde")]
    {
        let json = serde_json::to_string(c).unwrap();
        serde_json::from_str(&json).unwrap()
    }
    #[cfg(not(feature = "serde"))]
    c.clone()
}

fn all_checkpoints<T: Real>(km: &KMeans<T>, rows: RowMajor<'_, T>) -> (KMeansModel<T>, Vec<Checkpoint<T>>) {
    let mut saved = Vec::new();
    let model = km
        .fit_resumable(&rows, None, None, |c| {
            saved.push(c.clone());
            Ok(())
        })
        .unwrap();
    (model, saved)
}

/// Resumes `km` from every checkpoint of its fit of `data` and compares.
fn resumes_everywhere<T: Real>(km: &KMeans<T>, data: &[T], d: usize) -> usize {
    let rows = RowMajor::new(data, d).unwrap();
    let whole = km.fit(&rows).unwrap();
    let (model, saved) = all_checkpoints(km, rows);
    assert_eq!(bits(&model), bits(&whole), "checkpoints change the fit");
    assert!(!saved.is_empty());
    for (i, c) in saved.iter().enumerate() {
        assert_eq!(c.sequence(), i as u64 + 1);
        let mut later = Vec::new();
        let resumed = km
            .fit_resumable(&rows, None, Some(&stored(c)), |c| {
                later.push(c.clone());
                Ok(())
            })
            .unwrap();
        assert_eq!(bits(&resumed), bits(&whole), "resumed from checkpoint {}", i + 1);
        assert!(later == saved[i + 1..], "the checkpoints after {} differ", i + 1);
    }
    saved.len()
}

fn blobs<T: Real>(n: usize, d: usize, centres: usize, seed: u64) -> Vec<T> {
    cast(&make_blobs::<f64>(n, d, centres, 2.5, seed).unwrap().data)
}

fn default_options<T: Real>() {
    let data = blobs::<T>(300, 2, 7, 1);
    let n = resumes_everywhere(&KMeans::new(6).seed(3), &data, 2);
    assert!(n > 10, "only {n} checkpoints");
}

#[test]
fn default_options_resume_from_every_checkpoint_f64() {
    default_options::<f64>();
}

#[test]
fn default_options_resume_from_every_checkpoint_f32() {
    default_options::<f32>();
}

fn random_three_runs<T: Real>() {
    let data = blobs::<T>(250, 3, 5, 2);
    let km = KMeans::new(5).seed(11).init(Init::Random).n_init(3);
    resumes_everywhere(&km, &data, 3);
}

#[test]
fn random_init_three_runs_resume_from_every_checkpoint_f64() {
    random_three_runs::<f64>();
}

#[test]
fn random_init_three_runs_resume_from_every_checkpoint_f32() {
    random_three_runs::<f32>();
}

fn every_algorithm<T: Real>() {
    let data = blobs::<T>(300, 4, 8, 3);
    for algorithm in [
        Algorithm::Lloyd,
        Algorithm::Hamerly,
        Algorithm::Yinyang,
        Algorithm::Auto,
    ] {
        let km = KMeans::new(12).seed(5).algorithm(algorithm);
        resumes_everywhere(&km, &data, 4);
    }
}

#[test]
fn every_algorithm_resumes_from_every_checkpoint_f64() {
    every_algorithm::<f64>();
}

#[test]
fn every_algorithm_resumes_from_every_checkpoint_f32() {
    every_algorithm::<f32>();
}

#[test]
fn a_run_cut_by_max_iter_resumes_too() {
    // Checkpoints at the last allowed iteration: the resumed run does no iteration, only the
    // final assignment.
    let data = blobs::<f64>(200, 2, 6, 4);
    let km = KMeans::new(6).seed(2).max_iter(3).tolerance(0.0);
    resumes_everywhere(&km, &data, 2);
}

#[test]
fn weighted_precomputed_and_kmeans_parallel_fits_resume() {
    let data = blobs::<f64>(200, 2, 5, 6);
    let rows = RowMajor::new(&data, 2).unwrap();
    let weights: Vec<f64> = (0..200).map(|i| f64::from(i % 4)).collect();
    let km = KMeans::new(5).seed(8);
    let whole = km.fit_weighted(&rows, &weights).unwrap();
    let mut alone = Alone;
    let mut saved = Vec::new();
    let model = km
        .fit_partition_resumable(&rows, Some(&weights), 0, &mut alone, None, |c| {
            saved.push(c.clone());
            Ok(())
        })
        .unwrap();
    assert_eq!(bits(&model), bits(&whole));
    let (mut single, mut alone_saved) = (Vec::new(), Vec::new());
    for c in &saved {
        let resumed = km
            .fit_resumable(&rows, Some(&weights), Some(c), |c| {
                alone_saved.push(c.clone());
                Ok(())
            })
            .unwrap();
        single.push(bits(&resumed));
        let resumed = km
            .fit_partition_resumable(&rows, Some(&weights), 0, &mut alone, Some(&stored(c)), |_| Ok(()))
            .unwrap();
        assert_eq!(bits(&resumed), bits(&whole));
    }
    resumes_everywhere(
        &KMeans::new(5).init(Init::Precomputed(data[..10].to_vec())),
        &data,
        2,
    );
    resumes_everywhere(&KMeans::new(5).seed(1).init(Init::kmeans_parallel()), &data, 2);
}

struct Alone;

impl k_means::distributed::Collective for Alone {
    fn size(&self) -> usize {
        1
    }
    fn rank(&self) -> usize {
        0
    }
    fn all_gather(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, KMeansError> {
        Ok(vec![message.to_vec()])
    }
}

#[test]
fn an_error_from_the_callback_ends_the_fit_with_it() {
    let data = blobs::<f64>(200, 2, 5, 7);
    let rows = RowMajor::new(&data, 2).unwrap();
    let stop = KMeansError::CheckpointFailed {
        reason: "disk full".into(),
    };
    let mut calls = 0;
    let got = KMeans::new(5).fit_resumable(&rows, None, None, |_| {
        calls += 1;
        Err(stop.clone())
    });
    assert_eq!(got.unwrap_err(), stop);
    assert_eq!(calls, 1);
}

#[test]
fn a_checkpoint_of_another_fit_is_refused_naming_what_differs() {
    let data = blobs::<f64>(200, 2, 5, 9);
    let rows = RowMajor::new(&data, 2).unwrap();
    let km = KMeans::new(5).seed(1);
    let (_, saved) = all_checkpoints(&km, rows);
    let c = Some(&saved[0]);
    let what = |km: KMeans<f64>, data: &[f64]| match km.fit_resumable(
        &RowMajor::new(data, 2).unwrap(),
        None,
        c,
        |_| Ok(()),
    ) {
        Err(KMeansError::CheckpointMismatch { what, .. }) => what,
        other => panic!("{other:?}"),
    };
    assert_eq!(what(KMeans::new(4).seed(1), &data), "k");
    assert_eq!(what(km.clone().seed(2), &data), "the seed");
    assert_eq!(what(km.clone().n_init(2), &data), "n_init");
    assert_eq!(what(km.clone().max_iter(10), &data), "max_iter");
    assert_eq!(what(km.clone().tolerance(0.0), &data), "the tolerance");
    assert_eq!(what(km.clone().init(Init::Random), &data), "the initialisation");
    assert_eq!(
        what(km.clone().refine(k_means::Refine::None), &data),
        "breathing's m"
    );
    assert_eq!(what(km.clone(), &data[..398]), "the number of rows");
    let moved: Vec<f64> = data.iter().map(|v| v + 1.0).collect();
    assert_eq!(
        what(km.clone(), &moved),
        "the data (its range, variance or weights)"
    );
    // The algorithm does not change the result, so it may change on resume.
    let lloyd = km.clone().algorithm(Algorithm::Lloyd);
    assert_eq!(
        bits(&lloyd.fit_resumable(&rows, None, c, |_| Ok(())).unwrap()),
        bits(&km.fit(&rows).unwrap())
    );
    let err = what(KMeans::new(4).seed(1), &data);
    assert_eq!(err, "k");
    let e = KMeans::new(4)
        .seed(1)
        .fit_resumable(&rows, None, c, |_| Ok(()))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the checkpoint is from a different fit: k is 5 in the checkpoint but 4 in this fit"
    );
}

#[cfg(feature = "serde")]
#[test]
fn a_damaged_checkpoint_is_an_error_not_a_panic() {
    use serde_json::Value;
    let data = blobs::<f64>(200, 2, 5, 10);
    let rows = RowMajor::new(&data, 2).unwrap();
    let (_, saved) = all_checkpoints(&KMeans::new(5).seed(1).n_init(2), rows);
    let json: Value = serde_json::to_value(saved.last().unwrap()).unwrap();
    let load = |v: &Value| {
        serde_json::from_value::<Checkpoint<f64>>(v.clone())
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert_eq!(load(&json), Ok(()));
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = json.clone();
        f(&mut v);
        load(&v).unwrap_err()
    };
    let nan = Value::from(f64::NAN.to_bits());
    let err = edit(&|v| v["run"]["centroids"][3] = nan.clone());
    assert!(err.contains("NaN or infinite"), "{err}");
    let err = edit(&|v| v["run"]["previous"].as_array_mut().unwrap().truncate(4));
    assert!(err.contains("centroid buffer has 4 values"), "{err}");
    let err = edit(&|v| v["run"]["n_iter"] = Value::from(0));
    assert!(err.contains("invalid checkpoint"), "{err}");
    let err = edit(&|v| v["identity"]["n_features"] = Value::from(0));
    assert!(err.contains("invalid checkpoint"), "{err}");
    let err = edit(&|v| v["identity"]["k"] = Value::from(0));
    assert!(err.contains("invalid checkpoint"), "{err}");
    let err = edit(&|v| v["sequence"] = Value::from(0));
    assert!(err.contains("sequence"), "{err}");
    let err = edit(&|v| v["identity"]["tolerance"] = nan.clone());
    assert!(err.contains("tolerance"), "{err}");
    let err = edit(&|v| v["best"]["centroids"] = Value::from(vec![1e300_f64.to_bits(); 10]));
    assert!(err.contains("too large"), "{err}");
    let err = edit(&|v| v["phase"] = serde_json::json!({"Breathing": {"m": 9, "grown": true, "draws": 0}}));
    assert!(err.contains("breathing moves 9"), "{err}");
    let err = edit(&|v| v["phase"] = serde_json::json!({"Restart": {"run": 2}}));
    assert!(err.contains("run 2 of n_init = 2"), "{err}");
    let err = edit(&|v| v["identity"]["k"] = Value::from(usize::MAX));
    assert!(
        err.contains("invalid checkpoint") || err.contains("centroid"),
        "{err}"
    );
    // An f64 checkpoint is not an f32 one.
    let err = serde_json::from_value::<Checkpoint<f32>>(json.clone())
        .unwrap_err()
        .to_string();
    assert!(err.contains("f64 data, not f32"), "{err}");
    assert!(serde_json::from_str::<Checkpoint<f64>>("{\"sequence\": 1}").is_err());
}

/// Two participants over threads (a barrier-synchronised all-gather).
struct Pair {
    slots: std::sync::Arc<std::sync::Mutex<[Vec<u8>; 2]>>,
    barrier: std::sync::Arc<std::sync::Barrier>,
    rank: usize,
}

impl k_means::distributed::Collective for Pair {
    fn size(&self) -> usize {
        2
    }
    fn rank(&self) -> usize {
        self.rank
    }
    fn all_gather(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, KMeansError> {
        self.slots.lock().unwrap()[self.rank] = message.to_vec();
        self.barrier.wait();
        let all = self.slots.lock().unwrap().to_vec();
        self.barrier.wait();
        Ok(all)
    }
}

/// Each participant's model and checkpoints of `km` over rows `..split` and `split..`,
/// resumed from `resume`.
fn fit_in_two(
    km: &KMeans<f64>,
    data: &[f64],
    d: usize,
    split: usize,
    resume: Option<&Checkpoint<f64>>,
) -> Vec<(KMeansModel<f64>, Vec<Checkpoint<f64>>)> {
    let slots = std::sync::Arc::new(std::sync::Mutex::new([Vec::new(), Vec::new()]));
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let n = data.len() / d;
    std::thread::scope(|s| {
        let handles: Vec<_> = [(0, split), (split, n)]
            .into_iter()
            .enumerate()
            .map(|(rank, (a, b))| {
                let mut c = Pair {
                    slots: std::sync::Arc::clone(&slots),
                    barrier: std::sync::Arc::clone(&barrier),
                    rank,
                };
                s.spawn(move || {
                    let rows = RowMajor::new(&data[a * d..b * d], d).unwrap();
                    let mut saved = Vec::new();
                    let model = km
                        .fit_partition_resumable(&rows, None, a, &mut c, resume, |c| {
                            saved.push(c.clone());
                            Ok(())
                        })
                        .unwrap();
                    (model, saved)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn participants_see_the_one_process_checkpoints_and_resume_from_them() {
    let data = blobs::<f64>(240, 2, 6, 12);
    let km = KMeans::new(6).seed(4);
    let (whole, saved) = all_checkpoints(&km, RowMajor::new(&data, 2).unwrap());
    let parts = fit_in_two(&km, &data, 2, 100, None);
    for (_, theirs) in &parts {
        assert!(
            *theirs == saved,
            "a participant's checkpoints differ from one process's"
        );
    }
    // Resume over another split from a checkpoint of the one-process fit (the state is global).
    for c in [&saved[0], &saved[saved.len() / 2], saved.last().unwrap()] {
        let parts = fit_in_two(&km, &data, 2, 170, Some(c));
        let labels: Vec<usize> = parts.iter().flat_map(|(m, _)| m.labels().to_vec()).collect();
        assert_eq!(labels, whole.labels());
        for (m, _) in &parts {
            assert_eq!(bits(m).0, bits(&whole).0);
            assert_eq!(bits(m).1, bits(&whole).1);
            assert_eq!(
                (m.n_iter(), m.stop_reason()),
                (whole.n_iter(), whole.stop_reason())
            );
        }
    }
}
