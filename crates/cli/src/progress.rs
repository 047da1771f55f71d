//! A terminal progress bar for the engine's [`Progress`] reports, shown only
//! when stderr is a terminal so that pipes and CI logs stay clean.
//!
//! With `MIXMASTER_TIMINGS=1` in the environment, each stage's wall time is
//! also printed on stderr when it finishes (`timing: <stage> <seconds> s`),
//! terminal or not: the benchmarks read it to say where the time goes.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use mixmaster::Progress;

/// Draws an `indicatif` bar on stderr, or nothing when stderr is not a terminal.
pub struct TerminalProgress {
    bar: Option<ProgressBar>,
    enabled: bool,
    /// The running stage and when it started, when timings are asked for.
    timing: Option<Option<(String, Instant)>>,
}

impl TerminalProgress {
    /// A progress bar that draws only if stderr is a terminal.
    pub fn new() -> Self {
        let timings = std::env::var_os("MIXMASTER_TIMINGS").is_some_and(|v| v != "0");
        Self {
            bar: None,
            enabled: std::io::stderr().is_terminal(),
            timing: timings.then_some(None),
        }
    }
}

impl Progress for TerminalProgress {
    fn start(&mut self, label: &str, total: Option<u64>) {
        if let Some(stage) = &mut self.timing {
            *stage = Some((label.to_string(), Instant::now()));
        }
        if !self.enabled {
            return;
        }
        let bar = match total {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::new_spinner(),
        };
        let style = ProgressStyle::with_template("{msg:30!} [{bar:40}] {percent:>3}% {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(label.to_string());
        self.bar = Some(bar);
    }

    fn advance(&mut self, frames: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(frames);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if let Some((label, started)) = self.timing.as_mut().and_then(Option::take) {
            eprintln!("timing: {label} {:.3} s", started.elapsed().as_secs_f64());
        }
    }
}
