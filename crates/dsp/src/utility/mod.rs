//! Utility stages: [`Gain`], [`DcBlocker`], [`Fade`] and [`Dither`].

pub mod dc;
pub mod dither;
pub mod fade;
pub mod gain;

pub use dc::{DcBlocker, DcBlockerParams};
pub use dither::{Dither, DitherParams, NoiseShaping};
pub use fade::{Fade, FadeCurve, FadeDirection, FadeParams, equal_power_crossfade, fade_in_gain};
pub use gain::{Gain, GainParams};
