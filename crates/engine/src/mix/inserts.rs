//! Insert processors as the session file spells them: a `type` tag and the
//! processor's parameters in engineer units, every parameter optional with the
//! DSP crate's default. [`Insert::check`] validates ranges; [`Insert::build`]
//! makes the `mixmaster-dsp` processor.

use mixmaster_dsp::Processor;
use mixmaster_dsp::dynamics::{
    Compressor, CompressorParams, DeEsser, DeEsserParams, Detection, Gate, GateParams, Limiter,
    LimiterParams,
};
use mixmaster_dsp::filter::biquad::FilterType;
use mixmaster_dsp::filter::{BandShape, Eq, EqBand, EqParams};
use mixmaster_dsp::saturation::{SaturationMode, Saturator, SaturatorParams};
use mixmaster_dsp::stereo::{StereoWidth, WidthParams};
use mixmaster_dsp::time::{
    Delay, DelayParams, DelayTime, NoteModifier, NoteValue, Reverb, ReverbParams, ReverbPreset,
};
use mixmaster_dsp::utility::{Gain, GainParams};
use serde::{Deserialize, Serialize};

/// One insert: `{ type = "compressor", threshold_db = -18.0, … }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Insert {
    /// Parametric EQ (`bands = [...]`).
    Eq(EqSpec),
    /// Feed-forward compressor.
    Compressor(CompressorSpec),
    /// Gate / downward expander.
    Gate(GateSpec),
    /// Split-band de-esser.
    DeEsser(DeEsserSpec),
    /// True-peak limiter.
    Limiter(LimiterSpec),
    /// Oversampled saturator.
    Saturator(SaturatorSpec),
    /// Mid/side width (stereo only).
    Width(WidthSpec),
    /// Echo, free or tempo-synced.
    Delay(DelaySpec),
    /// FDN reverb.
    Reverb(ReverbSpec),
    /// Plain gain.
    Gain(GainSpec),
}

/// A parameter out of range: which key, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeError {
    /// The offending key inside the insert table (`bands` for a band's key is
    /// reported as `bands`, index, key).
    pub key: Vec<String>,
    /// What is wrong.
    pub message: String,
}

fn in_range(key: &str, v: f64, lo: f64, hi: f64, unit: &str) -> Result<(), RangeError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(RangeError {
            key: vec![key.to_string()],
            message: format!("{key} = {v} is out of range ({lo} to {hi} {unit})"),
        })
    }
}

