//! Shared helpers for the integration tests: deterministic test signals.
#![allow(dead_code)] // each test binary uses a different subset

use mixmaster_io::AudioBuffer;

/// A small deterministic PRNG (xorshift64*) so tests need no extra crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform integer in [-2^(bits-1), 2^(bits-1) - 1].
    pub fn int(&mut self, bits: u32) -> i32 {
        let span = 1u64 << bits;
        ((self.next_u64() % span) as i64 - (span as i64 / 2)) as i32
    }
}

/// Integer test signal: random values plus the extremes, per channel; returned as
/// integers and as the float buffer `int / 2^(bits-1)` the decoder should produce.
pub fn int_signal(
    bits: u32,
    channels: usize,
    frames: usize,
    rate: u32,
) -> (Vec<Vec<i32>>, AudioBuffer) {
    let mut rng = Rng::new(bits as u64 * 1000 + channels as u64);
    let lo = -(1i32 << (bits - 1));
    let hi = (1i32 << (bits - 1)) - 1;
    let ints: Vec<Vec<i32>> = (0..channels)
        .map(|c| {
            (0..frames)
                .map(|i| match (i + c) % 97 {
                    0 => lo,
                    1 => hi,
                    2 => 0,
                    _ => rng.int(bits),
                })
                .collect()
        })
        .collect();
    let scale = (1i64 << (bits - 1)) as f32;
    let buf = AudioBuffer {
        sample_rate: rate,
        channels: ints
            .iter()
            .map(|c| c.iter().map(|&v| v as f32 / scale).collect())
            .collect(),
    };
    (ints, buf)
}

/// Sine of `freq` Hz at linear amplitude `amp`.
pub fn sine(freq: f64, amp: f64, rate: u32, frames: usize) -> Vec<f32> {
    (0..frames)
        .map(|i| (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64).sin()) as f32)
        .collect()
}

/// Builds a WAV file by hand: `fmt ` chunk with `format_tag` (1 = PCM, 3 = float),
/// optionally as WAVE_FORMAT_EXTENSIBLE (tag 0xFFFE with the sub-format GUID), then
/// `data`. Lets tests produce files hound cannot (64-bit float, 0 channels, rate 0).
pub fn wav_bytes(
    format_tag: u16,
    channels: u16,
    rate: u32,
    bits: u16,
    data: &[u8],
    extensible: bool,
) -> Vec<u8> {
    let block_align = channels.wrapping_mul(bits / 8);
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&(if extensible { 0xFFFEu16 } else { format_tag }).to_le_bytes());
    fmt.extend_from_slice(&channels.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&(rate.wrapping_mul(u32::from(block_align))).to_le_bytes());
    fmt.extend_from_slice(&block_align.to_le_bytes());
    fmt.extend_from_slice(&bits.to_le_bytes());
    if extensible {
        fmt.extend_from_slice(&22u16.to_le_bytes()); // cbSize
        fmt.extend_from_slice(&bits.to_le_bytes()); // valid bits
        let mask: u32 = if channels == 0 {
            0
        } else {
            (1u32 << channels.min(18)) - 1
        };
        fmt.extend_from_slice(&mask.to_le_bytes());
        // KSDATAFORMAT_SUBTYPE_{PCM,IEEE_FLOAT}: tag then 0000-0010-8000-00AA00389B71.
        fmt.extend_from_slice(&u32::from(format_tag).to_le_bytes());
        fmt.extend_from_slice(&[
            0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
        ]);
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((4 + 8 + fmt.len() + 8 + data.len()) as u32).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
    out.extend_from_slice(&fmt);
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// Writes 3 s of a 440 Hz stereo sine at 44.1 kHz as 16-bit FLAC to
/// `dir/damaged.flac`, then scribbles over 64 bytes in the middle of the
/// stream (inside some frame, whose checksum then fails). Returns the path
/// and the frame count the header still declares.
pub fn damaged_flac(dir: &std::path::Path) -> (std::path::PathBuf, usize) {
    use mixmaster_io::{EncodeSpec, FileFormat, SampleFormat, WriteOptions, write_audio};
    let frames = 44_100 * 3;
    let buf = AudioBuffer {
        sample_rate: 44_100,
        channels: vec![sine(440.0, 0.5, 44_100, frames); 2],
    };
    let p = dir.join("damaged.flac");
    let spec = EncodeSpec {
        format: FileFormat::Flac,
        sample_format: SampleFormat::Int16,
    };
    write_audio(&p, &buf, spec, &WriteOptions::default()).unwrap();
    let mut bytes = std::fs::read(&p).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x5A;
    }
    std::fs::write(&p, &bytes).unwrap();
    (p, frames)
}
