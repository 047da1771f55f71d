//! Filters measured against theory: impulse responses through the processors,
//! evaluated by DTFT at spot frequencies, compared with analytic transfer
//! functions (and closed-form Butterworth / Linkwitz–Riley responses).

use mixmaster_dsp::filter::biquad::{BiquadCoeffs, BiquadState, FilterType};
use mixmaster_dsp::filter::butterworth;
use mixmaster_dsp::filter::crossover::{LinkwitzRiley4, LinkwitzRileyAllPass};
use mixmaster_dsp::filter::{BandShape, Eq, EqBand, EqParams, LinearPhaseEq};
use mixmaster_dsp::{ProcessSpec, Processor};

const SR: f64 = 48_000.0;
const SPOTS: [f64; 13] = [
    20.0, 50.0, 100.0, 200.0, 500.0, 800.0, 1000.0, 1250.0, 2000.0, 5000.0, 10_000.0, 15_000.0,
    20_000.0,
];
const ALL_TYPES: [FilterType; 8] = [
    FilterType::Peak,
    FilterType::LowShelf,
    FilterType::HighShelf,
    FilterType::LowPass,
    FilterType::HighPass,
    FilterType::BandPass,
    FilterType::Notch,
    FilterType::AllPass,
];

/// Magnitude in dB of the DTFT of `h` at `freq_hz`.
fn dtft_db(h: &[f64], freq_hz: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq_hz / SR;
    let (mut re, mut im) = (0.0, 0.0);
    for (n, &v) in h.iter().enumerate() {
        let (s, c) = (w * n as f64).sin_cos();
        re += v * c;
        im -= v * s;
    }
    10.0 * (re * re + im * im).log10()
}

/// Impulse response of a processor (mono), `len` samples, in blocks of `block`.
fn impulse_response(p: &mut dyn Processor, len: usize, block: usize) -> Vec<f64> {
    p.prepare(&ProcessSpec::new(SR, 1, block));
    let mut out = Vec::with_capacity(len);
    let mut buf = vec![0.0f32; block];
    let mut n = 0;
    while n < len {
        buf.iter_mut().for_each(|v| *v = 0.0);
        if n == 0 {
            buf[0] = 1.0;
        }
        let take = block.min(len - n);
        p.process(&mut [&mut buf[..take]]);
        out.extend(buf[..take].iter().map(|&v| f64::from(v)));
        n += take;
    }
    out
}

fn eq_of(bands: Vec<EqBand>) -> Eq {
    Eq::new(EqParams { bands })
}

#[test]
fn every_biquad_type_matches_its_transfer_function() {
    for kind in ALL_TYPES {
        for (freq, q, gain) in [
            (1000.0, 0.707, 6.0),
            (120.0, 2.0, -9.0),
            (8000.0, 0.5, 12.0),
        ] {
            let band = EqBand::new(BandShape::Biquad(kind), freq, q, gain);
            let coeffs = BiquadCoeffs::design(kind, freq, q, gain, SR);
            let h = impulse_response(&mut eq_of(vec![band]), 1 << 16, 512);
            for f in SPOTS {
                let expected = coeffs.magnitude_db(f, SR);
                if expected < -80.0 {
                    continue; // beyond f32 resolution of the impulse response
                }
                let measured = dtft_db(&h, f);
                assert!(
                    (measured - expected).abs() < 0.1,
                    "{kind:?} {freq} Hz q {q} {gain} dB at {f} Hz: measured {measured:.3} expected {expected:.3}"
                );
            }
        }
    }
}

