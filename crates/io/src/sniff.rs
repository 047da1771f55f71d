//! A minimal WAV/AIFF header reader used only to explain a rejection.
//!
//! When symphonia refuses a file it says why in a generic string (e.g. "riff:
//! invalid channel count"). To give the user the precise one-line reason
//! ("0 channels", "sample rate 0") without matching on another crate's message
//! text, we re-read the first few kilobytes ourselves and pull the channel count
//! and sample rate out of the `fmt ` (WAV) or `COMM` (AIFF) chunk.

use std::io::Read;
use std::path::Path;

/// How far into the file we look for the format chunk.
const SNIFF_BYTES: u64 = 64 * 1024;

/// Channel count and sample rate declared by a WAV or AIFF header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Declared {
    pub channels: u16,
    pub sample_rate: f64,
}

/// Decodes an 80-bit IEEE 754 extended float (AIFF's sample-rate field).
fn extended_to_f64(b: &[u8]) -> f64 {
    let exp = i32::from(u16::from_be_bytes([b[0], b[1]]) & 0x7FFF);
    let mantissa = u64::from_be_bytes([b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9]]);
    if exp == 0 && mantissa == 0 {
        return 0.0;
    }
    let sign = if b[0] & 0x80 != 0 { -1.0 } else { 1.0 };
    sign * mantissa as f64 * 2f64.powi(exp - 16_383 - 63)
}

/// Walks the chunks of a RIFF (little-endian) or FORM (big-endian) file.
fn find_chunk<'a>(data: &'a [u8], id: &[u8; 4], big_endian: bool) -> Option<&'a [u8]> {
    let mut pos = 12;
    while pos + 8 <= data.len() {
        let size_bytes = [data[pos + 4], data[pos + 5], data[pos + 6], data[pos + 7]];
        let size = if big_endian {
            u32::from_be_bytes(size_bytes)
        } else {
            u32::from_le_bytes(size_bytes)
        } as usize;
        let body = pos + 8;
        if &data[pos..pos + 4] == id {
            return data.get(body..body.checked_add(size)?.min(data.len()));
        }
        pos = body.checked_add(size)?.checked_add(size % 2)?;
    }
    None
}

/// Reads the declared channel count and rate, or `None` if this is not a WAV/AIFF
/// file or its format chunk cannot be found.
pub(crate) fn declared_format(path: &Path) -> Option<Declared> {
    let mut data = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(SNIFF_BYTES)
        .read_to_end(&mut data)
        .ok()?;
    let magic = data.get(..4)?;
    let form = data.get(8..12)?;
    if (magic == b"RIFF" || magic == b"RF64") && form == b"WAVE" {
        let fmt = find_chunk(&data, b"fmt ", false)?;
        let channels = u16::from_le_bytes([*fmt.get(2)?, *fmt.get(3)?]);
        let rate = u32::from_le_bytes(fmt.get(4..8)?.try_into().ok()?);
        Some(Declared {
            channels,
            sample_rate: f64::from(rate),
        })
    } else if magic == b"FORM" && (form == b"AIFF" || form == b"AIFC") {
        let comm = find_chunk(&data, b"COMM", true)?;
        let channels = u16::from_be_bytes([*comm.first()?, *comm.get(1)?]);
        let rate = extended_to_f64(comm.get(8..18)?);
        Some(Declared {
            channels,
            sample_rate: rate,
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aiff::extended_from_rate;

    #[test]
    fn extended_round_trip() {
        for rate in [1u32, 8_000, 44_100, 48_000, 192_000, 705_600] {
            assert_eq!(extended_to_f64(&extended_from_rate(rate)), f64::from(rate));
        }
        assert_eq!(extended_to_f64(&[0; 10]), 0.0);
    }
}
