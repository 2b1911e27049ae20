//! Measured runs of the binary (time, peak memory), shared with `robustness-report`.

#![allow(dead_code)]

use std::process::Command;
use std::time::Duration;

#[path = "../src/measure.rs"]
mod shared;

pub use shared::Measured;

/// Runs `command`, measured; a hang past `limit` is a test failure.
pub fn run_measured(command: Command, limit: Duration) -> Measured {
    shared::run_measured(command, limit).unwrap_or_else(|e| panic!("{e}"))
}
