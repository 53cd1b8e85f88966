//! The `runner` binary: a thin shell over `arena_runner`.

fn main() -> std::process::ExitCode {
    arena_runner::main()
}
