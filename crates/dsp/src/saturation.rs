//! Saturation: soft clip, tape and tube curves, run at 8× the base rate.
//!
//! A memoryless curve applied to a sine creates harmonics far above Nyquist;
//! at the base rate they fold back as inharmonic aliases. The curve therefore
//! runs inside the 8× half-band cascade of [`crate::oversample`], whose
//! decimator rejects everything above 0.52·fs by ≥ 90 dB. At 8× a 10 kHz sine
//! driven hard at 44.1 kHz keeps every alias below −80 dB relative to the
//! fundamental (`tests/saturation.rs`); 4× is not enough for the sharpest
//! drive settings because the curves' harmonics decay only exponentially.
//!
//! The dry path is delayed by the same (integer) round-trip latency, so the
//! mix control blends time-aligned signals and `mix = 0 %` is an exact delay.

use crate::denormal::flush;
use crate::oversample_block::{self, Decimator8, Interpolator8, MAX_FRAMES};
use crate::processor::{ProcessSpec, Processor};
use crate::smooth::LinearSmoother;
use crate::units::{db_to_gain, ms_to_samples};

/// Ramp for drive, mix and trim changes (ms).
const PARAM_RAMP_MS: f64 = 20.0;

/// DC-blocker corner (Hz): well below the audio band, fast enough to settle
/// within a second.
const DC_BLOCK_HZ: f64 = 5.0;

/// Tube-curve bias: shifts the operating point so the curve is asymmetric
/// and produces even harmonics (a 0.3 bias gives a 2nd harmonic roughly
/// 20 dB below the fundamental when driven to the knee).
const TUBE_BIAS: f64 = 0.3;

/// The transfer curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SaturationMode {
    /// `tanh`: symmetric, odd harmonics, smooth knee.
    #[default]
    SoftClip,
    /// Tape-like: symmetric and gentler than `tanh` at low level (the cubic
    /// term is ~20 % smaller) but saturating firmly, `erf(√π/2·x)` — unity slope
    /// at 0, entire (no poles), so its harmonics decay faster than any
    /// exponential and alias least.
    Tape,
    /// Tube-like: `tanh(x + b) − tanh(b)`, asymmetric so even harmonics appear;
    /// the DC it creates is removed by a 5 Hz high-pass.
    Tube,
}

impl SaturationMode {
    /// The curve, with unity small-signal slope normalised for `Tube`: the
    /// exact reference that [`CurveTables`] approximates.
    #[cfg(test)]
    fn shape(self, x: f64) -> f64 {
        match self {
            Self::SoftClip => x.tanh(),
            Self::Tape => tape(x),
            Self::Tube => {
                let slope = 1.0 - TUBE_BIAS.tanh().powi(2);
                ((x + TUBE_BIAS).tanh() - TUBE_BIAS.tanh()) / slope
            }
        }
    }
}

/// The tape curve `erf(√π/2·x)` (unity slope at 0).
fn tape(x: f64) -> f64 {
    erf(0.5 * std::f64::consts::PI.sqrt() * x)
}

/// Inputs with |x| up to this use the tables; beyond it the curve is held
/// at its value here. Both base curves are then within 5.6·10⁻¹⁰ of ±1
/// (1 − tanh 11 = 5.5·10⁻¹⁰; the tape curve is closer still), below the
/// table error and far below `f32` resolution, so holding them is exact
/// for every practical purpose and keeps the lookup free of branches.
const TABLE_RANGE: usize = 11;

/// Table segments per unit of input.
const SEGMENTS_PER_UNIT: usize = 64;

/// Number of table segments.
const SEGMENTS: usize = TABLE_RANGE * SEGMENTS_PER_UNIT;

