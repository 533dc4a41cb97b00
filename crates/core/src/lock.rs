//! The instance lock: one process at a time runs the background services for a data folder.
//!
//! The process that runs them (the app window, `switchboard serve`, `switchboard worker`) holds
//! an exclusive lock on `<data dir>/services.lock`; the OS releases it when that process ends,
//! however it ends. Holding it proves that no other live process sends deliveries, which is what
//! lets a restart reclaim a dead process's leases at once. Plain commands (`emit`, `deliveries
//! list`, …) never take it.
//!
//! Who holds the lock is written to `services.holder.json` beside it, not into the lock file:
//! Windows locks are mandatory, so other processes could not read a locked file to name its
//! holder. The description is only read after a refused `try_lock`, so a stale one (left by a
//! killed process) is never shown: whoever holds the lock rewrote it first.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time;

pub const LOCK_FILE: &str = "services.lock";
pub const HOLDER_FILE: &str = "services.holder.json";

/// The programs that run the background services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Program {
    Window,
    Serve,
    Worker,
}

impl Program {
    /// How a message names it.
    pub fn label(self) -> &'static str {
        match self {
            Program::Window => "the Switchboard app window",
            Program::Serve => "`switchboard serve`",
            Program::Worker => "`switchboard worker`",
        }
    }
}

/// Who holds the lock: the program, its process id and since when (unix ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    pub program: Program,
    pub pid: u32,
    pub started_at: i64,
}

impl Holder {
    fn me(program: Program) -> Self {
        Holder {
            program,
            pid: std::process::id(),
            started_at: time::now_ms(),
        }
    }

    /// "`switchboard serve` (pid 1234, since 14:02)", in this computer's time zone.
    pub fn describe(&self) -> String {
        format!(
            "{} (pid {}, since {})",
            self.program.label(),
            self.pid,
            local_time(self.started_at)
        )
    }
}

/// The time of day when it is today, else the date too.
fn local_time(ms: i64) -> String {
    let Ok(at) = jiff::Timestamp::from_millisecond(ms) else {
        return "an unknown time".to_owned();
    };
    let tz = jiff::tz::TimeZone::system();
    let at = at.to_zoned(tz.clone());
    if at.date() == jiff::Timestamp::now().to_zoned(tz).date() {
        at.strftime("%H:%M").to_string()
    } else {
        at.strftime("%Y-%m-%d %H:%M").to_string()
    }
}

/// The sentence a second service process is refused with.
pub fn refusal(holder: Option<&Holder>) -> String {
    let who = holder.map_or_else(
        || "another Switchboard program".to_owned(),
        Holder::describe,
    );
    format!(
        "Switchboard's background services already run for this data folder in {who}. Only one \
         program runs them at a time: stop that one first, or leave the work to it."
    )
}

/// The lock, held until dropped (or until the process ends).
#[derive(Debug)]
pub struct ServicesLock {
    // Closing the file releases the lock; it is only ever held, never read or written.
    _file: File,
    holder: Holder,
    data_dir: PathBuf,
}

/// What trying to take the lock found.
#[derive(Debug)]
pub enum Acquired {
    Held(ServicesLock),
    /// Another live process holds it; `None` when it has not said who it is (yet).
    Taken(Option<Holder>),
}

impl ServicesLock {
    pub(crate) fn try_acquire_in(data_dir: &Path, program: Program) -> Result<Acquired> {
        let path = data_dir.join(LOCK_FILE);
        let fail = |e: std::io::Error| Error::DataDir {
            path: path.clone(),
            reason: format!("the services lock could not be taken ({e})"),
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(fail)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(Acquired::Taken(read_holder(data_dir))),
            Err(TryLockError::Error(e)) => return Err(fail(e)),
        }
        let holder = Holder::me(program);
        write_holder(data_dir, &holder).map_err(|e| Error::DataDir {
            path: data_dir.join(HOLDER_FILE),
            reason: format!("could not write who runs the services ({e})"),
        })?;
        Ok(Acquired::Held(ServicesLock {
            _file: file,
            holder,
            data_dir: data_dir.to_owned(),
        }))
    }

    pub fn holder(&self) -> &Holder {
        &self.holder
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

impl Drop for ServicesLock {
    fn drop(&mut self) {
        // Before the file closes (and the lock goes), so a successor's description is never
        // the one removed.
        let _ = std::fs::remove_file(self.data_dir.join(HOLDER_FILE));
    }
}

/// Who holds the lock now, or `None` when nobody does (or it cannot be told). Takes no lock: it
/// only reads the description, so it may name a process that has just stopped.
pub fn read_holder(data_dir: &Path) -> Option<Holder> {
    let text = std::fs::read(data_dir.join(HOLDER_FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Written whole (a temporary file renamed over), so a reader never sees half of it.
fn write_holder(data_dir: &Path, holder: &Holder) -> std::io::Result<()> {
    let json = serde_json::to_vec(holder).map_err(std::io::Error::other)?;
    let tmp = data_dir.join(format!("{HOLDER_FILE}.{}.tmp", holder.pid));
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, data_dir.join(HOLDER_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_with_the_holder_and_takes_over_once_it_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let Acquired::Held(first) =
            ServicesLock::try_acquire_in(dir.path(), Program::Serve).unwrap()
        else {
            panic!("the first taker holds the lock");
        };
        // A second open file description is refused even in the same process, as another
        // process would be.
        let Acquired::Taken(Some(holder)) =
            ServicesLock::try_acquire_in(dir.path(), Program::Window).unwrap()
        else {
            panic!("the lock is taken and names its holder");
        };
        assert_eq!(&holder, first.holder());
        assert_eq!(holder.program, Program::Serve);
        assert_eq!(holder.pid, std::process::id());
        let message = refusal(Some(&holder));
        assert!(
            message.contains(&format!(
                "in `switchboard serve` (pid {}, since ",
                std::process::id()
            )),
            "{message}"
        );

        drop(first);
        assert_eq!(
            read_holder(dir.path()),
            None,
            "a released lock names nobody"
        );
        let Acquired::Held(second) =
            ServicesLock::try_acquire_in(dir.path(), Program::Window).unwrap()
        else {
            panic!("the lock is free again");
        };
        assert_eq!(
            read_holder(dir.path()).map(|h| h.program),
            Some(Program::Window)
        );
        drop(second);
    }

    #[test]
    fn a_holder_that_has_not_said_who_it_is_is_still_refused_plainly() {
        let dir = tempfile::tempdir().unwrap();
        let held = ServicesLock::try_acquire_in(dir.path(), Program::Worker).unwrap();
        std::fs::remove_file(dir.path().join(HOLDER_FILE)).unwrap();
        let Acquired::Taken(None) =
            ServicesLock::try_acquire_in(dir.path(), Program::Serve).unwrap()
        else {
            panic!("taken, by someone unnamed");
        };
        assert!(refusal(None).contains("in another Switchboard program"));
        drop(held);
    }

    #[test]
    fn the_time_is_shown_as_a_time_of_day_today_and_with_the_date_before() {
        let now = time::now_ms();
        assert_eq!(local_time(now).len(), "14:02".len());
        assert_eq!(
            local_time(now - 3 * 24 * 3600 * 1000).len(),
            "2026-12-04 14:02".len()
        );
    }
}
