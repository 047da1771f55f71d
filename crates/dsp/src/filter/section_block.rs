//! Whole-block kernels for a series of biquad sections: the EQ's fast path
//! once no parameter is moving.
//!
//! Why by hand: running sample by sample across bands and channels keeps the
//! filter memories in memory and the loop full of branches. Here the sections
//! are gathered into a fixed-size group whose count is a const generic, so
//! the compiler unrolls the sections, keeps every memory in a register for
//! the whole block, and runs a channel pair's two lanes side by side (the two
//! recursions are independent, which hides their latency). The arithmetic is
//! the same TDF-II, in `f64`, as
//! [`BiquadState::process`](super::biquad::BiquadState::process), except that
//! the memories are flushed of denormals once per block instead of once per
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
    let y = section_unflushed(c, s1, s2, x);
    *s1 = flush(*s1);
    *s2 = flush(*s2);
    y
}

/// [`section`] without the denormal flush, for the block kernels, which
/// flush once per block (see the module docs).
#[inline(always)]
fn section_unflushed(c: &BiquadCoeffs, s1: &mut f64, s2: &mut f64, x: f64) -> f64 {
    let y = c.b0 * x + *s1;
    *s1 = c.b1 * x - c.a1 * y + *s2;
    *s2 = c.b2 * x - c.a2 * y;
    y
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
    let c: [BiquadCoeffs; N] = std::array::from_fn(|k| coeffs[k]);
    let mut s: [PairState; N] = std::array::from_fn(|k| states[k]);
    for (l, r) in left.iter_mut().zip(right.iter_mut()) {
        let mut x = [f64::from(*l), f64::from(*r)];
        for (ck, sk) in c.iter().zip(s.iter_mut()) {
            let PairState { s1, s2 } = sk;
            let [s1l, s1r] = s1;
            let [s2l, s2r] = s2;
            x = [
                section_unflushed(ck, s1l, s2l, x[0]),
                section_unflushed(ck, s1r, s2r, x[1]),
            ];
        }
        *l = x[0] as f32;
        *r = x[1] as f32;
    }
    states[..N].copy_from_slice(&s);
    flush_states(&mut states[..N]);
}

fn run_single<const N: usize>(coeffs: &[BiquadCoeffs], states: &mut [PairState], buf: &mut [f32]) {
    let c: [BiquadCoeffs; N] = std::array::from_fn(|k| coeffs[k]);
    let mut s: [(f64, f64); N] = std::array::from_fn(|k| (states[k].s1[0], states[k].s2[0]));
    for v in buf.iter_mut() {
        let mut x = f64::from(*v);
        for (ck, (s1, s2)) in c.iter().zip(s.iter_mut()) {
            x = section_unflushed(ck, s1, s2, x);
        }
        *v = x as f32;
    }
    for (st, (s1, s2)) in states.iter_mut().zip(s) {
        st.s1[0] = s1;
        st.s2[0] = s2;
    }
    flush_states(&mut states[..N]);
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

    /// The block kernels compute exactly what the per-sample section does.
    #[test]
    fn matches_per_sample_sections_bit_for_bit() {
        let sr = 48_000.0;
        let coeffs: Vec<BiquadCoeffs> = (0..GROUP)
            .map(|k| {
                BiquadCoeffs::design(FilterType::Peak, 50.0 * 2f64.powi(k as i32), 1.0, 3.0, sr)
            })
            .collect();
        let input: Vec<f32> = (0..1000)
            .map(|i| ((i * 7919) % 97) as f32 / 97.0 - 0.5)
            .collect();
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
            // Two blocks, so the state carries over between calls.
            for range in [0..300, 300..1000] {
                process_pair(
                    &coeffs[..n],
                    &mut pair,
                    &mut l[range.clone()],
                    &mut r[range.clone()],
                );
                process_single(&coeffs[..n], &mut single, &mut m[range]);
            }
            assert_eq!(l, want, "{n} sections, left");
            assert_eq!(r, want, "{n} sections, right");
            assert_eq!(m, want, "{n} sections, single");
        }
    }
}
