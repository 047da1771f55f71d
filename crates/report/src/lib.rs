//! # mixmaster-report
//!
//! One self-contained HTML page per job: inline CSS and inline SVG plots, no
//! scripts, no network, so the file can be mailed, archived or embedded by the
//! web app and still read the same in ten years. The page is well-formed XML
//! (XHTML syntax inside an HTML5 document), which keeps it parseable by any
//! tool and lets the tests check it strictly.
//!
//! - [`master_html`]: a mastering job — before/after figures, plots, the plan
//!   with every reason, platform penalties, mix feedback, delivery notes;
//! - [`analysis_html`]: one or more analysed files;
//! - [`automix_html`]: an automix — stems, decisions with reasons, pan map;
//! - [`album_html`]: an album job — each destination's album file and notes;
//! - [`mix_html`] / [`mix_html_with`]: a mix render, optionally with the
//!   mix's and stems' measurements and the session's tracks (per-stem
//!   loudness, pan map).

mod page;
mod plots;
mod tables;

mod album;
mod analysis;
mod automix;
mod figures;
mod master;
mod mix;

pub use album::album_html;
pub use analysis::analysis_html;
pub use automix::automix_html;
pub use master::master_html;
pub use mix::{MixDetail, mix_html, mix_html_with};
