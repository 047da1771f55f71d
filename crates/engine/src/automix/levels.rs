//! Fader balance from loudness.
//!
//! Rule (Perez-Gonzalez & Reiss, "Automatic gain and fader control for live
//! mixing", WASPAA 2009; Mansbridge, Finn & Reiss, "Implementation and
//! evaluation of autonomous multi-track fader control", AES 132, 2012): set
//! faders so that each source reaches a target *loudness*, measured on the
//! source's active part, rather than a target peak or RMS. The targets are
//! relative to the lead and differ per role, as in De Man & Reiss, "A
//! knowledge-engineered autonomous mixing system" (AES 135, 2013), with the
//! offsets taken from engineers' practice (Owsinski, *The Mixing Engineer's
//! Handbook*, "building the mix" from the foundation — kick, snare, bass —
//! with the vocal on top; Izhaki, *Mixing Audio*, ch. 8 on levels).
//!
//! Two gains per track keep the decision readable and invariant:
//! - a **trim** (the first insert) brings the stem's active loudness to the
//!   staging level [`STAGING_LUFS`], as an engineer sets input gain before any
//!   processing, so every threshold after it is the same whatever level the
//!   stem arrived at;
//! - the **fader** is the role's offset below the lead (lead = 0 dB), plus
//!   any makeup the dynamics rules estimate.

use super::super::mix::Role;

/// Active loudness every stem is trimmed to before processing, LUFS. −20 is the
/// K-20 reference level (Katz): room for peaks above it in every compressor.
pub const STAGING_LUFS: f64 = -20.0;

/// Loudness of a role relative to the lead, LU, with the reason in words.
pub fn role_offset(role: Role) -> (f64, &'static str) {
    match role {
        Role::LeadVocal => (0.0, "the lead sits on top"),
        Role::Kick => (-4.0, "foundation: kick just under the lead"),
        Role::Snare => (-5.0, "foundation: snare just under the lead"),
        Role::Bass => (-5.0, "foundation: bass just under the lead"),
        Role::Overheads => (-4.0, "the kit as a whole, a foundation under the lead"),
        Role::Toms => (-9.0, "toms speak only in fills"),
        Role::Hats => (-11.0, "hats colour the groove, well below the lead"),
        Role::Room => (-13.0, "room mics add space, not level"),
        Role::Percussion => (-11.0, "percussion decorates the groove"),
        Role::Guitar => (-6.0, "accompaniment under the lead"),
        Role::Piano => (-6.0, "accompaniment under the lead"),
        Role::Keys => (-7.0, "accompaniment under the lead"),
        Role::Brass => (-6.0, "section instrument under the lead"),
        Role::Strings => (-8.0, "sustained section, a bed under the lead"),
        Role::Synth => (-7.0, "accompaniment under the lead"),
        Role::Pad => (-10.0, "pads are a bed, felt more than heard"),
        Role::BackingVocal => (-7.0, "backing vocals support the lead"),
        Role::Fx => (-13.0, "effects sit in the background"),
        Role::Other => (-7.0, "unclassified source, placed with the accompaniment"),
    }
}

/// Roles that can carry the melody when there is no lead vocal, best first:
/// wind and solo instruments before chordal ones (Izhaki ch. 8: the lead is
/// the instrument carrying the tune).
const LEAD_CANDIDATES: [Role; 8] = [
    Role::Brass,
    Role::Other,
    Role::Synth,
    Role::Guitar,
    Role::Strings,
    Role::Piano,
    Role::Keys,
    Role::BackingVocal,
];

/// Index of the lead among `roles` (with each stem's spectral centroid, Hz, and
/// whether it sounds at all): the first lead vocal; else the highest-ranked
/// candidate role, ties to the brighter stem (melodies sit above the
/// accompaniment).
pub fn pick_lead(stems: &[(Role, f64, bool)]) -> Option<usize> {
    let sounding = |i: &usize| stems[*i].2;
    if let Some(i) = (0..stems.len())
        .filter(sounding)
        .find(|i| stems[*i].0 == Role::LeadVocal)
    {
        return Some(i);
    }
    LEAD_CANDIDATES.iter().find_map(|r| {
        (0..stems.len())
            .filter(sounding)
            .filter(|i| stems[*i].0 == *r)
            .max_by(|a, b| stems[*a].1.total_cmp(&stems[*b].1))
    })
}

/// Importance for masking decisions: a source never gets cut to clear a more
/// important one's way (lead 0, foundation 1, the rest 2).
pub fn priority(role: Role, is_lead: bool) -> u8 {
    if is_lead {
        return 0;
    }
    match role {
        Role::LeadVocal | Role::Bass | Role::Kick => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_vocal_wins_else_a_wind_instrument() {
        let s = [
            (Role::Bass, 100.0, true),
            (Role::Piano, 900.0, true),
            (Role::LeadVocal, 1500.0, true),
        ];
        assert_eq!(pick_lead(&s), Some(2));
        let s = [
            (Role::Keys, 900.0, true),
            (Role::Brass, 1200.0, true),
            (Role::Overheads, 3000.0, true),
        ];
        assert_eq!(pick_lead(&s), Some(1));
        // A silent lead vocal is not the lead.
        let s = [(Role::LeadVocal, 0.0, false), (Role::Piano, 800.0, true)];
        assert_eq!(pick_lead(&s), Some(1));
        assert_eq!(pick_lead(&[(Role::Kick, 60.0, true)]), None);
    }

    #[test]
    fn foundation_is_louder_than_beds() {
        for bed in [Role::Pad, Role::Fx, Role::Room, Role::Hats] {
            for f in [Role::Kick, Role::Snare, Role::Bass] {
                assert!(role_offset(f).0 > role_offset(bed).0);
            }
        }
    }
}
