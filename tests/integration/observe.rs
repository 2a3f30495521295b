//! Watching and stopping a fit: the observer's events (order and values), cancelling from the
//! observer and from another thread, the best model so far, the fit report, and that neither an
//! observer nor a token changes any result (one process, threads, partitions, checkpoints).

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use k_means::datasets::make_blobs;
use k_means::distributed::fit_in_threads;
use k_means::{
    Algorithm, CancelToken, Checkpoint, FitEvent, FitStage, Init, KMeans, KMeansError, KMeansModel, OnCancel,
    Refine, RowMajor, StopReason,
};

use crate::{Real, inertia_of, nearest};

/// Every event a fit delivers, in order.
fn recorded<T: Real>(
    km: KMeans<T>,
    rows: RowMajor<'_, T>,
) -> (Result<KMeansModel<T>, KMeansError>, Vec<FitEvent>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    let result = km
        .observer(move |e| {
            sink.lock().unwrap().push(e.clone());
            ControlFlow::Continue(())
        })
        .fit(&rows);
    let events = log.lock().unwrap().clone();
    (result, events)
}

fn blobs<T: Real>(n: usize, d: usize, centres: usize, seed: u64) -> Vec<T> {
    make_blobs::<T>(n, d, centres, 1.5, seed).unwrap().data
}

/// Checks the documented order and the values of `events` against `model`; returns the runs
/// seen (stage, n_iter, inertia).
fn check_events<T: Real>(
    events: &[FitEvent],
    model: &KMeansModel<T>,
    n: usize,
    k: usize,
) -> Vec<(FitStage, usize, f64)> {
    let report = model.report().unwrap();
    let mut runs = Vec::new();
    let mut iteration_in_run = 0;
    let mut kept_seen = false;
    let mut seeding_of = None;
    let mut cycles = 0;
    let mut last_changed = u64::MAX;
    for e in events {
        match *e {
            FitEvent::Seeding { run, chosen, k: of } => {
                assert!(!kept_seen, "seeding after the restarts");
                assert_eq!(of, k);
                assert!((1..=k).contains(&chosen));
                assert_eq!(iteration_in_run, 0, "seeding inside a run");
                seeding_of = Some(run);
            }
            FitEvent::Iteration {
                stage,
                iteration,
                shift_squared,
                rows_changed,
            } => {
                iteration_in_run += 1;
                assert_eq!(iteration, iteration_in_run, "iterations count up from 1");
                assert!(shift_squared.is_finite() && shift_squared >= 0.0);
                assert!(rows_changed as usize <= n);
                if iteration == 1 {
                    assert_eq!(rows_changed as usize, n, "every row gets its first label");
                }
                match stage {
                    FitStage::Restart { run } => {
                        assert!(!kept_seen);
                        assert_eq!(seeding_of, Some(run), "a restart is seeded before it runs");
                    }
                    FitStage::Breathing { .. } => assert!(kept_seen, "breathing before the kept run"),
                    _ => unreachable!(),
                }
                last_changed = rows_changed;
            }
            FitEvent::RunFinished {
                stage,
                n_iter,
                inertia,
                stop_reason,
            } => {
                assert_eq!(n_iter, iteration_in_run, "a run ends after its iterations");
                assert_eq!(stop_reason == StopReason::LabelsUnchanged, last_changed == 0);
                assert!(inertia.is_finite() && inertia >= 0.0);
                runs.push((stage, n_iter, inertia));
                iteration_in_run = 0;
            }
            FitEvent::Kept { run, inertia, n_iter } => {
                assert!(!kept_seen);
                kept_seen = true;
                let restarts: Vec<f64> = runs.iter().map(|r| r.2).collect();
                let best = restarts.iter().copied().fold(f64::INFINITY, f64::min);
                assert_eq!(inertia, best, "the kept restart is the best");
                assert_eq!(restarts[run], inertia);
                assert_eq!(runs[run].1, n_iter);
            }
            FitEvent::BreathingCycle {
                inertia,
                best_inertia,
                improved,
                ..
            } => {
                cycles += 1;
                assert_eq!(improved, inertia < best_inertia);
                let shrunk = runs.last().unwrap();
                assert!(matches!(shrunk.0, FitStage::Breathing { grown: false, .. }));
                assert_eq!(shrunk.2, inertia, "a cycle's result is its shrunk run");
            }
            _ => unreachable!("no other event exists yet"),
        }
    }
    assert!(kept_seen);
    assert_eq!(cycles, report.breathing_cycles);
    assert_eq!(runs.iter().map(|r| r.1).sum::<usize>(), report.total_iterations);
    let restarts: Vec<u64> = runs
        .iter()
        .filter(|r| matches!(r.0, FitStage::Restart { .. }))
        .map(|r| r.2.to_bits())
        .collect();
    assert_eq!(
        restarts,
        report
            .run_inertias
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    );
    runs
}

