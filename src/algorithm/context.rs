//! The fit context: one value carried through a fit, from the builder's validation down to every
//! run and refinement step.

use std::ops::ControlFlow;

use super::{Algorithm, RunState};
use crate::comm::Comm;
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::parallel::{chunk_rows, map_ordered, worth_parallel};
use crate::part::{Part, scale_within};
use crate::sums::{FeatureRange, SumFrame};

/// What every run of one fit shares, built once after validation.
///
/// Every function below the builder takes it by reference, so a new concern (an observer, a
/// cancellation flag, explicit parallelism) becomes a field here rather than a new parameter of
/// every signature. It holds this participant's place among all the rows (its first row's
/// global index, the quantized weights, the exchange with the other participants); a
/// single-process fit is the one-participant case.
#[derive(Debug)]
pub(crate) struct FitContext<'c, 'h> {
    /// Iterations per run at most (≥ 1).
    pub max_iter: usize,
    /// Absolute tolerance on the total squared centroid shift of an iteration.
    pub tol: f64,
    /// Which exact algorithm assigns the rows.
    pub algorithm: Algorithm,
    /// The fixed-point frame of the data's cluster sums (it depends on the data's range only,
    /// so every run and refinement step of the fit, and every participant, shares it).
    pub frame: SumFrame,
    /// The range of every weighted row, over all participants.
    pub range: FeatureRange,
    /// Quantized weight per local row (`None`: every row weighs 1).
    pub weights: Option<Vec<i64>>,
    /// Quantized weight per unit of weight (a power of two; 1 without weights).
    pub weight_scale: f64,
    /// The global index of this participant's first row.
    pub first_row: usize,
    /// Rows over all participants.
    pub n_total: usize,
    /// The exchange with the other participants.
    pub comm: Comm<'c>,
    /// Called by every run at the end of every iteration, and asked whether a stop is
    /// pending (`None`: nothing is called, nothing is copied).
    pub hook: Option<Hook<'h>>,
}

/// What a run tells the fit's hook.
pub(crate) enum Signal<'a> {
    /// An iteration ended with the run in `state`; `continues`: the run goes on from it (a
    /// checkpoint boundary).
    Iteration {
        state: &'a RunState,
        /// The update's total squared centroid shift.
        shift_squared: f64,
        /// Rows whose label changed, over every participant.
        rows_changed: u64,
        continues: bool,
    },
    /// No news: is a stop pending (the observer asked for one, or the token was cancelled)?
    Poll,
}

/// What a run calls at each iteration boundary, with its state there: the fit's checkpoints
/// and its observer (the builder's closure adds the fit-level phase it tracks). It answers
/// `Break` when a stop is pending; an error from it ends the fit.
#[derive(Clone, Copy)]
pub(crate) struct Hook<'h>(pub &'h dyn Fn(Signal<'_>) -> Result<ControlFlow<()>, KMeansError>);

impl std::fmt::Debug for Hook<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hook")
    }
}

/// The facts about all the rows that the context is built from (merged over participants by
/// the builder).
#[derive(Debug)]
pub(crate) struct Facts<'c> {
    pub weights: Option<Vec<i64>>,
    pub weight_scale: f64,
    pub first_row: usize,
    pub n_total: usize,
    pub comm: Comm<'c>,
}

impl Facts<'static> {
    /// The facts of a single process holding all `n` rows, unweighted (for tests).
    #[cfg(test)]
    pub(crate) fn solo(n: usize) -> Self {
        Facts {
            weights: None,
            weight_scale: 1.0,
            first_row: 0,
            n_total: n,
            comm: Comm::solo(),
        }
    }
}

impl<'c, 'h> FitContext<'c, 'h> {
    /// The context for fitting validated `rows` (this participant's): `relative_tolerance`
    /// (finite, ≥ 0) is scaled by the data's mean per-feature variance (weighted, exact), as
    /// scikit-learn does.
    pub(crate) fn new<T: Float>(
        rows: RowMajor<'_, T>,
        max_iter: usize,
        relative_tolerance: f64,
        algorithm: Algorithm,
        facts: Facts<'c>,
    ) -> Result<Self, KMeansError> {
        let range = FeatureRange::of_weighted(rows, facts.weights.as_deref());
        let (lo, hi) = range.bounds();
        let (mut lo, mut hi) = (lo.to_vec(), hi.to_vec());
        facts.comm.min_f64(&mut lo)?;
        facts.comm.max_f64(&mut hi)?;
        let range = FeatureRange::from_bounds(lo, hi);
        let mut ctx = FitContext {
            max_iter,
            tol: 0.0,
            algorithm,
            frame: SumFrame::from_range(&range),
            range,
            weights: facts.weights,
            weight_scale: facts.weight_scale,
            first_row: facts.first_row,
            n_total: facts.n_total,
            comm: facts.comm,
            hook: None,
        };
        if relative_tolerance != 0.0 {
            ctx.tol = relative_tolerance * mean_feature_variance(ctx.part(rows))?;
        }
        Ok(ctx)
    }

