//! Turns a [`MasterPlan`] into dsp processors. The plan speaks in engineer's
//! units and names; the dsp crate's parameter structs are the same values in
//! its own types, so this module is a plain translation with no decisions.

use mixmaster_dsp::dynamics::{
    Compressor, CompressorParams, DeEsser, DeEsserParams, Detection, Limiter, LimiterParams,
    Multiband, MultibandParams,
};
use mixmaster_dsp::filter::biquad::FilterType;
use mixmaster_dsp::filter::{BandShape, Eq, EqBand, EqParams};
use mixmaster_dsp::saturation::{SaturationMode, Saturator, SaturatorParams};
use mixmaster_dsp::stereo::{MonoBelow, MonoBelowParams, StereoWidth, WidthParams};
use mixmaster_dsp::utility::{
    Dither, DitherParams, Fade, FadeCurve, FadeDirection, FadeParams, NoiseShaping,
};
use mixmaster_dsp::{Chain, Processor};

use super::plan::{
    BandKind, CompressorSettings, DitherName, EqBandSettings, FadeCurveName, LimiterSettings,
    MasterPlan, SaturationName,
};

fn eq_band(b: &EqBandSettings) -> EqBand {
    let shape = match b.kind {
        BandKind::Bell => BandShape::Biquad(FilterType::Peak),
        BandKind::LowShelf => BandShape::Biquad(FilterType::LowShelf),
        BandKind::HighShelf => BandShape::Biquad(FilterType::HighShelf),
        BandKind::HighPass => BandShape::ButterworthHighPass(2),
        BandKind::LowPass => BandShape::ButterworthLowPass(2),
    };
    EqBand::new(shape, b.freq_hz, b.q, b.gain_db)
}

fn compressor_params(c: &CompressorSettings) -> CompressorParams {
    CompressorParams {
        threshold_db: c.threshold_db,
        ratio: c.ratio,
        knee_db: c.knee_db,
        attack_ms: c.attack_ms,
        release_ms: c.release_ms,
        makeup_db: c.makeup_db,
        // Program-level compression listens to loudness, not single peaks.
        detection: Detection::Rms,
        rms_ms: 10.0,
        link_percent: 100.0,
        ..CompressorParams::default()
    }
}

/// Everything before the limiter: the tone and dynamics stages, in order.
/// Disabled stages are left out entirely (bit-exact bypass).
pub fn pre_limiter_chain(plan: &MasterPlan) -> Chain {
    let mut chain = Chain::new();
    if plan.subsonic.enabled {
        let s = &plan.subsonic.settings;
        chain.push(Box::new(Eq::new(EqParams {
            bands: vec![EqBand::new(
                BandShape::ButterworthHighPass(s.order),
                s.freq_hz,
                std::f64::consts::FRAC_1_SQRT_2,
                0.0,
            )],
        })));
    }
    for stage in [&plan.corrective_eq, &plan.tonal_eq] {
        if stage.enabled && !stage.settings.is_empty() {
            chain.push(Box::new(Eq::new(EqParams {
                bands: stage.settings.iter().map(eq_band).collect(),
            })));
        }
    }
    if plan.deesser.enabled {
        let d = &plan.deesser.settings;
        chain.push(Box::new(DeEsser::new(DeEsserParams {
            frequency_hz: d.freq_hz,
            threshold_db: d.threshold_db,
            ratio: d.ratio,
        })));
    }
    if plan.glue.enabled {
        chain.push(Box::new(Compressor::new(compressor_params(
            &plan.glue.settings,
        ))));
    }
    if plan.multiband.enabled {
        let m = &plan.multiband.settings;
        chain.push(Box::new(Multiband::new(MultibandParams {
            crossovers_hz: m.crossovers_hz.clone(),
            bands: m.bands.iter().map(compressor_params).collect(),
        })));
    }
    if plan.stereo.enabled {
        let s = &plan.stereo.settings;
        if let Some(freq_hz) = s.mono_below_hz {
            chain.push(Box::new(MonoBelow::new(MonoBelowParams { freq_hz })));
        }
        if s.width_pct != 100.0 {
            chain.push(Box::new(StereoWidth::new(WidthParams {
                width_pct: s.width_pct,
            })));
        }
    }
    if plan.saturation.enabled {
        let s = &plan.saturation.settings;
        chain.push(Box::new(Saturator::new(SaturatorParams {
            mode: match s.mode {
                SaturationName::SoftClip => SaturationMode::SoftClip,
                SaturationName::Tape => SaturationMode::Tape,
                SaturationName::Tube => SaturationMode::Tube,
            },
            drive_db: s.drive_db,
            mix_percent: s.mix_pct,
            ..SaturatorParams::default()
        })));
    }
    chain
}

/// The limiter for `settings`, driven by `input_gain_db` and limiting to `ceiling_dbtp`.
pub fn limiter(settings: &LimiterSettings, input_gain_db: f64, ceiling_dbtp: f64) -> Limiter {
    Limiter::new(limiter_params(settings, input_gain_db, ceiling_dbtp))
}

/// The limiter's parameters for a drive and ceiling (shared by the render and
/// the drive model, so the two cannot disagree).
pub fn limiter_params(
    settings: &LimiterSettings,
    input_gain_db: f64,
    ceiling_dbtp: f64,
) -> LimiterParams {
    LimiterParams {
        input_gain_db,
        ceiling_dbtp,
        lookahead_ms: settings.lookahead_ms,
        release_fast_ms: settings.release_fast_ms,
        release_slow_ms: settings.release_slow_ms,
        ..LimiterParams::default()
    }
}

fn fade_curve(c: FadeCurveName) -> FadeCurve {
    match c {
        FadeCurveName::Linear => FadeCurve::Linear,
        FadeCurveName::Exponential => FadeCurve::Exponential,
        FadeCurveName::Logarithmic => FadeCurve::Logarithmic,
        FadeCurveName::SCurve => FadeCurve::SCurve,
    }
}

/// Fade-in at the start and fade-out at the end of a programme `duration_s` long.
pub fn fades(plan: &MasterPlan, duration_s: f64) -> Chain {
    let mut chain = Chain::new();
    if !plan.fades.enabled {
        return chain;
    }
    let f = &plan.fades.settings;
    if f.fade_in_s > 0.0 {
        chain.push(Box::new(Fade::new(FadeParams {
            direction: FadeDirection::In,
            curve: fade_curve(f.curve),
            start_s: 0.0,
            length_s: f.fade_in_s,
        })));
    }
    if f.fade_out_s > 0.0 {
        chain.push(Box::new(Fade::new(FadeParams {
            direction: FadeDirection::Out,
            curve: fade_curve(f.curve),
            start_s: (duration_s - f.fade_out_s).max(0.0),
            length_s: f.fade_out_s,
        })));
    }
    chain
}

/// Dither to the delivery word length, or `None` when no dither is planned.
pub fn dither(plan: &MasterPlan) -> Option<Box<dyn Processor>> {
    let shaping = match plan.output.dither {
        DitherName::None => return None,
        DitherName::Tpdf => NoiseShaping::None,
        DitherName::Shaped => NoiseShaping::Lipshitz9,
    };
    Some(Box::new(Dither::new(DitherParams {
        bits: plan.output.bits,
        shaping,
        ..DitherParams::default()
    })))
}
