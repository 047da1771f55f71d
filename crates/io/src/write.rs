//! Atomic, input-safe writing of WAV/AIFF/FLAC.
//!
//! Audio is written to a hidden temporary file beside the destination
//! (`.name.wav.tmp-<pid>-<n>`), fsynced, then renamed over the destination, so a
//! reader never sees a half-written file and a crash leaves the old file intact.
//! If the writer is dropped without `finish`, or anything fails, the temporary file
//! is removed and the destination is untouched.
//!
//! Safety checks ([`check_output`]): an existing destination is refused unless
//! `force`; a destination that is the same file as any input is refused even with
//! `force` (compared by canonical path, and on Unix also by device and inode so a
//! hard link is caught too).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::aiff::AiffWriter;
use crate::atomic::TempFile;
use crate::buffer::AudioBuffer;
use crate::error::{Error, Result};
use crate::flac::FlacWriter;
use crate::format::{EncodeSpec, FileFormat, SampleFormat};
use crate::tags::{self, Tags};
use crate::wav_block::WavBlockWriter;

/// Policy for a write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Overwrite an existing destination (never an input).
    pub force: bool,
    /// Files being read for this job; none of them may be the destination.
    pub inputs: Vec<PathBuf>,
}

/// Canonical form of a path that may not exist yet: its parent canonicalised, plus the name.
fn canonical_destination(path: &Path) -> Result<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Ok(p);
    }
    let name = path
        .file_name()
        .ok_or_else(|| Error::UnsupportedOutput(path.into(), "not a file name".into()))?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let parent = parent.canonicalize().map_err(|_| {
        Error::Io(
            path.into(),
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "output directory does not exist",
            ),
        )
    })?;
    Ok(parent.join(name))
}

