//! Compressor, gate, de-esser and multiband against theory: static curves,
//! time constants, latency, linking, hysteresis, flat band sums.

use mixmaster_dsp::dynamics::{
    Compressor, CompressorParams, DeEsser, DeEsserParams, Detection, Gate, GateParams, Multiband,
    MultibandParams,
};
use mixmaster_dsp::{ProcessSpec, Processor};
use realfft::RealFftPlanner;
use std::f64::consts::PI;

const SR: f64 = 48_000.0;

fn prepared<P: Processor>(mut p: P, channels: usize) -> P {
    p.prepare(&ProcessSpec::new(SR, channels, 1024));
    p
}

fn run<P: Processor>(p: &mut P, chans: &mut [Vec<f32>]) {
    let len = chans[0].len();
    let mut start = 0;
    while start < len {
        let end = (start + 1024).min(len);
        let mut block: Vec<&mut [f32]> = chans.iter_mut().map(|c| &mut c[start..end]).collect();
        p.process(&mut block);
        start = end;
    }
}

fn sine(len: usize, freq: f64, amp: f64) -> Vec<f32> {
    (0..len)
        .map(|n| (amp * (2.0 * PI * freq * n as f64 / SR).sin()) as f32)
        .collect()
}

fn rms_db(x: &[f32]) -> f64 {
    let ms = x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64;
    10.0 * ms.log10()
}

fn db(x: f64) -> f64 {
    10f64.powf(x / 20.0)
}

/// Giannoulis et al. 2012 eq. 4, written out independently of the crate.
fn expected_out_db(x: f64, t: f64, r: f64, w: f64) -> f64 {
    if 2.0 * (x - t) < -w {
        x
    } else if w > 0.0 && 2.0 * (x - t).abs() <= w {
        x + (1.0 / r - 1.0) * (x - t + w / 2.0).powi(2) / (2.0 * w)
    } else {
        t + (x - t) / r
    }
}

#[test]
fn compressor_static_curve_hard_and_soft_knee() {
    for knee in [0.0, 12.0] {
        let params = CompressorParams {
            threshold_db: -24.0,
            ratio: 4.0,
            knee_db: knee,
            attack_ms: 5.0,
            release_ms: 50.0,
            detection: Detection::Rms,
            rms_ms: 50.0,
            ..CompressorParams::default()
        };
        let mut level = -60.0;
        while level <= 0.0 {
            let mut c = prepared(Compressor::new(params.clone()), 1);
            // RMS level `level` → amplitude level + 3.01 dB.
            let mut x = vec![sine(48_000, 1_000.0, db(level) * 2f64.sqrt())];
            run(&mut c, &mut x);
            let out = rms_db(&x[0][38_400..]);
            let want = expected_out_db(level, -24.0, 4.0, knee);
            assert!(
                (out - want).abs() < 0.2,
                "knee {knee}: in {level} dB → {out:.3}, want {want:.3}"
            );
            level += 6.0;
        }
    }
}

/// Gain-reduction trace (dB) of a mono square wave whose amplitude steps from
/// `a0` to `a1` at sample `at`; a square's |x| is constant, so a peak
/// detector sees a true step.
fn gr_trace(c: &mut Compressor, a0: f64, a1: f64, at: usize, len: usize) -> Vec<f64> {
    (0..len)
        .map(|n| {
            let amp = if n < at { a0 } else { a1 };
            let s = if (n / 24) % 2 == 0 { amp } else { -amp };
            let mut buf = [s as f32];
            c.process(&mut [&mut buf[..]]);
            c.gain_reduction_db()
        })
        .collect()
}

