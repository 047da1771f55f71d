//! A mixing delay: free time in ms or tempo-synced note values, feedback
//! through high/low-cut filters, ping-pong, wet/dry mix.

use crate::denormal::flush;
use crate::filter::biquad::{BiquadCoeffs, FilterType};
use crate::processor::{ProcessSpec, Processor};
use crate::smooth::LinearSmoother;
use crate::units::ms_to_samples;

use super::delay_line::{DelayLine, Tap};

/// Longest delay, seconds (a dotted whole note at 45 BPM).
pub const MAX_DELAY_S: f64 = 8.0;
/// Feedback is capped below 100 % so the loop always decays.
const MAX_FEEDBACK: f64 = 0.99;
/// Time changes glide over this long: the read head moves smoothly (a brief,
/// tape-like pitch bend) instead of jumping (a click).
const TIME_GLIDE_MS: f64 = 50.0;
/// Feedback and mix changes ramp over this long.
const RAMP_MS: f64 = 10.0;

/// Note lengths for tempo sync, in whole-note fractions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteValue {
    /// 1/1 (4 beats).
    Whole,
    /// 1/2.
    Half,
    /// 1/4 (one beat).
    Quarter,
    /// 1/8.
    Eighth,
    /// 1/16.
    Sixteenth,
    /// 1/32.
    ThirtySecond,
}

/// Dotted (×1.5) and triplet (×2/3) variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteModifier {
    /// As written.
    Straight,
    /// One and a half times as long.
    Dotted,
    /// Two thirds as long (three in the time of two).
    Triplet,
}

/// Delay time: free, or synced to a tempo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DelayTime {
    /// Milliseconds.
    Ms(f64),
    /// A note value at `bpm` quarter notes per minute.
    Note {
        /// Length of the note.
        value: NoteValue,
        /// Dotted / triplet.
        modifier: NoteModifier,
        /// Tempo in beats (quarter notes) per minute.
        bpm: f64,
    },
}

impl DelayTime {
    /// The time in milliseconds.
    pub fn to_ms(self) -> f64 {
        match self {
            DelayTime::Ms(ms) => ms,
            DelayTime::Note {
                value,
                modifier,
                bpm,
            } => {
                let beats = match value {
                    NoteValue::Whole => 4.0,
                    NoteValue::Half => 2.0,
                    NoteValue::Quarter => 1.0,
                    NoteValue::Eighth => 0.5,
                    NoteValue::Sixteenth => 0.25,
                    NoteValue::ThirtySecond => 0.125,
                };
                let factor = match modifier {
                    NoteModifier::Straight => 1.0,
                    NoteModifier::Dotted => 1.5,
                    NoteModifier::Triplet => 2.0 / 3.0,
                };
                60_000.0 / bpm.max(1.0) * beats * factor
            }
        }
    }
}

/// Delay settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DelayParams {
    /// Echo spacing.
    pub time: DelayTime,
    /// Level of each repeat relative to the previous one, percent (0–99).
    pub feedback_pct: f64,
    /// High-pass in the feedback loop, Hz (`None` = off): repeats thin out.
    pub low_cut_hz: Option<f64>,
    /// Low-pass in the feedback loop, Hz (`None` = off): repeats darken like tape.
    pub high_cut_hz: Option<f64>,
    /// Alternate repeats between left and right (channel pairs; input is summed to mono first).
    pub ping_pong: bool,
    /// Wet share in percent: 0 = dry only, 100 = echoes only (for sends).
    pub mix_pct: f64,
}

impl Default for DelayParams {
    /// A dotted eighth at 120 BPM, 35 % feedback, 150 Hz–6 kHz loop, 25 % wet.
    fn default() -> Self {
        Self {
            time: DelayTime::Note {
                value: NoteValue::Eighth,
                modifier: NoteModifier::Dotted,
                bpm: 120.0,
            },
            feedback_pct: 35.0,
            low_cut_hz: Some(150.0),
            high_cut_hz: Some(6000.0),
            ping_pong: false,
            mix_pct: 25.0,
        }
    }
}

#[derive(Debug, Clone)]
struct Voice {
    line: DelayLine,
    low_cut: LoopState,
    high_cut: LoopState,
}

