//! The engine's error type. Every error names the file it concerns, so the
//! command line can print it as one readable line.

use std::path::{Path, PathBuf};

/// An engine error. `Display` is one line: `<file>: <problem>`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading, decoding or writing a file failed (the io error names the file).
    #[error("{0}")]
    Io(#[from] mixmaster_io::Error),
    /// The audio was readable but cannot be measured or processed as asked.
    #[error("{}: {message}", path.display())]
    Input {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A render's consuming thread stopped (see `handoff`): only ever seen by
    /// the producing thread, which then reports the consumer's own error.
    #[error("the render's second thread stopped")]
    ConsumerStopped,
}

impl Error {
    /// An [`Error::Input`] for `path`.
    pub fn input(path: &Path, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    /// True when the error is caused by the user's input (exit code 2), false
    /// for failures of the machine or of mixmaster itself (exit code 1).
    pub fn is_bad_input(&self) -> bool {
        match self {
            // A path the user gave that cannot be used as given; the rest
            // (disk full, I/O errors) is the machine's failure.
            Error::Io(mixmaster_io::Error::Io(_, e)) => {
                use std::io::ErrorKind as K;
                matches!(
                    e.kind(),
                    K::NotFound
                        | K::PermissionDenied
                        | K::NotADirectory
                        | K::IsADirectory
                        | K::InvalidFilename
                        | K::ReadOnlyFilesystem
                        | K::AlreadyExists
                ) || e.raw_os_error() == Some(ELOOP)
            }
            Error::Io(_) => true,
            Error::Input { .. } => true,
            Error::ConsumerStopped => false,
        }
    }
}

/// `ELOOP`, a symbolic link loop: `ErrorKind::FilesystemLoop` is still
/// unstable, so the errno is matched (Linux 40; macOS and the BSDs 62).
#[cfg(target_os = "linux")]
const ELOOP: i32 = 40;
#[cfg(not(target_os = "linux"))]
const ELOOP: i32 = 62;

/// Result with the engine's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The error of reading `path` as audio, through the engine's type.
    fn read_error(path: &Path) -> Error {
        Error::from(mixmaster_io::AudioReader::open(path).err().unwrap())
    }

    #[test]
    fn unusable_paths_are_bad_input_and_machine_failures_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("song.wav");
        std::fs::write(&file, b"x").unwrap();
        let looped = dir.path().join("loop.wav");
        std::os::unix::fs::symlink("loop.wav", &looped).unwrap();
        let long = dir.path().join(format!("{}.wav", "a".repeat(300)));
        // A symlink loop, a path through a file, a name too long: each was
        // exit code 1 ("a bug, or the machine failed").
        for path in [looped, file.join("x.wav"), long] {
            let e = read_error(&path);
            assert!(e.is_bad_input(), "{e}");
            let text = e.to_string();
            assert!(text.starts_with(&format!("{}: ", path.display())), "{text}");
            assert!(!text.contains('\n') && !text.contains("Os {"), "{text}");
        }
        let disk = Error::from(mixmaster_io::Error::Io(
            file.as_path().into(),
            std::io::Error::from(std::io::ErrorKind::StorageFull),
        ));
        assert!(!disk.is_bad_input());
    }
}