#[test]
fn compressor_attack_and_release_time_constants() {
    for (attack, release) in [(5.0, 50.0), (20.0, 300.0)] {
        let mut c = prepared(
            Compressor::new(CompressorParams {
                threshold_db: -20.0,
                ratio: 4.0,
                knee_db: 0.0,
                attack_ms: attack,
                release_ms: release,
                detection: Detection::Peak,
                ..CompressorParams::default()
            }),
            1,
        );
        let at = 4_800;
        // −40 dB (idle) → −8 dB: 12 dB over, 9 dB of reduction.
        let up = gr_trace(&mut c, db(-40.0), db(-8.0), at, at + 48_000);
        let full = up[up.len() - 1];
        assert!((full - 9.0).abs() < 1e-6, "steady reduction {full}");
        let t63 = up[at..]
            .iter()
            .position(|&g| g >= 0.632 * full)
            .expect("attack");
        let attack_meas = t63 as f64 * 1000.0 / SR;
        assert!(
            (attack_meas - attack).abs() <= 0.1 * attack,
            "attack {attack_meas} ms"
        );
        let down = gr_trace(&mut c, db(-8.0), db(-40.0), 0, 48_000);
        let t37 = down
            .iter()
            .position(|&g| g <= 0.368 * full)
            .expect("release");
        let release_meas = t37 as f64 * 1000.0 / SR;
        assert!(
            (release_meas - release).abs() <= 0.1 * release,
            "release {release_meas} ms"
        );
    }
}

#[test]
fn compressor_lookahead_latency_is_exact() {
    let mut c = prepared(
        Compressor::new(CompressorParams {
            lookahead_ms: 5.0,
            ..CompressorParams::default()
        }),
        2,
    );
    assert_eq!(c.latency(), 240);
    let mut imp = vec![0.0f32; 1000];
    imp[10] = 0.05; // −26 dB, below the −18 dB threshold and knee
    let mut x = vec![imp.clone(), imp];
    run(&mut c, &mut x);
    for (n, &y) in x[0].iter().enumerate() {
        let want = if n == 250 { 0.05 } else { 0.0 };
        assert!((y - want).abs() < 1e-9, "n={n}: {y}");
    }
}

#[test]
fn full_stereo_link_gives_identical_gains_and_zero_link_independent() {
    for link in [100.0, 0.0] {
        let mut c = prepared(
            Compressor::new(CompressorParams {
                link_percent: link,
                threshold_db: -30.0,
                ratio: 4.0,
                ..CompressorParams::default()
            }),
            2,
        );
        let a = sine(24_000, 300.0, 0.9);
        let b = sine(24_000, 300.0, 0.01);
        let mut x = vec![a.clone(), b.clone()];
        run(&mut c, &mut x);
        let ga = rms_db(&x[0][12_000..]) - rms_db(&a[12_000..]);
        let gb = rms_db(&x[1][12_000..]) - rms_db(&b[12_000..]);
        if link == 100.0 {
            assert!((ga - gb).abs() < 1e-3, "linked gains {ga} vs {gb}");
            assert!(ga < -10.0);
        } else {
            // The quiet channel (−40 dB) is below threshold: untouched.
            assert!(gb.abs() < 0.01 && ga < -10.0, "{ga} {gb}");
        }
    }
}

#[test]
fn external_sidechain_drives_the_gain_and_its_high_pass_ignores_bass() {
    let params = CompressorParams {
        threshold_db: -30.0,
        ratio: 10.0,
        knee_db: 0.0,
        ..CompressorParams::default()
    };
    let key_bass = sine(24_000, 40.0, 0.9);
    let key_mid = sine(24_000, 2_000.0, 0.9);
    let audio = sine(24_000, 1_000.0, 0.01); // below threshold by itself
    let reduce = |params: CompressorParams, key: &[f32]| {
        let mut c = prepared(Compressor::new(params), 1);
        let mut y = audio.clone();
        for (a, k) in y.chunks_mut(1024).zip(key.chunks(1024)) {
            c.process_with_sidechain(&mut [a], &[k]);
        }
        rms_db(&audio[12_000..]) - rms_db(&y[12_000..])
    };
    // Key at −0.9 dB peak, 29 dB over, 10:1 → ≈26 dB reduction (peak detector
    // follows the waveform, so the average is a little less).
    assert!(reduce(params.clone(), &key_mid) > 20.0);
    let hpf = CompressorParams {
        sidechain_hpf_hz: 200.0,
        ..params.clone()
    };
    // 40 Hz through a 12 dB/oct high-pass at 200 Hz: −28 dB → about at threshold.
    assert!(reduce(hpf.clone(), &key_bass) < 3.0);
    assert!(reduce(params, &key_bass) > 20.0);
    assert!(reduce(hpf, &key_mid) > 20.0);
}

