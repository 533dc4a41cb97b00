//! `switchboard apikey …` and `switchboard serve`: keys for the loopback ingest API, and the
//! headless server that runs every background service (the API, the delivery worker, the
//! scheduled connection tests and retention) as the app window does.

use std::sync::Arc;

use clap::Subcommand;
use switchboard_core::api_keys::{ApiKey, ApiKeyDraft};
use switchboard_core::lock::{Program, ServicesLock};
use switchboard_core::services::Services;
use switchboard_core::{Actor, Result, Switchboard};

use crate::output::{print, Output};

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Make a key for the ingest API; prints it once (only its hash is kept).
    Create {
        /// What uses the key, e.g. "Practice management system".
        #[arg(long)]
        name: String,
        /// An event type the key may send (repeatable); every type when none is given.
        #[arg(long = "scope", value_name = "TYPE")]
        scopes: Vec<String>,
        /// Days until the key stops working; it never expires when not given.
        #[arg(long, value_name = "DAYS")]
        expires_in_days: Option<u32>,
    },
    /// Every key: its first characters, scopes and state — never the key itself.
    List,
    /// Stop a key from working, at once.
    Revoke { id: String },
    /// The events a key sent, newest first, and how many of its requests were refused.
    Uses {
        id: String,
        /// How many events to show (at most 200).
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

pub fn run(sb: &Switchboard, actor: &Actor, out: Output, cmd: &ApiKeyCommand) -> Result<()> {
    match cmd {
        ApiKeyCommand::Create {
            name,
            scopes,
            expires_in_days,
        } => {
            let created = sb.create_api_key(
                actor,
                ApiKeyDraft {
                    name: name.clone(),
                    scopes: scopes.clone(),
                    expires_in_days: *expires_in_days,
                },
            )?;
            print(out, &created, |c| {
                format!(
                    "Created API key “{}” ({})\nKey (shown once — copy it into the program that \
                     sends events now; Switchboard keeps only its hash):\n{}",
                    c.key.name, c.key.id, c.secret
                )
            })
        }
        ApiKeyCommand::List => print(out, &sb.list_api_keys(actor)?, |keys| {
            if keys.is_empty() {
                return "No API keys yet. Create one with `switchboard apikey create --name NAME`."
                    .to_owned();
            }
            keys.iter().map(key_line).collect::<Vec<_>>().join("\n")
        }),
        ApiKeyCommand::Revoke { id } => print(out, &sb.revoke_api_key(actor, id)?, |k| {
            format!(
                "Revoked “{}” ({}…); it stops working now.",
                k.name, k.prefix
            )
        }),
        ApiKeyCommand::Uses { id, limit } => {
            print(out, &sb.api_key_uses(actor, id, None, *limit)?, |page| {
                let mut lines: Vec<String> = page
                    .uses
                    .iter()
                    .map(|u| format!("{}  {:<22}  {}", u.at, u.event_type, u.event_id))
                    .collect();
                if lines.is_empty() {
                    lines.push("No events sent with this key yet.".to_owned());
                }
                lines.push(format!("Refused requests: {}", page.refused));
                lines.join("\n")
            })
        }
    }
}

fn key_line(k: &ApiKey) -> String {
    let state = serde_json::to_value(k.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_uppercase))
        .unwrap_or_default();
    format!(
        "{}  {}…  {:<7}  {}  [{}]  expires {}  last used {}",
        k.id,
        k.prefix,
        state,
        k.name,
        k.scopes.join(","),
        k.expires_at.as_deref().unwrap_or("never"),
        k.last_used_at.as_deref().unwrap_or("never"),
    )
}

/// `switchboard serve`: every background service — the ingest API on 127.0.0.1:`port`, the
/// delivery worker, the scheduled connection tests and retention — until Ctrl-C or SIGTERM, then
/// they finish what they are doing before the process exits. Refused while another process runs
/// them for this data folder.
pub async fn serve(sb: Arc<Switchboard>, out: Output, port: u16) -> Result<()> {
    let lock = ServicesLock::acquire(&sb, Program::Serve)?;
    let running = Services::new(Arc::clone(&sb))
        .ingest_api(port)
        .start(lock)
        .await?;
    let addr = running
        .ingest_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let url = format!("http://{addr}/v1/events");
    print(
        out,
        &serde_json::json!({
            "listening": addr,
            "url": url,
            "started": running.started(),
        }),
        |_| {
            let started: Vec<String> = running
                .started()
                .iter()
                .map(|s| format!("  - {}", s.description))
                .collect();
            format!(
                "Ingest API listening on {url}; delivering webhooks from {}.
Started:
{}
Press \
                 Ctrl-C to stop.",
                sb.data_dir().display(),
                started.join("\n")
            )
        },
    )?;
    interrupted().await;
    running.shutdown().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM where there is one (a service manager stopping us).
pub async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