#[test]
fn cookbook_landmarks_hold() {
    let m = |k, f, q, g, at| BiquadCoeffs::design(k, f, q, g, SR).magnitude_db(at, SR);
    assert!((m(FilterType::Peak, 1000.0, 1.0, -7.5, 1000.0) + 7.5).abs() < 1e-9);
    // Shelves reach the full gain far from the corner and half of it (in dB) at it.
    assert!((m(FilterType::LowShelf, 1000.0, 0.707, 6.0, 5.0) - 6.0).abs() < 1e-3);
    assert!((m(FilterType::LowShelf, 1000.0, 0.707, 6.0, 1000.0) - 3.0).abs() < 1e-9);
    assert!((m(FilterType::HighShelf, 1000.0, 0.707, 6.0, 23_900.0) - 6.0).abs() < 1e-2);
    assert!((m(FilterType::HighShelf, 1000.0, 0.707, 6.0, 1000.0) - 3.0).abs() < 1e-9);
    assert!(m(FilterType::BandPass, 1000.0, 3.0, 0.0, 1000.0).abs() < 1e-9);
    assert!(m(FilterType::Notch, 1000.0, 3.0, 0.0, 1000.0) < -200.0);
    for f in SPOTS {
        assert!(m(FilterType::AllPass, 1000.0, 0.9, 0.0, f).abs() < 1e-9);
    }
}

#[test]
fn butterworth_orders_match_closed_form_and_slope() {
    for order in 1..=8u8 {
        for high in [false, true] {
            let fc = 1000.0;
            let shape = if high {
                BandShape::ButterworthHighPass(order)
            } else {
                BandShape::ButterworthLowPass(order)
            };
            let h = impulse_response(
                &mut eq_of(vec![EqBand::new(shape, fc, 0.707, 0.0)]),
                1 << 15,
                256,
            );
            for f in SPOTS {
                let expected = butterworth::analytic_magnitude_db(order, fc, f, SR, high);
                if expected < -80.0 {
                    continue;
                }
                let measured = dtft_db(&h, f);
                assert!(
                    (measured - expected).abs() < 0.1,
                    "order {order} high {high} at {f}: {measured:.3} vs {expected:.3}"
                );
            }
            let at_fc = dtft_db(&h, fc);
            assert!(
                (at_fc + 3.0103).abs() < 0.01,
                "order {order}: {at_fc} at cutoff"
            );
            // Stop-band slope: 6.02·N dB per octave, measured well inside the
            // stop band on the f64 cascade (levels there are below f32 resolution).
            let cascade = if high {
                butterworth::highpass(order, fc, SR)
            } else {
                butterworth::lowpass(order, fc, SR)
            };
            let mut st = mixmaster_dsp::filter::cascade::CascadeState::default();
            let h64: Vec<f64> = (0..1 << 15)
                .map(|n| cascade.process(&mut st, if n == 0 { 1.0 } else { 0.0 }))
                .collect();
            let (a, b) = if high {
                (100.0, 50.0)
            } else {
                (4000.0, 8000.0)
            };
            let slope = dtft_db(&h64, a) - dtft_db(&h64, b);
            let expected = butterworth::analytic_magnitude_db(order, fc, a, SR, high)
                - butterworth::analytic_magnitude_db(order, fc, b, SR, high);
            assert!(
                (slope - expected).abs() < 0.05,
                "order {order}: slope {slope}"
            );
            if high {
                assert!((slope - 6.0206 * f64::from(order)).abs() < 0.05 * f64::from(order));
            }
        }
    }
}

#[test]
fn linkwitz_riley_sum_is_flat_and_bands_are_minus_6db_at_crossover() {
    let fc = 2000.0;
    let mut x = LinkwitzRiley4::new(fc, SR);
    let mut low = Vec::new();
    let mut high = Vec::new();
    for n in 0..(1 << 15) {
        let (l, h) = x.split(if n == 0 { 1.0 } else { 0.0 });
        low.push(l);
        high.push(h);
    }
    let sum: Vec<f64> = low.iter().zip(&high).map(|(a, b)| a + b).collect();
    for f in SPOTS {
        let s = dtft_db(&sum, f);
        assert!(s.abs() < 0.01, "sum at {f} Hz: {s} dB");
    }
    assert!((dtft_db(&low, fc) + 6.0206).abs() < 0.01);
    assert!((dtft_db(&high, fc) + 6.0206).abs() < 0.01);
    // The all-pass matches the sum's phase: same impulse response.
    let mut ap = LinkwitzRileyAllPass::new(fc, SR);
    let err = sum
        .iter()
        .enumerate()
        .map(|(n, s)| (s - ap.process(if n == 0 { 1.0 } else { 0.0 })).abs())
        .fold(0.0, f64::max);
    assert!(err < 1e-12, "{err}");
}

