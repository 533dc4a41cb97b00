//! `switchboard generate man|completions SHELL`: the man page and shell completions, written
//! from the same clap definition that parses the arguments, so they cannot drift from it.
//! Hidden: packagers call it while building the `.deb`/`.rpm` (see `make package`).

use std::io::Write;

use clap::{CommandFactory, Subcommand};
use switchboard_core::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// The man page (roff) on standard output.
    Man,
    /// Completions for a shell on standard output.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

pub fn run<C: CommandFactory>(what: &GenerateCommand) -> Result<()> {
    let mut cmd = C::command();
    // Rendered into memory first: clap_complete panics on a write error (e.g. `| head`).
    let mut text = Vec::new();
    match what {
        GenerateCommand::Man => clap_mangen::Man::new(cmd)
            .render(&mut text)
            .map_err(|e| Error::Internal(format!("rendering the man page: {e}")))?,
        GenerateCommand::Completions { shell } => {
            let name = cmd.get_name().to_owned();
            clap_complete::generate(*shell, &mut cmd, name, &mut text);
        }
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(&text).and_then(|()| out.flush()) {
        // A reader that stopped early (`| head`) is not an error worth a message.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::Internal(format!("writing to standard output: {e}")))
        }
        _ => Ok(()),
    }
}
