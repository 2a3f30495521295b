//! Fuzz the building blocks and the metrics; see `k_means_fuzz::blocks`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: k_means_fuzz::blocks::BlocksInput| {
    k_means_fuzz::blocks::run(&input);
});
