//! Metadata tags: what we write into delivered files and read back.
//!
//! One plain [`Tags`] value is mapped onto each container's native scheme:
//!
//! | field | WAV `LIST/INFO` | ID3v2.4 (WAV `id3 `, AIFF `ID3 `, MP3) | FLAC Vorbis comment |
//! |---|---|---|---|
//! | title | `INAM` | `TIT2` | `TITLE` |
//! | artist | `IART` | `TPE1` | `ARTIST` |
//! | album | `IPRD` | `TALB` | `ALBUM` |
//! | album_artist | – | `TPE2` | `ALBUMARTIST` |
//! | year | `ICRD` | `TDRC` | `DATE` |
//! | track_number / track_total | `ITRK` (number only) | `TRCK` (`n/total`) | `TRACKNUMBER`, `TRACKTOTAL` |
//! | genre | `IGNR` | `TCON` | `GENRE` |
//! | isrc | `ISRC` | `TSRC` | `ISRC` |
//! | upc | – | `TXXX:BARCODE` | `BARCODE` |
//! | comment | `ICMT` | `COMM` (eng) | `COMMENT` |
//! | copyright | `ICOP` | `TCOP` | `COPYRIGHT` |
//! | artwork | – | `APIC` front cover | `PICTURE` type 3 |
//!
//! WAV gets both an INFO list (read by Windows and most DAWs) and an ID3v2.4 chunk
//! (read by music players and taggers, and the only WAV scheme that carries
//! artwork). [`read_tags`] prefers the ID3 values and fills gaps from INFO.

mod flac;
mod id3v2;
mod riff;

use std::path::Path;

use crate::error::{Error, Result};

pub(crate) use flac::metadata_blocks as flac_metadata_blocks;
pub(crate) use flac::vorbis_comment;
pub(crate) use id3v2::encode as id3v2_bytes;
pub(crate) use riff::{aiff_trailer, append_chunks, wav_trailer};

/// Descriptive metadata for one delivered file. Every field is optional; `None`
/// fields are simply not written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    /// Track title.
    pub title: Option<String>,
    /// Track artist.
    pub artist: Option<String>,
    /// Album (release) title.
    pub album: Option<String>,
    /// Album artist, when it differs per track (compilations).
    pub album_artist: Option<String>,
    /// Release date as text: a year (`2024`) or an ISO 8601 date (`2024-05-17`).
    pub year: Option<String>,
    /// Track number on the release, from 1.
    pub track_number: Option<u32>,
    /// Number of tracks on the release.
    pub track_total: Option<u32>,
    /// Genre as free text.
    pub genre: Option<String>,
    /// International Standard Recording Code, 12 characters without hyphens
    /// (normalise with [`validate_isrc`]).
    pub isrc: Option<String>,
    /// Universal Product Code / EAN barcode of the release.
    pub upc: Option<String>,
    /// Free-text comment.
    pub comment: Option<String>,
    /// Copyright line, e.g. `℗ 2024 Label`.
    pub copyright: Option<String>,
    /// Front-cover image.
    pub artwork: Option<Artwork>,
}

/// An embedded image (front cover), JPEG or PNG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artwork {
    /// MIME type: `image/jpeg` or `image/png`.
    pub mime: String,
    /// The image file's bytes, unchanged.
    pub data: Vec<u8>,
}

/// PNG files start with this 8-byte signature (PNG spec §5.2).
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
/// JPEG files start with an SOI marker (FF D8) followed by another marker's FF.
const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];

/// The MIME type of an image judged by its first bytes (never by file name):
/// `image/png` or `image/jpeg`, `None` for anything else.
pub fn image_mime(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(PNG_MAGIC) {
        Some("image/png")
    } else if data.starts_with(JPEG_MAGIC) {
        Some("image/jpeg")
    } else {
        None
    }
}

impl Artwork {
    /// Reads an image file, accepting it only if its content is JPEG or PNG.
    pub fn from_file(path: &Path) -> Result<Artwork> {
        let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        if data.is_empty() {
            return Err(Error::Empty(path.into()));
        }
        let mime = image_mime(&data).ok_or_else(|| {
            Error::UnsupportedOutput(
                path.into(),
                "artwork is not a JPEG or PNG image (checked by content)".into(),
            )
        })?;
        Ok(Artwork {
            mime: mime.into(),
            data,
        })
    }
}

