//! Stereo tools, delay, reverb and utilities measured against theory.

use std::f64::consts::PI;

use mixmaster_dsp::stereo::{
    MonoBelow, MonoBelowParams, PanLaw, PanParams, Panner, StereoWidth, WidthParams, ms_decode,
    ms_encode, pan_gains,
};
use mixmaster_dsp::time::{
    Delay, DelayParams, DelayTime, NoteModifier, NoteValue, Reverb, ReverbParams, ReverbPreset,
};
use mixmaster_dsp::utility::{
    DcBlocker, DcBlockerParams, Dither, DitherParams, FadeCurve, Gain, GainParams, NoiseShaping,
    equal_power_crossfade, fade_in_gain,
};
use mixmaster_dsp::{ProcessSpec, Processor};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use realfft::RealFftPlanner;

const SR: f64 = 48_000.0;

fn db(x: f64) -> f64 {
    20.0 * x.abs().log10()
}

fn noise(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-0.5f32..0.5)).collect()
}

fn sine(f: f64, amp: f64, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (amp * (2.0 * PI * f * i as f64 / SR).sin()) as f32)
        .collect()
}

/// Run a stereo processor over whole signals in blocks of 512.
fn run_stereo(p: &mut dyn Processor, l: &mut [f32], r: &mut [f32]) {
    p.prepare(&ProcessSpec::new(SR, 2, 512));
    for (a, b) in l.chunks_mut(512).zip(r.chunks_mut(512)) {
        p.process(&mut [a, b]);
    }
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

#[test]
fn pan_laws_have_their_centre_gain_and_exact_extremes() {
    for (law, centre_db) in [
        (PanLaw::Minus3, -3.0103),
        (PanLaw::Minus4_5, -4.5154),
        (PanLaw::Minus6, -6.0206),
        (PanLaw::Zero, 0.0),
    ] {
        let (l, r) = pan_gains(0.0, law);
        assert!((db(l) - centre_db).abs() < 1e-3, "{law:?}: {}", db(l));
        assert!((l - r).abs() < 1e-15);
        assert_eq!(pan_gains(-1.0, law), (1.0, 0.0), "{law:?} hard left");
        let (hl, hr) = pan_gains(1.0, law);
        assert!(hl.abs() < 1e-15 && hr == 1.0, "{law:?} hard right");
    }
    // Constant power across the field for the −3 dB law.
    for p in [-0.8, -0.3, 0.1, 0.6] {
        let (l, r) = pan_gains(p, PanLaw::Minus3);
        assert!((l * l + r * r - 1.0).abs() < 1e-12);
    }
    // The processor applies them to the mono input in the left channel.
    let mut pan = Panner::new(PanParams {
        pan_pct: 0.0,
        law: PanLaw::Minus6,
    });
    let mut l = vec![0.8f32; 1024];
    let mut r = vec![0.0f32; 1024];
    run_stereo(&mut pan, &mut l, &mut r);
    assert!((l[1000] - 0.4).abs() < 1e-7 && (r[1000] - 0.4).abs() < 1e-7);
}

#[test]
fn width_zero_is_mono_hundred_is_identity_two_hundred_doubles_side() {
    let (l0, r0) = (noise(4096, 1), noise(4096, 2));
    let side = |l: &[f32], r: &[f32]| -> Vec<f64> {
        l.iter()
            .zip(r)
            .map(|(a, b)| ms_encode(f64::from(*a), f64::from(*b)).1)
            .collect()
    };
    let s0 = side(&l0, &r0);
    for (pct, expect) in [(0.0, 0.0), (100.0, 1.0), (200.0, 2.0)] {
        let (mut l, mut r) = (l0.clone(), r0.clone());
        run_stereo(
            &mut StereoWidth::new(WidthParams { width_pct: pct }),
            &mut l,
            &mut r,
        );
        let s = side(&l, &r);
        for (a, b) in s.iter().zip(&s0) {
            assert!(
                (a - expect * b).abs() < 1e-7,
                "{pct} %: side {a} vs {}",
                expect * b
            );
        }
        if pct == 100.0 {
            assert_eq!(l, l0, "100 % is bit-exact");
            assert_eq!(r, r0);
        }
    }
    // The helpers are inverses (exact for f32-valued inputs, as asserted above).
    let (m, s) = ms_encode(0.3, -0.7);
    let (l, r) = ms_decode(m, s);
    assert!((l - 0.3).abs() < 1e-15 && (r + 0.7).abs() < 1e-15);
}

#[test]
fn mono_below_removes_low_side_and_keeps_mid() {
    let f = 120.0;
    let n = 48_000;
    let measure = |freq: f64| -> (f64, f64) {
        // Pure side at `freq`: L = s, R = −s.
        let mut l = sine(freq, 0.5, n);
        let mut r: Vec<f32> = l.iter().map(|v| -v).collect();
        run_stereo(
            &mut MonoBelow::new(MonoBelowParams { freq_hz: f }),
            &mut l,
            &mut r,
        );
        let side: Vec<f32> = l.iter().zip(&r).map(|(a, b)| 0.5 * (a - b)).collect();
        let tail = &side[n / 2..];
        (db(rms(tail) / (0.5 / 2f64.sqrt())), rms(&l[n / 2..]))
    };
    let (below, _) = measure(f / 2.0);
    assert!(below < -20.0, "side an octave below: {below} dB");
    // Theory: LR4 high pass at f/2 = 2·(−10·log10(1 + 2⁴)) = −24.6 dB.
    assert!((below + 24.6).abs() < 0.3, "{below}");
    let (above, _) = measure(f * 8.0);
    assert!(above.abs() < 0.05, "side 3 octaves above: {above} dB");
    // Mid passes bit-exact.
    let mut l = noise(8192, 3);
    let mut r = l.clone();
    let orig = l.clone();
    run_stereo(
        &mut MonoBelow::new(MonoBelowParams { freq_hz: f }),
        &mut l,
        &mut r,
    );
    assert_eq!(l, orig);
    assert_eq!(r, orig);
}

fn delay_impulse(params: DelayParams, len: usize) -> Vec<f32> {
    let mut d = Delay::new(params);
    d.prepare(&ProcessSpec::new(SR, 1, 480));
    let mut out = vec![0.0f32; len];
    out[0] = 1.0;
    for block in out.chunks_mut(480) {
        d.process(&mut [block]);
    }
    out
}

fn plain_delay(time: DelayTime, feedback_pct: f64) -> DelayParams {
    DelayParams {
        time,
        feedback_pct,
        low_cut_hz: None,
        high_cut_hz: None,
        ping_pong: false,
        mix_pct: 100.0,
    }
}

#[test]
fn delay_lands_on_the_sample_and_feedback_decays_by_the_set_amount() {
    let h = delay_impulse(plain_delay(DelayTime::Ms(10.0), 50.0), 4800);
    assert_eq!(h[480], 1.0);
    assert_eq!(h[960], 0.5);
    assert_eq!(h[1440], 0.25);
    let others: f32 = h
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 480 != 0)
        .map(|(_, v)| v.abs())
        .sum();
    assert_eq!(others, 0.0);
    // Tempo sync: a dotted eighth at 120 BPM = 375 ms = 18 000 samples;
    // a quarter triplet = 333.33 ms.
    let t = DelayTime::Note {
        value: NoteValue::Eighth,
        modifier: NoteModifier::Dotted,
        bpm: 120.0,
    };
    assert!((t.to_ms() - 375.0).abs() < 1e-9);
    let t3 = DelayTime::Note {
        value: NoteValue::Quarter,
        modifier: NoteModifier::Triplet,
        bpm: 120.0,
    };
    assert!((t3.to_ms() - 1000.0 / 3.0).abs() < 1e-9);
    let h = delay_impulse(plain_delay(t, 0.0), 19_000);
    assert_eq!(h[18_000], 1.0);
    // A fractional delay (10.0104 ms = 480.5 samples) interpolates: a low sine
    // comes out shifted by exactly 480.5 samples.
    let mut d = Delay::new(plain_delay(DelayTime::Ms(480.5 / 48.0), 0.0));
    d.prepare(&ProcessSpec::new(SR, 1, 4800));
    let mut x = sine(500.0, 0.5, 4800);
    d.process(&mut [&mut x]);
    for (n, y) in x.iter().enumerate().skip(600) {
        let ideal = 0.5 * (2.0 * PI * 500.0 * (n as f64 - 480.5) / SR).sin();
        assert!(
            (f64::from(*y) - ideal).abs() < 1e-4,
            "n {n}: {y} vs {ideal}"
        );
    }
}

