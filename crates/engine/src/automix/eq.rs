//! Equalisation: a high-pass per role, and bounded cuts where a less important
//! source masks the lead or the bass.
//!
//! - **High-pass** (Izhaki, *Mixing Audio*, ch. 14 "filters": remove the low
//!   end a source does not use, so it does not cloud the bass and kick;
//!   Owsinski's per-instrument corner frequencies; De Man & Reiss 2013 rule
//!   base): the corner is the role's usual corner, lowered when the stem has
//!   real content below it — it never sits above 70 % of the frequency below
//!   which 2 % of the stem's power lies. Kick and bass keep their
//!   fundamentals (only a 30 Hz sub-sonic cut), and so does a backing track:
//!   it is a finished mix whose low end is the song's own kick and bass.
//! - **Masking cuts** (Hafezi & Reiss, JAES 2015: cut the masker, not boost the
//!   target, in the bands where it masks most): per masker and target (the lead,
//!   and the bass), the two critical bands with the largest
//!   target-energy-weighted excess of at least [`MIN_EXCESS_DB`] get a bell cut
//!   of that excess, at most [`MAX_CUT_DB`], with the band's own bandwidth
//!   (Q = centre / width).

use mixmaster_dsp::filter::EqBand;

use super::super::mix::Role;
use super::super::mix::inserts::{BandKind, BandSpec};
use super::features::{BANDS, StemFeatures, band_edges};

/// The deepest masking cut, dB (bounded: the cut must not hollow the masker out).
pub const MAX_CUT_DB: f64 = 6.0;
/// Smallest excess worth a cut, dB: an energy-weighted *average* over the
/// target's cells, so 1.5 dB means the masker covers the target in that band
/// for a good part of the time (by several dB where it does).
pub const MIN_EXCESS_DB: f64 = 1.5;
/// Most cuts per masker and target.
const CUTS_PER_PAIR: usize = 2;

/// The role's usual high-pass corner, Hz.
fn role_corner(role: Role) -> f64 {
    match role {
        Role::Kick | Role::Bass => 30.0,
        // A finished mix: only the rumble cut, its low end is the song's.
        Role::BackingTrack => 30.0,
        Role::Overheads => 40.0,
        Role::Piano => 50.0,
        Role::Toms | Role::Keys | Role::Synth | Role::Strings | Role::Room | Role::Other => 60.0,
        Role::Snare | Role::Guitar | Role::Brass | Role::LeadVocal => 80.0,
        Role::Pad | Role::Fx => 100.0,
        Role::BackingVocal => 120.0,
        Role::Percussion => 150.0,
        Role::Hats => 250.0,
    }
}

/// The frequency below which `share` (0–1) of the stem's power lies, Hz,
/// interpolating linearly inside the critical band where the sum crosses it.
fn power_below(f: &StemFeatures, share: f64) -> f64 {
    let nyq = f64::from(f.sample_rate) / 2.0;
    let p: Vec<f64> = f.bands_db.iter().map(|d| 10f64.powf(d / 10.0)).collect();
    let total: f64 = p.iter().sum();
    let mut acc = 0.0;
    for (b, pb) in p.iter().enumerate() {
        if total > 0.0 && acc + pb >= share * total {
            let (lo, hi) = band_edges(b, nyq);
            return lo + (hi - lo) * ((share * total - acc) / pb.max(1e-30)).clamp(0.0, 1.0);
        }
        acc += pb;
    }
    nyq
}

/// Share of the power below which a source's low end counts as useful.
const USEFUL_LOW_SHARE: f64 = 0.02;

/// The high-pass band for a stem, with why: the role's corner, or 70 % of the
/// frequency below which 2 % of the stem's power lies if that is lower (the
/// stem has real low end there, so the filter must stay clear of it).
pub fn high_pass(role: Role, f: &StemFeatures) -> BandSpec {
    let corner = role_corner(role);
    let f2 = power_below(f, USEFUL_LOW_SHARE);
    let keeps_low_end = matches!(role, Role::Kick | Role::Bass | Role::BackingTrack);
    let (freq, why) = if role == Role::BackingTrack {
        (
            corner,
            format!(
                "high-pass {corner:.0} Hz for a backing track: sub-sonic rumble only; it is a finished mix, its kick and bass are the song's low end"
            ),
        )
    } else if f2 * 0.7 < corner && !keeps_low_end {
        let freq = (f2 * 0.7).max(20.0).round();
        (
            freq,
            format!(
                "high-pass {freq:.0} Hz: {role:?} usually {corner:.0} Hz, lowered to 70 % of {f2:.0} Hz because 2 % of the stem's power lies below {f2:.0} Hz"
            ),
        )
    } else {
        (
            corner,
            format!(
                "high-pass {corner:.0} Hz for a {role:?}: 98 % of its power lies above {f2:.0} Hz, nothing useful below the corner"
            ),
        )
    };
    BandSpec {
        kind: BandKind::LowCut,
        freq_hz: freq,
        slope_db_oct: 12.0,
        why,
        ..BandSpec::default()
    }
}

