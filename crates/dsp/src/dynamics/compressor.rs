//! Feed-forward compressor after Giannoulis, Massberg & Reiss, "Digital
//! Dynamic Range Compressor Design — A Tutorial and Analysis", JAES 60(6),
//! 2012: level detection (peak or RMS) → static gain computer in dB with a
//! quadratic soft knee (their eq. 4) → branching one-pole smoothing of the
//! gain reduction in the dB domain (their "log-domain, branching" detector
//! placed after the gain computer, eq. 17), so attack and release are exact
//! time constants of the gain in dB, independent of the ratio.
//!
//! Options: stereo link 0–100 % (interpolates each channel's detector level
//! towards the loudest channel's, in dB), lookahead (the audio is delayed, the
//! detector is not; latency reported), an external side chain, and a side-chain
//! high-pass (so bass does not drive the gain).

use crate::denormal::flush;
use crate::filter::biquad::{BiquadCoeffs, BiquadState, FilterType};
use crate::processor::{ProcessSpec, Processor};
use crate::smooth::LinearSmoother;
use crate::units::{db_to_gain, ms_to_samples, one_pole_coeff};

pub(crate) mod fast_db;

/// Ramp for threshold and makeup changes (ms).
const PARAM_RAMP_MS: f64 = 20.0;

/// Detector levels are floored here (dBFS) so silence gives a finite level.
const LEVEL_FLOOR_DB: f64 = -200.0;

/// How the detector measures level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detection {
    /// Instantaneous |x| (the smoothing happens on the gain).
    #[default]
    Peak,
    /// Mean square over a one-pole window of `rms_ms`, as a level in dB RMS.
    Rms,
}

/// Compressor settings.
#[derive(Debug, Clone, PartialEq)]
pub struct CompressorParams {
    /// Threshold, dBFS (peak or RMS as per `detection`).
    pub threshold_db: f64,
    /// Ratio above the threshold (≥ 1; 1 = no compression).
    pub ratio: f64,
    /// Soft-knee width, dB (0 = hard knee).
    pub knee_db: f64,
    /// Attack time constant, ms (63 % of a gain-reduction increase).
    pub attack_ms: f64,
    /// Release time constant, ms (63 % of a gain-reduction decrease).
    pub release_ms: f64,
    /// Gain after compression, dB.
    pub makeup_db: f64,
    /// Lookahead, ms (delays the audio; takes effect at `prepare`).
    pub lookahead_ms: f64,
    /// Stereo link, percent: 0 = channels independent, 100 = one gain for all.
    pub link_percent: f64,
    /// Level detection.
    pub detection: Detection,
    /// RMS averaging time constant, ms (used by [`Detection::Rms`]).
    pub rms_ms: f64,
    /// Side-chain high-pass corner, Hz (0 = off).
    pub sidechain_hpf_hz: f64,
}

impl Default for CompressorParams {
    /// A gentle bus compressor: −18 dB, 2:1, 6 dB knee, 10/100 ms, linked.
    fn default() -> Self {
        Self {
            threshold_db: -18.0,
            ratio: 2.0,
            knee_db: 6.0,
            attack_ms: 10.0,
            release_ms: 100.0,
            makeup_db: 0.0,
            lookahead_ms: 0.0,
            link_percent: 100.0,
            detection: Detection::Peak,
            rms_ms: 10.0,
            sidechain_hpf_hz: 0.0,
        }
    }
}

/// The static curve: output level minus input level, dB (≤ 0), for input
/// level `x` dB (Giannoulis et al. eq. 4).
pub fn static_gain_db(x: f64, threshold: f64, ratio: f64, knee: f64) -> f64 {
    let slope = 1.0 / ratio.max(1.0) - 1.0;
    let over = x - threshold;
    if knee > 0.0 && 2.0 * over.abs() <= knee {
        slope * (over + knee / 2.0).powi(2) / (2.0 * knee)
    } else if over > 0.0 {
        slope * over
    } else {
        0.0
    }
}

