//! Decide: from the measurements of a mix (and optionally a reference track)
//! and a destination, choose every stage of the chain and say why.
//!
//! The rules are those a mastering engineer applies first, kept deliberately
//! gentle: correct what is clearly off, move the tonal balance only part of the
//! way toward the target curve, and never fix in the master what belongs in the
//! mix (the report's mix feedback says that instead). Every correction is
//! bounded, so a wrong measurement cannot produce a drastic master.

use mixmaster_analysis::Analysis;

use super::feedback::{BUMP_DB, BUMPS, RelativeSpectrum};
use super::plan::*;
use super::resonance;
use super::targets::{Medium, Target};

/// User choices that shape the plan (the command line's options).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOptions {
    /// Level below which leading/trailing audio counts as silence, dBFS.
    pub trim_threshold_dbfs: f64,
    /// Silence kept before the first sound, s.
    pub pre_roll_s: f64,
    /// Fade-in length, s (`None`: only a short de-click fade where the start was cut).
    pub fade_in_s: Option<f64>,
    /// Fade-out length, s (`None`: only a short de-click fade where the end was cut).
    pub fade_out_s: Option<f64>,
    /// Curve of the fades.
    pub fade_curve: FadeCurveName,
    /// Most gain reduction the loudness search may use on the loudest peak, dB.
    pub max_gain_reduction_db: f64,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            trim_threshold_dbfs: -60.0,
            pre_roll_s: 0.05,
            fade_in_s: None,
            fade_out_s: None,
            fade_curve: FadeCurveName::SCurve,
            max_gain_reduction_db: 6.0,
        }
    }
}

impl PlanOptions {
    /// Refuses values no master can honour, before any work: NaN and ±∞ (which
    /// every comparison lets through silently, `nan` being a valid number to
    /// the command line), negative lengths, a trim threshold loud enough to cut
    /// music as "silence", more limiting than any delivery could want.
    /// The message names the setting and its range.
    pub fn check(&self) -> std::result::Result<(), String> {
        let range = |name: &str, v: f64, lo: f64, hi: f64, unit: &str| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!(
                    "{name} = {v} {unit} is out of range ({lo} to {hi} {unit})"
                ))
            }
        };
        range(
            "trim threshold",
            self.trim_threshold_dbfs,
            -120.0,
            -20.0,
            "dBFS",
        )?;
        range("pre-roll", self.pre_roll_s, 0.0, 10.0, "s")?;
        range("max limiting", self.max_gain_reduction_db, 0.0, 24.0, "dB")?;
        for (name, fade) in [("fade-in", self.fade_in_s), ("fade-out", self.fade_out_s)] {
            if let Some(v) = fade {
                range(name, v, 0.0, 600.0, "s")?;
            }
        }
        Ok(())
    }
}

/// Silence kept after the last sound, s: enough for a natural decay below the
/// trim threshold to finish.
const POST_ROLL_S: f64 = 0.5;
/// A fade this short removes the click of a cut without being heard as a fade.
const DECLICK_FADE_S: f64 = 0.01;
/// Share of the measured tonal deviation corrected: mastering nudges, it does not remix.
const TONAL_STRENGTH: f64 = 0.6;
/// With a reference, match more closely: the user asked for that sound.
const REFERENCE_STRENGTH: f64 = 0.8;
/// Largest broad tonal move, dB.
const TONAL_LIMIT_DB: f64 = 3.0;
/// Largest corrective cut, dB.
const CORRECTIVE_LIMIT_DB: f64 = 4.0;
/// Deviations smaller than this are left alone, dB (below a just-noticeable change).
const DEADBAND_DB: f64 = 0.5;

fn bell(freq_hz: f64, q: f64, gain_db: f64) -> EqBandSettings {
    EqBandSettings {
        kind: BandKind::Bell,
        freq_hz,
        q,
        gain_db,
    }
}

