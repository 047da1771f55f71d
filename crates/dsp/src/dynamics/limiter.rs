//! The true-peak brickwall limiter: the last stage of a master and the
//! product's safety net.
//!
//! Signal path, per base-rate sample (all channels share one gain, so the
//! stereo image never shifts under limiting):
//!
//! 1. **Input gain** (dB, smoothed) drives the signal into the limiter.
//! 2. **Detection at 8×.** Each channel is interpolated 8× with the linear-phase
//!    half-band cascade of [`crate::oversample`] (its detection design: flat
//!    to 0.48·fs within 0.01 dB, images ≥ 65 dB down, which moves a detected
//!    peak by at most ≈ 0.01 dB); the peak of every inter-sample
//!    interval is the largest |value| among its 8 points. BS.1770's 4× meter
//!    can under-read a true peak by ≈0.5–0.7 dB (worst case at the highest
//!    frequencies); at 8× the worst-case grid error of a band-limited signal is
//!    1 − cos(π·0.5/8) ≈ 0.17 dB at Nyquist and far less for music, and the
//!    8× grid contains the 4× grid of BS.1770 meters, so any meter reading on
//!    those instants sees values we already limited. The remaining grid error
//!    plus the effect of the gain curve on the interpolated waveform is covered
//!    by [`DETECTION_MARGIN_DB`].
//! 3. **Required gain** per sample `r = min(1, ceiling / peak)`, where the peak
//!    of sample *t* is the larger of the intervals on either side of it (the
//!    output between two samples depends on both samples' gains).
//! 4. **Hold** `r` with a sliding-window minimum over the lookahead window `W`,
//!    so the gain is already down when the peak arrives.
//! 5. **Program-dependent release** in dB: an instant-attack envelope that falls
//!    back quickly (`release_fast_ms`) towards a *sustained* level, which itself
//!    rises with `sustain_ms` and recovers with `release_slow_ms`. A transient
//!    therefore recovers fast (no pumping after a snare hit) while long gain
//!    reduction recovers slowly (no distortion from gain riding on bass waves).
//!    The envelope is never allowed below the held requirement.
//! 6. **Smooth attack**: a moving average of the envelope, in dB, over the same
//!    `W` samples. Every value inside the average around a peak is at least
//!    that peak's required reduction, so the average is too: the ramp is smooth
//!    (linear in dB, so the *relative* gain slope is the same all the way down)
//!    and never undershoots what is needed.
//! 7. The audio, delayed by upsampler latency + `W` − 1 samples, is multiplied
//!    by that gain.
//! 8. **Safety stage.** Multiplying by a moving gain is itself a modulation:
//!    the interpolated output between samples is not exactly the gain times the
//!    interpolated input, and under 20 dB of fast limiting the difference
//!    reaches a few hundredths of a dB. So the output of stage 7 is measured
//!    again at 8× and a second, identical hold + dB-average stage (window
//!    [`SAFETY_WINDOW_MS`]) removes what is left. Its own reduction is at most
//!    a few tenths of a dB and changes slowly, so the modulation error it adds
//!    is second order (≈ 10⁻³ dB) and lies well inside [`SAFETY_MARGIN_DB`].
//!    A base-rate clipper is deliberately not used: clipping creates the very
//!    inter-sample overs we must avoid.
//!
//! `latency()` = 2 × upsampler latency + `W` − 1 + safety window − 1.
//!
//! The ceiling is verified in `tests/limiter.rs` by `ebur128` (4×, BS.1770)
//! and by an independent 8× meter on noise, square waves, impulses,
//! near-Nyquist sines and music-like signals driven up to +20 dB.

use crate::dynamics::compressor::fast_db;
use crate::dynamics::window::{MovingAverage, SlidingMin};
use crate::oversample::CascadeDesign;
use crate::oversample_block::{Interpolator8, MAX_FRAMES};
use crate::processor::{ProcessSpec, Processor};
use crate::smooth::LinearSmoother;
use crate::units::{db_to_gain, gain_to_db, ms_to_samples, one_pole_coeff};

/// Stage-1 detection threshold below the ceiling (dB), equal to the safety
/// margin so that the safety stage only has modulation residue to remove.
pub const DETECTION_MARGIN_DB: f64 = SAFETY_MARGIN_DB;

/// Safety-stage detection threshold below the ceiling (dB). It covers (a) the
/// safety stage's own second-order modulation error (≈10⁻³ dB) and (b) the
/// disagreement between finite interpolators about content in the band
/// 0.45–0.5·fs, where every reconstruction filter is in its transition band.
/// Steady tones there agree within 0.003 dB, but full-band white noise driven
/// into the limiter reads up to 0.30 dB higher on a 64-tap Kaiser-sinc 8×
/// meter than on our half-band cascade at the same instants (and an ideal FFT
/// reconstruction higher still: "true peak" of such content is defined only
/// by the meter). 0.35 dB covers the worst case measured in `tests/limiter.rs`.
pub const SAFETY_MARGIN_DB: f64 = 0.35;

/// Lookahead and ramp of the safety stage (ms).
pub const SAFETY_WINDOW_MS: f64 = 1.0;

/// Envelope levels below this (dB) snap to 0: the gain error is then under
/// 1.2·10⁻⁷, below f32 resolution, and the limiter is exactly transparent.
const SNAP_DB: f64 = 1e-6;

/// Shortest and longest lookahead accepted (ms).
const LOOKAHEAD_RANGE_MS: (f64, f64) = (0.5, 20.0);

/// Ramp for input-gain changes (ms).
const INPUT_GAIN_RAMP_MS: f64 = 10.0;

