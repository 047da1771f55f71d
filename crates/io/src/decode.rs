//! Streaming decode of any format symphonia supports (WAV, AIFF/AIFC, FLAC, MP3,
//! Ogg Vorbis, ALAC/AAC in MP4/M4A, CAF, MKV) into planar `f32`.
//!
//! Integer PCM converts bit-exactly with symphonia's own scaling: `i16 / 32768`,
//! `i24 / 8388608`, `i8 / 128`, unsigned 8-bit `(u / 128) - 1`; 32-bit integers are
//! divided by 2^31 in `f64` and rounded once to `f32`. Float samples (including NaN
//! and ±Inf) pass through unchanged; 64-bit floats are rounded to `f32`.
//!
//! Uncompressed PCM (WAV, AIFF/AIFC) skips symphonia's decoder: symphonia still
//! demuxes it into packets, but each packet's bytes are converted straight into
//! planar `f32` by [`PcmLayout`], with the same arithmetic (see `pcm.rs`).
//!
//! Memory stays flat however long the file is: the reader holds the decoder's
//! current packet plus the part of it not yet handed out (the "carry-over").
//!
//! Robustness policy:
//! - a packet the decoder rejects (corrupt data) is skipped, counted in
//!   [`AudioReader::skipped_packets`], and decoding continues;
//! - data that ends early (truncated file) ends the stream: what decoded is returned,
//!   and [`AudioReader::truncation`] then tells how much the header promised;
//! - symphonia is pure safe Rust, but malformed input has in rare cases triggered
//!   panics (index out of range, arithmetic overflow) inside demuxers or decoders.
//!   Every call into symphonia is therefore wrapped in `catch_unwind`, and a panic
//!   becomes [`Error::Decode`]: a caller processing a batch must get an error for one
//!   bad file, not lose the whole process.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, ReadOnlySource};
use symphonia::core::meta::MetadataOptions;

use crate::buffer::AudioBuffer;
use crate::error::{Error, Result};
use crate::pcm::PcmLayout;
use crate::sniff;
use crate::truncation::{self, Truncation};

/// Consecutive undecodable packets tolerated before the stream is declared broken.
/// A few corrupt packets in a lossy stream are normal damage; hundreds in a row mean
/// the data is not audio at all, and continuing would only produce silence.
const MAX_CONSECUTIVE_BAD_PACKETS: u32 = 64;

/// What the container and codec say about a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioInfo {
    /// Sample rate in Hz (never 0: such files are rejected).
    pub sample_rate: u32,
    /// Number of channels (never 0: such files are rejected).
    pub channels: usize,
    /// Length in frames if the container states it.
    pub frames: Option<u64>,
    /// Codec short name as symphonia reports it (e.g. `pcm_s16le`, `flac`, `mp3`).
    pub codec: String,
    /// Bits per decoded sample for PCM-like codecs (16, 24, 32…), `None` for lossy codecs.
    pub bits_per_sample: Option<u32>,
    /// Container short name (e.g. `wave`, `aiff`, `flac`, `ogg`, `isomp4`).
    pub container: String,
}

/// A streaming decoder: open a file, then pull blocks of planar `f32` frames.
pub struct AudioReader {
    path: PathBuf,
    info: AudioInfo,
    format: Box<dyn FormatReader>,
    /// Still built for PCM, so opening fails exactly as it would without the
    /// direct path; used only when `pcm` is `None`.
    decoder: Box<dyn AudioDecoder>,
    /// Set for plain PCM: packets are converted directly, bypassing `decoder`.
    pcm: Option<PcmLayout>,
    track_id: u32,
    /// The current decoded packet, one vector per channel (decoded streams).
    carry: Vec<Vec<f32>>,
    /// The current packet's bytes (plain PCM): converted straight into the
    /// caller's block as it is handed out, not into `carry` first (that copy
    /// was ≈ 2 % of a 32-stem mix render).
    pcm_packet: Box<[u8]>,
    /// Whole frames in `pcm_packet`.
    pcm_frames: usize,
    /// Frames of the current packet already handed out.
    carry_pos: usize,
    finished: bool,
    skipped: u64,
    /// Length the header declares, when it is trustworthy (see [`Truncation`]).
    declared_frames: Option<u64>,
    /// Frames handed out by `read_block` so far.
    decoded_frames: u64,
    /// Whether packet timestamps count frames (a time base of one sample),
    /// so a jump in them is audio lost inside the file.
    frame_timestamps: bool,
    /// The timestamp the next packet should carry, once one has been seen.
    next_pts: Option<i64>,
    /// Frames lost to gaps between packets (see [`Self::note_gap`]).
    lost_frames: u64,
}

