//! Giannoulis et al.'s branching one-pole smoothing of the gain reduction
//! (JAES 2012, eq. 17), written so its recursion is short.
//!
//! The textbook step `r' = x + (r − x)·c`, with `c` the attack coefficient
//! while the target `x` is above `r` and the release coefficient otherwise,
//! is one long dependency chain per sample: compare, select, multiply, add
//! (≈ 11 cycles), and it was the largest single cost of a linked compressor.
//! Two facts shorten it:
//!
//! 1. The step is the larger of two affine maps of `r`: with `A ≤ R` (attack
//!    faster than release) `A·r + x(1−A) − (R·r + x(1−R)) = (A − R)(r − x)`,
//!    which is positive exactly when `x > r`, i.e. when the branch picks the
//!    attack. So `r' = max(A·r + x(1−A), R·r + x(1−R))`, with no compare on
//!    the chain. (With `A > R` the same argument gives the smaller of the two.)
//! 2. A maximum of affine maps with positive slopes composed with another is
//!    again one: two steps are `max(A²·r + i₁, AR·r + i₂, R²·r + i₃)` (the two
//!    `AR` terms merge by taking the larger intercept). The intercepts depend
//!    only on the targets, so they are computed beforehand, vectorised, and
//!    two samples cost one multiply, one add and two maxima of latency; the
//!    first sample of each pair follows from the reduction before it,
//!    afterwards, again element-wise.
//!
//! A single (linked) lane uses both; two lanes use only the first, one step
//! per sample, since their two chains already overlap and the two-step maps'
//! extra work would cost more than it saves (measured).
//!
//! The result equals the textbook step up to the rounding of a few `f64`
//! operations (≈ 1e-15 dB), far below anything an `f32` output can show.

/// How two candidate reductions are combined: the larger when the attack
/// is at least as fast as the release, else the smaller (see module docs).
/// Written as a comparison rather than `f64::max`, whose NaN handling adds
/// a compare and a blend to the chain; the targets are finite.
trait Pick {
    fn pick(a: f64, b: f64) -> f64;
}

struct Larger;
struct Smaller;

impl Pick for Larger {
    #[inline(always)]
    fn pick(a: f64, b: f64) -> f64 {
        if a > b { a } else { b }
    }
}

impl Pick for Smaller {
    #[inline(always)]
    fn pick(a: f64, b: f64) -> f64 {
        if a < b { a } else { b }
    }
}

/// The smoothing coefficients, per sample (each `exp(−1/(τ·fs))`, in [0, 1)).
#[derive(Debug, Clone, Copy)]
pub(super) struct BranchingSmoother {
    pub attack: f64,
    pub release: f64,
}

impl BranchingSmoother {
    /// Smooths one lane's target reductions (dB) in place from the reduction
    /// `r`, which is updated to the last smoothed value; two samples per
    /// step of the recursion (see the module docs). `scratch` holds the
    /// intercepts (its contents on entry do not matter). Splitting a lane
    /// into calls at even offsets gives the same results as one call.
    #[inline(always)]
    pub fn run(&self, lane: &mut [f64], r: &mut f64, scratch: &mut Intercepts) {
        if self.attack <= self.release {
            self.run_two_step::<Larger>(lane, r, scratch);
        } else {
            self.run_two_step::<Smaller>(lane, r, scratch);
        }
    }

    /// Two lanes side by side, one sample per step: their two chains
    /// overlap, which is faster than two-step maps that cost more work.
    #[inline(always)]
    pub fn run_pair(&self, a: &mut [f64], b: &mut [f64], r: &mut [f64; 2]) {
        if self.attack <= self.release {
            self.run_one_step::<Larger>(a, b, r);
        } else {
            self.run_one_step::<Smaller>(a, b, r);
        }
    }

    #[inline(always)]
    fn run_one_step<P: Pick>(&self, a: &mut [f64], b: &mut [f64], r: &mut [f64; 2]) {
        let (ca, cr) = (self.attack, self.release);
        let (one_a, one_r) = (1.0 - ca, 1.0 - cr);
        let [mut ra, mut rb] = *r;
        for (x, y) in a.iter_mut().zip(b.iter_mut()) {
            ra = P::pick(ca * ra + *x * one_a, cr * ra + *x * one_r);
            rb = P::pick(ca * rb + *y * one_a, cr * rb + *y * one_r);
            *x = ra;
            *y = rb;
        }
        *r = [ra, rb];
    }