fn events_in_order<T: Real>() {
    let (n, d, k) = (1500, 3, 7);
    let data = blobs::<T>(n, d, k, 4);
    let rows = RowMajor::new(&data, d).unwrap();
    for km in [
        KMeans::new(k).seed(2),
        KMeans::new(k).seed(3).n_init(3).refine(Refine::breathing()),
        KMeans::new(k).seed(4).init(Init::Random).refine(Refine::None),
        KMeans::new(k)
            .seed(5)
            .init(Init::kmeans_parallel())
            .algorithm(Algorithm::Lloyd),
    ] {
        let (model, events) = recorded(km.clone(), rows);
        let model = model.unwrap();
        let runs = check_events(&events, &model, n, k);
        let report = model.report().unwrap();
        assert_eq!(report.run_inertias.len(), report.options.n_init);
        assert_eq!(report.stop_reason, model.stop_reason());
        assert_eq!(report.kept_run_iterations, model.n_iter());
        // The kept run's iterations are a run's, and the model's inertia is the best run's.
        assert!(
            runs.iter()
                .any(|r| r.1 == model.n_iter() && r.2 == model.inertia())
        );
        assert_eq!(model.converged(), model.stop_reason().is_converged());
        // k-means++ reports every centroid, the other starts once per restart.
        let seeding = events
            .iter()
            .filter(|e| matches!(e, FitEvent::Seeding { .. }))
            .count();
        let per_restart = if report.options.init == "k-means++" { k } else { 1 };
        assert_eq!(seeding, per_restart * report.options.n_init);
        // Watching changes nothing.
        let plain = km.fit(&rows).unwrap();
        assert_eq!(plain, model);
        assert_eq!(plain.report(), model.report());
    }
}

#[test]
fn events_arrive_in_the_documented_order_with_plausible_values_f64() {
    events_in_order::<f64>();
}

#[test]
fn events_arrive_in_the_documented_order_with_plausible_values_f32() {
    events_in_order::<f32>();
}

/// The breathing cycles' `(m, inertia, best_inertia)`, in order.
fn cycles_of(events: &[FitEvent]) -> Vec<(usize, f64, f64)> {
    events
        .iter()
        .filter_map(|e| match *e {
            FitEvent::BreathingCycle {
                m,
                inertia,
                best_inertia,
                ..
            } => Some((m, inertia, best_inertia)),
            _ => None,
        })
        .collect()
}

#[test]
fn breathing_keeps_fritzkes_schedule_on_small_problems_and_stops_at_the_first_miss_on_large_ones() {
    // (rows, centres, k): 1500 × 7 and 4000 × 12 rows × centroids are below 2^18, 20000 × 16
    // and 30000 × 24 above it.
    for (n, centres, k, large) in [
        (1500, 7, 7, false),
        (4000, 10, 12, false),
        (20_000, 12, 16, true),
        (30_000, 20, 24, true),
    ] {
        let d = 2;
        let data = blobs::<f64>(n, d, centres, 6);
        let rows = RowMajor::new(&data, d).unwrap();
        let km = KMeans::new(k).seed(7).refine(Refine::Breathing { m: 3 });
        let (model, events) = recorded(km, rows);
        let model = model.unwrap();
        let cycles = cycles_of(&events);
        assert_eq!(cycles.len(), model.report().unwrap().breathing_cycles);
        assert_eq!(cycles[0].0, 3, "the first cycle uses the m asked for");
        let min_gain = if large { 1e-3 } else { 1e-4 };
        for (i, &(m, inertia, best)) in cycles.iter().enumerate() {
            let paid = inertia < best * (1.0 - min_gain);
            match cycles.get(i + 1) {
                Some(&(next_m, _, next_best)) => {
                    assert!(next_best <= best, "the best solution never gets worse");
                    if paid {
                        assert_eq!(next_m, m, "a cycle that pays keeps m ({n} × {k})");
                    } else {
                        assert!(!large, "a large problem stops at the first miss ({n} × {k})");
                        assert_eq!(next_m, m - 1, "a miss lowers m by one ({n} × {k})");
                    }
                }
                None => {
                    assert!(!paid, "breathing ends with a cycle that did not pay ({n} × {k})");
                    assert!(large || m == 1, "a small problem ends at m = 1 ({n} × {k})");
                }
            }
        }
        if !large {
            assert!(cycles.len() >= 3, "m = 3 misses three times before it ends");
        }
    }
}

