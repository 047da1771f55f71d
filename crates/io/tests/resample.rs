//! Resampler quality and bookkeeping: exact lengths, time alignment, passband
//! flatness and stopband rejection, measured at 48 kHz -> 44.1 kHz (and back up).

mod common;

use common::sine;
use mixmaster_io::{AudioBuffer, Resampler, resample};

/// Level of a sine of known frequency in `x` (dB re full-scale amplitude 1.0),
/// by least-squares fit of sin/cos at that frequency over the steady-state middle.
fn tone_level_db(x: &[f32], freq: f64, rate: u32) -> f64 {
    // Skip the edges, where the filter sees the signal start/stop.
    let skip = 2_000;
    let seg = &x[skip..x.len() - skip];
    let (mut ss, mut cc, mut sc, mut xs, mut xc) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &v) in seg.iter().enumerate() {
        let ph = 2.0 * std::f64::consts::PI * freq * (i + skip) as f64 / f64::from(rate);
        let (s, c) = ph.sin_cos();
        ss += s * s;
        cc += c * c;
        sc += s * c;
        xs += f64::from(v) * s;
        xc += f64::from(v) * c;
    }
    let det = ss * cc - sc * sc;
    let a = (xs * cc - xc * sc) / det;
    let b = (xc * ss - xs * sc) / det;
    20.0 * (a * a + b * b).sqrt().log10()
}

fn rms_db(x: &[f32]) -> f64 {
    let skip = 2_000;
    let seg = &x[skip..x.len() - skip];
    let ms = seg
        .iter()
        .map(|&v| f64::from(v) * f64::from(v))
        .sum::<f64>()
        / seg.len() as f64;
    10.0 * ms.max(1e-30).log10()
}

fn mono(rate: u32, x: Vec<f32>) -> AudioBuffer {
    AudioBuffer {
        sample_rate: rate,
        channels: vec![x],
    }
}

#[test]
fn output_length_is_rounded_ratio_for_many_lengths_and_rates() {
    for &(from, to) in &[
        (48_000, 44_100),
        (44_100, 48_000),
        (44_100, 96_000),
        (96_000, 44_100),
        (22_050, 48_000),
    ] {
        for frames in [0usize, 1, 2, 7, 1023, 1024, 1025, 4_410, 30_001] {
            let buf = AudioBuffer::new(from, 2, frames);
            let out = resample(&buf, to).unwrap();
            let want = ((frames as f64) * f64::from(to) / f64::from(from)).round() as usize;
            assert_eq!(out.frames(), want, "{from}->{to}, {frames} frames");
            assert_eq!(out.channels[1].len(), want);
            assert_eq!(out.sample_rate, to);
        }
    }
}

#[test]
fn streaming_in_odd_blocks_matches_whole_buffer() {
    let x = sine(997.0, 0.5, 48_000, 20_000);
    let whole = resample(&mono(48_000, x.clone()), 44_100).unwrap();
    let mut rs = Resampler::new(48_000, 44_100, 1).unwrap();
    let mut out = vec![Vec::new()];
    let mut got = Vec::new();
    let mut start = 0;
    for (k, size) in [1usize, 13, 500, 1024, 3_000, 7].iter().cycle().enumerate() {
        if start >= x.len() || k > 10_000 {
            break;
        }
        let end = (start + size).min(x.len());
        rs.process_block(&[&x[start..end]], &mut out).unwrap();
        got.extend_from_slice(&out[0]);
        start = end;
    }
    rs.flush(&mut out).unwrap();
    got.extend_from_slice(&out[0]);
    assert_eq!(got.len(), whole.frames());
    for (a, b) in got.iter().zip(&whole.channels[0]) {
        assert_eq!(a.to_bits(), b.to_bits());
    }
}

