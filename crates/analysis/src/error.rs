//! Errors of the analysis crate. Each displays as one line without a file name;
//! the caller knows which file it was and adds it.

/// Why a measurement could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The audio has no channels at all.
    #[error("audio has no channels")]
    NoChannels,
    /// More channels than the BS.1770 meter supports.
    #[error("audio has {0} channels; the loudness meter supports at most {max}", max = crate::loudness::MAX_CHANNELS)]
    TooManyChannels(usize),
    /// A sample rate the loudness filters cannot be designed for.
    #[error("sample rate {0} Hz is out of range (16 Hz to 2822400 Hz)")]
    SampleRate(u32),
    /// Shorter than one 400 ms gating block, so loudness is undefined.
    #[error("audio is {seconds:.2} s long; loudness needs at least 0.4 s")]
    TooShort {
        /// Length of the audio in seconds.
        seconds: f64,
    },
    /// A pushed block has a different channel count from the one the analyzer was built for.
    #[error("a block has {got} channels; the analyzer was created for {expected}")]
    ChannelMismatch {
        /// Channels given to [`crate::Analyzer::new`].
        expected: usize,
        /// Channels in the offending block.
        got: usize,
    },
    /// The channels of a pushed block have different lengths.
    #[error("a block's channels differ in length ({shortest} to {longest} frames)")]
    RaggedBlock {
        /// Frames in the shortest channel.
        shortest: usize,
        /// Frames in the longest channel.
        longest: usize,
    },
    /// The system refused a thread for the meters (out of memory or threads).
    #[error("could not start a meter thread: {0}")]
    Thread(String),
    /// A meter thread stopped without a result (a bug: it panicked).
    #[error("a meter thread stopped unexpectedly")]
    ThreadLost,
    /// The `ebur128` meter refused an operation (an internal invariant broke).
    #[error("loudness meter failed: {0}")]
    Meter(#[from] ebur128::Error),
}
