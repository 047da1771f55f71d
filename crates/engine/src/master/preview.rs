//! Codec-safe lossy previews: encode the master, decode the result, measure
//! its true peak, and while it is over the target's ceiling lower the
//! limiter's ceiling by the overshoot and encode again. Lossy codecs drop and
//! shift spectral components, so a master that sat exactly at −1 dBTP can
//! decode above it; this is the check the platforms' own encoders skip.

use std::path::{Path, PathBuf};

use mixmaster_analysis::true_peak::{TruePeakMeter, to_dbtp};
use mixmaster_analysis::{AnalysisOptions, Analyzer};
use mixmaster_io::{
    AudioReader, Mp3Options, Mp3Writer, OPUS_RATE, OpusOptions, OpusReader, OpusWriter, Resampler,
    Tags, WriteOptions,
};
use serde::{Deserialize, Serialize};

use super::plan::MasterPlan;
use super::render::{BLOCK, PreLimiter, limiter_pass};
use crate::{Error, Progress, Result};

/// Lossy preview formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PreviewCodec {
    /// MPEG-1 Layer III (LAME), 320 kbit/s CBR.
    Mp3,
    /// Opus in Ogg (libopus), 160 kbit/s constrained VBR, always 48 kHz.
    Opus,
}

impl PreviewCodec {
    /// File extension of the preview.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Mp3 => "mp3",
            Self::Opus => "opus",
        }
    }

    /// Bit rate used, kbit/s.
    pub fn bitrate_kbps(self) -> u32 {
        match self {
            Self::Mp3 => Mp3Options::default().bitrate_kbps,
            Self::Opus => OpusOptions::default().bitrate_kbps,
        }
    }

    /// The rate the codec is fed: MP3 carries 32, 44.1 and 48 kHz as they
    /// are (anything else goes to 48 kHz); Opus codes everything at 48 kHz.
    fn rate_for(self, source: u32) -> u32 {
        match (self, source) {
            (Self::Mp3, r @ (32_000 | 44_100 | 48_000)) => r,
            (Self::Mp3, _) => 48_000,
            (Self::Opus, _) => OPUS_RATE,
        }
    }
}

/// A lossy preview that stays under the ceiling after encoding.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// Where it was written.
    pub path: PathBuf,
    /// The codec.
    pub codec: PreviewCodec,
    /// Bit rate, kbit/s.
    pub bitrate_kbps: u32,
    /// True peak of the decoded preview (the larger of the BS.1770 and 8× readings), dBTP.
    pub decoded_true_peak_dbtp: f64,
    /// Limiter ceiling that made the decoded file safe, dBTP.
    pub limiter_ceiling_dbtp: f64,
    /// Encodes needed.
    pub attempts: usize,
}

/// Encodes tried before giving up on a codec-safe preview.
const MAX_PREVIEW_ATTEMPTS: usize = 5;
/// Extra room left under the ceiling when lowering it after an overshoot, dB.
const PREVIEW_STEP_MARGIN_DB: f64 = 0.1;

/// One encoder behind the preview loop.
enum Encoder {
    Mp3(Mp3Writer),
    Opus(OpusWriter),
}

impl Encoder {
    fn create(
        codec: PreviewCodec,
        out: &Path,
        rate: u32,
        source_rate: u32,
        options: &WriteOptions,
        tags: Option<&Tags>,
    ) -> Result<Self> {
        Ok(match codec {
            PreviewCodec::Mp3 => Self::Mp3(Mp3Writer::create(
                out,
                rate,
                2,
                &Mp3Options::default(),
                options,
                tags,
            )?),
            PreviewCodec::Opus => Self::Opus(OpusWriter::create(
                out,
                2,
                source_rate,
                &OpusOptions::default(),
                options,
                tags,
            )?),
        })
    }

    fn write_block(&mut self, block: &[&[f32]]) -> Result<()> {
        match self {
            Self::Mp3(w) => w.write_block(block)?,
            Self::Opus(w) => w.write_block(block)?,
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self {
            Self::Mp3(w) => w.finish()?,
            Self::Opus(w) => w.finish()?,
        }
        Ok(())
    }
}

/// One decoder behind the check: symphonia decodes MP3, Opus has its own reader.
enum Decoder {
    Mp3(AudioReader),
    Opus(OpusReader),
}

impl Decoder {
    fn open(codec: PreviewCodec, path: &Path) -> Result<Self> {
        Ok(match codec {
            PreviewCodec::Mp3 => Self::Mp3(AudioReader::open(path)?),
            PreviewCodec::Opus => Self::Opus(OpusReader::open(path)?),
        })
    }

