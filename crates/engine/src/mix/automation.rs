//! Breakpoint envelopes and the fader that applies gain and pan, with
//! automation evaluated per sample so moves never step (no zipper noise).

use mixmaster_dsp::stereo::{PanLaw, balance_gains, pan_gains};
use mixmaster_dsp::units::db_to_gain;

use super::sample_loops::{pan_then_gain, scale, scale_each};
use super::session::{Automation, AutomationParam};

/// A piecewise-linear envelope over session frames.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// `(frame, value)` in non-decreasing frame order; never empty.
    points: Vec<(f64, f64)>,
}

impl Envelope {
    /// The envelope of `points` (`[seconds, value]`) at `rate` Hz, or `None` when empty.
    pub fn new(points: &[[f64; 2]], rate: f64) -> Option<Self> {
        if points.is_empty() {
            return None;
        }
        Some(Self {
            points: points.iter().map(|[t, v]| (t * rate, *v)).collect(),
        })
    }

    /// The value at `frame`: held before the first and after the last point,
    /// linear in between (a vertical step when two points share a time).
    pub fn value_at(&self, frame: f64) -> f64 {
        let i = self.points.partition_point(|(t, _)| *t <= frame);
        if i == 0 {
            return self.points[0].1;
        }
        if i == self.points.len() {
            return self.points[i - 1].1;
        }
        let (t0, v0) = self.points[i - 1];
        let (t1, v1) = self.points[i];
        v0 + (v1 - v0) * (frame - t0) / (t1 - t0)
    }

    /// Writes the values at frames `start..start + out.len()`.
    pub fn fill(&self, start: u64, out: &mut [f64]) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = self.value_at((start + i as u64) as f64);
        }
    }
}

/// Gain and pan of a channel strip, static or automated.
///
/// A mono input is panned with the pan law; a stereo input is balanced (the far
/// side attenuated along the law, the centre a bit-exact wire).
#[derive(Debug, Clone)]
pub struct Fader {
    gain_db: f64,
    pan_pct: f64,
    law: PanLaw,
    gain_env: Option<Envelope>,
    pan_env: Option<Envelope>,
    scratch_gain: Vec<f64>,
    scratch_pan: Vec<f64>,
}

impl Fader {
    /// A fader at `gain_db` and `pan_pct` with `automation` overriding them, for blocks
    /// of at most `max_block` frames at `rate` Hz.
    pub fn new(
        gain_db: f64,
        pan_pct: f64,
        law: PanLaw,
        automation: &[Automation],
        rate: f64,
        max_block: usize,
    ) -> Self {
        let env = |p: AutomationParam| {
            automation
                .iter()
                .find(|a| a.param == p)
                .and_then(|a| Envelope::new(&a.points, rate))
        };
        Self {
            gain_db,
            pan_pct,
            law,
            gain_env: env(AutomationParam::GainDb),
            pan_env: env(AutomationParam::Pan),
            scratch_gain: vec![0.0; max_block],
            scratch_pan: vec![0.0; max_block],
        }
    }

    fn lr(&self, pan_pct: f64, mono: bool) -> (f64, f64) {
        if mono {
            pan_gains(pan_pct / 100.0, self.law)
        } else {
            balance_gains(pan_pct / 100.0, self.law)
        }
    }

    /// Pans `input` (1 or 2 channels, `n` frames) into `panned` at unity gain.
    /// Static pan only uses one pair of gains; automated pan is evaluated per sample.
    pub fn pan(&mut self, input: &[Vec<f32>], panned: &mut [Vec<f32>; 2], start: u64, n: usize) {
        let mono = input.len() == 1;
        let (l_in, r_in) = (&input[0][..n], &input[input.len() - 1][..n]);
        let [pl, pr] = panned;
        match &self.pan_env {
            None => {
                let (gl, gr) = self.lr(self.pan_pct, mono);
                for i in 0..n {
                    pl[i] = (f64::from(l_in[i]) * gl) as f32;
                    pr[i] = (f64::from(r_in[i]) * gr) as f32;
                }
            }
            Some(env) => {
                env.fill(start, &mut self.scratch_pan[..n]);
                for i in 0..n {
                    let (gl, gr) = self.lr(self.scratch_pan[i], mono);
                    pl[i] = (f64::from(l_in[i]) * gl) as f32;
                    pr[i] = (f64::from(r_in[i]) * gr) as f32;
                }
            }
        }
    }

