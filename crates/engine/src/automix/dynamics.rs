//! Dynamics: compression per role, de-essing when sibilance is measured, and
//! gating of drum close mics when bleed is measured.
//!
//! Every threshold is set on the *trimmed* signal (see [`super::levels`]), from
//! the stem's own level statistics, so a stem arriving 12 dB hotter or quieter
//! is processed identically.
//!
//! - **Compressor** (Ma, Reiss & Black, "Intelligent multitrack dynamic range
//!   compression", JAES 63(6), 2015: threshold from the source's level, ratio
//!   rising with its crest factor; Giannoulis, Massberg & Reiss, "Parameter
//!   automation in a dynamic range compressor", JAES 61(10), 2013: makeup gain
//!   from the estimated average gain reduction; time constants per role from
//!   Izhaki, *Mixing Audio*, ch. 16). The threshold sits halfway between the
//!   active RMS level and the 95th-percentile hop peak, so only the peaks are
//!   held; the ratio grows by 1 per 6 dB of crest above 12 dB and by 1 per
//!   10 LU of loudness range, within the role's bounds.
//! - **De-esser** (Izhaki ch. 17; De Man & Reiss 2013 rule base): on vocals whose
//!   loudest 5 % of hops hold at least [`SIBILANCE_DB`] of their power in
//!   4.4–12 kHz; split at the strongest sibilant band, threshold at the
//!   95th-percentile sibilant level, 4:1.
//! - **Gate** (Izhaki ch. 18, gating drum close mics against spill): on kick,
//!   snare and toms whose level between hits ([`StemFeatures::floor_db`]) lies
//!   within [`BLEED_DB`] of the hits yet clearly below them (spill, not a
//!   sustained sound); threshold halfway between spill and hits.

use mixmaster_dsp::dynamics::compressor::static_gain_db;

use super::super::mix::Role;
use super::super::mix::inserts::{CompressorSpec, DeEsserSpec, DetectionSpec, GateSpec};
use super::features::{StemFeatures, quantile};

/// Sibilance share above which vocals are de-essed, dB.
pub const SIBILANCE_DB: f64 = -8.0;
/// Spill within this many dB of the hits counts as bleed, dB.
pub const BLEED_DB: f64 = -45.0;
/// Spill closer than this to the hits is a sustained sound, not spill, dB.
const SUSTAINED_DB: f64 = -12.0;

/// Ratio bounds and time constants (attack, release ms) per role, or `None`
/// for roles left uncompressed (beds, effects, room and overheads keep their
/// natural dynamics, and a backing track the dynamics its own mix gave it).
fn role_compression(role: Role) -> Option<(f64, f64, f64, f64)> {
    // (min ratio, max ratio, attack ms, release ms)
    Some(match role {
        Role::LeadVocal => (2.5, 6.0, 5.0, 120.0),
        Role::BackingVocal => (3.0, 6.0, 5.0, 120.0),
        Role::Bass => (3.0, 6.0, 10.0, 150.0),
        Role::Kick => (3.0, 5.0, 20.0, 80.0),
        Role::Snare => (3.0, 5.0, 10.0, 100.0),
        Role::Toms => (2.0, 4.0, 15.0, 120.0),
        Role::Guitar => (2.0, 4.0, 15.0, 150.0),
        Role::Brass => (2.0, 4.0, 10.0, 150.0),
        Role::Piano | Role::Keys => (1.5, 3.0, 20.0, 200.0),
        Role::Synth | Role::Other => (1.5, 3.0, 15.0, 150.0),
        Role::Overheads
        | Role::Room
        | Role::Hats
        | Role::Percussion
        | Role::Pad
        | Role::Strings
        | Role::Fx => return None,
        // A finished mix, already compressed as a whole: a compressor here
        // would pump the whole band on every kick.
        Role::BackingTrack => return None,
    })
}

fn rms_db(f: &StemFeatures) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for h in f.hops.iter().filter(|h| h.active) {
        sum += 10f64.powf(h.ms_db / 10.0);
        n += 1;
    }
    (n > 0).then(|| 10.0 * (sum / n as f64).max(1e-30).log10())
}

