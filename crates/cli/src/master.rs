//! `mixmaster master MIX --target NAME... [-o FILE | --out-dir DIR]`

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use mixmaster::master::decide::PlanOptions;
use mixmaster::master::plan::{FadeCurveName, MasterPlan};
use mixmaster::master::preview::PreviewCodec;
use mixmaster::master::render::PassKind;
use mixmaster::master::targets::Target;
use mixmaster::master::{MasterReport, MasterRequest, master};
use mixmaster::{Error, Result};

use crate::html::ReportFile;
use mixmaster_io::{Artwork, Tags, WriteOptions, io_message, validate_isrc};

use crate::progress::TerminalProgress;

/// Fade curve names on the command line.
#[derive(Clone, Copy, clap::ValueEnum)]
enum FadeShape {
    Linear,
    Exponential,
    Logarithmic,
    SCurve,
}

/// Lossy preview formats.
#[derive(Clone, Copy, clap::ValueEnum)]
enum PreviewFormat {
    /// MP3, 320 kbit/s CBR (LAME).
    Mp3,
    /// Opus in Ogg, 160 kbit/s, 48 kHz (libopus).
    Opus,
}

/// Arguments of `mixmaster master`.
#[derive(clap::Args)]
pub struct Args {
    /// The stereo (or mono) mix to master.
    mix: PathBuf,
    /// Destination preset; repeat for several (spotify, apple-music, youtube, tidal,
    /// amazon-music, deezer, soundcloud, spotify-loud, aes-streaming, ebu-r128, atsc-a85,
    /// cd, vinyl). Default: spotify.
    #[arg(long = "target", value_name = "NAME")]
    targets: Vec<String>,
    /// Custom target loudness, LUFS (with --ceiling).
    #[arg(long, allow_hyphen_values = true, requires = "ceiling")]
    lufs: Option<f64>,
    /// Custom true-peak ceiling, dBTP (with --lufs).
    #[arg(long, allow_hyphen_values = true, requires = "lufs")]
    ceiling: Option<f64>,
    /// Output file (one destination only).
    #[arg(short, long, conflicts_with = "out_dir")]
    output: Option<PathBuf>,
    /// Output folder: one file per destination, named `<mix>.<target>.wav`
    /// (default: beside the mix).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// A commercial reference to match: tonal balance and width; also its loudness
    /// when no --target or --lufs is given.
    #[arg(long)]
    reference: Option<PathBuf>,
    /// Render this plan exactly instead of deciding one.
    #[arg(long)]
    plan: Option<PathBuf>,
    /// Save the rendered plan(s) as JSON (several destinations: `<stem>.<target>.json`).
    #[arg(long)]
    plan_out: Option<PathBuf>,
    /// Write the original mix at the master's loudness here, for a fair A/B.
    #[arg(long)]
    ab: Option<PathBuf>,
    /// Fade-in length, s.
    #[arg(long)]
    fade_in: Option<f64>,
    /// Fade-out length, s.
    #[arg(long)]
    fade_out: Option<f64>,
    /// Fade curve.
    #[arg(long, value_enum, default_value = "s-curve")]
    fade_curve: FadeShape,
    /// Level below which leading/trailing audio is trimmed, dBFS.
    #[arg(long, default_value_t = -60.0, allow_hyphen_values = true)]
    trim_threshold: f64,
    /// Silence kept before the first sound, s.
    #[arg(long, default_value_t = 0.05)]
    pre_roll: f64,
    /// Most limiting allowed on the loudest peaks, dB; a target needing more is missed on purpose.
    #[arg(long, default_value_t = 6.0)]
    max_limiting: f64,
    /// Metadata for the delivered files, KEY=VALUE; repeatable. Keys: title, artist,
    /// album, album-artist, year, track, track-total, genre, isrc, upc, comment, copyright.
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    tags: Vec<String>,
    /// Front-cover artwork (JPEG or PNG, checked by content).
    #[arg(long)]
    artwork: Option<PathBuf>,
    /// Also write a codec-safe lossy preview beside each master (its true peak is
    /// measured after decoding and kept under the ceiling).
    #[arg(long, value_enum)]
    preview: Option<PreviewFormat>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also write an HTML report here: plots and tables in one self-contained file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Overwrite existing outputs.
    #[arg(long)]
    force: bool,
}

fn targets(args: &Args) -> Result<Vec<Target>> {
    let bad = |msg: String| Error::input(&args.mix, msg);
    let mut out = Vec::new();
    for name in &args.targets {
        out.push(Target::preset(name).ok_or_else(|| {
            bad(format!(
                "unknown target '{name}' (choose from: {})",
                Target::preset_names().join(", ")
            ))
        })?);
    }
    if let (Some(lufs), Some(ceiling)) = (args.lufs, args.ceiling) {
        if !(-40.0..=0.0).contains(&lufs) || !(-20.0..=0.0).contains(&ceiling) {
            return Err(bad(
                "custom target must be -40..0 LUFS with a ceiling of -20..0 dBTP".into(),
            ));
        }
        out.push(Target::custom(lufs, ceiling));
    }
    if out.is_empty() {
        out.push(Target::preset("spotify").expect("spotify preset exists"));
    }
    Ok(out)
}