/// Per-channel detector and smoothing state.
#[derive(Debug, Clone, Default)]
struct ChannelState {
    hpf: [BiquadState; 1],
    mean_square: f64,
    /// Smoothed gain reduction, dB (≥ 0).
    reduction_db: f64,
    delay: Vec<f64>,
}

/// Feed-forward compressor. See the module docs.
#[derive(Debug)]
pub struct Compressor {
    params: CompressorParams,
    sample_rate: f64,
    lanes: Vec<ChannelState>,
    delay_pos: usize,
    lookahead: usize,
    threshold: LinearSmoother,
    makeup: LinearSmoother,
    hpf: Option<BiquadCoeffs>,
    coeff_attack: f64,
    coeff_release: f64,
    coeff_rms: f64,
    reduction_db: f64,
    max_reduction_db: f64,
}

impl Compressor {
    /// A compressor with `params`; call [`Processor::prepare`] before use.
    pub fn new(params: CompressorParams) -> Self {
        let mut c = Self {
            params,
            sample_rate: 48_000.0,
            lanes: Vec::new(),
            delay_pos: 0,
            lookahead: 0,
            threshold: LinearSmoother::new(0.0, 0),
            makeup: LinearSmoother::new(1.0, 0),
            hpf: None,
            coeff_attack: 0.0,
            coeff_release: 0.0,
            coeff_rms: 0.0,
            reduction_db: 0.0,
            max_reduction_db: 0.0,
        };
        c.prepare(&ProcessSpec::new(48_000.0, 2, 512));
        c
    }

    /// Current settings.
    pub fn params(&self) -> &CompressorParams {
        &self.params
    }

    /// Change settings between blocks. Threshold and makeup ramp over 20 ms;
    /// the rest reach the gain through the attack/release smoothing, so they
    /// cannot click either. Lookahead waits for the next `prepare`.
    pub fn set_params(&mut self, params: CompressorParams) {
        self.params = params;
        self.threshold.set_target(self.params.threshold_db);
        self.makeup.set_target(db_to_gain(self.params.makeup_db));
        self.update_coeffs();
    }

    /// Gain reduction on the most recent sample, dB (≥ 0; largest over channels).
    pub fn gain_reduction_db(&self) -> f64 {
        self.reduction_db
    }

    /// Largest gain reduction since the last reset, dB.
    pub fn max_gain_reduction_db(&self) -> f64 {
        self.max_reduction_db
    }

    fn update_coeffs(&mut self) {
        let sr = self.sample_rate;
        self.coeff_attack = one_pole_coeff(self.params.attack_ms, sr);
        self.coeff_release = one_pole_coeff(self.params.release_ms, sr);
        self.coeff_rms = one_pole_coeff(self.params.rms_ms, sr);
        self.hpf = (self.params.sidechain_hpf_hz > 0.0).then(|| {
            BiquadCoeffs::design(
                FilterType::HighPass,
                self.params.sidechain_hpf_hz,
                std::f64::consts::FRAC_1_SQRT_2,
                0.0,
                sr,
            )
        });
    }

