//! Whole-file PCM decoding through [`AudioReader::read_block`]: 60 s of 44.1 kHz
//! stereo WAV, 24-bit and 16-bit, pulled in 4096-frame blocks (the block size the
//! mix engine streams stems with). Criterion reports frames per second.
//!
//! The files live in `/dev/shm` when it exists, so the figure is the decoder's
//! (demuxing, sample conversion, de-interleaving), not the disk's.

mod common;

use std::path::Path;

use common::{RATE, music, scratch_dir};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mixmaster_io::{
    AudioBuffer, AudioReader, EncodeSpec, FileFormat, SampleFormat, WriteOptions, write_audio,
};

const SECONDS: usize = 60;
const BLOCK: usize = 4096;

/// Decodes `path` to the end in `BLOCK`-frame blocks; returns the frame count.
fn decode_all(path: &Path, block: &mut [Vec<f32>]) -> usize {
    let mut reader = AudioReader::open(path).expect("open");
    let mut total = 0;
    loop {
        let n = reader.read_block(block, BLOCK).expect("read_block");
        if n == 0 {
            return total;
        }
        total += n;
    }
}

fn read(c: &mut Criterion) {
    let dir = scratch_dir();
    let audio = AudioBuffer {
        sample_rate: RATE,
        channels: music(RATE as usize * SECONDS).into(),
    };
    let frames = audio.channels[0].len();
    let opts = WriteOptions {
        force: true,
        inputs: Vec::new(),
    };
    let mut group = c.benchmark_group("read");
    group.sample_size(10);
    group.throughput(Throughput::Elements(frames as u64));
    for (name, format) in [
        ("wav24_stereo_60s", SampleFormat::Int24),
        ("wav16_stereo_60s", SampleFormat::Int16),
    ] {
        let path = dir.path().join(format!("{name}.wav"));
        let spec = EncodeSpec {
            format: FileFormat::Wav,
            sample_format: format,
        };
        write_audio(&path, &audio, spec, &opts).expect("write bench input");
        let mut block: Vec<Vec<f32>> = (0..2).map(|_| Vec::with_capacity(BLOCK)).collect();
        assert_eq!(decode_all(&path, &mut block), frames);
        group.bench_function(name, |b| b.iter(|| decode_all(&path, &mut block)));
    }
    group.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
