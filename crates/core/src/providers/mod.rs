//! The providers Switchboard connects to: Twilio, Square and QuickBooks Online.
//!
//! [`catalog`] describes each provider once (its form fields, rules and environments); the UI
//! renders forms from it and [`validate`] is the authority on what may be saved.

pub mod catalog;
pub mod validate;

pub use catalog::{
    catalog, spec, EnvironmentSpec, FieldKind, FieldSpec, Provider, ProviderSpec, Requirement,
};
pub use validate::{FieldIssue, Severity};
