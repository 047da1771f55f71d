//! # mixmaster (engine)
//!
//! The stages of the product, built from the `dsp`, `analysis` and `io` crates:
//! analysing files, and (as they land) mastering, mixing and reports. Every
//! stage follows analyse → decide → render → verify, and its decisions are
//! plain serialisable values a person can read and edit.
//!
//! The engine never parses command lines; `mixmaster-cli` does that and turns
//! [`Error`] values into one line and an exit code.

pub mod album;
pub mod analyze;
pub mod automix;
pub mod demo;
pub mod error;
mod float_cache;
mod handoff;
pub mod master;
pub mod mix;
pub mod progress;
mod toml_location;

pub use error::{Error, Result};
pub use progress::{NoProgress, Progress};
