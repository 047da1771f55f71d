//! The album file (`album.toml`): the release's metadata and its tracks in
//! order, each with its gap or crossfade into the next and its overrides.
//!
//! ```toml
//! [album]
//! title = "Night Drive"
//! artist = "The Examples"
//! year = "2026"
//! upc = "036000291452"        # UPC-A or EAN-13, check digit verified
//! artwork = "cover.png"       # JPEG or PNG, relative to this file
//! gap_s = 2.0                 # default silence after each track, s
//!
//! [[track]]
//! file = "mixes/01.wav"       # relative to this file
//! title = "Intro"
//! isrc = "GB-XYZ-26-00001"
//! crossfade_s = 3.0           # equal-power crossfade into the next track
//!
//! [[track]]
//! file = "mixes/02.wav"
//! title = "Second"
//! artist = "The Examples feat. Guest"   # when it differs from the album's
//! gap_s = 0.5                 # overrides the album default
//! fade_out_s = 4.0            # musical fade at the (trimmed) end, s
//! lufs_offset = -1.0          # 1 LU below its intended album level
//! ```
//!
//! Syntax and shape errors come from `toml`'s deserializer with a byte span;
//! semantic errors (check digits, duplicate ISRCs, missing files) are found on
//! the typed value and located by key path, so every error reads
//! `album.toml: line L, column C: problem`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::codes::validate_upc;
use crate::toml_location::{self, Key, Problem, locate, located};
use crate::{Error, Result};

/// Longest gap that is not suspicious, s: a minute of silence on a release is
/// almost always a typo (milliseconds typed as seconds).
pub const LONG_GAP_S: f64 = 60.0;

/// The `[album]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlbumInfo {
    /// Release title.
    pub title: String,
    /// Release artist (every track's artist unless the track says otherwise).
    pub artist: String,
    /// Release date: a year (`2026` or `"2026"`) or an ISO 8601 date (`"2026-05-17"`).
    #[serde(default, deserialize_with = "year_text")]
    pub year: Option<String>,
    /// UPC-A (12 digits) or EAN-13 (13 digits) barcode.
    #[serde(default)]
    pub upc: Option<String>,
    /// Front-cover image file (JPEG or PNG), relative to the album file.
    #[serde(default)]
    pub artwork: Option<PathBuf>,
    /// Genre, as free text.
    #[serde(default)]
    pub genre: Option<String>,
    /// Copyright line, e.g. `℗ 2026 Label`.
    #[serde(default)]
    pub copyright: Option<String>,
    /// Silence after each track unless the track sets its own gap or crossfade, s.
    #[serde(default = "default_gap_s")]
    pub gap_s: f64,
}

/// A year may be written as a number or as text; both become text for the tags.
fn year_text<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Year {
        Number(u32),
        Text(String),
    }
    Ok(Some(match Year::deserialize(d)? {
        Year::Number(n) => n.to_string(),
        Year::Text(t) => t,
    }))
}

/// Two seconds: the Red Book's customary pause between tracks.
fn default_gap_s() -> f64 {
    2.0
}

/// One `[[track]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackSpec {
    /// The mix, relative to the album file.
    pub file: PathBuf,
    /// Track title.
    pub title: String,
    /// International Standard Recording Code (hyphens optional).
    #[serde(default)]
    pub isrc: Option<String>,
    /// Track artist when it differs from the album artist.
    #[serde(default)]
    pub artist: Option<String>,
    /// Silence after this track, s (default: the album's `gap_s`).
    #[serde(default)]
    pub gap_s: Option<f64>,
    /// Equal-power crossfade into the next track, s (instead of a gap).
    #[serde(default)]
    pub crossfade_s: Option<f64>,
    /// Musical fade-in at the trimmed start, s.
    #[serde(default)]
    pub fade_in_s: Option<f64>,
    /// Musical fade-out at the trimmed end, s.
    #[serde(default)]
    pub fade_out_s: Option<f64>,
    /// Cut leading and trailing silence (default true; false keeps an
    /// intentional silent start or end).
    #[serde(default = "default_trim")]
    pub trim: bool,
    /// Level change against the track's intended album level, LU (album mode),
    /// or against the target (per-track mode).
    #[serde(default)]
    pub lufs_offset: f64,
}

