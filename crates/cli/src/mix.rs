//! `mixmaster mix SESSION -o MIX [--stems-out DIR] [--threads N]`

use std::path::PathBuf;

use mixmaster::analyze::analyze_file;
use mixmaster::mix::{RenderOptions, render_file};
use mixmaster_io::SampleFormat;
use mixmaster_report::MixDetail;

use crate::html::ReportFile;
use crate::progress::TerminalProgress;

/// Arguments of `mixmaster mix`.
#[derive(clap::Args)]
pub struct Args {
    /// The session file (TOML; `mixmaster init` writes one).
    session: PathBuf,
    /// The mix to write (.wav, .aif/.aiff or .flac).
    #[arg(short, long)]
    output: PathBuf,
    /// Also write one stem per master input (drums, bass, music, vocals, returns) here.
    #[arg(long, value_name = "DIR")]
    stems_out: Option<PathBuf>,
    /// Worker threads for the tracks (default: all cores). Output is identical for any count.
    #[arg(long)]
    threads: Option<usize>,
    /// Sample format: 16, 24 or 32f (float).
    #[arg(long, default_value = "24", value_parser = ["16", "24", "32f"])]
    bits: String,
    /// Overwrite existing output files.
    #[arg(long)]
    force: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also write an HTML report here: plots and tables in one self-contained file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

/// Render the session and report loudness and peak.
pub fn run(args: &Args) -> mixmaster::Result<()> {
    let opts = RenderOptions {
        output: args.output.clone(),
        stems_dir: args.stems_out.clone(),
        threads: args.threads.filter(|n| *n > 0),
        sample_format: match args.bits.as_str() {
            "16" => SampleFormat::Int16,
            "32f" => SampleFormat::Float32,
            _ => SampleFormat::Int24,
        },
        force: args.force,
    };
    let html = ReportFile::prepare(
        args.report.as_deref(),
        args.force,
        vec![args.session.clone()],
    )?;
    let mut progress = TerminalProgress::new();
    let report = render_file(&args.session, &opts, &mut progress)?;
    if let Some(html) = &html {
        // The page plots the mix and stems as written and the session's pans.
        let mix = analyze_file(&args.output, &mut progress)?.analysis;
        let mut stems = Vec::with_capacity(report.stems.len());
        for stem in &report.stems {
            let name = stem.file_stem().map_or_else(
                || stem.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            stems.push((name, analyze_file(stem, &mut progress)?.analysis));
        }
        let session = mixmaster::mix::load(&args.session)?;
        let detail = MixDetail {
            mix: Some(&mix),
            stems: &stems,
            tracks: &session.tracks,
        };
        html.write(&mixmaster_report::mix_html_with(&report, &detail))?;
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if args.json {
        // Plain numbers, strings and paths always serialise.
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("report serialises")
        );
        return Ok(());
    }
    let level = |v: Option<f64>, unit: &str| {
        v.filter(|x| x.is_finite())
            .map_or_else(|| format!("n/a {unit}"), |x| format!("{x:.1} {unit}"))
    };
    println!("mix          {}", args.output.display());
    println!(
        "length       {:.2} s at {} Hz",
        report.frames as f64 / f64::from(report.sample_rate),
        report.sample_rate
    );
    println!("loudness     {}", level(report.integrated_lufs, "LUFS"));
    println!("true peak    {}", level(report.true_peak_dbtp, "dBTP"));
    println!(
        "headroom     {:+.2} dB master gain",
        report.headroom_gain_db
    );
    println!("latency      {} samples compensated", report.latency_frames);
    for s in &report.stems {
        println!("stem         {}", s.display());
    }
    Ok(())
}
