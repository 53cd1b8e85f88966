//! Helpers for driving the real `runner` binary.

use std::process::{Command, Output};

/// Runs `runner` with `args` and returns its output.
pub fn runner(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runner"))
        .args(args)
        .output()
        .expect("the runner binary starts")
}
