//! `switchboard endpoint …`, `emit`, `worker` and `deliveries …`: webhooks from the command line.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Subcommand;
use switchboard_core::lock::{Program, ServicesLock};
use switchboard_core::sync::worker::{SyncConfig, SyncWorker};
use switchboard_core::webhooks::log::{DeliveryFilter, DeliveryStatus, ExportFormat};
use switchboard_core::webhooks::worker::{Worker, WorkerConfig};
use switchboard_core::webhooks::{EmitRequest, EndpointDraft, EndpointPatch, Scheme};
use switchboard_core::{Actor, Error, Result, Switchboard};

use crate::output::{print, Output};

#[derive(Debug, Subcommand)]
pub enum EndpointCommand {
    /// Add an endpoint; prints its signing secret once.
    Add {
        url: String,
        #[arg(long, default_value = "")]
        description: String,
        /// An event type to deliver (repeatable); every event when none is given.
        #[arg(long = "event", value_name = "TYPE")]
        events: Vec<String>,
        /// Sign with the seeds' `X-Webhook-Signature: sha256=<hex>` instead of Standard Webhooks.
        #[arg(long)]
        hex_signature: bool,
        /// Read the signing secret from standard input instead of generating one.
        #[arg(long)]
        secret_from_stdin: bool,
        /// A custom header, as Name=value (repeatable). Values are kept in the keychain.
        #[arg(long = "header", value_name = "NAME=VALUE")]
        headers: Vec<String>,
        #[arg(long)]
        timeout: Option<u32>,
        /// Allow plain http:// (for a server on the clinic's own network).
        #[arg(long)]
        allow_http: bool,
        /// Allow private/LAN and local addresses.
        #[arg(long)]
        allow_private: bool,
    },
    List,
    Show {
        endpoint: String,
    },
    /// Change an endpoint: only what is given changes.
    Set {
        endpoint: String,
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long = "event", value_name = "TYPE")]
        events: Vec<String>,
        #[arg(long)]
        timeout: Option<u32>,
        #[arg(long)]
        allow_http: Option<bool>,
        #[arg(long)]
        allow_private: Option<bool>,
    },
    Disable {
        endpoint: String,
    },
    Enable {
        endpoint: String,
    },
    Remove {
        endpoint: String,
    },
    /// Make a new signing secret; the old one keeps signing for 24 hours.
    RotateSecret {
        endpoint: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeliveriesCommand {
    /// The newest deliveries, filtered.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Continue after this delivery id (from the previous page).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// One delivery with every attempt.
    Show { id: String },
    /// Send failed or dead deliveries again: the ids given, or all matching the filter.
    Resend {
        ids: Vec<String>,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Write the filtered log as CSV or JSON.
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_parser = ["csv", "json"], default_value = "csv")]
        format: String,
        /// Folder to write to (default: Downloads).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

/// `--status`: the delivery states' own names, listed in `--help`.
fn status_parser() -> impl clap::builder::TypedValueParser<Value = DeliveryStatus> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(DeliveryStatus::ALL.map(DeliveryStatus::as_str))
        .try_map(|s| DeliveryStatus::parse(&s))
}

#[derive(Debug, clap::Args)]
pub struct FilterArgs {
    #[arg(long)]
    endpoint: Option<String>,
    #[arg(long = "type")]
    event_type: Option<String>,
    #[arg(long, value_parser = status_parser())]
    status: Option<DeliveryStatus>,
    #[arg(long)]
    from: Option<String>,
    #[arg(long)]
    to: Option<String>,
    #[arg(long)]
    event: Option<String>,
}

impl FilterArgs {
    fn to_filter(&self) -> DeliveryFilter {
        DeliveryFilter {
            endpoint_id: self.endpoint.clone(),
            event_type: self.event_type.clone(),
            status: self.status,
            from: self.from.clone(),
            to: self.to.clone(),
            event_id: self.event.clone(),
        }
    }

    fn is_empty(&self) -> bool {
        self.endpoint.is_none()
            && self.event_type.is_none()
            && self.status.is_none()
            && self.from.is_none()
            && self.to.is_none()
            && self.event.is_none()
    }
}