    #[inline(always)]
    fn run_two_step<P: Pick>(&self, lane: &mut [f64], r: &mut f64, scratch: &mut Intercepts) {
        let (a, b) = (self.attack, self.release);
        let (one_a, one_b) = (1.0 - a, 1.0 - b);
        let (aa, ab, bb) = (a * a, a * b, b * b);
        let len = lane.len();
        let mut start = 0;
        while start < len {
            let pairs = ((len - start) / 2).min(PAIRS);
            let span = start..start + 2 * pairs;
            // The two-step maps' intercepts, per pair of samples: element-wise
            // work, off the recursion.
            let Intercepts {
                aa: i_aa,
                ab: i_ab,
                bb: i_bb,
            } = scratch;
            for (p, x) in lane[span.clone()].chunks_exact(2).enumerate() {
                let (ia0, ib0) = (x[0] * one_a, x[0] * one_b);
                let (ia1, ib1) = (x[1] * one_a, x[1] * one_b);
                i_aa[p] = a * ia0 + ia1;
                i_ab[p] = P::pick(a * ib0 + ia1, b * ia0 + ib1);
                i_bb[p] = b * ib0 + ib1;
            }
            // The recursion, two samples per step: the reduction after each
            // pair goes to the pair's second sample.
            let before = *r;
            for (p, x) in lane[span.clone()].chunks_exact_mut(2).enumerate() {
                let prev = *r;
                *r = P::pick(
                    P::pick(aa * prev + i_aa[p], ab * prev + i_ab[p]),
                    bb * prev + i_bb[p],
                );
                x[1] = *r;
            }
            // Each pair's first sample: one step from the reduction the
            // previous pair ended on (known now, so again element-wise).
            let mut prev = before;
            for x in lane[span.clone()].chunks_exact_mut(2) {
                x[0] = P::pick(a * prev + x[0] * one_a, b * prev + x[0] * one_b);
                prev = x[1];
            }
            start = span.end;
            if start + 1 == len {
                // An odd length: the last sample alone.
                let x = lane[start];
                *r = P::pick(a * *r + x * one_a, b * *r + x * one_b);
                lane[start] = *r;
                start = len;
            }
        }
    }
}

/// Pairs of samples per pass of [`BranchingSmoother::run`]: the intercepts
/// (3 × 512 B) stay in L1.
const PAIRS: usize = 64;

/// The two-step maps' intercepts for one pass of [`BranchingSmoother::run`],
/// kept by the caller: a fresh zeroed set per call was 1.5 KiB of stores.
#[derive(Debug, Clone)]
pub(super) struct Intercepts {
    aa: [f64; PAIRS],
    ab: [f64; PAIRS],
    bb: [f64; PAIRS],
}

impl Default for Intercepts {
    fn default() -> Self {
        Self {
            aa: [0.0; PAIRS],
            ab: [0.0; PAIRS],
            bb: [0.0; PAIRS],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook step, sample by sample.
    fn textbook(targets: &[f64], mut r: f64, attack: f64, release: f64) -> Vec<f64> {
        targets
            .iter()
            .map(|&x| {
                let c = if x > r { attack } else { release };
                r = x + (r - x) * c;
                r
            })
            .collect()
    }

    /// Targets that jump up and down (attacks and releases), hold still
    /// (equal to the reduction) and sit at 0, for odd and even lengths.
    fn targets(len: usize) -> Vec<f64> {
        let mut seed = 0x9e37_79b9u32;
        (0..len)
            .map(|n| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                match (n / 37) % 4 {
                    0 => 0.0,
                    1 => 12.0 * f64::from(seed) / f64::from(u32::MAX),
                    2 => 6.0,
                    _ => 3.0 + f64::from(seed % 7),
                }
            })
            .collect()
    }

    #[test]
    fn matches_the_textbook_step_for_fast_and_slow_attacks() {
        let (fast, slow) = (0.9, 0.9995); // 0.2 ms and 42 ms at 48 kHz
        for (attack, release) in [(fast, slow), (slow, fast), (fast, fast), (0.0, slow)] {
            for len in [0, 1, 2, 127, 128, 129, 1001] {
                let want_a = textbook(&targets(len), 4.0, attack, release);
                let want_b = textbook(&targets(len + 3)[3..], 0.0, attack, release);
                let mut a = targets(len);
                let mut b = targets(len + 3)[3..].to_vec();
                let mut r = [4.0, 0.0];
                BranchingSmoother { attack, release }.run_pair(&mut a, &mut b, &mut r);
                let mut single = targets(len);
                let mut r1 = 4.0;
                let mut scratch = Intercepts::default();
                BranchingSmoother { attack, release }.run(&mut single, &mut r1, &mut scratch);
                // The same in calls of 6 samples (even offsets).
                let mut split = targets(len);
                let mut r2 = 4.0;
                for piece in split.chunks_mut(6) {
                    BranchingSmoother { attack, release }.run(piece, &mut r2, &mut scratch);
                }
                assert_eq!(split, single);
                assert_eq!(r2, r1);
                for (got, want) in [(&a, &want_a), (&b, &want_b), (&single, &want_a)] {
                    for (n, (g, w)) in got.iter().zip(want).enumerate() {
                        assert!(
                            (g - w).abs() < 1e-12,
                            "A {attack} R {release} len {len} n {n}: {g} vs {w}"
                        );
                    }
                }
                assert_eq!(r[0], a.last().copied().unwrap_or(4.0));
                assert_eq!(r1, single.last().copied().unwrap_or(4.0));
            }
        }
    }
}
