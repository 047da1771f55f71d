//! True-peak limiter: the ceiling holds for hostile inputs by two independent
//! meters, latency is exact, quiet signals pass untouched, release follows the
//! configured time constants, and parameter changes do not click.

use ebur128::{EbuR128, Mode};
use mixmaster_analysis::true_peak::oversampled_peak;
use mixmaster_dsp::dynamics::{DriveModel, IntervalPeaks, Limiter, LimiterParams};
use mixmaster_dsp::{ProcessSpec, Processor};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::f64::consts::PI;

const BLOCK: usize = 512;

fn limiter(sr: f64, channels: usize, params: LimiterParams) -> Limiter {
    let mut l = Limiter::new(params);
    l.prepare(&ProcessSpec::new(sr, channels, BLOCK));
    l
}

/// Run `input` (planar) through `l` followed by enough silence to flush the
/// lookahead, in blocks of `BLOCK`; returns the whole output.
fn run(l: &mut Limiter, input: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let tail = l.latency() + 64;
    let len = input[0].len() + tail;
    let mut out: Vec<Vec<f32>> = input
        .iter()
        .map(|c| {
            let mut v = c.clone();
            v.resize(len, 0.0);
            v
        })
        .collect();
    let mut start = 0;
    while start < len {
        let end = (start + BLOCK).min(len);
        let mut block: Vec<&mut [f32]> = out.iter_mut().map(|c| &mut c[start..end]).collect();
        l.process(&mut block);
        start = end;
    }
    out
}

/// Max true peak over channels in dBTP, by (ebur128, independent 8× meter).
fn true_peaks_db(x: &[Vec<f32>], sr: f64) -> (f64, f64) {
    let mut meter = EbuR128::new(x.len() as u32, sr as u32, Mode::TRUE_PEAK).expect("meter");
    let planes: Vec<&[f32]> = x.iter().map(|c| c.as_slice()).collect();
    meter.add_frames_planar_f32(&planes).expect("frames");
    let ebu = (0..x.len())
        .map(|c| meter.true_peak(c as u32).expect("tp"))
        .fold(0.0f64, f64::max);
    let ours = x
        .iter()
        .map(|c| oversampled_peak(c, 8))
        .fold(0.0f64, f64::max);
    (20.0 * ebu.log10(), 20.0 * ours.log10())
}

fn sine(len: usize, freq: f64, sr: f64, amp: f64, phase: f64) -> Vec<f32> {
    (0..len)
        .map(|n| (amp * (2.0 * PI * freq * n as f64 / sr + phase).sin()) as f32)
        .collect()
}

/// Random sines plus noise bursts with instant attacks and exponential decays.
fn music_like(len: usize, sr: f64, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let tones: Vec<(f64, f64, f64)> = (0..12)
        .map(|_| {
            (
                rng.random_range(40.0..16_000.0),
                rng.random_range(0.02..0.2),
                rng.random_range(0.0..2.0 * PI),
            )
        })
        .collect();
    let mut x: Vec<f64> = (0..len)
        .map(|n| {
            let t = n as f64 / sr;
            tones
                .iter()
                .map(|(f, a, p)| a * (2.0 * PI * f * t + p).sin())
                .sum()
        })
        .collect();
    let mut n = 0;
    while n < len {
        let decay = rng.random_range(0.001..0.05) * sr;
        let amp = rng.random_range(0.3..1.0);
        for (k, s) in x[n..].iter_mut().take((decay * 5.0) as usize).enumerate() {
            *s += amp * (-(k as f64) / decay).exp() * rng.random_range(-1.0..1.0);
        }
        n += rng.random_range(0.05..0.3f64).mul_add(sr, 1.0) as usize;
    }
    x.into_iter().map(|v| v as f32).collect()
}

fn assert_ceiling(name: &str, input: Vec<Vec<f32>>, sr: f64, ceiling: f64, drive_db: f64) {
    let mut l = limiter(
        sr,
        input.len(),
        LimiterParams {
            ceiling_dbtp: ceiling,
            input_gain_db: drive_db,
            ..LimiterParams::default()
        },
    );
    let out = run(&mut l, &input);
    let (ebu, ours) = true_peaks_db(&out, sr);
    println!("{name} @ {sr}, ceiling {ceiling}: ebur128 {ebu:.3}, 8x {ours:.3} dBTP");
    assert!(
        ebu <= ceiling && ours <= ceiling,
        "{name} @ {sr} Hz, ceiling {ceiling}: ebur128 {ebu:.4} dBTP, 8x {ours:.4} dBTP"
    );
    assert!(
        l.max_gain_reduction_db() > 0.0,
        "{name}: limiter never engaged"
    );
}

