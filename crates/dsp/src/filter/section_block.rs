//! Whole-block kernels for a series of biquad sections: the EQ's fast path
//! once no parameter is moving.
//!
//! Why by hand: running sample by sample across bands and channels keeps the
//! filter memories in memory and the loop full of branches. Here the sections
//! are gathered into a fixed-size group whose count is a const generic, so
//! the compiler unrolls the sections and keeps the memories in registers for
//! the whole block, a channel pair's two lanes side by side.
//!
//! **The recursion.** Between blocks a section's state is the TDF-II pair
//! ([`PairState`], the memories of
//! [`BiquadState::process`](super::biquad::BiquadState::process)). Inside a
//! block the same difference equation runs associated as
//!
//! `y[n] = (f[n] + b0·x[n]) − a1·y[n−1]`, with
//! `f[n] = (b1·x[n−1] + b2·x[n−2]) − a2·y[n−2]` formed one sample ahead
//!
//! TDF-II's `y[n] = b0·x[n] + ((b1·x[n−1] − a1·y[n−1]) + (b2·x[n−2] −
//! a2·y[n−2]))` is the same filter in exact arithmetic; in `f64` the two
//! differ by rounding (≈ 1e-16 relative, times the filter's noise gain:
//! ≈ 1e-10 of the memories' size for a 20 Hz high pass at 44.1 kHz), which
//! reaches the `f32` output as a 1-ulp difference now and then. The point
//! of this order is the recursion's critical path: from `y[n−1]` to `y[n]`
//! is one multiply and one subtraction (6 cycles on Zen 3), and from
//! `y[n−2]` two samples' worth of a multiply and three additions; TDF-II,
//! or the earlier `(f − a1·y) + b0·x`, put a multiply and two additions on
//! every sample (9 cycles). The TDF-II memories are rebuilt at the end of
//! every block (`s1 = f − a1·y`, `s2 = b2·x − a2·y`), so the per-sample
//! path ([`section`]) takes over where a block left off.
//!
//! **Pipelined sections (AVX).** Run one after the other, sample by sample,
//! a cascade waits on each section's own recursion; the two stereo lanes
//! alone cannot fill the vector units. With AVX the cascade is skewed
//! instead: in step `i` section `k` works on sample `i − k`, taking what
//! section `k − 1` produced in step `i − 1`, so all sections work at once.
//! Four-lane vectors hold two sections' stereo lanes, section `j` and
//! section `j + M` (`M` vectors): pair `j` takes pair `j − 1`'s last outputs
//! as they are, and only pair 0 needs a lane shuffle (the new frame below,
//! section `M − 1`'s output above). Packing neighbouring sections together
//! instead would make each vector feed itself through a shuffle every step.
//! Since the input now enters a section's output through a multiply and two
//! additions, the high halves run a further `LAG` samples behind, taking
//! section `M − 1`'s output from `LAG + 1` steps before: otherwise the
//! vectors would wait on each other around the ring of pairs at 9 cycles a
//! step. The arithmetic per section and sample is exactly the portable
//! kernel's (same operations, same order, no FMA), so the output is
//! bit-identical on every CPU; the first and last steps of a block, where
//! some sections have no sample yet or any more, keep those sections'
//! memories unchanged.
//!
//! Why not split the block into segments run side by side (the second from
//! zero state, corrected afterwards by the cascade's zero-input response to
//! the true state at the split)? The response tables depend on the
//! coefficients, and this kernel is handed the coefficients anew on every
//! call (the EQ regroups its bands per block), so they would be rebuilt per
//! call at about the cost of the filtering itself; and with the critical
//! path at 6 cycles the kernel is already near the multiply units' limit on
//! Zen 3 (five multiplies per vector and step on two pipes: 7.5 cycles for
//! three vectors), which a second segment's vectors plus the correction
//! (2·N multiply-adds per frame) would only add to.
//!
//! The memories are flushed of denormals once per block instead of once per
//! sample: the flush sat on the recursion's dependency chain. The results are
//! the same unless a memory falls under the flush threshold (≈ −600 dBFS)
//! within a block; a memory that small cannot decay into the subnormal range
//! (10⁻³⁰⁸) within one block unless the section's poles lie close to the
//! origin, and even then only until the block ends.