/// Limiter settings. Units are in the field names' docs.
#[derive(Debug, Clone, PartialEq)]
pub struct LimiterParams {
    /// Gain before limiting, dB (how hard the limiter is driven).
    pub input_gain_db: f64,
    /// Output true-peak ceiling, dBTP.
    pub ceiling_dbtp: f64,
    /// Lookahead (= attack ramp) in ms, 0.5–20. Determines the latency, so it
    /// takes effect at the next [`Processor::prepare`].
    pub lookahead_ms: f64,
    /// Release after transients, ms (time constant, 63 % of the way back).
    pub release_fast_ms: f64,
    /// Release after sustained gain reduction, ms.
    pub release_slow_ms: f64,
    /// How long gain reduction must last before it counts as sustained, ms
    /// (time constant of the sustained-level follower).
    pub sustain_ms: f64,
}

impl Default for LimiterParams {
    /// A transparent mastering setting: −1 dBTP (streaming delivery), 2 ms
    /// lookahead, 40 ms transient release, 400 ms sustained release.
    fn default() -> Self {
        Self {
            input_gain_db: 0.0,
            ceiling_dbtp: -1.0,
            lookahead_ms: 2.0,
            release_fast_ms: 40.0,
            release_slow_ms: 400.0,
            sustain_ms: 150.0,
        }
    }
}

/// Linked 8× inter-sample peak detector (the limiter's): for each base-rate
/// frame, the largest |value| over all channels on the 8× grid of the interval
/// that starts at the frame [`latency`](Self::latency) frames earlier. Runs a
/// block at a time (the crate's block oversampler).
///
/// Public so that a loudness search can detect once and model the limiter at
/// any drive with [`DriveModel`]: interpolation is linear, so the peaks of a
/// signal driven by *g* are *g* times the peaks of the undriven signal.
#[derive(Debug)]
pub struct IntervalPeaks {
    interpolators: Vec<Interpolator8>,
    /// One channel's block, converted to `f32` for the interpolator.
    input: [f32; MAX_FRAMES],
}

impl IntervalPeaks {
    /// A detector for `channels` channels.
    pub fn new(channels: usize) -> Self {
        Self {
            interpolators: (0..channels)
                .map(|_| Interpolator8::new(CascadeDesign::DETECTION))
                .collect(),
            input: [0.0; MAX_FRAMES],
        }
    }

    /// Frames between a frame entering and its interval's peak leaving.
    pub fn latency(&self) -> usize {
        CascadeDesign::DETECTION.latency(3)
    }

    /// `peaks[i]` = the linked interval peak output for frame `i` of `block`
    /// (planar `f32`, equal lengths; `peaks` as long as the block).
    pub fn detect(&mut self, block: &[&[f32]], peaks: &mut [f32]) {
        peaks.fill(0.0);
        let n = peaks.len();
        let mut at = 0;
        while at < n {
            let end = (at + MAX_FRAMES).min(n);
            for (ip, x) in self.interpolators.iter_mut().zip(block) {
                ip.raise_peaks(&x[at..end], &mut peaks[at..end]);
            }
            at = end;
        }
    }

    /// As [`detect`](Self::detect) for one sub-block of at most
    /// [`MAX_FRAMES`] frames held in `frames` (channel `ch` at
    /// `frames[ch · MAX_FRAMES ..]`), as the limiter keeps it.
    fn detect_planar(&mut self, frames: &[f64], peaks: &mut [f32]) {
        let n = peaks.len();
        peaks.fill(0.0);
        for (ip, x) in self
            .interpolators
            .iter_mut()
            .zip(frames.chunks_exact(MAX_FRAMES))
        {
            for (d, &s) in self.input.iter_mut().zip(&x[..n]) {
                *d = s as f32;
            }
            ip.raise_peaks(&self.input[..n], peaks);
        }
    }

    /// Forget the signal.
    pub fn reset(&mut self) {
        self.interpolators.iter_mut().for_each(Interpolator8::reset);
    }
}

/// Planar delay line for blocks: each channel keeps its last `delay`
/// frames, so a block is delayed with two or three copies (`delay + n`
/// values moved in all) instead of a ring index per sample.
#[derive(Debug, Default)]
struct Delay {
    lines: Vec<Vec<f64>>,
    delay: usize,
}

impl Delay {
    fn new(channels: usize, delay: usize) -> Self {
        Self {
            lines: vec![vec![0.0; delay]; channels],
            delay,
        }
    }

    /// `out[i]` = the sample of channel `ch` that came `delay` frames before
    /// `input[i]` (equal lengths).
    #[inline]
    fn process(&mut self, ch: usize, input: &[f64], out: &mut [f64]) {
        let (n, d) = (input.len(), self.delay);
        let line = &mut self.lines[ch];
        if n >= d {
            // The history, then the block's head; its tail is the new history.
            out[..d].copy_from_slice(line);
            out[d..].copy_from_slice(&input[..n - d]);
            line.copy_from_slice(&input[n - d..]);
        } else {
            out.copy_from_slice(&line[..n]);
            line.copy_within(n.., 0);
            line[d - n..].copy_from_slice(input);
        }
    }

    /// Fill the history with `value` (0 for silence; 1 for a gain line).
    fn fill(&mut self, value: f64) {
        self.lines.iter_mut().for_each(|l| l.fill(value));
    }
}

/// Hold + moving average in dB: turns a per-sample required gain into a smooth
/// gain that is never above the requirement of any sample `window − 1` ahead.
#[derive(Debug)]
struct LookaheadGain {
    hold: SlidingMin,
    average_db: MovingAverage,
    prev_peak: f64,
    /// Last held gain and its reduction in dB: the held value stays constant
    /// for whole windows, so the logarithm is only taken when it changes.
    last_held: f64,
    last_held_db: f64,
    window: usize,
    /// Consecutive frames that held nothing and averaged nothing (see
    /// [`resting`](Self::resting)).
    rest: usize,
}

impl LookaheadGain {
    fn new(window: usize) -> Self {
        Self {
            hold: SlidingMin::new(window),
            average_db: MovingAverage::new(window, 0.0),
            prev_peak: 0.0,
            last_held: 1.0,
            last_held_db: 0.0,
            window,
            rest: 0,
        }
    }