/// The delay processor (any channel count; ping-pong works on channel pairs).
/// Latency 0: the dry path is not delayed.
///
/// **Block processing.** An echo read now was written at least one delay
/// ago, so a piece of frames no longer than the delay (less one sample)
/// reads all its echoes first, as contiguous runs, then runs the loop
/// filters (two voices side by side: their recursions are latency bound),
/// then writes the lines and the output, each over the whole piece. Each
/// frame goes through exactly the arithmetic of a frame-by-frame loop (same
/// operations, same order), so the output does not depend on the block size.
#[derive(Debug, Clone)]
pub struct Delay {
    params: DelayParams,
    sample_rate: f64,
    delay_samples: LinearSmoother,
    feedback: LinearSmoother,
    mix: LinearSmoother,
    low_cut: Option<BiquadCoeffs>,
    high_cut: Option<BiquadCoeffs>,
    voices: Vec<Voice>,
    scratch: Box<Scratch>,
}

impl Delay {
    /// A delay with `params`; call [`Processor::prepare`] before use.
    pub fn new(params: DelayParams) -> Self {
        Self {
            params,
            sample_rate: 48_000.0,
            delay_samples: LinearSmoother::new(0.0, 0),
            feedback: LinearSmoother::new(0.0, 0),
            mix: LinearSmoother::new(0.0, 0),
            low_cut: None,
            high_cut: None,
            voices: Vec::new(),
            scratch: Scratch::new(),
        }
    }

    /// Change the settings (time glides over 50 ms, levels ramp over 10 ms,
    /// loop filters switch at once: they act on the repeats only).
    pub fn set_params(&mut self, params: DelayParams) {
        self.params = params;
        self.delay_samples.set_target(self.target_delay());
        self.feedback.set_target(feedback_gain(params.feedback_pct));
        self.mix.set_target(mix_gain(params.mix_pct));
        self.design_filters();
    }

    fn target_delay(&self) -> f64 {
        let max = (MAX_DELAY_S * self.sample_rate).floor();
        let ms = self.params.time.to_ms();
        let ms = if ms.is_finite() { ms } else { 0.0 };
        (ms * 0.001 * self.sample_rate).clamp(2.0, max)
    }

    fn design_filters(&mut self) {
        let q = std::f64::consts::FRAC_1_SQRT_2;
        let sr = self.sample_rate;
        self.low_cut = self
            .params
            .low_cut_hz
            .map(|f| BiquadCoeffs::design(FilterType::HighPass, f, q, 0.0, sr));
        self.high_cut = self
            .params
            .high_cut_hz
            .map(|f| BiquadCoeffs::design(FilterType::LowPass, f, q, 0.0, sr));
    }
}

fn feedback_gain(pct: f64) -> f64 {
    if pct.is_finite() {
        (pct / 100.0).clamp(0.0, MAX_FEEDBACK)
    } else {
        0.0
    }
}

fn mix_gain(pct: f64) -> f64 {
    if pct.is_finite() {
        (pct / 100.0).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// The memories of a loop filter: the arithmetic of
/// [`BiquadState::process`](crate::filter::biquad::BiquadState::process)
/// (transposed direct form II, same operations in the same order), but
/// flushed of denormals at the end of each piece instead of every sample,
/// where the flush lengthened the recursion's dependency chain by a fifth
/// and was the largest single cost of the delay.
///
/// Why that is safe: the loop filters are RBJ high- and low-passes with
/// Q = 1/√2, whose poles are complex with radius √a2 ≥ 0.41 at any corner
/// (a2 = (1 − α)/(1 + α), α = sin ω0/√2 ≤ 0.71), so a memory decays by at
/// most 10^−50 over a 128-sample piece and cannot fall from the flush
/// threshold (≈ −600 dBFS) into the subnormal range (10^−308) within one.
/// The output differs only where a memory is under the threshold within a
/// piece, by less than that, and what the filters feed back is flushed
/// again on its way into the line.
#[derive(Debug, Clone, Copy, Default)]
struct LoopState {
    s1: f64,
    s2: f64,
}

impl LoopState {
    #[inline(always)]
    fn process(&mut self, c: &BiquadCoeffs, x: f64) -> f64 {
        let y = c.b0 * x + self.s1;
        self.s1 = c.b1 * x - c.a1 * y + self.s2;
        self.s2 = c.b2 * x - c.a2 * y;
        y
    }

    fn flushed(self) -> Self {
        Self {
            s1: flush(self.s1),
            s2: flush(self.s2),
        }
    }
}

/// The loop filters applied to a repeat before it is fed back (memories
/// passed in so that a piece's loop keeps them in registers).
#[inline(always)]
fn loop_filter(
    lc: Option<&BiquadCoeffs>,
    hc: Option<&BiquadCoeffs>,
    low: &mut LoopState,
    high: &mut LoopState,
    x: f64,
) -> f64 {
    let x = lc.map_or(x, |c| low.process(c, x));
    hc.map_or(x, |c| high.process(c, x))
}

/// The smoother's next `out.len()` values.
fn ramp_into(smoother: &mut LinearSmoother, out: &mut [f64]) {
    if smoother.is_ramping() {
        out.iter_mut().for_each(|o| *o = smoother.next_value());
    } else {
        out.fill(smoother.value());
    }
}

/// Most frames processed as one chunk.
const BLOCK: usize = 128;

/// Per-chunk working memory (in the processor, so `process` neither
/// allocates nor clears a stack frame of this size).
#[derive(Clone)]
struct Scratch {
    /// Delay (samples), feedback and mix for each frame (from the smoothers).
    delay: [f64; BLOCK],
    feedback: [f64; BLOCK],
    mix: [f64; BLOCK],
    /// Per lane of a piece: the echo read from the line.
    echo: [[f64; BLOCK]; 2],
    /// Per lane: the filtered repeat, then (in place) what the line is fed.
    feed: [[f64; BLOCK]; 2],
}

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scratch").finish_non_exhaustive()
    }
}