use crate::denormal::flush;

use super::biquad::BiquadCoeffs;

/// Most sections run in one pass; longer series run in several passes.
/// Eight sections (four biquad bands plus a 4th-order pass, say) still fit
/// their memories in the 16 vector registers of x86-64.
pub const GROUP: usize = 8;

/// The two TDF-II memories of one section for up to two channels (lane 0 and
/// lane 1 of a channel pair; a lone channel uses lane 0).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PairState {
    /// First memory per lane.
    pub s1: [f64; 2],
    /// Second memory per lane.
    pub s2: [f64; 2],
}

/// One TDF-II section on one lane: the same arithmetic as
/// [`BiquadState::process`](super::biquad::BiquadState::process), for
/// callers that run sample by sample.
#[inline(always)]
pub(crate) fn section(c: &BiquadCoeffs, s1: &mut f64, s2: &mut f64, x: f64) -> f64 {
    let y = c.b0 * x + *s1;
    *s1 = flush(c.b1 * x - c.a1 * y + *s2);
    *s2 = flush(c.b2 * x - c.a2 * y);
    y
}

/// One lane of one section inside a block (see the module docs).
#[derive(Clone, Copy)]
struct Lane {
    /// `f[n] = (b1·x[n−1] + b2·x[n−2]) − a2·y[n−2]`.
    fed: f64,
    /// `b2·x[n−1]`.
    s2: f64,
    /// `y[n−1]`.
    y1: f64,
}

impl Lane {
    /// Enters a block from the TDF-II memories: with `f = s1` and
    /// `y[−1] = 0` the first output is `s1 + b0·x[0]`, exactly TDF-II's, and
    /// `s2` stands in for `b2·x[−1]` (it holds `b2·x[−1] − a2·y[−1]`
    /// already), so the next `f` is TDF-II's next `s1 + a1·y[0]`.
    #[inline(always)]
    fn enter(s1: f64, s2: f64) -> Self {
        Self {
            fed: s1,
            s2,
            y1: 0.0,
        }
    }

    #[inline(always)]
    fn step(&mut self, c: &BiquadCoeffs, x: f64) -> f64 {
        let y = (self.fed + c.b0 * x) - c.a1 * self.y1;
        self.fed = (c.b1 * x + self.s2) - c.a2 * self.y1;
        self.s2 = c.b2 * x;
        self.y1 = y;
        y
    }

    /// The TDF-II memories `(s1, s2)` after the last sample.
    #[inline(always)]
    fn leave(&self, c: &BiquadCoeffs) -> (f64, f64) {
        (self.fed - c.a1 * self.y1, self.s2 - c.a2 * self.y1)
    }
}

/// Flushes the memories of `states` (see the module docs).
fn flush_states(states: &mut [PairState]) {
    for st in states {
        st.s1 = st.s1.map(flush);
        st.s2 = st.s2.map(flush);
    }
}

fn run_pair<const N: usize>(
    coeffs: &[BiquadCoeffs],
    states: &mut [PairState],
    left: &mut [f32],
    right: &mut [f32],
) {
    // Not `simd::dispatch!`: the AVX path is a hand-written kernel, not a copy of `portable_pair`.
    #[cfg(target_arch = "x86_64")]
    if N > 1 && std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX, checked just above.
        unsafe { pipelined::run_pair(&coeffs[..N], &mut states[..N], left, right) };
        return;
    }
    portable_pair::<N>(coeffs, states, left, right);
}

