//! The per-hop series a report plots: the peak envelope and the correlation
//! over time, checked on signals whose answers are known exactly.

mod common;

use common::{FS, amp, assert_near, noise, sine};
use mixmaster_analysis::analyze;

/// A 1 kHz sine at −6 dBFS peak: every 100 ms hop holds 100 whole cycles, so its
/// envelope is ±amp(−6) = ±0.501 to within the sampling of the crest
/// (48 samples per cycle miss the peak by at most 1 − cos(π/48) = 0.21 %).
/// One hop per 100 ms: 2 s give 20 points.
#[test]
fn sine_envelope_is_its_amplitude() {
    let x = sine(1000.0, -6.0, 2.0, FS);
    let a = analyze(&[&x, &x], FS).unwrap();
    assert_eq!(a.peak_envelope.len(), 20);
    let peak = amp(-6.0);
    for (i, [lo, hi]) in a.peak_envelope.iter().enumerate() {
        assert_near(
            &format!("max of hop {i}"),
            f64::from(*hi),
            peak,
            peak * 0.0022,
        );
        assert_near(
            &format!("min of hop {i}"),
            f64::from(*lo),
            -peak,
            peak * 0.0022,
        );
    }
}

/// A 1 s silence gap reads 0 in those hops; the envelope follows the louder
/// channel (R at −20 dBFS, L at −6 dBFS reads the −6 dBFS amplitude).
#[test]
fn envelope_follows_gaps_and_the_louder_channel() {
    let fs = FS as usize;
    let mut l = sine(1000.0, -6.0, 3.0, FS);
    l[fs..2 * fs].iter_mut().for_each(|s| *s = 0.0);
    let r = sine(1000.0, -20.0, 3.0, FS);
    let r_peak = r.iter().fold(0.0f32, |a, &b| a.max(b.abs()));
    let a = analyze(&[&l, &r], FS).unwrap();
    assert_eq!(a.peak_envelope.len(), 30);
    assert_near(
        "hop 5 max (L)",
        f64::from(a.peak_envelope[5][1]),
        amp(-6.0),
        0.002,
    );
    // Hops 10..20 hold only R.
    for i in 10..20 {
        assert_near(
            &format!("hop {i} max (R only)"),
            f64::from(a.peak_envelope[i][1]),
            f64::from(r_peak),
            1e-7,
        );
    }
}

/// R = −L everywhere reads −1 in every window; L = R reads +1; a 1 s inverted
/// stretch (1.0–2.0 s) reads −1 in the windows lying wholly inside it (those
/// ending at hops 14..20) and +1 in those wholly outside. Mono has no series.
#[test]
fn correlation_series_of_inverted_and_identical_channels() {
    let l = noise(3 * FS as usize, 0.5, 7);
    let inv: Vec<f32> = l.iter().map(|x| -x).collect();
    let a = analyze(&[&l, &inv], FS).unwrap();
    assert_eq!(a.correlation_series.len(), 30);
    for (i, c) in a.correlation_series.iter().enumerate() {
        assert_near(&format!("inverted window {i}"), c.unwrap(), -1.0, 1e-9);
    }

    let fs = FS as usize;
    let mut r = l.clone();
    r[fs..2 * fs].iter_mut().for_each(|x| *x = -*x);
    let b = analyze(&[&l, &r], FS).unwrap();
    // The window ending at hop i covers hops i-3..=i, i.e. (i-3)/10 s to (i+1)/10 s.
    for i in 13..20 {
        assert_near(
            &format!("window {i}"),
            b.correlation_series[i].unwrap(),
            -1.0,
            1e-9,
        );
    }
    for i in (0..10).chain(23..30) {
        assert_near(
            &format!("window {i}"),
            b.correlation_series[i].unwrap(),
            1.0,
            1e-9,
        );
    }

    let mono = analyze(&[&l], FS).unwrap();
    assert!(mono.correlation_series.is_empty());
    assert_eq!(mono.peak_envelope.len(), 30);
}

/// Windows below the correlation gate (−50 dBFS by default) are `None`: a
/// −70 dBFS tail leaves gaps, the loud part does not.
#[test]
fn correlation_series_gates_quiet_windows() {
    let loud = sine(440.0, -10.0, 1.0, FS);
    let quiet = sine(440.0, -70.0, 1.0, FS);
    let x = [loud, quiet].concat();
    let a = analyze(&[&x, &x], FS).unwrap();
    assert!(a.correlation_series[..10].iter().all(|c| c.is_some()));
    // Windows ending at hop 13 and later hold only the quiet part.
    assert!(a.correlation_series[13..].iter().all(|c| c.is_none()));
}
