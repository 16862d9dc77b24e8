//! The `vtj-emulator` binary: parses the command line and hands it to the library. Its
//! memory comes from mimalloc: glibc's allocator took about a fifth of the server's CPU
//! under load, arena lock waits included (BENCHMARKS.md, "Serving cost (issue 15)").

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match vtj_emulator::cli::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vtj-emulator: {e:#}");
            ExitCode::FAILURE
        }
    }
}