fn portable_pair<const N: usize>(
    coeffs: &[BiquadCoeffs],
    states: &mut [PairState],
    left: &mut [f32],
    right: &mut [f32],
) {
    let c: [BiquadCoeffs; N] = std::array::from_fn(|k| coeffs[k]);
    let mut s: [[Lane; 2]; N] = std::array::from_fn(|k| {
        let st = &states[k];
        [0, 1].map(|lane| Lane::enter(st.s1[lane], st.s2[lane]))
    });
    for (l, r) in left.iter_mut().zip(right.iter_mut()) {
        let mut x = [f64::from(*l), f64::from(*r)];
        for (ck, [sl, sr]) in c.iter().zip(s.iter_mut()) {
            x = [sl.step(ck, x[0]), sr.step(ck, x[1])];
        }
        *l = x[0] as f32;
        *r = x[1] as f32;
    }
    for ((st, ck), lanes) in states.iter_mut().zip(&c).zip(&s) {
        let [(s1l, s2l), (s1r, s2r)] = lanes.map(|lane| lane.leave(ck));
        st.s1 = [s1l, s1r];
        st.s2 = [s2l, s2r];
    }
    flush_states(&mut states[..N]);
}

fn run_single<const N: usize>(coeffs: &[BiquadCoeffs], states: &mut [PairState], buf: &mut [f32]) {
    let c: [BiquadCoeffs; N] = std::array::from_fn(|k| coeffs[k]);
    let mut s: [Lane; N] = std::array::from_fn(|k| Lane::enter(states[k].s1[0], states[k].s2[0]));
    for v in buf.iter_mut() {
        let mut x = f64::from(*v);
        for (ck, lane) in c.iter().zip(s.iter_mut()) {
            x = lane.step(ck, x);
        }
        *v = x as f32;
    }
    for ((st, ck), lane) in states.iter_mut().zip(&c).zip(&s) {
        (st.s1[0], st.s2[0]) = lane.leave(ck);
    }
    flush_states(&mut states[..N]);
}

/// The pipelined AVX kernel for a channel pair (see the module docs).
#[cfg(target_arch = "x86_64")]
mod pipelined {
    use std::arch::x86_64::*;

    use super::{BiquadCoeffs, GROUP, PairState, flush_states};

    /// Two sections' coefficients and block state, lanes
    /// `[lo.left, lo.right, hi.left, hi.right]`.
    #[derive(Clone, Copy)]
    struct Pair {
        b0: __m256d,
        b1: __m256d,
        b2: __m256d,
        a1: __m256d,
        a2: __m256d,
        fed: __m256d,
        s2: __m256d,
        /// The last outputs: also the next section's input.
        y1: __m256d,
    }

    /// `Lane::step` on four lanes: the same operations in the same order.
    #[target_feature(enable = "avx")]
    #[inline]
    fn step(p: &mut Pair, x: __m256d) {
        let y = _mm256_sub_pd(
            _mm256_add_pd(p.fed, _mm256_mul_pd(p.b0, x)),
            _mm256_mul_pd(p.a1, p.y1),
        );
        p.fed = _mm256_sub_pd(
            _mm256_add_pd(_mm256_mul_pd(p.b1, x), p.s2),
            _mm256_mul_pd(p.a2, p.y1),
        );
        p.s2 = _mm256_mul_pd(p.b2, x);
        p.y1 = y;
    }

    /// How many steps the high halves (sections `M…2M − 1`) lag behind
    /// the low halves in addition to the one-step skew: section `M` takes
    /// what section `M − 1` produced `LAG + 1` steps before, through
    /// [`Handover`]. With `LAG = 0` the first pair's high half would wait
    /// each step on the last pair's output of the step before, and through
    /// the pairs in between on its own: a loop of `M` steps, each costing
    /// the input's path to the output (a multiply and two additions, 9
    /// cycles on Zen 3), longer than a section's own recursion (6).
    const LAG: usize = 3;

    /// Section `M − 1`'s outputs of the last `LAG + 1` steps (lanes
    /// `[left, right]`), slot `i % (LAG + 1)` written in step `i`.
    type Handover = [__m128d; LAG + 1];

    /// The first pair's input in step `i`: the new frame for section 0 and,
    /// for section `M`, what section `M − 1` produced in step `i − LAG − 1`.
    #[target_feature(enable = "avx")]
    #[inline]
    fn first_input(frame: __m128d, hand: &Handover, i: usize) -> __m256d {
        _mm256_insertf128_pd(_mm256_castpd128_pd256(frame), hand[i % (LAG + 1)], 1)
    }

