//! Saturator: aliasing below −80 dB, mix 0 % is an exact delay, no DC from the
//! tube curve, drive changes do not click.

use mixmaster_dsp::saturation::{SaturationMode, Saturator, SaturatorParams};
use mixmaster_dsp::{ProcessSpec, Processor};
use realfft::RealFftPlanner;
use std::f64::consts::PI;

const MODES: [SaturationMode; 3] = [
    SaturationMode::SoftClip,
    SaturationMode::Tape,
    SaturationMode::Tube,
];

fn saturator(sr: f64, params: SaturatorParams) -> Saturator {
    let mut s = Saturator::new(params);
    s.prepare(&ProcessSpec::new(sr, 1, 1024));
    s
}

fn run(s: &mut Saturator, x: &mut [f32]) {
    for chunk in x.chunks_mut(1024) {
        s.process(&mut [chunk]);
    }
}

/// Blackman–Harris (4-term, −92 dB side lobes) windowed magnitude spectrum, dB.
fn spectrum_db(x: &[f32]) -> Vec<f64> {
    let n = x.len();
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(n);
    let mut input: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let t = 2.0 * PI * i as f64 / n as f64;
            let w =
                0.35875 - 0.48829 * t.cos() + 0.14128 * (2.0 * t).cos() - 0.01168 * (3.0 * t).cos();
            f64::from(v) * w
        })
        .collect();
    let mut out = fft.make_output_vec();
    fft.process(&mut input, &mut out).expect("fft");
    out.iter()
        .map(|c| 20.0 * c.norm().max(1e-30).log10())
        .collect()
}

#[test]
fn hard_driven_10k_sine_has_no_alias_above_minus_80_db() {
    for sr in [44_100.0, 48_000.0] {
        for mode in MODES {
            let params = SaturatorParams {
                mode,
                drive_db: 18.0,
                mix_percent: 100.0,
                output_db: 0.0,
            };
            let mut s = saturator(sr, params);
            let n = 16_384;
            let skip = 4096;
            // −6 dBFS sine + 18 dB drive → peak 4 into the curve: deep saturation.
            let mut x: Vec<f32> = (0..n + skip)
                .map(|i| (0.5 * (2.0 * PI * 10_000.0 * i as f64 / sr).sin()) as f32)
                .collect();
            run(&mut s, &mut x);
            let spec = spectrum_db(&x[skip..]);
            let bin_hz = sr / n as f64;
            let fund_bin = (10_000.0 / bin_hz).round() as usize;
            let fund = spec[fund_bin - 3..=fund_bin + 3]
                .iter()
                .cloned()
                .fold(f64::MIN, f64::max);
            // Harmonics at k·10 kHz < Nyquist; the window's main lobe is ±4 bins.
            let is_harmonic = |b: usize| {
                let f = b as f64 * bin_hz;
                let k = (f / 10_000.0).round();
                k >= 1.0 && (f - k * 10_000.0).abs() <= 5.0 * bin_hz
            };
            let worst = spec
                .iter()
                .enumerate()
                .skip(5) // DC (window main lobe)
                .filter(|(b, _)| !is_harmonic(*b))
                .map(|(_, &db)| db - fund)
                .fold(f64::MIN, f64::max);
            println!("{mode:?} @ {sr}: worst alias {worst:.1} dB re fundamental");
            assert!(worst < -80.0, "{mode:?} @ {sr}: worst alias {worst:.1} dB");
            // The curve really saturates: the 3rd (odd) or 2nd (tube) harmonic
            // is strong.
            let h2 = spec[2 * fund_bin - 3..=2 * fund_bin + 3]
                .iter()
                .cloned()
                .fold(f64::MIN, f64::max);
            assert!(
                mode != SaturationMode::Tube || h2 - fund > -30.0,
                "tube 2nd harmonic {:.1}",
                h2 - fund
            );
        }
    }
}

#[test]
fn mix_zero_is_an_exact_delay() {
    let sr = 48_000.0;
    for mode in MODES {
        let mut s = saturator(
            sr,
            SaturatorParams {
                mode,
                drive_db: 20.0,
                mix_percent: 0.0,
                output_db: 0.0,
            },
        );
        let lat = s.latency();
        assert_eq!(lat, 80);
        let x: Vec<f32> = (0..5000)
            .map(|i| (0.9 * (2.0 * PI * 440.0 * i as f64 / sr).sin()) as f32)
            .collect();
        let mut y = x.clone();
        run(&mut s, &mut y);
        for n in lat..x.len() {
            assert_eq!(y[n], x[n - lat], "{mode:?} n={n}");
        }
    }
}