/// Corrective cuts: the same bumps the mix feedback flags (one-octave-smoothed
/// excess over the target above [`BUMP_DB`]), cut part of the way in the
/// master, and narrow cuts for steady resonances (see [`resonance`]).
fn corrective_eq(dev: &RelativeSpectrum, mix: &Analysis) -> Stage<Vec<EqBandSettings>> {
    let mut bands = Vec::new();
    let mut why = Vec::new();
    for r in resonance::find(mix) {
        bands.push(bell(r.freq_hz, resonance::CUT_Q, r.cut_db));
        why.push(format!(
            "resonance at {:.0} Hz: {:.1} dB over its ±1/3-octave neighbours and standing out in {:.0} % of the music (thresholds {:.0} dB, {:.0} %): cut {:.1} dB, Q {:.0} — a ringing drum, room mode or synth; tame it at the source in the mix",
            r.freq_hz,
            r.prominence_db,
            r.occupancy * 100.0,
            resonance::PROMINENCE_DB,
            resonance::MIN_OCCUPANCY * 100.0,
            -r.cut_db,
            resonance::CUT_Q
        ));
    }
    for bump in &BUMPS {
        let Some((freq, excess)) = dev.max_bump(bump.lo, bump.hi) else {
            continue;
        };
        if excess > BUMP_DB.0 {
            let cut = -(excess * TONAL_STRENGTH).min(CORRECTIVE_LIMIT_DB);
            bands.push(bell(freq, 1.0, cut));
            why.push(format!(
                "{}: {excess:+.1} dB over the target around {freq:.0} Hz (threshold {:+.0} dB): cut {:.1} dB at {freq:.0} Hz, Q 1 — better fixed in the mix, see the mix feedback",
                bump.code, BUMP_DB.0, -cut
            ));
        }
    }
    if bands.is_empty() {
        Stage::off(
            Vec::new(),
            format!(
                "no steady resonance, and no mud, harshness or sibilance bump over {:+.0} dB against the target",
                BUMP_DB.0
            ),
        )
    } else {
        Stage {
            enabled: true,
            settings: bands,
            why,
        }
    }
}

/// Broad shelves toward the target tonal balance.
fn tonal_eq(dev: &RelativeSpectrum, target: &Target, matching: bool) -> Stage<Vec<EqBandSettings>> {
    let strength = if matching {
        REFERENCE_STRENGTH
    } else {
        TONAL_STRENGTH
    };
    let against = if matching {
        "the reference"
    } else {
        "the neutral curve"
    };
    let mut bands = Vec::new();
    let mut why = Vec::new();
    let regions = [
        (BandKind::LowShelf, 120.0, 40.0, 125.0, "low end"),
        (BandKind::HighShelf, 8000.0, 6300.0, 12_500.0, "top end"),
    ];
    for (kind, freq, lo, hi, name) in regions {
        let Some(d) = dev.mean(lo, hi) else { continue };
        let mut gain = (-d * strength).clamp(-TONAL_LIMIT_DB, TONAL_LIMIT_DB);
        let mut note = String::new();
        if target.medium == Medium::Vinyl && kind == BandKind::HighShelf && gain > 0.0 {
            gain = 0.0;
            note = " (vinyl: no top-end boost, the cutter and the inner grooves suffer)".into();
        }
        if gain.abs() >= DEADBAND_DB {
            bands.push(EqBandSettings {
                kind,
                freq_hz: freq,
                q: std::f64::consts::FRAC_1_SQRT_2,
                gain_db: gain,
            });
            why.push(format!(
                "{name} ({lo:.0}-{hi:.0} Hz) is {d:+.1} dB from {against}: shelf {gain:+.1} dB at {freq:.0} Hz ({:.0} % of the way, at most ±{TONAL_LIMIT_DB} dB){note}",
                strength * 100.0
            ));
        } else {
            why.push(format!(
                "{name} ({lo:.0}-{hi:.0} Hz) is {d:+.1} dB from {against}: left alone{note}"
            ));
        }
    }
    if target.medium == Medium::Vinyl {
        bands.push(EqBandSettings {
            kind: BandKind::LowPass,
            freq_hz: VINYL_LOW_PASS_HZ,
            q: std::f64::consts::FRAC_1_SQRT_2,
            gain_db: 0.0,
        });
        why.push(format!(
            "vinyl: extreme top end tamed, low-pass at {:.0} kHz (12 dB/oct, -0.4 dB at 10 kHz): ultrasonic and top-octave energy heats the cutter head and distorts in the inner grooves",
            VINYL_LOW_PASS_HZ / 1000.0
        ));
    }
    Stage {
        enabled: !bands.is_empty(),
        settings: bands,
        why,
    }
}