/// Metadata from `--tag KEY=VALUE` and `--artwork`.
fn tags(args: &Args) -> Result<Tags> {
    let mut t = Tags::default();
    for item in &args.tags {
        let bad = |msg: String| Error::input(&args.mix, format!("--tag {item}: {msg}"));
        let (key, value) = item
            .split_once('=')
            .ok_or_else(|| bad("expected KEY=VALUE".into()))?;
        let value = value.trim().to_string();
        let number = |v: &str| {
            v.parse::<u32>()
                .map_err(|_| bad(format!("'{v}' is not a number")))
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "title" => t.title = Some(value),
            "artist" => t.artist = Some(value),
            "album" => t.album = Some(value),
            "album-artist" | "albumartist" => t.album_artist = Some(value),
            "year" | "date" => t.year = Some(value),
            "track" => t.track_number = Some(number(&value)?),
            "track-total" => t.track_total = Some(number(&value)?),
            "genre" => t.genre = Some(value),
            "isrc" => t.isrc = Some(validate_isrc(&value).map_err(bad)?),
            "upc" | "ean" => t.upc = Some(value),
            "comment" => t.comment = Some(value),
            "copyright" => t.copyright = Some(value),
            other => return Err(bad(format!("unknown key '{other}'"))),
        }
    }
    if let Some(path) = &args.artwork {
        t.artwork = Some(Artwork::from_file(path)?);
    }
    Ok(t)
}

fn output_paths(args: &Args, targets: &[Target]) -> Result<Vec<PathBuf>> {
    if let Some(out) = &args.output {
        if targets.len() > 1 {
            return Err(Error::input(
                out,
                "-o takes one destination; use --out-dir for several",
            ));
        }
        return Ok(vec![out.clone()]);
    }
    let dir = match &args.out_dir {
        Some(d) => d.clone(),
        None => args.mix.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let stem = args
        .mix
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "master".into());
    Ok(targets
        .iter()
        .map(|t| dir.join(format!("{stem}.{}.wav", t.name)))
        .collect())
}

fn plan_paths(base: &Path, report: &MasterReport) -> Vec<PathBuf> {
    if report.deliveries.len() == 1 {
        return vec![base.to_path_buf()];
    }
    let stem = base
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plan".into());
    report
        .deliveries
        .iter()
        .map(|d| base.with_file_name(format!("{stem}.{}.json", d.plan.target.name)))
        .collect()
}

/// Master the mix, write plans if asked, print the report.
pub fn run(args: &Args) -> Result<()> {
    let plan = match &args.plan {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::input(path, format!("cannot read plan: {}", io_message(&e))))?;
            Some(MasterPlan::from_json(&text).map_err(|e| Error::input(path, e))?)
        }
        None => None,
    };
    let targets = match &plan {
        Some(p) if args.targets.is_empty() && args.lufs.is_none() => vec![p.target.clone()],
        // Matching a reference: its loudness replaces this target's, the ceiling stays.
        None if args.reference.is_some() && args.targets.is_empty() && args.lufs.is_none() => {
            let mut t = Target::custom(-14.0, -1.0);
            t.name = "reference".into();
            vec![t]
        }
        _ => targets(args)?,
    };
    let outputs = output_paths(args, &targets)?;
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::input(
                dir,
                format!("cannot create output folder: {}", io_message(&e)),
            )
        })?;
    }
    let request = MasterRequest {
        input: args.mix.clone(),
        deliveries: targets.into_iter().zip(outputs).collect(),
        plan,
        reference: args.reference.clone(),
        match_reference_loudness: args.reference.is_some()
            && args.targets.is_empty()
            && args.lufs.is_none()
            && args.plan.is_none(),
        options: PlanOptions {
            trim_threshold_dbfs: args.trim_threshold,
            pre_roll_s: args.pre_roll,
            fade_in_s: args.fade_in,
            fade_out_s: args.fade_out,
            fade_curve: match args.fade_curve {
                FadeShape::Linear => FadeCurveName::Linear,
                FadeShape::Exponential => FadeCurveName::Exponential,
                FadeShape::Logarithmic => FadeCurveName::Logarithmic,
                FadeShape::SCurve => FadeCurveName::SCurve,
            },
            max_gain_reduction_db: args.max_limiting,
        },
        force: args.force,
        ab: args.ab.clone(),
        tags: tags(args)?,
        preview: args.preview.map(|p| match p {
            PreviewFormat::Mp3 => PreviewCodec::Mp3,
            PreviewFormat::Opus => PreviewCodec::Opus,
        }),
    };
    if let Some(base) = &args.plan_out {
        // Check the plan destination before rendering anything.
        mixmaster_io::check_output(
            base,
            &WriteOptions {
                force: args.force,
                inputs: vec![args.mix.clone()],
            },
        )?;
    }
    let html = ReportFile::prepare(args.report.as_deref(), args.force, vec![args.mix.clone()])?;
    let report = master(&request, &mut TerminalProgress::new())?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(html) = &html {
        html.write(&mixmaster_report::master_html(&report))?;
    }
    if let Some(base) = &args.plan_out {
        let options = WriteOptions {
            force: args.force,
            inputs: vec![args.mix.clone()],
        };
        for (path, d) in plan_paths(base, &report).iter().zip(&report.deliveries) {
            let json = serde_json::to_string_pretty(&d.plan).expect("plans serialise to JSON");
            mixmaster_io::write_file_atomic(path, json.as_bytes(), &options)?;
        }
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

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| format!("n/a {unit}"), |v| format!("{v:.1} {unit}"))
}

