//! Simplified Yinyang k-means (Y. Ding et al., "Yinyang K-Means: A Drop-In Replacement of the
//! Classic K-Means with Consistent Speedup", ICML 2015), exact.
//!
//! The centroids are split once, at the start of a run, into `t ≈ k/10` groups of nearby
//! centroids (a few Lloyd steps over the initial centroids). Each row keeps an upper bound
//! `u(i)` on the distance to its centroid and, per group g, a lower bound `l(i, g)` on the
//! distance to every centroid of g other than its own. When the centroids move, `u(i)` grows by
//! its centroid's move and `l(i, g)` shrinks by the largest move in g. Then:
//!
//! * the **global filter** skips a row whose `u(i)` is below every group bound (and below half
//!   the gap from its centroid to the nearest other one, Hamerly's test);
//! * the **group filter** keeps, for a row that fails it, only the groups whose bound is not
//!   above `u(i)` (after tightening `u(i)` to the exact distance).
//!
//! The simplified variant drops the paper's per-centroid local filter: the surviving (row, group)
//! pairs are gathered per group and sent through the tiled kernel against that group's packed
//! centroids, which yields each group's nearest centroid and a bound on its runner-up. The
//! winners of a row's surviving groups are compared by direct f64 distances (lowest index on
//! ties), so the labels are exactly the direct f64 argmin, as in Lloyd; the sums are then taken
//! from the labels in the same chunked order, so the centroids match Lloyd's bit for bit.
//!
//! Bounds are true (not squared) distances, every update rounded outwards (relative slack
//! [`SLACK`]). The group bounds are stored in f32, rounded down, to halve their memory (`4·t`
//! bytes per row); rounding a lower bound down only makes it weaker.

use super::bounds::{BoundedStep, SLACK, centroid_drift, half_distance_to_nearest_other};
use crate::assign::assign_all;
use crate::comm::Comm;
use crate::data::RowMajor;
use crate::float::Float;
use crate::kernels::{self, GroupedCentroids, RowHit, sq_dist_f64};
use crate::parallel::{chunk_rows, map_ordered, worth_parallel};
use crate::part::Part;
use crate::sums::{FeatureRange, SumFrame};
use crate::update;

/// Centroids per group: the paper's `t = k / 10`.
const CENTROIDS_PER_GROUP: usize = 10;

/// Lloyd steps used to group the initial centroids (the paper uses five).
const GROUPING_ITERATIONS: usize = 5;

/// The number of groups for `k` centroids: `⌈k / 10⌉`.
pub(crate) fn n_groups(k: usize) -> usize {
    k.div_ceil(CENTROIDS_PER_GROUP).max(1)
}

/// Rounds a non-negative lower bound down to f32, branch-free so the per-row bound loop
/// vectorises: scaling by `1 − 2⁻²²` moves the value down by more than f32's half ulp, so rounding
/// to nearest cannot land above it; values too small for that (near f32's subnormals) become 0
/// and values past f32's range become `f32::MAX`, all still valid (weaker) lower bounds.
#[inline]
fn lower_to_f32(v: f64) -> f32 {
    let scaled = (v * (1.0 - 1.0 / (1u64 << 22) as f64)).min(f64::from(f32::MAX));
    (if v < 1e-37 { 0.0 } else { scaled }) as f32
}

