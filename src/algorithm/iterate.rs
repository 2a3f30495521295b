//! The loop of one run: assign, update, test for convergence. The same for every algorithm;
//! only the assignment step differs (Lloyd's full pass, or a [`BoundedStep`]).

use super::bounds::{BoundedStep, WarmStart};
use super::hamerly::HamerlyBounds;
use super::yinyang::YinyangBounds;
use super::{Algorithm, FitContext, RunOutcome, RunState, Signal, StopReason};
use crate::assign::{assign_all, cluster_errors};
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::sums::ClusterSums;
use crate::update;

/// Which bounded step (if any) `algorithm` uses for `k` centroids; `None` is Lloyd's full pass.
fn choose_step<T: Float>(algorithm: Algorithm, n: usize, k: usize) -> Option<Box<dyn BoundedStep<T>>> {
    match algorithm {
        Algorithm::Lloyd => None,
        Algorithm::Hamerly => Some(Box::new(HamerlyBounds::new())),
        // Yinyang's n × ⌈k/10⌉ group bounds are tried first; where they cannot be allocated,
        // Hamerly's O(n) bounds give the same result.
        Algorithm::Yinyang => match YinyangBounds::try_new(n, k) {
            Some(bounds) => Some(Box::new(bounds)),
            None => Some(Box::new(HamerlyBounds::new())),
        },
        // One centroid: every label is 0 after the first pass.
        Algorithm::Auto if k == 1 => None,
        // Hamerly at every k and dimension: with the running sums, its iteration costs little
        // more than reading the bounds once few rows move, and Yinyang has not beaten it on any
        // configuration measured (see DESIGN.md): a full recompute of the rows Hamerly cannot
        // prove costs little more, through the tile kernel, than Yinyang's per-group work.
        Algorithm::Auto => Some(Box::new(HamerlyBounds::new())),
    }
}

/// [`run_from`] a fresh start `init`, with the bounds `warm` holds instead of a first full pass, where the
/// run's step takes them (`BoundedStep::start_from`: Hamerly's, so `Hamerly` and `Auto` above
/// one centroid); Lloyd and Yinyang ignore `warm`. `tol` replaces `ctx.tol` (breathing's grown
/// runs stop earlier). The same iterations and the same bits as [`run_from`] with that tolerance:
/// only which rows are recomputed differs.
pub(crate) fn run_warm<T: Float>(
    ctx: &FitContext<'_, '_>,
    rows: RowMajor<'_, T>,
    init: Vec<T>,
    warm: WarmStart<'_>,
    tol: f64,
) -> Result<RunOutcome<T>, KMeansError> {
    run_inner(ctx, rows, RunState::start(&init), Some(warm), tol)
}

/// One run, with scikit-learn's stopping rule: stop when the labels no longer change ("strict"
/// convergence) or when the total squared centroid shift is at most `tol` (the fit's
/// `ctx.tol`, or breathing's looser one for its grown runs). Without strict convergence, one
/// more assignment makes the labels consistent with the returned centroids. Every algorithm
/// produces the same labels each iteration (they are all exact), and the sums are exact
/// integers (see [`crate::sums`]), so they all return the same model.
///
/// The run continues from `state` (a fresh start, or a boundary a checkpoint recorded): the
/// same iterations, in the same bits, as the run that reached `state`. The previous labels
/// are recomputed as the assignment of `state.previous` (every step's labels are exact
/// argmins, so they are the labels that run had); bounds start afresh, which changes only
/// which rows are recomputed. At the end of every iteration `ctx`'s hook gets the state, the
/// shift, the rows changed and whether the run continues from there; a stop it asks for
/// (at once in a single process, by the next flag round over partitions) ends the run with
/// [`StopReason::Cancelled`], its last centroids assigned as at any other end. A resumed run
/// must be given the tolerance it started with.
pub(crate) fn run_from<T: Float>(
    ctx: &FitContext<'_, '_>,
    rows: RowMajor<'_, T>,
    state: RunState,
    tol: f64,
) -> Result<RunOutcome<T>, KMeansError> {
    run_inner(ctx, rows, state, None, tol)
}