pub fn endpoint(sb: &Switchboard, actor: &Actor, out: Output, cmd: &EndpointCommand) -> Result<()> {
    match cmd {
        EndpointCommand::Add {
            url,
            description,
            events,
            hex_signature,
            secret_from_stdin,
            headers,
            timeout,
            allow_http,
            allow_private,
        } => {
            let secret = if *secret_from_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .map_err(|e| Error::validation("secret", format!("could not read it: {e}")))?;
                Some(line.trim().to_owned())
            } else {
                None
            };
            let created = sb.create_endpoint(
                actor,
                EndpointDraft {
                    url: url.clone(),
                    description: description.clone(),
                    event_types: events.clone(),
                    scheme: Some(if *hex_signature {
                        Scheme::HmacSha256Hex
                    } else {
                        Scheme::StandardWebhooks
                    }),
                    secret,
                    headers: parse_headers(headers)?,
                    timeout_secs: *timeout,
                    allow_http: *allow_http,
                    allow_private: *allow_private,
                },
            )?;
            print(out, &created, |c| {
                format!(
                    "Added endpoint {} ({})\nSigning secret (shown once — store it in the receiver now):\n{}",
                    c.endpoint.url, c.endpoint.id, c.secret
                )
            })
        }
        EndpointCommand::List => print(out, &sb.list_endpoints(actor)?, |list| {
            if list.is_empty() {
                return "No webhook endpoints yet. Add one with `switchboard endpoint add URL`."
                    .to_owned();
            }
            list.iter()
                .map(|e| {
                    format!(
                        "{}  {}  {}  [{}]{}",
                        e.id,
                        if e.enabled { "enabled " } else { "DISABLED" },
                        e.url,
                        e.event_types.join(","),
                        e.disabled_reason
                            .as_deref()
                            .map(|r| format!(" — {r}"))
                            .unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }),
        EndpointCommand::Show { endpoint } => print(out, &sb.get_endpoint(actor, endpoint)?, |e| {
            format!("{e:#?}")
        }),
        EndpointCommand::Set {
            endpoint,
            url,
            description,
            events,
            timeout,
            allow_http,
            allow_private,
        } => {
            let patch = EndpointPatch {
                url: url.clone(),
                description: description.clone(),
                event_types: (!events.is_empty()).then(|| events.clone()),
                timeout_secs: *timeout,
                allow_http: *allow_http,
                allow_private: *allow_private,
                ..Default::default()
            };
            print(out, &sb.update_endpoint(actor, endpoint, patch)?, |e| {
                format!("Saved {}", e.url)
            })
        }
        EndpointCommand::Disable { endpoint } => print(
            out,
            &sb.set_endpoint_enabled(actor, endpoint, false)?,
            |e| format!("Disabled {}", e.url),
        ),
        EndpointCommand::Enable { endpoint } => {
            print(out, &sb.set_endpoint_enabled(actor, endpoint, true)?, |e| {
                format!("Enabled {}", e.url)
            })
        }
        EndpointCommand::Remove { endpoint } => {
            let e = sb.get_endpoint(actor, endpoint)?;
            sb.delete_endpoint(actor, &e.id)?;
            print(out, &serde_json::json!({ "removed": e.id }), |_| {
                format!("Removed {}", e.url)
            })
        }
        EndpointCommand::RotateSecret { endpoint } => {
            let secret = sb.rotate_endpoint_secret(actor, endpoint)?;
            print(out, &serde_json::json!({ "secret": secret }), |_| {
                format!("New signing secret (shown once; the old one keeps working for 24 hours):\n{secret}")
            })
        }
    }
}

fn parse_headers(pairs: &[String]) -> Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| {
                    Error::validation("headers", format!("“{p}” must be written Name=value."))
                })
        })
        .collect()
}

/// `switchboard emit TYPE --data JSON|@file [--id evt_…]`.
pub fn emit(
    sb: &Switchboard,
    actor: &Actor,
    out: Output,
    event_type: &str,
    data: &str,
    id: Option<String>,
) -> Result<()> {
    let data = match data.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Error::validation("data", format!("could not read {path}: {e}")))?,
        None => data.to_owned(),
    };
    let emitted = sb.emit(
        actor,
        &EmitRequest {
            event_type: event_type.to_owned(),
            data,
            id,
        },
    )?;
    print(out, &emitted, |e| {
        if e.duplicate {
            format!("{} was already queued; nothing new was sent.", e.event_id)
        } else {
            format!("Queued {} for {} endpoint(s).", e.event_id, e.deliveries)
        }
    })
}

