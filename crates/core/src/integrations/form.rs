//! Turns a submitted form (a draft, or a patch over a stored integration) into checked values,
//! collecting every issue on the way. Only checked values are ever saved.

use std::collections::{BTreeMap, BTreeSet};

use super::{IntegrationDraft, IntegrationPatch, Stored};
use crate::error::{Error, Result};
use crate::providers::validate::{self, FieldIssue};
use crate::providers::{self, Provider};
use crate::secrets::Secret;

/// Values that passed every rule, ready to store.
#[derive(Debug)]
pub struct Checked {
    pub name: String,
    pub environment: String,
    pub base_url: Option<String>,
    pub settings: BTreeMap<String, String>,
    /// Secrets to write to the keychain now.
    pub new_secrets: BTreeMap<String, Secret>,
    /// Secrets already in the keychain that stay.
    pub kept_secrets: BTreeSet<String>,
    /// Secrets to remove (their field no longer applies, e.g. after switching to an API key).
    pub removed_secrets: BTreeSet<String>,
    pub warnings: Vec<FieldIssue>,
}

impl Checked {
    pub fn secrets_set(&self) -> BTreeSet<String> {
        self.kept_secrets
            .iter()
            .chain(self.new_secrets.keys())
            .cloned()
            .collect()
    }
}

pub struct Report {
    pub issues: Vec<FieldIssue>,
    checked: Checked,
}

impl Report {
    /// The checked values, or the first blocking issue as a validation error.
    pub fn into_result(self) -> Result<Checked> {
        if let Some(first) = self.issues.iter().find(|i| i.is_error()) {
            return Err(first.clone().into());
        }
        let mut checked = self.checked;
        checked.warnings = self.issues;
        Ok(checked)
    }
}

impl From<FieldIssue> for Error {
    fn from(issue: FieldIssue) -> Self {
        Error::Validation {
            field: issue.field,
            message: issue.message,
        }
    }
}

pub fn check_new(draft: &IntegrationDraft) -> Report {
    let spec = providers::spec(draft.provider);
    let mut values = BTreeMap::new();
    for field in spec.fields.iter().filter(|f| !f.secret) {
        if let Some(default) = field.default {
            values.insert(field.name.to_owned(), default.to_owned());
        }
    }
    values.extend(draft.values.clone());
    check(Form {
        provider: draft.provider,
        name: &draft.name,
        environment: &draft.environment,
        base_url: Ok(draft.base_url.as_deref()),
        values,
        given_values: &draft.values,
        secrets: &draft.secrets,
        existing_secrets: &BTreeSet::new(),
    })
}

pub fn check_patch(stored: &Stored, patch: &IntegrationPatch) -> Report {
    let mut values = stored.settings.clone();
    values.extend(patch.values.clone());
    let base_url = match patch.base_url.as_deref() {
        Some(given) => Ok(Some(given)),
        None => Err(stored.base_url.clone()),
    };
    check(Form {
        provider: stored.provider,
        name: patch.name.as_deref().unwrap_or(&stored.name),
        environment: patch.environment.as_deref().unwrap_or(&stored.environment),
        base_url,
        values,
        given_values: &patch.values,
        secrets: &patch.secrets,
        existing_secrets: &stored.secrets_set,
    })
}

struct Form<'a> {
    provider: Provider,
    name: &'a str,
    environment: &'a str,
    /// `Ok(given)` to validate what the user gave; `Err(stored)` to keep an already-checked URL.
    base_url: std::result::Result<Option<&'a str>, Option<String>>,
    /// Non-secret values: stored or defaulted, overlaid with what was given.
    values: BTreeMap<String, String>,
    given_values: &'a BTreeMap<String, String>,
    secrets: &'a BTreeMap<String, String>,
    existing_secrets: &'a BTreeSet<String>,
}

fn check(form: Form<'_>) -> Report {
    let spec = providers::spec(form.provider);
    let mut issues = Vec::new();
    let mut keep = |r: std::result::Result<String, FieldIssue>| match r {
        Ok(v) => v,
        Err(issue) => {
            issues.push(issue);
            String::new()
        }
    };
    let name = keep(validate::name(form.name));
    let environment = keep(validate::environment(&spec, form.environment));
    let base_url = match form.base_url {
        Ok(given) => validate::base_url(given).unwrap_or_else(|issue| {
            issues.push(issue);
            None
        }),
        Err(stored) => stored,
    };

    for key in form.given_values.keys() {
        match spec.field(key) {
            None => issues.push(unknown_field(spec.name, key)),
            Some(f) if f.secret => issues.push(FieldIssue::error(
                key,
                format!(
                    "{} is a secret: enter it in its secret field so it goes to the keychain.",
                    f.label
                ),
            )),
            Some(_) => {}
        }
    }
    for key in form.secrets.keys() {
        match spec.field(key) {
            None => issues.push(unknown_field(spec.name, key)),
            Some(f) if !f.secret => issues.push(FieldIssue::error(
                key,
                format!("{} is not a secret; enter it as a normal value.", f.label),
            )),
            Some(_) => {}
        }
    }

    let trimmed: BTreeMap<&str, &str> = form
        .values
        .iter()
        .map(|(k, v)| (k.as_str(), v.trim()))
        .collect();
    let value_of = |field: &str| trimmed.get(field).map(|v| (*v).to_owned());

    let mut settings = BTreeMap::new();
    let mut new_secrets = BTreeMap::new();
    let mut kept_secrets = BTreeSet::new();
    let mut removed_secrets = BTreeSet::new();
    for field in &spec.fields {
        let active = validate::is_active(field, value_of);
        if field.secret {
            let given = form
                .secrets
                .get(field.name)
                .filter(|v| !v.trim().is_empty());
            let stored = form.existing_secrets.contains(field.name);
            if !active {
                if stored {
                    removed_secrets.insert(field.name.to_owned());
                }
                continue;
            }
            match given {
                Some(raw) => match validate::field_value(form.provider, field, raw) {
                    Ok((v, warnings)) => {
                        issues.extend(warnings);
                        new_secrets.insert(field.name.to_owned(), Secret::new(v));
                    }
                    Err(issue) => issues.push(issue),
                },
                None if stored => {
                    kept_secrets.insert(field.name.to_owned());
                }
                None if validate::is_required(field, value_of) => {
                    issues.push(FieldIssue::error(
                        field.name,
                        format!("{} is required.", field.label),
                    ));
                }
                None => {}
            }
        } else {
            if !active {
                continue;
            }
            match trimmed.get(field.name).filter(|v| !v.is_empty()) {
                Some(raw) => match validate::field_value(form.provider, field, raw) {
                    Ok((v, warnings)) => {
                        issues.extend(warnings);
                        settings.insert(field.name.to_owned(), v);
                    }
                    Err(issue) => issues.push(issue),
                },
                None if validate::is_required(field, value_of) => {
                    issues.push(FieldIssue::error(
                        field.name,
                        format!("{} is required.", field.label),
                    ));
                }
                None => {}
            }
        }
    }
    // Errors first, each field once, in form order, so the first error is the topmost one.
    issues.sort_by_key(|i| !i.is_error());
    Report {
        issues,
        checked: Checked {
            name,
            environment,
            base_url,
            settings,
            new_secrets,
            kept_secrets,
            removed_secrets,
            warnings: Vec::new(),
        },
    }
}

fn unknown_field(provider: &str, key: &str) -> FieldIssue {
    FieldIssue::error(key, format!("“{key}” is not a {provider} setting."))
}
