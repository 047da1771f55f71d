//! BS.1770 integrated loudness from per-frame K-weighted power.
//!
//! The `ebur128` crate measures a signal; it cannot answer "how loud would
//! this signal be with this time-varying gain on it?" without being fed the
//! gained signal. The mastering loudness search asks exactly that for many
//! candidate limiter drives, so it keeps the K-weighted power of every frame
//! once ([`KWeighting`]) and integrates gained copies of it
//! ([`GatedLoudness`]). A gain that moves slowly against the K-filter's
//! impulse response (a few ms) commutes with the filter, so the reading is
//! that of the gained signal to within hundredths of a LU; with a constant
//! gain it is exact (tests: within 0.001 LU of `ebur128`).
//!
//! Written by hand because no crate exposes the weighted power per frame; the
//! filter and the gating are those of ITU-R BS.1770-4 as `ebur128` (a port of
//! libebur128) implements them, including its analog-prototype coefficients,
//! so that the two agree at every sample rate.

use std::f64::consts::PI;

/// Loudness of mean-square K-weighted power `z` (summed over channels), LUFS.
pub fn power_to_lufs(z: f64) -> f64 {
    -0.691 + 10.0 * z.log10()
}

/// The K-weighting filter (pre-filter high shelf × RLB high-pass) of
/// BS.1770, one fourth-order section per channel in `f64`.
#[derive(Debug, Clone)]
pub struct KWeighting {
    b: [f64; 5],
    a: [f64; 5],
    /// Direct-form II state, 4 per channel.
    state: Vec<[f64; 4]>,
}

impl KWeighting {
    /// A filter for `channels` channels at `sample_rate` Hz.
    pub fn new(sample_rate: u32, channels: usize) -> Self {
        let (b, a) = coefficients(f64::from(sample_rate));
        Self {
            b,
            a,
            state: vec![[0.0; 4]; channels],
        }
    }

    /// Writes, for every frame of `block` (planar, equal lengths), the sum
    /// over channels of its squared K-weighted samples into `power` (resized
    /// to the block length). Every channel has weight 1 (mono, or L and R).
    pub fn power(&mut self, block: &[&[f32]], power: &mut Vec<f32>) {
        let n = block.first().map_or(0, |c| c.len());
        power.clear();
        power.resize(n, 0.0);
        for (channel, state) in block.iter().zip(&mut self.state) {
            let [b0, b1, b2, b3, b4] = self.b;
            let [_, a1, a2, a3, a4] = self.a;
            let [mut s1, mut s2, mut s3, mut s4] = *state;
            for (p, &x) in power.iter_mut().zip(channel.iter()) {
                // Direct form II: w is the state after the feedback part.
                // The terms of older states are summed first, so only the
                // last multiply-subtract waits for the previous sample's w
                // (a dependency chain of one operation per sample, not four).
                let older = f64::from(x) - a2 * s2 - a3 * s3 - a4 * s4;
                let w = older - a1 * s1;
                let y = b0 * w + b1 * s1 + b2 * s2 + b3 * s3 + b4 * s4;
                s4 = s3;
                s3 = s2;
                s2 = s1;
                s1 = w;
                *p += (y * y) as f32;
            }
            // Flush denormals: silence after signal would otherwise decay into them.
            *state = [s1, s2, s3, s4].map(|s| if s.abs() < 1e-30 { 0.0 } else { s });
        }
    }
}

