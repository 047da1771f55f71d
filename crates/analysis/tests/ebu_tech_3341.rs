//! EBU Tech 3341 (loudness metering, "EBU mode") compliance cases that can be
//! synthesised. All signals are 1 kHz sines at 48 kHz, levels in dBFS peak per
//! channel, the same in both channels of a stereo programme unless stated.
//! Tolerance ±0.1 LU for loudness; true peak +0.2/−0.4 dB.
//!
//! Cases 7 and 8 are authentic programme excerpts distributed as files, so they
//! cannot be synthesised here; case 6 (5-channel) and case 9 (short-term) stand in.

mod common;

use common::{FS, analyze_dual, assert_near, sine, sine_sequence};
use mixmaster_analysis::analyze;

/// Case 1: stereo sine at −23 dBFS, 20 s → M, S, I = −23.0 LUFS.
#[test]
fn case1_minus23_dbfs_reads_minus23_lufs() {
    let a = analyze_dual(&sine(1000.0, -23.0, 20.0, FS), FS);
    assert_near("I", a.integrated_lufs.unwrap(), -23.0, 0.1);
    assert_near("max M", a.max_momentary_lufs.unwrap(), -23.0, 0.1);
    assert_near("max S", a.max_short_term_lufs.unwrap(), -23.0, 0.1);
}

/// Case 2: stereo sine at −33 dBFS, 20 s → −33.0 LUFS.
#[test]
fn case2_minus33_dbfs_reads_minus33_lufs() {
    let a = analyze_dual(&sine(1000.0, -33.0, 20.0, FS), FS);
    assert_near("I", a.integrated_lufs.unwrap(), -33.0, 0.1);
    assert_near("max S", a.max_short_term_lufs.unwrap(), -33.0, 0.1);
}

/// Case 3: −36 dBFS 10 s, −23 dBFS 60 s, −36 dBFS 10 s → I = −23.0 LUFS
/// (the relative gate removes the −36 parts).
#[test]
fn case3_relative_gate() {
    let x = sine_sequence(1000.0, &[(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)], FS);
    assert_near(
        "I",
        analyze_dual(&x, FS).integrated_lufs.unwrap(),
        -23.0,
        0.1,
    );
}

/// Case 4: −72 10 s, −36 10 s, −23 60 s, −36 10 s, −72 10 s → I = −23.0 LUFS
/// (absolute gate removes −72, relative gate −36).
#[test]
fn case4_absolute_and_relative_gate() {
    let x = sine_sequence(
        1000.0,
        &[
            (-72.0, 10.0),
            (-36.0, 10.0),
            (-23.0, 60.0),
            (-36.0, 10.0),
            (-72.0, 10.0),
        ],
        FS,
    );
    assert_near(
        "I",
        analyze_dual(&x, FS).integrated_lufs.unwrap(),
        -23.0,
        0.1,
    );
}

/// Case 5: −26 dBFS 20 s, −20 dBFS 20.1 s, −26 dBFS 20 s → I = −23.0 LUFS
/// (nothing gated; power average).
#[test]
fn case5_power_average() {
    let x = sine_sequence(1000.0, &[(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)], FS);
    assert_near(
        "I",
        analyze_dual(&x, FS).integrated_lufs.unwrap(),
        -23.0,
        0.1,
    );
}

/// Case 6 as 5.1: L, R −28 dBFS; C −24 dBFS; Ls, Rs −30 dBFS → −23.0 LUFS.
/// An LFE channel carrying a loud 50 Hz tone (−6 dBFS) is added in slot 4 (WAV order
/// L R C LFE Ls Rs): BS.1770 excludes it, so the reading must not move.
#[test]
fn case6_five_one_weights_surrounds_and_ignores_lfe() {
    let secs = 10.0;
    let front = sine(1000.0, -28.0, secs, FS);
    let centre = sine(1000.0, -24.0, secs, FS);
    let lfe = sine(50.0, -6.0, secs, FS);
    let surround = sine(1000.0, -30.0, secs, FS);
    let a = analyze(&[&front, &front, &centre, &lfe, &surround, &surround], FS).unwrap();
    assert_near("I", a.integrated_lufs.unwrap(), -23.0, 0.1);
}

/// Case 9: 1.34 s at −20 dBFS then 1.66 s at −30 dBFS, repeated (here 10 times, 30 s):
/// every 3 s window holds one period, so short-term loudness is −23.0 LUFS
/// throughout once the first 3 s have passed.
#[test]
fn case9_short_term_constant() {
    let period = [(-20.0, 1.34), (-30.0, 1.66)];
    let segments: Vec<(f64, f64)> = period.iter().copied().cycle().take(20).collect();
    let a = analyze_dual(&sine_sequence(1000.0, &segments, FS), FS);
    let full_windows: Vec<f64> = a
        .short_term_lufs
        .iter()
        .enumerate()
        .filter(|&(i, _)| (i + 1) as f64 * a.short_term_interval_s >= 3.0 - 1e-9)
        .map(|(_, s)| s.unwrap())
        .collect();
    assert_eq!(full_windows.len(), 300 - 29);
    let lowest = full_windows.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = full_windows
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    assert_near("lowest S", lowest, -23.0, 0.1);
    assert_near("highest S", highest, -23.0, 0.1);
}

/// BS.1770: a 0 dBFS 997 Hz sine in one channel of a stereo file reads −3.01 LUFS.
#[test]
fn full_scale_997_hz_in_one_channel_reads_minus_3_01() {
    let x = sine(997.0, 0.0, 5.0, FS);
    let silent = vec![0.0f32; x.len()];
    let a = analyze(&[&x, &silent], FS).unwrap();
    assert_near("I", a.integrated_lufs.unwrap(), -3.01, 0.1);
}

/// Case 15 (true peak): a sine at fs/4, 45° off the sample grid, amplitude 1:
/// every sample is ±1/√2 (−3.01 dBFS), the waveform peaks at 0 dBTP.
/// Tolerance +0.2/−0.4 dB for the ebur128 meter; ±0.05 dB for the independent one.
#[test]
fn case15_true_peak_quarter_rate_sine() {
    use mixmaster_analysis::true_peak::{oversampled_peak, to_dbtp};
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};
    let x: Vec<f32> = (0..FS as usize * 2)
        .map(|n| (FRAC_PI_2 * n as f64 + FRAC_PI_4).sin() as f32)
        .collect();
    let a = analyze_dual(&x, FS);
    assert_near("sample peak", a.sample_peak_dbfs.unwrap(), -3.01, 0.01);
    // +0.2/−0.4 dB around 0 dBTP, written as centre −0.1 ± 0.3.
    assert_near("ebur128 true peak", a.true_peak_dbtp.unwrap(), -0.1, 0.3);
    // The independent meter, on the same sine with 20 ms raised-cosine fades so the
    // Gibbs ringing of an abrupt start (real overshoot, ~+0.1 dB) stays out of it.
    let fade = 960;
    let faded: Vec<f32> = x
        .iter()
        .enumerate()
        .map(|(n, &v)| {
            let edge = n.min(x.len() - 1 - n);
            let g = if edge < fade {
                0.5 - 0.5 * (std::f64::consts::PI * edge as f64 / fade as f64).cos()
            } else {
                1.0
            };
            (g * f64::from(v)) as f32
        })
        .collect();
    assert_near(
        "independent true peak",
        to_dbtp(oversampled_peak(&faded, 8)),
        0.0,
        0.05,
    );
}