/// Corner of the vinyl pre-master's top-end low-pass, Hz.
const VINYL_LOW_PASS_HZ: f64 = 18_000.0;

fn subsonic(dev: &RelativeSpectrum, target: &Target) -> Stage<HighPassSettings> {
    let sub = dev.mean(20.0, 31.5);
    let (freq_hz, order, reason) = match (target.medium, sub) {
        (Medium::Vinyl, _) => (
            30.0,
            4,
            "vinyl: subsonic energy wastes groove space and moves the stylus".to_string(),
        ),
        (_, Some(d)) if d > 3.0 => (
            30.0,
            4,
            format!(
                "{d:+.1} dB of energy below 30 Hz relative to the target carries no music and eats limiter headroom"
            ),
        ),
        (_, d) => (
            20.0,
            2,
            format!(
                "DC and inaudible rumble only (below-30 Hz energy {} relative to the target)",
                d.map_or("n/a".into(), |d| format!("{d:+.1} dB"))
            ),
        ),
    };
    Stage::on(
        HighPassSettings { freq_hz, order },
        format!(
            "high-pass at {freq_hz:.0} Hz, {} dB/oct: {reason}",
            order as u32 * 6
        ),
    )
}

/// Sibilance band the de-esser listens to, Hz (third-octave centres).
const SIBILANCE_BAND_HZ: (f64, f64) = (5_000.0, 8_000.0);
/// How far above the sibilance band's long-term level a peak must rise
/// before it is reduced, dB: sibilant bursts stand 10-15 dB above the band's
/// average, steady cymbals and air do not.
const DEESS_ABOVE_AVERAGE_DB: f64 = 8.0;

/// Power sum of the mix's third-octave bands centred in `lo..=hi` Hz, dBFS.
fn band_level_dbfs(mix: &Analysis, (lo, hi): (f64, f64)) -> Option<f64> {
    let power: f64 = mix
        .third_octave_dbfs
        .iter()
        .filter(|b| (lo..=hi).contains(&b.center_hz))
        .filter_map(|b| b.level_db)
        .map(|db| 10f64.powf(db / 10.0))
        .sum();
    (power > 0.0).then(|| 10.0 * power.log10())
}

/// De-esser: on for vinyl, where sibilance distorts in the groove and on
/// playback (the cutting lathe's HF limiter would otherwise dull it); for
/// other media the corrective EQ handles a static sibilance bump and this
/// stays available, set from the measurement, for the user to switch on.
fn deesser(mix: &Analysis, target: &Target) -> Stage<DeEsserSettings> {
    let Some(band) = band_level_dbfs(mix, SIBILANCE_BAND_HZ) else {
        return Stage::off(DeEsserSettings::default(), "no level in the sibilance band");
    };
    let settings = DeEsserSettings {
        threshold_db: (band + DEESS_ABOVE_AVERAGE_DB).clamp(-80.0, 0.0),
        ..DeEsserSettings::default()
    };
    let how = format!(
        "{:.1} kHz split, {:.0}:1 above {:.1} dBFS ({DEESS_ABOVE_AVERAGE_DB:.0} dB over the {:.0}-{:.0} kHz band's long-term {band:.1} dBFS), so only sibilant peaks are reduced",
        settings.freq_hz / 1000.0,
        settings.ratio,
        settings.threshold_db,
        SIBILANCE_BAND_HZ.0 / 1000.0,
        SIBILANCE_BAND_HZ.1 / 1000.0,
    );
    if target.medium == Medium::Vinyl {
        Stage::on(
            settings,
            format!("vinyl: sibilance distorts in the groove and on playback; {how}"),
        )
    } else {
        Stage::off(
            settings,
            format!("off: the corrective EQ handles a static sibilance bump; when on: {how}"),
        )
    }
}

