//! Choosing k: fit every k of a range with one builder's options, score each fit, suggest one.

use std::time::{Duration, Instant};

use crate::builder::KMeans;
use crate::data::AsRows;
use crate::error::KMeansError;
use crate::float::Float;
use crate::metrics;

/// Above this many rows a [`KSweep`] scores the silhouette on a sample of this many rows
/// (see [`KSweep::silhouette_sample`]): the exact silhouette costs O(n²·d), about 0.1 s at
/// 10 000 rows of 16 features, per k.
pub const DEFAULT_SILHOUETTE_SAMPLE: usize = 10_000;

/// A sweep over k: the options of one [`KMeans`] builder, fitted for every k of a range and
/// scored, to choose k. Built by [`KMeans::sweep`]; run by [`KSweep::fit`].
///
/// Each k is fitted independently, as `builder` with k changed would fit it (same seed, start,
/// refinement and every other option): the model behind each row of the result is exactly
/// `KMeans::new(k)` with those options. There are no warm starts from the neighbouring k's
/// centroids: they would make each result depend on the rest of the range, and the default
/// breathing refinement already finds the clusters a fresh k-means++ start misses. So a sweep
/// is deterministic for a seed, like a fit (only the times it reports vary).
///
/// # Example
///
/// ```
/// use k_means::datasets::make_blobs;
/// use k_means::{KMeans, RowMajor, Suggest};
///
/// let blobs = make_blobs::<f64>(400, 2, 4, 0.1, 5)?;
/// let rows = RowMajor::new(&blobs.data, 2)?;
/// let sweep = KMeans::new(2).seed(1).sweep(2..=8).fit(&rows)?;
/// assert_eq!(sweep.suggest(Suggest::Silhouette), Some(4));
/// for s in sweep.scores() {
///     println!("k = {}: inertia {:.1}, silhouette {:?}", s.k, s.inertia, s.silhouette);
/// }
/// # Ok::<(), k_means::KMeansError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct KSweep<T> {
    builder: KMeans<T>,
    ks: Vec<usize>,
    sample_size: usize,
    sample_seed: u64,
}

// Here rather than in `builder.rs`: the builder does not import the sweep, so the module graph
// keeps no cycle.
impl<T: Float> KMeans<T> {
    /// A sweep fitting this configuration for every k in `ks` (any order, duplicates ignored),
    /// the k given to [`KMeans::new`] replaced; see [`KSweep`].
    ///
    /// ```
    /// use k_means::KMeans;
    ///
    /// let rows = vec![[0.0_f64], [0.1], [5.0], [5.1], [9.0], [9.2]];
    /// let sweep = KMeans::new(1).sweep([3, 2]).fit(&rows)?;
    /// assert_eq!(sweep.scores().iter().map(|s| s.k).collect::<Vec<_>>(), [2, 3]);
    /// assert_eq!(sweep.suggested_k(), Some(3));
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn sweep<K: IntoIterator<Item = usize>>(&self, ks: K) -> KSweep<T> {
        let mut ks: Vec<usize> = ks.into_iter().collect();
        ks.sort_unstable();
        ks.dedup();
        KSweep {
            builder: self.clone(),
            ks,
            sample_size: DEFAULT_SILHOUETTE_SAMPLE,
            sample_seed: 0,
        }
    }
}

impl<T: Float> KSweep<T> {
    /// The silhouette is exact for data of at most `sample_size` rows, and above that the
    /// silhouette of `sample_size` rows drawn with `seed`
    /// ([`silhouette_score_sampled`](crate::metrics::silhouette_score_sampled)): the same rows
    /// for every k, so the scores compare. Default: [`DEFAULT_SILHOUETTE_SAMPLE`] rows, seed 0.
    /// Calinski–Harabasz and Davies–Bouldin are always computed on every row (they cost
    /// O(n·d)).
    ///
    /// ```
    /// use k_means::datasets::make_blobs;
    /// use k_means::{KMeans, RowMajor};
    ///
    /// let blobs = make_blobs::<f32>(400, 2, 3, 0.5, 5)?;
    /// let rows = RowMajor::new(&blobs.data, 2)?;
    /// let sweep = KMeans::new(2).sweep(2..=4).silhouette_sample(100, 7).fit(&rows)?;
    /// assert!(sweep.silhouette_sampled());
    /// assert_eq!(sweep.suggested_k(), Some(3));
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn silhouette_sample(mut self, sample_size: usize, seed: u64) -> Self {
        self.sample_size = sample_size;
        self.sample_seed = seed;
        self
    }