/// `switchboard worker`: delivers until interrupted (Ctrl-C / SIGTERM), or, with `--drain`,
/// until nothing is due.
pub async fn worker(sb: Arc<Switchboard>, drain: bool) -> Result<()> {
    // The worker is a background service: one process per data folder runs them, and holding
    // the lock means whatever leases are left belong to a process that died.
    let lock = ServicesLock::acquire(&sb, Program::Worker)?;
    let (_, lock) = switchboard_core::services::reclaim_leases(&sb, lock).await?;
    let _lock = {
        let sb = Arc::clone(&sb);
        tokio::task::spawn_blocking(move || {
            switchboard_core::sync::worker::reclaim_leases(&sb, &lock).map(|_| lock)
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()))??
    };
    let mut worker = Worker::new(Arc::clone(&sb), WorkerConfig::from_env())?;
    let mut sync = SyncWorker::new(Arc::clone(&sb), SyncConfig::from_env());
    if drain {
        // Sync jobs can make events (Square payments) and so deliveries: drain both until
        // neither has anything due.
        while worker.run_once().await? + sync.run_once().await? > 0 {}
        return Ok(());
    }
    eprintln!(
        "Delivering webhooks and performing sync jobs from {}; press Ctrl-C to stop.",
        sb.data_dir().display()
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let sync_task = tokio::spawn(async move {
        let mut stopped = stopped;
        sync.run(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })
        .await;
    });
    worker.run(crate::apikey::interrupted()).await;
    let _ = stop.send(true);
    let _ = sync_task.await;
    Ok(())
}

pub fn deliveries(
    sb: &Switchboard,
    actor: &Actor,
    out: Output,
    cmd: &DeliveriesCommand,
) -> Result<()> {
    match cmd {
        DeliveriesCommand::List {
            filter,
            limit,
            cursor,
        } => {
            let page = sb.deliveries(actor, &filter.to_filter(), cursor.as_deref(), *limit)?;
            print(out, &page, |p| {
                let mut lines: Vec<String> = p
                    .rows
                    .iter()
                    .map(|r| {
                        format!(
                            "{:>8}  {}  {:<10} {:<22} {:>3}  {:>2} attempt(s)  {}",
                            r.id,
                            r.created_at,
                            r.status.as_str(),
                            r.event_type,
                            r.last_status
                                .map(|s| s.to_string())
                                .unwrap_or_else(|| "-".into()),
                            r.attempts,
                            r.endpoint_url
                        )
                    })
                    .collect();
                if let Some(c) = &p.next_cursor {
                    lines.push(format!("(more: --cursor {c})"));
                }
                if lines.is_empty() {
                    "No deliveries match.".to_owned()
                } else {
                    lines.join("\n")
                }
            })
        }
        DeliveriesCommand::Show { id } => print(out, &sb.delivery(actor, id)?, |d| {
            let r = &d.delivery;
            let mut text = format!(
                "Delivery {} — {} to {}\n  event:   {} ({})\n  status:  {} after {} attempt(s){}\n  payload: {}",
                r.id,
                r.event_type,
                r.endpoint_url,
                r.event_id,
                r.created_at,
                r.status.as_str(),
                r.attempts,
                r.next_attempt_at.as_deref().map(|t| format!(", next at {t}")).unwrap_or_default(),
                d.payload
            );
            for a in &d.attempts {
                let outcome = match (a.status_code, &a.error) {
                    (Some(code), None) => format!("HTTP {code}"),
                    (Some(code), Some(e)) => format!("HTTP {code}: {e}"),
                    (None, Some(e)) => e.clone(),
                    (None, None) => "no answer".to_owned(),
                };
                text.push_str(&format!(
                    "\n  #{} {} {} ms — {outcome}",
                    a.attempt, a.at, a.duration_ms
                ));
            }
            text
        }),
        DeliveriesCommand::Resend { ids, filter } => {
            let filter = (!filter.is_empty()).then(|| filter.to_filter());
            if ids.is_empty() && filter.is_none() {
                return Err(Error::validation(
                    "ids",
                    "Give delivery ids, or a filter such as --status dead.",
                ));
            }
            let n = sb.resend(actor, ids, filter.as_ref())?;
            print(out, &serde_json::json!({ "resent": n }), |_| {
                format!("Queued {n} deliveries again.")
            })
        }
        DeliveriesCommand::Export {
            filter,
            format,
            dir,
        } => {
            let format = if format == "json" {
                ExportFormat::Json
            } else {
                ExportFormat::Csv
            };
            let done = sb.export_deliveries(actor, &filter.to_filter(), format, dir.clone())?;
            print(out, &done, |d| {
                format!("Wrote {} deliveries to {}", d.rows, d.path)
            })
        }
    }
}