fn hostile_signals(sr: f64) -> Vec<(String, Vec<Vec<f32>>, f64)> {
    let len = (0.5 * sr) as usize;
    let mut rng = StdRng::seed_from_u64(7);
    let mut v: Vec<(String, Vec<Vec<f32>>, f64)> = vec![(
        "music +20 dB".into(),
        vec![music_like(len, sr, 1), music_like(len, sr, 2)],
        20.0,
    )];
    for seed in 0..3 {
        let noise: Vec<f32> = (0..len).map(|_| rng.random_range(-1.0..1.0)).collect();
        v.push((format!("white noise {seed} +12 dB"), vec![noise], 12.0));
    }
    let noise: Vec<f32> = (0..len).map(|_| rng.random_range(-1.0..1.0)).collect();
    v.push(("white noise +24 dB".into(), vec![noise], 24.0));
    for period in [2usize, 3, 4, 6, 44] {
        let sq: Vec<f32> = (0..len)
            .map(|n| {
                if (n % period) < period.div_ceil(2) {
                    1.0
                } else {
                    -1.0
                }
            })
            .collect();
        v.push((format!("square period {period} +6 dB"), vec![sq], 6.0));
    }
    let mut imp = vec![0.0f32; len];
    imp[1000] = 1.0;
    imp[5000] = 1.0;
    imp[5001] = -1.0;
    imp[9000] = -1.0;
    imp[9002] = 1.0;
    v.push(("impulses +20 dB".into(), vec![imp], 20.0));
    for (i, phase) in [0.0, 0.3, PI / 4.0, 1.1].into_iter().enumerate() {
        v.push((
            format!("sine 0.45 fs phase {i}"),
            vec![sine(len, 0.45 * sr, sr, 1.0, phase)],
            6.0,
        ));
        v.push((
            format!("sine 0.499 fs phase {i}"),
            vec![sine(len, 0.499 * sr, sr, 1.0, phase)],
            6.0,
        ));
    }
    v
}

#[test]
fn true_peak_never_exceeds_the_ceiling() {
    for sr in [44_100.0, 48_000.0] {
        for (name, input, drive) in hostile_signals(sr) {
            for ceiling in [-1.0, -0.3] {
                assert_ceiling(&name, input.clone(), sr, ceiling, drive);
            }
        }
    }
}

#[test]
fn latency_is_exact_and_quiet_signals_pass_bit_transparent() {
    let sr = 48_000.0;
    let mut l = limiter(sr, 2, LimiterParams::default());
    let lat = l.latency();
    // Two 58-sample 8x detectors, the 96-sample (2 ms) window − 1 and the
    // 48-sample (1 ms) safety window − 1.
    assert_eq!(lat, 2 * 58 + 95 + 47);
    let mut imp = vec![0.0f32; 2000];
    imp[100] = 0.5;
    let out = run(&mut l, &[imp.clone(), imp]);
    for (n, &y) in out[0].iter().enumerate() {
        let want = if n == 100 + lat { 0.5 } else { 0.0 };
        assert_eq!(y, want, "sample {n}");
    }

    let mut l = limiter(sr, 2, LimiterParams::default());
    let a = sine(20_000, 997.0, sr, 0.8, 0.0); // −1.9 dBFS, true peak below −1 dBTP
    let b = sine(20_000, 5_000.0, sr, 0.5, 1.0);
    let out = run(&mut l, &[a.clone(), b.clone()]);
    let err = a
        .iter()
        .zip(&out[0][lat..])
        .chain(b.iter().zip(&out[1][lat..]))
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(err <= 1e-6, "max deviation {err}");
    assert_eq!(l.max_gain_reduction_db(), 0.0);
}

