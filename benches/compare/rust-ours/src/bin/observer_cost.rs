//! The cost of watching a fit, counted in instructions rather than seconds: one fit of
//! `make_blobs(100 000, 16, 64, cluster_std = 2.0, seed 0)` (f32), without an observer, with a
//! no-op observer, or with a cancellation token that is never cancelled, so that the three can
//! be compared under `valgrind --tool=callgrind`, whose counts repeat exactly for the same binary
//! and input whatever else the machine is doing (wall-clock medians on a shared machine vary by
//! more than the 1 % being looked for).
//!
//! ```text
//! cargo build --release --manifest-path benches/compare/rust-ours/Cargo.toml --bin observer_cost
//! for v in none noop token; do
//!     RAYON_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!         benches/compare/rust-ours/target/release/observer_cost $v 10_iter 2>&1 | grep refs
//! done
//! ```
//!
//! Arguments: the variant (`none`, `noop`, `token`) and the fit (`10_iter`: ten Lloyd iterations
//! from the first 64 rows, tolerance 0; `plain`: the default start and `Auto` to convergence,
//! `Refine::None`). It prints the inertia and the number of iterations, which must agree across
//! the variants (a watched fit is the same fit).

use k_means::{Algorithm, CancelToken, Init, KMeans, Refine, RowMajor, datasets::make_blobs};
use std::ops::ControlFlow;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let variant = args.get(1).map_or("none", String::as_str);
    let fit = args.get(2).map_or("10_iter", String::as_str);
    let (n, d, k) = (100_000, 16, 64);
    let blobs = make_blobs::<f32>(n, d, k, 2.0, 0).expect("blobs");
    let data = blobs.data;
    let rows = RowMajor::new(&data, d).expect("rows");
    let km = match fit {
        "10_iter" => KMeans::new(k)
            .init(Init::Precomputed(data[..k * d].to_vec()))
            .algorithm(Algorithm::Lloyd)
            .max_iter(10)
            .tolerance(0.0),
        "plain" => KMeans::new(k).seed(0).refine(Refine::None),
        other => panic!("unknown fit {other}: 10_iter or plain"),
    };
    let km = match variant {
        "none" => km,
        "noop" => km.observer(|_| ControlFlow::Continue(())),
        "token" => km.cancel_token(CancelToken::new()),
        other => panic!("unknown variant {other}: none, noop or token"),
    };
    let model = km.fit(&rows).expect("fit");
    println!(
        "{variant} {fit}: inertia {} after {} iterations",
        model.inertia(),
        model.n_iter()
    );
}
