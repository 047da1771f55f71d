//! Direct conversion of uncompressed PCM packets into planar `f32`.
//!
//! For plain PCM symphonia's decoder does two passes per packet: it renders the
//! bytes sample by sample into its generic `AudioBuffer` of the native sample type
//! (`i16`, `i24`, …) through a per-frame closure, and `copy_to_vecs_planar::<f32>`
//! then converts that buffer once more. On a 32-stem mix decoding WAV took ≈ 18 %
//! of the CPU that way (bench/RESULTS.md, session 5; this module's conversion
//! takes ≈ 5 %, session 7). Here the packet's bytes are converted and
//! de-interleaved in one pass, one monomorphic loop per sample layout and
//! channel, which the compiler vectorises.
//!
//! The arithmetic is exactly symphonia 0.6's (`symphonia-codec-pcm` reading, then
//! `symphonia-core`'s `FromSample` into `f32`), so the result is bit-identical:
//! - signed integers: `i8 / 128`, `i16 / 32768`, `i24 / 8388608` (the divisors are
//!   powers of two and the integers fit `f32`'s mantissa, so each is exact);
//! - `i32`: divided by 2^31 in `f64`, then rounded once to `f32`;
//! - unsigned 8-bit: `(u / 128) - 1`;
//! - `f32` passes through bit for bit (NaN payloads and ±Inf included), `f64` is
//!   rounded to `f32` with `as`, as symphonia does.
//!
//! Only layouts whose decoded value is a pure function of the coded bytes take this
//! path: the decoder would shift samples up when a stream codes fewer bits than it
//! decodes (`bits_per_coded_sample < bits_per_sample`), so such streams, A-law,
//! µ-law, unsigned 16/24/32-bit PCM (no reader we use produces them) and every
//! compressed codec stay on symphonia's decoder. The WAV and AIFF/AIFC readers set
//! both widths to the valid bits, so all their integer and float PCM qualifies.
//!
//! A packet's trailing partial frame (fewer bytes than one sample per channel) is
//! dropped, as symphonia's decoder drops it.

use symphonia::core::codecs::audio::AudioCodecParameters;
use symphonia::core::codecs::audio::well_known::{
    CODEC_ID_PCM_F32BE, CODEC_ID_PCM_F32LE, CODEC_ID_PCM_F64BE, CODEC_ID_PCM_F64LE,
    CODEC_ID_PCM_S8, CODEC_ID_PCM_S16BE, CODEC_ID_PCM_S16LE, CODEC_ID_PCM_S24BE,
    CODEC_ID_PCM_S24LE, CODEC_ID_PCM_S32BE, CODEC_ID_PCM_S32LE, CODEC_ID_PCM_U8,
};

/// How one coded sample is laid out in an interleaved PCM packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PcmLayout {
    /// Signed 8-bit.
    S8,
    /// Unsigned 8-bit, 128 = silence (WAV's 8-bit PCM).
    U8,
    /// Signed 16-bit little-endian.
    S16Le,
    /// Signed 16-bit big-endian.
    S16Be,
    /// Signed 24-bit little-endian, packed in 3 bytes.
    S24Le,
    /// Signed 24-bit big-endian, packed in 3 bytes.
    S24Be,
    /// Signed 32-bit little-endian.
    S32Le,
    /// Signed 32-bit big-endian.
    S32Be,
    /// IEEE 754 single little-endian.
    F32Le,
    /// IEEE 754 single big-endian.
    F32Be,
    /// IEEE 754 double little-endian.
    F64Le,
    /// IEEE 754 double big-endian.
    F64Be,
}

impl PcmLayout {
    /// The layout of `params`' codec when its packets can be converted directly,
    /// `None` when they need symphonia's decoder (see the module docs).
    pub(crate) fn for_codec(params: &AudioCodecParameters) -> Option<Self> {
        let layout = match params.codec {
            CODEC_ID_PCM_S8 => Self::S8,
            CODEC_ID_PCM_U8 => Self::U8,
            CODEC_ID_PCM_S16LE => Self::S16Le,
            CODEC_ID_PCM_S16BE => Self::S16Be,
            CODEC_ID_PCM_S24LE => Self::S24Le,
            CODEC_ID_PCM_S24BE => Self::S24Be,
            CODEC_ID_PCM_S32LE => Self::S32Le,
            CODEC_ID_PCM_S32BE => Self::S32Be,
            CODEC_ID_PCM_F32LE => Self::F32Le,
            CODEC_ID_PCM_F32BE => Self::F32Be,
            CODEC_ID_PCM_F64LE => Self::F64Le,
            CODEC_ID_PCM_F64BE => Self::F64Be,
            _ => return None,
        };
        // Symphonia's decoder shifts each sample left by (decoded − coded) bits; only
        // an unshifted stream is a pure function of its bytes.
        let shifted = params
            .bits_per_coded_sample
            .is_some_and(|coded| Some(coded) != params.bits_per_sample);
        (!shifted).then_some(layout)
    }

