//! Chunked assignment over all rows, and inertia: the drivers between the algorithms and the
//! kernels. Rows are cut into the chunk grid of [`crate::parallel`], each chunk runs one kernel
//! call, and per-chunk results are merged in chunk order.

use crate::data::RowMajor;
use crate::float::Float;
use crate::kernels::{self, AssignOut, Prepared, Scratch, TILE_ROWS};
use crate::parallel::{CHUNK_ALIGN, chunk_rows, map_ordered, worth_parallel};
use crate::sums::{ClusterSums, SumFrame};

// Chunks are whole tiles, so no tile straddles two tasks.
const _: () = assert!(CHUNK_ALIGN.is_multiple_of(TILE_ROWS));

/// One assignment step over all rows: labels and distance bounds written in place (the
/// runner-up bound too when `second_lower_sq` is given), the cluster sums (in `frame`)
/// returned when a frame is given. Chunks run in parallel.
pub(crate) fn assign_all<T: Float, C: Float>(
    rows: RowMajor<'_, T>,
    centroids: &[C],
    labels: &mut [usize],
    upper_sq: &mut [f64],
    second_lower_sq: Option<&mut [f64]>,
    frame: Option<&SumFrame>,
) -> ClusterSums {
    let n = rows.n_rows();
    let d = rows.n_features();
    let prep = Prepared::new(centroids, d);
    let k = prep.k();
    let chunk = chunk_rows(n, k, d);
    let parallel = worth_parallel(n * k * d);
    let mut seconds: Vec<Option<&mut [f64]>> = match second_lower_sq {
        Some(s) => s.chunks_mut(chunk).map(Some).collect(),
        None => Vec::new(),
    };
    seconds.resize_with(n.div_ceil(chunk), || None);
    let tasks: Vec<_> = labels
        .chunks_mut(chunk)
        .zip(upper_sq.chunks_mut(chunk))
        .zip(seconds)
        .enumerate()
        .collect();
    let partials = map_ordered(tasks, parallel, |(c, ((l, u), second))| {
        let part = rows.slice_rows(c * chunk, (c + 1) * chunk);
        let mut scratch = Scratch::new(&prep);
        let mut acc = match frame {
            Some(_) => ClusterSums::zeros(k, d),
            None => ClusterSums::zeros(0, 0),
        };
        let sums = frame.map(|f| (&mut acc, f));
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

/// Inertia: `Σ ‖xᵢ − c_{label(i)}‖²` by direct f64 distances, summed per chunk in order.
pub(crate) fn inertia<T: Float, C: Float>(rows: RowMajor<'_, T>, centroids: &[C], labels: &[usize]) -> f64 {
    let n = rows.n_rows();
    let d = rows.n_features();
    let chunk = chunk_rows(n, 1, d);
    let partial = map_ordered(
        (0..n.div_ceil(chunk)).collect(),
        worth_parallel(n * d),
        |c: usize| {
            let mut s = 0.0;
            for i in c * chunk..((c + 1) * chunk).min(n) {
                let l = labels[i];
                s += kernels::sq_dist_f64(rows.row(i), &centroids[l * d..(l + 1) * d]);
            }
            s
        },
    );
    partial.iter().sum()
}
