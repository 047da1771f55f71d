//! Long-term average spectrum in ISO 266 third-octave bands.
//!
//! The FFT is `realfft`'s; the framing, windowing and band summing are here because
//! no maintained crate does band analysis on a stream. Frames of `n` samples (the
//! power of two ≥ fs/4, so bins are 2–4 Hz apart and even the 4.6 Hz-wide 20 Hz band
//! holds at least one) are Hann-windowed with 50 % overlap; the power of every frame
//! of every channel is averaged, then summed into bands.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

use crate::report::{FineBand, ThirdOctaveBand};

/// Nominal ISO 266 centres of the 31 bands from 20 Hz to 20 kHz (Hz).
const NOMINAL_CENTERS_HZ: [f64; 31] = [
    20.0, 25.0, 31.5, 40.0, 50.0, 63.0, 80.0, 100.0, 125.0, 160.0, 200.0, 250.0, 315.0, 400.0,
    500.0, 630.0, 800.0, 1000.0, 1250.0, 1600.0, 2000.0, 2500.0, 3150.0, 4000.0, 5000.0, 6300.0,
    8000.0, 10000.0, 12500.0, 16000.0, 20000.0,
];

/// Exact base-10 band index of the first band: 1 kHz · 10^(−17/10) ≈ 19.95 Hz.
const FIRST_BAND_INDEX: i32 = -17;

/// Bands per octave of the fine spectrum: 1/24 octave (50 cents) separates a
/// resonance from its neighbours yet still holds several bins from ~100 Hz up.
const FINE_BANDS_PER_OCTAVE: f64 = 24.0;
/// Range of the fine spectrum, Hz: below 50 Hz a 1/24-octave band is narrower
/// than one bin; above 20 kHz nothing is audible.
const FINE_RANGE_HZ: (f64, f64) = (50.0, 20_000.0);

/// Neighbourhood of a fine band for its prominence, in bands: from
/// [`NEAR`] to [`FAR`] away on both sides — outside a peak's own skirt
/// (a Hann main lobe spans ±2 bins), within a third of an octave.
const NEAR: usize = 2;
const FAR: usize = 8;
/// A fine band counts as a peak in one frame when it stands this far over
/// its neighbourhood, dB.
const FRAME_PEAK_DB: f64 = 6.0;
/// Frames quieter than this mean square (−100 dBFS) are silence: they do not
/// count toward peak occupancy.
const SILENT_FRAME_POWER: f64 = 1e-10;

/// The long-term spectrum at two resolutions.
pub struct Spectra {
    /// ISO 266 third octaves, band power.
    pub third_octave: Vec<ThirdOctaveBand>,
    /// 1/24 octaves, mean power per FFT bin, with prominence and occupancy.
    pub fine: Vec<FineBand>,
}

/// Height of band `i` over the median of its neighbourhood, dB, when it is a
/// local maximum with a full neighbourhood (`None` otherwise).
fn prominence_db(levels: &[f64], i: usize) -> Option<f64> {
    if i < FAR || i + FAR >= levels.len() {
        return None;
    }
    let here = levels[i];
    if !here.is_finite() || levels[i - 1] > here || levels[i + 1] > here {
        return None;
    }
    let mut around = [0.0; 2 * (FAR - NEAR + 1)];
    for (k, d) in (NEAR..=FAR).enumerate() {
        around[2 * k] = levels[i - d];
        around[2 * k + 1] = levels[i + d];
    }
    around.sort_by(f64::total_cmp);
    Some(here - around[around.len() / 2])
}

/// The 1/24-octave bands of a spectrum of `n`-point frames: centres and the
/// bins each averages (bands narrower than a bin take the nearest bin).
fn fine_layout(sample_rate: u32, n: usize) -> Vec<(f64, std::ops::Range<usize>)> {
    let bin_hz = f64::from(sample_rate) / n as f64;
    let nyquist = f64::from(sample_rate) / 2.0;
    let half_band = 2f64.powf(0.5 / FINE_BANDS_PER_OCTAVE);
    let first = (FINE_BANDS_PER_OCTAVE * (FINE_RANGE_HZ.0 / 1000.0).log2()).ceil() as i32;
    (first..)
        .map(|i| 1000.0 * 2f64.powf(f64::from(i) / FINE_BANDS_PER_OCTAVE))
        .take_while(|&c| c <= FINE_RANGE_HZ.1 && c * half_band < nyquist)
        .map(|center| {
            let lo = ((center / half_band) / bin_hz).ceil() as usize;
            let hi = ((center * half_band) / bin_hz).ceil() as usize;
            let bins = if hi > lo {
                lo..hi
            } else {
                let k = (center / bin_hz).round() as usize;
                k..k + 1
            };
            (center, bins)
        })
        .collect()
}

