//! File-QC measurements beyond loudness: levels, DC, stereo image, mono
//! compatibility, clipping, silence, non-finite samples, spectrum, errors.

mod common;

use common::{FS, analyze_dual, assert_near, noise, sine};
use mixmaster_analysis::{AnalysisOptions, Analyzer, Error, analyze};

/// A −20 dBFS sine: sample peak −20 dBFS, RMS −23.01 dBFS, crest factor 3.01 dB
/// (√2), PLR = true peak − integrated = −20 − (−20) = 0 dB.
#[test]
fn sine_levels_crest_factor_and_plr() {
    let a = analyze_dual(&sine(1000.0, -20.0, 2.0, FS), FS);
    assert_near("sample peak", a.sample_peak_dbfs.unwrap(), -20.0, 0.01);
    assert_near("rms", a.rms_dbfs.unwrap(), -23.0103, 0.001);
    assert_near("crest", a.crest_factor_db.unwrap(), 3.0103, 0.01);
    assert_near("plr", a.plr_db.unwrap(), 0.0, 0.1);
    assert_eq!(a.sample_peak_per_channel_dbfs.len(), 2);
    assert_eq!(a.true_peak_per_channel_dbtp.len(), 2);
}

/// DC is the channel mean: a 1 kHz sine over whole periods (48 samples each) has mean
/// 0, so the offsets added (+0.1 and −0.05 of full scale) are read back exactly.
#[test]
fn dc_offset_per_channel() {
    let s = sine(1000.0, -20.0, 1.0, FS);
    let l: Vec<f32> = s.iter().map(|x| x + 0.1).collect();
    let r: Vec<f32> = s.iter().map(|x| x - 0.05).collect();
    let a = analyze(&[&l, &r], FS).unwrap();
    assert_near("dc L", a.dc_offset[0], 0.1, 1e-6);
    assert_near("dc R", a.dc_offset[1], -0.05, 1e-6);
}

/// Correlation: +1 for identical channels, −1 for inverted ones, ≈0 for independent
/// noise (standard error 1/√N = 0.0032 for N = 96 000; tolerance ~6σ).
#[test]
fn correlation_identical_inverted_independent() {
    let l = noise(2 * FS as usize, 0.5, 1);
    let inv: Vec<f32> = l.iter().map(|x| -x).collect();
    let other = noise(2 * FS as usize, 0.5, 2);
    let same = analyze(&[&l, &l], FS).unwrap();
    let opposite = analyze(&[&l, &inv], FS).unwrap();
    let independent = analyze(&[&l, &other], FS).unwrap();
    assert_near("identical", same.correlation.unwrap(), 1.0, 1e-9);
    assert_near("inverted", opposite.correlation.unwrap(), -1.0, 1e-9);
    assert_near("independent", independent.correlation.unwrap(), 0.0, 0.02);
    // Side/mid: none for L = R (−∞ → None), equal for independent equal noise.
    assert_eq!(same.side_to_mid_db, None);
    assert_near(
        "S/M independent",
        independent.side_to_mid_db.unwrap(),
        0.0,
        0.1,
    );
}

/// The worst 400 ms window: R = −L from 1.0 s to 1.5 s of a 3 s L = R programme, so
/// windows starting at 1.0 s and 1.1 s are fully inverted (−1). A quieter inverted
/// stretch at −70 dBFS (below the −50 dBFS gate) at the end must not count.
#[test]
fn worst_correlation_window_and_gate() {
    let fs = FS as usize;
    let l = sine(440.0, -10.0, 3.0, FS);
    let mut r = l.clone();
    r[fs..fs * 3 / 2].iter_mut().for_each(|x| *x = -*x);
    let a = analyze(&[&l, &r], FS).unwrap();
    assert_near("worst", a.worst_correlation.unwrap(), -1.0, 1e-9);
    let at = a.worst_correlation_at_s.unwrap();
    assert!((1.0 - 1e-9..=1.1 + 1e-9).contains(&at), "worst at {at} s");

    let quiet_l = sine(440.0, -70.0, 1.0, FS);
    let quiet_r: Vec<f32> = quiet_l.iter().map(|x| -x).collect();
    let l2 = [sine(440.0, -10.0, 2.0, FS), quiet_l].concat();
    let r2 = [sine(440.0, -10.0, 2.0, FS), quiet_r].concat();
    let b = analyze(&[&l2, &r2], FS).unwrap();
    // Windows straddling the edge mix in a little of the −60 dB-lower inverted part:
    // correlation 1 − O(10⁻⁶), never near −1.
    assert_near(
        "worst (quiet part gated)",
        b.worst_correlation.unwrap(),
        1.0,
        1e-4,
    );
}