impl Insert {
    /// Checks every parameter's range for a render at `sample_rate` Hz.
    pub fn check(&self, sample_rate: f64) -> Result<(), RangeError> {
        let nyquist = sample_rate / 2.0;
        match self {
            Insert::Eq(s) => {
                for (i, b) in s.bands.iter().enumerate() {
                    b.check(nyquist).map_err(|mut e| {
                        e.key.splice(0..0, ["bands".to_string(), i.to_string()]);
                        e
                    })?;
                }
                Ok(())
            }
            Insert::Compressor(s) => {
                in_range("threshold_db", s.threshold_db, -90.0, 0.0, "dB")?;
                in_range("ratio", s.ratio, 1.0, 100.0, ":1")?;
                in_range("knee_db", s.knee_db, 0.0, 24.0, "dB")?;
                in_range("attack_ms", s.attack_ms, 0.01, 500.0, "ms")?;
                in_range("release_ms", s.release_ms, 1.0, 5000.0, "ms")?;
                in_range("makeup_db", s.makeup_db, -24.0, 24.0, "dB")?;
                in_range("lookahead_ms", s.lookahead_ms, 0.0, 20.0, "ms")?;
                in_range("link_pct", s.link_pct, 0.0, 100.0, "%")?;
                in_range(
                    "sidechain_hpf_hz",
                    s.sidechain_hpf_hz,
                    0.0,
                    nyquist * 0.9,
                    "Hz",
                )
            }
            Insert::Gate(s) => {
                in_range("threshold_db", s.threshold_db, -120.0, 0.0, "dB")?;
                in_range("range_db", s.range_db, -120.0, 0.0, "dB")?;
                in_range("ratio", s.ratio, 1.0, 100.0, ":1")?;
                in_range("attack_ms", s.attack_ms, 0.01, 500.0, "ms")?;
                in_range("hold_ms", s.hold_ms, 0.0, 2000.0, "ms")?;
                in_range("release_ms", s.release_ms, 1.0, 5000.0, "ms")?;
                in_range("hysteresis_db", s.hysteresis_db, 0.0, 24.0, "dB")
            }
            Insert::DeEsser(s) => {
                in_range("frequency_hz", s.frequency_hz, 1000.0, nyquist * 0.9, "Hz")?;
                in_range("threshold_db", s.threshold_db, -90.0, 0.0, "dB")?;
                in_range("ratio", s.ratio, 1.0, 100.0, ":1")
            }
            Insert::Limiter(s) => {
                in_range("input_gain_db", s.input_gain_db, -24.0, 36.0, "dB")?;
                in_range("ceiling_dbtp", s.ceiling_dbtp, -24.0, 0.0, "dBTP")?;
                in_range("lookahead_ms", s.lookahead_ms, 0.5, 20.0, "ms")?;
                in_range("release_fast_ms", s.release_fast_ms, 1.0, 2000.0, "ms")?;
                in_range("release_slow_ms", s.release_slow_ms, 1.0, 10000.0, "ms")?;
                in_range("sustain_ms", s.sustain_ms, 1.0, 10000.0, "ms")
            }
            Insert::Saturator(s) => {
                in_range("drive_db", s.drive_db, -24.0, 48.0, "dB")?;
                in_range("mix_pct", s.mix_pct, 0.0, 100.0, "%")?;
                in_range("output_db", s.output_db, -48.0, 24.0, "dB")
            }
            Insert::Width(s) => in_range("width_pct", s.width_pct, 0.0, 200.0, "%"),
            Insert::Delay(s) => {
                if let Some(ms) = s.time_ms {
                    in_range("time_ms", ms, 1.0, 5000.0, "ms")?;
                }
                if let Some(n) = &s.note {
                    parse_note(n).ok_or_else(|| RangeError {
                        key: vec!["note".into()],
                        message: format!(
                            "note = {n:?} is not a note value (1/1, 1/2, 1/4, 1/8, 1/16, 1/32, optionally followed by d or t)"
                        ),
                    })?;
                }
                in_range("feedback_pct", s.feedback_pct, 0.0, 99.0, "%")?;
                if let Some(f) = s.low_cut_hz {
                    in_range("low_cut_hz", f, 10.0, nyquist * 0.9, "Hz")?;
                }
                if let Some(f) = s.high_cut_hz {
                    in_range("high_cut_hz", f, 100.0, nyquist * 0.9, "Hz")?;
                }
                in_range("mix_pct", s.mix_pct, 0.0, 100.0, "%")
            }
            Insert::Reverb(s) => {
                let p = s.params();
                in_range("rt60_s", p.rt60_s, 0.1, 20.0, "s")?;
                in_range("hf_ratio", p.hf_ratio, 0.1, 1.0, "")?;
                in_range("size", p.size, 0.3, 2.0, "")?;
                in_range("predelay_ms", p.predelay_ms, 0.0, 250.0, "ms")?;
                in_range("width_pct", p.width_pct, 0.0, 100.0, "%")?;
                in_range("mix_pct", p.mix_pct, 0.0, 100.0, "%")
            }
            Insert::Gain(s) => in_range("gain_db", s.gain_db, -96.0, 48.0, "dB"),
        }
    }

