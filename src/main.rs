//! The `vtj-emulator` binary: parses the command line and hands it to the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    match vtj_emulator::cli::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vtj-emulator: {e:#}");
            ExitCode::FAILURE
        }
    }
}
