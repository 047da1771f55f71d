//! Dynamics processors: the true-peak limiter, compressor, gate/expander,
//! de-esser and multiband compressor, with the detectors they share.

pub mod compressor;
pub mod limiter;
mod window;

pub use compressor::{Compressor, CompressorParams, Detection};
pub use limiter::{Limiter, LimiterParams};
