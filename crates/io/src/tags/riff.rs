//! Tag chunks for RIFF WAVE and AIFF: built as a "trailer" of chunks appended after
//! the audio when the writer finishes, and found again by walking the chunk list.
//!
//! Written by hand because the `id3` crate's chunk writer rewrites files in place
//! (we append to our own temp file before the rename), and no crate writes the
//! RIFF `LIST/INFO` list; both layouts are a few lines: 4-byte id, 4-byte size
//! (little-endian in RIFF, big-endian in AIFF), payload, pad byte to even length.
//!
//! Chunks after `data`/`SSND` are legal in both formats and are where taggers such
//! as ffmpeg and Mp3tag put them too; decoders stop at the end of the audio chunk.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::{Tags, id3v2};
use crate::error::{Error, Result};

/// Byte order of chunk sizes.
#[derive(Clone, Copy)]
enum Order {
    /// RIFF (WAV).
    Little,
    /// IFF (AIFF).
    Big,
}

impl Order {
    fn size_bytes(self, n: u32) -> [u8; 4] {
        match self {
            Order::Little => n.to_le_bytes(),
            Order::Big => n.to_be_bytes(),
        }
    }
    fn size_from(self, b: [u8; 4]) -> u32 {
        match self {
            Order::Little => u32::from_le_bytes(b),
            Order::Big => u32::from_be_bytes(b),
        }
    }
}

/// Appends one chunk (header, payload, pad byte) to `out`.
fn push_chunk(
    out: &mut Vec<u8>,
    id: &[u8; 4],
    payload: &[u8],
    order: Order,
) -> std::result::Result<(), String> {
    let size = u32::try_from(payload.len()).map_err(|_| "tag chunk exceeds 4 GiB".to_string())?;
    out.extend_from_slice(id);
    out.extend_from_slice(&order.size_bytes(size));
    out.extend_from_slice(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
    Ok(())
}

/// The RIFF INFO sub-chunk ids for each text field. `ISRC` is the id the brief and
/// several broadcast tools use for the recording code (the 1991 RIFF spec named it
/// "source"); `ITRK` is the de-facto track number id.
fn info_fields(tags: &Tags) -> Vec<(&'static [u8; 4], String)> {
    let mut v = Vec::new();
    let mut put = |id: &'static [u8; 4], value: &Option<String>| {
        if let Some(s) = value {
            v.push((id, s.clone()));
        }
    };
    put(b"INAM", &tags.title);
    put(b"IART", &tags.artist);
    put(b"IPRD", &tags.album);
    put(b"ICRD", &tags.year);
    put(b"IGNR", &tags.genre);
    put(b"ICMT", &tags.comment);
    put(b"ICOP", &tags.copyright);
    put(b"ISRC", &tags.isrc);
    if let Some(n) = tags.track_number {
        v.push((b"ITRK", n.to_string()));
    }
    v
}

/// The `LIST` chunk of type `INFO`, or `None` if no INFO field is set. Strings are
/// stored NUL-terminated in UTF-8 (the spec says ASCII; UTF-8 is what current
/// tools write and read).
fn info_list(tags: &Tags) -> std::result::Result<Option<Vec<u8>>, String> {
    let fields = info_fields(tags);
    if fields.is_empty() {
        return Ok(None);
    }
    let mut payload = b"INFO".to_vec();
    for (id, text) in fields {
        let mut z = text.into_bytes();
        z.push(0);
        push_chunk(&mut payload, id, &z, Order::Little)?;
    }
    let mut out = Vec::new();
    push_chunk(&mut out, b"LIST", &payload, Order::Little)?;
    Ok(Some(out))
}

/// Chunks to append to a WAV file: `LIST/INFO` then `id3 ` (ID3v2.4).
pub(crate) fn wav_trailer(tags: &Tags) -> std::result::Result<Vec<u8>, String> {
    let mut out = info_list(tags)?.unwrap_or_default();
    push_chunk(&mut out, b"id3 ", &id3v2::encode(tags)?, Order::Little)?;
    Ok(out)
}

/// Chunks to append to an AIFF file: `ID3 ` (ID3v2.4).
pub(crate) fn aiff_trailer(tags: &Tags) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    push_chunk(&mut out, b"ID3 ", &id3v2::encode(tags)?, Order::Big)?;
    Ok(out)
}

/// Appends `chunks` to a finished RIFF (`big_endian == false`) or AIFF file and
/// patches the root chunk size at offset 4. A pad byte is added first if the audio
/// chunk ended on an odd length (hound does not pad `data`).
pub(crate) fn append_chunks(
    file: &mut File,
    chunks: &[u8],
    big_endian: bool,
) -> std::io::Result<()> {
    let order = if big_endian {
        Order::Big
    } else {
        Order::Little
    };
    let mut end = file.seek(SeekFrom::End(0))?;
    if end % 2 == 1 {
        file.write_all(&[0])?;
        end += 1;
    }
    file.write_all(chunks)?;
    let root = u32::try_from(end + chunks.len() as u64 - 8)
        .map_err(|_| std::io::Error::other("file with tags exceeds 4 GiB"))?;
    file.seek(SeekFrom::Start(4))?;
    file.write_all(&order.size_bytes(root))?;
    file.seek(SeekFrom::End(0))?;
    Ok(())
}

