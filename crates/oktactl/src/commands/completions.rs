//! `oktactl completions <shell>` and `oktactl man`: generated from the flag definitions in
//! `cli.rs`, so they never disagree with `--help`.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::commands::CommandError;

/// Prints the completion script for the shell.
pub fn completions(args: CompletionsArgs) -> Result<(), CommandError> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "oktactl", &mut out);
    write_stdout(&out)
}

/// Prints the man page (roff).
pub fn man() -> Result<(), CommandError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(CommandError::Output)?;
    write_stdout(&out)
}

/// A closed pipe (`oktactl man | head`) is not an error, as in `output::print_line`.
fn write_stdout(bytes: &[u8]) -> Result<(), CommandError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CommandError::Output(e)),
    }
}
