//! mixmaster-analysis: meters that measure audio and never change it.
//!
//! Audio comes in as planar `f32` slices (one per channel, 1.0 = digital full scale)
//! with the sample rate beside it; this crate knows nothing about files.

pub mod true_peak;
