//! Temporary caches of two `f32` columns per frame, in raw interleaved
//! little-endian files, written once and read back in blocks:
//! - the mix render keeps each output (mix, bus stems) unscaled beside its
//!   destination, so the headroom gain (known only once the whole mix has
//!   been measured) is applied while copying it out, without rendering the
//!   session twice;
//! - the mastering render keeps the pre-limiter signal (left, right) and the
//!   limiter's detection (peak, K-weighted power), so every limiter pass and
//!   every drive the model tries stream from them.
//!
//! Raw frames rather than a float WAV: no header to patch, no decoder on the
//! way back (decoding float WAVs through the generic reader was ~8 % of a mix
//! render), and the file is never seen by anyone else. Removed on drop, so
//! flat memory whatever the length.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

/// Bytes of I/O buffer per cache file.
const IO_BUFFER: usize = 1 << 17;

/// A temporary two-column `f32` cache being written, then read back.
pub(crate) struct FloatCache {
    path: PathBuf,
    writer: Option<BufWriter<File>>,
    bytes: Vec<u8>,
    frames: u64,
}

impl Drop for FloatCache {
    fn drop(&mut self) {
        self.writer = None;
        let _ = std::fs::remove_file(&self.path);
    }
}

fn temp_error(path: &Path, e: &std::io::Error) -> Error {
    Error::input(
        path,
        format!("temporary file: {}", mixmaster_io::io_message(e)),
    )
}

/// Numbers the caches of this process in the temporary directory.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl FloatCache {
    /// A new, empty cache in a hidden file beside `dest` (same file system as
    /// the destination, so it has the room the destination will need).
    pub(crate) fn beside(dest: &Path) -> Result<Self> {
        let name = dest
            .file_name()
            .map_or_else(|| "mix".into(), |n| n.to_string_lossy().into_owned());
        Self::create(dest.with_file_name(format!(".{name}.pass1-{}.f32", std::process::id())))
    }

    /// A new, empty cache in the system's temporary directory.
    pub(crate) fn temporary() -> Result<Self> {
        Self::create(std::env::temp_dir().join(format!(
            ".mixmaster-{}-{}.f32",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        )))
    }

    fn create(path: PathBuf) -> Result<Self> {
        let file = File::create(&path).map_err(|e| {
            Error::input(
                &path,
                format!(
                    "cannot create temporary file: {}",
                    mixmaster_io::io_message(&e)
                ),
            )
        })?;
        Ok(Self {
            writer: Some(BufWriter::with_capacity(IO_BUFFER, file)),
            path,
            bytes: Vec::new(),
            frames: 0,
        })
    }

    /// Frames pushed so far.
    pub(crate) fn frames(&self) -> u64 {
        self.frames
    }

    /// Appends one frame per pair of `left[i]`, `right[i]` (the two columns).
    pub(crate) fn push(&mut self, left: &[f32], right: &[f32]) -> Result<()> {
        self.bytes.clear();
        for (l, r) in left.iter().zip(right) {
            self.bytes.extend_from_slice(&l.to_le_bytes());
            self.bytes.extend_from_slice(&r.to_le_bytes());
        }
        let w = self
            .writer
            .as_mut()
            .ok_or_else(|| Error::input(&self.path, "temporary file already closed"))?;
        w.write_all(&self.bytes)
            .map_err(|e| temp_error(&self.path, &e))?;
        self.frames += left.len() as u64;
        Ok(())
    }

    /// Flushes and closes the writing side.
    pub(crate) fn close(&mut self) -> Result<()> {
        if let Some(mut w) = self.writer.take() {
            w.flush().map_err(|e| temp_error(&self.path, &e))?;
        }
        Ok(())
    }

    /// Reads the cache from the start (after [`close`](Self::close)).
    pub(crate) fn reader(&self) -> Result<CacheReader> {
        let file = File::open(&self.path).map_err(|e| {
            Error::input(
                &self.path,
                format!(
                    "cannot read temporary file: {}",
                    mixmaster_io::io_message(&e)
                ),
            )
        })?;
        Ok(CacheReader {
            inner: BufReader::with_capacity(IO_BUFFER, file),
            bytes: Vec::new(),
            left: self.frames,
            path: self.path.clone(),
        })
    }
}

/// Reads a [`FloatCache`] back in blocks.
pub(crate) struct CacheReader {
    inner: BufReader<File>,
    bytes: Vec<u8>,
    left: u64,
    path: PathBuf,
}

impl CacheReader {
    /// Replaces `out` with the next (at most `max`) frames; returns how many
    /// (0 at the end).
    pub(crate) fn read(&mut self, out: &mut [Vec<f32>; 2], max: usize) -> Result<usize> {
        let n = self.left.min(max as u64) as usize;
        self.bytes.resize(n * 8, 0);
        self.inner
            .read_exact(&mut self.bytes)
            .map_err(|e| temp_error(&self.path, &e))?;
        let [l, r] = out;
        l.clear();
        r.clear();
        for frame in self.bytes.chunks_exact(8) {
            l.push(f32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]));
            r.push(f32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_back_bit_for_bit_and_the_file_goes_away() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("mix.wav");
        let left: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
        let right: Vec<f32> = left.iter().map(|x| -x * 1e-30).collect();
        let mut cache = FloatCache::beside(&dest).unwrap();
        cache.push(&left[..600], &right[..600]).unwrap();
        cache.push(&left[600..], &right[600..]).unwrap();
        cache.close().unwrap();
        let path = cache.path.clone();
        assert!(path.exists());
        let mut reader = cache.reader().unwrap();
        let mut buf = [Vec::new(), Vec::new()];
        let (mut l, mut r) = (Vec::new(), Vec::new());
        loop {
            let n = reader.read(&mut buf, 256).unwrap();
            if n == 0 {
                break;
            }
            l.extend_from_slice(&buf[0]);
            r.extend_from_slice(&buf[1]);
        }
        assert_eq!(l, left);
        assert_eq!(r, right);
        drop(reader);
        drop(cache);
        assert!(!path.exists());
    }
}
