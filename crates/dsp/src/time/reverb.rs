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

use crate::denormal::flush;
use crate::filter::biquad::BiquadCoeffs;
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

/// The one-pole absorption filters of the lines, side by side:
/// `y = b0·x − a1·y₁` per line, with DC gain `g_dc` and Nyquist gain `g_ny`.
#[derive(Debug, Clone, Copy, Default)]
struct Absorb {
    b0: [f64; LINES],
    a1: [f64; LINES],
    y1: [f64; LINES],
}

impl Absorb {
    fn design(&mut self, k: usize, g_dc: f64, g_ny: f64) {
        let p = (g_dc - g_ny) / (g_dc + g_ny);
        self.a1[k] = -p;
        self.b0[k] = g_dc * (1.0 - p);
    }
}

/// In-place normalised 8-point fast Walsh–Hadamard transform (orthogonal).
#[inline(always)]
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
///
/// **Block processing.** The network runs in pieces of up to 128 samples
/// (or of the shortest line's length, if shorter: only at very low sample
/// rates), so within a piece no line reads a sample written in the same
/// piece: each line's output for the whole piece is one contiguous run read
/// up front, then the absorption filters (the eight lines side by side), the
/// output taps and the Hadamard mix run over the piece, and each line's
/// input is written back as one run. Every sample goes through exactly the
/// arithmetic of a sample-by-sample loop (same operations, same order), so
/// the host's block size does not change the output, except, as before,
/// where the 32-sample redesign steps of a decay ramp fall (they count from
/// the start of each `process` call). Only the denormal flushing of the
/// input high-pass moved from every sample to the end of every piece (why
/// that is safe: `Tank::filter` in the source).
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
    scratch: Box<Scratch>,
}

/// Most samples processed as one piece. Long enough to spread the per-piece
/// work (reading runs, flushing) thin, short enough for the scratch to stay
/// in L1 cache; a multiple of [`UPDATE`].
const BLOCK: usize = 128;

/// Per-piece working memory (in the processor, so `process` neither
/// allocates nor clears a stack frame of this size).
#[derive(Clone)]
struct Scratch {
    /// Per line: its output (read, then absorbed) for each sample.
    taps: [[f64; BLOCK]; LINES],
    /// Per line: what is written into it for each sample.
    feed: [[f64; BLOCK]; LINES],
    /// The high-passed input, left and right, then (in place) pre-delayed.
    inject: [[f64; BLOCK]; 2],
    /// The wet output, left and right.
    wet: [[f64; BLOCK]; 2],
    /// The pre-delay, width and mix for each sample of a chunk (from the smoothers).
    pre: [f64; BLOCK],
    width: [f64; BLOCK],
    mix: [f64; BLOCK],
}

impl Scratch {
    fn new() -> Box<Self> {
        Box::new(Self {
            taps: [[0.0; BLOCK]; LINES],
            feed: [[0.0; BLOCK]; LINES],
            inject: [[0.0; BLOCK]; 2],
            wet: [[0.0; BLOCK]; 2],
            pre: [0.0; BLOCK],
            width: [0.0; BLOCK],
            mix: [0.0; BLOCK],
        })
    }
}

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scratch").finish_non_exhaustive()
    }
}

/// One piece of a chunk, and what its tanks share.
struct Piece<'a> {
    hp: &'a BiquadCoeffs,
    lengths: &'a [usize; LINES],
    /// The pre-delay tap for the whole piece (`Some(None)`: under one
    /// sample), or `None` to take each sample's from [`Scratch::pre`].
    pre: Option<Option<Tap>>,
    /// The first frame in the channels.
    from: usize,
    /// The first frame's offset in the chunk (in the per-sample parameters).
    at: usize,
    /// Frames, ≤ [`BLOCK`] and ≤ the shortest line.
    n: usize,
}

#[derive(Debug, Clone)]
struct Tank {
    pre: [DelayLine; 2],
    /// The input high-pass memory per side (see [`Tank::high_pass`]).
    hp: [f64; 2],
    lines: [DelayLine; LINES],
    absorb: Absorb,
}

impl Tank {
    fn reset(&mut self) {
        self.pre.iter_mut().for_each(DelayLine::reset);
        self.hp = [0.0; 2];
        self.lines.iter_mut().for_each(DelayLine::reset);
        self.absorb.y1 = [0.0; LINES];
    }

    fn design(&mut self, lengths: &[usize; LINES], rt60: f64, hf_ratio: f64, sr: f64) {
        for (k, &len) in lengths.iter().enumerate() {
            let g = |t: f64| 10f64.powf(-3.0 * len as f64 / (t * sr));
            self.absorb.design(k, g(rt60), g(rt60 * hf_ratio));
        }
    }

    /// Where the pre-delay of `pre` samples reads: `None` under one sample.
    /// `read(1)` is the sample just pushed (no delay), so a delay of `pre`
    /// samples is a read `pre + 1` pushes back.
    fn pre_tap(&self, pre: f64) -> Option<Tap> {
        (pre >= 1.0).then(|| self.pre[0].tap(pre + 1.0))
    }

