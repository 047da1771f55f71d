//! The bytes every PCM writer puts on disk, pinned: WAV 16/24/float32, AIFF 16/24
//! and FLAC 16/24, 1–3 channels, fed in uneven blocks with a signal that exercises
//! clipping, ±full scale, exact rounding ties, NaN/±∞ and silence.
//!
//! Three checks per file: against an independent per-sample encoder written here
//! (WAV via `hound`, AIFF by hand from its spec), against known bytes for a few
//! samples, and against a hash of the bytes written by the per-sample quantise path
//! these writers had before the block conversion (commit 5845020), which pins FLAC
//! (whose encoder has no independent reference here) and the headers.

mod common;

use std::path::Path;

use common::Rng;
use mixmaster_io::{AudioWriter, EncodeSpec, FileFormat, SampleFormat, WriteOptions, read_audio};

/// Frames per channel: odd (AIFF's pad byte at 16-bit mono, odd-sized WAV data)
/// and past one 4096-frame FLAC block, so a partial last block is encoded.
const FRAMES: usize = 5003;

/// Block boundaries: an empty block, a single frame, then two uneven blocks.
const BLOCKS: [(usize, usize); 4] = [(0, 0), (0, 1), (1, 1000), (1000, FRAMES)];

/// FNV-1a, 64-bit: a fixed, dependency-free fingerprint of a file's bytes.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The test signal for channel `c`: silence, ±full scale and beyond, the
/// largest code and the half-LSB ties around it, ties `k ± ½` LSB near zero,
/// non-finite values, then deterministic noise over ±1.2 full scale (clipping).
fn signal(bits: u16, c: usize) -> Vec<f32> {
    signal_with_silence(bits, c, 200)
}

/// [`signal`] with `silence` zeros before the noise.
fn signal_with_silence(bits: u16, c: usize, silence: usize) -> Vec<f32> {
    let scale = (1i64 << (bits - 1)) as f32;
    let mut v = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        1.5,
        -1.5,
        (scale - 1.0) / scale,
        (scale - 0.5) / scale,
        (scale - 1.5) / scale,
        -(scale - 0.5) / scale,
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MIN_POSITIVE,
    ];
    for k in -60..60 {
        v.push((k as f32 + 0.5) / scale);
    }
    v.extend(std::iter::repeat_n(0.0, silence));
    let mut rng = Rng::new(7 + c as u64);
    while v.len() < FRAMES {
        let u = (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        v.push(u * 2.4 - 1.2);
    }
    v.rotate_left(c * 13);
    v
}

/// `x` as a `bits`-bit integer by the rule every writer documents: scale by
/// 2^(bits−1), round half away from zero, clamp to the two's complement range,
/// NaN to 0 — computed in `f64`, one sample at a time.
fn reference_quantize(x: f32, bits: u16) -> i32 {
    let scale = (1i64 << (bits - 1)) as f64;
    let v = (f64::from(x) * scale).round();
    if v.is_nan() {
        0
    } else {
        v.clamp(-scale, scale - 1.0) as i32
    }
}

fn spec(format: FileFormat, sample_format: SampleFormat) -> EncodeSpec {
    EncodeSpec {
        format,
        sample_format,
    }
}

/// Writes `data` through [`AudioWriter`] in the uneven [`BLOCKS`] and returns the file.
fn write_blocks(path: &Path, spec: EncodeSpec, data: &[Vec<f32>]) -> Vec<u8> {
    let mut w =
        AudioWriter::create(path, spec, 44_100, data.len(), &WriteOptions::default()).unwrap();
    for (a, b) in BLOCKS {
        let block: Vec<&[f32]> = data.iter().map(|c| &c[a..b]).collect();
        w.write_block(&block).unwrap();
    }
    w.finish().unwrap();
    std::fs::read(path).unwrap()
}

/// An AIFF file written sample by sample from the AIFF 1.3 spec: `FORM`/`AIFF`,
/// an 18-byte `COMM` (44.1 kHz as 80-bit extended), `SSND` with zero offset and
/// block size, big-endian samples, a pad byte after odd-sized data.
fn reference_aiff(data: &[Vec<f32>], bits: u16) -> Vec<u8> {
    let width = usize::from(bits / 8);
    let mut samples = Vec::new();
    for i in 0..FRAMES {
        for ch in data {
            let be = reference_quantize(ch[i], bits).to_be_bytes();
            samples.extend_from_slice(&be[4 - width..]);
        }
    }
    let pad = samples.len() % 2;
    let mut f = Vec::new();
    f.extend_from_slice(b"FORM");
    f.extend_from_slice(&(46 + samples.len() as u32 + pad as u32).to_be_bytes());
    f.extend_from_slice(b"AIFFCOMM");
    f.extend_from_slice(&18u32.to_be_bytes());
    f.extend_from_slice(&(data.len() as u16).to_be_bytes());
    f.extend_from_slice(&(FRAMES as u32).to_be_bytes());
    f.extend_from_slice(&bits.to_be_bytes());
    f.extend_from_slice(&[0x40, 0x0E, 0xAC, 0x44, 0, 0, 0, 0, 0, 0]);
    f.extend_from_slice(b"SSND");
    f.extend_from_slice(&(8 + samples.len() as u32).to_be_bytes());
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&samples);
    f.extend(std::iter::repeat_n(0, pad));
    f
}

