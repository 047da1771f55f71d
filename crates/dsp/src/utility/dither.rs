//! [`Dither`]: word-length reduction with TPDF dither and optional noise
//! shaping, deterministic for a given seed so renders are bit-identical.
//!
//! TPDF (the sum of two independent uniform variables of ±½ LSB) is the
//! lowest-power dither that makes both the mean and the variance of the
//! quantisation error independent of the signal: no distortion and no noise
//! modulation. Noise shaping feeds the total error back through a filter
//! `H(z)` so the added noise is shaped by `1 − H(z)`: pushed out of the
//! frequencies where hearing is most sensitive.

use crate::processor::{ProcessSpec, Processor};

/// Error-feedback filter used for noise shaping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoiseShaping {
    /// Flat TPDF noise.
    #[default]
    None,
    /// `1 − H(z) = (1 − z⁻¹)²`: a simple 2nd-order high-pass shape (+12 dB/oct),
    /// safe at any sample rate.
    SecondOrder,
    /// The 9-tap E-weighted error filter of Wannamaker / Lipshitz et al. (1991),
    /// designed for 44.1–48 kHz: lowest audible noise, ≈ +15 dB near Nyquist.
    Lipshitz9,
}

/// Published coefficients `h₁…h₉` of the 9-tap E-weighted shaper.
const LIPSHITZ9: [f64; 9] = [
    2.412, -3.370, 3.937, -4.174, 3.353, -2.205, 1.281, -0.569, 0.0847,
];
const SECOND_ORDER: [f64; 2] = [2.0, -1.0];

/// Dither settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DitherParams {
    /// Target word length in bits (2–24; 16 for CD, 24 for delivery). The
    /// output is `f32`, whose 24-bit mantissa holds at most a 24-bit grid exactly.
    pub bits: u32,
    /// Noise shaping filter.
    pub shaping: NoiseShaping,
    /// Random seed: the same seed and input give bit-identical output.
    pub seed: u64,
}

impl Default for DitherParams {
    /// 16-bit, flat TPDF, seed 0.
    fn default() -> Self {
        Self {
            bits: 16,
            shaping: NoiseShaping::None,
            seed: 0,
        }
    }
}

#[derive(Debug, Clone)]
struct ChannelDither {
    rng: fastrand::Rng,
    /// Past total errors, newest first (`e[n−1]`, `e[n−2]`, …).
    errors: [f64; HISTORY],
}

/// The dither/quantiser for any channel count (independent noise per channel).
/// Output values lie exactly on the grid `k / 2^(bits−1)`, clamped to
/// `[−1, 1 − 2^(1−bits)]`.
#[derive(Debug, Clone)]
pub struct Dither {
    params: DitherParams,
    channels: Vec<ChannelDither>,
}

impl Dither {
    /// A dither stage with `params`.
    pub fn new(params: DitherParams) -> Self {
        Self {
            params,
            channels: Vec::new(),
        }
    }

