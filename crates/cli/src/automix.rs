//! `mixmaster automix STEMS_DIR|SESSION -o SESSION [--render MIX] [--json] [--force]`

use std::path::PathBuf;

use mixmaster::automix::{AutomixOptions, AutomixReport, automix};

use crate::html::ReportFile;
use crate::progress::TerminalProgress;

/// Arguments of `mixmaster automix`.
#[derive(clap::Args)]
pub struct Args {
    /// A folder of stems, or a session file whose tracks and roles to keep.
    input: PathBuf,
    /// The session to write (TOML, renderable with `mixmaster mix`).
    #[arg(short, long)]
    output: PathBuf,
    /// Also render the mix here (.wav, .aif/.aiff or .flac, 24-bit).
    #[arg(long, value_name = "MIX")]
    render: Option<PathBuf>,
    /// Worker threads for analysis and render (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Overwrite existing output files.
    #[arg(long)]
    force: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also write an HTML report here: per-stem decisions, pan map, masking.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

fn num(v: Option<f64>, unit: &str) -> String {
    v.filter(|x| x.is_finite())
        .map_or_else(|| format!("n/a {unit}"), |x| format!("{x:.1} {unit}"))
}

fn print_text(r: &AutomixReport) {
    println!("session      {}", r.session_path.display());
    println!("lead         {}", r.lead.as_deref().unwrap_or("none"));
    for s in &r.stems {
        println!();
        println!(
            "{}  [{:?}{}]  {}  ({})",
            s.name,
            s.role,
            if s.is_lead { ", lead" } else { "" },
            num(s.features.active_lufs, "LUFS active"),
            s.role_why
        );
        println!(
            "    crest {:.1} dB, LRA {:.1} LU, centroid {:.0} Hz, low end {:.0} %, sibilance {:.1} dB",
            s.features.crest_db,
            s.features.lra_lu,
            s.features.centroid_hz,
            100.0 * s.features.low_share,
            s.features.sibilance_db
        );
        for d in &s.decisions {
            println!("    {:<10} {:<28} {}", d.what, d.value, d.why);
        }
    }
    println!();
    println!("pan map (L/R balance {:+.1} dB)", r.lr_balance_db);
    for line in r.pan_map() {
        println!("    {line}");
    }
    println!();
    println!("masking (excess dB / % of the target's energy masked)   before -> after");
    for m in &r.masking {
        println!(
            "    {:<14} by {:<14} {:5.1} dB {:4.0} %  ->  {:5.1} dB {:4.0} %",
            m.target,
            m.masker,
            m.before.excess_db,
            m.before.masked_pct,
            m.after.excess_db,
            m.after.masked_pct
        );
    }
    if let Some(mix) = &r.mix {
        println!();
        println!("mix          {}", mix.path.display());
        println!("loudness     {}", num(mix.integrated_lufs, "LUFS"));
        println!("true peak    {}", num(mix.true_peak_dbtp, "dBTP"));
        println!("headroom     {:+.2} dB master gain", mix.headroom_gain_db);
    }
}

/// Analyse, decide, write the session (and render it), then report.
pub fn run(args: &Args) -> mixmaster::Result<()> {
    let opts = AutomixOptions {
        force: args.force,
        render: args.render.clone(),
        threads: args.threads.filter(|n| *n > 0),
    };
    let html = ReportFile::prepare(args.report.as_deref(), args.force, vec![args.input.clone()])?;
    let report = automix(
        &args.input,
        &args.output,
        &opts,
        &mut TerminalProgress::new(),
    )?;
    if let Some(html) = &html {
        html.write(&mixmaster_report::automix_html(&report))?;
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
    } else {
        print_text(&report);
    }
    Ok(())
}
