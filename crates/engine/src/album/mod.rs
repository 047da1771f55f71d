//! Album mastering: one release, mastered as a whole.
//!
//! Analyse → decide → render → verify, as for one track, but across the album:
//! - [`spec`] reads `album.toml` (metadata, running order, gaps/crossfades,
//!   per-track overrides) and checks codes, paths and lengths;
//! - every track is analysed; [`tone`] forms the album's mean spectrum and
//!   every track's plan ([`crate::master::decide::plan`]) matches toward it
//!   (bounded, like reference matching), with one chain family for all;
//! - each track is rendered up to the limiter, and [`loudness`] sets its level
//!   (album normalisation, or `--per-track`); the limiter search and delivery
//!   are the mastering's own ([`crate::master::render::deliver`]), so every
//!   file is measured before it is accepted;
//! - [`layout`] places the tracks (exact gaps, equal-power crossfades, CD
//!   frames) and [`assemble`] writes the continuous album file with its
//!   [`cue`] sheet, verified against the ceiling.
//!
//! Tracks are processed in parallel on a bounded pool (one track per worker,
//! each streaming block by block through a temporary file), so memory stays
//! flat however long the album. Everything is written into a hidden staging
//! folder inside the output folder and moved into place only when every file
//! of every target has been delivered and verified: an error leaves nothing.

pub mod assemble;
pub mod codes;
pub mod cue;
pub mod layout;
pub mod loudness;
pub mod spec;
pub mod tone;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use mixmaster_analysis::{Analysis, AnalysisOptions};
use mixmaster_io::{Artwork, EncodeSpec, FileFormat, SampleFormat, Tags, WriteOptions};
use rayon::prelude::*;
use serde::Serialize;

use crate::analyze::analyze_file_with;
use crate::master::decide::{self, PlanOptions};
use crate::master::plan::{FormatName, MasterPlan};
use crate::master::render::{self, PreLimiter};
use crate::master::targets::{Medium, Target};
use crate::{Error, NoProgress, Progress, Result};
use assemble::{AlbumFile, CrossfadeReport};
use layout::Layout;
pub use loudness::LoudnessMode;
use spec::{Album, Transition};

/// Samples per CD frame (1/75 s) at 44.1 kHz: CD track starts fall on multiples of it.
pub const CD_FRAME_SAMPLES: u64 = 588;
/// Most tracks mastered at once: each worker holds a few blocks and runs two
/// limiter probes, so memory grows with this, not with the album.
const MAX_WORKERS: usize = 4;

/// What to master and how.
#[derive(Debug, Clone)]
pub struct AlbumRequest {
    /// The album file.
    pub album_file: PathBuf,
    /// Destinations; each gets a folder `<out_dir>/<target name>/`.
    pub targets: Vec<Target>,
    /// Where the folders go.
    pub out_dir: PathBuf,
    /// Album normalisation or every track to the target.
    pub mode: LoudnessMode,
    /// Base planning choices (per-track fades and trim come from the album file).
    pub options: PlanOptions,
    /// Overwrite existing outputs.
    pub force: bool,
}

/// One source track as measured.
#[derive(Debug, Clone, Serialize)]
pub struct SourceTrack {
    /// Position, from 1.
    pub number: usize,
    /// Title.
    pub title: String,
    /// The mix file.
    pub file: String,
    /// ISRC (normalised).
    pub isrc: Option<String>,
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// Integrated loudness, LUFS.
    pub integrated_lufs: Option<f64>,
    /// Loudness range, LU.
    pub loudness_range_lu: Option<f64>,
    /// True peak, dBTP.
    pub true_peak_dbtp: Option<f64>,
    /// Spectral deviation from the album mean of the sources, dB RMS over bands.
    pub spectral_deviation_db: Option<f64>,
    /// Length after trimming, s.
    pub trimmed_s: f64,
}

