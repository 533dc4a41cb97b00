//! Local accounts: first-run setup, sign-in with throttling, and the admin's user management.
//!
//! Every change and every sign-in (good or bad) is audited. The last enabled admin cannot be
//! demoted or disabled, so the clinic can never lock itself out of user management.

pub mod password;
pub mod session;

mod kept;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Operation, Permission, Role};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::{Error, Result};
use crate::{time, Switchboard};

pub use password::Password;

/// Wrong passwords allowed before each further try has to wait.
pub const FREE_TRIES: u32 = 3;
/// The longest wait between tries.
pub const MAX_WAIT_SECS: u32 = 300;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub enabled: bool,
    pub created_at: String,
    pub last_login_at: Option<String>,
}

/// Who is signed in, with what they may do (the UI adapts to `permissions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionUser {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub permissions: Vec<Permission>,
}

impl SessionUser {
    pub fn actor(&self) -> Actor {
        Actor::signed_in(&self.id, &self.username, self.role)
    }
}

impl From<&User> for SessionUser {
    fn from(u: &User) -> Self {
        SessionUser {
            id: u.id.clone(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            permissions: u.role.permissions().to_vec(),
        }
    }
}

/// The first start: the clinic's name and its admin.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SetupRequest {
    pub clinic_name: String,
    pub username: String,
    #[serde(default)]
    pub display_name: Option<String>,
    pub password: Password,
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UserDraft {
    pub username: String,
    #[serde(default)]
    pub display_name: Option<String>,
    pub role: Role,
    pub password: Password,
}

/// Changes to a user; fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UserPatch {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

const SELECT: &str = "SELECT id, username, display_name, role, enabled, created_at, last_login_at \
                      FROM users";

fn row_to_user(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::FrontDesk),
        enabled: r.get(4)?,
        created_at: time::to_rfc3339(r.get(5)?),
        last_login_at: r.get::<_, Option<i64>>(6)?.map(time::to_rfc3339),
    })
}

fn find(conn: &rusqlite::Connection, id_or_username: &str) -> Result<Option<User>> {
    Ok(conn
        .query_row(
            &format!("{SELECT} WHERE id = ?1 OR username = ?1"),
            [id_or_username],
            row_to_user,
        )
        .optional()?)
}

fn check_username(username: &str) -> Result<String> {
    let u = username.trim();
    if u.is_empty() {
        return Err(Error::validation("username", "Enter a username."));
    }
    if u.chars().count() < 2 || u.chars().count() > 32 {
        return Err(Error::validation(
            "username",
            "A username is 2 to 32 characters long.",
        ));
    }
    if !u
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(Error::validation(
            "username",
            "A username uses letters, digits, dots, dashes and underscores only (no spaces).",
        ));
    }
    if u.starts_with("system") {
        return Err(Error::validation(
            "username",
            "Usernames starting with \"system\" are reserved for Switchboard itself.",
        ));
    }
    Ok(u.to_owned())
}

fn check_display_name(name: Option<&str>, username: &str) -> Result<String> {
    let n = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(username);
    if n.chars().count() > 80 || n.chars().any(char::is_control) {
        return Err(Error::validation(
            "display_name",
            "A name is at most 80 characters, on one line.",
        ));
    }
    Ok(n.to_owned())
}

fn username_taken(tx: &Transaction<'_>, username: &str) -> Result<()> {
    let taken: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1)",
        [username],
        |r| r.get(0),
    )?;
    if taken {
        return Err(Error::validation(
            "username",
            format!("The username \"{username}\" is taken. Choose another."),
        ));
    }
    Ok(())
}

fn insert(
    tx: &Transaction<'_>,
    by: &str,
    username: &str,
    display_name: &str,
    role: Role,
    hash: &str,
) -> Result<User> {
    let id = format!("usr_{}", uuid::Uuid::new_v4().simple());
    let now = time::now_ms();
    tx.execute(
        "INSERT INTO users (id, username, display_name, role, password_hash, enabled, created_at,
                            created_by, updated_at, updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?6, ?7)",
        params![id, username, display_name, role.as_str(), hash, now, by],
    )?;
    find(tx, &id)?.ok_or_else(|| Error::Internal("user vanished".into()))
}

/// How long the next sign-in try for this username has to wait, in milliseconds.
fn wait_ms(failures: u32) -> i64 {
    if failures < FREE_TRIES {
        return 0;
    }
    let secs = 1u32
        .checked_shl(failures - FREE_TRIES)
        .unwrap_or(MAX_WAIT_SECS)
        .min(MAX_WAIT_SECS);
    i64::from(secs) * 1000
}