/// Largest tag chunk we load into memory (artwork included): 64 MiB.
const MAX_TAG_CHUNK: u32 = 64 << 20;

/// Walks the top-level chunks after the 12-byte root header, calling `visit` with
/// the id and payload of every chunk whose id `want` accepts; others are skipped
/// without reading. Stops quietly at a truncated chunk (damaged files still give
/// what tags they have).
fn walk(
    path: &Path,
    order: Order,
    want: impl Fn(&[u8; 4]) -> bool,
    mut visit: impl FnMut(&[u8; 4], Vec<u8>) -> Result<()>,
) -> Result<()> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut r = BufReader::new(file);
    let mut pos = 12u64;
    r.seek(SeekFrom::Start(pos))
        .map_err(|e| Error::io(path, e))?;
    let mut header = [0u8; 8];
    while pos + 8 <= len {
        if r.read_exact(&mut header).is_err() {
            break;
        }
        let id: [u8; 4] = [header[0], header[1], header[2], header[3]];
        let size = order.size_from([header[4], header[5], header[6], header[7]]);
        let body = pos + 8;
        if want(&id) && size <= MAX_TAG_CHUNK && body + u64::from(size) <= len {
            let mut payload = vec![0u8; size as usize];
            r.read_exact(&mut payload).map_err(|e| Error::io(path, e))?;
            visit(&id, payload)?;
        }
        pos = body + u64::from(size) + u64::from(size % 2);
        r.seek(SeekFrom::Start(pos))
            .map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

/// Parses the sub-chunks of a `LIST/INFO` payload (after the `INFO` type) into `tags`,
/// filling only fields still unset.
fn merge_info(payload: &[u8], tags: &mut Tags) {
    let mut i = 4;
    while i + 8 <= payload.len() {
        let id = &payload[i..i + 4];
        let size = u32::from_le_bytes([
            payload[i + 4],
            payload[i + 5],
            payload[i + 6],
            payload[i + 7],
        ]) as usize;
        let start = i + 8;
        let Some(raw) = payload.get(start..start.saturating_add(size)) else {
            break;
        };
        let text = String::from_utf8_lossy(raw)
            .trim_end_matches('\0')
            .to_string();
        let slot = match id {
            b"INAM" => &mut tags.title,
            b"IART" => &mut tags.artist,
            b"IPRD" => &mut tags.album,
            b"ICRD" => &mut tags.year,
            b"IGNR" => &mut tags.genre,
            b"ICMT" => &mut tags.comment,
            b"ICOP" => &mut tags.copyright,
            b"ISRC" => &mut tags.isrc,
            b"ITRK" => {
                if tags.track_number.is_none() {
                    tags.track_number = text.trim().parse().ok();
                }
                i = start + size + size % 2;
                continue;
            }
            _ => {
                i = start + size + size % 2;
                continue;
            }
        };
        if slot.is_none() && !text.is_empty() {
            *slot = Some(text);
        }
        i = start + size + size % 2;
    }
}

/// Reads WAV tags: the ID3 chunk (`id3 ` or `ID3 `) first, gaps filled from `LIST/INFO`.
pub(super) fn read_wav(path: &Path) -> Result<Tags> {
    let mut id3 = None;
    let mut infos = Vec::new();
    walk(
        path,
        Order::Little,
        |id| id.eq_ignore_ascii_case(b"id3 ") || id == b"LIST",
        |id, payload| {
            if id == b"LIST" {
                if payload.starts_with(b"INFO") {
                    infos.push(payload);
                }
            } else if id3.is_none() {
                id3 = Some(id3v2::parse(path, &payload)?);
            }
            Ok(())
        },
    )?;
    let mut tags = id3.unwrap_or_default();
    for info in &infos {
        merge_info(info, &mut tags);
    }
    Ok(tags)
}

/// Reads AIFF tags from the `ID3 ` chunk.
pub(super) fn read_aiff(path: &Path) -> Result<Tags> {
    let mut tags = None;
    walk(
        path,
        Order::Big,
        |id| id.eq_ignore_ascii_case(b"ID3 "),
        |_, payload| {
            if tags.is_none() {
                tags = Some(id3v2::parse(path, &payload)?);
            }
            Ok(())
        },
    )?;
    Ok(tags.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_list_layout() {
        let tags = Tags {
            title: Some("Abc".into()),
            track_number: Some(7),
            ..Tags::default()
        };
        let list = info_list(&tags).unwrap().unwrap();
        // LIST <size> INFO | INAM 4 "Abc\0" | ITRK 2 "7\0"
        let mut want = b"LIST".to_vec();
        want.extend_from_slice(&(4u32 + 12 + 10).to_le_bytes());
        want.extend_from_slice(b"INFOINAM\x04\0\0\0Abc\0ITRK\x02\0\0\x007\0");
        assert_eq!(list, want);
        let mut back = Tags::default();
        merge_info(&list[8..], &mut back);
        assert_eq!(back, tags);
        assert!(info_list(&Tags::default()).unwrap().is_none());
    }

    #[test]
    fn odd_payload_is_padded() {
        let mut out = Vec::new();
        push_chunk(&mut out, b"ID3 ", b"abc", Order::Big).unwrap();
        assert_eq!(out, b"ID3 \0\0\0\x03abc\0");
    }
}
