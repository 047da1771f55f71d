//! Dynamics processors: the true-peak limiter, compressor, gate/expander,
//! de-esser and multiband compressor, with the detectors they share.

pub mod compressor;
pub mod deesser;
pub mod gate;
pub mod limiter;
pub mod multiband;
mod window;

pub use compressor::{Compressor, CompressorParams, Detection};
pub use deesser::{DeEsser, DeEsserParams};
pub use gate::{Gate, GateParams};
pub use limiter::{DriveModel, IntervalPeaks, Limiter, LimiterParams};
pub use multiband::{Multiband, MultibandParams};