fn glue(mix: &Analysis) -> Stage<CompressorSettings> {
    let rms = mix.rms_dbfs.unwrap_or(-20.0);
    let settings = CompressorSettings {
        threshold_db: rms + 3.0,
        ratio: 1.5,
        knee_db: 6.0,
        attack_ms: 30.0,
        release_ms: 200.0,
        makeup_db: 0.0,
    };
    match mix.plr_db {
        Some(plr) if plr >= 10.0 => Stage::on(
            settings,
            format!(
                "PLR {plr:.1} dB leaves room to hold the loudest passages together: 1.5:1 from {:.1} dBFS RMS (3 dB above the mix's RMS), 30 ms attack lets transients through",
                rms + 3.0
            ),
        ),
        Some(plr) => Stage::off(
            settings,
            format!(
                "PLR {plr:.1} dB: the mix is already dense; more compression would only flatten it"
            ),
        ),
        None => Stage::off(settings, "no level to compress"),
    }
}

fn multiband() -> Stage<MultibandSettings> {
    let band = |threshold_db| CompressorSettings {
        threshold_db,
        ratio: 2.0,
        knee_db: 6.0,
        attack_ms: 20.0,
        release_ms: 150.0,
        makeup_db: 0.0,
    };
    Stage::off(
        MultibandSettings {
            crossovers_hz: vec![120.0, 1000.0, 6000.0],
            bands: vec![band(-20.0), band(-20.0), band(-22.0), band(-24.0)],
        },
        "off by default: a balanced mix does not need it; enable to control one unruly band",
    )
}

fn stereo(mix: &Analysis, reference: Option<&Analysis>, target: &Target) -> Stage<StereoSettings> {
    let mono_below_hz = if target.medium == Medium::Vinyl {
        150.0
    } else {
        100.0
    };
    let mut why = vec![format!(
        "bass mono below {mono_below_hz:.0} Hz: {}",
        if target.medium == Medium::Vinyl {
            "vinyl needs a mono low end (lateral groove motion only)"
        } else {
            "keeps the low end centred on every system and costs nothing when it already is"
        }
    )];
    let mut width_pct = 100.0;
    if let (Some(r), Some(mix_sm), Some(ref_sm)) = (
        reference,
        mix.side_to_mid_db,
        reference.and_then(|r| r.side_to_mid_db),
    ) {
        let _ = r;
        let delta = ref_sm - mix_sm;
        width_pct = (100.0 * 10f64.powf(delta / 20.0)).clamp(70.0, 130.0);
        why.push(format!(
            "width {width_pct:.0} %: side/mid is {mix_sm:.1} dB in the mix and {ref_sm:.1} dB in the reference (bounded to 70-130 %)"
        ));
    }
    if matches!(mix.correlation, Some(c) if c < 0.0) {
        why.push(
            "the mix's correlation is negative: width left alone, fix the phase in the mix".into(),
        );
        width_pct = width_pct.min(100.0);
    }
    Stage {
        enabled: true,
        settings: StereoSettings {
            width_pct,
            mono_below_hz: Some(mono_below_hz),
        },
        why,
    }
}

fn saturation() -> Stage<SaturationSettings> {
    Stage::off(
        SaturationSettings {
            mode: SaturationName::Tape,
            drive_db: 3.0,
            mix_pct: 30.0,
        },
        "off by default: adds density and harmonics; enable for colour",
    )
}

