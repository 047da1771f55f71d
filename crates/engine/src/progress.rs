//! Progress reporting, decoupled from any terminal library: the command line
//! drives a progress bar through this trait, the web service a stream of events.

/// Receives progress of a long-running stage, in sample frames.
pub trait Progress {
    /// A stage called `label` begins; `total` frames are expected when known.
    fn start(&mut self, label: &str, total: Option<u64>);
    /// `frames` more frames have been processed.
    fn advance(&mut self, frames: u64);
    /// The current stage is complete.
    fn finish(&mut self);
}

/// Discards all progress reports.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&mut self, _label: &str, _total: Option<u64>) {}
    fn advance(&mut self, _frames: u64) {}
    fn finish(&mut self) {}
}