/// Validates and normalises an ISRC (ISO 3901): `CC-XXX-YY-NNNNN` with or without
/// hyphens or spaces, any case. Returns the 12-character uppercase form, or a
/// message saying what is wrong.
///
/// Layout: country code (2 letters), registrant (3 letters or digits), year of
/// reference (2 digits), designation (5 digits).
pub fn validate_isrc(isrc: &str) -> std::result::Result<String, String> {
    let code: String = isrc
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let err = |why: &str| {
        Err(format!(
            "invalid ISRC {isrc:?}: {why} (expected CC-XXX-YY-NNNNN)"
        ))
    };
    if code.chars().count() != 12 {
        return err("must be 12 characters without hyphens");
    }
    let b = code.as_bytes();
    if !b[..2].iter().all(u8::is_ascii_uppercase) {
        return err("country code must be 2 letters");
    }
    if !b[2..5].iter().all(u8::is_ascii_alphanumeric) {
        return err("registrant code must be 3 letters or digits");
    }
    if !b[5..].iter().all(u8::is_ascii_digit) {
        return err("year and designation must be 7 digits");
    }
    Ok(code)
}

/// The container kinds we read tags from, judged by the first bytes.
enum TagContainer {
    Wav,
    Aiff,
    Flac,
    Mp3,
}

fn container_of(head: &[u8]) -> Option<TagContainer> {
    let is_mp3_sync = head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0;
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        Some(TagContainer::Wav)
    } else if head.len() >= 12
        && &head[..4] == b"FORM"
        && (&head[8..12] == b"AIFF" || &head[8..12] == b"AIFC")
    {
        Some(TagContainer::Aiff)
    } else if head.starts_with(b"fLaC") {
        Some(TagContainer::Flac)
    } else if head.starts_with(b"ID3") || is_mp3_sync {
        Some(TagContainer::Mp3)
    } else {
        None
    }
}

/// Reads the tags of a WAV, AIFF, FLAC or MP3 file (as written by this crate or by
/// common taggers). A file without tags gives `Tags::default()`.
pub fn read_tags(path: &Path) -> Result<Tags> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut head = [0u8; 12];
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    if got == 0 {
        return Err(Error::Empty(path.into()));
    }
    drop(file);
    match container_of(&head[..got]) {
        Some(TagContainer::Wav) => riff::read_wav(path),
        Some(TagContainer::Aiff) => riff::read_aiff(path),
        Some(TagContainer::Flac) => flac::read(path),
        Some(TagContainer::Mp3) => id3v2::read_mp3(path),
        None => Err(Error::Unsupported(
            path.into(),
            "tags can be read from WAV, AIFF, FLAC and MP3 only".into(),
        )),
    }
}

/// Turns a tag-parsing failure into a one-line error naming the file.
fn tag_error(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::Decode(path.into(), format!("metadata: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isrc_forms() {
        assert_eq!(validate_isrc("US-S1Z-99-00001").unwrap(), "USS1Z9900001");
        assert_eq!(validate_isrc("gbaye0601498").unwrap(), "GBAYE0601498");
        assert_eq!(validate_isrc("GB AYE 06 01498").unwrap(), "GBAYE0601498");
        // Wrong lengths, digits in the country code, letters in the designation.
        assert!(validate_isrc("US-S1Z-99-0001").is_err());
        assert!(validate_isrc("US-S1Z-99-000012").is_err());
        assert!(validate_isrc("1S-S1Z-99-00001").is_err());
        assert!(validate_isrc("US-S1Z-99-0000A").is_err());
        assert!(validate_isrc("US-S_Z-99-00001").is_err());
        assert!(validate_isrc("").is_err());
        // Non-ASCII of the right char count must not slip through or panic.
        assert!(validate_isrc("ÜS-S1Z-99-00001").is_err());
        let msg = validate_isrc("XX").unwrap_err();
        assert!(msg.contains("12 characters"), "{msg}");
    }

    #[test]
    fn image_magic() {
        assert_eq!(
            image_mime(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some("image/png")
        );
        assert_eq!(
            image_mime(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some("image/jpeg")
        );
        assert_eq!(image_mime(b"GIF89a"), None);
        assert_eq!(image_mime(b"\x89PN"), None);
        assert_eq!(image_mime(b""), None);
    }
}
