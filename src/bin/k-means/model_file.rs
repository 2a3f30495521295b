//! The model file `fit --model` writes and `predict`, `transform` and `plot` read: the
//! library's serialised `KMeansModel` (feature `serde`) with the float type and the columns it
//! was fitted on, so that applying it reads the same columns of a new file.

use std::fs;
use std::path::Path;

use k_means::{Float, KMeansModel};
use serde::{Deserialize, Serialize};

use crate::input::SavedColumn;

/// The format's name and version, the first field of the file, so that another JSON file is
/// refused with a clear message.
const FORMAT: &str = "k-means model 1";

/// A model of either float type.
#[derive(Debug)]
pub enum AnyModel {
    F32(ModelFile<f32>),
    F64(ModelFile<f64>),
}

/// What the file holds.
#[derive(Debug, Serialize, Deserialize)]
pub struct ModelFile<T: Float> {
    pub format: String,
    /// "f32" or "f64": the type the model was fitted and applies in.
    pub float: String,
    /// The columns of the training file, in the model's feature order.
    pub columns: Vec<SavedColumn>,
    #[serde(bound(
        deserialize = "T: Float + Deserialize<'de>",
        serialize = "T: Float + Serialize"
    ))]
    pub model: KMeansModel<T>,
}

impl<T: Float + Serialize> ModelFile<T> {
    pub fn new(model: KMeansModel<T>, columns: Vec<SavedColumn>) -> Self {
        ModelFile {
            format: FORMAT.to_string(),
            float: std::any::type_name::<T>().to_string(),
            columns,
            model,
        }
    }

    /// Writes the model as pretty-printed JSON (without its training labels: `--labels` writes
    /// those).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        fs::write(path, text + "\n").map_err(|e| format!("cannot write the model to {}: {e}", path.display()))
    }
}

/// Only the header fields, to choose the float type before reading the model.
#[derive(Deserialize)]
struct Head {
    format: String,
    float: String,
}

/// Reads a model file written by `fit --model`.
pub fn load(path: &Path) -> Result<AnyModel, String> {
    let name = path.display();
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read the model {name}: {e}"))?;
    let head: Head = serde_json::from_str(&text)
        .map_err(|e| format!("{name} is not a model written by `k-means fit --model`: {e}"))?;
    if head.format != FORMAT {
        return Err(format!(
            "{name}: unknown model format {:?} (this program reads {FORMAT:?})",
            head.format
        ));
    }
    let bad = |e: serde_json::Error| format!("{name}: invalid model: {e}");
    let model = match head.float.as_str() {
        "f32" => AnyModel::F32(serde_json::from_str(&text).map_err(bad)?),
        "f64" => AnyModel::F64(serde_json::from_str(&text).map_err(bad)?),
        other => return Err(format!("{name}: unknown float type {other:?} (f32 or f64)")),
    };
    let n_columns = match &model {
        AnyModel::F32(m) => (m.columns.len(), m.model.n_features()),
        AnyModel::F64(m) => (m.columns.len(), m.model.n_features()),
    };
    if n_columns.0 != n_columns.1 || n_columns.0 == 0 {
        return Err(format!(
            "{name}: invalid model: {} columns for {} features",
            n_columns.0, n_columns.1
        ));
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_round_trips_and_bad_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("k-means-cli-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let model = k_means::KMeans::new(2)
            .fit(&vec![[0.0_f32, 1.0], [0.5, 1.0], [9.0, 2.0]])
            .unwrap();
        let columns = vec![
            SavedColumn {
                number: 1,
                name: Some("x".into()),
            },
            SavedColumn {
                number: 3,
                name: None,
            },
        ];
        let path = dir.join("model.json");
        ModelFile::new(model.clone(), columns.clone())
            .save(&path)
            .unwrap();
        let AnyModel::F32(back) = load(&path).unwrap() else {
            panic!("not f32")
        };
        assert_eq!(back.columns, columns);
        assert_eq!(back.model.centroids(), model.centroids());

        let other = dir.join("other.json");
        fs::write(&other, r#"{"format": "something else", "float": "f64"}"#).unwrap();
        assert!(load(&other).unwrap_err().contains("unknown model format"));
        fs::write(&other, "[1, 2]").unwrap();
        assert!(load(&other).unwrap_err().contains("is not a model"));
        let text = fs::read_to_string(&path).unwrap().replace("\"k\": 2", "\"k\": 3");
        fs::write(&other, text).unwrap();
        assert!(load(&other).unwrap_err().contains("invalid model"));
        assert!(
            load(&dir.join("absent.json"))
                .unwrap_err()
                .contains("cannot read")
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
