//! Choosing k: a sweep finds the true k of clear blobs, is deterministic for a seed, and each
//! of its rows is the fit and the scores the builder gives for that k.

use k_means::datasets::make_blobs;
use k_means::metrics::{
    calinski_harabasz_score, davies_bouldin_score, silhouette_score, silhouette_score_sampled,
};
use k_means::{KMeans, KMeansError, KScores, RowMajor, Suggest};

/// Everything but the times, floats as bits.
fn identity(s: &KScores) -> (usize, u64, usize, usize, [Option<u64>; 3]) {
    (
        s.k,
        s.inertia.to_bits(),
        s.n_iter,
        s.n_nonempty_clusters,
        [s.silhouette, s.calinski_harabasz, s.davies_bouldin].map(|v| v.map(f64::to_bits)),
    )
}

#[test]
fn the_suggestion_finds_the_true_k_of_clear_blobs() {
    // Standard deviation 0.1 for centres drawn in [−10, 10]: every blob is clear of the others.
    for (centers, d, seed) in [(3, 2, 1), (4, 2, 5), (6, 5, 9), (5, 3, 11)] {
        let blobs = make_blobs::<f64>(100 * centers, d, centers, 0.1, seed).unwrap();
        let rows = RowMajor::new(&blobs.data, d).unwrap();
        let sweep = KMeans::new(1).seed(seed).sweep(1..=9).fit(&rows).unwrap();
        for rule in [
            Suggest::Silhouette,
            Suggest::Elbow,
            Suggest::CalinskiHarabasz,
            Suggest::DaviesBouldin,
        ] {
            assert_eq!(sweep.suggest(rule), Some(centers), "{centers} blobs, {rule:?}");
        }
        assert_eq!(sweep.suggested_k(), Some(centers));
    }
}

#[test]
fn f32_sweep_finds_the_true_k_with_a_sampled_silhouette() {
    let blobs = make_blobs::<f32>(1200, 3, 4, 0.1, 2).unwrap();
    let rows = RowMajor::new(&blobs.data, 3).unwrap();
    let sweep = KMeans::new(2)
        .sweep(2..=7)
        .silhouette_sample(300, 1)
        .fit(&rows)
        .unwrap();
    assert!(sweep.silhouette_sampled());
    assert_eq!(sweep.suggested_k(), Some(4));
    // The same 300 rows for every k: each silhouette is the sampled score of that k's labels.
    let model = KMeans::new(4).fit(&rows).unwrap();
    let four = &sweep.scores()[2];
    assert_eq!(
        four.silhouette,
        Some(silhouette_score_sampled(&rows, model.labels(), 300, 1).unwrap())
    );
}

#[test]
fn two_sweeps_are_equal_but_for_their_times() {
    let blobs = make_blobs::<f64>(500, 4, 5, 1.5, 3).unwrap();
    let rows = RowMajor::new(&blobs.data, 4).unwrap();
    let sweep = || KMeans::new(2).seed(42).n_init(2).sweep(1..=8).fit(&rows).unwrap();
    let (a, b) = (sweep(), sweep());
    let ids = |s: &k_means::SweepResult| s.scores().iter().map(identity).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(a.suggested_k(), b.suggested_k());
}

#[test]
fn each_row_is_the_builder_s_fit_for_that_k() {
    let blobs = make_blobs::<f64>(300, 2, 3, 1.0, 4).unwrap();
    let rows = RowMajor::new(&blobs.data, 2).unwrap();
    let builder = KMeans::new(9).seed(7).max_iter(50);
    let sweep = builder.sweep([5, 2, 3, 2]).fit(&rows).unwrap();
    let ks: Vec<usize> = sweep.scores().iter().map(|s| s.k).collect();
    assert_eq!(ks, [2, 3, 5]);
    for s in sweep.scores() {
        let model = KMeans::new(s.k).seed(7).max_iter(50).fit(&rows).unwrap();
        assert_eq!(s.inertia, model.inertia());
        assert_eq!(s.n_iter, model.n_iter());
        assert_eq!(
            s.silhouette,
            Some(silhouette_score(&rows, model.labels()).unwrap())
        );
        assert_eq!(
            s.calinski_harabasz,
            Some(calinski_harabasz_score(&rows, model.labels()).unwrap())
        );
        assert_eq!(
            s.davies_bouldin,
            Some(davies_bouldin_score(&rows, model.labels()).unwrap())
        );
    }
}

#[test]
fn undefined_scores_are_none() {
    let rows = vec![[0.0_f64], [1.0], [5.0], [6.0]];
    let sweep = KMeans::new(1).sweep(1..=4).fit(&rows).unwrap();
    let first = &sweep.scores()[0];
    assert_eq!(
        (first.silhouette, first.calinski_harabasz, first.davies_bouldin),
        (None, None, None)
    );
    let last = &sweep.scores()[3];
    assert_eq!(last.silhouette, None);
    assert_eq!(last.inertia, 0.0);
    assert_eq!(sweep.suggested_k(), Some(2));
}

#[test]
fn bad_sweeps_fail_before_fitting() {
    let rows = vec![[0.0_f64], [1.0], [5.0]];
    let builder = KMeans::new(2);
    assert_eq!(builder.sweep([]).fit(&rows).unwrap_err(), KMeansError::EmptySweep);
    assert_eq!(builder.sweep(0..3).fit(&rows).unwrap_err(), KMeansError::ZeroK);
    assert_eq!(
        builder.sweep(2..=5).fit(&rows).unwrap_err(),
        KMeansError::KTooLarge { k: 5, n_rows: 3 }
    );
    let empty: Vec<[f64; 1]> = Vec::new();
    assert_eq!(builder.sweep([2]).fit(&empty).unwrap_err(), KMeansError::NoRows);
    assert_eq!(
        builder.sweep([2]).silhouette_sample(2, 0).fit(&rows).unwrap_err(),
        KMeansError::SampleTooSmall { sample_size: 2 }
    );
    let nan = vec![[0.0_f64], [f64::NAN], [5.0]];
    assert_eq!(
        builder.sweep([2]).fit(&nan).unwrap_err(),
        KMeansError::NonFinite { row: 1, column: 0 }
    );
}