    /// Stores section `M − 1`'s output of step `i` (the low half of `last`).
    #[target_feature(enable = "avx")]
    #[inline]
    fn hand_over(hand: &mut Handover, i: usize, last: &Pair) {
        hand[i % (LAG + 1)] = _mm256_castpd256_pd128(last.y1);
    }

    /// Lane `half` (0 = lo, 1 = hi) of `v` as `[left, right]`.
    #[target_feature(enable = "avx")]
    #[inline]
    fn half(v: __m256d, hi: bool) -> [f64; 2] {
        let h = if hi {
            _mm256_extractf128_pd(v, 1)
        } else {
            _mm256_castpd256_pd128(v)
        };
        [_mm_cvtsd_f64(h), _mm_cvtsd_f64(_mm_unpackhi_pd(h, h))]
    }

    /// The steady state of [`run`] for two to four pairs: steps
    /// `start..len`, in which every section has a sample.
    ///
    /// The pairs are copied into four named locals (the unused ones are
    /// dead code), not kept in an array: the compiler kept an array of three
    /// or four pairs on the stack, so every step's outputs went through a
    /// store and a reload (store-to-load forwarding, several cycles on
    /// Zen 3) on the recursion's critical path: about 19 cycles per step
    /// for 5–8 sections instead of the 9 of the arithmetic then (measured
    /// ≈ 7.2 → 4.7 ns per frame for six sections).
    #[target_feature(enable = "avx")]
    fn steady<const M: usize, const EVEN: bool>(
        p: &mut [Pair; M],
        hand: &mut Handover,
        left: &mut [f32],
        right: &mut [f32],
        start: usize,
        out: usize,
    ) {
        debug_assert!((2..=4).contains(&M));
        let len = left.len().min(right.len());
        let (mut a, mut b, mut c, mut d) = (p[0], p[1 % M], p[2 % M], p[3 % M]);
        for i in start..len {
            // Every pair takes last step's outputs: the later pairs first,
            // then the first pair.
            let x0 = first_input(
                _mm_setr_pd(f64::from(left[i]), f64::from(right[i])),
                hand,
                i,
            );
            if M == 4 {
                // Same steps, first pair first (each takes the last step's
                // outputs saved before): measured faster with four pairs,
                // where the memories no longer all fit in registers.
                let (ya, yb, yc) = (a.y1, b.y1, c.y1);
                step(&mut a, x0);
                step(&mut b, ya);
                step(&mut c, yb);
                step(&mut d, yc);
            } else {
                if M == 3 {
                    step(&mut c, b.y1);
                }
                step(&mut b, a.y1);
                step(&mut a, x0);
            }
            hand_over(hand, i, [&b, &c, &d][M - 2]);
            let y = match if EVEN { M - 1 } else { M - 2 } {
                0 => a.y1,
                1 => b.y1,
                2 => c.y1,
                _ => d.y1,
            };
            // Both lanes rounded to `f32` at once (the same rounding as `as`).
            let lr = _mm_cvtpd_ps(_mm256_extractf128_pd(y, 1));
            left[i - out] = _mm_cvtss_f32(lr);
            right[i - out] = f32::from_bits(_mm_extract_ps::<1>(lr) as u32);
        }
        for (j, q) in [a, b, c, d].into_iter().take(M).enumerate() {
            p[j] = q;
        }
    }

