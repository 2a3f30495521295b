//! Fuzz fits over partitions against `KMeans::fit`; see `k_means_fuzz::partitions`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: k_means_fuzz::partitions::PartitionInput| {
    k_means_fuzz::partitions::run(&input);
});