/// Groups and per-row bounds, kept across the iterations of one run.
///
/// The group bounds are updated lazily: a row's bounds are stored as of the step `stamp[i]`,
/// and the drift accumulated since then (per group, [`YinyangBounds::cumulative_drift`]) is
/// subtracted only when the row fails the global test. Rows that pass it (nearly all of them
/// once the centroids settle) touch two numbers per step, as in Hamerly's algorithm.
#[derive(Debug, Clone)]
pub(crate) struct YinyangBounds {
    /// Centroid indices of each group, ascending (so ties inside a group go to the lowest
    /// index). Empty until the first step.
    members: Vec<Vec<usize>>,
    /// The group of each centroid.
    group_of: Vec<usize>,
    /// `u(i)`: an upper bound on the distance from row i to its centroid.
    upper: Vec<f64>,
    /// A lower bound on the distance from row i to every centroid other than its own (at most
    /// the smallest group bound).
    global: Vec<f64>,
    /// `l(i, g)`, row-major `n × t`, as of step `stamp[i]`: a lower bound on the distance from
    /// row i to every centroid of group g other than its own.
    lower: Vec<f32>,
    stamp: Vec<u32>,
    /// `(step + 1) × t`: per group, the sum of its largest centroid move over steps `1..=step`.
    cumulative_drift: Vec<f64>,
    /// Steps taken (0 is the first, full one).
    step: usize,
}

/// What one step shares across chunks.
struct StepContext<'a, T> {
    centroids: &'a [f64],
    group_of: &'a [usize],
    n_groups: usize,
    /// The centroids packed group by group for the kernel.
    grouped: GroupedCentroids<T>,
    /// `δⱼ` per centroid (empty on the first step).
    drift: Vec<f64>,
    /// The largest move of any centroid other than `j`, per centroid j.
    max_other_drift: Vec<f64>,
    /// Per group: the drift accumulated since each earlier step's bounds, as `now − then`
    /// plus a rounding allowance.
    cumulative_now: &'a [f64],
    cumulative: &'a [f64],
    /// Absolute allowance for the rounding of the cumulative sums.
    cumulative_slack: Vec<f64>,
    /// `s(j)`: half the distance to the nearest other centroid.
    half_gap: Vec<f64>,
    step: u32,
}

impl<T> StepContext<'_, T> {
    /// The group bounds of a row stored at step `stamp`, brought up to this step.
    #[inline]
    fn refresh(&self, bounds: &mut [f32], stamp: u32) -> f64 {
        let t = self.n_groups;
        let then = &self.cumulative[stamp as usize * t..(stamp as usize + 1) * t];
        let mut global = f64::INFINITY;
        for g in 0..t {
            let moved = self.cumulative_now[g] - then[g] + self.cumulative_slack[g];
            let v = lower_to_f32((f64::from(bounds[g]) - moved).max(0.0));
            bounds[g] = v;
            global = global.min(f64::from(v));
        }
        global
    }
}

impl YinyangBounds {
    /// The bounds of `n` rows against `k` centroids, or `None` when their `n × ⌈k/10⌉` group
    /// bounds cannot be held: the size overflows, or the allocator refuses it (tried here, so it
    /// cannot abort later). The caller then runs Hamerly's step, which gives the same result.
    pub(crate) fn try_new(n: usize, k: usize) -> Option<Self> {
        let n_lower = n.checked_mul(n_groups(k))?;
        // A chunk's transient buffers (`wanted`, the kernel's group bounds) add 9 bytes per
        // (row, group) pair of the chunk; refuse sizes whose total would overflow too.
        n_lower.checked_mul(4 + 9)?;
        let mut lower = Vec::new();
        lower.try_reserve_exact(n_lower).ok()?;
        Some(YinyangBounds {
            members: Vec::new(),
            group_of: Vec::new(),
            upper: vec![0.0; n],
            global: vec![0.0; n],
            lower,
            stamp: vec![0; n],
            cumulative_drift: Vec::new(),
            step: 0,
        })
    }

