//! MP3 encoding: a 1 kHz −6 dBFS sine through LAME and back through our decoder.

mod common;

use mixmaster_io::{
    AudioReader, Error, Mp3Options, Mp3Writer, Tags, WriteOptions, read_audio, read_tags,
};

const RATE: u32 = 44_100;
/// 5 s at 44.1 kHz.
const FRAMES: usize = 5 * RATE as usize;
/// Samples per MPEG-1 Layer III frame.
const MP3_FRAME: usize = 1152;
/// LAME's encoder delay: 576 (MDCT granule) + 529 (decoder filterbank delay).
const LAME_DELAY: usize = 576 + 529;

fn encode(path: &std::path::Path, tags: Option<&Tags>) {
    let amp = 10f64.powf(-6.0 / 20.0);
    let tone = common::sine(1000.0, amp, RATE, FRAMES);
    let mut w = Mp3Writer::create(
        path,
        RATE,
        2,
        &Mp3Options::default(),
        &WriteOptions::default(),
        tags,
    )
    .unwrap();
    // Uneven blocks, as a renderer would send them.
    for chunk in tone.chunks(3000) {
        w.write_block(&[chunk, chunk]).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn sine_survives_length_level_and_tags() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tone.mp3");
    let tags = Tags {
        title: Some("Tone".into()),
        artist: Some("Test".into()),
        isrc: Some("USS1Z9900001".into()),
        track_number: Some(1),
        track_total: Some(2),
        ..Tags::default()
    };
    encode(&path, Some(&tags));

    let info = AudioReader::open(&path).unwrap().info().clone();
    assert_eq!(info.sample_rate, RATE);
    assert_eq!(info.channels, 2);
    assert_eq!(info.codec, "mp3");

    let back = read_audio(&path).unwrap();
    let n = back.frames();
    eprintln!("decoded {n} frames for {FRAMES} encoded");
    // A decoder ignoring the Info frame would return the input plus LAME's delay and
    // up to one frame of padding; symphonia honours it (gapless), so the length must
    // be exact, which also proves the Info frame was filled in after the ID3 tag.
    assert!(n < FRAMES + LAME_DELAY + MP3_FRAME, "decoded {n} frames");
    assert_eq!(n, FRAMES, "Info frame delay/padding not applied");

    // RMS of a sine of peak A is A/√2: −6 dBFS peak → −9.01 dBFS RMS. Measure over
    // the middle 3 s, clear of the start/end transients.
    let amp = 10f64.powf(-6.0 / 20.0);
    let tone = common::sine(1000.0, amp, RATE, FRAMES);
    for ch in &back.channels {
        // Time alignment: with the delay trimmed the residual against the input is
        // the coding noise only. A shift of even one sample would leave
        // 2·sin(π·1000/44100) ≈ −17 dB of the signal; 320 kbps noise is far lower.
        let range = RATE as usize..4 * RATE as usize;
        let err: f64 = ch[range.clone()]
            .iter()
            .zip(&tone[range.clone()])
            .map(|(&a, &b)| f64::from(a - b).powi(2))
            .sum();
        let sig: f64 = tone[range].iter().map(|&x| f64::from(x).powi(2)).sum();
        let snr = 10.0 * (sig / err).log10();
        eprintln!("SNR against input {snr:.1} dB");
        assert!(snr > 30.0, "SNR {snr:.1} dB: misaligned or noisy");
        let mid = &ch[RATE as usize..4 * RATE as usize];
        let rms =
            (mid.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / mid.len() as f64).sqrt();
        let db = 20.0 * rms.log10();
        let want = -6.0 - 20.0 * 2f64.sqrt().log10();
        eprintln!("RMS {db:.3} dBFS, want {want:.3}");
        assert!((db - want).abs() < 0.5, "RMS {db:.3} dBFS, want {want:.3}");
    }

    assert_eq!(read_tags(&path).unwrap(), tags);
}

#[test]
fn untagged_mp3_reads_empty_tags() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.mp3");
    let mut w = Mp3Writer::create(
        &path,
        48_000,
        1,
        &Mp3Options::default(),
        &WriteOptions::default(),
        None,
    )
    .unwrap();
    w.write_block(&[&common::sine(440.0, 0.5, 48_000, 48_000)])
        .unwrap();
    w.finish().unwrap();
    assert_eq!(read_tags(&path).unwrap(), Tags::default());
    assert_eq!(read_audio(&path).unwrap().num_channels(), 1);
}

#[test]
fn dropped_writer_leaves_nothing_and_bad_settings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gone.mp3");
    let mut w = Mp3Writer::create(
        &path,
        RATE,
        2,
        &Mp3Options::default(),
        &WriteOptions::default(),
        None,
    )
    .unwrap();
    w.write_block(&[&[0.25; 10_000], &[0.25; 10_000]]).unwrap();
    drop(w);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    let e = Mp3Writer::create(
        &path,
        96_000,
        2,
        &Mp3Options::default(),
        &WriteOptions::default(),
        None,
    )
    .err()
    .unwrap();
    assert!(matches!(e, Error::UnsupportedOutput(..)), "{e:?}");
    assert!(
        e.to_string()
            .starts_with(&format!("{}: MP3 sample rate 96000 Hz", path.display()))
    );

    let mut w = Mp3Writer::create(
        &path,
        RATE,
        2,
        &Mp3Options::default(),
        &WriteOptions::default(),
        None,
    )
    .unwrap();
    let e = w.write_block(&[&[0.0; 10]]).unwrap_err();
    assert!(matches!(e, Error::ChannelMismatch { .. }), "{e:?}");
    drop(w);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
