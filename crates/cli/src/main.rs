//! The `mixmaster` command line: parses arguments, drives the engine, prints
//! human or JSON output, and turns every error into one line and an exit code.

mod album;
mod analyze;
mod automix;
mod demo;
mod html;
mod init;
mod master;
mod mix;
mod progress;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, documented in `--help`.
const EXIT_INTERNAL: u8 = 1;
const EXIT_BAD_INPUT: u8 = 2;

#[derive(Parser)]
#[command(
    name = "mixmaster",
    version,
    about = "Mixing and mastering engine: measure, mix and master audio to release targets.",
    after_help = "Exit codes:\n  0  success\n  1  internal error (a bug, or the machine failed: disk full, permissions)\n  2  bad input or usage (unreadable audio, bad arguments)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Measure files: BS.1770 loudness, LRA, true peak, DC, phase, clipping, silence, spectrum.
    Analyze(analyze::Args),
    /// Write a short synthesised demo song (six stems and their mix) to try every command on.
    Demo(demo::Args),
    /// Write a starting session (session.toml) from a folder of stems: roles, buses, routing.
    Init(init::Args),
    /// An explainable first mix from stems: levels, pan, EQ, dynamics and space, each with why.
    Automix(automix::Args),
    /// Render a session to a stereo mix (and bus stems), with latency compensation and headroom.
    Mix(mix::Args),
    /// Master a stereo mix to one or more destinations (streaming, broadcast, CD, vinyl).
    Master(Box<master::Args>),
    /// Master an album (album.toml): consistent level and tone, gaps or crossfades,
    /// per-track files, one continuous file with a CUE sheet.
    Album(Box<album::Args>),
    /// Run the local mastering web app: upload, master, A/B listen, download (loopback only by default).
    Serve(serve::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() { EXIT_BAD_INPUT } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Automix(args) => automix::run(&args),
        Command::Mix(args) => mix::run(&args),
        Command::Master(args) => master::run(&args),
        Command::Album(args) => album::run(&args),
        Command::Serve(args) => serve::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mixmaster: {e}");
            ExitCode::from(if e.is_bad_input() {
                EXIT_BAD_INPUT
            } else {
                EXIT_INTERNAL
            })
        }
    }
}