impl Switchboard {
    /// True until the first admin exists.
    pub fn needs_setup(&self) -> Result<bool> {
        self.db().read(|c| {
            let any: bool = c.query_row("SELECT EXISTS (SELECT 1 FROM users)", [], |r| r.get(0))?;
            Ok(!any)
        })
    }

    /// The first start: saves the clinic's name and creates the admin, who is then signed in.
    /// Refused once any user exists.
    pub fn setup(&self, request: &SetupRequest) -> Result<SessionUser> {
        let clinic = crate::settings::check_clinic_name(Some(&request.clinic_name))?
            .ok_or_else(|| Error::validation("clinic_name", "Enter the clinic's name."))?;
        let username = check_username(&request.username)?;
        let display = check_display_name(request.display_name.as_deref(), &username)?;
        password::check_policy(
            &request.password,
            &[&username, &display, &clinic],
            "password",
        )?;
        let hash = password::hash(&request.password)?;
        let user = self.db().write(|tx| {
            let any: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM users)", [], |r| r.get(0))?;
            if any {
                return Err(Error::Conflict(
                    "Switchboard is already set up. Sign in instead.".into(),
                ));
            }
            let user = insert(tx, &username, &username, &display, Role::Admin, &hash)?;
            crate::settings::put(tx, crate::settings::CLINIC_NAME_KEY, &clinic)?;
            let actor = SessionUser::from(&user).actor();
            audit::append(
                tx,
                &Record {
                    actor: &actor,
                    action: "setup",
                    object_type: "user",
                    object_id: Some(&user.id),
                    object_label: Some(&user.username),
                    changes: vec![
                        FieldChange::value("clinic_name", None, Some(&clinic)),
                        FieldChange::value("role", None, Some(Role::Admin.as_str())),
                        FieldChange::secret("password", "set"),
                    ],
                    outcome: AuditResult::Ok,
                    detail: None,
                },
            )?;
            Ok(user)
        })?;
        Ok(SessionUser::from(&user))
    }

    /// Checks a username and password. Wrong tries are counted per typed username; after
    /// [`FREE_TRIES`] each further try waits twice as long as the one before (up to
    /// [`MAX_WAIT_SECS`]), and a try made too early is refused without looking at the password.
    /// `via` says where the sign-in came from (`app`, `cli`), for the audit log.
    pub fn login(&self, username: &str, password: &Password, via: &str) -> Result<SessionUser> {
        let typed = username.trim();
        let now = time::now_ms();
        let anonymous = Actor::system(via);
        let label = if typed.is_empty() { None } else { Some(typed) };
        // The try is counted as a failure *before* the password is checked, in the same write
        // transaction that reads the count: parallel tries (twelve CLI sign-ins at once) are
        // serialised by SQLite's write lock, so at most FREE_TRIES of them reach the hash. A
        // correct password clears the count below.
        let throttled = self.db().write(|tx| {
            let (failures, last) = tx
                .query_row(
                    "SELECT failures, last_failure_at FROM login_failures WHERE username = ?1",
                    [typed],
                    |r| Ok((r.get::<_, u32>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?
                .unwrap_or((0, 0));
            let ready_at = last + wait_ms(failures);
            if now < ready_at {
                let retry_after_secs = u32::try_from((ready_at - now + 999) / 1000).unwrap_or(1);
                audit::append(
                    tx,
                    &Record {
                        actor: &anonymous,
                        action: "session.login",
                        object_type: "user",
                        object_id: None,
                        object_label: label,
                        changes: vec![],
                        outcome: AuditResult::Refused,
                        detail: Some(format!(
                            "too many wrong passwords; next try allowed in {retry_after_secs} s"
                        )),
                    },
                )?;
                return Ok(Some(retry_after_secs));
            }
            tx.execute(
                "INSERT INTO login_failures (username, failures, last_failure_at)
                 VALUES (?1, 1, ?2)
                 ON CONFLICT (username) DO UPDATE
                 SET failures = failures + 1, last_failure_at = excluded.last_failure_at",
                params![typed, now],
            )?;
            Ok(None)
        })?;
        if let Some(retry_after_secs) = throttled {
            return Err(Error::Throttled { retry_after_secs });
        }
        let found = self.db().read(|c| {
            Ok(c.query_row(
                "SELECT id, password_hash, enabled FROM users WHERE username = ?1",
                [typed],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, bool>(2)?,
                    ))
                },
            )
            .optional()?)
        })?;
        // Hash even for an unknown username, so timing does not tell which names exist.
        let matches = password::verify(
            password,
            found.as_ref().map_or(password::decoy_hash(), |f| &f.1),
        );
        let failure = match &found {
            None => Some("unknown username"),
            Some(_) if !matches => Some("wrong password"),
            Some((_, _, false)) => Some("account disabled"),
            Some(_) => None,
        };
        if let Some(why) = failure {
            // Already counted above, before the check.
            self.db().write(|tx| {
                audit::append(
                    tx,
                    &Record {
                        actor: &anonymous,
                        action: "session.login",
                        object_type: "user",
                        object_id: found.as_ref().map(|f| f.0.as_str()),
                        object_label: label,
                        changes: vec![],
                        outcome: AuditResult::Failed,
                        detail: Some(format!("{why} (via {via})")),
                    },
                )
            })?;
            // A disabled account is named only to someone who knows its password.
            return Err(if why == "account disabled" {
                Error::validation(
                    "username",
                    "This account is disabled. Ask an admin to enable it.",
                )
            } else {
                Error::validation("password", "Wrong username or password.")
            });
        }
        let id = found.map(|f| f.0).unwrap_or_default();
        let user = self.db().write(|tx| {
            tx.execute("DELETE FROM login_failures WHERE username = ?1", [typed])?;
            tx.execute(
                "UPDATE users SET last_login_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            let user = find(tx, &id)?.ok_or_else(|| Error::NotFound(typed.to_owned()))?;
            audit::append(
                tx,
                &Record {
                    actor: &SessionUser::from(&user).actor(),
                    action: "session.login",
                    object_type: "user",
                    object_id: Some(&user.id),
                    object_label: Some(&user.username),
                    changes: vec![],
                    outcome: AuditResult::Ok,
                    detail: Some(format!("via {via}")),
                },
            )?;
            Ok(user)
        })?;
        Ok(SessionUser::from(&user))
    }

    /// Records a lock, an unlock, a sign-out or an idle lock (`session.lock`, …).
    pub fn record_session_event(
        &self,
        actor: &Actor,
        action: &str,
        detail: Option<String>,
    ) -> Result<()> {
        self.db().write(|tx| {
            audit::append(
                tx,
                &Record {
                    actor,
                    action,
                    object_type: "session",
                    object_id: actor.user_id(),
                    object_label: Some(actor.name()),
                    changes: vec![],
                    outcome: AuditResult::Ok,
                    detail,
                },
            )
        })?;
        Ok(())
    }

    /// The signed-in user's current account, re-read so a role change or a disabling made
    /// elsewhere takes effect at once.
    pub fn current_user(&self, actor: &Actor) -> Result<SessionUser> {
        let id = actor
            .user_id()
            .ok_or_else(|| Error::Locked("Sign in first.".into()))?;
        let user = self
            .db()
            .read(|c| find(c, id))?
            .filter(|u| u.enabled)
            .ok_or_else(|| Error::Locked("Your account was disabled. Ask an admin.".into()))?;
        Ok(SessionUser::from(&user))
    }

    pub fn list_users(&self, actor: &Actor) -> Result<Vec<User>> {
        self.authorize(actor, Operation::UserList, None)?;
        self.db().read(|c| {
            let mut stmt = c.prepare(&format!("{SELECT} ORDER BY username COLLATE NOCASE"))?;
            let rows = stmt.query_map([], row_to_user)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    pub fn create_user(&self, actor: &Actor, draft: &UserDraft) -> Result<User> {
        self.authorize(actor, Operation::UserCreate, None)?;
        let username = check_username(&draft.username)?;
        let display = check_display_name(draft.display_name.as_deref(), &username)?;
        let clinic = self.settings()?.clinic_name.unwrap_or_default();
        password::check_policy(&draft.password, &[&username, &display, &clinic], "password")?;
        let hash = password::hash(&draft.password)?;
        self.db().write(|tx| {
            username_taken(tx, &username)?;
            let user = insert(tx, actor.name(), &username, &display, draft.role, &hash)?;
            audit::append(
                tx,
                &Record {
                    actor,
                    action: "user.create",
                    object_type: "user",
                    object_id: Some(&user.id),
                    object_label: Some(&user.username),
                    changes: vec![
                        FieldChange::value("display_name", None, Some(&display)),
                        FieldChange::value("role", None, Some(draft.role.as_str())),
                        FieldChange::secret("password", "set"),
                    ],
                    outcome: AuditResult::Ok,
                    detail: None,
                },
            )?;
            Ok(user)
        })
    }

    /// Renames, changes the role of, enables or disables a user. The last enabled admin can be
    /// neither demoted nor disabled.
    pub fn update_user(&self, actor: &Actor, id: &str, patch: &UserPatch) -> Result<User> {
        self.authorize(actor, Operation::UserUpdate, Some(id))?;
        self.db().write(|tx| {
            let old = find(tx, id)?.ok_or_else(|| Error::NotFound(format!("user {id}")))?;
            let display = match &patch.display_name {
                Some(n) => check_display_name(Some(n), &old.username)?,
                None => old.display_name.clone(),
            };
            let role = patch.role.unwrap_or(old.role);
            let enabled = patch.enabled.unwrap_or(old.enabled);
            let stays_admin = role == Role::Admin && enabled;
            if old.role == Role::Admin && old.enabled && !stays_admin {
                let others: i64 = tx.query_row(
                    "SELECT count(*) FROM users WHERE role = 'admin' AND enabled = 1 AND id != ?1",
                    [&old.id],
                    |r| r.get(0),
                )?;
                if others == 0 {
                    let field = if role == Role::Admin {
                        "enabled"
                    } else {
                        "role"
                    };
                    return Err(Error::validation(
                        field,
                        format!(
                            "{} is the last admin. Make someone else an admin first, so the \
                             clinic can still manage users.",
                            old.username
                        ),
                    ));
                }
            }
            let mut changes = Vec::new();
            if display != old.display_name {
                changes.push(FieldChange::value(
                    "display_name",
                    Some(&old.display_name),
                    Some(&display),
                ));
            }
            if role != old.role {
                changes.push(FieldChange::value(
                    "role",
                    Some(old.role.as_str()),
                    Some(role.as_str()),
                ));
            }
            if enabled != old.enabled {
                changes.push(FieldChange::value(
                    "enabled",
                    Some(&old.enabled.to_string()),
                    Some(&enabled.to_string()),
                ));
            }
            if changes.is_empty() {
                return Ok(old);
            }
            tx.execute(
                "UPDATE users SET display_name = ?2, role = ?3, enabled = ?4, updated_at = ?5,
                                  updated_by = ?6
                 WHERE id = ?1",
                params![
                    old.id,
                    display,
                    role.as_str(),
                    enabled,
                    time::now_ms(),
                    actor.name()
                ],
            )?;
            audit::append(
                tx,
                &Record {
                    actor,
                    action: "user.update",
                    object_type: "user",
                    object_id: Some(&old.id),
                    object_label: Some(&old.username),
                    changes,
                    outcome: AuditResult::Ok,
                    detail: None,
                },
            )?;
            find(tx, &old.id)?.ok_or_else(|| Error::Internal("user vanished".into()))
        })
    }

    /// An admin sets a new password for a user (who forgot theirs). Clears their wrong tries.
    pub fn reset_password(&self, actor: &Actor, id: &str, new: &Password) -> Result<()> {
        self.authorize(actor, Operation::UserResetPassword, Some(id))?;
        let user = self
            .db()
            .read(|c| find(c, id))?
            .ok_or_else(|| Error::NotFound(format!("user {id}")))?;
        self.set_password(actor, &user, new, "user.reset_password")
    }

    /// Anyone changes their own password, proving they know the current one.
    pub fn change_password(&self, actor: &Actor, current: &Password, new: &Password) -> Result<()> {
        let me = self.current_user(actor)?;
        let (user, stored) = self.db().read(|c| {
            let user = find(c, &me.id)?.ok_or_else(|| Error::NotFound(me.id.clone()))?;
            let stored: String = c.query_row(
                "SELECT password_hash FROM users WHERE id = ?1",
                [&me.id],
                |r| r.get(0),
            )?;
            Ok((user, stored))
        })?;
        if !password::verify(current, &stored) {
            return Err(Error::validation(
                "current_password",
                "That is not your current password.",
            ));
        }
        self.set_password(actor, &user, new, "user.change_password")
    }

    fn set_password(&self, actor: &Actor, user: &User, new: &Password, action: &str) -> Result<()> {
        let clinic = self.settings()?.clinic_name.unwrap_or_default();
        password::check_policy(
            new,
            &[&user.username, &user.display_name, &clinic],
            "password",
        )?;
        let hash = password::hash(new)?;
        self.db().write(|tx| {
            tx.execute(
                "UPDATE users SET password_hash = ?2, updated_at = ?3, updated_by = ?4 WHERE id = ?1",
                params![user.id, hash, time::now_ms(), actor.name()],
            )?;
            tx.execute(
                "DELETE FROM login_failures WHERE username = ?1",
                [&user.username],
            )?;
            audit::append(
                tx,
                &Record {
                    actor,
                    action,
                    object_type: "user",
                    object_id: Some(&user.id),
                    object_label: Some(&user.username),
                    changes: vec![FieldChange::secret("password", "replaced")],
                    outcome: AuditResult::Ok,
                    detail: None,
                },
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::wait_ms;

    #[test]
    fn waits_double_after_the_free_tries_and_cap() {
        assert_eq!(wait_ms(0), 0);
        assert_eq!(wait_ms(2), 0);
        assert_eq!(wait_ms(3), 1000);
        assert_eq!(wait_ms(4), 2000);
        assert_eq!(wait_ms(6), 8000);
        assert_eq!(wait_ms(12), 300_000);
        assert_eq!(wait_ms(80), 300_000);
    }
}
