//! A power-of-two ring buffer with fractional (cubic Hermite) reads, the
//! building block of the delay and the reverb.

use crate::denormal::flush;

/// A fractional read position of a [`DelayLine`]: whole samples and the
/// fraction of the next one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tap {
    whole: usize,
    frac: f64,
}

impl Tap {
    /// The whole samples of the delay.
    pub fn whole(&self) -> usize {
        self.whole
    }
}

/// A circular delay line of `f32` samples.
#[derive(Debug, Clone, Default)]
pub struct DelayLine {
    buf: Vec<f32>,
    mask: usize,
    write: usize,
}

impl DelayLine {
    /// A line able to delay by at least `max_delay` samples (plus interpolation margin).
    pub fn new(max_delay: usize) -> Self {
        let len = (max_delay + 4).next_power_of_two();
        Self {
            buf: vec![0.0; len],
            mask: len - 1,
            write: 0,
        }
    }

    /// The longest delay (samples) that [`read_frac`](Self::read_frac) supports.
    pub fn max_delay(&self) -> usize {
        self.buf.len().saturating_sub(4)
    }

    /// Append one sample (flushed to 0 below the denormal threshold, so the
    /// `f32` buffer never holds subnormals).
    #[inline]
    pub fn push(&mut self, x: f64) {
        self.buf[self.write] = flush(x) as f32;
        self.write = (self.write + 1) & self.mask;
    }

    /// The sample written `delay` pushes ago (`delay` ≥ 1: 1 = the last one pushed).
    #[inline]
    pub fn read(&self, delay: usize) -> f64 {
        f64::from(self.buf[self.write.wrapping_sub(delay) & self.mask])
    }

    /// A fractional delay in samples (≥ 2, ≤ [`max_delay`](Self::max_delay))
    /// read with 4-point cubic Hermite (Catmull–Rom) interpolation: exact for
    /// integer delays, flat to −0.1 dB up to ≈ fs/5 at half-sample delays, and
    /// without the high-frequency dulling that modulates with linear interpolation.
    #[inline]
    pub fn read_frac(&self, delay: f64) -> f64 {
        self.read_tap(self.tap(delay))
    }

    /// Where a fractional delay of `delay` samples reads (clamped to the
    /// range of [`read_frac`](Self::read_frac)). A delay that holds still
    /// for a block is converted once, and each sample then costs only
    /// [`read_tap`](Self::read_tap): the conversion was half of a read.
    #[inline]
    pub fn tap(&self, delay: f64) -> Tap {
        let d = delay.clamp(2.0, self.max_delay() as f64);
        // `d` is positive, so truncation is the floor; `f64::floor` itself is
        // a libm call on baseline x86-64 (no SSE4.1 `roundsd`) and was a tenth
        // of the reverb's time.
        let whole = d as usize;
        Tap {
            whole,
            frac: d - whole as f64,
        }
    }

    /// [`read_frac`](Self::read_frac) at a position from [`tap`](Self::tap)
    /// (of this line or one of the same length).
    #[inline]
    pub fn read_tap(&self, tap: Tap) -> f64 {
        let i = tap.whole;
        // Samples around the read point, newest (smaller delay) first.
        let xm1 = self.read(i - 1);
        let x0 = self.read(i);
        let x1 = self.read(i + 1);
        let x2 = self.read(i + 2);
        hermite(xm1, x0, x1, x2, tap.frac)
    }

    /// What [`read`](Self::read)`(delay)` returns over the next `out.len()`
    /// pushes, read now as one run (`out.len()` ≤ `delay`: every sample it
    /// reaches was pushed before the run starts). A feedback network whose
    /// shortest loop is longer than a block reads each line this way for the
    /// whole block and then pushes the block with [`push_run`](Self::push_run).
    #[inline(always)]
    pub fn read_run(&self, delay: usize, out: &mut [f64]) {
        debug_assert!(out.len() <= delay && delay <= self.buf.len());
        let start = self.write.wrapping_sub(delay) & self.mask;
        let (head, tail) = out.split_at_mut(out.len().min(self.buf.len() - start));
        widen(&self.buf[start..start + head.len()], head);
        widen(&self.buf[..tail.len()], tail);
    }

    /// [`push`](Self::push) each of `xs` in turn (flushed the same way).
    #[inline(always)]
    pub fn push_run(&mut self, xs: &[f64]) {
        debug_assert!(xs.len() <= self.buf.len());
        let start = self.write;
        let (head, tail) = xs.split_at(xs.len().min(self.buf.len() - start));
        narrow(head, &mut self.buf[start..start + head.len()]);
        narrow(tail, &mut self.buf[..tail.len()]);
        self.write = (start + xs.len()) & self.mask;
    }

    /// What [`read_tap`](Self::read_tap)`(tap)` will return before each of
    /// the next `out.len()` pushes, read now: a feedback loop longer than a
    /// block reads the block's echoes before it pushes the block. The tap
    /// must reach only samples already pushed (`out.len()` ≤ the tap's
    /// whole delay − 1). In one piece the four Hermite neighbours of the
    /// samples are four overlapping runs, so the loop vectorises across
    /// samples; the arithmetic per sample is exactly `read_tap`'s.
    #[inline(always)]
    pub fn read_tap_run(&self, tap: Tap, out: &mut [f64]) {
        let n = out.len();
        debug_assert!(n < tap.whole && tap.whole + 2 <= self.buf.len());
        // The first output's farthest neighbour (delay `whole + 2`); the
        // last one's nearest is `n + 2` samples on (delay `whole − 1` after
        // `n − 1` pushes).
        let start = self.write.wrapping_sub(tap.whole + 2) & self.mask;
        if let Some(run) = self.buf.get(start..start + n + 3) {
            let (x2, x1, x0, xm1) = (&run[..n], &run[1..n + 1], &run[2..n + 2], &run[3..]);
            for (i, o) in out.iter_mut().enumerate() {
                let [xm1, x0, x1, x2] = [xm1[i], x0[i], x1[i], x2[i]].map(f64::from);
                *o = hermite(xm1, x0, x1, x2, tap.frac);
            }
        } else {
            for (ahead, o) in out.iter_mut().enumerate() {
                *o = self.read_tap_ahead(tap, ahead);
            }
        }
    }

