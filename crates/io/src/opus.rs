//! Ogg Opus (RFC 6716 codec, RFC 7845 encapsulation): a streaming, atomic
//! writer for lossy previews and a streaming reader to verify them (symphonia
//! does not decode Opus).
//!
//! The codec is libopus (the reference implementation, via the `opus` crate);
//! the Ogg pages are the `ogg` crate's. Only the two header packets are built
//! here, because their layout is fixed by RFC 7845 §5 and no maintained crate
//! writes them.
//!
//! Opus always codes at 48 kHz: callers resample other rates first. The first
//! [`OpusWriter::pre_skip`] decoded samples are the encoder's lookahead and are
//! dropped by every conforming decoder (and by [`OpusReader`]); the last page's
//! granule position marks the true end, so the decoded length equals the
//! input length.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use ogg::reading::PacketReader;
use ogg::writing::{PacketWriteEndInfo, PacketWriter};
use opus::{Application, Bitrate, Channels, Decoder, Encoder};

use crate::atomic::TempFile;
use crate::error::{Error, Result};
use crate::tags::{Tags, vorbis_comment};
use crate::write::{WriteOptions, check_block, check_output};

/// The only rate Opus codes full band at, Hz.
pub const OPUS_RATE: u32 = 48_000;
/// Frame length: 20 ms, the codec's default and best music trade-off.
const FRAME: usize = 960;
/// Largest packet libopus produces (RFC 6716 §3.4 allows 1275 bytes per frame).
const MAX_PACKET: usize = 4000;
/// Longest frame a decoder can return: 120 ms at 48 kHz.
const MAX_DECODED: usize = 5760;
/// Logical stream serial number (one stream per file, so any constant does).
const SERIAL: u32 = 0x6d69_786d;
/// Frames per Ogg page: 50 × 20 ms = 1 s, a common page duration for seeking.
const FRAMES_PER_PAGE: u64 = 50;

/// Opus encoder settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusOptions {
    /// Target bit rate, kbit/s (6–510); constrained VBR.
    pub bitrate_kbps: u32,
}

impl Default for OpusOptions {
    /// 160 kbit/s stereo: transparent for most music (the rate Spotify and
    /// YouTube serve their highest Opus/Vorbis tiers near).
    fn default() -> Self {
        Self { bitrate_kbps: 160 }
    }
}

fn channels_of(path: &Path, channels: usize) -> Result<Channels> {
    match channels {
        1 => Ok(Channels::Mono),
        2 => Ok(Channels::Stereo),
        n => Err(Error::UnsupportedOutput(
            path.into(),
            format!("Opus previews are mono or stereo, not {n} channels"),
        )),
    }
}

/// The `OpusHead` identification header (RFC 7845 §5.1), channel mapping 0.
fn opus_head(channels: usize, pre_skip: u16, input_rate: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(19);
    h.extend_from_slice(b"OpusHead");
    h.push(1); // version
    h.push(channels as u8);
    h.extend_from_slice(&pre_skip.to_le_bytes());
    h.extend_from_slice(&input_rate.to_le_bytes());
    h.extend_from_slice(&0i16.to_le_bytes()); // output gain
    h.push(0); // mapping family: mono/stereo
    h
}

/// Streaming, atomic Ogg Opus writer (48 kHz input).
pub struct OpusWriter {
    dest: PathBuf,
    temp: TempFile,
    ogg: Option<PacketWriter<'static, BufWriter<File>>>,
    encoder: Encoder,
    channels: usize,
    pre_skip: u64,
    /// Interleaved samples waiting for a whole frame.
    pending: Vec<f32>,
    /// Samples (per channel) handed to the encoder so far.
    samples_in: u64,
    /// Frames encoded so far.
    frames_out: u64,
    /// The last encoded packet, held back so the final one can end the stream.
    held: Option<Vec<u8>>,
    packet: Vec<u8>,
}

