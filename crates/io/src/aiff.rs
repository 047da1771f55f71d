//! AIFF writer (FORM/COMM/SSND, big-endian 16/24-bit PCM).
//!
//! Written by hand because no well-kept Rust crate writes AIFF; the format is small:
//! a `FORM` container of type `AIFF` holding `COMM` (channels, frames, bits, and the
//! sample rate as an 80-bit IEEE 754 extended float) and `SSND` (offset, block size,
//! interleaved big-endian samples, a pad byte if their count is odd). Samples are
//! converted a block at a time by the WAV writer's [`PcmBlockEncoder`] in big-endian
//! order, so both containers round and clip identically. Sizes are patched in on
//! `finish`, so the writer streams with constant memory. 32-bit float samples need
//! AIFF-C (`fl32`), which this writer does not produce.

use std::io::{self, Seek, SeekFrom, Write};

use crate::format::SampleFormat;
use crate::wav_block::{ByteOrder, PcmBlockEncoder};

/// Byte offset of the COMM `numSampleFrames` field: FORM(12) + COMM id/size(8) + channels(2).
const FRAMES_OFFSET: u64 = 22;
/// Byte offset of the SSND chunk size: FORM(12) + COMM(8 + 18) + "SSND"(4).
const SSND_SIZE_OFFSET: u64 = 42;
/// Bytes the FORM size counts besides the samples and their pad byte: the form
/// type (4), COMM (8 + 18), the SSND header (8) and its offset and block size (8).
const FORM_OVERHEAD: u32 = 46;
/// The most sample bytes whose FORM size, pad byte included, fits 32 bits
/// (the SSND size and the frame count, both smaller, then fit too). Even, so an
/// odd count at most one below it still has room for its pad byte.
const MAX_DATA_BYTES: u32 = u32::MAX - FORM_OVERHEAD - 1;

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
    pcm: PcmBlockEncoder,
    /// Sample bytes written so far, at most [`MAX_DATA_BYTES`].
    data_bytes: u32,
}

impl<W: Write + Seek> AiffWriter<W> {
    /// Writes the header with placeholder sizes. `format` is 16- or 24-bit integer.
    pub(crate) fn new(
        mut out: W,
        sample_rate: u32,
        channels: u16,
        format: SampleFormat,
    ) -> io::Result<Self> {
        if format == SampleFormat::Float32 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "AIFF has no float samples (that is AIFF-C)",
            ));
        }
        let mut h = Vec::with_capacity(54);
        h.extend_from_slice(b"FORM");
        h.extend_from_slice(&0u32.to_be_bytes()); // patched in finish
        h.extend_from_slice(b"AIFF");
        h.extend_from_slice(b"COMM");
        h.extend_from_slice(&18u32.to_be_bytes());
        h.extend_from_slice(&channels.to_be_bytes());
        h.extend_from_slice(&0u32.to_be_bytes()); // numSampleFrames, patched
        h.extend_from_slice(&format.bits().to_be_bytes());
        h.extend_from_slice(&extended_from_rate(sample_rate));
        h.extend_from_slice(b"SSND");
        h.extend_from_slice(&0u32.to_be_bytes()); // patched
        h.extend_from_slice(&0u32.to_be_bytes()); // offset
        h.extend_from_slice(&0u32.to_be_bytes()); // block size
        out.write_all(&h)?;
        Ok(Self {
            out,
            pcm: PcmBlockEncoder::new(format, ByteOrder::Big, usize::from(channels)),
            data_bytes: 0,
        })
    }

    /// Appends one block: one slice per channel, all the same length (checked by
    /// the caller), full scale ±1.0. A block that would take the samples past
    /// what AIFF's 32-bit sizes can describe is refused before any of it is written.
    pub(crate) fn write_block(&mut self, block: &[&[f32]]) -> io::Result<()> {
        let frames = block.first().map_or(0, |c| c.len());
        let total = u32::try_from(frames * self.pcm.frame_bytes())
            .ok()
            .and_then(|n| self.data_bytes.checked_add(n))
            .filter(|&n| n <= MAX_DATA_BYTES)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "audio exceeds the AIFF format's 4 GiB",
                )
            })?;
        self.out.write_all(self.pcm.encode(block))?;
        self.data_bytes = total;
        Ok(())
    }

    /// Pads SSND to an even length, patches the sizes, and returns the writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        // None of these overflow: `data_bytes` ≤ `MAX_DATA_BYTES`.
        let pad = self.data_bytes % 2;
        if pad == 1 {
            self.out.write_all(&[0])?;
        }
        let ssnd_size = self.data_bytes + 8;
        let form_size = FORM_OVERHEAD + self.data_bytes + pad;
        let frames = self
            .data_bytes
            .checked_div(self.pcm.frame_bytes() as u32)
            .unwrap_or(0);
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

    /// Sets the count of sample bytes already written, so tests can reach the
    /// size limit without writing 4 GiB.
    #[cfg(test)]
    pub(crate) fn assume_written(&mut self, bytes: u32) {
        self.data_bytes = bytes;
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn writer(channels: u16, format: SampleFormat) -> AiffWriter<Cursor<Vec<u8>>> {
        AiffWriter::new(Cursor::new(Vec::new()), 44_100, channels, format).unwrap()
    }

    fn be32(file: &[u8], at: usize) -> u32 {
        u32::from_be_bytes(file[at..at + 4].try_into().unwrap())
    }

    /// The samples may grow to exactly the size whose FORM size (46 + samples
    /// + pad) is `u32::MAX − 1`; one frame more is refused before it is written.
    #[test]
    fn even_data_stops_at_the_largest_form_size() {
        let mut w = writer(2, SampleFormat::Int16);
        w.assume_written(MAX_DATA_BYTES - 8);
        let x = [0.5f32; 2];
        w.write_block(&[&x, &x]).unwrap();
        let err = w.write_block(&[&x[..1], &x[..1]]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("4 GiB"), "{err}");
        let file = w.finish().unwrap().into_inner();
        assert_eq!(file.len(), 54 + 8, "the refused frame was not written");
        assert_eq!(be32(&file, 4), u32::MAX - 1);
        assert_eq!(be32(&file, SSND_SIZE_OFFSET as usize), MAX_DATA_BYTES + 8);
        assert_eq!(be32(&file, FRAMES_OFFSET as usize), MAX_DATA_BYTES / 4);
    }

    /// An odd count needs its pad byte inside the FORM size too: one below the
    /// limit fits (FORM = `u32::MAX − 1`), one above it does not.
    #[test]
    fn odd_data_keeps_room_for_its_pad_byte() {
        let x = [0.25f32];
        let mut w = writer(1, SampleFormat::Int24);
        w.assume_written(MAX_DATA_BYTES - 4);
        w.write_block(&[&x]).unwrap();
        let file = w.finish().unwrap().into_inner();
        assert_eq!(&file[54..], &[0x20, 0, 0, 0], "sample and pad byte");
        assert_eq!(be32(&file, 4), u32::MAX - 1);
        assert_eq!(be32(&file, SSND_SIZE_OFFSET as usize), MAX_DATA_BYTES + 7);

        let mut w = writer(1, SampleFormat::Int24);
        w.assume_written(MAX_DATA_BYTES - 2);
        assert!(w.write_block(&[&x]).is_err());
    }

    #[test]
    fn float_samples_are_refused() {
        let made = AiffWriter::new(Cursor::new(Vec::new()), 44_100, 2, SampleFormat::Float32);
        assert!(made.is_err());
    }

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
