//! Sliding-window statistics on preallocated storage, so they can live in a
//! `process` loop: the running minimum that holds a limiter's required gain
//! for the whole lookahead window, and the moving average that turns the held
//! value into a smooth ramp.

/// Minimum of the most recent `window` pushed values, by van Herk's and Gil
/// & Werman's segment method (van Herk 1992; Gil & Werman 1993): the stream
/// is cut into segments of `window` values; the window ending at a value
/// covers the tail of the previous segment and the head of the current one,
/// so its minimum is the previous segment's suffix minimum there and the
/// running minimum of the current segment. Per value that is two `min`s and
/// no data-dependent branch, plus one backward pass per segment (one more
/// `min` per value): O(1) per value like the monotonic deque (Lemire 2006)
/// it replaced, whose data-dependent pops were 10 % of the limiter's time.
/// The result is the minimum of the same values, so it is the same number.
///
/// Values must not be NaN (the limiter pushes gains in [0, 1]): the minimum
/// is then a plain compare-and-select, one instruction on the running
/// minimum's dependency chain where `f64::min`'s NaN handling took four.
#[derive(Debug, Clone)]
pub(crate) struct SlidingMin {
    /// The current segment's values so far (`pos` of them).
    current: Vec<f64>,
    /// `suffix[i]` = minimum of the previous segment's values `i..window`;
    /// `suffix[window]` = +∞ (an empty tail).
    suffix: Vec<f64>,
    /// Minimum of the current segment's values so far (+∞ if none).
    prefix: f64,
    pos: usize,
}

impl SlidingMin {
    /// A running minimum over `window` (≥ 1) values.
    pub(crate) fn new(window: usize) -> Self {
        let window = window.max(1);
        let mut s = Self {
            current: vec![0.0; window],
            suffix: vec![f64::INFINITY; window + 1],
            prefix: f64::INFINITY,
            pos: 0,
        };
        s.clear();
        s
    }

    /// Push `v` (not NaN) and return the minimum of the last `window` values
    /// (fewer at start).
    #[inline]
    pub(crate) fn push(&mut self, v: f64) -> f64 {
        debug_assert!(!v.is_nan(), "SlidingMin takes no NaN");
        let pos = self.pos;
        self.current[pos] = v;
        self.prefix = min(self.prefix, v);
        // The window: previous segment's values pos + 1 .. window, and the
        // current segment's 0 ..= pos.
        let out = min(self.suffix[pos + 1], self.prefix);
        if pos + 1 == self.current.len() {
            // Segment complete: it becomes the previous one.
            let mut m = f64::INFINITY;
            for (s, &x) in self.suffix.iter_mut().zip(&self.current).rev() {
                m = min(m, x);
                *s = m;
            }
            self.prefix = f64::INFINITY;
            self.pos = 0;
        } else {
            self.pos = pos + 1;
        }
        out
    }

    /// Forget all values.
    pub(crate) fn clear(&mut self) {
        self.suffix.fill(f64::INFINITY);
        self.prefix = f64::INFINITY;
        self.pos = 0;
    }
}

/// The smaller of two values that are not NaN (`minsd`; equal values are
/// the same number, as the limiter pushes no −0).
#[inline(always)]
fn min(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// Mean of the most recent `window` pushed values (initially all `initial`).
#[derive(Debug, Clone)]
pub(crate) struct MovingAverage {
    ring: Vec<f64>,
    pos: usize,
    sum: f64,
    initial: f64,
    /// 1 / window: a multiply per sample instead of a division.
    inv_len: f64,
}

impl MovingAverage {
    /// A moving average over `window` (≥ 1) values, filled with `initial`.
    pub(crate) fn new(window: usize, initial: f64) -> Self {
        let window = window.max(1);
        Self {
            ring: vec![initial; window],
            pos: 0,
            sum: initial * window as f64,
            initial,
            inv_len: 1.0 / window as f64,
        }
    }

    /// Push `v` and return the mean of the last `window` values.
    #[inline]
    pub(crate) fn push(&mut self, v: f64) -> f64 {
        let old = self.ring[self.pos];
        self.ring[self.pos] = v;
        self.pos += 1;
        if self.pos == self.ring.len() {
            self.pos = 0;
            // Re-sum once per window so rounding drift cannot accumulate (and a
            // window of equal values averages to exactly that value).
            self.sum = self.ring.iter().sum();
        } else {
            self.sum += v - old;
        }
        self.sum * self.inv_len
    }

    /// Refill with the initial value.
    pub(crate) fn clear(&mut self) {
        self.ring.fill(self.initial);
        self.pos = 0;
        self.sum = self.initial * self.ring.len() as f64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_brute_force_minimum() {
        for w in [1, 2, 5, 88] {
            let mut s = SlidingMin::new(w);
            let xs: Vec<f64> = (0..600).map(|i| ((i * 37 + 11) % 23) as f64).collect();
            for (n, &x) in xs.iter().enumerate() {
                let got = s.push(x);
                let lo = n.saturating_sub(w - 1);
                let want = xs[lo..=n].iter().cloned().fold(f64::INFINITY, f64::min);
                assert_eq!(got, want, "w={w} n={n}");
            }
            // After a clear it starts over.
            s.clear();
            assert_eq!(s.push(7.0), 7.0);
        }
    }

    #[test]
    fn moving_average_matches_brute_force_and_settles_exactly() {
        let w = 7;
        let mut m = MovingAverage::new(w, 0.0);
        let xs: Vec<f64> = (0..100).map(|i| ((i * 13) % 9) as f64 * 0.1).collect();
        for (n, &x) in xs.iter().enumerate() {
            let got = m.push(x);
            let lo = n.saturating_sub(w - 1);
            let want = xs[lo..=n].iter().sum::<f64>() / w as f64;
            assert!((got - want).abs() < 1e-12, "n={n}");
        }
        for _ in 0..2 * w {
            m.push(0.0);
        }
        assert_eq!(m.push(0.0), 0.0);
    }
}
