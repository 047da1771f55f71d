//! Telling a file cut short (a partial copy or download, a crashed recorder)
//! from one that is simply short: the container's declared length against the
//! frames actually decoded.
//!
//! Only containers whose length field is exact are trusted: WAV and AIFF (the
//! `data`/`SSND` chunk size, converted to frames by symphonia) and FLAC
//! (STREAMINFO total samples; 0 there means "unknown" and symphonia reports no
//! length). MP3 and other lossy formats give an estimate at best, so a
//! shortfall there says nothing.
//!
//! A streaming recorder that cannot seek back writes placeholder sizes: a WAV
//! `data` size of 0xFFFFFFFF (symphonia already reports no length) or 0, or a
//! RIFF size of 0xFFFFFFFF with whatever `data` size it guessed. None of those
//! declares a length, so none is a truncation.

use std::fmt;
use std::io::Read;
use std::path::Path;

/// A stream that ended before the length its header declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncation {
    /// Frames the container's header declares.
    pub declared_frames: u64,
    /// Frames actually decoded (fewer than declared).
    pub decoded_frames: u64,
    /// Sample rate in Hz, to state both lengths in seconds.
    pub sample_rate: u32,
}

impl fmt::Display for Truncation {
    /// `truncated: the header declares 3.00 s, 0.57 s present; processed what is there`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = |frames: u64| frames as f64 / f64::from(self.sample_rate.max(1));
        write!(
            f,
            "truncated: the header declares {:.2} s, {:.2} s present; processed what is there",
            secs(self.declared_frames),
            secs(self.decoded_frames)
        )
    }
}

/// The length in frames `path`'s header declares, if it declares one we trust
/// (see the module docs). `container` and `frames` are symphonia's short
/// container name and the track's frame count.
pub(crate) fn declared_frames(path: &Path, container: &str, frames: Option<u64>) -> Option<u64> {
    let frames = frames.filter(|&f| f > 0)?;
    match container {
        "wave" if riff_size_unknown(path) => None,
        "wave" | "aiff" | "flac" => Some(frames),
        _ => None,
    }
}

/// Whether `path` is a RIFF file whose RIFF size is the streaming placeholder
/// 0xFFFFFFFF (an unreadable file counts as not: the caller already opened it).
fn riff_size_unknown(path: &Path) -> bool {
    let mut head = [0u8; 8];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    read.is_ok() && &head[..4] == b"RIFF" && head[4..] == [0xFF; 4]
}
