//! Automix properties on corpus-like stems synthesised here: drum hits (a kick
//! with spill from the kit), a bass line, a pad, hats and a formant "vocal"
//! with sibilants. Three seconds each keep the suite fast in the dev profile.
//!
//! Per-stem loudness in the final mix is measured by rendering each track
//! soloed and moving it by the difference between the full mix's headroom gain
//! and the solo render's (the renderer normalises every render's true peak).

use std::f64::consts::TAU;
use std::path::{Path, PathBuf};

use mixmaster::NoProgress;
use mixmaster::automix::{AutomixOptions, AutomixReport, automix};
use mixmaster::mix::inserts::Insert;
use mixmaster::mix::{RenderOptions, Role, load, render_file};
use mixmaster_io::{AudioBuffer, EncodeSpec, FileFormat, SampleFormat, WriteOptions, write_audio};

const RATE: u32 = 48_000;
const SECONDS: f64 = 3.0;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

fn frames() -> usize {
    (SECONDS * f64::from(RATE)) as usize
}

fn t(i: usize) -> f64 {
    i as f64 / f64::from(RATE)
}

/// Hits every `period` s from `start`: `f(time since hit)`.
fn hits(period: f64, start: f64, f: impl Fn(f64) -> f64) -> Vec<f64> {
    (0..frames())
        .map(|i| {
            let x = t(i) - start;
            if x < 0.0 { 0.0 } else { f(x % period) }
        })
        .collect()
}

fn kick() -> Vec<f64> {
    let mut rng = Rng(3);
    let body = hits(0.5, 0.0, |x| {
        let phase = TAU * (50.0 * x + 70.0 * 0.03 * (1.0 - (-x / 0.03).exp()));
        0.8 * phase.sin() * (-x / 0.12).exp()
    });
    // Spill from the rest of the kit, 40 dB down: a gate should open only on hits.
    body.iter().map(|b| b + 0.006 * rng.next()).collect()
}

fn snare() -> Vec<f64> {
    let mut rng = Rng(5);
    let env = hits(0.5, 0.25, |x| (-x / 0.08).exp());
    env.iter()
        .enumerate()
        .map(|(i, e)| e * (0.4 * rng.next() + 0.3 * (TAU * 190.0 * t(i)).sin()))
        .collect()
}

fn hats() -> Vec<f64> {
    let mut rng = Rng(9);
    let env = hits(0.125, 0.0, |x| (-x / 0.02).exp());
    let mut prev = 0.0;
    env.iter()
        .map(|e| {
            let n = rng.next();
            let y = n - prev; // first difference: a bright, hat-like noise
            prev = n;
            0.3 * e * y
        })
        .collect()
}

fn bass() -> Vec<f64> {
    let notes = [55.0, 55.0, 73.4, 65.4, 55.0, 82.4];
    (0..frames())
        .map(|i| {
            let f = notes[(t(i) / 0.5) as usize % notes.len()];
            let x = t(i) % 0.5;
            let env = (1.0 - (-x / 0.01).exp()) * (-x / 0.8).exp();
            let s: f64 = (1..6)
                .map(|h| (TAU * f * h as f64 * t(i)).sin() / h as f64)
                .sum();
            0.4 * env * s
        })
        .collect()
}

fn pad() -> Vec<f64> {
    // A sustained chord whose harmonics sit right in the vocal's formants.
    let chord = [220.0, 277.2, 329.6, 440.0];
    (0..frames())
        .map(|i| {
            let s: f64 = chord
                .iter()
                .flat_map(|f| {
                    (1..8).map(move |h| (TAU * f * h as f64 * t(i)).sin() / (h as f64).powf(0.7))
                })
                .sum();
            0.05 * s
        })
        .collect()
}

/// Sustained partials packed into the critical band of the vowels' second
/// formant (1080–1270 Hz).
fn guitar() -> Vec<f64> {
    let partials = [1100.0, 1150.0, 1200.0, 1250.0];
    (0..frames())
        .map(|i| {
            let s: f64 = partials.iter().map(|f| (TAU * f * t(i)).sin()).sum();
            0.1 * s
        })
        .collect()
}

