//! Space: reverb and delay sends by role, on shared return buses.
//!
//! Rules (De Man & Reiss 2013 rule base; Izhaki, *Mixing Audio*, ch. 22–23;
//! Owsinski, "adding effects"): vocals and snare go to a plate; everything but
//! kick and bass goes to a short room at a low level, to sit the sources in one
//! space; the lead gets a quarter-note echo. Kick and bass stay dry (reverb
//! smears the low end), and so does a backing track: it was mixed with its
//! own space, and a room on it would blur the whole band. Sends are post-fader, so each level is relative to the
//! source's dry level and follows its fader. Returns are 100 % wet and
//! high-passed at 200 Hz so the tails do not muddy the low end.

use super::super::mix::inserts::{
    BandKind, BandSpec, DelaySpec, EqSpec, Insert, PresetSpec, ReverbSpec,
};
use super::super::mix::{Bus, Role, Send};

/// The plate return's name.
pub const PLATE: &str = "plate";
/// The room return's name.
pub const ROOM: &str = "room";
/// The echo return's name.
pub const ECHO: &str = "echo";

/// Sends for a source, each with its why.
pub fn sends(role: Role, is_lead: bool) -> Vec<Send> {
    let send = |bus: &str, level_db: f64, why: String| Send {
        bus: bus.to_string(),
        level_db,
        pre_fader: false,
        why,
    };
    let mut out = Vec::new();
    if role == Role::BackingTrack {
        return out;
    }
    let plate = match role {
        Role::LeadVocal => Some(-14.0),
        Role::BackingVocal | Role::Snare => Some(-16.0),
        _ if is_lead => Some(-18.0),
        _ => None,
    };
    if let Some(l) = plate {
        out.push(send(
            PLATE,
            l,
            format!(
                "plate {l:.0} dB below the dry signal: {role:?}{} gets the vocal/snare plate",
                if is_lead { " (the lead)" } else { "" }
            ),
        ));
    }
    if !matches!(role, Role::Kick | Role::Bass | Role::Room | Role::Fx) {
        out.push(send(
            ROOM,
            -22.0,
            "room −22 dB: every source but kick and bass shares one short room at a low level"
                .into(),
        ));
    }
    if is_lead {
        out.push(send(
            ECHO,
            -20.0,
            "echo −20 dB: a quarter-note echo behind the lead".into(),
        ));
    }
    out
}

fn return_eq() -> Insert {
    Insert::Eq(EqSpec {
        bands: vec![BandSpec {
            kind: BandKind::LowCut,
            freq_hz: 200.0,
            why: "returns are high-passed at 200 Hz so the tails keep the low end clear".into(),
            ..BandSpec::default()
        }],
    })
}

/// The return buses the sends in `used` need, in a fixed order.
pub fn returns(used: &[&str]) -> Vec<Bus> {
    let mut out = Vec::new();
    if used.contains(&PLATE) {
        let mut b = Bus::new(PLATE);
        b.inserts = vec![
            Insert::Reverb(ReverbSpec {
                preset: PresetSpec::Plate,
                mix_pct: Some(100.0),
                why: "plate for vocals and snare: dense, bright, no early reflections to blur diction".into(),
                ..ReverbSpec::default()
            }),
            return_eq(),
        ];
        out.push(b);
    }
    if used.contains(&ROOM) {
        let mut b = Bus::new(ROOM);
        b.inserts = vec![
            Insert::Reverb(ReverbSpec {
                preset: PresetSpec::Room,
                mix_pct: Some(100.0),
                why: "short room shared by the sources: one believable space".into(),
                ..ReverbSpec::default()
            }),
            return_eq(),
        ];
        out.push(b);
    }
    if used.contains(&ECHO) {
        let mut b = Bus::new(ECHO);
        b.inserts = vec![
            Insert::Delay(DelaySpec {
                note: Some("1/4".into()),
                feedback_pct: 25.0,
                low_cut_hz: Some(300.0),
                high_cut_hz: Some(6000.0),
                mix_pct: 100.0,
                why: "quarter-note echo at the session tempo, band-limited 300 Hz–6 kHz so it stays behind the lead".into(),
                ..DelaySpec::default()
            }),
            return_eq(),
        ];
        out.push(b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kick_and_bass_stay_dry_vocals_get_plate() {
        assert!(sends(Role::Kick, false).is_empty());
        assert!(sends(Role::Bass, false).is_empty());
        assert!(sends(Role::BackingTrack, false).is_empty());
        assert!(sends(Role::BackingTrack, true).is_empty());
        let v = sends(Role::LeadVocal, true);
        let buses: Vec<&str> = v.iter().map(|s| s.bus.as_str()).collect();
        assert_eq!(buses, [PLATE, ROOM, ECHO]);
        assert!(v.iter().all(|s| s.level_db < 0.0 && !s.why.is_empty()));
        assert_eq!(returns(&buses).len(), 3);
    }
}
