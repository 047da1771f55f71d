//! A block WAV encoder writing exactly the bytes `hound` 3.5 writes.
//!
//! Why by hand: `hound` encodes one sample per call — a trait dispatch, a
//! range check and a 2-, 3- or 4-byte write into the `BufWriter` for every
//! sample — and its only block API (`get_i16_writer`) is 16-bit. Writing a
//! mix and its stems as 24-bit WAV that way took about 12 % of a mix render's
//! CPU (`perf`, session 4). Here a whole block is converted and interleaved
//! into one byte buffer and written with one call.
//!
//! The file layout is `hound`'s, byte for byte (tested against it):
//! `RIFF`/`WAVE`, a 16-byte `PCMWAVEFORMAT` `fmt ` chunk for up to two
//! channels of up to 16 bits, otherwise a 40-byte `WAVE_FORMAT_EXTENSIBLE`
//! one (container bits, valid bits, the first `channels` bits of the channel
//! mask, the PCM or IEEE-float sub-format GUID), then the `data` chunk, whose
//! size and the RIFF size are patched in by [`WavBlockWriter::finish`]. Like
//! `hound`, no pad byte follows an odd-sized `data` chunk (tag chunks
//! appended later add it themselves). Unlike `hound`, which wraps its `u32`
//! byte count silently in release builds, audio that would not fit the
//! format's 4 GiB is refused with an error.

use std::io::{self, Seek, SeekFrom, Write};

use crate::format::SampleFormat;

/// `KSDATAFORMAT_SUBTYPE_PCM`.
const SUBTYPE_PCM: [u8; 16] = [
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];
/// `KSDATAFORMAT_SUBTYPE_IEEE_FLOAT`.
const SUBTYPE_FLOAT: [u8; 16] = [
    0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];

/// Streaming WAV writer over a seekable sink (a buffered temp file).
pub(crate) struct WavBlockWriter<W: Write + Seek> {
    out: W,
    format: SampleFormat,
    channels: usize,
    /// Byte offset of the `data` chunk's size field.
    data_len_offset: u32,
    /// Audio bytes written so far.
    data_bytes: u32,
    /// Reused interleaved bytes of one block.
    bytes: Vec<u8>,
    /// Reused integer samples of one block, per channel (integer formats).
    ints: Vec<Vec<i32>>,
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.to_string())
}

impl<W: Write + Seek> WavBlockWriter<W> {
    /// Writes the header (sizes still zero) to `out`, which must be at offset 0.
    pub(crate) fn new(
        mut out: W,
        sample_rate: u32,
        channels: u16,
        format: SampleFormat,
    ) -> io::Result<Self> {
        let bits = format.bits();
        let bytes_per_sample = u32::from(bits / 8);
        let block_align = bytes_per_sample * u32::from(channels);
        let bytes_per_sec = sample_rate
            .checked_mul(block_align)
            .ok_or_else(|| invalid("sample rate × frame size exceeds the WAV header's 32 bits"))?;
        let float = format == SampleFormat::Float32;
        let extensible = channels > 2 || bits > 16;
        let mut h = Vec::with_capacity(68);
        h.extend_from_slice(b"RIFF");
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(b"WAVE");
        h.extend_from_slice(b"fmt ");
        h.extend_from_slice(&(if extensible { 40u32 } else { 16 }).to_le_bytes());
        let tag: u16 = match (extensible, float) {
            (true, _) => 0xfffe,
            (false, true) => 3,
            (false, false) => 1,
        };
        h.extend_from_slice(&tag.to_le_bytes());
        h.extend_from_slice(&channels.to_le_bytes());
        h.extend_from_slice(&sample_rate.to_le_bytes());
        h.extend_from_slice(&bytes_per_sec.to_le_bytes());
        // `hound` stores `bytes_per_sec / sample_rate`, i.e. the frame size
        // truncated to 16 bits.
        h.extend_from_slice(&(block_align as u16).to_le_bytes());
        h.extend_from_slice(&bits.to_le_bytes());
        if extensible {
            h.extend_from_slice(&22u16.to_le_bytes());
            h.extend_from_slice(&bits.to_le_bytes());
            let mask = (1u32 << channels.min(18)) - 1;
            h.extend_from_slice(&mask.to_le_bytes());
            h.extend_from_slice(if float { &SUBTYPE_FLOAT } else { &SUBTYPE_PCM });
        }
        h.extend_from_slice(b"data");
        let data_len_offset = h.len() as u32;
        h.extend_from_slice(&0u32.to_le_bytes());
        out.write_all(&h)?;
        Ok(Self {
            out,
            format,
            channels: usize::from(channels),
            data_len_offset,
            data_bytes: 0,
            bytes: Vec::new(),
            ints: vec![Vec::new(); usize::from(channels)],
        })
    }

