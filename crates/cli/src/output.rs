//! Printing results: JSON with `--json`, plain text otherwise. Errors go to stderr.

use serde::Serialize;
use switchboard_core::audit::AuditRow;
use switchboard_core::checks::TestRun;
use switchboard_core::integrations::Integration;
use switchboard_core::providers::FieldIssue;
use switchboard_core::status::{IntegrationStatus, Level};
use switchboard_core::{AppError, AppInfo, Error};

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

pub fn print<T: Serialize>(
    out: Output,
    value: &T,
    human: impl FnOnce(&T) -> String,
) -> Result<(), Error> {
    if out.json {
        let text =
            serde_json::to_string_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
        println!("{text}");
    } else {
        println!("{}", human(value));
    }
    Ok(())
}

pub fn report_error(json: bool, e: &Error) {
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

pub fn warnings(out: Output, warnings: &[FieldIssue]) {
    if !out.json {
        for w in warnings {
            eprintln!("warning: {}: {}", w.field, w.message);
        }
    }
}

pub fn info_text(i: &AppInfo) -> String {
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
         Schema version:  {}\nKeychain:        {} ({})\nClinic:          {}\n\
         Background:      {}",
        i.version,
        i.build_kind,
        i.data_dir,
        i.database_path,
        i.schema_version,
        i.keychain.backend,
        keychain,
        i.clinic_name.as_deref().unwrap_or("(not set)"),
        i.services.holder.as_deref().map_or_else(
            || "not running (the app window or `switchboard serve` runs them)".to_owned(),
            |holder| format!("run by {holder}")
        )
    )
}

pub fn integration_text(i: &Integration) -> String {
    let mut s = format!(
        "{} ({}, {})\n  id:          {}\n  environment: {}\n  enabled:     {}\n",
        i.name,
        i.provider,
        if i.enabled { "enabled" } else { "disabled" },
        i.id,
        i.environment,
        if i.enabled { "yes" } else { "no" },
    );
    if let Some(url) = &i.base_url {
        s.push_str(&format!("  base URL:    {url} (custom)\n"));
    }
    for (k, v) in &i.settings {
        s.push_str(&format!("  {k}: {v}\n"));
    }
    for secret in &i.secrets {
        s.push_str(&format!(
            "  {}: {}\n",
            secret.field,
            if secret.set { "(set)" } else { "(not set)" }
        ));
    }
    s.push_str(&format!(
        "  revision {} — updated {} by {}",
        i.revision, i.updated_at, i.updated_by
    ));
    s
}

pub fn integrations_text(list: &[Integration]) -> String {
    if list.is_empty() {
        return "No integrations yet. Add one with `switchboard integration add`.".to_owned();
    }
    let mut s = format!(
        "{:<32} {:<11} {:<11} {:<8}",
        "NAME", "PROVIDER", "ENVIRONMENT", "ENABLED"
    );
    for i in list {
        s.push_str(&format!(
            "\n{:<32} {:<11} {:<11} {:<8}",
            i.name,
            i.provider.as_str(),
            i.environment,
            if i.enabled { "yes" } else { "no" }
        ));
    }
    s
}

pub fn audit_text(rows: &[AuditRow]) -> String {
    rows.iter()
        .map(|r| {
            let fields: Vec<&str> = r.changes.iter().map(|c| c.field.as_str()).collect();
            format!(
                "#{:<5} {} {:<16} {:<22} {:<24} {:?} [{}]",
                r.seq,
                r.at,
                r.actor,
                r.action,
                r.object_label
                    .as_deref()
                    .or(r.object_id.as_deref())
                    .unwrap_or("-"),
                r.result,
                fields.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::Green => "GREEN",
        Level::Yellow => "YELLOW",
        Level::Red => "RED",
        Level::Off => "OFF",
    }
}

pub fn test_text(run: &TestRun) -> String {
    let o = &run.test.outcome;
    let mut s = format!(
        "{} — {}\n{}",
        level_word(run.status.level),
        run.status.name,
        o.summary
    );
    if let Some(message) = &o.provider_message {
        let code = o
            .provider_code
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        s.push_str(&format!("\nProvider said{code}: {message}"));
    }
    if let Some(status) = o.http_status {
        s.push_str(&format!("\nHTTP {status}, {} ms", o.latency_ms));
    } else {
        s.push_str(&format!("\n{} ms", o.latency_ms));
    }
    s.push_str(&format!("\nWhat to do: {}", o.action));
    s
}

pub fn statuses_text(list: &[IntegrationStatus]) -> String {
    if list.is_empty() {
        return "No integrations yet. Add one with `switchboard integration add`.".to_owned();
    }
    list.iter()
        .map(|s| {
            format!(
                "{:<7} {:<32} {}  (last checked: {})",
                level_word(s.level),
                s.name,
                s.reason,
                s.last_checked_at.as_deref().unwrap_or("never")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
