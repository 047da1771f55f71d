//! An algorithmic stereo reverb: an 8-line feedback-delay network (FDN).
//!
//! Written by hand because no well-kept Rust crate offers a mixing-grade FDN
//! whose decay is specified as RT60: fundsp's `reverb_stereo` exposes room
//! size and time but not per-band decay, pre-delay or width, and would pull a
//! large dependency into the sample path.
//!
//! Structure (Jot): 8 delay lines of mutually incommensurate lengths, mixed by
//! a normalised 8×8 Hadamard matrix (orthogonal, so the loop is lossless
//! before damping), each line followed by a one-pole absorption filter whose
//! gains at DC and Nyquist make every line lose exactly 60 dB per RT60
//! seconds (per line: g = 10^(−3·L/(RT60·fs)) for its length L). The input is
//! pre-delayed and high-passed at 20 Hz (the tank then carries no DC); the
//! wet output is taken from orthogonal sign patterns of the lines (decorrelated
//! left/right) and its width set by M/S scaling.

use crate::filter::biquad::{BiquadCoeffs, BiquadState};
use crate::processor::{ProcessSpec, Processor};
use crate::smooth::LinearSmoother;
use crate::units::ms_to_samples;

use super::delay_line::{DelayLine, Tap};

/// Number of delay lines in the network.
const LINES: usize = 8;
/// Line lengths in ms at size 1.0: spread over 1:2.3 and chosen without
/// common factors so the modes do not pile up into a metallic pitch.
const BASE_MS: [f64; LINES] = [31.1, 37.7, 41.3, 47.9, 53.3, 59.9, 66.7, 71.3];
/// Longest pre-delay, ms.
const MAX_PREDELAY_MS: f64 = 250.0;
/// Largest room size factor.
const MAX_SIZE: f64 = 2.0;
/// Input high-pass corner, Hz: keeps DC and rumble out of the tank.
const INPUT_HP_HZ: f64 = 20.0;
/// Level and decay changes ramp over this long.
const RAMP_MS: f64 = 20.0;
/// While decay parameters ramp, line filters are redesigned this often (samples).
const UPDATE: usize = 32;
/// Output sign patterns (rows of the Hadamard matrix orthogonal to each other
/// and to the all-ones row) so left and right are decorrelated.
const OUT_L: [f64; LINES] = [1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0];
const OUT_R: [f64; LINES] = [1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0];

/// Starting points for common spaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReverbPreset {
    /// Small room: short, fairly dark.
    Room,
    /// Plate: dense, bright, no pre-delay.
    Plate,
    /// Concert hall: long, with pre-delay.
    Hall,
}

/// Reverb settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReverbParams {
    /// Decay time to −60 dB at low and mid frequencies, seconds.
    pub rt60_s: f64,
    /// RT60 at the top of the spectrum as a fraction of `rt60_s` (0.1–1):
    /// air and wall absorption make highs die sooner.
    pub hf_ratio: f64,
    /// Line-length scale, 0.3–2.0 (1 = medium room). Changing it re-seats the
    /// delay taps, so treat it as a setup parameter rather than automation.
    pub size: f64,
    /// Silence before the reverb onset, ms (0–250).
    pub predelay_ms: f64,
    /// Stereo width of the wet signal, percent (0 = mono, 100 = natural).
    pub width_pct: f64,
    /// Wet share, percent (0 = dry, 100 = wet only).
    pub mix_pct: f64,
}

impl ReverbParams {
    /// The settings of a preset at 20 % wet.
    pub fn preset(p: ReverbPreset) -> Self {
        let (rt60_s, hf_ratio, size, predelay_ms) = match p {
            ReverbPreset::Room => (0.6, 0.45, 0.5, 4.0),
            ReverbPreset::Plate => (1.6, 0.8, 0.7, 0.0),
            ReverbPreset::Hall => (2.4, 0.55, 1.6, 25.0),
        };
        Self {
            rt60_s,
            hf_ratio,
            size,
            predelay_ms,
            width_pct: 100.0,
            mix_pct: 20.0,
        }
    }
}

impl Default for ReverbParams {
    /// The hall preset.
    fn default() -> Self {
        Self::preset(ReverbPreset::Hall)
    }
}

/// The one-pole absorption filter of a line: `y = b0·x − a1·y₁` with DC gain
/// `g_dc` and Nyquist gain `g_ny`.
#[derive(Debug, Clone, Copy, Default)]
struct Absorb {
    b0: f64,
    a1: f64,
    y1: f64,
}

impl Absorb {
    fn design(&mut self, g_dc: f64, g_ny: f64) {
        let p = (g_dc - g_ny) / (g_dc + g_ny);
        self.a1 = -p;
        self.b0 = g_dc * (1.0 - p);
    }

    #[inline]
    fn process(&mut self, x: f64) -> f64 {
        self.y1 = crate::denormal::flush(self.b0 * x - self.a1 * self.y1);
        self.y1
    }
}

