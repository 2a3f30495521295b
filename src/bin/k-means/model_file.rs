//! The model file `fit --model` writes and `predict`, `transform` and `plot` read: the
//! library's serialised model (feature `serde`) with its kind (`kmeans` or `spherical`), the
//! float type and the columns it was fitted on, so that applying it reads the same columns of
//! a new file.

use std::fs;
use std::path::Path;

use k_means::{Float, KMeansModel, SphericalModel};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::fitted::{Fitted, KIND_KMEANS, KIND_SPHERICAL};
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

/// A model and the columns it was fitted on.
#[derive(Debug)]
pub struct ModelFile<T: Float> {
    /// The columns of the training file, in the model's feature order.
    pub columns: Vec<SavedColumn>,
    pub model: Fitted<T>,
}

/// What the file holds, `M` the library's model type.
#[derive(Serialize, Deserialize)]
struct Stored<M> {
    format: String,
    /// "f32" or "f64": the type the model was fitted and applies in.
    float: String,
    /// "kmeans" or "spherical"; absent in files written before spherical models were saved,
    /// which are all k-means models.
    #[serde(default = "kmeans_kind")]
    kind: String,
    columns: Vec<SavedColumn>,
    model: M,
}

fn kmeans_kind() -> String {
    KIND_KMEANS.to_string()
}

impl<T: Float + Serialize + Into<f64>> ModelFile<T> {
    pub fn new(model: Fitted<T>, columns: Vec<SavedColumn>) -> Self {
        ModelFile { columns, model }
    }

    /// Writes the model as pretty-printed JSON (a k-means model without its training labels,
    /// which `--labels` writes; a spherical model with them, as the library saves it).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        fn stored<M>(kind: &str, columns: &[SavedColumn], model: M, float: &str) -> Stored<M> {
            Stored {
                format: FORMAT.to_string(),
                float: float.to_string(),
                kind: kind.to_string(),
                columns: columns.to_vec(),
                model,
            }
        }
        let float = std::any::type_name::<T>();
        let kind = self.model.kind();
        let text = match &self.model {
            Fitted::KMeans(m) => serde_json::to_string_pretty(&stored(kind, &self.columns, m, float)),
            Fitted::Spherical(m) => serde_json::to_string_pretty(&stored(kind, &self.columns, m, float)),
        }
        .map_err(|e| e.to_string())?;
        fs::write(path, text + "\n").map_err(|e| format!("cannot write the model to {}: {e}", path.display()))
    }
}

/// Only the header fields, to choose the float type and the kind before reading the model.
#[derive(Deserialize)]
struct Head {
    format: String,
    float: String,
    #[serde(default = "kmeans_kind")]
    kind: String,
}

/// Reads the model of `kind` and float type `T` from `text`.
fn parse<T>(text: &str, kind: &str) -> Result<ModelFile<T>, serde_json::Error>
where
    T: Float + DeserializeOwned,
{
    Ok(if kind == KIND_SPHERICAL {
        let stored: Stored<SphericalModel<T>> = serde_json::from_str(text)?;
        ModelFile {
            columns: stored.columns,
            model: Fitted::Spherical(stored.model),
        }
    } else {
        let stored: Stored<KMeansModel<T>> = serde_json::from_str(text)?;
        ModelFile {
            columns: stored.columns,
            model: Fitted::KMeans(stored.model),
        }
    })
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
    if head.kind != KIND_KMEANS && head.kind != KIND_SPHERICAL {
        return Err(format!(
            "{name}: unknown model kind {:?} ({KIND_KMEANS} or {KIND_SPHERICAL})",
            head.kind
        ));
    }
    let bad = |e: serde_json::Error| format!("{name}: invalid model: {e}");
    let model = match head.float.as_str() {
        "f32" => AnyModel::F32(parse(&text, &head.kind).map_err(bad)?),
        "f64" => AnyModel::F64(parse(&text, &head.kind).map_err(bad)?),
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
        ModelFile::new(Fitted::KMeans(model.clone()), columns.clone())
            .save(&path)
            .unwrap();
        let AnyModel::F32(back) = load(&path).unwrap() else {
            panic!("not f32")
        };
        assert_eq!(back.columns, columns);
        assert_eq!(back.model.centroids(), model.centroids());
        assert_eq!(back.model.kind(), KIND_KMEANS);

        // A spherical model comes back as one, with its training labels.
        let spherical = k_means::SphericalKMeans::new(2)
            .fit(&vec![[1.0_f64, 0.1], [5.0, 0.0], [0.0, 2.0]])
            .unwrap();
        let spherical_path = dir.join("spherical.json");
        ModelFile::new(Fitted::Spherical(spherical.clone()), columns.clone())
            .save(&spherical_path)
            .unwrap();
        let AnyModel::F64(back) = load(&spherical_path).unwrap() else {
            panic!("not f64")
        };
        let Fitted::Spherical(back) = back.model else {
            panic!("not spherical")
        };
        assert_eq!(back, spherical);
        let text = fs::read_to_string(&spherical_path).unwrap();
        // A file without a kind is a k-means model: this one then fails to load as one.
        let unkinded = text.replace("\"kind\": \"spherical\",", "");
        assert_ne!(unkinded, text);
        fs::write(dir.join("unkinded.json"), &unkinded).unwrap();
        assert!(
            load(&dir.join("unkinded.json"))
                .unwrap_err()
                .contains("invalid model")
        );
        fs::write(dir.join("odd.json"), text.replace("\"spherical\"", "\"fuzzy\"")).unwrap();
        assert!(
            load(&dir.join("odd.json"))
                .unwrap_err()
                .contains("unknown model kind \"fuzzy\"")
        );

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
