//! Passwords: the policy a new password must meet, and Argon2id hashing.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use serde::Deserialize;

use crate::error::{Error, Result};

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 10;
/// Longest password accepted (hashing cost grows with length; nobody types more).
pub const MAX_LENGTH: usize = 256;

/// A password as typed. It crosses from the UI or the CLI into core and goes nowhere else:
/// not serialisable back out, not printable.
#[derive(Clone, Deserialize, specta::Type)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    pub fn new(s: impl Into<String>) -> Self {
        Password(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// Checks a new password: not empty, not too short, and not easy to guess — common passwords,
/// keyboard patterns, and words from `context` (the username, the person's name, the clinic's
/// name) are judged by zxcvbn. `field` names the form field in the error.
pub fn check_policy(password: &Password, context: &[&str], field: &str) -> Result<()> {
    let p = password.expose();
    if p.trim().is_empty() {
        return Err(Error::validation(field, "Enter a password."));
    }
    let chars = p.chars().count();
    if chars < MIN_LENGTH {
        return Err(Error::validation(
            field,
            format!("The password is too short: use at least {MIN_LENGTH} characters."),
        ));
    }
    if chars > MAX_LENGTH {
        return Err(Error::validation(
            field,
            format!("The password is too long: use at most {MAX_LENGTH} characters."),
        ));
    }
    let context: Vec<&str> = context
        .iter()
        .flat_map(|c| c.split_whitespace())
        .filter(|w| w.chars().count() >= 3)
        .collect();
    // Names first: zxcvbn's own check weighs them lightly, and "Riverside Vets 2026" is a weak
    // password for Riverside Vets however long it is.
    let mut rest = p.to_lowercase();
    for word in &context {
        rest = rest.replace(&word.to_lowercase(), "");
    }
    if rest != p.to_lowercase() && rest.chars().filter(|c| c.is_alphabetic()).count() < 6 {
        return Err(Error::validation(
            field,
            "This password is too close to your name or the clinic's name. Use words that have \
             nothing to do with you or the clinic.",
        ));
    }
    let estimate = zxcvbn::zxcvbn(p, &context);
    if (estimate.score() as u8) < 3 {
        let why = estimate
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| format!(" ({})", w.to_string().trim_end_matches('.')))
            .unwrap_or_default();
        return Err(Error::validation(
            field,
            format!(
                "This password is too common or too easy to guess{why}. Use a few unrelated \
                 words, or a longer mix of letters, digits and symbols."
            ),
        ));
    }
    Ok(())
}

/// An Argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt.
pub fn hash(password: &Password) -> Result<String> {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("hashing a password: {e}")))
}

/// Whether `password` matches the stored PHC string. The parameters come from the string, so
/// hashes made with older settings keep working.
pub fn verify(password: &Password, stored: &str) -> bool {
    Argon2::default()
        .verify_password(password.expose().as_bytes(), stored)
        .is_ok()
}

/// A hash of a random password, checked against when the username does not exist, so a wrong
/// username takes as long as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let mut bytes = [0u8; 24];
        let _ = getrandom::fill(&mut bytes);
        hash(&Password::new(hex::encode(bytes))).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_error(p: &str, context: &[&str]) -> String {
        match check_policy(&Password::new(p), context, "password") {
            Err(Error::Validation { field, message }) => {
                assert_eq!(field, "password");
                message
            }
            other => panic!("{p:?} was accepted: {other:?}"),
        }
    }

    #[test]
    fn empty_short_and_common_passwords_are_refused() {
        assert!(field_error("", &[]).contains("Enter a password"));
        assert!(field_error("   ", &[]).contains("Enter a password"));
        assert!(field_error("Ab1!x", &[]).contains("too short"));
        assert!(field_error("password123", &[]).contains("too common"));
        assert!(field_error("qwertyuiop", &[]).contains("too common"));
        assert!(field_error("1234567890", &[]).contains("too common"));
        assert!(field_error(&"x".repeat(300), &[]).contains("too long"));
    }

    #[test]
    fn the_users_own_names_count_against_a_password() {
        // Strong-looking on its own, weak when it is the clinic's name plus a year.
        let p = "Riverside Vets 2026";
        assert!(check_policy(&Password::new(p), &[], "password").is_ok());
        assert!(field_error(p, &["Riverside Vets"]).contains("too close to your name"));
        assert!(field_error("alice-2026-alice!", &["alice"]).contains("too close"));
    }

    #[test]
    fn a_good_password_passes() {
        for p in [
            "correct horse battery staple",
            "tulip-ferry-49-granite",
            "Gx7#pQ2!vLm9",
        ] {
            check_policy(&Password::new(p), &["alice"], "password").unwrap();
        }
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let p = Password::new("tulip-ferry-49-granite");
        let a = hash(&p).unwrap();
        let b = hash(&p).unwrap();
        assert!(a.starts_with("$argon2id$v=19$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify(&p, &a) && verify(&p, &b));
        assert!(!verify(&Password::new("tulip-ferry-49-granitE"), &a));
        assert!(!verify(&p, "not a hash"));
        assert!(!verify(&p, decoy_hash()));
    }

    #[test]
    fn password_never_prints() {
        let p = Password::new("tulip-ferry-49-granite");
        assert_eq!(format!("{p:?}"), "Password([redacted])");
        static_assertions::assert_not_impl_any!(Password: serde::Serialize, std::fmt::Display);
    }
}
