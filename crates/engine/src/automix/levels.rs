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
//! **How far apart.** The baseline is *equal* loudness for every source
//! (Perez-Gonzalez & Reiss 2009, above), and the offsets from it stay small:
//! De Man, Leonard, King & Reiss, "An analysis and evaluation of audio features
//! for multitrack music mixtures" (ISMIR 2014) and De Man, *Towards a better
//! understanding of mix engineering* (PhD thesis, QMUL 2017, ch. 4) measured
//! the sources of real professional mixes and found most of them within a
//! few LU of one another, with the lead on top. So the lead sits 3 LU above
//! the foundation and the main accompaniment, 4 LU above the other
//! accompaniment, 6 LU above beds, effects and decorations, and the room 8 LU
//! — the ordering is the engineers' (Owsinski; Izhaki), the spread is the
//! measured one. (The first version used 4–13 LU, the ranges of the mixing
//! handbooks; on the corpus arrangements it made the balance worse than the
//! raw stems — see bench/RESULTS.md, automix.)
//!
//! **The lead against the accompaniment as a whole.** The role offsets above
//! only *order* the accompaniment; how loud it sits as a whole is set against
//! the lead: the accompaniment parts move together until their summed loudness
//! (all of them playing at once) lies [`LEAD_OVER_ACCOMPANIMENT_LU`] under the
//! lead. Engineers balance the lead against the backing, not against each
//! part, and the lead-to-accompaniment ratio (LAR) is what has been measured
//! on released records: Gerdes & Siedenburg, "Lead-vocal level in recordings
//! of popular music 1946–2020" (JASA Express Letters 3(4), 043201, 2023),
//! found the lead a mean of about 1 dB over the whole accompaniment since the
//! mid-1970s (about 5 dB in 1946; positive for pop, country and rap, near 0 for
//! rock); de Clercq (Music Theory Online 30(1), 2024) argues for the same
//! lead-versus-mix-minus-lead comparison in K-weighted loudness units. Without
//! this, a fixed offset per part buries the lead as the arrangement grows: ten
//! parts each 4 LU under the lead add up to 6 LU *over* it.
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
        Role::Kick => (-3.0, "foundation: kick just under the lead"),
        Role::Snare => (-3.0, "foundation: snare just under the lead"),
        Role::Bass => (-4.0, "foundation: bass just under the lead"),
        Role::Overheads => (-3.0, "the kit as a whole, a foundation under the lead"),
        Role::Toms => (-6.0, "toms speak only in fills"),
        Role::Hats => (-6.0, "hats colour the groove, below the lead"),
        Role::Room => (-8.0, "room mics add space, not level"),
        Role::Percussion => (-6.0, "percussion decorates the groove"),
        Role::Guitar => (-3.0, "main accompaniment just under the lead"),
        Role::Piano => (-3.0, "main accompaniment just under the lead"),
        Role::Keys => (-4.0, "accompaniment under the lead"),
        Role::Brass => (-3.0, "section instrument just under the lead"),
        Role::Strings => (-4.0, "sustained section under the lead"),
        Role::Synth => (-4.0, "accompaniment under the lead"),
        Role::Pad => (-6.0, "pads are a bed, felt more than heard"),
        Role::BackingVocal => (-4.0, "backing vocals support the lead"),
        Role::Fx => (-6.0, "effects sit behind the music"),
        Role::BackingTrack => (
            -3.0,
            "a backing track is the whole band: the main accompaniment, just under the lead",
        ),
        Role::Other => (-4.0, "unclassified source, placed with the accompaniment"),
    }
}

/// Lead-to-accompaniment ratio, LU: the lead's active loudness over the summed
/// active loudness of every other part (Gerdes & Siedenburg 2023, module docs).
pub const LEAD_OVER_ACCOMPANIMENT_LU: f64 = 1.0;

