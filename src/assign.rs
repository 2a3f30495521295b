//! Chunked assignment over all rows, and inertia: the drivers between the algorithms and the
//! kernels. Rows are cut into the chunk grid of [`crate::parallel`], each chunk runs one kernel
//! call, and per-chunk results are merged in chunk order.

use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::kernels::{self, AssignOut, Backend, Prepared, Scratch, SumsInto, TILE_ROWS, sq_dist_f64};
use crate::parallel::{CHUNK_ALIGN, chunk_rows, map_ordered, worth_parallel};
use crate::part::{Part, quantize_sq, scale_within};
use crate::sums::{ClusterSums, SumFrame};

// Chunks are whole tiles, so no tile straddles two tasks.
const _: () = assert!(CHUNK_ALIGN.is_multiple_of(TILE_ROWS));

/// One assignment step over all rows: labels and distance bounds written in place (the
/// runner-up bound too when `second_lower_sq` is given), the cluster sums (in `frame`, with the
/// rows' quantized weights, 1 each when `None`) returned when a frame is given. Chunks run in
/// parallel. An empty `upper_sq` keeps no bounds: each chunk writes them to scratch of its own
/// (Lloyd's loop needs only the labels, and n bounds are 8 bytes a row).
pub(crate) fn assign_all<T: Float, C: Float>(
    rows: RowMajor<'_, T>,
    centroids: &[C],
    labels: &mut [usize],
    upper_sq: &mut [f64],
    second_lower_sq: Option<&mut [f64]>,
    frame: Option<(&SumFrame, Option<&[i64]>)>,
) -> ClusterSums {
    let backend = Backend::detected();
    assign_all_on(backend, rows, centroids, labels, upper_sq, second_lower_sq, frame)
}

/// Each row's squared distance to its nearest centroid (`best_sq`, the centroid in `labels`)
/// and to the nearest of the others (`second_sq`, +∞ for one centroid), both direct f64
/// distances (`sq_dist_f64`), so the same bits on every backend. The labels come from the
/// kernel (exact argmins). For the second, the centroids are cut into groups of
/// [`second_group_len`] consecutive ones: the rows of a group's clusters go through the kernel
/// together against the centroids outside the group (whose exact argmin is the nearest
/// outside), and to the others of their own group directly. One set of packed centroids per
/// group rather than one per centroid: packing k − 1 centroids for each of k clusters cost
/// more than the distances themselves at k = 1000.
pub(crate) fn nearest_two_sq<T: Float, C: Float>(
    rows: RowMajor<'_, T>,
    centroids: &[C],
    labels: &mut [usize],
    best_sq: &mut [f64],
    second_sq: &mut [f64],
) {
    let n = rows.n_rows();
    let d = rows.n_features();
    let k = centroids.len() / d;
    assign_all(rows, centroids, labels, &mut [], None, None);
    let centroid = |j: usize| &centroids[j * d..(j + 1) * d];
    for ((best, row), &l) in best_sq.iter_mut().zip(rows.rows()).zip(labels.iter()) {
        *best = sq_dist_f64(row, centroid(l));
    }
    if k < 2 {
        second_sq.fill(f64::INFINITY);
        return;
    }
    // Block by block, so that the row lists and results of the second pass stay a few MB
    // beside the caller's n-long arrays (a group's packing is repeated per block, a small cost
    // next to a block's distances).
    let block = SECOND_BLOCK_ROWS.min(n).max(1);
    let group_len = second_group_len(block, k);
    for first in (0..n).step_by(block) {
        let last = (first + block).min(n);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); k.div_ceil(group_len)];
        for (i, &l) in labels[first..last].iter().enumerate() {
            members[l / group_len].push(first + i);
        }
        let tasks: Vec<(usize, Vec<usize>)> = members
            .into_iter()
            .enumerate()
            .filter(|(_, m)| !m.is_empty())
            .collect();
        let labels = &*labels;
        let seconds = map_ordered(tasks, worth_parallel((last - first) * k * d), |(g, select)| {
            let group = g * group_len..((g + 1) * group_len).min(k);
            // The nearest of the row's own group, its own centroid left out.
            let mut second: Vec<f64> = select
                .iter()
                .map(|&i| {
                    group
                        .clone()
                        .filter(|&o| o != labels[i])
                        .map(|o| sq_dist_f64(rows.row(i), centroid(o)))
                        .fold(f64::INFINITY, f64::min)
                })
                .collect();
            if group.len() < k {
                let others: Vec<C> = (0..k)
                    .filter(|o| !group.contains(o))
                    .flat_map(|o| centroid(o).iter().copied())
                    .collect();
                let prep = Prepared::<T>::new(&others, d);
                let mut scratch = Scratch::new(&prep);
                let (mut nearest, mut upper) = (vec![0; select.len()], vec![0.0; select.len()]);
                let out = AssignOut {
                    labels: &mut nearest,
                    upper_sq: &mut upper,
                    second_lower_sq: None,
                };
                kernels::assign(rows, Some(&select), &prep, &mut scratch, out, None);
                for ((s, &i), &o) in second.iter_mut().zip(&select).zip(&nearest) {
                    // Back to an index among all centroids (the group was left out).
                    let o = if o >= group.start { o + group.len() } else { o };
                    *s = s.min(sq_dist_f64(rows.row(i), centroid(o)));
                }
            }
            (select, second)
        });
        for (select, second) in seconds {
            for (&i, s) in select.iter().zip(second) {
                second_sq[i] = s;
            }
        }
    }
}