/// Piecewise cubic Hermite table of an odd function on [0, `TABLE_RANGE`].
///
/// Why a table: the exact `erf` costs a 60-term series and `tanh` a libm call,
/// and the curve runs 8 times per base sample per channel; evaluating it was
/// 90 % of the saturator's time. Cubic Hermite interpolation matches value and
/// slope at every knot (so the curve stays C¹ and the slope at 0 is exactly
/// 1), and its error is at most h⁴/384·max|f⁗| with h = 1/64: for tanh
/// (max|f⁗| ≈ 4.1) and the tape curve (≈ 3.4) that is < 7·10⁻¹⁰, i.e.
/// −180 dB: far below the −80 dB alias bound and below f32 output resolution.
/// The lookup has no branch (the index is clamped), so it runs at the same
/// speed for every input.
#[derive(Debug)]
struct OddTable {
    /// Per segment the polynomial in the local coordinate t ∈ [0, 1):
    /// c₀ + t·(c₁ + t·(c₂ + t·c₃)).
    coeffs: Box<[[f64; 4]; SEGMENTS]>,
}

impl OddTable {
    /// Tabulate `f` (odd, f(0) = 0) with derivative `df`.
    fn new(f: fn(f64) -> f64, df: fn(f64) -> f64) -> Self {
        let h = 1.0 / SEGMENTS_PER_UNIT as f64;
        let coeffs: Vec<[f64; 4]> = (0..SEGMENTS)
            .map(|i| {
                let (x0, x1) = (i as f64 * h, (i + 1) as f64 * h);
                let (f0, f1) = (f(x0), f(x1));
                let (d0, d1) = (h * df(x0), h * df(x1));
                [
                    f0,
                    d0,
                    3.0 * (f1 - f0) - 2.0 * d0 - d1,
                    2.0 * (f0 - f1) + d0 + d1,
                ]
            })
            .collect();
        Self {
            coeffs: coeffs
                .into_boxed_slice()
                .try_into()
                .expect("SEGMENTS coefficients"),
        }
    }

    #[inline(always)]
    fn eval(&self, x: f64) -> f64 {
        // Largest segment coordinate: t just below 1 in the last segment.
        const S_MAX: f64 = SEGMENTS as f64 - 1e-9;
        let s = (x.abs() * SEGMENTS_PER_UNIT as f64).min(S_MAX);
        // Via i32: the conversion vectorises (s is in [0, SEGMENTS) here).
        let i = s as i32;
        let t = s - f64::from(i);
        let i = (i as usize).min(SEGMENTS - 1);
        let c = &self.coeffs[i];
        (c[0] + t * (c[1] + t * (c[2] + t * c[3]))).copysign(x)
    }
}

/// The tables of both base functions, built once per process.
#[derive(Debug)]
struct CurveTables {
    tanh: OddTable,
    tape: OddTable,
    /// Tube constants: tanh(b) (as tabulated) and 1/(1 − tanh²(b)).
    tube_offset: f64,
    tube_norm: f64,
}

impl CurveTables {
    fn get() -> &'static Self {
        static TABLES: std::sync::OnceLock<CurveTables> = std::sync::OnceLock::new();
        TABLES.get_or_init(|| {
            let tb = TUBE_BIAS.tanh();
            let tanh = OddTable::new(f64::tanh, |x| 1.0 - x.tanh().powi(2));
            Self {
                // The offset is read from the table so that 0 maps to exactly 0.
                tube_offset: tanh.eval(TUBE_BIAS),
                tube_norm: 1.0 / (1.0 - tb * tb),
                tanh,
                tape: OddTable::new(tape, |x| (-0.25 * std::f64::consts::PI * x * x).exp()),
            }
        })
    }

    /// The curve of `mode` at `x` (within 10⁻⁹ of [`SaturationMode::shape`]).
    #[inline(always)]
    fn shape(&self, mode: SaturationMode, x: f64) -> f64 {
        match mode {
            SaturationMode::SoftClip => self.tanh.eval(x),
            SaturationMode::Tape => self.tape.eval(x),
            SaturationMode::Tube => {
                (self.tanh.eval(x + TUBE_BIAS) - self.tube_offset) * self.tube_norm
            }
        }
    }

    /// Apply the curve of `mode` to every sample of `buf` (the mode is
    /// matched once per block, not per sample).
    fn shape_block(&self, mode: SaturationMode, buf: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { self.shape_block_avx2(mode, buf) };
            return;
        }
        self.shape_block_portable(mode, buf);
    }

    /// [`shape_block`](Self::shape_block) with 4-lane gathers and arithmetic;
    /// the same operations in the same order, so the same results.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn shape_block_avx2(&self, mode: SaturationMode, buf: &mut [f32]) {
        self.shape_block_portable(mode, buf);
    }

    #[inline(always)]
    fn shape_block_portable(&self, mode: SaturationMode, buf: &mut [f32]) {
        use SaturationMode::{SoftClip, Tape, Tube};
        // Each arm passes a constant mode, so `shape` folds to one curve.
        match mode {
            SoftClip => apply(buf, |x| self.shape(SoftClip, x)),
            Tape => apply(buf, |x| self.shape(Tape, x)),
            Tube => apply(buf, |x| self.shape(Tube, x)),
        }
    }
}