    /// Process `channels` in place, detecting on `sidechain` instead of the
    /// audio. Side-chain channel `ch % sidechain.len()` drives audio channel
    /// `ch` (so a mono key drives every channel). Slices should be as long as
    /// the audio block (missing samples count as silence); an empty
    /// `sidechain` falls back to the audio itself.
    pub fn process_with_sidechain(&mut self, channels: &mut [&mut [f32]], sidechain: &[&[f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        let nch = channels.len().min(self.lanes.len());
        let mut chunk = Chunk::default();
        let mut start = 0;
        while start < frames {
            let len = CHUNK.min(frames - start);
            for (ch, (key, audio)) in chunk
                .level
                .iter_mut()
                .zip(channels.iter())
                .take(nch)
                .enumerate()
            {
                let key = &mut key[..len];
                match sidechain.get(ch % sidechain.len().max(1)) {
                    Some(k) => {
                        let avail = k.get(start..).unwrap_or(&[]);
                        for (d, &v) in key
                            .iter_mut()
                            .zip(avail.iter().chain(std::iter::repeat(&0.0)))
                        {
                            *d = f64::from(v);
                        }
                    }
                    None => {
                        for (d, &v) in key.iter_mut().zip(&audio[start..start + len]) {
                            *d = f64::from(v);
                        }
                    }
                }
            }
            self.process_chunk(&mut chunk, channels, nch, start, len);
            start += len;
        }
    }

    /// One chunk, stage by stage over every sample (each stage a tight loop
    /// with its branches hoisted): `chunk.level` holds the detector input on
    /// entry and is turned into levels in dB, linked, then into gains.
    fn process_chunk(
        &mut self,
        chunk: &mut Chunk,
        channels: &mut [&mut [f32]],
        nch: usize,
        start: usize,
        len: usize,
    ) {
        let p = &self.params;
        for (lane, level) in self.lanes.iter_mut().zip(&mut chunk.level).take(nch) {
            let level = &mut level[..len];
            if let Some(c) = &self.hpf {
                level
                    .iter_mut()
                    .for_each(|k| *k = lane.hpf[0].process(c, *k));
            }
            match p.detection {
                Detection::Peak => {
                    // |k| floored at −200 dB, so the level is finite in silence.
                    level
                        .iter_mut()
                        .for_each(|k| *k = fast_db::level_db(k.abs().max(1e-10)));
                }
                Detection::Rms => {
                    let a = self.coeff_rms;
                    let mut ms = lane.mean_square;
                    for k in level.iter_mut() {
                        let sq = *k * *k;
                        ms = flush(sq + (ms - sq) * a);
                        *k = fast_db::power_db(ms.max(1e-20));
                    }
                    lane.mean_square = ms;
                }
            }
        }
        let link = (p.link_percent / 100.0).clamp(0.0, 1.0);
        // Fully linked lanes that agree on their reduction stay in lock step:
        // one lane's level (the loudest) and gain serve every channel.
        let first = self.lanes.first().map_or(0.0, |l| l.reduction_db);
        let shared =
            nch > 1 && link >= 1.0 && self.lanes[..nch].iter().all(|l| l.reduction_db == first);
        if link > 0.0 && nch > 1 {
            let mut loudest = [LEVEL_FLOOR_DB; CHUNK];
            for level in &chunk.level[..nch] {
                for (m, &l) in loudest[..len].iter_mut().zip(level) {
                    *m = m.max(l);
                }
            }
            if shared {
                chunk.level[0][..len].copy_from_slice(&loudest[..len]);
            } else {
                for level in &mut chunk.level[..nch] {
                    for (l, &m) in level[..len].iter_mut().zip(&loudest) {
                        *l += link * (m - *l);
                    }
                }
            }
        }
        let active = if shared { 1 } else { nch };
        // Threshold and makeup per frame (they ramp after a change).
        let mut threshold = [self.threshold.value(); CHUNK];
        let mut makeup = [self.makeup.value(); CHUNK];
        if self.threshold.is_ramping() || self.makeup.is_ramping() {
            for (t, m) in threshold[..len].iter_mut().zip(&mut makeup[..len]) {
                *t = self.threshold.next_value();
                *m = self.makeup.next_value();
            }
        }
        // Static curve: each level becomes its target reduction, in place.
        let curve = StaticCurve::new(p.ratio, p.knee_db);
        for level in &mut chunk.level[..active] {
            for (l, &t) in level[..len].iter_mut().zip(&threshold) {
                *l = curve.reduction_db(*l - t);
            }
        }
        // Smoothing, the only recursion: two channels side by side so their
        // dependency chains overlap. Targets become smoothed reductions.
        let (attack, release) = (self.coeff_attack, self.coeff_release);
        let mut lanes = self.lanes[..active].chunks_mut(2);
        for (lanes, levels) in lanes.by_ref().zip(chunk.level[..active].chunks_mut(2)) {
            match (lanes, levels) {
                ([la, lb], [a, b]) => {
                    let mut r = [la.reduction_db, lb.reduction_db];
                    smooth_pair(&mut a[..len], &mut b[..len], &mut r, attack, release);
                    // The smoothed reduction decays geometrically in release;
                    // flushing once per chunk keeps it far from subnormals.
                    la.reduction_db = flush(r[0]);
                    lb.reduction_db = flush(r[1]);
                }
                ([la], [a]) => {
                    let mut r = [la.reduction_db, 0.0];
                    let mut idle = [0.0; CHUNK];
                    smooth_pair(&mut a[..len], &mut idle[..len], &mut r, attack, release);
                    la.reduction_db = flush(r[0]);
                }
                _ => {}
            }
        }
        if shared {
            let r = self.lanes[0].reduction_db;
            self.lanes[1..nch]
                .iter_mut()
                .for_each(|l| l.reduction_db = r);
        }
        // Gains, applied to the (delayed) audio.
        let ring = self.lookahead + 1;
        let mut max_red: f64 = 0.0;
        let mut last_red: f64 = 0.0;
        let gains = &mut chunk.gain;
        for (ch, (lane, audio)) in self
            .lanes
            .iter_mut()
            .zip(channels.iter_mut())
            .take(nch)
            .enumerate()
        {
            if ch < active {
                let red = &chunk.level[ch][..len];
                max_red = red.iter().fold(max_red, |m, &r| m.max(r));
                for ((g, &r), &m) in gains[..len].iter_mut().zip(red).zip(&makeup) {
                    *g = fast_db::db_to_gain(-r) * m;
                }
            }
            last_red = last_red.max(lane.reduction_db);
            let audio = &mut audio[start..start + len];
            if self.lookahead > 0 {
                let mut pos = self.delay_pos;
                for (x, g) in audio.iter_mut().zip(&gains[..len]) {
                    lane.delay[pos] = f64::from(*x);
                    pos = if pos + 1 == ring { 0 } else { pos + 1 };
                    *x = (lane.delay[pos] * g) as f32;
                }
            } else {
                for (x, g) in audio.iter_mut().zip(&gains[..len]) {
                    *x = (f64::from(*x) * g) as f32;
                }
            }
        }
        if self.lookahead > 0 {
            self.delay_pos = (self.delay_pos + len) % ring;
        }
        self.reduction_db = last_red;
        self.max_reduction_db = self.max_reduction_db.max(max_red);
    }
}

/// Giannoulis et al.'s branching one-pole smoothing (eq. 17) of two
/// channels' target reductions `a` and `b` (dB), in place, from the
/// reductions `r`; `attack` applies while the target is above the current
/// reduction, `release` otherwise.
#[inline]
fn smooth_pair(a: &mut [f64], b: &mut [f64], r: &mut [f64; 2], attack: f64, release: f64) {
    let [mut ra, mut rb] = *r;
    for (x, y) in a.iter_mut().zip(b.iter_mut()) {
        let ca = if *x > ra { attack } else { release };
        let cb = if *y > rb { attack } else { release };
        ra = *x + (ra - *x) * ca;
        rb = *y + (rb - *y) * cb;
        *x = ra;
        *y = rb;
    }
    *r = [ra, rb];
}

/// Frames per stage-by-stage chunk: long enough to amortise the stage
/// switches, short enough that the scratch stays in L1 (16 ch × 2 KiB).
const CHUNK: usize = 128;

/// Per-chunk scratch on the stack, reused across a block's chunks.
struct Chunk {
    /// Detector input, then level in dB, then target reduction, then
    /// smoothed reduction (dB), per channel and frame.
    level: [[f64; CHUNK]; MAX_FRAME],
    /// Linear gain per frame for the channel being applied.
    gain: [f64; CHUNK],
}

impl Default for Chunk {
    fn default() -> Self {
        Self {
            level: [[0.0; CHUNK]; MAX_FRAME],
            gain: [0.0; CHUNK],
        }
    }
}

/// [`static_gain_db`] with its constants precomputed, as a reduction (≥ 0)
/// in dB for a level `over` dB above the threshold.
#[derive(Debug, Clone, Copy)]
struct StaticCurve {
    /// `1 − 1/ratio`: dB of reduction per dB over.
    slope: f64,
    half_knee: f64,
    /// `slope / (2·knee)` for the quadratic (0 for a hard knee).
    knee_scale: f64,
}

impl StaticCurve {
    fn new(ratio: f64, knee: f64) -> Self {
        let slope = 1.0 - 1.0 / ratio.max(1.0);
        let knee = knee.max(0.0);
        Self {
            slope,
            half_knee: 0.5 * knee,
            knee_scale: if knee > 0.0 {
                slope / (2.0 * knee)
            } else {
                0.0
            },
        }
    }

    #[inline(always)]
    fn reduction_db(&self, over: f64) -> f64 {
        let in_knee = (over + self.half_knee) * (over + self.half_knee) * self.knee_scale;
        if self.half_knee > 0.0 && over.abs() <= self.half_knee {
            in_knee
        } else {
            self.slope * over.max(0.0)
        }
    }
}

/// Most channels a compressor processes (7.1.4 immersive beds fit).
pub(crate) const MAX_FRAME: usize = 16;

/// Copy sample `i` of each channel into `frame` (as many as `frame` holds).
#[inline]
pub(crate) fn load_frame(channels: &[&mut [f32]], i: usize, frame: &mut [f64]) {
    for (f, c) in frame.iter_mut().zip(channels) {
        *f = f64::from(c[i]);
    }
}

/// Write `frame` back to sample `i` of each channel.
#[inline]
pub(crate) fn store_frame(channels: &mut [&mut [f32]], i: usize, frame: &[f64]) {
    for (c, f) in channels.iter_mut().zip(frame) {
        c[i] = *f as f32;
    }
}

impl Default for Compressor {
    fn default() -> Self {
        Self::new(CompressorParams::default())
    }
}

impl Processor for Compressor {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.sample_rate = spec.sample_rate;
        self.lookahead = ms_to_samples(self.params.lookahead_ms.max(0.0), spec.sample_rate);
        self.lanes = (0..spec.channels.min(MAX_FRAME))
            .map(|_| ChannelState {
                delay: vec![0.0; self.lookahead + 1],
                ..ChannelState::default()
            })
            .collect();
        let ramp = ms_to_samples(PARAM_RAMP_MS, spec.sample_rate);
        self.threshold = LinearSmoother::new(self.params.threshold_db, ramp);
        self.makeup = LinearSmoother::new(db_to_gain(self.params.makeup_db), ramp);
        self.update_coeffs();
        self.reset();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.process_with_sidechain(channels, &[]);
    }

    fn reset(&mut self) {
        for lane in &mut self.lanes {
            lane.hpf[0].reset();
            lane.mean_square = 0.0;
            lane.reduction_db = 0.0;
            lane.delay.fill(0.0);
        }
        self.delay_pos = 0;
        self.reduction_db = 0.0;
        self.max_reduction_db = 0.0;
        self.threshold.set_immediate(self.params.threshold_db);
        self.makeup.set_immediate(db_to_gain(self.params.makeup_db));
    }

    /// The lookahead, in samples.
    fn latency(&self) -> usize {
        self.lookahead
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_curve_matches_the_paper() {
        // Hard knee 4:1 at −20: 10 dB over → 7.5 dB reduction.
        assert!((static_gain_db(-10.0, -20.0, 4.0, 0.0) + 7.5).abs() < 1e-12);
        assert_eq!(static_gain_db(-30.0, -20.0, 4.0, 0.0), 0.0);
        // Soft knee 10 dB: continuous at both knee edges, (1/R−1)·W/8 at T.
        let k = 10.0;
        assert!((static_gain_db(-20.0, -20.0, 4.0, k) + 0.75 * k / 8.0).abs() < 1e-12);
        assert!(static_gain_db(-25.0, -20.0, 4.0, k).abs() < 1e-12);
        assert!((static_gain_db(-15.0, -20.0, 4.0, k) + 0.75 * 5.0).abs() < 1e-12);
    }
}