/// A compressor for the stem after `trim_db`, with its why; the makeup gain
/// restores the loudness the compression is estimated to take.
pub fn compressor(role: Role, f: &StemFeatures, trim_db: f64) -> Option<CompressorSpec> {
    let (rmin, rmax, attack, release) = role_compression(role)?;
    let rms = rms_db(f)? + trim_db;
    let mut peaks: Vec<f64> = f
        .hops
        .iter()
        .filter(|h| h.active)
        .map(|h| h.peak_db)
        .collect();
    let p95 = quantile(&mut peaks, 0.95)? + trim_db;
    let threshold = ((rms + p95) / 2.0).clamp(-60.0, -1.0);
    let ratio = (rmin + (f.crest_db - 12.0).max(0.0) / 6.0 + f.lra_lu / 10.0).clamp(rmin, rmax);
    let ratio = (ratio * 10.0).round() / 10.0;
    let knee = 6.0;
    // Loudness lost: per active hop, the static curve at the level the gain
    // follows applied to the hop's energy (Giannoulis et al.: makeup from
    // average reduction). The peak detector's gain is smoothed over the
    // attack (≥ 5 ms, longer than a period of most partials), so within a hop
    // it settles near the waveform's envelope, not its single highest sample:
    // the envelope of a steady tone is its RMS + 3 dB (a sine's crest). So
    // the level is each hop's per-channel RMS + 3 dB, never above its peak.
    // (The hop peak itself overstated the reduction: on the corpus the
    // compressors' makeup left the stems 0.5–1 dB louder than before.)
    let per_channel = 10.0 * (f.channels.max(1) as f64).log10();
    let (mut before, mut after) = (0.0, 0.0);
    for h in f.hops.iter().filter(|h| h.active) {
        let p = 10f64.powf((h.ms_db + trim_db) / 10.0);
        let envelope = (h.ms_db - per_channel + 3.01).min(h.peak_db);
        let g = static_gain_db(envelope + trim_db, threshold, ratio, knee);
        before += p;
        after += p * 10f64.powf(g / 10.0);
    }
    let makeup = if after > 0.0 {
        (10.0 * (before / after).log10() * 10.0).round() / 10.0
    } else {
        0.0
    };
    Some(CompressorSpec {
        threshold_db: (threshold * 10.0).round() / 10.0,
        ratio,
        knee_db: knee,
        attack_ms: attack,
        release_ms: release,
        makeup_db: makeup.clamp(0.0, 24.0),
        detection: DetectionSpec::Peak,
        why: format!(
            "{role:?}: threshold {threshold:.1} dB halfway between active RMS {rms:.1} and 95th-percentile peak {p95:.1} (after trim); ratio {ratio:.1}:1 from crest {:.1} dB and LRA {:.1} LU; {attack:.0}/{release:.0} ms for the role; makeup +{makeup:.1} dB = estimated loudness taken",
            f.crest_db, f.lra_lu
        ),
        ..CompressorSpec::default()
    })
}

/// A de-esser when the stem is a vocal with measured sibilance.
pub fn de_esser(role: Role, f: &StemFeatures, trim_db: f64) -> Option<DeEsserSpec> {
    if !matches!(role, Role::LeadVocal | Role::BackingVocal) || f.sibilance_db < SIBILANCE_DB {
        return None;
    }
    let nyq = f64::from(f.sample_rate) / 2.0;
    let band = (18..23).max_by(|a, b| f.bands_db[*a].total_cmp(&f.bands_db[*b]))?;
    let freq = super::features::band_centre(band, nyq)
        .clamp(4000.0, 10_000.0_f64.min(nyq * 0.8))
        .round();
    let threshold = (f.sibilant_level_db + trim_db).clamp(-60.0, -1.0);
    Some(DeEsserSpec {
        frequency_hz: freq,
        threshold_db: (threshold * 10.0).round() / 10.0,
        ratio: 4.0,
        why: format!(
            "sibilance: the loudest 5 % of the vocal hold {:.1} dB of their power in 4.4–12 kHz (de-ess above {SIBILANCE_DB} dB); split at the strongest sibilant band {freq:.0} Hz; threshold {threshold:.1} dB = 95th-percentile sibilant level after trim",
            f.sibilance_db
        ),
    })
}

/// A gate when the stem is a drum close mic with measured bleed.
pub fn gate(role: Role, f: &StemFeatures, trim_db: f64) -> Option<GateSpec> {
    if !matches!(role, Role::Kick | Role::Snare | Role::Toms)
        || f.floor_db < BLEED_DB
        || f.floor_db > SUSTAINED_DB
    {
        return None;
    }
    let hits = f.hit_db + trim_db;
    let spill = hits + f.floor_db;
    // Hop RMS to peak: percussive hops peak some 6 dB above their RMS.
    let threshold = ((hits + spill) / 2.0 + 6.0).clamp(-80.0, -1.0);
    let range = (f.floor_db / 2.0).clamp(-40.0, -10.0).round();
    Some(GateSpec {
        threshold_db: (threshold * 10.0).round() / 10.0,
        range_db: range,
        ratio: 10.0,
        attack_ms: 0.5,
        hold_ms: 50.0,
        release_ms: if role == Role::Kick { 80.0 } else { 120.0 },
        hysteresis_db: 4.0,
        why: format!(
            "bleed: between hits the mic still reads {:.1} dB below the hits (spill from other drums); threshold {threshold:.1} dB halfway between spill and hits (+6 dB peak over RMS); range {range:.0} dB",
            -f.floor_db
        ),
    })
}
