//! Settings that change what counts as silence and what is ignored.

use serde::{Deserialize, Serialize};

/// Thresholds for the measurements that need one. The defaults suit music masters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AnalysisOptions {
    /// A frame is silent when every channel's |sample| is at or below this level
    /// (dBFS, sample peak). Sets `leading_silence_s` and `trailing_silence_s`.
    /// Default −60 dBFS.
    pub silence_threshold_dbfs: f64,
    /// 400 ms correlation windows whose RMS over both channels is below this level
    /// (dBFS) are too quiet to judge phase and are skipped by `worst_correlation`.
    /// Default −50 dBFS: fade tails and noise floors would otherwise report
    /// meaningless extremes.
    pub correlation_gate_dbfs: f64,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self {
            silence_threshold_dbfs: -60.0,
            correlation_gate_dbfs: -50.0,
        }
    }
}
