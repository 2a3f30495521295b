//! Quality mode: escaping the local optimum a k-means run ends in.
//!
//! Breathing k-means (B. Fritzke, "Breathing K-Means: Superior K-Means Solutions through Dynamic
//! K-Values", arXiv:2006.15666, 2020) alternates two moves from a converged solution:
//!
//! * **breathe in**: add `m` centroids, each next to one of the `m` centroids with the largest
//!   error (sum of squared distances of its rows), then run k-means with `k + m` centroids;
//! * **breathe out**: remove the `m` centroids of least utility (how much the error would grow if
//!   each were removed alone: its rows' squared distance to their second-nearest centroid minus
//!   that to their own), then run k-means with `k` centroids.
//!
//! Neighbours of a centroid already chosen in the same move are skipped ("frozen"), so a move
//! does not add twice in one region or remove two adjacent centroids. When a cycle improves the
//! error by more than 0.01 % it is kept and `m` stays; otherwise `m` drops by one (Fritzke's
//! schedule). It stops when `m` reaches 0. The best solution seen is returned, so the result is
//! never worse than the starting run.
//!
//! A grown run stops at ten times the fit's tolerance: it only places the centroids that
//! breathe-out chooses among, and the shrunk run, whose solution is the cycle's, converges at the
//! fit's own. (At 50 000 × 784 × 10 the grown run took 63 of a cycle's 65 iterations.)
//!
//! On large problems (rows × centroids ≥ 2¹⁸, counted over every participant) a cycle costs
//! about a plain fit, and one that gains little rarely prepares a later one that gains much:
//! there a cycle must gain more than 0.1 %, and the first that does not ends breathing. Measured
//! with the quality harness (`benches/quality/run.sh`, 30 seeds), every cluster is still found
//! on all of Fränti's 12 sets in every run with this rule applied at every size.

use std::borrow::Cow;
use std::cell::RefCell;

use rand::Rng;
use rand::RngExt;

use crate::algorithm::{self, FitContext, RowBounds, RunOutcome, RunState, StopReason, WarmStart};
use crate::assign::{cluster_errors, nearest_two_sq, sq_scale};
use crate::checkpoint::{Phase, Tracker};
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::kernels::sq_dist_f64;
use crate::observe::{FitEvent, FitStage, Watch};
use crate::part::{Part, quantize_sq};
use crate::report::Tally;

/// The freezing radius, as a multiple of a chosen centroid's distance to its nearest other
/// centroid: centroids within it are not chosen in the same move.
const FREEZE: f64 = 1.1;
/// A cycle counts as an improvement when it lowers the error by more than this fraction.
const MIN_GAIN: f64 = 1e-4;
/// On large problems (see [`LARGE`]) a cycle must lower the error by more than this fraction,
/// and the first one that does not ends breathing.
const LARGE_MIN_GAIN: f64 = 1e-3;
/// A grown run stops when its total squared centroid shift is at most this multiple of the
/// fit's tolerance: it only places the centroids breathe-out chooses among, and the shrunk run,
/// whose solution is the cycle's, converges at the fit's own tolerance.
const GROWN_TOL: f64 = 10.0;
/// Rows times centroids from which a problem counts as large: one cycle there costs about a
/// plain fit (two runs from warm bounds plus two passes), and on Fränti's benchmark sets and the
/// comparison harness's data a cycle that missed once almost never paid later.
const LARGE: usize = 1 << 18;

/// What breathing reports to: the checkpoints' tracker, the observer's watch, the report's
/// tally.
pub(crate) type Listeners<'a> = (&'a RefCell<Tracker>, &'a RefCell<Watch>, &'a mut Tally);