/// Target loudness of each stem relative to the lead, LU, with the reason in
/// words; `None` for stems that do not sound. `stems` gives each stem's role
/// and whether it sounds; `lead` is the lead's index.
///
/// The lead sits at 0. The other sounding parts take their [`role_offset`]s,
/// then all move by one common shift so that their power sum lies
/// [`LEAD_OVER_ACCOMPANIMENT_LU`] under the lead (module docs). With no lead
/// (nothing carries a tune, e.g. a drum-only session) the role offsets stand
/// as they are: they still order the parts, and there is nothing to balance
/// them against.
pub fn targets(stems: &[(Role, bool)], lead: Option<usize>) -> Vec<Option<(f64, String)>> {
    let offsets: Vec<Option<(f64, &str)>> = stems
        .iter()
        .enumerate()
        .map(|(i, (role, sounding))| match (sounding, lead == Some(i)) {
            (false, _) => None,
            (true, true) => Some((0.0, "the lead sits on top")),
            (true, false) => Some(role_offset(*role)),
        })
        .collect();
    let accompaniment: f64 = offsets
        .iter()
        .enumerate()
        .filter(|(i, o)| o.is_some() && lead != Some(*i))
        .filter_map(|(_, o)| o.map(|(db, _)| 10f64.powf(db / 10.0)))
        .sum();
    let shift = match lead {
        Some(_) if accompaniment > 0.0 => {
            -LEAD_OVER_ACCOMPANIMENT_LU - 10.0 * accompaniment.log10()
        }
        _ => 0.0,
    };
    let parts = offsets
        .iter()
        .enumerate()
        .filter(|(i, o)| o.is_some() && lead != Some(*i))
        .count();
    offsets
        .iter()
        .enumerate()
        .map(|(i, o)| {
            o.map(|(db, why)| {
                if lead == Some(i) || shift == 0.0 {
                    (db, why.to_string())
                } else {
                    (
                        db + shift,
                        format!(
                            "{why}: role offset {db:+.0} LU, and the {parts} accompaniment part{} move by {shift:+.1} LU together so that, all playing, they sum to {LEAD_OVER_ACCOMPANIMENT_LU:.0} LU under the lead (the lead-to-accompaniment ratio of released records)",
                            if parts == 1 { "" } else { "s" }
                        ),
                    )
                }
            })
        })
        .collect()
}

/// A part that changes note at least this often (per active second) is a
/// *line* — a melody or counter-melody — rather than a bed. Harmony in popular
/// music changes about once or twice a bar (at 120 BPM in 4/4 a bar is 2 s,
/// so a pad moves ≤ 1 time per second), while sung and played melodies move at
/// several notes per second (Fraisse, "Rhythm and tempo", in Deutsch (ed.),
/// *The Psychology of Music*, 1982: most notes of a melody last 150–900 ms,
/// i.e. 1.1–6.7 notes per second). 1.5/s sits between the two.
pub const LINE_MIN_CHANGES_PER_S: f64 = 1.5;

/// A line whose frames hold more than this share of their power in one
/// harmonic series (beyond chance; see `features::harmonic_share`) plays one
/// pitch at a time: a melody. The bound is a triad's: of three equally strong
/// notes, the root's series also holds every second partial of the fifth (3:2)
/// and every fourth of the third (5:4), at most 1/3 + 1/6 + 1/12 ≈ 0.58 of the
/// partials (less of the power when partials fall with frequency: 0.50 for
/// 1/h amplitudes, see the features tests); a single note reads near 1, less
/// where reverb tails or echoes of earlier notes sound under it.
pub const MONOPHONIC_MIN: f64 = 0.6;

/// Content below this share of power under 120 Hz (0–1) is above the bass
/// register; a part with most of its power lower is a bass line, whatever
/// its instrument.
const BASS_REGISTER_SHARE: f64 = 0.5;

/// What [`pick_lead`] knows about each stem.
#[derive(Debug, Clone, Copy)]
pub struct LeadInput {
    /// The stem's role.
    pub role: Role,
    /// Power-weighted mean frequency, Hz.
    pub centroid_hz: f64,
    /// Whether the stem sounds at all.
    pub sounding: bool,
    /// Share of the song the stem is active, 0–1.
    pub active_share: f64,
    /// Share of the power below 120 Hz, 0–1.
    pub low_share: f64,
    /// Note changes per active second (spectral flux).
    pub note_changes_per_s: f64,
    /// Monophony, 0–1 (one harmonic series' share of the power; features).
    pub monophony: f64,
}