fn lp_params() -> EqParams {
    EqParams {
        bands: vec![
            EqBand::new(BandShape::Biquad(FilterType::LowShelf), 120.0, 0.707, 4.0),
            EqBand::new(BandShape::Biquad(FilterType::Peak), 1000.0, 1.0, -6.0),
            EqBand::new(BandShape::Biquad(FilterType::HighShelf), 8000.0, 0.707, 3.0),
        ],
    }
}

#[test]
fn linear_phase_eq_matches_design_and_peaks_at_latency() {
    let params = lp_params();
    let mut eq = LinearPhaseEq::new(params.clone());
    eq.prepare(&ProcessSpec::new(SR, 1, 1000));
    let latency = eq.latency();
    let taps = eq.taps();
    assert_eq!(taps % 2, 1);
    // Block size 1000 is not a multiple of the 256-sample partition: the FIFO must cope.
    let h = impulse_response(&mut eq, latency + taps, 1000);
    let peak = h
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .map(|(i, _)| i);
    assert_eq!(peak, Some(latency));
    // Symmetric about the latency (linear phase), to f32 resolution.
    for k in 1..2000 {
        assert!(
            (h[latency - k] - h[latency + k]).abs() < 1e-6,
            "asymmetric at {k}"
        );
    }
    for f in [
        50.0, 300.0, 500.0, 1000.0, 2000.0, 4000.0, 12_000.0, 16_000.0,
    ] {
        let expected = params.magnitude_db(f, SR);
        let measured = dtft_db(&h, f);
        assert!(
            (measured - expected).abs() < 0.1,
            "{f} Hz: {measured:.3} vs {expected:.3}"
        );
    }
}

#[test]
fn linear_phase_eq_crossfades_parameter_changes() {
    // A 200 Hz sine; the bell under it jumps from −6 to +6 dB between blocks.
    let mut eq = LinearPhaseEq::new(EqParams {
        bands: vec![EqBand::new(
            BandShape::Biquad(FilterType::Peak),
            200.0,
            1.0,
            -6.0,
        )],
    });
    eq.prepare(&ProcessSpec::new(SR, 1, 480));
    let mut out = Vec::new();
    for b in 0..100 {
        if b == 50 {
            eq.set_params(EqParams {
                bands: vec![EqBand::new(
                    BandShape::Biquad(FilterType::Peak),
                    200.0,
                    1.0,
                    6.0,
                )],
            });
        }
        let mut buf: Vec<f32> = (0..480)
            .map(|i| {
                let n = (b * 480 + i) as f64;
                (0.25 * (2.0 * std::f64::consts::PI * 200.0 * n / SR).sin()) as f32
            })
            .collect();
        eq.process(&mut [&mut buf]);
        out.extend(buf);
    }
    let tail = &out[out.len() - 4800..];
    let rms = (tail.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / 4800.0).sqrt();
    let db = 20.0 * (rms * 2f64.sqrt() / 0.25).log10();
    assert!((db - 6.0).abs() < 0.1, "{db}");
    // Largest step between samples stays that of a +6 dB 200 Hz sine (no click).
    let max_step = out
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max);
    let sine_step = 0.25 * 2.0 * 2.0 * std::f64::consts::PI * 200.0 / SR;
    assert!(
        f64::from(max_step) < sine_step * 1.05,
        "{max_step} vs {sine_step}"
    );
}

/// Energy above 4 kHz of a 200 Hz signal inside `window`, in dBFS. The high
/// pass runs over the whole signal so its own start-up transient is excluded.
fn hf_residue_db(x: &[f32], window: std::ops::Range<usize>) -> f64 {
    let hp = butterworth::highpass(8, 4000.0, SR);
    let mut st = mixmaster_dsp::filter::cascade::CascadeState::default();
    let y: Vec<f64> = x
        .iter()
        .map(|&v| hp.process(&mut st, f64::from(v)))
        .collect();
    let e: f64 = y[window.clone()].iter().map(|v| v * v).sum();
    10.0 * (e / window.len() as f64).log10()
}

