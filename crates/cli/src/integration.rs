//! `switchboard integration …`: the same operations as the Integrations page.
//! Secrets are read from standard input (one line each, in the order given), never from an
//! argument, so they stay out of shell history and process listings.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use clap::Subcommand;
use switchboard_core::integrations::{IntegrationDraft, IntegrationPatch};
use switchboard_core::oauth::{ConnectOptions, Connected, SquareLocation};
use switchboard_core::providers::{self, Provider};
use switchboard_core::sync::job::SyncRule;
use switchboard_core::{Actor, Error, Result, Switchboard};

use crate::output::{self, print, Output};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add an integration: `integration add twilio --name SMS --set account_sid=AC… --secret auth_token`.
    Add {
        #[arg(value_parser = ["twilio", "square", "quickbooks"])]
        provider: String,
        #[arg(long)]
        name: String,
        /// Environment (Twilio: live or test; Square and QuickBooks: production or sandbox).
        #[arg(long = "env")]
        environment: Option<String>,
        /// A custom base URL (Advanced): https://, or http:// to this computer only.
        #[arg(long)]
        base_url: Option<String>,
        /// A non-secret field, as field=value. Repeatable.
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        values: Vec<String>,
        /// A secret field to read from standard input. Repeatable.
        #[arg(long = "secret", value_name = "FIELD")]
        secrets: Vec<String>,
    },
    /// List integrations.
    List,
    /// Show one integration (by name or id). Secrets show only as set or not set.
    Show { integration: String },
    /// Change an integration: only the fields given change.
    Set {
        integration: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "env")]
        environment: Option<String>,
        /// A custom base URL; an empty value removes it.
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        values: Vec<String>,
        /// A secret field to replace, read from standard input. Repeatable.
        #[arg(long = "secret", value_name = "FIELD")]
        secrets: Vec<String>,
        /// Refuse the change if the integration is no longer at this revision.
        #[arg(long)]
        revision: Option<u32>,
        /// Turn a sync rule on or off: appointment_texts (Twilio), invoices (QuickBooks),
        /// payments_in (Square). Repeatable.
        #[arg(long = "sync", value_name = "RULE=on|off")]
        sync: Vec<String>,
    },
    /// Stop using an integration without removing it.
    Disable { integration: String },
    /// Use a disabled integration again.
    Enable { integration: String },
    /// Remove an integration and its secrets from the keychain.
    Remove { integration: String },
    /// Connect QuickBooks or Square through the provider's sign-in page: prints the address,
    /// opens the browser ($BROWSER when set) and waits for the sign-in to come back.
    Connect {
        integration: String,
        /// Only print the address; open it yourself (on any browser of this computer).
        #[arg(long)]
        no_browser: bool,
    },
    /// End a connection: QuickBooks (and Square with an application secret) revoke it; the
    /// tokens are removed from the keychain.
    Disconnect { integration: String },
    /// List the Square merchant's active locations, or choose one with --choose.
    Location {
        integration: String,
        #[arg(long, value_name = "LOCATION_ID")]
        choose: Option<String>,
    },
    /// Send a test text from a Twilio integration and follow its status until it is final
    /// (queued → sent → delivered, or undelivered/failed with Twilio's code and its meaning).
    /// Exits 0 only when the text was delivered (or accepted with test credentials).
    TestText {
        integration: String,
        /// The number to text, in international form (+15551234567).
        #[arg(long)]
        to: String,
        /// Seconds between status reads.
        #[arg(long, default_value_t = 2.0, hide = true)]
        interval: f64,
        /// Give up following the status after this many seconds.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
}

/// `integration test-text`: sends, then reads the status until it is final, printing each
/// change (one JSON object per line with `--json`). `Ok(true)` when delivered or accepted with
/// test credentials.
#[allow(clippy::too_many_arguments)]
pub fn test_text(
    sb: std::sync::Arc<Switchboard>,
    actor: &Actor,
    out: Output,
    runtime: &tokio::runtime::Runtime,
    integration: &str,
    to: &str,
    interval: f64,
    timeout: u64,
) -> Result<bool> {
    use switchboard_core::checks::test_text::{MessageStatus, TestText, TestTextRequest};

    let show = |text: &TestText| -> Result<()> {
        if out.json {
            let line = serde_json::to_string(text).map_err(|e| Error::Internal(e.to_string()))?;
            println!("{line}");
        } else {
            let status = text.status.map_or("not sent", MessageStatus::as_str);
            println!("{status}: {}", text.summary);
        }
        Ok(())
    };
    let request = TestTextRequest { to: to.to_owned() };
    let mut text = runtime.block_on(sb.send_test_text(actor, integration, &request))?;
    if !out.json {
        if let Some(sid) = &text.sid {
            println!("Sent test text {sid} to {}", text.to);
        }
    }
    show(&text)?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(timeout);
    let pause = std::time::Duration::from_secs_f64(interval.clamp(0.05, 60.0));
    while !text.is_final && std::time::Instant::now() < deadline {
        std::thread::sleep(pause);
        let Some(sid) = text.sid.clone() else { break };
        let next = runtime.block_on(sb.test_text_status(actor, integration, &sid))?;
        if next.status != text.status || next.is_final {
            show(&next)?;
        }
        text = next;
    }
    if !text.is_final {
        println!(
            "Still {} after {timeout} s; Twilio may not have had a delivery receipt yet.",
            text.status.map_or("unknown", MessageStatus::as_str)
        );
    }
    Ok(text.status == Some(MessageStatus::Delivered)
        || (text.test_credentials && text.sid.is_some()))
}

