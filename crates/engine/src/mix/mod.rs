//! Mixing: a folder of stems and a human-editable [`Session`] become a stereo
//! mix (and bus stems), rendered block by block in flat memory.
//!
//! - [`session`]: the TOML model; [`inserts`]: processors as the file spells them;
//! - [`validate`]: parsing and checks, errors at line and column;
//! - [`init`]: a starting session from a folder of stems ([`roles`] guesses roles);
//! - [`render`]: the streaming graph, latency compensation, headroom and stems
//!   (built from [`source`], [`automation`], [`pdc`] and the AVX2-dispatched `sample_loops`; the 8× headroom meter is `mixmaster_analysis::true_peak`).

pub mod automation;
pub mod init;
pub mod inserts;
pub mod pdc;
pub mod render;
pub mod roles;
mod sample_loops;
pub mod session;
pub mod source;
pub mod validate;

pub use init::{InitReport, init};
pub use render::{RenderOptions, RenderReport, render, render_file};
pub use session::{Automation, AutomationParam, Bus, Master, Role, Send, Session, Settings, Track};
pub use validate::{load, parse};
