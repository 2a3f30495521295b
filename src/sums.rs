//! Exact cluster sums: the fixed-point frame of a dataset ([`SumFrame`]) and per-cluster sums and
//! counts in it ([`ClusterSums`]).
//!
//! Each value is scaled by a power of two chosen from its feature's largest magnitude (so that it
//! stays within 2⁵⁰), rounded to an integer, multiplied by the row's quantized weight (1 without
//! weights) and added in i128, which cannot overflow (total weight ≤ 2⁶², so sums ≤ 2¹¹²). Integer sums are exact,
//! so they do not depend on the order of the additions: Lloyd's sums (accumulated in the
//! assignment tiles), sums over labels in any chunking or thread count, and the bounded
//! algorithms' running sums (updated only for the rows that change cluster) are all the same
//! integers, bit for bit, and so are sums over any partition of the rows merged in any order.
//! Quantisation moves a mean by at most half a quantum, `max|x| · 2⁻⁵⁰`: below the
//! `n · max|x| · 2⁻⁵³` of f64 summation in row order once n passes a few rows.
//!
//! The frame needs only each feature's range ([`FeatureRange`], mergeable), not the row count or
//! the weights, so rows repeated or weighted, present in one piece or many, meet the same frame.

use crate::data::RowMajor;
use crate::float::Float;
use crate::parallel::{chunk_rows, map_ordered, worth_parallel};

/// Each feature's smallest and largest value over some rows; ranges of disjoint row sets merge
/// into the range of their union (in any order: min and max are exact).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FeatureRange {
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl FeatureRange {
    /// The range of no rows of `n_features` features.
    pub(crate) fn empty(n_features: usize) -> Self {
        FeatureRange {
            lo: vec![f64::INFINITY; n_features],
            hi: vec![f64::NEG_INFINITY; n_features],
        }
    }

    /// The range of `rows`, per chunk in parallel.
    pub(crate) fn of<T: Float>(rows: RowMajor<'_, T>) -> Self {
        Self::of_weighted(rows, None)
    }

    /// The range of the rows of `rows` whose weight is positive (all rows without weights).
    pub(crate) fn of_weighted<T: Float>(rows: RowMajor<'_, T>, weights: Option<&[i64]>) -> Self {
        let n = rows.n_rows();
        let d = rows.n_features();
        let chunk = chunk_rows(n, 1, d);
        let ranges = map_ordered(
            (0..n.div_ceil(chunk)).collect(),
            worth_parallel(n * d),
            |c: usize| {
                let mut range = FeatureRange::empty(d);
                let first = c * chunk;
                for (r, row) in rows.slice_rows(first, first + chunk).rows().enumerate() {
                    if weights.is_some_and(|w| w[first + r] == 0) {
                        continue;
                    }
                    for f in 0..d {
                        let v = row[f].to_f64_();
                        range.lo[f] = range.lo[f].min(v);
                        range.hi[f] = range.hi[f].max(v);
                    }
                }
                range
            },
        );
        let mut total = FeatureRange::empty(d);
        for r in &ranges {
            total.merge(r);
        }
        total
    }

    /// Per feature: (smallest, largest), +∞/−∞ for no rows.
    pub(crate) fn bounds(&self) -> (&[f64], &[f64]) {
        (&self.lo, &self.hi)
    }

    /// The range from its bounds (as [`bounds`](Self::bounds) returns them).
    pub(crate) fn from_bounds(lo: Vec<f64>, hi: Vec<f64>) -> Self {
        FeatureRange { lo, hi }
    }

    /// An upper bound on the squared distance between any two points of the box, rounded up
    /// (0 for an empty or single-point box).
    pub(crate) fn sq_diameter(&self) -> f64 {
        let mut total = 0.0;
        for (&l, &h) in self.lo.iter().zip(&self.hi) {
            if h > l {
                total += (h - l) * (h - l);
            }
        }
        total * (1.0 + 1e-9)
    }

    /// Widens `self` to cover `other` too.
    pub(crate) fn merge(&mut self, other: &FeatureRange) {
        for f in 0..self.lo.len() {
            self.lo[f] = self.lo[f].min(other.lo[f]);
            self.hi[f] = self.hi[f].max(other.hi[f]);
        }
    }
}