/// In-place normalised 8-point fast Walsh–Hadamard transform (orthogonal).
#[inline]
fn hadamard8(v: &mut [f64; LINES]) {
    let mut h = 1;
    while h < LINES {
        for i in (0..LINES).step_by(2 * h) {
            for j in i..i + h {
                let (a, b) = (v[j], v[j + h]);
                v[j] = a + b;
                v[j + h] = a - b;
            }
        }
        h *= 2;
    }
    let norm = 1.0 / (LINES as f64).sqrt();
    v.iter_mut().for_each(|x| *x *= norm);
}

/// The FDN reverb. Stereo in/out on channel pairs (0,1), (2,3)…; a mono or
/// odd last channel gets its own tank fed and read in mono. Latency 0 (the
/// dry path is not delayed; pre-delay is part of the effect).
#[derive(Debug, Clone)]
pub struct Reverb {
    params: ReverbParams,
    sample_rate: f64,
    lengths: [usize; LINES],
    rt60: LinearSmoother,
    hf_ratio: LinearSmoother,
    predelay: LinearSmoother,
    width: LinearSmoother,
    mix: LinearSmoother,
    input_hp: BiquadCoeffs,
    tanks: Vec<Tank>,
}

#[derive(Debug, Clone)]
struct Tank {
    pre: [DelayLine; 2],
    hp: [BiquadState; 2],
    lines: [DelayLine; LINES],
    absorb: [Absorb; LINES],
}

impl Tank {
    fn reset(&mut self) {
        self.pre.iter_mut().for_each(DelayLine::reset);
        self.hp.iter_mut().for_each(BiquadState::reset);
        self.lines.iter_mut().for_each(DelayLine::reset);
        self.absorb.iter_mut().for_each(|a| a.y1 = 0.0);
    }

    fn design(&mut self, lengths: &[usize; LINES], rt60: f64, hf_ratio: f64, sr: f64) {
        for (a, &len) in self.absorb.iter_mut().zip(lengths) {
            let g = |t: f64| 10f64.powf(-3.0 * len as f64 / (t * sr));
            a.design(g(rt60), g(rt60 * hf_ratio));
        }
    }

    /// Where the pre-delay of `pre` samples reads: `None` under one sample.
    /// `read(1)` is the sample just pushed (no delay), so a delay of `pre`
    /// samples is a read `pre + 1` pushes back.
    fn pre_tap(&self, pre: f64) -> Option<Tap> {
        (pre >= 1.0).then(|| self.pre[0].tap(pre + 1.0))
    }

    /// One frame: `(in_l, in_r)` → wet `(l, r)`, the pre-delay read at `pre`
    /// (from [`pre_tap`](Self::pre_tap)).
    #[inline]
    fn tick(
        &mut self,
        hp: &BiquadCoeffs,
        lengths: &[usize; LINES],
        pre: Option<Tap>,
        in_l: f64,
        in_r: f64,
    ) -> (f64, f64) {
        self.pre[0].push(self.hp[0].process(hp, in_l));
        self.pre[1].push(self.hp[1].process(hp, in_r));
        let (pl, pr) = match pre {
            None => (self.pre[0].read(1), self.pre[1].read(1)),
            Some(tap) => (self.pre[0].read_tap(tap), self.pre[1].read_tap(tap)),
        };
        let mut v = [0.0; LINES];
        for (i, x) in v.iter_mut().enumerate() {
            *x = self.absorb[i].process(self.lines[i].read(lengths[i]));
        }
        let (mut out_l, mut out_r) = (0.0, 0.0);
        for i in 0..LINES {
            out_l += OUT_L[i] * v[i];
            out_r += OUT_R[i] * v[i];
        }
        hadamard8(&mut v);
        for (i, (line, x)) in self.lines.iter_mut().zip(v).enumerate() {
            // Left feeds the even lines, right the odd ones.
            let inject = if i % 2 == 0 { pl } else { pr };
            line.push(x + inject);
        }
        let scale = 1.0 / (LINES as f64).sqrt();
        (out_l * scale, out_r * scale)
    }
}

impl Reverb {
    /// A reverb with `params`; call [`Processor::prepare`] before use.
    pub fn new(params: ReverbParams) -> Self {
        Self {
            params,
            sample_rate: 48_000.0,
            lengths: [1; LINES],
            rt60: LinearSmoother::new(1.0, 0),
            hf_ratio: LinearSmoother::new(1.0, 0),
            predelay: LinearSmoother::new(0.0, 0),
            width: LinearSmoother::new(1.0, 0),
            mix: LinearSmoother::new(0.0, 0),
            input_hp: BiquadCoeffs::IDENTITY,
            tanks: Vec::new(),
        }
    }

