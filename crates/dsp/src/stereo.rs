//! Stereo tools: panning with selectable pan law, balance, polarity, M/S
//! helpers, width and mono-below-a-frequency.
//!
//! Processors that are inherently stereo work on channel pairs (0,1), (2,3)…;
//! an odd last channel passes through untouched.

use std::f64::consts::FRAC_PI_4;

use crate::filter::crossover::LinkwitzRiley4;
use crate::processor::{ProcessSpec, Processor};
use crate::smooth::LinearSmoother;
use crate::units::ms_to_samples;

/// Ramp time for gain-like stereo parameters: long enough not to click,
/// short enough to track automation.
const RAMP_MS: f64 = 10.0;

/// Mid/side encode: `m = (l + r)/2`, `s = (l − r)/2` (so decode needs no scaling).
#[inline]
pub fn ms_encode(l: f64, r: f64) -> (f64, f64) {
    ((l + r) * 0.5, (l - r) * 0.5)
}

/// Mid/side decode: `l = m + s`, `r = m − s`; the exact inverse of [`ms_encode`].
#[inline]
pub fn ms_decode(m: f64, s: f64) -> (f64, f64) {
    (m + s, m - s)
}

/// Run `f(left, right)` over every channel pair.
fn for_pairs(channels: &mut [&mut [f32]], mut f: impl FnMut(usize, &mut [f32], &mut [f32])) {
    for (i, pair) in channels.chunks_exact_mut(2).enumerate() {
        let (l, r) = pair.split_at_mut(1);
        f(i, l[0], r[0]);
    }
}

/// How loud a centred source is relative to hard-panned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PanLaw {
    /// Constant power (sin/cos): centre −3.01 dB; loudness constant across the field.
    #[default]
    Minus3,
    /// Between constant power and linear: centre −4.5 dB (geometric mean of both laws).
    Minus4_5,
    /// Linear (constant voltage): centre −6.02 dB; mono-sum compatible.
    Minus6,
    /// Constant-power curve lifted 3 dB and capped at unity: centre 0 dB.
    Zero,
}

/// Left/right gains for `pan` in −1 (hard left) … +1 (hard right) under `law`.
pub fn pan_gains(pan: f64, law: PanLaw) -> (f64, f64) {
    let p = if pan.is_finite() {
        pan.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let theta = (p + 1.0) * FRAC_PI_4;
    let (sin, cos) = theta.sin_cos();
    let (lin_l, lin_r) = ((1.0 - p) * 0.5, (1.0 + p) * 0.5);
    match law {
        PanLaw::Minus3 => (cos, sin),
        PanLaw::Minus6 => (lin_l, lin_r),
        PanLaw::Minus4_5 => ((cos * lin_l).sqrt(), (sin * lin_r).sqrt()),
        PanLaw::Zero => (
            (std::f64::consts::SQRT_2 * cos).min(1.0),
            (std::f64::consts::SQRT_2 * sin).min(1.0),
        ),
    }
}

/// Pan settings.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PanParams {
    /// Position in percent: −100 = hard left, 0 = centre, +100 = hard right.
    pub pan_pct: f64,
    /// Pan law.
    pub law: PanLaw,
}

/// Places a mono source in the stereo field: for each channel pair the first
/// channel is the mono input and both channels receive it with the law's gains.
/// Gain changes ramp over 10 ms.
#[derive(Debug, Clone)]
pub struct Panner {
    params: PanParams,
    gains: PairGains,
}

impl Panner {
    /// A panner with `params`.
    pub fn new(params: PanParams) -> Self {
        Self {
            params,
            gains: PairGains::default(),
        }
    }

    /// Change the position or law (ramped).
    pub fn set_params(&mut self, params: PanParams) {
        self.params = params;
        self.gains.set_target(self.target());
    }

    fn target(&self) -> (f64, f64) {
        pan_gains(self.params.pan_pct / 100.0, self.params.law)
    }
}

impl Processor for Panner {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.gains.prepare(spec, self.target());
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        // The pair's first channel is the mono source for both outputs.
        self.gains.apply(channels, true);
    }

    fn reset(&mut self) {
        self.gains.reset();
    }
}

/// One ramped (left, right) gain pair per channel pair: the shared machinery
/// of [`Panner`] and [`Balance`].
#[derive(Debug, Clone, Default)]
struct PairGains {
    gains: Vec<(LinearSmoother, LinearSmoother)>,
}

impl PairGains {
    fn prepare(&mut self, spec: &ProcessSpec, (gl, gr): (f64, f64)) {
        let ramp = ms_to_samples(RAMP_MS, spec.sample_rate);
        self.gains =
            vec![(LinearSmoother::new(gl, ramp), LinearSmoother::new(gr, ramp)); spec.channels / 2];
    }

