//! The [`Processor`] contract shared by every stage, and [`Chain`], which runs
//! stages in series.

/// What a processor is prepared for. Everything that may allocate happens in
/// [`Processor::prepare`], never in [`Processor::process`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessSpec {
    /// Sample rate in Hz.
    pub sample_rate: f64,
    /// Number of planar channels that `process` will be given.
    pub channels: usize,
    /// The largest block, in frames, that `process` will be given.
    pub max_block: usize,
}

impl ProcessSpec {
    /// A spec for `channels` channels at `sample_rate` Hz, blocks of at most `max_block` frames.
    pub fn new(sample_rate: f64, channels: usize, max_block: usize) -> Self {
        Self {
            sample_rate,
            channels,
            max_block,
        }
    }
}

/// A block processor working in place on planar `f32` channels.
///
/// Contract:
/// - `prepare` is called before the first `process` and whenever the spec
///   changes; it may allocate and must leave the processor in the reset state.
/// - `process` receives exactly `spec.channels` slices of equal length, each at
///   most `spec.max_block` frames; it must not allocate, lock or panic on
///   finite input, and keeps its output finite.
/// - `latency` is the delay, in samples, that the processor adds to its input
///   (lookahead, linear-phase filters, oversampling); a mixer delays the other
///   paths by the difference.
/// - Parameter changes made between blocks are smoothed where a jump would click.
pub trait Processor: Send {
    /// Allocate and configure for `spec`; leaves the processor reset.
    fn prepare(&mut self, spec: &ProcessSpec);
    /// Process one block in place.
    fn process(&mut self, channels: &mut [&mut [f32]]);
    /// Clear all internal state (delay lines, envelopes, filter memories).
    fn reset(&mut self);
    /// Latency added by this processor, in samples at the prepared rate.
    fn latency(&self) -> usize {
        0
    }
}

/// Processors run in series; the chain's latency is the sum of its stages'.
#[derive(Default)]
pub struct Chain {
    stages: Vec<Box<dyn Processor>>,
}

impl Chain {
    /// An empty chain (a wire).
    pub fn new() -> Self {
        Self::default()
    }

    /// Append a stage; call [`Processor::prepare`] on the chain afterwards.
    pub fn push(&mut self, stage: Box<dyn Processor>) {
        self.stages.push(stage);
    }

    /// Append a stage, builder style.
    pub fn with(mut self, stage: impl Processor + 'static) -> Self {
        self.stages.push(Box::new(stage));
        self
    }

    /// Number of stages.
    pub fn len(&self) -> usize {
        self.stages.len()
    }

    /// True when the chain has no stages.
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }
}

impl Processor for Chain {
    fn prepare(&mut self, spec: &ProcessSpec) {
        for stage in &mut self.stages {
            stage.prepare(spec);
        }
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        for stage in &mut self.stages {
            stage.process(channels);
        }
    }

    fn reset(&mut self) {
        for stage in &mut self.stages {
            stage.reset();
        }
    }

    fn latency(&self) -> usize {
        self.stages.iter().map(|s| s.latency()).sum()
    }
}
