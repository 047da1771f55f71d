//! `mixmaster mix SESSION -o MIX [--stems-out DIR] [--threads N]`

use std::path::PathBuf;

use mixmaster::mix::{RenderOptions, render_file};
use mixmaster_io::SampleFormat;

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
    let report = render_file(&args.session, &opts, &mut TerminalProgress::new())?;
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