/// `buf[i] = f(buf[i])`, with `f` inlined into the loop.
#[inline(always)]
fn apply(buf: &mut [f32], f: impl Fn(f64) -> f64) {
    for v in buf {
        *v = f(f64::from(*v)) as f32;
    }
}

/// The error function (Abramowitz–Stegun 7.1.26 is too coarse for −80 dB
/// alias work, so this uses the series for |x| < 3 and the complement's
/// continued fraction beyond; relative error < 1e-13). Hand-written because
/// `std` has no `erf` and one function does not justify a dependency.
fn erf(x: f64) -> f64 {
    let a = x.abs();
    let r = if a < 3.0 {
        // erf x = 2/√π · Σ (−1)^n x^(2n+1) / (n! (2n+1))
        let x2 = a * a;
        let mut term = a;
        let mut sum = a;
        // At |x| < 3 the terms peak near n ≈ x² ≤ 9 and fall below 1e-17 of
        // the sum by n = 60; a fixed count keeps the loop bounded for any x.
        for n in 1..=60 {
            let n = f64::from(n);
            term *= -x2 / n;
            sum += term / (2.0 * n + 1.0);
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    } else {
        // erfc x = e^(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …))))
        let mut f = a;
        for k in (1..60).rev() {
            f = a + (k as f64 * 0.5) / f;
        }
        1.0 - (-a * a).exp() / (std::f64::consts::PI.sqrt() * f)
    };
    r.copysign(x)
}

/// Saturator settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SaturatorParams {
    /// Curve.
    pub mode: SaturationMode,
    /// Gain into the curve, dB. 0 dB keeps a full-scale signal at the knee.
    pub drive_db: f64,
    /// Wet share, percent (0 = dry only, 100 = wet only).
    pub mix_percent: f64,
    /// Gain after the mix, dB (compensates the drive's loudness increase).
    pub output_db: f64,
}

impl Default for SaturatorParams {
    /// Gentle tape colour: +6 dB drive, fully wet, −3 dB trim.
    fn default() -> Self {
        Self {
            mode: SaturationMode::Tape,
            drive_db: 6.0,
            mix_percent: 100.0,
            output_db: -3.0,
        }
    }
}

/// Per-channel state.
#[derive(Debug, Clone)]
struct Lane {
    up: Interpolator8,
    down: Decimator8,
    dry: Vec<f64>,
    /// DC blocker memories (previous input and output).
    dc_x: f64,
    dc_y: f64,
}

/// Oversampled waveshaper. See the module docs.
#[derive(Debug)]
pub struct Saturator {
    params: SaturatorParams,
    lanes: Vec<Lane>,
    dry_pos: usize,
    drive: LinearSmoother,
    mix: LinearSmoother,
    output: LinearSmoother,
    dc_coeff: f64,
    /// Curve tables, built (once per process) at construction, never in
    /// `process`, which must not allocate.
    tables: &'static CurveTables,
    scratch: Box<Scratch>,
}

