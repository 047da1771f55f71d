//! The mastering plan: every stage of the chain with its settings and the
//! reasons it was chosen. It is plain data (JSON via serde) so a person can
//! read it, edit it and render it again exactly (`--plan-out`, `--plan`).

use serde::{Deserialize, Serialize};

use super::targets::Target;

/// Version of the plan format written by this build.
pub const PLAN_VERSION: u32 = 1;

/// One switchable stage: on or off, its settings, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage<T> {
    /// Whether the stage runs.
    pub enabled: bool,
    /// The stage's settings (kept when disabled, so it can be switched back on).
    pub settings: T,
    /// The reasons for the decision, with the measured values behind them.
    pub why: Vec<String>,
}

impl<T> Stage<T> {
    /// An enabled stage.
    pub fn on(settings: T, why: impl Into<String>) -> Self {
        Self {
            enabled: true,
            settings,
            why: vec![why.into()],
        }
    }

    /// A disabled stage with default settings (for stages missing from an
    /// older plan file).
    pub fn default_off() -> Self
    where
        T: Default,
    {
        Self::off(T::default(), "not in the plan file: off")
    }

    /// A disabled stage, with the settings it would use.
    pub fn off(settings: T, why: impl Into<String>) -> Self {
        Self {
            enabled: false,
            settings,
            why: vec![why.into()],
        }
    }
}

/// Cutting leading and trailing silence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrimSettings {
    /// Level below which audio counts as silence, dBFS (sample peak).
    pub threshold_dbfs: f64,
    /// Silence kept before the first sound, s.
    pub pre_roll_s: f64,
    /// Silence kept after the last sound, s.
    pub post_roll_s: f64,
    /// First second of the source that is kept (decided from the analysis).
    pub start_s: f64,
    /// Last second of the source that is kept.
    pub end_s: f64,
}

/// Fade curve names, as in the dsp crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FadeCurveName {
    /// Straight line in amplitude.
    Linear,
    /// Exponential (slow start for fade-ins, natural decay for fade-outs).
    Exponential,
    /// Logarithmic (fast start).
    Logarithmic,
    /// Smooth at both ends.
    SCurve,
}

/// Fades at the (trimmed) start and end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FadeSettings {
    /// Fade-in length, s (0 = none).
    pub fade_in_s: f64,
    /// Fade-out length, s (0 = none).
    pub fade_out_s: f64,
    /// Curve of both fades.
    pub curve: FadeCurveName,
}

/// Filter shape of one EQ band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BandKind {
    /// Peaking bell.
    Bell,
    /// Low shelf.
    LowShelf,
    /// High shelf.
    HighShelf,
    /// Butterworth high-pass (order in `q`'s place is not used; 12 dB/oct).
    HighPass,
    /// Butterworth low-pass (12 dB/oct).
    LowPass,
}

/// One EQ band, in engineer's units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EqBandSettings {
    /// Filter shape.
    pub kind: BandKind,
    /// Centre or corner frequency, Hz.
    pub freq_hz: f64,
    /// Quality factor (bandwidth); 0.707 for shelves and filters.
    pub q: f64,
    /// Gain, dB (ignored by pass filters).
    pub gain_db: f64,
}

/// Subsonic / DC high-pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HighPassSettings {
    /// Corner frequency, Hz (−3 dB).
    pub freq_hz: f64,
    /// Butterworth order (1–8; 6 dB/oct each).
    pub order: u8,
}

/// A compressor in engineer's units (glue, or one band of the multiband).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompressorSettings {
    /// Threshold, dBFS (RMS detector).
    pub threshold_db: f64,
    /// Ratio, n:1.
    pub ratio: f64,
    /// Soft-knee width, dB.
    pub knee_db: f64,
    /// Attack time, ms.
    pub attack_ms: f64,
    /// Release time, ms.
    pub release_ms: f64,
    /// Gain after compression, dB.
    pub makeup_db: f64,
}

/// Split-band de-esser: tames sibilant peaks dynamically, leaving the rest of
/// the top end alone (a static cut would dull every cymbal to fix a few "s").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeEsserSettings {
    /// Split and detection centre frequency, Hz.
    pub freq_hz: f64,
    /// Detection-band peak level above which the top band is reduced, dBFS.
    pub threshold_db: f64,
    /// Reduction ratio above the threshold, n:1.
    pub ratio: f64,
}

impl Default for DeEsserSettings {
    fn default() -> Self {
        Self {
            freq_hz: 6_500.0,
            threshold_db: -30.0,
            ratio: 3.0,
        }
    }
}

/// Multiband compression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultibandSettings {
    /// Crossover frequencies, Hz, ascending (bands = crossovers + 1).
    pub crossovers_hz: Vec<f64>,
    /// One compressor per band, lowest band first.
    pub bands: Vec<CompressorSettings>,
}

/// Stereo image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StereoSettings {
    /// Width, % (100 = unchanged, 0 = mono, 200 = side doubled).
    pub width_pct: f64,
    /// Side content below this frequency is removed (mono low end), Hz; `None` = off.
    pub mono_below_hz: Option<f64>,
}

/// Saturation curve names, as in the dsp crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SaturationName {
    /// Symmetric tanh.
    SoftClip,
    /// Gentle, symmetric.
    Tape,
    /// Asymmetric, even harmonics.
    Tube,
}

/// Gentle saturation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaturationSettings {
    /// Curve.
    pub mode: SaturationName,
    /// Drive into the curve, dB.
    pub drive_db: f64,
    /// Wet share, %.
    pub mix_pct: f64,
}