fn run_inner<T: Float>(
    ctx: &FitContext<'_, '_>,
    rows: RowMajor<'_, T>,
    mut state: RunState,
    warm: Option<WarmStart<'_>>,
    tol: f64,
) -> Result<RunOutcome<T>, KMeansError> {
    let part = ctx.part(rows);
    let n = rows.n_rows();
    let d = rows.n_features();
    let k = state.centroids.len() / d;
    let mut bounds = choose_step::<T>(ctx.algorithm, n, k);
    // A warm start where the run's step takes one (`labels_old` stays unset, so the first
    // iteration counts every row as changed, as after a cold start: the stopping test and the
    // events see the same run).
    let warm_labels = match (bounds.as_mut(), warm) {
        (Some(b), Some(warm)) if state.n_iter == 0 => b.start_from(rows, &state.centroids, warm),
        _ => None,
    };
    let mut labels = warm_labels.unwrap_or_else(|| vec![usize::MAX; n]);
    let frame = &ctx.frame;
    // With bounds: the cluster sums over `labels_old`, kept up to date incrementally.
    let mut running: Option<ClusterSums> = None;
    // Under Auto, give up on the bounds after three iterations in a row in which they saved
    // less than a quarter of the distances: Lloyd's full pass is then cheaper.
    let mut poor_iterations = 0;
    // Centroids stay in f64 during the run (they are f64 means of exact sums); only the returned
    // ones are rounded to T. So f32 data follows the same path as the same data in f64, even
    // far from the origin where rounding a centroid to f32 would move it noticeably.
    let mut next = state.centroids.clone();
    let mut labels_old = vec![usize::MAX; n];
    // A full pass keeps no per-row distance bounds (`&mut []`): Lloyd needs only the labels,
    // and a bounded step keeps its own.
    if state.n_iter > 0 && state.n_iter < ctx.max_iter {
        assign_all(rows, &state.previous, &mut labels_old, &mut [], None, None);
    }
    let mut strict = false;
    let mut stop = StopReason::MaxIter;
    // A single process acts on a stop request at once; participants vote.
    let solo = ctx.comm.size() == 1;
    for it in state.n_iter..ctx.max_iter {
        state.n_iter = it + 1;
        let mut acc = match bounds.as_mut() {
            Some(b) => {
                let computed = b.step(rows, &state.centroids, &state.previous, &mut labels);
                // The first iterations move centroids far and prune little on any data; judge
                // the bounds only after those.
                if ctx.algorithm == Algorithm::Auto && it >= 3 {
                    poor_iterations = if 4 * computed > 3 * n * k {
                        poor_iterations + 1
                    } else {
                        0
                    };
                    if poor_iterations >= 3 {
                        bounds = None;
                    }
                }
                let moved = count_changed(&labels, &labels_old);
                // The sums are exact integers, so moving only the rows that changed cluster
                // gives the same sums as adding up every row (which is cheaper when most moved).
                let sums = match running.take() {
                    Some(mut sums) if 4 * moved <= n => {
                        sums.update_moved(rows, &labels_old, &labels, frame, part.weights);
                        sums
                    }
                    _ => ClusterSums::from_labels(rows, &labels, k, frame, part.weights),
                };
                running = Some(sums.clone());
                sums
            }
            None => assign_all(
                rows,
                &state.centroids,
                &mut labels,
                &mut [],
                None,
                Some((frame, part.weights)),
            ),
        };
        // The rows whose label changed (for the stopping test and the events), counted in the
        // pass that makes these labels the previous ones: the copy every iteration made anyway,
        // so the count costs no pass of its own.
        let moved = renew_labels(&labels, &mut labels_old);
        let shift = update::next_centroids(part, &labels, &state.centroids, &mut acc, frame, &mut next)?;
        std::mem::swap(&mut state.previous, &mut state.centroids);
        std::mem::swap(&mut state.centroids, &mut next);
        // How many rows changed label over every participant, and (over partitions) whether a
        // participant has a stop pending: its vote, cast at the end of the previous iteration,
        // travels with this round so that every participant stops after this same iteration.
        let vote = !solo && ctx.stop_vote()?;
        let mut flags = [moved as i64, i64::from(vote)];
        ctx.comm.sum_i64(&mut flags)?;
        let (rows_changed, stop_all) = (flags[0] as u64, flags[1] > 0);
        let mut ends = true;
        if rows_changed == 0 {
            stop = StopReason::LabelsUnchanged;
            // Labels are the nearest of the centroids they were computed against; if this last
            // update still moved a centroid (an empty-cluster relocation, or rounding when such a
            // move is undone), they must be computed again below.
            strict = shift == 0.0;
        } else if shift <= tol {
            stop = StopReason::ToleranceReached;
        } else {
            // At `max_iter` the boundary is still one to resume from (a checkpoint there
            // resumes into the final assignment alone); the loop ends by itself.
            ends = stop_all;
            if stop_all {
                stop = StopReason::Cancelled;
            }
        }
        let flow = ctx.signal(Signal::Iteration {
            state: &state,
            shift_squared: shift,
            rows_changed,
            continues: !ends,
        })?;
        if ends {
            break;
        }
        // A single process stops as soon as its observer or token asks; a stop asked for in
        // the run's last iteration ends the fit after the run (`FitContext::stop_agreed`).
        if solo && flow.is_break() && state.n_iter < ctx.max_iter {
            stop = StopReason::Cancelled;
            break;
        }
    }
    drop(running);
    if !strict {
        // The labels of the last centroids: through the bounds where the run kept them (the
        // same exact labels, and bounds that hold for the returned centroids), else a full pass.
        match bounds.as_mut() {
            Some(b) => {
                b.step(rows, &state.centroids, &state.previous, &mut labels);
            }
            None => {
                assign_all(rows, &state.centroids, &mut labels, &mut [], None, None);
            }
        }
    }
    let bounds = bounds.and_then(|b| b.into_row_bounds());
    let centroids: Vec<T> = state.centroids.iter().map(|&v| T::from_f64_(v)).collect();
    let errors = cluster_errors(part, &centroids, &labels)?;
    Ok(RunOutcome {
        centroids,
        centroids_f64: state.centroids,
        labels,
        inertia: errors.inertia(part.weight_scale),
        n_iter: state.n_iter,
        stop,
        bounds,
        errors: Some(errors),
    })
}