    /// One assignment step (see [`BoundedStep::step`]). Returns the number of (row, centroid)
    /// distances the kernel computed.
    fn grouped_step<T: Float>(
        &mut self,
        rows: RowMajor<'_, T>,
        centroids: &[f64],
        previous: &[f64],
        labels: &mut [usize],
    ) -> usize {
        let n = rows.n_rows();
        let d = rows.n_features();
        let k = centroids.len() / d;
        let first = self.members.is_empty();
        if first {
            self.members = group_centroids(centroids, d);
            self.group_of = vec![0; k];
            for (g, m) in self.members.iter().enumerate() {
                for &j in m {
                    self.group_of[j] = g;
                }
            }
            // Within the capacity reserved by `try_new` (at most ⌈k/10⌉ groups).
            self.lower.clear();
            self.lower.resize(n * self.members.len(), 0.0);
            self.cumulative_drift = vec![0.0; self.members.len()];
        } else {
            self.step += 1;
        }
        let t = self.members.len();
        let (drift, max_other_drift) = if first {
            (Vec::new(), Vec::new())
        } else {
            centroid_drift(centroids, previous, d)
        };
        if !first {
            for g in 0..t {
                let moved = self.members[g].iter().map(|&j| drift[j]).fold(0.0, f64::max);
                let total = self.cumulative_drift[(self.step - 1) * t + g] + moved;
                self.cumulative_drift.push(total);
            }
        }
        let step = self.step;
        let cumulative_now = &self.cumulative_drift[step * t..];
        // Each cumulative sum of `step` non-negative terms is within `step·ε/2` of exact
        // (relative to the larger, current one); so is the difference of two, up to `step·ε`.
        let cumulative_slack = cumulative_now
            .iter()
            .map(|&c| c * f64::EPSILON * (step + 2) as f64)
            .collect();
        let ctx = StepContext {
            centroids,
            group_of: &self.group_of,
            n_groups: t,
            grouped: GroupedCentroids::new(centroids, d, &self.members),
            drift,
            max_other_drift,
            cumulative_now,
            cumulative: &self.cumulative_drift,
            cumulative_slack,
            half_gap: half_distance_to_nearest_other(centroids, d),
            step: u32::try_from(step).expect("fewer than 2³² iterations"),
        };
        let chunk = chunk_rows(n, k, d);
        let tasks: Vec<_> = labels
            .chunks_mut(chunk)
            .zip(self.upper.chunks_mut(chunk))
            .zip(self.global.chunks_mut(chunk))
            .zip(self.lower.chunks_mut(chunk * t))
            .zip(self.stamp.chunks_mut(chunk))
            .enumerate()
            .collect();
        let pairs = map_ordered(
            tasks,
            worth_parallel(n * k * d),
            |(c, ((((labels, upper), global), lower), stamp))| {
                let part = rows.slice_rows(c * chunk, (c + 1) * chunk);
                let state = RowState {
                    labels,
                    upper,
                    global,
                    lower,
                    stamp,
                };
                chunk_step(part, state, &ctx, first)
            },
        );
        pairs.iter().sum()
    }
}

impl<T: Float> BoundedStep<T> for YinyangBounds {
    fn step(
        &mut self,
        rows: RowMajor<'_, T>,
        centroids: &[f64],
        previous: &[f64],
        labels: &mut [usize],
    ) -> usize {
        self.grouped_step(rows, centroids, previous, labels)
    }
}

/// One chunk's slices of the per-row state.
struct RowState<'a> {
    labels: &'a mut [usize],
    upper: &'a mut [f64],
    global: &'a mut [f64],
    lower: &'a mut [f32],
    stamp: &'a mut [u32],
}