#[test]
fn delay_loop_filters_darken_each_repeat() {
    let mut p = plain_delay(DelayTime::Ms(100.0), 80.0);
    p.high_cut_hz = Some(2000.0);
    let h = delay_impulse(p, 48_000);
    // Energy of successive repeats falls faster than the 80 % feedback alone.
    let energy = |k: usize| -> f64 {
        h[k * 4800..(k + 1) * 4800]
            .iter()
            .map(|v| f64::from(*v).powi(2))
            .sum()
    };
    assert!(energy(3) < energy(2) * 0.8f64.powi(2));
    assert!(h.iter().all(|v| v.is_finite()));
}

/// Schroeder backward integration, T30 (−5 → −35 dB) extrapolated to 60 dB.
fn rt60_t30(h: &[f64]) -> f64 {
    let mut edc: Vec<f64> = h.iter().map(|v| v * v).collect();
    for i in (0..edc.len() - 1).rev() {
        edc[i] += edc[i + 1];
    }
    let total = edc[0];
    let level: Vec<f64> = edc.iter().map(|e| 10.0 * (e / total).log10()).collect();
    let (mut sx, mut sy, mut sxx, mut sxy, mut n) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &l) in level.iter().enumerate() {
        if (-35.0..=-5.0).contains(&l) {
            let t = i as f64 / SR;
            sx += t;
            sy += l;
            sxx += t * t;
            sxy += t * l;
            n += 1.0;
        }
    }
    let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    -60.0 / slope
}

