//! Time-based effects: [`Delay`] (tempo-synced, filtered feedback, ping-pong)
//! and [`Reverb`] (a feedback-delay network with RT60 control).

pub mod delay;
pub mod delay_line;
pub mod reverb;

pub use delay::{Delay, DelayParams, DelayTime, NoteModifier, NoteValue};
pub use reverb::{Reverb, ReverbParams, ReverbPreset};
