//! Opening the authorization page in the system browser (RFC 8252: never an embedded view).
//! `$BROWSER` is honoured when set (the tests set it to a script that approves the consent);
//! otherwise the OS default browser, through the `open` crate.

use std::process::{Command, Stdio};

/// Starts the browser on `url` and returns without waiting for it.
pub fn open(url: &str) -> std::io::Result<()> {
    match std::env::var("BROWSER")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        Some(browser) => run_browser_variable(&browser, url),
        None => open::that_detached(url),
    }
}

/// `$BROWSER` is a `:`-separated list of commands; the first is used. `%s` in it stands for the
/// URL, else the URL is the last argument.
fn run_browser_variable(browser: &str, url: &str) -> std::io::Result<()> {
    let first = browser.split(':').next().unwrap_or_default();
    let mut words = first.split_whitespace();
    let program = words
        .next()
        .ok_or_else(|| std::io::Error::other("$BROWSER names no program"))?;
    let mut args: Vec<String> = words.map(str::to_owned).collect();
    if args.iter().any(|a| a.contains("%s")) {
        for a in &mut args {
            *a = a.replace("%s", url);
        }
    } else {
        args.push(url.to_owned());
    }
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()?;
    // Reap it whenever it ends, so it does not linger as a zombie.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}
