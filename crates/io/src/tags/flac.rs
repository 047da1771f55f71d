//! FLAC metadata: a `VORBIS_COMMENT` block and a `PICTURE` block (type 3, front
//! cover), handed to the FLAC writer to place after STREAMINFO, and read back with
//! the `metaflac` crate.
//!
//! The Vorbis comment payload is serialised here rather than with
//! `metaflac::VorbisComment::to_bytes`, which iterates a `HashMap` and so writes the
//! fields in a different order on every run; our outputs must be bit-identical for
//! the same input. The layout (Vorbis I spec §5) is: vendor length (u32 LE), vendor,
//! field count (u32 LE), then each `KEY=value` as length (u32 LE) + UTF-8 bytes.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use metaflac::block::{Picture, PictureType};

use super::{Artwork, Tags, tag_error};
use crate::error::Result;

/// FLAC metadata block type of VORBIS_COMMENT.
const VORBIS_COMMENT: u8 = 4;
/// FLAC metadata block type of PICTURE.
const PICTURE: u8 = 6;
/// A metadata block's length field is 24 bits.
const MAX_BLOCK: usize = (1 << 24) - 1;
/// Vendor string in the Vorbis comment.
const VENDOR: &str = concat!("mixmaster ", env!("CARGO_PKG_VERSION"));

/// The Vorbis comment fields for `tags`, in a fixed order.
fn fields(tags: &Tags) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    let mut put = |k: &'static str, value: &Option<String>| {
        if let Some(s) = value {
            v.push((k, s.clone()));
        }
    };
    put("TITLE", &tags.title);
    put("ARTIST", &tags.artist);
    put("ALBUM", &tags.album);
    put("ALBUMARTIST", &tags.album_artist);
    put("DATE", &tags.year);
    put("GENRE", &tags.genre);
    put("ISRC", &tags.isrc);
    put("BARCODE", &tags.upc);
    put("COMMENT", &tags.comment);
    put("COPYRIGHT", &tags.copyright);
    if let Some(n) = tags.track_number {
        v.push(("TRACKNUMBER", n.to_string()));
    }
    if let Some(n) = tags.track_total {
        v.push(("TRACKTOTAL", n.to_string()));
    }
    v
}

fn push_str(out: &mut Vec<u8>, s: &str) -> std::result::Result<(), String> {
    let n = u32::try_from(s.len()).map_err(|_| "Vorbis comment field exceeds 4 GiB".to_string())?;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

/// The Vorbis comment payload for `tags` (also the body of an Opus `OpusTags` packet).
pub(crate) fn vorbis_comment(tags: &Tags) -> std::result::Result<Vec<u8>, String> {
    let fields = fields(tags);
    let mut out = Vec::new();
    push_str(&mut out, VENDOR)?;
    out.extend_from_slice(&(fields.len() as u32).to_le_bytes());
    for (k, v) in fields {
        push_str(&mut out, &format!("{k}={v}"))?;
    }
    Ok(out)
}

/// The metadata blocks (type, payload without header) to write after STREAMINFO:
/// always a Vorbis comment (it also names the encoder), plus the front cover if any.
/// Width, height and depth are written as 0 ("unknown"): players read them from the
/// image itself.
pub(crate) fn metadata_blocks(tags: &Tags) -> std::result::Result<Vec<(u8, Vec<u8>)>, String> {
    let mut blocks = vec![(VORBIS_COMMENT, vorbis_comment(tags)?)];
    if let Some(art) = &tags.artwork {
        let mut p = Picture::new();
        p.picture_type = PictureType::CoverFront;
        p.mime_type = art.mime.clone();
        p.data = art.data.clone();
        blocks.push((PICTURE, p.to_bytes()));
    }
    for (kind, data) in &blocks {
        if data.len() > MAX_BLOCK {
            let what = if *kind == PICTURE { "artwork" } else { "tags" };
            return Err(format!(
                "{what} too large for a FLAC metadata block ({} bytes, limit 16 MiB)",
                data.len()
            ));
        }
    }
    Ok(blocks)
}

/// Reads FLAC tags. `metaflac` indexes slices without bounds checks on malformed
/// blocks, so a panic there is caught and reported as an error for this file.
pub(super) fn read(path: &Path) -> Result<Tags> {
    let tag = catch_unwind(AssertUnwindSafe(|| metaflac::Tag::read_from_path(path)))
        .map_err(|_| tag_error(path, "malformed FLAC metadata block"))?
        .map_err(|e| tag_error(path, e))?;
    let first = |k: &str| {
        tag.get_vorbis(k)
            .and_then(|mut values| values.next())
            .map(str::to_owned)
    };
    let number = |k: &str| first(k).and_then(|s| s.trim().parse().ok());
    let pictures: Vec<&Picture> = tag.pictures().collect();
    let front = pictures
        .iter()
        .find(|p| p.picture_type == PictureType::CoverFront)
        .or_else(|| pictures.first());
    Ok(Tags {
        title: first("TITLE"),
        artist: first("ARTIST"),
        album: first("ALBUM"),
        album_artist: first("ALBUMARTIST"),
        year: first("DATE"),
        // Some taggers write "3/12" into TRACKNUMBER.
        track_number: first("TRACKNUMBER").and_then(|s| s.split('/').next()?.trim().parse().ok()),
        track_total: number("TRACKTOTAL").or_else(|| number("TOTALTRACKS")),
        genre: first("GENRE"),
        isrc: first("ISRC"),
        upc: first("BARCODE").or_else(|| first("UPC")),
        comment: first("COMMENT").or_else(|| first("DESCRIPTION")),
        copyright: first("COPYRIGHT"),
        artwork: front.map(|p| Artwork {
            mime: p.mime_type.clone(),
            data: p.data.clone(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vorbis_comment_layout_is_fixed() {
        let tags = Tags {
            title: Some("T".into()),
            track_number: Some(2),
            ..Tags::default()
        };
        let b = vorbis_comment(&tags).unwrap();
        let mut want = (VENDOR.len() as u32).to_le_bytes().to_vec();
        want.extend_from_slice(VENDOR.as_bytes());
        want.extend_from_slice(&2u32.to_le_bytes());
        want.extend_from_slice(&7u32.to_le_bytes());
        want.extend_from_slice(b"TITLE=T");
        want.extend_from_slice(&13u32.to_le_bytes());
        want.extend_from_slice(b"TRACKNUMBER=2");
        assert_eq!(b, want);
        // metaflac parses what we wrote.
        let parsed = metaflac::block::VorbisComment::from_bytes(&b).unwrap();
        assert_eq!(parsed.title().unwrap(), &vec!["T".to_string()]);
        assert_eq!(parsed.track(), Some(2));
    }

    #[test]
    fn oversized_artwork_refused() {
        let tags = Tags {
            artwork: Some(Artwork {
                mime: "image/png".into(),
                data: vec![0; MAX_BLOCK],
            }),
            ..Tags::default()
        };
        let e = metadata_blocks(&tags).unwrap_err();
        assert!(e.contains("artwork too large"), "{e}");
    }
}