#[test]
fn a_no_op_observer_or_an_idle_token_changes_nothing_bit_for_bit() {
    let (d, k) = (4, 9);
    let data = blobs::<f32>(2000, d, k, 8);
    let rows = RowMajor::new(&data, d).unwrap();
    for algorithm in [
        Algorithm::Lloyd,
        Algorithm::Hamerly,
        Algorithm::Yinyang,
        Algorithm::Auto,
    ] {
        let km = KMeans::new(k).seed(11).n_init(2).algorithm(algorithm);
        let plain = km.fit(&rows).unwrap();
        let watched = km
            .clone()
            .observer(|_| ControlFlow::Continue(()))
            .fit(&rows)
            .unwrap();
        let tokened = km.clone().cancel_token(CancelToken::new()).fit(&rows).unwrap();
        for m in [&watched, &tokened] {
            assert_eq!(m, &plain);
            assert_eq!(m.inertia().to_bits(), plain.inertia().to_bits());
            assert_eq!(m.report(), plain.report());
        }
    }
}

#[test]
fn an_observer_stop_after_iteration_j_cancels_within_that_iteration() {
    let (n, d, k) = (3000, 2, 20);
    let data = blobs::<f64>(n, d, 12, 1);
    let rows = RowMajor::new(&data, d).unwrap();
    let km = KMeans::new(k).seed(1).tolerance(0.0).refine(Refine::None);
    let full = km.fit(&rows).unwrap();
    assert!(full.n_iter() > 4, "the test needs a run of several iterations");
    for j in 1..=3 {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        let stopping = km.clone().observer(move |e| {
            sink.lock().unwrap().push(e.clone());
            match e {
                FitEvent::Iteration { iteration, .. } if *iteration == j => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            }
        });
        assert_eq!(stopping.fit(&rows).unwrap_err(), KMeansError::Cancelled);
        let events = log.lock().unwrap().clone();
        let at = events
            .iter()
            .position(|e| matches!(e, FitEvent::Iteration { iteration, .. } if *iteration == j))
            .unwrap();
        // After the stop: the run's end (Cancelled, after j iterations) and nothing else.
        assert_eq!(events.len(), at + 2, "{:?}", &events[at..]);
        match events[at + 1] {
            FitEvent::RunFinished {
                n_iter, stop_reason, ..
            } => {
                assert_eq!((n_iter, stop_reason), (j, StopReason::Cancelled));
            }
            ref e => panic!("{e:?}"),
        }
        // The best so far: the run cut after j iterations, a valid model.
        let best = stopping.on_cancel(OnCancel::BestSoFar).fit(&rows).unwrap();
        assert_eq!(best.n_iter(), j);
        assert_eq!(best.stop_reason(), StopReason::Cancelled);
        assert!(!best.converged());
        assert_valid(&best, &data, d);
        let capped = km.clone().max_iter(j).fit(&rows).unwrap();
        assert_eq!(
            best.centroids(),
            capped.centroids(),
            "the same centroids as max_iter = {j}"
        );
        let report = best.report().unwrap();
        assert_eq!(
            (report.stop_reason, report.total_iterations),
            (StopReason::Cancelled, j)
        );
    }
}

