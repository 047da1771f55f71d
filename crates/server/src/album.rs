//! Album jobs: several uploaded tracks in running order, mastered as one
//! release by [`mixmaster::album::master_album`].
//!
//! The upload is received like a mix (streamed to disk under names we choose,
//! the size limit counted over every file together, each track checked by
//! content). The worker then writes an `album.toml` into the job folder whose
//! paths are our own file names (`input-track-01`, …), never the uploaded
//! names, so nothing a client sends reaches a path.

use std::path::{Path, PathBuf};

use axum::extract::multipart::Multipart;
use axum::http::StatusCode;
use mixmaster::album::spec::{AlbumInfo, AlbumSpec, LONG_GAP_S, TrackSpec};
use mixmaster::album::{AlbumReport, AlbumRequest, LoudnessMode, master_album};
use serde::{Deserialize, Serialize};

use crate::db::{FileRow, JobRow};
use crate::error::ApiError;
use crate::jobs::{REPORT_NAME, Runner, relative, safe_name, write_report};
use crate::settings::JobSettings;
use crate::upload::{bad_form, check_audio, display_name, drain, save, text};

/// Most tracks in one album job: a double album has about 30; past that the
/// request is more likely a mistake (and each track costs a worker's time).
pub const MAX_TRACKS: usize = 40;

/// The album file the worker writes into the job folder.
pub const ALBUM_TOML: &str = "album.toml";

/// Longest title or artist kept, characters.
const MAX_TITLE_CHARS: usize = 200;

/// An album job's release details, as stored (JSON) in the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlbumSettings {
    /// Release title.
    pub title: String,
    /// Release artist.
    pub artist: String,
    /// Silence after each track, s.
    pub gap_s: f64,
    /// Every track to the target loudness instead of album normalisation.
    pub per_track: bool,
    /// The tracks in running order.
    pub tracks: Vec<AlbumTrack>,
}

/// One uploaded track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlbumTrack {
    /// Its title (given, or the upload's name without its extension).
    pub title: String,
    /// The uploaded file's name, for display only.
    pub upload_name: String,
}

/// Name of track `n` (from 1) inside a job folder.
pub fn track_file(n: usize) -> String {
    format!("input-track-{n:02}")
}

/// A received, checked album request.
#[derive(Debug)]
pub struct AlbumUpload {
    /// Targets and limiting.
    pub settings: JobSettings,
    /// Release details and tracks.
    pub album: AlbumSettings,
    /// Each track's size, bytes.
    pub sizes: Vec<u64>,
}

/// A title or artist: no control characters, trimmed, bounded; `fallback` when empty.
fn clean_text(value: &str, fallback: &str) -> String {
    let cleaned: String = value
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_TITLE_CHARS)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        fallback.to_string()
    } else {
        cleaned.to_string()
    }
}

