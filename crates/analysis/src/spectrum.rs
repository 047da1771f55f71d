//! Long-term average spectrum in ISO 266 third-octave bands.
//!
//! The FFT is `realfft`'s; the framing, windowing and band summing are here because
//! no maintained crate does band analysis on a stream. Frames of `n` samples (the
//! power of two ≥ fs/4, so bins are 2–4 Hz apart and even the 4.6 Hz-wide 20 Hz band
//! holds at least one) are Hann-windowed with 50 % overlap; the power of every frame
//! of every channel is averaged, then summed into bands.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

use crate::report::ThirdOctaveBand;

/// Nominal ISO 266 centres of the 31 bands from 20 Hz to 20 kHz (Hz).
const NOMINAL_CENTERS_HZ: [f64; 31] = [
    20.0, 25.0, 31.5, 40.0, 50.0, 63.0, 80.0, 100.0, 125.0, 160.0, 200.0, 250.0, 315.0, 400.0,
    500.0, 630.0, 800.0, 1000.0, 1250.0, 1600.0, 2000.0, 2500.0, 3150.0, 4000.0, 5000.0, 6300.0,
    8000.0, 10000.0, 12500.0, 16000.0, 20000.0,
];

/// Exact base-10 band index of the first band: 1 kHz · 10^(−17/10) ≈ 19.95 Hz.
const FIRST_BAND_INDEX: i32 = -17;

/// Streaming spectrum accumulator.
pub struct SpectrumMeter {
    sample_rate: u32,
    fft: Arc<dyn RealToComplex<f64>>,
    window: Vec<f64>,
    /// Per channel: the frame being filled (length n).
    frames: Vec<Vec<f64>>,
    filled: usize,
    input: Vec<f64>,
    output: Vec<realfft::num_complex::Complex<f64>>,
    scratch: Vec<realfft::num_complex::Complex<f64>>,
    /// Σ over analysed frames and channels of |X_k|².
    power: Vec<f64>,
    /// Frames × channels summed into `power`.
    spectra: u64,
}

impl SpectrumMeter {
    pub fn new(sample_rate: u32, channels: usize) -> Self {
        let n = (sample_rate as usize / 4).next_power_of_two().max(16);
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
        let window = (0..n)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos())
            .collect();
        Self {
            sample_rate,
            input: fft.make_input_vec(),
            output: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            power: vec![0.0; n / 2 + 1],
            fft,
            window,
            frames: vec![vec![0.0; n]; channels],
            filled: 0,
            spectra: 0,
        }
    }

    pub fn add(&mut self, block: &[&[f32]]) {
        let n = self.window.len();
        let len = block.first().map_or(0, |c| c.len());
        let mut pos = 0;
        while pos < len {
            let take = (n - self.filled).min(len - pos);
            for (frame, ch) in self.frames.iter_mut().zip(block) {
                let dst = &mut frame[self.filled..self.filled + take];
                dst.iter_mut()
                    .zip(&ch[pos..pos + take])
                    .for_each(|(d, &s)| *d = f64::from(s));
            }
            self.filled += take;
            pos += take;
            if self.filled == n {
                self.analyse_frames();
                // 50 % overlap: the second half becomes the next frame's first half.
                for frame in &mut self.frames {
                    frame.copy_within(n / 2.., 0);
                }
                self.filled = n / 2;
            }
        }
    }

    /// Adds the windowed power spectrum of every channel's current frame.
    fn analyse_frames(&mut self) {
        for frame in &self.frames {
            for ((dst, &x), &w) in self.input.iter_mut().zip(frame).zip(&self.window) {
                *dst = x * w;
            }
            // Lengths come from the plan itself, so processing cannot fail.
            if self
                .fft
                .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch)
                .is_ok()
            {
                for (p, c) in self.power.iter_mut().zip(&self.output) {
                    *p += c.norm_sqr();
                }
                self.spectra += 1;
            }
        }
    }

    /// Band levels. If the audio was shorter than one frame, the partial frame is
    /// analysed zero-padded and normalised by the window energy it actually covered.
    pub fn finish(mut self) -> Vec<ThirdOctaveBand> {
        let n = self.window.len();
        let mut window_energy: f64 = self.window.iter().map(|w| w * w).sum();
        if self.spectra == 0 && self.filled > 0 {
            window_energy = self.window[..self.filled].iter().map(|w| w * w).sum();
            let filled = self.filled;
            for frame in &mut self.frames {
                frame[filled..].fill(0.0);
            }
            self.analyse_frames();
        }
        // Parseval: mean square = Σ_k |X_k|² / (n · Σw²) over all n bins; bins 1..n/2
        // stand for their negative-frequency twins too, hence ×2 (not DC or Nyquist).
        let scale = 1.0 / (n as f64 * window_energy * self.spectra.max(1) as f64);
        let bin_hz = f64::from(self.sample_rate) / n as f64;
        NOMINAL_CENTERS_HZ
            .iter()
            .zip(FIRST_BAND_INDEX..)
            .map(|(&nominal, index)| {
                let center = 1000.0 * 10f64.powf(f64::from(index) / 10.0);
                let (lo, hi) = (center * 10f64.powf(-0.05), center * 10f64.powf(0.05));
                let power: f64 = self
                    .power
                    .iter()
                    .enumerate()
                    .filter(|&(k, _)| (lo..hi).contains(&(k as f64 * bin_hz)))
                    .map(|(k, &p)| if k == 0 || k == n / 2 { p } else { 2.0 * p })
                    .sum::<f64>()
                    * scale;
                let level = 10.0 * power.log10();
                ThirdOctaveBand {
                    center_hz: nominal,
                    level_db: level.is_finite().then_some(level),
                }
            })
            .collect()
    }
}
