//! AIFF writer (FORM/COMM/SSND, big-endian 16/24-bit PCM).
//!
//! Written by hand because no well-kept Rust crate writes AIFF; the format is small:
//! a `FORM` container of type `AIFF` holding `COMM` (channels, frames, bits, and the
//! sample rate as an 80-bit IEEE 754 extended float) and `SSND` (offset, block size,
//! interleaved big-endian samples). Sizes are patched in on `finish`, so the writer
//! streams with constant memory.

use std::io::{Seek, SeekFrom, Write};

/// Byte offset of the COMM `numSampleFrames` field: FORM(12) + COMM id/size(8) + channels(2).
const FRAMES_OFFSET: u64 = 22;
/// Byte offset of the SSND chunk size: FORM(12) + COMM(8 + 18) + "SSND"(4).
const SSND_SIZE_OFFSET: u64 = 42;

/// Encodes `rate` Hz as an 80-bit IEEE 754 extended float (as AIFF's COMM requires):
/// 1 sign bit, 15-bit exponent biased by 16383, 64-bit mantissa with explicit integer bit.
pub(crate) fn extended_from_rate(rate: u32) -> [u8; 10] {
    let mut out = [0u8; 10];
    if rate == 0 {
        return out;
    }
    let e = 31 - rate.leading_zeros();
    let exponent = (16_383 + e) as u16;
    let mantissa = u64::from(rate) << (63 - e);
    out[..2].copy_from_slice(&exponent.to_be_bytes());
    out[2..].copy_from_slice(&mantissa.to_be_bytes());
    out
}

/// Streaming AIFF encoder over any seekable writer.
pub(crate) struct AiffWriter<W: Write + Seek> {
    out: W,
    bytes_per_sample: usize,
    channels: usize,
    frames: u64,
    scratch: Vec<u8>,
}

impl<W: Write + Seek> AiffWriter<W> {
    /// Writes the header with placeholder sizes. `bits` is 16 or 24.
    pub(crate) fn new(
        mut out: W,
        sample_rate: u32,
        channels: u16,
        bits: u16,
    ) -> std::io::Result<Self> {
        let mut h = Vec::with_capacity(54);
        h.extend_from_slice(b"FORM");
        h.extend_from_slice(&0u32.to_be_bytes()); // patched in finish
        h.extend_from_slice(b"AIFF");
        h.extend_from_slice(b"COMM");
        h.extend_from_slice(&18u32.to_be_bytes());
        h.extend_from_slice(&channels.to_be_bytes());
        h.extend_from_slice(&0u32.to_be_bytes()); // numSampleFrames, patched
        h.extend_from_slice(&bits.to_be_bytes());
        h.extend_from_slice(&extended_from_rate(sample_rate));
        h.extend_from_slice(b"SSND");
        h.extend_from_slice(&0u32.to_be_bytes()); // patched
        h.extend_from_slice(&0u32.to_be_bytes()); // offset
        h.extend_from_slice(&0u32.to_be_bytes()); // block size
        out.write_all(&h)?;
        Ok(Self {
            out,
            bytes_per_sample: usize::from(bits / 8),
            channels: usize::from(channels),
            frames: 0,
            scratch: Vec::new(),
        })
    }

    /// Appends frames given as already-quantised integers, one slice per channel.
    pub(crate) fn write_ints(&mut self, block: &[&[i32]]) -> std::io::Result<()> {
        let frames = block.first().map_or(0, |c| c.len());
        self.scratch.clear();
        self.scratch
            .reserve(frames * self.channels * self.bytes_per_sample);
        for i in 0..frames {
            for ch in block {
                let be = ch[i].to_be_bytes();
                self.scratch
                    .extend_from_slice(&be[4 - self.bytes_per_sample..]);
            }
        }
        self.out.write_all(&self.scratch)?;
        self.frames += frames as u64;
        Ok(())
    }

    /// Pads SSND to an even length, patches the sizes, and returns the writer.
    pub(crate) fn finish(mut self) -> std::io::Result<W> {
        let data_len = self.frames * (self.channels * self.bytes_per_sample) as u64;
        let too_big = || std::io::Error::other("AIFF data exceeds 4 GiB");
        if data_len % 2 == 1 {
            self.out.write_all(&[0])?;
        }
        let ssnd_size = u32::try_from(data_len + 8).map_err(|_| too_big())?;
        let form_size = u32::try_from(4 + 26 + 8 + u64::from(ssnd_size) + (data_len % 2))
            .map_err(|_| too_big())?;
        let frames = u32::try_from(self.frames).map_err(|_| too_big())?;
        self.out.seek(SeekFrom::Start(4))?;
        self.out.write_all(&form_size.to_be_bytes())?;
        self.out.seek(SeekFrom::Start(FRAMES_OFFSET))?;
        self.out.write_all(&frames.to_be_bytes())?;
        self.out.seek(SeekFrom::Start(SSND_SIZE_OFFSET))?;
        self.out.write_all(&ssnd_size.to_be_bytes())?;
        self.out.seek(SeekFrom::End(0))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_rates_match_known_encodings() {
        // 44100 Hz = 0x400E AC44 0000 0000 0000 (the value every AIFF writer emits).
        assert_eq!(
            extended_from_rate(44_100),
            [0x40, 0x0E, 0xAC, 0x44, 0, 0, 0, 0, 0, 0]
        );
        // 48000 Hz = 0x400E BB80 0000 0000 0000.
        assert_eq!(
            extended_from_rate(48_000),
            [0x40, 0x0E, 0xBB, 0x80, 0, 0, 0, 0, 0, 0]
        );
        // 1 Hz = exponent 16383, mantissa with only the integer bit.
        assert_eq!(
            extended_from_rate(1),
            [0x3F, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0]
        );
    }
}
