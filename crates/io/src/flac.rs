//! Streaming FLAC encoder on `flacenc` (pure Rust).
//!
//! `flacenc`'s convenience entry point encodes a whole in-memory stream, which would
//! hold the entire song (and its encoded frames) in memory. Instead we drive its
//! per-frame API: samples are converted a block at a time by the WAV writer's
//! [`PcmBlockEncoder`] (so FLAC rounds and clips exactly as WAV and AIFF do) into
//! little-endian PCM bytes, which is what `flacenc`'s `fill_le_bytes` reads: it
//! takes the MD5 of those bytes in one call per frame rather than one per sample.
//! Bytes are buffered for one FLAC block (4096 frames), encoded with
//! `encode_fixed_size_frame`, and the frame bytes written straight to the file. The
//! STREAMINFO block (fixed size: 42 bytes with the `fLaC` marker) is written first as
//! a placeholder and rewritten on `finish` with the final frame/block sizes, total
//! sample count and MD5. Memory stays at one block whatever the length.
//!
//! A guard around `flacenc` 0.5.1: its Rice bit-count estimate can wrap a `u32`
//! at a block where full-scale noise meets a constant run (yotarok/flacenc-rs
//! issue 256; 24-bit audio going into digital silence), choosing a residual coding
//! hundreds of megabytes long for a 36 KB block, which decoders then reject. A
//! frame larger than the same samples stored verbatim can only come from that, so
//! it is encoded again with prediction off, which stores them verbatim.

use std::io::{self, Seek, SeekFrom, Write};

use flacenc::bitsink::ByteSink;
use flacenc::component::{BitRepr, MetadataBlockData, Stream, StreamInfo};
use flacenc::config;
use flacenc::error::{Verified, Verify};
use flacenc::source::{Context, Fill, FrameBuf};

use crate::format::SampleFormat;
use crate::wav_block::{ByteOrder, PcmBlockEncoder};

/// Frames per FLAC block: the reference encoder's default for 44.1/48 kHz.
const BLOCK_SIZE: usize = 4096;

/// Streaming FLAC encoder over any seekable writer.
pub(crate) struct FlacWriter<W: Write + Seek> {
    frames: FrameEncoder<W>,
    pcm: PcmBlockEncoder,
    /// Little-endian PCM bytes waiting to fill a block.
    pending: Vec<u8>,
}

/// Encodes whole blocks of little-endian PCM into FLAC frames and writes them.
struct FrameEncoder<W: Write + Seek> {
    out: W,
    config: Verified<config::Encoder>,
    /// `config` with prediction off: the fallback for a runaway frame.
    verbatim: Verified<config::Encoder>,
    stream: Stream,
    framebuf: FrameBuf,
    context: Context,
    channels: usize,
    bits: usize,
    min_frame: usize,
    max_frame: usize,
}

fn err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Serialises a FLAC component (stream header or frame) to bytes.
fn to_bytes(c: &impl BitRepr) -> io::Result<Vec<u8>> {
    let mut sink = ByteSink::new();
    c.write(&mut sink).map_err(err)?;
    Ok(sink.into_inner())
}

/// Bits of a frame storing `frames` × `channels` samples verbatim, at most: a
/// frame header of at most 16 bytes (FLAC format, FRAME_HEADER), one byte of
/// subframe header and `bits + 1` bits a sample per channel (a side channel
/// needs one bit more), byte padding, and the 16-bit CRC.
fn verbatim_bits_bound(frames: usize, channels: usize, bits: usize) -> usize {
    16 * 8 + channels * (8 + frames * (bits + 1)) + 7 + 16
}

impl<W: Write + Seek> FlacWriter<W> {
    /// Writes the placeholder header. `format` is 16- or 24-bit integer; `channels`
    /// 1..=8. `metadata` holds extra blocks (type, payload) placed after STREAMINFO,
    /// e.g. Vorbis comment and picture; they are part of the header rewritten on
    /// `finish`, which therefore keeps its length.
    pub(crate) fn new(
        mut out: W,
        sample_rate: u32,
        channels: usize,
        format: SampleFormat,
        metadata: &[(u8, Vec<u8>)],
    ) -> io::Result<Self> {
        if format == SampleFormat::Float32 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "FLAC has no float samples",
            ));
        }
        let bits = usize::from(format.bits());
        let mut config = config::Encoder::default();
        // Encode on this thread: one frame at a time is what keeps memory bounded.
        config.multithread = false;
        let mut verbatim = config.clone();
        verbatim.subframe_coding.use_fixed = false;
        verbatim.subframe_coding.use_lpc = false;
        let config = config.into_verified().map_err(|(_, e)| err(e))?;
        let verbatim = verbatim.into_verified().map_err(|(_, e)| err(e))?;
        let info = StreamInfo::new(sample_rate as usize, channels, bits).map_err(err)?;
        let mut stream = Stream::with_stream_info(info);
        stream
            .stream_info_mut()
            .set_block_sizes(BLOCK_SIZE, BLOCK_SIZE)
            .map_err(err)?;
        stream
            .stream_info_mut()
            .set_frame_sizes(0, 0)
            .map_err(err)?;
        for (kind, data) in metadata {
            stream.add_metadata_block(MetadataBlockData::new_unknown(*kind, data).map_err(err)?);
        }
        out.write_all(&to_bytes(&stream)?)?;
        let pcm = PcmBlockEncoder::new(format, ByteOrder::Little, channels);
        Ok(Self {
            pending: Vec::with_capacity(BLOCK_SIZE * pcm.frame_bytes()),
            pcm,
            frames: FrameEncoder {
                out,
                config,
                verbatim,
                stream,
                framebuf: FrameBuf::with_size(channels, BLOCK_SIZE).map_err(err)?,
                context: Context::new(bits, channels),
                channels,
                bits,
                min_frame: usize::MAX,
                max_frame: 0,
            },
        })
    }

    /// Appends one block: one slice per channel, all the same length (checked by
    /// the caller), full scale ±1.0. Whole FLAC blocks are encoded straight from
    /// the converted bytes; only a remainder is copied to wait for the next call.
    pub(crate) fn write_block(&mut self, block: &[&[f32]]) -> io::Result<()> {
        let full = BLOCK_SIZE * self.pcm.frame_bytes();
        let mut bytes = self.pcm.encode(block);
        while !bytes.is_empty() {
            if self.pending.is_empty() && bytes.len() >= full {
                self.frames.encode(&bytes[..full])?;
                bytes = &bytes[full..];
                continue;
            }
            let n = (full - self.pending.len()).min(bytes.len());
            self.pending.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.pending.len() == full {
                self.frames.encode(&self.pending)?;
                self.pending.clear();
            }
        }
        Ok(())
    }

    /// Encodes the last partial block, rewrites STREAMINFO, and returns the writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        if !self.pending.is_empty() {
            self.frames.encode(&self.pending)?;
        }
        self.frames.finish()
    }
}