    /// `M` pairs of sections; `EVEN` when all `2·M` are real sections (else
    /// the last is a wire), which puts the last real one, whose output is
    /// the cascade's, in the high half of pair `M − 1` (else `M − 2`).
    #[target_feature(enable = "avx")]
    fn run<const M: usize, const EVEN: bool>(
        coeffs: &[BiquadCoeffs],
        states: &mut [PairState],
        left: &mut [f32],
        right: &mut [f32],
    ) {
        let n = coeffs.len().min(states.len());
        let len = left.len().min(right.len());
        let (left, right) = (&mut left[..len], &mut right[..len]);
        // Sections past `n` (one, when `n` is odd) are wires with no memory.
        let coeff = |k: usize| coeffs.get(k).copied().unwrap_or(BiquadCoeffs::IDENTITY);
        let state = |k: usize| {
            if k < n {
                states[k]
            } else {
                PairState::default()
            }
        };
        let mut p: [Pair; M] = std::array::from_fn(|j| {
            let (c, d) = (coeff(j), coeff(j + M));
            let (s, t) = (state(j), state(j + M));
            let both = |a: f64, b: f64| _mm256_setr_pd(a, a, b, b);
            Pair {
                b0: both(c.b0, d.b0),
                b1: both(c.b1, d.b1),
                b2: both(c.b2, d.b2),
                a1: both(c.a1, d.a1),
                a2: both(c.a2, d.a2),
                // Lane::enter.
                fed: _mm256_setr_pd(s.s1[0], s.s1[1], t.s1[0], t.s1[1]),
                s2: _mm256_setr_pd(s.s2[0], s.s2[1], t.s2[0], t.s2[1]),
                y1: _mm256_setzero_pd(),
            }
        });
        let mut hand: Handover = [_mm_setzero_pd(); LAG + 1];
        // Section `k` works on sample `i − lag(k)` in step `i`; the last
        // one's output is the cascade's.
        let lag = |k: usize| if k < M { k } else { k + LAG };
        let out = lag(n - 1);
        let out_pair = if EVEN { M - 1 } else { M - 2 };
        debug_assert_eq!(n - 1, out_pair + M);
        let steps = len + out;
        // A step in which some section has no sample: those keep their
        // state (and so their last output, the next one's input).
        let edge_step = |i: usize,
                         p: &mut [Pair; M],
                         hand: &mut Handover,
                         left: &mut [f32],
                         right: &mut [f32]| {
            let frame = if i < len {
                _mm_setr_pd(f64::from(left[i]), f64::from(right[i]))
            } else {
                _mm_setzero_pd()
            };
            let active = |k: usize| {
                if k < n && i >= lag(k) && i - lag(k) < len {
                    -1
                } else {
                    0
                }
            };
            let inputs: [__m256d; M] = std::array::from_fn(|j| {
                if j == 0 {
                    first_input(frame, hand, i)
                } else {
                    p[j - 1].y1
                }
            });
            for (j, (q, x)) in p.iter_mut().zip(inputs).enumerate() {
                let (lo, hi) = (active(j), active(j + M));
                let keep = _mm256_castsi256_pd(_mm256_setr_epi64x(lo, lo, hi, hi));
                let old = *q;
                step(q, x);
                let pick = |new: __m256d, old: __m256d| _mm256_blendv_pd(old, new, keep);
                q.fed = pick(q.fed, old.fed);
                q.s2 = pick(q.s2, old.s2);
                q.y1 = pick(q.y1, old.y1);
            }
            hand_over(hand, i, &p[M - 1]);
            if i >= out && i - out < len {
                let [l, r] = half(p[out_pair].y1, true);
                left[i - out] = l as f32;
                right[i - out] = r as f32;
            }
        };
        let mut i = 0;
        while i < steps && (i < out || i >= len) {
            edge_step(i, &mut p, &mut hand, left, right);
            i += 1;
        }
        if M > 1 && i < len {
            steady::<M, EVEN>(&mut p, &mut hand, left, right, i, out);
            i = len;
        }
        while i < len {
            // Every pair takes last step's outputs: the later pairs first,
            // then the first pair.
            let x0 = first_input(
                _mm_setr_pd(f64::from(left[i]), f64::from(right[i])),
                &hand,
                i,
            );
            for j in (1..M).rev() {
                let x = p[j - 1].y1;
                step(&mut p[j], x);
            }
            step(&mut p[0], x0);
            hand_over(&mut hand, i, &p[M - 1]);
            let [l, r] = half(p[out_pair].y1, true);
            left[i - out] = l as f32;
            right[i - out] = r as f32;
            i += 1;
        }
        while i < steps {
            edge_step(i, &mut p, &mut hand, left, right);
            i += 1;
        }
        // Lane::leave on every lane.
        for (j, q) in p.iter().enumerate() {
            let s1 = _mm256_sub_pd(q.fed, _mm256_mul_pd(q.a1, q.y1));
            let s2 = _mm256_sub_pd(q.s2, _mm256_mul_pd(q.a2, q.y1));
            for (k, hi) in [(j, false), (j + M, true)] {
                if k < n {
                    states[k].s1 = half(s1, hi);
                    states[k].s2 = half(s2, hi);
                }
            }
        }
        flush_states(&mut states[..n]);
    }

