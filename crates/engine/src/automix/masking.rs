//! A masking measure between sources, per critical band and half-second segment.
//!
//! In the spirit of Hafezi & Reiss, "Autonomous multitrack equalization based
//! on masking reduction" (JAES 63(5), 2015) and Wichern et al., "Quantitative
//! analysis of masking in multitrack mixes using loudness loss" (AES 139,
//! 2015): a target is masked in a time–frequency cell when another source is
//! louder there. We measure, over the cells where the target is audible
//! (within 40 dB of its loudest cell), weighted by the target's energy:
//!
//! - `excess_db`: how far the masker's level exceeds the target's, in dB
//!   (0 where the target dominates) — the amount of EQ or level it would take
//!   to uncover the target;
//! - `masked_pct`: the share of the target's energy lying in cells the masker
//!   dominates.
//!
//! Simplification, stated: no spreading of masking across bands and no
//! temporal masking; cells are critical bands × 0.5 s, which is coarse enough
//! to be cheap for 32 stems and fine enough to see who plays when.

use serde::Serialize;

use super::features::BANDS;

/// A source as the mix presents it: its band powers per segment (linear,
/// before any gain) and the gain each band receives (trim, EQ, fader), dB.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Band powers per segment.
    pub segments: &'a [[f32; BANDS]],
    /// Gain per band, dB.
    pub gain_db: [f64; BANDS],
}

/// How much one source (or a sum of sources) masks a target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Masking {
    /// Energy-weighted mean of max(0, masker − target) over the target's cells, dB.
    pub excess_db: f64,
    /// Share of the target's energy in cells the masker dominates, percent.
    pub masked_pct: f64,
}

fn lin(db: f64) -> f64 {
    10f64.powf(db / 10.0)
}

/// Visits every cell (segment × band) where `target` is audible — within
/// 40 dB of its loudest cell — with the band, the target's power there and the
/// maskers' summed power there (linear, after their gains).
fn audible_cells(target: &Source, maskers: &[Source], mut visit: impl FnMut(usize, f64, f64)) {
    let tg: Vec<f64> = target.gain_db.iter().map(|g| lin(*g)).collect();
    let mg: Vec<Vec<f64>> = maskers
        .iter()
        .map(|m| m.gain_db.iter().map(|g| lin(*g)).collect())
        .collect();
    let max = target
        .segments
        .iter()
        .flat_map(|s| s.iter().zip(&tg).map(|(p, g)| f64::from(*p) * g))
        .fold(0.0, f64::max);
    let audible = max * 1e-4;
    for (i, seg) in target.segments.iter().enumerate() {
        for b in 0..BANDS {
            let pt = f64::from(seg[b]) * tg[b];
            if pt <= audible || pt <= 0.0 {
                continue;
            }
            let pm: f64 = maskers
                .iter()
                .zip(&mg)
                .filter_map(|(m, g)| m.segments.get(i).map(|s| f64::from(s[b]) * g[b]))
                .sum();
            visit(b, pt, pm);
        }
    }
}

/// Per band: the energy-weighted excess of the maskers' sum over the target
/// (dB) and the target's energy in that band (linear, for weighting).
pub fn band_excess(target: &Source, maskers: &[Source]) -> ([f64; BANDS], [f64; BANDS]) {
    let mut num = [0.0; BANDS];
    let mut den = [0.0; BANDS];
    audible_cells(target, maskers, |b, pt, pm| {
        if pm > pt {
            num[b] += pt * 10.0 * (pm / pt).log10();
        }
        den[b] += pt;
    });
    let mut excess = [0.0; BANDS];
    for b in 0..BANDS {
        if den[b] > 0.0 {
            excess[b] = num[b] / den[b];
        }
    }
    (excess, den)
}

/// The masking of `target` by the sum of `maskers`.
pub fn masking(target: &Source, maskers: &[Source]) -> Masking {
    let (mut excess, mut masked, mut total) = (0.0, 0.0, 0.0);
    audible_cells(target, maskers, |_, pt, pm| {
        total += pt;
        if pm > pt {
            excess += pt * 10.0 * (pm / pt).log10();
            masked += pt;
        }
    });
    if total <= 0.0 {
        return Masking {
            excess_db: 0.0,
            masked_pct: 0.0,
        };
    }
    Masking {
        excess_db: excess / total,
        masked_pct: 100.0 * masked / total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(p: f32, n: usize) -> Vec<[f32; BANDS]> {
        vec![[p; BANDS]; n]
    }

    /// A masker 6 dB above the target everywhere: excess 6 dB, 100 % masked;
    /// 6 dB below: nothing masked. A masker that plays only half the time
    /// masks half the target's energy.
    #[test]
    fn excess_in_db_and_share_in_time() {
        let t = flat(1.0, 10);
        let loud = flat(1.0, 10);
        fn src(s: &[[f32; BANDS]], g: f64) -> Source<'_> {
            Source {
                segments: s,
                gain_db: [g; BANDS],
            }
        }
        let m = masking(&src(&t, 0.0), &[src(&loud, 6.0)]);
        assert!((m.excess_db - 6.0).abs() < 1e-9 && (m.masked_pct - 100.0).abs() < 1e-9);
        let m = masking(&src(&t, 0.0), &[src(&loud, -6.0)]);
        assert_eq!(m.masked_pct, 0.0);
        let mut half = flat(4.0, 10);
        half[5..].iter_mut().for_each(|s| *s = [0.0; BANDS]);
        let m = masking(&src(&t, 0.0), &[src(&half, 0.0)]);
        assert!((m.masked_pct - 50.0).abs() < 1e-9, "{m:?}");
        // Scaling everything together changes nothing.
        let a = masking(&src(&t, 3.0), &[src(&loud, 9.0)]);
        assert!((a.excess_db - 6.0).abs() < 1e-9);
        let (ex, _) = band_excess(&src(&t, 0.0), &[src(&loud, 6.0)]);
        assert!(ex.iter().all(|e| (e - 6.0).abs() < 1e-9));
    }
}
