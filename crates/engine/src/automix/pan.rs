//! Panning by role and spectral content, with the low end mono and the two
//! sides balanced.
//!
//! Rules (Perez-Gonzalez & Reiss, "Automatic mixing: live downmixing stereo
//! panner", DAFx-07: low-frequency sources centred, the higher a source's
//! spectral content the wider it may go, sources alternating sides so the mix
//! stays balanced; Mansbridge, Finn & Reiss, "An autonomous system for
//! multitrack stereo pan positioning", AES 133, 2012; De Man & Reiss 2013:
//! kick, snare, bass and lead vocal in the centre):
//! - kick, snare, bass, lead vocal, the lead instrument and any source with more
//!   than [`LOW_END_MONO`] of its power below 120 Hz stay centred, and so do
//!   overheads and room mics (they carry the kit's own stereo image) and
//!   backing tracks ([`Role::BackingTrack`]: the band's);
//! - every other source goes to `20 % + 50 % × position of its spectral
//!   centroid between 200 Hz and 6 kHz on a log scale`, rounded to 5 %;
//! - sides are assigned loudest first, each to the side that is quieter so far.
//!
//! A stereo stem's pan is a balance control that only turns one side down, so
//! it loses loudness; [`balance_makeup_db`] gives the fader the difference back.

use mixmaster_dsp::stereo::{PanLaw, balance_gains, pan_gains};

use super::super::mix::Role;

/// Share of power below 120 Hz above which a source is kept centred.
pub const LOW_END_MONO: f64 = 0.35;

/// What the pan rule needs to know about one source.
#[derive(Debug, Clone, Copy)]
pub struct PanInput {
    /// Role.
    pub role: Role,
    /// Whether it is the lead.
    pub is_lead: bool,
    /// Spectral centroid, Hz.
    pub centroid_hz: f64,
    /// Share of power below 120 Hz.
    pub low_share: f64,
    /// Power in the mix (linear, relative), for balancing the sides.
    pub power: f64,
    /// Stereo stem (pan acts as balance).
    pub stereo: bool,
    /// Silent or muted: not placed.
    pub silent: bool,
}

/// Left and right power gains of a source at `pan_pct`.
fn side_gains(stereo: bool, pan_pct: f64) -> (f64, f64) {
    let (l, r) = if stereo {
        balance_gains(pan_pct / 100.0, PanLaw::Minus3)
    } else {
        pan_gains(pan_pct / 100.0, PanLaw::Minus3)
    };
    (l * l, r * r)
}

/// Fader compensation for a stereo stem's balance, dB (0 for mono stems, whose
/// constant-power pan keeps their loudness).
pub fn balance_makeup_db(stereo: bool, pan_pct: f64) -> f64 {
    if !stereo || pan_pct == 0.0 {
        return 0.0;
    }
    let (l, r) = side_gains(true, pan_pct);
    -10.0 * ((l + r) / 2.0).log10()
}