impl OpusWriter {
    /// Validates the destination ([`check_output`]), sets up libopus, opens a
    /// temp file beside `path` and writes the two header packets (with `tags`
    /// as the Vorbis-comment-style `OpusTags`). `input_rate` is the rate of
    /// the original before resampling, recorded for players.
    pub fn create(
        path: &Path,
        channels: usize,
        input_rate: u32,
        options: &OpusOptions,
        opts: &WriteOptions,
        tags: Option<&Tags>,
    ) -> Result<Self> {
        let layout = channels_of(path, channels)?;
        if !(6..=510).contains(&options.bitrate_kbps) {
            return Err(Error::UnsupportedOutput(
                path.into(),
                format!(
                    "Opus bit rate {} kbit/s out of range 6–510",
                    options.bitrate_kbps
                ),
            ));
        }
        check_output(path, opts)?;
        let codec = |e: opus::Error| Error::Encode(path.into(), format!("libopus: {e}"));
        let mut encoder = Encoder::new(OPUS_RATE, layout, Application::Audio).map_err(codec)?;
        encoder
            .set_bitrate(Bitrate::Bits(options.bitrate_kbps as i32 * 1000))
            .map_err(codec)?;
        encoder.set_vbr_constraint(true).map_err(codec)?;
        let pre_skip = encoder.get_lookahead().map_err(codec)?.max(0) as u64;
        let comments = vorbis_comment(tags.unwrap_or(&Tags::default()))
            .map_err(|e| Error::UnsupportedOutput(path.into(), e))?;
        let (temp, file) = TempFile::create(path, opts)?;
        let mut w = Self {
            dest: path.to_path_buf(),
            temp,
            ogg: Some(PacketWriter::new(BufWriter::with_capacity(1 << 16, file))),
            encoder,
            channels,
            pre_skip,
            pending: Vec::with_capacity(FRAME * channels),
            samples_in: 0,
            frames_out: 0,
            held: None,
            packet: vec![0; MAX_PACKET],
        };
        let head = opus_head(channels, pre_skip as u16, input_rate);
        w.write_packet(head, PacketWriteEndInfo::EndPage, 0)?;
        let mut opus_tags = b"OpusTags".to_vec();
        opus_tags.extend_from_slice(&comments);
        w.write_packet(opus_tags, PacketWriteEndInfo::EndPage, 0)?;
        Ok(w)
    }

    /// Encoder lookahead at the start of the stream, in 48 kHz samples.
    pub fn pre_skip(&self) -> u64 {
        self.pre_skip
    }

    fn write_packet(&mut self, data: Vec<u8>, end: PacketWriteEndInfo, granule: u64) -> Result<()> {
        let ogg = self.ogg.as_mut().ok_or_else(|| {
            Error::Encode(self.dest.as_path().into(), "writer already failed".into())
        })?;
        ogg.write_packet(data, SERIAL, end, granule)
            .map_err(|e| Error::io(&self.dest, e))
    }

    /// Passes the held packet on (it is not the last one). Its granule
    /// position counts every sample decodable through its end, pre-skip
    /// included (RFC 7845 §4).
    fn release_held(&mut self) -> Result<()> {
        if let Some(p) = self.held.take() {
            let end = if self.frames_out.is_multiple_of(FRAMES_PER_PAGE) {
                PacketWriteEndInfo::EndPage
            } else {
                PacketWriteEndInfo::NormalPacket
            };
            self.write_packet(p, end, self.frames_out * FRAME as u64)?;
        }
        Ok(())
    }

    fn encode_pending(&mut self) -> Result<()> {
        let n = self
            .encoder
            .encode_float(&self.pending, &mut self.packet)
            .map_err(|e| Error::Encode(self.dest.as_path().into(), format!("libopus: {e}")))?;
        self.pending.clear();
        self.release_held()?;
        self.held = Some(self.packet[..n].to_vec());
        self.frames_out += 1;
        Ok(())
    }

    /// Appends one block (one slice per channel, 48 kHz, full scale ±1.0;
    /// NaN becomes 0).
    pub fn write_block(&mut self, block: &[&[f32]]) -> Result<()> {
        let frames = check_block(&self.dest, self.channels, block)?;
        for i in 0..frames {
            for ch in block {
                let x = ch[i];
                self.pending.push(if x.is_nan() { 0.0 } else { x });
            }
            if self.pending.len() == FRAME * self.channels {
                self.encode_pending()?;
            }
        }
        self.samples_in += frames as u64;
        Ok(())
    }

    /// Pads and encodes the last frame, flushes the lookahead, ends the stream
    /// with the exact final granule, fsyncs and renames into place.
    pub fn finish(mut self) -> Result<()> {
        // The decoder needs pre_skip samples beyond the input to emit all of it.
        let needed = self.samples_in + self.pre_skip;
        while self.frames_out * (FRAME as u64) < needed || self.held.is_none() {
            self.pending.resize(FRAME * self.channels, 0.0);
            self.encode_pending()?;
        }
        if let Some(p) = self.held.take() {
            // RFC 7845 §4.4: the last page's granule trims the padding.
            self.write_packet(p, PacketWriteEndInfo::EndStream, needed)?;
        }
        let ogg = self.ogg.take().ok_or_else(|| {
            Error::Encode(self.dest.as_path().into(), "writer already failed".into())
        })?;
        let mut out = ogg.into_inner();
        out.flush().map_err(|e| Error::io(&self.dest, e))?;
        let file = out
            .into_inner()
            .map_err(|e| Error::io(&self.dest, e.into_error()))?;
        self.temp.commit(file)
    }
}

