//! ID3v2.4 tags (the `id3` crate): built for WAV `id3 ` / AIFF `ID3 ` chunks and the
//! head of MP3 files, and parsed back.

use std::path::Path;

use id3::frame::{Comment, ExtendedText, Picture, PictureType};
use id3::{Tag as Id3Tag, TagLike, Version};

use super::{Artwork, Tags, tag_error};
use crate::error::Result;

/// `TXXX` description holding the UPC/EAN (the name MusicBrainz Picard and foobar2000 use).
const BARCODE: &str = "BARCODE";

/// Builds the ID3v2.4 tag for `tags`.
fn build(tags: &Tags) -> Id3Tag {
    let mut t = Id3Tag::with_version(Version::Id3v24);
    let texts = [
        ("TIT2", &tags.title),
        ("TPE1", &tags.artist),
        ("TALB", &tags.album),
        ("TPE2", &tags.album_artist),
        ("TDRC", &tags.year),
        ("TCON", &tags.genre),
        ("TSRC", &tags.isrc),
        ("TCOP", &tags.copyright),
    ];
    for (id, value) in texts {
        if let Some(v) = value {
            t.set_text(id, v.clone());
        }
    }
    if let Some(n) = tags.track_number {
        t.set_track(n);
    }
    if let Some(n) = tags.track_total {
        t.set_total_tracks(n);
    }
    if let Some(upc) = &tags.upc {
        t.add_frame(ExtendedText {
            description: BARCODE.into(),
            value: upc.clone(),
        });
    }
    if let Some(c) = &tags.comment {
        t.add_frame(Comment {
            lang: "eng".into(),
            description: String::new(),
            text: c.clone(),
        });
    }
    if let Some(art) = &tags.artwork {
        t.add_frame(Picture {
            mime_type: art.mime.clone(),
            picture_type: PictureType::CoverFront,
            description: String::new(),
            data: art.data.clone(),
        });
    }
    t
}

/// The serialised ID3v2.4 tag (header included) for `tags`.
pub(crate) fn encode(tags: &Tags) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    build(tags)
        .write_to(&mut out, Version::Id3v24)
        .map_err(|e| format!("cannot build ID3 tag: {e}"))?;
    Ok(out)
}

/// Maps a parsed ID3 tag onto [`Tags`].
pub(crate) fn to_tags(t: &Id3Tag) -> Tags {
    let text = |id: &str| {
        t.get(id)
            .and_then(|f| f.content().text())
            .map(str::to_owned)
    };
    let front = t
        .pictures()
        .find(|p| p.picture_type == PictureType::CoverFront)
        .or_else(|| t.pictures().next());
    Tags {
        title: text("TIT2"),
        artist: text("TPE1"),
        album: text("TALB"),
        album_artist: text("TPE2"),
        // ID3v2.3 files carry the year in TYER; v2.4 in TDRC.
        year: text("TDRC").or_else(|| text("TYER")),
        track_number: t.track(),
        track_total: t.total_tracks(),
        genre: text("TCON"),
        isrc: text("TSRC"),
        upc: t
            .extended_texts()
            .find(|x| x.description.eq_ignore_ascii_case(BARCODE))
            .map(|x| x.value.clone()),
        comment: t
            .comments()
            .find(|c| c.description.is_empty())
            .map(|c| c.text.clone()),
        copyright: text("TCOP"),
        artwork: front.map(|p| Artwork {
            mime: p.mime_type.clone(),
            data: p.data.clone(),
        }),
    }
}

/// Parses an ID3v2 tag from bytes (the payload of a WAV/AIFF chunk).
pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<Tags> {
    let tag = Id3Tag::read_from2(std::io::Cursor::new(bytes)).map_err(|e| tag_error(path, e))?;
    Ok(to_tags(&tag))
}

/// Reads the ID3v2 tag at the head of an MP3 file; no tag gives empty [`Tags`].
pub(super) fn read_mp3(path: &Path) -> Result<Tags> {
    let file = std::fs::File::open(path).map_err(|e| crate::error::Error::io(path, e))?;
    match Id3Tag::read_from2(std::io::BufReader::new(file)) {
        Ok(tag) => Ok(to_tags(&tag)),
        Err(e) if matches!(e.kind, id3::ErrorKind::NoTag) => Ok(Tags::default()),
        Err(e) => Err(tag_error(path, e)),
    }
}