    /// Runs `coeffs` (up to [`GROUP`] sections) over a channel pair.
    ///
    /// # Safety
    /// The CPU must support AVX.
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn run_pair(
        coeffs: &[BiquadCoeffs],
        states: &mut [PairState],
        left: &mut [f32],
        right: &mut [f32],
    ) {
        const { assert!(GROUP <= 8) };
        match coeffs.len().min(states.len()) {
            0 => {}
            1 => super::portable_pair::<1>(coeffs, states, left, right),
            2 => run::<1, true>(coeffs, states, left, right),
            3 => run::<2, false>(coeffs, states, left, right),
            4 => run::<2, true>(coeffs, states, left, right),
            5 => run::<3, false>(coeffs, states, left, right),
            6 => run::<3, true>(coeffs, states, left, right),
            7 => run::<4, false>(coeffs, states, left, right),
            _ => run::<4, true>(coeffs, states, left, right),
        }
    }
}

/// Run `coeffs` (at most [`GROUP`] sections) in series over a channel pair,
/// with `states[k]` the memories of section `k` (lane 0 = `left`).
pub fn process_pair(
    coeffs: &[BiquadCoeffs],
    states: &mut [PairState],
    left: &mut [f32],
    right: &mut [f32],
) {
    match coeffs.len().min(states.len()) {
        0 => {}
        1 => run_pair::<1>(coeffs, states, left, right),
        2 => run_pair::<2>(coeffs, states, left, right),
        3 => run_pair::<3>(coeffs, states, left, right),
        4 => run_pair::<4>(coeffs, states, left, right),
        5 => run_pair::<5>(coeffs, states, left, right),
        6 => run_pair::<6>(coeffs, states, left, right),
        7 => run_pair::<7>(coeffs, states, left, right),
        _ => run_pair::<GROUP>(coeffs, states, left, right),
    }
}

