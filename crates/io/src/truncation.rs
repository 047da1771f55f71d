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
//! A file can also decode short because data inside it is damaged (a FLAC
//! frame whose checksum fails is skipped): packet timestamps that jump tell
//! that apart, and the warning then says "damaged" instead of "truncated".
//!
//! A streaming recorder that cannot seek back writes placeholder sizes: a WAV
//! `data` size of 0xFFFFFFFF (symphonia already reports no length) or 0, or a
//! RIFF size of 0xFFFFFFFF with whatever `data` size it guessed. None of those
//! declares a length, so none is a truncation.

use std::fmt;

/// A stream that ended before the length its header declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncation {
    /// Frames the container's header declares.
    pub declared_frames: u64,
    /// Frames actually decoded (fewer than declared).
    pub decoded_frames: u64,
    /// Of the missing frames, those lost inside the file: damaged data the
    /// decoder skipped (0 for a file that is only cut short).
    pub lost_frames: u64,
    /// Sample rate in Hz, to state both lengths in seconds.
    pub sample_rate: u32,
}

impl fmt::Display for Truncation {
    /// `truncated: the header declares 3.00 s, 0.57 s present; processed what is there`,
    /// or for damage inside the file
    /// `damaged: 0.09 s of audio could not be decoded and was skipped (the header declares 3.00 s, 2.91 s decoded); processed what is there`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = |frames: u64| frames as f64 / f64::from(self.sample_rate.max(1));
        let (declared, decoded) = (secs(self.declared_frames), secs(self.decoded_frames));
        if self.lost_frames > 0 {
            write!(
                f,
                "damaged: {:.2} s of audio could not be decoded and was skipped \
                 (the header declares {declared:.2} s, {decoded:.2} s decoded); \
                 processed what is there",
                secs(self.lost_frames)
            )
        } else {
            write!(
                f,
                "truncated: the header declares {declared:.2} s, {decoded:.2} s present; \
                 processed what is there"
            )
        }
    }
}

/// The length in frames a file's header declares, if it declares one we trust
/// (see the module docs). `head` is the file's first bytes; `container` and
/// `frames` are symphonia's short container name and the track's frame count.
pub(crate) fn declared_frames(head: &[u8], container: &str, frames: Option<u64>) -> Option<u64> {
    let frames = frames.filter(|&f| f > 0)?;
    match container {
        "wave" if riff_size_unknown(head) => None,
        "wave" | "aiff" | "flac" => Some(frames),
        _ => None,
    }
}

/// Whether `head` starts a RIFF file whose RIFF size is the streaming
/// placeholder 0xFFFFFFFF.
fn riff_size_unknown(head: &[u8]) -> bool {
    head.len() >= 8 && &head[..4] == b"RIFF" && head[4..8] == [0xFF; 4]
}
