//! Settings of this installation, kept in the `settings` table; every change is audited.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Operation};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::{Error, Result};
use crate::Switchboard;

pub use switchboard_domain::settings::{
    DEFAULT_CHECK_INTERVAL_MINUTES, DEFAULT_IDLE_LOCK_MINUTES, MIN_RETENTION_DAYS,
};
const CHECK_INTERVAL_KEY: &str = "check_interval_minutes";
pub(crate) const CLINIC_NAME_KEY: &str = "clinic_name";
const IDLE_LOCK_KEY: &str = "idle_lock_minutes";
const RETENTION_KEY: &str = "retention_days";
const INSTALL_ID_KEY: &str = "install_id";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub clinic_name: Option<String>,
    /// Minutes between background connection tests of each integration (1 to 1440).
    pub check_interval_minutes: u32,
    /// Minutes without a key or a click before the app locks (1 to 240). Admin only.
    pub idle_lock_minutes: u32,
    /// Days audit rows and delivery attempts are kept (365 to 3650). Admin only.
    pub retention_days: u32,
}

/// A clinic name as saved: trimmed, `None` when empty, an error naming `clinic_name` when bad.
pub(crate) fn check_clinic_name(name: Option<&str>) -> Result<Option<String>> {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => Ok(Some(crate::providers::validate::name(name).map_err(
            |mut issue| {
                issue.field = "clinic_name".into();
                issue.message = issue.message.replace("Name", "Clinic name");
                Error::from(issue)
            },
        )?)),
        None => Ok(None),
    }
}