    /// The first-order input high-pass, `y = b0·x + s`, `s ← b1·x − a1·y`
    /// ([`BiquadState::process`](crate::filter::biquad::BiquadState::process)
    /// with `b2 = a2 = 0`, whose second memory is then always +0: the same
    /// numbers), its memory flushed per piece by [`run`](Self::run).
    #[inline(always)]
    fn high_pass(c: &BiquadCoeffs, s: &mut f64, x: f64) -> f64 {
        let y = c.b0 * x + *s;
        *s = c.b1 * x - c.a1 * y;
        y
    }

    crate::simd::dispatch! {
        /// One piece through the tank: `pair` (a stereo pair or one channel)
        /// replaced by the mix of dry and wet over frames `p.from..p.from + p.n`.
        fn run(&mut self, p: &Piece<'_>, pair: &mut [&mut [f32]], s: &mut Scratch);
        /// [`run`](Self::run) with AVX2: the absorption filters four lines to
        /// a vector, the Hadamard mix, the line writes and the output four
        /// samples to a vector (same operations, same order, no fused
        /// multiply-add, so the same output).
        feature "avx2" fn run_avx2;
        portable fn run_portable;
    }

    /// The body of [`run`](Self::run), in stages over the whole piece.
    #[inline(always)]
    fn run_portable(&mut self, p: &Piece<'_>, pair: &mut [&mut [f32]], s: &mut Scratch) {
        let (from, n) = (p.from, p.n);
        assert!(n <= BLOCK);
        // Every line's output for the piece, written before it began.
        for ((line, &len), t) in self.lines.iter().zip(p.lengths).zip(&mut s.taps) {
            line.read_run(len, &mut t[..n]);
        }
        let xl = &pair[0][from..from + n];
        let xr = pair.get(1).map_or(xl, |c| &c[from..from + n]);
        self.filter(p.hp, xl, xr, s);
        self.pre_delay(p, s);
        self.mix_lines(s, n);
        for (line, f) in self.lines.iter_mut().zip(&s.feed) {
            line.push_run(&f[..n]);
        }
        mix_out(p, pair, s);
    }

    /// The input high-pass (`xl`, `xr` → `s.inject`) and the absorption
    /// filters (`s.taps` in place), the eight lines side by side.
    ///
    /// One loop for both: each is a recursion whose latency (about ten
    /// cycles a sample) exceeds its arithmetic, and they do not depend on
    /// each other, so together they take hardly longer than either alone.
    ///
    /// The input high-pass memory is flushed of denormals at the end of the
    /// piece instead of every sample, where the flush lengthened the
    /// recursion's dependency chain by half. With its pole at 0.997 the
    /// memory needs tens of thousands of samples to fall from the flush
    /// threshold (≈ −600 dBFS) into the subnormal range, and while it is below
    /// the threshold its output is flushed when pushed into the pre-delay, so
    /// the output is the same unless the input itself is near −600 dBFS. The
    /// absorption filters keep their flush every sample: their poles can be
    /// near 0, so an unflushed memory would pass through `f32` subnormals in
    /// the wet output within a piece.
    // Indexing: the loop runs across the lines of one sample of arrays held
    // line by line, which an iterator over one of them does not express.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn filter(&mut self, hp: &BiquadCoeffs, xl: &[f32], xr: &[f32], s: &mut Scratch) {
        let n = xl.len();
        assert!(n <= BLOCK && xr.len() == n);
        let Scratch { taps, inject, .. } = s;
        let [il, ir] = inject;
        // Local copies: the memories stay in registers.
        let [mut sl, mut sr] = self.hp;
        let Absorb { b0, a1, y1 } = &mut self.absorb;
        let mut y = *y1;
        for i in 0..n {
            il[i] = Self::high_pass(hp, &mut sl, f64::from(xl[i]));
            ir[i] = Self::high_pass(hp, &mut sr, f64::from(xr[i]));
            for k in 0..LINES {
                y[k] = flush(b0[k] * taps[k][i] - a1[k] * y[k]);
                taps[k][i] = y[k];
            }
        }
        *y1 = y;
        self.hp = [flush(sl), flush(sr)];
    }

    /// The high-passed input (`s.inject`) through the pre-delay, in place:
    /// pushed for the whole piece, then read `n − 1 − i` pushes further back.
    #[inline(always)]
    fn pre_delay(&mut self, p: &Piece<'_>, s: &mut Scratch) {
        let n = p.n;
        for (line, x) in self.pre.iter_mut().zip(&s.inject) {
            line.push_run(&x[..n]);
        }
        for (line, x) in self.pre.iter().zip(&mut s.inject) {
            let x = &mut x[..n];
            match p.pre {
                Some(Some(tap)) => line.read_tap_back(tap, x),
                Some(None) => line.read_run(n, x),
                None => {
                    for (i, x) in x.iter_mut().enumerate() {
                        let ago = n - 1 - i;
                        *x = match self.pre_tap(s.pre[p.at + i]) {
                            Some(tap) => line.read_tap_ago(tap, ago),
                            None => line.read(1 + ago),
                        };
                    }
                }
            }
        }
    }

