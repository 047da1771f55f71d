//! The direct PCM path against symphonia's decoder, bit for bit, on files of
//! every flavour the WAV and AIFF/AIFC readers produce. The files are built byte
//! by byte from pseudo-random sample words, so every bit pattern class occurs:
//! integer extremes, and for floats NaNs (with payloads), ±Inf, subnormals, −0,
//! and `f64` values outside `f32`'s range.

use std::path::Path;

use symphonia::core::codecs::audio::AudioCodecParameters;
use symphonia::core::codecs::audio::well_known::{CODEC_ID_PCM_ALAW, CODEC_ID_PCM_S24LE};

use super::PcmLayout;
use crate::decode::AudioReader;

const RATE: u32 = 44_100;
/// More than two of symphonia's 1152-frame packets, and odd.
const FRAMES: usize = 2_501;

/// `n` pseudo-random bytes (xorshift64), preceded by `prefix`.
fn noise_bytes(n: usize, seed: u64, prefix: &[u8]) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = prefix.to_vec();
    while out.len() < n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.push((state >> 24) as u8);
    }
    out.truncate(n);
    out
}

/// Extremes first, so each file holds them whatever the noise does: for width
/// `bytes`, all-zero, all-one and the two sign-boundary words in both byte orders.
fn extremes(bytes: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for fill in [0x00u8, 0xff] {
        out.extend(std::iter::repeat_n(fill, bytes));
    }
    for (top, rest) in [(0x80u8, 0x00u8), (0x7f, 0xff)] {
        // Big-endian: the top byte first; little-endian: last.
        out.push(top);
        out.extend(std::iter::repeat_n(rest, bytes - 1));
        out.extend(std::iter::repeat_n(rest, bytes - 1));
        out.push(top);
    }
    out
}

/// `f64` values worth checking after a little-endian or big-endian encoding:
/// ties and near-ties of `f32` rounding, the edge of `f32`'s range, subnormals.
fn f64_specials(big_endian: bool) -> Vec<u8> {
    let values = [
        1.0 + f64::from(f32::EPSILON) / 2.0,
        1.0 + f64::from(f32::EPSILON) * 1.5,
        f64::from(f32::MAX) * 1.000_000_01,
        f64::from(f32::MIN_POSITIVE) / 3.0,
        1e-300,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::from_bits(0x7ff0_0000_0000_0001),
        -0.123_456_789_012_345,
    ];
    values
        .iter()
        .flat_map(|v| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        })
        .collect()
}

fn chunk(id: &[u8; 4], body: &[u8], big_endian: bool) -> Vec<u8> {
    let len = u32::try_from(body.len()).expect("small chunk");
    let mut out = id.to_vec();
    out.extend(if big_endian {
        len.to_be_bytes()
    } else {
        len.to_le_bytes()
    });
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// A WAV file: format tag 1 (PCM), 3 (IEEE float) or 6 (A-law) with an
/// 18-byte `fmt `; `extensible` = (valid bits, sub-format GUID's first byte)
/// writes WAVE_FORMAT_EXTENSIBLE instead.
fn wav(tag: u16, channels: u16, bits: u16, extensible: Option<(u16, u8)>, data: &[u8]) -> Vec<u8> {
    let align = channels * bits / 8;
    let mut fmt = Vec::new();
    fmt.extend(if extensible.is_some() { 0xfffe } else { tag }.to_le_bytes());
    fmt.extend(channels.to_le_bytes());
    fmt.extend(RATE.to_le_bytes());
    fmt.extend((RATE * u32::from(align)).to_le_bytes());
    fmt.extend(align.to_le_bytes());
    fmt.extend(bits.to_le_bytes());
    match extensible {
        None => fmt.extend(0u16.to_le_bytes()),
        Some((valid, guid0)) => {
            fmt.extend(22u16.to_le_bytes());
            fmt.extend(valid.to_le_bytes());
            fmt.extend(((1u32 << channels) - 1).to_le_bytes());
            fmt.extend([guid0, 0, 0, 0, 0, 0, 0x10, 0x00]);
            fmt.extend([0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]);
        }
    }
    let mut body = b"WAVE".to_vec();
    body.extend(chunk(b"fmt ", &fmt, false));
    body.extend(chunk(b"data", data, false));
    chunk(b"RIFF", &body, false)
}

/// An AIFF file, or AIFF-C when `compression` is given.
fn aiff(channels: u16, bits: u16, compression: Option<&[u8; 4]>, data: &[u8]) -> Vec<u8> {
    let frame_bytes = usize::from(channels) * usize::from(bits).div_ceil(8);
    let frames = u32::try_from(data.len() / frame_bytes).expect("small file");
    let mut comm = Vec::new();
    comm.extend(channels.to_be_bytes());
    comm.extend(frames.to_be_bytes());
    comm.extend(bits.to_be_bytes());
    comm.extend(crate::aiff::extended_from_rate(RATE));
    if let Some(kind) = compression {
        comm.extend_from_slice(kind);
        comm.extend([0, 0]); // empty Pascal-string name, padded to even length
    }
    let mut ssnd = vec![0u8; 8]; // offset, block size
    ssnd.extend_from_slice(data);
    let mut body = if compression.is_some() {
        b"AIFC".to_vec()
    } else {
        b"AIFF".to_vec()
    };
    body.extend(chunk(b"COMM", &comm, true));
    body.extend(chunk(b"SSND", &ssnd, true));
    chunk(b"FORM", &body, true)
}

/// Decodes `path` to the end through `reader` in `block`-frame blocks.
fn decode(mut reader: AudioReader, block: usize) -> Vec<Vec<f32>> {
    let channels = reader.info().channels;
    let mut out = vec![Vec::new(); channels];
    let mut buf = vec![Vec::new(); channels];
    while reader.read_block(&mut buf, block).expect("read_block") > 0 {
        for (o, b) in out.iter_mut().zip(&buf) {
            o.extend_from_slice(b);
        }
    }
    out
}

/// Decodes `bytes` through both paths and compares every sample's bits;
/// returns the codec name and frame count. `direct` says which path `open` must pick.
fn check(name: &str, bytes: &[u8], direct: bool) -> (String, usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write test file");
    let fast = AudioReader::open(&path).expect("open");
    assert_eq!(fast.is_direct_pcm(), direct, "{name}: path chosen");
    let codec = fast.info().codec.clone();
    let slow = AudioReader::open_via_decoder(&path).expect("open via decoder");
    // An odd block size, so blocks straddle packets (1152 frames) unevenly.
    let a = decode(fast, 1_000);
    let b = decode(slow, 1_000);
    assert_eq!(a.len(), b.len(), "{name}: channels");
    for (ch, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x.len(), y.len(), "{name}: frames in channel {ch}");
        if let Some(i) = (0..x.len()).find(|&i| x[i].to_bits() != y[i].to_bits()) {
            panic!(
                "{name}: channel {ch} frame {i}: direct {:e} vs decoder {:e}",
                x[i], y[i]
            );
        }
    }
    assert_file_holds_samples(&path, &a);
    (codec, a[0].len())
}