/// The fixed-point frame of the cluster sums for one dataset: value `v` of feature f is stored
/// as `v · scale[f]` rounded to the nearest integer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SumFrame {
    scale: Vec<f64>,
}

impl SumFrame {
    /// The frame for `rows`: origin 0, per feature the largest power of two that keeps every
    /// scaled value within 2⁵⁰.
    pub(crate) fn new<T: Float>(rows: RowMajor<'_, T>) -> Self {
        SumFrame::from_range(&FeatureRange::of(rows))
    }

    /// The frame for rows whose features lie in `range`.
    pub(crate) fn from_range(range: &FeatureRange) -> Self {
        let (lo, hi) = (&range.lo, &range.hi);
        let d = lo.len();
        // Each stored value stays within 2⁵⁰ (for the rounding trick in `quantize`); with a total
        // weight ≤ 2⁶² no i128 sum can overflow.
        let per_row_limit = (1u64 << 50) as f64;
        let mut scale = vec![1.0; d];
        for f in 0..d {
            if lo[f] > hi[f] {
                continue; // no rows
            }
            // The origin stays at 0: a value times a power of two is then exact, and stored
            // exactly whenever it has few enough fractional bits (small integers, most f32
            // data), so, e.g., a cluster of one such row sits exactly on it.
            let reach = hi[f].max(-lo[f]);
            if reach > 0.0 {
                let exponent = (per_row_limit / reach).log2().floor().clamp(-1000.0, 1000.0);
                scale[f] = 2.0_f64.powi(exponent as i32);
            }
        }
        SumFrame { scale }
    }

    /// `v · scale` rounded to the nearest integer (|·| ≤ 2⁵⁰ by the choice of scale): adding
    /// 1.5 · 2⁵² leaves the integer in the low bits of the f64. Plain float and integer adds,
    /// which vectorise (there is no packed f64 → i64 conversion below AVX-512) and give the same
    /// result on every backend.
    #[inline(always)]
    pub(crate) fn quantize(v: f64, scale: f64) -> i64 {
        const SHIFT: f64 = 6_755_399_441_055_744.0;
        (v * scale + SHIFT).to_bits() as i64 - SHIFT.to_bits() as i64
    }

    /// Adds `row`, of quantized weight `weight`, to cluster `j` of `acc`.
    #[inline]
    pub(crate) fn add_row<T: Float>(&self, acc: &mut ClusterSums, j: usize, row: &[T], weight: i64) {
        // A row of weight 0 adds nothing (and may lie outside the frame, which covers the rows of
        // positive weight only).
        if weight == 0 {
            return;
        }
        let d = row.len();
        acc.weights[j] += weight;
        let sums = &mut acc.sums[j * d..(j + 1) * d];
        if weight == 1 {
            for ((s, &v), &c) in sums.iter_mut().zip(row).zip(&self.scale) {
                *s += i128::from(Self::quantize(v.to_f64_(), c));
            }
        } else {
            for ((s, &v), &c) in sums.iter_mut().zip(row).zip(&self.scale) {
                *s += i128::from(Self::quantize(v.to_f64_(), c)) * i128::from(weight);
            }
        }
    }

