//! mixmaster-analysis: meters that measure audio and never change it.
//!
//! Audio comes in as planar `f32` slices (one per channel, 1.0 = digital full scale)
//! with the sample rate beside it; this crate knows nothing about files.
//!
//! - [`Analyzer`] / [`analyze`]: every QC measurement of a programme as an [`Analysis`]
//!   (BS.1770 loudness via the `ebur128` crate, true peak, spectrum, stereo image,
//!   clipping, DC, silence, non-finite samples).
//! - [`IntegratedLoudness`]: integrated loudness alone, for search loops.
//! - [`kweighted`]: BS.1770 loudness from per-frame K-weighted power, so a
//!   time-varying gain can be measured without re-filtering the audio.
//! - [`true_peak`]: an independent long-kernel oversampled peak meter, used as a
//!   second opinion on `ebur128` and on the limiter.

mod analyzer;
mod clipping;
mod envelope;
mod error;
mod integrated;
pub mod kweighted;
mod lanes;
mod levels;
mod loudness;
mod options;
mod report;
mod silence;
mod spectrum;
mod stereo;
pub mod true_peak;

pub use analyzer::{Analyzer, analyze};
pub use clipping::{CLIP_LEVEL, MIN_RUN};
pub use error::Error;
pub use integrated::IntegratedLoudness;
pub use loudness::channel_map;
pub use options::AnalysisOptions;
pub use report::{Analysis, FineBand, ThirdOctaveBand};
