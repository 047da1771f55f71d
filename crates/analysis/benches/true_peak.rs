//! Throughput of the independent 8× true-peak meter on a loud stereo master:
//! dense music-like content limited to about −1 dBTP, so the meter's quiet-span
//! skip (which only helps where the signal sits well below its running peak)
//! almost never applies and every output instant is computed. Criterion reports
//! elements (frames) per second; divide by 48 000 for "× realtime" on one core.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mixmaster_analysis::true_peak::{TruePeakMeter, oversampled_peak};
use std::hint::black_box;

const RATE: f32 = 48_000.0;
/// One second of audio per iteration.
const FRAMES: usize = 48_000;
/// The block size the engine's renderers push.
const BLOCK: usize = 4096;

/// Two detuned tone clusters plus strong noise, soft-clipped and scaled so the
/// 8× true peak is 0.89 (−1 dBTP): a dense, loud master.
fn loud_master() -> [Vec<f32>; 2] {
    let mut seed = 0x2545_f491u32;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as f32 / u32::MAX as f32 - 0.5
    };
    let mut make = |f: f32| -> Vec<f32> {
        let raw: Vec<f32> = (0..FRAMES)
            .map(|i| {
                let t = i as f32 / RATE;
                let x = 0.6 * (std::f32::consts::TAU * f * t).sin()
                    + 0.3 * (std::f32::consts::TAU * 7.3 * f * t).sin()
                    + 0.9 * noise();
                (2.0 * x).tanh()
            })
            .collect();
        let gain = (0.89 / oversampled_peak(&raw, 8)) as f32;
        raw.iter().map(|x| gain * x).collect()
    };
    [make(110.0), make(111.5)]
}

fn bench_meter(c: &mut Criterion) {
    let [l, r] = loud_master();
    let mut group = c.benchmark_group("true_peak");
    group.throughput(Throughput::Elements(FRAMES as u64));
    group.bench_function("stereo_loud_8x", |b| {
        b.iter(|| {
            let mut meter = TruePeakMeter::new(2, 8);
            for (cl, cr) in l.chunks(BLOCK).zip(r.chunks(BLOCK)) {
                meter.push(black_box(&[cl, cr]));
            }
            black_box(meter.finish())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_meter);
criterion_main!(benches);