    /// True for integer layouts: every sample they can hold converts to a
    /// finite `f32` (at most ±1), so NaN and ±∞ cannot occur.
    pub(crate) fn is_integer(self) -> bool {
        !matches!(self, Self::F32Le | Self::F32Be | Self::F64Le | Self::F64Be)
    }

    /// Bytes per sample of one channel.
    pub(crate) fn sample_bytes(self) -> usize {
        match self {
            Self::S8 | Self::U8 => 1,
            Self::S16Le | Self::S16Be => 2,
            Self::S24Le | Self::S24Be => 3,
            Self::S32Le | Self::S32Be | Self::F32Le | Self::F32Be => 4,
            Self::F64Le | Self::F64Be => 8,
        }
    }

    /// Converts the complete frames of the interleaved `bytes` and appends them
    /// to `planes` (one vector per channel) and returns how many frames that was.
    pub(crate) fn deinterleave(self, bytes: &[u8], planes: &mut [Vec<f32>]) -> usize {
        match self {
            Self::S8 => convert(bytes, planes, |[b]: [u8; 1]| f32::from(b as i8) / 128.0),
            Self::U8 => convert(bytes, planes, |[b]: [u8; 1]| f32::from(b) / 128.0 - 1.0),
            Self::S16Le => convert(bytes, planes, |s| {
                f32::from(i16::from_le_bytes(s)) / 32_768.0
            }),
            Self::S16Be => convert(bytes, planes, |s| {
                f32::from(i16::from_be_bytes(s)) / 32_768.0
            }),
            // The three bytes go to the top of an i32; the arithmetic shift back
            // sign-extends them (symphonia's `read_i24`).
            Self::S24Le => convert(bytes, planes, |[a, b, c]: [u8; 3]| {
                (i32::from_le_bytes([0, a, b, c]) >> 8) as f32 / 8_388_608.0
            }),
            Self::S24Be => convert(bytes, planes, |[a, b, c]: [u8; 3]| {
                (i32::from_be_bytes([a, b, c, 0]) >> 8) as f32 / 8_388_608.0
            }),
            Self::S32Le => convert(bytes, planes, |s| {
                (f64::from(i32::from_le_bytes(s)) / 2_147_483_648.0) as f32
            }),
            Self::S32Be => convert(bytes, planes, |s| {
                (f64::from(i32::from_be_bytes(s)) / 2_147_483_648.0) as f32
            }),
            Self::F32Le => convert(bytes, planes, f32::from_le_bytes),
            Self::F32Be => convert(bytes, planes, f32::from_be_bytes),
            Self::F64Le => convert(bytes, planes, |s| f64::from_le_bytes(s) as f32),
            Self::F64Be => convert(bytes, planes, |s| f64::from_be_bytes(s) as f32),
        }
    }
}

/// The conversion loop, monomorphised per sample width `N` and conversion: the
/// packet is viewed as frames of `planes.len()` samples of `N` bytes, and each
/// channel's plane is filled in its own pass over them, so the loop body is a
/// fixed-stride load, one conversion and a store, with no per-sample branching.
/// A packet is at most a few thousand frames, so the repeated passes read it from
/// L1 cache. Mono and stereo are spelled out so that each pass's stride and offset
/// are compile-time constants, which lets the compiler vectorise it (with a
/// run-time channel index it stays scalar: 16-bit stereo took ≈ 4× as long per
/// sample in a micro-benchmark, and the `read` bench's 16-bit case ≈ 1.6× as long).
#[inline(always)]
fn convert<const N: usize>(
    bytes: &[u8],
    planes: &mut [Vec<f32>],
    sample: impl Fn([u8; N]) -> f32 + Copy,
) -> usize {
    let (samples, _) = bytes.as_chunks::<N>();
    match planes {
        [] => 0,
        [mono] => {
            mono.extend(samples.iter().map(|&s| sample(s)));
            samples.len()
        }
        [left, right] => {
            let (frames, _) = samples.as_chunks::<2>();
            left.extend(frames.iter().map(|&[l, _]| sample(l)));
            right.extend(frames.iter().map(|&[_, r]| sample(r)));
            frames.len()
        }
        _ => {
            let frames = samples.chunks_exact(planes.len());
            for (ch, plane) in planes.iter_mut().enumerate() {
                plane.extend(frames.clone().map(|frame| sample(frame[ch])));
            }
            frames.len()
        }
    }
}

#[cfg(test)]
mod tests;
