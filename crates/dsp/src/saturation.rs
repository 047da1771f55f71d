//! Saturation: soft clip, tape and tube curves, run at 8× the base rate.
//!
//! A memoryless curve applied to a sine creates harmonics far above Nyquist;
//! at the base rate they fold back as inharmonic aliases. The curve therefore
//! runs inside an 8× half-band cascade of [`crate::oversample`]
//! (`CascadeDesign::SATURATION`: flat to 0.4535·fs, 20 kHz at 44.1 kHz,
//! and ≥ 100 dB down from 0.5465·fs, so whatever folds back lands above
//! 20 kHz or ≥ 100 dB down). At 8× a 10 kHz sine
//! driven hard at 44.1 kHz keeps every alias below −80 dB relative to the
//! fundamental (`tests/saturation.rs`); 4× is not enough for the sharpest
//! drive settings because the curves' harmonics decay only exponentially.
//!
//! The dry path is delayed by the same (integer) round-trip latency, so the
//! mix control blends time-aligned signals and `mix = 0 %` is an exact delay.

use crate::denormal::flush;
use crate::oversample::CascadeDesign;
use crate::oversample_block::{Decimator8, Interpolator8, MAX_FRAMES};
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

/// Piecewise cubic Hermite table of an odd function on [0, `TABLE_RANGE`],
/// designed in `f64` and evaluated in `f32` over blocks.
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
///
/// Why `f32` evaluation: the oversampled signal is `f32` on both sides of the
/// curve, so an `f64` evaluation was rounded to `f32` at once; evaluating the
/// same polynomial with `f32` coefficients adds at most a few `f32` units of
/// rounding (< 5·10⁻⁷, −126 dB, tested) and lets a vector hold 8 samples
/// instead of 4. The `f64` design is kept for its accuracy test.
#[derive(Debug)]
struct OddTable {
    /// Per segment the polynomial in the local coordinate t ∈ [0, 1):
    /// c₀ + t·(c₁ + t·(c₂ + t·c₃)); kept for the accuracy test of the design.
    #[cfg(test)]
    coeffs: Box<[[f64; 4]; SEGMENTS]>,
    /// The same coefficients rounded to `f32`, one 16-byte row per segment.
    rows: Box<[[f32; 4]; SEGMENTS]>,
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
        let rows: Vec<[f32; 4]> = coeffs.iter().map(|c| c.map(|v| v as f32)).collect();
        Self {
            #[cfg(test)]
            coeffs: coeffs
                .into_boxed_slice()
                .try_into()
                .expect("SEGMENTS coefficients"),
            rows: rows
                .into_boxed_slice()
                .try_into()
                .expect("SEGMENTS coefficients"),
        }
    }

    /// The `f32` evaluation: the same steps as [`eval`](Self::eval) (and as
    /// [`eval8`](Self::eval8), lane by lane, bit for bit).
    #[inline(always)]
    fn eval_f32(&self, x: f32) -> f32 {
        // At s = SEGMENTS the last segment is evaluated at t = 1: its end
        // knot, the held value.
        let s = (x.abs() * SEGMENTS_PER_UNIT as f32).min(SEGMENTS as f32);
        let i = (s as i32).min(SEGMENTS as i32 - 1);
        let t = s - i as f32;
        let c = &self.rows[i as usize];
        (c[0] + t * (c[1] + t * (c[2] + t * c[3]))).copysign(x)
    }

    /// [`eval_f32`](Self::eval_f32) on 8 lanes: the index and the
    /// polynomial in vector registers, the 8 coefficient rows loaded as
    /// 16-byte rows and transposed (Zen-class gathers are slower than that).
    ///
    /// # Safety
    /// Only for code compiled with AVX2 enabled (it is inlined into
    /// [`CurveTables::shape_block_avx2`]; a `target_feature` function could
    /// not be forced inline, and as a call it cost a fifth of the saturator).
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn eval8(&self, x: std::arch::x86_64::__m256) -> std::arch::x86_64::__m256 {
        use std::arch::x86_64::*;
        // SAFETY: AVX2 is enabled where this is inlined (see # Safety); the
        // only memory accesses are the loads of whole 16-byte table rows at
        // clamped indices.
        unsafe {
            let sign_mask = _mm256_set1_ps(-0.0);
            let sign = _mm256_and_ps(x, sign_mask);
            let ax = _mm256_andnot_ps(sign_mask, x);
            let s = _mm256_min_ps(
                _mm256_mul_ps(ax, _mm256_set1_ps(SEGMENTS_PER_UNIT as f32)),
                _mm256_set1_ps(SEGMENTS as f32),
            );
            let i = _mm256_min_epi32(
                _mm256_cvttps_epi32(s),
                _mm256_set1_epi32(SEGMENTS as i32 - 1),
            );
            let t = _mm256_sub_ps(s, _mm256_cvtepi32_ps(i));
            // Byte offsets of the rows (16 bytes each), shifted in the
            // vector and taken out two per 64-bit move: the lane-by-lane
            // extracts, shifts and bounds checks were half the loop's
            // instructions.
            let offsets = _mm256_slli_epi32::<4>(i);
            let (low, high) = (
                _mm256_castsi256_si128(offsets),
                _mm256_extracti128_si256::<1>(offsets),
            );
            let pairs = [
                _mm_cvtsi128_si64(low) as u64,
                _mm_extract_epi64::<1>(low) as u64,
                _mm_cvtsi128_si64(high) as u64,
                _mm_extract_epi64::<1>(high) as u64,
            ];
            let base = self.rows.as_ptr().cast::<u8>();
            // Each index is in [0, SEGMENTS) (clamped above; NaN maps to the
            // last segment like the portable path), so every row read lies
            // inside `rows`.
            let row = |k: usize| {
                let offset = (pairs[k / 2] >> (32 * (k % 2))) as u32;
                _mm_loadu_ps(base.add(offset as usize).cast())
            };
            let a0 = _mm256_set_m128(row(4), row(0));
            let a1 = _mm256_set_m128(row(5), row(1));
            let a2 = _mm256_set_m128(row(6), row(2));
            let a3 = _mm256_set_m128(row(7), row(3));
            // 4×4 transpose in each 128-bit half: c_j holds coefficient j of
            // lanes 0–3 (low half) and 4–7 (high half).
            let t0 = _mm256_unpacklo_ps(a0, a1);
            let t1 = _mm256_unpacklo_ps(a2, a3);
            let t2 = _mm256_unpackhi_ps(a0, a1);
            let t3 = _mm256_unpackhi_ps(a2, a3);
            let c0 = _mm256_shuffle_ps::<0x44>(t0, t1);
            let c1 = _mm256_shuffle_ps::<0xEE>(t0, t1);
            let c2 = _mm256_shuffle_ps::<0x44>(t2, t3);
            let c3 = _mm256_shuffle_ps::<0xEE>(t2, t3);
            let y = _mm256_add_ps(
                c0,
                _mm256_mul_ps(
                    t,
                    _mm256_add_ps(
                        c1,
                        _mm256_mul_ps(t, _mm256_add_ps(c2, _mm256_mul_ps(t, c3))),
                    ),
                ),
            );
            _mm256_or_ps(_mm256_andnot_ps(sign_mask, y), sign)
        }
    }

    /// The `f64` design at `x`.
    #[cfg(test)]
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
    /// Tube constants: tanh(b) as the `f32` table gives it (so that 0 maps
    /// to exactly 0) and 1/(1 − tanh²(b)).
    tube_offset_f32: f32,
    tube_norm_f32: f32,
}

