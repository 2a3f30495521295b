//! The tiled kernel against groups of centroids, for Yinyang k-means.
//!
//! The centroids are packed in group order, each group padded to whole blocks of [`MC`], so a
//! group is a contiguous range of blocks. A tile of rows is packed once and then run through the
//! micro-kernel against every group that at least one of its rows needs: packing (which costs
//! about as much as a whole group's dot products) is shared by all the groups of a row, and
//! each group yields its own nearest centroid and runner-up bound, certified like [`assign`]'s.
//!
//! [`assign`]: super::certify::assign

use core::ops::Range;

use super::backend::{Isa, Kernel};
use super::certify::certifies;
use super::direct::sq_dist_f64;
use super::pack::pack_tile;
use super::prepared::{Prepared, Scratch};
use super::{MC, TILE_ROWS, tile};
use crate::data::RowMajor;
use crate::float::Float;

/// Centroids packed group by group.
#[derive(Debug, Clone)]
pub(crate) struct GroupedCentroids<T> {
    prep: Prepared<T>,
    /// Per group: its range of blocks in `prep`.
    blocks: Vec<Range<usize>>,
    /// Per group: the centroid index of each real (non-padding) slot, in slot order.
    members: Vec<Vec<usize>>,
    /// The real centroids of each group, row-major f64, for the direct re-check.
    member_centroids: Vec<Vec<f64>>,
}

impl<T: Float> GroupedCentroids<T> {
    /// Packs `centroids` (`k × n_features`, f64) for the groups `members` (centroid indices,
    /// ascending within each group).
    pub(crate) fn new(centroids: &[f64], n_features: usize, members: &[Vec<usize>]) -> Self {
        let d = n_features;
        let mut slots: Vec<f64> = Vec::new();
        let mut padding: Vec<usize> = Vec::new();
        let mut blocks = Vec::with_capacity(members.len());
        for group in members {
            let first_block = slots.len() / d / MC;
            for &j in group {
                slots.extend_from_slice(&centroids[j * d..(j + 1) * d]);
            }
            // Pad with copies of the group's first centroid (finite, so the packing's checks
            // hold); their half norms are set to +∞ below, so they never score.
            while !(slots.len() / d).is_multiple_of(MC) {
                padding.push(slots.len() / d);
                slots.extend_from_slice(&centroids[group[0] * d..(group[0] + 1) * d]);
            }
            blocks.push(first_block..slots.len() / d / MC);
        }
        let mut prep = Prepared::packed(&slots, d);
        for p in padding {
            prep.half_norms[p] = T::infinity();
        }
        let member_centroids = members
            .iter()
            .map(|g| {
                g.iter()
                    .flat_map(|&j| &centroids[j * d..(j + 1) * d])
                    .copied()
                    .collect()
            })
            .collect();
        GroupedCentroids {
            prep,
            blocks,
            members: members.to_vec(),
            member_centroids,
        }
    }

    /// The number of groups.
    pub(crate) fn n_groups(&self) -> usize {
        self.blocks.len()
    }
}

/// Scratch space for [`assign_groups`].
#[derive(Debug)]
pub(crate) struct GroupScratch<T> {
    tile: Scratch<T>,
    /// Per tile row and group: the group's best two scores.
    best: Vec<tile::BestTwo<T>>,
    skip: Vec<bool>,
    /// Direct distances of one row to the centroids of its wanted groups (re-checks only).
    exact: Vec<f64>,
}

impl<T: Float> GroupedCentroids<T> {
    /// Scratch space for [`assign_groups`].
    pub(crate) fn scratch(&self) -> GroupScratch<T> {
        let zero = tile::BestTwo {
            best: T::zero(),
            index: T::zero(),
            second: T::zero(),
        };
        let rw = self.prep.backend.panel_width::<T>();
        GroupScratch {
            tile: Scratch::new(&self.prep),
            best: vec![zero; TILE_ROWS.div_ceil(rw) * rw * self.n_groups()],
            skip: vec![false; self.n_groups()],
            exact: Vec::new(),
        }
    }
}

/// The nearest centroid of one row among the groups it asked for (exactly the direct f64
/// argmin over their centroids, lowest index on ties), with bounds on its squared distance that
/// enclose the direct f64 value (both equal to it when the label needed a re-check).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RowHit {
    pub centroid: usize,
    pub lower_sq: f64,
    pub upper_sq: f64,
}