    /// Passes `signal` to the hook, if there is one; `Break`: a stop is pending.
    pub(crate) fn signal(&self, signal: Signal<'_>) -> Result<ControlFlow<()>, KMeansError> {
        match self.hook {
            Some(Hook(hook)) => hook(signal),
            None => Ok(ControlFlow::Continue(())),
        }
    }

    /// Whether this participant has a stop pending, as a vote for an exchange (`false` without
    /// a hook).
    pub(crate) fn stop_vote(&self) -> Result<bool, KMeansError> {
        Ok(self.signal(Signal::Poll)?.is_break())
    }

    /// Whether the fit stops here: this participant's pending stop, or over partitions any
    /// participant's (one round of one word, made by every participant at the same point: after
    /// each run). A single process exchanges nothing.
    pub(crate) fn stop_agreed(&self) -> Result<bool, KMeansError> {
        let mine = self.stop_vote()?;
        if self.comm.size() == 1 {
            return Ok(mine);
        }
        let mut votes = [i64::from(mine)];
        self.comm.sum_i64(&mut votes)?;
        Ok(votes[0] > 0)
    }

    /// This participant's view of the data set, for its `rows`.
    pub(crate) fn part<'p, T>(&'p self, rows: RowMajor<'p, T>) -> Part<'p, 'c, T> {
        Part {
            rows,
            weights: self.weights.as_deref(),
            weight_scale: self.weight_scale,
            first_row: self.first_row,
            n_total: self.n_total,
            range: &self.range,
            comm: &self.comm,
        }
    }
}

/// Rows summed in i64 before the partial sums move to i128: each term is below 2³⁰ in
/// magnitude, so 2²⁰ rows stay far within i64.
const MOMENT_BLOCK: usize = 1 << 20;

/// `[Σv, Σv², n]` of `rows` (every row of weight 1). Each v² is split as
/// `(a·2¹⁵ + b)² = a²·2³⁰ + 2ab·2¹⁵ + b²` with `b = v mod 2¹⁵`, so its three parts (each below
/// 2³⁰) add up in i64 over a block of rows, where 128-bit adds would not vectorise.
fn unweighted_moments<T: Float>(rows: RowMajor<'_, T>, mid: &[f64], scale: &[f64]) -> Vec<i128> {
    let d = rows.n_features();
    let mut sums = vec![0_i128; 2 * d + 1];
    let mut block = vec![0_i64; 4 * d];
    let n = rows.n_rows();
    let mut start = 0;
    while start < n {
        let end = (start + MOMENT_BLOCK).min(n);
        block.fill(0);
        let (linear, rest) = block.split_at_mut(d);
        let (high, rest) = rest.split_at_mut(d);
        let (cross, low) = rest.split_at_mut(d);
        for row in rows.slice_rows(start, end).rows() {
            for (f, &x) in row.iter().enumerate() {
                let v = SumFrame::quantize(x.to_f64_() - mid[f], scale[f]);
                let (a, b) = (v >> 15, v & 0x7fff);
                linear[f] += v;
                high[f] += a * a;
                cross[f] += a * b;
                low[f] += b * b;
            }
        }
        for f in 0..d {
            sums[f] += i128::from(linear[f]);
            sums[d + f] += (i128::from(high[f]) << 30) + (i128::from(cross[f]) << 16) + i128::from(low[f]);
        }
        start = end;
    }
    sums[2 * d] = n as i128;
    sums
}

/// `[Σw·v, Σw·v², Σw]` of `rows` with quantized weights `weights`.
fn weighted_moments<T: Float>(
    rows: RowMajor<'_, T>,
    weights: &[i64],
    mid: &[f64],
    scale: &[f64],
) -> Vec<i128> {
    let d = rows.n_features();
    let mut sums = vec![0_i128; 2 * d + 1];
    for (row, &w) in rows.rows().zip(weights) {
        if w == 0 {
            continue;
        }
        let w = i128::from(w);
        for (f, &x) in row.iter().enumerate() {
            let v = SumFrame::quantize(x.to_f64_() - mid[f], scale[f]);
            sums[f] += w * i128::from(v);
            sums[d + f] += w * i128::from(v * v);
        }
        sums[2 * d] += w;
    }
    sums
}