#[test]
fn stereo_link_applies_one_gain_to_all_channels() {
    let sr = 44_100.0;
    let mut l = limiter(sr, 2, LimiterParams::default());
    let loud = sine(20_000, 200.0, sr, 2.0, 0.0);
    let quiet = sine(20_000, 200.0, sr, 0.2, 0.0);
    let out = run(&mut l, &[loud.clone(), quiet.clone()]);
    let lat = l.latency();
    for n in 2000..20_000 {
        if quiet[n].abs() > 0.05 {
            let g0 = out[0][n + lat] / loud[n];
            let g1 = out[1][n + lat] / quiet[n];
            assert!((g0 - g1).abs() < 1e-5, "n={n}: {g0} vs {g1}");
        }
    }
}

/// Time for the gain reduction (dB) to fall to 1/e of its value at the end of
/// the loud part, in ms, tracing GR sample by sample.
fn release_time_ms(loud_ms: f64, params: LimiterParams) -> f64 {
    let sr = 48_000.0;
    let mut l = limiter(sr, 1, params);
    let loud = (loud_ms * 0.001 * sr) as usize;
    // A 100 Hz tone, 12 dB over the ceiling, then a tone 20 dB under it.
    let mut gr = Vec::new();
    for n in 0..(loud + 3 * 48_000) {
        let amp = if n < loud { 4.0 } else { 0.09 };
        let mut s = [(amp * (2.0 * PI * 100.0 * n as f64 / sr).sin()) as f32];
        l.process(&mut [&mut s[..]]);
        gr.push(l.gain_reduction_db());
    }
    // The loud part's last gain reaches the output `latency` samples later.
    let start = loud + l.latency();
    let g0 = gr[start];
    let target = g0 / std::f64::consts::E;
    let k = gr[start..]
        .iter()
        .position(|&g| g <= target)
        .expect("gain recovers");
    k as f64 * 1000.0 / sr
}

#[test]
fn release_is_fast_after_transients_and_slow_after_sustained_reduction() {
    let params = LimiterParams {
        release_fast_ms: 40.0,
        release_slow_ms: 400.0,
        sustain_ms: 150.0,
        ..LimiterParams::default()
    };
    let fast = release_time_ms(3.0, params.clone());
    let slow = release_time_ms(3000.0, params);
    println!("release: transient {fast:.1} ms, sustained {slow:.1} ms");
    // Transient: the sustained follower only reached 1 − e^(−3/150) ≈ 2 % of the
    // reduction, so recovery is the fast stage (≈ 40 ms, plus ≈1 ms of the
    // 2 ms moving average).
    assert!((fast - 40.0).abs() < 4.0, "transient release {fast:.1} ms");
    // Sustained: the fast stage falls onto the sustained level, which releases
    // with 400 ms.
    assert!(
        (slow - 400.0).abs() < 40.0,
        "sustained release {slow:.1} ms"
    );
}

#[test]
fn ceiling_and_drive_changes_mid_stream_do_not_click() {
    let sr = 48_000.0;
    let mut l = limiter(sr, 1, LimiterParams::default());
    let x = sine(48_000, 200.0, sr, 1.5, 0.0);
    let mut out = x.clone();
    let max_input_step = x
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    for (i, chunk) in out.chunks_mut(BLOCK).enumerate() {
        if i == 30 {
            l.set_params(LimiterParams {
                ceiling_dbtp: -6.0,
                input_gain_db: 6.0,
                ..LimiterParams::default()
            });
        }
        l.process(&mut [chunk]);
    }
    let max_output_step = out
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    assert!(
        max_output_step <= max_input_step,
        "output step {max_output_step} > input step {max_input_step}"
    );
}

#[test]
fn silence_after_signal_returns_to_exact_unity_gain_and_zero_output() {
    let sr = 44_100.0;
    let mut l = limiter(sr, 2, LimiterParams::default());
    let loud = music_like(22_050, sr, 3);
    run(&mut l, &[loud.clone(), loud]);
    assert!(l.max_gain_reduction_db() > 0.0);
    // 10 s of silence.
    let out = run(&mut l, &vec![vec![0.0f32; 441_000]; 2]);
    assert!(out.iter().flatten().all(|&s| s == 0.0));
    assert_eq!(l.gain_reduction_db(), 0.0);
}

