//! Streaming MP3 (MPEG-1/2 Layer III) encoding with LAME (`mp3lame-encoder`, which
//! builds LAME's C source), written with the same atomic discipline as
//! [`AudioWriter`](crate::AudioWriter): a hidden temp file beside the destination,
//! fsynced and renamed into place by `finish`, removed if the writer is dropped.
//!
//! File layout: an ID3v2.4 tag (if tags are given), then LAME's "Info" frame (the
//! first MP3 frame, CBR's counterpart of the Xing header), then the audio frames.
//! The Info frame is written by LAME as a placeholder and filled in on `finish`; it
//! records the encoder delay and end padding so gapless-aware decoders can trim
//! them.
//!
//! Delay and padding: LAME's output starts with `576 + 529 = 1105` samples of
//! encoder delay (one granule of MDCT overlap plus the decoder's polyphase filter
//! delay), and the last frame is padded with silence to a whole frame (1152 samples
//! per MPEG-1 frame, 576 per MPEG-2 frame). A decoder that ignores the Info frame
//! therefore returns more samples than were encoded, the signal shifted later by
//! 1105 samples; one that honours it returns exactly the input length.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use mp3lame_encoder::{Bitrate, Builder, DualPcm, Encoder, FlushGap, Mode, MonoPcm, Quality};

use crate::atomic::TempFile;
use crate::error::{Error, Result};
use crate::tags::{Tags, id3v2_bytes};
use crate::write::{WriteOptions, check_block, check_output};

/// MPEG-1 Layer III sample rates (Hz).
const MPEG1_RATES: [u32; 3] = [32_000, 44_100, 48_000];
/// MPEG-2 (LSF) Layer III sample rates (Hz).
const MPEG2_RATES: [u32; 3] = [16_000, 22_050, 24_000];
/// MPEG-1 Layer III bitrates (kbps) that LAME's binding exposes (56 is not).
const MPEG1_KBPS: [u32; 13] = [32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
/// MPEG-2 Layer III bitrates (kbps) that LAME's binding exposes (56 and 144 are not).
const MPEG2_KBPS: [u32; 12] = [8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160];
/// Frames handed to LAME per call, bounding the output scratch buffer.
const CHUNK: usize = 4096;

/// MP3 encoder settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mp3Options {
    /// Constant bitrate in kbit/s. MPEG-1 rates (32/44.1/48 kHz): 32–320; MPEG-2
    /// rates (16/22.05/24 kHz): 8–160.
    pub bitrate_kbps: u32,
    /// LAME's algorithm quality, 0 (best, slowest) to 9 (worst, fastest); 2 is
    /// LAME's recommended "high quality" (`-h`).
    pub quality: u8,
}

impl Default for Mp3Options {
    fn default() -> Self {
        Self {
            bitrate_kbps: 320,
            quality: 2,
        }
    }
}

fn bitrate(kbps: u32) -> Option<Bitrate> {
    Some(match kbps {
        8 => Bitrate::Kbps8,
        16 => Bitrate::Kbps16,
        24 => Bitrate::Kbps24,
        32 => Bitrate::Kbps32,
        40 => Bitrate::Kbps40,
        48 => Bitrate::Kbps48,
        64 => Bitrate::Kbps64,
        80 => Bitrate::Kbps80,
        96 => Bitrate::Kbps96,
        112 => Bitrate::Kbps112,
        128 => Bitrate::Kbps128,
        160 => Bitrate::Kbps160,
        192 => Bitrate::Kbps192,
        224 => Bitrate::Kbps224,
        256 => Bitrate::Kbps256,
        320 => Bitrate::Kbps320,
        _ => return None,
    })
}

fn quality(q: u8) -> Option<Quality> {
    Some(match q {
        0 => Quality::Best,
        1 => Quality::SecondBest,
        2 => Quality::NearBest,
        3 => Quality::VeryNice,
        4 => Quality::Nice,
        5 => Quality::Good,
        6 => Quality::Decent,
        7 => Quality::Ok,
        8 => Quality::SecondWorst,
        9 => Quality::Worst,
        _ => return None,
    })
}