/// One delivered track.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveredTrack {
    /// Position, from 1.
    pub number: usize,
    /// Title.
    pub title: String,
    /// The per-track file.
    pub file: String,
    /// Loudness it was mastered to, LUFS.
    pub target_lufs: f64,
    /// Delivered integrated loudness, LUFS.
    pub integrated_lufs: Option<f64>,
    /// Delivered loudness range, LU.
    pub loudness_range_lu: Option<f64>,
    /// Delivered true peak, the larger of the 4× (BS.1770) and 8× readings, dBTP.
    pub true_peak_dbtp: f64,
    /// Peak-to-loudness ratio of the delivery, dB.
    pub plr_db: Option<f64>,
    /// Net level change, delivered minus source loudness, LU.
    pub gain_db: Option<f64>,
    /// Integrated loudness after the chain, before the limiter, LUFS.
    pub chain_lufs: Option<f64>,
    /// Gain into the limiter, dB.
    pub limiter_drive_db: f64,
    /// Most gain reduction the limiter applied, dB.
    pub max_gain_reduction_db: f64,
    /// Spectral deviation from the mean of the delivered tracks, dB RMS over bands.
    pub spectral_deviation_db: Option<f64>,
    /// Where the track starts in the album file, samples.
    pub start_sample: u64,
    /// Its CUE index, `mm:ss:ff`.
    pub cue_index: String,
    /// Compromises made for this track.
    pub notes: Vec<String>,
    /// The plan as rendered (limiter drive locked to the delivered value).
    pub plan: MasterPlan,
}

/// Everything delivered for one target.
#[derive(Debug, Clone, Serialize)]
pub struct AlbumDelivery {
    /// The destination.
    pub target: Target,
    /// Its folder.
    pub dir: String,
    /// Sample rate of every file, Hz.
    pub sample_rate: u32,
    /// The tracks.
    pub tracks: Vec<DeliveredTrack>,
    /// The continuous album file.
    pub album_file: String,
    /// Its CUE sheet.
    pub cue_file: String,
    /// The sample map of the album file.
    pub layout: Layout,
    /// Integrated loudness of the whole album file, LUFS.
    pub album_integrated_lufs: Option<f64>,
    /// Its loudness range, LU.
    pub album_loudness_range_lu: Option<f64>,
    /// Its true peak, the larger of the 4× and 8× readings, dBTP.
    pub album_true_peak_dbtp: f64,
    /// What each crossfade needed.
    pub crossfades: Vec<CrossfadeReport>,
    /// Notes for the whole delivery (alignment, resampling).
    pub notes: Vec<String>,
}

/// The album's report.
#[derive(Debug, Clone, Serialize)]
pub struct AlbumReport {
    /// The album file.
    pub album_file: String,
    /// Release title.
    pub title: String,
    /// Release artist.
    pub artist: String,
    /// How levels were set.
    pub mode: LoudnessMode,
    /// The sources, measured.
    pub tracks: Vec<SourceTrack>,
    /// One entry per target.
    pub deliveries: Vec<AlbumDelivery>,
    /// Warnings about the album file (long gaps) and its tracks (cut short).
    pub warnings: Vec<String>,
    /// Notes about the sources (resampling).
    pub notes: Vec<String>,
}

/// File names keep letters, digits and ordinary punctuation; path separators
/// and characters Windows forbids become `_`.
pub fn safe_file_name(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_matches('.').trim();
    if trimmed.is_empty() {
        "untitled".into()
    } else {
        trimmed.into()
    }
}

/// Container and word length for a target: CD plants take WAV; everything
/// else gets FLAC (lossless, tagged, half the size), 24-bit unless the
/// target says 16.
fn format_for(target: &Target) -> (FormatName, EncodeSpec) {
    let sample_format = if target.delivery.bits == 16 {
        SampleFormat::Int16
    } else {
        SampleFormat::Int24
    };
    if target.medium == Medium::Cd {
        (
            FormatName::Wav,
            EncodeSpec {
                format: FileFormat::Wav,
                sample_format,
            },
        )
    } else {
        (
            FormatName::Flac,
            EncodeSpec {
                format: FileFormat::Flac,
                sample_format,
            },
        )
    }
}