#[test]
fn eq_gain_jump_is_smoothed_without_click() {
    let sine = |n: usize| (0.5 * (2.0 * std::f64::consts::PI * 200.0 * n as f64 / SR).sin()) as f32;
    let band = |g| EqBand::new(BandShape::Biquad(FilterType::Peak), 200.0, 1.0, g);
    let run = |eq: &mut Eq, change: Option<EqParams>| -> Vec<f32> {
        eq.prepare(&ProcessSpec::new(SR, 1, 512));
        let mut out = Vec::new();
        for b in 0..40 {
            if b == 20
                && let Some(p) = change.clone()
            {
                eq.set_params(p);
            }
            let mut buf: Vec<f32> = (0..512).map(|i| sine(b * 512 + i)).collect();
            eq.process(&mut [&mut buf]);
            out.extend(buf);
        }
        out
    };
    let smoothed = run(
        &mut eq_of(vec![band(0.0)]),
        Some(EqParams {
            bands: vec![band(12.0)],
        }),
    );
    // Control: an unsmoothed switch, spliced from two static EQs. It clicks,
    // which shows the measure can fail.
    let a = run(&mut eq_of(vec![band(0.0)]), None);
    let b = run(&mut eq_of(vec![band(12.0)]), None);
    let spliced: Vec<f32> = a[..20 * 512 + 37]
        .iter()
        .chain(&b[20 * 512 + 37..])
        .copied()
        .collect();
    let window = 18 * 512..26 * 512;
    let smooth_hf = hf_residue_db(&smoothed, window.clone());
    let splice_hf = hf_residue_db(&spliced, window);
    eprintln!("HF residue: smoothed {smooth_hf:.1} dB, spliced {splice_hf:.1} dB");
    assert!(
        smooth_hf < -85.0,
        "smoothed change leaks {smooth_hf} dB above 4 kHz"
    );
    assert!(splice_hf > -50.0, "control splice only {splice_hf} dB");
}

#[test]
fn eq_disable_fades_out_and_bypasses() {
    let mut band = EqBand::new(BandShape::Biquad(FilterType::Peak), 1000.0, 1.0, 12.0);
    let mut eq = eq_of(vec![band]);
    eq.prepare(&ProcessSpec::new(SR, 1, 256));
    let mut buf = vec![0.25f32; 256];
    eq.process(&mut [&mut buf]);
    band.enabled = false;
    eq.set_params(EqParams { bands: vec![band] });
    for _ in 0..10 {
        buf.iter_mut().for_each(|v| *v = 0.25);
        eq.process(&mut [&mut buf]);
    }
    // Disabled: bit-exact wire.
    assert!(buf.iter().all(|&v| v == 0.25));
}

#[test]
fn eq_state_is_exactly_zero_after_silence() {
    let mut eq = Eq::new(lp_params());
    eq.prepare(&ProcessSpec::new(SR, 2, 480));
    let mut l: Vec<f32> = (0..480)
        .map(|i| ((i * 7919) % 97) as f32 / 97.0 - 0.5)
        .collect();
    let mut r = l.clone();
    eq.process(&mut [&mut l, &mut r]);
    for _ in 0..1000 {
        l.iter_mut().chain(r.iter_mut()).for_each(|v| *v = 0.0);
        eq.process(&mut [&mut l, &mut r]);
    }
    assert!(l.iter().chain(&r).all(|&v| v == 0.0));
    // The same for a raw biquad state.
    let c = BiquadCoeffs::design(FilterType::LowShelf, 30.0, 0.707, 6.0, SR);
    let mut s = BiquadState::new();
    s.process(&c, 1.0);
    (0..480_000).for_each(|_| {
        s.process(&c, 0.0);
    });
    assert!(s.is_clear());
}
