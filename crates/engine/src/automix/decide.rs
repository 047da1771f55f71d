//! Putting the rules together: from the stems' features to channel strips,
//! return buses and the report, in the order an engineer works — gain staging,
//! levels, pan, EQ (high-pass, then masking cuts on the final balance),
//! dynamics, space.

use super::dynamics;
use super::eq;
use super::features::{BANDS, MIN_SECONDS, StemFeatures};
use super::levels::{LeadInput, STAGING_LUFS, pick_lead, priority, targets};
use super::masking::{Source, band_excess, masking};
use super::pan::{PanInput, balance_makeup_db, decide as decide_pans};
use super::report::{ALL_OTHERS, Decision, MaskingPair, StemReport};
use super::space;
use crate::mix::inserts::{BandSpec, EqSpec, GainSpec, Insert};
use crate::mix::{Bus, Role, Track};

/// The decisions for a set of tracks.
pub struct Decided {
    /// Return buses to add.
    pub returns: Vec<Bus>,
    /// Per-stem report.
    pub stems: Vec<StemReport>,
    /// Lead track name.
    pub lead: Option<String>,
    /// Left/right balance, dB.
    pub lr_balance_db: f64,
    /// Masking before/after.
    pub masking: Vec<MaskingPair>,
    /// Warnings.
    pub warnings: Vec<String>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn decision(what: &str, value: String, why: impl Into<String>) -> Decision {
    Decision {
        what: what.into(),
        value,
        why: why.into(),
    }
}

/// Sets every automatic field of `tracks` (gain, pan, inserts, sends, mute, why)
/// from `features`; `role_why` says how each role was chosen.
pub fn decide(tracks: &mut [Track], features: Vec<StemFeatures>, role_why: &[String]) -> Decided {
    let n = tracks.len();
    let sounding: Vec<bool> = features
        .iter()
        .map(|f| f.active_lufs.is_some() && !f.too_short())
        .collect();
    // A backing track is the accompaniment itself: `pick_lead` never takes
    // it for the lead (levels::never_leads).
    let picked = pick_lead(
        &(0..n)
            .map(|i| LeadInput {
                role: tracks[i].role,
                centroid_hz: features[i].centroid_hz,
                sounding: sounding[i],
                active_share: features[i].active_share,
                low_share: features[i].low_share,
                note_changes_per_s: features[i].note_changes_per_s,
                monophony: features[i].monophony,
            })
            .collect::<Vec<_>>(),
    );
    let lead = picked.as_ref().map(|p| p.0);
    let lead_why = picked.map(|p| p.1).unwrap_or_default();
    let target = targets(
        &(0..n)
            .map(|i| (tracks[i].role, sounding[i]))
            .collect::<Vec<_>>(),
        lead,
    );
    let mut warnings = Vec::new();
    let mut reports: Vec<StemReport> = Vec::with_capacity(n);
    // 1. Gain staging and levels.
    for (i, (t, f)) in tracks.iter_mut().zip(&features).enumerate() {
        let is_lead = lead == Some(i);
        let mut r = StemReport {
            name: t.display_name(),
            file: t.file.clone(),
            role: t.role,
            role_why: role_why.get(i).cloned().unwrap_or_default(),
            is_lead,
            features: f.clone(),
            trim_db: 0.0,
            gain_db: 0.0,
            pan: 0.0,
            muted: false,
            decisions: Vec::new(),
        };
        t.inserts.clear();
        t.sends.clear();
        t.gain_db = 0.0;
        t.pan = 0.0;
        if f.too_short() {
            t.mute = true;
            t.why = format!(
                "too short: {:.2} s, under the {:.0} ms BS.1770 gating block, so its loudness cannot be measured; muted, no gain applied",
                f.seconds,
                MIN_SECONDS * 1000.0
            );
            r.muted = true;
            r.decisions
                .push(decision("mute", "muted".into(), t.why.clone()));
            warnings.push(format!(
                "{}: {:.2} s long, too short to measure its loudness (< {MIN_SECONDS} s); muted",
                r.name, f.seconds
            ));
            reports.push(r);
            continue;
        }
        let Some(active) = f.active_lufs else {
            t.mute = true;
            t.why = "silent: no audio above −110 LUFS; muted, no gain applied".into();
            r.muted = true;
            r.decisions
                .push(decision("mute", "muted".into(), t.why.clone()));
            warnings.push(format!("{}: silent stem, muted", r.name));
            reports.push(r);
            continue;
        };
        let trim = round1(STAGING_LUFS - active);
        let offset = target[i].as_ref().map_or(0.0, |t| t.0);
        t.inserts.push(Insert::Gain(GainSpec {
            gain_db: trim,
            why: format!(
                "trim {trim:+.1} dB: active part measured {active:.1} LUFS ({:.0} % of the stem active) → staging level {STAGING_LUFS} LUFS",
                100.0 * f.active_share
            ),
        }));
        r.decisions.push(decision(
            "trim",
            format!("{trim:+.1} dB"),
            match &t.inserts[0] {
                Insert::Gain(g) => g.why.clone(),
                _ => String::new(),
            },
        ));
        r.trim_db = trim;
        r.gain_db = offset;
        reports.push(r);
    }
    // 2. Pan (needs each source's power at its fader).
    let pan_in: Vec<PanInput> = (0..n)
        .map(|i| PanInput {
            role: tracks[i].role,
            is_lead: lead == Some(i),
            centroid_hz: features[i].centroid_hz,
            low_share: features[i].low_share,
            power: 10f64.powf((STAGING_LUFS + reports[i].gain_db) / 10.0),
            stereo: features[i].channels >= 2,
            silent: !sounding[i],
        })
        .collect();
    let (pans, lr_balance_db) = decide_pans(&pan_in);
    // 3. Faders (role offset + balance makeup).
    for i in (0..n).filter(|i| sounding[*i]) {
        let t = &mut tracks[i];
        let r = &mut reports[i];
        let (offset, reason) = if r.is_lead {
            (0.0, format!("the lead sits on top — {lead_why}"))
        } else {
            target[i].clone().unwrap_or_default()
        };
        let (pan, pan_why) = pans[i].clone();
        let makeup = round1(balance_makeup_db(pan_in[i].stereo, pan));
        let gain = round1(offset + makeup);
        t.gain_db = gain;
        t.pan = pan;
        r.gain_db = gain;
        r.pan = pan;
        let fader_why = format!(
            "fader {gain:+.1} dB: {:?} target {offset:+.1} LU relative to the lead ({reason}){}",
            t.role,
            if makeup != 0.0 {
                format!("; {makeup:+.1} dB gives back what the stereo balance control takes")
            } else {
                String::new()
            }
        );
        t.why = format!("{fader_why}; pan: {pan_why}");
        r.decisions
            .push(decision("fader", format!("{gain:+.1} dB"), fader_why));
        r.decisions.push(decision(
            "pan",
            if pan == 0.0 {
                "centre".into()
            } else {
                format!(
                    "{:.0} % {}",
                    pan.abs(),
                    if pan < 0.0 { "left" } else { "right" }
                )
            },
            pan_why,
        ));
    }
    // 4. EQ: high-pass, then masking cuts on the balance decided so far.
    let mut eqs: Vec<Vec<BandSpec>> = (0..n)
        .map(|i| {
            if sounding[i] {
                vec![eq::high_pass(tracks[i].role, &features[i])]
            } else {
                Vec::new()
            }
        })
        .collect();
    let flat: Vec<f64> = reports.iter().map(|r| r.trim_db + r.gain_db).collect();
    let level = |i: usize, eq: &[BandSpec]| -> [f64; BANDS] {
        let g = eq::band_gains(eq, features[i].sample_rate);
        let mut out = [0.0; BANDS];
        for (o, x) in out.iter_mut().zip(g) {
            *o = flat[i] + x;
        }
        out
    };
    let targets: Vec<usize> = (0..n)
        .filter(|i| sounding[*i] && priority(tracks[*i].role, lead == Some(*i)) <= 1)
        .collect();
    let target_range = |i: usize| -> (f64, f64) {
        if lead == Some(i) || tracks[i].role == Role::LeadVocal {
            (150.0, 8000.0)
        } else {
            (40.0, 400.0)
        }
    };
    for &t in &targets {
        let tp = priority(tracks[t].role, lead == Some(t));
        let tgt = Source {
            segments: &features[t].segments,
            gain_db: level(t, &eqs[t]),
        };
        for m in (0..n).filter(|m| *m != t && sounding[*m]) {
            if priority(tracks[m].role, lead == Some(m)) <= tp {
                continue;
            }
            let src = Source {
                segments: &features[m].segments,
                gain_db: level(m, &eqs[m]),
            };
            let (excess, energy) = band_excess(&tgt, &[src]);
            let name = reports[t].name.clone();
            for cut in eq::masking_cuts(
                &excess,
                &energy,
                features[m].sample_rate,
                &name,
                target_range(t),
            ) {
                match eqs[m]
                    .iter_mut()
                    .find(|b| (b.freq_hz - cut.freq_hz).abs() < 1.0)
                {
                    Some(b) if b.gain_db <= cut.gain_db => {}
                    Some(b) => *b = cut,
                    None => eqs[m].push(cut),
                }
            }
        }
    }
    // 5. Inserts in order: trim, EQ, gate, compressor, de-esser; then sends.
    let mut used: Vec<&str> = Vec::new();
    for i in (0..n).filter(|i| sounding[*i]) {
        let (t, r, f) = (&mut tracks[i], &mut reports[i], &features[i]);
        let trim = r.trim_db;
        for b in &eqs[i] {
            let value = match b.kind {
                crate::mix::inserts::BandKind::LowCut => format!("high-pass {:.0} Hz", b.freq_hz),
                _ => format!("{:+.1} dB at {:.0} Hz (Q {:.1})", b.gain_db, b.freq_hz, b.q),
            };
            r.decisions.push(decision("eq", value, b.why.clone()));
        }
        t.inserts.push(Insert::Eq(EqSpec {
            bands: std::mem::take(&mut eqs[i]),
        }));
        if let Some(g) = dynamics::gate(t.role, f, trim) {
            r.decisions.push(decision(
                "gate",
                format!("{:.1} dB, range {:.0} dB", g.threshold_db, g.range_db),
                g.why.clone(),
            ));
            t.inserts.push(Insert::Gate(g));
        }
        if let Some(c) = dynamics::compressor(t.role, f, trim) {
            r.decisions.push(decision(
                "compressor",
                format!(
                    "{:.1} dB, {:.1}:1, makeup {:+.1} dB",
                    c.threshold_db, c.ratio, c.makeup_db
                ),
                c.why.clone(),
            ));
            t.inserts.push(Insert::Compressor(c));
        }
        if let Some(d) = dynamics::de_esser(t.role, f, trim) {
            r.decisions.push(decision(
                "de-esser",
                format!(
                    "{:.0} Hz, {:.1} dB, {:.0}:1",
                    d.frequency_hz, d.threshold_db, d.ratio
                ),
                d.why.clone(),
            ));
            t.inserts.push(Insert::DeEsser(d));
        }
        // A backing track gets none: it was mixed with its own space.
        t.sends = space::sends(t.role, r.is_lead);
        for s in &t.sends {
            r.decisions.push(decision(
                "send",
                format!("{} {:+.0} dB", s.bus, s.level_db),
                s.why.clone(),
            ));
            if !used.contains(&s.bus.as_str()) {
                used.push(match s.bus.as_str() {
                    space::PLATE => space::PLATE,
                    space::ROOM => space::ROOM,
                    _ => space::ECHO,
                });
            }
        }
    }
    // 6. Masking before (plain sum as delivered) and after (levels and EQ).
    let mut pairs = Vec::new();
    let before = |i: usize| Source {
        segments: &features[i].segments,
        gain_db: [0.0; BANDS],
    };
    let after: Vec<[f64; BANDS]> = (0..n)
        .map(|i| {
            let bands: Vec<BandSpec> = tracks[i]
                .inserts
                .iter()
                .filter_map(|x| match x {
                    Insert::Eq(e) => Some(e.bands.clone()),
                    _ => None,
                })
                .flatten()
                .collect();
            level(i, &bands)
        })
        .collect();
    let after_src = |i: usize| Source {
        segments: &features[i].segments,
        gain_db: after[i],
    };
    for &t in &targets {
        let others: Vec<usize> = (0..n).filter(|m| *m != t && sounding[*m]).collect();
        pairs.push(MaskingPair {
            target: reports[t].name.clone(),
            masker: ALL_OTHERS.into(),
            before: masking(
                &before(t),
                &others.iter().map(|m| before(*m)).collect::<Vec<_>>(),
            ),
            after: masking(
                &after_src(t),
                &others.iter().map(|m| after_src(*m)).collect::<Vec<_>>(),
            ),
        });
        for &m in &others {
            pairs.push(MaskingPair {
                target: reports[t].name.clone(),
                masker: reports[m].name.clone(),
                before: masking(&before(t), &[before(m)]),
                after: masking(&after_src(t), &[after_src(m)]),
            });
        }
    }
    Decided {
        returns: space::returns(&used),
        lead: lead.map(|i| reports[i].name.clone()),
        stems: reports,
        lr_balance_db,
        masking: pairs,
        warnings,
    }
}
