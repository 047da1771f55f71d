//! `mixmaster album album.toml --target NAME... --out-dir DIR [--per-track]`

use std::fmt::Write as _;
use std::path::PathBuf;

use mixmaster::album::{AlbumReport, AlbumRequest, LoudnessMode, master_album};
use mixmaster::master::decide::PlanOptions;
use mixmaster::master::targets::Target;
use mixmaster::{Error, Result};
use mixmaster_io::io_message;

use crate::html::ReportFile;
use crate::progress::TerminalProgress;

/// Arguments of `mixmaster album`.
#[derive(clap::Args)]
pub struct Args {
    /// The album file: metadata, tracks in order, gaps or crossfades, overrides.
    album: PathBuf,
    /// Destination preset; repeat for several (spotify, apple-music, cd, vinyl, …).
    /// Default: spotify.
    #[arg(long = "target", value_name = "NAME")]
    targets: Vec<String>,
    /// Output folder; each target gets a sub-folder named after it.
    #[arg(long)]
    out_dir: PathBuf,
    /// Every track to the target loudness, instead of album normalisation (the
    /// loudest track at the target, the others keeping their level relative to it).
    #[arg(long)]
    per_track: bool,
    /// Level below which leading/trailing audio is trimmed, dBFS.
    #[arg(long, default_value_t = -60.0, allow_hyphen_values = true)]
    trim_threshold: f64,
    /// Most limiting allowed on the loudest peaks, dB; a track needing more is
    /// delivered at the loudest clean level, with a note.
    #[arg(long, default_value_t = 6.0)]
    max_limiting: f64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also write an HTML report here: every track's figures and the album's.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Overwrite existing outputs.
    #[arg(long)]
    force: bool,
}

fn targets(args: &Args) -> Result<Vec<Target>> {
    if args.targets.is_empty() {
        return Ok(Target::preset("spotify").into_iter().collect());
    }
    args.targets
        .iter()
        .map(|name| {
            Target::preset(name).ok_or_else(|| {
                Error::input(
                    &args.album,
                    format!(
                        "unknown target '{name}' (choose from: {})",
                        Target::preset_names().join(", ")
                    ),
                )
            })
        })
        .collect()
}

/// Runs `mixmaster album`.
pub fn run(args: &Args) -> Result<()> {
    std::fs::create_dir_all(&args.out_dir).map_err(|e| {
        Error::input(
            &args.out_dir,
            format!("cannot create output folder: {}", io_message(&e)),
        )
    })?;
    let request = AlbumRequest {
        album_file: args.album.clone(),
        targets: targets(args)?,
        out_dir: args.out_dir.clone(),
        mode: if args.per_track {
            LoudnessMode::PerTrack
        } else {
            LoudnessMode::Album
        },
        options: PlanOptions {
            trim_threshold_dbfs: args.trim_threshold,
            max_gain_reduction_db: args.max_limiting,
            ..PlanOptions::default()
        },
        force: args.force,
    };
    let html = ReportFile::prepare(args.report.as_deref(), args.force, vec![args.album.clone()])?;
    let report = master_album(&request, &mut TerminalProgress::new())?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(html) = &html {
        html.write(&mixmaster_report::album_html(&report))?;
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("reports serialise to JSON")
        );
    } else {
        print!("{}", text_report(&report));
    }
    Ok(())
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.1}"))
}

/// The human-readable report: one table per target.
fn text_report(r: &AlbumReport) -> String {
    let mut s = String::new();
    let mode = match r.mode {
        LoudnessMode::Album => "album normalisation",
        LoudnessMode::PerTrack => "per track",
    };
    let _ = writeln!(
        s,
        "Album: {} — {} ({}; {mode})",
        r.artist, r.title, r.album_file
    );
    for n in &r.notes {
        let _ = writeln!(s, "  note: {n}");
    }
    for d in &r.deliveries {
        let t = &d.target;
        let _ = writeln!(
            s,
            "\n== {} -> {}  (target {:.1} LUFS, ceiling {:.1} dBTP; {} Hz)",
            t.name, d.dir, t.integrated_lufs, t.ceiling_dbtp, d.sample_rate
        );
        let _ = writeln!(
            s,
            "  {:>2}  {:<24}{:>8}{:>8}{:>7}{:>8}{:>6}{:>7}{:>8}{:>10}{:>10}",
            "#", "title", "source", "LUFS", "LRA", "TP", "PLR", "gain", "limit", "tone±", "start"
        );
        for (k, tr) in d.tracks.iter().enumerate() {
            let src = r.tracks.get(k).and_then(|x| x.integrated_lufs);
            let tone = format!(
                "{}>{}",
                opt(r.tracks.get(k).and_then(|x| x.spectral_deviation_db)),
                opt(tr.spectral_deviation_db)
            );
            let title: String = tr.title.chars().take(23).collect();
            let _ = writeln!(
                s,
                "  {:>2}  {:<24}{:>8}{:>8}{:>7}{:>8.1}{:>6}{:>7}{:>8.1}{:>10}{:>10}",
                tr.number,
                title,
                opt(src),
                opt(tr.integrated_lufs),
                opt(tr.loudness_range_lu),
                tr.true_peak_dbtp,
                opt(tr.plr_db),
                tr.gain_db
                    .map_or_else(|| "n/a".into(), |g| format!("{g:+.1}")),
                tr.max_gain_reduction_db,
                tone,
                tr.cue_index
            );
            for n in &tr.notes {
                let _ = writeln!(s, "        note: {n}");
            }
        }
        let _ = writeln!(
            s,
            "  album file {}: {} LUFS, LRA {} LU, true peak {:.1} dBTP",
            d.album_file,
            opt(d.album_integrated_lufs),
            opt(d.album_loudness_range_lu),
            d.album_true_peak_dbtp
        );
        let _ = writeln!(s, "  CUE sheet  {}", d.cue_file);
        for n in &d.notes {
            let _ = writeln!(s, "  note: {n}");
        }
    }
    let _ = writeln!(
        s,
        "\nColumns: source and delivered integrated loudness (LUFS), loudness range (LU), true peak (dBTP, the larger of the 4x and 8x meters), PLR (dB), gain = delivered minus source (LU), most limiting (dB), tone± = spectral deviation from the album mean, source>delivered (dB RMS over third-octave bands), start = CUE index (mm:ss:ff)."
    );
    s
}