/// Streams an album form into `dir` (which must exist): `track` files in
/// order, optional `track_title` fields in the same order, `album_title`,
/// `album_artist`, `gap` (s), `loudness` (`album` or `per-track`), and
/// `targets[]` / `lufs` / `ceiling` / `max_limiting` as for a mix. On any
/// error the caller removes `dir`.
pub async fn receive(
    multipart: &mut Multipart,
    dir: &Path,
    limit: u64,
) -> Result<AlbumUpload, ApiError> {
    let mut total = 0u64;
    let mut uploads: Vec<(String, u64)> = Vec::new();
    let mut titles: Vec<String> = Vec::new();
    let mut album_title = String::new();
    let mut artist = String::new();
    let mut gap_s = 2.0;
    let mut per_track = false;
    let mut settings = JobSettings::default();
    while let Some(field) = multipart.next_field().await.map_err(bad_form)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "track" | "track[]" | "tracks[]" => {
                if uploads.len() == MAX_TRACKS {
                    drain(multipart).await;
                    return Err(ApiError::bad_request(format!(
                        "too many tracks: at most {MAX_TRACKS} in one album"
                    )));
                }
                let n = uploads.len() + 1;
                let shown = display_name(field.file_name(), &format!("track {n}"));
                let size = match save(field, &dir.join(track_file(n)), &mut total, limit).await {
                    Ok(size) => size,
                    Err(e) if e.status == StatusCode::PAYLOAD_TOO_LARGE => {
                        drain(multipart).await;
                        return Err(e);
                    }
                    Err(e) => return Err(e),
                };
                uploads.push((shown, size));
            }
            "track_title" | "track_title[]" => titles.push(text(field).await?),
            "album_title" | "title" => album_title = text(field).await?,
            "album_artist" | "artist" => artist = text(field).await?,
            "gap" | "gap_s" => {
                let value = text(field).await?;
                gap_s = match value.trim().parse::<f64>() {
                    Ok(v) if (0.0..=LONG_GAP_S).contains(&v) => v,
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "gap: '{}' is not a number of seconds in 0..{LONG_GAP_S}",
                            value.trim()
                        )));
                    }
                }
            }
            "loudness" => {
                per_track = match text(field).await?.trim() {
                    "" | "album" => false,
                    "per-track" | "track" => true,
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "loudness: '{other}' (choose album or per-track)"
                        )));
                    }
                }
            }
            "fade_in" | "fade_out" | "mix" | "reference" => {
                return Err(ApiError::bad_request(format!(
                    "field '{name}' does not apply to album jobs"
                )));
            }
            _ => {
                let value = text(field).await?;
                settings.set(&name, &value).map_err(ApiError::bad_request)?;
            }
        }
    }
    if uploads.is_empty() {
        return Err(ApiError::bad_request(
            "no tracks: send each audio file, in running order, as a 'track' field",
        ));
    }
    if titles.len() > uploads.len() {
        return Err(ApiError::bad_request(format!(
            "{} track titles for {} tracks",
            titles.len(),
            uploads.len()
        )));
    }
    settings.resolve(false).map_err(ApiError::bad_request)?;
    for (k, (shown, size)) in uploads.iter().enumerate() {
        if *size == 0 {
            return Err(ApiError::bad_request(format!(
                "track {} ({shown}) is empty",
                k + 1
            )));
        }
    }
    for (k, (shown, _)) in uploads.iter().enumerate() {
        check_audio(
            dir.join(track_file(k + 1)),
            &format!("track {} ({shown})", k + 1),
        )
        .await?;
    }
    let tracks = uploads
        .iter()
        .enumerate()
        .map(|(k, (shown, _))| {
            let stem = shown.rsplit_once('.').map_or(shown.as_str(), |(s, _)| s);
            let default = clean_text(stem, &format!("Track {}", k + 1));
            AlbumTrack {
                title: clean_text(titles.get(k).map_or("", String::as_str), &default),
                upload_name: shown.clone(),
            }
        })
        .collect();
    Ok(AlbumUpload {
        settings,
        album: AlbumSettings {
            title: clean_text(&album_title, "Untitled album"),
            artist: clean_text(&artist, "Unknown artist"),
            gap_s,
            per_track,
            tracks,
        },
        sizes: uploads.iter().map(|(_, s)| *s).collect(),
    })
}

/// The `album.toml` for a job: our own track file names, the client's titles
/// (escaped by the TOML writer, so no title can add a key).
fn album_toml(album: &AlbumSettings) -> Result<String, String> {
    let spec = AlbumSpec {
        album: AlbumInfo {
            title: album.title.clone(),
            artist: album.artist.clone(),
            year: None,
            upc: None,
            artwork: None,
            genre: None,
            copyright: None,
            gap_s: album.gap_s,
        },
        tracks: album
            .tracks
            .iter()
            .enumerate()
            .map(|(k, t)| TrackSpec {
                file: PathBuf::from(track_file(k + 1)),
                title: t.title.clone(),
                isrc: None,
                artist: None,
                gap_s: None,
                crossfade_s: None,
                fade_in_s: None,
                fade_out_s: None,
                trim: true,
                lufs_offset: 0.0,
            })
            .collect(),
    };
    toml::to_string(&spec).map_err(|e| format!("cannot write the album file: {e}"))
}

