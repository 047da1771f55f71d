//! `mixmaster init STEMS_DIR -o session.toml [--force]`

use std::path::PathBuf;

/// Arguments of `mixmaster init`.
#[derive(clap::Args)]
pub struct Args {
    /// Folder of stems (every audio file becomes a track).
    stems_dir: PathBuf,
    /// Session file to write.
    #[arg(short, long, default_value = "session.toml")]
    output: PathBuf,
    /// Overwrite an existing session file.
    #[arg(long)]
    force: bool,
}

/// Write a starting session and say how each role was chosen.
pub fn run(args: &Args) -> mixmaster::Result<()> {
    let report = mixmaster::mix::init(&args.stems_dir, &args.output, args.force)?;
    for s in &report.skipped {
        eprintln!("skipped: {s}");
    }
    for (t, c) in report.session.tracks.iter().zip(&report.choices) {
        println!(
            "{:<32} {:<14} -> {:<7} ({})",
            t.display_name(),
            serde_json::to_string(&c.role)
                .unwrap_or_default()
                .trim_matches('"'),
            t.output,
            c.reason
        );
    }
    println!(
        "wrote {} ({} tracks, {} Hz)",
        args.output.display(),
        report.session.tracks.len(),
        report.session.session.sample_rate
    );
    Ok(())
}