/// Runs `f`, turning a panic into `Error::Decode` for `path` (see module docs for why).
fn guarded<T>(path: &Path, f: impl FnOnce() -> T) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|_| Error::Decode(path.into(), "decoder panicked on malformed data".into()))
}

/// Maps a symphonia error raised while opening (probing) a file.
fn open_error(path: &Path, err: SymError) -> Error {
    match err {
        SymError::Unsupported(_) => Error::Unrecognised(path.into()),
        SymError::IoError(e) if e.kind() == ErrorKind::UnexpectedEof => {
            Error::TruncatedHeader(path.into())
        }
        SymError::IoError(e) => Error::io(path, e),
        other => Error::Decode(path.into(), other.to_string()),
    }
}

/// Whether [`probe`] hands symphonia a seekable source.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seekable {
    Yes,
    No,
}

/// Opens `path` and lets symphonia identify its container. The outer error is
/// ours (the file cannot be opened, symphonia panicked), the inner symphonia's.
fn probe(
    path: &Path,
    seekable: Seekable,
) -> Result<std::result::Result<Box<dyn FormatReader>, SymError>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let source: Box<dyn MediaSource> = match seekable {
        Seekable::Yes => Box::new(file),
        Seekable::No => Box::new(ReadOnlySource::new(file)),
    };
    let mss = MediaSourceStream::new(source, Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    guarded(path, || {
        symphonia::default::get_probe().probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
    })
}

/// The first bytes of `path` (up to 12): enough to name a RIFF or IFF
/// container, its form type and the RIFF size field, read once for
/// [`is_aiff`] and [`truncation::declared_frames`].
fn read_head(path: &Path) -> Result<Vec<u8>> {
    let mut head = Vec::with_capacity(12);
    File::open(path)
        .and_then(|f| f.take(12).read_to_end(&mut head))
        .map_err(|e| Error::io(path, e))?;
    Ok(head)
}

/// Whether `head` starts like an AIFF or AIFF-C file (`FORM` … `AIFF`/`AIFC`).
fn is_aiff(head: &[u8]) -> bool {
    head.len() == 12 && &head[..4] == b"FORM" && matches!(&head[8..], b"AIFF" | b"AIFC")
}