impl CurveTables {
    fn get() -> &'static Self {
        static TABLES: std::sync::OnceLock<CurveTables> = std::sync::OnceLock::new();
        TABLES.get_or_init(|| {
            let tb = TUBE_BIAS.tanh();
            let tanh = OddTable::new(f64::tanh, |x| 1.0 - x.tanh().powi(2));
            Self {
                tube_offset_f32: tanh.eval_f32(TUBE_BIAS as f32),
                tube_norm_f32: (1.0 / (1.0 - tb * tb)) as f32,
                tanh,
                tape: OddTable::new(tape, |x| (-0.25 * std::f64::consts::PI * x * x).exp()),
            }
        })
    }

    /// The curve of `mode` at `x` (within 10⁻⁹ of [`SaturationMode::shape`]):
    /// the `f64` design that [`shape_f32`](Self::shape_f32) rounds.
    #[cfg(test)]
    fn shape(&self, mode: SaturationMode, x: f64) -> f64 {
        match mode {
            SaturationMode::SoftClip => self.tanh.eval(x),
            SaturationMode::Tape => self.tape.eval(x),
            SaturationMode::Tube => {
                // The offset is read from the table so that 0 maps to exactly 0.
                let tb = TUBE_BIAS.tanh();
                (self.tanh.eval(x + TUBE_BIAS) - self.tanh.eval(TUBE_BIAS)) / (1.0 - tb * tb)
            }
        }
    }

    /// The curve of `mode` at `x` as the block path computes it.
    #[inline(always)]
    fn shape_f32(&self, mode: SaturationMode, x: f32) -> f32 {
        match mode {
            SaturationMode::SoftClip => self.tanh.eval_f32(x),
            SaturationMode::Tape => self.tape.eval_f32(x),
            SaturationMode::Tube => {
                (self.tanh.eval_f32(x + TUBE_BIAS as f32) - self.tube_offset_f32)
                    * self.tube_norm_f32
            }
        }
    }

    /// Apply the curve of `mode` to every sample of `buf`.
    fn shape_block(&self, mode: SaturationMode, buf: &mut [f32]) {
        // Not `simd::dispatch!`: the AVX2 path is hand-written intrinsics, not a copy of this loop.
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { self.shape_block_avx2(mode, buf) };
            return;
        }
        for v in buf {
            *v = self.shape_f32(mode, *v);
        }
    }

    /// [`shape_block`](Self::shape_block) 8 samples at a time; the same
    /// operations in the same order (no fused multiply-add), so the same
    /// results.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn shape_block_avx2(&self, mode: SaturationMode, buf: &mut [f32]) {
        use std::arch::x86_64::*;
        let mut chunks = buf.chunks_exact_mut(8);
        for chunk in &mut chunks {
            // SAFETY: `chunk` holds 8 f32 (unaligned load and store); AVX2
            // is enabled for this function.
            unsafe {
                let x = _mm256_loadu_ps(chunk.as_ptr());
                let y = match mode {
                    SaturationMode::SoftClip => self.tanh.eval8(x),
                    SaturationMode::Tape => self.tape.eval8(x),
                    SaturationMode::Tube => _mm256_mul_ps(
                        _mm256_sub_ps(
                            self.tanh
                                .eval8(_mm256_add_ps(x, _mm256_set1_ps(TUBE_BIAS as f32))),
                            _mm256_set1_ps(self.tube_offset_f32),
                        ),
                        _mm256_set1_ps(self.tube_norm_f32),
                    ),
                };
                _mm256_storeu_ps(chunk.as_mut_ptr(), y);
            }
        }
        for v in chunks.into_remainder() {
            *v = self.shape_f32(mode, *v);
        }
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
    /// The dry path: the last `round_trip` input samples, then room for one
    /// sub-block (a block is delayed by copies, not by a ring index per sample).
    dry: Vec<f32>,
    /// DC blocker memories (previous input and output).
    dc_x: f64,
    dc_y: f64,
}

