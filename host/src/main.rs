//! `interop`: run and inspect interop:connector components from the command line.

use std::process::ExitCode;

/// mimalloc: per-thread free lists without glibc's arena locking and chunk coalescing, which a
/// gateway serving many short calls on every core otherwise pays for on each one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    interop_tools::cli::main()
}
