//! Parameter smoothing: a gain or coefficient that jumps between blocks makes
//! a click, so targets are approached over a short, fixed ramp instead.

/// A linear ramp towards a target value over a fixed number of samples.
///
/// Linear (rather than exponential) ramps reach the target exactly and in a
/// known time, which keeps automation sample-accurate and tests exact.
#[derive(Debug, Clone)]
pub struct LinearSmoother {
    current: f64,
    target: f64,
    step: f64,
    remaining: usize,
    ramp_len: usize,
}

impl LinearSmoother {
    /// A smoother resting at `value` whose ramps last `ramp_len` samples
    /// (0 = jump immediately).
    pub fn new(value: f64, ramp_len: usize) -> Self {
        Self {
            current: value,
            target: value,
            step: 0.0,
            remaining: 0,
            ramp_len,
        }
    }

    /// Change the ramp length used by subsequent [`set_target`](Self::set_target) calls.
    pub fn set_ramp_len(&mut self, ramp_len: usize) {
        self.ramp_len = ramp_len;
    }

    /// Start a ramp from the current value to `target`.
    pub fn set_target(&mut self, target: f64) {
        if target == self.target && self.remaining == 0 {
            return;
        }
        self.target = target;
        if self.ramp_len == 0 {
            self.current = target;
            self.remaining = 0;
        } else {
            self.step = (target - self.current) / self.ramp_len as f64;
            self.remaining = self.ramp_len;
        }
    }

    /// Jump to `value` with no ramp (for reset and initial state).
    pub fn set_immediate(&mut self, value: f64) {
        self.current = value;
        self.target = value;
        self.remaining = 0;
    }

    /// The value for the next sample.
    #[inline]
    pub fn next_value(&mut self) -> f64 {
        if self.remaining > 0 {
            self.remaining -= 1;
            self.current = if self.remaining == 0 {
                self.target
            } else {
                self.current + self.step
            };
        }
        self.current
    }

    /// The current value without advancing.
    pub fn value(&self) -> f64 {
        self.current
    }

    /// The value being ramped towards.
    pub fn target(&self) -> f64 {
        self.target
    }

    /// True while a ramp is in progress.
    pub fn is_ramping(&self) -> bool {
        self.remaining > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_linearly_and_lands_exactly() {
        let mut s = LinearSmoother::new(0.0, 4);
        s.set_target(1.0);
        let v: Vec<f64> = (0..6).map(|_| s.next_value()).collect();
        assert_eq!(v, vec![0.25, 0.5, 0.75, 1.0, 1.0, 1.0]);
        assert!(!s.is_ramping());
    }

    #[test]
    fn zero_length_ramp_jumps() {
        let mut s = LinearSmoother::new(0.0, 0);
        s.set_target(2.0);
        assert_eq!(s.next_value(), 2.0);
    }
}