    /// After a whole window of frames that held and averaged nothing, every
    /// internal window holds its neutral value, so a frame whose intervals
    /// are both under `threshold` has gain exactly 1 and changes no state:
    /// returns true and skips it (most frames of a master are such frames).
    #[inline]
    fn resting(&mut self, interval_peak: f64, threshold: f64) -> bool {
        let skip = self.rests(interval_peak, self.prev_peak, threshold);
        if skip {
            self.prev_peak = interval_peak;
        }
        skip
    }

    /// The safety stage for a block into `out` (hold and average, no
    /// release): as [`Stage1::reductions_db`], and likewise returns whether
    /// the whole block rested.
    fn reductions_db(
        &mut self,
        peaks: &[f32],
        ceilings: &[f64],
        margin: f64,
        out: &mut [f64],
    ) -> bool {
        if self.rests_through(peaks, ceilings, margin) {
            out.fill(0.0);
            return true;
        }
        let mut prev = self.prev_peak;
        self.held_reductions_db(peaks, ceilings, margin, out);
        for ((o, &peak), &c) in out.iter_mut().zip(peaks).zip(ceilings) {
            let peak = f64::from(peak);
            let rests = self.rests(peak, prev, c * margin);
            prev = peak;
            *o = if rests {
                0.0
            } else {
                self.note_rest(*o, *o);
                self.smooth(*o)
            };
        }
        false
    }

    /// Whether every frame of the block rests (see
    /// [`resting`](Self::resting)): at rest already and every frame's
    /// intervals under its threshold, so that no frame changes any state.
    /// Then the block is skipped as a whole, as the frame-by-frame path
    /// skips each of its frames.
    fn rests_through(&mut self, peaks: &[f32], ceilings: &[f64], margin: f64) -> bool {
        let Some(&last) = peaks.last() else {
            return true;
        };
        let rests = self.rest >= self.window && all_quiet(peaks, self.prev_peak, ceilings, margin);
        if rests {
            self.prev_peak = f64::from(last);
        }
        rests
    }

    /// Counts frames at rest: nothing held (`need_db` 0) and nothing to
    /// average (`env_db` 0).
    #[inline(always)]
    fn note_rest(&mut self, need_db: f64, env_db: f64) {
        // `&`, not `&&`: one condition, one conditional move on the count.
        let at_rest = (need_db == 0.0) & (env_db == 0.0);
        self.rest = if at_rest { self.rest + 1 } else { 0 };
    }

    /// Required reduction (dB ≥ 0) held over the window, for the sample whose
    /// right-hand interval has peak `interval_peak`.
    #[inline]
    fn held_reduction_db(&mut self, interval_peak: f64, ceiling: f64) -> f64 {
        let required = required_gain(interval_peak, self.prev_peak, ceiling);
        self.prev_peak = interval_peak;
        let held = self.hold.push(required);
        if held != self.last_held {
            self.last_held = held;
            self.last_held_db = held_db(held);
        }
        self.last_held_db
    }

    /// [`held_reduction_db`](Self::held_reduction_db) for a whole block,
    /// into `need`: frame `i` has interval peak `peaks[i]` and threshold
    /// `ceilings[i] · margin`. The requirements and the dB conversions have
    /// no dependence between frames and run as vector passes
    /// ([`requirements`], [`held_dbs`]); only the running minimum is serial.
    ///
    /// Unlike the frame-by-frame path it holds the frames that
    /// [`resting`](Self::resting) skips too, with the same results: a frame
    /// rests only when the window of the last frame that did not held
    /// nothing (all its requirements were 1), and a resting frame requires 1
    /// (both its intervals are under the threshold), so pushing it leaves
    /// every window that a later non-resting frame sees with the same
    /// minimum. (Tested against the frame-by-frame path.)
    fn held_reductions_db(
        &mut self,
        peaks: &[f32],
        ceilings: &[f64],
        margin: f64,
        need: &mut [f64],
    ) {
        let Some(&last) = peaks.last() else { return };
        requirements(peaks, self.prev_peak, ceilings, margin, need);
        self.prev_peak = f64::from(last);
        for v in need.iter_mut() {
            *v = self.hold.push(*v);
        }
        if let Some(&held) = need.last() {
            self.last_held = held;
        }
        held_dbs(need);
        self.last_held_db = need.last().copied().unwrap_or(0.0);
    }

    /// Whether a frame with interval peak `interval_peak` and previous
    /// interval peak `prev_peak` rests (see [`resting`](Self::resting)).
    #[inline(always)]
    fn rests(&self, interval_peak: f64, prev_peak: f64, threshold: f64) -> bool {
        self.rest >= self.window && interval_peak <= threshold && prev_peak <= threshold
    }

    /// Average an envelope (dB ≥ the held reduction) into the output
    /// reduction (dB ≥ 0; [`reduction_to_gain`] turns it into the gain).
    #[inline]
    fn smooth(&mut self, env_db: f64) -> f64 {
        self.average_db.push(env_db)
    }

    fn reset(&mut self) {
        self.hold.clear();
        self.average_db.clear();
        self.prev_peak = 0.0;
        self.last_held = 1.0;
        self.last_held_db = 0.0;
        self.rest = 0;
    }
}

/// Program-dependent release: see the module docs (step 5).
#[derive(Debug, Default, Clone, Copy)]
struct Release {
    fast_db: f64,
    sustained_db: f64,
    coeff_fast: f64,
    coeff_slow: f64,
    coeff_sustain: f64,
}

impl Release {
    fn set_times(&mut self, p: &LimiterParams, sample_rate: f64) {
        self.coeff_fast = one_pole_coeff(p.release_fast_ms, sample_rate);
        self.coeff_slow = one_pole_coeff(p.release_slow_ms, sample_rate);
        self.coeff_sustain = one_pole_coeff(p.sustain_ms, sample_rate);
    }

