//! Resonances: narrow, steady peaks in the mix's spectrum — a ringing drum,
//! a room mode, a whistling synth — found in the analysis's 1/24-octave
//! spectrum against each band's own neighbourhood, so the overall tonal tilt
//! (which the tonal EQ handles) does not count.
//!
//! The long-term spectrum of tonal music also peaks at its most-played notes
//! (10-19 dB at 1/24 octave on the corpus songs and on a commercial track), and
//! a master must not cut the song's key. What sets a resonance apart is that
//! it never stops: it must stand out in nearly every frame
//! ([`MIN_OCCUPANCY`]; melody and bass notes on the corpus reach at most 0.76),
//! as well as [`PROMINENCE_DB`] over the long term, between [`RANGE_HZ`] (below
//! it the peaks are bass notes, above it air and cymbals). At most
//! [`MAX_CUTS`] are cut, each part of the way and bounded.

use mixmaster_analysis::Analysis;

/// Frequencies searched, Hz.
pub const RANGE_HZ: (f64, f64) = (150.0, 10_000.0);
/// A peak must stand this far over its neighbourhood median in the long-term
/// spectrum, dB.
pub const PROMINENCE_DB: f64 = 8.0;
/// Share of non-silent frames in which it must stand out.
pub const MIN_OCCUPANCY: f64 = 0.85;
/// Most resonances cut.
pub const MAX_CUTS: usize = 3;
/// Share of the prominence cut, and the largest cut, dB.
const CUT_SHARE: f64 = 0.35;
const MAX_CUT_DB: f64 = 3.0;
/// Q of a resonance cut: about 1/6 octave, narrow enough to leave the notes
/// around it alone.
pub const CUT_Q: f64 = 8.0;

/// One resonance and the cut decided for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resonance {
    /// Centre of the peak's band, Hz.
    pub freq_hz: f64,
    /// Height over the neighbourhood median, dB.
    pub prominence_db: f64,
    /// Share of frames in which it stood out (0-1).
    pub occupancy: f64,
    /// Cut to apply (negative), dB.
    pub cut_db: f64,
}

/// The resonances of `mix`, most prominent first (empty when the analysis has
/// no fine spectrum, e.g. one read from an older JSON file).
pub fn find(mix: &Analysis) -> Vec<Resonance> {
    let mut found: Vec<Resonance> = mix
        .fine_spectrum_dbfs
        .iter()
        .filter(|b| (RANGE_HZ.0..=RANGE_HZ.1).contains(&b.center_hz))
        .filter(|b| b.peak_occupancy >= MIN_OCCUPANCY)
        .filter_map(|b| {
            let prominence_db = b.prominence_db.filter(|&p| p >= PROMINENCE_DB)?;
            Some(Resonance {
                freq_hz: b.center_hz,
                prominence_db,
                occupancy: b.peak_occupancy,
                cut_db: -(prominence_db * CUT_SHARE).min(MAX_CUT_DB),
            })
        })
        .collect();
    found.sort_by(|a, b| b.prominence_db.total_cmp(&a.prominence_db));
    // Keep peaks at least a third of an octave apart (one cut per resonance).
    let mut kept: Vec<Resonance> = Vec::new();
    for r in found {
        let apart = kept
            .iter()
            .all(|k| (r.freq_hz / k.freq_hz).log2().abs() >= 1.0 / 3.0);
        if apart && kept.len() < MAX_CUTS {
            kept.push(r);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: u32 = 44_100;

    /// 8 s of pink-ish noise (white noise from a xorshift generator through
    /// a one-pole low-pass) plus `tone(t)`, analysed as dual mono.
    fn programme(tone: impl Fn(f64) -> f32) -> Analysis {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut lp = 0.0f32;
        let x: Vec<f32> = (0..8 * FS as usize)
            .map(|n| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let white = (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
                lp = 0.9 * lp + 0.1 * white;
                lp + tone(n as f64 / f64::from(FS))
            })
            .collect();
        mixmaster_analysis::analyze(&[&x, &x], FS).unwrap()
    }

    /// Steady sines at (Hz, amplitude).
    fn sines(tones: &[(f64, f32)]) -> Analysis {
        programme(|t| {
            tones
                .iter()
                .map(|&(f, a)| a * (std::f64::consts::TAU * f * t).sin() as f32)
                .sum()
        })
    }

    #[test]
    fn a_steady_ringing_tone_is_found_and_cut_within_bounds() {
        let found = find(&sines(&[(2200.0, 0.02)]));
        assert_eq!(found.len(), 1, "{found:?}");
        let r = &found[0];
        // Within one fine band (1/24 octave) of the tone.
        assert!((r.freq_hz / 2200.0).log2().abs() <= 1.0 / 48.0, "{r:?}");
        assert!(r.prominence_db >= PROMINENCE_DB);
        assert!(r.cut_db < 0.0 && r.cut_db >= -MAX_CUT_DB);
    }

    #[test]
    fn noise_alone_and_bass_notes_are_left_alone() {
        assert!(find(&sines(&[])).is_empty());
        // A loud bass note below the searched range is music, not a resonance.
        assert!(find(&sines(&[(110.0, 0.2)])).is_empty());
    }

    #[test]
    fn notes_that_come_and_go_are_not_resonances() {
        // Alternating notes, each present half the time: prominent in the
        // long-term spectrum, but not in every frame.
        let a = programme(|t| {
            let f = if ((t * 2.0) as u64).is_multiple_of(2) {
                440.0
            } else {
                660.0
            };
            0.05 * (std::f64::consts::TAU * f * t).sin() as f32
        });
        // Prominent enough over the long term: only occupancy rules them out.
        let prominent = a
            .fine_spectrum_dbfs
            .iter()
            .filter(|b| b.prominence_db.is_some_and(|p| p >= PROMINENCE_DB))
            .count();
        assert!(prominent >= 2, "{prominent} prominent bands");
        assert!(find(&a).is_empty(), "{:?}", find(&a));
    }

    #[test]
    fn at_most_three_cuts_a_third_of_an_octave_apart() {
        let tones = [
            (400.0, 0.05),
            (420.0, 0.04),
            (1000.0, 0.03),
            (2500.0, 0.02),
            (5000.0, 0.01),
        ];
        let found = find(&sines(&tones));
        assert_eq!(found.len(), MAX_CUTS, "{found:?}");
        for (i, a) in found.iter().enumerate() {
            for b in &found[i + 1..] {
                assert!((a.freq_hz / b.freq_hz).log2().abs() >= 1.0 / 3.0);
            }
        }
    }
}