fn vocal() -> Vec<f64> {
    let mut rng = Rng(11);
    // RBJ band-pass at 7 kHz, Q 1.5: the hiss of an "s".
    let w = TAU * 7000.0 / f64::from(RATE);
    let alpha = w.sin() / 3.0;
    let (b0, a0, a1, a2) = (alpha, 1.0 + alpha, -2.0 * w.cos(), 1.0 - alpha);
    let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
    (0..frames())
        .map(|i| {
            let syl = t(i) % 0.4;
            let n = rng.next();
            let hiss = (b0 * n - b0 * x2 - a1 * y1 - a2 * y2) / a0;
            (x2, x1, y2, y1) = (x1, n, y1, hiss);
            if syl < 0.06 {
                // an "s" at the start of each syllable
                return 0.5 * hiss;
            }
            if syl > 0.33 {
                return 0.0;
            }
            let f0 = 180.0 + 20.0 * (TAU * 0.5 * t(i)).sin();
            let v: f64 = (1..30)
                .map(|h| {
                    let f = f0 * h as f64;
                    let formant = |c: f64, bw: f64| 1.0 / (1.0 + ((f - c) / bw).powi(2));
                    let w = formant(700.0, 120.0)
                        + 0.6 * formant(1200.0, 150.0)
                        + 0.3 * formant(2600.0, 250.0);
                    w * (TAU * f * t(i)).sin()
                })
                .sum();
            0.25 * v
        })
        .collect()
}

fn write(dir: &Path, name: &str, x: &[f64], gain_db: f64) -> PathBuf {
    let g = 10f64.powf(gain_db / 20.0);
    let ch: Vec<f32> = x.iter().map(|v| (v * g) as f32).collect();
    let path = dir.join(name);
    write_audio(
        &path,
        &AudioBuffer {
            sample_rate: RATE,
            channels: vec![ch],
        },
        EncodeSpec {
            format: FileFormat::Wav,
            sample_format: SampleFormat::Float32,
        },
        &WriteOptions {
            force: true,
            inputs: Vec::new(),
        },
    )
    .expect("write stem");
    path
}

const NAMES: [&str; 6] = ["kick", "snare", "hats", "bass", "pad", "lead_vox"];

fn signals() -> Vec<Vec<f64>> {
    vec![kick(), snare(), hats(), bass(), pad(), vocal()]
}

/// Writes `parts` (name, signal, gain in dB) as WAV files into `dir/stems`.
fn write_stems<'a>(
    dir: &Path,
    parts: impl IntoIterator<Item = (&'a str, &'a [f64], f64)>,
) -> PathBuf {
    let s = dir.join("stems");
    std::fs::create_dir_all(&s).unwrap();
    for (name, x, gain_db) in parts {
        write(&s, &format!("{name}.wav"), x, gain_db);
    }
    s
}

/// Writes the six stems into `dir/stems`, stem `i` scaled by `gains[i]` dB.
fn stems(dir: &Path, sig: &[Vec<f64>], gains: &[f64]) -> PathBuf {
    let parts = NAMES.iter().zip(sig).zip(gains);
    write_stems(dir, parts.map(|((name, x), &g)| (*name, x.as_slice(), g)))
}

/// Automixes `parts` (name, signal), each written at a seeded random gain
/// within ±10 dB.
fn automix_at_random_gains(dir: &Path, parts: &[(&str, Vec<f64>)], seed: u64) -> AutomixReport {
    let mut rng = Rng(seed);
    let gained = parts
        .iter()
        .map(|(name, x)| (*name, x.as_slice(), 10.0 * rng.next()));
    let s = write_stems(dir, gained);
    run(dir, &s, false)
}

/// Index of the stem called `name` in `report`.
fn stem_index(report: &AutomixReport, name: &str) -> usize {
    report.stems.iter().position(|r| r.name == name).unwrap()
}

fn run(dir: &Path, stems_dir: &Path, render: bool) -> AutomixReport {
    let opts = AutomixOptions {
        force: true,
        render: render.then(|| dir.join("mix.wav")),
        threads: None,
    };
    automix(
        stems_dir,
        &dir.join("session.auto.toml"),
        &opts,
        &mut NoProgress,
    )
    .expect("automix")
}

fn render(session: &Path, out: &Path) -> mixmaster::mix::RenderReport {
    render_file(
        session,
        &RenderOptions {
            output: out.to_path_buf(),
            stems_dir: None,
            threads: None,
            sample_format: SampleFormat::Float32,
            force: true,
        },
        &mut NoProgress,
    )
    .expect("render")
}