    /// Appends one block: `channels` slices of equal length (checked by the
    /// caller), full scale ±1.0. Integers are rounded and clamped as
    /// [`quantize`](crate::format::quantize) does; floats are written as-is.
    pub(crate) fn write_block(&mut self, block: &[&[f32]]) -> io::Result<()> {
        let frames = block.first().map_or(0, |c| c.len());
        let width = usize::from(self.format.bits() / 8);
        let len = frames * self.channels * width;
        let total = u32::try_from(len)
            .ok()
            .and_then(|n| self.data_bytes.checked_add(n))
            .ok_or_else(|| invalid("audio exceeds the WAV format's 4 GiB"))?;
        self.bytes.clear();
        self.bytes.resize(len, 0);
        let scale = match self.format {
            SampleFormat::Float32 => {
                match block {
                    [l, r] => encode_pair::<f32, 4>(l, r, &mut self.bytes, f32::to_le_bytes),
                    _ => encode::<f32, 4>(block, &mut self.bytes, f32::to_le_bytes),
                }
                self.out.write_all(&self.bytes)?;
                self.data_bytes = total;
                return Ok(());
            }
            SampleFormat::Int16 => 32_768.0,
            SampleFormat::Int24 => 8_388_608.0,
        };
        // Quantise channel by channel (a loop the compiler vectorises), then
        // interleave the integers' low bytes.
        let ints = &mut self.ints[..block.len()];
        for (dst, src) in ints.iter_mut().zip(block) {
            dst.clear();
            dst.resize(frames, 0);
            for (d, &x) in dst.iter_mut().zip(src.iter()) {
                *d = quantize_exact(x, scale);
            }
        }
        let ints: Vec<&[i32]> = ints.iter().map(Vec::as_slice).collect();
        match (self.format, ints.as_slice()) {
            (SampleFormat::Int24, [l, r]) => encode_pair::<i32, 3>(l, r, &mut self.bytes, int24),
            (SampleFormat::Int24, _) => encode::<i32, 3>(&ints, &mut self.bytes, int24),
            (_, [l, r]) => encode_pair::<i32, 2>(l, r, &mut self.bytes, int16),
            _ => encode::<i32, 2>(&ints, &mut self.bytes, int16),
        }
        self.out.write_all(&self.bytes)?;
        self.data_bytes = total;
        Ok(())
    }

    /// Patches the RIFF and `data` sizes, flushes, and returns the sink.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        let riff_size = self
            .data_bytes
            .checked_add(self.data_len_offset - 4)
            .ok_or_else(|| invalid("audio exceeds the WAV format's 4 GiB"))?;
        self.out.seek(SeekFrom::Start(4))?;
        self.out.write_all(&riff_size.to_le_bytes())?;
        self.out
            .seek(SeekFrom::Start(u64::from(self.data_len_offset)))?;
        self.out.write_all(&self.data_bytes.to_le_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Interleaves a channel pair, `N` bytes per sample.
#[inline(always)]
fn encode_pair<T: Copy, const N: usize>(l: &[T], r: &[T], out: &mut [u8], enc: fn(T) -> [u8; N]) {
    for ((frame, &a), &b) in out.chunks_exact_mut(2 * N).zip(l).zip(r) {
        frame[..N].copy_from_slice(&enc(a));
        frame[N..].copy_from_slice(&enc(b));
    }
}

/// Interleaves any number of channels, `N` bytes per sample.
#[inline(always)]
fn encode<T: Copy, const N: usize>(block: &[&[T]], out: &mut [u8], enc: fn(T) -> [u8; N]) {
    for (i, frame) in out.chunks_exact_mut(block.len() * N).enumerate() {
        for (sample, ch) in frame.chunks_exact_mut(N).zip(block) {
            sample.copy_from_slice(&enc(ch[i]));
        }
    }
}

/// `x·scale` rounded half away from zero and clamped to `[-scale, scale − 1]`:
/// the same integer as [`quantize`](crate::format::quantize), computed in
/// `f32` without libm's `round` (x86-64's baseline has no rounding
/// instruction; the call was 2 % of a mix render), so the loop vectorises.
///
/// Exact for `scale` = 2¹⁵ or 2²³: scaling by a power of two is exact in
/// `f32` (an overflow to ±∞ clamps to the same bound as `quantize`'s `f64`
/// product); both bounds are integers `f32` holds exactly, so clamping
/// before rounding equals clamping after; truncation is exact, and so is
/// `v − trunc(v)` (the two are within a factor of two, or the truncation is
/// 0). NaN becomes 0, as in `quantize`.
#[inline(always)]
fn quantize_exact(x: f32, scale: f32) -> i32 {
    let v = x * scale;
    let v = if v.is_nan() {
        0.0
    } else {
        v.clamp(-scale, scale - 1.0)
    };
    // SAFETY: `v` is finite and within ±2²³, so it fits an `i32`.
    let t = unsafe { v.to_int_unchecked::<i32>() };
    let frac = v - t as f32;
    t + i32::from(frac >= 0.5) - i32::from(frac <= -0.5)
}

/// The low three bytes, little-endian.
#[inline(always)]
fn int24(q: i32) -> [u8; 3] {
    let [a, b, c, _] = q.to_le_bytes();
    [a, b, c]
}

/// The low two bytes, little-endian.
#[inline(always)]
fn int16(q: i32) -> [u8; 2] {
    (q as i16).to_le_bytes()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::format::quantize;

    /// Values that exercise rounding ties, the clamp, and non-finite input.
    fn tricky(bits: u16) -> Vec<f32> {
        let scale = (1i64 << (bits - 1)) as f32;
        let mut v = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            2.5,
            -2.5,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MIN_POSITIVE,
            (scale - 1.0) / scale,
            (scale - 0.5) / scale,
            (scale - 1.5) / scale,
            -(scale - 0.5) / scale,
        ];
        for k in -40..40 {
            // Exact ties k ± 0.5 (representable: 24-bit values need at most
            // 25 significant bits only near full scale, so small k are exact).
            v.push((k as f32 + 0.5) / scale);
            v.push((k as f32 - 0.5) / scale);
        }
        let mut seed = 0x2545_f491_u32;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            v.push((seed as f32 / u32::MAX as f32) * 2.4 - 1.2);
        }
        v
    }