    /// (sample rate, channels) of the decoded audio.
    fn layout(&self) -> (u32, usize) {
        match self {
            Self::Mp3(r) => (r.info().sample_rate, r.info().channels),
            Self::Opus(r) => (OPUS_RATE, r.channels()),
        }
    }

    fn read_block(&mut self, block: &mut [Vec<f32>]) -> Result<usize> {
        Ok(match self {
            Self::Mp3(r) => r.read_block(block, BLOCK)?,
            Self::Opus(r) => r.read_block(block, BLOCK)?,
        })
    }
}

/// True peak of a decoded preview, dBTP: the larger of BS.1770's 4× reading
/// and the independent 8× meter.
fn decoded_true_peak(codec: PreviewCodec, path: &Path) -> Result<f64> {
    let mut decoder = Decoder::open(codec, path)?;
    let (rate, channels) = decoder.layout();
    let mut meter8 = TruePeakMeter::new(channels, 8);
    let mut analyzer = Analyzer::new(rate, channels, AnalysisOptions::default())
        .map_err(|e| Error::input(path, e.to_string()))?;
    let mut block = vec![Vec::new(); channels];
    loop {
        let n = decoder.read_block(&mut block)?;
        if n == 0 {
            break;
        }
        let slices: Vec<&[f32]> = block.iter().map(|c| &c[..n]).collect();
        meter8.push(&slices);
        analyzer.push(&slices);
    }
    let tp8 = to_dbtp(meter8.finish().into_iter().fold(0.0, f64::max));
    let a = analyzer
        .finish()
        .map_err(|e| Error::input(path, e.to_string()))?;
    Ok(a.true_peak_dbtp.map_or(tp8, |t| t.max(tp8)))
}

/// Where and how to write one preview.
pub struct PreviewTarget<'a> {
    /// The codec.
    pub codec: PreviewCodec,
    /// The preview file.
    pub out: &'a Path,
    /// Overwrite and input-protection rules.
    pub options: &'a WriteOptions,
    /// Metadata to embed.
    pub tags: Option<&'a Tags>,
}

/// Encodes a preview of the master at `gain_db`, decodes it, and lowers the
/// limiter ceiling and encodes again until the decoded true peak is at or
/// under the target's ceiling ("codec-safe").
pub fn codec_safe_preview(
    target: &PreviewTarget,
    pre: &PreLimiter,
    plan: &MasterPlan,
    gain_db: f64,
    progress: &mut dyn Progress,
) -> Result<Preview> {
    let &PreviewTarget {
        codec,
        out,
        options,
        tags,
    } = target;
    let target_ceiling = plan.target.ceiling_dbtp;
    let rate = codec.rate_for(pre.sample_rate());
    let mut ceiling = plan.limiter.settings.ceiling_dbtp;
    for attempt in 1..=MAX_PREVIEW_ATTEMPTS {
        progress.start("encoding preview", Some(pre.frames()));
        let mut encoder = Encoder::create(codec, out, rate, pre.sample_rate(), options, tags)?;
        let mut resampler = (rate != pre.sample_rate())
            .then(|| Resampler::new(pre.sample_rate(), rate, 2))
            .transpose()?;
        let mut resampled = vec![Vec::new(), Vec::new()];
        limiter_pass(pre, plan, gain_db, ceiling, &mut |block| {
            match &mut resampler {
                Some(rs) => {
                    rs.process_block(block, &mut resampled)?;
                    encoder.write_block(&[&resampled[0], &resampled[1]])?;
                }
                None => encoder.write_block(block)?,
            }
            Ok(())
        })?;
        if let Some(rs) = &mut resampler {
            rs.flush(&mut resampled)?;
            encoder.write_block(&[&resampled[0], &resampled[1]])?;
        }
        encoder.finish()?;
        progress.finish();
        let tp = decoded_true_peak(codec, out)?;
        if tp <= target_ceiling {
            return Ok(Preview {
                path: out.to_path_buf(),
                codec,
                bitrate_kbps: codec.bitrate_kbps(),
                decoded_true_peak_dbtp: tp,
                limiter_ceiling_dbtp: ceiling,
                attempts: attempt,
            });
        }
        ceiling -= tp - target_ceiling + PREVIEW_STEP_MARGIN_DB;
        // The file that overshot is replaced by the next attempt.
        let _ = std::fs::remove_file(out);
    }
    let _ = std::fs::remove_file(out);
    Err(Error::input(
        out,
        format!(
            "the {} preview stayed above {target_ceiling:.1} dBTP after {MAX_PREVIEW_ATTEMPTS} encodes",
            codec.extension()
        ),
    ))
}
