//! BS.1770 loudness, loudness range and peaks, delegated to the `ebur128` crate.
//!
//! Written here: only the channel map, reading momentary/short-term loudness at every
//! 100 ms hop (ebur128 answers "now", not "the maximum so far"), and the mono
//! fold-down comparison.

use ebur128::{Channel, EbuR128, Mode};

use crate::Error;

/// Most channels `ebur128` meters.
pub const MAX_CHANNELS: usize = 64;

/// BS.1770 channel weights for a channel count, in WAV / SMPTE order.
///
/// 1: mono (weight 1). 2: L R. 3: L R C. 4: L R Ls Rs. 5: L R C Ls Rs.
/// 6 (5.1): L R C LFE Ls Rs — LFE excluded, surrounds weighted +1.5 dB (×1.41).
/// 8 (7.1): L R C LFE, back pair at ±135°, side pair at ±90° (BS.2051 positions,
/// which ebur128 weights +1.5 dB). Any other count: every channel weight 1, since
/// nothing says which one is the LFE.
pub fn channel_map(channels: usize) -> Vec<Channel> {
    use Channel::*;
    match channels {
        1 => vec![Center],
        2 => vec![Left, Right],
        3 => vec![Left, Right, Center],
        4 => vec![Left, Right, LeftSurround, RightSurround],
        5 => vec![Left, Right, Center, LeftSurround, RightSurround],
        6 => vec![Left, Right, Center, Unused, LeftSurround, RightSurround],
        8 => vec![Left, Right, Center, Unused, Mp135, Mm135, Mp090, Mm090],
        n => vec![Center; n],
    }
}

/// Everything `ebur128` reports, in dB, with −∞ as `None`.
pub struct LoudnessReport {
    pub integrated_lufs: Option<f64>,
    pub loudness_range_lu: Option<f64>,
    pub max_momentary_lufs: Option<f64>,
    pub max_short_term_lufs: Option<f64>,
    pub short_term_lufs: Vec<Option<f64>>,
    pub sample_peak_per_channel: Vec<f64>,
    pub true_peak_per_channel: Vec<f64>,
    pub mono_loudness_drop_lu: Option<f64>,
}

/// Streaming loudness meter; fed in blocks that never straddle a 100 ms hop.
pub struct LoudnessMeter {
    meter: EbuR128,
    /// Stereo only: integrated loudness of (L+R)/2 on both channels. One channel
    /// weighted `DualMono` (counted twice) measures exactly that at half the cost.
    fold_down: Option<EbuR128>,
    fold_buf: Vec<f32>,
    max_momentary: f64,
    max_short_term: f64,
    short_term: Vec<Option<f64>>,
    mono: bool,
}

impl LoudnessMeter {
    pub fn new(sample_rate: u32, channels: usize) -> Result<Self, Error> {
        // Exact gating (every block energy kept: 8 bytes per 100 ms, like the
        // short-term series) rather than Mode::HISTOGRAM, whose 0.1 dB bins would
        // spend half the ±0.1 LU compliance tolerance.
        let mode = Mode::I | Mode::M | Mode::S | Mode::LRA | Mode::TRUE_PEAK | Mode::SAMPLE_PEAK;
        let mut meter = EbuR128::new(channels as u32, sample_rate, mode)?;
        meter.set_channel_map(&channel_map(channels))?;
        let fold_down = if channels == 2 {
            let mut m = EbuR128::new(1, sample_rate, Mode::I)?;
            m.set_channel_map(&[Channel::DualMono])?;
            Some(m)
        } else {
            None
        };
        Ok(Self {
            meter,
            fold_down,
            fold_buf: Vec::new(),
            max_momentary: f64::NEG_INFINITY,
            max_short_term: f64::NEG_INFINITY,
            short_term: Vec::new(),
            mono: channels == 1,
        })
    }

    /// Feeds finite samples (planar, equal lengths).
    pub fn add(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        self.meter.add_frames_planar_f32(block)?;
        if let Some(fold) = &mut self.fold_down {
            self.fold_buf.clear();
            self.fold_buf
                .extend(block[0].iter().zip(block[1]).map(|(&l, &r)| 0.5 * (l + r)));
            fold.add_frames_planar_f32(&[&self.fold_buf])?;
        }
        Ok(())
    }

    /// Reads momentary and short-term loudness at the end of a 100 ms hop.
    pub fn hop(&mut self) -> Result<(), Error> {
        let momentary = self.meter.loudness_momentary()?;
        let short_term = self.meter.loudness_shortterm()?;
        self.max_momentary = self.max_momentary.max(momentary);
        self.max_short_term = self.max_short_term.max(short_term);
        self.short_term.push(finite(short_term));
        Ok(())
    }

    pub fn finish(self, channels: usize) -> Result<LoudnessReport, Error> {
        let integrated = finite(self.meter.loudness_global()?);
        let range = match integrated {
            Some(_) => finite(self.meter.loudness_range()?),
            None => None,
        };
        let mono_drop = match (&self.fold_down, integrated) {
            (Some(fold), Some(stereo)) => finite(fold.loudness_global()?).map(|mono| stereo - mono),
            (None, Some(_)) if self.mono => Some(0.0),
            _ => None,
        };
        let mut sample_peak = Vec::with_capacity(channels);
        let mut true_peak = Vec::with_capacity(channels);
        for ch in 0..channels as u32 {
            sample_peak.push(self.meter.sample_peak(ch)?);
            true_peak.push(self.meter.true_peak(ch)?);
        }
        Ok(LoudnessReport {
            integrated_lufs: integrated,
            loudness_range_lu: range,
            max_momentary_lufs: finite(self.max_momentary),
            max_short_term_lufs: finite(self.max_short_term),
            short_term_lufs: self.short_term,
            sample_peak_per_channel: sample_peak,
            true_peak_per_channel: true_peak,
            mono_loudness_drop_lu: mono_drop,
        })
    }
}

/// `Some(x)` for finite values; `None` for ±∞ (silence) and NaN.
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}
