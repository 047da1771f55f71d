//! Typed errors for everything the io crate does.
//!
//! Every variant names the file it is about, and `Display` is one readable line
//! (`song.wav: file is empty`) so the CLI can print it verbatim and exit non-zero.

use std::fmt;
use std::path::{Path, PathBuf};

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;

/// A path wrapper whose `Display` is the path as the user gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePath(pub PathBuf);

impl fmt::Display for FilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.display())
    }
}

impl From<&Path> for FilePath {
    fn from(p: &Path) -> Self {
        FilePath(p.to_path_buf())
    }
}

/// Everything that can go wrong reading, resampling or writing audio.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input path does not exist.
    #[error("{0}: no such file")]
    NotFound(FilePath),
    /// The input path is a directory.
    #[error("{0}: is a directory, not an audio file")]
    IsDirectory(FilePath),
    /// The input file has zero bytes.
    #[error("{0}: file is empty")]
    Empty(FilePath),
    /// No demuxer recognised the bytes.
    #[error("{0}: not an audio file (unrecognised format)")]
    Unrecognised(FilePath),
    /// The container header ends before it is complete.
    #[error("{0}: truncated header")]
    TruncatedHeader(FilePath),
    /// The container holds no audio track.
    #[error("{0}: no audio track")]
    NoAudioTrack(FilePath),
    /// The codec or a codec feature is not supported by the decoder.
    #[error("{0}: unsupported audio format ({1})")]
    Unsupported(FilePath, String),
    /// The header declares zero channels.
    #[error("{0}: 0 channels")]
    ZeroChannels(FilePath),
    /// The header declares a sample rate of zero (or none at all).
    #[error("{0}: sample rate 0")]
    ZeroSampleRate(FilePath),
    /// The stream could not be decoded (malformed data, or a decoder panic caught as a last defence).
    #[error("{0}: decode error ({1})")]
    Decode(FilePath, String),
    /// An operating-system I/O error.
    #[error("{0}: {1}")]
    Io(FilePath, std::io::Error),
    /// The destination exists and `force` was not given.
    #[error("{0}: already exists (use --force to overwrite)")]
    AlreadyExists(FilePath),
    /// The destination is the same file as one of the inputs.
    #[error("{0}: refusing to overwrite an input file")]
    OverwritesInput(FilePath),
    /// The destination's extension does not name a format we can write.
    #[error("{0}: unknown output format (use .wav, .aif/.aiff or .flac)")]
    UnknownOutputFormat(FilePath),
    /// The requested sample format is not available in this container.
    #[error("{0}: {1}")]
    UnsupportedOutput(FilePath, String),
    /// A block passed to a writer has the wrong shape.
    #[error("{path}: expected {expected} channels of equal length, got {got}")]
    ChannelMismatch {
        /// The file being written.
        path: FilePath,
        /// Channels the writer was created with.
        expected: usize,
        /// Description of what was passed.
        got: String,
    },
    /// The encoder failed.
    #[error("{0}: encode error ({1})")]
    Encode(FilePath, String),
    /// Invalid resampler parameters or a resampler failure.
    #[error("resampler: {0}")]
    Resample(String),
}

impl Error {
    /// Wraps an `io::Error` for `path`, mapping "not found" to the dedicated variant.
    pub(crate) fn io(path: &Path, err: std::io::Error) -> Self {
        match err.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(path.into()),
            std::io::ErrorKind::IsADirectory => Error::IsDirectory(path.into()),
            _ => Error::Io(path.into(), err),
        }
    }
}
