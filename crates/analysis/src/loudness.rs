//! BS.1770 loudness, loudness range and peaks, delegated to the `ebur128` crate.
//!
//! Written here: only the channel map, reading momentary/short-term loudness at every
//! 100 ms hop (ebur128 answers "now", not "the maximum so far"), and the mono
//! fold-down comparison.
//!
//! Speed: asking ebur128 for short-term loudness sums its whole 3 s window, so
//! asking every 100 ms would read each sample 30 times (half of the analysis
//! time, measured). Instead each hop asks for the loudness of the last 100 ms
//! only and keeps the last 30 of those sub-block energies: momentary loudness is
//! the mean of the last 4 and short-term the mean of the last 30, which is the
//! same arithmetic mean of squares ebur128 computes, with the same zero padding
//! before the first 400 ms / 3 s.

use ebur128::{Channel, EbuR128, Mode};

use crate::Error;
use crate::kweighted::{GatedLoudness, KWeighting};

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
}

/// Streaming loudness meter; fed in blocks that never straddle a 100 ms hop.
pub struct LoudnessMeter {
    meter: EbuR128,
    max_momentary: f64,
    max_short_term: f64,
    short_term: Vec<Option<f64>>,
    /// Mean-square energy of each of the last 30 hops (ring buffer), when the
    /// sample rate makes ebur128's 100 ms window exactly one hop.
    hop_energy: Option<HopEnergies>,
}

/// The last 30 100-ms sub-block energies, oldest overwritten first.
struct HopEnergies {
    ring: [f64; 30],
    next: usize,
}

impl HopEnergies {
    fn push(&mut self, energy: f64) {
        self.ring[self.next] = energy;
        self.next = (self.next + 1) % self.ring.len();
    }

    /// Mean energy of the last `n` hops (zeros before the start, as ebur128 pads).
    fn mean_of_last(&self, n: usize) -> f64 {
        let len = self.ring.len();
        (1..=n)
            .map(|k| self.ring[(self.next + len - k) % len])
            .sum::<f64>()
            / n as f64
    }
}

/// BS.1770 loudness of a mean-square energy (−∞ for silence).
fn energy_to_lufs(energy: f64) -> f64 {
    if energy <= 0.0 {
        f64::NEG_INFINITY
    } else {
        -0.691 + 10.0 * energy.log10()
    }
}

/// Mean-square energy of a BS.1770 loudness (0 for −∞).
fn lufs_to_energy(lufs: f64) -> f64 {
    if lufs.is_finite() {
        10f64.powf((lufs + 0.691) / 10.0)
    } else {
        0.0
    }
}

impl LoudnessMeter {
    pub fn new(sample_rate: u32, channels: usize) -> Result<Self, Error> {
        // Exact gating (every block energy kept: 8 bytes per 100 ms, like the
        // short-term series) rather than Mode::HISTOGRAM, whose 0.1 dB bins would
        // spend half the ±0.1 LU compliance tolerance.
        // Peaks are metered apart ([`PeakMeter`]) so the two halves of the
        // BS.1770 work can run on different cores.
        let mode = Mode::I | Mode::M | Mode::S | Mode::LRA;
        let mut meter = EbuR128::new(channels as u32, sample_rate, mode)?;
        meter.set_channel_map(&channel_map(channels))?;
        // ebur128's hop is round(rate / 10) frames, its 100 ms window floor(rate / 10):
        // sub-block energies add up exactly only when the two agree.
        let hop_energy = sample_rate.is_multiple_of(10).then_some(HopEnergies {
            ring: [0.0; 30],
            next: 0,
        });
        Ok(Self {
            meter,
            hop_energy,
            max_momentary: f64::NEG_INFINITY,
            max_short_term: f64::NEG_INFINITY,
            short_term: Vec::new(),
        })
    }

    /// Feeds finite samples (planar, equal lengths).
    pub fn add(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        self.meter.add_frames_planar_f32(block)?;
        Ok(())
    }

    /// Reads momentary and short-term loudness at the end of a 100 ms hop.
    pub fn hop(&mut self) -> Result<(), Error> {
        let (momentary, short_term) = match &mut self.hop_energy {
            Some(hops) => {
                hops.push(lufs_to_energy(self.meter.loudness_window(100)?));
                (
                    energy_to_lufs(hops.mean_of_last(4)),
                    energy_to_lufs(hops.mean_of_last(30)),
                )
            }
            None => (
                self.meter.loudness_momentary()?,
                self.meter.loudness_shortterm()?,
            ),
        };
        self.max_momentary = self.max_momentary.max(momentary);
        self.max_short_term = self.max_short_term.max(short_term);
        self.short_term.push(finite(short_term));
        Ok(())
    }

    /// Completes the loudness readings; the peaks come from `peaks`.
    pub fn finish(self, peaks: &PeakMeter, channels: usize) -> Result<LoudnessReport, Error> {
        let integrated = finite(self.meter.loudness_global()?);
        let range = match integrated {
            Some(_) => finite(self.meter.loudness_range()?),
            None => None,
        };
        let mut sample_peak = Vec::with_capacity(channels);
        let mut true_peak = Vec::with_capacity(channels);
        for ch in 0..channels as u32 {
            sample_peak.push(peaks.meter.sample_peak(ch)?);
            true_peak.push(peaks.meter.true_peak(ch)?);
        }
        Ok(LoudnessReport {
            integrated_lufs: integrated,
            loudness_range_lu: range,
            max_momentary_lufs: finite(self.max_momentary),
            max_short_term_lufs: finite(self.max_short_term),
            short_term_lufs: self.short_term,
            sample_peak_per_channel: sample_peak,
            true_peak_per_channel: true_peak,
        })
    }
}