/// For the rows `select` lists (indices into `rows`), against the groups `wanted[p * t + g]`
/// asks for (p the position in `select`, t the number of groups; at least one per row):
/// `hits[p]` the nearest of those groups' centroids, and `group_lower_sq[p * t + g]`, for each
/// wanted group, a lower bound on the squared distance to every centroid of g other than
/// `hits[p].centroid`. Other entries are left untouched. Returns the number of (row, centroid)
/// pairs the micro-kernel scored.
pub(crate) fn assign_groups<T: Float>(
    rows: RowMajor<'_, T>,
    select: &[usize],
    grouped: &GroupedCentroids<T>,
    wanted: &[bool],
    scratch: &mut GroupScratch<T>,
    hits: &mut [RowHit],
    group_lower_sq: &mut [f64],
) -> usize {
    grouped.prep.backend.run(AssignGroups {
        rows,
        select,
        grouped,
        wanted,
        scratch,
        hits,
        group_lower_sq,
    })
}

/// The arguments of [`assign_groups`], as a kernel call.
struct AssignGroups<'a, T> {
    rows: RowMajor<'a, T>,
    select: &'a [usize],
    grouped: &'a GroupedCentroids<T>,
    wanted: &'a [bool],
    scratch: &'a mut GroupScratch<T>,
    hits: &'a mut [RowHit],
    group_lower_sq: &'a mut [f64],
}

impl<T: Float> Kernel for AssignGroups<'_, T> {
    type Output = usize;

    #[inline(always)]
    fn run<S: Isa>(self, _isa: S) -> usize {
        let AssignGroups {
            rows,
            select,
            grouped,
            wanted,
            scratch,
            hits,
            group_lower_sq,
        } = self;
        assign_groups_body::<T, S>(rows, select, grouped, wanted, scratch, hits, group_lower_sq)
    }
}