#[cfg(unix)]
fn same_inode(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_inode(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// Validates a destination before any work is done: refuses an existing file unless
/// `force`, a directory, (even with `force`) any of `opts.inputs`, and a folder
/// that cannot be written to.
pub fn check_output(path: &Path, opts: &WriteOptions) -> Result<()> {
    let dest = canonical_destination(path)?;
    let dest_meta = std::fs::metadata(path).ok();
    for input in &opts.inputs {
        let same_path = input.canonicalize().is_ok_and(|c| c == dest);
        let same_file = match (&dest_meta, std::fs::metadata(input)) {
            (Some(d), Ok(i)) => same_inode(d, &i),
            _ => false,
        };
        if same_path || same_file {
            return Err(Error::OverwritesInput(path.into()));
        }
    }
    if let Some(meta) = dest_meta {
        if meta.is_dir() {
            return Err(Error::UnsupportedOutput(
                path.into(),
                "is a directory, not a file name".into(),
            ));
        }
        if !opts.force {
            return Err(Error::AlreadyExists(path.into()));
        }
    }
    // Can we write there? Probing with the very temporary file a write would
    // create (removed on drop) catches a read-only folder or file system now,
    // not after a long render or after the job's other outputs were written.
    TempFile::create(path, opts)?;
    Ok(())
}

/// The encoder behind an [`AudioWriter`].
enum Sink {
    Wav(WavBlockWriter<BufWriter<File>>),
    Aiff(AiffWriter<BufWriter<File>>),
    Flac(Box<FlacWriter<BufWriter<File>>>),
}

/// Streaming, atomic audio file writer.
pub struct AudioWriter {
    dest: PathBuf,
    /// The temporary file, renamed into place by `finish` (removed if dropped).
    temp: TempFile,
    /// A second handle on the temp file, used to fsync after the encoder is finished.
    sync_handle: File,
    sink: Option<Sink>,
    spec: EncodeSpec,
    channels: usize,
    /// Tag chunks appended after the audio on `finish` (WAV/AIFF; empty if none).
    trailer: Vec<u8>,
}

fn validate_spec(path: &Path, spec: EncodeSpec, sample_rate: u32, channels: usize) -> Result<()> {
    if channels == 0 {
        return Err(Error::ZeroChannels(path.into()));
    }
    if sample_rate == 0 {
        return Err(Error::ZeroSampleRate(path.into()));
    }
    let unsupported = |msg: &str| Err(Error::UnsupportedOutput(path.into(), msg.into()));
    match (spec.format, spec.sample_format) {
        (FileFormat::Aiff, SampleFormat::Float32) => {
            unsupported("AIFF output supports 16- or 24-bit integer samples only")
        }
        (FileFormat::Flac, SampleFormat::Float32) => {
            unsupported("FLAC output supports 16- or 24-bit integer samples only")
        }
        (FileFormat::Flac, _) if channels > 8 => unsupported("FLAC supports at most 8 channels"),
        (FileFormat::Flac, _) if sample_rate > spec.format.max_sample_rate() => {
            Err(Error::UnsupportedOutput(
                path.into(),
                format!(
                    "FLAC is written at up to 96 kHz, not {sample_rate} Hz: write .wav or resample"
                ),
            ))
        }
        _ if channels > usize::from(u16::MAX) => unsupported("too many channels"),
        _ => Ok(()),
    }
}

impl AudioWriter {
    /// Checks the destination ([`check_output`]), then opens a temporary file beside it
    /// and writes the header.
    pub fn create(
        path: &Path,
        spec: EncodeSpec,
        sample_rate: u32,
        channels: usize,
        opts: &WriteOptions,
    ) -> Result<Self> {
        Self::create_with_tags(path, spec, sample_rate, channels, opts, None)
    }

    /// Like [`create`](Self::create), also writing `tags` into the same temp file
    /// before the rename: WAV gets `LIST/INFO` + `id3 ` chunks after the audio, AIFF an
    /// `ID3 ` chunk after the audio, FLAC Vorbis comment + PICTURE blocks after
    /// STREAMINFO (see [`Tags`] for the field mapping).
    pub fn create_with_tags(
        path: &Path,
        spec: EncodeSpec,
        sample_rate: u32,
        channels: usize,
        opts: &WriteOptions,
        tags: Option<&Tags>,
    ) -> Result<Self> {
        validate_spec(path, spec, sample_rate, channels)?;
        let bad_tags = |msg: String| Error::UnsupportedOutput(path.into(), msg);
        let (trailer, flac_blocks) = match (tags, spec.format) {
            (None, _) => (Vec::new(), Vec::new()),
            (Some(t), FileFormat::Wav) => (tags::wav_trailer(t).map_err(bad_tags)?, Vec::new()),
            (Some(t), FileFormat::Aiff) => (tags::aiff_trailer(t).map_err(bad_tags)?, Vec::new()),
            (Some(t), FileFormat::Flac) => {
                (Vec::new(), tags::flac_metadata_blocks(t).map_err(bad_tags)?)
            }
        };
        check_output(path, opts)?;
        let (temp, file) = TempFile::create(path, opts)?;
        let sync_handle = file.try_clone().map_err(|e| Error::io(path, e))?;
        let out = BufWriter::with_capacity(1 << 16, file);
        let enc_err = |e: std::io::Error| Error::Encode(path.into(), e.to_string());
        let sink = match spec.format {
            FileFormat::Wav => {
                WavBlockWriter::new(out, sample_rate, channels as u16, spec.sample_format)
                    .map(Sink::Wav)
                    .map_err(enc_err)?
            }
            FileFormat::Aiff => {
                AiffWriter::new(out, sample_rate, channels as u16, spec.sample_format)
                    .map(Sink::Aiff)
                    .map_err(enc_err)?
            }
            FileFormat::Flac => {
                FlacWriter::new(out, sample_rate, channels, spec.sample_format, &flac_blocks)
                    .map(|w| Sink::Flac(Box::new(w)))
                    .map_err(enc_err)?
            }
        };
        Ok(Self {
            dest: path.to_path_buf(),
            temp,
            sync_handle,
            sink: Some(sink),
            spec,
            channels,
            trailer,
        })
    }

    /// Appends one block: one slice per channel, all the same length, full scale ±1.0.
    /// Integer formats round to nearest (ties away from zero) and clamp, identically
    /// in every container (one block conversion, `wav_block::PcmBlockEncoder`);
    /// Float32 is written as-is. Audio past a container's size limit (4 GiB for WAV
    /// and AIFF) is refused with [`Error::Encode`] naming the file.
    pub fn write_block(&mut self, block: &[&[f32]]) -> Result<()> {
        check_block(&self.dest, self.channels, block)?;
        let dest = self.dest.as_path();
        let enc = |e: &dyn std::fmt::Display| Error::Encode(dest.into(), e.to_string());
        let written = match self.sink.as_mut() {
            None => return Err(enc(&"writer already failed")),
            Some(Sink::Wav(w)) => w.write_block(block),
            Some(Sink::Aiff(w)) => w.write_block(block),
            Some(Sink::Flac(w)) => w.write_block(block),
        };
        written.map_err(|e| enc(&e))
    }

    /// Finalises the header, fsyncs, and renames the temporary file into place.
    pub fn finish(mut self) -> Result<()> {
        let dest = self.dest.clone();
        let enc = |e: &dyn std::fmt::Display| Error::Encode(dest.as_path().into(), e.to_string());
        let sink = self
            .sink
            .take()
            .ok_or_else(|| enc(&"writer already failed"))?;
        let flushed = match sink {
            Sink::Wav(w) => w.finish().map(drop).map_err(|e| enc(&e)),
            Sink::Aiff(w) => w.finish().map(drop).map_err(|e| enc(&e)),
            Sink::Flac(w) => w.finish().map(drop).map_err(|e| enc(&e)),
        };
        flushed?;
        if !self.trailer.is_empty() {
            let big_endian = self.spec.format == FileFormat::Aiff;
            tags::append_chunks(&mut self.sync_handle, &self.trailer, big_endian)
                .map_err(|e| enc(&e))?;
        }
        self.temp.commit(self.sync_handle)
    }
}

/// Checks that `block` has `channels` slices of equal length; returns the length.
pub(crate) fn check_block(dest: &Path, channels: usize, block: &[&[f32]]) -> Result<usize> {
    let frames = block.first().map_or(0, |c| c.len());
    if block.len() != channels || block.iter().any(|c| c.len() != frames) {
        let lens: Vec<usize> = block.iter().map(|c| c.len()).collect();
        return Err(Error::ChannelMismatch {
            path: dest.into(),
            expected: channels,
            got: format!("{} channels with lengths {lens:?}", block.len()),
        });
    }
    Ok(frames)
}

/// Writes a whole buffer atomically (built on [`AudioWriter`]).
pub fn write_audio(
    path: &Path,
    buf: &AudioBuffer,
    spec: EncodeSpec,
    opts: &WriteOptions,
) -> Result<()> {
    const BLOCK: usize = 65_536;
    let mut w = AudioWriter::create(path, spec, buf.sample_rate, buf.num_channels(), opts)?;
    let frames = buf.frames();
    let mut start = 0;
    while start < frames {
        let end = (start + BLOCK).min(frames);
        let block: Vec<&[f32]> = buf.channels.iter().map(|c| &c[start..end]).collect();
        w.write_block(&block)?;
        start = end;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Audio past the 4 GiB a WAV or AIFF header can describe is refused with an
    /// error that names the destination, and nothing is left behind.
    #[test]
    fn oversize_audio_error_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        for (format, name) in [(FileFormat::Wav, "big.wav"), (FileFormat::Aiff, "big.aiff")] {
            let path = dir.path().join(name);
            let spec = EncodeSpec {
                format,
                sample_format: SampleFormat::Int24,
            };
            let opts = WriteOptions::default();
            let mut w = AudioWriter::create(&path, spec, 48_000, 2, &opts).unwrap();
            // As if all but 5 bytes of the format's limit had been written.
            match w.sink.as_mut() {
                Some(Sink::Wav(s)) => s.assume_written(u32::MAX - 60 - 5),
                Some(Sink::Aiff(s)) => s.assume_written(u32::MAX - 47 - 5),
                _ => unreachable!("{name} opens a WAV or AIFF sink"),
            }
            let frame = [0.5f32];
            let err = w.write_block(&[&frame, &frame]).unwrap_err();
            assert!(
                matches!(&err, Error::Encode(p, _) if p.0 == path),
                "{err:?}"
            );
            let msg = err.to_string();
            assert!(msg.starts_with(&format!("{}: ", path.display())), "{msg}");
            assert!(msg.contains("4 GiB"), "{msg}");
            drop(w);
            assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
        }
    }
}