    /// The `f32` rounding is `quantize`'s: on the tricky values (exact ties
    /// among them) and on steps of a tenth of an LSB over ±1.2 full scale at
    /// 16 bits and ±0.0047 full scale at 24 bits.
    #[test]
    fn rounding_is_quantize() {
        for bits in [16, 24] {
            let scale = (1i64 << (bits - 1)) as f32;
            let sweep = (-393_216..393_216).map(|k| k as f32 * (0.1 / scale));
            for x in tricky(bits).into_iter().chain(sweep) {
                assert_eq!(
                    quantize_exact(x, scale),
                    quantize(x, bits),
                    "{x} at {bits} bits"
                );
            }
        }
    }

    /// The same file, byte for byte, as `hound` writes with `quantize`d
    /// samples: every sample format, 1–3 channels (3 = extensible even at
    /// 16 bits), an odd frame count, written in uneven blocks.
    #[test]
    fn bytes_equal_hounds() {
        for format in [
            SampleFormat::Int16,
            SampleFormat::Int24,
            SampleFormat::Float32,
        ] {
            for channels in 1..=3u16 {
                let bits = format.bits();
                let data: Vec<Vec<f32>> = (0..channels)
                    .map(|c| {
                        let mut v = tricky(bits);
                        v.rotate_left(usize::from(c) * 7);
                        v.truncate(2001);
                        v
                    })
                    .collect();
                let spec = hound::WavSpec {
                    channels,
                    sample_rate: 44_100,
                    bits_per_sample: bits,
                    sample_format: if format == SampleFormat::Float32 {
                        hound::SampleFormat::Float
                    } else {
                        hound::SampleFormat::Int
                    },
                };
                let mut want = Cursor::new(Vec::new());
                let mut h = hound::WavWriter::new(&mut want, spec).unwrap();
                for i in 0..2001 {
                    for ch in &data {
                        if format == SampleFormat::Float32 {
                            h.write_sample(ch[i]).unwrap();
                        } else {
                            h.write_sample(quantize(ch[i], bits)).unwrap();
                        }
                    }
                }
                h.finalize().unwrap();

                let mut w =
                    WavBlockWriter::new(Cursor::new(Vec::new()), 44_100, channels, format).unwrap();
                for range in [0..0, 0..1, 1..1000, 1000..2001] {
                    let block: Vec<&[f32]> = data.iter().map(|c| &c[range.clone()]).collect();
                    w.write_block(&block).unwrap();
                }
                let got = w.finish().unwrap().into_inner();
                assert_eq!(got, want.into_inner(), "{format:?}, {channels} channel(s)");
            }
        }
    }
}
