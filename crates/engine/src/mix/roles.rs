//! Guessing a stem's [`Role`]: from its file name when the name says, else
//! from a short listen (spectral centroid, low-frequency share, onset rate).

use std::path::Path;

use mixmaster_analysis::{AnalysisOptions, Analyzer};
use mixmaster_io::AudioReader;

use super::session::Role;
use crate::Result;

/// Seconds of audio the fallback analysis listens to.
const LISTEN_S: usize = 30;

/// Splits a file stem into lowercase tokens at punctuation, digits and camelCase
/// (`"01_LeadVox-dbl"` → `lead`, `vox`, `dbl`).
pub fn tokens(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphabetic() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The role a single name token implies, if any.
fn token_role(t: &str) -> Option<Role> {
    Some(match t {
        "kick" | "kik" | "bd" | "kck" => Role::Kick,
        "snare" | "sn" | "snr" | "sd" => Role::Snare,
        "hat" | "hats" | "hh" | "hihat" | "ride" | "cymbal" | "cymbals" => Role::Hats,
        // A full kit on one stem is treated as overheads: it goes to the drum bus whole.
        "oh" | "overhead" | "overheads" | "drums" | "drum" | "kit" => Role::Overheads,
        "tom" | "toms" => Role::Toms,
        "room" | "amb" | "ambience" => Role::Room,
        "perc" | "percussion" | "shaker" | "tamb" | "tambourine" | "conga" | "congas" | "bongo"
        | "clap" | "claps" => Role::Percussion,
        "bass" | "sub" | "bs" => Role::Bass,
        "gtr" | "guitar" | "guitars" | "gt" => Role::Guitar,
        "keys" | "key" | "organ" | "rhodes" | "ep" | "wurli" | "clav" | "mallets" | "celesta"
        | "vibraphone" | "marimba" => Role::Keys,
        "piano" | "pno" => Role::Piano,
        "synth" | "syn" | "arp" | "pluck" => Role::Synth,
        "pad" | "pads" => Role::Pad,
        "str" | "strings" | "violin" | "viola" | "cello" | "ensemble" | "orch" => Role::Strings,
        "brass" | "trumpet" | "tpt" | "horn" | "horns" | "trombone" | "sax" | "reed" => Role::Brass,
        "vox" | "vocal" | "vocals" | "voc" | "vx" | "lv" => Role::LeadVocal,
        "bv" | "bvs" | "bgv" | "harmony" | "harmonies" | "choir" | "dbl" => Role::BackingVocal,
        "fx" | "sfx" | "riser" | "impact" | "echoes" => Role::Fx,
        _ => return None,
    })
}

/// The role the file name implies, with the reason in words (the file name
/// is split into [`tokens`] once, here). In order:
/// - a backing track (`backing_track_word`) is [`Role::BackingTrack`];
/// - "bass drum" is the kick, not the bass;
/// - a pad word wins over voice words: "pad_4_choir", "choir_pad" and
///   "voice_pad" name a synthesiser pad with a vocal timbre (General MIDI
///   programs 89–96 are the "Synth Pad" family, and "Pad 4 (choir)" is program
///   92; GM 1 sound set) — a sustained bed, not a singer;
/// - "lead" and "backing" qualify what they stand with: with a voice word, or
///   "lead" alone, they name the lead or a backing vocal ("Lead Vox", "Backing
///   Vox", "Lead"); with an instrument they only say which part it plays
///   ("Lead Guitar" is a guitar, "backing_gtr" too); a voice's double or
///   ad-libs sit under the lead as backing vocals ("VoxDouble"; a "Double
///   Bass" is a bass);
/// - backing-vocal words win over lead-vocal words ("lead_bv");
/// - a bass word wins over synthesiser and keyboard words: "synth_bass" and
///   "organ bass" play the bass line (General MIDI files "Synth Bass 1/2"
///   under the bass family, programs 33–40);
/// - a piano word wins over keyboard words: "keys" names the family (General
///   MIDI files the pianos under it, and "keys_acoustic_grand_piano" is how
///   such stems are named), "piano" the instrument, and the piano is usually
///   the main harmonic accompaniment rather than a keyboard colour;
/// - otherwise the first meaningful word wins.
pub fn role_from_name(stem: &str) -> Option<(Role, String)> {
    let toks = tokens(stem);
    if let Some(word) = backing_track_word(&toks) {
        return Some((
            Role::BackingTrack,
            format!(
                "file name says {word:?}: a backing track, the accompaniment already mixed as one stem"
            ),
        ));
    }
    role_word(&toks).map(|(role, word)| (role, format!("file name says {word:?}")))
}

/// The role the name's `toks` imply and the word that decided it, by the
/// rules of [`role_from_name`] after the backing track's.
fn role_word(toks: &[String]) -> Option<(Role, String)> {
    let has = |w: &str| toks.iter().any(|t| t == w);
    if has("bass") && (has("drum") || has("drums")) {
        return Some((Role::Kick, "bass drum".to_string()));
    }
    let roles: Vec<(Role, &String)> = toks
        .iter()
        .filter_map(|t| token_role(t).map(|r| (r, t)))
        .collect();
    let found = |want: Role| {
        roles
            .iter()
            .find(|(r, _)| *r == want)
            .map(|(r, t)| (*r, (*t).clone()))
    };
    if let Some(pad) = found(Role::Pad) {
        return Some(pad);
    }
    let voice = roles
        .iter()
        .any(|(r, _)| matches!(r, Role::LeadVocal | Role::BackingVocal))
        || toks.iter().any(|t| VOICE_WORDS.contains(&t.as_str()));
    if let Some(w) = ["backing", "double", "doubles", "adlib", "adlibs"]
        .iter()
        .find(|w| voice && has(w))
    {
        return Some((Role::BackingVocal, (*w).to_string()));
    }
    if has("lead") && (voice || roles.is_empty()) {
        return found(Role::BackingVocal).or(Some((Role::LeadVocal, "lead".to_string())));
    }
    if let Some(bass) = found(Role::Bass).filter(|_| {
        roles
            .iter()
            .all(|(r, _)| matches!(r, Role::Bass | Role::Synth | Role::Keys | Role::Piano))
    }) {
        return Some(bass);
    }
    found(Role::BackingVocal)
        .or_else(|| found(Role::Piano))
        .or_else(|| roles.first().map(|(r, t)| (*r, (*t).clone())))
}

/// Voice words that name no role by themselves.
const VOICE_WORDS: [&str; 4] = ["voice", "voices", "singer", "singers"];

/// The word among a name's `toks` that names it a backing track — the
/// accompaniment already mixed into one stem, as singers and players receive
/// it to record over — if the name says so: "instrumental", "karaoke",
/// "accompaniment", "playback", or "backing" with no other role or voice word
/// ("backing.wav", "Backing Track"; "Backing Vox" is a backing vocal,
/// "backing_gtr" a guitar).
fn backing_track_word(toks: &[String]) -> Option<&'static str> {
    let has = |w: &str| toks.iter().any(|t| t == w);
    let whole = ["instrumental", "karaoke", "accompaniment", "playback"];
    if let Some(w) = whole.into_iter().find(|w| has(w)) {
        return Some(w);
    }
    let alone = toks
        .iter()
        .all(|t| t == "backing" || (token_role(t).is_none() && !VOICE_WORDS.contains(&t.as_str())));
    (has("backing") && alone).then_some("backing")
}