impl AudioReader {
    /// Opens `path`, identifies its container and codec, and prepares the decoder.
    ///
    /// Fails with a specific error for a missing file, a directory, an empty file,
    /// unrecognised bytes, a truncated header, 0 channels or a sample rate of 0.
    pub fn open(path: &Path) -> Result<Self> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            return Err(Error::IsDirectory(path.into()));
        }
        if meta.len() == 0 {
            return Err(Error::Empty(path.into()));
        }
        let head = read_head(path)?;
        let format = match probe(path, Seekable::Yes)? {
            // Symphonia's AIFF reader walks every chunk after the sound data to
            // find metadata, so an AIFF cut inside its audio fails as if its
            // header were cut. Without seeking it stops at the sound data, which
            // is all decoding needs (tags are read separately).
            Err(SymError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof && is_aiff(&head) => {
                probe(path, Seekable::No)?
            }
            probed => probed,
        };
        let format = format.map_err(|e| {
            // Symphonia rejects 0 channels / rate 0 with a generic "malformed" error;
            // read the header ourselves to say precisely what is wrong.
            match sniff::declared_format(path) {
                Some(d) if d.channels == 0 => Error::ZeroChannels(path.into()),
                Some(d) if d.sample_rate <= 0.0 => Error::ZeroSampleRate(path.into()),
                _ => open_error(path, e),
            }
        })?;

        let track = format
            .default_track(TrackType::Audio)
            .ok_or_else(|| Error::NoAudioTrack(path.into()))?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| Error::NoAudioTrack(path.into()))?
            .clone();
        let channels = params.channels.as_ref().map_or(0, |c| c.count());
        if channels == 0 {
            return Err(Error::ZeroChannels(path.into()));
        }
        let sample_rate = params.sample_rate.unwrap_or(0);
        if sample_rate == 0 {
            return Err(Error::ZeroSampleRate(path.into()));
        }
        let track_id = track.id;
        let frames = track.num_frames;
        let frame_timestamps = track
            .time_base
            .is_some_and(|tb| tb.numer.get() == 1 && tb.denom.get() == sample_rate);
        let decoder = guarded(path, || {
            symphonia::default::get_codecs()
                .make_audio_decoder(&params, &AudioDecoderOptions::default())
        })?
        .map_err(|e| match e {
            SymError::Unsupported(_) => {
                Error::Unsupported(path.into(), "no decoder for this codec".into())
            }
            other => Error::Unsupported(path.into(), other.to_string()),
        })?;

        let info = AudioInfo {
            sample_rate,
            channels,
            frames,
            codec: decoder.codec_info().short_name.to_string(),
            bits_per_sample: params.bits_per_sample,
            container: format.format_info().short_name.to_string(),
        };
        let declared_frames = truncation::declared_frames(&head, &info.container, info.frames);
        Ok(Self {
            path: path.to_path_buf(),
            info,
            format,
            decoder,
            pcm: PcmLayout::for_codec(&params),
            track_id,
            carry: vec![Vec::new(); channels],
            pcm_packet: Box::default(),
            pcm_frames: 0,
            carry_pos: 0,
            finished: false,
            skipped: 0,
            declared_frames,
            decoded_frames: 0,
            frame_timestamps,
            next_pts: None,
            lost_frames: 0,
        })
    }

    /// Opens `path` like [`AudioReader::open`] but always decodes through
    /// symphonia's decoder, for checking the direct PCM path against it.
    #[cfg(test)]
    pub(crate) fn open_via_decoder(path: &Path) -> Result<Self> {
        let mut reader = Self::open(path)?;
        reader.pcm = None;
        Ok(reader)
    }

    /// Whether packets are converted directly (plain PCM) rather than decoded.
    #[cfg(test)]
    pub(crate) fn is_direct_pcm(&self) -> bool {
        self.pcm.is_some()
    }

    /// Stream properties.
    pub fn info(&self) -> &AudioInfo {
        &self.info
    }

    /// True when every sample this reader can produce is finite: integer PCM,
    /// converted directly (an integer over its full scale is at most ±1). Callers
    /// that refuse NaN and ±∞ can skip scanning such streams. Floating-point
    /// PCM and everything symphonia decodes may hold them and return false.
    pub fn samples_are_finite(&self) -> bool {
        self.pcm.is_some_and(PcmLayout::is_integer)
    }

    /// Number of packets skipped so far because the decoder rejected them.
    pub fn skipped_packets(&self) -> u64 {
        self.skipped
    }

    /// Once decoding has reached the end of the data (at the latest when
    /// `read_block` returns 0): `Some` if it ended short of the length the
    /// header declares. `None` before that, for a
    /// complete file, and for headers that declare no trustworthy length
    /// (streaming placeholders, lossy formats).
    pub fn truncation(&self) -> Option<Truncation> {
        let declared = self.declared_frames?;
        (self.finished && self.decoded_frames < declared).then_some(Truncation {
            declared_frames: declared,
            decoded_frames: self.decoded_frames,
            lost_frames: self.lost_frames,
            sample_rate: self.info.sample_rate,
        })
    }

    /// Counts the frames between the end of the previous packet and the
    /// start of `packet` as lost. Symphonia's FLAC reader, meeting a frame
    /// whose CRC fails, searches for the next frame header and carries on
    /// without an error, and a packet the decoder rejects is skipped here:
    /// either way the next packet's timestamp jumps, and that jump is what
    /// tells a file damaged inside from one merely cut short.
    fn note_gap(&mut self, pts: i64, dur: u64) {
        if !self.frame_timestamps {
            return;
        }
        if let Some(expected) = self.next_pts
            && pts > expected
        {
            self.lost_frames += pts.abs_diff(expected);
        }
        self.next_pts = Some(pts.saturating_add_unsigned(dur));
    }

    /// Fills each of `out`'s channel vectors (cleared first; capacity is reused) with up
    /// to `max_frames` frames and returns how many frames were read; 0 means the end.
    ///
    /// `out` must hold exactly `info().channels` vectors. Fewer than `max_frames` frames
    /// may come back only at the end of the stream (so `max_frames == 0` also returns 0).
    pub fn read_block(&mut self, out: &mut [Vec<f32>], max_frames: usize) -> Result<usize> {
        if out.len() != self.info.channels {
            return Err(Error::ChannelMismatch {
                path: self.path.as_path().into(),
                expected: self.info.channels,
                got: format!("{} output vectors", out.len()),
            });
        }
        for ch in out.iter_mut() {
            ch.clear();
        }
        let mut filled = 0;
        while filled < max_frames {
            let in_packet = match self.pcm {
                Some(_) => self.pcm_frames,
                None => self.carry.first().map_or(0, Vec::len),
            };
            let available = in_packet - self.carry_pos;
            if available == 0 {
                if !self.decode_next_packet()? {
                    break;
                }
                continue;
            }
            let n = available.min(max_frames - filled);
            match self.pcm {
                Some(layout) => {
                    let frame = layout.sample_bytes() * self.info.channels;
                    let bytes = &self.pcm_packet[self.carry_pos * frame..][..n * frame];
                    layout.deinterleave(bytes, out);
                }
                None => {
                    for (dst, src) in out.iter_mut().zip(&self.carry) {
                        dst.extend_from_slice(&src[self.carry_pos..self.carry_pos + n]);
                    }
                }
            }
            self.carry_pos += n;
            filled += n;
        }
        self.decoded_frames += filled as u64;
        Ok(filled)
    }

    /// Takes in the next packet of our track (`pcm_packet`, or decoded into
    /// `carry`). Returns `false` at the end.
    fn decode_next_packet(&mut self) -> Result<bool> {
        if self.finished {
            return Ok(false);
        }
        let mut bad_in_a_row = 0u32;
        loop {
            let next = guarded(&self.path, || self.format.next_packet())?;
            let packet = match next {
                Ok(Some(p)) => p,
                // End of stream; `ResetRequired` means a chained stream (e.g. a second
                // Ogg logical stream with new parameters): we treat it as the end.
                Ok(None) | Err(SymError::ResetRequired) => {
                    self.finished = true;
                    return Ok(false);
                }
                // Truncated data: the demuxer ran out of bytes mid-packet.
                Err(SymError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                    self.finished = true;
                    return Ok(false);
                }
                Err(SymError::IoError(e)) => return Err(Error::io(&self.path, e)),
                Err(e) => {
                    bad_in_a_row += 1;
                    self.skipped += 1;
                    if bad_in_a_row > MAX_CONSECUTIVE_BAD_PACKETS {
                        return Err(Error::Decode(self.path.as_path().into(), e.to_string()));
                    }
                    continue;
                }
            };
            if packet.track_id != self.track_id {
                continue;
            }
            self.note_gap(packet.pts.get(), packet.dur.get());
            if let Some(layout) = self.pcm {
                // Symphonia's PCM decoder cannot fail on a packet (it drops a
                // trailing partial frame), so neither can this.
                let frames = packet.data.len() / (layout.sample_bytes() * self.info.channels);
                if frames == 0 {
                    continue;
                }
                self.pcm_packet = packet.data;
                self.pcm_frames = frames;
                self.carry_pos = 0;
                return Ok(true);
            }
            let decoder = &mut self.decoder;
            let carry = &mut self.carry;
            let channels = self.info.channels;
            let decoded = guarded(&self.path, || {
                decoder.decode(&packet).map(|buf| {
                    let planes = buf.num_planes();
                    if planes == channels {
                        buf.copy_to_vecs_planar::<f32>(carry);
                    }
                    planes
                })
            })?;
            match decoded {
                Ok(planes) => {
                    if planes != channels {
                        self.finished = true;
                        return Err(Error::Decode(
                            self.path.as_path().into(),
                            format!(
                                "channel count changed mid-stream ({} -> {planes})",
                                self.info.channels
                            ),
                        ));
                    }
                    self.carry_pos = 0;
                    if self.carry.first().is_none_or(Vec::is_empty) {
                        // Gapless trimming can leave an empty packet; keep going.
                        continue;
                    }
                    return Ok(true);
                }
                // The packet is already in memory, so an I/O error here (typically
                // "unexpected end of bitstream") means the packet's bits are corrupt,
                // exactly like a DecodeError: skip it.
                Err(e @ (SymError::DecodeError(_) | SymError::IoError(_))) => {
                    bad_in_a_row += 1;
                    self.skipped += 1;
                    if bad_in_a_row > MAX_CONSECUTIVE_BAD_PACKETS {
                        return Err(Error::Decode(self.path.as_path().into(), e.to_string()));
                    }
                }
                Err(e) => return Err(Error::Decode(self.path.as_path().into(), e.to_string())),
            }
        }
    }
}

/// Decodes a whole file into memory (built on [`AudioReader`]).
pub fn read_audio(path: &Path) -> Result<AudioBuffer> {
    const BLOCK: usize = 65_536;
    let mut reader = AudioReader::open(path)?;
    let info = reader.info().clone();
    let capacity = info
        .frames
        .and_then(|f| usize::try_from(f).ok())
        .unwrap_or(0);
    let mut buf = AudioBuffer {
        sample_rate: info.sample_rate,
        channels: (0..info.channels)
            .map(|_| Vec::with_capacity(capacity))
            .collect(),
    };
    let mut block = vec![Vec::with_capacity(BLOCK); info.channels];
    while reader.read_block(&mut block, BLOCK)? > 0 {
        for (dst, src) in buf.channels.iter_mut().zip(&block) {
            dst.extend_from_slice(src);
        }
    }
    Ok(buf)
}
