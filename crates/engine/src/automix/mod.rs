//! Automatic mixing: an explainable first mix from raw stems.
//!
//! Analyse each stem once ([`features`], in parallel), decide like a mix
//! engineer with knowledge-engineered rules from the automatic-mixing
//! literature ([`levels`], [`pan`], [`eq`], [`masking`], [`dynamics`],
//! [`space`], put together by [`decide`]), and write the result as an
//! ordinary session — the same TOML `mixmaster mix` renders — with a `why`
//! beside every automatic setting. The report ([`AutomixReport`]) carries the
//! measurements and decisions for people and tools.
//!
//! **Invariance.** Every measurement the rules use is either scale-free (crest,
//! loudness range, spectral shape, sibilance share, bleed ratio, note-change
//! rate, monophony, active share) or moves 1:1
//! with the stem's gain (active loudness). The first insert trims each stem to
//! a fixed staging loudness, so every later threshold meets the same signal
//! whatever level the stem arrived at: scaling a stem by any gain leaves the
//! mix unchanged but for float rounding.

pub mod decide;
pub mod dynamics;
pub mod eq;
pub mod features;
pub mod levels;
pub mod masking;
pub mod pan;
pub mod report;
pub mod space;

use std::path::{Path, PathBuf};

use mixmaster_io::{WriteOptions, check_output, write_file_atomic};
use rayon::prelude::*;

pub use features::StemFeatures;
pub use report::{AutomixReport, Decision, MaskingPair, MixLevels, StemReport};

use crate::mix::roles::{Listen, role_from_listen};
use crate::mix::{RenderOptions, Role, Session, render_file};
use crate::{Error, Progress, Result};
use levels::LINE_MIN_CHANGES_PER_S;

/// How to run the automix.
#[derive(Debug, Clone, Default)]
pub struct AutomixOptions {
    /// Overwrite the session (and the render) if they exist.
    pub force: bool,
    /// Also render the mix here.
    pub render: Option<PathBuf>,
    /// Worker threads for analysis and render (`None` = all cores).
    pub threads: Option<usize>,
}

/// `path` relative to `base` when it lies under it, else absolute.
fn rebase(path: &Path, base: &Path) -> PathBuf {
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let (p, b) = (canon(path), canon(base));
    p.strip_prefix(&b).map_or(p.clone(), Path::to_path_buf)
}

/// The starting session and how each role was chosen: from a folder of stems
/// (roles from names or a listen, as `init` does) or from a session file (its
/// roles as written), with track paths relative to `session_dir`.
fn starting_point(input: &Path, session_dir: &Path) -> Result<(Session, Vec<String>)> {
    if input.is_dir() {
        let r = crate::mix::init::build(input, session_dir)?;
        let why = r.choices.iter().map(|c| c.reason.clone()).collect();
        return Ok((r.session, why));
    }
    let mut s = crate::mix::load(input)?;
    let base = crate::mix::validate::base_dir(input);
    for t in &mut s.tracks {
        t.file = rebase(&base.join(&t.file), session_dir);
    }
    // Returns from an earlier automix are rebuilt from the new decisions.
    s.buses
        .retain(|b| ![space::PLATE, space::ROOM, space::ECHO].contains(&b.name.as_str()));
    let why = s
        .tracks
        .iter()
        .map(|t| format!("role {:?} as the session file says", t.role))
        .collect();
    Ok((s, why))
}

/// Roles that `init` guessed by listening are guessed again from the automix's
/// own features, which are scale-free (init's short listen counts onsets above
/// an absolute level, so a quiet stem could change role and break invariance)
/// and cover the whole stem. Same rules ([`role_from_listen`]), same groups.
fn relisten(session: &mut Session, features: &[StemFeatures], role_why: &mut [String]) {
    for ((t, f), why) in session
        .tracks
        .iter_mut()
        .zip(features)
        .zip(role_why.iter_mut())
    {
        if !why.starts_with("listened") || f.active_lufs.is_none() {
            continue;
        }
        let p: Vec<f64> = f.bands_db.iter().map(|d| 10f64.powf(d / 10.0)).collect();
        let total: f64 = p.iter().sum::<f64>().max(1e-30);
        // Below 160 Hz: the first critical band and 60 % of the second (100–200 Hz).
        let l = Listen {
            centroid_hz: f.centroid_hz,
            low_share: (p[0] + 0.6 * p[1]) / total,
            onsets_per_s: f.onsets_per_s,
        };
        let old_group = t.role.group();
        t.role = role_from_listen(&l);
        // The short listen counts energy onsets only, so a legato melody (a
        // new note every few hundred ms, no level change) sounds "sustained"
        // and dark parts come out as pads. A part that changes note as often
        // as a melody does is a line, not a bed (see LINE_MIN_CHANGES_PER_S).
        let line = t.role == Role::Pad && f.note_changes_per_s >= LINE_MIN_CHANGES_PER_S;
        if line {
            t.role = Role::Other;
        }
        if t.output == old_group {
            t.output = t.role.group().to_string();
        }
        *why = format!(
            "listened to the whole stem: centroid {:.0} Hz, {:.0} % below 160 Hz, {:.1} onsets/s, {:.1} note changes/s{}",
            l.centroid_hz,
            100.0 * l.low_share,
            l.onsets_per_s,
            f.note_changes_per_s,
            if line {
                " — sustained but moving like a melody: a line, not a pad"
            } else {
                ""
            }
        );
    }
    let used: Vec<String> = session.tracks.iter().map(|t| t.output.clone()).collect();
    for g in ["drums", "bass", "music", "vocals"] {
        if used.iter().any(|u| u == g) && !session.buses.iter().any(|b| b.name == g) {
            session.buses.push(crate::mix::Bus::new(g));
        }
    }
}

