//! `init`: a starting session from a folder of stems. Every audio file becomes a
//! track; roles come from file names or, failing that, a short listen; tracks
//! are routed to group buses (drums, bass, music, vocals) by role.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mixmaster_io::{AudioReader, WriteOptions, check_output, write_file_atomic};
use serde::Serialize;

use super::roles::{listen, role_from_listen, role_from_name, tokens};
use super::session::{Bus, Master, Role, Session, Settings, Track};
use crate::{Error, Result};

/// File extensions taken as audio.
const AUDIO_EXT: [&str; 8] = ["wav", "wave", "aif", "aiff", "flac", "mp3", "ogg", "m4a"];

/// Why a track got its role.
#[derive(Debug, Clone, Serialize)]
pub struct RoleChoice {
    /// The stem file.
    pub file: PathBuf,
    /// The role chosen.
    pub role: Role,
    /// How it was decided, in words.
    pub reason: String,
}

/// The session written and the decisions behind it.
#[derive(Debug, Clone, Serialize)]
pub struct InitReport {
    /// The session.
    pub session: Session,
    /// One entry per track.
    pub choices: Vec<RoleChoice>,
    /// Files skipped (existing mixes) and why.
    pub skipped: Vec<String>,
}

/// `path` relative to `base` when it lies under it, else as given.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let (p, b) = (canon(path), canon(base));
    p.strip_prefix(&b).map_or(p.clone(), Path::to_path_buf)
}

/// Builds the session for the stems in `stems_dir`, with paths relative to
/// `session_dir`.
pub fn build(stems_dir: &Path, session_dir: &Path) -> Result<InitReport> {
    let entries =
        std::fs::read_dir(stems_dir).map_err(|e| mixmaster_io::Error::Io(stems_dir.into(), e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                && p.extension().is_some_and(|x| {
                    AUDIO_EXT.contains(&x.to_string_lossy().to_lowercase().as_str())
                })
        })
        .collect();
    files.sort();
    let mut tracks = Vec::new();
    let mut choices = Vec::new();
    let mut skipped = Vec::new();
    let mut rates: BTreeMap<u32, usize> = BTreeMap::new();
    for f in files {
        let stem = f
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        if tokens(&stem).iter().any(|t| t == "mix" || t == "master") {
            skipped.push(format!("{}: looks like a mix, not a stem", f.display()));
            continue;
        }
        let track_path = relative_to(&f, session_dir);
        if track_path.to_str().is_none() {
            // TOML strings are UTF-8: such a name cannot be written into the
            // session (it failed later as "cannot serialise the session").
            return Err(Error::input(
                &f,
                "the file name is not valid UTF-8, which a session file cannot hold: rename it",
            ));
        }
        let info = AudioReader::open(&f)?.info().clone();
        *rates.entry(info.sample_rate).or_default() += 1;
        let (role, reason) = match role_from_name(&stem) {
            Some(named) => named,
            None => match listen(&f)? {
                Some(l) => (
                    role_from_listen(&l),
                    format!(
                        "listened: centroid {:.0} Hz, {:.0} % below 160 Hz, {:.1} onsets/s",
                        l.centroid_hz,
                        l.low_share * 100.0,
                        l.onsets_per_s
                    ),
                ),
                None => (
                    Role::Other,
                    "too short to listen to (under one 400 ms gating block): other".to_string(),
                ),
            },
        };
        let mut t = Track::new(track_path);
        t.name = stem;
        t.role = role;
        t.output = role.group().to_string();
        choices.push(RoleChoice {
            file: f,
            role,
            reason,
        });
        tracks.push(t);
    }
    if tracks.is_empty() {
        return Err(Error::input(stems_dir, "no audio stems found"));
    }
    // The most common stem rate (ties: the higher) needs no resampling for most stems.
    let sample_rate = rates
        .iter()
        .max_by_key(|(rate, n)| (**n, **rate))
        .map_or(48_000, |(r, _)| *r);
    let buses = ["drums", "bass", "music", "vocals"]
        .into_iter()
        .filter(|g| tracks.iter().any(|t| t.output == *g))
        .map(Bus::new)
        .collect();
    Ok(InitReport {
        session: Session {
            session: Settings {
                sample_rate,
                tempo_bpm: 120.0,
                headroom_dbtp: -6.0,
            },
            tracks,
            buses,
            master: Master::default(),
        },
        choices,
        skipped,
    })
}

/// Builds the session for `stems_dir` and writes it to `output` atomically
/// (temp file, fsync, rename), refusing to overwrite unless `force`, and
/// refusing any of the stems even with `force`.
pub fn init(stems_dir: &Path, output: &Path, force: bool) -> Result<InitReport> {
    check_output(
        output,
        &WriteOptions {
            force,
            inputs: Vec::new(),
        },
    )?;
    let dir = super::validate::base_dir(output);
    let report = build(stems_dir, &dir)?;
    let text = toml::to_string_pretty(&report.session)
        .map_err(|e| Error::input(output, format!("cannot serialise the session: {e}")))?;
    // Every stem read is an input: `-o stems/kick.wav --force` must not
    // replace a stem with the session that names it.
    let write = WriteOptions {
        force,
        inputs: report.choices.iter().map(|c| c.file.clone()).collect(),
    };
    write_file_atomic(output, text.as_bytes(), &write)?;
    Ok(report)
}
