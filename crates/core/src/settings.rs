//! Settings of this installation, kept in the `settings` table; every change is audited.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::{Error, Result};
use crate::Switchboard;

pub const DEFAULT_CHECK_INTERVAL_MINUTES: u32 = 15;
const CHECK_INTERVAL_KEY: &str = "check_interval_minutes";
const CLINIC_NAME_KEY: &str = "clinic_name";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub clinic_name: Option<String>,
    /// Minutes between background connection tests of each integration (1 to 1440).
    pub check_interval_minutes: u32,
}

impl Switchboard {
    pub fn settings(&self) -> Result<Settings> {
        Ok(Settings {
            clinic_name: self.setting(CLINIC_NAME_KEY)?,
            check_interval_minutes: self.check_interval_minutes()?,
        })
    }

    pub fn check_interval_minutes(&self) -> Result<u32> {
        Ok(self
            .setting(CHECK_INTERVAL_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_CHECK_INTERVAL_MINUTES))
    }

    pub fn check_interval_ms(&self) -> Result<i64> {
        Ok(i64::from(self.check_interval_minutes()?) * 60_000)
    }

    /// Saves the settings that differ from the stored ones, each audited.
    pub fn update_settings(&self, actor: &Actor, new: &Settings) -> Result<Settings> {
        if !(1..=1440).contains(&new.check_interval_minutes) {
            return Err(Error::validation(
                "check_interval_minutes",
                "The check interval must be between 1 and 1440 minutes (a day).",
            ));
        }
        let clinic_name = match new
            .clinic_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            Some(name) => Some(crate::providers::validate::name(name).map_err(|mut issue| {
                issue.field = "clinic_name".into();
                issue.message = issue.message.replace("Name", "Clinic name");
                Error::from(issue)
            })?),
            None => None,
        };
        let current = self.settings()?;
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
            if current.check_interval_minutes != new.check_interval_minutes {
                put(
                    tx,
                    CHECK_INTERVAL_KEY,
                    &new.check_interval_minutes.to_string(),
                )?;
                changes.push(FieldChange::value(
                    CHECK_INTERVAL_KEY,
                    Some(&current.check_interval_minutes.to_string()),
                    Some(&new.check_interval_minutes.to_string()),
                ));
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

fn put(tx: &rusqlite::Transaction<'_>, key: &str, value: &str) -> Result<()> {
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
                check_interval_minutes: 15
            }
        );
        let a = Actor::new("admin");
        let err = sb
            .update_settings(
                &a,
                &Settings {
                    clinic_name: None,
                    check_interval_minutes: 0,
                },
            )
            .unwrap_err();
        assert_eq!(err.field(), Some("check_interval_minutes"));
        let err = sb
            .update_settings(
                &a,
                &Settings {
                    clinic_name: Some("<b>".into()),
                    check_interval_minutes: 15,
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
                },
            )
            .unwrap();
        assert_eq!(saved.clinic_name.as_deref(), Some("Maple Vets"));
        assert_eq!(sb.check_interval_ms().unwrap(), 5 * 60_000);
        assert_eq!(
            sb.info().unwrap().clinic_name.as_deref(),
            Some("Maple Vets")
        );
        let rows = sb.recent_audit(5).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].changes.len(), 2);
    }
}
