//! `mixmaster analyze FILE... [--json]`

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::html::ReportFile;
use crate::progress::TerminalProgress;
use mixmaster::analyze::{FileAnalysis, analyze_file};
use mixmaster_analysis::Analysis;

/// Arguments of `mixmaster analyze`.
#[derive(clap::Args)]
pub struct Args {
    /// Audio files to measure (WAV, AIFF, FLAC, MP3, Ogg Vorbis, M4A).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print JSON (an object for one file, an array for several) instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write an HTML report here: plots and tables in one self-contained file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Overwrite an existing report.
    #[arg(long)]
    force: bool,
}

/// Measure every file; stop at the first that cannot be read.
pub fn run(args: &Args) -> mixmaster::Result<()> {
    let html = ReportFile::prepare(args.report.as_deref(), args.force, args.files.clone())?;
    let mut progress = TerminalProgress::new();
    let mut results = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let result = analyze_file(path, &mut progress)?;
        for w in &result.warnings {
            eprintln!("warning: {w}");
        }
        results.push(result);
    }
    if let Some(html) = &html {
        let files: Vec<(String, Analysis)> = results
            .iter()
            .map(|r| (r.path.clone(), r.analysis.clone()))
            .collect();
        let warnings: Vec<String> = results.iter().flat_map(|r| r.warnings.clone()).collect();
        html.write(&mixmaster_report::analysis_html(&files, &warnings))?;
    }
    if args.json {
        let json = if results.len() == 1 {
            serde_json::to_string_pretty(&results[0])
        } else {
            serde_json::to_string_pretty(&results)
        };
        // Serialising plain numbers and strings cannot fail.
        println!("{}", json.expect("analysis serialises to JSON"));
    } else {
        for (i, r) in results.iter().enumerate() {
            if i > 0 {
                println!();
            }
            print!("{}", table(r));
        }
    }
    Ok(())
}

/// `-inf`-safe formatting of an optional level.
fn level(v: Option<f64>, unit: &str) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.1} {unit}"),
        _ => format!("n/a {unit}"),
    }
}

fn duration(seconds: f64) -> String {
    let minutes = (seconds / 60.0).floor();
    format!("{}:{:06.3}", minutes as u64, seconds - minutes * 60.0)
}

/// A human-readable table of one file's measurements.
fn table(r: &FileAnalysis) -> String {
    let a = &r.analysis;
    let mut out = String::new();
    let bits = r
        .bits_per_sample
        .map(|b| format!(", {b}-bit"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{}  ({}{bits}, {} Hz, {} ch, {})",
        r.path,
        r.codec,
        a.sample_rate,
        a.channels,
        duration(a.duration_s)
    );
    let mut row = |name: &str, value: String| {
        let _ = writeln!(out, "  {name:<28}{value}");
    };
    row("Integrated loudness", level(a.integrated_lufs, "LUFS"));
    row("Loudness range", level(a.loudness_range_lu, "LU"));
    row("Max momentary", level(a.max_momentary_lufs, "LUFS"));
    row("Max short-term", level(a.max_short_term_lufs, "LUFS"));
    row("True peak", level(a.true_peak_dbtp, "dBTP"));
    row("Sample peak", level(a.sample_peak_dbfs, "dBFS"));
    row("RMS", level(a.rms_dbfs, "dBFS"));
    row("Crest factor", level(a.crest_factor_db, "dB"));
    row("PLR", level(a.plr_db, "dB"));
    let dc: Vec<String> = a.dc_offset.iter().map(|d| format!("{d:+.5}")).collect();
    row("DC offset", dc.join(" "));
    if let Some(c) = a.correlation {
        row("Correlation", format!("{c:+.2}"));
    }
    if let (Some(c), Some(t)) = (a.worst_correlation, a.worst_correlation_at_s) {
        row(
            "Worst correlation (400 ms)",
            format!("{c:+.2} at {}", duration(t)),
        );
    }
    if let Some(s) = a.side_to_mid_db {
        row("Side/mid", format!("{s:.1} dB"));
    }
    if let Some(d) = a.mono_loudness_drop_lu {
        row("Mono fold-down drop", format!("{d:.1} LU"));
    }
    row(
        "Clipped runs (>=3 samples)",
        format!("{} ({} samples)", a.clipped_runs, a.clipped_samples),
    );
    row("Leading silence", format!("{:.3} s", a.leading_silence_s));
    row("Trailing silence", format!("{:.3} s", a.trailing_silence_s));
    if a.non_finite_samples > 0 {
        let at = a
            .first_non_finite_s
            .map(|t| format!(", first at {}", duration(t)))
            .unwrap_or_default();
        row(
            "NaN/Inf samples",
            format!("{} (treated as 0{at})", a.non_finite_samples),
        );
    }
    out
}