fn reverb_ir(params: ReverbParams, len: usize) -> (Vec<f32>, Vec<f32>) {
    let mut l = vec![0.0f32; len];
    let mut r = vec![0.0f32; len];
    l[0] = 1.0;
    r[0] = 1.0;
    run_stereo(&mut Reverb::new(params), &mut l, &mut r);
    (l, r)
}

#[test]
fn reverb_rt60_matches_setting_at_mid_frequencies() {
    for preset in [ReverbPreset::Room, ReverbPreset::Plate, ReverbPreset::Hall] {
        let mut p = ReverbParams::preset(preset);
        p.mix_pct = 100.0;
        p.predelay_ms = 0.0;
        let (l, _) = reverb_ir(p, (p.rt60_s * 1.2 * SR) as usize);
        // 1 kHz octave band (RBJ band pass, Q = √2 ≈ one octave).
        let bp = mixmaster_dsp::filter::biquad::BiquadCoeffs::design(
            mixmaster_dsp::filter::biquad::FilterType::BandPass,
            1000.0,
            2f64.sqrt(),
            0.0,
            SR,
        );
        let mut st = mixmaster_dsp::filter::biquad::BiquadState::new();
        let band: Vec<f64> = l.iter().map(|&v| st.process(&bp, f64::from(v))).collect();
        let rt = rt60_t30(&band);
        let err = (rt - p.rt60_s).abs() / p.rt60_s;
        eprintln!(
            "{preset:?}: RT60 set {} s, measured {rt:.3} s ({:.1} %)",
            p.rt60_s,
            err * 100.0
        );
        assert!(err < 0.15, "{preset:?}: measured {rt} s vs {} s", p.rt60_s);
    }
}

#[test]
fn reverb_has_no_dc_predelay_is_exact_and_output_stays_finite() {
    let mut p = ReverbParams::preset(ReverbPreset::Plate);
    p.mix_pct = 100.0;
    // DC in: the wet output carries none (after the 20 Hz input high pass settles).
    let n = 3 * 48_000;
    let mut l = vec![0.5f32; n];
    let mut r = vec![0.5f32; n];
    run_stereo(&mut Reverb::new(p), &mut l, &mut r);
    let mean = l[2 * 48_000..].iter().map(|v| f64::from(*v)).sum::<f64>() / 48_000.0;
    assert!(mean.abs() < 1e-4, "DC {mean}");
    // Pre-delay: nothing before it, something right after.
    p.predelay_ms = 20.0;
    p.size = 0.3;
    let (l, _) = reverb_ir(p, 4800);
    let first = l.iter().position(|v| *v != 0.0);
    // Earliest possible output: pre-delay (960) + shortest line.
    assert!(first.is_some_and(|i| i >= 960), "{first:?}");
    // Loud noise for 2 s: bounded and finite.
    let mut l = noise(96_000, 5).iter().map(|v| v * 2.0).collect::<Vec<_>>();
    let mut r = noise(96_000, 6).iter().map(|v| v * 2.0).collect::<Vec<_>>();
    run_stereo(
        &mut Reverb::new(ReverbParams::preset(ReverbPreset::Hall)),
        &mut l,
        &mut r,
    );
    assert!(l.iter().chain(&r).all(|v| v.is_finite() && v.abs() < 10.0));
}

