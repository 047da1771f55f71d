//! Whole-file PCM writing through [`AudioWriter`]: 10 minutes of 44.1 kHz stereo
//! 24-bit AIFF (and WAV for comparison), 1 minute of 24-bit FLAC, written in
//! 65 536-frame blocks as `write_audio` does. Criterion reports frames per second.
//!
//! The file goes to `/dev/shm` when it exists, so the figure is the encoder's
//! (conversion, buffered writes, rename), not the disk's.

mod common;

use common::{RATE, music, scratch_dir};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mixmaster_io::{AudioWriter, EncodeSpec, FileFormat, SampleFormat, WriteOptions};

const BLOCK: usize = 65_536;

fn write(c: &mut Criterion) {
    let data = music(BLOCK);
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
