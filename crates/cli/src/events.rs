//! `switchboard events schema|list`: the event catalogue for the clinic's developers. Needs no
//! data folder and no sign-in: it is the same for every installation.

use std::io::Write;

use clap::Subcommand;
use switchboard_core::webhooks::catalogue;
use switchboard_core::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// The catalogue as one JSON Schema (draft 2020-12) document: an event {type, data, id} with
    /// each type's data schema under $defs.
    Schema,
    /// Every event type with its fields (* = needed by a sync rule); --json for the whole
    /// catalogue with examples.
    List,
}

pub fn run(json: bool, what: &EventsCommand) -> Result<()> {
    let text = match what {
        EventsCommand::Schema => pretty(&catalogue::schema::json_schema())?,
        EventsCommand::List if json => pretty(&catalogue::catalogue_json())?,
        EventsCommand::List => list(),
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A reader that stopped early (`| head`) is not an error worth a message.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::Internal(format!("writing to standard output: {e}")))
        }
        _ => Ok(()),
    }
}

fn pretty(value: &serde_json::Value) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::Internal(e.to_string()))
}

fn list() -> String {
    let mut text = String::new();
    for spec in catalogue::CATALOGUE {
        text.push_str(&format!("{}  {}\n", spec.name, spec.summary));
        for f in spec.fields {
            text.push_str(&format!(
                "    {}{}  {}\n",
                f.name,
                if f.needed { "*" } else { "" },
                f.ty.name()
            ));
        }
    }
    text.push_str("\n* needed by a sync rule\n");
    text
}