impl Scratch {
    fn new() -> Box<Self> {
        Box::new(Self {
            delay: [0.0; BLOCK],
            feedback: [0.0; BLOCK],
            mix: [0.0; BLOCK],
            echo: [[0.0; BLOCK]; 2],
            feed: [[0.0; BLOCK]; 2],
        })
    }
}

/// One piece of a chunk: frames `from..from + n` of the channels, at offset
/// `at` in the chunk's per-frame parameters, read through `tap` when the
/// delay holds still (`None`: each frame's own).
struct Piece {
    tap: Option<Tap>,
    from: usize,
    at: usize,
    n: usize,
}

impl Delay {
    crate::simd::dispatch! {
        /// One piece through the voices (see "Block processing" in the
        /// [`Delay`] docs).
        fn run(&mut self, p: &Piece, channels: &mut [&mut [f32]]);
        /// [`run`](Self::run) with AVX2: the echo reads, the line writes and
        /// the mix four frames to a vector (same operations, same order, no
        /// fused multiply-add, so the same output).
        feature "avx2" fn run_avx2;
        portable fn run_portable;
    }

    #[inline(always)]
    fn run_portable(&mut self, p: &Piece, channels: &mut [&mut [f32]]) {
        let n_ch = channels.len().min(self.voices.len());
        let s = &mut *self.scratch;
        let (from, n) = (p.from, p.n);
        assert!(n <= BLOCK);
        let mut ch = 0;
        while ch < n_ch {
            // Two voices at a time: their loop filters (recursions, latency
            // bound) then run side by side.
            let lanes = if ch + 1 < n_ch { 2 } else { 1 };
            let voices = &mut self.voices[ch..ch + lanes];
            for (v, e) in voices.iter().zip(&mut s.echo) {
                let e = &mut e[..n];
                match p.tap {
                    Some(tap) => v.line.read_tap_run(tap, e),
                    None => {
                        for (i, e) in e.iter_mut().enumerate() {
                            *e = v.line.read_tap_ahead(v.line.tap(s.delay[p.at + i]), i);
                        }
                    }
                }
            }
            let ping_pong = self.params.ping_pong && lanes == 2;
            let (lc, hc) = (self.low_cut.as_ref(), self.high_cut.as_ref());
            {
                // Ping-pong: the left line takes the right's repeat and the
                // right the left's, so echoes alternate sides.
                let [ea, eb] = &s.echo;
                let (ea, eb) = if ping_pong { (eb, ea) } else { (ea, eb) };
                let [fa, fb] = &mut s.feed;
                // Local copies: the memories stay in registers.
                let (mut la, mut ha) = (voices[0].low_cut, voices[0].high_cut);
                if let [va, vb] = voices {
                    let (mut lb, mut hb) = (vb.low_cut, vb.high_cut);
                    for i in 0..n {
                        fa[i] = loop_filter(lc, hc, &mut la, &mut ha, ea[i]);
                        fb[i] = loop_filter(lc, hc, &mut lb, &mut hb, eb[i]);
                    }
                    (va.low_cut, va.high_cut) = (la.flushed(), ha.flushed());
                    (vb.low_cut, vb.high_cut) = (lb.flushed(), hb.flushed());
                } else {
                    for i in 0..n {
                        fa[i] = loop_filter(lc, hc, &mut la, &mut ha, ea[i]);
                    }
                    (voices[0].low_cut, voices[0].high_cut) = (la.flushed(), ha.flushed());
                }
            }
            let fbk = &s.feedback[p.at..p.at + n];
            let mix = &s.mix[p.at..p.at + n];
            if ping_pong {
                let [xl, xr] = &mut channels[ch..ch + 2] else {
                    unreachable!("two lanes")
                };
                let (xl, xr) = (&mut xl[from..from + n], &mut xr[from..from + n]);
                let [fl, fr] = &mut s.feed;
                let [wl, wr] = &s.echo;
                for i in 0..n {
                    let (l, r) = (f64::from(xl[i]), f64::from(xr[i]));
                    fl[i] = 0.5 * (l + r) + fbk[i] * fl[i];
                    fr[i] *= fbk[i];
                    xl[i] = (l + mix[i] * (wl[i] - l)) as f32;
                    xr[i] = (r + mix[i] * (wr[i] - r)) as f32;
                }
            } else {
                for ((x, f), w) in channels[ch..ch + lanes]
                    .iter_mut()
                    .zip(&mut s.feed)
                    .zip(&s.echo)
                {
                    let x = &mut x[from..from + n];
                    for i in 0..n {
                        let d = f64::from(x[i]);
                        f[i] = d + fbk[i] * f[i];
                        x[i] = (d + mix[i] * (w[i] - d)) as f32;
                    }
                }
            }
            for (v, f) in voices.iter_mut().zip(&s.feed) {
                v.line.push_run(&f[..n]);
            }
            ch += lanes;
        }
    }
}

