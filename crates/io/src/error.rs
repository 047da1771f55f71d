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
    #[error("{0}: {msg}", msg = io_message(.1))]
    Io(FilePath, std::io::Error),
    /// The destination exists and `force` was not given.
    #[error("{0}: already exists (use --force to overwrite)")]
    AlreadyExists(FilePath),
    /// The destination is the same file as one of the inputs.
    #[error("{0}: refusing to overwrite an input file")]
    OverwritesInput(FilePath),
    /// The destination's extension does not name a format we can write.
    #[error("{0}: {msg}", msg = unknown_format(&.0.0))]
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

/// What the system said about an I/O error, as a person reads it: the
/// description without the " (os error N)" that Rust appends for the
/// programmer ("Permission denied", not "Permission denied (os error 13)").
pub fn io_message(err: &std::io::Error) -> String {
    let text = err.to_string();
    match err.raw_os_error() {
        Some(code) => text
            .strip_suffix(&format!(" (os error {code})"))
            .map_or_else(|| text.clone(), str::to_string),
        None => text,
    }
}

/// Why `path` names no format we write, with the choices.
fn unknown_format(path: &Path) -> String {
    const CHOICES: &str = "use .wav, .aif/.aiff or .flac";
    match path.extension() {
        Some(ext) => format!(
            "cannot write \".{}\" files ({CHOICES})",
            ext.to_string_lossy()
        ),
        None => format!("no file extension to choose the output format by ({CHOICES})"),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_read_without_the_errno() {
        let denied = std::io::Error::from_raw_os_error(13);
        assert!(denied.to_string().ends_with("(os error 13)"));
        let e = Error::io(Path::new("out/mix.wav"), denied);
        assert_eq!(e.to_string(), "out/mix.wav: Permission denied");
        // Errors that are not the system's keep their whole text.
        let custom = std::io::Error::other("file with tags exceeds 4 GiB");
        assert_eq!(io_message(&custom), "file with tags exceeds 4 GiB");
    }

    #[test]
    fn an_unknown_output_format_names_the_extension() {
        let mp3 = Error::UnknownOutputFormat(Path::new("mix.mp3").into());
        assert_eq!(
            mp3.to_string(),
            "mix.mp3: cannot write \".mp3\" files (use .wav, .aif/.aiff or .flac)"
        );
        let bare = Error::UnknownOutputFormat(Path::new("out/mix").into());
        assert!(
            bare.to_string().starts_with("out/mix: no file extension"),
            "{bare}"
        );
    }
}
