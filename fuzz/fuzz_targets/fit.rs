//! Fuzz `KMeans::fit`, then `predict` / `transform`; see `k_means_fuzz::fit`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: k_means_fuzz::fit::FitInput| {
    k_means_fuzz::fit::run(&input);
});
