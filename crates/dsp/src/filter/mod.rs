//! Filters: RBJ biquads, Butterworth cascades, Linkwitz–Riley crossovers, and
//! the parametric EQs built from them.

pub mod biquad;
pub mod crossover;