/// Working storage for one sub-block of at most [`MAX_FRAMES`] frames.
#[derive(Debug)]
struct Scratch {
    drive: [f64; MAX_FRAMES],
    mix: [f64; MAX_FRAMES],
    output: [f64; MAX_FRAMES],
    /// One channel's driven input, then its decimated wet signal.
    base: [f32; MAX_FRAMES],
    /// The 8× signal.
    high: [f32; 8 * MAX_FRAMES],
}

impl Saturator {
    /// A saturator with `params`; call [`Processor::prepare`] before use.
    pub fn new(params: SaturatorParams) -> Self {
        let mut s = Self {
            params,
            lanes: Vec::new(),
            dry_pos: 0,
            drive: LinearSmoother::new(1.0, 0),
            mix: LinearSmoother::new(1.0, 0),
            output: LinearSmoother::new(1.0, 0),
            dc_coeff: 0.0,
            tables: CurveTables::get(),
            scratch: Box::new(Scratch {
                drive: [0.0; MAX_FRAMES],
                mix: [0.0; MAX_FRAMES],
                output: [0.0; MAX_FRAMES],
                base: [0.0; MAX_FRAMES],
                high: [0.0; 8 * MAX_FRAMES],
            }),
        };
        s.prepare(&ProcessSpec::new(48_000.0, 2, 512));
        s
    }

    /// Current settings.
    pub fn params(&self) -> &SaturatorParams {
        &self.params
    }

    /// Change settings between blocks; drive, mix and trim ramp over 20 ms.
    /// A mode change switches curves at once (use mix automation to crossfade).
    pub fn set_params(&mut self, params: SaturatorParams) {
        self.params = params;
        self.drive.set_target(db_to_gain(self.params.drive_db));
        self.mix
            .set_target(self.params.mix_percent.clamp(0.0, 100.0) / 100.0);
        self.output.set_target(db_to_gain(self.params.output_db));
    }

    /// Up- plus down-sampling latency, base-rate samples.
    fn round_trip(&self) -> usize {
        2 * oversample_block::latency()
    }

    /// One sub-block of at most [`MAX_FRAMES`] frames.
    fn process_block(
        &mut self,
        channels: &mut [&mut [f32]],
        range: std::ops::Range<usize>,
        nch: usize,
    ) {
        let n = range.len();
        let mode = self.params.mode;
        let dry_len = self.round_trip() + 1;
        let sc = &mut *self.scratch;
        for i in 0..n {
            sc.drive[i] = self.drive.next_value();
            sc.mix[i] = self.mix.next_value();
            sc.output[i] = self.output.next_value();
        }
        let dry_start = self.dry_pos;
        for (lane, channel) in self.lanes.iter_mut().zip(channels.iter_mut()).take(nch) {
            let channel = &mut channel[range.clone()];
            // Drive is applied at the base rate, before interpolation, so
            // that its ramp is band-limited like the signal.
            for ((b, &x), &d) in sc.base.iter_mut().zip(channel.iter()).zip(&sc.drive) {
                *b = (f64::from(x) * d) as f32;
            }
            lane.up.process(&sc.base[..n], &mut sc.high[..8 * n]);
            self.tables.shape_block(mode, &mut sc.high[..8 * n]);
            lane.down.process(&sc.high[..8 * n], &mut sc.base[..n]);
            let mut pos = dry_start;
            for (i, y) in channel.iter_mut().enumerate() {
                let x = f64::from(*y);
                lane.dry[pos] = x;
                pos = if pos + 1 == dry_len { 0 } else { pos + 1 };
                let dry = lane.dry[pos];
                let mut wet = f64::from(sc.base[i]);
                if mode == SaturationMode::Tube {
                    // One-pole DC blocker: y = x − x₁ + R·y₁.
                    let y = wet - lane.dc_x + self.dc_coeff * lane.dc_y;
                    lane.dc_x = wet;
                    lane.dc_y = flush(y);
                    wet = y;
                }
                *y = ((dry + sc.mix[i] * (wet - dry)) * sc.output[i]) as f32;
            }
        }
        self.dry_pos = (dry_start + n) % dry_len;
    }
}

