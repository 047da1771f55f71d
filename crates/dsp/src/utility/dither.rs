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
    /// [`Processor::process`]: dither and quantise every channel in place.
    /// The 9-tap shaper (the CD master's) has its own AVX2 kernel, which
    /// keeps the error history in vector registers; everything else runs the
    /// compiled loops of [`quantise_loops`](Self::quantise_loops).
    fn quantise(&mut self, channels: &mut [&mut [f32]]) {
        #[cfg(target_arch = "x86_64")]
        if self.params.shaping == NoiseShaping::Lipshitz9
            && std::arch::is_x86_feature_detected!("avx2")
        {
            let q = Quantiser::new(self.params.bits);
            let shaper = Shaper::<8>::new(&LIPSHITZ9);
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { avx2::shaped9(&q, &shaper, channels, &mut self.channels) };
            return;
        }
        self.quantise_loops(channels);
    }

    crate::simd::dispatch! {
        /// The portable sample loops of [`quantise`](Self::quantise), with
        /// an AVX2 copy. (Here rather than in the trait impl, which cannot
        /// hold the copy.)
        #[inline]
        fn quantise_loops(&mut self, channels: &mut [&mut [f32]]);
        /// [`quantise_loops`](Self::quantise_loops) compiled for AVX2, where rounding is an
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

/// The 9-tap shaped loop with AVX2: [`Quantiser::shaped`] with
/// [`Shaper<8>`], the same operations in the same order on each channel, so
/// the same output bit for bit (tested against the portable loop).
///
/// Why by hand: in the compiled loop each channel's nine-error history lived
/// on the stack (two channels' 18 errors and the 9 taps do not fit 16
/// registers) and was shifted there every sample, and the compiler's own
/// pairing of the two channels' last steps made the left channel's next
/// sample wait for the right one's: one long serial chain per frame. Here a
/// channel pair runs in the two lanes of every vector, so one chain of
/// vector operations (products, rounding, clamps) serves both channels, and
/// the history is eight 2-lane registers shifted by renaming.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{ChannelDither, HISTORY, Quantiser, Shaper, tpdf};
    use std::arch::x86_64::*;

    /// Older errors the 9-tap shaper reads besides the newest.
    const OLDER: usize = HISTORY - 1;

    /// Two channels' loop state, left in lane 0 and right in lane 1.
    struct Pair {
        rng: [fastrand::Rng; 2],
        /// `e[n−1]`.
        newest: __m128d,
        /// `older[k]` = `e[n−2−k]`.
        older: [__m128d; OLDER],
    }

    impl Pair {
        #[inline(always)]
        fn load(left: &ChannelDither, right: &ChannelDither) -> Self {
            let lanes = |k: usize| {
                // SAFETY: register-only SSE2 (baseline on x86-64).
                unsafe { _mm_set_pd(right.errors[k], left.errors[k]) }
            };
            Self {
                rng: [left.rng.clone(), right.rng.clone()],
                newest: lanes(0),
                older: std::array::from_fn(|k| lanes(k + 1)),
            }
        }

        #[inline(always)]
        fn store(self, left: &mut ChannelDither, right: &mut ChannelDither) {
            let [rl, rr] = self.rng;
            (left.rng, right.rng) = (rl, rr);
            for (k, v) in std::iter::once(self.newest).chain(self.older).enumerate() {
                // SAFETY: register-only SSE2.
                unsafe {
                    left.errors[k] = _mm_cvtsd_f64(v);
                    right.errors[k] = _mm_cvtsd_f64(_mm_unpackhi_pd(v, v));
                }
            }
        }
    }

    /// Dithers and quantises every channel with the error fed back through
    /// the 9-tap `shaper`: channel pairs in the lanes of one vector loop, an
    /// odd last channel by the portable loop (compiled here with AVX2).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) fn shaped9(
        q: &Quantiser,
        shaper: &Shaper<OLDER>,
        channels: &mut [&mut [f32]],
        states: &mut [ChannelDither],
    ) {
        let mut channels = channels.chunks_exact_mut(2);
        let mut states = states.chunks_exact_mut(2);
        for (pair, st) in (&mut channels).zip(&mut states) {
            let [left, right] = pair else { continue };
            let [sl, sr] = st else { continue };
            let mut lanes = Pair::load(sl, sr);
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                (*l, *r) = step(q, shaper, &mut lanes, *l, *r);
            }
            lanes.store(sl, sr);
        }
        q.shaped(shaper, channels.into_remainder(), states.into_remainder());
    }

    /// `f64::round` (half away from zero) on both lanes: truncate
    /// `w + copysign(0.5 − 2⁻⁵⁴, w)` (adding 0.5 itself would round
    /// 0.5 − 2⁻⁵⁴ up to 1). Both signs' sums are formed and the sign bit of
    /// `w` picks one (`w − h` is `w + (−h)` exactly), which takes the and/or
    /// that builds the copysign off the feedback recursion.
    #[inline(always)]
    pub(super) fn round(w: __m128d) -> __m128d {
        // SAFETY: register-only SSE4.1; inlined only where AVX2 (which
        // implies it) is enabled.
        unsafe {
            let half = _mm_set1_pd(0.499_999_999_999_999_94);
            let up =
                _mm_round_pd::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(_mm_add_pd(w, half));
            let down =
                _mm_round_pd::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(_mm_sub_pd(w, half));
            _mm_blendv_pd(up, down, w)
        }
    }

    /// [`Quantiser::shaped_step`] on both lanes of a [`Pair`].
    #[inline(always)]
    fn step(q: &Quantiser, shaper: &Shaper<OLDER>, lanes: &mut Pair, l: f32, r: f32) -> (f32, f32) {
        // SAFETY: register-only SSE4.1 operations; AVX2 (which implies
        // them) is enabled in the only caller, `shaped9`, into which this is
        // inlined.
        unsafe {
            // The portable sum's order: h₂e₂ + h₃e₃ + … + h₉e₉, left to right
            // (its −0 start adds nothing).
            let mut older = _mm_mul_pd(_mm_set1_pd(shaper.older[0]), lanes.older[0]);
            for k in 1..OLDER {
                older = _mm_add_pd(
                    older,
                    _mm_mul_pd(_mm_set1_pd(shaper.older[k]), lanes.older[k]),
                );
            }
            let input = _mm_mul_pd(_mm_set_pd(f64::from(r), f64::from(l)), _mm_set1_pd(q.scale));
            let fed = _mm_add_pd(older, _mm_mul_pd(_mm_set1_pd(shaper.newest), lanes.newest));
            let v = _mm_sub_pd(input, fed);
            let [rl, rr] = &mut lanes.rng;
            let w = _mm_add_pd(v, _mm_set_pd(tpdf(rr), tpdf(rl)));
            let rounded = round(w);
            let (lo, hi) = (_mm_set1_pd(q.lo), _mm_set1_pd(q.hi));
            // `clamp(lo, hi)`: lo where lo > x, then hi where hi < x.
            let grid = _mm_min_pd(hi, _mm_max_pd(lo, rounded));
            // Shift the history by renaming; the newest error goes in front.
            for k in (1..OLDER).rev() {
                lanes.older[k] = lanes.older[k - 1];
            }
            lanes.older[0] = lanes.newest;
            // The error `clamp(grid − v, −4, 4)`, with the clamps taken off
            // the recursion: on the grid's range it is `rounded − v` (|d| < 1
            // and rounding moves by ≤ ½, so it lies within ±1.5 and the ±4
            // clamp leaves it; a NaN passes both ways), and where the grid
            // clamps it is that of `lo` or `hi`, which needs only `v`.
            let clamp4 = |x| _mm_min_pd(_mm_set1_pd(4.0), _mm_max_pd(_mm_set1_pd(-4.0), x));
            let (below, above) = (clamp4(_mm_sub_pd(lo, v)), clamp4(_mm_sub_pd(hi, v)));
            let inside = _mm_sub_pd(rounded, v);
            lanes.newest = _mm_blendv_pd(
                _mm_blendv_pd(inside, below, _mm_cmplt_pd(rounded, lo)),
                above,
                _mm_cmpgt_pd(rounded, hi),
            );
            let out = _mm_cvtpd_ps(_mm_mul_pd(grid, _mm_set1_pd(q.step)));
            (_mm_cvtss_f32(out), _mm_cvtss_f32(_mm_movehdup_ps(out)))
        }
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

    /// The AVX2 9-tap kernel is the portable loop, bit for bit: loud input
    /// that clips at 8 and 16 bits (so both clamps act), silence, ragged
    /// blocks, 1–3 channels (pairs in the kernel, the odd one portable), and
    /// the state it leaves behind.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn shaped_kernel_matches_the_portable_loops() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            eprintln!("no AVX2: the kernel is not used on this CPU");
            return;
        }
        let mut noise = fastrand::Rng::with_seed(11);
        let signal: Vec<f32> = (0..20_000)
            .map(|i| {
                let t = i as f32 / 44_100.0;
                let loud = if i < 15_000 { 1.3 } else { 0.0 };
                loud * (std::f32::consts::TAU * 997.0 * t).sin() + loud * 0.2 * (noise.f32() - 0.5)
            })
            .collect();
        for bits in [8, 16] {
            for nch in 1..=3 {
                let params = DitherParams {
                    bits,
                    shaping: NoiseShaping::Lipshitz9,
                    seed: 5,
                };
                let (mut kernel, mut portable) = (Dither::new(params), Dither::new(params));
                for d in [&mut kernel, &mut portable] {
                    d.prepare(&ProcessSpec::new(44_100.0, nch, 512));
                }
                let mut a: Vec<Vec<f32>> = (0..nch)
                    .map(|c| signal.iter().map(|x| x * (1.0 - 0.1 * c as f32)).collect())
                    .collect();
                let mut b = a.clone();
                let mut at = 0;
                for len in [1, 7, 512, 333].into_iter().cycle() {
                    if at >= signal.len() {
                        break;
                    }
                    let end = (at + len).min(signal.len());
                    let mut ca: Vec<&mut [f32]> = a.iter_mut().map(|c| &mut c[at..end]).collect();
                    let mut cb: Vec<&mut [f32]> = b.iter_mut().map(|c| &mut c[at..end]).collect();
                    kernel.quantise(&mut ca);
                    portable.quantise_loops(&mut cb);
                    at = end;
                }
                assert_eq!(a, b, "{bits} bits, {nch} channels");
                for (x, y) in kernel.channels.iter().zip(&portable.channels) {
                    assert_eq!(x.errors, y.errors);
                    assert_eq!(x.rng, y.rng);
                }
            }
        }
    }

    /// The kernel's rounding is `f64::round`, ties and the value just below
    /// ½ included.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn kernel_rounding_is_f64_round() {
        use std::arch::x86_64::*;
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let below_half = 0.5 - f64::EPSILON / 4.0;
        let mut xs = vec![0.0, -0.0, below_half, -below_half, 1e300, -3e15 - 0.5];
        xs.extend((-40..=40).map(|i| f64::from(i) * 0.5));
        xs.extend((-40..=40).map(|i| f64::from(i) * 0.5 + 1e-9));
        for pair in xs.chunks(2) {
            let (a, b) = (pair[0], pair[pair.len() - 1]);
            // SAFETY: register-only SSE2/SSE4.1, AVX2 detected above.
            let (ra, rb) = unsafe {
                let r = avx2::round(_mm_set_pd(b, a));
                (_mm_cvtsd_f64(r), _mm_cvtsd_f64(_mm_unpackhi_pd(r, r)))
            };
            assert_eq!(ra.to_bits(), a.round().to_bits(), "{a}");
            assert_eq!(rb.to_bits(), b.round().to_bits(), "{b}");
        }
    }

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