    /// Envelope (dB of reduction, ≥ `need_db`) for the held requirement `need_db`.
    ///
    /// Written as selects, not branches: the attack/release decision
    /// follows the music and mispredicted, and the coefficient was fetched
    /// by a computed index, a load on the follower's dependency chain. The
    /// released value is computed on every frame and kept only when the
    /// requirement is below the envelope, so the results are the same.
    #[inline(always)]
    fn next(&mut self, need_db: f64) -> f64 {
        let c = if need_db > self.sustained_db {
            self.coeff_sustain
        } else {
            self.coeff_slow
        };
        self.sustained_db = snap(need_db + (self.sustained_db - need_db) * c);
        let floor = max(self.sustained_db, need_db);
        let released = snap(floor + (self.fast_db - floor) * self.coeff_fast);
        self.fast_db = if need_db >= self.fast_db {
            need_db
        } else {
            released
        };
        max(self.fast_db, need_db)
    }

    fn reset(&mut self) {
        self.fast_db = 0.0;
        self.sustained_db = 0.0;
    }
}

/// The gain of a reduction of `db` dB (≥ 0; 0 gives exactly 1), by the
/// branch-free dB conversion of the compressor (relative error < 2·10⁻¹⁰,
/// i.e. 2·10⁻⁹ dB, far inside the detection margins), a few times cheaper
/// than libm's exp.
#[inline(always)]
fn reduction_to_gain(db: f64) -> f64 {
    if db > 0.0 {
        fast_db::db_to_gain(-db)
    } else {
        1.0
    }
}

/// The gain (≤ 1) a frame requires so that the larger of the intervals on
/// either side of it, `interval_peak` and `prev_peak`, stays under
/// `threshold` (sample t bounds the output on both sides of it).
#[inline(always)]
fn required_gain(interval_peak: f64, prev_peak: f64, threshold: f64) -> f64 {
    let peak = interval_peak.max(prev_peak);
    if peak > threshold {
        threshold / peak
    } else {
        1.0
    }
}

/// The reduction in dB (≥ 0) of a held gain (≤ 1), by the compressor's
/// branch-free logarithm.
#[inline(always)]
fn held_db(held: f64) -> f64 {
    if held < 1.0 {
        -fast_db::level_db(held)
    } else {
        0.0
    }
}

crate::simd::dispatch! {
    /// [`required_gain`] for a block into `out`: frame `i` has interval peak
    /// `peaks[i]`, previous peak `peaks[i − 1]` (`prev_peak` for frame 0)
    /// and threshold `ceilings[i] · margin`. Its division ran on every
    /// frame's critical path inside the sequential loop; here it runs 4
    /// frames per vector.
    fn requirements(peaks: &[f32], prev_peak: f64, ceilings: &[f64], margin: f64, out: &mut [f64]);
    /// [`requirements`] with 4-lane vectors: the same operations, so the
    /// same results.
    feature "avx2" fn requirements_avx2;
    portable fn requirements_portable;
}

#[inline(always)]
fn requirements_portable(
    peaks: &[f32],
    prev_peak: f64,
    ceilings: &[f64],
    margin: f64,
    out: &mut [f64],
) {
    let n = out.len().min(peaks.len()).min(ceilings.len());
    if n == 0 {
        return;
    }
    out[0] = required_gain(f64::from(peaks[0]), prev_peak, ceilings[0] * margin);
    for (((o, &peak), &prev), &c) in out[1..n]
        .iter_mut()
        .zip(&peaks[1..n])
        .zip(&peaks[..n - 1])
        .zip(&ceilings[1..n])
    {
        *o = required_gain(f64::from(peak), f64::from(prev), c * margin);
    }
}

crate::simd::dispatch! {
    /// Whether every frame's intervals are under its threshold: frame `i`
    /// has interval peak `peaks[i]`, previous peak `peaks[i − 1]`
    /// (`prev_peak` for frame 0) and threshold `ceilings[i] · margin` (the
    /// condition of [`LookaheadGain::rests`]).
    fn all_quiet(peaks: &[f32], prev_peak: f64, ceilings: &[f64], margin: f64) -> bool;
    /// [`all_quiet`] with 4-lane comparisons.
    feature "avx2" fn all_quiet_avx2;
    portable fn all_quiet_portable;
}

#[inline(always)]
fn all_quiet_portable(peaks: &[f32], prev_peak: f64, ceilings: &[f64], margin: f64) -> bool {
    let n = peaks.len().min(ceilings.len());
    if n == 0 {
        return true;
    }
    let first = ceilings[0] * margin;
    let mut quiet = (f64::from(peaks[0]) <= first) & (prev_peak <= first);
    // `&` over the block rather than an early exit, so that it vectorises.
    for ((&peak, &prev), &c) in peaks[1..n].iter().zip(&peaks[..n - 1]).zip(&ceilings[1..n]) {
        let threshold = c * margin;
        quiet &= (f64::from(peak) <= threshold) & (f64::from(prev) <= threshold);
    }
    quiet
}

/// Reductions (dB) of a block to gains, in place; a block that rested
/// (all 0 dB) is all gains of exactly 1 without the conversion.
#[inline]
fn gains_of(rested: bool, buf: &mut [f64]) {
    if rested {
        buf.fill(1.0);
    } else {
        reductions_to_gains(buf);
    }
}

crate::simd::dispatch! {
    /// [`held_db`] over a block, in place: the logarithm (with a division)
    /// for every frame, 4 frames per vector, instead of on the sequential
    /// loop's critical path whenever the held gain changed.
    fn held_dbs(buf: &mut [f64]);
    /// [`held_dbs`] with 4-lane vectors: the same operations, so the same
    /// results.
    feature "avx2" fn held_dbs_avx2;
    portable fn held_dbs_portable;
}

#[inline(always)]
fn held_dbs_portable(buf: &mut [f64]) {
    for v in buf {
        *v = held_db(*v);
    }
}