/// The EQ's gain at each critical band's centre, dB (sampled at the band's
/// geometric centre: a fair summary for the bell widths used here).
pub fn band_gains(bands: &[BandSpec], sample_rate: u32) -> [f64; BANDS] {
    let fs = f64::from(sample_rate);
    let dsp: Vec<EqBand> = bands.iter().map(BandSpec::to_band).collect();
    let mut g = [0.0; BANDS];
    for (b, out) in g.iter_mut().enumerate() {
        let (lo, hi) = band_edges(b, fs / 2.0);
        // Average of three points across the band (edges and centre), in dB.
        let pts = [lo * 1.05, (lo * hi).sqrt(), hi * 0.95];
        *out = pts
            .iter()
            .map(|f| dsp.iter().map(|d| d.magnitude_db(*f, fs)).sum::<f64>())
            .sum::<f64>()
            / 3.0;
    }
    g
}

/// Cuts for a masker given the per-band excess over a target and the target's
/// energy per band. Cuts stay inside `range_hz`, the range the target owns.
pub fn masking_cuts(
    excess: &[f64; BANDS],
    target_energy: &[f64; BANDS],
    sample_rate: u32,
    target: &str,
    range_hz: (f64, f64),
) -> Vec<BandSpec> {
    let nyq = f64::from(sample_rate) / 2.0;
    let total: f64 = target_energy.iter().sum();
    if total <= 0.0 {
        return Vec::new();
    }
    let mut cand: Vec<usize> = (0..BANDS)
        .filter(|b| {
            let (lo, hi) = band_edges(*b, nyq);
            excess[*b] >= MIN_EXCESS_DB && lo >= range_hz.0 && hi <= range_hz.1 && hi < nyq * 0.9
        })
        .collect();
    // Largest weighted excess first: where the masking costs the target most.
    cand.sort_by(|a, b| {
        (excess[*b] * target_energy[*b]).total_cmp(&(excess[*a] * target_energy[*a]))
    });
    cand.into_iter()
        .take(CUTS_PER_PAIR)
        .filter(|b| target_energy[*b] / total >= 0.02)
        .map(|b| {
            let (lo, hi) = band_edges(b, nyq);
            let centre = (lo * hi).sqrt();
            let cut = (excess[b].min(MAX_CUT_DB) * 2.0).round() / 2.0;
            BandSpec {
                kind: BandKind::Bell,
                freq_hz: centre.round(),
                gain_db: -cut,
                q: (centre / (hi - lo)).clamp(0.5, 8.0),
                why: format!(
                    "−{cut:.1} dB at {centre:.0} Hz: masks {target} there by {:.1} dB (critical band {lo:.0}–{hi:.0} Hz, {:.0} % of {target}'s energy); cut bounded to {MAX_CUT_DB} dB",
                    excess[b],
                    100.0 * target_energy[b] / total
                ),
                ..BandSpec::default()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_are_bounded_and_where_the_target_lives() {
        let mut excess = [0.0; BANDS];
        let mut energy = [0.0; BANDS];
        excess[10] = 12.0; // 1270–1480 Hz, masked hard
        energy[10] = 1.0;
        excess[12] = 3.0;
        energy[12] = 1.0;
        excess[3] = 9.0; // target has no energy here: no cut
        let cuts = masking_cuts(&excess, &energy, 48_000, "lead", (150.0, 8000.0));
        assert_eq!(cuts.len(), 2);
        assert_eq!(cuts[0].gain_db, -MAX_CUT_DB);
        assert!((cuts[0].freq_hz - (1270.0f64 * 1480.0).sqrt().round()).abs() < 1e-9);
        assert_eq!(cuts[1].gain_db, -3.0);
        // The EQ's measured gain in the cut band is close to the cut.
        let g = band_gains(&cuts, 48_000);
        assert!((g[10] + 6.0).abs() < 1.5, "{}", g[10]);
        assert!(g[0].abs() < 0.2);
    }
}