    /// [`add_row`](Self::add_row) through `buffer`: a row of weight 1 is added to the
    /// buffer's i64 partial sums (plain 64-bit adds, which vectorise; the i128 adds of
    /// `add_row` do not), and a cluster's partials move into `acc` after
    /// [`BUFFERED_ROWS`] rows or at [`SumsBuffer::flush`]. Integer sums are exact in any
    /// order, so the result equals `add_row`'s bit for bit. Other weights go straight to `acc`.
    #[inline(always)]
    pub(crate) fn add_row_buffered<T: Float>(
        &self,
        acc: &mut ClusterSums,
        buffer: &mut SumsBuffer,
        j: usize,
        row: &[T],
        weight: i64,
    ) {
        if weight != 1 || buffer.rows.is_empty() {
            return self.add_row(acc, j, row, weight);
        }
        let d = row.len();
        acc.weights[j] += 1;
        for ((s, &v), &c) in buffer.low[j * d..(j + 1) * d]
            .iter_mut()
            .zip(row)
            .zip(&self.scale)
        {
            *s += Self::quantize(v.to_f64_(), c);
        }
        buffer.rows[j] += 1;
        if buffer.rows[j] == BUFFERED_ROWS {
            buffer.flush_cluster(acc, j);
        }
    }

    /// Takes `row`, of quantized weight `weight`, out of cluster `j` of `acc`.
    #[inline]
    pub(crate) fn remove_row<T: Float>(&self, acc: &mut ClusterSums, j: usize, row: &[T], weight: i64) {
        if weight == 0 {
            return;
        }
        let d = row.len();
        acc.weights[j] -= weight;
        for ((s, &v), &c) in acc.sums[j * d..(j + 1) * d].iter_mut().zip(row).zip(&self.scale) {
            *s -= i128::from(Self::quantize(v.to_f64_(), c)) * i128::from(weight);
        }
    }

    /// The mean of feature `f` of a cluster from its fixed-point `sum` and its total quantized
    /// weight `weight ≥ 1`.
    #[inline]
    pub(crate) fn mean(&self, sum: i128, weight: i64, f: usize) -> f64 {
        sum as f64 / weight as f64 / self.scale[f]
    }
}

/// Rows of weight 1 a cluster's i64 partials in a [`SumsBuffer`] take before they move to the
/// i128 sums: each quantized value is within 2⁵⁰ (see [`SumFrame::from_range`]), so 2¹² of them
/// stay within 2⁶² and no i64 partial overflows.
pub(crate) const BUFFERED_ROWS: u32 = 1 << 12;

/// See [`SumsBuffer::for_rows`].
const MIN_BUFFERED_ROWS_PER_CLUSTER: usize = 16;

/// i64 partial cluster sums of rows of weight 1, in front of a [`ClusterSums`] (see
/// [`SumFrame::add_row_buffered`]).
#[derive(Debug)]
pub(crate) struct SumsBuffer {
    low: Vec<i64>,
    /// Rows in each cluster's partials.
    rows: Vec<u32>,
}

impl SumsBuffer {
    /// An empty buffer for `k` clusters of `n_features` features.
    pub(crate) fn new(k: usize, n_features: usize) -> Self {
        SumsBuffer {
            low: vec![0; k * n_features],
            rows: vec![0; k],
        }
    }

    /// A buffer for adding `n_rows` rows to `k` clusters, or none (every row then goes straight
    /// to the i128 sums) when there are too few rows a cluster for the buffer to pay for its
    /// allocation and final flush (measured: 2 500 rows into 1 000 clusters of 128 features
    /// were slower through it).
    pub(crate) fn for_rows(k: usize, n_features: usize, n_rows: usize) -> Self {
        if n_rows >= MIN_BUFFERED_ROWS_PER_CLUSTER * k {
            SumsBuffer::new(k, n_features)
        } else {
            SumsBuffer {
                low: Vec::new(),
                rows: Vec::new(),
            }
        }
    }

    /// Moves every cluster's partials into `acc` (which then holds every row added).
    pub(crate) fn flush(&mut self, acc: &mut ClusterSums) {
        debug_assert!(self.rows.is_empty() || self.rows.len() == acc.weights.len());
        for j in 0..self.rows.len() {
            if self.rows[j] > 0 {
                self.flush_cluster(acc, j);
            }
        }
    }

    fn flush_cluster(&mut self, acc: &mut ClusterSums, j: usize) {
        let d = self.low.len() / self.rows.len();
        let (low, sums) = (
            &mut self.low[j * d..(j + 1) * d],
            &mut acc.sums[j * d..(j + 1) * d],
        );
        for (s, l) in sums.iter_mut().zip(low) {
            *s += i128::from(*l);
            *l = 0;
        }
        self.rows[j] = 0;
    }
}