/// Each track's integrated loudness as it sits in the full mix, LUFS.
fn contributions(dir: &Path) -> Vec<f64> {
    let path = dir.join("session.auto.toml");
    let full = render(&path, &dir.join("full.wav"));
    let session = load(&path).unwrap();
    (0..session.tracks.len())
        .map(|i| {
            let mut s = session.clone();
            s.tracks[i].solo = true;
            let p = dir.join(format!("solo{i}.toml"));
            std::fs::write(&p, toml::to_string(&s).unwrap()).unwrap();
            let r = render(&p, &dir.join(format!("solo{i}.wav")));
            r.integrated_lufs.unwrap() - r.headroom_gain_db + full.headroom_gain_db
        })
        .collect()
}

#[test]
fn writes_an_explained_session_that_parses_and_renders() {
    let dir = tempfile::tempdir().unwrap();
    let s = stems(dir.path(), &signals(), &[0.0; 6]);
    let report = run(dir.path(), &s, true);
    assert_eq!(report.lead.as_deref(), Some("lead_vox"));
    let session =
        load(&dir.path().join("session.auto.toml")).expect("the output parses and validates");
    assert_eq!(session.tracks.len(), 6);
    for t in &session.tracks {
        assert!(!t.why.is_empty(), "{} has no why", t.name);
        assert!(t.gain_db.is_finite() && t.pan.is_finite());
        for i in &t.inserts {
            let why = match i {
                Insert::Gain(g) => g.why.clone(),
                Insert::Eq(e) => e
                    .bands
                    .iter()
                    .map(|b| b.why.clone())
                    .collect::<Vec<_>>()
                    .join(""),
                Insert::Compressor(c) => c.why.clone(),
                Insert::Gate(g) => g.why.clone(),
                Insert::DeEsser(d) => d.why.clone(),
                other => panic!("unexpected insert {other:?}"),
            };
            assert!(!why.is_empty(), "{}: insert without why: {i:?}", t.name);
        }
        assert!(t.sends.iter().all(|s| !s.why.is_empty()));
    }
    let by_role = |r: Role| session.tracks.iter().find(|t| t.role == r).unwrap();
    // Centred foundation and lead; nothing on kick and bass sends.
    for r in [Role::Kick, Role::Snare, Role::Bass, Role::LeadVocal] {
        assert_eq!(by_role(r).pan, 0.0, "{r:?}");
    }
    assert!(by_role(Role::Kick).sends.is_empty() && by_role(Role::Bass).sends.is_empty());
    assert!(by_role(Role::Hats).pan != 0.0);
    // Measured sibilance → de-esser on the vocal; measured spill → gate on the kick.
    let has = |t: &mixmaster::mix::Track, f: fn(&Insert) -> bool| t.inserts.iter().any(f);
    assert!(has(by_role(Role::LeadVocal), |i| matches!(
        i,
        Insert::DeEsser(_)
    )));
    assert!(has(by_role(Role::Kick), |i| matches!(i, Insert::Gate(_))));
    assert!(!has(by_role(Role::Pad), |i| matches!(i, Insert::Gate(_))));
    // The mix lands on the session's headroom target (−6 dBTP by default).
    let mix = report.mix.as_ref().unwrap();
    let tp = mix.true_peak_dbtp.unwrap();
    assert!((tp - session.session.headroom_dbtp).abs() < 0.1, "{tp}");
    // The report serialises for tools, and the session text round-trips.
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"decisions\"") && json.contains("\"why\""));
    let text = std::fs::read_to_string(dir.path().join("session.auto.toml")).unwrap();
    assert!(text.contains("why = "));
    let again: mixmaster::mix::Session =
        toml::from_str(&toml::to_string(&session).unwrap()).unwrap();
    assert_eq!(again, session);
    assert_eq!(report.pan_map().len(), 6);
}

/// Scaling any one stem by −12…+12 dB moves no stem's loudness in the final
/// mix by more than 0.5 dB.
#[test]
fn per_stem_loudness_is_invariant_to_input_gain() {
    let sig = signals();
    let base = tempfile::tempdir().unwrap();
    let s = stems(base.path(), &sig, &[0.0; 6]);
    run(base.path(), &s, false);
    let reference = contributions(base.path());
    for (stem, gain) in [(5usize, 12.0), (3, -12.0), (0, 7.5)] {
        let dir = tempfile::tempdir().unwrap();
        let mut gains = [0.0; 6];
        gains[stem] = gain;
        let s = stems(dir.path(), &sig, &gains);
        run(dir.path(), &s, false);
        let got = contributions(dir.path());
        let worst = reference
            .iter()
            .zip(&got)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        eprintln!(
            "{} scaled {gain:+} dB: largest per-stem change {worst:.4} dB",
            NAMES[stem]
        );
        for (i, (a, b)) in reference.iter().zip(&got).enumerate() {
            assert!(
                (a - b).abs() <= 0.5,
                "{} moved {:.3} dB when {} was scaled {gain:+} dB",
                NAMES[i],
                b - a,
                NAMES[stem]
            );
        }
    }
}