/// BS.1770's two cascaded biquads multiplied into one fourth-order filter,
/// with the analog-prototype constants libebur128 derived so that the filter
/// is right at any rate (at 48 kHz it equals the standard's coefficients).
fn coefficients(rate: f64) -> ([f64; 5], [f64; 5]) {
    // Pre-filter: high shelf, +4 dB above ≈1.7 kHz (head diffraction).
    let (f0, gain_db, q) = (1681.974450955533, 3.999843853973347, 0.7071752369554196);
    let k = (PI * f0 / rate).tan();
    let vh = 10f64.powf(gain_db / 20.0);
    let vb = vh.powf(0.4996667741545416);
    let a0 = 1.0 + k / q + k * k;
    let pb = [
        (vh + vb * k / q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
    ];
    let pa = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0];
    // RLB weighting: second-order high-pass at ≈38 Hz.
    let (f0, q) = (38.13547087602444, 0.5003270373238773);
    let k = (PI * f0 / rate).tan();
    let a0 = 1.0 + k / q + k * k;
    let rb = [1.0, -2.0, 1.0];
    let ra = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0];
    (convolve(pb, rb), convolve(pa, ra))
}

/// Product of two second-order polynomials (coefficients in z⁻¹).
fn convolve(p: [f64; 3], r: [f64; 3]) -> [f64; 5] {
    let mut out = [0.0; 5];
    for (i, pi) in p.iter().enumerate() {
        for (j, rj) in r.iter().enumerate() {
            out[i + j] += pi * rj;
        }
    }
    out
}

/// Absolute gate of BS.1770, LUFS.
const ABSOLUTE_GATE_LUFS: f64 = -70.0;
/// Relative gate below the absolute-gated loudness, LU.
const RELATIVE_GATE_LU: f64 = 10.0;

/// Integrated loudness (BS.1770 gating over 400 ms blocks every 100 ms) of
/// a stream of per-frame K-weighted powers, each optionally scaled by a gain.
#[derive(Debug, Clone)]
pub struct GatedLoudness {
    /// Frames per 100 ms sub-block (as `ebur128` rounds it).
    sub_block: usize,
    /// Frames in the current sub-block so far.
    filled: usize,
    /// Power summed over the current sub-block.
    acc: f64,
    /// The last three complete sub-blocks' sums, oldest first.
    recent: [f64; 3],
    complete: usize,
    /// Mean-square power of every 400 ms block.
    blocks: Vec<f64>,
}

impl GatedLoudness {
    /// A meter for a stream at `sample_rate` Hz.
    pub fn new(sample_rate: u32) -> Self {
        Self {
            sub_block: (sample_rate as usize + 5) / 10,
            filled: 0,
            acc: 0.0,
            recent: [0.0; 3],
            complete: 0,
            blocks: Vec::new(),
        }
    }

    /// Adds one frame of power `power` (from [`KWeighting::power`]).
    #[inline]
    pub fn push(&mut self, power: f64) {
        self.acc += power;
        self.filled += 1;
        if self.filled == self.sub_block {
            self.close_sub_block();
        }
    }

    /// Adds a run of frames' powers, each multiplied by `gains[i]²`.
    pub fn push_gained(&mut self, power: &[f32], gains: &[f32]) {
        let mut at = 0;
        while at < power.len() {
            let take = (self.sub_block - self.filled).min(power.len() - at);
            let sum: f64 = power[at..at + take]
                .iter()
                .zip(&gains[at..at + take])
                .map(|(&p, &g)| f64::from(p * g * g))
                .sum();
            self.acc += sum;
            self.filled += take;
            at += take;
            if self.filled == self.sub_block {
                self.close_sub_block();
            }
        }
    }

    fn close_sub_block(&mut self) {
        let [a, b, c] = self.recent;
        if self.complete >= 3 {
            let frames = 4.0 * self.sub_block as f64;
            self.blocks.push((a + b + c + self.acc) / frames);
        }
        self.recent = [b, c, self.acc];
        self.complete += 1;
        self.acc = 0.0;
        self.filled = 0;
    }