/// Run `coeffs` (at most [`GROUP`] sections) in series over one channel,
/// using lane 0 of `states`.
pub fn process_single(coeffs: &[BiquadCoeffs], states: &mut [PairState], buf: &mut [f32]) {
    match coeffs.len().min(states.len()) {
        0 => {}
        1 => run_single::<1>(coeffs, states, buf),
        2 => run_single::<2>(coeffs, states, buf),
        3 => run_single::<3>(coeffs, states, buf),
        4 => run_single::<4>(coeffs, states, buf),
        5 => run_single::<5>(coeffs, states, buf),
        6 => run_single::<6>(coeffs, states, buf),
        7 => run_single::<7>(coeffs, states, buf),
        _ => run_single::<GROUP>(coeffs, states, buf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::biquad::{BiquadState, FilterType};

    fn test_coeffs() -> Vec<BiquadCoeffs> {
        let sr = 48_000.0;
        // A 30 Hz high pass first: poles 0.4 % from the unit circle, the
        // EQ's worst case for rounding; then bells an octave apart.
        std::iter::once(BiquadCoeffs::design(
            FilterType::HighPass,
            30.0,
            0.707,
            0.0,
            sr,
        ))
        .chain((1..GROUP).map(|k| {
            BiquadCoeffs::design(FilterType::Peak, 50.0 * 2f64.powi(k as i32), 1.0, 3.0, sr)
        }))
        .collect()
    }

    fn test_input(len: usize) -> Vec<f32> {
        (0..len)
            .map(|i| ((i * 7919) % 97) as f32 / 97.0 - 0.5)
            .collect()
    }

    /// One `f32` ulp at `w`.
    fn ulp(w: f32) -> f32 {
        f32::from_bits(w.abs().to_bits() + 1) - w.abs()
    }

    /// The block kernels compute what the per-sample TDF-II sections do, to
    /// rounding: every output within one `f32` ulp of theirs, over blocks of
    /// 0, 1, 2, 297 and 700 samples (hand-overs at every block length), and
    /// the per-sample path continues from the memories they hand on.
    #[test]
    fn match_per_sample_sections_to_one_ulp() {
        let coeffs = test_coeffs();
        let input = test_input(1000);
        let ranges = [0..0, 0..1, 1..3, 3..300, 300..1000];
        for n in 1..=GROUP {
            let mut want = input.clone();
            let mut st = vec![BiquadState::new(); n];
            for v in &mut want {
                let mut x = f64::from(*v);
                for (c, s) in coeffs[..n].iter().zip(&mut st) {
                    x = s.process(c, x);
                }
                *v = x as f32;
            }
            let (mut l, mut r, mut m) = (input.clone(), input.clone(), input.clone());
            let mut pair = vec![PairState::default(); n];
            let mut single = vec![PairState::default(); n];
            for range in ranges.clone() {
                process_pair(
                    &coeffs[..n],
                    &mut pair,
                    &mut l[range.clone()],
                    &mut r[range.clone()],
                );
                process_single(&coeffs[..n], &mut single, &mut m[range]);
            }
            for (got, what) in [(&l, "left"), (&r, "right"), (&m, "single")] {
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        (g - w).abs() <= ulp(*w),
                        "{n} sections, {what}, sample {i}: {g} vs {w}"
                    );
                }
            }
            for (i, &v) in input[..200].iter().enumerate() {
                let (mut x, mut y) = (f64::from(v), f64::from(v));
                for (k, c) in coeffs[..n].iter().enumerate() {
                    x = st[k].process(c, x);
                    let PairState { s1, s2 } = &mut pair[k];
                    y = section(c, &mut s1[1], &mut s2[1], y);
                }
                let (w, g) = (x as f32, y as f32);
                assert!(
                    (g - w).abs() <= ulp(w),
                    "{n} sections, after hand-over, sample {i}"
                );
            }
        }
    }

    /// The pipelined AVX kernel is bit-identical to the portable one, for
    /// every section count and for blocks shorter than the pipeline.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn pipelined_is_bit_identical_to_portable() {
        if !std::arch::is_x86_feature_detected!("avx") {
            return;
        }
        let coeffs = test_coeffs();
        let input = test_input(1200);
        let right_in: Vec<f32> = input.iter().rev().copied().collect();
        let ranges = [0..0, 0..1, 1..3, 3..6, 6..13, 13..600, 600..1200];
        for n in 2..=GROUP {
            let (mut l, mut r) = (input.clone(), right_in.clone());
            let (mut pl, mut pr) = (input.clone(), right_in.clone());
            let mut fast = vec![PairState::default(); n];
            let mut slow = vec![PairState::default(); n];
            for range in ranges.clone() {
                // SAFETY: AVX support checked above.
                unsafe {
                    pipelined::run_pair(
                        &coeffs[..n],
                        &mut fast,
                        &mut l[range.clone()],
                        &mut r[range.clone()],
                    );
                }
                let (a, b) = (&mut pl[range.clone()], &mut pr[range]);
                match n {
                    2 => portable_pair::<2>(&coeffs, &mut slow, a, b),
                    3 => portable_pair::<3>(&coeffs, &mut slow, a, b),
                    4 => portable_pair::<4>(&coeffs, &mut slow, a, b),
                    5 => portable_pair::<5>(&coeffs, &mut slow, a, b),
                    6 => portable_pair::<6>(&coeffs, &mut slow, a, b),
                    7 => portable_pair::<7>(&coeffs, &mut slow, a, b),
                    _ => portable_pair::<8>(&coeffs, &mut slow, a, b),
                }
                assert_eq!(fast, slow, "{n} sections: memories");
            }
            assert_eq!(l, pl, "{n} sections, left");
            assert_eq!(r, pr, "{n} sections, right");
        }
    }
}
