//! `switchboard-fake-providers`: the fake Twilio, Square and QuickBooks servers as a process, for
//! end-to-end tests of the real app window.
//!
//! Prints one JSON line and then serves until killed:
//! `{"base_url":"http://127.0.0.1:P","tls_base_url":"https://127.0.0.1:P2","control_url":"http://127.0.0.1:P/_control"}`
//!
//! Control API (JSON):
//! - `PUT /_control/scenario/{twilio|square|quickbooks}` with `{"scenario":"wrong_credentials"}`,
//!   `{"scenario":"rate_limited","retry_after":30}`, `{"scenario":"server_error","status":503}`, …
//!   → 204; `GET` the same path → the current scenario; `GET /_control/scenario` → all three.
//! - `GET /_control/requests` → `[{"method","path","query","headers":[[name,value],…],"body"}]`
//!   (body as lossy UTF-8); `DELETE /_control/requests` → 204.
//! - `GET|PUT /_control/quickbooks/refresh_token` with `{"refresh_token":"…"|null}`.
//! - `POST /_control/reset` → every scenario `ok`, no requests, no QuickBooks tokens.

use std::{io::Write, process::ExitCode};

use switchboard_fakes::FakeProviders;

const USAGE: &str = "usage: switchboard-fake-providers [--port P] [--tls-port P2]

Serves fake Twilio, Square and QuickBooks APIs on 127.0.0.1 (port 0 or absent: any free port),
prints {\"base_url\",\"tls_base_url\",\"control_url\"} as one JSON line, then serves until killed.";

#[tokio::main]
async fn main() -> ExitCode {
    let (port, tls_port) = match parse_args(std::env::args().skip(1)) {
        Ok(Some(ports)) => ports,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("switchboard-fake-providers: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let fakes = match FakeProviders::try_start_on(port, tls_port).await {
        Ok(fakes) => fakes,
        Err(error) => {
            eprintln!("switchboard-fake-providers: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    let line = serde_json::json!({
        "base_url": fakes.base_url(),
        "tls_base_url": fakes.tls_base_url(),
        "control_url": fakes.control_url(),
    });
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}

/// `Ok(None)` for `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<(u16, u16)>, String> {
    let (mut port, mut tls_port) = (0, 0);
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => &mut port,
            "--tls-port" => &mut tls_port,
            other => return Err(format!("unknown argument {other:?}")),
        };
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        *slot = value
            .parse()
            .map_err(|_| format!("{arg}: not a port number: {value:?}"))?;
    }
    Ok(Some((port, tls_port)))
}