/// Masters an album job (blocking) into `out`: returns the report JSON and
/// the files made (per-track masters, album file and CUE sheet per target,
/// and the HTML report).
pub fn run(
    runner: &Runner,
    job: &JobRow,
    dir: &Path,
    out: &Path,
) -> Result<(String, Vec<FileRow>), String> {
    let album: AlbumSettings = job
        .album
        .as_deref()
        .and_then(|a| serde_json::from_str(a).ok())
        .ok_or("the album job has no readable album details")?;
    let (targets, _) = job.settings.resolve(false)?;
    let album_file = dir.join(ALBUM_TOML);
    std::fs::write(&album_file, album_toml(&album)?)
        .map_err(|e| format!("cannot write the album file: {e}"))?;
    let request = AlbumRequest {
        album_file,
        targets,
        out_dir: out.to_path_buf(),
        mode: if album.per_track {
            LoudnessMode::PerTrack
        } else {
            LoudnessMode::Album
        },
        options: job.settings.plan_options(),
        force: true,
    };
    let mut progress = runner.events.reporter(&job.id);
    let mut report =
        master_album(&request, &mut progress).map_err(|e| public_error(&e, dir, &album))?;

    let mut files = Vec::new();
    for d in &mut report.deliveries {
        let folder = Path::new(&d.dir)
            .file_name()
            .map_or_else(|| "album".into(), |f| f.to_string_lossy().into_owned());
        let mut record = |path: &mut String, role: &str| -> Result<(), String> {
            let file = PathBuf::from(&*path);
            let base = file
                .file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
            let name = format!("{}-{}", safe_name(&folder), safe_name(&base));
            let size = std::fs::metadata(&file)
                .map_err(|e| format!("{base} was not written: {e}"))?
                .len();
            files.push(FileRow {
                name: name.clone(),
                role: role.to_string(),
                rel_path: relative(&runner.data_dir, &file),
                size,
            });
            *path = name;
            Ok(())
        };
        for t in &mut d.tracks {
            record(&mut t.file, "track-master")?;
        }
        record(&mut d.album_file, "album")?;
        record(&mut d.cue_file, "cue")?;
        d.dir = folder;
    }
    display_names(&mut report, &album);
    let html = mixmaster_report::album_html(&report);
    let report_path = write_report(out, &html).map_err(|e| public_error(&e, dir, &album))?;
    files.push(FileRow {
        name: REPORT_NAME.to_string(),
        role: "report".to_string(),
        rel_path: relative(&runner.data_dir, &report_path),
        size: html.len() as u64,
    });
    let json = serde_json::to_string(&report).map_err(|e| e.to_string())?;
    Ok((json, files))
}

/// The report speaks of the uploaded names, not of server paths.
fn display_names(report: &mut AlbumReport, album: &AlbumSettings) {
    report.album_file = ALBUM_TOML.to_string();
    for (source, track) in report.tracks.iter_mut().zip(&album.tracks) {
        source.file = track.upload_name.clone();
    }
}

/// An engine error as shown to the client: uploaded names instead of the
/// server's paths.
fn public_error(e: &dyn std::fmt::Display, dir: &Path, album: &AlbumSettings) -> String {
    let mut text = e.to_string();
    // Longest numbers first, so `input-track-1` never eats part of `-10`.
    for (k, track) in album.tracks.iter().enumerate().rev() {
        text = text.replace(
            &dir.join(track_file(k + 1)).display().to_string(),
            &track.upload_name,
        );
    }
    text.replace(&format!("{}/", dir.display()), "")
        .replace(&dir.display().to_string(), "job")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn album(titles: &[&str]) -> AlbumSettings {
        AlbumSettings {
            title: "Night \"Drive\"\n[album]".into(),
            artist: "The Examples".into(),
            gap_s: 1.5,
            per_track: false,
            tracks: titles
                .iter()
                .map(|t| AlbumTrack {
                    title: t.to_string(),
                    upload_name: format!("{t}.wav"),
                })
                .collect(),
        }
    }

    #[test]
    fn the_album_file_uses_our_names_and_escapes_titles() {
        let text = album_toml(&album(&["../../etc/passwd", "b = 1"])).unwrap();
        let spec: AlbumSpec = toml::from_str(&text).unwrap();
        assert_eq!(spec.tracks.len(), 2);
        assert_eq!(spec.tracks[0].file, PathBuf::from("input-track-01"));
        assert_eq!(spec.tracks[0].title, "../../etc/passwd");
        assert_eq!(spec.tracks[1].title, "b = 1");
        assert_eq!(spec.album.title, "Night \"Drive\"\n[album]");
        assert_eq!(spec.album.gap_s, 1.5);
    }

    #[test]
    fn titles_are_cleaned_and_default_when_empty() {
        assert_eq!(clean_text("  a\u{7}b  ", "x"), "ab");
        assert_eq!(clean_text(" \n ", "Track 2"), "Track 2");
        assert_eq!(clean_text(&"z".repeat(500), "x").len(), MAX_TITLE_CHARS);
    }

    #[test]
    fn errors_name_the_upload_not_the_server_path() {
        let dir = Path::new("/data/jobs/abc");
        let msg = format!("{}: cannot decode", dir.join(track_file(2)).display());
        assert_eq!(
            public_error(&msg, dir, &album(&["one", "two"])),
            "two.wav: cannot decode"
        );
    }
}
