//! `switchboard`: the headless front over switchboard-core, for scripts, servers and tests.

mod apikey;
mod events;
mod generate;
mod integration;
mod output;
mod sync;
mod users;
mod webhooks;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use std::sync::Arc;

use switchboard_core::audit::view::AuditFilter;
use switchboard_core::audit::AuditResult;
use switchboard_core::checks::OutcomeKind;
use switchboard_core::export::ExportFormat;
use switchboard_core::{Error, OpenOptions, Operation, Switchboard};

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

    /// Act as this local user, with their role's permissions. The password comes from standard
    /// input (--password-stdin) or from the keychain (after `switchboard login`).
    #[arg(long, global = true, env = "SWITCHBOARD_USER", value_name = "NAME")]
    user: Option<String>,

    /// Read the user's password from the first line of standard input (before any secret).
    #[arg(long, global = true)]
    password_stdin: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the version, the data directory, the database schema and the keychain in use.
    Info,
    /// First start: the clinic's name and the admin account (password on standard input).
    Setup {
        #[arg(long)]
        clinic_name: String,
        /// The admin's username.
        #[arg(long)]
        admin: String,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Check --user's password (standard input) and keep it in the OS keychain for later commands.
    Login,
    /// Remove --user's kept password from the keychain.
    Logout,
    /// Local accounts (admin): list, add, set, reset-password.
    #[command(subcommand)]
    User(users::UserCommand),
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
    /// The event catalogue: `schema` prints it as JSON Schema, `list` shows each type's fields.
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// Deliver queued webhooks and perform sync jobs (headless); runs until stopped.
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
    /// The sync log (list, show, retry, skip, ack, export) and "Sync now".
    #[command(subcommand)]
    Sync(sync::SyncCommand),
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
    /// The man page or shell completions (for packagers).
    #[command(subcommand, hide = true)]
    Generate(generate::GenerateCommand),
    /// Show or change settings.
    Settings {
        /// Minutes between background connection tests (1 to 1440).
        #[arg(long)]
        check_interval: Option<u32>,
        /// The clinic's name, shown in the app's header ("" removes it).
        #[arg(long)]
        clinic_name: Option<String>,
        /// Minutes without use before the app locks (1 to 240; admin).
        #[arg(long)]
        idle_lock_minutes: Option<u32>,
        /// Days audit rows and delivery history are kept (365 to 3650; admin).
        #[arg(long)]
        retention_days: Option<u32>,
    },
}

/// Filters shared by `audit list` and `audit export`.
#[derive(Debug, clap::Args)]
struct AuditFilterArgs {
    /// Who: a username, or system:…, api:…
    #[arg(long)]
    actor: Option<String>,
    /// An action (integration.update) or a family (integration).
    #[arg(long)]
    action: Option<String>,
    /// The object's id or name.
    #[arg(long)]
    object: Option<String>,
    /// ok, refused or failed.
    #[arg(long)]
    result: Option<String>,
    /// Rows at or after this time (RFC 3339).
    #[arg(long)]
    from: Option<String>,
    /// Rows before this time (RFC 3339).
    #[arg(long)]
    to: Option<String>,
}

