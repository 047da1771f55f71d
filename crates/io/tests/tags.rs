//! Tags written at encode time come back field for field (artwork bytes included),
//! and the audio next to them is still bit-exact.

mod common;

use std::path::Path;

use common::int_signal;
use mixmaster_io::{
    Artwork, AudioWriter, EncodeSpec, Error, FileFormat, SampleFormat, Tags, WriteOptions,
    read_audio, read_tags,
};

/// A PNG-signed blob: only the magic number matters to us, and 50 kB of varied
/// bytes (odd length, so chunk padding runs) shows the payload survives intact.
fn png_blob() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut rng = common::Rng::new(7);
    v.extend((0..50_001).map(|_| rng.next_u64() as u8));
    v
}

fn full_tags() -> Tags {
    Tags {
        title: Some("Nocturne für Café — No. 2".into()),
        artist: Some("The Mixmasters".into()),
        album: Some("Test Signals".into()),
        album_artist: Some("Various Artists".into()),
        year: Some("2024".into()),
        track_number: Some(3),
        track_total: Some(12),
        genre: Some("Electronic".into()),
        isrc: Some("USS1Z9900001".into()),
        upc: Some("012345678905".into()),
        comment: Some("mastered by mixmaster".into()),
        copyright: Some("℗ 2024 Example Records".into()),
        artwork: Some(Artwork {
            mime: "image/png".into(),
            data: png_blob(),
        }),
    }
}

/// Writes `frames` of a deterministic integer signal with `tags`, then checks the
/// tags and every sample.
fn roundtrip(
    format: FileFormat,
    sample_format: SampleFormat,
    channels: usize,
    ext: &str,
    tags: &Tags,
) {
    let bits = u32::from(sample_format.bits());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("tagged.{ext}"));
    // Odd frame count: with 24-bit mono the audio chunk has odd length, so the pad
    // byte before the tag chunks is exercised.
    let frames = 10_001;
    let (ints, buf) = int_signal(bits, channels, frames, 48_000);
    let spec = EncodeSpec {
        format,
        sample_format,
    };
    let opts = WriteOptions::default();
    let mut w =
        AudioWriter::create_with_tags(&path, spec, 48_000, channels, &opts, Some(tags)).unwrap();
    let block: Vec<&[f32]> = buf.channels.iter().map(Vec::as_slice).collect();
    w.write_block(&block).unwrap();
    w.finish().unwrap();

    assert_eq!(
        &read_tags(&path).unwrap(),
        tags,
        "{ext} {sample_format:?} {channels}ch"
    );

    let back = read_audio(&path).unwrap();
    assert_eq!(back.frames(), frames, "{ext}");
    let scale = (1i64 << (bits - 1)) as f32;
    for (want, got) in ints.iter().zip(&back.channels) {
        for (&w, &g) in want.iter().zip(got) {
            assert_eq!(g, w as f32 / scale, "{ext}: sample changed by tagging");
        }
    }
    // Root chunk size covers the whole file (RIFF: LE, AIFF: BE).
    let bytes = std::fs::read(&path).unwrap();
    let size = <[u8; 4]>::try_from(&bytes[4..8]).unwrap();
    match format {
        FileFormat::Wav => assert_eq!(u32::from_le_bytes(size) as usize + 8, bytes.len()),
        FileFormat::Aiff => assert_eq!(u32::from_be_bytes(size) as usize + 8, bytes.len()),
        FileFormat::Flac => {}
    }
}

#[test]
fn wav_tags_roundtrip_and_audio_bit_exact() {
    roundtrip(FileFormat::Wav, SampleFormat::Int16, 2, "wav", &full_tags());
    roundtrip(FileFormat::Wav, SampleFormat::Int24, 1, "wav", &full_tags());
}

#[test]
fn aiff_tags_roundtrip_and_audio_bit_exact() {
    roundtrip(
        FileFormat::Aiff,
        SampleFormat::Int16,
        2,
        "aiff",
        &full_tags(),
    );
    roundtrip(
        FileFormat::Aiff,
        SampleFormat::Int24,
        1,
        "aif",
        &full_tags(),
    );
}

#[test]
fn flac_tags_roundtrip_and_audio_bit_exact() {
    roundtrip(
        FileFormat::Flac,
        SampleFormat::Int16,
        2,
        "flac",
        &full_tags(),
    );
    roundtrip(
        FileFormat::Flac,
        SampleFormat::Int24,
        1,
        "flac",
        &full_tags(),
    );
}

#[test]
fn partial_tags_leave_other_fields_empty() {
    let tags = Tags {
        title: Some("Only a title".into()),
        track_number: Some(1),
        ..Tags::default()
    };
    for (format, ext) in [
        (FileFormat::Wav, "wav"),
        (FileFormat::Aiff, "aiff"),
        (FileFormat::Flac, "flac"),
    ] {
        roundtrip(format, SampleFormat::Int16, 2, ext, &tags);
    }
}

