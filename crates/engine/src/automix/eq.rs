//! Equalisation: a high-pass per role, and bounded cuts where a less important
//! source masks the lead or the bass.
//!
//! - **High-pass** (Izhaki, *Mixing Audio*, ch. 14 "filters": remove the low
//!   end a source does not use, so it does not cloud the bass and kick;
//!   Owsinski's per-instrument corner frequencies; De Man & Reiss 2013 rule
//!   base): the corner is the role's usual corner, lowered when the stem has
//!   real content below it — it never sits above 70 % of the lowest critical
//!   band holding energy within 30 dB of the stem's strongest band. Kick and
//!   bass keep their fundamentals (only a 30 Hz sub-sonic cut).
//! - **Masking cuts** (Hafezi & Reiss, JAES 2015: cut the masker, not boost the
//!   target, in the bands where it masks most): per masker and target (the lead,
//!   and the bass), the two critical bands with the largest
//!   target-energy-weighted excess of at least [`MIN_EXCESS_DB`] get a bell cut
//!   of that excess, at most [`MAX_CUT_DB`], with the band's own bandwidth
//!   (Q = centre / width).

use mixmaster_dsp::filter::biquad::FilterType;
use mixmaster_dsp::filter::{BandShape, EqBand};

use super::super::mix::Role;
use super::super::mix::inserts::{BandKind, BandSpec};
use super::features::{BANDS, StemFeatures, band_edges};

/// The deepest masking cut, dB (bounded: the cut must not hollow the masker out).
pub const MAX_CUT_DB: f64 = 6.0;
/// Smallest excess worth a cut, dB.
pub const MIN_EXCESS_DB: f64 = 2.0;
/// Most cuts per masker and target.
const CUTS_PER_PAIR: usize = 2;

/// The role's usual high-pass corner, Hz.
fn role_corner(role: Role) -> f64 {
    match role {
        Role::Kick | Role::Bass => 30.0,
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

/// The high-pass band for a stem, with why.
pub fn high_pass(role: Role, f: &StemFeatures) -> BandSpec {
    let corner = role_corner(role);
    let nyq = f64::from(f.sample_rate) / 2.0;
    let max = f.bands_db.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lowest = (0..BANDS).find(|b| f.bands_db[*b] > max - 30.0);
    let (freq, why) = match lowest {
        Some(b)
            if band_edges(b, nyq).0 * 0.7 < corner && role != Role::Kick && role != Role::Bass =>
        {
            let lo = band_edges(b, nyq).0;
            let freq = (lo * 0.7).max(20.0).round();
            (
                freq,
                format!(
                    "high-pass {freq:.0} Hz: {role:?} usually {corner:.0} Hz, lowered because the stem has content from {lo:.0} Hz (within 30 dB of its strongest band)"
                ),
            )
        }
        _ => (
            corner,
            format!(
                "high-pass {corner:.0} Hz: no useful content below it for a {role:?} (lowest band within 30 dB of the strongest starts at {:.0} Hz)",
                lowest.map_or(nyq, |b| band_edges(b, nyq).0)
            ),
        ),
    };
    BandSpec {
        kind: BandKind::LowCut,
        freq_hz: freq,
        slope_db_oct: 12.0,
        why,
        ..BandSpec::default()
    }
}

/// The DSP band a spec describes (the same mapping the renderer uses).
fn dsp_band(b: &BandSpec) -> EqBand {
    let order = (b.slope_db_oct / 6.0).round().clamp(1.0, 8.0) as u8;
    let shape = match b.kind {
        BandKind::Bell => BandShape::Biquad(FilterType::Peak),
        BandKind::LowShelf => BandShape::Biquad(FilterType::LowShelf),
        BandKind::HighShelf => BandShape::Biquad(FilterType::HighShelf),
        BandKind::Notch => BandShape::Biquad(FilterType::Notch),
        BandKind::LowCut => BandShape::ButterworthHighPass(order),
        BandKind::HighCut => BandShape::ButterworthLowPass(order),
    };
    EqBand::new(shape, b.freq_hz, b.q, b.gain_db)
}

/// The EQ's gain at each critical band's centre, dB (sampled at the band's
/// geometric centre: a fair summary for the bell widths used here).
pub fn band_gains(bands: &[BandSpec], sample_rate: u32) -> [f64; BANDS] {
    let fs = f64::from(sample_rate);
    let dsp: Vec<EqBand> = bands.iter().map(dsp_band).collect();
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
