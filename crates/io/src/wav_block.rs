//! Planar `f32` blocks to interleaved PCM bytes in one pass
//! ([`PcmBlockEncoder`], shared by the WAV, AIFF and FLAC writers), and a block
//! WAV writer on it writing exactly the bytes `hound` 3.5 writes.
//!
//! Why by hand: `hound` encodes one sample per call — a trait dispatch, a
//! range check and a 2-, 3- or 4-byte write into the `BufWriter` for every
//! sample — and its only block API (`get_i16_writer`) is 16-bit. Writing a
//! mix and its stems as 24-bit WAV that way took about 12 % of a mix render's
//! CPU (`perf`, session 4). Here a whole block is quantised channel by
//! channel, interleaved into one byte buffer in the file's byte order, and
//! written with one call. AIFF is the same PCM big-endian; FLAC's encoder
//! takes the little-endian bytes (`flacenc`'s `fill_le_bytes`).
//!
//! The WAV file layout is `hound`'s, byte for byte (tested against it):
//! `RIFF`/`WAVE`, a 16-byte `PCMWAVEFORMAT` `fmt ` chunk for up to two
//! channels of up to 16 bits, otherwise a 40-byte `WAVE_FORMAT_EXTENSIBLE`
//! one (container bits, valid bits, the first `channels` bits of the channel
//! mask, the PCM or IEEE-float sub-format GUID), then the `data` chunk, whose
//! size and the RIFF size are patched in by [`WavBlockWriter::finish`]. Like
//! `hound`, no pad byte follows an odd-sized `data` chunk (tag chunks
//! appended later add it themselves). Unlike `hound`, which wraps its `u32`
//! byte count silently in release builds, audio whose `data` or `RIFF` size
//! would not fit the header's 32 bits is refused with an error at the block
//! that would overflow it.

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

/// Byte order of the samples in a file: WAV's (and the bytes FLAC's encoder
/// reads) little-endian, AIFF's big-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ByteOrder {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

/// Converts planar `f32` blocks (full scale ±1.0) to interleaved PCM bytes,
/// reusing its buffers from block to block.
///
/// Integers are rounded half away from zero and clamped to the two's
/// complement range, as [`quantize`](crate::format::quantize) does (no
/// dither: that is a DSP stage run before writing); floats are written as-is.
pub(crate) struct PcmBlockEncoder {
    format: SampleFormat,
    order: ByteOrder,
    /// Reused interleaved bytes of one block.
    bytes: Vec<u8>,
    /// Reused integer samples of one block, per channel (integer formats).
    ints: Vec<Vec<i32>>,
}

impl PcmBlockEncoder {
    pub(crate) fn new(format: SampleFormat, order: ByteOrder, channels: usize) -> Self {
        Self {
            format,
            order,
            bytes: Vec::new(),
            ints: vec![Vec::new(); channels],
        }
    }

    /// Bytes of one frame (all channels) on disk.
    pub(crate) fn frame_bytes(&self) -> usize {
        self.ints.len() * usize::from(self.format.bits() / 8)
    }

