//! One mini-batch step, shared by [`MiniBatchKMeans::fit`](super::MiniBatchKMeans::fit) and the
//! stream ([`MiniBatchState`](super::MiniBatchState)): the batch's assignment through the tile
//! kernel, the per-centre learning-rate update, and the reassignment of rarely used centres.
//! Everything after the assignment is serial, in row order, so a step's bits depend on the
//! batch and the centres only, never on the thread count.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, RngExt, SeedableRng};

use crate::assign::assign_all;
use crate::checkpoint::fingerprint;
use crate::data::RowMajor;
use crate::float::Float;
use crate::kernels::sq_dist_f64;
use crate::parallel::{CHUNK_ALIGN, map_ordered, worth_parallel};

/// Reassignment is considered every `REASSIGN_EVERY × k` rows (scikit-learn's rule), or at the
/// next step after a centre's count is 0.
pub(crate) const REASSIGN_EVERY: usize = 10;

/// Stream tags of the RNGs derived from the seed (each a separate Xoshiro256++ stream, seeded
/// from `fingerprint(seed, tag, index)`, so that no stream's draws shift another's and no RNG
/// state needs to be stored).
pub(crate) const TAG_INIT: u64 = 1;
pub(crate) const TAG_ORDER: u64 = 2;
pub(crate) const TAG_STEP: u64 = 3;

/// The RNG of stream `tag`, number `index`, for `seed`.
pub(crate) fn rng_for(seed: u64, tag: u64, index: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(fingerprint([seed, tag, index]))
}

/// Rows per task of a batch's assignment: a batch (1024 rows by default) is below the chunk
/// grid's smallest chunk, so it is cut here, into whole tiles, to use more than one core.
const BATCH_TASK_ROWS: usize = 4 * CHUNK_ALIGN;

/// The labels of a batch under `centres`, through the tile kernel, in tasks of
/// [`BATCH_TASK_ROWS`] rows run in parallel when worth it. Labels are certified argmins, so
/// they do not depend on the cut.
fn assign_batch<T: Float>(batch: RowMajor<'_, T>, centres: &[f64]) -> Vec<usize> {
    let b = batch.n_rows();
    let d = batch.n_features();
    let k = centres.len() / d.max(1);
    let tasks: Vec<usize> = (0..b.div_ceil(BATCH_TASK_ROWS)).collect();
    let parts = map_ordered(tasks, worth_parallel(b * k * d), |t| {
        let part = batch.slice_rows(t * BATCH_TASK_ROWS, (t + 1) * BATCH_TASK_ROWS);
        let mut labels = vec![0usize; part.n_rows()];
        let mut upper = vec![0.0f64; part.n_rows()];
        assign_all(part, centres, &mut labels, &mut upper, None, None);
        labels
    });
    parts.concat()
}

/// The learning state: centres (f64 during training, rounded to `T` for a model), their
/// accumulated weights (scikit-learn's `_counts`, whose inverse is each centre's learning
/// rate) and the reassignment clock.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Learner {
    pub k: usize,
    pub n_features: usize,
    pub centres: Vec<f64>,
    pub counts: Vec<f64>,
    /// Rows seen since the last reassignment test.
    pub since_reassign: u64,
    /// Steps done (batches of positive weight): indexes the per-step RNG.
    pub n_steps: u64,
}

/// What one step measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepOutcome {
    /// `Σ wᵢ ‖xᵢ − c_{label(i)}‖²` over the batch, against the centres before the update.
    pub batch_inertia: f64,
    /// The batch's total weight.
    pub batch_weight: f64,
    /// `Σⱼ ‖cⱼ' − cⱼ‖²`: how far the update moved the centres (reassignments not counted,
    /// as scikit-learn).
    pub sq_shift: f64,
}

impl Learner {
    /// A learner starting from `centres` (`k × n_features`), every count 0.
    pub(crate) fn new<T: Float>(centres: &[T], k: usize, n_features: usize) -> Self {
        Learner {
            k,
            n_features,
            centres: centres.iter().map(|v| v.to_f64_()).collect(),
            counts: vec![0.0; k],
            since_reassign: 0,
            n_steps: 0,
        }
    }