/// The detector reads the audio itself straight into |x| (and, for linked
/// channels, into the loudest |x| of each frame); a copy of the audio given as
/// the external key takes the general path (copy, then |x|). Both must give
/// the same output, bit for bit, for mono, stereo and 3 channels, linked,
/// unlinked and half linked, through loud, quiet and silent stretches.
#[test]
fn detecting_on_the_audio_equals_detecting_on_a_copy_as_key() {
    let len = 30_000;
    let bursts = |ch: usize| -> Vec<f32> {
        sine(len, 300.0 + 70.0 * ch as f64, 0.9)
            .into_iter()
            .enumerate()
            .map(|(n, x)| {
                let g = match ((n + 900 * ch) / 2_500) % 4 {
                    0 => 1.0,
                    1 => 0.01,
                    2 => 0.0,
                    _ => (n % 2_500) as f32 / 2_500.0,
                };
                x * g
            })
            .collect()
    };
    for channels in [1, 2, 3] {
        for link in [100.0, 0.0, 50.0] {
            let params = CompressorParams {
                threshold_db: -24.0,
                ratio: 3.0,
                attack_ms: 5.0,
                release_ms: 120.0,
                link_percent: link,
                ..CompressorParams::default()
            };
            let input: Vec<Vec<f32>> = (0..channels).map(bursts).collect();
            let mut direct = input.clone();
            let mut c = prepared(Compressor::new(params.clone()), channels);
            run(&mut c, &mut direct);
            let mut keyed = input.clone();
            let mut c = prepared(Compressor::new(params), channels);
            for start in (0..len).step_by(1024) {
                let end = (start + 1024).min(len);
                let key: Vec<&[f32]> = input.iter().map(|k| &k[start..end]).collect();
                let mut block: Vec<&mut [f32]> =
                    keyed.iter_mut().map(|c| &mut c[start..end]).collect();
                c.process_with_sidechain(&mut block, &key);
            }
            assert!(
                direct != input,
                "{channels} ch, link {link}: no compression"
            );
            assert!(
                direct == keyed,
                "{channels} ch, link {link}: outputs differ"
            );
        }
    }
}

/// Lookahead delays the audio, not the detector: the output must equal, bit
/// for bit, a compressor without lookahead whose audio is the input delayed
/// by the lookahead and whose key is the input itself. Host blocks shorter
/// and longer than the delay, straddling the delay ring's wrap.
#[test]
fn lookahead_equals_delayed_audio_with_an_undelayed_key() {
    let len = 20_000;
    let params = CompressorParams {
        threshold_db: -24.0,
        ratio: 3.0,
        attack_ms: 5.0,
        release_ms: 120.0,
        lookahead_ms: 2.0,
        ..CompressorParams::default()
    };
    let lag = (2.0e-3 * SR).round() as usize;
    for channels in [1, 2] {
        let input: Vec<Vec<f32>> = (0..channels)
            .map(|ch| {
                sine(len, 220.0 + 50.0 * ch as f64, 0.8)
                    .into_iter()
                    .enumerate()
                    .map(|(n, x)| if (n / 3_000) % 2 == 0 { x } else { 0.02 * x })
                    .collect()
            })
            .collect();
        let mut want: Vec<Vec<f32>> = input
            .iter()
            .map(|x| [vec![0.0; lag], x[..len - lag].to_vec()].concat())
            .collect();
        let mut c = prepared(
            Compressor::new(CompressorParams {
                lookahead_ms: 0.0,
                ..params.clone()
            }),
            channels,
        );
        for start in (0..len).step_by(1024) {
            let end = (start + 1024).min(len);
            let key: Vec<&[f32]> = input.iter().map(|k| &k[start..end]).collect();
            let mut block: Vec<&mut [f32]> = want.iter_mut().map(|c| &mut c[start..end]).collect();
            c.process_with_sidechain(&mut block, &key);
        }
        for block_len in [1, 7, 37, lag, lag + 1, 100, 1024] {
            let mut c = prepared(Compressor::new(params.clone()), channels);
            assert_eq!(c.latency(), lag);
            let mut got = input.clone();
            for start in (0..len).step_by(block_len) {
                let end = (start + block_len).min(len);
                let mut block: Vec<&mut [f32]> =
                    got.iter_mut().map(|c| &mut c[start..end]).collect();
                c.process(&mut block);
            }
            assert!(got == want, "{channels} ch, blocks of {block_len}");
        }
    }
}