/// The true-peak limiter and how loud the master is driven into it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimiterSettings {
    /// Gain into the limiter, dB. With `lock_gain` false the render searches
    /// for the gain that lands on the target loudness, starting here.
    pub input_gain_db: f64,
    /// When true, `input_gain_db` is used exactly (an edited or re-rendered plan).
    pub lock_gain: bool,
    /// Output ceiling, dBTP.
    pub ceiling_dbtp: f64,
    /// Lookahead, ms.
    pub lookahead_ms: f64,
    /// Release after transients, ms.
    pub release_fast_ms: f64,
    /// Release after sustained reduction, ms.
    pub release_slow_ms: f64,
    /// Most gain reduction the search may use on the loudest peak, dB. When
    /// the target needs more, the master stays quieter and the report says so.
    pub max_gain_reduction_db: f64,
}

/// Dither applied when the word length is reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DitherName {
    /// No dither (24-bit and float deliveries: the error is below −140 dBFS).
    None,
    /// Flat TPDF.
    Tpdf,
    /// TPDF with 9-tap noise shaping (44.1/48 kHz).
    Shaped,
}

/// File format of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FormatName {
    /// RIFF WAVE.
    Wav,
    /// FLAC.
    Flac,
    /// AIFF.
    Aiff,
}

/// The delivered file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSettings {
    /// Sample rate, Hz (resampled when it differs from the source).
    pub sample_rate: u32,
    /// Bits per sample (16 or 24).
    pub bits: u32,
    /// Container.
    pub format: FormatName,
    /// Dither for the word-length reduction.
    pub dither: DitherName,
}

/// The whole mastering decision for one destination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MasterPlan {
    /// Plan format version ([`PLAN_VERSION`]).
    pub version: u32,
    /// The destination this plan delivers to.
    pub target: Target,
    /// Leading/trailing silence removal.
    pub trim: Stage<TrimSettings>,
    /// Fades at the start and end.
    pub fades: Stage<FadeSettings>,
    /// DC and subsonic high-pass.
    pub subsonic: Stage<HighPassSettings>,
    /// Narrow cuts for problems (mud, harshness, sibilance).
    pub corrective_eq: Stage<Vec<EqBandSettings>>,
    /// Broad moves toward the target tonal balance.
    pub tonal_eq: Stage<Vec<EqBandSettings>>,
    /// Dynamic sibilance control (on for vinyl; plans written before this
    /// stage existed read it as off).
    #[serde(default = "Stage::default_off")]
    pub deesser: Stage<DeEsserSettings>,
    /// Gentle bus compression that holds the mix together.
    pub glue: Stage<CompressorSettings>,
    /// Optional multiband compression.
    pub multiband: Stage<MultibandSettings>,
    /// Width and mono low end.
    pub stereo: Stage<StereoSettings>,
    /// Optional saturation.
    pub saturation: Stage<SaturationSettings>,
    /// The true-peak limiter (always on: it guarantees the ceiling).
    pub limiter: Stage<LimiterSettings>,
    /// The delivered file.
    pub output: OutputSettings,
}

impl MasterPlan {
    /// Reads a plan from JSON, checking its version.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let plan: MasterPlan = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if plan.version != PLAN_VERSION {
            return Err(format!(
                "plan version {} is not supported (this build reads version {PLAN_VERSION})",
                plan.version
            ));
        }
        plan.validate()?;
        Ok(plan)
    }

    /// Checks every value is in a range the chain can render.
    pub fn validate(&self) -> Result<(), String> {
        let check = |ok: bool, what: &str| if ok { Ok(()) } else { Err(what.to_string()) };
        let l = &self.limiter.settings;
        check(
            (-20.0..=0.0).contains(&l.ceiling_dbtp),
            "limiter ceiling must be between -20 and 0 dBTP",
        )?;
        check(
            (-24.0..=36.0).contains(&l.input_gain_db),
            "limiter input gain must be between -24 and +36 dB",
        )?;
        check(
            (0.5..=20.0).contains(&l.lookahead_ms),
            "limiter lookahead must be 0.5-20 ms",
        )?;
        check(
            matches!(self.output.bits, 16 | 24),
            "output bits must be 16 or 24",
        )?;
        check(
            (8_000..=384_000).contains(&self.output.sample_rate),
            "output sample rate must be 8-384 kHz",
        )?;
        let t = &self.trim.settings;
        check(
            t.start_s >= 0.0 && t.end_s > t.start_s,
            "trim end must be after trim start",
        )?;
        let f = &self.fades.settings;
        check(
            f.fade_in_s >= 0.0 && f.fade_out_s >= 0.0,
            "fade lengths must not be negative",
        )?;
        for band in self
            .corrective_eq
            .settings
            .iter()
            .chain(&self.tonal_eq.settings)
        {
            check(
                band.freq_hz > 10.0 && band.freq_hz < 40_000.0,
                "EQ frequency must be 10 Hz-40 kHz",
            )?;
            check(band.q > 0.05 && band.q <= 40.0, "EQ Q must be 0.05-40")?;
            check(band.gain_db.abs() <= 24.0, "EQ gain must be within ±24 dB")?;
        }
        check(
            (0.0..=200.0).contains(&self.stereo.settings.width_pct),
            "width must be 0-200 %",
        )?;
        let d = &self.deesser.settings;
        check(
            (2_000.0..=16_000.0).contains(&d.freq_hz),
            "de-esser frequency must be 2-16 kHz",
        )?;
        check(
            (1.0..=20.0).contains(&d.ratio) && (-80.0..=0.0).contains(&d.threshold_db),
            "de-esser ratio must be 1-20 and threshold -80-0 dBFS",
        )?;
        let mb = &self.multiband.settings;
        check(
            mb.bands.len() == mb.crossovers_hz.len() + 1 && (2..=5).contains(&mb.bands.len()),
            "multiband needs 2-5 bands and one crossover fewer",
        )?;
        Ok(())
    }
}
