//! A terminal progress bar for the engine's [`Progress`] reports, shown only
//! when stderr is a terminal so that pipes and CI logs stay clean.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use mixmaster::Progress;

/// Draws an `indicatif` bar on stderr, or nothing when stderr is not a terminal.
pub struct TerminalProgress {
    bar: Option<ProgressBar>,
    enabled: bool,
}

impl TerminalProgress {
    /// A progress bar that draws only if stderr is a terminal.
    pub fn new() -> Self {
        Self {
            bar: None,
            enabled: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for TerminalProgress {
    fn start(&mut self, label: &str, total: Option<u64>) {
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
    }
}