/// The filters, the grouped kernel call and the bound updates for one chunk of rows.
fn chunk_step<T: Float>(
    part: RowMajor<'_, T>,
    state: RowState<'_>,
    ctx: &StepContext<'_, T>,
    first: bool,
) -> usize {
    let RowState {
        labels,
        upper,
        global,
        lower,
        stamp,
    } = state;
    let d = part.n_features();
    let t = ctx.n_groups;
    let n = part.n_rows();
    // Rows whose label is in doubt, and per such row and group whether the group survived.
    let mut pending: Vec<usize> = Vec::new();
    let mut wanted: Vec<bool> = Vec::new();
    // The exact squared distance of each pending row to its old centroid.
    let mut old_sq: Vec<f64> = Vec::new();
    if first {
        pending.extend(0..n);
        wanted.resize(n * t, true);
    } else {
        for i in 0..n {
            let a = labels[i];
            let u = upper[i] + ctx.drift[a];
            global[i] = (global[i] - ctx.max_other_drift[a]).max(0.0);
            let bound = ctx.half_gap[a].max(global[i]);
            if u * (1.0 + SLACK) < bound {
                upper[i] = u;
                continue;
            }
            // Tighten u(i) to the exact distance and test again; then bring the group bounds up
            // to this step and test with their minimum.
            let u_sq = sq_dist_f64(part.row(i), &ctx.centroids[a * d..(a + 1) * d]);
            let u = u_sq.sqrt() * (1.0 + SLACK);
            upper[i] = u;
            if u * (1.0 + SLACK) < bound {
                continue;
            }
            let bounds = &mut lower[i * t..(i + 1) * t];
            global[i] = ctx.refresh(bounds, stamp[i]);
            stamp[i] = ctx.step;
            if u * (1.0 + SLACK) < ctx.half_gap[a].max(global[i]) {
                continue;
            }
            pending.push(i);
            old_sq.push(u_sq);
            wanted.extend(bounds.iter().map(|&l| u * (1.0 + SLACK) >= f64::from(l)));
        }
    }
    if pending.is_empty() {
        return 0;
    }

    let mut hits = vec![RowHit::default(); pending.len()];
    let mut group_lower_sq = vec![0.0; pending.len() * t];
    let mut scratch = ctx.grouped.scratch();
    let scored = kernels::assign_groups(
        part,
        &pending,
        &ctx.grouped,
        &wanted,
        &mut scratch,
        &mut hits,
        &mut group_lower_sq,
    );

    // Per row: the nearest centroid of the surviving groups, against the old centroid when its
    // group did not survive; then the new bounds.
    for (p, &i) in pending.iter().enumerate() {
        let row_wanted = &wanted[p * t..(p + 1) * t];
        let hit = hits[p];
        let bounds = &mut lower[i * t..(i + 1) * t];
        for g in (0..t).filter(|&g| row_wanted[g]) {
            bounds[g] = lower_to_f32(group_lower_sq[p * t + g].sqrt() * (1.0 - SLACK));
        }
        let (mut label, mut dist_sq) = (hit.centroid, hit.upper_sq);
        if let Some(a) = (!first).then(|| labels[i])
            && !row_wanted[ctx.group_of[a]]
        {
            // The kernel's bounds enclose the direct f64 distance; compare exactly only when
            // they do not decide (lowest index on ties).
            let old = old_sq[p];
            let hit_wins = if hit.upper_sq < old {
                true
            } else if hit.lower_sq > old {
                false
            } else {
                let exact = sq_dist_f64(
                    part.row(i),
                    &ctx.centroids[hit.centroid * d..(hit.centroid + 1) * d],
                );
                dist_sq = exact;
                exact < old || (exact == old && hit.centroid < a)
            };
            // The loser joins the other centroids of its group.
            if hit_wins {
                let g = ctx.group_of[a];
                bounds[g] = bounds[g].min(lower_to_f32(old.sqrt() * (1.0 - SLACK)));
            } else {
                let g = ctx.group_of[hit.centroid];
                let hit_lower = hit.lower_sq.min(dist_sq);
                bounds[g] = bounds[g].min(lower_to_f32(hit_lower.sqrt() * (1.0 - SLACK)));
                (label, dist_sq) = (a, old);
            }
        }
        labels[i] = label;
        upper[i] = dist_sq.sqrt() * (1.0 + SLACK);
        global[i] = smallest(bounds);
    }
    scored
}

/// The smallest group bound of a row: a bound on every centroid but its own.
fn smallest(bounds: &[f32]) -> f64 {
    f64::from(bounds.iter().copied().fold(f32::INFINITY, f32::min))
}

