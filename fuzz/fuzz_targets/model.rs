//! Fuzz loading a model (and a builder) from bytes and JSON, then its accessors, `predict` and
//! `transform`; see `k_means_fuzz::model`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: k_means_fuzz::model::ModelInput| {
    k_means_fuzz::model::run(&input);
});
