//! Output format choices and the float → integer conversion used by every encoder.

use std::path::Path;

/// Container to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// RIFF WAVE (`.wav`).
    Wav,
    /// AIFF (`.aif`, `.aiff`).
    Aiff,
    /// FLAC (`.flac`).
    Flac,
}

impl FileFormat {
    /// The highest sample rate written in this container, Hz. FLAC's format
    /// allows 655350 Hz, but the encoder (flacenc 0.5) verifies its stream
    /// info against the 96 kHz ceiling and refuses anything above it.
    pub fn max_sample_rate(self) -> u32 {
        match self {
            Self::Flac => 96_000,
            Self::Wav | Self::Aiff => u32::MAX,
        }
    }

    /// The format named by the path's extension (case-insensitive), if we can write it.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "wav" | "wave" => Some(Self::Wav),
            "aif" | "aiff" => Some(Self::Aiff),
            "flac" => Some(Self::Flac),
            _ => None,
        }
    }
}

/// Sample encoding to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFormat {
    /// 16-bit signed integer.
    Int16,
    /// 24-bit signed integer.
    Int24,
    /// 32-bit IEEE float, written as-is (WAV only).
    Float32,
}

impl SampleFormat {
    /// Bits per sample on disk.
    pub fn bits(self) -> u16 {
        match self {
            Self::Int16 => 16,
            Self::Int24 => 24,
            Self::Float32 => 32,
        }
    }
}

/// Container plus sample encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeSpec {
    /// Container.
    pub format: FileFormat,
    /// Sample encoding.
    pub sample_format: SampleFormat,
}

/// Converts a float sample (full scale ±1.0) to a `bits`-bit integer: scale by
/// 2^(bits-1), round to nearest, clamp to the integer range. NaN becomes 0.
///
/// This is the exact inverse of the decoder's `x / 2^(bits-1)`, so integer audio
/// round-trips bit-exactly. No dither here: dither is a DSP stage the caller runs
/// before writing.
///
/// The writers compute it block-wise in `f32` (`wav_block::PcmBlockEncoder`);
/// this `f64` form is the definition their tests check them against.
#[cfg(test)]
pub(crate) fn quantize(x: f32, bits: u16) -> i32 {
    let scale = (1i64 << (bits - 1)) as f64;
    let v = (f64::from(x) * scale).round();
    // `as` saturates and maps NaN to 0; clamp to the asymmetric two's complement range.
    (v.clamp(-scale, scale - 1.0)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        assert_eq!(
            FileFormat::from_path(Path::new("a.WAV")),
            Some(FileFormat::Wav)
        );
        assert_eq!(
            FileFormat::from_path(Path::new("a.aif")),
            Some(FileFormat::Aiff)
        );
        assert_eq!(
            FileFormat::from_path(Path::new("a.flac")),
            Some(FileFormat::Flac)
        );
        assert_eq!(FileFormat::from_path(Path::new("a.mp3")), None);
        assert_eq!(FileFormat::from_path(Path::new("noext")), None);
    }

    #[test]
    fn quantize_rounds_and_clamps() {
        assert_eq!(quantize(1.0, 16), 32_767);
        assert_eq!(quantize(-1.0, 16), -32_768);
        assert_eq!(quantize(2.5, 24), 8_388_607);
        assert_eq!(quantize(-7.0, 24), -8_388_608);
        assert_eq!(quantize(f32::NAN, 16), 0);
        assert_eq!(quantize(f32::INFINITY, 16), 32_767);
        // 0.4 LSB rounds down, 0.6 LSB rounds up.
        assert_eq!(quantize(0.4 / 32_768.0, 16), 0);
        assert_eq!(quantize(0.6 / 32_768.0, 16), 1);
        assert_eq!(quantize(-0.6 / 32_768.0, 16), -1);
        // Exact inverse of decode scaling over the whole 16-bit range.
        for i in -32_768..32_768 {
            assert_eq!(quantize(i as f32 / 32_768.0, 16), i);
        }
    }
}