/// Unlinked channels are independent: each channel of a 3-channel RMS
/// compressor with a side-chain high-pass (its detectors run two lanes per
/// loop, then one) must match that channel through a mono compressor. The
/// smoothing's rounding differs between one lane and two (≈ 1e-15 dB), so
/// equal within 1e-7 (a few f32 ulps at full scale), while a lane taking
/// another's filter or mean-square state would be off by whole dBs.
#[test]
fn unlinked_rms_channels_with_sidechain_high_pass_match_mono_compressors() {
    let len = 24_000;
    let params = CompressorParams {
        threshold_db: -20.0,
        ratio: 4.0,
        attack_ms: 5.0,
        release_ms: 80.0,
        link_percent: 0.0,
        detection: Detection::Rms,
        sidechain_hpf_hz: 150.0,
        ..CompressorParams::default()
    };
    // Different levels and a bass tone the high-pass must ignore.
    let input: Vec<Vec<f32>> = [(0.9, 2_000.0), (0.3, 1_000.0), (0.6, 3_000.0)]
        .iter()
        .map(|&(amp, freq)| {
            sine(len, freq, amp)
                .iter()
                .zip(sine(len, 50.0, 0.5))
                .map(|(x, b)| x + b)
                .collect()
        })
        .collect();
    let mut together = input.clone();
    let mut c = prepared(Compressor::new(params.clone()), 3);
    run(&mut c, &mut together);
    let mut worst: f64 = 0.0;
    for (ch, want_in) in input.iter().enumerate() {
        let mut alone = vec![want_in.clone()];
        let mut c = prepared(Compressor::new(params.clone()), 1);
        run(&mut c, &mut alone);
        for (&a, &b) in alone[0].iter().zip(&together[ch]) {
            worst = worst.max(f64::from((a - b).abs()));
        }
    }
    assert!(worst < 1e-7, "worst {worst:e}");
    // And the compressor did act on the loud channels.
    assert!(rms_db(&input[0][12_000..]) - rms_db(&together[0][12_000..]) > 3.0);
}

#[test]
fn threshold_change_mid_stream_does_not_click() {
    let mut c = prepared(Compressor::new(CompressorParams::default()), 1);
    let mut x = sine(48_000, 200.0, 0.5);
    let input_step = x
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    for (i, chunk) in x.chunks_mut(512).enumerate() {
        if i == 30 {
            c.set_params(CompressorParams {
                threshold_db: -40.0,
                ratio: 20.0,
                attack_ms: 0.0,
                ..CompressorParams::default()
            });
        }
        c.process(&mut [chunk]);
    }
    let output_step = x
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    assert!(output_step <= input_step, "{output_step} > {input_step}");
}

#[test]
fn gate_attenuates_by_range_below_threshold_and_hysteresis_holds_it_open() {
    let params = GateParams {
        threshold_db: -40.0,
        range_db: -40.0,
        ratio: 10.0,
        attack_ms: 0.5,
        hold_ms: 10.0,
        release_ms: 20.0,
        hysteresis_db: 6.0,
    };
    // −60 dB tone: 20 dB under → 180 dB by the ratio, limited to −40 dB.
    let mut g = prepared(Gate::new(params.clone()), 1);
    let x = sine(48_000, 1_000.0, db(-60.0));
    let mut y = vec![x.clone()];
    run(&mut g, &mut y);
    let att = rms_db(&y[0][24_000..]) - rms_db(&x[24_000..]);
    assert!((att + 40.0).abs() < 0.5, "attenuation {att}");

    // Open at −30 dB, then fall to −43 dB (peak): inside the 6 dB hysteresis
    // band (close at −46), so the gate stays open at unity gain.
    let mut g = prepared(Gate::new(params), 1);
    let loud = sine(24_000, 1_000.0, db(-30.0));
    let mid = sine(48_000, 1_000.0, db(-43.0));
    let mut a = vec![loud];
    run(&mut g, &mut a);
    assert!(g.is_open());
    let mut b = vec![mid.clone()];
    run(&mut g, &mut b);
    assert!(g.is_open(), "closed inside the hysteresis band");
    let gain = rms_db(&b[0][24_000..]) - rms_db(&mid[24_000..]);
    assert!(gain.abs() < 0.05, "gain inside hysteresis {gain}");
    // Below the close threshold it shuts.
    let mut c = vec![sine(24_000, 1_000.0, db(-50.0))];
    run(&mut g, &mut c);
    assert!(!g.is_open());
}

