//! Project tasks. `cargo run --release -p xtask -- bench [--runs N] [--lookups N]` measures
//! oktactl against baselines measured in the same run and prints a table (and writes
//! `target/bench/results.json`):
//!
//! - a cold `oktactl token` process with a cached token, and a full `oktactl connect` process,
//!   vs. a Python process that imports Okta's official SDK and gets a token the same way
//!   (private key, DPoP on);
//! - user lookups through the library at concurrency 1/4/16 vs. a raw HTTP floor (the same
//!   requests from a bare reqwest loop with a static token);
//! - signing: client assertions and DPoP proofs per second (criterion has the careful version:
//!   `cargo bench -p oktactl-auth`).
//!
//! Everything runs against the in-process sandbox on 127.0.0.1.

mod bench;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bench") => bench::Options::parse(&args[1..]).and_then(bench::run),
        _ => Err("usage: cargo run --release -p xtask -- bench [--runs N] [--lookups N]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