/// The rows whose label differs between `labels` and `labels_old`.
fn count_changed(labels: &[usize], labels_old: &[usize]) -> usize {
    labels.iter().zip(labels_old).filter(|(a, b)| a != b).count()
}

/// Copies `labels` into `labels_old`, returning how many differed (one pass over both).
fn renew_labels(labels: &[usize], labels_old: &mut [usize]) -> usize {
    let mut changed = 0;
    for (old, &new) in labels_old.iter_mut().zip(labels) {
        changed += usize::from(*old != new);
        *old = new;
    }
    changed
}

/// The outcome of a finished run, rebuilt from what a checkpoint keeps of it: its f64
/// centroids, inertia, `n_iter` and stop reason. A run's labels are the assignment of its final
/// f64 centroids (`run_from` ends with that assignment, or its last labels were computed
/// against the same centroids), so computing them again gives the same labels.
pub(crate) fn restore<T: Float>(
    rows: RowMajor<'_, T>,
    centroids_f64: Vec<f64>,
    inertia: f64,
    n_iter: usize,
    stop: StopReason,
) -> RunOutcome<T> {
    let n = rows.n_rows();
    let mut labels = vec![0; n];
    assign_all(rows, &centroids_f64, &mut labels, &mut [], None, None);
    RunOutcome {
        centroids: centroids_f64.iter().map(|&v| T::from_f64_(v)).collect(),
        centroids_f64,
        labels,
        inertia,
        n_iter,
        stop,
        bounds: None,
        errors: None,
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::algorithm::context::Facts;
    use crate::datasets::make_blobs;

    /// A run from `init` at the context's tolerance.
    fn run<T: Float>(
        ctx: &FitContext<'_, '_>,
        rows: RowMajor<'_, T>,
        init: Vec<T>,
    ) -> Result<RunOutcome<T>, KMeansError> {
        run_from(ctx, rows, RunState::start(&init), ctx.tol)
    }

    fn fit_with<T: Float>(data: &[T], d: usize, k: usize, algorithm: Algorithm, tol: f64) -> RunOutcome<T> {
        let rows = RowMajor::new(data, d).unwrap();
        let init = data[..k * d].to_vec();
        let mut ctx = FitContext::new(rows, 100, 0.0, algorithm, Facts::solo(rows.n_rows())).unwrap();
        ctx.tol = tol;
        run(&ctx, rows, init).unwrap()
    }

    fn assert_same<T: Float>(a: &RunOutcome<T>, b: &RunOutcome<T>) {
        assert_eq!(a.labels, b.labels);
        assert_eq!(a.centroids, b.centroids);
        assert_eq!(a.n_iter, b.n_iter);
        assert_eq!(a.inertia.to_bits(), b.inertia.to_bits());
    }

    #[test]
    fn hamerly_and_auto_equal_lloyd_bit_for_bit() {
        for &(n, d, k, std, seed) in &[
            (2000, 2, 16, 1.5, 1),
            (1500, 5, 9, 3.0, 2),
            (900, 20, 12, 6.0, 3),
            (300, 3, 40, 0.5, 4),
            (3000, 24, 57, 4.0, 5),
            (2500, 40, 120, 8.0, 6),
        ] {
            let b64 = make_blobs::<f64>(n, d, k, std, seed).unwrap();
            let lloyd = fit_with(&b64.data, d, k, Algorithm::Lloyd, 0.0);
            assert_same(&lloyd, &fit_with(&b64.data, d, k, Algorithm::Hamerly, 0.0));
            assert_same(&lloyd, &fit_with(&b64.data, d, k, Algorithm::Yinyang, 0.0));
            assert_same(&lloyd, &fit_with(&b64.data, d, k, Algorithm::Auto, 0.0));
            let b32 = make_blobs::<f32>(n, d, k, std, seed).unwrap();
            let lloyd = fit_with(&b32.data, d, k, Algorithm::Lloyd, 1e-9);
            assert_same(&lloyd, &fit_with(&b32.data, d, k, Algorithm::Hamerly, 1e-9));
            assert_same(&lloyd, &fit_with(&b32.data, d, k, Algorithm::Yinyang, 1e-9));
        }
    }

    /// A run started from another's bounds (with centroids added, or removed) equals plain
    /// Lloyd from the same centroids, in f64 and in f32 (whose centroids the rounding moves).
    fn check_warm_starts<T: Float>(data: &[T], d: usize, k: usize, tol: f64) {
        let rows = RowMajor::new(data, d).unwrap();
        let ctx = |algorithm| {
            let mut ctx = FitContext::new(rows, 100, 0.0, algorithm, Facts::solo(rows.n_rows())).unwrap();
            ctx.tol = tol;
            ctx
        };
        let first = run(&ctx(Algorithm::Auto), rows, data[..k * d].to_vec()).unwrap();
        let bounds = first
            .bounds
            .as_ref()
            .expect("Hamerly's bounds at the end of a run");
        let warm = |source: Vec<Option<usize>>| WarmStart {
            centroids: &first.centroids_f64,
            labels: Cow::Borrowed(&first.labels),
            upper: Cow::Borrowed(&bounds.upper),
            lower: Cow::Borrowed(&bounds.lower),
            source,
        };
        // Two centroids added (rows far into the data), as breathe-in does.
        let mut grown = first.centroids.clone();
        grown.extend_from_slice(&data[(rows.n_rows() / 2) * d..(rows.n_rows() / 2 + 2) * d]);
        let source: Vec<Option<usize>> = (0..k).map(Some).chain([None, None]).collect();
        let lloyd = run(&ctx(Algorithm::Lloyd), rows, grown.clone()).unwrap();
        for algorithm in [Algorithm::Auto, Algorithm::Hamerly] {
            assert_same(
                &lloyd,
                &run_warm(&ctx(algorithm), rows, grown.clone(), warm(source.clone()), tol).unwrap(),
            );
        }
        // Centroids 1 and 3 removed, as breathe-out does.
        let kept: Vec<usize> = (0..k).filter(|&j| j != 1 && j != 3).collect();
        let shrunk: Vec<T> = kept
            .iter()
            .flat_map(|&j| first.centroids[j * d..(j + 1) * d].to_vec())
            .collect();
        let lloyd = run(&ctx(Algorithm::Lloyd), rows, shrunk.clone()).unwrap();
        let source = kept.iter().copied().map(Some).collect();
        assert_same(
            &lloyd,
            &run_warm(&ctx(Algorithm::Auto), rows, shrunk, warm(source), tol).unwrap(),
        );
    }

    #[test]
    fn warm_starts_equal_lloyd_bit_for_bit() {
        for &(n, d, k, std, seed) in &[
            (2000, 2, 16, 1.5, 1),
            (900, 20, 12, 6.0, 3),
            (3000, 24, 57, 4.0, 5),
        ] {
            for tol in [0.0, 1e-4] {
                check_warm_starts(&make_blobs::<f64>(n, d, k, std, seed).unwrap().data, d, k, tol);
                check_warm_starts(&make_blobs::<f32>(n, d, k, std, seed).unwrap().data, d, k, tol);
            }
        }
    }

    #[test]
    fn hamerly_handles_duplicate_centroids_and_empty_clusters() {
        // Many identical rows: several centroids coincide and clusters empty out.
        let mut data = vec![1.0_f64; 200];
        data.extend((0..100).map(|i| (i % 7) as f64));
        let lloyd = fit_with(&data, 1, 10, Algorithm::Lloyd, 0.0);
        assert_same(&lloyd, &fit_with(&data, 1, 10, Algorithm::Hamerly, 0.0));
        assert_same(&lloyd, &fit_with(&data, 1, 10, Algorithm::Yinyang, 0.0));
        let lloyd = fit_with(&data, 1, 25, Algorithm::Lloyd, 0.0);
        assert_same(&lloyd, &fit_with(&data, 1, 25, Algorithm::Yinyang, 0.0));
        assert!(lloyd.centroids.iter().all(|c| c.is_finite()));
    }
}
