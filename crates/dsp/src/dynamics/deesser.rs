//! Split-band de-esser: the level in a band around `frequency_hz` drives a
//! compressor that turns down only the part of the signal above
//! `frequency_hz` (split with a Linkwitz–Riley LR4 crossover, so with no
//! reduction low + high is an all-pass: flat magnitude, nothing below the
//! split is ever touched).

use super::compressor::{MAX_FRAME, load_frame, static_gain_db, store_frame};
use crate::denormal::flush;
use crate::filter::biquad::{BiquadCoeffs, BiquadState, FilterType};
use crate::filter::crossover::LinkwitzRiley4;
use crate::processor::{ProcessSpec, Processor};
use crate::units::{db_to_gain, one_pole_coeff};

/// Attack of the reduction (ms): fast enough to catch the onset of an "s".
const ATTACK_MS: f64 = 1.0;
/// Release of the reduction (ms): back before the next syllable.
const RELEASE_MS: f64 = 60.0;
/// Q of the detection band-pass: about 1.4 octaves wide, so the detector hears
/// sibilance (≈ 4–10 kHz) but not the voice's fundamental and low formants.
const DETECT_Q: f64 = 1.0;

/// De-esser settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DeEsserParams {
    /// Split and detection centre frequency, Hz.
    pub frequency_hz: f64,
    /// Level in the detection band above which the high band is reduced, dBFS (peak).
    pub threshold_db: f64,
    /// Compression ratio of the high band above the threshold.
    pub ratio: f64,
}

impl Default for DeEsserParams {
    /// Vocal sibilance: 6 kHz, −30 dB, 4:1.
    fn default() -> Self {
        Self {
            frequency_hz: 6_000.0,
            threshold_db: -30.0,
            ratio: 4.0,
        }
    }
}

#[derive(Debug, Clone)]
struct Lane {
    split: LinkwitzRiley4,
    detect: BiquadState,
}

/// Split-band de-esser with linked channels. See the module docs.
#[derive(Debug)]
pub struct DeEsser {
    params: DeEsserParams,
    sample_rate: f64,
    lanes: Vec<Lane>,
    detect: BiquadCoeffs,
    reduction_db: f64,
    coeff_attack: f64,
    coeff_release: f64,
}

impl DeEsser {
    /// A de-esser with `params`; call [`Processor::prepare`] before use.
    pub fn new(params: DeEsserParams) -> Self {
        let mut d = Self {
            detect: BiquadCoeffs::design(FilterType::BandPass, 1000.0, DETECT_Q, 0.0, 48_000.0),
            params,
            sample_rate: 48_000.0,
            lanes: Vec::new(),
            reduction_db: 0.0,
            coeff_attack: 0.0,
            coeff_release: 0.0,
        };
        d.prepare(&ProcessSpec::new(48_000.0, 2, 512));
        d
    }

    /// Change threshold and ratio between blocks (smoothed by attack/release);
    /// a frequency change re-tunes the filters without clearing them.
    pub fn set_params(&mut self, params: DeEsserParams) {
        self.params = params;
        self.tune();
    }

    /// Current reduction of the high band, dB (≥ 0).
    pub fn gain_reduction_db(&self) -> f64 {
        self.reduction_db
    }

    fn tune(&mut self) {
        let f = self
            .params
            .frequency_hz
            .clamp(20.0, 0.45 * self.sample_rate);
        self.detect =
            BiquadCoeffs::design(FilterType::BandPass, f, DETECT_Q, 0.0, self.sample_rate);
        for lane in &mut self.lanes {
            lane.split.set_freq(f, self.sample_rate);
        }
    }
}

impl Default for DeEsser {
    fn default() -> Self {
        Self::new(DeEsserParams::default())
    }
}

impl Processor for DeEsser {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.sample_rate = spec.sample_rate;
        let f = self
            .params
            .frequency_hz
            .clamp(20.0, 0.45 * spec.sample_rate);
        self.lanes = (0..spec.channels.min(MAX_FRAME))
            .map(|_| Lane {
                split: LinkwitzRiley4::new(f, spec.sample_rate),
                detect: BiquadState::new(),
            })
            .collect();
        self.coeff_attack = one_pole_coeff(ATTACK_MS, spec.sample_rate);
        self.coeff_release = one_pole_coeff(RELEASE_MS, spec.sample_rate);
        self.tune();
        self.reset();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        let nch = channels.len().min(self.lanes.len());
        let mut low = [0.0f64; MAX_FRAME];
        let mut high = [0.0f64; MAX_FRAME];
        let mut frame = [0.0f64; MAX_FRAME];
        for i in 0..frames {
            load_frame(channels, i, &mut frame[..nch]);
            let mut peak = 0.0f64;
            for (ch, lane) in self.lanes.iter_mut().enumerate().take(nch) {
                let x = frame[ch];
                peak = peak.max(lane.detect.process(&self.detect, x).abs());
                (low[ch], high[ch]) = lane.split.split(x);
            }
            let level = 20.0 * peak.max(1e-10).log10();
            let target = -static_gain_db(level, self.params.threshold_db, self.params.ratio, 0.0);
            let c = if target > self.reduction_db {
                self.coeff_attack
            } else {
                self.coeff_release
            };
            self.reduction_db = flush(target + (self.reduction_db - target) * c);
            let g = db_to_gain(-self.reduction_db);
            for ((f, l), h) in frame.iter_mut().zip(&low).zip(&high).take(nch) {
                *f = l + g * h;
            }
            store_frame(channels, i, &frame[..nch]);
        }
    }

    fn reset(&mut self) {
        for lane in &mut self.lanes {
            lane.split.reset();
            lane.detect.reset();
        }
        self.reduction_db = 0.0;
    }
}