#[test]
fn multiband_sum_is_flat_within_0_05_db_with_idle_bands() {
    for crossovers in [vec![120.0, 1_000.0, 5_000.0, 12_000.0], vec![300.0]] {
        let bands = crossovers.len() + 1;
        let idle = CompressorParams {
            threshold_db: 0.0,
            ..CompressorParams::default()
        };
        let mut m = prepared(
            Multiband::new(MultibandParams {
                crossovers_hz: crossovers.clone(),
                bands: vec![idle; bands],
            }),
            1,
        );
        assert_eq!(m.band_count(), bands);
        let n = 1 << 16;
        let mut x = vec![vec![0.0f32; n]];
        x[0][0] = 0.5;
        run(&mut m, &mut x);
        let mut planner = RealFftPlanner::<f64>::new();
        let fft = planner.plan_fft_forward(n);
        let mut input: Vec<f64> = x[0].iter().map(|&v| f64::from(v) / 0.5).collect();
        let mut spec = fft.make_output_vec();
        fft.process(&mut input, &mut spec).expect("fft");
        for (k, c) in spec.iter().enumerate() {
            let f = k as f64 * SR / n as f64;
            if (20.0..=20_000.0).contains(&f) {
                let mag = 20.0 * c.norm().log10();
                assert!(mag.abs() < 0.05, "{crossovers:?}: {f:.0} Hz at {mag:.3} dB");
            }
        }
    }
}

#[test]
fn deesser_reduces_sibilance_and_leaves_low_tones_alone() {
    let params = DeEsserParams {
        frequency_hz: 5_000.0,
        threshold_db: -30.0,
        ratio: 4.0,
    };
    let mut d = prepared(DeEsser::new(params.clone()), 1);
    let burst = sine(24_000, 7_000.0, db(-10.0));
    let mut y = vec![burst.clone()];
    run(&mut d, &mut y);
    let red = rms_db(&burst[12_000..]) - rms_db(&y[0][12_000..]);
    assert!(red > 6.0, "7 kHz reduced by only {red:.2} dB");

    let mut d = prepared(DeEsser::new(params), 1);
    let tone = sine(24_000, 500.0, db(-10.0));
    let mut y = vec![tone.clone()];
    run(&mut d, &mut y);
    let change = rms_db(&y[0][12_000..]) - rms_db(&tone[12_000..]);
    assert!(change.abs() < 0.1, "500 Hz changed by {change:.3} dB");
}

/// The filters ring out at the start of the silence; by its last second every
/// state must have been flushed to exactly zero.
fn last_second_is_zero(s: &[Vec<f32>]) -> bool {
    s.iter()
        .all(|c| c[c.len() - 48_000..].iter().all(|&v| v == 0.0))
}

#[test]
fn state_is_exactly_zero_after_ten_seconds_of_silence() {
    let loud = || vec![sine(24_000, 3_000.0, 0.9), sine(24_000, 150.0, 0.9)];
    let silence = || vec![vec![0.0f32; 480_000]; 2];
    let mut c = prepared(Compressor::default(), 2);
    run(&mut c, &mut loud());
    assert!(c.gain_reduction_db() > 0.0);
    let mut s = silence();
    run(&mut c, &mut s);
    assert_eq!(c.gain_reduction_db(), 0.0);
    assert!(last_second_is_zero(&s));

    let mut m = prepared(Multiband::default(), 2);
    run(&mut m, &mut loud());
    let mut s = silence();
    run(&mut m, &mut s);
    assert!(last_second_is_zero(&s));
    assert!((0..3).all(|b| m.gain_reduction_db(b) == 0.0));

    let mut d = prepared(DeEsser::default(), 2);
    run(&mut d, &mut loud());
    let mut s = silence();
    run(&mut d, &mut s);
    assert!(last_second_is_zero(&s));
    assert_eq!(d.gain_reduction_db(), 0.0);

    let mut g = prepared(Gate::default(), 2);
    run(&mut g, &mut loud());
    let mut s = silence();
    run(&mut g, &mut s);
    assert!(last_second_is_zero(&s));
}