/// Roles that never carry the melody: the rhythm section, the bass, and a
/// backing track — the accompaniment already mixed, which may hold a tune
/// among its parts but is what the lead is set against, never the lead
/// itself (with no other part to lead, there is no lead).
fn never_leads(role: Role) -> bool {
    matches!(
        role,
        Role::Kick
            | Role::Snare
            | Role::Hats
            | Role::Toms
            | Role::Overheads
            | Role::Room
            | Role::Percussion
            | Role::Bass
            | Role::BackingTrack
    )
}

/// Roles that can carry the melody when nothing is found by content, best
/// first: wind and solo instruments before chordal ones (Izhaki ch. 8: the
/// lead is the instrument carrying the tune). No backing track: it is the
/// accompaniment ([`never_leads`]).
const LEAD_FALLBACK: [Role; 8] = [
    Role::Brass,
    Role::Other,
    Role::Synth,
    Role::Guitar,
    Role::Strings,
    Role::Piano,
    Role::Keys,
    Role::BackingVocal,
];

/// Index of the lead among `stems`, with the reason in words.
///
/// 1. The first sounding lead vocal.
/// 2. Else the lead *line* found by content, whatever the stem's name or
///    General MIDI patch: among the sounding parts that are neither rhythm
///    section, bass nor backing track (by role, [`never_leads`], or by
///    register: most power under 120 Hz) and
///    that move like a melody (at least [`LINE_MIN_CHANGES_PER_S`] note
///    changes per second), the one present for the largest share of the song
///    — among the *monophonic* lines (at least [`MONOPHONIC_MIN`]) if there is
///    one: melody tracks are mostly monophonic and the accompaniment is
///    chordal, and polyphony is among the features that tell them apart in the
///    melody-track selection literature (Rizo et al. 2006, below), so a piano
///    playing chords as often as the tune changes note does not take the lead
///    from the wind instrument that plays the tune.
///    Occupation — the share of the piece in which a part sounds — is the
///    strongest single cue to the melody part in the melody-track selection
///    literature (Rizo, Ponce de León, Pérez-Sancho, Pertusa & Iñesta, "A
///    pattern recognition approach for melody track selection in MIDI files",
///    ISMIR 2006; Tang, Yip & Leung, "Selection of melody lines for music
///    databases", COMPSAC 2000), and the foreground part is the one the
///    listener follows through the song. Ties go to the brighter stem
///    (melodies sit above the accompaniment).
/// 3. Else the highest-ranked role in [`LEAD_FALLBACK`], ties to the brighter.
pub fn pick_lead(stems: &[LeadInput]) -> Option<(usize, String)> {
    let sounding = |i: &usize| stems[*i].sounding;
    if let Some(i) = (0..stems.len())
        .filter(sounding)
        .find(|i| stems[*i].role == Role::LeadVocal)
    {
        return Some((i, "the lead vocal".into()));
    }
    let brighter = |a: &usize, b: &usize| stems[*a].centroid_hz.total_cmp(&stems[*b].centroid_hz);
    let lines: Vec<usize> = (0..stems.len())
        .filter(sounding)
        .filter(|i| {
            let s = &stems[*i];
            !never_leads(s.role)
                && s.low_share < BASS_REGISTER_SHARE
                && s.note_changes_per_s >= LINE_MIN_CHANGES_PER_S
        })
        .collect();
    let melodic: Vec<usize> = lines
        .iter()
        .copied()
        .filter(|i| stems[*i].monophony >= MONOPHONIC_MIN)
        .collect();
    let chordal_left = melodic.len() < lines.len() && !melodic.is_empty();
    let pool = if melodic.is_empty() { lines } else { melodic };
    let line = pool.into_iter().max_by(|a, b| {
        stems[*a]
            .active_share
            .total_cmp(&stems[*b].active_share)
            .then_with(|| brighter(a, b))
    });
    if let Some(i) = line {
        let s = &stems[i];
        return Some((
            i,
            format!(
                "no lead vocal; the lead line by content: {:.1} note changes/s (a moving part, ≥ {LINE_MIN_CHANGES_PER_S}), above the bass register ({:.0} % under 120 Hz), {} ({:.0} % of its power in one harmonic series), present {:.0} % of the song, the most of any such part{}",
                s.note_changes_per_s,
                100.0 * s.low_share,
                if s.monophony >= MONOPHONIC_MIN {
                    "one pitch at a time"
                } else {
                    "no moving part plays one pitch at a time"
                },
                100.0 * s.monophony,
                100.0 * s.active_share,
                if chordal_left {
                    "; chordal parts that move as often accompany it"
                } else {
                    ""
                }
            ),
        ));
    }
    LEAD_FALLBACK.iter().find_map(|r| {
        (0..stems.len())
            .filter(sounding)
            .filter(|i| stems[*i].role == *r)
            .max_by(brighter)
            .map(|i| {
                (
                    i,
                    format!("no lead vocal and no moving line; the {r:?} ranks first for the tune"),
                )
            })
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
        // A backing track is cut where it masks the lead, as an engineer
        // carves the vocal's space out of a playback.
        Role::BackingTrack => 2,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stem(role: Role, centroid_hz: f64, share: f64, low: f64, changes: f64) -> LeadInput {
        LeadInput {
            role,
            centroid_hz,
            sounding: true,
            active_share: share,
            low_share: low,
            note_changes_per_s: changes,
            monophony: 0.9,
        }
    }

    /// A chordal part that plays longer and moves more does not lead when a
    /// monophonic line plays the tune; with no monophonic line, occupation
    /// decides among the moving parts as before.
    #[test]
    fn the_monophonic_line_leads_over_chords() {
        let mut piano = stem(Role::Keys, 1000.0, 0.87, 0.07, 5.1);
        piano.monophony = 0.45;
        let sax = stem(Role::Brass, 900.0, 0.48, 0.0, 2.5);
        let (i, why) = pick_lead(&[piano, sax]).unwrap();
        assert_eq!(i, 1, "{why}");
        assert!(why.contains("one pitch at a time"), "{why}");
        assert!(why.contains("chordal parts"), "{why}");
        let mut organ = stem(Role::Keys, 700.0, 0.5, 0.05, 2.0);
        organ.monophony = 0.5;
        let (i, why) = pick_lead(&[piano, organ]).unwrap();
        assert_eq!(i, 0, "{why}");
        assert!(why.contains("no moving part plays one pitch"), "{why}");
    }

    #[test]
    fn lead_vocal_wins_else_the_moving_line_present_longest() {
        let s = [
            stem(Role::Bass, 100.0, 0.9, 0.8, 3.0),
            stem(Role::Piano, 900.0, 0.9, 0.1, 4.0),
            stem(Role::LeadVocal, 1500.0, 0.5, 0.0, 3.0),
        ];
        assert_eq!(pick_lead(&s).map(|l| l.0), Some(2));
        // No vocal: an "fx" stem that moves like a melody and plays through
        // the song leads; the bass line (a keys patch in the bass register),
        // the held pad and the drums do not, however long they play.
        let s = [
            stem(Role::Fx, 400.0, 0.8, 0.1, 3.5),
            stem(Role::Keys, 80.0, 0.95, 0.8, 3.0),
            stem(Role::Pad, 600.0, 0.95, 0.05, 0.5),
            stem(Role::Brass, 900.0, 0.5, 0.0, 2.0),
            stem(Role::Overheads, 3000.0, 1.0, 0.1, 6.0),
        ];
        let (i, why) = pick_lead(&s).unwrap();
        assert_eq!(i, 0, "{why}");
        assert!(why.contains("80 % of the song"), "{why}");
        // A silent lead vocal is not the lead.
        let mut quiet = stem(Role::LeadVocal, 0.0, 0.0, 0.0, 0.0);
        quiet.sounding = false;
        let s = [quiet, stem(Role::Piano, 800.0, 0.5, 0.1, 2.0)];
        assert_eq!(pick_lead(&s).map(|l| l.0), Some(1));
        // Nothing moves: the role ranking decides.
        let s = [
            stem(Role::Keys, 900.0, 0.9, 0.1, 0.3),
            stem(Role::Brass, 1200.0, 0.5, 0.0, 0.3),
        ];
        assert_eq!(pick_lead(&s).map(|l| l.0), Some(1));
        assert_eq!(pick_lead(&[stem(Role::Kick, 60.0, 1.0, 0.9, 2.0)]), None);
    }

    /// Summed power of the accompaniment's targets, LU relative to the lead.
    fn accompaniment_sum(t: &[Option<(f64, String)>], lead: usize) -> f64 {
        10.0 * t
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != lead)
            .filter_map(|(_, x)| x.as_ref().map(|x| 10f64.powf(x.0 / 10.0)))
            .sum::<f64>()
            .log10()
    }

    /// However many parts accompany the lead, together they sum to the LAR
    /// under it (exactly: the shift is solved, not approximated), keeping the
    /// role offsets' spacing; silent stems take no share; without a lead the
    /// role offsets stand.
    #[test]
    fn the_accompaniment_as_a_whole_sits_under_the_lead() {
        for parts in [1usize, 3, 5, 31] {
            let mut s = vec![(Role::LeadVocal, true)];
            s.extend((0..parts).map(|i| (if i % 2 == 0 { Role::Bass } else { Role::Pad }, true)));
            s.push((Role::Guitar, false));
            let t = targets(&s, Some(0));
            assert_eq!(t[0].as_ref().map(|x| x.0), Some(0.0));
            assert!(t[parts + 1].is_none());
            let sum = accompaniment_sum(&t, 0);
            assert!(
                (sum + LEAD_OVER_ACCOMPANIMENT_LU).abs() < 1e-9,
                "{parts}: {sum}"
            );
            if parts > 1 {
                let gap = t[1].as_ref().unwrap().0 - t[2].as_ref().unwrap().0;
                let want = role_offset(Role::Bass).0 - role_offset(Role::Pad).0;
                assert!((gap - want).abs() < 1e-9, "{gap} vs {want}");
                assert!(t[2].as_ref().unwrap().1.contains("move by"));
            }
        }
        // 31 parts: each ≈ 10·log10(31) ≈ 15 LU under the lead, not 4.
        let s: Vec<(Role, bool)> = std::iter::once((Role::LeadVocal, true))
            .chain(std::iter::repeat_n((Role::Keys, true), 31))
            .collect();
        let t = targets(&s, Some(0));
        let each = t[1].as_ref().unwrap().0;
        let want = -LEAD_OVER_ACCOMPANIMENT_LU - 10.0 * 31f64.log10();
        assert!((each - want).abs() < 1e-9, "{each} vs {want}");
        let t = targets(&[(Role::Kick, true), (Role::Hats, true)], None);
        assert_eq!(t[0].as_ref().unwrap().0, role_offset(Role::Kick).0);
        assert_eq!(t[1].as_ref().unwrap().0, role_offset(Role::Hats).0);
    }

    #[test]
    fn foundation_is_louder_than_beds() {
        for bed in [Role::Pad, Role::Fx, Role::Room, Role::Hats] {
            for f in [Role::Kick, Role::Snare, Role::Bass] {
                assert!(role_offset(f).0 > role_offset(bed).0);
            }
        }
    }

    /// The literature's spread: every non-lead role within 8 LU of the lead,
    /// and all but beds and room within 4 LU.
    #[test]
    fn offsets_stay_within_a_few_lu() {
        use Role::*;
        for r in [
            Kick,
            Snare,
            Hats,
            Overheads,
            Toms,
            Room,
            Percussion,
            Bass,
            Guitar,
            Piano,
            Keys,
            Brass,
            Strings,
            Synth,
            Pad,
            BackingVocal,
            Fx,
            BackingTrack,
            Other,
        ] {
            let o = role_offset(r).0;
            assert!((-8.0..0.0).contains(&o), "{r:?} {o}");
            if !matches!(r, Pad | Fx | Room | Toms | Hats | Percussion) {
                assert!(o >= -4.0, "{r:?} {o}");
            }
        }
    }
}