fn spectrum_db(x: &[f64], frame: usize) -> Vec<f64> {
    // Welch average of Blackman–Harris-windowed frames (power per bin, dB).
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(frame);
    let w: Vec<f64> = (0..frame)
        .map(|n| {
            let t = 2.0 * PI * n as f64 / frame as f64;
            0.35875 - 0.48829 * t.cos() + 0.14128 * (2.0 * t).cos() - 0.01168 * (3.0 * t).cos()
        })
        .collect();
    let mut acc = vec![0.0; frame / 2 + 1];
    let mut frames = 0.0;
    for chunk in x.chunks_exact(frame) {
        let mut buf: Vec<f64> = chunk.iter().zip(&w).map(|(a, b)| a * b).collect();
        let mut out = fft.make_output_vec();
        fft.process(&mut buf, &mut out).expect("fft lengths");
        for (a, c) in acc.iter_mut().zip(&out) {
            *a += c.norm_sqr();
        }
        frames += 1.0;
    }
    acc.iter()
        .map(|p| 10.0 * (p / frames + 1e-300).log10())
        .collect()
}

/// Largest excess (dB) of any 2nd–5th harmonic of 1 kHz over the local median floor.
fn worst_spur_db(x: &[f64]) -> f64 {
    let frame = 8192;
    let s = spectrum_db(x, frame);
    let bin_hz = SR / frame as f64;
    (2..=5)
        .map(|h| {
            let centre = (1000.0 * h as f64 / bin_hz).round() as usize;
            let peak = s[centre - 3..=centre + 3]
                .iter()
                .copied()
                .fold(f64::MIN, f64::max);
            let mut floor: Vec<f64> = s[centre - 150..centre - 20]
                .iter()
                .chain(&s[centre + 20..centre + 150])
                .copied()
                .collect();
            floor.sort_by(f64::total_cmp);
            peak - floor[floor.len() / 2]
        })
        .fold(f64::MIN, f64::max)
}

#[test]
fn tpdf_dither_leaves_no_harmonic_spurs_where_rounding_does() {
    let n = 8192 * 16;
    let amp = 10f64.powf(-90.0 / 20.0);
    let x = sine(1000.0, amp, n);
    let lsb = 1.0 / 32768.0;
    for shaping in [
        NoiseShaping::None,
        NoiseShaping::SecondOrder,
        NoiseShaping::Lipshitz9,
    ] {
        let mut d = Dither::new(DitherParams {
            bits: 16,
            shaping,
            seed: 7,
        });
        d.prepare(&ProcessSpec::new(SR, 1, 4096));
        let mut y = x.clone();
        for c in y.chunks_mut(4096) {
            d.process(&mut [c]);
        }
        // Exactly on the 16-bit grid.
        assert!(y.iter().all(|v| (f64::from(*v) / lsb).fract() == 0.0));
        let spur = worst_spur_db(&y.iter().map(|v| f64::from(*v)).collect::<Vec<_>>());
        eprintln!("{shaping:?}: worst harmonic {spur:.1} dB over floor");
        assert!(spur < 10.0, "{shaping:?}: spur {spur} dB over the floor");
        // Same seed → bit-identical output.
        let mut d2 = Dither::new(DitherParams {
            bits: 16,
            shaping,
            seed: 7,
        });
        d2.prepare(&ProcessSpec::new(SR, 1, 4096));
        let mut y2 = x.clone();
        for c in y2.chunks_mut(4096) {
            d2.process(&mut [c]);
        }
        assert_eq!(y, y2);
    }
    // Control: plain rounding of the same sine has strong harmonics.
    let rounded: Vec<f64> = x
        .iter()
        .map(|v| (f64::from(*v) / lsb).round() * lsb)
        .collect();
    let spur = worst_spur_db(&rounded);
    eprintln!("rounding: worst harmonic {spur:.1} dB over floor");
    assert!(spur > 30.0, "rounding spur only {spur} dB");
}