    /// The DSP processor for this insert; `tempo_bpm` drives synced delays.
    pub fn build(&self, tempo_bpm: f64) -> Box<dyn Processor> {
        match self {
            Insert::Eq(s) => Box::new(Eq::new(EqParams {
                bands: s.bands.iter().map(BandSpec::to_band).collect(),
            })),
            Insert::Compressor(s) => Box::new(Compressor::new(CompressorParams {
                threshold_db: s.threshold_db,
                ratio: s.ratio,
                knee_db: s.knee_db,
                attack_ms: s.attack_ms,
                release_ms: s.release_ms,
                makeup_db: s.makeup_db,
                lookahead_ms: s.lookahead_ms,
                link_percent: s.link_pct,
                detection: match s.detection {
                    DetectionSpec::Peak => Detection::Peak,
                    DetectionSpec::Rms => Detection::Rms,
                },
                sidechain_hpf_hz: s.sidechain_hpf_hz,
                ..CompressorParams::default()
            })),
            Insert::Gate(s) => Box::new(Gate::new(GateParams {
                threshold_db: s.threshold_db,
                range_db: s.range_db,
                ratio: s.ratio,
                attack_ms: s.attack_ms,
                hold_ms: s.hold_ms,
                release_ms: s.release_ms,
                hysteresis_db: s.hysteresis_db,
            })),
            Insert::DeEsser(s) => Box::new(DeEsser::new(DeEsserParams {
                frequency_hz: s.frequency_hz,
                threshold_db: s.threshold_db,
                ratio: s.ratio,
            })),
            Insert::Limiter(s) => Box::new(Limiter::new(LimiterParams {
                input_gain_db: s.input_gain_db,
                ceiling_dbtp: s.ceiling_dbtp,
                lookahead_ms: s.lookahead_ms,
                release_fast_ms: s.release_fast_ms,
                release_slow_ms: s.release_slow_ms,
                sustain_ms: s.sustain_ms,
            })),
            Insert::Saturator(s) => Box::new(Saturator::new(SaturatorParams {
                mode: match s.mode {
                    SaturationSpec::SoftClip => SaturationMode::SoftClip,
                    SaturationSpec::Tape => SaturationMode::Tape,
                    SaturationSpec::Tube => SaturationMode::Tube,
                },
                drive_db: s.drive_db,
                mix_percent: s.mix_pct,
                output_db: s.output_db,
            })),
            Insert::Width(s) => Box::new(StereoWidth::new(WidthParams {
                width_pct: s.width_pct,
            })),
            Insert::Delay(s) => {
                let time = match (s.time_ms, s.note.as_deref().and_then(parse_note)) {
                    (Some(ms), _) => DelayTime::Ms(ms),
                    (None, Some((value, modifier))) => DelayTime::Note {
                        value,
                        modifier,
                        bpm: tempo_bpm,
                    },
                    (None, None) => DelayTime::Note {
                        value: NoteValue::Eighth,
                        modifier: NoteModifier::Dotted,
                        bpm: tempo_bpm,
                    },
                };
                Box::new(Delay::new(DelayParams {
                    time,
                    feedback_pct: s.feedback_pct,
                    low_cut_hz: s.low_cut_hz,
                    high_cut_hz: s.high_cut_hz,
                    ping_pong: s.ping_pong,
                    mix_pct: s.mix_pct,
                }))
            }
            Insert::Reverb(s) => Box::new(Reverb::new(s.params())),
            Insert::Gain(s) => Box::new(Gain::new(GainParams { gain_db: s.gain_db })),
        }
    }
}

/// `"1/8"`, `"1/8d"` (dotted), `"1/8t"` (triplet) → note value and modifier.
fn parse_note(s: &str) -> Option<(NoteValue, NoteModifier)> {
    let (body, modifier) = match s.strip_suffix('d') {
        Some(b) => (b, NoteModifier::Dotted),
        None => match s.strip_suffix('t') {
            Some(b) => (b, NoteModifier::Triplet),
            None => (s, NoteModifier::Straight),
        },
    };
    let value = match body {
        "1/1" => NoteValue::Whole,
        "1/2" => NoteValue::Half,
        "1/4" => NoteValue::Quarter,
        "1/8" => NoteValue::Eighth,
        "1/16" => NoteValue::Sixteenth,
        "1/32" => NoteValue::ThirtySecond,
        _ => return None,
    };
    Some((value, modifier))
}

/// `type = "eq"`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EqSpec {
    /// Bands in series.
    pub bands: Vec<BandSpec>,
}

/// An EQ band's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BandKind {
    /// Peaking bell (`gain_db`, `q`).
    #[default]
    Bell,
    /// Low shelf (`gain_db`, `q` = shelf slope).
    LowShelf,
    /// High shelf.
    HighShelf,
    /// Butterworth high-pass, `slope_db_oct` 6–48.
    LowCut,
    /// Butterworth low-pass, `slope_db_oct` 6–48.
    HighCut,
    /// Notch at `freq_hz` (`q` = width).
    Notch,
}

/// One EQ band: `{ type = "bell", freq_hz = 400.0, gain_db = -3.0, q = 1.0 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BandSpec {
    /// Shape.
    #[serde(rename = "type")]
    pub kind: BandKind,
    /// Centre / corner frequency, Hz.
    pub freq_hz: f64,
    /// Gain, dB (bells and shelves).
    pub gain_db: f64,
    /// Quality factor (bells, shelves, notches).
    pub q: f64,
    /// Cut slope, dB/octave, a multiple of 6 (cuts only).
    pub slope_db_oct: f64,
    /// Why this was chosen (written by `automix`; free text, ignored by the renderer).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
}