/// Mono fold-down: L = R loses nothing (0 LU); independent equal-power noise halves
/// its power when summed and halved, so it drops 10·log10(2) = 3.01 LU.
/// Mono files read 0; 5.1 has no stereo fold-down (None).
#[test]
fn mono_loudness_drop() {
    let l = noise(5 * FS as usize, 0.5, 3);
    let r = noise(5 * FS as usize, 0.5, 4);
    assert_near(
        "L=R",
        analyze(&[&l, &l], FS)
            .unwrap()
            .mono_loudness_drop_lu
            .unwrap(),
        0.0,
        0.01,
    );
    assert_near(
        "independent",
        analyze(&[&l, &r], FS)
            .unwrap()
            .mono_loudness_drop_lu
            .unwrap(),
        3.0103,
        0.1,
    );
    let mono = analyze(&[&l], FS).unwrap();
    assert_eq!(mono.mono_loudness_drop_lu, Some(0.0));
    assert_eq!(mono.correlation, None);
    assert_eq!(mono.worst_correlation, None);
    assert_eq!(mono.side_to_mid_db, None);
    let six = analyze(&[&l, &r, &l, &r, &l, &r], FS).unwrap();
    assert_eq!(six.mono_loudness_drop_lu, None);
}

/// Exactly five clipped runs: lengths 3, 4 and 10 in L (the 10 as +1.0, the 4 at the
/// 16-bit positive maximum 32767/32768, the 3 at −1.0), 5 and 3 in R (one of them
/// beyond full scale, as float files allow). Non-runs around them: an isolated full-scale
/// sample, a pair, and a run broken by a sign change.
#[test]
fn clipped_runs_counted_exactly() {
    let mut l = sine(100.0, -6.0, 1.0, FS);
    let mut r = l.clone();
    let put = |x: &mut [f32], at: usize, v: &[f32]| x[at..at + v.len()].copy_from_slice(v);
    let fs16 = 32767.0 / 32768.0;
    put(&mut l, 1000, &[-1.0; 3]);
    put(&mut l, 5000, &[fs16; 4]);
    put(&mut l, 9000, &[1.0; 10]);
    put(&mut r, 2000, &[1.0; 5]);
    put(&mut r, 7000, &[1.5, 1.2, 1.0]);
    // Not runs:
    put(&mut l, 20000, &[1.0]);
    put(&mut r, 21000, &[-1.0, -1.0]);
    put(&mut r, 22000, &[1.0, 1.0, -1.0, -1.0]);
    put(&mut l, 23000, &[0.9999, 0.9999, 0.9999]);
    let a = analyze(&[&l, &r], FS).unwrap();
    assert_eq!(a.clipped_runs, 5);
    assert_eq!(a.clipped_samples, 3 + 4 + 10 + 5 + 3);
}