#[test]
fn fade_curves_match_their_formulas() {
    for t in [0.25, 0.5, 0.75] {
        assert_eq!(fade_in_gain(FadeCurve::Linear, t), t);
        let e = (1000f64.powf(t) - 1.0) / 999.0;
        assert!((fade_in_gain(FadeCurve::Exponential, t) - e).abs() < 1e-12);
        let l = (1.0 + 999.0 * t).log10() / 3.0;
        assert!((fade_in_gain(FadeCurve::Logarithmic, t) - l).abs() < 1e-12);
        let s = 0.5 - 0.5 * (PI * t).cos();
        assert!((fade_in_gain(FadeCurve::SCurve, t) - s).abs() < 1e-12);
        let (a, b) = equal_power_crossfade(t);
        assert!((a * a + b * b - 1.0).abs() < 1e-12);
    }
    // Spot values: S-curve is 0.5 at the midpoint; exponential at 50 % is −30 dB (pinned).
    assert!((fade_in_gain(FadeCurve::SCurve, 0.5) - 0.5).abs() < 1e-12);
    assert!(
        (fade_in_gain(FadeCurve::Exponential, 0.5) - (1000f64.sqrt() - 1.0) / 999.0).abs() < 1e-12
    );
    for c in [
        FadeCurve::Linear,
        FadeCurve::Exponential,
        FadeCurve::Logarithmic,
        FadeCurve::SCurve,
    ] {
        assert_eq!(fade_in_gain(c, 0.0), 0.0);
        assert!((fade_in_gain(c, 1.0) - 1.0).abs() < 1e-12);
    }
}

#[test]
fn fade_processor_follows_the_curve_in_and_out() {
    use mixmaster_dsp::utility::{Fade, FadeDirection, FadeParams};
    for dir in [FadeDirection::In, FadeDirection::Out] {
        let mut f = Fade::new(FadeParams {
            direction: dir,
            curve: FadeCurve::Linear,
            start_s: 0.01,
            length_s: 0.02,
        });
        f.prepare(&ProcessSpec::new(SR, 1, 300));
        let mut x = vec![1.0f32; 2400];
        for c in x.chunks_mut(300) {
            f.process(&mut [c]);
        }
        let (before, mid, after) = (x[100], x[480 + 480], x[2000]);
        let expect = match dir {
            FadeDirection::In => (0.0, 0.5, 1.0),
            FadeDirection::Out => (1.0, 0.5, 0.0),
        };
        assert_eq!((before, after), (expect.0, expect.2), "{dir:?}");
        assert!((mid - expect.1).abs() < 1e-6, "{dir:?}: {mid}");
    }
}

#[test]
fn gain_change_mid_stream_ramps_without_a_click() {
    let mut g = Gain::new(GainParams { gain_db: 0.0 });
    g.prepare(&ProcessSpec::new(SR, 1, 256));
    let ramp = g.ramp_len(SR) as f64;
    let mut out = Vec::new();
    for b in 0..20 {
        if b == 5 {
            g.set_params(GainParams { gain_db: 12.0 });
        }
        let mut x = vec![0.25f32; 256];
        g.process(&mut [&mut x]);
        out.extend(x);
    }
    // DC 0.25 from unity to ×3.98: each step is at most 0.25·(3.98 − 1)/ramp.
    let allowed = 0.25 * (10f64.powf(12.0 / 20.0) - 1.0) / ramp;
    let max_step = out
        .windows(2)
        .map(|w| f64::from(w[1] - w[0]).abs())
        .fold(0.0, f64::max);
    assert!(max_step <= allowed * 1.001, "{max_step} vs {allowed}");
    assert!((f64::from(out[out.len() - 1]) - 0.25 * 10f64.powf(0.6)).abs() < 1e-6);
    assert!(max_step > 0.0);
}

