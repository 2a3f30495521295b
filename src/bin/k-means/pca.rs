//! The first two principal components of the rows, for `plot --pca`: power iteration on the
//! covariance matrix with deflation (deterministic; `d × d` memory, fine for the widths a
//! scatter plot of clusters is drawn for).

/// The mean, the first two principal axes (unit length) and the fraction of the total variance
/// along each.
#[derive(Debug)]
pub struct Pca {
    mean: Vec<f64>,
    axes: [Vec<f64>; 2],
    pub explained: [f64; 2],
}

impl Pca {
    /// Fits the two axes to `values` (row-major, `d` columns, `d ≥ 2`).
    pub fn fit(values: &[f64], d: usize) -> Pca {
        let n = (values.len() / d).max(1) as f64;
        let mut mean = vec![0.0; d];
        for row in values.chunks_exact(d) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut cov = vec![0.0; d * d];
        let mut centred = vec![0.0; d];
        for row in values.chunks_exact(d) {
            for (c, (v, m)) in centred.iter_mut().zip(row.iter().zip(&mean)) {
                *c = v - m;
            }
            for i in 0..d {
                let ci = centred[i];
                for j in i..d {
                    cov[i * d + j] += ci * centred[j];
                }
            }
        }
        for i in 0..d {
            for j in i..d {
                cov[i * d + j] /= n;
                cov[j * d + i] = cov[i * d + j];
            }
        }
        let total: f64 = (0..d).map(|i| cov[i * d + i]).sum();
        let first = top_eigenvector(&cov, d);
        let l1 = rayleigh(&cov, &first, d);
        // Deflate: remove the first axis's variance, then find the next.
        for i in 0..d {
            for j in 0..d {
                cov[i * d + j] -= l1 * first[i] * first[j];
            }
        }
        let second = top_eigenvector(&cov, d);
        let l2 = rayleigh(&cov, &second, d);
        let fraction = |l: f64| {
            if total > 0.0 {
                (l / total).clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        Pca {
            mean,
            axes: [first, second],
            explained: [fraction(l1), fraction(l2)],
        }
    }

    /// The coordinates of `row` on the two axes.
    pub fn project(&self, row: &[f64]) -> [f64; 2] {
        let along = |axis: &[f64]| {
            row.iter()
                .zip(&self.mean)
                .zip(axis)
                .map(|((v, m), a)| (v - m) * a)
                .sum()
        };
        [along(&self.axes[0]), along(&self.axes[1])]
    }
}

fn mat_vec(m: &[f64], v: &[f64], d: usize) -> Vec<f64> {
    m.chunks_exact(d)
        .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
        .collect()
}

fn rayleigh(m: &[f64], v: &[f64], d: usize) -> f64 {
    mat_vec(m, v, d).iter().zip(v).map(|(a, b)| a * b).sum()
}

/// The unit eigenvector of the largest eigenvalue of the symmetric positive semi-definite `m`,
/// by power iteration from a fixed start; the sign is fixed so that its largest component is
/// positive (the picture does not flip between runs).
fn top_eigenvector(m: &[f64], d: usize) -> Vec<f64> {
    // Not orthogonal to any axis by accident: distinct positive components.
    let mut v: Vec<f64> = (0..d).map(|i| 1.0 + i as f64 / d as f64).collect();
    normalise(&mut v);
    for _ in 0..1000 {
        let mut next = mat_vec(m, &v, d);
        if normalise(&mut next) == 0.0 {
            return v;
        }
        let change: f64 = next.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
        v = next;
        if change < 1e-12 {
            break;
        }
    }
    let largest = v
        .iter()
        .copied()
        .fold(0.0, |a: f64, b| if b.abs() > a.abs() { b } else { a });
    if largest < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    v
}

fn normalise(v: &mut [f64]) -> f64 {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_axes_of_a_stretched_cloud() {
        // Points along (1, 1, 0) with a little spread along (1, -1, 0) and none along z.
        let mut values = Vec::new();
        for i in 0..50 {
            let t = i as f64 - 25.0;
            for s in [0.5, -0.5] {
                values.extend([t + s + 3.0, t - s - 1.0, 7.0]);
            }
        }
        let pca = Pca::fit(&values, 3);
        let h = std::f64::consts::FRAC_1_SQRT_2;
        assert!((pca.axes[0][0] - h).abs() < 1e-6 && (pca.axes[0][1] - h).abs() < 1e-6);
        assert!(pca.axes[1][2].abs() < 1e-6 && (pca.axes[1][0].abs() - h).abs() < 1e-6);
        assert!(pca.explained[0] > 0.99 && pca.explained[0] + pca.explained[1] > 0.999999);
        // The mean (t averages -0.5, s 0) projects to the origin.
        let p = pca.project(&[2.5, -1.5, 7.0]);
        assert!(p[0].abs() < 1e-9 && p[1].abs() < 1e-9);
    }
}
