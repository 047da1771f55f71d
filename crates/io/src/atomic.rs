//! The one place that knows how outputs reach disk: a hidden temporary file
//! beside the destination, synced, then renamed into place — so a reader never
//! sees a half-written file and a failure leaves the destination untouched.
//! [`crate::AudioWriter`], [`crate::Mp3Writer`] and [`write_file_atomic`] all use
//! [`TempFile`].

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result, WriteOptions, check_output};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary file beside its destination. Dropped without [`commit`](Self::commit),
/// it deletes itself.
#[derive(Debug)]
pub(crate) struct TempFile {
    dest: PathBuf,
    temp: PathBuf,
    force: bool,
}

impl TempFile {
    /// Creates `.<name>.tmp-<pid>-<n>` beside `dest` (which must already have
    /// passed [`check_output`]) and returns it with a write handle.
    pub(crate) fn create(dest: &Path, opts: &WriteOptions) -> Result<(Self, File)> {
        let name = dest
            .file_name()
            .ok_or_else(|| Error::UnsupportedOutput(dest.into(), "not a file name".into()))?;
        let temp = dest.with_file_name(format!(
            ".{}.tmp-{}-{}",
            name.to_string_lossy(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| Error::io(dest, e))?;
        Ok((
            Self {
                dest: dest.to_path_buf(),
                temp,
                force: opts.force,
            },
            file,
        ))
    }

    /// Syncs `file` (the finished temp file), then renames it into place and
    /// syncs the directory (best effort). Refuses, without `force`, a destination
    /// that appeared while we were writing.
    pub(crate) fn commit(mut self, file: File) -> Result<()> {
        file.sync_all().map_err(|e| Error::io(&self.dest, e))?;
        drop(file);
        if !self.force && self.dest.exists() {
            return Err(Error::AlreadyExists(self.dest.as_path().into()));
        }
        std::fs::rename(&self.temp, &self.dest).map_err(|e| Error::io(&self.dest, e))?;
        if let Some(parent) = self.dest.parent().filter(|p| !p.as_os_str().is_empty())
            && let Ok(dir) = File::open(parent)
        {
            let _ = dir.sync_all();
        }
        self.temp.clear();
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Not committed (or the commit failed): remove the temp file, leave the destination.
        if !self.temp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes `bytes` to `path` atomically: refused like an audio output (exists
/// without `force`, or is an input), written to a temporary file beside it,
/// synced, then renamed into place. On any error nothing is left behind.
pub fn write_file_atomic(path: &Path, bytes: &[u8], opts: &WriteOptions) -> Result<()> {
    check_output(path, opts)?;
    let (temp, mut file) = TempFile::create(path, opts)?;
    file.write_all(bytes).map_err(|e| Error::io(path, e))?;
    temp.commit(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_refuses_existing_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        let opts = WriteOptions {
            force: false,
            inputs: Vec::new(),
        };
        write_file_atomic(&path, b"{}", &opts).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        let err = write_file_atomic(&path, b"[]", &opts).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        let forced = WriteOptions {
            force: true,
            inputs: Vec::new(),
        };
        write_file_atomic(&path, b"[]", &forced).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"[]");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_uncommitted_temp_file_removes_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bin");
        let opts = WriteOptions {
            force: false,
            inputs: Vec::new(),
        };
        let (temp, mut file) = TempFile::create(&path, &opts).unwrap();
        file.write_all(b"half").unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        drop(temp);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