/// Runs breathing k-means from the converged `start`; returns the best solution seen, and
/// whether the fit was stopped (by its observer or token) on the way.
///
/// `tracker` is told where the cycles are (for checkpoints), `watch` too (for the observer),
/// `tally` counts the runs' iterations and the cycles; `resume` (a breathing phase and the
/// run's state there) continues a cycle a checkpoint recorded, `start` then being the best
/// solution it kept. The stream is advanced past the values drawn before it.
pub(crate) fn breathing<T: Float, R: Rng + ?Sized>(
    ctx: &FitContext<'_, '_>,
    rows: RowMajor<'_, T>,
    start: RunOutcome<T>,
    m_start: usize,
    rng: &mut R,
    (tracker, watch, tally): Listeners<'_>,
    resume: Option<(Phase, RunState)>,
) -> Result<(RunOutcome<T>, bool), KMeansError> {
    let part = ctx.part(rows);
    let d = rows.n_features();
    let k = start.centroids.len() / d;
    let mut best = start;
    // Never ask for more centroids than rows.
    let mut m = m_start.min(part.n_total.saturating_sub(k)).min(k);
    // Counted over every participant's rows, so a partitioned fit takes the same schedule.
    let large = part.n_total.saturating_mul(k) >= LARGE;
    let min_gain = if large { LARGE_MIN_GAIN } else { MIN_GAIN };
    let grown_tol = GROWN_TOL * ctx.tol;
    // Values drawn from `rng` so far (breathe_in draws one per coordinate it offsets).
    let mut draws = 0_u64;
    let mut pending = None;
    if let Some((
        Phase::Breathing {
            m: at,
            grown,
            draws: drawn,
        },
        run,
    )) = resume
    {
        m = at;
        for _ in 0..drawn {
            let _: f64 = rng.random();
        }
        draws = drawn;
        pending = Some((grown, run));
    }
    while m > 0 {
        let enter = |grown: bool, best: &RunOutcome<T>, draws: u64| {
            tracker
                .borrow_mut()
                .enter(Phase::Breathing { m, grown, draws }, Some(best));
            watch.borrow_mut().stage = FitStage::Breathing { m, grown };
        };
        let candidate = match pending.take() {
            Some((false, run)) => {
                enter(false, &best, draws);
                algorithm::run_from(ctx, rows, run, ctx.tol)?
            }
            grown_run => {
                let grown = match grown_run {
                    Some((_, run)) => {
                        enter(true, &best, draws);
                        algorithm::run_from(ctx, rows, run, grown_tol)?
                    }
                    None => {
                        let grown = breathe_in(part, &best, m, rng)?;
                        let added = (grown.len() - best.centroids.len()) / d;
                        draws += (added * d) as u64;
                        enter(true, &best, draws);
                        // The grown run starts from `best`'s bounds (its k centroids are kept),
                        // which move into the run rather than being copied: a cycle that does
                        // not improve leaves `best` without them, and its next grown run starts
                        // with a full pass (what copies of n bounds would cost in memory).
                        match best.bounds.take() {
                            Some(b) => {
                                let warm = WarmStart {
                                    centroids: &best.centroids_f64,
                                    labels: Cow::Borrowed(&best.labels),
                                    upper: Cow::Owned(b.upper),
                                    lower: Cow::Owned(b.lower),
                                    source: (0..k).map(Some).chain((0..added).map(|_| None)).collect(),
                                };
                                algorithm::run_warm(ctx, rows, grown, warm, grown_tol)?
                            }
                            None => algorithm::run_from(ctx, rows, RunState::start(&grown), grown_tol)?,
                        }
                    }
                };
                // A stop during the grown run leaves `best`: the grown set has k + m centroids.
                if run_finished(ctx, watch, tally, &grown, FitStage::Breathing { m, grown: true })? {
                    return Ok((best, true));
                }
                // The grown run's labels and bounds are superseded by breathe-out's pass, which
                // writes its own into their buffers (freeing n-long arrays and allocating them
                // again grew the peak: the allocator does not always return such memory).
                let RunOutcome {
                    centroids: grown,
                    labels,
                    bounds,
                    ..
                } = grown;
                let (upper, lower) = bounds.map_or_else(|| (Vec::new(), Vec::new()), |b| (b.upper, b.lower));
                let Shrunk {
                    centroids,
                    before,
                    labels,
                    bounds,
                    source,
                } = breathe_out(part, &grown, m, (labels, upper, lower))?;
                drop(grown);
                enter(false, &best, draws);
                // The shrunk run starts from the bounds of breathe-out's pass over the rows
                // (moved into the run, not copied).
                let warm = WarmStart {
                    centroids: &before,
                    labels: Cow::Owned(labels),
                    upper: Cow::Owned(bounds.upper),
                    lower: Cow::Owned(bounds.lower),
                    source: source.into_iter().map(Some).collect(),
                };
                algorithm::run_warm(ctx, rows, centroids, warm, ctx.tol)?
            }
        };
        let stop = run_finished(
            ctx,
            watch,
            tally,
            &candidate,
            FitStage::Breathing { m, grown: false },
        )?;
        let (cycle_m, best_inertia, inertia) = (m, best.inertia, candidate.inertia);
        let improved = candidate.inertia < best.inertia;
        if candidate.inertia < best.inertia * (1.0 - min_gain) {
            best = candidate;
        } else {
            if improved {
                best = candidate;
            }
            m = if large { 0 } else { m - 1 };
        }
        tally.breathing_cycles += 1;
        let _ = watch.borrow_mut().emit(FitEvent::BreathingCycle {
            m: cycle_m,
            inertia,
            best_inertia,
            improved,
        });
        if stop {
            return Ok((best, true));
        }
    }
    Ok((best, false))
}