impl AuditFilterArgs {
    fn filter(&self) -> Result<AuditFilter, Error> {
        let result = match self.result.as_deref() {
            None | Some("") => None,
            Some("ok") => Some(AuditResult::Ok),
            Some("refused") => Some(AuditResult::Refused),
            Some("failed") => Some(AuditResult::Failed),
            Some(_) => {
                return Err(Error::validation(
                    "result",
                    "A result is ok, refused or failed.",
                ))
            }
        };
        Ok(AuditFilter {
            actor: self.actor.clone(),
            action: self.action.clone(),
            object: self.object.clone(),
            result,
            from: self.from.clone(),
            to: self.to.clone(),
        })
    }
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain; exits non-zero and names the first bad row if it is broken.
    Verify,
    /// Audit rows, newest first, filtered.
    List {
        #[command(flatten)]
        filter: AuditFilterArgs,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Write the filtered rows to a file (CSV or JSON) with the chain check's result.
    Export {
        #[command(flatten)]
        filter: AuditFilterArgs,
        /// csv or json.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Folder to write to (default: Downloads).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Remove audit rows and delivery history older than the retention period now.
    Prune,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before opening the data dir: a package build has none.
    let result = match &cli.command {
        Command::Generate(what) => generate::run::<Cli>(what).map(|()| ExitCode::SUCCESS),
        Command::Events(what) => events::run(cli.json, what).map(|()| ExitCode::SUCCESS),
        _ => run(&cli),
    };
    match result {
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
    match &cli.command {
        Command::Info => {
            print(out, &sb.info()?, output::info_text)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Setup {
            clinic_name,
            admin,
            display_name,
        } => {
            users::setup(&sb, out, clinic_name, admin, display_name.clone())?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Login => {
            users::login(&sb, out, needs_user(cli)?)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Logout => {
            users::logout(&sb, out, needs_user(cli)?)?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let actor = users::sign_in(&sb, needs_user(cli)?, cli.password_stdin)?;
    match &cli.command {
        Command::Info
        | Command::Setup { .. }
        | Command::Login
        | Command::Logout
        | Command::Generate(_)
        | Command::Events(_) => {}
        Command::User(cmd) => users::run(&sb, &actor, out, cmd)?,
        Command::Integration(integration::Command::TestText {
            integration,
            to,
            interval,
            timeout,
        }) => {
            let runtime = runtime()?;
            let ok = integration::test_text(
                Arc::new(sb),
                &actor,
                out,
                &runtime,
                integration,
                to,
                *interval,
                *timeout,
            )?;
            if !ok {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Integration(cmd) => integration::run(&Arc::new(sb), &actor, out, cmd)?,
        Command::Audit(AuditCommand::Verify) => {
            let v = sb.verify_audit(&actor)?;
            print(out, &v, |v| v.message.clone())?;
            if !v.ok {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Audit(AuditCommand::List { filter, limit }) => {
            let page = sb.audit_page(&actor, &filter.filter()?, None, *limit)?;
            print(out, &page.rows, |r| output::audit_text(r))?;
        }
        Command::Audit(AuditCommand::Export {
            filter,
            format,
            out: dir,
        }) => {
            let format = match format.as_str() {
                "csv" => ExportFormat::Csv,
                "json" => ExportFormat::Json,
                _ => return Err(Error::validation("format", "The format is csv or json.")),
            };
            let e = sb.export_audit(&actor, &filter.filter()?, format, dir.clone())?;
            print(out, &e, |e| {
                format!(
                    "Wrote {} audit rows to {}\n{}",
                    e.exported.rows, e.exported.path, e.verification.message
                )
            })?;
            if !e.verification.ok {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Audit(AuditCommand::Prune) => {
            let p = sb.prune(&actor)?;
            print(out, &p, |p| {
                format!(
                    "Removed what was older than {}: {} audit rows, {} delivery attempts, {} deliveries.",
                    p.cutoff, p.audit_rows, p.delivery_attempts, p.deliveries
                )
            })?;
        }
        Command::Test { integration } => {
            let runtime = runtime()?;
            let sb = Arc::new(sb);
            let run = runtime.block_on(sb.test_integration(&actor, integration))?;
            print(out, &run, output::test_text)?;
            if run.test.outcome.kind != OutcomeKind::Ok {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Status => print(out, &sb.statuses(&actor)?, |s| output::statuses_text(s))?,
        Command::Endpoint(cmd) => webhooks::endpoint(&sb, &actor, out, cmd)?,
        Command::Emit {
            event_type,
            data,
            id,
        } => webhooks::emit(&sb, &actor, out, event_type, data, id.clone())?,
        Command::Worker { drain } => {
            sb.authorize(&actor, Operation::WorkerRun, None)?;
            runtime()?.block_on(webhooks::worker(Arc::new(sb), *drain))?
        }
        Command::Deliveries(cmd) => webhooks::deliveries(&sb, &actor, out, cmd)?,
        Command::Apikey(cmd) => apikey::run(&sb, &actor, out, cmd)?,
        Command::Sync(cmd) => sync::run(&sb, &actor, out, cmd)?,
        Command::Serve { port } => {
            sb.authorize(&actor, Operation::WorkerRun, None)?;
            runtime()?.block_on(apikey::serve(Arc::new(sb), out, *port))?
        }
        Command::Settings {
            check_interval,
            clinic_name,
            idle_lock_minutes,
            retention_days,
        } => {
            let mut settings = sb.settings()?;
            let before = settings.clone();
            if let Some(minutes) = check_interval {
                settings.check_interval_minutes = *minutes;
            }
            if let Some(name) = clinic_name {
                settings.clinic_name = Some(name.clone());
            }
            if let Some(m) = idle_lock_minutes {
                settings.idle_lock_minutes = *m;
            }
            if let Some(d) = retention_days {
                settings.retention_days = *d;
            }
            if settings != before {
                settings = sb.update_settings(&actor, &settings)?;
            }
            print(out, &settings, |s| {
                format!(
                    "Clinic name:     {}\nCheck interval:  {} minutes\nIdle lock:       {} minutes\nRetention:       {} days",
                    s.clinic_name.as_deref().unwrap_or("(not set)"),
                    s.check_interval_minutes,
                    s.idle_lock_minutes,
                    s.retention_days
                )
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn needs_user(cli: &Cli) -> Result<&str, Error> {
    cli.user
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| {
            Error::Locked(
                "This command acts for a user: pass --user NAME (or set SWITCHBOARD_USER), with \
             --password-stdin or a password kept by `switchboard login`. On a new installation, \
             run `switchboard setup` first."
                    .into(),
            )
        })
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("could not start the async runtime: {e}")))
}
