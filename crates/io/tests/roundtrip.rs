//! Every writable format and sample format, written and read back: integer formats
//! must come back bit-exactly, Float32 exactly.

mod common;

use common::int_signal;
use mixmaster_io::{
    AudioReader, EncodeSpec, FileFormat, SampleFormat, WriteOptions, read_audio, write_audio,
};

fn roundtrip_int(format: FileFormat, sample_format: SampleFormat, ext: &str) {
    let bits = u32::from(match sample_format {
        SampleFormat::Int16 => 16u16,
        SampleFormat::Int24 => 24,
        SampleFormat::Float32 => unreachable!(),
    });
    let dir = tempfile::tempdir().unwrap();
    for channels in [1usize, 2, 6] {
        // 10_001 frames: not a multiple of any block size, so the partial-block paths run.
        let frames = 10_001;
        let (ints, buf) = int_signal(bits, channels, frames, 44_100);
        let path = dir.path().join(format!("rt_{channels}.{ext}"));
        let spec = EncodeSpec {
            format,
            sample_format,
        };
        write_audio(&path, &buf, spec, &WriteOptions::default()).unwrap();

        let reader = AudioReader::open(&path).unwrap();
        let info = reader.info().clone();
        assert_eq!(info.channels, channels);
        assert_eq!(info.sample_rate, 44_100);
        assert_eq!(info.bits_per_sample, Some(bits), "{ext} {channels}ch");
        assert_eq!(info.frames, Some(frames as u64));

        let back = read_audio(&path).unwrap();
        assert_eq!(back.num_channels(), channels);
        assert_eq!(back.frames(), frames, "{ext} {channels}ch frames");
        let scale = (1i64 << (bits - 1)) as f64;
        for (c, (want, got)) in ints.iter().zip(&back.channels).enumerate() {
            for (i, (&w, &g)) in want.iter().zip(got).enumerate() {
                let gi = (f64::from(g) * scale).round() as i32;
                assert_eq!(gi, w, "{ext} {channels}ch: channel {c} frame {i}");
                // And the float is exactly int / 2^(bits-1).
                assert_eq!(g, w as f32 / scale as f32);
            }
        }
    }
}

#[test]
fn wav_int16_bit_exact() {
    roundtrip_int(FileFormat::Wav, SampleFormat::Int16, "wav");
}

#[test]
fn wav_int24_bit_exact() {
    roundtrip_int(FileFormat::Wav, SampleFormat::Int24, "wav");
}

#[test]
fn aiff_int16_bit_exact() {
    roundtrip_int(FileFormat::Aiff, SampleFormat::Int16, "aiff");
}

#[test]
fn aiff_int24_bit_exact() {
    roundtrip_int(FileFormat::Aiff, SampleFormat::Int24, "aif");
}

#[test]
fn flac_int16_bit_exact() {
    roundtrip_int(FileFormat::Flac, SampleFormat::Int16, "flac");
}

#[test]
fn flac_int24_bit_exact() {
    roundtrip_int(FileFormat::Flac, SampleFormat::Int24, "flac");
}

#[test]
fn wav_float32_exact_including_nan_and_inf() {
    let dir = tempfile::tempdir().unwrap();
    for channels in [1usize, 2, 6] {
        let mut rng = common::Rng::new(7);
        let mut buf = mixmaster_io::AudioBuffer::new(96_000, channels, 5_000);
        for ch in &mut buf.channels {
            for x in ch.iter_mut() {
                *x = (rng.next_u64() as f64 / u64::MAX as f64 * 4.0 - 2.0) as f32;
            }
        }
        buf.channels[0][10] = f32::INFINITY;
        buf.channels[0][11] = f32::NEG_INFINITY;
        buf.channels[0][12] = f32::MIN_POSITIVE / 4.0; // subnormal
        buf.channels[0][13] = f32::NAN;
        let path = dir.path().join(format!("f_{channels}.wav"));
        let spec = EncodeSpec {
            format: FileFormat::Wav,
            sample_format: SampleFormat::Float32,
        };
        write_audio(&path, &buf, spec, &WriteOptions::default()).unwrap();
        let back = read_audio(&path).unwrap();
        assert_eq!(back.sample_rate, 96_000);
        for (a, b) in buf.channels.iter().zip(&back.channels) {
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(b) {
                assert_eq!(x.to_bits(), y.to_bits());
            }
        }
    }
}

#[test]
fn integer_output_rounds_and_clamps_out_of_range_floats() {
    let dir = tempfile::tempdir().unwrap();
    let buf = mixmaster_io::AudioBuffer {
        sample_rate: 48_000,
        channels: vec![vec![
            1.5,
            -1.5,
            0.49 / 32_768.0,
            0.51 / 32_768.0,
            f32::NAN,
            1.0,
        ]],
    };
    for (format, ext) in [
        (FileFormat::Wav, "wav"),
        (FileFormat::Aiff, "aiff"),
        (FileFormat::Flac, "flac"),
    ] {
        let path = dir.path().join(format!("clip.{ext}"));
        let spec = EncodeSpec {
            format,
            sample_format: SampleFormat::Int16,
        };
        write_audio(&path, &buf, spec, &WriteOptions::default()).unwrap();
        let back = read_audio(&path).unwrap();
        let ints: Vec<i32> = back.channels[0]
            .iter()
            .map(|&x| (x * 32_768.0) as i32)
            .collect();
        assert_eq!(ints, vec![32_767, -32_768, 0, 1, 0, 32_767], "{ext}");
    }
}