    /// One step over `batch` (validated, at least one row of positive weight): assignment,
    /// centre update `cⱼ ← (cⱼ·Wⱼ + Σ wᵢxᵢ) / (Wⱼ + Σ wᵢ)`, `Wⱼ += Σ wᵢ`, then the
    /// reassignment of low-count centres when it is due and `reassignment_ratio > 0`.
    pub(crate) fn step<T: Float>(
        &mut self,
        batch: RowMajor<'_, T>,
        weights: Option<&[f64]>,
        reassignment_ratio: f64,
        seed: u64,
    ) -> StepOutcome {
        let (k, d) = (self.k, self.n_features);
        let b = batch.n_rows();
        let labels = assign_batch(batch, &self.centres);
        // Exact distances (the kernel's are bounds), the batch sums and weights, in row order.
        let mut dist = vec![0.0f64; b];
        let mut sums = vec![0.0f64; k * d];
        let mut batch_w = vec![0.0f64; k];
        let (mut batch_inertia, mut batch_weight) = (0.0, 0.0);
        for (i, row) in batch.rows().enumerate() {
            let w = weights.map_or(1.0, |w| w[i]);
            let l = labels[i];
            dist[i] = sq_dist_f64(row, &self.centres[l * d..(l + 1) * d]);
            if w == 0.0 {
                continue;
            }
            batch_inertia += w * dist[i];
            batch_weight += w;
            batch_w[l] += w;
            for (s, &v) in sums[l * d..(l + 1) * d].iter_mut().zip(row) {
                *s += w * v.to_f64_();
            }
        }
        let mut sq_shift = 0.0;
        for j in 0..k {
            if batch_w[j] == 0.0 {
                continue;
            }
            let old = self.counts[j];
            let new = old + batch_w[j];
            for f in 0..d {
                let c = &mut self.centres[j * d + f];
                let moved = (*c * old + sums[j * d + f]) / new;
                sq_shift += (moved - *c) * (moved - *c);
                *c = moved;
            }
            self.counts[j] = new;
        }
        self.since_reassign += b as u64;
        let due = self.counts.contains(&0.0) || self.since_reassign >= (REASSIGN_EVERY * k) as u64;
        if reassignment_ratio > 0.0 && due {
            self.since_reassign = 0;
            let mut rng = rng_for(seed, TAG_STEP, self.n_steps);
            self.reassign(batch, weights, &mut dist, reassignment_ratio, &mut rng);
        }
        self.n_steps += 1;
        StepOutcome {
            batch_inertia,
            batch_weight,
            sq_shift,
        }
    }

    /// scikit-learn's reassignment, with its failure fixed: the centres whose count is below
    /// `ratio × the largest count` (at most half the batch's rows of them, the lowest counts
    /// first) move to rows of the batch drawn by k-means++'s rule (probability ∝ `w · D²`,
    /// `D` the distance to the nearest centre, updated after every draw) instead of uniformly.
    /// A row at distance 0 from a centre is never drawn, so no two centres are put on the same
    /// point and no centre lands on another; when fewer rows qualify, fewer centres move. A
    /// moved centre's count becomes the smallest count of the centres kept, so that it is not
    /// moved again at once (scikit-learn's rule).
    fn reassign<T: Float, R: Rng>(
        &mut self,
        batch: RowMajor<'_, T>,
        weights: Option<&[f64]>,
        dist: &mut [f64],
        ratio: f64,
        rng: &mut R,
    ) {
        let (k, d) = (self.k, self.n_features);
        let max_count = self.counts.iter().copied().fold(0.0, f64::max);
        let threshold = ratio * max_count;
        let mut low: Vec<usize> = (0..k).filter(|&j| self.counts[j] < threshold).collect();
        if low.is_empty() {
            return;
        }
        // At most half the batch, lowest counts first (then lowest index).
        low.sort_by(|&a, &b| self.counts[a].total_cmp(&self.counts[b]).then(a.cmp(&b)));
        low.truncate((batch.n_rows() / 2).max(1));
        let kept_min = (0..k)
            .filter(|j| !low.contains(j))
            .map(|j| self.counts[j])
            .fold(f64::INFINITY, f64::min);
        // The batch's distances are to the centres before the update: bring them to the
        // updated centres (exact, so rows on a centre have D = 0).
        for (i, row) in batch.rows().enumerate() {
            dist[i] = self
                .centres
                .chunks_exact(d)
                .map(|c| sq_dist_f64(row, c))
                .fold(f64::INFINITY, f64::min);
        }
        let w_of = |i: usize| weights.map_or(1.0, |w| w[i]);
        let mut moved = Vec::with_capacity(low.len());
        for &j in &low {
            let total: f64 = (0..batch.n_rows()).map(|i| w_of(i) * dist[i]).sum();
            if total <= 0.0 {
                break; // every row sits on a centre: no distinct point left to move to
            }
            let target = rng.random::<f64>() * total;
            let mut acc = 0.0;
            let mut pick = None;
            for i in 0..batch.n_rows() {
                let p = w_of(i) * dist[i];
                if p > 0.0 {
                    acc += p;
                    pick = Some(i);
                    if acc > target {
                        break;
                    }
                }
            }
            let Some(i) = pick else { break };
            let row = batch.row(i);
            for f in 0..d {
                self.centres[j * d + f] = row[f].to_f64_();
            }
            for (r, other) in batch.rows().enumerate() {
                dist[r] = dist[r].min(sq_dist_f64(other, row));
            }
            moved.push(j);
        }
        if kept_min.is_finite() {
            for &j in &moved {
                self.counts[j] = kept_min;
            }
        }
    }
}
