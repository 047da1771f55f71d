//! The mix graph's own per-sample loops: fader gains, path sums into buses and
//! stems, and pass 2's headroom gain.
//!
//! Each runs over every sample of every track (32 tracks × 2 channels at the
//! sample rate), so each is compiled twice with [`mixmaster_dsp::dispatch!`]:
//! once for baseline x86-64 and once with AVX2, where the `f64` gain products
//! run 4 lanes wide instead of 2. Both copies perform the same roundings in
//! the same order, so the mix does not depend on the CPU.

mixmaster_dsp::dispatch! {
    /// `out[i] = f32(f64(f32(x[i]·gp))·g)`: a pan (or balance) gain `gp`
    /// and then the fader gain `g`, each product taken in `f64` and rounded to
    /// `f32`, exactly as the two separate passes would. The intermediate
    /// (post-pan, pre-fader) sample is also written to `panned` when given.
    pub(crate) fn pan_then_gain(
        x: &[f32],
        gp: f64,
        g: f64,
        panned: Option<&mut [f32]>,
        out: &mut [f32],
    );
    feature "avx2" fn pan_then_gain_avx2;
    portable fn pan_then_gain_portable;
}

#[inline(always)]
fn pan_then_gain_portable(x: &[f32], gp: f64, g: f64, panned: Option<&mut [f32]>, out: &mut [f32]) {
    match panned {
        Some(p) => {
            for ((y, q), v) in out.iter_mut().zip(p.iter_mut()).zip(x) {
                *q = (f64::from(*v) * gp) as f32;
                *y = (f64::from(*q) * g) as f32;
            }
        }
        None => {
            for (y, v) in out.iter_mut().zip(x) {
                let q = (f64::from(*v) * gp) as f32;
                *y = (f64::from(q) * g) as f32;
            }
        }
    }
}

mixmaster_dsp::dispatch! {
    /// `y[i] = f32(f64(x[i])·g)`: one gain in place, the product in `f64`.
    pub(crate) fn scale(y: &mut [f32], g: f64);
    feature "avx2" fn scale_avx2;
    portable fn scale_portable;
}

#[inline(always)]
fn scale_portable(y: &mut [f32], g: f64) {
    for v in y.iter_mut() {
        *v = (f64::from(*v) * g) as f32;
    }
}

mixmaster_dsp::dispatch! {
    /// `y[i] = f32(f64(x[i])·g[i])`: a per-sample (automated) gain.
    pub(crate) fn scale_each(x: &[f32], g: &[f64], y: &mut [f32]);
    feature "avx2" fn scale_each_avx2;
    portable fn scale_each_portable;
}

#[inline(always)]
fn scale_each_portable(x: &[f32], g: &[f64], y: &mut [f32]) {
    for ((o, v), g) in y.iter_mut().zip(x).zip(g) {
        *o = (f64::from(*v) * g) as f32;
    }
}

mixmaster_dsp::dispatch! {
    /// `y[i] += x[i]·k` in `f32` (a send or output level into a summing point).
    /// A unity `k` skips the product; `x·1` is exact, so the sum is the same.
    pub(crate) fn accumulate(y: &mut [f32], x: &[f32], k: f32);
    feature "avx2" fn accumulate_avx2;
    portable fn accumulate_portable;
}

#[inline(always)]
fn accumulate_portable(y: &mut [f32], x: &[f32], k: f32) {
    if k == 1.0 {
        for (a, v) in y.iter_mut().zip(x) {
            *a += v;
        }
    } else {
        for (a, v) in y.iter_mut().zip(x) {
            *a += v * k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(n: usize, seed: usize) -> Vec<f32> {
        (0..n)
            .map(|i| ((i * 7919 + seed * 31) % 211) as f32 / 105.3 - 1.0)
            .collect()
    }

    /// The dispatched loops equal their portable bodies to the bit (so the
    /// mix is the same on every CPU), including lengths that leave a tail
    /// after the vector body.
    #[test]
    fn dispatched_loops_equal_the_portable_bodies() {
        for n in [0, 1, 7, 37, 4096] {
            let x = ramp(n, 1);
            let (gp, g) = (std::f64::consts::FRAC_1_SQRT_2, 1.412_537_544_622_754_4);

            let (mut p1, mut o1, mut p2, mut o2) =
                (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            pan_then_gain(&x, gp, g, Some(&mut p1), &mut o1);
            pan_then_gain_portable(&x, gp, g, Some(&mut p2), &mut o2);
            assert_eq!((&p1, &o1), (&p2, &o2), "pan_then_gain, {n} samples");
            let mut o3 = vec![0.0; n];
            pan_then_gain(&x, gp, g, None, &mut o3);
            assert_eq!(o3, o2, "pan_then_gain without panned, {n} samples");

            let (mut s1, mut s2) = (x.clone(), x.clone());
            scale(&mut s1, g);
            scale_portable(&mut s2, g);
            assert_eq!(s1, s2, "scale, {n} samples");

            let gains: Vec<f64> = (0..n).map(|i| 0.5 + i as f64 * 1e-3).collect();
            let (mut e1, mut e2) = (vec![0.0; n], vec![0.0; n]);
            scale_each(&x, &gains, &mut e1);
            scale_each_portable(&x, &gains, &mut e2);
            assert_eq!(e1, e2, "scale_each, {n} samples");

            for k in [1.0, 0.316_227_77] {
                let (mut a1, mut a2) = (ramp(n, 2), ramp(n, 2));
                accumulate(&mut a1, &x, k);
                accumulate_portable(&mut a2, &x, k);
                assert_eq!(a1, a2, "accumulate × {k}, {n} samples");
            }
        }
    }

    /// The loops compute what their docs say (checked sample by sample in
    /// plain scalar code).
    #[test]
    fn loops_match_their_definitions() {
        let x = ramp(101, 3);
        let (gp, g) = (0.6, 2.5);
        let (mut p, mut o) = (vec![0.0; 101], vec![0.0; 101]);
        pan_then_gain(&x, gp, g, Some(&mut p), &mut o);
        let mut acc = ramp(101, 4);
        let before = acc.clone();
        accumulate(&mut acc, &x, 0.5);
        for i in 0..101 {
            let q = (f64::from(x[i]) * gp) as f32;
            assert_eq!(p[i], q);
            assert_eq!(o[i], (f64::from(q) * g) as f32);
            assert_eq!(acc[i], before[i] + x[i] * 0.5);
        }
    }
}