pub fn run(sb: &Arc<Switchboard>, actor: &Actor, out: Output, cmd: &Command) -> Result<()> {
    match cmd {
        // Needs the async runtime: main.rs runs it through [`test_text`].
        Command::TestText { .. } => Err(Error::Internal("test-text runs from main".into())),
        Command::Add {
            provider,
            name,
            environment,
            base_url,
            values,
            secrets,
        } => {
            let provider = Provider::parse(provider)
                .ok_or_else(|| Error::validation("provider", "Unknown provider."))?;
            let spec = providers::spec(provider);
            let environment = environment
                .clone()
                .unwrap_or_else(|| spec.environments[0].name.to_owned());
            let draft = IntegrationDraft {
                provider,
                name: name.clone(),
                environment,
                base_url: base_url.clone(),
                values: parse_values(values)?,
                secrets: read_secrets(provider, secrets)?,
            };
            let saved = sb.create_integration(actor, draft)?;
            output::warnings(out, &saved.warnings);
            print(out, &saved, |s| {
                format!("Added {}", output::integration_text(&s.integration))
            })
        }
        Command::List => print(out, &sb.list_integrations(actor)?, |l| {
            output::integrations_text(l)
        }),
        Command::Show { integration } => print(
            out,
            &sb.get_integration(actor, integration)?,
            output::integration_text,
        ),
        Command::Set {
            integration,
            name,
            environment,
            base_url,
            values,
            secrets,
            revision,
            sync,
        } => {
            let rules = parse_sync(sync)?;
            let current = sb.get_integration(actor, integration)?;
            let only_rules = !rules.is_empty()
                && name.is_none()
                && environment.is_none()
                && base_url.is_none()
                && values.is_empty()
                && secrets.is_empty();
            if !only_rules {
                let patch = IntegrationPatch {
                    expected_revision: *revision,
                    name: name.clone(),
                    environment: environment.clone(),
                    base_url: base_url.clone(),
                    values: parse_values(values)?,
                    secrets: read_secrets(current.provider, secrets)?,
                };
                let saved = sb.update_integration(actor, integration, patch)?;
                output::warnings(out, &saved.warnings);
                if rules.is_empty() {
                    return print(out, &saved, |s| {
                        format!("Saved {}", output::integration_text(&s.integration))
                    });
                }
            }
            for (rule, on) in &rules {
                sb.set_sync_rule(actor, &current.id, *rule, *on)?;
            }
            let states = sb.sync_rules(actor, &current.id)?;
            print(out, &states, |states| {
                states
                    .iter()
                    .map(|r| format!("{}: {}", r.label, if r.enabled { "on" } else { "off" }))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Command::Disable { integration } => print(
            out,
            &sb.set_integration_enabled(actor, integration, false)?,
            |i| format!("Disabled {}", i.name),
        ),
        Command::Enable { integration } => print(
            out,
            &sb.set_integration_enabled(actor, integration, true)?,
            |i| format!("Enabled {}", i.name),
        ),
        Command::Connect {
            integration,
            no_browser,
        } => connect(sb, actor, out, integration, *no_browser),
        Command::Disconnect { integration } => {
            let done = runtime()?.block_on(sb.disconnect_integration(actor, integration))?;
            print(out, &done, |d| {
                format!("Disconnected {}. {}", d.integration.name, d.message)
            })
        }
        Command::Location {
            integration,
            choose: None,
        } => {
            let list = runtime()?.block_on(sb.square_locations(actor, integration))?;
            print(out, &list, |l| {
                format!("Active locations:\n{}", locations_text(l))
            })
        }
        Command::Location {
            integration,
            choose: Some(id),
        } => {
            let i = runtime()?.block_on(sb.choose_square_location(actor, integration, id))?;
            print(out, &i, |i| format!("{} now uses location {id}.", i.name))
        }
        Command::Remove { integration } => {
            let i = sb.get_integration(actor, integration)?;
            sb.delete_integration(actor, &i.id)?;
            print(
                out,
                &serde_json::json!({ "removed": i.id, "name": i.name }),
                |_| format!("Removed {} and its secrets", i.name),
            )
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("could not start the async runtime: {e}")))
}

fn connect(
    sb: &Arc<Switchboard>,
    actor: &Actor,
    out: Output,
    integration: &str,
    no_browser: bool,
) -> Result<()> {
    let name = sb.get_integration(actor, integration)?.provider;
    let provider = providers::spec(name).name;
    let json = out.json;
    let options = ConnectOptions {
        open_browser: !no_browser,
        on_url: Some(Box::new(move |url: &str| {
            let text = format!(
                "Sign in to {provider} at this address{}:\n  {url}\nWaiting for the sign-in (10 minutes)…",
                if no_browser { "" } else { " (opening your browser)" }
            );
            // With --json, standard output carries only the result.
            if json {
                eprintln!("{text}");
            } else {
                println!("{text}");
                let _ = std::io::stdout().flush();
            }
        })),
        wait: None,
    };
    let rt = runtime()?;
    let connected = rt.block_on(sb.connect_integration(actor, integration, options))?;
    // Test at once so the status shows the company or location (a Square location may still
    // need choosing).
    let run = if connected.needs_location {
        None
    } else {
        Some(rt.block_on(sb.test_integration(actor, &connected.integration.id))?)
    };
    #[derive(serde::Serialize)]
    struct Result<'a> {
        connected: &'a Connected,
        test: Option<&'a switchboard_core::checks::TestRun>,
    }
    print(
        out,
        &Result {
            connected: &connected,
            test: run.as_ref(),
        },
        |r| {
            let mut text = format!("Connected {}.", r.connected.integration.name);
            if let Some(company) = &r.connected.company_id {
                text.push_str(&format!(" Company ID {company}."));
            }
            if let Some(renew) = &r.connected.renew_by {
                text.push_str(&format!(" Renew by {renew}."));
            }
            if r.connected.needs_location {
                text.push_str(&format!(
                    "\nChoose the location: switchboard integration location \"{}\" --choose ID\n{}",
                    r.connected.integration.name,
                    locations_text(&r.connected.locations)
                ));
            }
            if let Some(run) = r.test {
                text.push('\n');
                text.push_str(&output::test_text(run));
            }
            text
        },
    )
}

fn locations_text(list: &[SquareLocation]) -> String {
    list.iter()
        .map(|l| format!("  {}  {} ({})", l.id, l.name, l.business_name))
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_values(pairs: &[String]) -> Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| {
                    Error::validation("set", format!("“{pair}” must be written field=value."))
                })
        })
        .collect()
}