/// Sample peak and BS.1770 true peak (ebur128's 4× interpolation) per channel.
pub struct PeakMeter {
    meter: EbuR128,
}

impl PeakMeter {
    pub fn new(sample_rate: u32, channels: usize) -> Result<Self, Error> {
        let meter = EbuR128::new(
            channels as u32,
            sample_rate,
            Mode::TRUE_PEAK | Mode::SAMPLE_PEAK,
        )?;
        Ok(Self { meter })
    }

    /// Feeds finite samples (planar, equal lengths).
    pub fn add(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        self.meter.add_frames_planar_f32(block)?;
        Ok(())
    }
}

/// Integrated loudness of the mono fold-down of a stereo signal: (L+R)/2 on
/// both channels, i.e. one channel counted twice (BS.1770's dual mono).
///
/// Measured with the crate's own K-filter and gate ([`crate::kweighted`],
/// within 0.001 LU of `ebur128` in its tests) rather than a second `ebur128`
/// instance: the fold-down only feeds the mono-compatibility drop, and this
/// costs a third as much as an `ebur128` meter on every analysed file.
pub struct FoldDownMeter {
    filter: KWeighting,
    gate: GatedLoudness,
    mono: Vec<f32>,
    power: Vec<f32>,
}

impl FoldDownMeter {
    pub fn new(sample_rate: u32) -> Self {
        Self {
            filter: KWeighting::new(sample_rate, 1),
            gate: GatedLoudness::new(sample_rate),
            mono: Vec::new(),
            power: Vec::new(),
        }
    }

    /// Feeds finite left and right samples of equal length.
    pub fn add(&mut self, left: &[f32], right: &[f32]) {
        self.mono.clear();
        self.mono
            .extend(left.iter().zip(right).map(|(&l, &r)| 0.5 * (l + r)));
        self.filter.power(&[&self.mono], &mut self.power);
        for &p in &self.power {
            // Counted twice: the fold-down plays on both channels.
            self.gate.push(2.0 * f64::from(p));
        }
    }

    /// Integrated loudness of the fold-down, `None` when it is silent.
    pub fn integrated_lufs(&self) -> Option<f64> {
        self.gate.lufs()
    }
}

/// `Some(x)` for finite values; `None` for ±∞ (silence) and NaN.
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sub-block shortcut must give what ebur128 itself answers.
    #[test]
    fn hop_energies_match_ebur128_windows() {
        let rate = 48_000;
        let mut fast = LoudnessMeter::new(rate, 2).unwrap();
        let mut direct = EbuR128::new(2, rate, Mode::M | Mode::S).unwrap();
        let hop = (rate / 10) as usize;
        let mut seed = 1u32;
        for k in 0..80 {
            // A level that steps every 300 ms, so windows see changing energy.
            let gain = 0.05 + 0.3 * ((k / 3) % 4) as f32;
            let block: Vec<f32> = (0..hop)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    gain * ((seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5)
                })
                .collect();
            fast.add(&[&block, &block]).unwrap();
            fast.hop().unwrap();
            direct.add_frames_planar_f32(&[&block, &block]).unwrap();
            let expect = direct.loudness_shortterm().unwrap();
            let got = fast.short_term.last().unwrap().unwrap();
            assert!((got - expect).abs() < 1e-9, "hop {k}: {got} vs {expect}");
        }
        let max_m = fast.max_momentary;
        assert!(max_m.is_finite());
    }

    /// The fold-down meter against `ebur128` fed the fold-down as dual mono,
    /// at 44.1 and 48 kHz: partly out-of-phase stereo noise whose level
    /// steps, so the relative gate is exercised.
    #[test]
    fn fold_down_matches_ebur128_dual_mono() {
        for rate in [44_100, 48_000] {
            let mut ours = FoldDownMeter::new(rate);
            let mut reference = EbuR128::new(1, rate, Mode::I).unwrap();
            reference.set_channel_map(&[Channel::DualMono]).unwrap();
            let mut seed = 7u32;
            let mut noise = || {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            };
            for k in 0..60 {
                let gain = [0.02, 0.3, 0.6][k % 3];
                let (l, r): (Vec<f32>, Vec<f32>) = (0..rate as usize / 10)
                    .map(|_| {
                        let (a, b) = (noise(), noise());
                        (gain * (a + 0.5 * b), gain * (a - 0.9 * b))
                    })
                    .unzip();
                ours.add(&l, &r);
                let mono: Vec<f32> = l.iter().zip(&r).map(|(&l, &r)| 0.5 * (l + r)).collect();
                reference.add_frames_planar_f32(&[&mono]).unwrap();
            }
            let got = ours.integrated_lufs().unwrap();
            let expect = reference.loudness_global().unwrap();
            assert!(
                (got - expect).abs() < 0.001,
                "{rate} Hz: {got} vs {expect} LUFS"
            );
        }
    }
}