#[test]
fn small_signals_pass_at_unity_gain_after_latency() {
    // Unity slope at 0: a −60 dBFS tone comes out at the same level and delay.
    let sr = 44_100.0;
    for mode in MODES {
        let mut s = saturator(
            sr,
            SaturatorParams {
                mode,
                drive_db: 0.0,
                mix_percent: 100.0,
                output_db: 0.0,
            },
        );
        let lat = s.latency();
        let x: Vec<f32> = (0..20_000)
            .map(|i| (0.001 * (2.0 * PI * 1000.0 * i as f64 / sr).sin()) as f32)
            .collect();
        let mut y = x.clone();
        run(&mut s, &mut y);
        let err = (lat + 10_000..x.len())
            .map(|n| (y[n] - x[n - lat]).abs())
            .fold(0.0f32, f32::max);
        // Soft clip and tape: the cubic term at 1e-3 is ~3e-10, so only f32
        // rounding remains (< 1e-8). Tube adds its 2nd-order term, tanh(b)·x²
        // ≈ 2.9e-7, and the 5 Hz DC blocker, whose deviation from unity at
        // 1 kHz is ≈ 5/1000 of the amplitude (5e-6).
        let bound = if mode == SaturationMode::Tube {
            0.001 * 0.005 * 1.1 + 3e-7
        } else {
            1e-8
        };
        assert!(err < bound, "{mode:?}: {err}");
    }
}

#[test]
fn tube_mode_leaves_no_dc() {
    let sr = 48_000.0;
    let mut s = saturator(
        sr,
        SaturatorParams {
            mode: SaturationMode::Tube,
            drive_db: 12.0,
            mix_percent: 100.0,
            output_db: 0.0,
        },
    );
    let mut x: Vec<f32> = (0..4 * 48_000)
        .map(|i| (0.7 * (2.0 * PI * 100.0 * i as f64 / sr).sin()) as f32)
        .collect();
    run(&mut s, &mut x);
    // Mean over the last second (100 whole cycles).
    let tail = &x[3 * 48_000..];
    let mean = tail.iter().map(|&v| f64::from(v)).sum::<f64>() / tail.len() as f64;
    assert!(mean.abs() < 1e-4, "DC {mean:e}");
}

#[test]
fn drive_change_mid_stream_does_not_click() {
    // A drive jump raises the waveform's own steepness (a saturated sine has
    // steep zero crossings), so the ramp is judged against the steady state
    // after it: no sample step during the 20 ms ramp exceeds the largest step
    // of the settled, driven signal.
    let sr = 48_000.0;
    let mut s = saturator(sr, SaturatorParams::default());
    let mut x: Vec<f32> = (0..48_000)
        .map(|i| (0.5 * (2.0 * PI * 200.0 * i as f64 / sr).sin()) as f32)
        .collect();
    let change = 40 * 512;
    for (i, chunk) in x.chunks_mut(512).enumerate() {
        if i == 40 {
            s.set_params(SaturatorParams {
                drive_db: 24.0,
                ..SaturatorParams::default()
            });
        }
        s.process(&mut [chunk]);
    }
    let max_step = |a: &[f32]| {
        a.windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0f32, f32::max)
    };
    let lat = s.latency();
    let ramp = &x[change + lat - 10..change + lat + 960 + 10];
    let settled = &x[change + lat + 4800..];
    assert!(
        max_step(ramp) <= max_step(settled) * 1.001,
        "{} vs {}",
        max_step(ramp),
        max_step(settled)
    );
}

#[test]
fn output_is_exactly_zero_after_ten_seconds_of_silence() {
    for mode in MODES {
        let mut s = saturator(
            44_100.0,
            SaturatorParams {
                mode,
                drive_db: 12.0,
                ..SaturatorParams::default()
            },
        );
        let mut loud: Vec<f32> = (0..22_050)
            .map(|i| (0.9 * (2.0 * PI * 3_000.0 * i as f64 / 44_100.0).sin()) as f32)
            .collect();
        run(&mut s, &mut loud);
        let mut silence = vec![0.0f32; 441_000];
        run(&mut s, &mut silence);
        assert!(
            silence[441_000 - 44_100..].iter().all(|&v| v == 0.0),
            "{mode:?}"
        );
    }
}