    fn set_target(&mut self, (gl, gr): (f64, f64)) {
        for (l, r) in &mut self.gains {
            l.set_target(gl);
            r.set_target(gr);
        }
    }

    fn reset(&mut self) {
        for (l, r) in &mut self.gains {
            l.set_immediate(l.target());
            r.set_immediate(r.target());
        }
    }

    /// Scales each pair by its gains; with `mono_source` both outputs take the
    /// left input (panning), otherwise each side its own (balance).
    fn apply(&mut self, channels: &mut [&mut [f32]], mono_source: bool) {
        let gains = &mut self.gains;
        for_pairs(channels, |i, l, r| {
            let Some((gl, gr)) = gains.get_mut(i) else {
                return;
            };
            for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                let x = f64::from(*a);
                let y = if mono_source { x } else { f64::from(*b) };
                *a = (x * gl.next_value()) as f32;
                *b = (y * gr.next_value()) as f32;
            }
        });
    }
}

/// Balance settings.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BalanceParams {
    /// −100 = left only, 0 = unchanged, +100 = right only (percent).
    pub balance_pct: f64,
    /// Curve used to attenuate the far side.
    pub law: PanLaw,
}

/// Stereo balance: attenuates the side away from the balance position along
/// the pan law's curve, normalised so the centre is a bit-exact wire and the
/// near side is never boosted. Ramped over 10 ms.
#[derive(Debug, Clone)]
pub struct Balance {
    params: BalanceParams,
    gains: PairGains,
}

/// Balance gains for `balance` in −1…+1: the law's pan gains divided by its
/// centre gains, capped at unity.
pub fn balance_gains(balance: f64, law: PanLaw) -> (f64, f64) {
    let (cl, cr) = pan_gains(0.0, law);
    let (gl, gr) = pan_gains(balance, law);
    let norm = |g: f64, c: f64| if c > 0.0 { (g / c).min(1.0) } else { 1.0 };
    (norm(gl, cl), norm(gr, cr))
}

impl Balance {
    /// A balance control with `params`.
    pub fn new(params: BalanceParams) -> Self {
        Self {
            params,
            gains: PairGains::default(),
        }
    }

    /// Change the balance (ramped).
    pub fn set_params(&mut self, params: BalanceParams) {
        self.params = params;
        self.gains.set_target(self.target());
    }

    fn target(&self) -> (f64, f64) {
        balance_gains(self.params.balance_pct / 100.0, self.params.law)
    }
}

impl Processor for Balance {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.gains.prepare(spec, self.target());
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.gains.apply(channels, false);
    }

    fn reset(&mut self) {
        self.gains.reset();
    }
}

/// Polarity settings: `invert[i]` flips channel `i` (missing entries = normal).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolarityParams {
    /// Per-channel inversion flags.
    pub invert: Vec<bool>,
}

/// Per-channel polarity inversion. A flip made mid-stream ramps the gain
/// through zero over 10 ms instead of jumping (which would click).
#[derive(Debug, Clone)]
pub struct Polarity {
    params: PolarityParams,
    gains: Vec<LinearSmoother>,
}

impl Polarity {
    /// A polarity switch with `params`.
    pub fn new(params: PolarityParams) -> Self {
        Self {
            params,
            gains: Vec::new(),
        }
    }

    fn sign(&self, ch: usize) -> f64 {
        if self.params.invert.get(ch).copied().unwrap_or(false) {
            -1.0
        } else {
            1.0
        }
    }

    /// Change the flags (ramped).
    pub fn set_params(&mut self, params: PolarityParams) {
        self.params = params;
        for ch in 0..self.gains.len() {
            let s = self.sign(ch);
            self.gains[ch].set_target(s);
        }
    }
}

impl Processor for Polarity {
    fn prepare(&mut self, spec: &ProcessSpec) {
        let ramp = ms_to_samples(RAMP_MS, spec.sample_rate);
        self.gains = (0..spec.channels)
            .map(|ch| LinearSmoother::new(self.sign(ch), ramp))
            .collect();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        for (ch, g) in channels.iter_mut().zip(&mut self.gains) {
            if !g.is_ramping() && g.value() == 1.0 {
                continue;
            }
            for x in ch.iter_mut() {
                *x = (f64::from(*x) * g.next_value()) as f32;
            }
        }
    }

    fn reset(&mut self) {
        for g in &mut self.gains {
            g.set_immediate(g.target());
        }
    }
}

/// Width settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WidthParams {
    /// Side level in percent: 0 = mono, 100 = unchanged, 200 = side doubled.
    pub width_pct: f64,
}

impl Default for WidthParams {
    fn default() -> Self {
        Self { width_pct: 100.0 }
    }
}