/// Mean of `power` over each band's bins, in dB (−∞ for none).
fn band_levels(power: &[f64], layout: &[(f64, std::ops::Range<usize>)], out: &mut [f64]) {
    for (level, (_, bins)) in out.iter_mut().zip(layout) {
        let mean = power[bins.clone()].iter().sum::<f64>() / bins.len() as f64;
        *level = 10.0 * mean.log10();
    }
}

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
    /// This frame's |X_k|² summed over channels.
    frame_power: Vec<f64>,
    /// The fine bands, and scratch for one frame's levels in them.
    fine: Vec<(f64, std::ops::Range<usize>)>,
    frame_levels: Vec<f64>,
    /// Per fine band: frames in which it was a peak, and non-silent frames.
    peak_frames: Vec<u32>,
    loud_frames: u32,
    /// Frames × channels summed into `power`.
    spectra: u64,
}

impl SpectrumMeter {
    pub fn new(sample_rate: u32, channels: usize) -> Self {
        let n = (sample_rate as usize / 4).next_power_of_two().max(16);
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
        let fine = fine_layout(sample_rate, n);
        let window = (0..n)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos())
            .collect();
        Self {
            sample_rate,
            input: fft.make_input_vec(),
            output: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            power: vec![0.0; n / 2 + 1],
            frame_power: vec![0.0; n / 2 + 1],
            frame_levels: vec![0.0; fine.len()],
            peak_frames: vec![0; fine.len()],
            loud_frames: 0,
            fine,
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

    /// Adds the windowed power spectrum of every channel's current frame, and
    /// counts which fine bands stand out as peaks in it.
    fn analyse_frames(&mut self) {
        self.frame_power.fill(0.0);
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
                for (p, c) in self.frame_power.iter_mut().zip(&self.output) {
                    *p += c.norm_sqr();
                }
                self.spectra += 1;
            }
        }
        for (total, p) in self.power.iter_mut().zip(&self.frame_power) {
            *total += p;
        }
        let n = self.window.len() as f64;
        let window_energy: f64 = self.window.iter().map(|w| w * w).sum();
        let mean_square = self.frame_power.iter().sum::<f64>() * 2.0 / (n * window_energy);
        if mean_square < SILENT_FRAME_POWER * self.frames.len() as f64 {
            return;
        }
        self.loud_frames += 1;
        band_levels(&self.frame_power, &self.fine, &mut self.frame_levels);
        for (i, count) in self.peak_frames.iter_mut().enumerate() {
            if prominence_db(&self.frame_levels, i).is_some_and(|p| p >= FRAME_PEAK_DB) {
                *count += 1;
            }
        }
    }

    /// Band levels. If the audio was shorter than one frame, the partial frame is
    /// analysed zero-padded and normalised by the window energy it actually covered.
    pub fn finish(mut self) -> Spectra {
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
        // One-sided mean-square power of bin k.
        let bin_power = |k: usize| {
            let p = self.power[k] * scale;
            if k == 0 || k == n / 2 { p } else { 2.0 * p }
        };
        let level = |power: f64| {
            let db = 10.0 * power.log10();
            db.is_finite().then_some(db)
        };
        let third_octave = NOMINAL_CENTERS_HZ
            .iter()
            .zip(FIRST_BAND_INDEX..)
            .map(|(&nominal, index)| {
                let center = 1000.0 * 10f64.powf(f64::from(index) / 10.0);
                let (lo, hi) = (center * 10f64.powf(-0.05), center * 10f64.powf(0.05));
                let power: f64 = (0..self.power.len())
                    .filter(|&k| (lo..hi).contains(&(k as f64 * bin_hz)))
                    .map(bin_power)
                    .sum();
                ThirdOctaveBand {
                    center_hz: nominal,
                    level_db: level(power),
                }
            })
            .collect();
        let mut levels = vec![0.0; self.fine.len()];
        band_levels(&self.power, &self.fine, &mut levels);
        // Levels are calibrated like the third octaves: one-sided mean square.
        let calibration = 10.0 * (2.0 * scale).log10();
        let fine = self
            .fine
            .iter()
            .enumerate()
            .map(|(i, (center, _))| FineBand {
                center_hz: *center,
                level_db: Some(levels[i] + calibration).filter(|l| l.is_finite()),
                prominence_db: prominence_db(&levels, i),
                peak_occupancy: f64::from(self.peak_frames[i]) / f64::from(self.loud_frames.max(1)),
            })
            .collect();
        Spectra { third_octave, fine }
    }
}
