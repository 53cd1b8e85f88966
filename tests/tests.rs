//! End-to-end tests of the `runner` binary, compiled into one test binary.

mod util;

mod config_cli;
mod games_cli;
mod models_cli;
mod report_cli;
mod run_cli;
mod secrets;
mod serve_cli;
