//! Second-order IIR sections ("biquads") designed with the RBJ Audio-EQ
//! cookbook, run in transposed direct form II with `f64` state.
//!
//! Why `f64`: a low shelf at 30 Hz at 96 kHz has poles within 1e-3 of the unit
//! circle; `f32` coefficients quantise that pole position audibly and `f32`
//! state adds noise that is amplified by the resonance. Written by hand because
//! the cookbook is a few lines and we need the analytic response next to the
//! design (for tests, for the linear-phase EQ and for plotting), which the
//! general-purpose crates do not expose together with a TDF-II state.

use rustfft::num_complex::Complex64;
use std::f64::consts::PI;

use crate::denormal::flush;

/// The RBJ cookbook filter shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterType {
    /// Bell: `gain_db` at `freq_hz`, bandwidth set by `q`.
    Peak,
    /// Shelf below `freq_hz` (the shelf midpoint) by `gain_db`; `q` = shelf Q (0.707 = no overshoot).
    LowShelf,
    /// Shelf above `freq_hz` by `gain_db`; `q` = shelf Q.
    HighShelf,
    /// 12 dB/oct low pass; `q` = resonance (0.707 = Butterworth).
    LowPass,
    /// 12 dB/oct high pass; `q` = resonance (0.707 = Butterworth).
    HighPass,
    /// Band pass with 0 dB peak gain at `freq_hz`.
    BandPass,
    /// Notch (band reject) at `freq_hz`.
    Notch,
    /// All pass: unity magnitude, 360° of phase turn centred on `freq_hz`.
    AllPass,
}

/// Normalised (a0 = 1) biquad coefficients:
/// `H(z) = (b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²)`.
///
/// A first-order section is a biquad with `b2 = a2 = 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BiquadCoeffs {
    /// Feed-forward coefficients.
    pub b0: f64,
    /// Feed-forward coefficient for z⁻¹.
    pub b1: f64,
    /// Feed-forward coefficient for z⁻².
    pub b2: f64,
    /// Feedback coefficient for z⁻¹ (sign convention: denominator `1 + a1 z⁻¹ + a2 z⁻²`).
    pub a1: f64,
    /// Feedback coefficient for z⁻².
    pub a2: f64,
}

impl Default for BiquadCoeffs {
    fn default() -> Self {
        Self::IDENTITY
    }
}

/// Highest design frequency as a fraction of the sample rate. The bilinear
/// transform maps Nyquist to infinity, so designs are kept just below it.
const MAX_FREQ_RATIO: f64 = 0.499;
/// Lowest design frequency in Hz (keeps `tan` and `sin` away from 0).
const MIN_FREQ_HZ: f64 = 1e-3;
/// Smallest Q accepted (a Q of 0 would divide by zero).
const MIN_Q: f64 = 1e-3;

fn clamp_freq(freq_hz: f64, sample_rate: f64) -> f64 {
    let f = if freq_hz.is_finite() { freq_hz } else { 1000.0 };
    f.clamp(MIN_FREQ_HZ, MAX_FREQ_RATIO * sample_rate)
}

impl BiquadCoeffs {
    /// A wire: `H(z) = 1`.
    pub const IDENTITY: Self = Self {
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
    };

    /// Design a cookbook filter. `freq_hz` is clamped to (0, 0.499·`sample_rate`),
    /// `q` to ≥ 0.001; `gain_db` is used by Peak and the shelves only.
    pub fn design(kind: FilterType, freq_hz: f64, q: f64, gain_db: f64, sample_rate: f64) -> Self {
        let f0 = clamp_freq(freq_hz, sample_rate);
        let q = if q.is_finite() { q.max(MIN_Q) } else { 0.707 };
        let gain_db = if gain_db.is_finite() { gain_db } else { 0.0 };
        let w0 = 2.0 * PI * f0 / sample_rate;
        let (sn, cs) = w0.sin_cos();
        let alpha = sn / (2.0 * q);
        let a = 10f64.powf(gain_db / 40.0);
        let (b0, b1, b2, a0, a1, a2) = match kind {
            FilterType::LowPass => {
                let b = (1.0 - cs) / 2.0;
                (b, 1.0 - cs, b, 1.0 + alpha, -2.0 * cs, 1.0 - alpha)
            }
            FilterType::HighPass => {
                let b = (1.0 + cs) / 2.0;
                (b, -(1.0 + cs), b, 1.0 + alpha, -2.0 * cs, 1.0 - alpha)
            }
            FilterType::BandPass => (alpha, 0.0, -alpha, 1.0 + alpha, -2.0 * cs, 1.0 - alpha),
            FilterType::Notch => (1.0, -2.0 * cs, 1.0, 1.0 + alpha, -2.0 * cs, 1.0 - alpha),
            FilterType::AllPass => (
                1.0 - alpha,
                -2.0 * cs,
                1.0 + alpha,
                1.0 + alpha,
                -2.0 * cs,
                1.0 - alpha,
            ),
            FilterType::Peak => (
                1.0 + alpha * a,
                -2.0 * cs,
                1.0 - alpha * a,
                1.0 + alpha / a,
                -2.0 * cs,
                1.0 - alpha / a,
            ),
            FilterType::LowShelf => {
                let k = 2.0 * a.sqrt() * alpha;
                (
                    a * ((a + 1.0) - (a - 1.0) * cs + k),
                    2.0 * a * ((a - 1.0) - (a + 1.0) * cs),
                    a * ((a + 1.0) - (a - 1.0) * cs - k),
                    (a + 1.0) + (a - 1.0) * cs + k,
                    -2.0 * ((a - 1.0) + (a + 1.0) * cs),
                    (a + 1.0) + (a - 1.0) * cs - k,
                )
            }
            FilterType::HighShelf => {
                let k = 2.0 * a.sqrt() * alpha;
                (
                    a * ((a + 1.0) + (a - 1.0) * cs + k),
                    -2.0 * a * ((a - 1.0) + (a + 1.0) * cs),
                    a * ((a + 1.0) + (a - 1.0) * cs - k),
                    (a + 1.0) - (a - 1.0) * cs + k,
                    2.0 * ((a - 1.0) - (a + 1.0) * cs),
                    (a + 1.0) - (a - 1.0) * cs - k,
                )
            }
        };
        Self {
            b0: b0 / a0,
            b1: b1 / a0,
            b2: b2 / a0,
            a1: a1 / a0,
            a2: a2 / a0,
        }
    }

