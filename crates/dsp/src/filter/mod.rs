//! Filters: RBJ biquads, Butterworth cascades, Linkwitz–Riley crossovers, and
//! the parametric EQs built from them.

pub mod biquad;
pub mod butterworth;
pub mod cascade;
pub mod crossover;
pub mod eq;
pub mod section_block;

pub use eq::{BandShape, Eq, EqBand, EqParams};
pub mod linear_phase;

pub use linear_phase::LinearPhaseEq;
