//! The admin's audit viewer: filtered pages newest first, the values to filter by, and exports
//! that carry the chain check's result.

use std::path::PathBuf;

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{read_row, AuditRow, Verification, COLUMNS};
use crate::actor::{Actor, Operation};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::Result;
use crate::export::{ExportFormat, Exported};
use crate::{time, Switchboard};

/// Rows per page at most.
pub const MAX_PAGE: u32 = 500;
/// Rows in one export at most.
pub const MAX_EXPORT: u32 = 1_000_000;

/// Which audit rows to show. Empty fields do not filter.
#[derive(Debug, Clone, Default, Deserialize, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditFilter {
    /// Who: a username or `system:…`, exactly.
    #[serde(default)]
    pub actor: Option<String>,
    /// An action (`integration.update`) or a family of them (`integration`).
    #[serde(default)]
    pub action: Option<String>,
    /// The object: its id, or its name at the time (case-insensitive).
    #[serde(default)]
    pub object: Option<String>,
    #[serde(default)]
    pub result: Option<AuditResult>,
    /// RFC 3339; rows written at or after.
    #[serde(default)]
    pub from: Option<String>,
    /// RFC 3339; rows written before.
    #[serde(default)]
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// Pass as `before` for the next (older) page; `None` at the end.
    pub next_before: Option<u32>,
}

/// The values the viewer offers in its filters.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditFacets {
    pub actors: Vec<String>,
    pub actions: Vec<String>,
}

/// An export and the chain check made with it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditExport {
    pub exported: Exported,
    pub verification: Verification,
}

