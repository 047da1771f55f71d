//! Decoding WAV files written by hound and by hand: every integer width, float
//! widths, WAVE_FORMAT_EXTENSIBLE; sample values checked exactly.

mod common;

use common::{Rng, wav_bytes};
use mixmaster_io::{AudioReader, read_audio};

fn hound_int(bits: u16, channels: u16, values: &[i32]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("h{bits}.wav"));
    let spec = hound::WavSpec {
        channels,
        sample_rate: 32_000,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for &v in values {
        match bits {
            8 => w.write_sample(v as i8).unwrap(),
            16 => w.write_sample(v as i16).unwrap(),
            _ => w.write_sample(v).unwrap(),
        }
    }
    w.finalize().unwrap();
    (dir, path)
}

fn check_int(bits: u16, channels: u16) {
    let mut rng = Rng::new(u64::from(bits) + 100 * u64::from(channels));
    let frames = 3_001usize;
    let lo = -(1i64 << (bits - 1)) as i32;
    let hi = ((1i64 << (bits - 1)) - 1) as i32;
    let mut values: Vec<i32> = (0..frames * channels as usize)
        .map(|_| rng.int(u32::from(bits)))
        .collect();
    values[0] = lo;
    values[1] = hi;
    values[2] = 0;
    let (_dir, path) = hound_int(bits, channels, &values);
    let info = AudioReader::open(&path).unwrap().info().clone();
    assert_eq!(info.bits_per_sample, Some(u32::from(bits)));
    assert_eq!(info.container, "wave");
    let buf = read_audio(&path).unwrap();
    assert_eq!(buf.sample_rate, 32_000);
    assert_eq!(buf.num_channels(), channels as usize);
    assert_eq!(buf.frames(), frames);
    let scale = 2f64.powi(i32::from(bits) - 1);
    for (k, &v) in values.iter().enumerate() {
        let got = buf.channels[k % channels as usize][k / channels as usize];
        // Symphonia scales 32-bit via f64 then rounds once; narrower widths are exact in f32.
        let want = (f64::from(v) / scale) as f32;
        assert_eq!(got, want, "{bits}-bit sample {k}: {v}");
    }
}

#[test]
fn hound_int8() {
    check_int(8, 1);
    check_int(8, 2);
}

#[test]
fn hound_int16() {
    check_int(16, 1);
    check_int(16, 2);
    check_int(16, 6); // hound writes WAVE_FORMAT_EXTENSIBLE for > 2 channels
}

#[test]
fn hound_int24() {
    check_int(24, 2);
    check_int(24, 6);
}

#[test]
fn hound_int32() {
    check_int(32, 2);
}

#[test]
fn hound_float32_passes_values_through() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let values = [0.25f32, -1.75, f32::NAN, f32::INFINITY, 1e-40, -0.0];
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for v in values {
        w.write_sample(v).unwrap();
    }
    w.finalize().unwrap();
    let buf = read_audio(&path).unwrap();
    let got: Vec<u32> = (0..6)
        .map(|k| buf.channels[k % 2][k / 2].to_bits())
        .collect();
    let want: Vec<u32> = values.iter().map(|v| v.to_bits()).collect();
    assert_eq!(got, want);
}

#[test]
fn hand_made_float64_and_extensible() {
    let dir = tempfile::tempdir().unwrap();
    let values = [0.5f64, -0.125, 1.0 / 3.0, 2.5, f64::NEG_INFINITY, 0.0];
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    for extensible in [false, true] {
        let path = dir.path().join(format!("f64_{extensible}.wav"));
        std::fs::write(&path, wav_bytes(3, 2, 48_000, 64, &data, extensible)).unwrap();
        let buf = read_audio(&path).unwrap();
        assert_eq!(buf.frames(), 3);
        for (k, &v) in values.iter().enumerate() {
            assert_eq!(buf.channels[k % 2][k / 2], v as f32, "f64 sample {k}");
        }
    }
    // 16-bit PCM, 3 channels, explicitly WAVE_FORMAT_EXTENSIBLE.
    let ints: [i16; 6] = [-32_768, 32_767, 1, -1, 1234, 0];
    let data: Vec<u8> = ints.iter().flat_map(|v| v.to_le_bytes()).collect();
    let path = dir.path().join("ext16.wav");
    std::fs::write(&path, wav_bytes(1, 3, 22_050, 16, &data, true)).unwrap();
    let buf = read_audio(&path).unwrap();
    assert_eq!(
        (buf.num_channels(), buf.frames(), buf.sample_rate),
        (3, 2, 22_050)
    );
    for (k, &v) in ints.iter().enumerate() {
        assert_eq!(buf.channels[k % 3][k / 3], f32::from(v) / 32_768.0);
    }
}

#[test]
fn truncated_data_returns_what_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let ints: Vec<i16> = (0..1_000).map(|i| i as i16).collect();
    let data: Vec<u8> = ints.iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut bytes = wav_bytes(1, 1, 8_000, 16, &data, false);
    // Cut the file mid-data, mid-sample: 600 whole samples plus one odd byte remain.
    let header = bytes.len() - data.len();
    bytes.truncate(header + 1_201);
    let path = dir.path().join("cut.wav");
    std::fs::write(&path, &bytes).unwrap();
    let buf = read_audio(&path).unwrap();
    // Every whole sample before the cut is recovered; the dangling byte is dropped.
    assert_eq!(buf.frames(), 600);
    for (i, &x) in buf.channels[0].iter().enumerate() {
        assert_eq!(x, i as f32 / 32_768.0);
    }
}

/// Integer PCM is declared finite (callers may skip scanning it for NaN and
/// ±∞); float PCM, which can hold them, is not, and a float file holding a
/// NaN does deliver it.
#[test]
fn only_integer_pcm_is_declared_finite() {
    let dir = tempfile::tempdir().unwrap();
    let nan = f32::NAN.to_le_bytes();
    let cases: [(u16, u16, Vec<u8>, bool); 4] = [
        (1, 16, vec![0x00, 0x80, 0xff, 0x7f], true),
        (1, 24, vec![0x00, 0x00, 0x80, 0xff, 0xff, 0x7f], true),
        (3, 32, [nan, 0.5f32.to_le_bytes()].concat(), false),
        (
            3,
            64,
            [f64::INFINITY.to_le_bytes(), 0.25f64.to_le_bytes()].concat(),
            false,
        ),
    ];
    for (i, (tag, bits, data, finite)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("case{i}.wav"));
        std::fs::write(&path, wav_bytes(tag, 1, 44_100, bits, &data, false)).unwrap();
        let mut reader = AudioReader::open(&path).unwrap();
        assert_eq!(reader.samples_are_finite(), finite, "{bits}-bit, tag {tag}");
        let mut block = vec![Vec::new()];
        let got = reader.read_block(&mut block, 16).unwrap();
        assert_eq!(got, 2, "{bits}-bit, tag {tag}");
        assert_eq!(block[0].iter().all(|x| x.is_finite()), finite);
    }
}
