//! The start of a mini-batch fit or stream: `n_init` candidate starts, each seeded (by the
//! crate's [`Init`] code) on its own random sample of `init_size` rows, and the one of lowest
//! inertia on a validation sample kept (scikit-learn's scheme).

use rand::Rng;

use crate::assign::assign_all;
use crate::data::RowMajor;
use crate::error::KMeansError;
use crate::float::Float;
use crate::init::{self, Init, random_distinct_rows};
use crate::kernels::sq_dist_f64;
use crate::part::{Solo, quantize_weights};

/// Rows `idx` of `rows` (and their weights) copied into a sample.
pub(crate) struct Sample<T> {
    pub data: Vec<T>,
    pub weights: Option<Vec<f64>>,
    pub n_features: usize,
}

impl<T: Float> Sample<T> {
    /// The rows `idx` of `rows`, with their weights when given.
    pub(crate) fn gather(rows: RowMajor<'_, T>, weights: Option<&[f64]>, idx: &[usize]) -> Self {
        Sample {
            data: init::gather_rows(rows, idx),
            weights: weights.map(|w| idx.iter().map(|&i| w[i]).collect()),
            n_features: rows.n_features(),
        }
    }

    /// The sample as rows.
    pub(crate) fn rows(&self) -> Result<RowMajor<'_, T>, KMeansError> {
        RowMajor::new(&self.data, self.n_features)
    }
}

/// The chosen start: `n_init` candidates from `init` on samples of `init_size` of the rows
/// `pool` (indices of rows of positive weight, at least k of them), scored on one more sample
/// of the same size when there is more than one candidate.
pub(crate) fn best_start<T: Float, R: Rng>(
    rows: RowMajor<'_, T>,
    weights: Option<&[f64]>,
    pool: &[usize],
    init: &Init<T>,
    k: usize,
    n_init: usize,
    init_size: usize,
    rng: &mut R,
) -> Result<Vec<T>, KMeansError> {
    if let Init::Precomputed(c) = init {
        return Ok(c.clone());
    }
    let size = init_size.clamp(k, pool.len());
    let draw = |rng: &mut R| -> Vec<usize> {
        random_distinct_rows(pool.len(), size, rng)
            .into_iter()
            .map(|p| pool[p])
            .collect()
    };
    let validation = if n_init > 1 {
        Some(Sample::gather(rows, weights, &draw(rng)))
    } else {
        None
    };
    let mut best: Option<(f64, Vec<T>)> = None;
    for _ in 0..n_init {
        let sample = Sample::gather(rows, weights, &draw(rng));
        let start = seed_on(&sample, init, k, rng)?;
        let Some(v) = &validation else {
            return Ok(start);
        };
        let score = sample_inertia(v, &start)?;
        if best.as_ref().is_none_or(|(b, _)| score < *b) {
            best = Some((score, start));
        }
    }
    Ok(best.map(|(_, c)| c).unwrap_or_default())
}

/// `init`'s start on the rows of `sample` (weights quantized as a fit's are).
fn seed_on<T: Float, R: Rng>(
    sample: &Sample<T>,
    init: &Init<T>,
    k: usize,
    rng: &mut R,
) -> Result<Vec<T>, KMeansError> {
    let rows = sample.rows()?;
    let (omega, weight_scale) = match &sample.weights {
        None => (None, 1.0),
        Some(w) => {
            let max = w.iter().copied().fold(0.0, f64::max);
            let (omega, scale) = quantize_weights(w.iter().copied(), w.len(), max);
            (Some(omega), scale)
        }
    };
    let solo = Solo::of(rows, omega.as_deref());
    let part = solo.part_scaled(rows, omega.as_deref(), weight_scale);
    match init {
        Init::Precomputed(c) => Ok(c.clone()),
        Init::Random => init::random_rows(part, k, rng),
        Init::KMeansPlusPlus => {
            init::kmeans_plus_plus(part, k, rng, &mut |_| std::ops::ControlFlow::Continue(()))
        }
        &Init::KMeansParallel { rounds, oversampling } => {
            init::kmeans_parallel(part, k, rounds, oversampling, rng)
        }
    }
}

/// `Σ wᵢ ‖xᵢ − c_{label(i)}‖²` over a sample, in row order.
fn sample_inertia<T: Float>(sample: &Sample<T>, centres: &[T]) -> Result<f64, KMeansError> {
    let rows = sample.rows()?;
    let d = rows.n_features();
    let n = rows.n_rows();
    let (mut labels, mut upper) = (vec![0usize; n], vec![0.0f64; n]);
    assign_all(rows, centres, &mut labels, &mut upper, None, None);
    Ok(rows
        .rows()
        .zip(&labels)
        .enumerate()
        .map(|(i, (row, &l))| {
            let w = sample.weights.as_ref().map_or(1.0, |w| w[i]);
            w * sq_dist_f64(row, &centres[l * d..(l + 1) * d])
        })
        .sum::<f64>())
}