/// Oversampled waveshaper. See the module docs.
#[derive(Debug)]
pub struct Saturator {
    params: SaturatorParams,
    lanes: Vec<Lane>,
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
    /// The wet signal in `f64`, after the tube curve's DC blocker.
    wet: [f64; MAX_FRAMES],
    /// The 8× signal.
    high: [f32; 8 * MAX_FRAMES],
}

impl Saturator {
    /// A saturator with `params`; call [`Processor::prepare`] before use.
    pub fn new(params: SaturatorParams) -> Self {
        let mut s = Self {
            params,
            lanes: Vec::new(),
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
                wet: [0.0; MAX_FRAMES],
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
        2 * CascadeDesign::SATURATION.latency(3)
    }

    crate::simd::dispatch! {
        /// One sub-block of at most [`MAX_FRAMES`] frames.
        fn process_block(
            &mut self,
            channels: &mut [&mut [f32]],
            range: std::ops::Range<usize>,
            nch: usize,
        );
        /// [`process_block`](Self::process_block) compiled for AVX2: the
        /// base-rate loops (drive, conversions, dry/wet mix) run 4 frames per
        /// vector instead of 2. The same operations, so the same results.
        feature "avx2" fn process_block_avx2;
        portable fn process_block_portable;
    }

    #[inline(always)]
    fn process_block_portable(
        &mut self,
        channels: &mut [&mut [f32]],
        range: std::ops::Range<usize>,
        nch: usize,
    ) {
        let n = range.len();
        let mode = self.params.mode;
        let rt = self.round_trip();
        let sc = &mut *self.scratch;
        // Per-frame parameters; at rest (no ramp) a smoother returns its
        // value unchanged, so a fill gives the same numbers without three
        // smoother steps per frame.
        for (smoother, values) in [
            (&mut self.drive, &mut sc.drive),
            (&mut self.mix, &mut sc.mix),
            (&mut self.output, &mut sc.output),
        ] {
            if smoother.is_ramping() {
                values[..n].fill_with(|| smoother.next_value());
            } else {
                values[..n].fill(smoother.value());
            }
        }
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
            lane.dry[rt..rt + n].copy_from_slice(channel);
            let wet = &mut sc.wet[..n];
            for (w, &b) in wet.iter_mut().zip(&sc.base) {
                *w = f64::from(b);
            }
            if mode == SaturationMode::Tube {
                for w in wet.iter_mut() {
                    // One-pole DC blocker: y = x − x₁ + R·y₁.
                    let y = *w - lane.dc_x + self.dc_coeff * lane.dc_y;
                    lane.dc_x = *w;
                    lane.dc_y = flush(y);
                    *w = y;
                }
            }
            for ((((y, &dry), &wet), &mix), &out) in channel
                .iter_mut()
                .zip(&lane.dry[..n])
                .zip(&*wet)
                .zip(&sc.mix)
                .zip(&sc.output)
            {
                let dry = f64::from(dry);
                *y = ((dry + mix * (wet - dry)) * out) as f32;
            }
            lane.dry.copy_within(n..n + rt, 0);
        }
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
                up: Interpolator8::new(CascadeDesign::SATURATION),
                down: Decimator8::new(CascadeDesign::SATURATION),
                dry: vec![0.0; rt + MAX_FRAMES],
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
        self.drive.set_immediate(db_to_gain(self.params.drive_db));
        self.mix
            .set_immediate(self.params.mix_percent.clamp(0.0, 100.0) / 100.0);
        self.output.set_immediate(db_to_gain(self.params.output_db));
    }