/// Per-cluster weighted sums (`k × d`, fixed point in a [`SumFrame`]) and total quantized
/// weights (row counts without weights).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClusterSums {
    pub sums: Vec<i128>,
    pub weights: Vec<i64>,
}

impl ClusterSums {
    pub(crate) fn zeros(k: usize, n_features: usize) -> Self {
        ClusterSums {
            sums: vec![0; k * n_features],
            weights: vec![0; k],
        }
    }

    /// Adds `other` into `self`.
    pub(crate) fn merge(&mut self, other: &ClusterSums) {
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b;
        }
        for (a, b) in self.weights.iter_mut().zip(&other.weights) {
            *a += b;
        }
    }

    /// Sums of `rows` (quantized `weights`, or 1 each) by `labels`, per chunk in parallel.
    pub(crate) fn from_labels<T: Float>(
        rows: RowMajor<'_, T>,
        labels: &[usize],
        k: usize,
        frame: &SumFrame,
        weights: Option<&[i64]>,
    ) -> Self {
        let d = rows.n_features();
        let chunk = chunk_rows(rows.n_rows(), k, d);
        let tasks: Vec<(usize, &[usize])> = labels.chunks(chunk).enumerate().collect();
        let partials = map_ordered(tasks, worth_parallel(rows.n_rows() * d), |(c, chunk_labels)| {
            let part = rows.slice_rows(c * chunk, (c + 1) * chunk);
            let mut s = ClusterSums::zeros(k, d);
            let mut buffer = SumsBuffer::for_rows(k, d, part.n_rows());
            for (r, (row, &l)) in part.rows().zip(chunk_labels).enumerate() {
                let weight = weights.map_or(1, |w| w[c * chunk + r]);
                frame.add_row_buffered(&mut s, &mut buffer, l, row, weight);
            }
            buffer.flush(&mut s);
            s
        });
        let mut total = ClusterSums::zeros(k, d);
        for p in &partials {
            total.merge(p);
        }
        total
    }

    /// Brings sums taken over `old_labels` up to date with `labels`: the rows that changed
    /// cluster move, the rest are not read. Exact, so equal to [`from_labels`](Self::from_labels)
    /// over the new labels.
    pub(crate) fn update_moved<T: Float>(
        &mut self,
        rows: RowMajor<'_, T>,
        old_labels: &[usize],
        labels: &[usize],
        frame: &SumFrame,
        weights: Option<&[i64]>,
    ) {
        for (i, (&old, &new)) in old_labels.iter().zip(labels).enumerate() {
            if old != new {
                let row = rows.row(i);
                let w = weights.map_or(1, |w| w[i]);
                frame.remove_row(self, old, row, w);
                frame.add_row(self, new, row, w);
            }
        }
    }

    /// The sums of every participant, merged exactly.
    pub(crate) fn all_reduce(
        &mut self,
        comm: &crate::comm::Comm<'_>,
    ) -> Result<(), crate::error::KMeansError> {
        comm.sum_i128(&mut self.sums)?;
        comm.sum_i64(&mut self.weights)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffered_sums_equal_direct_sums_at_the_frame_limit() {
        // Every value near ± the frame's reach quantizes to about ±2⁵⁰, near the largest the buffer takes:
        // over 3 · BUFFERED_ROWS + 5 rows in one cluster the partials flush three times.
        let d = 5;
        let n = 3 * BUFFERED_ROWS as usize + 5;
        let data: Vec<f64> = (0..n * d)
            .map(|i| if (i / d) % 97 == 0 { -7.5e12 } else { 7.5e12 })
            .collect();
        let rows = RowMajor::new(&data, d).unwrap();
        let frame = SumFrame::new(rows);
        let labels: Vec<usize> = (0..n).map(|i| if i % 97 == 0 { 1 } else { 0 }).collect();
        let weights: Vec<i64> = (0..n).map(|i| if i % 89 == 0 { 3 } else { 1 }).collect();
        for w in [None, Some(&weights[..])] {
            let (mut direct, mut buffered) = (ClusterSums::zeros(2, d), ClusterSums::zeros(2, d));
            let mut buffer = SumsBuffer::new(2, d);
            for i in 0..n {
                let weight = w.map_or(1, |w| w[i]);
                frame.add_row(&mut direct, labels[i], rows.row(i), weight);
                frame.add_row_buffered(&mut buffered, &mut buffer, labels[i], rows.row(i), weight);
            }
            assert_ne!(buffered, direct, "rows still in the buffer");
            buffer.flush(&mut buffered);
            assert_eq!(buffered, direct);
            assert!(direct.sums[0].unsigned_abs() > (1u128 << 63), "beyond i64");
            // Too few rows a cluster for a buffer: every row goes straight to the sums.
            let (mut unbuffered, mut none) = (ClusterSums::zeros(2, d), SumsBuffer::for_rows(2, d, 31));
            for i in 0..n {
                let weight = w.map_or(1, |w| w[i]);
                frame.add_row_buffered(&mut unbuffered, &mut none, labels[i], rows.row(i), weight);
            }
            assert_eq!(unbuffered, direct);
        }
    }

    #[test]
    fn sums_are_exact_in_any_order_and_within_a_quantum_of_f64_means() {
        let d = 3;
        let n = 5000;
        let data: Vec<f64> = (0..n * d)
            .map(|i| 1e6 + ((i * 7919) % 1013) as f64 * 0.37 - (i % 3) as f64 * 1e3)
            .collect();
        let rows = RowMajor::new(&data, d).unwrap();
        let frame = SumFrame::new(rows);
        let labels: Vec<usize> = (0..n).map(|i| (i * 31) % 7).collect();
        let all = ClusterSums::from_labels(rows, &labels, 7, &frame, None);
        // Reverse order, one row at a time.
        let mut reversed = ClusterSums::zeros(7, d);
        for i in (0..n).rev() {
            frame.add_row(&mut reversed, labels[i], rows.row(i), 1);
        }
        assert_eq!(all, reversed);
        // Moving rows between clusters equals summing the new labels from scratch.
        let moved: Vec<usize> = labels
            .iter()
            .enumerate()
            .map(|(i, &l)| if i % 5 == 0 { (l + 3) % 7 } else { l })
            .collect();
        let mut updated = all.clone();
        updated.update_moved(rows, &labels, &moved, &frame, None);
        assert_eq!(updated, ClusterSums::from_labels(rows, &moved, 7, &frame, None));
        // The means agree with f64 means far below the data's spread.
        let means: Vec<f64> = (0..7 * d)
            .map(|e| frame.mean(all.sums[e], all.weights[e / d], e % d))
            .collect();
        for j in 0..7 {
            for f in 0..d {
                let (mut s, mut c) = (0.0, 0.0);
                for i in (0..n).filter(|&i| labels[i] == j) {
                    s += data[i * d + f];
                    c += 1.0;
                }
                // A quantum (at most 2 · max|x| · 2⁻⁵⁰) plus f64 rounding of the reference.
                let quantum = 2.0 * 1.1e6 * 2.0_f64.powi(-50);
                let err = (means[j * d + f] - s / c).abs();
                assert!(err <= quantum + 1e-9, "{} vs {}", means[j * d + f], s / c);
            }
        }
    }

    #[test]
    fn a_frame_from_merged_ranges_equals_the_frame_of_the_whole() {
        let data: Vec<f64> = (0..300).map(|i| ((i * 37) % 101) as f64 - 50.0).collect();
        let rows = RowMajor::new(&data, 3).unwrap();
        let mut range = FeatureRange::of(rows.slice_rows(60, 100));
        range.merge(&FeatureRange::of(rows.slice_rows(0, 60)));
        assert_eq!(range, FeatureRange::of(rows));
        assert_eq!(SumFrame::from_range(&range), SumFrame::new(rows));
    }
}