/// Leading and trailing silence, to the sample: 12 345 silent frames (one of them at
/// 0.0009, just under the −60 dBFS = 0.001 threshold), 1 s of programme, 6 789 silent
/// frames. An all-silent file is silent for its whole length, and its levels are
/// `None`, serialised as JSON null.
#[test]
fn leading_and_trailing_silence_to_the_sample() {
    let body: Vec<f32> = (0..FS as usize)
        .map(|i| if i % 2 == 0 { 0.25 } else { -0.25 })
        .collect();
    let mut x = [vec![0.0; 12_345], body, vec![0.0; 6_789]].concat();
    x[100] = 0.0009;
    let a = analyze_dual(&x, FS);
    assert_eq!(a.leading_silence_s, 12_345.0 / f64::from(FS));
    assert_eq!(a.trailing_silence_s, 6_789.0 / f64::from(FS));

    let silent = analyze_dual(&vec![0.0; FS as usize], FS);
    assert_eq!(silent.leading_silence_s, 1.0);
    assert_eq!(silent.trailing_silence_s, 1.0);
    assert_eq!(silent.integrated_lufs, None);
    assert_eq!(silent.sample_peak_dbfs, None);
    let json: serde_json::Value = serde_json::to_value(&silent).unwrap();
    for field in [
        "integrated_lufs",
        "true_peak_dbtp",
        "rms_dbfs",
        "crest_factor_db",
        "plr_db",
        "correlation",
    ] {
        assert!(json[field].is_null(), "{field} = {}", json[field]);
    }
    assert!(json["short_term_lufs"][0].is_null());
}

/// NaN and ±∞ are counted, located, and read as 0 by every meter: the analysis equals
/// that of the same signal with zeros in their place, apart from the two report fields.
#[test]
fn non_finite_samples_counted_and_zeroed() {
    let clean = sine(1000.0, -20.0, 2.0, FS);
    let mut l = clean.clone();
    let mut r = clean.clone();
    l[24_000] = f32::NAN;
    r[30_000] = f32::INFINITY;
    l[36_000] = f32::NEG_INFINITY;
    let mut zl = clean.clone();
    let mut zr = clean;
    zl[24_000] = 0.0;
    zr[30_000] = 0.0;
    zl[36_000] = 0.0;
    let mut a = analyze(&[&l, &r], FS).unwrap();
    assert_eq!(a.non_finite_samples, 3);
    assert_eq!(a.first_non_finite_s, Some(0.5));
    let b = analyze(&[&zl, &zr], FS).unwrap();
    assert_eq!(b.non_finite_samples, 0);
    assert_eq!(b.first_non_finite_s, None);
    a.non_finite_samples = 0;
    a.first_non_finite_s = None;
    assert_eq!(a, b);
}

/// Third-octave spectrum: 31 bands 20 Hz–20 kHz; a −20 dBFS 1 kHz sine puts its mean
/// square (−23.01 dBFS) in the 1 kHz band and every other band is ≥ 30 dB lower.
#[test]
fn third_octave_sine_lands_in_its_band() {
    let a = analyze_dual(&sine(1000.0, -20.0, 3.0, FS), FS);
    let bands = &a.third_octave_dbfs;
    assert_eq!(bands.len(), 31);
    assert_eq!(bands[0].center_hz, 20.0);
    assert_eq!(bands[30].center_hz, 20_000.0);
    let k = bands.iter().position(|b| b.center_hz == 1000.0).unwrap();
    let level = bands[k].level_db.unwrap();
    assert_near("1 kHz band", level, -23.0103, 0.05);
    let loudest_other = bands
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != k)
        .filter_map(|(_, b)| b.level_db)
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(
        level - loudest_other >= 30.0,
        "next band only {:.1} dB down",
        level - loudest_other
    );
}