/// Checks rate, channels, bitrate and quality, naming what is wrong.
fn validate(
    path: &Path,
    sample_rate: u32,
    channels: usize,
    o: &Mp3Options,
) -> Result<(Bitrate, Quality)> {
    let bad = |msg: String| Err(Error::UnsupportedOutput(path.into(), msg));
    if channels == 0 {
        return Err(Error::ZeroChannels(path.into()));
    }
    if channels > 2 {
        return bad(format!("MP3 supports 1 or 2 channels, not {channels}"));
    }
    let allowed: &[u32] = if MPEG1_RATES.contains(&sample_rate) {
        &MPEG1_KBPS
    } else if MPEG2_RATES.contains(&sample_rate) {
        &MPEG2_KBPS
    } else {
        return bad(format!(
            "MP3 sample rate {sample_rate} Hz not supported (use 32000, 44100, 48000, 16000, 22050 or 24000; resample first)"
        ));
    };
    let Some(rate) = bitrate(o.bitrate_kbps).filter(|_| allowed.contains(&o.bitrate_kbps)) else {
        return bad(format!(
            "MP3 bitrate {} kbps not available at {sample_rate} Hz (choose one of {allowed:?})",
            o.bitrate_kbps
        ));
    };
    let Some(q) = quality(o.quality) else {
        return bad(format!("MP3 quality {} out of range 0–9", o.quality));
    };
    Ok((rate, q))
}

/// Streaming, atomic MP3 writer.
pub struct Mp3Writer {
    dest: PathBuf,
    /// The temporary file, renamed into place by `finish` (removed if dropped).
    temp: TempFile,
    out: Option<BufWriter<File>>,
    encoder: Encoder,
    channels: usize,
    /// Byte offset of the first MP3 frame (LAME's Info frame), after the ID3 tag.
    first_frame: u64,
    /// Encoded bytes waiting to be written.
    mp3: Vec<u8>,
    /// Sanitised copy of the input (finite, within ±1.0), one vector per channel.
    scratch: Vec<Vec<f32>>,
}

impl Mp3Writer {
    /// Validates the settings and destination ([`check_output`]), opens a temp file
    /// beside `path`, and writes the ID3v2.4 tag if `tags` is given.
    pub fn create(
        path: &Path,
        sample_rate: u32,
        channels: usize,
        options: &Mp3Options,
        opts: &WriteOptions,
        tags: Option<&Tags>,
    ) -> Result<Self> {
        let (brate, q) = validate(path, sample_rate, channels, options)?;
        check_output(path, opts)?;
        let id3 = match tags {
            Some(t) => id3v2_bytes(t).map_err(|e| Error::UnsupportedOutput(path.into(), e))?,
            None => Vec::new(),
        };
        let encoder = build_encoder(sample_rate, channels, brate, q)
            .map_err(|e| Error::Encode(path.into(), format!("LAME setup failed: {e}")))?;
        let (temp, file) = TempFile::create(path, opts)?;
        let mut w = Self {
            dest: path.to_path_buf(),
            temp,
            out: Some(BufWriter::with_capacity(1 << 16, file)),
            encoder,
            channels,
            first_frame: id3.len() as u64,
            mp3: Vec::new(),
            scratch: vec![Vec::new(); channels],
        };
        // On error `w` is dropped here, which removes the temp file.
        w.write_bytes(&id3)?;
        Ok(w)
    }