#[test]
fn dc_blocker_removes_dc_and_is_minus_3db_at_its_corner() {
    let mut dc = DcBlocker::new(DcBlockerParams::default());
    dc.prepare(&ProcessSpec::new(SR, 1, 4800));
    let c = *dc.coeffs();
    assert!((c.magnitude_db(5.0, SR) + 3.0103).abs() < 1e-3);
    assert!((c.magnitude_db(20.0, SR) + 0.263).abs() < 0.01);
    let mut x = vec![0.5f32; 48_000];
    for ch in x.chunks_mut(4800) {
        dc.process(&mut [ch]);
    }
    // Step response decays as e^(−2π·5·t): after 1 s it is 0.5·e^(−31) ≈ 0.
    assert!(x[47_999].abs() < 1e-9, "{}", x[47_999]);
}

#[test]
fn delay_output_stays_normal_in_silence() {
    let mut d = Delay::new(DelayParams {
        feedback_pct: 90.0,
        ..DelayParams::default()
    });
    d.prepare(&ProcessSpec::new(SR, 2, 4800));
    let mut l = noise(4800, 9);
    let mut r = noise(4800, 10);
    d.process(&mut [&mut l, &mut r]);
    for _ in 0..100 {
        l.iter_mut().chain(r.iter_mut()).for_each(|v| *v = 0.0);
        d.process(&mut [&mut l, &mut r]);
        assert!(l.iter().chain(&r).all(|v| *v == 0.0 || v.is_normal()));
    }
}

/// Renders 24 000 frames of three noise channels (`seeds`) through `p` in
/// blocks of `block` frames, calling `change` exactly at the middle: blocks
/// end there, so the change lands on the same sample whatever the block size.
fn render_with_change<P: Processor>(
    p: &mut P,
    block: usize,
    seeds: [u64; 3],
    change: impl Fn(&mut P),
) -> [Vec<f32>; 3] {
    let n = 24_000;
    let mut chans = seeds.map(|seed| noise(n, seed));
    let mut pos = 0;
    while pos < n {
        if pos == n / 2 {
            change(p);
        }
        let end = if pos < n / 2 { n / 2 } else { n };
        let len = block.min(end - pos);
        let [a, b, c] = &mut chans;
        p.process(&mut [
            &mut a[pos..pos + len],
            &mut b[pos..pos + len],
            &mut c[pos..pos + len],
        ]);
        pos += len;
    }
    chans
}

/// The reverb runs its network in pieces of up to a block; how the host
/// slices the stream must not change a single output sample (decay held
/// still; pre-delay, width and mix ramping per sample; a third, mono channel).
#[test]
fn reverb_output_does_not_depend_on_block_size() {
    let render = |block: usize| {
        let mut rv = Reverb::new(ReverbParams::preset(ReverbPreset::Plate));
        rv.prepare(&ProcessSpec::new(SR, 3, 4096));
        render_with_change(&mut rv, block, [21, 22, 23], |rv| {
            rv.set_params(ReverbParams {
                predelay_ms: 12.3,
                width_pct: 30.0,
                mix_pct: 80.0,
                ..ReverbParams::preset(ReverbPreset::Plate)
            });
        })
    };
    let reference = render(1);
    for block in [37, 128, 512, 4096] {
        assert!(render(block) == reference, "block {block}");
    }
}

/// The delay reads a block's echoes before writing it; how the host slices
/// the stream must not change a single output sample (a time glide down to
/// a few samples, shorter than a block, and ping-pong on a stereo pair plus
/// a third channel).
#[test]
fn delay_output_does_not_depend_on_block_size() {
    let base = DelayParams {
        ping_pong: true,
        feedback_pct: 80.0,
        ..DelayParams::default()
    };
    let render = |block: usize| {
        let mut d = Delay::new(base);
        d.prepare(&ProcessSpec::new(SR, 3, 4096));
        render_with_change(&mut d, block, [31, 32, 33], |d| {
            d.set_params(DelayParams {
                time: DelayTime::Ms(0.1),
                mix_pct: 60.0,
                ..base
            });
        })
    };
    let reference = render(1);
    for block in [37, 128, 512, 4096] {
        assert!(render(block) == reference, "block {block}");
    }
}