/// Pan positions (percent) with a why for each, and the resulting left/right
/// power balance of the mix, dB (positive = left louder).
pub fn decide(inputs: &[PanInput]) -> (Vec<(f64, String)>, f64) {
    let mut out: Vec<(f64, String)> = inputs
        .iter()
        .map(|p| {
            let why = if p.silent {
                "silent: not placed".to_string()
            } else if p.is_lead
                || matches!(
                    p.role,
                    Role::Kick | Role::Snare | Role::Bass | Role::LeadVocal
                )
            {
                format!(
                    "centre: {:?}{} anchors the mix in the middle",
                    p.role,
                    if p.is_lead { " (the lead)" } else { "" }
                )
            } else if matches!(p.role, Role::Overheads | Role::Room) {
                format!("centre: {:?} carry the kit's own stereo image; balancing them would tilt the whole kit", p.role)
            } else if p.role == Role::BackingTrack {
                "centre: a backing track carries the band's own stereo image; balancing it would tilt the whole band".to_string()
            } else if p.low_share > LOW_END_MONO {
                format!(
                    "centre: {:.0} % of its power is below 120 Hz; the low end stays mono",
                    100.0 * p.low_share
                )
            } else {
                String::new()
            };
            (0.0, why)
        })
        .collect();
    let mut spread: Vec<usize> = (0..inputs.len()).filter(|i| out[*i].1.is_empty()).collect();
    spread.sort_by(|a, b| inputs[*b].power.total_cmp(&inputs[*a].power));
    let (mut left, mut right) = (0.0, 0.0);
    for (i, p) in inputs.iter().enumerate() {
        if !out[i].1.is_empty() && !p.silent {
            let (l, r) = side_gains(p.stereo, 0.0);
            left += p.power * l;
            right += p.power * r;
        }
    }
    for i in spread {
        let p = &inputs[i];
        let pos =
            ((p.centroid_hz.max(1.0) / 200.0).log2() / (6000.0f64 / 200.0).log2()).clamp(0.0, 1.0);
        let width = ((20.0 + 50.0 * pos) / 5.0).round() * 5.0;
        let go_left = left <= right;
        let pan = if go_left { -width } else { width };
        let (l, r) = side_gains(p.stereo, pan);
        left += p.power * l;
        right += p.power * r;
        out[i] = (
            pan,
            format!(
                "{width:.0} % {}: centroid {:.0} Hz sets the width (20–70 % from 200 Hz to 6 kHz); the {} side was quieter",
                if go_left { "left" } else { "right" },
                p.centroid_hz,
                if go_left { "left" } else { "right" }
            ),
        );
    }
    let balance = if left > 0.0 && right > 0.0 {
        10.0 * (left / right).log10()
    } else {
        0.0
    };
    (out, balance)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(role: Role, centroid: f64, low: f64, power: f64) -> PanInput {
        PanInput {
            role,
            is_lead: false,
            centroid_hz: centroid,
            low_share: low,
            power,
            stereo: false,
            silent: false,
        }
    }

    #[test]
    fn foundation_centred_others_spread_and_balanced() {
        let inputs = [
            src(Role::Kick, 80.0, 0.8, 1.0),
            src(Role::Bass, 120.0, 0.6, 1.0),
            src(Role::Guitar, 1200.0, 0.05, 0.5),
            src(Role::Keys, 1000.0, 0.05, 0.5),
            src(Role::Hats, 8000.0, 0.0, 0.1),
            src(Role::Pad, 600.0, 0.5, 0.3),
        ];
        let (pans, balance) = decide(&inputs);
        assert_eq!(pans[0].0, 0.0);
        assert_eq!(pans[1].0, 0.0);
        assert_eq!(pans[5].0, 0.0, "low-heavy pad stays centred");
        assert!(
            pans[2].0 * pans[3].0 < 0.0,
            "guitar and keys on opposite sides"
        );
        assert_eq!(pans[4].0.abs(), 70.0, "bright hats go widest");
        assert!(balance.abs() < 1.0, "{balance}");
        // A bright backing track stays where the band was mixed.
        let backing = src(Role::BackingTrack, 1300.0, 0.3, 1.0);
        let (pans, _) = decide(&[backing, src(Role::Guitar, 1200.0, 0.05, 0.5)]);
        assert_eq!(pans[0].0, 0.0, "{}", pans[0].1);
        assert!(pans[0].1.contains("backing track"), "{}", pans[0].1);
    }

    #[test]
    fn stereo_balance_makeup_restores_power() {
        let m = balance_makeup_db(true, 50.0);
        let (l, r) = side_gains(true, 50.0);
        let after = 10.0 * ((l + r) / 2.0).log10() + m;
        assert!(after.abs() < 1e-12 && m > 0.0);
        assert_eq!(balance_makeup_db(false, 50.0), 0.0);
    }
}
