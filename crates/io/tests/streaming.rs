//! Streaming reads of a long file in blocks give exactly the samples `read_audio` gives.

mod common;

use mixmaster_io::{
    AudioBuffer, AudioReader, EncodeSpec, FileFormat, SampleFormat, WriteOptions, read_audio,
    write_audio,
};

fn long_signal(rate: u32, frames: usize) -> AudioBuffer {
    let mut rng = common::Rng::new(3);
    let mut l = common::sine(441.0, 0.4, rate, frames);
    let r = common::sine(1_234.5, 0.4, rate, frames);
    for x in &mut l {
        *x += (rng.next_u64() as f64 / u64::MAX as f64 * 0.2 - 0.1) as f32;
    }
    AudioBuffer {
        sample_rate: rate,
        channels: vec![l, r],
    }
}

#[test]
fn block_reads_equal_whole_file_reads() {
    let dir = tempfile::tempdir().unwrap();
    // 20 s of stereo 44.1 kHz: hundreds of decoder packets and FLAC frames.
    let buf = long_signal(44_100, 44_100 * 20);
    for (format, ext) in [
        (FileFormat::Wav, "wav"),
        (FileFormat::Flac, "flac"),
        (FileFormat::Aiff, "aiff"),
    ] {
        let path = dir.path().join(format!("long.{ext}"));
        write_audio(
            &path,
            &buf,
            EncodeSpec {
                format,
                sample_format: SampleFormat::Int16,
            },
            &WriteOptions::default(),
        )
        .unwrap();
        let whole = read_audio(&path).unwrap();
        assert_eq!(whole.frames(), buf.frames());

        let mut reader = AudioReader::open(&path).unwrap();
        let mut block = vec![Vec::new(); 2];
        let mut got: Vec<Vec<f32>> = vec![Vec::new(); 2];
        let sizes = [1usize, 4_095, 777, 10_000, 3];
        let mut k = 0;
        loop {
            let max = sizes[k % sizes.len()];
            k += 1;
            let n = reader.read_block(&mut block, max).unwrap();
            assert!(n <= max);
            assert_eq!(block[0].len(), n);
            assert_eq!(block[1].len(), n);
            if n == 0 {
                break;
            }
            for (g, b) in got.iter_mut().zip(&block) {
                g.extend_from_slice(b);
            }
        }
        // Reading past the end keeps returning 0.
        assert_eq!(reader.read_block(&mut block, 100).unwrap(), 0);
        assert_eq!(got, whole.channels, "{ext}");
        assert_eq!(reader.skipped_packets(), 0);
    }
}

#[test]
fn read_block_rejects_wrong_channel_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.wav");
    let buf = long_signal(8_000, 100);
    write_audio(
        &path,
        &buf,
        EncodeSpec {
            format: FileFormat::Wav,
            sample_format: SampleFormat::Int16,
        },
        &WriteOptions::default(),
    )
    .unwrap();
    let mut reader = AudioReader::open(&path).unwrap();
    let mut one = vec![Vec::new()];
    assert!(reader.read_block(&mut one, 10).is_err());
}
