//! `switchboard apikey …` and `switchboard serve`: keys for the loopback ingest API, and the
//! headless server that runs the API together with the delivery worker.

use std::sync::Arc;

use clap::Subcommand;
use switchboard_core::api_keys::{ApiKey, ApiKeyDraft};
use switchboard_core::ingest;
use switchboard_core::webhooks::worker::{Worker, WorkerConfig};
use switchboard_core::{Actor, Result, Switchboard};
use tokio::sync::watch;

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

/// `switchboard serve`: the ingest API on 127.0.0.1:`port` and the delivery worker, until
/// Ctrl-C or SIGTERM. Both finish what they are doing before the process exits.
pub async fn serve(sb: Arc<Switchboard>, out: Output, port: u16) -> Result<()> {
    let (stop, stopping) = watch::channel(false);
    let server = ingest::serve(Arc::clone(&sb), port, stopped(stopping.clone())).await?;
    let worker = Worker::new(Arc::clone(&sb), WorkerConfig::from_env());
    let worker = tokio::spawn(worker.run(stopped(stopping)));
    let url = format!("http://{}/v1/events", server.addr());
    print(
        out,
        &serde_json::json!({ "listening": server.addr().to_string(), "url": url }),
        |_| {
            format!(
                "Ingest API listening on {url}; delivering webhooks from {}. Press Ctrl-C to stop.",
                sb.data_dir().display()
            )
        },
    )?;
    interrupted().await;
    let _ = stop.send(true);
    server.stopped().await;
    let _ = worker.await;
    Ok(())
}

async fn stopped(mut stopping: watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

/// Ctrl-C, or SIGTERM where there is one (a service manager stopping us).
async fn interrupted() {
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