/// The human-readable report.
fn text_report(r: &MasterReport) -> String {
    let mut s = String::new();
    let b = &r.before;
    let _ = writeln!(s, "Mix: {}", r.input);
    for d in &r.deliveries {
        let a = &d.delivered.after;
        let t = &d.plan.target;
        let _ = writeln!(
            s,
            "\n== {} -> {}  (target {:.1} LUFS, ceiling {:.1} dBTP; {}-bit {} Hz)",
            t.name,
            d.delivered.path.display(),
            t.integrated_lufs,
            t.ceiling_dbtp,
            d.plan.output.bits,
            d.plan.output.sample_rate
        );
        let _ = writeln!(s, "  {:<22}{:>14}{:>14}", "", "before", "after");
        let rows: [(&str, Option<f64>, Option<f64>, &str); 6] = [
            ("Integrated", b.integrated_lufs, a.integrated_lufs, "LUFS"),
            (
                "Loudness range",
                b.loudness_range_lu,
                a.loudness_range_lu,
                "LU",
            ),
            ("True peak", b.true_peak_dbtp, a.true_peak_dbtp, "dBTP"),
            ("PLR", b.plr_db, a.plr_db, "dB"),
            ("Crest factor", b.crest_factor_db, a.crest_factor_db, "dB"),
            ("Correlation", b.correlation, a.correlation, ""),
        ];
        for (name, x, y, unit) in rows {
            let _ = writeln!(s, "  {name:<22}{:>14}{:>14}", opt(x, unit), opt(y, unit));
        }
        let _ = writeln!(
            s,
            "  loudness error {}, limiter drive {:+.2} dB, {} render(s) after {} modelled drive(s)",
            opt(d.loudness_error_lu, "LU"),
            d.delivered.input_gain_db,
            d.delivered
                .passes
                .iter()
                .filter(|p| p.kind != PassKind::Modelled)
                .count(),
            d.delivered
                .passes
                .iter()
                .filter(|p| p.kind == PassKind::Modelled)
                .count()
        );
        if let Some(p) = &d.preview {
            let _ = writeln!(
                s,
                "  preview: {} ({} kbit/s {}), decoded true peak {:.2} dBTP after {} encode(s), limiter ceiling {:.2} dBTP",
                p.path.display(),
                p.bitrate_kbps,
                p.codec.extension(),
                p.decoded_true_peak_dbtp,
                p.attempts,
                p.limiter_ceiling_dbtp
            );
        }
        for note in &d.delivered.notes {
            let _ = writeln!(s, "  note: {note}");
        }
        let _ = writeln!(s, "  Plan:");
        let p = &d.plan;
        let stages: [(&str, bool, &Vec<String>); 11] = [
            ("trim", p.trim.enabled, &p.trim.why),
            ("fades", p.fades.enabled, &p.fades.why),
            ("subsonic", p.subsonic.enabled, &p.subsonic.why),
            (
                "corrective EQ",
                p.corrective_eq.enabled,
                &p.corrective_eq.why,
            ),
            ("tonal EQ", p.tonal_eq.enabled, &p.tonal_eq.why),
            ("de-esser", p.deesser.enabled, &p.deesser.why),
            ("glue", p.glue.enabled, &p.glue.why),
            ("multiband", p.multiband.enabled, &p.multiband.why),
            ("stereo", p.stereo.enabled, &p.stereo.why),
            ("saturation", p.saturation.enabled, &p.saturation.why),
            ("limiter", p.limiter.enabled, &p.limiter.why),
        ];
        for (name, on, why) in stages {
            let _ = writeln!(
                s,
                "    [{}] {name}: {}",
                if on { "on " } else { "off" },
                why.join("; ")
            );
        }
        let _ = writeln!(s, "  What platforms will do to this master:");
        for pen in &d.penalties {
            let _ = writeln!(
                s,
                "    {:<14} {:+5.1} dB  {}",
                pen.platform, pen.gain_db, pen.note
            );
        }
    }
    if let Some((path, gain)) = &r.ab {
        let _ = writeln!(
            s,
            "\nA/B: {path} is the mix at the master's loudness ({gain:+.1} dB)"
        );
    }
    let _ = writeln!(s, "\nMix feedback (fix these in the mix, not the master):");
    if r.mix_feedback.is_empty() {
        let _ = writeln!(s, "  nothing to flag");
    }
    for f in &r.mix_feedback {
        let _ = writeln!(
            s,
            "  [{:?}] {}: {} (threshold {}). {}",
            f.severity, f.code, f.measured, f.threshold, f.advice
        );
    }
    s
}