/// The drive model (detect once on the undriven signal, model stage 1 at any
/// drive) predicts the rendered limiter: output within −50 dB of the ceiling
/// sample by sample (the safety stage's residue) and the same largest gain
/// reduction, at several drives from one detection.
#[test]
fn drive_model_predicts_the_rendered_limiter() {
    let sr = 44_100.0;
    let len = 3 * 44_100;
    let input = vec![music_like(len, sr, 21), music_like(len, sr, 22)];
    // Detect once, aligned to frames: flush the detector's latency with silence.
    let mut detector = IntervalPeaks::new(2);
    let lat = detector.latency();
    let padded: Vec<Vec<f32>> = input
        .iter()
        .map(|c| {
            let mut v = c.clone();
            v.resize(len + lat, 0.0);
            v
        })
        .collect();
    let mut peaks = vec![0.0f32; len + lat];
    detector.detect(&[&padded[0], &padded[1]], &mut peaks);
    let peaks = &peaks[lat..];

    for drive_db in [0.0, 6.0, 12.0] {
        let params = LimiterParams {
            input_gain_db: drive_db,
            ceiling_dbtp: -1.0,
            ..LimiterParams::default()
        };
        let mut model = DriveModel::new(&params, sr);
        let lag = model.lag();
        let mut gains = Vec::with_capacity(len);
        for t in 0..len + lag {
            let g = model.next(peaks.get(t).copied().unwrap_or(0.0));
            if t >= lag {
                gains.push(g);
            }
        }
        let mut l = limiter(sr, 2, params);
        let lat_l = l.latency();
        let out = run(&mut l, &input);
        let drive = 10f32.powf(drive_db as f32 / 20.0);
        let ceiling = 10f32.powf(-1.0 / 20.0);
        let mut worst = 0.0f32;
        for ch in 0..2 {
            for t in 0..len {
                let predicted = input[ch][t] * drive * gains[t];
                worst = worst.max((out[ch][t + lat_l] - predicted).abs());
            }
        }
        let worst_db = 20.0 * (worst / ceiling).log10();
        assert!(
            worst_db < -50.0,
            "drive {drive_db} dB: residue {worst_db:.1} dB re ceiling"
        );
        let gr = l.max_gain_reduction_db();
        let modelled = model.max_gain_reduction_db();
        assert!(
            (gr - modelled).abs() < 0.1,
            "drive {drive_db} dB: rendered {gr:.3} dB, modelled {modelled:.3} dB"
        );
        if drive_db > 0.0 {
            assert!(
                gr > 1.0,
                "drive {drive_db} dB should limit, reduced only {gr:.2} dB"
            );
        }
    }
}

/// Supplying stage 1's detection (as the mastering render does from its
/// cache) gives the same output as the limiter's own detector, to f32
/// rounding, and keeps the ceiling.
#[test]
fn supplied_detection_matches_the_limiters_own() {
    let sr = 48_000.0;
    let len = 2 * 48_000;
    let input = vec![music_like(len, sr, 31), music_like(len, sr, 32)];
    let params = LimiterParams {
        input_gain_db: 9.0,
        ceiling_dbtp: -1.0,
        ..LimiterParams::default()
    };
    let mut own = limiter(sr, 2, params.clone());
    let expected = run(&mut own, &input);

    let mut supplied = limiter(sr, 2, params);
    let mut detector = IntervalPeaks::new(2);
    let mut out: Vec<Vec<f32>> = expected.iter().map(|c| vec![0.0; c.len()]).collect();
    for (ch, c) in out.iter_mut().enumerate() {
        c[..len].copy_from_slice(&input[ch]);
    }
    let mut peaks = vec![0.0f32; BLOCK];
    let mut start = 0;
    while start < out[0].len() {
        let end = (start + BLOCK).min(out[0].len());
        let [l, r] = &mut out[..] else { unreachable!() };
        detector.detect(&[&l[start..end], &r[start..end]], &mut peaks[..end - start]);
        supplied.process_detected(
            &mut [&mut l[start..end], &mut r[start..end]],
            &peaks[..end - start],
        );
        start = end;
    }
    let worst = expected
        .iter()
        .zip(&out)
        .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-5, "largest difference {worst:e}");
    let (ebu, ours) = true_peaks_db(&out, sr);
    assert!(
        ebu <= -1.0 && ours <= -1.0,
        "true peak {ebu:.3} / {ours:.3} dBTP"
    );
}
