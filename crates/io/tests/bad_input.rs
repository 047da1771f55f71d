//! Every kind of bad input gives its own one-line error naming the file, never a panic.

mod common;

use common::{Rng, wav_bytes};
use mixmaster_io::{AudioReader, Error, read_audio};

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn pcm16_silence(frames: usize, channels: usize) -> Vec<u8> {
    vec![0u8; frames * channels * 2]
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "song.wav", b"");
    let e = read_audio(&p).unwrap_err();
    assert!(matches!(e, Error::Empty(_)), "{e:?}");
    assert_eq!(e.to_string(), format!("{}: file is empty", p.display()));
}

#[test]
fn truncated_header() {
    let dir = tempfile::tempdir().unwrap();
    let full = wav_bytes(1, 2, 44_100, 16, &pcm16_silence(100, 2), false);
    // Cut inside the fmt chunk (RIFF header 12 bytes + "fmt " + size + 6 of 16 bytes).
    for cut in [14usize, 20, 26, 30] {
        let p = write(&dir, &format!("cut{cut}.wav"), &full[..cut]);
        let e = read_audio(&p).unwrap_err();
        assert!(
            matches!(e, Error::TruncatedHeader(_)),
            "cut at {cut}: {e:?}"
        );
        assert_eq!(e.to_string(), format!("{}: truncated header", p.display()));
    }
}

#[test]
fn text_file_renamed_wav() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "notes.wav",
        b"These are my mixing notes.\nMore bass on the chorus.\n",
    );
    let e = read_audio(&p).unwrap_err();
    assert!(matches!(e, Error::Unrecognised(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("{}: not an audio file (unrecognised format)", p.display())
    );
}

#[test]
fn zero_channels() {
    let dir = tempfile::tempdir().unwrap();
    for extensible in [false, true] {
        let p = write(
            &dir,
            &format!("zc{extensible}.wav"),
            &wav_bytes(1, 0, 44_100, 16, &pcm16_silence(10, 1), extensible),
        );
        let e = read_audio(&p).unwrap_err();
        assert!(
            matches!(e, Error::ZeroChannels(_)),
            "extensible={extensible}: {e:?}"
        );
        assert_eq!(e.to_string(), format!("{}: 0 channels", p.display()));
    }
}

#[test]
fn zero_sample_rate() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "zr.wav",
        &wav_bytes(1, 2, 0, 16, &pcm16_silence(10, 2), false),
    );
    let e = read_audio(&p).unwrap_err();
    assert!(matches!(e, Error::ZeroSampleRate(_)), "{e:?}");
    assert_eq!(e.to_string(), format!("{}: sample rate 0", p.display()));
}

#[test]
fn missing_file_and_directory() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.wav");
    let e = read_audio(&p).unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    assert_eq!(e.to_string(), format!("{}: no such file", p.display()));

    let e = AudioReader::open(dir.path()).err().unwrap();
    assert!(matches!(e, Error::IsDirectory(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "{}: is a directory, not an audio file",
            dir.path().display()
        )
    );
}

#[test]
fn random_garbage_and_corrupted_headers_never_panic() {
    // Fuzz-style: random bytes, and a valid WAV/AIFF/FLAC header followed by or
    // overwritten with random bytes. Any error is fine; a panic fails the test.
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(42);
    let valid = wav_bytes(1, 2, 44_100, 16, &pcm16_silence(64, 2), false);
    for i in 0..300 {
        let mut bytes: Vec<u8> = if i % 3 == 0 {
            (0..(rng.next_u64() % 600) as usize)
                .map(|_| rng.next_u64() as u8)
                .collect()
        } else {
            valid.clone()
        };
        if i % 3 != 0 {
            // Flip a few random bytes in the header region.
            for _ in 0..(1 + rng.next_u64() % 4) {
                let k = (rng.next_u64() as usize) % 44.min(bytes.len());
                bytes[k] = rng.next_u64() as u8;
            }
        }
        let ext = ["wav", "aiff", "flac", "mp3", "ogg", "m4a"][i % 6];
        let p = write(&dir, &format!("g{i}.{ext}"), &bytes);
        if let Err(e) = read_audio(&p) {
            let msg = e.to_string();
            assert!(msg.starts_with(&p.display().to_string()), "{msg}");
            assert!(!msg.contains('\n'), "{msg}");
        }
    }
}

/// A hand-made AIFF: COMM with the given channels and 80-bit rate bytes, then SSND.
fn aiff_bytes(channels: u16, rate80: [u8; 10], frames: u32) -> Vec<u8> {
    let data = vec![0u8; frames as usize * usize::from(channels.max(1)) * 2];
    let mut b = Vec::new();
    b.extend_from_slice(b"FORM");
    b.extend_from_slice(&((4 + 26 + 16 + data.len()) as u32).to_be_bytes());
    b.extend_from_slice(b"AIFFCOMM");
    b.extend_from_slice(&18u32.to_be_bytes());
    b.extend_from_slice(&channels.to_be_bytes());
    b.extend_from_slice(&frames.to_be_bytes());
    b.extend_from_slice(&16u16.to_be_bytes());
    b.extend_from_slice(&rate80);
    b.extend_from_slice(b"SSND");
    b.extend_from_slice(&((8 + data.len()) as u32).to_be_bytes());
    b.extend_from_slice(&[0; 8]);
    b.extend_from_slice(&data);
    b
}

#[test]
fn aiff_zero_channels_and_zero_rate() {
    let dir = tempfile::tempdir().unwrap();
    let r44k1 = [0x40, 0x0E, 0xAC, 0x44, 0, 0, 0, 0, 0, 0];
    // Sanity: the same builder with sane values decodes.
    let ok = write(&dir, "ok.aiff", &aiff_bytes(2, r44k1, 10));
    let buf = read_audio(&ok).unwrap();
    assert_eq!(
        (buf.num_channels(), buf.sample_rate, buf.frames()),
        (2, 44_100, 10)
    );

    let p = write(&dir, "zc.aiff", &aiff_bytes(0, r44k1, 10));
    let e = read_audio(&p).unwrap_err();
    assert!(matches!(e, Error::ZeroChannels(_)), "{e:?}");
    let p = write(&dir, "zr.aiff", &aiff_bytes(2, [0; 10], 10));
    let e = read_audio(&p).unwrap_err();
    assert!(matches!(e, Error::ZeroSampleRate(_)), "{e:?}");
}

#[test]
fn corrupt_frames_mid_stream_are_skipped_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let (p, frames) = common::damaged_flac(dir.path());
    let mut reader = AudioReader::open(&p).unwrap();
    let mut block = vec![Vec::new(); 2];
    let mut total = 0;
    while let Ok(n) = reader.read_block(&mut block, 4096) {
        if n == 0 {
            break;
        }
        total += n;
    }
    // The damaged frame (4096 frames per block) is lost or resynced past; the rest decodes.
    eprintln!(
        "damaged flac: decoded {total} of {frames}, skipped {}",
        reader.skipped_packets()
    );
    assert!(
        total >= frames - 2 * 4096 && total < frames,
        "decoded {total} of {frames}"
    );
}
