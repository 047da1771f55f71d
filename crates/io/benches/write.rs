//! Whole-file PCM writing through [`AudioWriter`]: 10 minutes of 44.1 kHz stereo
//! 24-bit AIFF (and WAV for comparison), 1 minute of 24-bit FLAC, written in
//! 65 536-frame blocks as `write_audio` does. Criterion reports frames per second.
//!
//! The file goes to `/dev/shm` when it exists, so the figure is the encoder's
//! (conversion, buffered writes, rename), not the disk's.

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mixmaster_io::{AudioWriter, EncodeSpec, FileFormat, SampleFormat, WriteOptions};

const RATE: u32 = 44_100;
const BLOCK: usize = 65_536;

/// Music-like stereo block: two tones and noise peaking near −3 dBFS.
fn block() -> [Vec<f32>; 2] {
    let mut seed = 0x1234_5678u32;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as f32 / u32::MAX as f32 - 0.5
    };
    let mut make = |f: f32| -> Vec<f32> {
        (0..BLOCK)
            .map(|i| {
                let t = i as f32 / RATE as f32;
                0.4 * (std::f32::consts::TAU * f * t).sin()
                    + 0.2 * (std::f32::consts::TAU * 3.1 * f * t).sin()
                    + 0.15 * noise()
            })
            .collect()
    };
    [make(220.0), make(331.0)]
}

fn scratch_dir() -> tempfile::TempDir {
    let shm = PathBuf::from("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm).expect("temp dir in /dev/shm")
    } else {
        tempfile::tempdir().expect("temp dir")
    }
}

fn write(c: &mut Criterion) {
    let data = block();
    let dir = scratch_dir();
    let opts = WriteOptions {
        force: true,
        inputs: Vec::new(),
    };
    let mut group = c.benchmark_group("write");
    group.sample_size(10);
    for (name, format, seconds) in [
        ("aiff24_stereo_10min", FileFormat::Aiff, 600),
        ("wav24_stereo_10min", FileFormat::Wav, 600),
        ("flac24_stereo_1min", FileFormat::Flac, 60),
    ] {
        let frames = seconds * RATE as usize;
        let spec = EncodeSpec {
            format,
            sample_format: SampleFormat::Int24,
        };
        let path = dir.path().join(name);
        group.throughput(Throughput::Elements(frames as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut w = AudioWriter::create(&path, spec, RATE, 2, &opts).expect("create");
                let mut left = frames;
                while left > 0 {
                    let n = left.min(BLOCK);
                    w.write_block(&[&data[0][..n], &data[1][..n]])
                        .expect("write");
                    left -= n;
                }
                w.finish().expect("finish");
            })
        });
    }
    group.finish();
}

criterion_group!(benches, write);
criterion_main!(benches);