/// Fine spectrum: 1/24-octave centres 1 kHz·2^(k/24) from 50 Hz; a 1 kHz sine
/// stands ≥ 40 dB above the bands a semitone away (two bands, 6 %), and white
/// noise reads flat (mean power per bin): every band within ±1 dB from 1 to 16 kHz,
/// and no bias in the narrow bands below.
#[test]
fn fine_spectrum_resolves_a_sine_and_reads_noise_flat() {
    let a = analyze_dual(&sine(1000.0, -20.0, 3.0, FS), FS);
    let fine = &a.fine_spectrum_dbfs;
    assert!(fine[0].center_hz >= 50.0 && fine[0].center_hz < 50.0 * 2f64.powf(1.0 / 24.0));
    assert!(
        fine.windows(2)
            .all(|w| (w[1].center_hz / w[0].center_hz - 2f64.powf(1.0 / 24.0)).abs() < 1e-9)
    );
    let k = fine
        .iter()
        .position(|b| (b.center_hz - 1000.0).abs() < 1e-9)
        .unwrap();
    let at = |i: usize| fine[i].level_db.unwrap();
    for neighbour in [k - 2, k + 2] {
        assert!(
            at(k) - at(neighbour) >= 40.0,
            "{} dB",
            at(k) - at(neighbour)
        );
    }

    let x = noise(10 * FS as usize, 0.5, 7);
    let a = analyze_dual(&x, FS);
    let levels = |lo: f64, hi: f64| -> Vec<f64> {
        a.fine_spectrum_dbfs
            .iter()
            .filter(|b| (lo..=hi).contains(&b.center_hz))
            .map(|b| b.level_db.unwrap())
            .collect()
    };
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    // From 1 kHz every band averages ≥ 10 bins of ~58 frames: σ ≈ 0.2 dB.
    let high = levels(1000.0, 16_000.0);
    let high_mean = mean(&high);
    let worst = high
        .iter()
        .map(|l| (l - high_mean).abs())
        .fold(0.0, f64::max);
    assert!(
        worst <= 1.0,
        "white noise fine spectrum deviates {worst:.2} dB"
    );
    // Lower bands hold 1-10 bins (each noisier) but must not be biased.
    let low_mean = mean(&levels(100.0, 1000.0));
    assert!(
        (low_mean - high_mean).abs() <= 0.3,
        "density bias {:.2} dB below 1 kHz",
        low_mean - high_mean
    );
}

/// Bands above Nyquist are `None`, and audio shorter than one FFT frame still gets a
/// calibrated spectrum: at 20 kHz the frame is 8192 samples (0.41 s, the power of two
/// ≥ fs/4), so 0.405 s of audio is a single zero-padded partial frame.
#[test]
fn third_octave_low_rate_and_partial_frame() {
    let fs = 20_000;
    let a = analyze_dual(&sine(1000.0, -20.0, 0.405, fs), fs);
    let band = |hz: f64| {
        a.third_octave_dbfs
            .iter()
            .find(|b| b.center_hz == hz)
            .unwrap()
            .level_db
    };
    assert_near(
        "1 kHz band, partial frame",
        band(1000.0).unwrap(),
        -23.0103,
        0.2,
    );
    assert_eq!(band(12_500.0), None);
    assert_eq!(band(20_000.0), None);
}

/// Errors are one line, without a file name.
#[test]
fn errors_are_typed_and_readable() {
    let opts = AnalysisOptions::default();
    assert_eq!(
        Analyzer::new(48_000, 0, opts).err(),
        Some(Error::NoChannels)
    );
    assert_eq!(Analyzer::new(0, 2, opts).err(), Some(Error::SampleRate(0)));
    let short = vec![0.1f32; 12_000];
    let err = analyze(&[&short, &short], FS).unwrap_err();
    assert_eq!(
        err.to_string(),
        "audio is 0.25 s long; loudness needs at least 0.4 s"
    );

    let x = vec![0.1f32; FS as usize];
    let mut an = Analyzer::new(FS, 2, opts).unwrap();
    an.push(&[&x]);
    an.push(&[&x, &x]);
    assert_eq!(
        an.finish().unwrap_err(),
        Error::ChannelMismatch {
            expected: 2,
            got: 1
        }
    );
    let mut an = Analyzer::new(FS, 2, opts).unwrap();
    an.push(&[&x, &x[1..]]);
    let err = an.finish().unwrap_err();
    assert_eq!(
        err.to_string(),
        "a block's channels differ in length (47999 to 48000 frames)"
    );
}
