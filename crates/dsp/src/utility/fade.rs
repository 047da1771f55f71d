//! Fades: curve shapes, a fade processor and equal-power crossfade gains.

use std::f64::consts::{FRAC_PI_2, PI};

use crate::processor::{ProcessSpec, Processor};

/// Dynamic range covered by the exponential and logarithmic curves, in
/// decades of amplitude (3 = 60 dB): enough to sound complete, short of
/// spending half the fade below audibility.
const DECADES: f64 = 3.0;

/// Fade shapes (given as the fade-in gain for progress `t` ∈ [0, 1]; a fade-out
/// uses `gain(1 − t)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FadeCurve {
    /// `g = t`.
    Linear,
    /// Linear in dB over 60 dB, pinned to 0 at the start: `g = (10^(3t) − 1)/(10³ − 1)`.
    /// Slow start, fast finish: sounds even for fade-ins.
    Exponential,
    /// The mirror of exponential: `g = log10(1 + 999·t)/3`. Fast start.
    Logarithmic,
    /// Raised cosine `g = (1 − cos πt)/2`: smooth at both ends.
    #[default]
    SCurve,
}

/// The fade-in gain of `curve` at progress `t` (clamped to 0–1).
pub fn fade_in_gain(curve: FadeCurve, t: f64) -> f64 {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let k = 10f64.powf(DECADES);
    match curve {
        FadeCurve::Linear => t,
        FadeCurve::Exponential => (10f64.powf(DECADES * t) - 1.0) / (k - 1.0),
        FadeCurve::Logarithmic => (1.0 + (k - 1.0) * t).log10() / DECADES,
        FadeCurve::SCurve => 0.5 * (1.0 - (PI * t).cos()),
    }
}

/// Equal-power crossfade gains `(outgoing, incoming)` at progress `t`:
/// `(cos πt/2, sin πt/2)`, whose squares sum to 1 so uncorrelated material
/// keeps constant power through the transition.
pub fn equal_power_crossfade(t: f64) -> (f64, f64) {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let (s, c) = (FRAC_PI_2 * t).sin_cos();
    (c, s)
}

/// Fade direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FadeDirection {
    /// Silence before `start_s`, rising to unity over `length_s`.
    #[default]
    In,
    /// Unity before `start_s`, falling to silence over `length_s`, silence after.
    Out,
}

/// Fade settings; times in seconds from the first processed sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FadeParams {
    /// In or out.
    pub direction: FadeDirection,
    /// Shape.
    pub curve: FadeCurve,
    /// Where the fade starts, s.
    pub start_s: f64,
    /// Fade length, s.
    pub length_s: f64,
}

impl Default for FadeParams {
    /// A 10 ms S-curve fade-in at the start (removes a click at a cut).
    fn default() -> Self {
        Self {
            direction: FadeDirection::In,
            curve: FadeCurve::SCurve,
            start_s: 0.0,
            length_s: 0.01,
        }
    }
}

/// A fade over a fixed stretch of the stream (any channel count). It counts
/// processed frames; [`Processor::reset`] rewinds to the start.
#[derive(Debug, Clone)]
pub struct Fade {
    params: FadeParams,
    start: f64,
    length: f64,
    position: u64,
}

impl Fade {
    /// A fade with `params`.
    pub fn new(params: FadeParams) -> Self {
        Self {
            params,
            start: 0.0,
            length: 0.0,
            position: 0,
        }
    }

    fn gain_at(&self, n: u64) -> f64 {
        let t = if self.length > 0.0 {
            (n as f64 - self.start) / self.length
        } else if (n as f64) < self.start {
            0.0
        } else {
            1.0
        };
        let g = fade_in_gain(self.params.curve, t);
        match self.params.direction {
            FadeDirection::In => g,
            FadeDirection::Out => fade_in_gain(self.params.curve, 1.0 - t.clamp(0.0, 1.0)),
        }
        .clamp(0.0, 1.0)
    }
}

impl Processor for Fade {
    fn prepare(&mut self, spec: &ProcessSpec) {
        let fin = |v: f64| if v.is_finite() { v.max(0.0) } else { 0.0 };
        self.start = fin(self.params.start_s) * spec.sample_rate;
        self.length = fin(self.params.length_s) * spec.sample_rate;
        self.position = 0;
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        let (first, last) = (self.position, self.position + frames as u64);
        self.position = last;
        // Outside the fade the gain is constant: unity before a fade-out and
        // after a fade-in (the whole song, usually) costs nothing, silence
        // is a fill. Only blocks overlapping the ramp evaluate the curve.
        let ramp_end = self.start + self.length;
        let before = (last as f64) <= self.start;
        let after = first as f64 >= ramp_end && self.length > 0.0
            || self.length == 0.0 && first as f64 >= self.start;
        match (self.params.direction, before, after) {
            (FadeDirection::In, false, true) | (FadeDirection::Out, true, false) => return,
            (FadeDirection::In, true, false) | (FadeDirection::Out, false, true) => {
                for ch in channels.iter_mut() {
                    ch.fill(0.0);
                }
                return;
            }
            _ => {}
        }
        for i in 0..frames {
            let g = self.gain_at(first + i as u64);
            if g == 1.0 {
                continue;
            }
            for ch in channels.iter_mut() {
                ch[i] = (f64::from(ch[i]) * g) as f32;
            }
        }
    }

    fn reset(&mut self) {
        self.position = 0;
    }
}
