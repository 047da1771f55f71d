//! Butterworth low/high passes of order 1–8 (6–48 dB/oct) as cascades of
//! biquads (plus one first-order section for odd orders).
//!
//! The analog prototype's poles sit on the unit circle at angles
//! θₖ = (2k+1)π/(2N) from the negative real axis (for odd N: a real pole and
//! pairs at (k+1)π/N); each conjugate pair is a 2nd-order section with
//! Q = 1/(2·cos θₖ). Every section is designed with the same bilinear prewarp
//! at the cutoff, so the digital cascade is exactly the bilinear transform of
//! the prewarped analog filter: |H|² = 1 / (1 + (tan(πf/fs)/tan(πfc/fs))^(2N)),
//! −3.01 dB at the cutoff for every order.

use std::f64::consts::PI;

use super::biquad::{BiquadCoeffs, FilterType};
use super::cascade::Cascade;

/// Highest supported order (four biquads).
pub const MAX_ORDER: u8 = 8;

/// The Q of each 2nd-order section of an order-`order` Butterworth filter.
fn section_qs(order: u8) -> impl Iterator<Item = f64> {
    // Pole angles from the negative real axis: (2k+1)π/(2N) for even N;
    // for odd N one pole is real and the pairs sit at (k+1)π/N.
    let n = f64::from(order);
    let odd = order % 2 == 1;
    (0..order / 2).map(move |k| {
        let k = f64::from(k);
        let theta = if odd {
            (k + 1.0) * PI / n
        } else {
            (2.0 * k + 1.0) * PI / (2.0 * n)
        };
        1.0 / (2.0 * theta.cos())
    })
}

fn design(order: u8, freq_hz: f64, sample_rate: f64, high: bool) -> Cascade {
    let order = order.clamp(1, MAX_ORDER);
    let kind = if high {
        FilterType::HighPass
    } else {
        FilterType::LowPass
    };
    let mut sections = [BiquadCoeffs::IDENTITY; 4];
    let mut len = 0;
    for q in section_qs(order) {
        sections[len] = BiquadCoeffs::design(kind, freq_hz, q, 0.0, sample_rate);
        len += 1;
    }
    if order % 2 == 1 {
        sections[len] = if high {
            BiquadCoeffs::first_order_highpass(freq_hz, sample_rate)
        } else {
            BiquadCoeffs::first_order_lowpass(freq_hz, sample_rate)
        };
        len += 1;
    }
    Cascade::from_slice(&sections[..len])
}

/// An order-`order` (clamped to 1–8) Butterworth low pass at `freq_hz`.
pub fn lowpass(order: u8, freq_hz: f64, sample_rate: f64) -> Cascade {
    design(order, freq_hz, sample_rate, false)
}

/// An order-`order` (clamped to 1–8) Butterworth high pass at `freq_hz`.
pub fn highpass(order: u8, freq_hz: f64, sample_rate: f64) -> Cascade {
    design(order, freq_hz, sample_rate, true)
}

/// The closed-form magnitude in dB of the bilinear-transformed Butterworth
/// filter (independent of the section design; used to check it).
pub fn analytic_magnitude_db(
    order: u8,
    cutoff_hz: f64,
    freq_hz: f64,
    sample_rate: f64,
    high: bool,
) -> f64 {
    let r = (PI * freq_hz / sample_rate).tan() / (PI * cutoff_hz / sample_rate).tan();
    let r = if high { 1.0 / r } else { r };
    -10.0 * (1.0 + r.powi(2 * i32::from(order))).log10()
}