/// One run of a cycle ended: counted, reported, and whether the fit stops after it (every
/// participant has the same outcome, so all or none make `stop_agreed`'s round).
fn run_finished<T>(
    ctx: &FitContext<'_, '_>,
    watch: &RefCell<Watch>,
    tally: &mut Tally,
    outcome: &RunOutcome<T>,
    stage: FitStage,
) -> Result<bool, KMeansError> {
    tally.total_iterations += outcome.n_iter;
    // A stop asked for at this event is taken up by `stop_agreed`.
    let _ = watch.borrow_mut().emit(FitEvent::RunFinished {
        stage,
        n_iter: outcome.n_iter,
        inertia: outcome.inertia,
        stop_reason: outcome.stop,
    });
    Ok(outcome.stop == StopReason::Cancelled || ctx.stop_agreed()?)
}

/// `k + m` centroids: the current ones, plus one next to each of the `m` highest-error centroids
/// (skipping neighbours of those already chosen), offset by a small random vector.
fn breathe_in<T: Float, R: Rng + ?Sized>(
    part: Part<'_, '_, T>,
    run: &RunOutcome<T>,
    m: usize,
    rng: &mut R,
) -> Result<Vec<T>, KMeansError> {
    let rows = part.rows;
    let d = rows.n_features();
    let c = &run.centroids;
    let k = c.len() / d;
    // Each cluster's error Σ w·‖x − c‖² (the run's, from its inertia pass, unless the run was
    // rebuilt from a checkpoint) and weight, exactly, over every participant.
    let computed;
    let errors = match &run.errors {
        Some(errors) => errors,
        None => {
            computed = cluster_errors(part, c, &run.labels)?;
            &computed
        }
    };
    let mut weight = vec![0_i64; k];
    for (i, &l) in run.labels.iter().enumerate() {
        weight[l] += part.weight(i);
    }
    part.comm.sum_i64(&mut weight)?;
    let error: Vec<f64> = errors.exact.iter().map(|&e| e as f64 / errors.scale).collect();
    let order = sorted_by(&error, true);
    let chosen = pick_unfrozen(c, d, &order, m);
    let mut out = c.clone();
    for &j in &chosen {
        // Offset: a random direction scaled to a tenth of the cluster's RMS radius, so the new
        // centroid starts inside the cluster it is meant to split.
        let radius = (error[j] / weight[j].max(1) as f64).sqrt().max(f64::MIN_POSITIVE);
        let dir: Vec<f64> = (0..d).map(|_| rng.random::<f64>() - 0.5).collect();
        let norm = dir
            .iter()
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt()
            .max(f64::MIN_POSITIVE);
        for f in 0..d {
            out.push(T::from_f64_(
                c[j * d + f].to_f64_() + 0.1 * radius * dir[f] / norm,
            ));
        }
    }
    Ok(out)
}

/// What breathe-out leaves: the `k` centroids kept, and the pass over the rows that chose
/// them, as bounds for the run that starts from them.
struct Shrunk<T> {
    centroids: Vec<T>,
    /// The `k + m` centroids before (in f64), the rows' exact nearest among them (`labels`)
    /// and Hamerly's bounds from their distances to it and to the next nearest, which hold
    /// for the kept centroids too (removing centroids only raises the distance to the
    /// nearest other).
    before: Vec<f64>,
    labels: Vec<usize>,
    bounds: RowBounds,
    /// For each kept centroid, its index in `before`.
    source: Vec<usize>,
}