    /// What [`read_tap`](Self::read_tap)`(tap)` returned right after each of
    /// the last `out.len()` pushes, oldest first, for a block that pushed
    /// its input before reading it (the tap's delay plus `out.len()` must
    /// stay within the line): [`read_tap_run`](Self::read_tap_run) from
    /// `out.len() − 1` pushes back.
    #[inline(always)]
    pub fn read_tap_back(&self, tap: Tap, out: &mut [f64]) {
        let back = out.len().saturating_sub(1);
        let tap = Tap {
            whole: tap.whole + back,
            frac: tap.frac,
        };
        self.read_tap_run(tap, out);
    }

    /// What [`read_tap`](Self::read_tap)`(tap)` returned `ago` pushes ago.
    #[inline]
    pub fn read_tap_ago(&self, tap: Tap, ago: usize) -> f64 {
        self.read_tap(Tap {
            whole: tap.whole + ago,
            frac: tap.frac,
        })
    }

    /// What [`read_tap`](Self::read_tap)`(tap)` will return after `ahead`
    /// more pushes (`ahead` < the tap's whole delay − 1, so that it reaches
    /// only samples already pushed).
    #[inline]
    pub fn read_tap_ahead(&self, tap: Tap, ahead: usize) -> f64 {
        debug_assert!(ahead + 1 < tap.whole);
        self.read_tap(Tap {
            whole: tap.whole - ahead,
            frac: tap.frac,
        })
    }

    /// Clear the contents.
    pub fn reset(&mut self) {
        self.buf.iter_mut().for_each(|v| *v = 0.0);
        self.write = 0;
    }
}

/// 4-point cubic Hermite (Catmull–Rom) interpolation at `t` ∈ [0, 1)
/// between `x0` and `x1`; `xm1` and `x2` are the outer neighbours.
#[inline(always)]
fn hermite(xm1: f64, x0: f64, x1: f64, x2: f64, t: f64) -> f64 {
    let c1 = 0.5 * (x1 - xm1);
    let c2 = xm1 - 2.5 * x0 + 2.0 * x1 - 0.5 * x2;
    let c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
    ((c3 * t + c2) * t + c1) * t + x0
}

/// Stored samples to `f64`.
#[inline(always)]
fn widen(src: &[f32], dst: &mut [f64]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = f64::from(*s);
    }
}

/// Samples to store: flushed as [`push`](DelayLine::push) does, then `f32`.
#[inline(always)]
fn narrow(src: &[f64], dst: &mut [f32]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = flush(*s) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_delay_is_exact_and_half_sample_is_symmetric() {
        let mut d = DelayLine::new(64);
        for n in 0..40 {
            d.push(if n == 10 { 1.0 } else { 0.0 });
        }
        // Impulse pushed 30 samples ago (delay 30).
        assert_eq!(d.read_frac(30.0), 1.0);
        assert_eq!(d.read_frac(31.0), 0.0);
        assert_eq!(d.read_frac(30.5), 0.5625);
        assert_eq!(d.read_frac(29.5), 0.5625);
        assert_eq!(d.read_frac(31.5), -0.0625);
        // A tap reads what `read_frac` reads, clamped alike.
        for delay in [0.0, 2.0, 29.5, 30.25, 1e9] {
            assert_eq!(d.read_tap(d.tap(delay)), d.read_frac(delay));
        }
        assert_eq!(d.tap(1e9), d.tap(d.max_delay() as f64));
    }

    /// The run methods return exactly what the per-sample calls would, also
    /// where a run wraps around the end of the buffer.
    #[test]
    fn runs_match_sample_by_sample_reads_across_the_wrap() {
        // 64 slots; start the runs at every offset so some wrap.
        let x = |n: usize| ((n * 37 % 101) as f64 - 50.0) / 64.0;
        for offset in 0..64 {
            let (mut a, mut b) = (DelayLine::new(60), DelayLine::new(60));
            for n in 0..offset + 64 {
                a.push(x(n));
                b.push(x(n));
            }
            let n = 19;
            let mut run = [0.0; 19];
            a.read_run(40, &mut run);
            let tap = a.tap(23.75);
            let mut ahead = [0.0; 19];
            a.read_tap_run(tap, &mut ahead);
            let block: Vec<f64> = (0..n).map(|i| x(offset + 64 + i)).collect();
            a.push_run(&block);
            let mut back = [0.0; 19];
            a.read_tap_back(tap, &mut back);
            for i in 0..n {
                assert_eq!(run[i], b.read(40), "offset {offset}, sample {i}");
                assert_eq!(ahead[i], b.read_tap(tap), "offset {offset}, sample {i}");
                b.push(block[i]);
                assert_eq!(back[i], b.read_tap(tap), "offset {offset}, sample {i}");
                assert_eq!(a.read_tap_ago(tap, n - 1 - i), back[i]);
            }
            assert_eq!(a.buf, b.buf);
            assert_eq!(a.write, b.write);
        }
    }
}