    fn write_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let out = self.out.as_mut().ok_or_else(|| {
            Error::Encode(self.dest.as_path().into(), "writer already failed".into())
        })?;
        out.write_all(bytes).map_err(|e| Error::io(&self.dest, e))
    }

    /// Appends one block: one slice per channel, all the same length, full scale
    /// ±1.0. Samples beyond ±1.0 are clipped and NaN becomes 0 (an MP3 decoder's
    /// output clips at full scale anyway; keeping peaks below it is the limiter's job).
    pub fn write_block(&mut self, block: &[&[f32]]) -> Result<()> {
        let frames = check_block(&self.dest, self.channels, block)?;
        let mut start = 0;
        while start < frames {
            let end = (start + CHUNK).min(frames);
            for (dst, src) in self.scratch.iter_mut().zip(block) {
                dst.clear();
                dst.extend(
                    src[start..end].iter().map(
                        |&x| {
                            if x.is_nan() { 0.0 } else { x.clamp(-1.0, 1.0) }
                        },
                    ),
                );
            }
            self.mp3.clear();
            self.mp3
                .reserve(mp3lame_encoder::max_required_buffer_size(end - start));
            let r = match self.scratch.as_slice() {
                [mono] => self
                    .encoder
                    .encode_to_vec(MonoPcm(mono.as_slice()), &mut self.mp3),
                [l, r] => self.encoder.encode_to_vec(
                    DualPcm {
                        left: l.as_slice(),
                        right: r.as_slice(),
                    },
                    &mut self.mp3,
                ),
                _ => unreachable!("channels validated as 1 or 2 in create"),
            };
            r.map_err(|e| Error::Encode(self.dest.as_path().into(), e.to_string()))?;
            let bytes = std::mem::take(&mut self.mp3);
            let written = self.write_bytes(&bytes);
            self.mp3 = bytes;
            written?;
            start = end;
        }
        Ok(())
    }

    /// Flushes LAME, fills in the Info frame, fsyncs, and renames into place.
    pub fn finish(mut self) -> Result<()> {
        let dest = self.dest.clone();
        let enc = |e: &dyn std::fmt::Display| Error::Encode(dest.as_path().into(), e.to_string());
        self.mp3.clear();
        self.mp3
            .reserve(mp3lame_encoder::max_required_buffer_size(0));
        self.encoder
            .flush_to_vec::<FlushGap>(&mut self.mp3)
            .map_err(|e| enc(&e))?;
        let tail = std::mem::take(&mut self.mp3);
        self.write_bytes(&tail)?;
        let mut info = Vec::with_capacity(self.encoder.lame_tag_size());
        self.encoder.lame_tag_encode_to_vec(&mut info);
        let out = self
            .out
            .take()
            .ok_or_else(|| enc(&"writer already failed"))?;
        let mut file = out
            .into_inner()
            .map_err(|e| Error::io(&dest, e.into_error()))?;
        if !info.is_empty() {
            file.seek(SeekFrom::Start(self.first_frame))
                .and_then(|_| file.write_all(&info))
                .map_err(|e| Error::io(&dest, e))?;
        }
        self.temp.commit(file)
    }
}

/// Configures LAME for CBR at the input rate (no internal resampling), joint stereo
/// for two channels, and with the Info frame enabled.
fn build_encoder(
    sample_rate: u32,
    channels: usize,
    brate: Bitrate,
    q: Quality,
) -> std::result::Result<Encoder, String> {
    let mut b = Builder::new().ok_or("cannot allocate encoder")?;
    let e = |e: mp3lame_encoder::BuildError| e.to_string();
    b.set_num_channels(channels as u8).map_err(e)?;
    b.set_sample_rate(sample_rate).map_err(e)?;
    b.set_output_sample_rate(NonZeroU32::new(sample_rate))
        .map_err(e)?;
    b.set_brate(brate).map_err(e)?;
    b.set_mode(if channels == 1 {
        Mode::Mono
    } else {
        Mode::JointStereo
    })
    .map_err(e)?;
    b.set_quality(q).map_err(e)?;
    b.set_to_write_vbr_tag(true).map_err(e)?;
    b.build().map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_validated() {
        let p = Path::new("x.mp3");
        let o = Mp3Options::default();
        assert!(validate(p, 44_100, 2, &o).is_ok());
        assert!(validate(p, 48_000, 1, &o).is_ok());
        let msg = |r: Result<(Bitrate, Quality)>| r.err().unwrap().to_string();
        assert!(msg(validate(p, 96_000, 2, &o)).contains("96000 Hz not supported"));
        assert!(msg(validate(p, 22_050, 2, &o)).contains("320 kbps not available at 22050 Hz"));
        assert!(
            validate(
                p,
                22_050,
                2,
                &Mp3Options {
                    bitrate_kbps: 128,
                    quality: 2
                }
            )
            .is_ok()
        );
        assert!(
            msg(validate(
                p,
                44_100,
                2,
                &Mp3Options {
                    bitrate_kbps: 8,
                    quality: 2
                }
            ))
            .contains("8 kbps")
        );
        assert!(msg(validate(p, 44_100, 3, &o)).contains("1 or 2 channels"));
        assert!(matches!(
            validate(p, 44_100, 0, &o),
            Err(Error::ZeroChannels(_))
        ));
        assert!(
            msg(validate(
                p,
                44_100,
                2,
                &Mp3Options {
                    bitrate_kbps: 320,
                    quality: 10
                }
            ))
            .contains("quality 10")
        );
        // Every advertised bitrate maps onto the binding's enum.
        for k in MPEG1_KBPS.iter().chain(&MPEG2_KBPS) {
            assert!(bitrate(*k).is_some(), "{k}");
        }
    }
}
