//! Denormal protection. Recursive filters and envelopes decaying towards zero
//! pass through subnormal numbers, which are 10–100× slower on most CPUs; state
//! that would go subnormal is flushed to exactly zero instead.

/// Below this magnitude filter state is inaudible (≈ −600 dBFS) and is set to 0.
pub const FLUSH_THRESHOLD: f64 = 1e-30;

/// `x`, or 0 when `|x|` is below [`FLUSH_THRESHOLD`].
#[inline]
pub fn flush(x: f64) -> f64 {
    if x.abs() < FLUSH_THRESHOLD { 0.0 } else { x }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flushes_tiny_values_only() {
        assert_eq!(flush(1e-35), 0.0);
        assert_eq!(flush(-1e-35), 0.0);
        assert_eq!(flush(1e-20), 1e-20);
    }
}