/// Labels are the nearest centroids, sizes count them, inertia is theirs.
fn assert_valid<T: Real>(model: &KMeansModel<T>, data: &[T], d: usize) {
    let c = model.centroids();
    assert!(c.iter().all(|v| v.wide().is_finite()));
    for (row, &l) in data.chunks_exact(d).zip(model.labels()) {
        assert_eq!(l, nearest(row, c, d));
    }
    let mut sizes = vec![0; model.k()];
    for &l in model.labels() {
        sizes[l] += 1;
    }
    assert_eq!(sizes, model.cluster_sizes());
    let direct = inertia_of(data, c, model.labels(), d);
    assert!(
        crate::close(model.inertia(), direct, 1e-9),
        "{} vs {direct}",
        model.inertia()
    );
}

#[test]
fn best_so_far_keeps_the_best_finished_restart_and_stops_seeding_too() {
    let (d, k) = (3, 6);
    let data = blobs::<f64>(1200, d, k, 5);
    let rows = RowMajor::new(&data, d).unwrap();
    let km = KMeans::new(k).seed(7).n_init(4).refine(Refine::None);
    let full = km.fit(&rows).unwrap();
    let inertias = full.report().unwrap().run_inertias.clone();
    // Stop while seeding restart 2 (at its third centroid): restarts 0 and 1 finished.
    let stop_in_seeding = km.clone().on_cancel(OnCancel::BestSoFar).observer(|e| match e {
        FitEvent::Seeding {
            run: 2, chosen: 3, ..
        } => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    });
    let best = stop_in_seeding.fit(&rows).unwrap();
    let report = best.report().unwrap();
    assert_eq!(report.stop_reason, StopReason::Cancelled);
    assert_eq!(report.run_inertias, inertias[..2]);
    assert_eq!(best.inertia(), inertias[0].min(inertias[1]));
    assert_ne!(
        best.stop_reason(),
        StopReason::Cancelled,
        "a finished restart is kept"
    );
    assert_valid(&best, &data, d);
    // Stopped in the first restart's seeding there is no model, whatever on_cancel says.
    let too_early = km
        .clone()
        .on_cancel(OnCancel::BestSoFar)
        .observer(|e| match e {
            FitEvent::Seeding { run: 0, .. } => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        })
        .fit(&rows);
    assert_eq!(too_early.unwrap_err(), KMeansError::Cancelled);
    // A token cancelled before the fit stops it at its first check.
    let token = CancelToken::new();
    token.cancel();
    let (result, events) = recorded(km.clone().cancel_token(token), rows);
    assert_eq!(result.unwrap_err(), KMeansError::Cancelled);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        KMeansError::Cancelled.to_string(),
        "the fit was cancelled by its observer or cancellation token"
    );
}

#[test]
fn a_token_cancelled_from_another_thread_stops_a_long_fit() {
    let (n, d, k) = (20_000, 8, 64);
    let data = blobs::<f32>(n, d, 40, 3);
    let rows = RowMajor::new(&data, d).unwrap();
    let token = CancelToken::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let canceller = {
        let token = token.clone();
        std::thread::spawn(move || {
            // Cancel once the fit has started iterating.
            rx.recv().unwrap();
            token.cancel();
        })
    };
    let waiting = token.clone();
    let tx = Mutex::new(Some(tx));
    let events = Arc::new(Mutex::new(0_usize));
    let after = Arc::clone(&events);
    let km = KMeans::new(k)
        .seed(3)
        .tolerance(0.0)
        .max_iter(100_000)
        .algorithm(Algorithm::Lloyd)
        .cancel_token(token)
        .observer(move |e| {
            if let FitEvent::Iteration { iteration: 2, .. } = e
                && let Some(tx) = tx.lock().unwrap().take()
            {
                tx.send(()).unwrap();
                // Hold the fit here until the other thread has cancelled, so that the test
                // does not depend on how fast either thread is.
                while !waiting.is_cancelled() {
                    std::thread::yield_now();
                }
            }
            if waiting.is_cancelled() {
                *after.lock().unwrap() += 1;
            }
            ControlFlow::Continue(())
        });
    let result = km.fit(&rows);
    canceller.join().unwrap();
    assert_eq!(result.unwrap_err(), KMeansError::Cancelled);
    // The iteration that saw the token, then its run's end.
    assert_eq!(*events.lock().unwrap(), 2);
}

/// The models of a fit in threads.
type Models = Result<Vec<KMeansModel<f64>>, KMeansError>;