/// M/S width: the side signal is scaled by `width_pct/100`, the mid is kept.
/// Computed in `f64`, so 100 % is a bit-exact wire. Ramped over 10 ms.
#[derive(Debug, Clone)]
pub struct StereoWidth {
    params: WidthParams,
    side_gain: LinearSmoother,
}

impl StereoWidth {
    /// A width control with `params`.
    pub fn new(params: WidthParams) -> Self {
        Self {
            params,
            side_gain: LinearSmoother::new(width_gain(params.width_pct), 0),
        }
    }

    /// Change the width (ramped).
    pub fn set_params(&mut self, params: WidthParams) {
        self.params = params;
        self.side_gain.set_target(width_gain(params.width_pct));
    }
}

fn width_gain(pct: f64) -> f64 {
    if pct.is_finite() {
        pct.clamp(0.0, 200.0) / 100.0
    } else {
        1.0
    }
}

impl Processor for StereoWidth {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.side_gain = LinearSmoother::new(
            width_gain(self.params.width_pct),
            ms_to_samples(RAMP_MS, spec.sample_rate),
        );
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        // All pairs share one smoother: advance it once per frame, not per pair.
        let frames = channels.first().map_or(0, |c| c.len());
        let start = self.side_gain.clone();
        for_pairs(channels, |_, l, r| {
            let mut g = start.clone();
            for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                let (m, s) = ms_encode(f64::from(*a), f64::from(*b));
                let (nl, nr) = ms_decode(m, s * g.next_value());
                *a = nl as f32;
                *b = nr as f32;
            }
        });
        for _ in 0..frames {
            self.side_gain.next_value();
        }
    }

    fn reset(&mut self) {
        let t = self.side_gain.target();
        self.side_gain.set_immediate(t);
    }
}

/// Mono-below settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonoBelowParams {
    /// Side content below this frequency (Hz) is removed.
    pub freq_hz: f64,
}

impl Default for MonoBelowParams {
    /// 120 Hz: below it, stereo bass wastes headroom and vinyl/club systems sum it anyway.
    fn default() -> Self {
        Self { freq_hz: 120.0 }
    }
}

/// Makes the low end mono: the side channel is split with a Linkwitz–Riley
/// LR4 crossover at `freq_hz` and only its high band is kept. The mid passes
/// untouched (bit-exact), so mono playback is unchanged; the kept side band is
/// the LR4 high pass (−6 dB at `freq_hz`, 24 dB/oct below).
#[derive(Debug, Clone)]
pub struct MonoBelow {
    params: MonoBelowParams,
    sample_rate: f64,
    log_freq: LinearSmoother,
    splits: Vec<LinkwitzRiley4>,
}

/// Sub-block over which a frequency ramp holds its coefficients.
const MONO_UPDATE: usize = 32;

impl MonoBelow {
    /// A mono-below stage with `params`.
    pub fn new(params: MonoBelowParams) -> Self {
        Self {
            params,
            sample_rate: 48_000.0,
            log_freq: LinearSmoother::new(params.freq_hz.max(1.0).ln(), 0),
            splits: Vec::new(),
        }
    }

    /// Change the frequency (swept in the log domain over 20 ms).
    pub fn set_params(&mut self, params: MonoBelowParams) {
        self.params = params;
        self.log_freq.set_target(params.freq_hz.max(1.0).ln());
    }
}

impl Processor for MonoBelow {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.sample_rate = spec.sample_rate;
        let f = self.params.freq_hz.max(1.0);
        self.log_freq = LinearSmoother::new(f.ln(), ms_to_samples(2.0 * RAMP_MS, spec.sample_rate));
        self.splits = vec![LinkwitzRiley4::new(f, spec.sample_rate); spec.channels / 2];
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        let mut start = 0;
        while start < frames {
            let len = MONO_UPDATE.min(frames - start);
            if self.log_freq.is_ramping() {
                for _ in 0..len {
                    self.log_freq.next_value();
                }
                let f = self.log_freq.value().exp();
                for s in &mut self.splits {
                    s.set_freq(f, self.sample_rate);
                }
            }
            let splits = &mut self.splits;
            for_pairs(channels, |i, l, r| {
                let Some(split) = splits.get_mut(i) else {
                    return;
                };
                for (a, b) in l[start..start + len]
                    .iter_mut()
                    .zip(r[start..start + len].iter_mut())
                {
                    let (m, s) = ms_encode(f64::from(*a), f64::from(*b));
                    let (_, s_high) = split.split(s);
                    let (nl, nr) = ms_decode(m, s_high);
                    *a = nl as f32;
                    *b = nr as f32;
                }
            });
            start += len;
        }
    }

    fn reset(&mut self) {
        self.splits.iter_mut().for_each(LinkwitzRiley4::reset);
    }
}