#[inline(always)]
fn assign_groups_body<T: Float, S: Isa>(
    rows: RowMajor<'_, T>,
    select: &[usize],
    grouped: &GroupedCentroids<T>,
    wanted: &[bool],
    scratch: &mut GroupScratch<T>,
    hits: &mut [RowHit],
    group_lower_sq: &mut [f64],
) -> usize {
    let prep = &grouped.prep;
    let d = prep.n_features;
    let t = grouped.n_groups();
    let n = select.len();
    let data = rows.as_slice();
    let group_ends: Vec<usize> = grouped.blocks.iter().map(|b| b.end).collect();
    let mut scored = 0;
    let mut start = 0;
    while start < n {
        let len = TILE_ROWS.min(n - start);
        let n_panels = pack_tile::<T, S>(data, Some(select), start, len, prep, &mut scratch.tile);
        let tile_wanted = &wanted[start * t..(start + len) * t];
        for g in 0..t {
            scratch.skip[g] = !(0..len).any(|r| tile_wanted[r * t + g]);
            if !scratch.skip[g] {
                scored += len * grouped.members[g].len();
            }
        }
        tile::best_two_grouped::<T, S>(
            &scratch.tile.packed,
            n_panels,
            d,
            (&prep.blocks, &prep.half_norms),
            &group_ends,
            &scratch.skip,
            &mut scratch.best,
        );
        for r in 0..len {
            let p = start + r;
            let row_wanted = &wanted[p * t..(p + 1) * t];
            let best = &scratch.best[r * t..(r + 1) * t];
            let lower_out = &mut group_lower_sq[p * t..(p + 1) * t];
            let xn2 = scratch.tile.x_norm_sq[r];
            let err = prep.score_error_bound(xn2.sqrt());
            // The best group, and the best score of any other centroid.
            let (mut sb, mut gb) = (T::infinity(), usize::MAX);
            for g in (0..t).filter(|&g| row_wanted[g]) {
                if best[g].best < sb || gb == usize::MAX {
                    (sb, gb) = (best[g].best, g);
                }
            }
            let mut ss = best[gb].second;
            for g in (0..t).filter(|&g| row_wanted[g] && g != gb) {
                ss = if best[g].best < ss { best[g].best } else { ss };
            }
            let (sb, ss) = (sb.to_f64_(), ss.to_f64_());
            let lower_from = |score: T| (xn2 + 2.0 * (score.to_f64_() - err)).max(0.0);
            // One candidate centroid in all: its runner-up score is the padding's +∞.
            let single = (0..t)
                .filter(|&g| row_wanted[g])
                .map(|g| grouped.members[g].len())
                .sum::<usize>()
                == 1;
            if prep.scores_trusted && certifies(sb, ss, err, single) {
                let slot = best[gb].index.to_f64_() as usize;
                hits[p] = RowHit {
                    centroid: grouped.members[gb][slot],
                    lower_sq: (xn2 + 2.0 * (sb - err)).max(0.0),
                    upper_sq: (xn2 + 2.0 * (sb + err)).max(0.0),
                };
                for g in (0..t).filter(|&g| row_wanted[g]) {
                    lower_out[g] = lower_from(if g == gb { best[g].second } else { best[g].best });
                }
                continue;
            }
            // Not certified: decide by direct f64 distances over the wanted groups' centroids,
            // and take the group bounds from those distances too.
            let row = &data[select[p] * d..(select[p] + 1) * d];
            let exact = &mut scratch.exact;
            exact.clear();
            let mut winner = (usize::MAX, f64::INFINITY);
            for g in (0..t).filter(|&g| row_wanted[g]) {
                for (&j, c) in grouped.members[g]
                    .iter()
                    .zip(grouped.member_centroids[g].chunks_exact(d))
                {
                    let dist = sq_dist_f64(row, c);
                    exact.push(dist);
                    if dist < winner.1 || (dist == winner.1 && j < winner.0) {
                        winner = (j, dist);
                    }
                }
            }
            hits[p] = RowHit {
                centroid: winner.0,
                lower_sq: winner.1,
                upper_sq: winner.1,
            };
            let mut at = 0;
            for g in (0..t).filter(|&g| row_wanted[g]) {
                let members = &grouped.members[g];
                lower_out[g] = members
                    .iter()
                    .zip(&exact[at..at + members.len()])
                    .filter(|&(&j, _)| j != winner.0)
                    .map(|(_, &dist)| dist)
                    .fold(f64::INFINITY, f64::min);
                at += members.len();
            }
        }
        start += len;
    }
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_hits_are_the_exact_nearest_with_valid_group_bounds() {
        let d = 5;
        let k = 23;
        let n = 150;
        let value = |i: usize| ((i * 7919 + 13) % 1009) as f64 / 50.0;
        let centroids: Vec<f64> = (0..k * d).map(value).collect();
        let data: Vec<f32> = (0..n * d).map(|i| value(i * 3 + 1) as f32).collect();
        // Uneven groups, one of a single centroid.
        let members: Vec<Vec<usize>> = vec![(0..7).collect(), vec![7], (8..23).collect()];
        let t = members.len();
        for backend in crate::kernels::Backend::supported() {
            let mut grouped = GroupedCentroids::<f32>::new(&centroids, d, &members);
            grouped.prep.backend = backend;
            let select: Vec<usize> = (0..n).rev().step_by(2).collect();
            // Every row wants some groups (never none).
            let wanted: Vec<bool> = (0..select.len() * t).map(|e| e % 4 != 1).collect();
            let mut hits = vec![RowHit::default(); select.len()];
            let mut lower = vec![-1.0; select.len() * t];
            let mut scratch = grouped.scratch();
            let rows = RowMajor::new(&data, d).unwrap();
            assign_groups(
                rows,
                &select,
                &grouped,
                &wanted,
                &mut scratch,
                &mut hits,
                &mut lower,
            );
            for (p, &i) in select.iter().enumerate() {
                let dist = |j: usize| sq_dist_f64(rows.row(i), &centroids[j * d..(j + 1) * d]);
                let candidates: Vec<usize> = (0..t)
                    .filter(|&g| wanted[p * t + g])
                    .flat_map(|g| members[g].iter().copied())
                    .collect();
                let mut best = candidates[0];
                for &j in &candidates {
                    if dist(j) < dist(best) || (dist(j) == dist(best) && j < best) {
                        best = j;
                    }
                }
                let hit = hits[p];
                assert_eq!(hit.centroid, best, "{backend:?}");
                assert!(hit.upper_sq >= dist(best) && hit.lower_sq <= dist(best));
                for (g, group) in members.iter().enumerate() {
                    if !wanted[p * t + g] {
                        assert_eq!(lower[p * t + g], -1.0);
                        continue;
                    }
                    for &j in group.iter().filter(|&&j| j != best) {
                        assert!(lower[p * t + g] <= dist(j) * (1.0 + 1e-12));
                    }
                }
            }
        }
    }
}