/// Each stem's target loudness relative to the lead (LU), from the report's
/// roles and lead, by the rule the automix states (`levels::targets`).
fn balance_targets(report: &AutomixReport) -> Vec<Option<f64>> {
    let stems: Vec<(Role, bool)> = report.stems.iter().map(|s| (s.role, !s.muted)).collect();
    let lead = report.stems.iter().position(|s| s.is_lead);
    mixmaster::automix::levels::targets(&stems, lead)
        .into_iter()
        .map(|t| t.map(|t| t.0))
        .collect()
}

/// Summed loudness of `levels` (LUFS or LU), as if all played at once.
fn power_sum(levels: impl IntoIterator<Item = f64>) -> f64 {
    10.0 * levels
        .into_iter()
        .map(|l| 10f64.powf(l / 10.0))
        .sum::<f64>()
        .log10()
}

/// Whatever balance the stems arrive with (each off by a seeded ±10 dB), the
/// automix lands every stem at its target loudness relative to the lead: the
/// RMS error of the rendered balance against the targets stays under 1 dB
/// (what EQ and compression move loudness by, beyond the estimates), and so
/// does the lead's distance from its 1 LU over the whole accompaniment.
#[test]
fn recovers_the_balance_from_perturbed_stems() {
    let sig = signals();
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x5eed);
    let gains: Vec<f64> = (0..6).map(|_| 10.0 * rng.next()).collect();
    let s = stems(dir.path(), &sig, &gains);
    let report = run(dir.path(), &s, false);
    let got = contributions(dir.path());
    let target: Vec<f64> = balance_targets(&report)
        .into_iter()
        .map(|t| t.expect("every stem sounds"))
        .collect();
    let rel = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|x| x - m).collect::<Vec<_>>()
    };
    let (a, b) = (rel(&got), rel(&target));
    let rms = (a.iter().zip(&b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / a.len() as f64).sqrt();
    eprintln!("balance RMS error {rms:.2} dB (input off by seeded ±10 dB: {gains:.1?})");
    assert!(
        rms < 1.0,
        "RMS balance error {rms:.2} dB: got {a:?}, wanted {b:?}"
    );
    // The lead over the whole accompaniment, in the rendered mix: the
    // lead-to-accompaniment ratio the rule targets (1 LU), within what EQ and
    // compression move loudness by.
    let lead = report.stems.iter().position(|s| s.is_lead).unwrap();
    let lar = got[lead]
        - power_sum(
            got.iter()
                .enumerate()
                .filter(|(i, _)| *i != lead)
                .map(|(_, l)| *l),
        );
    let want = mixmaster::automix::levels::LEAD_OVER_ACCOMPANIMENT_LU;
    eprintln!("lead over the accompaniment: {lar:.2} LU (target {want})");
    assert!((lar - want).abs() < 1.0, "{lar:.2} LU, want {want}");
}