    /// First-order (6 dB/oct) low pass, bilinear transform prewarped so the
    /// −3.01 dB point lands exactly on `freq_hz`.
    pub fn first_order_lowpass(freq_hz: f64, sample_rate: f64) -> Self {
        let k = (PI * clamp_freq(freq_hz, sample_rate) / sample_rate).tan();
        Self {
            b0: k / (1.0 + k),
            b1: k / (1.0 + k),
            b2: 0.0,
            a1: (k - 1.0) / (k + 1.0),
            a2: 0.0,
        }
    }

    /// First-order (6 dB/oct) high pass, −3.01 dB at `freq_hz`.
    pub fn first_order_highpass(freq_hz: f64, sample_rate: f64) -> Self {
        let k = (PI * clamp_freq(freq_hz, sample_rate) / sample_rate).tan();
        Self {
            b0: 1.0 / (1.0 + k),
            b1: -1.0 / (1.0 + k),
            b2: 0.0,
            a1: (k - 1.0) / (k + 1.0),
            a2: 0.0,
        }
    }

    /// The complex frequency response `H(e^{jω})` at `freq_hz`.
    pub fn response(&self, freq_hz: f64, sample_rate: f64) -> Complex64 {
        let w = 2.0 * PI * freq_hz / sample_rate;
        let z1 = Complex64::from_polar(1.0, -w);
        let z2 = z1 * z1;
        let num = self.b0 + z1 * self.b1 + z2 * self.b2;
        let den = 1.0 + z1 * self.a1 + z2 * self.a2;
        num / den
    }

    /// The analytic magnitude response in dB at `freq_hz`.
    pub fn magnitude_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        20.0 * self.response(freq_hz, sample_rate).norm().log10()
    }
}

/// Transposed direct form II state (two `f64` memories). TDF-II is used because
/// it has the best numerical behaviour of the direct forms in floating point
/// and only two state variables per section.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BiquadState {
    s1: f64,
    s2: f64,
}

impl BiquadState {
    /// A cleared state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Filter one sample with coefficients `c`. The state is flushed to 0 when
    /// it decays below the denormal threshold.
    #[inline]
    pub fn process(&mut self, c: &BiquadCoeffs, x: f64) -> f64 {
        let y = c.b0 * x + self.s1;
        self.s1 = flush(c.b1 * x - c.a1 * y + self.s2);
        self.s2 = flush(c.b2 * x - c.a2 * y);
        y
    }

    /// Clear the memories.
    pub fn reset(&mut self) {
        self.s1 = 0.0;
        self.s2 = 0.0;
    }

    /// True when both memories are exactly zero (used by denormal tests).
    pub fn is_clear(&self) -> bool {
        self.s1 == 0.0 && self.s2 == 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_gain_at_centre_is_the_gain() {
        let c = BiquadCoeffs::design(FilterType::Peak, 1000.0, 1.0, 6.0, 48_000.0);
        assert!((c.magnitude_db(1000.0, 48_000.0) - 6.0).abs() < 1e-9);
    }

    #[test]
    fn butterworth_q_lowpass_is_minus_3db_at_cutoff() {
        let c = BiquadCoeffs::design(FilterType::LowPass, 1000.0, 0.5f64.sqrt(), 0.0, 48_000.0);
        assert!((c.magnitude_db(1000.0, 48_000.0) + 3.0103).abs() < 1e-3);
    }

    #[test]
    fn state_flushes_to_zero_in_silence() {
        let c = BiquadCoeffs::design(FilterType::LowPass, 20.0, 0.707, 0.0, 48_000.0);
        let mut s = BiquadState::new();
        s.process(&c, 1.0);
        for _ in 0..480_000 {
            s.process(&c, 0.0);
        }
        assert!(s.is_clear());
    }
}