impl<W: Write + Seek> FrameEncoder<W> {
    /// Encodes one block (at most [`BLOCK_SIZE`] frames of interleaved
    /// little-endian PCM) as a frame and writes it.
    fn encode(&mut self, le_bytes: &[u8]) -> io::Result<()> {
        let bytes_per_sample = self.bits / 8;
        let mut target = (&mut self.framebuf, &mut self.context);
        target
            .fill_le_bytes(le_bytes, bytes_per_sample)
            .map_err(err)?;
        let number = self.context.current_frame_number().unwrap_or(0);
        let info = self.stream.stream_info();
        let mut frame =
            flacenc::encode_fixed_size_frame(&self.config, &self.framebuf, number, info)
                .map_err(err)?;
        let frames = le_bytes.len() / (bytes_per_sample * self.channels);
        if frame.count_bits() > verbatim_bits_bound(frames, self.channels, self.bits) {
            frame = flacenc::encode_fixed_size_frame(&self.verbatim, &self.framebuf, number, info)
                .map_err(err)?;
        }
        let bytes = to_bytes(&frame)?;
        self.min_frame = self.min_frame.min(bytes.len());
        self.max_frame = self.max_frame.max(bytes.len());
        self.stream.stream_info_mut().update_frame_info(&frame);
        self.out.write_all(&bytes)
    }

    /// Rewrites STREAMINFO with the final sizes, count and MD5; returns the writer.
    fn finish(mut self) -> io::Result<W> {
        let total = self.context.total_samples();
        let info = self.stream.stream_info_mut();
        // A fixed-block-size stream declares min = max = block size; only the last
        // block may be shorter (FLAC format spec). A stream shorter than one block
        // declares its actual length.
        let declared = if total == 0 {
            BLOCK_SIZE
        } else {
            total.clamp(16, BLOCK_SIZE)
        };
        info.set_block_sizes(declared, declared).map_err(err)?;
        if self.max_frame > 0 {
            info.set_frame_sizes(self.min_frame, self.max_frame)
                .map_err(err)?;
        } else {
            info.set_frame_sizes(0, 0).map_err(err)?;
        }
        info.set_total_samples(total);
        info.set_md5_digest(&self.context.md5_digest());
        let header = to_bytes(&self.stream)?;
        self.out.seek(SeekFrom::Start(0))?;
        self.out.write_all(&header)?;
        self.out.seek(SeekFrom::End(0))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// The block of yotarok/flacenc-rs issue 256: 2944 frames of full-scale
    /// noise, then 1152 of silence, 24-bit. Unguarded, `flacenc` 0.5.1 encodes
    /// it to 3.1 GB (measured with the guard off); the file must stay within
    /// the verbatim bound (42-byte header, one frame). Decoding such blocks
    /// exactly is `tests/encode_bytes.rs`'s `clipped_signal_decodes_…`.
    #[test]
    fn noise_into_silence_stays_within_verbatim_size() {
        let mut seed = 0x2545_f491_u32;
        let x: Vec<f32> = (0..BLOCK_SIZE)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                if i < 2944 {
                    seed as f32 / u32::MAX as f32 * 2.0 - 1.0
                } else {
                    0.0
                }
            })
            .collect();
        let mut w =
            FlacWriter::new(Cursor::new(Vec::new()), 48_000, 1, SampleFormat::Int24, &[]).unwrap();
        w.write_block(&[&x]).unwrap();
        let file = w.finish().unwrap().into_inner();
        let bound = 42 + verbatim_bits_bound(BLOCK_SIZE, 1, 24).div_ceil(8);
        assert!(file.len() <= bound, "{} bytes > {bound}", file.len());
        // Not merely small: the noise is incompressible, so the frame is
        // within a few hundred bytes of its verbatim 12 288 bytes.
        assert!(file.len() > 42 + 2944 * 3, "{} bytes", file.len());
    }
}