#[test]
fn click_lands_at_scaled_time() {
    // An impulse at input sample t must peak at output sample t * to/from (± 1).
    for &(from, to) in &[(48_000u32, 44_100u32), (44_100, 48_000), (44_100, 88_200)] {
        for t in [3_000usize, 10_007] {
            let mut x = vec![0.0f32; 20_000];
            x[t] = 1.0;
            let out = resample(&mono(from, x), to).unwrap();
            let peak = out.channels[0]
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .map(|(i, _)| i)
                .unwrap();
            let want = t as f64 * f64::from(to) / f64::from(from);
            assert!(
                (peak as f64 - want).abs() <= 1.0,
                "{from}->{to}: click at {t} -> {peak}, want {want:.2}"
            );
        }
    }
}

#[test]
fn passband_is_flat_48k_to_44k1() {
    for freq in [100.0, 1_000.0, 10_000.0, 18_000.0, 20_000.0] {
        let x = sine(freq, 0.5, 48_000, 48_000);
        let out = resample(&mono(48_000, x), 44_100).unwrap();
        let level = tone_level_db(&out.channels[0], freq, 44_100);
        let want = 20.0 * 0.5f64.log10();
        let err = level - want;
        eprintln!("passband {freq} Hz: {err:+.5} dB");
        // Measured ~1e-5 dB up to 18 kHz and -0.006 dB at 20 kHz (cutoff ~20.9 kHz);
        // asserted with headroom as documented in the module: ±0.001 dB / ±0.05 dB.
        let tol = if freq <= 18_000.0 { 0.001 } else { 0.05 };
        assert!(err.abs() < tol, "{freq} Hz: level error {err:+.4} dB");
    }
}

#[test]
fn passband_is_flat_44k1_to_48k() {
    for freq in [1_000.0, 18_000.0] {
        let x = sine(freq, 0.5, 44_100, 44_100);
        let out = resample(&mono(44_100, x), 48_000).unwrap();
        let err = tone_level_db(&out.channels[0], freq, 48_000) - 20.0 * 0.5f64.log10();
        eprintln!("up passband {freq} Hz: {err:+.5} dB");
        assert!(err.abs() < 0.001, "{freq} Hz: level error {err:+.4} dB");
    }
}

#[test]
fn stopband_rejects_tones_above_new_nyquist() {
    for freq in [23_000.0, 22_500.0] {
        let x = sine(freq, 1.0, 48_000, 48_000);
        let out = resample(&mono(48_000, x), 44_100).unwrap();
        // Whatever comes out is alias (or leakage): measure total RMS relative to the
        // input sine's RMS (-3.01 dB).
        let atten = rms_db(&out.channels[0]) - 20.0 * (0.5f64.sqrt()).log10();
        eprintln!("stopband {freq} Hz: {atten:.1} dB");
        // Measured about -138 dB, the f32 arithmetic noise floor.
        assert!(atten < -130.0, "{freq} Hz: only {atten:.1} dB attenuation");
    }
}

#[test]
fn bad_parameters_and_shapes_are_errors() {
    assert!(Resampler::new(0, 48_000, 2).is_err());
    assert!(Resampler::new(44_100, 0, 2).is_err());
    assert!(Resampler::new(44_100, 48_000, 0).is_err());
    let mut rs = Resampler::new(44_100, 48_000, 2).unwrap();
    let mut out = vec![Vec::new(); 2];
    let a = [0.0f32; 10];
    let b = [0.0f32; 9];
    assert!(rs.process_block(&[&a[..]], &mut out).is_err());
    assert!(rs.process_block(&[&a[..], &b[..]], &mut out).is_err());
    assert!(rs.flush(&mut out[..1]).is_err());
    // Equal rates pass samples through untouched.
    let x = common::sine(1_000.0, 0.3, 48_000, 1_000);
    let same = resample(&mono(48_000, x.clone()), 48_000).unwrap();
    assert_eq!(same.channels[0], x);
    let mut pass = Resampler::new(48_000, 48_000, 1).unwrap();
    let mut o = vec![Vec::new()];
    assert_eq!(
        pass.process_block(std::slice::from_ref(&x), &mut o)
            .unwrap(),
        1_000
    );
    assert_eq!(o[0], x);
    assert_eq!(pass.flush(&mut o).unwrap(), 0);
}
