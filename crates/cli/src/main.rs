//! `switchboard`: the headless front over switchboard-core, for scripts, servers and tests.

mod apikey;
mod integration;
mod output;
mod webhooks;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use std::sync::Arc;

use switchboard_core::checks::OutcomeKind;
use switchboard_core::{Actor, Error, OpenOptions, Switchboard};

use output::{print, Output};

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
    /// Add, change, disable and remove Twilio, Square and QuickBooks integrations.
    #[command(subcommand)]
    Integration(integration::Command),
    /// Read and check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Test an integration's connection now; exits 0 only when it works.
    Test {
        /// The integration's name or id.
        integration: String,
    },
    /// Every integration's status: green, yellow, red or off, with the reason.
    Status,
    /// Add, change and remove webhook endpoints.
    #[command(subcommand)]
    Endpoint(webhooks::EndpointCommand),
    /// Queue an event for every subscribed endpoint.
    Emit {
        /// The event type, e.g. appointment.created or test.ping.
        #[arg(value_name = "TYPE")]
        event_type: String,
        /// The event's data: JSON text, or @path to read it from a file.
        #[arg(long)]
        data: String,
        /// An evt_… id, so that sending the same event twice delivers it once.
        #[arg(long)]
        id: Option<String>,
    },
    /// Deliver queued webhooks (headless); runs until stopped.
    Worker {
        /// Stop once nothing is due instead of waiting for more.
        #[arg(long)]
        drain: bool,
    },
    /// The delivery log: list, show, resend, export.
    #[command(subcommand)]
    Deliveries(webhooks::DeliveriesCommand),
    /// Keys for the ingest API: create (shown once), list, revoke.
    #[command(subcommand)]
    Apikey(apikey::ApiKeyCommand),
    /// Run the ingest API (POST /v1/events on 127.0.0.1) and deliver webhooks until Ctrl-C.
    Serve {
        /// Port on 127.0.0.1 (0 for any free port).
        #[arg(
            long,
            env = "SWITCHBOARD_INGEST_PORT",
            default_value_t = switchboard_core::ingest::DEFAULT_PORT
        )]
        port: u16,
    },
    /// Show or change settings.
    Settings {
        /// Minutes between background connection tests (1 to 1440).
        #[arg(long)]
        check_interval: Option<u32>,
        /// The clinic's name, shown in the app's header ("" removes it).
        #[arg(long)]
        clinic_name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain; exits non-zero and names the first bad row if it is broken.
    Verify,
    /// The newest audit rows.
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            output::report_error(cli.json, &e);
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, switchboard_core::Error> {
    let sb = Switchboard::open(OpenOptions {
        data_dir: cli.data_dir.clone(),
        ..Default::default()
    })?;
    // The log file gets everything; stderr stays clean for the one error message (or JSON).
    let _log = switchboard_core::logging::init(
        sb.data_dir(),
        "cli",
        if cli.json { "off" } else { "error" },
    );
    let out = Output { json: cli.json };
    let actor = Actor::os_user();
    match &cli.command {
        Command::Info => {
            print(out, &sb.info()?, output::info_text)?;
        }
        Command::Integration(cmd) => integration::run(&sb, &actor, out, cmd)?,
        Command::Audit(AuditCommand::Verify) => {
            let v = sb.verify_audit()?;
            print(out, &v, |v| v.message.clone())?;
            if !v.ok {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Test { integration } => {
            let runtime = runtime()?;
            let sb = Arc::new(sb);
            let run = runtime.block_on(sb.test_integration(integration))?;
            print(out, &run, output::test_text)?;
            if run.test.outcome.kind != OutcomeKind::Ok {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Status => print(out, &sb.statuses()?, |s| output::statuses_text(s))?,
        Command::Endpoint(cmd) => webhooks::endpoint(&sb, &actor, out, cmd)?,
        Command::Emit {
            event_type,
            data,
            id,
        } => webhooks::emit(&sb, out, event_type, data, id.clone())?,
        Command::Worker { drain } => runtime()?.block_on(webhooks::worker(Arc::new(sb), *drain))?,
        Command::Deliveries(cmd) => webhooks::deliveries(&sb, &actor, out, cmd)?,
        Command::Apikey(cmd) => apikey::run(&sb, &actor, out, cmd)?,
        Command::Serve { port } => runtime()?.block_on(apikey::serve(Arc::new(sb), out, *port))?,
        Command::Settings {
            check_interval,
            clinic_name,
        } => {
            let mut settings = sb.settings()?;
            if check_interval.is_some() || clinic_name.is_some() {
                if let Some(minutes) = check_interval {
                    settings.check_interval_minutes = *minutes;
                }
                if let Some(name) = clinic_name {
                    settings.clinic_name = Some(name.clone());
                }
                settings = sb.update_settings(&actor, &settings)?;
            }
            print(out, &settings, |s| {
                format!(
                    "Clinic name:     {}\nCheck interval:  {} minutes",
                    s.clinic_name.as_deref().unwrap_or("(not set)"),
                    s.check_interval_minutes
                )
            })?;
        }
        Command::Audit(AuditCommand::List { limit }) => {
            let rows = sb.recent_audit(*limit)?;
            print(out, &rows, |r| output::audit_text(r))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("could not start the async runtime: {e}")))
}