    fn seeded(&self, ch: usize) -> fastrand::Rng {
        // Distinct, reproducible streams per channel (golden-ratio increment).
        fastrand::Rng::with_seed(self.params.seed ^ (ch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
}

impl Dither {
    crate::simd::dispatch! {
        /// [`Processor::process`]: dither and quantise every channel in place.
        /// (Here rather than in the trait impl, which cannot hold the copy.)
        #[inline]
        fn quantise(&mut self, channels: &mut [&mut [f32]]);
        /// [`quantise`](Self::quantise) compiled for AVX2, where rounding is an
        /// instruction instead of a libm call (it was a tenth of the dither's
        /// time); the same operations, so the same output.
        feature "avx2" fn process_avx2;
        portable fn process_portable;
    }

    #[inline(always)]
    fn process_portable(&mut self, channels: &mut [&mut [f32]]) {
        let q = Quantiser::new(self.params.bits);
        match self.params.shaping {
            NoiseShaping::None => {
                // Flat TPDF: no feedback, every sample independent.
                for (ch, st) in channels.iter_mut().zip(&mut self.channels) {
                    for x in ch.iter_mut() {
                        *x = q.flat(&mut st.rng, *x);
                    }
                }
            }
            NoiseShaping::SecondOrder => q.shaped(
                &Shaper::<1>::new(&SECOND_ORDER),
                channels,
                &mut self.channels,
            ),
            NoiseShaping::Lipshitz9 => {
                q.shaped(&Shaper::<8>::new(&LIPSHITZ9), channels, &mut self.channels)
            }
        }
    }
}

/// A shaping filter split as the feedback loop uses it: the first tap
/// weighs the newest error, the `K` others the older ones. `K` is a
/// constant so the dot product unrolls and the error history lives in
/// registers for a whole block instead of being shifted in memory every
/// sample (which put a store and a reload on the loop's dependency chain).
#[derive(Debug, Clone, Copy)]
struct Shaper<const K: usize> {
    newest: f64,
    older: [f64; K],
}

impl<const K: usize> Shaper<K> {
    /// `taps` = `h₁…h_{K+1}`.
    fn new<const T: usize>(taps: &[f64; T]) -> Self {
        let mut older = [0.0; K];
        older.copy_from_slice(&taps[1..]);
        Self {
            newest: taps[0],
            older,
        }
    }
}

/// A word length, applied a sample at a time.
#[derive(Debug, Clone, Copy)]
struct Quantiser {
    /// Grid steps per unit: 2^(bits−1).
    scale: f64,
    /// `1 / scale`, exact (a power of two): a multiply instead of a divide.
    step: f64,
    lo: f64,
    hi: f64,
}

impl Quantiser {
    fn new(bits: u32) -> Self {
        let scale = 2f64.powi(bits.clamp(2, 24) as i32 - 1);
        Self {
            scale,
            step: scale.recip(),
            lo: -scale,
            hi: scale - 1.0,
        }
    }

    /// Dithers and quantises one sample, without shaping.
    #[inline(always)]
    fn flat(&self, rng: &mut fastrand::Rng, x: f32) -> f32 {
        let v = f64::from(x) * self.scale;
        let q = self.dithered_grid_point(v, rng);
        (q * self.step) as f32
    }

    /// `v` (in LSBs) plus TPDF dither, rounded to the grid and clamped to
    /// the word's range.
    #[inline(always)]
    fn dithered_grid_point(&self, v: f64, rng: &mut fastrand::Rng) -> f64 {
        (v + tpdf(rng)).round().clamp(self.lo, self.hi)
    }

    /// Dithers and quantises every channel with the error fed back through
    /// `shaper`; the errors of each channel are carried in `states`.
    #[inline(always)]
    fn shaped<const K: usize>(
        &self,
        shaper: &Shaper<K>,
        channels: &mut [&mut [f32]],
        states: &mut [ChannelDither],
    ) {
        match (channels, states) {
            // Two channels side by side: their feedback loops are independent,
            // so interleaving them lets the core overlap the two recursions.
            ([left, right], [sl, sr]) => {
                let (mut el, mut er) = (sl.errors, sr.errors);
                for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                    *l = self.shaped_step(shaper, &mut sl.rng, &mut el, *l);
                    *r = self.shaped_step(shaper, &mut sr.rng, &mut er, *r);
                }
                (sl.errors, sr.errors) = (el, er);
            }
            (channels, states) => {
                for (ch, st) in channels.iter_mut().zip(states) {
                    let mut errors = st.errors;
                    for x in ch.iter_mut() {
                        *x = self.shaped_step(shaper, &mut st.rng, &mut errors, *x);
                    }
                    st.errors = errors;
                }
            }
        }
    }

    /// One sample with error feedback; `errors` holds the past total errors,
    /// newest first.
    #[inline(always)]
    fn shaped_step<const K: usize>(
        &self,
        shaper: &Shaper<K>,
        rng: &mut fastrand::Rng,
        errors: &mut [f64; HISTORY],
        x: f32,
    ) -> f32 {
        let input = f64::from(x) * self.scale;
        // The older errors' share is known a sample early; only the newest
        // error's term sits on the feedback loop's dependency chain.
        let older: f64 = shaper
            .older
            .iter()
            .zip(&errors[1..])
            .map(|(h, e)| h * e)
            .sum();
        let v = input - (older + shaper.newest * errors[0]);
        let q = self.dithered_grid_point(v, rng);
        errors.copy_within(0..HISTORY - 1, 1);
        // Clamp the remembered error so a clipped sample cannot drive the
        // feedback loop unstable.
        errors[0] = (q - v).clamp(-4.0, 4.0);
        (q * self.step) as f32
    }
}

/// One TPDF dither value in LSBs, on (−1, 1): the difference of two
/// independent uniform variables on [0, 1). Both come from one 64-bit draw,
/// its two halves at 2⁻³² resolution (a billionth of an LSB, far finer than
/// dither needs), instead of two `f64` draws that each run fastrand's
/// rejection loop and its 53-bit conversion.
#[inline(always)]
fn tpdf(rng: &mut fastrand::Rng) -> f64 {
    const UNIT: f64 = 1.0 / 4_294_967_296.0;
    let bits = rng.u64(..);
    let (a, b) = (bits as u32, (bits >> 32) as u32);
    (f64::from(a) - f64::from(b)) * UNIT
}

/// Past errors remembered per channel: enough for the longest shaper.
const HISTORY: usize = LIPSHITZ9.len();

impl Processor for Dither {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.channels = (0..spec.channels)
            .map(|ch| ChannelDither {
                rng: self.seeded(ch),
                errors: [0.0; HISTORY],
            })
            .collect();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.quantise(channels);
    }

    fn reset(&mut self) {
        for ch in 0..self.channels.len() {
            let rng = self.seeded(ch);
            self.channels[ch] = ChannelDither {
                rng,
                errors: [0.0; HISTORY],
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The difference of two independent uniforms on [0, 1): mean 0,
    /// variance 1/6 LSB², inside (−1, 1), and triangular (3/4 of the values
    /// within ±½).
    #[test]
    fn tpdf_has_the_triangular_distribution() {
        let mut rng = fastrand::Rng::with_seed(3);
        let n = 1_000_000;
        let (mut sum, mut sq, mut inner) = (0.0, 0.0, 0usize);
        for _ in 0..n {
            let d = tpdf(&mut rng);
            assert!(d > -1.0 && d < 1.0, "{d}");
            sum += d;
            sq += d * d;
            inner += usize::from(d.abs() < 0.5);
        }
        let mean = sum / n as f64;
        let variance = sq / n as f64 - mean * mean;
        assert!(mean.abs() < 2e-3, "mean {mean}");
        assert!((variance * 6.0 - 1.0).abs() < 0.01, "variance {variance}");
        let share = inner as f64 / n as f64;
        assert!((share - 0.75).abs() < 2e-3, "{share} within ±½");
    }
}
