//! Secrets the database says are set but this computer's keychain does not have — what a
//! database copied to another machine (or restored from a backup) looks like. The records stay
//! readable; the app names what must be entered again.

use serde::Serialize;

use crate::actor::{Actor, Operation};
use crate::error::Result;
use crate::{integrations, webhooks, Switchboard};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MissingSecret {
    /// `integration` or `endpoint`.
    pub object_type: String,
    pub object_id: String,
    /// The integration's name or the endpoint's URL.
    pub object_label: String,
    /// The secret field (`auth_token`, `secret`, `headers`).
    pub field: String,
}

impl Switchboard {
    /// Every secret that should be in the keychain and is not. Empty when the keychain is
    /// unavailable altogether (the app shows that separately).
    pub fn missing_secrets(&self, actor: &Actor) -> Result<Vec<MissingSecret>> {
        self.authorize(actor, Operation::KeychainStatusView, None)?;
        if !self.keychain().status().available {
            return Ok(Vec::new());
        }
        let mut missing = Vec::new();
        for i in self.all_integrations()? {
            for s in i.secrets.iter().filter(|s| s.set) {
                let account = integrations::secret_account(&i.id, &s.field);
                if self.keychain().get(&account)?.is_none() {
                    missing.push(MissingSecret {
                        object_type: "integration".into(),
                        object_id: i.id.clone(),
                        object_label: i.name.clone(),
                        field: s.field.clone(),
                    });
                }
            }
        }
        for e in self.all_endpoints()? {
            let mut check = |field: &str, account: String| -> Result<()> {
                if self.keychain().get(&account)?.is_none() {
                    missing.push(MissingSecret {
                        object_type: "endpoint".into(),
                        object_id: e.id.clone(),
                        object_label: e.url.clone(),
                        field: field.to_owned(),
                    });
                }
                Ok(())
            };
            check("secret", webhooks::endpoints::secret_account(&e.id))?;
            if !e.header_names.is_empty() {
                check("headers", webhooks::endpoints::headers_account(&e.id))?;
            }
        }
        Ok(missing)
    }
}