    /// Fits and scores every k, in increasing order.
    ///
    /// # Errors
    ///
    /// Checked before anything is fitted: [`KMeansError::EmptySweep`] for no k,
    /// [`KMeansError::ZeroK`] if the range holds 0, [`KMeansError::ZeroFeatures`] and
    /// [`KMeansError::NoRows`] for the data's shape, [`KMeansError::KTooLarge`] for a k above
    /// the number of rows, [`KMeansError::SampleTooSmall`] for a silhouette sample of fewer
    /// than 3 rows when the data has more rows than that. Then every error of
    /// [`KMeans::fit`], from the first k that fails (an [`Init::Precomputed`](crate::Init)
    /// start fixes k: sweeping it fails with [`KMeansError::CentroidShape`] at the first other
    /// k).
    ///
    /// # Example
    ///
    /// ```
    /// use k_means::{KMeans, KMeansError};
    ///
    /// let rows = vec![[0.0_f64], [1.0], [2.0]];
    /// assert_eq!(KMeans::new(2).sweep(2..2).fit(&rows).unwrap_err(), KMeansError::EmptySweep);
    /// assert_eq!(
    ///     KMeans::new(2).sweep(2..=4).fit(&rows).unwrap_err(),
    ///     KMeansError::KTooLarge { k: 4, n_rows: 3 }
    /// );
    /// ```
    pub fn fit<D: AsRows<T> + ?Sized>(&self, data: &D) -> Result<SweepResult, KMeansError> {
        let input = data.as_rows()?;
        let rows = input.view();
        let n = rows.n_rows();
        let (Some(&first), Some(&last)) = (self.ks.first(), self.ks.last()) else {
            return Err(KMeansError::EmptySweep);
        };
        if first == 0 {
            return Err(KMeansError::ZeroK);
        }
        if n == 0 {
            return Err(KMeansError::NoRows);
        }
        if last > n {
            return Err(KMeansError::KTooLarge { k: last, n_rows: n });
        }
        let sampled = n > self.sample_size;
        if sampled && self.sample_size < 3 {
            return Err(KMeansError::SampleTooSmall {
                sample_size: self.sample_size,
            });
        }
        let mut scores = Vec::with_capacity(self.ks.len());
        for &k in &self.ks {
            let start = Instant::now();
            let model = self.builder.with_k(k).fit(&rows)?;
            let fit_time = start.elapsed();
            let start = Instant::now();
            let labels = model.labels();
            let silhouette = if sampled {
                metrics::silhouette_score_sampled(&rows, labels, self.sample_size, self.sample_seed)
            } else {
                metrics::silhouette_score(&rows, labels)
            };
            let silhouette = defined(silhouette)?;
            let calinski_harabasz = defined(metrics::calinski_harabasz_score(&rows, labels))?;
            let davies_bouldin = defined(metrics::davies_bouldin_score(&rows, labels))?;
            scores.push(KScores {
                k,
                inertia: model.inertia(),
                n_iter: model.n_iter(),
                n_nonempty_clusters: model.n_nonempty_clusters(),
                silhouette,
                calinski_harabasz,
                davies_bouldin,
                fit_time,
                score_time: start.elapsed(),
            });
        }
        Ok(SweepResult {
            scores,
            silhouette_sampled: sampled,
        })
    }
}

