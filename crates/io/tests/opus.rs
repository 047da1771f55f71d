//! Ogg Opus: a 1 kHz −6 dBFS sine through libopus and back through `OpusReader`.

mod common;

use mixmaster_io::{Error, OPUS_RATE, OpusOptions, OpusReader, OpusWriter, Tags, WriteOptions};

/// 3 s at 48 kHz, deliberately not a whole number of 20 ms frames.
const FRAMES: usize = 3 * OPUS_RATE as usize + 123;

fn decode(path: &std::path::Path) -> Vec<Vec<f32>> {
    let mut r = OpusReader::open(path).unwrap();
    let mut all = vec![Vec::new(); r.channels()];
    let mut block = vec![Vec::new(); r.channels()];
    loop {
        let n = r.read_block(&mut block, 4096).unwrap();
        if n == 0 {
            break;
        }
        for (a, b) in all.iter_mut().zip(&block) {
            a.extend_from_slice(b);
        }
    }
    all
}

#[test]
fn sine_survives_length_alignment_and_level() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tone.opus");
    let amp = 10f64.powf(-6.0 / 20.0);
    let tone = common::sine(1000.0, amp, OPUS_RATE, FRAMES);
    let tags = Tags {
        title: Some("Tone".into()),
        ..Tags::default()
    };
    let mut w = OpusWriter::create(
        &path,
        2,
        44_100,
        &OpusOptions::default(),
        &WriteOptions::default(),
        Some(&tags),
    )
    .unwrap();
    assert!(w.pre_skip() > 0);
    for chunk in tone.chunks(3000) {
        w.write_block(&[chunk, chunk]).unwrap();
    }
    w.finish().unwrap();

    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..4], b"OggS");
    assert!(bytes.windows(9).any(|w| w == b"TITLE=Ton"));

    let out = decode(&path);
    assert_eq!(out.len(), 2);
    // Pre-skip dropped and the end trimmed by the final granule: exact length.
    assert_eq!(out[0].len(), FRAMES);
    // Aligned: the decoded sine matches the input sample for sample to
    // within the codec's error (≥ 30 dB SNR at 160 kbit/s for a pure tone),
    // which a shift of even one sample (6 % of a 1 kHz period at 48 kHz,
    // an error of −24 dB) would break.
    let mid = &out[0][OPUS_RATE as usize / 2..FRAMES - OPUS_RATE as usize / 2];
    let reference = &tone[OPUS_RATE as usize / 2..FRAMES - OPUS_RATE as usize / 2];
    let signal: f64 = reference.iter().map(|&x| f64::from(x).powi(2)).sum();
    let error: f64 = mid
        .iter()
        .zip(reference)
        .map(|(&y, &x)| f64::from(y - x).powi(2))
        .sum();
    let snr = 10.0 * (signal / error).log10();
    assert!(snr >= 30.0, "SNR {snr:.1} dB");
}

#[test]
fn bad_settings_are_refused_and_a_dropped_writer_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.opus");
    let e = OpusWriter::create(
        &path,
        6,
        48_000,
        &OpusOptions::default(),
        &WriteOptions::default(),
        None,
    )
    .err()
    .unwrap();
    assert!(matches!(e, Error::UnsupportedOutput(..)), "{e:?}");
    let e = OpusWriter::create(
        &path,
        2,
        48_000,
        &OpusOptions { bitrate_kbps: 1000 },
        &WriteOptions::default(),
        None,
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("Opus bit rate 1000"), "{e}");
    let mut w = OpusWriter::create(
        &path,
        2,
        48_000,
        &OpusOptions::default(),
        &WriteOptions::default(),
        None,
    )
    .unwrap();
    w.write_block(&[&[0.25; 10_000], &[0.25; 10_000]]).unwrap();
    drop(w);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // Not an Opus file: a clear decode error.
    let text = dir.path().join("text.opus");
    std::fs::write(&text, b"hello").unwrap();
    assert!(OpusReader::open(&text).is_err());
}
