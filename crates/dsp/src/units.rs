//! Conversions between the units engineers speak (dB, ms) and the ones DSP
//! computes with (linear gain, samples).

/// Linear amplitude gain for a level in dB (20·log10 convention).
#[inline]
pub fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// Level in dB for a linear amplitude gain; `-inf` for zero.
#[inline]
pub fn gain_to_db(gain: f64) -> f64 {
    20.0 * gain.abs().log10()
}

/// Number of samples in `ms` milliseconds at `sample_rate` Hz (rounded).
#[inline]
pub fn ms_to_samples(ms: f64, sample_rate: f64) -> usize {
    (ms * 0.001 * sample_rate).round().max(0.0) as usize
}

/// Coefficient of a one-pole smoother that covers `1 - 1/e` (≈63 %) of a step
/// in `time_ms`. Returns 0 (no smoothing, follow instantly) for non-positive times.
#[inline]
pub fn one_pole_coeff(time_ms: f64, sample_rate: f64) -> f64 {
    if time_ms <= 0.0 {
        0.0
    } else {
        (-1.0 / (time_ms * 0.001 * sample_rate)).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_round_trip() {
        for db in [-120.0, -6.0206, 0.0, 3.0, 24.0] {
            assert!((gain_to_db(db_to_gain(db)) - db).abs() < 1e-9);
        }
        assert!((db_to_gain(-6.0206) - 0.5).abs() < 1e-4);
    }

    #[test]
    fn one_pole_reaches_63_percent_in_time_constant() {
        let sr = 48_000.0;
        let a = one_pole_coeff(10.0, sr);
        let mut y = 0.0;
        for _ in 0..ms_to_samples(10.0, sr) {
            y = a * y + (1.0 - a);
        }
        assert!((y - (1.0 - (-1.0f64).exp())).abs() < 1e-3, "{y}");
    }
}
