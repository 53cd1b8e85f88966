//! End-to-end tests of the `runner` binary, compiled into one test binary.

mod util;

mod bad_input;
mod config_cli;
mod faults;
mod games_cli;
mod models_cli;
mod observe_cli;
mod report_cli;
mod run_cli;
mod secrets;
mod serve_cli;
mod shard_cli;
mod tournament_cli;
