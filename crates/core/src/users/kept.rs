//! Passwords kept for the CLI: `switchboard login` checks a password (a real, throttled and
//! audited sign-in) and keeps it in this computer's keychain, so later `--user` commands sign in
//! without typing it. Entries are named after the database's install id, so two data
//! directories never share one. Core owns the keychain: callers get these three operations,
//! not the keychain itself.

use super::password::Password;
use super::SessionUser;
use crate::error::Result;
use crate::secrets::Secret;
use crate::Switchboard;

impl Switchboard {
    fn kept_password_account(&self, username: &str) -> Result<String> {
        Ok(format!(
            "cli-password/{}/{}",
            self.install_id()?,
            username.to_lowercase()
        ))
    }

    /// Signs `username` in and, if the password is right, keeps it.
    pub fn login_and_keep_password(
        &self,
        username: &str,
        password: &Password,
        via: &str,
    ) -> Result<SessionUser> {
        let user = self.login(username, password, via)?;
        self.keychain().set(
            &self.kept_password_account(username)?,
            &Secret::new(password.expose()),
        )?;
        Ok(user)
    }

    /// The password kept for `username`, if any. It still has to pass [`Switchboard::login`].
    pub fn kept_password(&self, username: &str) -> Result<Option<Password>> {
        Ok(self
            .keychain()
            .get(&self.kept_password_account(username)?)?
            .map(|p| Password::new(p.expose())))
    }

    /// Forgets the password kept for `username` (nothing kept is not an error).
    pub fn forget_kept_password(&self, username: &str) -> Result<()> {
        self.keychain()
            .delete(&self.kept_password_account(username)?)
    }
}
