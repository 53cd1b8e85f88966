//! The `runner` binary: a thin shell over `arena_runner`.

#[global_allocator]
static GLOBAL: arena_runner::Allocator = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    arena_runner::main()
}