/// Guards against both paths agreeing on nothing: the files are noise, so an
/// all-zero or constant channel would mean the comparison saw no data.
fn assert_file_holds_samples(path: &Path, planes: &[Vec<f32>]) {
    for (ch, plane) in planes.iter().enumerate() {
        let distinct = plane
            .iter()
            .map(|s| s.to_bits())
            .collect::<std::collections::HashSet<_>>()
            .len();
        assert!(
            distinct > 100,
            "{}: channel {ch} has {distinct} distinct values",
            path.display()
        );
    }
}

#[test]
fn wav_integer_pcm_is_bit_identical() {
    // (name, bits, channels, expected codec)
    for (i, (bits, channels, codec)) in [
        (8u16, 1u16, "pcm_u8"),
        (8, 2, "pcm_u8"),
        (16, 1, "pcm_s16le"),
        (16, 2, "pcm_s16le"),
        (16, 6, "pcm_s16le"),
        (24, 1, "pcm_s24le"),
        (24, 2, "pcm_s24le"),
        (24, 3, "pcm_s24le"),
        (32, 2, "pcm_s32le"),
        (32, 3, "pcm_s32le"),
    ]
    .into_iter()
    .enumerate()
    {
        let width = usize::from(bits / 8);
        let len = FRAMES * usize::from(channels) * width;
        let data = noise_bytes(len, 17 + i as u64, &extremes(width));
        let name = format!("s{bits}_{channels}ch.wav");
        let (got, frames) = check(&name, &wav(1, channels, bits, None, &data), true);
        assert_eq!((got.as_str(), frames), (codec, FRAMES), "{name}");
    }
}

#[test]
fn wav_float_pcm_is_bit_identical() {
    for (i, (bits, channels, codec)) in [
        (32u16, 1u16, "pcm_f32le"),
        (32, 2, "pcm_f32le"),
        (64, 2, "pcm_f64le"),
        (64, 3, "pcm_f64le"),
    ]
    .into_iter()
    .enumerate()
    {
        let width = usize::from(bits / 8);
        let len = FRAMES * usize::from(channels) * width;
        let prefix = if bits == 64 {
            f64_specials(false)
        } else {
            extremes(width)
        };
        let data = noise_bytes(len, 31 + i as u64, &prefix);
        let name = format!("f{bits}_{channels}ch.wav");
        let (got, frames) = check(&name, &wav(3, channels, bits, None, &data), true);
        assert_eq!((got.as_str(), frames), (codec, FRAMES), "{name}");
    }
}