    /// [`pan`](Self::pan) then [`gain`](Self::gain) (`out` = panned × fader
    /// gain), with `panned` written only when `keep_panned` (it feeds
    /// pre-fader sends). Static pan and gain run both steps in one pass over
    /// the samples, with the same roundings (the panned sample is rounded to
    /// `f32` before the gain), so the output is bit-identical to the two
    /// passes; automation takes the two passes.
    pub fn apply(
        &mut self,
        input: &[Vec<f32>],
        panned: &mut [Vec<f32>; 2],
        keep_panned: bool,
        out: &mut [Vec<f32>; 2],
        start: u64,
        n: usize,
    ) {
        if self.pan_env.is_some() || self.gain_env.is_some() {
            self.pan(input, panned, start, n);
            self.gain(panned, out, start, n);
            return;
        }
        let (gl, gr) = self.lr(self.pan_pct, input.len() == 1);
        let g = db_to_gain(self.gain_db);
        let sides = [(&input[0][..n], gl), (&input[input.len() - 1][..n], gr)];
        for ((o, p), (x, gp)) in out.iter_mut().zip(panned.iter_mut()).zip(sides) {
            let p = keep_panned.then(|| &mut p[..n]);
            pan_then_gain(x, gp, g, p, &mut o[..n]);
        }
    }

    /// `out = panned × fader gain` (automation in dB, converted per sample).
    pub fn gain(&mut self, panned: &[Vec<f32>; 2], out: &mut [Vec<f32>; 2], start: u64, n: usize) {
        match &self.gain_env {
            None => {
                let g = db_to_gain(self.gain_db);
                for (o, p) in out.iter_mut().zip(panned) {
                    o[..n].copy_from_slice(&p[..n]);
                    scale(&mut o[..n], g);
                }
            }
            Some(env) => {
                env.fill(start, &mut self.scratch_gain[..n]);
                for g in &mut self.scratch_gain[..n] {
                    *g = db_to_gain(*g);
                }
                for (o, p) in out.iter_mut().zip(panned) {
                    scale_each(&p[..n], &self.scratch_gain[..n], &mut o[..n]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass static fader is bit-identical to the two passes, mono
    /// and stereo, with and without keeping the panned signal.
    #[test]
    fn apply_equals_pan_then_gain() {
        let n = 1000;
        let stereo: Vec<Vec<f32>> = (0..2)
            .map(|c| {
                (0..n)
                    .map(|i| ((i * 7919 + c * 31) % 211) as f32 / 105.3 - 1.0)
                    .collect()
            })
            .collect();
        for input in [stereo.clone(), vec![stereo[0].clone()]] {
            for (gain_db, pan) in [(-3.0, -63.0), (4.5, 37.0), (0.0, 0.0)] {
                let mut two = Fader::new(gain_db, pan, PanLaw::Minus3, &[], 44_100.0, n);
                let mut one = two.clone();
                let (mut p2, mut o2) = ([vec![0.0; n], vec![0.0; n]], [vec![0.0; n], vec![0.0; n]]);
                two.pan(&input, &mut p2, 0, n);
                two.gain(&p2, &mut o2, 0, n);
                for keep in [true, false] {
                    let (mut p1, mut o1) =
                        ([vec![0.0; n], vec![0.0; n]], [vec![0.0; n], vec![0.0; n]]);
                    one.apply(&input, &mut p1, keep, &mut o1, 0, n);
                    assert_eq!(o1, o2, "{} ch, {gain_db} dB, pan {pan}", input.len());
                    if keep {
                        assert_eq!(p1, p2);
                    }
                }
            }
        }
    }
}