impl Default for Saturator {
    fn default() -> Self {
        Self::new(SaturatorParams::default())
    }
}

impl Processor for Saturator {
    fn prepare(&mut self, spec: &ProcessSpec) {
        let rt = self.round_trip();
        self.lanes = (0..spec.channels)
            .map(|_| Lane {
                up: Interpolator8::new(),
                down: Decimator8::new(),
                dry: vec![0.0; rt + 1],
                dc_x: 0.0,
                dc_y: 0.0,
            })
            .collect();
        let ramp = ms_to_samples(PARAM_RAMP_MS, spec.sample_rate);
        self.drive = LinearSmoother::new(db_to_gain(self.params.drive_db), ramp);
        self.mix = LinearSmoother::new(self.params.mix_percent.clamp(0.0, 100.0) / 100.0, ramp);
        self.output = LinearSmoother::new(db_to_gain(self.params.output_db), ramp);
        self.dc_coeff = (-2.0 * std::f64::consts::PI * DC_BLOCK_HZ / spec.sample_rate).exp();
        self.reset();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        let nch = channels.len().min(self.lanes.len());
        let mut start = 0;
        while start < frames {
            let n = (frames - start).min(MAX_FRAMES);
            self.process_block(channels, start..start + n, nch);
            start += n;
        }
    }

    fn reset(&mut self) {
        for lane in &mut self.lanes {
            lane.up.reset();
            lane.down.reset();
            lane.dry.fill(0.0);
            lane.dc_x = 0.0;
            lane.dc_y = 0.0;
        }
        self.dry_pos = 0;
        self.drive.set_immediate(db_to_gain(self.params.drive_db));
        self.mix
            .set_immediate(self.params.mix_percent.clamp(0.0, 100.0) / 100.0);
        self.output.set_immediate(db_to_gain(self.params.output_db));
    }

    /// Up- plus down-sampler latency (172 samples at any rate).
    fn latency(&self) -> usize {
        self.round_trip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_reference_values() {
        // Abramowitz & Stegun table 7.1.
        for (x, want) in [
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
            (3.5, 0.999_999_256_901_627_7),
        ] {
            assert!((erf(x) - want).abs() < 1e-13, "erf({x}) = {}", erf(x));
            assert!((erf(-x) + want).abs() < 1e-13);
        }
    }

    #[test]
    fn tables_match_the_exact_curves() {
        // Dense grid over the table range (±11) and past it (held).
        let tables = CurveTables::get();
        for mode in [
            SaturationMode::SoftClip,
            SaturationMode::Tape,
            SaturationMode::Tube,
        ] {
            let worst = (-140_000..=140_000)
                .map(|i| f64::from(i) * 1e-4 + 3.7e-6)
                .map(|x| (tables.shape(mode, x) - mode.shape(x)).abs())
                .fold(0.0, f64::max);
            // h⁴/384·max|f⁗| < 7e-10 (see `OddTable`); Tube takes the
            // difference of two table values and scales it by 1.1.
            println!("{mode:?}: worst table error {worst:e}");
            assert!(worst < 1.6e-9, "{mode:?}: {worst:e}");
            assert_eq!(tables.shape(mode, 0.0), 0.0);
        }
    }

    #[test]
    fn curves_have_unity_slope_at_zero_and_saturate() {
        for mode in [
            SaturationMode::SoftClip,
            SaturationMode::Tape,
            SaturationMode::Tube,
        ] {
            let slope = (mode.shape(1e-6) - mode.shape(-1e-6)) / 2e-6;
            assert!((slope - 1.0).abs() < 1e-6, "{mode:?} slope {slope}");
            assert!(mode.shape(0.0).abs() < 1e-15);
            assert!(mode.shape(50.0) < 2.0 && mode.shape(-50.0) > -5.0);
        }
    }
}