fn default_trim() -> bool {
    true
}

/// The whole album file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlbumSpec {
    /// Release metadata.
    pub album: AlbumInfo,
    /// Tracks in running order.
    #[serde(rename = "track")]
    pub tracks: Vec<TrackSpec>,
}

/// What follows a track in the sequence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transition {
    /// This many seconds of digital silence.
    Gap(f64),
    /// An equal-power crossfade of this many seconds into the next track.
    Crossfade(f64),
}

impl TrackSpec {
    /// The transition after this track, given the album's default gap.
    pub fn transition(&self, default_gap_s: f64) -> Transition {
        match (self.crossfade_s, self.gap_s) {
            (Some(x), _) => Transition::Crossfade(x),
            (None, Some(g)) => Transition::Gap(g),
            (None, None) => Transition::Gap(default_gap_s),
        }
    }
}

/// A validated album: paths resolved against the album file's folder, ISRCs
/// normalised, warnings collected.
#[derive(Debug, Clone)]
pub struct Album {
    /// The album file.
    pub path: PathBuf,
    /// Its text (kept to locate errors found later, e.g. crossfade lengths).
    pub text: String,
    /// The parsed file, with `file` and `artwork` made absolute and ISRCs normalised.
    pub spec: AlbumSpec,
    /// Things worth saying that are not errors (long gaps).
    pub warnings: Vec<String>,
}

impl Album {
    /// An error about `track[index].key`, located in the album file.
    pub fn track_error(&self, index: usize, key: &str, message: &str) -> Error {
        located(
            &self.path,
            &self.text,
            locate(
                &self.text,
                &[
                    Key::Name("track".into()),
                    Key::Index(index),
                    Key::Name(key.into()),
                ],
            ),
            message,
        )
    }
}

/// Parses album text; `path` names the file in errors. No semantic checks.
pub fn parse(text: &str, path: &Path) -> Result<AlbumSpec> {
    toml_location::parse(text, path)
}

fn track_key(i: usize, key: &str) -> Vec<Key> {
    vec![
        Key::Name("track".into()),
        Key::Index(i),
        Key::Name(key.into()),
    ]
}

fn album_key(key: &str) -> Vec<Key> {
    vec![Key::Name("album".into()), Key::Name(key.into())]
}