/// Features of a short listen.
#[derive(Debug, Clone, Copy)]
pub struct Listen {
    /// Power-weighted mean frequency of the third-octave spectrum, Hz.
    pub centroid_hz: f64,
    /// Share of the power below 160 Hz, 0–1.
    pub low_share: f64,
    /// Onsets per second (10 ms energy rises of 9 dB or more, 60 ms apart).
    pub onsets_per_s: f64,
}

/// Listens to the first [`LISTEN_S`] seconds of `path`; `None` when the
/// audio is shorter than one 400 ms BS.1770 gating block, too short for the
/// analyser's spectrum and loudness.
pub fn listen(path: &Path) -> Result<Option<Listen>> {
    let mut reader = AudioReader::open(path)?;
    let info = reader.info().clone();
    let mut analyzer = Analyzer::new(info.sample_rate, info.channels, AnalysisOptions::default())
        .map_err(|e| crate::Error::input(path, e.to_string()))?;
    let hop = (info.sample_rate as usize / 100).max(1);
    let mut buf = (0..info.channels)
        .map(|_| Vec::with_capacity(hop))
        .collect::<Vec<_>>();
    let (mut prev_db, mut onsets, mut since, mut hops) = (-120.0f64, 0usize, usize::MAX, 0usize);
    while hops < LISTEN_S * 100 {
        let n = reader.read_block(&mut buf, hop)?;
        if n == 0 {
            break;
        }
        let slices: Vec<&[f32]> = buf.iter().map(|c| &c[..n]).collect();
        analyzer.push(&slices);
        let e: f64 = buf
            .iter()
            .flat_map(|c| c[..n].iter())
            .map(|x| f64::from(*x).powi(2))
            .sum::<f64>()
            / (n * info.channels) as f64;
        let level = 10.0 * (e + 1e-12).log10();
        since = since.saturating_add(1);
        if level > -60.0 && level - prev_db >= 9.0 && since >= 6 {
            onsets += 1;
            since = 0;
        }
        prev_db = level;
        hops += 1;
    }
    let a = match analyzer.finish() {
        Ok(a) => a,
        Err(mixmaster_analysis::Error::TooShort { .. }) => return Ok(None),
        Err(e) => return Err(crate::Error::input(path, e.to_string())),
    };
    let (mut total, mut low, mut weighted) = (0.0, 0.0, 0.0);
    for b in &a.third_octave_dbfs {
        if let Some(db) = b.level_db {
            let p = 10f64.powf(db / 10.0);
            total += p;
            weighted += p * b.center_hz;
            if b.center_hz < 160.0 {
                low += p;
            }
        }
    }
    let secs = (hops as f64 / 100.0).max(0.01);
    Ok(Some(Listen {
        centroid_hz: if total > 0.0 { weighted / total } else { 0.0 },
        low_share: if total > 0.0 { low / total } else { 0.0 },
        onsets_per_s: onsets as f64 / secs,
    }))
}