fn trim_and_fades(
    mix: &Analysis,
    options: &PlanOptions,
) -> (Stage<TrimSettings>, Stage<FadeSettings>) {
    let start_s = (mix.leading_silence_s - options.pre_roll_s).max(0.0);
    let end_s =
        (mix.duration_s - (mix.trailing_silence_s - POST_ROLL_S).max(0.0)).max(start_s + 0.1);
    let cut_start = start_s > 0.0;
    let cut_end = end_s < mix.duration_s;
    let trim = Stage {
        enabled: true,
        settings: TrimSettings {
            threshold_dbfs: options.trim_threshold_dbfs,
            pre_roll_s: options.pre_roll_s,
            post_roll_s: POST_ROLL_S,
            start_s,
            end_s,
        },
        why: vec![format!(
            "{:.2} s of leading and {:.2} s of trailing silence below {:.0} dBFS: keep {:.3}-{:.3} s ({:.2} s pre-roll, {POST_ROLL_S:.2} s for the decay)",
            mix.leading_silence_s,
            mix.trailing_silence_s,
            options.trim_threshold_dbfs,
            start_s,
            end_s,
            options.pre_roll_s
        )],
    };
    let fade_in_s = options
        .fade_in_s
        .unwrap_or(if cut_start { DECLICK_FADE_S } else { 0.0 });
    let fade_out_s = options
        .fade_out_s
        .unwrap_or(if cut_end { DECLICK_FADE_S } else { 0.0 });
    let fades = Stage {
        enabled: fade_in_s > 0.0 || fade_out_s > 0.0,
        settings: FadeSettings {
            fade_in_s,
            fade_out_s,
            curve: options.fade_curve,
        },
        why: vec![match (options.fade_in_s, options.fade_out_s) {
            (None, None) => "only de-click fades where the file was cut; ask for --fade-in/--fade-out for musical fades".into(),
            _ => "fade lengths as requested".into(),
        }],
    };
    (trim, fades)
}

fn limiter(mix: &Analysis, target: &Target, options: &PlanOptions) -> Stage<LimiterSettings> {
    let integrated = mix.integrated_lufs.unwrap_or(-70.0);
    let max_gr = if target.medium == Medium::Vinyl {
        1.0
    } else {
        options.max_gain_reduction_db
    };
    Stage::on(
        LimiterSettings {
            input_gain_db: target.integrated_lufs - integrated,
            lock_gain: false,
            ceiling_dbtp: target.ceiling_dbtp,
            lookahead_ms: 2.0,
            release_fast_ms: 40.0,
            release_slow_ms: 400.0,
            max_gain_reduction_db: max_gr,
        },
        format!(
            "true-peak ceiling {:.1} dBTP ({}); gain searched so the master measures {:.1} LUFS, using at most {max_gr:.1} dB of gain reduction{}",
            target.ceiling_dbtp,
            target.source,
            target.integrated_lufs,
            if target.medium == Medium::Vinyl {
                " (vinyl: no brickwall push)"
            } else {
                ""
            }
        ),
    )
}

fn output(mix: &Analysis, target: &Target) -> OutputSettings {
    let sample_rate = target.delivery.sample_rate.unwrap_or(mix.sample_rate);
    OutputSettings {
        sample_rate,
        bits: target.delivery.bits,
        format: FormatName::Wav,
        dither: if target.delivery.bits < 24 {
            DitherName::Shaped
        } else {
            DitherName::None
        },
    }
}

/// The plan for mastering `mix` to `target`, matching `reference` when given.
pub fn plan(
    mix: &Analysis,
    reference: Option<&Analysis>,
    target: &Target,
    options: &PlanOptions,
) -> MasterPlan {
    let dev = RelativeSpectrum::against(mix, reference)
        .or_else(|| RelativeSpectrum::of(mix))
        .unwrap_or_else(RelativeSpectrum::flat);
    let (trim, fades) = trim_and_fades(mix, options);
    MasterPlan {
        version: PLAN_VERSION,
        target: target.clone(),
        trim,
        fades,
        subsonic: subsonic(&dev, target),
        corrective_eq: corrective_eq(&dev, mix),
        tonal_eq: tonal_eq(&dev, target, reference.is_some()),
        deesser: deesser(mix, target),
        glue: glue(mix),
        multiband: multiband(),
        stereo: stereo(mix, reference, target),
        saturation: saturation(),
        limiter: limiter(mix, target, options),
        output: output(mix, target),
    }
}