    /// Integrated loudness so far, LUFS; `None` when no block passes the gates.
    pub fn lufs(&self) -> Option<f64> {
        let absolute = 10f64.powf((ABSOLUTE_GATE_LUFS + 0.691) / 10.0);
        let mean = |floor: f64| {
            let (sum, n) = self
                .blocks
                .iter()
                .filter(|&&z| z > floor)
                .fold((0.0, 0usize), |(s, n), &z| (s + z, n + 1));
            (n > 0).then(|| sum / n as f64)
        };
        let relative = mean(absolute)? * 10f64.powf(-RELATIVE_GATE_LU / 10.0);
        mean(relative.max(absolute)).map(power_to_lufs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebur128::{EbuR128, Mode};

    fn ebur128_lufs(rate: u32, l: &[f32], r: &[f32]) -> f64 {
        let mut m = EbuR128::new(2, rate, Mode::I).unwrap();
        m.add_frames_planar_f32(&[l, r]).unwrap();
        m.loudness_global().unwrap()
    }

    fn ours(rate: u32, l: &[f32], r: &[f32]) -> f64 {
        let mut k = KWeighting::new(rate, 2);
        let mut g = GatedLoudness::new(rate);
        let mut p = Vec::new();
        for (cl, cr) in l.chunks(1000).zip(r.chunks(1000)) {
            k.power(&[cl, cr], &mut p);
            p.iter().for_each(|&x| g.push(f64::from(x)));
        }
        g.lufs().unwrap()
    }

    /// A programme with loud and quiet passages (so both gates act), tones
    /// from 30 Hz to 12 kHz and uncorrelated channels.
    fn programme(rate: u32, seconds: f64) -> (Vec<f32>, Vec<f32>) {
        let n = (f64::from(rate) * seconds) as usize;
        let mut seed = 1u32;
        let mut noise = move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        let fs = rate as f32;
        let mut l = Vec::with_capacity(n);
        let mut r = Vec::with_capacity(n);
        for i in 0..n {
            let t = i as f32 / fs;
            let section = (t / 1.7) as usize % 4;
            let level = [0.5, 0.05, 0.2, 0.0005][section];
            let tones = (std::f32::consts::TAU * 30.0 * t).sin()
                + 0.5 * (std::f32::consts::TAU * 997.0 * t).sin()
                + 0.3 * (std::f32::consts::TAU * 12_000.0 * t).sin();
            l.push(level * (0.5 * tones + noise()));
            r.push(level * (0.4 * tones + noise()));
        }
        (l, r)
    }

    #[test]
    fn matches_ebur128_at_common_rates() {
        for rate in [44_100, 48_000, 96_000] {
            let (l, r) = programme(rate, 11.0);
            let (a, b) = (ours(rate, &l, &r), ebur128_lufs(rate, &l, &r));
            assert!(
                (a - b).abs() < 0.001,
                "{rate} Hz: ours {a:.4}, ebur128 {b:.4}"
            );
        }
    }

    #[test]
    fn a_constant_gain_moves_the_reading_by_its_decibels() {
        let rate = 48_000;
        let (l, r) = programme(rate, 7.0);
        let mut k = KWeighting::new(rate, 2);
        let mut p = Vec::new();
        k.power(&[&l, &r], &mut p);
        let mut plain = GatedLoudness::new(rate);
        p.iter().for_each(|&x| plain.push(f64::from(x)));
        let gain = 10f32.powf(-6.0 / 20.0);
        let mut gained = GatedLoudness::new(rate);
        gained.push_gained(&p, &vec![gain; p.len()]);
        let (a, b) = (plain.lufs().unwrap(), gained.lufs().unwrap());
        assert!((a - b - 6.0).abs() < 0.001, "{a:.4} vs {b:.4}");
    }

    #[test]
    fn silence_has_no_loudness() {
        let z = vec![0.0f32; 48_000];
        let mut k = KWeighting::new(48_000, 2);
        let mut p = Vec::new();
        k.power(&[&z, &z], &mut p);
        let mut g = GatedLoudness::new(48_000);
        p.iter().for_each(|&x| g.push(f64::from(x)));
        assert_eq!(g.lufs(), None);
    }
}
