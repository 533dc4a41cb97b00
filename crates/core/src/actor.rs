//! Who is doing something: recorded in the audit log and in `created_by` / `updated_by`.

/// The person (or process) an operation is done for. Until local accounts exist it is the OS
/// user running the app or the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    name: String,
}

impl Actor {
    pub fn new(name: impl Into<String>) -> Self {
        Actor { name: name.into() }
    }

    /// The operating-system user running this process.
    pub fn os_user() -> Self {
        let name = whoami::fallible::username().unwrap_or_else(|_| "unknown".to_owned());
        Actor {
            name: format!("os:{name}"),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}