crate::simd::dispatch! {
    /// [`reduction_to_gain`] over a block, in place. The conversion is a
    /// polynomial with no dependence between frames, so it runs here, 4 frames
    /// per vector, after the sequential hold/release/average pass has produced
    /// the whole block's reductions (inside that pass each conversion sat on the
    /// frame's critical path).
    fn reductions_to_gains(buf: &mut [f64]);
    /// [`reductions_to_gains`] with 4-lane vectors: the same operations (no
    /// fused multiply-add), so the same results.
    feature "avx2" fn reductions_to_gains_avx2;
    portable fn reductions_to_gains_portable;
}

#[inline(always)]
fn reductions_to_gains_portable(buf: &mut [f64]) {
    for v in buf {
        *v = reduction_to_gain(*v);
    }
}

/// The larger of two reductions (dB). They are never NaN and never −0
/// ([`held_db`] gives +0 or a positive number, [`snap`] keeps them so), so
/// this is `f64::max` without its NaN handling: one instruction on the
/// release's dependency chain instead of four.
#[inline(always)]
fn max(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

/// 0 below [`SNAP_DB`] (which also keeps subnormals out of the release),
/// else `db`.
#[inline(always)]
fn snap(db: f64) -> f64 {
    if db < SNAP_DB { 0.0 } else { db }
}

/// Stage 1's gain computer (steps 3–6 of the module docs): hold, release and
/// dB average. One type for the limiter and for [`DriveModel`], so that the
/// model is the limiter and not a second opinion about it.
#[derive(Debug)]
struct Stage1 {
    hold: LookaheadGain,
    release: Release,
}

impl Stage1 {
    fn new(window: usize, params: &LimiterParams, sample_rate: f64) -> Self {
        let mut release = Release::default();
        release.set_times(params, sample_rate);
        Self {
            hold: LookaheadGain::new(window),
            release,
        }
    }

    /// Reduction (dB ≥ 0, 0 at rest) for the frame `window − 1` frames
    /// before the one whose interval peak is `interval_peak`, limiting to
    /// `threshold` (linear); [`reduction_to_gain`] gives the gain.
    #[inline]
    fn reduction_db(&mut self, interval_peak: f64, threshold: f64) -> f64 {
        if self.hold.resting(interval_peak, threshold) {
            return 0.0;
        }
        let need_db = self.hold.held_reduction_db(interval_peak, threshold);
        self.settle(need_db)
    }

    /// Release and average of a frame that does not rest, from its held
    /// reduction: the reduction (dB) of the frame `window − 1` earlier.
    #[inline(always)]
    fn settle(&mut self, need_db: f64) -> f64 {
        settle(&mut self.release, &mut self.hold, need_db)
    }

    /// [`reduction_db`](Self::reduction_db) for a block into `out`: frame
    /// `i` has interval peak `peaks[i]` and threshold `ceilings[i] · margin`.
    /// The same results frame by frame (see
    /// [`LookaheadGain::held_reductions_db`]); the frame-independent work
    /// runs as vector passes before the sequential release and average.
    /// Returns whether the whole block rested (every reduction 0).
    fn reductions_db(
        &mut self,
        peaks: &[f32],
        ceilings: &[f64],
        margin: f64,
        out: &mut [f64],
    ) -> bool {
        if self.hold.rests_through(peaks, ceilings, margin) {
            out.fill(0.0);
            return true;
        }
        let prev = self.hold.prev_peak;
        self.hold.held_reductions_db(peaks, ceilings, margin, out);
        self.settle_block(peaks, prev, ceilings, margin, out);
        false
    }

    crate::simd::dispatch! {
        /// The sequential part of [`reductions_db`](Self::reductions_db):
        /// rest, release and average of every frame, `out` from held
        /// reductions to reductions; `prev_peak` is the interval peak before
        /// `peaks[0]`.
        fn settle_block(
            &mut self,
            peaks: &[f32],
            prev_peak: f64,
            ceilings: &[f64],
            margin: f64,
            out: &mut [f64],
        );
        /// [`settle_block`](Self::settle_block) compiled for AVX2: the
        /// selects of the release are single blends. The same operations,
        /// so the same results.
        feature "avx2" fn settle_block_avx2;
        portable fn settle_block_portable;
    }

    #[inline(always)]
    fn settle_block_portable(
        &mut self,
        peaks: &[f32],
        mut prev: f64,
        ceilings: &[f64],
        margin: f64,
        out: &mut [f64],
    ) {
        // The release in a local for the loop: its coefficients then sit
        // in registers, and the attack/release select is a blend, not a
        // load from a computed address on the follower's dependency chain.
        let mut release = self.release;
        for ((o, &peak), &c) in out.iter_mut().zip(peaks).zip(ceilings) {
            let peak = f64::from(peak);
            let rests = self.hold.rests(peak, prev, c * margin);
            prev = peak;
            *o = if rests {
                0.0
            } else {
                settle(&mut release, &mut self.hold, *o)
            };
        }
        self.release = release;
    }

    fn reset(&mut self) {
        self.hold.reset();
        self.release.reset();
    }
}

/// Release and average of a frame that does not rest, from its held
/// reduction `need_db`: stage 1's reduction (dB) of the frame `window − 1`
/// earlier. One function for the frame-by-frame and the block paths.
#[inline(always)]
fn settle(release: &mut Release, hold: &mut LookaheadGain, need_db: f64) -> f64 {
    // A zero envelope also means the release has fully recovered.
    let env_db = release.next(need_db);
    hold.note_rest(need_db, env_db);
    hold.smooth(env_db)
}

/// Frames of lookahead (= attack ramp) for `params` at `sample_rate`.
fn lookahead_window(params: &LimiterParams, sample_rate: f64) -> usize {
    let ms = params
        .lookahead_ms
        .clamp(LOOKAHEAD_RANGE_MS.0, LOOKAHEAD_RANGE_MS.1);
    ms_to_samples(ms, sample_rate).max(1)
}

/// The limiter's first stage on its own, fed the [`IntervalPeaks`] of the
/// *undriven* signal: the gain the limiter would apply at the drive and
/// ceiling of `params`, frame by frame, without rendering any audio. The
/// mastering loudness search detects once and evaluates many drives with it
/// (a few ns per frame against a full render's hundreds).
///
/// The safety stage is left out: it removes modulation residue of hundredths
/// of a dB on isolated peaks, which moves integrated loudness by less than
/// 0.001 LU. Input gain and ceiling are taken as constant (as in a render
/// that starts at them).
#[derive(Debug)]
pub struct DriveModel {
    stage1: Stage1,
    drive: f64,
    threshold: f64,
    lag: usize,
    min_gain: f64,
}

impl DriveModel {
    /// The first stage of a limiter with `params` at `sample_rate` Hz.
    pub fn new(params: &LimiterParams, sample_rate: f64) -> Self {
        let window = lookahead_window(params, sample_rate);
        Self {
            stage1: Stage1::new(window, params, sample_rate),
            drive: db_to_gain(params.input_gain_db),
            threshold: db_to_gain(params.ceiling_dbtp - DETECTION_MARGIN_DB),
            lag: window - 1,
            min_gain: 1.0,
        }
    }

    /// Frames the gain lags the peaks: [`next`](Self::next) returns the gain
    /// of the frame whose peak was pushed `lag()` calls earlier.
    pub fn lag(&self) -> usize {
        self.lag
    }

    /// Pushes the next frame's undriven interval peak (from
    /// [`IntervalPeaks`], aligned to its frame) and returns the stage-1 gain
    /// (linear, ≤ 1, the drive not included) of the frame `lag()` earlier.
    #[inline]
    pub fn next(&mut self, undriven_peak: f32) -> f32 {
        let g = reduction_to_gain(
            self.stage1
                .reduction_db(self.drive * f64::from(undriven_peak), self.threshold),
        );
        self.min_gain = self.min_gain.min(g);
        g as f32
    }

    /// Largest gain reduction so far, dB (≥ 0).
    pub fn max_gain_reduction_db(&self) -> f64 {
        if self.min_gain < 1.0 {
            -gain_to_db(self.min_gain)
        } else {
            0.0
        }
    }
}

/// Lookahead true-peak limiter with linked channels. See the module docs.
#[derive(Debug)]
pub struct Limiter {
    params: LimiterParams,
    spec: ProcessSpec,
    window: usize,
    input_gain: LinearSmoother,
    ceiling: LinearSmoother,
    detector: IntervalPeaks,
    delay: Delay,
    stage1: Stage1,
    safety_detector: IntervalPeaks,
    safety_delay: Delay,
    safety: LookaheadGain,
    /// Stage-1 gains delayed to line up with the safety stage's output, for metering.
    gain_delay: Delay,
    gain: f64,
    max_reduction_db: f64,
    scratch: Box<Scratch>,
}

/// Per-block working storage (frames of one sub-block of at most
/// [`MAX_FRAMES`]; channel `ch` of the planar buffers at `ch · MAX_FRAMES`).
#[derive(Debug)]
struct Scratch {
    /// Input after the input gain; then stage 1's output after the safety delay.
    driven: Vec<f64>,
    /// Stage-1 output (delayed input × stage-1 gain).
    stage1: Vec<f64>,
    ceiling: [f64; MAX_FRAMES],
    /// Input gain per frame.
    drive: [f64; MAX_FRAMES],
    /// Stage-1 gain, delayed to line up with the output frame.
    gain1: [f64; MAX_FRAMES],
    /// Stage-1 reduction (dB), then gain, per input frame; then the same for
    /// the safety stage per output frame.
    gain: [f64; MAX_FRAMES],
    peaks: [f32; MAX_FRAMES],
}

impl Scratch {
    fn new(channels: usize) -> Self {
        Self {
            driven: vec![0.0; channels * MAX_FRAMES],
            stage1: vec![0.0; channels * MAX_FRAMES],
            ceiling: [0.0; MAX_FRAMES],
            drive: [0.0; MAX_FRAMES],
            gain1: [0.0; MAX_FRAMES],
            gain: [0.0; MAX_FRAMES],
            peaks: [0.0; MAX_FRAMES],
        }
    }
}

impl Limiter {
    /// A limiter with `params`; call [`Processor::prepare`] before use.
    pub fn new(params: LimiterParams) -> Self {
        let mut l = Self {
            params,
            spec: ProcessSpec::new(48_000.0, 2, 512),
            window: 1,
            input_gain: LinearSmoother::new(1.0, 0),
            ceiling: LinearSmoother::new(1.0, 0),
            detector: IntervalPeaks::new(0),
            delay: Delay::default(),
            stage1: Stage1::new(1, &LimiterParams::default(), 48_000.0),
            safety_detector: IntervalPeaks::new(0),
            safety_delay: Delay::default(),
            safety: LookaheadGain::new(1),
            gain_delay: Delay::default(),
            gain: 1.0,
            max_reduction_db: 0.0,
            scratch: Box::new(Scratch::new(0)),
        };
        let spec = l.spec;
        l.prepare(&spec);
        l
    }

    /// Current settings.
    pub fn params(&self) -> &LimiterParams {
        &self.params
    }

    /// Change settings between blocks. Input gain and ceiling ramp smoothly
    /// (the ceiling over the lookahead window); release times apply at once;
    /// lookahead waits for the next `prepare`.
    pub fn set_params(&mut self, params: LimiterParams) {
        self.params = params;
        self.input_gain
            .set_target(db_to_gain(self.params.input_gain_db));
        self.ceiling
            .set_target(db_to_gain(self.params.ceiling_dbtp));
        self.stage1
            .release
            .set_times(&self.params, self.spec.sample_rate);
    }

    /// Gain reduction applied to the most recent output sample, dB (≥ 0).
    pub fn gain_reduction_db(&self) -> f64 {
        if self.gain < 1.0 {
            -gain_to_db(self.gain)
        } else {
            0.0
        }
    }

    /// Largest gain reduction since the last reset, dB (≥ 0).
    pub fn max_gain_reduction_db(&self) -> f64 {
        self.max_reduction_db
    }

    /// Restart the maximum-gain-reduction meter.
    pub fn reset_max_gain_reduction(&mut self) {
        self.max_reduction_db = 0.0;
    }

    /// As [`Processor::process`], with stage 1's detection supplied by the
    /// caller, who has already run [`IntervalPeaks`] over this input *before*
    /// the input gain (as the mastering search does for [`DriveModel`]):
    /// `undriven_peaks[i]` is what [`IntervalPeaks::detect`] returned for
    /// frame `i` of this block. It is scaled by the input gain here (exact for
    /// a constant gain; during a gain ramp it lags by the detector's latency,
    /// a few hundredths of a dB). Saves one of the two 8× detectors; the
    /// safety stage still measures the output itself, so the ceiling never
    /// depends on the supplied peaks.
    pub fn process_detected(&mut self, channels: &mut [&mut [f32]], undriven_peaks: &[f32]) {
        let frames = channels.first().map_or(0, |c| c.len());
        assert_eq!(undriven_peaks.len(), frames, "one peak per frame");
        let nch = channels.len().min(self.detector.interpolators.len());
        let mut start = 0;
        while start < frames {
            let n = (frames - start).min(MAX_FRAMES);
            self.process_block(
                channels,
                start..start + n,
                nch,
                Some(&undriven_peaks[start..start + n]),
            );
            start += n;
        }
    }
    /// One sub-block of at most [`MAX_FRAMES`] frames: detection runs over
    /// the whole sub-block (vectorised), the gain logic frame by frame.
    /// `undriven_peaks`: stage 1's detection supplied by the caller (see
    /// [`Limiter::process_detected`]), for the frames of `range`.
    fn process_block(
        &mut self,
        channels: &mut [&mut [f32]],
        range: std::ops::Range<usize>,
        nch: usize,
        undriven_peaks: Option<&[f32]>,
    ) {
        let n = range.len();
        let main_margin = db_to_gain(-DETECTION_MARGIN_DB);
        let safety_margin = db_to_gain(-SAFETY_MARGIN_DB);
        let sc = &mut *self.scratch;

        // Input gain, per-frame ceiling. Both are constant but for ramps
        // after a parameter change: then the gain is one number and each
        // channel is scaled as one contiguous (vectorised) run, where the
        // frame-by-frame loop with its strided stores was a tenth of the
        // gain logic. A smoother at rest returns its value unchanged, so
        // both paths compute the same numbers.
        if self.input_gain.is_ramping() || self.ceiling.is_ramping() {
            for i in 0..n {
                let g_in = self.input_gain.next_value();
                sc.drive[i] = g_in;
                sc.ceiling[i] = self.ceiling.next_value();
                for (ch, channel) in channels.iter().take(nch).enumerate() {
                    sc.driven[ch * MAX_FRAMES + i] = f64::from(channel[range.start + i]) * g_in;
                }
            }
        } else {
            let g_in = self.input_gain.value();
            sc.drive[..n].fill(g_in);
            sc.ceiling[..n].fill(self.ceiling.value());
            for (ch, channel) in channels.iter().take(nch).enumerate() {
                let driven = &mut sc.driven[ch * MAX_FRAMES..ch * MAX_FRAMES + n];
                for (d, &x) in driven.iter_mut().zip(&channel[range.clone()]) {
                    *d = f64::from(x) * g_in;
                }
            }
        }

        // Stage 1: detect, hold, release, average, apply to delayed input.
        match undriven_peaks {
            Some(peaks) => {
                for ((p, &u), &g) in sc.peaks[..n].iter_mut().zip(peaks).zip(&sc.drive) {
                    *p = (f64::from(u) * g) as f32;
                }
            }
            None => self
                .detector
                .detect_planar(&sc.driven[..nch * MAX_FRAMES], &mut sc.peaks[..n]),
        }
        gains_of(
            self.stage1.reductions_db(
                &sc.peaks[..n],
                &sc.ceiling[..n],
                main_margin,
                &mut sc.gain[..n],
            ),
            &mut sc.gain[..n],
        );
        for ch in 0..nch {
            let at = ch * MAX_FRAMES..ch * MAX_FRAMES + n;
            let out = &mut sc.stage1[at.clone()];
            self.delay.process(ch, &sc.driven[at], out);
            for (y, &g1) in out.iter_mut().zip(&sc.gain) {
                *y *= g1;
            }
        }
        // For metering: stage 1's gains in line with the safety stage's output.
        self.gain_delay
            .process(0, &sc.gain[..n], &mut sc.gain1[..n]);

        // Stage 2: measure stage 1's output and remove any residual over.
        self.safety_detector
            .detect_planar(&sc.stage1[..nch * MAX_FRAMES], &mut sc.peaks[..n]);
        gains_of(
            self.safety.reductions_db(
                &sc.peaks[..n],
                &sc.ceiling[..n],
                safety_margin,
                &mut sc.gain[..n],
            ),
            &mut sc.gain[..n],
        );
        for (ch, channel) in channels.iter_mut().take(nch).enumerate() {
            let at = ch * MAX_FRAMES..ch * MAX_FRAMES + n;
            let delayed = &mut sc.driven[at.clone()];
            self.safety_delay.process(ch, &sc.stage1[at], delayed);
            for ((y, &x), &g2) in channel[range.clone()]
                .iter_mut()
                .zip(&*delayed)
                .zip(&sc.gain)
            {
                *y = (x * g2) as f32;
            }
        }
        // Metering: the total reduction on each sample output.
        let mut min_gain = 1.0f64;
        for (&g1, &g2) in sc.gain1[..n].iter().zip(&sc.gain) {
            self.gain = g1 * g2;
            min_gain = min_gain.min(self.gain);
        }
        // dB is monotonic in the gain, so the block's largest reduction is
        // that of its smallest gain: one logarithm per block, not per frame.
        if min_gain < 1.0 {
            self.max_reduction_db = self.max_reduction_db.max(-gain_to_db(min_gain));
        }
    }
}

impl Default for Limiter {
    fn default() -> Self {
        Self::new(LimiterParams::default())
    }
}

impl Processor for Limiter {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.spec = *spec;
        let sr = spec.sample_rate;
        self.window = lookahead_window(&self.params, sr);
        let safety_window = ms_to_samples(SAFETY_WINDOW_MS, sr).max(1);
        self.detector = IntervalPeaks::new(spec.channels);
        self.safety_detector = IntervalPeaks::new(spec.channels);
        *self.scratch = Scratch::new(spec.channels);
        let os = self.detector.latency();
        self.delay = Delay::new(spec.channels, os + self.window - 1);
        self.safety_delay = Delay::new(spec.channels, os + safety_window - 1);
        self.gain_delay = Delay::new(1, os + safety_window - 1);
        self.stage1 = Stage1::new(self.window, &self.params, sr);
        self.safety = LookaheadGain::new(safety_window);
        self.input_gain = LinearSmoother::new(
            db_to_gain(self.params.input_gain_db),
            ms_to_samples(INPUT_GAIN_RAMP_MS, sr),
        );
        self.ceiling = LinearSmoother::new(db_to_gain(self.params.ceiling_dbtp), self.window);
        self.reset();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        let nch = channels.len().min(self.detector.interpolators.len());
        let mut start = 0;
        while start < frames {
            let n = (frames - start).min(MAX_FRAMES);
            self.process_block(channels, start..start + n, nch, None);
            start += n;
        }
    }

    fn reset(&mut self) {
        self.detector.reset();
        self.safety_detector.reset();
        self.delay.fill(0.0);
        self.safety_delay.fill(0.0);
        self.gain_delay.fill(1.0);
        self.stage1.reset();
        self.safety.reset();
        self.gain = 1.0;
        self.max_reduction_db = 0.0;
        self.input_gain
            .set_immediate(db_to_gain(self.params.input_gain_db));
        self.ceiling
            .set_immediate(db_to_gain(self.params.ceiling_dbtp));
    }

    /// Both stages' upsampler latency plus both lookahead windows, minus one
    /// sample each.
    fn latency(&self) -> usize {
        self.delay.delay + self.safety_delay.delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Interval peaks that rest, limit hard, recover, spike, hit the
    /// threshold exactly and carry an infinity and a NaN; ceilings that ramp.
    fn peaks_and_ceilings() -> (Vec<f32>, Vec<f64>) {
        let mut rng = fastrand::Rng::with_seed(8);
        let mut peaks = Vec::new();
        for (len, lo, hi) in [
            (1200, 0.0, 0.0),
            (900, 0.5, 3.0),
            (400, 0.1, 0.6),
            (1500, 0.0, 0.2),
            (300, 0.8, 1.2),
            (2000, 0.0, 0.0),
        ] {
            peaks.extend((0..len).map(|_| lo + (hi - lo) * rng.f32()));
        }
        for (at, v) in [
            (2500, 9.0),
            (2600, 0.5),
            (3100, f32::INFINITY),
            (3200, f32::NAN),
        ] {
            peaks[at] = v;
        }
        let ceilings = (0..peaks.len())
            .map(|i| match i {
                0..1500 => 0.9,
                1500..1600 => 0.9 - 0.004 * (i - 1500) as f64,
                _ => 0.5,
            })
            .collect();
        (peaks, ceilings)
    }

    /// The block paths (vector passes, holding the resting frames too, whole
    /// resting blocks skipped) give stage 1's and the safety stage's
    /// reductions of the frame-by-frame path bit for bit, at any block size.
    #[test]
    fn block_paths_equal_the_frame_by_frame_path() {
        let (peaks, ceilings) = peaks_and_ceilings();
        // Short releases, so the signal comes to rest within the test.
        let params = LimiterParams {
            release_fast_ms: 1.0,
            release_slow_ms: 2.0,
            sustain_ms: 5.0,
            ..LimiterParams::default()
        };
        let margin = db_to_gain(-DETECTION_MARGIN_DB);
        let window = 88;
        let mut frame = Stage1::new(window, &params, 44_100.0);
        let want: Vec<f64> = peaks
            .iter()
            .zip(&ceilings)
            .map(|(&p, &c)| frame.reduction_db(f64::from(p), c * margin))
            .collect();
        let mut safety = LookaheadGain::new(window / 2);
        let want_safety: Vec<f64> = peaks
            .iter()
            .zip(&ceilings)
            .map(|(&p, &c)| {
                let (p, threshold) = (f64::from(p), c * margin);
                if safety.resting(p, threshold) {
                    0.0
                } else {
                    let need = safety.held_reduction_db(p, threshold);
                    safety.note_rest(need, need);
                    safety.smooth(need)
                }
            })
            .collect();
        assert!(want.iter().any(|&r| r > 3.0) && want.iter().filter(|&&r| r == 0.0).count() > 1000);
        for block in [1, 7, 64, MAX_FRAMES] {
            let mut blocks = Stage1::new(window, &params, 44_100.0);
            let mut blocks_safety = LookaheadGain::new(window / 2);
            let (mut got, mut got_safety) = (vec![0.0; peaks.len()], vec![0.0; peaks.len()]);
            let mut rested = 0;
            for (((p, c), g), gs) in peaks
                .chunks(block)
                .zip(ceilings.chunks(block))
                .zip(got.chunks_mut(block))
                .zip(got_safety.chunks_mut(block))
            {
                rested += usize::from(blocks.reductions_db(p, c, margin, g));
                blocks_safety.reductions_db(p, c, margin, gs);
            }
            for (name, got, want) in [
                ("stage 1", &got, &want),
                ("safety", &got_safety, &want_safety),
            ] {
                let first = got
                    .iter()
                    .zip(want)
                    .position(|(a, b)| a.to_bits() != b.to_bits());
                assert_eq!(first, None, "{name}, blocks of {block}: first difference");
            }
            assert!(rested > 0, "blocks of {block}: no block rested as a whole");
        }
    }
}