/// Analyses the stems and decides: the session (paths relative to
/// `session_dir`) and the report (no mix levels yet).
pub fn plan(
    input: &Path,
    session_dir: &Path,
    threads: Option<usize>,
) -> Result<(Session, AutomixReport)> {
    let (mut session, role_why) = starting_point(input, session_dir)?;
    let paths: Vec<PathBuf> = session
        .tracks
        .iter()
        .map(|t| session_dir.join(&t.file))
        .collect();
    let measure = || -> Vec<Result<StemFeatures>> {
        paths.par_iter().map(|p| features::measure(p)).collect()
    };
    let measured = match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Error::input(input, format!("cannot start {n} threads: {e}")))?
            .install(measure),
        None => measure(),
    };
    let features = measured.into_iter().collect::<Result<Vec<_>>>()?;
    // A stem too short to measure is muted by `decide`; with nothing else to
    // mix there is no mix to make.
    if let Some(f) = features
        .first()
        .filter(|_| features.iter().all(|f| f.too_short()))
    {
        return Err(Error::input(
            &paths[0],
            format!(
                "audio is {:.2} s long{}; loudness needs at least {} s (one BS.1770 gating block), so there is nothing to automix",
                f.seconds,
                if features.len() > 1 {
                    " (and every other stem is too short as well)"
                } else {
                    ""
                },
                features::MIN_SECONDS
            ),
        ));
    }
    let mut role_why = role_why;
    relisten(&mut session, &features, &mut role_why);
    // Stems cut short of their declared length are mixed as they are, said so.
    let truncated: Vec<String> = features.iter().flat_map(|f| f.warnings.clone()).collect();
    let d = decide::decide(&mut session.tracks, features, &role_why);
    session.buses.extend(d.returns);
    let report = AutomixReport {
        session_path: PathBuf::new(),
        lead: d.lead,
        stems: d.stems,
        lr_balance_db: d.lr_balance_db,
        masking: d.masking,
        mix: None,
        warnings: truncated.into_iter().chain(d.warnings).collect(),
    };
    Ok((session, report))
}

/// Automixes `input` (a folder of stems or a session file) into the session
/// `output`, written atomically and never over an existing file unless
/// `force`; renders it when asked.
pub fn automix(
    input: &Path,
    output: &Path,
    opts: &AutomixOptions,
    progress: &mut dyn Progress,
) -> Result<AutomixReport> {
    let write = WriteOptions {
        force: opts.force,
        inputs: vec![input.to_path_buf()],
    };
    check_output(output, &write)?;
    if let Some(mix) = &opts.render {
        check_output(
            mix,
            &WriteOptions {
                force: opts.force,
                inputs: vec![input.to_path_buf(), output.to_path_buf()],
            },
        )?;
    }
    let dir = crate::mix::validate::base_dir(output);
    let (session, mut report) = plan(input, &dir, opts.threads)?;
    let text = toml::to_string_pretty(&session)
        .map_err(|e| Error::input(output, format!("cannot serialise the session: {e}")))?;
    // The stems are inputs too: `-o stems/kick.wav --force` must not replace
    // a stem with the session that names it (the folder alone was checked).
    let write = WriteOptions {
        inputs: [input.to_path_buf()]
            .into_iter()
            .chain(session.tracks.iter().map(|t| dir.join(&t.file)))
            .collect(),
        ..write
    };
    write_file_atomic(output, text.as_bytes(), &write)?;
    report.session_path = output.to_path_buf();
    if let Some(mix) = &opts.render {
        let r = render_file(
            output,
            &RenderOptions {
                output: mix.clone(),
                stems_dir: None,
                threads: opts.threads,
                sample_format: mixmaster_io::SampleFormat::Int24,
                force: opts.force,
            },
            progress,
        )?;
        // The render re-reads the stems: a cut one was already reported.
        for w in r.warnings {
            if !report.warnings.contains(&w) {
                report.warnings.push(w);
            }
        }
        report.mix = Some(MixLevels {
            path: mix.clone(),
            integrated_lufs: r.integrated_lufs,
            true_peak_dbtp: r.true_peak_dbtp,
            headroom_gain_db: r.headroom_gain_db,
        });
    }
    Ok(report)
}