impl Processor for Delay {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.sample_rate = spec.sample_rate;
        let max = (MAX_DELAY_S * spec.sample_rate).ceil() as usize;
        self.voices = (0..spec.channels)
            .map(|_| Voice {
                line: DelayLine::new(max),
                low_cut: LoopState::default(),
                high_cut: LoopState::default(),
            })
            .collect();
        let glide = ms_to_samples(TIME_GLIDE_MS, spec.sample_rate);
        let ramp = ms_to_samples(RAMP_MS, spec.sample_rate);
        self.delay_samples = LinearSmoother::new(self.target_delay(), glide);
        self.feedback = LinearSmoother::new(feedback_gain(self.params.feedback_pct), ramp);
        self.mix = LinearSmoother::new(mix_gain(self.params.mix_pct), ramp);
        self.design_filters();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        let mut start = 0;
        while start < frames {
            let len = BLOCK.min(frames - start);
            // A delay time at rest is converted to its read position once.
            let fixed = (!self.delay_samples.is_ramping())
                .then(|| self.voices.first())
                .flatten()
                .map(|v| v.line.tap(self.delay_samples.value()));
            let s = &mut *self.scratch;
            ramp_into(&mut self.delay_samples, &mut s.delay[..len]);
            ramp_into(&mut self.feedback, &mut s.feedback[..len]);
            ramp_into(&mut self.mix, &mut s.mix[..len]);
            // A piece reads all its echoes before it writes: no longer than
            // the shortest delay in it, less one sample (the interpolation's
            // newest neighbour).
            let shortest = match (fixed, self.voices.first()) {
                (Some(tap), _) => tap.whole(),
                (None, Some(v)) => {
                    let d = s.delay[..len].iter().copied().fold(f64::INFINITY, f64::min);
                    v.line.tap(d).whole()
                }
                (None, None) => 2,
            };
            let mut at = 0;
            while at < len {
                let n = (shortest - 1).min(len - at);
                let p = Piece {
                    tap: fixed,
                    from: start + at,
                    at,
                    n,
                };
                self.run(&p, channels);
                at += n;
            }
            start += len;
        }
    }

    fn reset(&mut self) {
        for v in &mut self.voices {
            v.line.reset();
            v.low_cut = LoopState::default();
            v.high_cut = LoopState::default();
        }
    }
}