impl Switchboard {
    pub fn settings(&self) -> Result<Settings> {
        // One read of the whole (small) table.
        let stored: std::collections::HashMap<String, String> = self.db().read(|c| {
            let mut stmt = c.prepare("SELECT key, value FROM settings")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        let number = |key: &str, default: u32| {
            stored
                .get(key)
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Ok(Settings {
            clinic_name: stored.get(CLINIC_NAME_KEY).cloned(),
            check_interval_minutes: number(CHECK_INTERVAL_KEY, DEFAULT_CHECK_INTERVAL_MINUTES),
            idle_lock_minutes: number(IDLE_LOCK_KEY, DEFAULT_IDLE_LOCK_MINUTES),
            retention_days: number(RETENTION_KEY, MIN_RETENTION_DAYS),
        })
    }

    pub fn check_interval_minutes(&self) -> Result<u32> {
        Ok(self.settings()?.check_interval_minutes)
    }

    pub fn check_interval_ms(&self) -> Result<i64> {
        Ok(i64::from(self.check_interval_minutes()?) * 60_000)
    }

    pub fn idle_lock_ms(&self) -> Result<i64> {
        Ok(i64::from(self.settings()?.idle_lock_minutes) * 60_000)
    }

    /// Saves the settings that differ from the stored ones, each audited. The clinic's name and
    /// the check interval need [`Permission::Configure`]; the idle lock and retention need
    /// [`Permission::Retention`].
    pub fn update_settings(&self, actor: &Actor, new: &Settings) -> Result<Settings> {
        let current = self.settings()?;
        let configures = current.clinic_name.as_deref().map(str::trim)
            != new
                .clinic_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
            || current.check_interval_minutes != new.check_interval_minutes;
        if configures || current == *new {
            self.authorize(actor, Operation::SettingsUpdate, None)?;
        }
        if current.idle_lock_minutes != new.idle_lock_minutes
            || current.retention_days != new.retention_days
        {
            self.authorize(actor, Operation::SecuritySettingsUpdate, None)?;
        }
        if !(1..=1440).contains(&new.check_interval_minutes) {
            return Err(Error::validation(
                "check_interval_minutes",
                "The check interval must be between 1 and 1440 minutes (a day).",
            ));
        }
        if !(1..=240).contains(&new.idle_lock_minutes) {
            return Err(Error::validation(
                "idle_lock_minutes",
                "The idle lock must be between 1 and 240 minutes.",
            ));
        }
        if !(MIN_RETENTION_DAYS..=3650).contains(&new.retention_days) {
            return Err(Error::validation(
                "retention_days",
                format!(
                    "Records are kept between {MIN_RETENTION_DAYS} days (a year) and 3650 days \
                     (ten years)."
                ),
            ));
        }
        let clinic_name = check_clinic_name(new.clinic_name.as_deref())?;
        self.db().write(|tx| {
            let mut changes = Vec::new();
            if current.clinic_name != clinic_name {
                match &clinic_name {
                    Some(v) => put(tx, CLINIC_NAME_KEY, v)?,
                    None => {
                        tx.execute("DELETE FROM settings WHERE key = ?1", [CLINIC_NAME_KEY])?;
                    }
                }
                changes.push(FieldChange::value(
                    CLINIC_NAME_KEY,
                    current.clinic_name.as_deref(),
                    clinic_name.as_deref(),
                ));
            }
            for (key, old, new) in [
                (
                    CHECK_INTERVAL_KEY,
                    current.check_interval_minutes,
                    new.check_interval_minutes,
                ),
                (
                    IDLE_LOCK_KEY,
                    current.idle_lock_minutes,
                    new.idle_lock_minutes,
                ),
                (RETENTION_KEY, current.retention_days, new.retention_days),
            ] {
                if old != new {
                    put(tx, key, &new.to_string())?;
                    changes.push(FieldChange::value(
                        key,
                        Some(&old.to_string()),
                        Some(&new.to_string()),
                    ));
                }
            }
            if !changes.is_empty() {
                audit::append(
                    tx,
                    &Record {
                        actor,
                        action: "settings.update",
                        object_type: "settings",
                        object_id: None,
                        object_label: None,
                        changes,
                        outcome: AuditResult::Ok,
                        detail: None,
                    },
                )?;
            }
            Ok(())
        })?;
        self.settings()
    }

    /// A random id for this database, made on first use (keychain entries that belong to one
    /// database, such as the CLI's kept passwords, are named after it).
    pub fn install_id(&self) -> Result<String> {
        if let Some(id) = self.setting(INSTALL_ID_KEY)? {
            return Ok(id);
        }
        self.db().write(|tx| {
            let existing: Option<String> = tx
                .query_row(
                    "SELECT value FROM settings WHERE key = ?1",
                    [INSTALL_ID_KEY],
                    |r| r.get(0),
                )
                .optional()?;
            match existing {
                Some(id) => Ok(id),
                None => {
                    let id = uuid::Uuid::new_v4().simple().to_string();
                    put(tx, INSTALL_ID_KEY, &id)?;
                    Ok(id)
                }
            }
        })
    }

    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>> {
        self.db().read(|c| {
            Ok(
                c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()?,
            )
        })
    }
}

pub(crate) fn put(tx: &rusqlite::Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Keychain, OpenOptions};

    #[test]
    fn defaults_update_validation_and_audit() {
        let dir = tempfile::tempdir().unwrap();
        let sb = Switchboard::open(OpenOptions {
            data_dir: Some(dir.path().to_owned()),
            keychain: Some(Keychain::in_memory()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            sb.settings().unwrap(),
            Settings {
                clinic_name: None,
                check_interval_minutes: 15,
                idle_lock_minutes: 10,
                retention_days: 365,
            }
        );
        let a = Actor::user("usr_1", "admin", crate::actor::Role::Admin);
        let base = sb.settings().unwrap();
        let err = sb
            .update_settings(
                &a,
                &Settings {
                    check_interval_minutes: 0,
                    ..base.clone()
                },
            )
            .unwrap_err();
        assert_eq!(err.field(), Some("check_interval_minutes"));
        let err = sb
            .update_settings(
                &a,
                &Settings {
                    clinic_name: Some("<b>".into()),
                    ..base.clone()
                },
            )
            .unwrap_err();
        assert_eq!(err.field(), Some("clinic_name"));
        let saved = sb
            .update_settings(
                &a,
                &Settings {
                    clinic_name: Some(" Maple Vets ".into()),
                    check_interval_minutes: 5,
                    ..base.clone()
                },
            )
            .unwrap();
        assert_eq!(saved.clinic_name.as_deref(), Some("Maple Vets"));
        assert_eq!(sb.check_interval_ms().unwrap(), 5 * 60_000);
        assert_eq!(
            sb.info().unwrap().clinic_name.as_deref(),
            Some("Maple Vets")
        );
        let err = sb
            .update_settings(
                &a,
                &Settings {
                    retention_days: 300,
                    ..base.clone()
                },
            )
            .unwrap_err();
        assert_eq!(err.field(), Some("retention_days"));
        let manager = Actor::user("usr_2", "mo", crate::actor::Role::Manager);
        let err = sb
            .update_settings(
                &manager,
                &Settings {
                    idle_lock_minutes: 30,
                    ..sb.settings().unwrap()
                },
            )
            .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Forbidden);
        assert_eq!(sb.settings().unwrap().idle_lock_minutes, 10);
        let rows = sb.recent_audit(&a, 5).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].result, crate::audit::AuditResult::Refused);
        assert_eq!(rows[1].changes.len(), 2);
    }
}
