//! A streaming 8× true-peak meter for the headroom gain.
//!
//! The BS.1770 meter in `mixmaster-analysis` (via `ebur128`) interpolates 4×
//! with a short filter and under-reads broadband material by up to ~0.6 dB
//! (measured on white noise in `tests/mix_render.rs`), too coarse to land a mix
//! on its target within 0.1 dB. This meter reuses the DSP crate's 100 dB
//! half-band 8× upsampler (the limiter's detector), one per channel.

use mixmaster_dsp::oversample::{OversampleFactor, Upsampler};

/// Largest absolute value of the 8×-interpolated signal, per stream.
pub struct TruePeakMeter {
    ups: Vec<Upsampler>,
    peak: f64,
}

impl TruePeakMeter {
    /// A meter for `channels` channels.
    pub fn new(channels: usize) -> Self {
        Self {
            ups: (0..channels)
                .map(|_| Upsampler::new(OversampleFactor::X8))
                .collect(),
            peak: 0.0,
        }
    }

    /// Measures one planar block.
    pub fn push(&mut self, block: &[&[f32]]) {
        let mut out = [0.0f64; 8];
        for (up, ch) in self.ups.iter_mut().zip(block) {
            let mut peak = self.peak;
            for &x in *ch {
                up.process(f64::from(x), &mut out);
                for y in out {
                    peak = peak.max(y.abs());
                }
            }
            self.peak = peak;
        }
    }

    /// Flushes the filters' delay (the ringing after the last sample) and returns
    /// the true peak in dBTP (−∞ for silence).
    pub fn finish(mut self) -> f64 {
        let mut out = [0.0f64; 8];
        for up in &mut self.ups {
            for _ in 0..=up.latency() {
                up.process(0.0, &mut out);
                for y in out {
                    self.peak = self.peak.max(y.abs());
                }
            }
        }
        20.0 * self.peak.log10()
    }
}
