//! A file cut short is decoded as far as it goes and reported through
//! `AudioReader::truncation`; streaming placeholders are not truncation.

mod common;

use std::path::{Path, PathBuf};

use mixmaster_io::{
    AudioBuffer, AudioReader, EncodeSpec, FileFormat, SampleFormat, Truncation, WriteOptions,
    write_audio,
};

const RATE: u32 = 44_100;
/// 3 s declared.
const DECLARED: u64 = 3 * RATE as u64;
/// 0.57 s present.
const PRESENT: u64 = 25_137;

/// Writes 3 s of a 16-bit mono sine with hound and returns the file's bytes
/// (44-byte header: RIFF size at 4, data size at 40, samples from 44).
fn wav_3s() -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    for x in common::sine(440.0, 0.5, RATE, DECLARED as usize) {
        w.write_sample((x * 32_767.0) as i16).unwrap();
    }
    w.finalize().unwrap();
    out.into_inner()
}

/// Reads `path` to the end in uneven blocks and returns the frames read and
/// the reader's verdict, checking there is none before the first block.
fn read_through(path: &Path) -> (u64, Option<Truncation>) {
    let mut reader = AudioReader::open(path).unwrap();
    assert_eq!(reader.truncation(), None, "no verdict before decoding");
    let mut block = vec![Vec::new(); reader.info().channels];
    let mut total = 0;
    loop {
        let n = reader.read_block(&mut block, 10_007).unwrap();
        if n == 0 {
            return (total, reader.truncation());
        }
        total += n as u64;
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn wav_cut_short_is_reported_with_both_lengths() {
    let dir = tempfile::tempdir().unwrap();
    let full = wav_3s();
    let p = write(dir.path(), "whole.wav", &full);
    assert_eq!(read_through(&p), (DECLARED, None));

    let cut = &full[..44 + 2 * PRESENT as usize];
    let p = write(dir.path(), "song.wav", cut);
    let (frames, t) = read_through(&p);
    assert_eq!(frames, PRESENT);
    let t = t.expect("a truncation");
    assert_eq!(
        t,
        Truncation {
            declared_frames: DECLARED,
            decoded_frames: PRESENT,
            lost_frames: 0,
            sample_rate: RATE
        }
    );
    assert_eq!(
        t.to_string(),
        "truncated: the header declares 3.00 s, 0.57 s present; processed what is there"
    );
}

/// Streaming placeholders: RIFF and `data` sizes 0xFFFFFFFF (ffmpeg writing
/// to a pipe), or RIFF size 0xFFFFFFFF with a `data` size past the end of the file. All present audio decodes,
/// and neither is a truncation.
#[test]
fn streaming_placeholder_sizes_are_not_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let mut unknown_data = wav_3s()[..44 + 2 * PRESENT as usize].to_vec();
    unknown_data[4..8].copy_from_slice(&[0xFF; 4]);
    unknown_data[40..44].copy_from_slice(&[0xFF; 4]);
    let p = write(dir.path(), "data_ff.wav", &unknown_data);
    assert_eq!(read_through(&p), (PRESENT, None));

    let mut unknown_riff = wav_3s()[..44 + 2 * PRESENT as usize].to_vec();
    unknown_riff[4..8].copy_from_slice(&[0xFF; 4]);
    let p = write(dir.path(), "riff_ff.wav", &unknown_riff);
    assert_eq!(read_through(&p), (PRESENT, None));
}

/// A `data` size of 0 declares nothing, whatever follows it.
#[test]
fn zero_data_size_is_not_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = wav_3s();
    bytes[40..44].copy_from_slice(&[0; 4]);
    let p = write(dir.path(), "data_0.wav", &bytes);
    assert_eq!(read_through(&p).1, None);
}

/// AIFF (SSND size) and FLAC (STREAMINFO total samples) cut at 0.57 s of 3 s.
#[test]
fn aiff_and_flac_cut_short_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let buf = AudioBuffer {
        sample_rate: RATE,
        channels: vec![common::sine(440.0, 0.5, RATE, DECLARED as usize); 2],
    };
    for (format, name) in [
        (FileFormat::Aiff, "song.aiff"),
        (FileFormat::Flac, "song.flac"),
    ] {
        let p = dir.path().join(name);
        let spec = EncodeSpec {
            format,
            sample_format: SampleFormat::Int16,
        };
        write_audio(&p, &buf, spec, &WriteOptions::default()).unwrap();
        assert_eq!(read_through(&p), (DECLARED, None), "{name} whole");
        let bytes = std::fs::read(&p).unwrap();
        // 0.57 s of the 3 s: 19 % of the bytes (FLAC compresses a steady
        // sine evenly, so the same share of its frames).
        let cut = bytes.len() * 19 / 100;
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let (frames, t) = read_through(&p);
        let t = t.unwrap_or_else(|| panic!("{name}: no truncation reported"));
        assert_eq!(t.declared_frames, DECLARED, "{name}");
        assert_eq!(t.decoded_frames, frames, "{name}");
        assert_eq!(t.lost_frames, 0, "{name}: cut, not damaged");
        assert!(t.to_string().starts_with("truncated: "), "{name}: {t}");
        // Within one FLAC block (4096 frames) of 0.57 s; AIFF to the frame
        // but for its 54-byte header.
        let present = 0.57 * f64::from(RATE);
        assert!(
            (frames as f64 - present).abs() < 4_096.0,
            "{name}: {frames} frames present"
        );
    }
}

/// A FLAC whose bytes are scribbled over in the middle: symphonia skips the
/// frame whose checksum fails and carries on, so the file decodes short by
/// about one block. That is damage, not a cut, and the warning says so with
/// how much audio was lost.
#[test]
fn flac_damaged_inside_is_reported_as_damaged_not_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let (p, declared) = common::damaged_flac(dir.path());
    let (frames, t) = read_through(&p);
    let t = t.expect("a damaged file decodes short");
    // What is missing is exactly what was lost inside: one or two blocks.
    assert_eq!(t.decoded_frames, frames);
    assert_eq!(t.declared_frames, declared as u64);
    assert_eq!(t.lost_frames, t.declared_frames - frames, "{t:?}");
    assert!(
        (1..=2 * 4096).contains(&t.lost_frames),
        "{} frames lost",
        t.lost_frames
    );
    let text = t.to_string();
    assert!(
        text.starts_with("damaged: 0.") && text.contains("declares 3.00 s"),
        "{text}"
    );
}