/// The lead's masking by the rest of the mix goes down, and the guitar (the
/// main masker) gets a bounded cut where it covers the vocal.
#[test]
fn masking_of_the_lead_is_reduced() {
    let dir = tempfile::tempdir().unwrap();
    // A trio — bass, guitar, vocal — whose guitar chord sits on the vowels'
    // formants and arrives 12 dB hot: in the plain sum it buries the vocal;
    // even at its target (the main accompaniment, 3.5 LU under the lead when
    // bass and guitar together sit 1 LU under it) its concentrated energy
    // still covers the formants: an EQ job.
    let (bass, guitar, vocal) = (bass(), guitar(), vocal());
    let s = write_stems(
        dir.path(),
        [
            ("bass", &bass[..], 0.0),
            ("guitar", &guitar[..], 12.0),
            ("lead_vox", &vocal[..], 0.0),
        ],
    );
    let report = run(dir.path(), &s, false);
    let lead = report.lead_masking().expect("lead masking reported");
    eprintln!("lead masking before → after: {lead:?}");

    assert!(
        lead.before.masked_pct > 20.0 && lead.before.excess_db > 2.0,
        "{lead:?}"
    );
    assert!(
        lead.after.masked_pct < 0.6 * lead.before.masked_pct,
        "{lead:?}"
    );
    assert!(
        lead.after.excess_db < lead.before.excess_db / 2.0,
        "{lead:?}"
    );
    let pad = report.stems.iter().find(|s| s.name == "guitar").unwrap();
    let cuts: Vec<_> = pad
        .decisions
        .iter()
        .filter(|d| d.what == "eq" && d.why.contains("masks lead_vox"))
        .collect();
    assert!(!cuts.is_empty(), "{:?}", pad.decisions);
    assert!(
        report
            .masking
            .iter()
            .any(|m| m.target == "lead_vox" && m.masker == "guitar")
    );
}

#[test]
fn a_silent_stem_is_muted_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut sig = signals();
    sig[4] = vec![0.0; frames()];
    let s = stems(dir.path(), &sig, &[0.0; 6]);
    let report = run(dir.path(), &s, true);
    let pad = report.stems.iter().find(|s| s.name == "pad").unwrap();
    assert!(pad.muted && pad.gain_db == 0.0 && pad.features.active_lufs.is_none());
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("pad") && w.contains("silent"))
    );
    let session = load(&dir.path().join("session.auto.toml")).unwrap();
    assert!(
        session
            .tracks
            .iter()
            .all(|t| t.gain_db.is_finite() && t.pan.is_finite())
    );
    assert!(report.mix.unwrap().integrated_lufs.unwrap().is_finite());
}

