//! The `--report FILE` option shared by every command: the destination is
//! checked before any work (so a refused overwrite costs nothing) and the page
//! is written atomically after it.

use std::path::{Path, PathBuf};

use mixmaster::Result;
use mixmaster_io::WriteOptions;

/// A checked destination for an HTML report.
pub struct ReportFile {
    path: PathBuf,
    options: WriteOptions,
}

impl ReportFile {
    /// Checks `path` (when given) against the overwrite rules: refused if it
    /// exists without `force`, or if it is one of `inputs`.
    pub fn prepare(path: Option<&Path>, force: bool, inputs: Vec<PathBuf>) -> Result<Option<Self>> {
        let Some(path) = path else { return Ok(None) };
        let options = WriteOptions { force, inputs };
        mixmaster_io::check_output(path, &options)?;
        Ok(Some(Self {
            path: path.to_path_buf(),
            options,
        }))
    }

    /// Writes the page (temp file beside it, fsync, rename).
    pub fn write(&self, html: &str) -> Result<()> {
        mixmaster_io::write_file_atomic(&self.path, html.as_bytes(), &self.options)?;
        Ok(())
    }
}
