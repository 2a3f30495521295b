//! `k-means`: exact, deterministic k-means on CSV and text files, from the command line
//! (feature `cli`: `cargo install k-means --features cli`).
//!
//! ```text
//! k-means fit points.csv -k 5 --model model.json --labels labels.txt
//! k-means predict --model model.json new.csv
//! k-means sweep points.csv --k 2..12 --plot elbow.svg
//! k-means plot points.csv --model model.json --out clusters.svg
//! k-means fit embeddings.csv -k 20 --spherical --model topics.json
//! ```
//!
//! One module per job: `args` (the command line), `input` (reading DATA), `fitted` (the two
//! kinds of model behind one interface), `model_file` (the saved model), `commands` (each
//! subcommand), `output` (writing results), `plot` and `pca` (the pictures).

mod args;
mod commands;
mod fitted;
mod input;
mod model_file;
mod output;
mod pca;
mod plot;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::output::Failure;

fn main() -> ExitCode {
    // Bad arguments: clap prints the message (or the help) and exits with status 2 (0 for
    // --help and --version).
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Fit(a) => commands::fit(a),
        Command::Predict(a) => commands::apply(a, false),
        Command::Transform(a) => commands::apply(a, true),
        Command::Sweep(a) => commands::sweep(a),
        Command::Plot(a) => commands::plot(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output has gone (`| head`): nothing more to say, and no one to say
        // it to.
        Err(Failure::BrokenPipe) => ExitCode::SUCCESS,
        Err(Failure::Message(msg)) => {
            // If stderr is closed too, there is nothing left to do.
            let _ = writeln!(io::stderr(), "error: {msg}");
            ExitCode::from(1)
        }
    }
}
