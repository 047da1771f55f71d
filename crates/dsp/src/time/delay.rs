//! A mixing delay: free time in ms or tempo-synced note values, feedback
//! through high/low-cut filters, ping-pong, wet/dry mix.

use crate::filter::biquad::{BiquadCoeffs, BiquadState, FilterType};
use crate::processor::{ProcessSpec, Processor};
use crate::smooth::LinearSmoother;
use crate::units::ms_to_samples;

use super::delay_line::DelayLine;

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
    low_cut: BiquadState,
    high_cut: BiquadState,
}

/// The delay processor (any channel count; ping-pong works on channel pairs).
/// Latency 0: the dry path is not delayed.
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

impl Voice {
    /// The loop filters applied to a repeat before it is fed back.
    #[inline]
    fn filter(&mut self, lc: Option<&BiquadCoeffs>, hc: Option<&BiquadCoeffs>, x: f64) -> f64 {
        let x = lc.map_or(x, |c| self.low_cut.process(c, x));
        hc.map_or(x, |c| self.high_cut.process(c, x))
    }
}

impl Processor for Delay {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.sample_rate = spec.sample_rate;
        let max = (MAX_DELAY_S * spec.sample_rate).ceil() as usize;
        self.voices = (0..spec.channels)
            .map(|_| Voice {
                line: DelayLine::new(max),
                low_cut: BiquadState::new(),
                high_cut: BiquadState::new(),
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
        let n_ch = channels.len().min(self.voices.len());
        let ping_pong = self.params.ping_pong;
        let (lc, hc) = (self.low_cut.as_ref(), self.high_cut.as_ref());
        // Frame-major: the smoothers advance once per frame for all channels,
        // and ping-pong couples channel pairs within a frame.
        // A delay time at rest is converted to its read position once.
        let steady = !self.delay_samples.is_ramping();
        let fixed = self
            .voices
            .first()
            .map(|v| v.line.tap(self.delay_samples.value()));
        #[allow(clippy::needless_range_loop)]
        for i in 0..frames {
            let d = self.delay_samples.next_value();
            let fb = self.feedback.next_value();
            let mix = self.mix.next_value();
            let mut ch = 0;
            while ch < n_ch {
                if ping_pong && ch + 1 < n_ch {
                    let (xl, xr) = (f64::from(channels[ch][i]), f64::from(channels[ch + 1][i]));
                    let (vl, vr) = self.voices.split_at_mut(ch + 1);
                    let (vl, vr) = (&mut vl[ch], &mut vr[0]);
                    let tap = fixed.filter(|_| steady).unwrap_or_else(|| vl.line.tap(d));
                    let wl = vl.line.read_tap(tap);
                    let wr = vr.line.read_tap(tap);
                    // Left line takes the mono input plus the right's repeat,
                    // the right line takes the left's: echoes alternate sides.
                    let fl = vl.filter(lc, hc, wr);
                    let fr = vr.filter(lc, hc, wl);
                    vl.line.push(0.5 * (xl + xr) + fb * fl);
                    vr.line.push(fb * fr);
                    channels[ch][i] = (xl + mix * (wl - xl)) as f32;
                    channels[ch + 1][i] = (xr + mix * (wr - xr)) as f32;
                    ch += 2;
                } else {
                    let x = f64::from(channels[ch][i]);
                    let v = &mut self.voices[ch];
                    let tap = fixed.filter(|_| steady).unwrap_or_else(|| v.line.tap(d));
                    let w = v.line.read_tap(tap);
                    let f = v.filter(lc, hc, w);
                    v.line.push(x + fb * f);
                    channels[ch][i] = (x + mix * (w - x)) as f32;
                    ch += 1;
                }
            }
        }
    }

    fn reset(&mut self) {
        for v in &mut self.voices {
            v.line.reset();
            v.low_cut.reset();
            v.high_cut.reset();
        }
    }
}
