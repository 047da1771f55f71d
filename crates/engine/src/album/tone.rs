//! Tonal balance across an album: the album's mean spectrum, each track's
//! deviation from it, and a reference [`Analysis`] carrying that mean so the
//! mastering planner matches every track toward it (bounded, as for any
//! reference: at most ±3 dB of broad shelving).
//!
//! Spectra are the analysis crate's third-octave long-term averages. Each
//! track's spectrum is first reduced to its *shape* by subtracting its mean
//! level over 100 Hz–10 kHz, so a louder track does not pull the mean toward
//! itself; the album mean is the per-band average of those shapes in dB.

use mixmaster_analysis::{Analysis, ThirdOctaveBand};

/// Bands judged: the musical range where every delivery format has content.
const JUDGED_HZ: (f64, f64) = (31.5, 16_000.0);
/// Region whose mean level is taken as 0 dB.
const LEVEL_REGION_HZ: (f64, f64) = (100.0, 10_000.0);

/// The track's spectrum relative to its mean level over 100 Hz–10 kHz, dB per band.
fn shape(a: &Analysis) -> Vec<(f64, Option<f64>)> {
    let region: Vec<f64> = a
        .third_octave_dbfs
        .iter()
        .filter(|b| (LEVEL_REGION_HZ.0..=LEVEL_REGION_HZ.1).contains(&b.center_hz))
        .filter_map(|b| b.level_db)
        .collect();
    let offset = if region.is_empty() {
        0.0
    } else {
        region.iter().sum::<f64>() / region.len() as f64
    };
    a.third_octave_dbfs
        .iter()
        .map(|b| (b.center_hz, b.level_db.map(|l| l - offset)))
        .collect()
}

/// The album's mean spectral shape (dB per third-octave band, 0 dB = mean
/// level over 100 Hz–10 kHz). A band no track has is `None`.
pub fn mean_spectrum(tracks: &[&Analysis]) -> Vec<ThirdOctaveBand> {
    let shapes: Vec<_> = tracks.iter().map(|a| shape(a)).collect();
    let Some(first) = shapes.first() else {
        return Vec::new();
    };
    first
        .iter()
        .enumerate()
        .map(|(i, &(center_hz, _))| {
            let levels: Vec<f64> = shapes
                .iter()
                .filter_map(|s| s.get(i).and_then(|b| b.1))
                .collect();
            ThirdOctaveBand {
                center_hz,
                level_db: (!levels.is_empty())
                    .then(|| levels.iter().sum::<f64>() / levels.len() as f64),
            }
        })
        .collect()
}

/// How far a track's tonal balance is from the album mean: the RMS over the
/// judged bands (31.5 Hz–16 kHz) of the per-band difference in dB, after
/// removing the mean difference (level is not tone). `None` without enough
/// common bands.
pub fn deviation_db(a: &Analysis, mean: &[ThirdOctaveBand]) -> Option<f64> {
    let diffs: Vec<f64> = shape(a)
        .iter()
        .filter(|(f, _)| (JUDGED_HZ.0..=JUDGED_HZ.1).contains(f))
        .filter_map(|&(f, level)| {
            let m = mean
                .iter()
                .find(|b| (b.center_hz - f).abs() < 0.01 * f)?
                .level_db?;
            Some(level? - m)
        })
        .collect();
    if diffs.len() < 3 {
        return None;
    }
    let n = diffs.len() as f64;
    let mu = diffs.iter().sum::<f64>() / n;
    Some((diffs.iter().map(|d| (d - mu).powi(2)).sum::<f64>() / n).sqrt())
}

/// A reference for the mastering planner that carries only the album mean
/// spectrum: `like`'s other measurements, no stereo figure (so the planner
/// leaves width alone; the album matches tone, not image).
pub fn album_reference(like: &Analysis, mean: Vec<ThirdOctaveBand>) -> Analysis {
    Analysis {
        third_octave_dbfs: mean,
        side_to_mid_db: None,
        ..like.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysis_with(levels: &[(f64, f64)]) -> Analysis {
        let a =
            mixmaster_analysis::analyze(&[&[0.0; 48_000][..], &[0.0; 48_000][..]], 48_000).unwrap();
        Analysis {
            third_octave_dbfs: levels
                .iter()
                .map(|&(center_hz, l)| ThirdOctaveBand {
                    center_hz,
                    level_db: Some(l),
                })
                .collect(),
            ..a
        }
    }

    #[test]
    fn mean_ignores_level_and_deviation_measures_tilt() {
        let bands = [63.0, 125.0, 250.0, 1000.0, 4000.0, 8000.0];
        // Flat at -20 dB and a 2 dB/band tilt 10 dB louder: the mean shape is
        // half the tilt, and each deviates from it by half the tilt's spread.
        let flat = analysis_with(&bands.map(|f| (f, -20.0)));
        let tilt: Vec<(f64, f64)> = bands
            .iter()
            .enumerate()
            .map(|(i, &f)| (f, -10.0 + 2.0 * i as f64))
            .collect();
        let tilted = analysis_with(&tilt);
        let mean = mean_spectrum(&[&flat, &tilted]);
        let steps: Vec<f64> = mean
            .windows(2)
            .map(|w| w[1].level_db.unwrap() - w[0].level_db.unwrap())
            .collect();
        for s in steps {
            assert!((s - 1.0).abs() < 1e-9, "mean shape step {s}");
        }
        // Half-tilt of 1 dB per band over 6 bands: RMS of (i - 2.5) = 1.708 dB.
        let expected = ((0..6).map(|i| (i as f64 - 2.5).powi(2)).sum::<f64>() / 6.0).sqrt();
        for a in [&flat, &tilted] {
            let d = deviation_db(a, &mean).unwrap();
            assert!((d - expected).abs() < 1e-9, "deviation {d} vs {expected}");
        }
        assert!(deviation_db(&flat, &mean_spectrum(&[&flat])).unwrap() < 1e-12);
    }
}
