//! Per-processor throughput and a full mastering chain, in 44.1 kHz stereo.
//! Criterion reports elements (frames) per second; divide by 44 100 for
//! "× realtime" on one core.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mixmaster_dsp::dynamics::{
    Compressor, CompressorParams, DeEsser, DeEsserParams, Gate, GateParams, Limiter, LimiterParams,
    Multiband, MultibandParams,
};
use mixmaster_dsp::filter::biquad::FilterType;
use mixmaster_dsp::filter::{BandShape, Eq, EqBand, EqParams, LinearPhaseEq};
use mixmaster_dsp::saturation::{Saturator, SaturatorParams};
use mixmaster_dsp::stereo::{MonoBelow, MonoBelowParams, StereoWidth, WidthParams};
use mixmaster_dsp::time::{Delay, DelayParams, Reverb, ReverbParams};
use mixmaster_dsp::utility::{Dither, DitherParams, NoiseShaping};
use mixmaster_dsp::{Chain, ProcessSpec, Processor};

const RATE: f64 = 44_100.0;
const BLOCK: usize = 512;
/// One second of audio per iteration.
const FRAMES: usize = 44_100;

/// Music-like test signal: two detuned tones and noise, peaking near −3 dBFS.
fn signal() -> [Vec<f32>; 2] {
    let mut seed = 0x1234_5678u32;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as f32 / u32::MAX as f32 - 0.5
    };
    let make = |f: f32, noise: &mut dyn FnMut() -> f32| -> Vec<f32> {
        (0..FRAMES)
            .map(|i| {
                let t = i as f32 / RATE as f32;
                0.4 * (std::f32::consts::TAU * f * t).sin()
                    + 0.2 * (std::f32::consts::TAU * 3.1 * f * t).sin()
                    + 0.15 * noise()
            })
            .collect()
    };
    [make(110.0, &mut noise), make(111.5, &mut noise)]
}

fn bench_processor(c: &mut Criterion, name: &str, mut p: Box<dyn Processor>) {
    p.prepare(&ProcessSpec::new(RATE, 2, BLOCK));
    let input = signal();
    let mut work = input.clone();
    let mut group = c.benchmark_group("processor");
    group.throughput(Throughput::Elements(FRAMES as u64));
    group.bench_function(name, |b| {
        b.iter(|| {
            for (w, i) in work.iter_mut().zip(&input) {
                w.copy_from_slice(i);
            }
            let [l, r] = &mut work;
            for (cl, cr) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)) {
                p.process(&mut [cl, cr]);
            }
        })
    });
    group.finish();
}

fn six_band_eq() -> EqParams {
    EqParams {
        bands: vec![
            EqBand::new(BandShape::ButterworthHighPass(2), 25.0, 0.707, 0.0),
            EqBand::new(BandShape::Biquad(FilterType::LowShelf), 120.0, 0.707, 1.5),
            EqBand::new(BandShape::Biquad(FilterType::Peak), 350.0, 1.0, -2.0),
            EqBand::new(BandShape::Biquad(FilterType::Peak), 3000.0, 1.2, -1.5),
            EqBand::new(BandShape::Biquad(FilterType::Peak), 7000.0, 2.0, -1.0),
            EqBand::new(
                BandShape::Biquad(FilterType::HighShelf),
                10_000.0,
                0.707,
                1.0,
            ),
        ],
    }
}

fn four_band() -> MultibandParams {
    MultibandParams {
        crossovers_hz: vec![120.0, 1000.0, 6000.0],
        bands: vec![CompressorParams::default(); 4],
    }
}

fn mastering_chain() -> Chain {
    Chain::new()
        .with(Eq::new(six_band_eq()))
        .with(Multiband::new(four_band()))
        .with(Compressor::new(CompressorParams::default()))
        .with(Saturator::new(SaturatorParams::default()))
        .with(Limiter::new(LimiterParams {
            input_gain_db: 6.0,
            ..LimiterParams::default()
        }))
        .with(Dither::new(shaped_dither()))
}

/// 16-bit TPDF dither with the 9-tap noise shaper, as a CD master uses.
fn shaped_dither() -> DitherParams {
    DitherParams {
        bits: 16,
        shaping: NoiseShaping::Lipshitz9,
        ..DitherParams::default()
    }
}

fn processors(c: &mut Criterion) {
    bench_processor(c, "eq_6_band", Box::new(Eq::new(six_band_eq())));
    bench_processor(
        c,
        "linear_phase_eq",
        Box::new(LinearPhaseEq::new(six_band_eq())),
    );
    bench_processor(
        c,
        "compressor",
        Box::new(Compressor::new(CompressorParams::default())),
    );
    bench_processor(c, "gate", Box::new(Gate::new(GateParams::default())));
    bench_processor(
        c,
        "deesser",
        Box::new(DeEsser::new(DeEsserParams::default())),
    );
    bench_processor(c, "multiband_4", Box::new(Multiband::new(four_band())));
    bench_processor(
        c,
        "limiter_true_peak",
        Box::new(Limiter::new(LimiterParams {
            input_gain_db: 6.0,
            ..LimiterParams::default()
        })),
    );
    bench_processor(
        c,
        "saturator_8x",
        Box::new(Saturator::new(SaturatorParams::default())),
    );
    bench_processor(
        c,
        "width",
        Box::new(StereoWidth::new(WidthParams { width_pct: 120.0 })),
    );
    bench_processor(
        c,
        "mono_below",
        Box::new(MonoBelow::new(MonoBelowParams::default())),
    );
    bench_processor(c, "delay", Box::new(Delay::new(DelayParams::default())));
    bench_processor(c, "reverb", Box::new(Reverb::new(ReverbParams::default())));
    bench_processor(
        c,
        "dither_tpdf",
        Box::new(Dither::new(DitherParams::default())),
    );
    bench_processor(c, "dither_shaped", Box::new(Dither::new(shaped_dither())));
    bench_processor(c, "mastering_chain", Box::new(mastering_chain()));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(2));
    targets = processors
}
criterion_main!(benches);
