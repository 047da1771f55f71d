//! A short, fixed-capacity cascade of biquad sections, so that a filter of up
//! to 8th order lives inline (no heap) and can be redesigned inside `process`.

use rustfft::num_complex::Complex64;

use super::biquad::{BiquadCoeffs, BiquadState};

/// The most sections a cascade holds: an 8th-order filter is four biquads.
pub const MAX_SECTIONS: usize = 4;

/// Up to [`MAX_SECTIONS`] biquads run in series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cascade {
    sections: [BiquadCoeffs; MAX_SECTIONS],
    len: usize,
}

impl Default for Cascade {
    fn default() -> Self {
        Self::single(BiquadCoeffs::IDENTITY)
    }
}

impl Cascade {
    /// A one-section cascade.
    pub fn single(c: BiquadCoeffs) -> Self {
        Self::from_slice(&[c])
    }

    /// A cascade of the given sections; any beyond [`MAX_SECTIONS`] are ignored.
    pub fn from_slice(sections: &[BiquadCoeffs]) -> Self {
        let mut out = [BiquadCoeffs::IDENTITY; MAX_SECTIONS];
        let len = sections.len().min(MAX_SECTIONS);
        out[..len].copy_from_slice(&sections[..len]);
        Self { sections: out, len }
    }

    /// The sections in processing order.
    pub fn sections(&self) -> &[BiquadCoeffs] {
        &self.sections[..self.len]
    }

    /// The complex response of the whole cascade at `freq_hz`.
    pub fn response(&self, freq_hz: f64, sample_rate: f64) -> Complex64 {
        self.sections()
            .iter()
            .map(|c| c.response(freq_hz, sample_rate))
            .product()
    }

    /// The analytic magnitude of the cascade in dB.
    pub fn magnitude_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        self.sections()
            .iter()
            .map(|c| c.magnitude_db(freq_hz, sample_rate))
            .sum()
    }

    /// Filter one sample through every section using `state` (one per section).
    #[inline]
    pub fn process(&self, state: &mut CascadeState, x: f64) -> f64 {
        self.sections()
            .iter()
            .zip(state.0.iter_mut())
            .fold(x, |acc, (c, s)| s.process(c, acc))
    }
}

/// The memories for a [`Cascade`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CascadeState([BiquadState; MAX_SECTIONS]);

impl CascadeState {
    /// Clear every section.
    pub fn reset(&mut self) {
        self.0.iter_mut().for_each(BiquadState::reset);
    }

    /// True when every memory is exactly zero.
    pub fn is_clear(&self) -> bool {
        self.0.iter().all(BiquadState::is_clear)
    }
}