/// Reads each named secret from standard input: without echo when it is a terminal, else one
/// line per secret.
fn read_secrets(provider: Provider, fields: &[String]) -> Result<BTreeMap<String, String>> {
    let spec = providers::spec(provider);
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut lines = stdin.lock().lines();
    let mut secrets = BTreeMap::new();
    for field in fields {
        let label = spec.field(field).map_or(field.as_str(), |f| f.label);
        let value = if interactive {
            rpassword::prompt_password(format!("{label}: "))
                .map_err(|e| Error::validation(field, format!("could not read it: {e}")))?
        } else {
            match lines.next() {
                Some(Ok(line)) => line,
                _ => {
                    return Err(Error::validation(
                        field,
                        format!("{label} was expected on standard input (one line per --secret)."),
                    ))
                }
            }
        };
        secrets.insert(field.clone(), value);
    }
    Ok(secrets)
}

/// `--sync RULE=on|off` values, checked before anything changes.
fn parse_sync(values: &[String]) -> Result<Vec<(SyncRule, bool)>> {
    values
        .iter()
        .map(|v| {
            let (rule, state) = v.split_once('=').ok_or_else(|| {
                Error::validation("sync", format!("“{v}” is not RULE=on or RULE=off."))
            })?;
            let rule =
                SyncRule::parse(rule.trim()).map_err(|e| Error::validation("sync", e.message))?;
            let on = match state.trim() {
                "on" => true,
                "off" => false,
                other => {
                    return Err(Error::validation(
                        "sync",
                        format!("“{other}” is not on or off."),
                    ))
                }
            };
            Ok((rule, on))
        })
        .collect()
}