/// Mean over features of each feature's (weighted) population variance, numpy's
/// `var(X, axis=0).mean()` without weights, from exact sums: each value, centred on its
/// feature's mid-range, is rounded to a fixed-point integer as the cluster sums are
/// (`SumFrame::quantize`, ties to even; within 2³⁰, a relative grid of 2⁻³⁰ of the
/// half-range), and Σw·v, Σw·v² and Σw are summed in integers over every participant. Only the final combination is in f64.
fn mean_feature_variance<T: Float>(part: Part<'_, '_, T>) -> Result<f64, KMeansError> {
    let rows = part.rows;
    let d = rows.n_features();
    let (lo, hi) = part.range.bounds();
    let mid: Vec<f64> = (0..d)
        .map(|f| {
            if hi[f] >= lo[f] {
                0.5 * (lo[f] + hi[f])
            } else {
                0.0
            }
        })
        .collect();
    let scale: Vec<f64> = (0..d)
        .map(|f| {
            if hi[f] > lo[f] {
                scale_within(0.5 * (hi[f] - lo[f]) * (1.0 + 1e-9), 30)
            } else {
                1.0
            }
        })
        .collect();
    // [Σw·v per feature, Σw·v² per feature, Σw], exact integers: the same whatever the chunks
    // and threads. |v| ≤ 2³⁰, so v² fits an i64 and only the sums need i128.
    let n = rows.n_rows();
    let chunk = chunk_rows(n, 1, d);
    let weights = part.weights;
    let partials = map_ordered(
        (0..n.div_ceil(chunk)).collect(),
        worth_parallel(n * d),
        |c: usize| {
            let first = c * chunk;
            let rows = rows.slice_rows(first, first + chunk);
            match weights {
                None => unweighted_moments(rows, &mid, &scale),
                Some(w) => weighted_moments(rows, &w[first..first + rows.n_rows()], &mid, &scale),
            }
        },
    );
    let mut sums = vec![0_i128; 2 * d + 1];
    for partial in partials {
        for (s, p) in sums.iter_mut().zip(partial) {
            *s += p;
        }
    }
    part.comm.sum_i128(&mut sums)?;
    let total = sums[2 * d] as f64;
    let mut variance = 0.0;
    for f in 0..d {
        let mean = sums[f] as f64 / total;
        let var = (sums[d + f] as f64 / total - mean * mean).max(0.0);
        variance += var / (scale[f] * scale[f]);
    }
    Ok(variance / d as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `[Σv, Σv², n]` the plain way: each v² in i128.
    fn moments_by_definition(data: &[f64], d: usize, mid: &[f64], scale: &[f64]) -> Vec<i128> {
        let mut sums = vec![0_i128; 2 * d + 1];
        for row in data.chunks(d) {
            for f in 0..d {
                let v = i128::from(SumFrame::quantize(row[f] - mid[f], scale[f]));
                sums[f] += v;
                sums[d + f] += v * v;
            }
            sums[2 * d] += 1;
        }
        sums
    }

    #[test]
    fn split_squares_sum_to_the_squares_and_weights_of_one_change_nothing() {
        let d = 3;
        // Values spanning the whole grid, both signs, the extremes ±2³⁰ and ties at .5.
        let mut data = vec![-1.0, 1.0, 0.0, 1.0, -1.0, 0.5, 0.25, 0.75, -0.375];
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            data.push((x >> 11) as f64 / (1_u64 << 52) as f64 - 1.0);
        }
        let n = data.len() / d;
        let rows = RowMajor::new(&data, d).unwrap();
        let (mid, scale) = (vec![0.0; d], vec![(1 << 30) as f64; d]);
        assert_eq!(SumFrame::quantize(-1.0, scale[0]), -(1 << 30));
        assert_eq!(SumFrame::quantize(2.5, 1.0), 2, "ties go to even");
        let expected = moments_by_definition(&data, d, &mid, &scale);
        assert_eq!(unweighted_moments(rows, &mid, &scale), expected);
        assert_eq!(weighted_moments(rows, &vec![1; n], &mid, &scale), expected);
        // Weight 3 counts a row three times; weight 0 drops it.
        let mut weights = vec![1; n];
        weights[0] = 3;
        weights[1] = 0;
        let mut tripled = data.clone();
        tripled.extend_from_slice(&data[..d]);
        tripled.extend_from_slice(&data[..d]);
        tripled.drain(d..2 * d);
        assert_eq!(
            weighted_moments(rows, &weights, &mid, &scale),
            moments_by_definition(&tripled, d, &mid, &scale)
        );
    }
}