#[test]
fn refuses_to_overwrite_and_reads_a_session_too() {
    let dir = tempfile::tempdir().unwrap();
    let s = stems(dir.path(), &signals(), &[0.0; 6]);
    let out = dir.path().join("session.auto.toml");
    run(dir.path(), &s, false);
    let before = std::fs::read_to_string(&out).unwrap();
    let err = automix(&s, &out, &AutomixOptions::default(), &mut NoProgress).unwrap_err();
    assert!(err.to_string().contains("exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), before);
    // A session as input: its roles are kept (the pad called a string section here).
    let mut session = load(&out).unwrap();
    session.tracks[4].role = Role::Strings;
    let edited = dir.path().join("edited.toml");
    std::fs::write(&edited, toml::to_string(&session).unwrap()).unwrap();
    let sub = dir.path().join("out");
    std::fs::create_dir(&sub).unwrap();
    let report = automix(
        &edited,
        &sub.join("again.toml"),
        &AutomixOptions::default(),
        &mut NoProgress,
    )
    .unwrap();
    assert_eq!(report.stems[4].role, Role::Strings);
    let again = load(&sub.join("again.toml")).expect("paths rebased to the new folder");
    assert_eq!(again.buses.iter().filter(|b| b.name == "plate").count(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(&sub)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
}

/// A legato melody: a new pitch every 250 ms with no gap and no level change,
/// six partials falling by `tilt` per octave (h^-tilt amplitude), pitches
/// scaled by `transpose`, sounding for the first `play_s` seconds.
fn melody(transpose: f64, tilt: f64, play_s: f64) -> Vec<f64> {
    let notes = [220.0, 247.0, 262.0, 294.0, 330.0, 294.0, 262.0, 196.0];
    (0..frames())
        .map(|i| {
            if t(i) >= play_s {
                return 0.0;
            }
            let f = transpose * notes[(t(i) / 0.25) as usize % notes.len()];
            let s: f64 = (1..7)
                .map(|h| (TAU * f * h as f64 * t(i)).sin() / (h as f64).powf(tilt))
                .sum();
            0.2 * s
        })
        .collect()
}

/// No vocal: the part that plays a continuous legato melody leads whatever it
/// is called — "fx_echoes", an effects name — and sits over the pad by what
/// the balance targets say (the pad's role offset, with the accompaniment as a
/// whole 1 LU under the lead) within 1.5 LU in the rendered mix; the
/// General MIDI choir pad is a pad; a dark, unnamed legato melody that plays
/// two thirds of the song ("pipe_ocarina") is a line (role `Other`), not the
/// pad its darkness alone would suggest.
#[test]
fn the_melody_leads_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let parts = [
        ("01_kick", kick()),
        ("02_bass", bass()),
        ("03_pipe_ocarina", melody(0.75, 1.5, 2.0)),
        ("04_fx_echoes", melody(1.0, 1.0, SECONDS)),
        ("05_pad_pad_4_choir", pad()),
    ];
    let report = automix_at_random_gains(dir.path(), &parts, 0xfeed);
    let (fx, ocarina, pad) = (
        stem_index(&report, "04_fx_echoes"),
        stem_index(&report, "03_pipe_ocarina"),
        stem_index(&report, "05_pad_pad_4_choir"),
    );
    let lead_why = &report.stems[fx].decisions;
    assert_eq!(
        report.lead.as_deref(),
        Some("04_fx_echoes"),
        "{:?}",
        report
            .stems
            .iter()
            .map(|r| (
                &r.name,
                r.role,
                r.features.note_changes_per_s,
                r.features.active_share
            ))
            .collect::<Vec<_>>()
    );
    assert_eq!(report.stems[fx].role, Role::Fx);
    assert!(
        lead_why
            .iter()
            .any(|d| d.why.contains("lead line by content")),
        "{lead_why:?}"
    );
    assert_eq!(report.stems[pad].role, Role::Pad);
    assert_eq!(
        report.stems[ocarina].role,
        Role::Other,
        "{}",
        report.stems[ocarina].role_why
    );
    let got = contributions(dir.path());
    let target = balance_targets(&report);
    let want = target[fx].unwrap() - target[pad].unwrap();
    let d = got[fx] - got[pad];
    eprintln!("fx_echoes over the choir pad: {d:.2} LU (target {want})");
    assert!((d - want).abs() < 1.5, "{d:.2} LU, want {want}");
}

/// Triads (root, major third, fifth; six 1/h partials each) on a new root every
/// 250 ms, through the whole song: a chordal part that moves as often as a tune.
fn chords() -> Vec<f64> {
    let roots = [220.0, 247.0, 262.0, 294.0, 330.0, 294.0, 262.0, 196.0];
    (0..frames())
        .map(|i| {
            let r = roots[(t(i) / 0.25) as usize % roots.len()];
            let s: f64 = [1.0, 1.26, 1.498]
                .iter()
                .flat_map(|k| (1..7).map(move |h| (TAU * r * k * h as f64 * t(i)).sin() / h as f64))
                .sum();
            0.1 * s
        })
        .collect()
}

/// A piano playing chords through the whole song, changing as often as the
/// tune does, does not take the lead from the sax that plays the tune (one
/// pitch at a time) for 60 % of it: the melody leads, by its monophony.
#[test]
fn the_melody_leads_over_a_chordal_part() {
    let dir = tempfile::tempdir().unwrap();
    let parts = [
        ("01_kick", kick()),
        ("02_bass", bass()),
        ("03_keys_piano", chords()),
        ("04_reed_sax", melody(1.0, 1.0, 0.6 * SECONDS)),
    ];
    let report = automix_at_random_gains(dir.path(), &parts, 0xc0de);
    let (piano, sax) = (
        stem_index(&report, "03_keys_piano"),
        stem_index(&report, "04_reed_sax"),
    );
    let (fp, fs) = (&report.stems[piano].features, &report.stems[sax].features);
    eprintln!(
        "piano: monophony {:.2}, {:.1} changes/s, {:.0} % present; sax: {:.2}, {:.1}/s, {:.0} %",
        fp.monophony,
        fp.note_changes_per_s,
        100.0 * fp.active_share,
        fs.monophony,
        fs.note_changes_per_s,
        100.0 * fs.active_share
    );
    // Both move like lines, and the piano plays longer: occupation alone
    // would give it the lead.
    assert!(fp.note_changes_per_s >= mixmaster::automix::levels::LINE_MIN_CHANGES_PER_S);
    assert!(fs.note_changes_per_s >= mixmaster::automix::levels::LINE_MIN_CHANGES_PER_S);
    assert!(fp.active_share > fs.active_share + 0.2);
    assert!(fp.monophony < mixmaster::automix::levels::MONOPHONIC_MIN);
    assert!(fs.monophony > 0.8);
    assert_eq!(report.lead.as_deref(), Some("04_reed_sax"));
    let why = &report.stems[sax].decisions;
    assert!(
        why.iter().any(|d| d.why.contains("one pitch at a time")),
        "{why:?}"
    );
}

/// A file called "backing" with the whole band in it (kick, bass line,
/// chords) is a backing track, not a backing vocal: it keeps the band's image
/// (centred), gets no de-esser and no sends, and never leads, even when the
/// only other part is a pad that no lead rule picks.
#[test]
fn a_backing_track_is_the_band_not_a_voice() {
    let band: Vec<f64> = kick()
        .iter()
        .zip(bass())
        .zip(chords())
        .map(|((k, b), c)| k + b + c)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let report = automix_at_random_gains(
        dir.path(),
        &[("backing", band.clone()), ("lead_vox", vocal())],
        0xbac4,
    );
    let b = &report.stems[stem_index(&report, "backing")];
    assert_eq!(b.role, Role::BackingTrack, "{}", b.role_why);
    assert!(b.role_why.contains("backing track"), "{}", b.role_why);
    assert_eq!(b.pan, 0.0);
    let what: Vec<&str> = b.decisions.iter().map(|d| d.what.as_str()).collect();
    assert!(
        !what.contains(&"send") && !what.contains(&"de-esser"),
        "{what:?}"
    );
    assert_eq!(report.lead.as_deref(), Some("lead_vox"));

    let dir = tempfile::tempdir().unwrap();
    let report = automix_at_random_gains(dir.path(), &[("backing", band), ("pad", pad())], 0xbac5);
    assert_eq!(report.lead, None, "{:?}", report.lead);
}

/// The band as one stem: kick, bass line and chords.
fn band() -> Vec<f64> {
    kick()
        .iter()
        .zip(bass())
        .zip(chords())
        .map(|((k, b), c)| k + b + c)
        .collect()
}

/// Automixes the session `toml` (tracks relative to `dir`) into `dir/out.toml`.
fn automix_session(dir: &Path, toml: &str) -> AutomixReport {
    let path = dir.join("in.toml");
    std::fs::write(&path, toml).unwrap();
    let opts = AutomixOptions {
        force: true,
        ..AutomixOptions::default()
    };
    automix(&path, &dir.join("out.toml"), &opts, &mut NoProgress).expect("automix")
}

/// The backing-track treatment follows the session's role, not the file
/// name: a track called "take_3" with `role = "backing-track"` stays centred,
/// dry, uncompressed and high-passed only against rumble, and never leads
/// even beside a pad no lead rule picks; a file called "backing" that the
/// session calls a guitar is mixed as a guitar.
#[test]
fn the_backing_track_role_decides_whatever_the_name() {
    let dir = tempfile::tempdir().unwrap();
    write_stems(
        dir.path(),
        [
            ("take_3", band().as_slice(), 4.0),
            ("backing", band().as_slice(), -3.0),
            ("lead_vox", vocal().as_slice(), -6.0),
            ("pad", pad().as_slice(), 2.0),
        ],
    );
    let session = |roles: [(&str, &str); 2]| {
        let mut t = "[session]\nsample_rate = 48000\n".to_string();
        for (file, role) in roles {
            t += &format!("[[track]]\nfile = \"stems/{file}.wav\"\nrole = \"{role}\"\n");
        }
        t
    };
    let report = automix_session(
        dir.path(),
        &session([("take_3", "backing-track"), ("lead_vox", "lead-vocal")]),
    );
    let b = &report.stems[stem_index(&report, "take_3")];
    assert_eq!(b.role, Role::BackingTrack);
    assert!(!b.is_lead && b.pan == 0.0, "{:?}", b.decisions);
    assert_eq!(report.lead.as_deref(), Some("lead_vox"));
    let what: Vec<&str> = b.decisions.iter().map(|d| d.what.as_str()).collect();
    assert!(
        !what
            .iter()
            .any(|w| ["send", "compressor", "de-esser", "gate"].contains(w)),
        "{what:?}"
    );
    let hp = b.decisions.iter().find(|d| d.what == "eq").unwrap();
    assert_eq!(hp.value, "high-pass 30 Hz", "{}", hp.why);
    let written = load(&dir.path().join("out.toml")).unwrap();
    assert!(written.tracks[0].sends.is_empty());
    assert_eq!(written.tracks[0].output, "master");

    let report = automix_session(
        dir.path(),
        &session([("take_3", "backing-track"), ("pad", "pad")]),
    );
    assert_eq!(report.lead, None, "{:?}", report.lead);

    let report = automix_session(
        dir.path(),
        &session([("backing", "guitar"), ("lead_vox", "lead-vocal")]),
    );
    let g = &report.stems[stem_index(&report, "backing")];
    assert_eq!(g.role, Role::Guitar);
    assert!(
        g.decisions.iter().any(|d| d.what == "send"),
        "{:?}",
        g.decisions
    );
}

/// A 0.2 s stem is shorter than one 400 ms BS.1770 gating block: the automix
/// mutes it with the reason and mixes the others as usual; alone, it is an
/// error that says why.
#[test]
fn a_stem_too_short_to_measure_is_muted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let blip: Vec<f64> = (0..(0.2 * f64::from(RATE)) as usize)
        .map(|i| 0.3 * (TAU * 880.0 * t(i)).sin())
        .collect();
    let mut parts: Vec<(&str, &[f64], f64)> = Vec::new();
    let sig = signals();
    parts.extend(NAMES.iter().zip(&sig).map(|(n, x)| (*n, x.as_slice(), 0.0)));
    // No role word in the name: init has to listen, and cannot.
    parts.push(("07_blip", &blip, 0.0));
    let s = write_stems(dir.path(), parts);
    let report = run(dir.path(), &s, true);
    let b = &report.stems[stem_index(&report, "07_blip")];
    assert!(b.muted && b.gain_db == 0.0, "{:?}", b.decisions);
    assert!((b.features.seconds - 0.2).abs() < 1e-9);
    assert!(b.decisions[0].why.contains("400 ms"), "{:?}", b.decisions);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("07_blip") && w.contains("too short")),
        "{:?}",
        report.warnings
    );
    let session = load(&dir.path().join("session.auto.toml")).unwrap();
    let track = session
        .tracks
        .iter()
        .find(|t| t.display_name() == "07_blip")
        .unwrap();
    assert!(track.mute && track.why.contains("cannot be measured"));
    assert_eq!(report.stems.iter().filter(|s| s.muted).count(), 1);
    assert_eq!(report.lead.as_deref(), Some("lead_vox"));
    assert!(report.mix.unwrap().integrated_lufs.unwrap().is_finite());

    let alone = tempfile::tempdir().unwrap();
    let s = write_stems(alone.path(), [("07_blip", blip.as_slice(), 0.0)]);
    let err = automix(
        &s,
        &alone.path().join("session.auto.toml"),
        &AutomixOptions::default(),
        &mut NoProgress,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("07_blip") && msg.contains("0.20 s") && msg.contains("0.4 s"),
        "{msg}"
    );
}