#[test]
fn wav_extensible_is_bit_identical() {
    // (container bits, valid bits, channels, GUID first byte: 1 = PCM, 3 = float)
    for (i, (bits, valid, channels, guid, codec)) in [
        (16u16, 16u16, 4u16, 1u8, "pcm_s16le"),
        (24, 24, 3, 1, "pcm_s24le"),
        (24, 20, 2, 1, "pcm_s24le"),
        (32, 24, 3, 1, "pcm_s32le"),
        (32, 32, 2, 3, "pcm_f32le"),
        (64, 64, 5, 3, "pcm_f64le"),
    ]
    .into_iter()
    .enumerate()
    {
        let width = usize::from(bits / 8);
        let len = FRAMES * usize::from(channels) * width;
        let data = noise_bytes(len, 47 + i as u64, &extremes(width));
        let name = format!("ext{bits}_{valid}_{channels}ch.wav");
        let file = wav(1, channels, bits, Some((valid, guid)), &data);
        let (got, frames) = check(&name, &file, true);
        assert_eq!((got.as_str(), frames), (codec, FRAMES), "{name}");
    }
}

#[test]
fn aiff_and_aifc_pcm_are_bit_identical() {
    // (bits in COMM, compression, channels, bytes per sample, expected codec)
    for (i, (bits, kind, channels, width, codec)) in [
        (8u16, None, 1u16, 1usize, "pcm_s8"),
        (8, None, 3, 1, "pcm_s8"),
        (16, None, 2, 2, "pcm_s16be"),
        (12, None, 1, 2, "pcm_s16be"),
        (20, None, 2, 3, "pcm_s24be"),
        (24, None, 3, 3, "pcm_s24be"),
        (32, None, 2, 4, "pcm_s32be"),
        (24, Some(b"NONE"), 2, 3, "pcm_s24be"),
        (16, Some(b"sowt"), 2, 2, "pcm_s16le"),
        (16, Some(b"twos"), 1, 2, "pcm_s16be"),
        (24, Some(b"in24"), 2, 3, "pcm_s24be"),
        (32, Some(b"in32"), 2, 4, "pcm_s32be"),
        (32, Some(b"23ni"), 3, 4, "pcm_s32le"),
        (8, Some(b"raw "), 2, 1, "pcm_u8"),
        (32, Some(b"fl32"), 2, 4, "pcm_f32be"),
        (64, Some(b"fl64"), 3, 8, "pcm_f64be"),
    ]
    .into_iter()
    .enumerate()
    {
        let len = FRAMES * usize::from(channels) * width;
        let prefix = if bits == 64 {
            f64_specials(true)
        } else {
            extremes(width)
        };
        let data = noise_bytes(len, 71 + i as u64, &prefix);
        let label = kind.map_or("aiff".into(), |k| {
            String::from_utf8_lossy(k).trim().to_string()
        });
        let name = format!("{label}{bits}_{channels}ch.aif");
        let (got, frames) = check(&name, &aiff(channels, bits, kind, &data), true);
        assert_eq!((got.as_str(), frames), (codec, FRAMES), "{name}");
    }
}

#[test]
fn companded_pcm_stays_on_the_decoder() {
    let data = noise_bytes(FRAMES * 2, 99, &[]);
    let (codec, frames) = check("alaw.wav", &wav(6, 2, 8, None, &data), false);
    assert_eq!((codec.as_str(), frames), ("pcm_alaw", FRAMES));
    let (codec, frames) = check("ulaw.aifc", &aiff(2, 16, Some(b"ulaw"), &data), false);
    assert_eq!((codec.as_str(), frames), ("pcm_mulaw", FRAMES));
}

#[test]
fn trailing_partial_frame_is_dropped() {
    // Two stereo 16-bit frames and three stray bytes: two frames come out, as
    // symphonia's decoder renders only whole frames.
    let bytes = [
        0x00, 0x80, 0xff, 0x7f, 0x01, 0x00, 0xff, 0xff, 0x12, 0x34, 0x56,
    ];
    let mut planes = vec![Vec::new(); 2];
    assert_eq!(PcmLayout::S16Le.deinterleave(&bytes, &mut planes), 2);
    assert_eq!(planes[0], [-1.0, 1.0 / 32_768.0]);
    assert_eq!(planes[1], [32_767.0 / 32_768.0, -1.0 / 32_768.0]);
}

#[test]
fn only_unshifted_plain_pcm_is_converted_directly() {
    let mut params = AudioCodecParameters::new();
    params.for_codec(CODEC_ID_PCM_S24LE);
    assert_eq!(PcmLayout::for_codec(&params), Some(PcmLayout::S24Le));
    params
        .with_bits_per_sample(24)
        .with_bits_per_coded_sample(24);
    assert_eq!(PcmLayout::for_codec(&params), Some(PcmLayout::S24Le));
    // 20 coded bits decoded to 24: symphonia's decoder shifts every sample up 4 bits.
    params.with_bits_per_coded_sample(20);
    assert_eq!(PcmLayout::for_codec(&params), None);
    let mut alaw = AudioCodecParameters::new();
    alaw.for_codec(CODEC_ID_PCM_ALAW);
    assert_eq!(PcmLayout::for_codec(&alaw), None);
}