/// Rows per block of [`nearest_two_sq`]'s second pass.
const SECOND_BLOCK_ROWS: usize = 1 << 17;

/// Centroids per group of [`nearest_two_sq`]: packing the centroids outside each group costs
/// about `k²·d / len` (strided writes), the direct distances within it `n·len·d` (contiguous
/// FMAs, several times cheaper an element), so `len ≈ k·√(4/n)`, within 1..=64.
fn second_group_len(n: usize, k: usize) -> usize {
    let len = (2.0 * k as f64 / (n.max(1) as f64).sqrt()).round() as usize;
    len.clamp(1, 64)
}

fn assign_all_on<T: Float, C: Float>(
    backend: Backend,
    rows: RowMajor<'_, T>,
    centroids: &[C],
    labels: &mut [usize],
    upper_sq: &mut [f64],
    second_lower_sq: Option<&mut [f64]>,
    frame: Option<(&SumFrame, Option<&[i64]>)>,
) -> ClusterSums {
    let n = rows.n_rows();
    let d = rows.n_features();
    let prep = Prepared::with_backend(centroids, d, backend);
    let k = prep.k();
    let chunk = chunk_rows(n, k, d);
    let parallel = worth_parallel(n * k * d);
    let mut seconds: Vec<Option<&mut [f64]>> = match second_lower_sq {
        Some(s) => s.chunks_mut(chunk).map(Some).collect(),
        None => Vec::new(),
    };
    seconds.resize_with(n.div_ceil(chunk), || None);
    let mut uppers: Vec<Option<&mut [f64]>> = upper_sq.chunks_mut(chunk).map(Some).collect();
    uppers.resize_with(n.div_ceil(chunk), || None);
    let tasks: Vec<_> = labels
        .chunks_mut(chunk)
        .zip(uppers)
        .zip(seconds)
        .enumerate()
        .collect();
    let partials = map_ordered(tasks, parallel, |(c, ((l, u), second))| {
        let part = rows.slice_rows(c * chunk, (c + 1) * chunk);
        let mut own_upper = Vec::new();
        let u = match u {
            Some(u) => u,
            None => {
                own_upper.resize(part.n_rows(), 0.0);
                &mut own_upper[..]
            }
        };
        let mut scratch = Scratch::new(&prep);
        let mut acc = match frame {
            Some(_) => ClusterSums::zeros(k, d),
            None => ClusterSums::zeros(0, 0),
        };
        let sums = frame.map(|(frame, weights)| SumsInto {
            acc: &mut acc,
            frame,
            weights: weights.map(|w| &w[c * chunk..c * chunk + part.n_rows()]),
        });
        let out = AssignOut {
            labels: l,
            upper_sq: u,
            second_lower_sq: second,
        };
        kernels::assign(part, None, &prep, &mut scratch, out, sums);
        acc
    });
    let mut total = ClusterSums::zeros(if frame.is_some() { k } else { 0 }, d);
    for p in &partials {
        total.merge(p);
    }
    total
}

