//! Spherical k-means (cosine similarity): the builder, the model, the normalisation and the
//! loop of one run. It reuses the Euclidean machinery on unit rows (the certified assignment,
//! the exact sums, the empty-cluster policy, the starts), and nothing below imports it.

mod builder;
mod iterate;
mod model;
mod normalise;

pub use builder::SphericalKMeans;
pub use model::SphericalModel;
