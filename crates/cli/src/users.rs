//! Acting as a named user: `--user NAME` with the password from standard input
//! (`--password-stdin`, its first line) or from the OS keychain (`switchboard login` keeps it
//! there), and the `setup`, `login`, `logout` and `user` commands.

use std::io::BufRead;

use clap::Subcommand;
use switchboard_core::users::{Password, SetupRequest, User, UserDraft, UserPatch};
use switchboard_core::{Actor, Error, Result, Role, Switchboard};

use crate::output::{print, Output};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Every local account.
    List,
    /// Add a user; their password is read from standard input.
    Add {
        username: String,
        /// front_desk, manager or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Change a user's role or name, or enable or disable them.
    Set {
        username: String,
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        #[arg(long)]
        disable: bool,
    },
    /// Give a user a new password, read from standard input.
    ResetPassword { username: String },
}

/// One line of standard input (the password, a secret), without its line ending.
pub fn read_line(what: &str) -> Result<String> {
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Internal(format!("reading {what} from standard input: {e}")))?;
    if n == 0 {
        return Err(Error::validation(
            what,
            format!("Expected the {what} on standard input, and it was empty."),
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Signs `username` in for this one command.
pub fn sign_in(sb: &Switchboard, username: &str, password_stdin: bool) -> Result<Actor> {
    let password = if password_stdin {
        Password::new(read_line("password")?)
    } else {
        match sb.kept_password(username)? {
            Some(p) => p,
            None => {
                return Err(Error::Locked(format!(
                    "No password for {username}: pass --password-stdin and type it on standard \
                     input, or run `switchboard --user {username} --password-stdin login` once \
                     to keep it in this computer's keychain."
                )))
            }
        }
    };
    Ok(sb.login(username, &password, "cli")?.actor())
}

pub fn setup(
    sb: &Switchboard,
    out: Output,
    clinic_name: &str,
    admin: &str,
    display_name: Option<String>,
) -> Result<()> {
    let password = Password::new(read_line("password")?);
    let user = sb.setup(&SetupRequest {
        clinic_name: clinic_name.to_owned(),
        username: admin.to_owned(),
        display_name,
        password,
    })?;
    print(out, &user, |u| {
        format!(
            "Set up. {} is the admin; sign in with --user {}.",
            u.display_name, u.username
        )
    })
}

/// Checks the password and keeps it in the OS keychain for later `--user` commands.
pub fn login(sb: &Switchboard, out: Output, username: &str) -> Result<()> {
    let password = read_line("password")?;
    let user = sb.login_and_keep_password(username, &Password::new(password), "cli")?;
    print(out, &user, |u| {
        format!(
            "Signed in as {} ({}). The password is kept in this computer's keychain; \
             `switchboard --user {} logout` removes it.",
            u.username,
            u.role.label(),
            u.username
        )
    })
}

pub fn logout(sb: &Switchboard, out: Output, username: &str) -> Result<()> {
    sb.forget_kept_password(username)?;
    print(out, &serde_json::json!({ "forgotten": username }), |_| {
        format!("The password of {username} was removed from this computer's keychain.")
    })
}

fn role(s: &str) -> Result<Role> {
    Role::parse(s)
        .ok_or_else(|| Error::validation("role", "A role is front_desk, manager or admin."))
}

fn user_id(sb: &Switchboard, actor: &Actor, username: &str) -> Result<String> {
    sb.list_users(actor)?
        .into_iter()
        .find(|u| u.username.eq_ignore_ascii_case(username) || u.id == username)
        .map(|u| u.id)
        .ok_or_else(|| Error::NotFound(format!("User {username}")))
}

pub fn run(sb: &Switchboard, actor: &Actor, out: Output, cmd: &UserCommand) -> Result<()> {
    match cmd {
        UserCommand::List => print(out, &sb.list_users(actor)?, |u| users_text(u)),
        UserCommand::Add {
            username,
            role: r,
            display_name,
        } => {
            let role = role(r)?;
            let password = Password::new(read_line("password")?);
            let user = sb.create_user(
                actor,
                &UserDraft {
                    username: username.clone(),
                    display_name: display_name.clone(),
                    role,
                    password,
                },
            )?;
            print(out, &user, |u| {
                format!("Added {} ({}).", u.username, u.role.label())
            })
        }
        UserCommand::Set {
            username,
            role: r,
            display_name,
            enable,
            disable,
        } => {
            let id = user_id(sb, actor, username)?;
            let patch = UserPatch {
                display_name: display_name.clone(),
                role: r.as_deref().map(role).transpose()?,
                enabled: if *enable {
                    Some(true)
                } else if *disable {
                    Some(false)
                } else {
                    None
                },
            };
            let user = sb.update_user(actor, &id, &patch)?;
            print(out, &user, |u| {
                format!(
                    "{}: {}, {}.",
                    u.username,
                    u.role.label(),
                    if u.enabled { "enabled" } else { "disabled" }
                )
            })
        }
        UserCommand::ResetPassword { username } => {
            let id = user_id(sb, actor, username)?;
            let password = Password::new(read_line("password")?);
            sb.reset_password(actor, &id, &password)?;
            print(out, &serde_json::json!({ "reset": username }), |_| {
                format!("{username} has a new password.")
            })
        }
    }
}

fn users_text(users: &[User]) -> String {
    let mut lines = vec![format!(
        "{:<20} {:<28} {:<11} {:<8} {}",
        "USERNAME", "NAME", "ROLE", "STATE", "LAST SIGN-IN"
    )];
    for u in users {
        lines.push(format!(
            "{:<20} {:<28} {:<11} {:<8} {}",
            u.username,
            u.display_name,
            u.role.label(),
            if u.enabled { "enabled" } else { "disabled" },
            u.last_login_at.as_deref().unwrap_or("never")
        ));
    }
    lines.join("\n")
}
