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
            Error::Io(mixmaster_io::Error::Io(_, e)) => matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
            ),
            Error::Io(_) => true,
            Error::Input { .. } => true,
            Error::ConsumerStopped => false,
        }
    }
}

/// Result with the engine's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