/// Streaming Ogg Opus decoder, 48 kHz planar `f32`, with the pre-skip dropped
/// and the end trimmed to the last granule position.
pub struct OpusReader {
    path: PathBuf,
    packets: PacketReader<BufReader<File>>,
    decoder: Decoder,
    channels: usize,
    /// The stream's pre-skip, and how much of it is still to drop.
    pre_skip: u64,
    skip: u64,
    /// Samples (after pre-skip) delivered so far.
    delivered: u64,
    /// Interleaved decoded samples not yet delivered, and the read position.
    decoded: Vec<f32>,
    pos: usize,
    done: bool,
}

impl OpusReader {
    /// Opens `path` and parses the two header packets.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut packets = PacketReader::new(BufReader::new(file));
        let bad = |what: &str| Error::Decode(path.into(), what.to_string());
        let head = packets
            .read_packet()
            .map_err(|e| Error::Decode(path.into(), e.to_string()))?
            .ok_or_else(|| bad("empty Ogg stream"))?;
        let h = &head.data;
        if h.len() < 19 || &h[..8] != b"OpusHead" {
            return Err(bad("not an Ogg Opus stream (no OpusHead)"));
        }
        let channels = usize::from(h[9]);
        let skip = u64::from(u16::from_le_bytes([h[10], h[11]]));
        let layout = channels_of(path, channels)?;
        // The comment header: skipped (tags are not needed to verify audio).
        packets
            .read_packet()
            .map_err(|e| Error::Decode(path.into(), e.to_string()))?
            .ok_or_else(|| bad("truncated Ogg Opus stream (no OpusTags)"))?;
        let decoder = Decoder::new(OPUS_RATE, layout)
            .map_err(|e| Error::Decode(path.into(), format!("libopus: {e}")))?;
        Ok(Self {
            path: path.to_path_buf(),
            packets,
            decoder,
            channels,
            pre_skip: skip,
            skip,
            delivered: 0,
            decoded: Vec::new(),
            pos: 0,
            done: false,
        })
    }

    /// Channel count.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Reads up to `max` frames into `out` (one vector per channel, resized),
    /// returning how many were read (0 at the end).
    pub fn read_block(&mut self, out: &mut [Vec<f32>], max: usize) -> Result<usize> {
        for ch in out.iter_mut() {
            ch.clear();
        }
        let mut n = 0;
        while n < max {
            if self.pos >= self.decoded.len() {
                if self.done || !self.decode_next()? {
                    break;
                }
                continue;
            }
            let frame = &self.decoded[self.pos..self.pos + self.channels];
            for (ch, &x) in out.iter_mut().zip(frame) {
                ch.push(x);
            }
            self.pos += self.channels;
            n += 1;
        }
        Ok(n)
    }

    /// Decodes the next audio packet into `decoded`, applying pre-skip and
    /// the end trim. Returns false at the end of the stream.
    fn decode_next(&mut self) -> Result<bool> {
        let Some(packet) = self
            .packets
            .read_packet()
            .map_err(|e| Error::Decode(self.path.as_path().into(), e.to_string()))?
        else {
            self.done = true;
            return Ok(false);
        };
        let mut pcm = vec![0.0f32; MAX_DECODED * self.channels];
        let frames = self
            .decoder
            .decode_float(&packet.data, &mut pcm, false)
            .map_err(|e| Error::Decode(self.path.as_path().into(), format!("libopus: {e}")))?;
        let drop = self.skip.min(frames as u64) as usize;
        self.skip -= drop as u64;
        let mut keep = frames - drop;
        if packet.last_in_stream() {
            // The final granule counts pre-skip plus the real samples.
            let total = packet.absgp_page().saturating_sub(self.pre_skip);
            keep = keep.min(total.saturating_sub(self.delivered) as usize);
            self.done = true;
        }
        self.decoded.clear();
        self.decoded
            .extend_from_slice(&pcm[drop * self.channels..(drop + keep) * self.channels]);
        self.pos = 0;
        self.delivered += keep as u64;
        Ok(true)
    }
}
