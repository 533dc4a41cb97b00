//! Logging: `tracing` to stderr and to daily files in `<data dir>/logs`.
//!
//! Nothing secret is ever passed to a log macro: secrets are [`crate::Secret`], whose `Debug`
//! is redacted, and request bodies (which may hold patient data) are never logged.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Installs the global subscriber. Keep the guard alive for the life of the process: dropping
/// it flushes the file writer. `RUST_LOG` overrides the default filter.
pub fn init(data_dir: &Path, file_prefix: &str, stderr_level: &str) -> Option<WorkerGuard> {
    let log_dir = data_dir.join("logs");
    // The appender reports a missing folder on stderr instead of creating it.
    let file_appender = std::fs::create_dir_all(&log_dir).ok().and_then(|()| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix(file_prefix)
            .filename_suffix("log")
            .max_log_files(30)
            .build(&log_dir)
            .ok()
    });
    let (file_layer, guard) = match file_appender {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(EnvFilter::new("info,switchboard=debug"));
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    let stderr_filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(stderr_level));
    let stderr_layer = fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(stderr_filter);
    let _ = tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    guard
}