/// The fields of the WAV `LIST/INFO` chunk, found by walking the RIFF chunks.
fn wav_info(bytes: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut i = 12;
    while i + 8 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[i + 4..i + 8].try_into().unwrap()) as usize;
        let body = &bytes[i + 8..i + 8 + size];
        if &bytes[i..i + 4] == b"LIST" && body.starts_with(b"INFO") {
            let mut j = 4;
            while j + 8 <= body.len() {
                let n = u32::from_le_bytes(body[j + 4..j + 8].try_into().unwrap()) as usize;
                let id = String::from_utf8(body[j..j + 4].to_vec()).unwrap();
                let text = String::from_utf8(body[j + 8..j + 8 + n].to_vec()).unwrap();
                out.push((id, text.trim_end_matches('\0').to_string()));
                j += 8 + n + n % 2;
            }
        }
        i += 8 + size + size % 2;
    }
    out
}

#[test]
fn wav_info_chunk_holds_the_text_fields() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("info.wav");
    let spec = EncodeSpec {
        format: FileFormat::Wav,
        sample_format: SampleFormat::Int16,
    };
    let tags = full_tags();
    let w = AudioWriter::create_with_tags(
        &path,
        spec,
        44_100,
        2,
        &WriteOptions::default(),
        Some(&tags),
    )
    .unwrap();
    w.finish().unwrap();
    let info = wav_info(&std::fs::read(&path).unwrap());
    let get = |id: &str| info.iter().find(|(k, _)| k == id).map(|(_, v)| v.as_str());
    assert_eq!(get("INAM"), tags.title.as_deref());
    assert_eq!(get("IART"), tags.artist.as_deref());
    assert_eq!(get("IPRD"), tags.album.as_deref());
    assert_eq!(get("ICRD"), Some("2024"));
    assert_eq!(get("ITRK"), Some("3"));
    assert_eq!(get("ICMT"), tags.comment.as_deref());
    assert_eq!(get("ISRC"), Some("USS1Z9900001"));
    // And an empty file with tags is still a valid, empty WAV.
    assert_eq!(read_audio(&path).unwrap().frames(), 0);
}

#[test]
fn artwork_is_checked_by_content_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("cover.jpg");
    std::fs::write(&fake, b"this is text, not a picture").unwrap();
    let e = Artwork::from_file(&fake).unwrap_err();
    assert!(matches!(e, Error::UnsupportedOutput(..)), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "{}: artwork is not a JPEG or PNG image (checked by content)",
            fake.display()
        )
    );

    // A real PNG signature under a misleading name is accepted as PNG.
    let png = dir.path().join("cover.jpg.txt");
    std::fs::write(&png, png_blob()).unwrap();
    let art = Artwork::from_file(&png).unwrap();
    assert_eq!(art.mime, "image/png");
    assert_eq!(art.data, png_blob());

    let jpeg = dir.path().join("cover");
    std::fs::write(
        &jpeg,
        [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
        ],
    )
    .unwrap();
    assert_eq!(Artwork::from_file(&jpeg).unwrap().mime, "image/jpeg");

    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(Artwork::from_file(&empty), Err(Error::Empty(_))));
    assert!(matches!(
        Artwork::from_file(&dir.path().join("missing.png")),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn untagged_files_read_as_empty_tags() {
    let dir = tempfile::tempdir().unwrap();
    for (format, ext) in [
        (FileFormat::Wav, "wav"),
        (FileFormat::Aiff, "aiff"),
        (FileFormat::Flac, "flac"),
    ] {
        let path = dir.path().join(format!("plain.{ext}"));
        let spec = EncodeSpec {
            format,
            sample_format: SampleFormat::Int16,
        };
        AudioWriter::create(&path, spec, 44_100, 1, &WriteOptions::default())
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(read_tags(&path).unwrap(), Tags::default(), "{ext}");
    }
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, b"not audio at all").unwrap();
    let e = read_tags(&junk).unwrap_err();
    assert!(e.to_string().contains("tags can be read from"), "{e}");
}

#[test]
fn dropped_tagged_writer_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gone.flac");
    let spec = EncodeSpec {
        format: FileFormat::Flac,
        sample_format: SampleFormat::Int16,
    };
    let mut w = AudioWriter::create_with_tags(
        &path,
        spec,
        44_100,
        2,
        &WriteOptions::default(),
        Some(&full_tags()),
    )
    .unwrap();
    w.write_block(&[&[0.1; 5000], &[0.2; 5000]]).unwrap();
    drop(w);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    assert!(!Path::new(&path).exists());
}
