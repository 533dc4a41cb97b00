//! `switchboard sync …`: the sync log (list, show, retry, skip, acknowledge, export) and
//! "Sync now".

use std::path::PathBuf;

use clap::Subcommand;

use switchboard_core::export::ExportFormat;
use switchboard_core::sync::job::{JobStatus, SyncRule};
use switchboard_core::sync::log::JobFilter;
use switchboard_core::{Actor, Error, Result, Switchboard};

use crate::output::{print, Output};

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// The newest sync jobs, filtered.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Continue after this job id (from the previous page).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// One job with every attempt.
    Show { id: String },
    /// Try failed, dead or skipped jobs again now.
    Retry {
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Give up on jobs on purpose: they are not performed and do not count as failures.
    Skip {
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Mark dead jobs as seen, so they stop turning their integration red.
    Ack {
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Do this integration's waiting work now (and read Square at once).
    Now { integration: String },
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

fn status_parser() -> impl clap::builder::TypedValueParser<Value = JobStatus> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(JobStatus::ALL.map(JobStatus::as_str))
        .try_map(|s| JobStatus::parse(&s))
}

fn rule_parser() -> impl clap::builder::TypedValueParser<Value = SyncRule> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(SyncRule::ALL.map(SyncRule::as_str))
        .try_map(|s| SyncRule::parse(&s))
}

#[derive(Debug, clap::Args)]
pub struct FilterArgs {
    /// The integration's name or id.
    #[arg(long)]
    integration: Option<String>,
    #[arg(long, value_parser = status_parser())]
    status: Option<JobStatus>,
    #[arg(long, value_parser = rule_parser())]
    rule: Option<SyncRule>,
    /// Text in the clinic object (invoice number, owner, last digits of a phone), or its id.
    #[arg(long)]
    search: Option<String>,
}

impl FilterArgs {
    fn to_filter(&self) -> JobFilter {
        JobFilter {
            integration_id: self.integration.clone(),
            status: self.status,
            rule: self.rule,
            search: self.search.clone(),
        }
    }
}

pub fn run(sb: &Switchboard, actor: &Actor, out: Output, cmd: &SyncCommand) -> Result<()> {
    match cmd {
        SyncCommand::List {
            filter,
            limit,
            cursor,
        } => {
            let page = sb.sync_jobs(actor, &filter.to_filter(), cursor.as_deref(), *limit)?;
            print(out, &page, |p| {
                let mut lines: Vec<String> = p
                    .rows
                    .iter()
                    .map(|r| {
                        format!(
                            "{:>6}  {}  {:<10} {:<18} {:<16} {}{}{}",
                            r.id,
                            r.created_at,
                            r.status.as_str(),
                            r.kind_label,
                            r.integration_name,
                            r.subject,
                            r.provider_object
                                .as_deref()
                                .map(|o| format!(" → {o}"))
                                .unwrap_or_default(),
                            r.reason
                                .as_deref()
                                .or(r.last_error.as_deref())
                                .map(|e| format!(" — {e}"))
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                if let Some(c) = &p.next_cursor {
                    lines.push(format!("(more: --cursor {c})"));
                }
                if lines.is_empty() {
                    "No sync jobs match.".to_owned()
                } else {
                    lines.join("\n")
                }
            })
        }
        SyncCommand::Show { id } => print(out, &sb.sync_job(actor, id)?, |d| {
            let j = &d.job;
            let mut text = format!(
                "Sync job {} — {} for {} ({})\n  object:  {}\n  status:  {} after {} attempt(s){}{}",
                j.id,
                j.kind_label,
                j.integration_name,
                j.event_id.as_deref().unwrap_or("no event"),
                j.subject,
                j.status_label,
                j.attempts,
                j.reason.as_deref().map(|r| format!(" — {r}")).unwrap_or_default(),
                j.next_attempt_at
                    .as_deref()
                    .map(|t| format!(", next at {t}"))
                    .unwrap_or_default(),
            );
            if let Some(o) = &j.provider_object {
                text.push_str(&format!(
                    "\n  made:    {o}{}",
                    j.provider_state
                        .as_deref()
                        .map(|s| format!(" ({s})"))
                        .unwrap_or_default()
                ));
            }
            if let Some(link) = &j.provider_link {
                text.push_str(&format!("\n  open:    {link}"));
            }
            for a in &d.attempts {
                let outcome = match (a.status_code, &a.error) {
                    (Some(code), None) => format!("HTTP {code}"),
                    (Some(code), Some(e)) => format!("HTTP {code}: {e}"),
                    (None, Some(e)) => e.clone(),
                    (None, None) => "done".to_owned(),
                };
                text.push_str(&format!(
                    "\n  #{} {} {} ms — {outcome}",
                    a.attempt, a.at, a.duration_ms
                ));
            }
            text
        }),
        SyncCommand::Retry { ids } => {
            let n = sb.retry_sync_jobs(actor, ids)?;
            print(out, &serde_json::json!({ "retried": n }), |_| {
                format!("Queued {n} jobs again.")
            })
        }
        SyncCommand::Skip { ids } => {
            let n = sb.skip_sync_jobs(actor, ids)?;
            print(out, &serde_json::json!({ "skipped": n }), |_| {
                format!("Skipped {n} jobs.")
            })
        }
        SyncCommand::Ack { ids } => {
            let n = sb.acknowledge_sync_jobs(actor, ids)?;
            print(out, &serde_json::json!({ "acknowledged": n }), |_| {
                format!("Acknowledged {n} jobs.")
            })
        }
        SyncCommand::Now { integration } => {
            let n = sb.sync_now(actor, integration)?;
            print(out, &serde_json::json!({ "due": n }), |_| {
                format!("{n} jobs are due now; the running worker (switchboard serve, or the app) does them.")
            })
        }
        SyncCommand::Export {
            filter,
            format,
            dir,
        } => {
            let format = match format.as_str() {
                "json" => ExportFormat::Json,
                "csv" => ExportFormat::Csv,
                other => {
                    return Err(Error::validation(
                        "format",
                        format!("“{other}” is not csv or json."),
                    ))
                }
            };
            let exported = sb.export_sync_jobs(actor, &filter.to_filter(), format, dir.clone())?;
            print(out, &exported, |e| {
                format!("Wrote {} jobs to {}", e.rows, e.path)
            })
        }
    }
}