/// Buffers for breathe-out's labels and bounds (any length; resized to the rows).
type RowBuffers = (Vec<usize>, Vec<f64>, Vec<f64>);

/// `k` centroids: `centroids` (`k + m` of them) less the `m` of least utility, skipping
/// neighbours of those already removed.
fn breathe_out<T: Float>(
    part: Part<'_, '_, T>,
    centroids: &[T],
    m: usize,
    (mut labels, mut upper, mut lower): RowBuffers,
) -> Result<Shrunk<T>, KMeansError> {
    let rows = part.rows;
    let d = rows.n_features();
    let total = centroids.len() / d;
    let n = rows.n_rows();
    // Each centroid's utility Σ w·(second − best), exactly, over every participant.
    let scale = sq_scale(part, centroids);
    let mut exact_utility = vec![0_i128; total];
    labels.resize(n, 0);
    upper.resize(n, 0.0);
    lower.resize(n, 0.0);
    // Direct f64 distances to the nearest and second-nearest centroid: the same bits on every
    // machine, so the centroids removed, and the seeded result, do not depend on the CPU (the
    // kernel finds which centroids those are, exactly, at its full speed).
    nearest_two_sq(rows, centroids, &mut labels, &mut upper, &mut lower);
    for i in 0..n {
        let gap = (lower[i] - upper[i]).max(0.0);
        exact_utility[labels[i]] += quantize_sq(gap, scale) * i128::from(part.weight(i));
    }
    part.comm.sum_i128(&mut exact_utility)?;
    let utility: Vec<f64> = exact_utility.iter().map(|&u| u as f64).collect();
    let order = sorted_by(&utility, false);
    let removed = pick_unfrozen(centroids, d, &order, m);
    let source: Vec<usize> = (0..total).filter(|j| !removed.contains(j)).collect();
    let mut kept = Vec::with_capacity(source.len() * d);
    for &j in &source {
        kept.extend_from_slice(&centroids[j * d..(j + 1) * d]);
    }
    Ok(Shrunk {
        centroids: kept,
        before: centroids.iter().map(|v| v.to_f64_()).collect(),
        labels,
        bounds: RowBounds::from_squared(upper, lower),
        source,
    })
}

/// Indices sorted by value (descending or ascending), ties by index.
fn sorted_by(values: &[f64], descending: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        let o = values[a].total_cmp(&values[b]);
        (if descending { o.reverse() } else { o }).then(a.cmp(&b))
    });
    order
}

/// The first `m` indices of `order` that are not within `FREEZE ×` (their own nearest-neighbour
/// distance) of an index already picked. If freezing leaves fewer than `m`, the rest are taken
/// in order regardless.
fn pick_unfrozen<T: Float>(centroids: &[T], d: usize, order: &[usize], m: usize) -> Vec<usize> {
    let k = centroids.len() / d;
    let c = |j: usize| &centroids[j * d..(j + 1) * d];
    let mut frozen = vec![false; k];
    let mut picked = Vec::with_capacity(m);
    for &j in order {
        if picked.len() == m {
            break;
        }
        if frozen[j] {
            continue;
        }
        picked.push(j);
        let nn = (0..k)
            .filter(|&o| o != j)
            .map(|o| sq_dist_f64(c(j), c(o)))
            .fold(f64::INFINITY, f64::min);
        let radius_sq = FREEZE * FREEZE * nn;
        for o in 0..k {
            if sq_dist_f64(c(j), c(o)) <= radius_sq {
                frozen[o] = true;
            }
        }
    }
    for &j in order {
        if picked.len() == m {
            break;
        }
        if !picked.contains(&j) {
            picked.push(j);
        }
    }
    picked
}

