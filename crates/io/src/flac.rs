//! Streaming FLAC encoder on `flacenc` (pure Rust).
//!
//! `flacenc`'s convenience entry point encodes a whole in-memory stream, which would
//! hold the entire song (and its encoded frames) in memory. Instead we drive its
//! per-frame API: samples are buffered for one block (4096 frames), encoded with
//! `encode_fixed_size_frame`, and the frame bytes written straight to the file. The
//! STREAMINFO block (fixed size: 42 bytes with the `fLaC` marker) is written first as
//! a placeholder and rewritten on `finish` with the final frame/block sizes, total
//! sample count and MD5. Memory stays at one block whatever the length.

use std::io::{Seek, SeekFrom, Write};

use flacenc::bitsink::ByteSink;
use flacenc::component::{BitRepr, MetadataBlockData, Stream, StreamInfo};
use flacenc::config;
use flacenc::error::{Verified, Verify};
use flacenc::source::{Context, Fill, FrameBuf};

/// Frames per FLAC block: the reference encoder's default for 44.1/48 kHz.
const BLOCK_SIZE: usize = 4096;

/// Streaming FLAC encoder over any seekable writer.
pub(crate) struct FlacWriter<W: Write + Seek> {
    out: W,
    config: Verified<config::Encoder>,
    stream: Stream,
    framebuf: FrameBuf,
    context: Context,
    /// Interleaved integer samples waiting to fill a block.
    pending: Vec<i32>,
    channels: usize,
    min_frame: usize,
    max_frame: usize,
}

fn err(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// Serialises a FLAC component (stream header or frame) to bytes.
fn to_bytes(c: &impl BitRepr) -> std::io::Result<Vec<u8>> {
    let mut sink = ByteSink::new();
    c.write(&mut sink).map_err(err)?;
    Ok(sink.into_inner())
}

impl<W: Write + Seek> FlacWriter<W> {
    /// Writes the placeholder header. `bits` is 16 or 24; `channels` 1..=8.
    /// `metadata` holds extra blocks (type, payload) placed after STREAMINFO, e.g.
    /// Vorbis comment and picture; they are part of the header rewritten on `finish`,
    /// which therefore keeps its length.
    pub(crate) fn new(
        mut out: W,
        sample_rate: u32,
        channels: usize,
        bits: usize,
        metadata: &[(u8, Vec<u8>)],
    ) -> std::io::Result<Self> {
        let mut config = config::Encoder::default();
        // Encode on this thread: one frame at a time is what keeps memory bounded.
        config.multithread = false;
        let config = config.into_verified().map_err(|(_, e)| err(e))?;
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
        Ok(Self {
            out,
            config,
            stream,
            framebuf: FrameBuf::with_size(channels, BLOCK_SIZE).map_err(err)?,
            context: Context::new(bits, channels),
            pending: Vec::with_capacity(BLOCK_SIZE * channels),
            channels,
            min_frame: usize::MAX,
            max_frame: 0,
        })
    }

    /// Appends frames given as already-quantised integers, one slice per channel.
    pub(crate) fn write_ints(&mut self, block: &[&[i32]]) -> std::io::Result<()> {
        let frames = block.first().map_or(0, |c| c.len());
        let mut i = 0;
        while i < frames {
            let room = BLOCK_SIZE - self.pending.len() / self.channels;
            let n = room.min(frames - i);
            for t in i..i + n {
                for ch in block {
                    self.pending.push(ch[t]);
                }
            }
            i += n;
            if self.pending.len() == BLOCK_SIZE * self.channels {
                self.encode_pending()?;
            }
        }
        Ok(())
    }

    fn encode_pending(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut target = (&mut self.framebuf, &mut self.context);
        target.fill_interleaved(&self.pending).map_err(err)?;
        let number = self.context.current_frame_number().unwrap_or(0);
        let frame = flacenc::encode_fixed_size_frame(
            &self.config,
            &self.framebuf,
            number,
            self.stream.stream_info(),
        )
        .map_err(err)?;
        let bytes = to_bytes(&frame)?;
        self.min_frame = self.min_frame.min(bytes.len());
        self.max_frame = self.max_frame.max(bytes.len());
        self.stream.stream_info_mut().update_frame_info(&frame);
        self.out.write_all(&bytes)?;
        self.pending.clear();
        Ok(())
    }

    /// Encodes the last partial block, rewrites STREAMINFO, and returns the writer.
    pub(crate) fn finish(mut self) -> std::io::Result<W> {
        self.encode_pending()?;
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
