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
        let (i, t) = (tap.whole, tap.frac);
        // Samples around the read point, newest (smaller delay) first.
        let xm1 = self.read(i - 1);
        let x0 = self.read(i);
        let x1 = self.read(i + 1);
        let x2 = self.read(i + 2);
        let c1 = 0.5 * (x1 - xm1);
        let c2 = xm1 - 2.5 * x0 + 2.0 * x1 - 0.5 * x2;
        let c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
        ((c3 * t + c2) * t + c1) * t + x0
    }

    /// Clear the contents.
    pub fn reset(&mut self) {
        self.buf.iter_mut().for_each(|v| *v = 0.0);
        self.write = 0;
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
}