/// A WAV file written sample by sample by `hound`.
fn reference_wav(data: &[Vec<f32>], format: SampleFormat) -> Vec<u8> {
    let bits = format.bits();
    let float = format == SampleFormat::Float32;
    let spec = hound::WavSpec {
        channels: data.len() as u16,
        sample_rate: 44_100,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    for i in 0..FRAMES {
        for ch in data {
            if float {
                w.write_sample(ch[i]).unwrap();
            } else {
                w.write_sample(reference_quantize(ch[i], bits)).unwrap();
            }
        }
    }
    w.finalize().unwrap();
    out.into_inner()
}

/// Every (container, sample format, channels) case with the FNV-1a hash of the
/// bytes the per-sample path wrote at commit 5845020.
const CASES: [(FileFormat, SampleFormat, usize, u64); 18] = [
    (FileFormat::Wav, SampleFormat::Int16, 1, 0x8df7d3ac5b220acc),
    (FileFormat::Wav, SampleFormat::Int16, 2, 0x7dd3ed64ba4593d5),
    (FileFormat::Wav, SampleFormat::Int16, 3, 0x964fea1f1be0c526),
    (FileFormat::Wav, SampleFormat::Int24, 1, 0x9e2d457b787a142a),
    (FileFormat::Wav, SampleFormat::Int24, 2, 0x7e8ae6e7546c7376),
    (FileFormat::Wav, SampleFormat::Int24, 3, 0x9f9456e91d82cb33),
    (
        FileFormat::Wav,
        SampleFormat::Float32,
        1,
        0x509779632b5bd438,
    ),
    (
        FileFormat::Wav,
        SampleFormat::Float32,
        2,
        0x5b35ccca53d72891,
    ),
    (
        FileFormat::Wav,
        SampleFormat::Float32,
        3,
        0x44ddae6767388008,
    ),
    (FileFormat::Aiff, SampleFormat::Int16, 1, 0xf51b5ab7e298d74f),
    (FileFormat::Aiff, SampleFormat::Int16, 2, 0x414b4c07eb063d46),
    (FileFormat::Aiff, SampleFormat::Int16, 3, 0x5ed561ff1b321a6f),
    (FileFormat::Aiff, SampleFormat::Int24, 1, 0xe45a155e543ea042),
    (FileFormat::Aiff, SampleFormat::Int24, 2, 0x22394edbe5b76b67),
    (FileFormat::Aiff, SampleFormat::Int24, 3, 0x4fb919306b59be85),
    (FileFormat::Flac, SampleFormat::Int16, 1, 0xe91f3320fab4ed7f),
    (FileFormat::Flac, SampleFormat::Int16, 2, 0x9e1ecd756fabf89d),
    (FileFormat::Flac, SampleFormat::Int16, 3, 0xf82b0c7511092134),
];

#[test]
fn bytes_match_the_per_sample_path() {
    let dir = tempfile::tempdir().unwrap();
    let mut hashes = Vec::new();
    for (format, sample_format, channels, _) in CASES {
        let bits = sample_format.bits();
        let data: Vec<Vec<f32>> = (0..channels).map(|c| signal(bits, c)).collect();
        let ext = match format {
            FileFormat::Wav => "wav",
            FileFormat::Aiff => "aiff",
            FileFormat::Flac => "flac",
        };
        let path = dir.path().join(format!("{bits}_{channels}.{ext}"));
        let got = write_blocks(&path, spec(format, sample_format), &data);
        let case = format!("{format:?} {sample_format:?} {channels} ch");
        match format {
            FileFormat::Wav => assert!(got == reference_wav(&data, sample_format), "{case}"),
            FileFormat::Aiff => assert!(got == reference_aiff(&data, bits), "{case}"),
            FileFormat::Flac => {}
        }
        hashes.push(fnv1a(&got));
    }
    let want: Vec<u64> = CASES.iter().map(|c| c.3).collect();
    assert_eq!(hashes, want, "{hashes:#018x?}");
}

/// 24-bit FLAC of the same signal without its run of silence, whose hashes
/// are pinned separately: with it, `flacenc` 0.5.1 mis-encoded the first block
/// (a frame of ~300 MB that the decoder rejected) and the writer now stores such
/// a block verbatim, so those bytes differ from the per-sample path's on purpose.
#[test]
fn flac24_bytes_match_the_per_sample_path() {
    let dir = tempfile::tempdir().unwrap();
    let want: [u64; 3] = [0xdb12ea7adae511d9, 0xee95927d19f54ffd, 0xb215afbb894738e0];
    let mut hashes = Vec::new();
    for channels in 1..=3 {
        let data: Vec<Vec<f32>> = (0..channels)
            .map(|c| signal_with_silence(24, c, 0))
            .collect();
        let path = dir.path().join(format!("{channels}.flac"));
        let got = write_blocks(&path, spec(FileFormat::Flac, SampleFormat::Int24), &data);
        // Verbatim would take 3 bytes a sample plus frame headers: compressed
        // noise at ±1.2 full scale cannot be much smaller, and is not larger.
        assert!(
            got.len() < 8192 + FRAMES * channels * 3,
            "{} bytes",
            got.len()
        );
        hashes.push(fnv1a(&got));
    }
    assert_eq!(hashes, want, "{hashes:#018x?}");
}

/// A few samples' bytes spelled out: AIFF is big-endian two's complement, the
/// clamp is asymmetric, ties round away from zero, NaN is silence.
#[test]
fn aiff_samples_have_known_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let lsb16 = 1.0 / 32_768.0;
    let lsb24 = 1.0 / 8_388_608.0;
    let cases: [(SampleFormat, Vec<f32>, Vec<u8>); 2] = [
        (
            SampleFormat::Int16,
            vec![
                1.0,
                -1.0,
                2.0,
                0.5 * lsb16,
                -0.5 * lsb16,
                1.5 * lsb16,
                f32::NAN,
                0.0,
            ],
            vec![
                0x7f, 0xff, 0x80, 0x00, 0x7f, 0xff, 0x00, 0x01, 0xff, 0xff, 0x00, 0x02, 0x00, 0x00,
                0x00, 0x00,
            ],
        ),
        (
            SampleFormat::Int24,
            vec![1.0, -1.0, -2.5 * lsb24, 0.25],
            vec![
                0x7f, 0xff, 0xff, 0x80, 0x00, 0x00, 0xff, 0xff, 0xfd, 0x20, 0x00, 0x00,
            ],
        ),
    ];
    for (sample_format, samples, want) in cases {
        let path = dir.path().join(format!("{sample_format:?}.aiff"));
        let got = write_blocks_mono(&path, sample_format, &samples);
        assert_eq!(&got[54..], &want[..], "{sample_format:?}");
    }
}