    /// Change the settings: decay, pre-delay, width and mix ramp over 20 ms;
    /// a size change re-seats the delay taps at once.
    pub fn set_params(&mut self, params: ReverbParams) {
        self.params = params;
        let c = Clamped::from(&params);
        self.rt60.set_target(c.rt60);
        self.hf_ratio.set_target(c.hf_ratio);
        self.predelay
            .set_target(c.predelay_ms * 0.001 * self.sample_rate);
        self.width.set_target(c.width);
        self.mix.set_target(c.mix);
        self.lengths = line_lengths(c.size, self.sample_rate);
        self.redesign();
    }

    fn redesign(&mut self) {
        let (rt60, hf, sr) = (self.rt60.value(), self.hf_ratio.value(), self.sample_rate);
        for t in &mut self.tanks {
            t.design(&self.lengths, rt60, hf, sr);
        }
    }

    /// The delay-line lengths in samples (for tests and diagnostics).
    pub fn line_lengths(&self) -> [usize; LINES] {
        self.lengths
    }
}

/// Parameters forced into their documented ranges (non-finite → defaults).
struct Clamped {
    rt60: f64,
    hf_ratio: f64,
    size: f64,
    predelay_ms: f64,
    width: f64,
    mix: f64,
}

impl From<&ReverbParams> for Clamped {
    fn from(p: &ReverbParams) -> Self {
        let c = |v: f64, lo: f64, hi: f64, d: f64| if v.is_finite() { v.clamp(lo, hi) } else { d };
        Self {
            rt60: c(p.rt60_s, 0.05, 30.0, 1.0),
            hf_ratio: c(p.hf_ratio, 0.1, 1.0, 1.0),
            size: c(p.size, 0.3, MAX_SIZE, 1.0),
            predelay_ms: c(p.predelay_ms, 0.0, MAX_PREDELAY_MS, 0.0),
            width: c(p.width_pct, 0.0, 100.0, 100.0) / 100.0,
            mix: c(p.mix_pct, 0.0, 100.0, 0.0) / 100.0,
        }
    }
}

fn line_lengths(size: f64, sr: f64) -> [usize; LINES] {
    BASE_MS.map(|ms| ((ms * size * 0.001 * sr).round() as usize).max(4))
}

impl Processor for Reverb {
    fn prepare(&mut self, spec: &ProcessSpec) {
        let sr = spec.sample_rate;
        self.sample_rate = sr;
        let c = Clamped::from(&self.params);
        let ramp = ms_to_samples(RAMP_MS, sr);
        self.rt60 = LinearSmoother::new(c.rt60, ramp);
        self.hf_ratio = LinearSmoother::new(c.hf_ratio, ramp);
        self.predelay = LinearSmoother::new(c.predelay_ms * 0.001 * sr, ramp);
        self.width = LinearSmoother::new(c.width, ramp);
        self.mix = LinearSmoother::new(c.mix, ramp);
        self.lengths = line_lengths(c.size, sr);
        self.input_hp = BiquadCoeffs::first_order_highpass(INPUT_HP_HZ, sr);
        let max_line = line_lengths(MAX_SIZE, sr).into_iter().max().unwrap_or(4);
        let max_pre = ms_to_samples(MAX_PREDELAY_MS, sr) + 4;
        let tank = Tank {
            pre: [DelayLine::new(max_pre), DelayLine::new(max_pre)],
            hp: [BiquadState::new(); 2],
            lines: std::array::from_fn(|_| DelayLine::new(max_line)),
            absorb: [Absorb::default(); LINES],
        };
        self.tanks = vec![tank; spec.channels.div_ceil(2)];
        self.redesign();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        let mut start = 0;
        while start < frames {
            let len = UPDATE.min(frames - start);
            if self.rt60.is_ramping() || self.hf_ratio.is_ramping() {
                for _ in 0..len {
                    self.rt60.next_value();
                    self.hf_ratio.next_value();
                }
                self.redesign();
            }
            // A pre-delay at rest is converted to its read position once.
            let steady = (!self.predelay.is_ramping()).then(|| {
                self.tanks
                    .first()
                    .and_then(|t| t.pre_tap(self.predelay.value()))
            });
            for i in start..start + len {
                let pre = self.predelay.next_value();
                let width = self.width.next_value();
                let mix = self.mix.next_value();
                for (pair, tank) in channels.chunks_mut(2).zip(&mut self.tanks) {
                    let stereo = pair.len() == 2;
                    let xl = f64::from(pair[0][i]);
                    let xr = if stereo { f64::from(pair[1][i]) } else { xl };
                    let tap = steady.unwrap_or_else(|| tank.pre_tap(pre));
                    let (wl, wr) = tank.tick(&self.input_hp, &self.lengths, tap, xl, xr);
                    let m = 0.5 * (wl + wr);
                    let s = 0.5 * (wl - wr) * width;
                    pair[0][i] = (xl + mix * (m + s - xl)) as f32;
                    if stereo {
                        pair[1][i] = (xr + mix * (m - s - xr)) as f32;
                    }
                }
            }
            start += len;
        }
    }

    fn reset(&mut self) {
        self.tanks.iter_mut().for_each(Tank::reset);
    }
}
