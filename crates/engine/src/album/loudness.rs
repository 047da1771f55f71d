//! Loudness across an album: which level each track is delivered at.
//!
//! Album normalisation (what Spotify, Apple Music and Tidal call "album
//! mode"): the loudest track, measured after its mastering chain and before
//! the limiter, goes to the target, and every other track keeps its level
//! relative to it — a quiet ballad stays quieter than the single, as mixed.
//! Per-track mode puts every track on the target. A track's `lufs_offset`
//! moves it from its intended level in either mode.

use serde::{Deserialize, Serialize};

/// How the tracks' levels are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoudnessMode {
    /// The loudest track at the target, the others keep their relative levels.
    Album,
    /// Every track at the target.
    PerTrack,
}

/// Target loudness for each track, LUFS.
///
/// `chain_lufs` are the tracks' integrated loudness after the chain (before
/// the limiter), `offsets_lu` the users' offsets. In album mode the track
/// whose intended level (`chain + offset`) is highest lands on `target_lufs`.
pub fn track_targets(
    mode: LoudnessMode,
    target_lufs: f64,
    chain_lufs: &[f64],
    offsets_lu: &[f64],
) -> Vec<f64> {
    match mode {
        LoudnessMode::PerTrack => offsets_lu.iter().map(|o| target_lufs + o).collect(),
        LoudnessMode::Album => {
            let intended: Vec<f64> = chain_lufs
                .iter()
                .zip(offsets_lu)
                .map(|(l, o)| l + o)
                .collect();
            let loudest = intended.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            intended
                .iter()
                .map(|l| target_lufs - (loudest - l))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn album_mode_keeps_differences_and_per_track_levels_everything() {
        let chain = [-12.0, -18.0, -9.5, -20.0];
        let offsets = [0.0, 0.0, 0.0, 1.0];
        let album = track_targets(LoudnessMode::Album, -14.0, &chain, &offsets);
        assert_eq!(album, vec![-16.5, -22.5, -14.0, -23.5]);
        let each = track_targets(LoudnessMode::PerTrack, -14.0, &chain, &offsets);
        assert_eq!(each, vec![-14.0, -14.0, -14.0, -13.0]);
    }
}