#[test]
fn a_session_named_like_one_of_its_stems_never_replaces_it_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let s = stems(dir.path(), &signals(), &[0.0; 6]);
    let kick = s.join("kick.wav");
    let before = std::fs::read(&kick).unwrap();
    let opts = AutomixOptions {
        force: true,
        render: None,
        threads: None,
    };
    // `-o stems/kick.wav --force`: the session would have overwritten the stem.
    let err = automix(&s, &kick, &opts, &mut NoProgress)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!("{}: refusing to overwrite an input file", kick.display())
    );
    assert_eq!(std::fs::read(&kick).unwrap(), before);
    let left: Vec<_> = std::fs::read_dir(&s)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_stem_holding_nan_is_refused_with_the_time_of_the_first_one() {
    // A float stem a plugin blew up in, as `mix` and `master` refuse it: the
    // error names the stem and the first bad sample's time; nothing is written.
    let dir = tempfile::tempdir().unwrap();
    let sig = signals();
    let mut blown = sig[0].clone();
    let at = (1.25 * f64::from(RATE)) as usize;
    blown[at] = f64::NAN;
    blown[at + 10] = f64::INFINITY;
    let mut parts: Vec<(&str, &[f64], f64)> = NAMES
        .iter()
        .zip(&sig)
        .skip(1)
        .map(|(n, x)| (*n, x.as_slice(), 0.0))
        .collect();
    parts.push((NAMES[0], &blown, 0.0));
    let s = write_stems(dir.path(), parts);
    let out = dir.path().join("session.auto.toml");
    let err = automix(&s, &out, &AutomixOptions::default(), &mut NoProgress)
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("{}.wav", NAMES[0])), "{err}");
    assert!(
        err.ends_with("the audio holds NaN or infinite samples (first at 1.250 s)"),
        "{err}"
    );
    assert!(!out.exists());
}
