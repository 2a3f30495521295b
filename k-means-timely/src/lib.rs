//! The `k-means` crate's exact fits over partitions on [timely dataflow](https://docs.rs/timely):
//! one process per machine (or per core), each reading only its own range of a data file's rows,
//! and the same model, bit for bit, as [`KMeans::fit`](k_means::KMeans::fit) on the whole file
//! in one process.
//!
//! * [`TimelyCollective`]: the core crate's [`Collective`](k_means::distributed::Collective)
//!   on a timely worker (its protocol, what crosses per round, and where all-to-all stops being
//!   fine are documented there).
//! * [`input`]: each process's contiguous range of a raw or text file.
//! * The `k-means-timely` binary (see the crate's README) puts them together: started once per
//!   process with timely's `-n P -p I -h HOSTFILE`.

pub mod input;

mod collective;

pub use collective::TimelyCollective;

use k_means::{Float, KMeansModel};

/// A float type the command line reads and clusters: `f32` or `f64`.
pub trait Element: Float + std::str::FromStr + Send + Sync + 'static {
    /// Bytes per value in a raw file.
    const SIZE: usize;
    /// The name used in messages and `--dtype`.
    const NAME: &'static str;
    /// The value of `SIZE` little-endian bytes.
    fn from_le(bytes: &[u8]) -> Self;
    /// The model in the core crate's serde format, as a JSON value.
    ///
    /// # Errors
    ///
    /// As [`serde_json::to_value`].
    fn model_json(model: &KMeansModel<Self>) -> serde_json::Result<serde_json::Value>;
}

impl Element for f32 {
    const SIZE: usize = 4;
    const NAME: &'static str = "f32";
    fn from_le(bytes: &[u8]) -> Self {
        f32::from_le_bytes(bytes.try_into().expect("4 bytes"))
    }
    fn model_json(model: &KMeansModel<Self>) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(model)
    }
}

impl Element for f64 {
    const SIZE: usize = 8;
    const NAME: &'static str = "f64";
    fn from_le(bytes: &[u8]) -> Self {
        f64::from_le_bytes(bytes.try_into().expect("8 bytes"))
    }
    fn model_json(model: &KMeansModel<Self>) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(model)
    }
}