impl Default for BandSpec {
    fn default() -> Self {
        Self {
            kind: BandKind::Bell,
            freq_hz: 1000.0,
            gain_db: 0.0,
            q: std::f64::consts::FRAC_1_SQRT_2,
            slope_db_oct: 12.0,
            why: String::new(),
        }
    }
}

impl BandSpec {
    fn check(&self, nyquist: f64) -> Result<(), RangeError> {
        in_range("freq_hz", self.freq_hz, 10.0, nyquist * 0.95, "Hz")?;
        in_range("gain_db", self.gain_db, -30.0, 30.0, "dB")?;
        in_range("q", self.q, 0.05, 40.0, "")?;
        in_range("slope_db_oct", self.slope_db_oct, 6.0, 48.0, "dB/oct")?;
        if self.slope_db_oct % 6.0 != 0.0 {
            return Err(RangeError {
                key: vec!["slope_db_oct".into()],
                message: format!(
                    "slope_db_oct = {} must be a multiple of 6",
                    self.slope_db_oct
                ),
            });
        }
        Ok(())
    }

    /// The DSP band this spec describes (also what the automix's EQ
    /// predictions evaluate, so they match the render).
    pub(crate) fn to_band(&self) -> EqBand {
        let order = (self.slope_db_oct / 6.0).round().clamp(1.0, 8.0) as u8;
        let shape = match self.kind {
            BandKind::Bell => BandShape::Biquad(FilterType::Peak),
            BandKind::LowShelf => BandShape::Biquad(FilterType::LowShelf),
            BandKind::HighShelf => BandShape::Biquad(FilterType::HighShelf),
            BandKind::Notch => BandShape::Biquad(FilterType::Notch),
            BandKind::LowCut => BandShape::ButterworthHighPass(order),
            BandKind::HighCut => BandShape::ButterworthLowPass(order),
        };
        EqBand::new(shape, self.freq_hz, self.q, self.gain_db)
    }
}

/// Compressor level detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DetectionSpec {
    /// Peak.
    #[default]
    Peak,
    /// RMS.
    Rms,
}

/// `type = "compressor"`; defaults: −18 dB, 2:1, 6 dB knee, 10/100 ms, linked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CompressorSpec {
    pub threshold_db: f64,
    pub ratio: f64,
    pub knee_db: f64,
    pub attack_ms: f64,
    pub release_ms: f64,
    pub makeup_db: f64,
    /// Delays the audio by this much (compensated by the mixer).
    pub lookahead_ms: f64,
    pub link_pct: f64,
    pub detection: DetectionSpec,
    pub sidechain_hpf_hz: f64,
    /// Why this was chosen (written by `automix`; free text, ignored by the renderer).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
}

impl Default for CompressorSpec {
    fn default() -> Self {
        let d = CompressorParams::default();
        Self {
            threshold_db: d.threshold_db,
            ratio: d.ratio,
            knee_db: d.knee_db,
            attack_ms: d.attack_ms,
            release_ms: d.release_ms,
            makeup_db: d.makeup_db,
            lookahead_ms: d.lookahead_ms,
            link_pct: d.link_percent,
            detection: DetectionSpec::Peak,
            sidechain_hpf_hz: d.sidechain_hpf_hz,
            why: String::new(),
        }
    }
}

/// `type = "gate"`; defaults: −40 dB, −40 dB range, 10:1, 0.5/50/100 ms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[allow(missing_docs)]
pub struct GateSpec {
    pub threshold_db: f64,
    pub range_db: f64,
    pub ratio: f64,
    pub attack_ms: f64,
    pub hold_ms: f64,
    pub release_ms: f64,
    pub hysteresis_db: f64,
    /// Why this was chosen (written by `automix`; free text, ignored by the renderer).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
}

impl Default for GateSpec {
    fn default() -> Self {
        let d = GateParams::default();
        Self {
            threshold_db: d.threshold_db,
            range_db: d.range_db,
            ratio: d.ratio,
            attack_ms: d.attack_ms,
            hold_ms: d.hold_ms,
            release_ms: d.release_ms,
            hysteresis_db: d.hysteresis_db,
            why: String::new(),
        }
    }
}

/// `type = "de-esser"`; defaults: 6 kHz, −30 dB, 4:1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DeEsserSpec {
    pub frequency_hz: f64,
    pub threshold_db: f64,
    pub ratio: f64,
    /// Why this was chosen (written by `automix`; free text, ignored by the renderer).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
}

