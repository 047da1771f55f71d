//! Downward expander / gate with hysteresis and hold.
//!
//! Below the threshold the level falls `ratio` times faster than the input
//! (ratio 2 = gentle expander, ≥ 20 ≈ gate), never by more than `range_db`.
//! Hysteresis: the gate opens when the level rises above `threshold_db` and
//! closes only when it falls below `threshold_db − hysteresis_db`, so a level
//! hovering at the threshold does not chatter. The gain (dB) opens with the
//! attack time constant, and closes with the release time constant after
//! `hold_ms` below the close threshold.

use crate::denormal::flush;
use crate::processor::{ProcessSpec, Processor};
use crate::units::{db_to_gain, ms_to_samples, one_pole_coeff};

/// Release of the peak level detector (ms): long enough to bridge the zero
/// crossings of a 50 Hz tone, short next to typical gate release times.
const DETECTOR_RELEASE_MS: f64 = 20.0;

/// Gate settings.
#[derive(Debug, Clone, PartialEq)]
pub struct GateParams {
    /// Open threshold, dBFS (peak).
    pub threshold_db: f64,
    /// Maximum attenuation, dB (negative, e.g. −40; −∞ not needed).
    pub range_db: f64,
    /// Expansion ratio below the threshold (≥ 1).
    pub ratio: f64,
    /// Opening time constant, ms.
    pub attack_ms: f64,
    /// Time the gate stays open after the level falls below the close threshold, ms.
    pub hold_ms: f64,
    /// Closing time constant, ms.
    pub release_ms: f64,
    /// Close threshold = threshold − hysteresis, dB (≥ 0).
    pub hysteresis_db: f64,
}

impl Default for GateParams {
    /// A drum-mic gate: −40 dB, −40 dB range, 10:1, 0.5/50/100 ms, 4 dB hysteresis.
    fn default() -> Self {
        Self {
            threshold_db: -40.0,
            range_db: -40.0,
            ratio: 10.0,
            attack_ms: 0.5,
            hold_ms: 50.0,
            release_ms: 100.0,
            hysteresis_db: 4.0,
        }
    }
}

/// Linked expander/gate (one gain for all channels). See the module docs.
#[derive(Debug)]
pub struct Gate {
    params: GateParams,
    sample_rate: f64,
    envelope: f64,
    open: bool,
    hold_left: usize,
    gain_db: f64,
    coeff_detector: f64,
    coeff_attack: f64,
    coeff_release: f64,
    hold: usize,
}

impl Gate {
    /// A gate with `params`; call [`Processor::prepare`] before use.
    pub fn new(params: GateParams) -> Self {
        let mut g = Self {
            params,
            sample_rate: 48_000.0,
            envelope: 0.0,
            open: false,
            hold_left: 0,
            gain_db: 0.0,
            coeff_detector: 0.0,
            coeff_attack: 0.0,
            coeff_release: 0.0,
            hold: 0,
        };
        g.prepare(&ProcessSpec::new(48_000.0, 2, 512));
        g
    }

    /// Change settings between blocks (the gain moves only through the
    /// attack/release smoothing, so changes cannot click).
    pub fn set_params(&mut self, params: GateParams) {
        self.params = params;
        self.update_coeffs();
    }

    /// Current attenuation, dB (≤ 0).
    pub fn gain_db(&self) -> f64 {
        self.gain_db
    }

    /// Whether the gate is open (level above the open threshold, or within
    /// hysteresis/hold after it).
    pub fn is_open(&self) -> bool {
        self.open
    }

    fn update_coeffs(&mut self) {
        let sr = self.sample_rate;
        self.coeff_detector = one_pole_coeff(DETECTOR_RELEASE_MS, sr);
        self.coeff_attack = one_pole_coeff(self.params.attack_ms, sr);
        self.coeff_release = one_pole_coeff(self.params.release_ms, sr);
        self.hold = ms_to_samples(self.params.hold_ms, sr);
    }
}

impl Default for Gate {
    fn default() -> Self {
        Self::new(GateParams::default())
    }
}

impl Processor for Gate {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.sample_rate = spec.sample_rate;
        self.update_coeffs();
        self.reset();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        let p = &self.params;
        let close_threshold = p.threshold_db - p.hysteresis_db.max(0.0);
        let slope = p.ratio.max(1.0) - 1.0;
        let range = p.range_db.min(0.0);
        for i in 0..frames {
            let peak = channels
                .iter()
                .fold(0.0f64, |m, c| m.max(f64::from(c[i]).abs()));
            self.envelope = if peak > self.envelope {
                peak
            } else {
                flush(peak + (self.envelope - peak) * self.coeff_detector)
            };
            let level = 20.0 * self.envelope.max(1e-12).log10();
            if level >= p.threshold_db {
                self.open = true;
                self.hold_left = self.hold;
            } else if level < close_threshold {
                if self.hold_left > 0 {
                    self.hold_left -= 1;
                } else {
                    self.open = false;
                }
            }
            // While open the curve is referenced to the close threshold, so
            // levels inside the hysteresis band pass at unity gain.
            let knee = if self.open {
                close_threshold
            } else {
                p.threshold_db
            };
            let target = if level < knee {
                ((level - knee) * slope).max(range)
            } else {
                0.0
            };
            let c = if target > self.gain_db {
                self.coeff_attack
            } else {
                self.coeff_release
            };
            self.gain_db = flush(target + (self.gain_db - target) * c);
            let g = db_to_gain(self.gain_db);
            for channel in channels.iter_mut() {
                channel[i] = (f64::from(channel[i]) * g) as f32;
            }
        }
    }

    fn reset(&mut self) {
        self.envelope = 0.0;
        self.open = false;
        self.hold_left = 0;
        self.gain_db = 0.0;
    }
}