    /// The interleaved bytes of `block`: one slice per channel, all of the
    /// same length (checked by the caller).
    pub(crate) fn encode(&mut self, block: &[&[f32]]) -> &[u8] {
        let frames = block.first().map_or(0, |c| c.len());
        self.bytes.clear();
        self.bytes.resize(frames * self.frame_bytes(), 0);
        let out = self.bytes.as_mut_slice();
        let scale = match self.format {
            SampleFormat::Float32 => {
                match self.order {
                    ByteOrder::Little => interleave(block, out, f32::to_le_bytes),
                    ByteOrder::Big => interleave(block, out, f32::to_be_bytes),
                }
                return &self.bytes;
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
        match (self.format, self.order) {
            (SampleFormat::Int24, ByteOrder::Little) => interleave(&ints, out, int24_le),
            (SampleFormat::Int24, ByteOrder::Big) => interleave(&ints, out, int24_be),
            (_, ByteOrder::Little) => interleave(&ints, out, |q| (q as i16).to_le_bytes()),
            (_, ByteOrder::Big) => interleave(&ints, out, |q| (q as i16).to_be_bytes()),
        }
        &self.bytes
    }
}

/// Streaming WAV writer over a seekable sink (a buffered temp file).
pub(crate) struct WavBlockWriter<W: Write + Seek> {
    out: W,
    pcm: PcmBlockEncoder,
    /// Byte offset of the `data` chunk's size field.
    data_len_offset: u32,
    /// Audio bytes written so far.
    data_bytes: u32,
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
            pcm: PcmBlockEncoder::new(format, ByteOrder::Little, usize::from(channels)),
            data_len_offset,
            data_bytes: 0,
        })
    }

    /// The most audio bytes whose `data` and `RIFF` sizes (audio plus the
    /// header after the RIFF size field) both fit in 32 bits.
    fn max_data_bytes(&self) -> u32 {
        u32::MAX - (self.data_len_offset - 4)
    }

    /// Appends one block: `channels` slices of equal length (checked by the
    /// caller), full scale ±1.0, encoded by [`PcmBlockEncoder`]. A block that
    /// would take the audio past [`max_data_bytes`](Self::max_data_bytes) is
    /// refused before anything of it is written.
    pub(crate) fn write_block(&mut self, block: &[&[f32]]) -> io::Result<()> {
        let frames = block.first().map_or(0, |c| c.len());
        let total = u32::try_from(frames * self.pcm.frame_bytes())
            .ok()
            .and_then(|n| self.data_bytes.checked_add(n))
            .filter(|&n| n <= self.max_data_bytes())
            .ok_or_else(|| invalid("audio exceeds the WAV format's 4 GiB"))?;
        self.out.write_all(self.pcm.encode(block))?;
        self.data_bytes = total;
        Ok(())
    }

    /// Patches the RIFF and `data` sizes, flushes, and returns the sink.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        // Cannot overflow: `write_block` keeps `data_bytes` ≤ `max_data_bytes`.
        let riff_size = self.data_bytes + (self.data_len_offset - 4);
        self.out.seek(SeekFrom::Start(4))?;
        self.out.write_all(&riff_size.to_le_bytes())?;
        self.out
            .seek(SeekFrom::Start(u64::from(self.data_len_offset)))?;
        self.out.write_all(&self.data_bytes.to_le_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Sets the count of audio bytes already written, so tests can reach the
    /// size limit without writing 4 GiB.
    #[cfg(test)]
    pub(crate) fn assume_written(&mut self, bytes: u32) {
        self.data_bytes = bytes;
    }
}

/// Interleaves the channels of `block` into `out`, `N` bytes per sample;
/// a channel pair by its own loop (the common case, which vectorises).
#[inline(always)]
fn interleave<T: Copy, const N: usize>(block: &[&[T]], out: &mut [u8], enc: fn(T) -> [u8; N]) {
    match block {
        [l, r] => encode_pair(l, r, out, enc),
        _ => encode(block, out, enc),
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
fn int24_le(q: i32) -> [u8; 3] {
    let [a, b, c, _] = q.to_le_bytes();
    [a, b, c]
}

/// The low three bytes, big-endian.
#[inline(always)]
fn int24_be(q: i32) -> [u8; 3] {
    let [_, a, b, c] = q.to_be_bytes();
    [a, b, c]
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

    /// Mono 16-bit (a 16-byte `fmt `, so the RIFF size is the data plus 36):
    /// the data may reach exactly `u32::MAX − 36`; a frame more is refused
    /// before it is written.
    #[test]
    fn data_stops_at_the_largest_riff_size() {
        let mut w =
            WavBlockWriter::new(Cursor::new(Vec::new()), 44_100, 1, SampleFormat::Int16).unwrap();
        w.assume_written(u32::MAX - 36 - 2);
        let x = [-1.0f32];
        w.write_block(&[&x]).unwrap();
        let err = w.write_block(&[&x]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let file = w.finish().unwrap().into_inner();
        assert_eq!(file.len(), 44 + 2, "the refused frame was not written");
        assert_eq!(&file[4..8], &u32::MAX.to_le_bytes());
        assert_eq!(&file[40..44], &(u32::MAX - 36).to_le_bytes());
        assert_eq!(&file[44..], &[0x00, 0x80]);
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