#[cfg(test)]
mod tests {
    /// Breathe-out removes the centroids of least utility, with utilities from brute-force
    /// nearest and second-nearest distances, and its bounds hold.
    #[test]
    fn breathe_out_removes_the_least_useful_centroids() {
        use crate::assign::sq_scale;
        use crate::kernels::sq_dist_f64;
        use crate::part::{Solo, quantize_sq};
        let n = 20_000;
        let b = make_blobs::<f64>(n, 3, 12, 1.0, 4).unwrap();
        let rows = RowMajor::new(&b.data, 3).unwrap();
        let centroids = b.data[..14 * 3].to_vec();
        let solo = Solo::new(rows);
        let part = solo.part(rows);
        let (mut labels, mut best, mut second) = (vec![0; n], vec![0.0; n], vec![0.0; n]);
        for (i, row) in rows.rows().enumerate() {
            let sq: Vec<f64> = centroids.chunks(3).map(|c| sq_dist_f64(row, c)).collect();
            labels[i] = (0..14).min_by(|&a, &b| sq[a].total_cmp(&sq[b])).unwrap();
            best[i] = sq[labels[i]];
            second[i] = (0..14)
                .filter(|&o| o != labels[i])
                .map(|o| sq[o])
                .fold(f64::INFINITY, f64::min);
        }
        let scale = sq_scale(part, &centroids);
        let mut utility = vec![0_i128; 14];
        for i in 0..n {
            utility[labels[i]] += quantize_sq((second[i] - best[i]).max(0.0), scale);
        }
        let utility: Vec<f64> = utility.iter().map(|&u| u as f64).collect();
        let removed = super::pick_unfrozen(&centroids, 3, &super::sorted_by(&utility, false), 2);
        let expected: Vec<f64> = (0..14)
            .filter(|j| !removed.contains(j))
            .flat_map(|j| centroids[j * 3..(j + 1) * 3].to_vec())
            .collect();
        let shrunk = super::breathe_out(part, &centroids, 2, Default::default()).unwrap();
        assert_eq!(shrunk.centroids, expected);
        assert_eq!(shrunk.labels, labels);
        for i in 0..n {
            assert!(shrunk.bounds.upper[i] >= best[i].sqrt() && shrunk.bounds.lower[i] <= second[i].sqrt());
        }
    }

    use crate::algorithm::Algorithm;
    use crate::builder::KMeans;
    use crate::data::RowMajor;
    use crate::datasets::make_blobs;
    use crate::init::Init;
    use crate::refinement::Refine;

    #[test]
    fn never_worse_than_the_plain_fit_it_starts_from() {
        for seed in 0..6 {
            let b = make_blobs::<f64>(1500, 2, 15, 0.5, seed).unwrap();
            let rows = RowMajor::new(&b.data, 2).unwrap();
            for init in [Init::Random, Init::KMeansPlusPlus] {
                let km = KMeans::new(15)
                    .seed(seed)
                    .init(init)
                    .n_init(1)
                    .algorithm(Algorithm::Auto);
                let plain = km.clone().refine(Refine::None).fit(&rows).unwrap();
                for refine in [
                    Refine::Breathing { m: 1 },
                    Refine::Breathing { m: 2 },
                    Refine::breathing(),
                ] {
                    let refined = km.clone().refine(refine).fit(&rows).unwrap();
                    assert!(refined.inertia() <= plain.inertia(), "seed {seed}, {refine:?}");
                }
            }
        }
    }

    #[test]
    fn finds_the_clusters_a_bad_start_misses() {
        // Four tight pairs of far-apart groups; a start with two centroids in one group and none
        // in another is a local optimum for plain k-means.
        let mut data = Vec::new();
        for g in 0..4 {
            for i in 0..25 {
                data.push(g as f64 * 100.0 + (i % 5) as f64 * 0.1);
                data.push((i / 5) as f64 * 0.1);
            }
        }
        let start = vec![0.0, 0.0, 0.4, 0.4, 150.0, 0.0, 300.0, 0.0];
        let rows = RowMajor::new(&data, 2).unwrap();
        let km = KMeans::new(4).init(Init::Precomputed(start));
        let plain = km.clone().fit(&rows).unwrap();
        let refined = km.refine(Refine::breathing()).fit(&rows).unwrap();
        assert!(plain.inertia() > 10_000.0);
        let mut groups: Vec<i64> = refined
            .centroids()
            .chunks(2)
            .map(|c| (c[0] / 100.0).round() as i64)
            .collect();
        groups.sort_unstable();
        assert_eq!(groups, [0, 1, 2, 3]);
    }
}