/// Splits the centroids into `⌈k/10⌉` groups of nearby ones by a few Lloyd steps over the
/// centroids themselves, started from evenly spaced ones (deterministic, no randomness), without
/// re-entering the run loop. Groups left empty (coinciding centroids) are dropped.
fn group_centroids(centroids: &[f64], d: usize) -> Vec<Vec<usize>> {
    let k = centroids.len() / d;
    let t = n_groups(k);
    if t == 1 {
        return vec![(0..k).collect()];
    }
    let rows = RowMajor::new(centroids, d).expect("whole rows of d features");
    let mut means: Vec<f64> = (0..t)
        .flat_map(|g| {
            let j = g * k / t;
            centroids[j * d..(j + 1) * d].iter().copied()
        })
        .collect();
    // A few plain Lloyd iterations over the centroids, with the run loop's stopping rule (and
    // its final re-assignment unless the labels settled exactly): the groups are the labels.
    let range = FeatureRange::of(rows);
    let frame = SumFrame::from_range(&range);
    let comm = Comm::solo();
    // The centroids are the same on every participant: their grouping is never exchanged.
    let part = Part {
        rows,
        weights: None,
        weight_scale: 1.0,
        first_row: 0,
        n_total: k,
        range: &range,
        comm: &comm,
    };
    let mut next = means.clone();
    let (mut labels, mut labels_old, mut upper) = (vec![usize::MAX; k], vec![usize::MAX; k], vec![0.0; k]);
    let mut settled = false;
    for _ in 0..GROUPING_ITERATIONS {
        let mut acc = assign_all(rows, &means, &mut labels, &mut upper, None, Some((&frame, None)));
        let shift = update::next_centroids(part, &labels, &means, &mut acc, &frame, &mut next)
            .expect("a single process exchanges nothing");
        std::mem::swap(&mut means, &mut next);
        if labels == labels_old {
            settled = shift == 0.0;
            break;
        }
        if shift <= 0.0 {
            break;
        }
        labels_old.copy_from_slice(&labels);
    }
    if !settled {
        assign_all(rows, &means, &mut labels, &mut upper, None, None);
    }
    let mut members = vec![Vec::new(); t];
    for (j, &g) in labels.iter().enumerate() {
        members[g].push(j);
    }
    members.retain(|m| !m.is_empty());
    members
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_that_cannot_be_held_are_refused_not_aborted() {
        assert!(YinyangBounds::try_new(usize::MAX / 2, 1000).is_none());
        // 2⁴⁰ rows × 104858 groups × 4 bytes ≈ 4.6e17 bytes: the allocator refuses.
        assert!(YinyangBounds::try_new(1 << 40, 1 << 20).is_none());
        assert!(YinyangBounds::try_new(1000, 50).is_some());
    }

    #[test]
    fn lower_bounds_round_down() {
        for v in [0.0, 1e-300, 0.1, 1.0 / 3.0, 12345.678, 1e39, f64::INFINITY] {
            let f = lower_to_f32(v);
            assert!(f64::from(f) <= v, "{v} -> {f}");
        }
        assert_eq!(lower_to_f32(1e39), f32::MAX);
        assert_eq!(lower_to_f32(f64::INFINITY), f32::MAX);
        // Exhaustive near f32 grid points and midpoints: never above, at most 2⁻²¹ below.
        let mut x = 1e-30_f64;
        while x < 1e30 {
            for v in [x, f64::from(x as f32), f64::from(x as f32) * (1.0 + 1e-9)] {
                let f = f64::from(lower_to_f32(v));
                assert!(
                    f <= v && f >= v * (1.0 - 1.0 / f64::from(1u32 << 21)),
                    "{v} -> {f}"
                );
            }
            x *= 1.37;
        }
    }

    #[test]
    fn groups_cover_every_centroid_once() {
        let k = 37;
        let centroids: Vec<f64> = (0..k * 3).map(|v| ((v * 7919) % 101) as f64).collect();
        let groups = group_centroids(&centroids, 3);
        assert!(groups.len() <= n_groups(k));
        let mut all: Vec<usize> = groups.concat();
        all.sort_unstable();
        assert_eq!(all, (0..k).collect::<Vec<_>>());
        assert!(groups.iter().all(|g| g.windows(2).all(|w| w[0] < w[1])));
    }
}