fn extension(format: FileFormat) -> &'static str {
    match format {
        FileFormat::Wav => "wav",
        FileFormat::Flac => "flac",
        FileFormat::Aiff => "aiff",
    }
}

/// Removes the staging folder unless its contents were moved into place.
struct Staging {
    dir: PathBuf,
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The files of one target: (staging path, final path).
struct Outputs {
    dir: PathBuf,
    tracks: Vec<(PathBuf, PathBuf)>,
    album: (PathBuf, PathBuf),
    cue: (PathBuf, PathBuf),
}

fn outputs(album: &Album, target: &Target, out_dir: &Path, staging: &Path) -> Outputs {
    let (_, spec) = format_for(target);
    let ext = extension(spec.format);
    let folder = safe_file_name(&target.name);
    let dir = out_dir.join(&folder);
    let stage = staging.join(&folder);
    let pair = |name: String| (stage.join(&name), dir.join(&name));
    let a = &album.spec.album;
    let stem = safe_file_name(&format!("{} - {}", a.artist, a.title));
    Outputs {
        tracks: album
            .spec
            .tracks
            .iter()
            .enumerate()
            .map(|(i, t)| pair(format!("{:02} - {}.{ext}", i + 1, safe_file_name(&t.title))))
            .collect(),
        album: pair(format!("{stem}.{ext}")),
        cue: pair(format!("{stem}.cue")),
        dir,
    }
}

/// A bounded pool: one worker per track, at most [`MAX_WORKERS`] and the cores.
fn pool(tracks: usize) -> Result<rayon::ThreadPool> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    rayon::ThreadPoolBuilder::new()
        .num_threads(tracks.clamp(1, MAX_WORKERS.min(cores).max(1)))
        .build()
        .map_err(|e| Error::input(Path::new("."), format!("cannot start worker threads: {e}")))
}

/// The album's processing rate: the highest source rate, so no track loses bandwidth.
fn album_rate(analyses: &[Analysis]) -> u32 {
    analyses
        .iter()
        .map(|a| a.sample_rate)
        .max()
        .unwrap_or(48_000)
}

