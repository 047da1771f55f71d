//! Sliding-window statistics on preallocated storage, so they can live in a
//! `process` loop: the running minimum (monotonic deque, Lemire 2006, O(1)
//! amortised per sample) that holds a limiter's required gain for the whole
//! lookahead window, and the moving average that turns the held value into a
//! smooth ramp.

/// Minimum of the most recent `window` pushed values.
#[derive(Debug, Clone)]
pub(crate) struct SlidingMin {
    /// Ring buffer of (push index, value), increasing values from front to back.
    idx: Vec<u64>,
    val: Vec<f64>,
    head: usize,
    len: usize,
    window: u64,
    count: u64,
}

impl SlidingMin {
    /// A running minimum over `window` (≥ 1) values.
    pub(crate) fn new(window: usize) -> Self {
        let window = window.max(1);
        Self {
            idx: vec![0; window + 1],
            val: vec![0.0; window + 1],
            head: 0,
            len: 0,
            window: window as u64,
            count: 0,
        }
    }

    /// Push `v` and return the minimum of the last `window` values (fewer at start).
    #[inline]
    pub(crate) fn push(&mut self, v: f64) -> f64 {
        // Ring indices wrap with a compare instead of `%`: an integer division
        // per step was a measurable share of the limiter's per-sample cost.
        let cap = self.idx.len();
        let wrap = |i: usize| if i >= cap { i - cap } else { i };
        while self.len > 0 {
            let back = wrap(self.head + self.len - 1);
            if self.val[back] >= v {
                self.len -= 1;
            } else {
                break;
            }
        }
        let slot = wrap(self.head + self.len);
        self.idx[slot] = self.count;
        self.val[slot] = v;
        self.len += 1;
        while self.idx[self.head] + self.window <= self.count {
            self.head = wrap(self.head + 1);
            self.len -= 1;
        }
        self.count += 1;
        self.val[self.head]
    }

    /// Forget all values.
    pub(crate) fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
        self.count = 0;
    }
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
        let w = 5;
        let mut s = SlidingMin::new(w);
        let xs: Vec<f64> = (0..200).map(|i| ((i * 37 + 11) % 23) as f64).collect();
        for (n, &x) in xs.iter().enumerate() {
            let got = s.push(x);
            let lo = n.saturating_sub(w - 1);
            let want = xs[lo..=n].iter().cloned().fold(f64::INFINITY, f64::min);
            assert_eq!(got, want, "n={n}");
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