/// Each cluster's error `Σ wᵢ ‖xᵢ − c_{label(i)}‖²` over every participant, exactly: each
/// row's squared distance (direct, f64) rounded to a fixed-point integer on a grid fine enough
/// for any data (`scale`: a power of two per `2⁻⁶⁴ ×` the squared diameter of the data and the
/// centroids, [`sq_scale`]), multiplied by its quantized weight and summed in i128, so the sums
/// do not depend on chunking, threads or partitions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClusterErrors {
    /// Per cluster, the error times `scale`.
    pub exact: Vec<i128>,
    pub scale: f64,
}

impl ClusterErrors {
    /// The inertia: the clusters' errors added exactly, as a value (`weight_scale`: the
    /// quantized weights' scale, [`Part::weight_scale`]).
    pub(crate) fn inertia(&self, weight_scale: f64) -> f64 {
        self.exact.iter().sum::<i128>() as f64 / self.scale / weight_scale
    }
}

/// [`ClusterErrors`] of `labels` against `centroids`, in parallel chunks. Breathing k-means
/// takes its errors from a run's (the same pass as the inertia), not from a pass of its own.
pub(crate) fn cluster_errors<T: Float, C: Float>(
    part: Part<'_, '_, T>,
    centroids: &[C],
    labels: &[usize],
) -> Result<ClusterErrors, KMeansError> {
    let rows = part.rows;
    let n = rows.n_rows();
    let d = rows.n_features();
    let k = centroids.len() / d.max(1);
    let scale = sq_scale(part, centroids);
    let chunk = chunk_rows(n, 1, d);
    let weights = part.weights;
    let partial = map_ordered(
        (0..n.div_ceil(chunk)).collect(),
        worth_parallel(n * d),
        |c: usize| {
            let mut errors = vec![0_i128; k];
            for i in c * chunk..((c + 1) * chunk).min(n) {
                let l = labels[i];
                let q = quantize_sq(sq_dist_f64(rows.row(i), &centroids[l * d..(l + 1) * d]), scale);
                errors[l] += q * i128::from(weights.map_or(1, |w| w[i]));
            }
            errors
        },
    );
    let mut exact = vec![0_i128; k];
    for errors in &partial {
        for (total, e) in exact.iter_mut().zip(errors) {
            *total += e;
        }
    }
    part.comm.sum_i128(&mut exact)?;
    Ok(ClusterErrors { exact, scale })
}

/// Inertia over every participant: `Σ wᵢ ‖xᵢ − c_{label(i)}‖²`, exactly (the sum of the
/// [`cluster_errors`]).
pub(crate) fn inertia<T: Float, C: Float>(
    part: Part<'_, '_, T>,
    centroids: &[C],
    labels: &[usize],
) -> Result<f64, KMeansError> {
    Ok(cluster_errors(part, centroids, labels)?.inertia(part.weight_scale))
}