/// A score, or `None` where it is not defined (a fit with one cluster, or one cluster per row).
fn defined(score: Result<f64, KMeansError>) -> Result<Option<f64>, KMeansError> {
    match score {
        Ok(v) => Ok(Some(v)),
        Err(KMeansError::ClusterCount { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// One k of a [`SweepResult`]: the fit's inertia and the three scores of its labels, and how
/// long each took (times are reported, never part of a result's identity: compare the other
/// fields).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct KScores {
    /// The number of clusters fitted.
    pub k: usize,
    /// The model's inertia (sum of squared distances to the nearest centroid).
    pub inertia: f64,
    /// The model's iterations (of its best run).
    pub n_iter: usize,
    /// Clusters holding at least one row (fewer than k only with duplicate rows).
    pub n_nonempty_clusters: usize,
    /// The mean silhouette ([`silhouette_score`](crate::metrics::silhouette_score), or its
    /// sampled form when [`SweepResult::silhouette_sampled`]); higher is better. `None` when
    /// the labels name fewer than 2 clusters or one per row (k = 1, k = n).
    pub silhouette: Option<f64>,
    /// [`calinski_harabasz_score`](crate::metrics::calinski_harabasz_score); higher is better.
    pub calinski_harabasz: Option<f64>,
    /// [`davies_bouldin_score`](crate::metrics::davies_bouldin_score); lower is better.
    pub davies_bouldin: Option<f64>,
    /// Wall time of the fit.
    pub fit_time: Duration,
    /// Wall time of the three scores.
    pub score_time: Duration,
}

/// How [`SweepResult::suggest`] picks k.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Suggest {
    /// The k of the highest silhouette (the default; the smallest such k on ties). Works best
    /// for compact, well-separated clusters; never suggests k = 1.
    #[default]
    Silhouette,
    /// The elbow of the inertia curve: the k with the largest second difference of the
    /// inertia relative to the inertia at k, `(I(k₋) − 2·I(k) + I(k₊)) / I(k)`, over its
    /// neighbours `k₋ < k < k₊` in the sweep (so neither end of the range, and meant for
    /// evenly spaced k; the smallest such k on ties; the first k of zero inertia wins). Include
    /// k = 1 in the range for it to be able to suggest 2.
    ///
    /// Relative, because the plain second difference `I(k₋) − 2·I(k) + I(k₊)` is dominated by
    /// the large first drops of any inertia curve: on blobs with 3 to 6 clear clusters it chose
    /// the second k of the range every time. Divided by `I(k)`, a drop to the noise level at
    /// the true k stands out whatever the data's scale.
    Elbow,
    /// The k of the highest Calinski–Harabasz score.
    CalinskiHarabasz,
    /// The k of the lowest Davies–Bouldin score.
    DaviesBouldin,
}

/// What a [`KSweep`] found: one [`KScores`] per k, in increasing k.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepResult {
    scores: Vec<KScores>,
    silhouette_sampled: bool,
}

impl SweepResult {
    /// The scores, one per k, in increasing k.
    ///
    /// ```
    /// let rows = vec![[0.0_f64], [0.2], [4.0], [4.1], [9.0], [9.3], [9.1]];
    /// let sweep = k_means::KMeans::new(1).sweep(1..=3).fit(&rows)?;
    /// assert_eq!(sweep.scores().len(), 3);
    /// assert_eq!(sweep.scores()[0].silhouette, None); // one cluster
    /// assert!(sweep.scores()[2].inertia < sweep.scores()[1].inertia);
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn scores(&self) -> &[KScores] {
        &self.scores
    }

    /// Whether the silhouette was computed on a sample of rows (the data had more rows than
    /// [`KSweep::silhouette_sample`]'s size).
    ///
    /// ```
    /// let rows = vec![[0.0_f64], [0.2], [4.0], [4.1]];
    /// assert!(!k_means::KMeans::new(1).sweep([2]).fit(&rows)?.silhouette_sampled());
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn silhouette_sampled(&self) -> bool {
        self.silhouette_sampled
    }

    /// The k that `rule` picks, or `None` if no k of the sweep has the score it needs (the
    /// elbow needs at least 3 k's).
    ///
    /// ```
    /// use k_means::datasets::make_blobs;
    /// use k_means::{KMeans, RowMajor, Suggest};
    ///
    /// let blobs = make_blobs::<f64>(500, 3, 5, 0.4, 11)?;
    /// let rows = RowMajor::new(&blobs.data, 3)?;
    /// let sweep = KMeans::new(1).sweep(1..=9).fit(&rows)?;
    /// assert_eq!(sweep.suggest(Suggest::Elbow), Some(5));
    /// assert_eq!(sweep.suggest(Suggest::Silhouette), Some(5));
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn suggest(&self, rule: Suggest) -> Option<usize> {
        let best = |score: fn(&KScores) -> Option<f64>, higher: bool| {
            let mut best: Option<(usize, f64)> = None;
            for s in &self.scores {
                if let Some(v) = score(s) {
                    let better = best.is_none_or(|(_, b)| if higher { v > b } else { v < b });
                    if better {
                        best = Some((s.k, v));
                    }
                }
            }
            best.map(|(k, _)| k)
        };
        match rule {
            Suggest::Silhouette => best(|s| s.silhouette, true),
            Suggest::CalinskiHarabasz => best(|s| s.calinski_harabasz, true),
            Suggest::DaviesBouldin => best(|s| s.davies_bouldin, false),
            Suggest::Elbow => {
                let mut best: Option<(usize, f64)> = None;
                for w in self.scores.windows(3) {
                    let second = (w[0].inertia - 2.0 * w[1].inertia + w[2].inertia) / w[1].inertia;
                    // NaN only for 0 / 0 (the inertia already 0 at the previous k): no elbow.
                    if !second.is_nan() && best.is_none_or(|(_, b)| second > b) {
                        best = Some((w[1].k, second));
                    }
                }
                best.map(|(k, _)| k)
            }
        }
    }

    /// The k of the highest silhouette: [`suggest`](Self::suggest)`(Suggest::Silhouette)`.
    ///
    /// ```
    /// let rows = vec![[0.0_f64], [0.2], [4.0], [4.1]];
    /// assert_eq!(k_means::KMeans::new(1).sweep(1..=3).fit(&rows)?.suggested_k(), Some(2));
    /// # Ok::<(), k_means::KMeansError>(())
    /// ```
    #[must_use]
    pub fn suggested_k(&self) -> Option<usize> {
        self.suggest(Suggest::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(k: usize, inertia: f64, silhouette: Option<f64>) -> KScores {
        KScores {
            k,
            inertia,
            n_iter: 1,
            n_nonempty_clusters: k,
            silhouette,
            calinski_harabasz: silhouette.map(|s| s * 100.0),
            davies_bouldin: silhouette.map(|s| 1.0 - s),
            fit_time: Duration::ZERO,
            score_time: Duration::ZERO,
        }
    }

    #[test]
    fn rules_pick_the_documented_k() {
        let result = SweepResult {
            scores: vec![
                scores(1, 100.0, None),
                scores(2, 60.0, Some(0.5)),
                scores(3, 20.0, Some(0.7)),
                scores(4, 15.0, Some(0.7)),
                scores(5, 12.0, Some(0.4)),
            ],
            silhouette_sampled: false,
        };
        // Second differences over I(k): k=2: (100 − 120 + 20) / 60 = 0; k=3: (60 − 40 + 15) / 20;
        // k=4: (20 − 30 + 12) / 15.
        assert_eq!(result.suggest(Suggest::Elbow), Some(3));
        // Ties go to the smaller k.
        assert_eq!(result.suggest(Suggest::Silhouette), Some(3));
        assert_eq!(result.suggest(Suggest::CalinskiHarabasz), Some(3));
        assert_eq!(result.suggest(Suggest::DaviesBouldin), Some(3));
    }

    #[test]
    fn too_few_ks_suggest_nothing() {
        let result = SweepResult {
            scores: vec![scores(1, 10.0, None), scores(2, 5.0, None)],
            silhouette_sampled: false,
        };
        assert_eq!(result.suggest(Suggest::Elbow), None);
        assert_eq!(result.suggested_k(), None);
    }
}