fn some(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// One condition with its parameters.
type Cond = (String, Vec<Value>);

/// The conditions every row must meet, and the alternatives of which it must meet one (an action
/// family is several actions; an object is an id or a name). Each alternative becomes its own
/// index walk, newest first, merged afterwards: one `OR` over a million rows would otherwise be
/// answered by a sort or a long scan. Time bounds become `seq` bounds (rows are appended in time
/// order), so every branch stays one bounded index range.
fn conditions(
    c: &Connection,
    f: &AuditFilter,
    before: Option<u32>,
) -> Result<(Vec<Cond>, Vec<Cond>)> {
    let mut all: Vec<Cond> = Vec::new();
    let text = |s: &str| Value::Text(s.to_owned());
    if let Some(a) = some(&f.actor) {
        all.push(("actor = ?".into(), vec![text(a)]));
    }
    if let Some(r) = f.result {
        all.push(("result = ?".into(), vec![text(r.as_str())]));
    }
    if let Some(from) = some(&f.from) {
        let ms = time::parse_time("from", from)?;
        let first: Option<i64> = c
            .query_row(
                "SELECT seq FROM audit_log WHERE at >= ?1 ORDER BY at, seq LIMIT 1",
                [ms],
                |r| r.get(0),
            )
            .optional()?;
        all.push((
            "seq >= ?".into(),
            vec![Value::Integer(first.unwrap_or(i64::MAX))],
        ));
    }
    if let Some(to) = some(&f.to) {
        let ms = time::parse_time("to", to)?;
        let last: Option<i64> = c
            .query_row(
                "SELECT seq FROM audit_log WHERE at < ?1 ORDER BY at DESC, seq DESC LIMIT 1",
                [ms],
                |r| r.get(0),
            )
            .optional()?;
        all.push(("seq <= ?".into(), vec![Value::Integer(last.unwrap_or(0))]));
    }
    if let Some(b) = before {
        all.push(("seq < ?".into(), vec![Value::Integer(i64::from(b))]));
    }
    let actions: Vec<Cond> = match some(&f.action) {
        None => vec![],
        Some(a) if a.contains('.') => vec![("action = ?".into(), vec![text(a)])],
        // A family: `integration` is `integration.create`, `integration.update`, …, each found
        // by one index probe.
        Some(a) => {
            let mut found = Vec::new();
            // An action without a family of its own (`setup`) matches itself.
            let exact: bool = c.query_row(
                "SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = ?1)",
                [a],
                |r| r.get(0),
            )?;
            if exact {
                found.push(("action = ?".to_owned(), vec![text(a)]));
            }
            let mut after = format!("{a}.");
            while let Some(next) = c
                .query_row(
                    "SELECT min(action) FROM audit_log WHERE action >= ?1 AND action < ?2",
                    params![after, format!("{a}/")],
                    |r| r.get::<_, Option<String>>(0),
                )
                .optional()?
                .flatten()
            {
                after = format!("{next}\u{1}");
                found.push(("action = ?".to_owned(), vec![text(&next)]));
                if found.len() >= 200 {
                    break;
                }
            }
            if found.is_empty() {
                found.push(("action = ?".into(), vec![text(&format!("{a}.(none)"))]));
            }
            found
        }
    };
    let objects: Vec<Cond> = match some(&f.object) {
        None => vec![],
        Some(o) => vec![
            ("object_id = ?".into(), vec![text(o)]),
            ("object_label = ? COLLATE NOCASE".into(), vec![text(o)]),
        ],
    };
    let mut alternatives: Vec<Cond> = Vec::new();
    match (actions.is_empty(), objects.is_empty()) {
        (true, true) => {}
        (false, true) => alternatives = actions,
        (true, false) => alternatives = objects,
        (false, false) => {
            for (a, av) in &actions {
                for (o, ov) in &objects {
                    alternatives.push((format!("{a} AND {o}"), [av.clone(), ov.clone()].concat()));
                }
            }
        }
    }
    Ok((all, alternatives))
}

fn query(
    c: &Connection,
    f: &AuditFilter,
    before: Option<u32>,
    limit: u32,
) -> Result<Vec<AuditRow>> {
    let (all, alternatives) = conditions(c, f, before)?;
    let branch = |extra: Option<&Cond>| -> Cond {
        let mut sql: Vec<String> = all.iter().map(|(s, _)| s.clone()).collect();
        let mut args: Vec<Value> = all.iter().flat_map(|(_, a)| a.clone()).collect();
        if let Some((s, a)) = extra {
            sql.push(s.clone());
            args.extend(a.iter().cloned());
        }
        let clause = if sql.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", sql.join(" AND "))
        };
        args.push(Value::Integer(i64::from(limit)));
        (
            format!("SELECT {COLUMNS} FROM audit_log{clause} ORDER BY seq DESC LIMIT ?"),
            args,
        )
    };
    let (sql, args) = if alternatives.len() <= 1 {
        branch(alternatives.first())
    } else {
        let branches: Vec<Cond> = alternatives.iter().map(|a| branch(Some(a))).collect();
        let union = branches
            .iter()
            .map(|(s, _)| format!("SELECT * FROM ({s})"))
            .collect::<Vec<_>>()
            .join(" UNION ");
        let mut args: Vec<Value> = branches.into_iter().flat_map(|(_, a)| a).collect();
        args.push(Value::Integer(i64::from(limit)));
        (
            format!("SELECT {COLUMNS} FROM ({union}) ORDER BY seq DESC LIMIT ?"),
            args,
        )
    };
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

impl Switchboard {
    /// One page of audit rows matching `filter`, newest first, older than `before`.
    pub fn audit_page(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        before: Option<u32>,
        limit: u32,
    ) -> Result<AuditPage> {
        self.authorize(actor, Operation::AuditView, None)?;
        let limit = limit.clamp(1, MAX_PAGE);
        let rows = self.db().read(|c| query(c, filter, before, limit + 1))?;
        let more = rows.len() > limit as usize;
        let mut rows = rows;
        rows.truncate(limit as usize);
        let next_before = if more {
            rows.last().map(|r| r.seq)
        } else {
            None
        };
        Ok(AuditPage { rows, next_before })
    }

    /// The users and actions that occur in the log, for the viewer's filter lists.
    pub fn audit_facets(&self, actor: &Actor) -> Result<AuditFacets> {
        self.authorize(actor, Operation::AuditView, None)?;
        self.db().read(|c| {
            // Index skip-scans: one probe per distinct value, not a pass over every row.
            let distinct = |col: &str| -> Result<Vec<String>> {
                let mut out = Vec::new();
                let mut last: Option<String> = None;
                loop {
                    let next: Option<String> = match &last {
                        None => c
                            .query_row(&format!("SELECT min({col}) FROM audit_log"), [], |r| {
                                r.get(0)
                            })
                            .optional()?
                            .flatten(),
                        Some(l) => c
                            .query_row(
                                &format!("SELECT min({col}) FROM audit_log WHERE {col} > ?1"),
                                [l],
                                |r| r.get(0),
                            )
                            .optional()?
                            .flatten(),
                    };
                    match next {
                        Some(v) if out.len() < 1000 => {
                            out.push(v.clone());
                            last = Some(v);
                        }
                        _ => break,
                    }
                }
                Ok(out)
            };
            Ok(AuditFacets {
                actors: distinct("actor")?,
                actions: distinct("action")?,
            })
        })
    }

    /// Writes the rows matching `filter` (newest first) to `dir` as CSV or JSON, together with
    /// the chain check's result, and records the export.
    pub fn export_audit(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        format: ExportFormat,
        dir: Option<PathBuf>,
    ) -> Result<AuditExport> {
        self.authorize(actor, Operation::AuditExport, None)?;
        let verification = self.db().read(audit::verify)?;
        let rows = self.db().read(|c| query(c, filter, None, MAX_EXPORT))?;
        let path = crate::export::path_for(dir, self.data_dir(), "audit", format)?;
        crate::export::write_atomically(&path, |file| {
            match format {
                ExportFormat::Json => serde_json::to_writer_pretty(
                    file,
                    &serde_json::json!({
                        "exportedAt": crate::time::to_rfc3339(crate::time::now_ms()),
                        "exportedBy": actor.name(),
                        "filter": filter,
                        "verification": verification,
                        "rows": rows,
                    }),
                )?,
                ExportFormat::Csv => {
                    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(file);
                    // The check's result first, as a comment-like row a spreadsheet shows.
                    w.write_record([
                        "# verification",
                        if verification.ok { "intact" } else { "BROKEN" },
                        &verification.message,
                    ])?;
                    w.write_record([
                        "seq",
                        "at",
                        "actor",
                        "action",
                        "object_type",
                        "object_id",
                        "object_label",
                        "changes",
                        "result",
                        "detail",
                    ])?;
                    for r in &rows {
                        w.write_record([
                            r.seq.to_string().as_str(),
                            &r.at,
                            &r.actor,
                            &r.action,
                            &r.object_type,
                            r.object_id.as_deref().unwrap_or(""),
                            r.object_label.as_deref().unwrap_or(""),
                            &super::describe_changes(&r.changes),
                            r.result.as_str(),
                            r.detail.as_deref().unwrap_or(""),
                        ])?;
                    }
                    w.flush()?;
                }
            }
            Ok(())
        })?;
        let n = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        self.db().write(|tx| {
            audit::append(
                tx,
                &Record {
                    actor,
                    action: "audit.export",
                    object_type: "audit_log",
                    object_id: None,
                    object_label: Some(&path.display().to_string()),
                    changes: vec![FieldChange::value("rows", None, Some(&n.to_string()))],
                    outcome: AuditResult::Ok,
                    detail: Some(format!(
                        "{} export; chain {}",
                        format.extension(),
                        if verification.ok { "intact" } else { "broken" }
                    )),
                },
            )
        })?;
        Ok(AuditExport {
            exported: Exported {
                path: path.display().to_string(),
                rows: n,
            },
            verification,
        })
    }
}