/// The fixed-point scale of squared distances between rows of `part` (over all participants)
/// and `centroids`: the largest power of two that keeps the squared diameter of their common
/// bounding box within 2⁶⁴.
pub(crate) fn sq_scale<T, C: Float>(part: Part<'_, '_, T>, centroids: &[C]) -> f64 {
    let (lo, hi) = part.range.bounds();
    let d = lo.len();
    let mut box_lo = lo.to_vec();
    let mut box_hi = hi.to_vec();
    for c in centroids.chunks_exact(d.max(1)) {
        for f in 0..d {
            box_lo[f] = box_lo[f].min(c[f].to_f64_());
            box_hi[f] = box_hi[f].max(c[f].to_f64_());
        }
    }
    let diameter = crate::sums::FeatureRange::from_bounds(box_lo, box_hi).sq_diameter();
    scale_within(diameter, 64)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use crate::builder::KMeans;
    use crate::data::RowMajor;
    use crate::datasets::make_blobs;
    use crate::kernels::{Backend, FORCE_PORTABLE};
    use crate::model::KMeansModel;
    use crate::refinement::Refine;

    /// `nearest_two_sq` gives the brute-force nearest and second-nearest squared distances
    /// (by `sq_dist_f64`), whatever the groups its second pass uses.
    #[test]
    fn nearest_two_equal_brute_force() {
        use crate::kernels::sq_dist_f64;
        // Down to one group for every centroid (6 rows, 20 centroids), one centroid a group, and
        // more rows than one block.
        for &(n, d, k) in &[
            (500, 2, 1),
            (500, 2, 2),
            (6, 3, 20),
            (3000, 5, 40),
            (400, 7, 130),
            (2000, 33, 300),
            (super::SECOND_BLOCK_ROWS + 999, 2, 30),
        ] {
            let b = make_blobs::<f32>(n, d, 5, 3.0, 9).unwrap();
            let rows = RowMajor::new(&b.data, d).unwrap();
            let centroids = make_blobs::<f64>(k, d, 3, 3.0, 11).unwrap().data;
            let (mut labels, mut best, mut second) = (vec![0; n], vec![0.0; n], vec![0.0; n]);
            super::nearest_two_sq(rows, &centroids, &mut labels, &mut best, &mut second);
            for (i, row) in rows.rows().enumerate() {
                let sq: Vec<f64> = centroids.chunks(d).map(|c| sq_dist_f64(row, c)).collect();
                let own = (0..k).min_by(|&a, &b| sq[a].total_cmp(&sq[b])).unwrap();
                let other = (0..k)
                    .filter(|&o| o != own)
                    .map(|o| sq[o])
                    .fold(f64::INFINITY, f64::min);
                assert_eq!(
                    (labels[i], best[i], second[i]),
                    (own, sq[own], other),
                    "row {i} of {n}×{d}, k = {k}"
                );
            }
        }
    }

    /// A fit's centroids' bits, labels and inertia bits.
    fn fingerprint(m: &KMeansModel<f32>) -> (Vec<u32>, Vec<usize>, u64) {
        let bits = m.centroids().iter().map(|v| v.to_bits()).collect();
        (bits, m.labels().to_vec(), m.inertia().to_bits())
    }

    /// Seeded fits (k-means++, then breathing k-means or not) give the same bits with every
    /// kernel on the portable backend (no FMA) as on the detected one (AVX2+FMA here). The
    /// differences this guards against (k-means++'s fused direct distances, breathing's
    /// utilities from backend-dependent bounds) tip a decision only on near ties, rarely: the
    /// kernel-level test `direct::tests::direct_kernel_bits_do_not_depend_on_the_backend` is the
    /// one that failed before.
    #[test]
    fn seeded_fits_do_not_depend_on_the_backend() {
        if Backend::supported().len() == 1 {
            return; // only the portable copy on this CPU: nothing to compare
        }
        let mut differ = Vec::new();
        for seed in 0..24u64 {
            let (n, d, k) = (
                1500 + 97 * seed as usize,
                2 + (seed as usize % 5) * 3,
                8 + seed as usize % 13,
            );
            let b = make_blobs::<f32>(n, d, k, 2.5, seed).unwrap();
            // Far from the origin, where f32 rounding (and so FMA) matters most.
            let data: Vec<f32> = b.data.iter().map(|v| v * 37.0 + 1000.0).collect();
            let rows = RowMajor::new(&data, d).unwrap();
            for refine in [Refine::None, Refine::Breathing { m: 2 }] {
                let km = KMeans::new(k).seed(seed).refine(refine);
                let detected = fingerprint(&km.fit(&rows).unwrap());
                FORCE_PORTABLE.store(true, Ordering::SeqCst);
                let portable = fingerprint(&km.fit(&rows).unwrap());
                FORCE_PORTABLE.store(false, Ordering::SeqCst);
                if detected != portable {
                    differ.push((seed, refine));
                }
            }
        }
        assert!(differ.is_empty(), "backend-dependent fits: {differ:?}");
    }
}