/// A role from listening: rules of thumb, written down so the report can say why.
/// - mostly low end: percussive → kick, sustained → bass;
/// - many onsets: bright → hats, otherwise percussion;
/// - sustained: dark → pad, bright → synth; anything else is `other`.
pub fn role_from_listen(l: &Listen) -> Role {
    let percussive = l.onsets_per_s >= 2.0;
    if l.low_share > 0.5 {
        return if percussive { Role::Kick } else { Role::Bass };
    }
    if percussive {
        return if l.centroid_hz > 4000.0 {
            Role::Hats
        } else {
            Role::Percussion
        };
    }
    if l.centroid_hz > 0.0 && l.centroid_hz < 700.0 {
        Role::Pad
    } else if l.centroid_hz > 2500.0 {
        Role::Synth
    } else {
        Role::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenises_and_maps_names() {
        assert_eq!(tokens("01_LeadVox-dbl.wav"), ["lead", "vox", "dbl", "wav"]);
        let role = |s: &str| role_from_name(s).map(|(r, _)| r);
        assert_eq!(role("Kick In"), Some(Role::Kick));
        assert_eq!(role("kik_sub"), Some(Role::Kick));
        assert_eq!(role("BD"), Some(Role::Kick));
        assert_eq!(role("SnareTop"), Some(Role::Snare));
        assert_eq!(role("hh"), Some(Role::Hats));
        assert_eq!(role("OH L"), Some(Role::Overheads));
        assert_eq!(role("01_bass_acoustic_bass"), Some(Role::Bass));
        assert_eq!(role("Gtr DI"), Some(Role::Guitar));
        // The instrument over its family: a piano, not just keys.
        assert_eq!(role("02_keys_acoustic_grand_piano"), Some(Role::Piano));
        assert_eq!(role("Keys_Piano_L"), Some(Role::Piano));
        assert_eq!(role("keys_rhodes"), Some(Role::Keys));
        assert_eq!(role("Str Section"), Some(Role::Strings));
        assert_eq!(role("Lead Vox"), Some(Role::LeadVocal));
        assert_eq!(role("Lead"), Some(Role::LeadVocal));
        assert_eq!(role("lead_voice_dbl"), Some(Role::BackingVocal));
        assert_eq!(role("17_VoxDouble"), Some(Role::BackingVocal));
        assert_eq!(role("Vocal Adlibs"), Some(Role::BackingVocal));
        assert_eq!(role("Double Bass"), Some(Role::Bass));
        // "lead" with an instrument says which part it plays, not that it sings.
        assert_eq!(role("Lead Guitar"), Some(Role::Guitar));
        assert_eq!(role("lead_synth_2"), Some(Role::Synth));
        // The bass line on a synthesiser or keyboard is the bass; a bass drum
        // is the kick.
        assert_eq!(role("Synth Bass"), Some(Role::Bass));
        assert_eq!(role("organ_bass"), Some(Role::Bass));
        assert_eq!(role("Bass Drum"), Some(Role::Kick));
        assert_eq!(role("bass_gtr_di"), Some(Role::Bass));
        assert_eq!(role("lead_bv_2"), Some(Role::BackingVocal));
        // "backing" alone names a backing track (the whole band), with a
        // voice word a backing vocal.
        assert_eq!(role("backing"), Some(Role::BackingTrack));
        assert_eq!(role("Song - Backing Track"), Some(Role::BackingTrack));
        assert_eq!(role("instrumental_v2"), Some(Role::BackingTrack));
        assert_eq!(role("Karaoke Version"), Some(Role::BackingTrack));
        assert_eq!(role("Backing Vox 2"), Some(Role::BackingVocal));
        assert_eq!(role("backing_vocals"), Some(Role::BackingVocal));
        assert_eq!(role("backing voices"), Some(Role::BackingVocal));
        assert_eq!(role("backing_gtr"), Some(Role::Guitar));
        assert_eq!(role("backing_pad"), Some(Role::Pad));
        // The reason names the deciding word.
        let why = |s: &str| role_from_name(s).map(|(_, w)| w).unwrap_or_default();
        assert_eq!(why("Gtr DI"), "file name says \"gtr\"");
        assert_eq!(why("Bass Drum"), "file name says \"bass drum\"");
        assert!(why("01_playback").contains("\"playback\": a backing track"));
        // A GM "Pad 4 (choir)" is a synth pad, not a choir of singers.
        assert_eq!(role("05_pad_pad_4_choir"), Some(Role::Pad));
        assert_eq!(role("choir_pad"), Some(Role::Pad));
        assert_eq!(role("Choir"), Some(Role::BackingVocal));
        assert_eq!(role("03_pipe_ocarina"), None);
        // "bass" inside another word is not a token.
        assert_eq!(role("bassoon"), None);
    }

    #[test]
    fn listening_rules() {
        let l = |c, low, on| Listen {
            centroid_hz: c,
            low_share: low,
            onsets_per_s: on,
        };
        assert_eq!(role_from_listen(&l(90.0, 0.8, 0.3)), Role::Bass);
        assert_eq!(role_from_listen(&l(120.0, 0.7, 2.5)), Role::Kick);
        assert_eq!(role_from_listen(&l(8000.0, 0.01, 6.0)), Role::Hats);
        assert_eq!(role_from_listen(&l(1500.0, 0.1, 4.0)), Role::Percussion);
        assert_eq!(role_from_listen(&l(400.0, 0.2, 0.2)), Role::Pad);
    }
}