    /// Up- plus down-sampler latency (80 samples at any rate).
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

    /// The `f32` block path (vector and scalar alike) rounds the `f64` design
    /// by no more than a few `f32` units: each of the seven operations rounds
    /// by at most half a unit of 1 (6·10⁻⁸), the coefficients by 6·10⁻⁸ each,
    /// and the tube curve scales its difference by 1.1, so 5·10⁻⁷ bounds it.
    /// The vector path equals the scalar path bit for bit, ragged tail included.
    #[test]
    fn f32_block_path_rounds_the_design_only() {
        let tables = CurveTables::get();
        let xs: Vec<f32> = (-120_003..=120_003)
            .map(|i| i as f32 * 1e-4 + 3.7e-6)
            .chain([0.0, -0.0, 11.0, -11.0, 1e6, -1e6, f32::INFINITY])
            .collect();
        for mode in [
            SaturationMode::SoftClip,
            SaturationMode::Tape,
            SaturationMode::Tube,
        ] {
            let mut block = xs.clone();
            tables.shape_block(mode, &mut block);
            let mut worst = 0.0f64;
            for (&x, &y) in xs.iter().zip(&block) {
                assert_eq!(
                    y.to_bits(),
                    tables.shape_f32(mode, x).to_bits(),
                    "{mode:?} {x}"
                );
                worst = worst.max((f64::from(y) - tables.shape(mode, f64::from(x))).abs());
            }
            println!("{mode:?}: worst f32 rounding {worst:e}");
            assert!(worst < 5e-7, "{mode:?}: {worst:e}");
            assert_eq!(tables.shape_f32(mode, 0.0), 0.0);
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
