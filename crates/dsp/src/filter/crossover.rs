//! Linkwitz–Riley 4th-order (24 dB/oct) crossovers.
//!
//! An LR4 low pass is two cascaded Butterworth 2nd-order low passes (Q = 1/√2),
//! the high pass likewise. Each output is −6.02 dB at the crossover and the two
//! are in phase there, so `low + high` is a 2nd-order all-pass: flat magnitude,
//! the phase of [`LinkwitzRileyAllPass`] at the same frequency. Because every
//! section uses the same bilinear prewarp at `freq_hz`, that identity holds
//! exactly in the digital domain too.
//!
//! Multiband use: split at f1 into (low, rest), split `rest` at f2 into
//! (mid, high), and pass `low` through a `LinkwitzRileyAllPass` at f2, so all
//! bands carry the same phase and their sum stays flat.

use super::biquad::{BiquadCoeffs, BiquadState, FilterType};

/// The Q of a Butterworth 2nd-order section.
const BUTTERWORTH_Q: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// A 4th-order Linkwitz–Riley band split of one channel.
#[derive(Debug, Clone)]
pub struct LinkwitzRiley4 {
    lp: BiquadCoeffs,
    hp: BiquadCoeffs,
    lp_state: [BiquadState; 2],
    hp_state: [BiquadState; 2],
}

impl LinkwitzRiley4 {
    /// A crossover at `freq_hz` for `sample_rate` Hz.
    pub fn new(freq_hz: f64, sample_rate: f64) -> Self {
        Self {
            lp: BiquadCoeffs::design(
                FilterType::LowPass,
                freq_hz,
                BUTTERWORTH_Q,
                0.0,
                sample_rate,
            ),
            hp: BiquadCoeffs::design(
                FilterType::HighPass,
                freq_hz,
                BUTTERWORTH_Q,
                0.0,
                sample_rate,
            ),
            lp_state: [BiquadState::new(); 2],
            hp_state: [BiquadState::new(); 2],
        }
    }

    /// Move the crossover without clearing the state (for smoothed sweeps).
    pub fn set_freq(&mut self, freq_hz: f64, sample_rate: f64) {
        self.lp = BiquadCoeffs::design(
            FilterType::LowPass,
            freq_hz,
            BUTTERWORTH_Q,
            0.0,
            sample_rate,
        );
        self.hp = BiquadCoeffs::design(
            FilterType::HighPass,
            freq_hz,
            BUTTERWORTH_Q,
            0.0,
            sample_rate,
        );
    }

    /// The (low-pass, high-pass) Butterworth section; each output runs its
    /// section twice in series.
    pub(crate) fn sections(&self) -> (BiquadCoeffs, BiquadCoeffs) {
        (self.lp, self.hp)
    }

    /// Split one sample into `(low, high)`.
    #[inline]
    pub fn split(&mut self, x: f64) -> (f64, f64) {
        let l = self.lp_state[0].process(&self.lp, x);
        let l = self.lp_state[1].process(&self.lp, l);
        let h = self.hp_state[0].process(&self.hp, x);
        let h = self.hp_state[1].process(&self.hp, h);
        (l, h)
    }

    /// Clear the filter memories.
    pub fn reset(&mut self) {
        self.lp_state = [BiquadState::new(); 2];
        self.hp_state = [BiquadState::new(); 2];
    }

    /// The analytic low-pass magnitude in dB at `freq_hz`.
    pub fn low_magnitude_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        2.0 * self.lp.magnitude_db(freq_hz, sample_rate)
    }

    /// The analytic high-pass magnitude in dB at `freq_hz`.
    pub fn high_magnitude_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        2.0 * self.hp.magnitude_db(freq_hz, sample_rate)
    }
}

/// The all-pass that an LR4 split at the same frequency applies to the sum
/// `low + high`: used to phase-align bands that did not pass through that split.
#[derive(Debug, Clone)]
pub struct LinkwitzRileyAllPass {
    ap: BiquadCoeffs,
    state: BiquadState,
}

impl LinkwitzRileyAllPass {
    /// The all-pass matching an LR4 crossover at `freq_hz`.
    pub fn new(freq_hz: f64, sample_rate: f64) -> Self {
        Self {
            ap: BiquadCoeffs::design(
                FilterType::AllPass,
                freq_hz,
                BUTTERWORTH_Q,
                0.0,
                sample_rate,
            ),
            state: BiquadState::new(),
        }
    }

    /// Move the frequency without clearing the state.
    pub fn set_freq(&mut self, freq_hz: f64, sample_rate: f64) {
        self.ap = BiquadCoeffs::design(
            FilterType::AllPass,
            freq_hz,
            BUTTERWORTH_Q,
            0.0,
            sample_rate,
        );
    }

    /// Filter one sample.
    #[inline]
    pub fn process(&mut self, x: f64) -> f64 {
        self.state.process(&self.ap, x)
    }

    /// The all-pass section.
    pub(crate) fn section(&self) -> BiquadCoeffs {
        self.ap
    }

    /// Clear the filter memory.
    pub fn reset(&mut self) {
        self.state.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// low + high must equal the all-pass sample for sample (same bilinear map).
    #[test]
    fn sum_equals_allpass_sample_for_sample() {
        let sr = 48_000.0;
        let mut x = LinkwitzRiley4::new(1200.0, sr);
        let mut ap = LinkwitzRileyAllPass::new(1200.0, sr);
        let mut max_err = 0.0f64;
        for n in 0..4800 {
            let s = ((n as f64) * 0.37).sin() + if n == 0 { 1.0 } else { 0.0 };
            let (l, h) = x.split(s);
            max_err = max_err.max((l + h - ap.process(s)).abs());
        }
        assert!(max_err < 1e-9, "{max_err}");
    }
}
