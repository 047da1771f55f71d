//! What the automix measured and decided, as a serialisable value (for `--json`,
//! the text report and the HTML report).

use std::path::PathBuf;

use serde::Serialize;

use super::features::StemFeatures;
use super::masking::Masking;
use crate::mix::Role;

/// One decision and its reason, with the numbers behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// What was set: "trim", "fader", "pan", "eq", "compressor", "de-esser", "gate", "send".
    pub what: String,
    /// The setting, in engineer units ("−3.2 dB", "35 % left", "high-pass 80 Hz").
    pub value: String,
    /// Why, with the measured numbers.
    pub why: String,
}

/// Everything about one stem.
#[derive(Debug, Clone, Serialize)]
pub struct StemReport {
    /// Track name.
    pub name: String,
    /// The stem file as the session names it.
    pub file: PathBuf,
    /// Role.
    pub role: Role,
    /// How the role was decided.
    pub role_why: String,
    /// Whether it is the lead.
    pub is_lead: bool,
    /// Measurements.
    pub features: StemFeatures,
    /// Trim to the staging level, dB.
    pub trim_db: f64,
    /// Fader, dB.
    pub gain_db: f64,
    /// Pan, percent (−100 left … +100 right).
    pub pan: f64,
    /// Muted (silent stems).
    pub muted: bool,
    /// The decisions, in signal-flow order.
    pub decisions: Vec<Decision>,
}

/// The masking of a target by one masker (or by all the others), before
/// (the stems summed as they came) and after the automix.
#[derive(Debug, Clone, Serialize)]
pub struct MaskingPair {
    /// The masked source.
    pub target: String,
    /// The masking source, or "all others".
    pub masker: String,
    /// Plain sum of the stems as delivered.
    pub before: Masking,
    /// After trims, faders and EQ.
    pub after: Masking,
}

/// The rendered mix's levels.
#[derive(Debug, Clone, Serialize)]
pub struct MixLevels {
    /// The mix file.
    pub path: PathBuf,
    /// Integrated loudness, LUFS.
    pub integrated_lufs: Option<f64>,
    /// True peak, dBTP.
    pub true_peak_dbtp: Option<f64>,
    /// The headroom gain the renderer applied, dB.
    pub headroom_gain_db: f64,
}

/// The automix report.
#[derive(Debug, Clone, Serialize)]
pub struct AutomixReport {
    /// The session written.
    pub session_path: PathBuf,
    /// The lead's track name, if there is one.
    pub lead: Option<String>,
    /// Per stem, in session order.
    pub stems: Vec<StemReport>,
    /// Left/right power balance of the mix from the pan decisions, dB (+ = left).
    pub lr_balance_db: f64,
    /// Masking of the lead and the foundation, per masker and by all others.
    pub masking: Vec<MaskingPair>,
    /// The mix, when rendered.
    pub mix: Option<MixLevels>,
    /// Things to know (silent stems…).
    pub warnings: Vec<String>,
}

impl AutomixReport {
    /// A text pan map: one line per sounding stem, `L` … `R` with the position marked.
    pub fn pan_map(&self) -> Vec<String> {
        const W: usize = 21;
        let width = self
            .stems
            .iter()
            .map(|s| s.name.chars().count())
            .max()
            .unwrap_or(0);
        self.stems
            .iter()
            .filter(|s| !s.muted)
            .map(|s| {
                let pos = (((s.pan + 100.0) / 200.0) * (W - 1) as f64).round() as usize;
                let line: String = (0..W)
                    .map(|i| match i {
                        _ if i == pos.min(W - 1) => 'o',
                        _ if i == W / 2 => '|',
                        _ => '·',
                    })
                    .collect();
                format!("{:<width$}  L {line} R  {:+.0}", s.name, s.pan)
            })
            .collect()
    }

    /// The lead's masking by all other sources, before and after.
    pub fn lead_masking(&self) -> Option<&MaskingPair> {
        let lead = self.lead.as_deref()?;
        self.masking
            .iter()
            .find(|m| m.target == lead && m.masker == ALL_OTHERS)
    }
}

/// The masker name used for the sum of all other sources.
pub const ALL_OTHERS: &str = "all others";
