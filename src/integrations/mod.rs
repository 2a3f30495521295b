//! Input from, and output to, other crates' data types, each behind its own crate feature: the
//! [`AsRows`](crate::AsRows) implementations and the model's outputs in their types. Nothing
//! here is compiled without its feature.

#[cfg(feature = "arrow")]
mod arrow;
#[cfg(feature = "ndarray")]
mod ndarray;
