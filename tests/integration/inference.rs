//! The model after the fit: one row at a time (`predict_one`), the inertia of new data
//! (`score`), `fit_predict`, and saved models (feature `serde`) whose size does not grow with
//! the training data.

use k_means::datasets::make_blobs;
use k_means::{KMeans, KMeansError, RowMajor};

use crate::{inertia_of, nearest};

#[test]
fn predict_one_is_predict_of_one_row() -> Result<(), KMeansError> {
    let blobs = make_blobs::<f32>(500, 4, 6, 2.0, 9)?;
    let rows = RowMajor::new(&blobs.data, 4)?;
    let model = KMeans::new(6).fit(&rows)?;
    let all = model.predict(&rows)?;
    for (i, row) in rows.rows().enumerate() {
        assert_eq!(model.predict_one(row)?, all[i], "row {i}");
        assert_eq!(all[i], nearest(row, model.centroids(), 4), "row {i}");
    }
    assert_eq!(
        model.predict_one(&[0.0; 3]).unwrap_err(),
        KMeansError::FeatureMismatch { expected: 4, got: 3 }
    );
    assert_eq!(
        model.predict_one(&[0.0, f32::INFINITY, 0.0, 0.0]).unwrap_err(),
        KMeansError::NonFinite { row: 0, column: 1 }
    );
    assert!(matches!(
        model.predict_one(&[0.0, 0.0, 0.0, f32::MAX]).unwrap_err(),
        KMeansError::ValueTooLarge {
            row: 0,
            column: 3,
            ..
        }
    ));
    Ok(())
}

#[test]
fn score_is_the_inertia_of_the_data_under_the_model() -> Result<(), KMeansError> {
    let blobs = make_blobs::<f64>(2000, 3, 5, 1.0, 17)?;
    let (train, test) = blobs.data.split_at(3 * 1500);
    let train = RowMajor::new(train, 3)?;
    let test = RowMajor::new(test, 3)?;
    let model = KMeans::new(5).fit(&train)?;
    // On the training rows: the fit's own inertia, bit for bit.
    assert_eq!(model.score(&train)?.to_bits(), model.inertia().to_bits());
    // On new rows: Σ of each row's squared distance to its nearest centroid.
    let labels = model.predict(&test)?;
    let expected = inertia_of(test.as_slice(), model.centroids(), &labels, 3);
    let score = model.score(&test)?;
    assert!(
        (score - expected).abs() <= 1e-12 * expected,
        "{score} vs {expected}"
    );
    assert_eq!(model.score(&RowMajor::new(&[] as &[f64], 3)?)?, 0.0);
    assert_eq!(
        model.score(&vec![[0.0_f64; 2]]).unwrap_err(),
        KMeansError::FeatureMismatch { expected: 3, got: 2 }
    );
    Ok(())
}

#[test]
fn fit_predict_is_the_fit_labels() -> Result<(), KMeansError> {
    let blobs = make_blobs::<f64>(300, 2, 3, 1.0, 2)?;
    let rows = RowMajor::new(&blobs.data, 2)?;
    let km = KMeans::new(3).seed(5);
    assert_eq!(km.fit_predict(&rows)?, km.fit(&rows)?.labels());
    assert_eq!(KMeans::new(0).fit_predict(&rows).unwrap_err(), KMeansError::ZeroK);
    Ok(())
}

#[cfg(feature = "serde")]
mod saved {
    use k_means::KMeansModel;

    use super::*;

    /// Every field of two models but the labels.
    fn same_but_labels<T: k_means::Float>(a: &KMeansModel<T>, b: &KMeansModel<T>) {
        assert_eq!(a.centroids(), b.centroids());
        assert_eq!(a.cluster_sizes(), b.cluster_sizes());
        assert_eq!(a.inertia().to_bits(), b.inertia().to_bits());
        assert_eq!(a.n_iter(), b.n_iter());
        assert_eq!(a.stop_reason(), b.stop_reason());
        assert_eq!((a.k(), a.n_features()), (b.k(), b.n_features()));
    }

    #[test]
    fn a_saved_model_round_trips_without_labels_and_with_them_on_request()
    -> Result<(), Box<dyn std::error::Error>> {
        let blobs = make_blobs::<f32>(1000, 3, 4, 1.0, 8)?;
        let rows = RowMajor::new(&blobs.data, 3)?;
        let model = KMeans::new(4).fit(&rows)?;
        let text = serde_json::to_string(&model)?;
        let back: KMeansModel<f32> = serde_json::from_str(&text)?;
        same_but_labels(&back, &model);
        assert!(back.labels().is_empty());
        assert_eq!(back.predict(&rows)?, model.predict(&rows)?);
        assert_eq!(back.score(&rows)?.to_bits(), model.score(&rows)?.to_bits());
        // Saved again: the same text.
        assert_eq!(serde_json::to_string(&back)?, text);
        let full: KMeansModel<f32> = serde_json::from_str(&serde_json::to_string(&model.with_labels())?)?;
        assert_eq!(full, model);
        Ok(())
    }

    #[test]
    fn the_saved_size_does_not_grow_with_the_data() -> Result<(), Box<dyn std::error::Error>> {
        let km = KMeans::new(3).seed(1);
        let mut sizes = Vec::new();
        for n in [300, 3_000, 30_000] {
            // The same three points repeated: the same centroids and stop reason for any n.
            let rows: Vec<[f64; 2]> = (0..n).map(|i| [(i % 3) as f64 * 10.0, 1.0]).collect();
            let model = km.fit(&rows)?;
            assert_eq!(model.labels().len(), n);
            let text = serde_json::to_string(&model)?;
            let with_labels = serde_json::to_string(&model.with_labels())?;
            assert!(
                with_labels.len() > text.len() + n,
                "{n}: labels are there on request"
            );
            // Cluster sizes grow by a digit per decade of n; nothing else changes with n.
            let digits = 3 * n.to_string().len();
            sizes.push(text.len() - digits);
        }
        assert!(sizes.iter().all(|&s| s == sizes[0]), "sizes {sizes:?}");
        Ok(())
    }

    #[test]
    fn a_fit_over_partitions_saves_and_loads_with_its_own_labels() -> Result<(), Box<dyn std::error::Error>> {
        let blobs = make_blobs::<f64>(900, 2, 3, 1.0, 6)?;
        let (a, b) = blobs.data.split_at(2 * 400);
        let parts = k_means::distributed::fit_in_threads(
            &KMeans::new(3),
            &[RowMajor::new(a, 2)?, RowMajor::new(b, 2)?],
        )?;
        // Labels of its 400 rows, sizes of all 900: loads with and without the labels.
        let text = serde_json::to_string(&parts[0].with_labels())?;
        let back: KMeansModel<f64> = serde_json::from_str(&text)?;
        assert_eq!(back, parts[0]);
        let plain: KMeansModel<f64> = serde_json::from_str(&serde_json::to_string(&parts[1])?)?;
        same_but_labels(&plain, &parts[1]);
        Ok(())
    }

    #[test]
    fn a_model_saved_with_more_labels_than_a_cluster_holds_is_refused() {
        let json = serde_json::json!({
            "centroids": [0.0, 10.0], "labels": [0, 0, 1], "cluster_sizes": [1, 2],
            "inertia": 1.0, "n_iter": 2, "stop_reason": "LabelsUnchanged", "k": 2, "n_features": 1,
        });
        let err = serde_json::from_value::<KMeansModel<f64>>(json).unwrap_err();
        assert!(
            err.to_string()
                .contains("cluster 0 holds 2 of the labels but its size is 1"),
            "{err}"
        );
    }
}
