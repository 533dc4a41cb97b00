//! Writing an export file: where it goes, and written whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

/// Where an export was written and how many rows it holds.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Exported {
    pub path: String,
    pub rows: u32,
}

/// A new file `switchboard-<what>-<timestamp>.<ext>` in `dir`, else the Downloads folder, else
/// `exports/` in the data directory; the directory is created.
pub(crate) fn path_for(
    dir: Option<PathBuf>,
    data_dir: &Path,
    what: &str,
    format: ExportFormat,
) -> Result<PathBuf> {
    let dir = dir
        .or_else(dirs::download_dir)
        .unwrap_or_else(|| data_dir.join("exports"));
    std::fs::create_dir_all(&dir).map_err(|e| Error::DataDir {
        path: dir.clone(),
        reason: e.to_string(),
    })?;
    let stamp = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S%.3f");
    Ok(dir.join(format!("switchboard-{what}-{stamp}.{}", format.extension())))
}

pub(crate) type WriteResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// Writes through a `.partial` file renamed into place, so a reader never sees half an export.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> WriteResult,
) -> Result<()> {
    let tmp = path.with_extension("partial");
    let run = || -> WriteResult {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut file)?;
        file.flush()?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    };
    run().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::DataDir {
            path: path.to_owned(),
            reason: format!("could not write the export: {e}"),
        }
    })
}