fn write_blocks_mono(path: &Path, sample_format: SampleFormat, samples: &[f32]) -> Vec<u8> {
    let mut w = AudioWriter::create(
        path,
        spec(FileFormat::Aiff, sample_format),
        44_100,
        1,
        &WriteOptions::default(),
    )
    .unwrap();
    w.write_block(&[samples]).unwrap();
    w.finish().unwrap();
    std::fs::read(path).unwrap()
}

/// The decoder returns exactly `reference_quantize(x) / 2^(bits−1)` for every
/// sample of the clipping signal, in every integer container.
#[test]
fn clipped_signal_decodes_to_the_quantised_values() {
    let dir = tempfile::tempdir().unwrap();
    for (format, ext) in [
        (FileFormat::Wav, "wav"),
        (FileFormat::Aiff, "aif"),
        (FileFormat::Flac, "flac"),
    ] {
        for sample_format in [SampleFormat::Int16, SampleFormat::Int24] {
            let bits = sample_format.bits();
            let data: Vec<Vec<f32>> = (0..2).map(|c| signal(bits, c)).collect();
            let path = dir.path().join(format!("{bits}.{ext}"));
            write_blocks(&path, spec(format, sample_format), &data);
            let back = read_audio(&path).unwrap();
            let scale = (1i64 << (bits - 1)) as f32;
            for (want, got) in data.iter().zip(&back.channels) {
                assert_eq!(got.len(), FRAMES, "{ext} {bits}-bit length");
                for (i, (&x, &y)) in want.iter().zip(got).enumerate() {
                    let q = reference_quantize(x, bits) as f32 / scale;
                    assert_eq!(y, q, "{ext} {bits}-bit frame {i}: input {x}");
                }
            }
        }
    }
}