impl Default for DeEsserSpec {
    fn default() -> Self {
        let d = DeEsserParams::default();
        Self {
            frequency_hz: d.frequency_hz,
            threshold_db: d.threshold_db,
            ratio: d.ratio,
            why: String::new(),
        }
    }
}

/// `type = "limiter"`; defaults: −1 dBTP ceiling, 2 ms lookahead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[allow(missing_docs)]
pub struct LimiterSpec {
    pub input_gain_db: f64,
    pub ceiling_dbtp: f64,
    pub lookahead_ms: f64,
    pub release_fast_ms: f64,
    pub release_slow_ms: f64,
    pub sustain_ms: f64,
}

impl Default for LimiterSpec {
    fn default() -> Self {
        let d = LimiterParams::default();
        Self {
            input_gain_db: d.input_gain_db,
            ceiling_dbtp: d.ceiling_dbtp,
            lookahead_ms: d.lookahead_ms,
            release_fast_ms: d.release_fast_ms,
            release_slow_ms: d.release_slow_ms,
            sustain_ms: d.sustain_ms,
        }
    }
}

/// Saturation curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum SaturationSpec {
    SoftClip,
    #[default]
    Tape,
    Tube,
}

/// `type = "saturator"`; defaults: tape, +6 dB drive, 100 % wet, −3 dB out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[allow(missing_docs)]
pub struct SaturatorSpec {
    pub mode: SaturationSpec,
    pub drive_db: f64,
    pub mix_pct: f64,
    pub output_db: f64,
}

impl Default for SaturatorSpec {
    fn default() -> Self {
        let d = SaturatorParams::default();
        Self {
            mode: SaturationSpec::Tape,
            drive_db: d.drive_db,
            mix_pct: d.mix_percent,
            output_db: d.output_db,
        }
    }
}

/// `type = "width"`: 0 % mono, 100 % unchanged, 200 % twice the side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WidthSpec {
    /// Side level relative to unchanged, percent.
    pub width_pct: f64,
}

impl Default for WidthSpec {
    fn default() -> Self {
        Self {
            width_pct: WidthParams::default().width_pct,
        }
    }
}

/// `type = "delay"`: `time_ms`, or `note` ("1/8d") at the session tempo (default 1/8d).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DelaySpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub feedback_pct: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low_cut_hz: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_cut_hz: Option<f64>,
    pub ping_pong: bool,
    /// Wet share; 100 on a return bus.
    pub mix_pct: f64,
    /// Why this was chosen (written by `automix`; free text, ignored by the renderer).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
}

impl Default for DelaySpec {
    fn default() -> Self {
        let d = DelayParams::default();
        Self {
            time_ms: None,
            note: None,
            feedback_pct: d.feedback_pct,
            low_cut_hz: d.low_cut_hz,
            high_cut_hz: d.high_cut_hz,
            ping_pong: d.ping_pong,
            mix_pct: d.mix_pct,
            why: String::new(),
        }
    }
}

/// Reverb character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum PresetSpec {
    Room,
    Plate,
    #[default]
    Hall,
}

/// `type = "reverb"`: a preset, with any of its values overridden.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ReverbSpec {
    pub preset: PresetSpec,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rt60_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hf_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predelay_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width_pct: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mix_pct: Option<f64>,
    /// Why this was chosen (written by `automix`; free text, ignored by the renderer).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
}

impl ReverbSpec {
    fn params(&self) -> ReverbParams {
        let p = ReverbParams::preset(match self.preset {
            PresetSpec::Room => ReverbPreset::Room,
            PresetSpec::Plate => ReverbPreset::Plate,
            PresetSpec::Hall => ReverbPreset::Hall,
        });
        ReverbParams {
            rt60_s: self.rt60_s.unwrap_or(p.rt60_s),
            hf_ratio: self.hf_ratio.unwrap_or(p.hf_ratio),
            size: self.size.unwrap_or(p.size),
            predelay_ms: self.predelay_ms.unwrap_or(p.predelay_ms),
            width_pct: self.width_pct.unwrap_or(p.width_pct),
            mix_pct: self.mix_pct.unwrap_or(p.mix_pct),
        }
    }
}

/// `type = "gain"`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GainSpec {
    /// Level change, dB.
    pub gain_db: f64,
    /// Why this was chosen (written by `automix`; free text, ignored by the renderer).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
}