/// Fed silence after signal, the tank empties to exact zeros (each line's
/// writes and each filter memory flushed below ≈ −600 dBFS) instead of
/// decaying through subnormal numbers, which would run 10–100× slower.
#[test]
fn reverb_tail_ends_in_exact_silence() {
    let mut rv = Reverb::new(ReverbParams {
        rt60_s: 0.2,
        mix_pct: 100.0,
        ..ReverbParams::preset(ReverbPreset::Room)
    });
    rv.prepare(&ProcessSpec::new(SR, 2, 4800));
    let mut l = noise(4800, 24);
    let mut r = noise(4800, 25);
    rv.process(&mut [&mut l, &mut r]);
    // 60 dB per 0.2 s: −600 dB after 2 s; 3 s of silence.
    for _ in 0..30 {
        l.iter_mut().chain(r.iter_mut()).for_each(|v| *v = 0.0);
        rv.process(&mut [&mut l, &mut r]);
        assert!(l.iter().chain(&r).all(|v| *v == 0.0 || v.is_normal()));
    }
    assert!(l.iter().chain(&r).all(|v| *v == 0.0));
}

#[test]
fn balance_centre_is_a_wire_and_hard_sides_mute_the_other() {
    use mixmaster_dsp::stereo::{Balance, BalanceParams};
    let (l0, r0) = (noise(2048, 11), noise(2048, 12));
    let (mut l, mut r) = (l0.clone(), r0.clone());
    run_stereo(&mut Balance::new(BalanceParams::default()), &mut l, &mut r);
    assert_eq!((l.clone(), r.clone()), (l0.clone(), r0.clone()));
    let (mut l, mut r) = (l0.clone(), r0.clone());
    let params = BalanceParams {
        balance_pct: 100.0,
        law: PanLaw::Minus3,
    };
    run_stereo(&mut Balance::new(params), &mut l, &mut r);
    assert!(l.iter().all(|v| v.abs() < 1e-7));
    assert_eq!(r, r0);
}

#[test]
fn polarity_flip_ramps_through_zero() {
    use mixmaster_dsp::stereo::{Polarity, PolarityParams};
    let mut p = Polarity::new(PolarityParams {
        invert: vec![false, true],
    });
    p.prepare(&ProcessSpec::new(SR, 2, 1024));
    let (mut l, mut r) = (vec![0.5f32; 1024], vec![0.5f32; 1024]);
    p.process(&mut [&mut l, &mut r]);
    assert!(l.iter().all(|v| *v == 0.5) && r.iter().all(|v| *v == -0.5));
    p.set_params(PolarityParams {
        invert: vec![true, false],
    });
    let (mut l, mut r) = (vec![0.5f32; 1024], vec![0.5f32; 1024]);
    p.process(&mut [&mut l, &mut r]);
    // 10 ms ramp = 480 samples from +0.5 to −0.5: steps of 1/480.
    let max_step = l
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max);
    assert!(max_step <= 1.0 / 480.0 + 1e-6, "{max_step}");
    assert_eq!((l[1023], r[1023]), (-0.5, 0.5));
}

#[test]
fn ping_pong_alternates_sides() {
    let mut d = Delay::new(DelayParams {
        ping_pong: true,
        ..plain_delay(DelayTime::Ms(10.0), 50.0)
    });
    let mut l = vec![0.0f32; 2000];
    let mut r = vec![0.0f32; 2000];
    l[0] = 1.0;
    run_stereo(&mut d, &mut l, &mut r);
    // Mono sum (½) echoes left at 480, then right at 960 (×0.5), left at 1440 (×0.25).
    assert_eq!((l[480], r[480]), (0.5, 0.0));
    assert_eq!((l[960], r[960]), (0.0, 0.25));
    assert_eq!((l[1440], r[1440]), (0.125, 0.0));
}

#[test]
fn reverb_width_zero_is_mono_and_full_width_is_decorrelated() {
    let mut p = ReverbParams::preset(ReverbPreset::Room);
    p.mix_pct = 100.0;
    p.width_pct = 0.0;
    let (l, r) = reverb_ir(p, 24_000);
    assert!(l.iter().zip(&r).all(|(a, b)| (a - b).abs() < 1e-7));
    p.width_pct = 100.0;
    let (l, r) = reverb_ir(p, 24_000);
    let dot: f64 = l
        .iter()
        .zip(&r)
        .map(|(a, b)| f64::from(*a) * f64::from(*b))
        .sum();
    let corr = dot / (rms(&l) * rms(&r) * l.len() as f64);
    assert!(corr.abs() < 0.5, "L/R correlation {corr}");
}