/// Checks the parsed album, resolves paths against `base` and normalises
/// ISRCs; returns the warnings.
fn check(spec: &mut AlbumSpec, base: &Path) -> std::result::Result<Vec<String>, Problem> {
    let p = |at: Vec<Key>, message: String| Problem { at, message };
    let mut warnings = Vec::new();
    if spec.tracks.is_empty() {
        return Err(p(vec![], "the album has no [[track]] entries".into()));
    }
    let a = &mut spec.album;
    if let Some(upc) = &a.upc {
        a.upc = Some(validate_upc(upc).map_err(|m| p(album_key("upc"), m))?);
    }
    if let Some(art) = &a.artwork {
        let full = base.join(art);
        if !full.is_file() {
            return Err(p(
                album_key("artwork"),
                format!("artwork {} does not exist", full.display()),
            ));
        }
        a.artwork = Some(full);
    }
    if !(a.gap_s.is_finite() && a.gap_s >= 0.0) {
        return Err(p(
            album_key("gap_s"),
            "gap_s must be 0 or more seconds".into(),
        ));
    }
    if a.gap_s > LONG_GAP_S {
        warnings.push(format!(
            "the album's default gap is {:.1} s, longer than a minute: is that meant?",
            a.gap_s
        ));
    }
    let default_gap = a.gap_s;
    let last = spec.tracks.len() - 1;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, t) in spec.tracks.iter_mut().enumerate() {
        let n = i + 1;
        let full = base.join(&t.file);
        if !full.is_file() {
            return Err(p(
                track_key(i, "file"),
                format!("track {n}: {} does not exist", full.display()),
            ));
        }
        t.file = full;
        if let Some(isrc) = &t.isrc {
            let code = mixmaster_io::validate_isrc(isrc)
                .map_err(|m| p(track_key(i, "isrc"), format!("track {n}: {m}")))?;
            if let Some(first) = seen.insert(code.clone(), n) {
                return Err(p(
                    track_key(i, "isrc"),
                    format!(
                        "track {n}: ISRC {code} is already used by track {first} (every recording needs its own)"
                    ),
                ));
            }
            t.isrc = Some(code);
        }
        if t.gap_s.is_some() && t.crossfade_s.is_some() {
            return Err(p(
                track_key(i, "crossfade_s"),
                format!("track {n}: give either gap_s or crossfade_s, not both"),
            ));
        }
        for (key, v) in [
            ("gap_s", t.gap_s),
            ("fade_in_s", t.fade_in_s),
            ("fade_out_s", t.fade_out_s),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v >= 0.0)
            {
                return Err(p(
                    track_key(i, key),
                    format!("track {n}: {key} must be 0 or more seconds"),
                ));
            }
        }
        if let Some(x) = t.crossfade_s {
            if !(x.is_finite() && x > 0.0) {
                return Err(p(
                    track_key(i, "crossfade_s"),
                    format!("track {n}: crossfade_s must be more than 0 seconds"),
                ));
            }
            if i == last {
                return Err(p(
                    track_key(i, "crossfade_s"),
                    format!(
                        "track {n} is the last track: there is no next track to crossfade into"
                    ),
                ));
            }
        }
        if !(t.lufs_offset.is_finite() && t.lufs_offset.abs() <= 20.0) {
            return Err(p(
                track_key(i, "lufs_offset"),
                format!("track {n}: lufs_offset must be within ±20 LU"),
            ));
        }
        if let Transition::Gap(g) = t.transition(default_gap)
            && g > LONG_GAP_S
            && i != last
        {
            warnings.push(format!(
                "track {n} ({}): a {g:.1} s gap follows it, longer than a minute: is that meant?",
                t.title
            ));
        }
    }
    Ok(warnings)
}

/// Reads, parses and checks the album file at `path`.
pub fn load(path: &Path) -> Result<Album> {
    let text =
        std::fs::read_to_string(path).map_err(|e| mixmaster_io::Error::Io(path.into(), e))?;
    let mut spec = parse(&text, path)?;
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let warnings = check(&mut spec, &base).map_err(|pr| toml_location::report(path, &text, &pr))?;
    Ok(Album {
        path: path.to_path_buf(),
        text,
        spec,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str =
        "[album]\ntitle = \"A\"\nartist = \"B\"\n\n[[track]]\nfile = \"x.wav\"\ntitle = \"T\"\n";

    #[test]
    fn unknown_keys_are_located() {
        let text = MINIMAL.replace("title = \"T\"", "title = \"T\"\nvolume = 3");
        let e = parse(&text, Path::new("album.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("album.toml: line 8, column 1:"), "{e}");
        assert!(e.contains("volume"), "{e}");
    }

    #[test]
    fn a_year_is_a_number_or_text() {
        let text = MINIMAL.replace("artist = \"B\"", "artist = \"B\"\nyear = 2026");
        let spec = parse(&text, Path::new("album.toml")).unwrap();
        assert_eq!(spec.album.year.as_deref(), Some("2026"));
        let text = MINIMAL.replace("artist = \"B\"", "artist = \"B\"\nyear = \"2026-05-17\"");
        let spec = parse(&text, Path::new("album.toml")).unwrap();
        assert_eq!(spec.album.year.as_deref(), Some("2026-05-17"));
        assert_eq!(parse(MINIMAL, Path::new("a")).unwrap().album.year, None);
    }

    #[test]
    fn semantic_errors_point_at_the_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.wav"), b"RIFF").unwrap();
        let path = dir.path().join("album.toml");
        let text = MINIMAL.replace("title = \"T\"", "title = \"T\"\nisrc = \"GB-XYZ-26-0001\"");
        std::fs::write(&path, &text).unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("line 8, column 8"), "{e}");
        assert!(e.contains("invalid ISRC"), "{e}");
    }
}