/// One plan per track for `target`, matched toward the album mean, one family.
fn plans(
    album: &Album,
    analyses: &[Analysis],
    reference: &Analysis,
    target: &Target,
    base: &PlanOptions,
    rate: u32,
) -> Vec<MasterPlan> {
    let (format, _) = format_for(target);
    let mut plans: Vec<MasterPlan> = album
        .spec
        .tracks
        .iter()
        .zip(analyses)
        .map(|(t, a)| {
            let options = PlanOptions {
                fade_in_s: t.fade_in_s.or(base.fade_in_s),
                fade_out_s: t.fade_out_s.or(base.fade_out_s),
                ..base.clone()
            };
            let mut plan = decide::plan(a, Some(reference), target, &options);
            plan.tonal_eq.why.push(
                "album: \"the reference\" here is the album's mean spectrum, so every track moves toward the same balance".into(),
            );
            if !t.trim {
                plan.trim.enabled = false;
                plan.trim.why = vec!["trim = false in the album file: start and end kept as mixed".into()];
                plan.fades.settings.fade_in_s = t.fade_in_s.unwrap_or(0.0);
                plan.fades.settings.fade_out_s = t.fade_out_s.unwrap_or(0.0);
                plan.fades.enabled =
                    plan.fades.settings.fade_in_s > 0.0 || plan.fades.settings.fade_out_s > 0.0;
            }
            plan.output.format = format;
            if target.delivery.sample_rate.is_none() {
                plan.output.sample_rate = rate;
            }
            plan
        })
        .collect();
    // One family: the strictest subsonic filter any track needs, for all.
    if let Some(hp) = plans
        .iter()
        .map(|p| p.subsonic.settings.clone())
        .max_by(|a, b| {
            (a.freq_hz, a.order)
                .partial_cmp(&(b.freq_hz, b.order))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    {
        for p in &mut plans {
            if p.subsonic.settings != hp {
                p.subsonic.settings = hp.clone();
                p.subsonic.enabled = true;
                p.subsonic.why.push(format!(
                    "album: raised to {:.0} Hz, {} dB/oct, the filter another track needs, so the low end is shaped alike on every track",
                    hp.freq_hz,
                    hp.order as u32 * 6
                ));
            }
        }
    }
    plans
}

/// Trimmed length of a track, s.
fn trimmed_s(plan: &MasterPlan, a: &Analysis) -> f64 {
    if plan.trim.enabled {
        plan.trim.settings.end_s.min(a.duration_s) - plan.trim.settings.start_s
    } else {
        a.duration_s
    }
}

/// Master the album in `request` to every target.
pub fn master_album(request: &AlbumRequest, progress: &mut dyn Progress) -> Result<AlbumReport> {
    let album = spec::load(&request.album_file)?;
    request
        .options
        .check()
        .map_err(|e| Error::input(&request.album_file, e))?;
    if request.targets.is_empty() {
        return Err(Error::input(&request.album_file, "no target given"));
    }
    let tracks = &album.spec.tracks;
    let n = tracks.len();
    let mut inputs: Vec<PathBuf> = tracks.iter().map(|t| t.file.clone()).collect();
    inputs.push(request.album_file.clone());
    inputs.extend(album.spec.album.artwork.clone());
    let final_options = WriteOptions {
        force: request.force,
        inputs: inputs.clone(),
    };
    if !request.out_dir.is_dir() {
        return Err(Error::input(
            &request.out_dir,
            "output folder does not exist",
        ));
    }
    let staging = Staging {
        dir: request
            .out_dir
            .join(format!(".mixmaster-album-{}", std::process::id())),
    };
    let all_outputs: Vec<Outputs> = request
        .targets
        .iter()
        .map(|t| outputs(&album, t, &request.out_dir, &staging.dir))
        .collect();
    // Refuse existing outputs before any work.
    for o in &all_outputs {
        if o.dir.is_dir() {
            for (_, dest) in o.tracks.iter().chain([&o.album, &o.cue]) {
                mixmaster_io::check_output(dest, &final_options)?;
            }
        }
    }
    let artwork = album
        .spec
        .album
        .artwork
        .as_deref()
        .map(Artwork::from_file)
        .transpose()?;

    let pool = pool(n)?;
    let analysis_options = AnalysisOptions {
        silence_threshold_dbfs: request.options.trim_threshold_dbfs,
        ..AnalysisOptions::default()
    };
    progress.start(&format!("analysing {n} tracks"), None);
    let measured: Vec<(Analysis, Vec<String>)> = pool.install(|| {
        tracks
            .par_iter()
            .map(|t| {
                let measured = analyze_file_with(&t.file, analysis_options, &mut NoProgress)?;
                let a = measured.analysis;
                crate::analyze::require_finite(&t.file, &a)?;
                if a.channels > 2 {
                    return Err(Error::input(
                        &t.file,
                        format!(
                            "{} channels: album tracks must be stereo (or mono) mixes",
                            a.channels
                        ),
                    ));
                }
                if a.integrated_lufs.is_none() {
                    return Err(Error::input(
                        &t.file,
                        "the track is silent (no gated loudness): nothing to master",
                    ));
                }
                Ok((a, measured.warnings))
            })
            .collect::<Result<Vec<_>>>()
    })?;
    progress.finish();
    // Tracks shorter than their headers declare: mastered as they are, said so.
    let (analyses, track_warnings): (Vec<Analysis>, Vec<Vec<String>>) =
        measured.into_iter().unzip();

    let rate = album_rate(&analyses);
    let mut notes = Vec::new();
    for (i, a) in analyses.iter().enumerate() {
        if a.sample_rate != rate {
            notes.push(format!(
                "track {} ({}) is at {} Hz; resampled to the album's {rate} Hz (the highest source rate) for every delivery that keeps the source rate",
                i + 1,
                tracks[i].file.display(),
                a.sample_rate
            ));
        }
    }
    let refs: Vec<&Analysis> = analyses.iter().collect();
    let mean = tone::mean_spectrum(&refs);
    let reference = tone::album_reference(&analyses[0], mean.clone());

    // Crossfades must fit the trimmed tracks: checked before any rendering.
    let first_plans = plans(
        &album,
        &analyses,
        &reference,
        &request.targets[0],
        &request.options,
        rate,
    );
    let lengths: Vec<f64> = first_plans
        .iter()
        .zip(&analyses)
        .map(|(p, a)| trimmed_s(p, a))
        .collect();
    // A fade-out longer than its track would start before the music does.
    for (i, t) in tracks.iter().enumerate() {
        if let Some(f) = t.fade_out_s.filter(|f| *f > lengths[i]) {
            return Err(album.track_error(
                i,
                "fade_out_s",
                &format!(
                    "track {}: a {f:.2} s fade-out is longer than the track ({:.2} s after trimming)",
                    i + 1,
                    lengths[i]
                ),
            ));
        }
    }
    // FLAC deliveries at the album's rate must fit the encoder, or the
    // first track would fail only once rendered.
    for target in &request.targets {
        let (_, spec) = format_for(target);
        let delivered = target.delivery.sample_rate.unwrap_or(rate);
        let max = spec.format.max_sample_rate();
        if delivered > max {
            return Err(Error::input(
                &request.album_file,
                format!(
                    "{} is delivered as FLAC, written at up to {max} Hz, but the album is {delivered} Hz (its highest-rate track): resample the tracks above {max} Hz",
                    target.name
                ),
            ));
        }
    }
    for (i, t) in tracks.iter().enumerate().take(n.saturating_sub(1)) {
        if let Some(x) = t.crossfade_s {
            let shorter = lengths[i].min(lengths[i + 1]);
            if x > shorter {
                return Err(album.track_error(
                    i,
                    "crossfade_s",
                    &format!(
                        "track {}: a {x:.2} s crossfade is longer than the shorter of tracks {} and {} ({shorter:.2} s after trimming)",
                        i + 1,
                        i + 1,
                        i + 2
                    ),
                ));
            }
        }
    }

    let sources: Vec<SourceTrack> = tracks
        .iter()
        .zip(&analyses)
        .enumerate()
        .map(|(i, (t, a))| SourceTrack {
            number: i + 1,
            title: t.title.clone(),
            file: t.file.display().to_string(),
            isrc: t.isrc.clone(),
            sample_rate: a.sample_rate,
            integrated_lufs: a.integrated_lufs,
            loudness_range_lu: a.loudness_range_lu,
            true_peak_dbtp: a.true_peak_dbtp,
            spectral_deviation_db: tone::deviation_db(a, &mean),
            trimmed_s: lengths[i],
        })
        .collect();

    std::fs::create_dir_all(&staging.dir).map_err(|e| {
        Error::input(
            &staging.dir,
            format!(
                "cannot create staging folder: {}",
                mixmaster_io::io_message(&e)
            ),
        )
    })?;
    let stage_options = WriteOptions {
        force: false,
        inputs,
    };
    let mut cache: HashMap<(usize, String), PreLimiter> = HashMap::new();
    let mut deliveries = Vec::new();
    for (target, out) in request.targets.iter().zip(&all_outputs) {
        let delivery = deliver_target(
            &album,
            target,
            out,
            &DeliverContext {
                analyses: &analyses,
                reference: &reference,
                request,
                rate,
                artwork: artwork.as_ref(),
                options: &stage_options,
                pool: &pool,
            },
            &mut cache,
            progress,
        )?;
        deliveries.push(delivery);
    }
    drop(cache);

    // Every file of every target is verified: move them into place.
    for o in &all_outputs {
        std::fs::create_dir_all(&o.dir).map_err(|e| {
            Error::input(
                &o.dir,
                format!(
                    "cannot create output folder: {}",
                    mixmaster_io::io_message(&e)
                ),
            )
        })?;
        for (stage, dest) in o.tracks.iter().chain([&o.album, &o.cue]) {
            mixmaster_io::check_output(dest, &final_options)?;
            std::fs::rename(stage, dest).map_err(|e| {
                Error::input(
                    dest,
                    format!("cannot move into place: {}", mixmaster_io::io_message(&e)),
                )
            })?;
        }
    }
    drop(staging);

    Ok(AlbumReport {
        album_file: request.album_file.display().to_string(),
        title: album.spec.album.title.clone(),
        artist: album.spec.album.artist.clone(),
        mode: request.mode,
        tracks: sources,
        deliveries,
        warnings: album
            .warnings
            .iter()
            .cloned()
            .chain(track_warnings.into_iter().flatten())
            .collect(),
        notes,
    })
}

/// What every target's delivery shares.
struct DeliverContext<'a> {
    analyses: &'a [Analysis],
    reference: &'a Analysis,
    request: &'a AlbumRequest,
    rate: u32,
    artwork: Option<&'a Artwork>,
    options: &'a WriteOptions,
    pool: &'a rayon::ThreadPool,
}

fn track_tags(album: &Album, i: usize, artwork: Option<&Artwork>) -> Tags {
    let a = &album.spec.album;
    let t = &album.spec.tracks[i];
    Tags {
        title: Some(t.title.clone()),
        artist: Some(t.artist.clone().unwrap_or_else(|| a.artist.clone())),
        album: Some(a.title.clone()),
        album_artist: t.artist.as_ref().map(|_| a.artist.clone()),
        year: a.year.clone(),
        track_number: Some(i as u32 + 1),
        track_total: Some(album.spec.tracks.len() as u32),
        genre: a.genre.clone(),
        isrc: t.isrc.clone(),
        upc: a.upc.clone(),
        comment: None,
        copyright: a.copyright.clone(),
        artwork: artwork.cloned(),
    }
}

fn album_tags(album: &Album, artwork: Option<&Artwork>) -> Tags {
    let a = &album.spec.album;
    Tags {
        title: Some(a.title.clone()),
        artist: Some(a.artist.clone()),
        album: Some(a.title.clone()),
        year: a.year.clone(),
        genre: a.genre.clone(),
        upc: a.upc.clone(),
        copyright: a.copyright.clone(),
        artwork: artwork.cloned(),
        ..Tags::default()
    }
}

fn deliver_target(
    album: &Album,
    target: &Target,
    out: &Outputs,
    cx: &DeliverContext,
    cache: &mut HashMap<(usize, String), PreLimiter>,
    progress: &mut dyn Progress,
) -> Result<AlbumDelivery> {
    let tracks = &album.spec.tracks;
    let n = tracks.len();
    let mut plans = plans(
        album,
        cx.analyses,
        cx.reference,
        target,
        &cx.request.options,
        cx.rate,
    );
    let out_rate = plans[0].output.sample_rate;
    let (_, encode) = format_for(target);
    if let Some(stage) = out.tracks[0].0.parent() {
        std::fs::create_dir_all(stage).map_err(|e| {
            Error::input(
                stage,
                format!(
                    "cannot create staging folder: {}",
                    mixmaster_io::io_message(&e)
                ),
            )
        })?;
    }

    // Render every track up to the limiter (shared between targets whose
    // pre-limiter stages agree).
    let keys: Vec<(usize, String)> = plans
        .iter()
        .enumerate()
        .map(|(i, p)| (i, crate::master::pre_limiter_key(p)))
        .collect();
    let missing: Vec<usize> = (0..n).filter(|&i| !cache.contains_key(&keys[i])).collect();
    progress.start(
        &format!("{}: shaping {} tracks", target.name, missing.len()),
        None,
    );
    let rendered: Vec<(usize, PreLimiter)> = cx.pool.install(|| {
        missing
            .par_iter()
            .map(|&i| {
                render::render_pre_limiter(
                    &tracks[i].file,
                    &plans[i],
                    &[plans[i].output.sample_rate],
                    &mut NoProgress,
                )
                .map(|p| (i, p))
            })
            .collect::<Result<Vec<_>>>()
    })?;
    progress.finish();
    for (i, p) in rendered {
        cache.insert(keys[i].clone(), p);
    }
    let pre: Vec<&PreLimiter> = keys.iter().map(|k| &cache[k]).collect();

    // Levels: album normalisation or per track, from the post-chain loudness.
    let chain_lufs: Vec<f64> = pre
        .iter()
        .zip(tracks)
        .map(|(p, t)| {
            p.integrated_lufs
                .ok_or_else(|| Error::input(&t.file, "silent after trimming: nothing to master"))
        })
        .collect::<Result<_>>()?;
    let offsets: Vec<f64> = tracks.iter().map(|t| t.lufs_offset).collect();
    let levels = loudness::track_targets(
        cx.request.mode,
        target.integrated_lufs,
        &chain_lufs,
        &offsets,
    );
    for (i, (plan, level)) in plans.iter_mut().zip(&levels).enumerate() {
        plan.target.integrated_lufs = *level;
        plan.target.source = match cx.request.mode {
            LoudnessMode::Album => format!(
                "album normalisation: {:+.1} LU from the loudest track, which goes to {:.1} LUFS ({}); ceiling {}",
                level - target.integrated_lufs,
                target.integrated_lufs,
                target.name,
                target.source
            ),
            LoudnessMode::PerTrack => format!("per track: {}", target.source),
        };
        plan.limiter.settings.input_gain_db = level - chain_lufs[i];
    }

    // Limiter search, delivery and verification, one track per worker.
    progress.start(&format!("{}: mastering {n} tracks", target.name), None);
    let delivered = cx.pool.install(|| {
        (0..n)
            .into_par_iter()
            .map(|i| {
                let tags = track_tags(album, i, cx.artwork);
                render::deliver(
                    pre[i],
                    &plans[i],
                    &out.tracks[i].0,
                    cx.options,
                    Some(&tags),
                    &mut NoProgress,
                )
            })
            .collect::<Result<Vec<_>>>()
    })?;
    progress.finish();

    // The continuous file.
    let frames: Vec<u64> = out
        .tracks
        .iter()
        .map(|(stage, _)| {
            let reader = mixmaster_io::AudioReader::open(stage)?;
            reader
                .info()
                .frames
                .ok_or_else(|| Error::input(stage, "delivered file does not state its length"))
        })
        .collect::<Result<_>>()?;
    let joins: Vec<Transition> = tracks
        .iter()
        .map(|t| t.transition(album.spec.album.gap_s))
        .collect();
    let cd = target.medium == Medium::Cd && out_rate == 44_100;
    let frame = if cd { CD_FRAME_SAMPLES } else { 1 };
    let layout = layout::layout(&frames, &joins, out_rate, frame)
        .map_err(|(i, m)| album.track_error(i - 1, "crossfade_s", &m))?;
    let mut notes = Vec::new();
    if cd {
        let moved: Vec<String> = layout
            .tracks
            .iter()
            .zip(&joins)
            .zip(&frames)
            .enumerate()
            .filter_map(|(i, ((p, j), _))| {
                let asked = match j {
                    Transition::Gap(g) => (g * 44_100.0).round() as u64,
                    Transition::Crossfade(x) => (x * 44_100.0).round() as u64,
                };
                let got = p.gap_after.max(p.overlap_next);
                (i + 1 < n && got != asked)
                    .then(|| format!("after track {}: {asked} → {got} samples", i + 1))
            })
            .collect();
        notes.push(format!(
            "CD: every track starts on a CD frame (a multiple of {CD_FRAME_SAMPLES} samples, 1/75 s) so the CUE sheet is exact: gaps lengthened and crossfades shortened to the next frame boundary (at most 587 samples, 13.3 ms){}",
            if moved.is_empty() { String::new() } else { format!(": {}", moved.join(", ")) }
        ));
    }
    let track_files: Vec<PathBuf> = out.tracks.iter().map(|(s, _)| s.clone()).collect();
    let album_tags = album_tags(album, cx.artwork);
    progress.start(&format!("{}: album file", target.name), Some(layout.total));
    let assembled = assemble::assemble(
        &AlbumFile {
            tracks: &track_files,
            layout: &layout,
            rate: out_rate,
            spec: encode,
            ceiling_dbtp: target.ceiling_dbtp,
            tags: Some(&album_tags),
        },
        &out.album.0,
        cx.options,
    )?;
    progress.finish();
    notes.extend(assembled.crossfades.iter().filter_map(|c| c.note.clone()));

    let a = &album.spec.album;
    let sheet = cue::Cue {
        title: a.title.clone(),
        performer: a.artist.clone(),
        upc: a.upc.clone(),
        date: a.year.clone(),
        genre: a.genre.clone(),
        file_name: out
            .album
            .1
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
        sample_rate: out_rate,
        tracks: tracks
            .iter()
            .zip(&layout.tracks)
            .map(|(t, p)| cue::CueTrack {
                title: t.title.clone(),
                performer: t.artist.clone().unwrap_or_else(|| a.artist.clone()),
                isrc: t.isrc.clone(),
                start: p.start,
            })
            .collect(),
    };
    mixmaster_io::write_file_atomic(&out.cue.0, sheet.render().as_bytes(), cx.options)?;

    let after: Vec<&Analysis> = delivered.iter().map(|d| &d.after).collect();
    let after_mean = tone::mean_spectrum(&after);
    let delivered_tracks = delivered
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let mut plan = plans[i].clone();
            plan.limiter.settings.input_gain_db = d.input_gain_db;
            plan.limiter.settings.ceiling_dbtp = d.limiter_ceiling_dbtp;
            plan.limiter.settings.lock_gain = true;
            let tp = d
                .after
                .true_peak_dbtp
                .map_or(d.true_peak_8x_dbtp, |t| t.max(d.true_peak_8x_dbtp));
            let start = layout.tracks[i].start;
            DeliveredTrack {
                number: i + 1,
                title: tracks[i].title.clone(),
                file: out.tracks[i].1.display().to_string(),
                target_lufs: levels[i],
                integrated_lufs: d.after.integrated_lufs,
                loudness_range_lu: d.after.loudness_range_lu,
                true_peak_dbtp: tp,
                plr_db: d.after.integrated_lufs.map(|l| tp - l),
                gain_db: d
                    .after
                    .integrated_lufs
                    .zip(cx.analyses[i].integrated_lufs)
                    .map(|(o, s)| o - s),
                chain_lufs: Some(chain_lufs[i]),
                limiter_drive_db: d.input_gain_db,
                max_gain_reduction_db: d.passes.last().map_or(0.0, |p| p.max_gain_reduction_db),
                spectral_deviation_db: tone::deviation_db(&d.after, &after_mean),
                start_sample: start,
                cue_index: cue::msf(cue::frame_of(start, out_rate)),
                notes: d.notes,
                plan,
            }
        })
        .collect();

    let album_tp = assembled
        .analysis
        .true_peak_dbtp
        .map_or(assembled.true_peak_8x_dbtp, |t| {
            t.max(assembled.true_peak_8x_dbtp)
        });
    Ok(AlbumDelivery {
        target: target.clone(),
        dir: out.dir.display().to_string(),
        sample_rate: out_rate,
        tracks: delivered_tracks,
        album_file: out.album.1.display().to_string(),
        cue_file: out.cue.1.display().to_string(),
        layout,
        album_integrated_lufs: assembled.analysis.integrated_lufs,
        album_loudness_range_lu: assembled.analysis.loudness_range_lu,
        album_true_peak_dbtp: album_tp,
        crossfades: assembled.crossfades,
        notes,
    })
}