    /// The lines' filtered outputs (`s.taps`) to the wet output (`s.wet`)
    /// and, through the Hadamard matrix plus the pre-delayed input, to what
    /// the lines are fed (`s.feed`); four samples to a vector.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn mix_lines(&self, s: &mut Scratch, n: usize) {
        assert!(n <= BLOCK);
        let Scratch {
            taps,
            feed,
            inject,
            wet,
            ..
        } = s;
        let scale = 1.0 / (LINES as f64).sqrt();
        for i in 0..n {
            let mut v: [f64; LINES] = std::array::from_fn(|k| taps[k][i]);
            let (mut out_l, mut out_r) = (0.0, 0.0);
            for k in 0..LINES {
                out_l += OUT_L[k] * v[k];
                out_r += OUT_R[k] * v[k];
            }
            wet[0][i] = out_l * scale;
            wet[1][i] = out_r * scale;
            hadamard8(&mut v);
            for k in 0..LINES {
                // Left feeds the even lines, right the odd ones.
                feed[k][i] = v[k] + inject[k % 2][i];
            }
        }
    }
}

/// Dry (`pair`) and wet (`s.wet`) mixed over the piece, the wet with M/S width.
#[inline(always)]
fn mix_out(p: &Piece<'_>, pair: &mut [&mut [f32]], s: &Scratch) {
    let (from, n) = (p.from, p.n);
    let [wl, wr] = &s.wet;
    let (width, mix) = (&s.width[p.at..p.at + n], &s.mix[p.at..p.at + n]);
    if let [l, r] = pair {
        let (l, r) = (&mut l[from..from + n], &mut r[from..from + n]);
        for i in 0..n {
            let (xl, xr) = (f64::from(l[i]), f64::from(r[i]));
            let m = 0.5 * (wl[i] + wr[i]);
            let s = 0.5 * (wl[i] - wr[i]) * width[i];
            l[i] = (xl + mix[i] * (m + s - xl)) as f32;
            r[i] = (xr + mix[i] * (m - s - xr)) as f32;
        }
    } else {
        for (i, l) in pair[0][from..from + n].iter_mut().enumerate() {
            let xl = f64::from(*l);
            let m = 0.5 * (wl[i] + wr[i]);
            let s = 0.5 * (wl[i] - wr[i]) * width[i];
            *l = (xl + mix[i] * (m + s - xl)) as f32;
        }
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
            scratch: Scratch::new(),
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

/// The smoother's next `out.len()` values.
fn ramp_into(smoother: &mut LinearSmoother, out: &mut [f64]) {
    if smoother.is_ramping() {
        out.iter_mut().for_each(|o| *o = smoother.next_value());
    } else {
        out.fill(smoother.value());
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
        // A piece reads its pre-delay up to `BLOCK` pushes further back.
        let pre_line = DelayLine::new(max_pre + BLOCK);
        let tank = Tank {
            pre: [pre_line.clone(), pre_line],
            hp: [0.0; 2],
            lines: std::array::from_fn(|_| DelayLine::new(max_line)),
            absorb: Absorb::default(),
        };
        self.tanks = vec![tank; spec.channels.div_ceil(2)];
        self.redesign();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        // No piece may be longer than the shortest line (only at very low rates).
        let piece = self.lengths.iter().copied().min().unwrap_or(1).min(BLOCK);
        let mut start = 0;
        while start < frames {
            // Decay ramps redesign the filters every `UPDATE` samples, each
            // chunk with the smoothers' values at its end.
            let ramping = self.rt60.is_ramping() || self.hf_ratio.is_ramping();
            let len = if ramping { UPDATE } else { BLOCK }.min(frames - start);
            if ramping {
                for _ in 0..len {
                    self.rt60.next_value();
                    self.hf_ratio.next_value();
                }
                self.redesign();
            }
            let s = &mut *self.scratch;
            // A pre-delay at rest is converted to its read position once.
            let steady = (!self.predelay.is_ramping()).then(|| {
                self.tanks
                    .first()
                    .and_then(|t| t.pre_tap(self.predelay.value()))
            });
            ramp_into(&mut self.predelay, &mut s.pre[..len]);
            ramp_into(&mut self.width, &mut s.width[..len]);
            ramp_into(&mut self.mix, &mut s.mix[..len]);
            for (pair, tank) in channels.chunks_mut(2).zip(&mut self.tanks) {
                let mut at = 0;
                while at < len {
                    let n = piece.min(len - at);
                    let p = Piece {
                        hp: &self.input_hp,
                        lengths: &self.lengths,
                        pre: steady,
                        from: start + at,
                        at,
                        n,
                    };
                    tank.run(&p, pair, s);
                    at += n;
                }
            }
            start += len;
        }
    }

    fn reset(&mut self) {
        self.tanks.iter_mut().for_each(Tank::reset);
    }
}
