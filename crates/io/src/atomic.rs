//! Atomic writes of small non-audio files (plans, sessions, reports, cue
//! sheets): the same temp-file-then-rename discipline as [`crate::AudioWriter`].

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result, WriteOptions, check_output};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically: refused like an audio output (exists
/// without `force`, or is an input), written to a temporary file beside it,
/// synced, then renamed into place. On any error nothing is left behind.
pub fn write_file_atomic(path: &Path, bytes: &[u8], opts: &WriteOptions) -> Result<()> {
    check_output(path, opts)?;
    let name = path
        .file_name()
        .ok_or_else(|| Error::UnsupportedOutput(path.into(), "not a file name".into()))?;
    let temp = path.with_file_name(format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        Error::io(path, e)
    })
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
}
