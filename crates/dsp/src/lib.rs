//! # mixmaster-dsp
//!
//! Sample processing for mixing and mastering: filters, dynamics, the true-peak
//! limiter, saturation, stereo tools, delay and reverb, dither and fades.
//!
//! Audio is planar `f32` (one slice per channel). Every processor implements
//! [`Processor`]: it is prepared once for a sample rate, channel count and
//! maximum block size (where it may allocate), then processes blocks in place
//! without allocating or locking, and reports its latency in samples so that a
//! mixer can keep parallel paths aligned.

pub mod denormal;
pub mod dynamics;
pub mod filter;
pub mod oversample;
mod oversample_block;
pub mod processor;
pub mod saturation;
mod simd;
pub mod smooth;
pub mod stereo;
pub mod time;
pub mod units;
pub mod utility;

pub use processor::{Chain, ProcessSpec, Processor};
