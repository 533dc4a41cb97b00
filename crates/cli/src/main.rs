//! `switchboard`: the headless front over switchboard-core, for scripts, servers and tests.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde::Serialize;
use switchboard_core::{AppError, OpenOptions, Switchboard};

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Manage a clinic's integrations from the command line"
)]
struct Cli {
    /// Folder holding the database and logs (default: the OS app-data directory).
    #[arg(long, global = true, env = "SWITCHBOARD_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Print data as JSON (errors too, on stderr).
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the version, the data directory, the database schema and the keychain in use.
    Info,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report_error(cli.json, &e);
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<(), switchboard_core::Error> {
    let sb = Switchboard::open(OpenOptions {
        data_dir: cli.data_dir.clone(),
        keychain: None,
    })?;
    let _log = switchboard_core::logging::init(sb.data_dir(), "cli", "warn");
    match &cli.command {
        Command::Info => {
            let info = sb.info()?;
            output(cli.json, &info, |i| {
                let keychain = if i.keychain.available {
                    "available".to_owned()
                } else {
                    format!(
                        "UNAVAILABLE: {}",
                        i.keychain.message.as_deref().unwrap_or("unknown")
                    )
                };
                format!(
                    "Switchboard {} ({:?} build)\nData directory:  {}\nDatabase:        {}\n\
                     Schema version:  {}\nKeychain:        {} ({})\nClinic:          {}",
                    i.version,
                    i.build_kind,
                    i.data_dir,
                    i.database_path,
                    i.schema_version,
                    i.keychain.backend,
                    keychain,
                    i.clinic_name.as_deref().unwrap_or("(not set)")
                )
            })
        }
    }
}

fn output<T: Serialize>(
    json: bool,
    value: &T,
    human: impl FnOnce(&T) -> String,
) -> Result<(), switchboard_core::Error> {
    if json {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| switchboard_core::Error::Internal(e.to_string()))?;
        println!("{text}");
    } else {
        println!("{}", human(value));
    }
    Ok(())
}

fn report_error(json: bool, e: &switchboard_core::Error) {
    let body = AppError::from(e);
    if json {
        eprintln!(
            "{}",
            serde_json::to_string(&body).unwrap_or_else(|_| body.message.clone())
        );
    } else {
        match &body.field {
            Some(field) => eprintln!("error: {field}: {}", body.message),
            None => eprintln!("error: {}", body.message),
        }
    }
}