/// Fits in threads with a shared recording observer: the events each thread saw.
fn threads_with_observer(km: KMeans<f64>, parts: &[RowMajor<'_, f64>]) -> (Models, Vec<Vec<FitEvent>>) {
    let log: Arc<Mutex<Vec<(ThreadId, FitEvent)>>> = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    let km = km.observer(move |e| {
        sink.lock()
            .unwrap()
            .push((std::thread::current().id(), e.clone()));
        ControlFlow::Continue(())
    });
    let result = fit_in_threads(&km, parts);
    let log = log.lock().unwrap();
    let mut threads: Vec<ThreadId> = Vec::new();
    for (t, _) in log.iter() {
        if !threads.contains(t) {
            threads.push(*t);
        }
    }
    let per_thread = threads
        .iter()
        .map(|t| {
            log.iter()
                .filter(|(u, _)| u == t)
                .map(|(_, e)| e.clone())
                .collect()
        })
        .collect();
    (result, per_thread)
}

#[test]
fn over_partitions_every_participant_sees_the_same_events_and_results_do_not_change() {
    let (d, k) = (2, 5);
    let data = blobs::<f64>(1800, d, k, 9);
    let rows = RowMajor::new(&data, d).unwrap();
    let parts = [
        RowMajor::new(&data[..600], d).unwrap(),
        RowMajor::new(&data[600..2000], d).unwrap(),
        RowMajor::new(&data[2000..], d).unwrap(),
    ];
    let km = KMeans::new(k).seed(6).n_init(2);
    let (solo, solo_events) = recorded(km.clone(), rows);
    let solo = solo.unwrap();
    let (models, per_thread) = threads_with_observer(km.clone(), &parts);
    let models = models.unwrap();
    assert_eq!(per_thread.len(), 3);
    for events in &per_thread {
        assert_eq!(events, &solo_events);
    }
    let unwatched = fit_in_threads(&km, &parts).unwrap();
    for (m, u) in models.iter().zip(&unwatched) {
        assert_eq!(m, u);
        assert_eq!(m.centroids(), solo.centroids());
        assert_eq!(m.inertia().to_bits(), solo.inertia().to_bits());
        assert_eq!(m.report(), solo.report());
    }
}

#[test]
fn over_partitions_one_participants_stop_stops_all_after_the_same_iteration() {
    let (d, k) = (2, 12);
    let data = blobs::<f64>(2400, d, 8, 2);
    let parts = [
        RowMajor::new(&data[..1000], d).unwrap(),
        RowMajor::new(&data[1000..], d).unwrap(),
    ];
    let km = KMeans::new(k).seed(2).tolerance(0.0).refine(Refine::None);
    // Only the first thread to see iteration 2 asks to stop (a fresh observer per fit).
    let stopping = |km: KMeans<f64>| {
        let voter: Arc<Mutex<Option<ThreadId>>> = Arc::new(Mutex::new(None));
        km.observer(move |e| match e {
            FitEvent::Iteration { iteration: 2, .. } => {
                let me = std::thread::current().id();
                let mut v = voter.lock().unwrap();
                if v.is_none_or(|t| t == me) {
                    *v = Some(me);
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            }
            _ => ControlFlow::Continue(()),
        })
    };
    assert_eq!(
        fit_in_threads(&stopping(km.clone()), &parts).unwrap_err(),
        KMeansError::Cancelled
    );
    // The vote travels with the next iteration's flag round: every participant stops after
    // iteration 3, with the same model.
    let models = fit_in_threads(&stopping(km.clone().on_cancel(OnCancel::BestSoFar)), &parts).unwrap();
    let capped = fit_in_threads(&km.clone().max_iter(3), &parts).unwrap();
    for (m, c) in models.iter().zip(&capped) {
        assert_eq!(m.n_iter(), 3);
        assert_eq!(m.stop_reason(), StopReason::Cancelled);
        assert_eq!(m.centroids(), c.centroids());
        assert_eq!(m.labels(), c.labels());
    }
    // A token cancelled before the fit, on every participant: all stop, none hangs.
    let token = CancelToken::new();
    token.cancel();
    let cancelled = fit_in_threads(&km.clone().cancel_token(token), &parts);
    assert_eq!(cancelled.unwrap_err(), KMeansError::Cancelled);
}

#[test]
fn checkpoints_and_an_observer_work_together_and_a_stopped_fit_resumes() {
    let (d, k) = (3, 6);
    let data = blobs::<f64>(900, d, k, 12);
    let rows = RowMajor::new(&data, d).unwrap();
    let km = KMeans::new(k).seed(4);
    let mut plain_checkpoints = Vec::new();
    let whole = km
        .fit_resumable(&rows, None, None, |c| {
            plain_checkpoints.push(c.clone());
            Ok(())
        })
        .unwrap();
    // Stop at the fourth iteration event of the fit (after its checkpoint was taken).
    let count = Arc::new(Mutex::new(0));
    let counter = Arc::clone(&count);
    let stopping = km.clone().observer(move |e| {
        let mut c = counter.lock().unwrap();
        if matches!(e, FitEvent::Iteration { .. }) {
            *c += 1;
        }
        if *c == 4 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    let mut last: Option<Checkpoint<f64>> = None;
    let mut taken = Vec::new();
    let stopped = stopping.fit_resumable(&rows, None, None, |c| {
        taken.push(c.clone());
        last = Some(c.clone());
        Ok(())
    });
    assert_eq!(stopped.unwrap_err(), KMeansError::Cancelled);
    assert_eq!(
        taken,
        plain_checkpoints[..taken.len()],
        "the observer changes no checkpoint"
    );
    let resumed = km.fit_resumable(&rows, None, last.as_ref(), |_| Ok(())).unwrap();
    assert_eq!(resumed, whole);
}

#[cfg(feature = "serde")]
mod saved {
    use super::*;

    #[test]
    fn the_report_is_saved_with_the_model_and_checked_on_load() -> Result<(), Box<dyn std::error::Error>> {
        let rows: Vec<[f64; 2]> = (0..500).map(|i| [(i % 11) as f64, (i % 4) as f64]).collect();
        let model = KMeans::new(3).n_init(2).seed(8).fit(&rows)?;
        let text = serde_json::to_string(&model)?;
        let back: KMeansModel<f64> = serde_json::from_str(&text)?;
        assert_eq!(back.report(), model.report());
        assert_eq!(
            back.report().unwrap().timings,
            Default::default(),
            "timings are not saved"
        );
        assert_eq!(
            serde_json::to_string(&back)?,
            text,
            "the same bytes when saved again"
        );

        let json: serde_json::Value = serde_json::from_str(&text)?;
        let refused = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut j = json.clone();
            edit(&mut j);
            serde_json::from_value::<KMeansModel<f64>>(j)
                .unwrap_err()
                .to_string()
        };
        let e = refused(&|j| j["report"]["options"]["k"] = 4.into());
        assert!(
            e.contains("the report is of a fit with k = 4, the model has k = 3"),
            "{e}"
        );
        let e = refused(&|j| j["report"]["run_inertias"][0] = (-1.0).into());
        assert!(e.contains("a restart's inertia is -1"), "{e}");
        let e = refused(&|j| j["report"]["kept_run_iterations"] = 10_000.into());
        assert!(e.contains("the report's kept run did 10000 iterations"), "{e}");
        let e = refused(&|j| j["report"]["run_inertias"] = serde_json::json!([1.0, 2.0, 3.0]));
        assert!(e.contains("3 restart inertias for n_init = 2"), "{e}");
        let e = refused(&|j| j["report"]["options"]["max_iter"] = 0.into());
        assert!(e.contains("max_iter = 0"), "{e}");
        let e = refused(&|j| j["report"]["total_iterations"] = 0.into());
        assert!(e.contains("in all"), "{e}");
        let e = refused(&|j| j["report"]["stop_reason"] = "MaxIter".into());
        assert!(e.contains("the report stopped for MaxIter"), "{e}");
        let e = refused(&|j| j["report"]["options"]["tolerance"] = (-1.0).into());
        assert!(e.contains("the report's tolerance is -1"), "{e}");
        // Saved before reports existed: loads, without one.
        let mut old = json.clone();
        old.as_object_mut().unwrap().remove("report");
        let old: KMeansModel<f64> = serde_json::from_value(old)?;
        assert!(old.report().is_none());
        assert_eq!(old, back);
        Ok(())
    }
}
