//! The plots every report shares, built from [`Analysis`] values: waveform,
//! short-term loudness, spectrum and correlation over time, each overlaying
//! several programmes (the mix, the reference, the masters) on one axis.

use mixmaster_analysis::Analysis;
use plotters::style::RGBColor;

use crate::figures::{self, Envelope, Series, XAxis};

/// One programme to overlay: its name, colour and where its time 0 sits on
/// the shared axis (a trimmed master starts at the trim point of the mix).
pub struct Trace<'a> {
    pub name: String,
    pub color: RGBColor,
    pub offset_s: f64,
    pub analysis: &'a Analysis,
}

/// Short-term loudness below this is silence or fades; the axis stops here so
/// the music keeps the plot's height (LUFS).
const LOUDNESS_FLOOR_LUFS: f64 = -45.0;

/// Peak envelopes, overlaid.
pub fn waveform(traces: &[Trace<'_>]) -> Result<String, String> {
    let bands: Vec<Envelope<'_>> = traces
        .iter()
        .map(|t| Envelope {
            name: t.name.clone(),
            color: t.color,
            t0: t.offset_s,
            dt: t.analysis.short_term_interval_s,
            min_max: &t.analysis.peak_envelope,
        })
        .collect();
    figures::envelopes("Waveform (peak envelope per 100 ms)", &bands)
}

/// End time of every hop of a series spaced `dt` from `offset`.
fn hop_times(offset: f64, dt: f64, n: usize) -> impl Iterator<Item = f64> {
    (0..n).map(move |i| offset + dt * (i + 1) as f64)
}

/// The time axis shared by all traces, s.
pub fn span_s(traces: &[Trace<'_>]) -> f64 {
    traces
        .iter()
        .map(|t| t.offset_s + t.analysis.duration_s)
        .fold(0.0, f64::max)
}

/// Short-term loudness over time with `marks` (targets, ceilings) as dashed lines.
pub fn loudness(traces: &[Trace<'_>], marks: Vec<Series>) -> Result<String, String> {
    let mut series: Vec<Series> = traces
        .iter()
        .map(|t| {
            let a = t.analysis;
            let points = hop_times(t.offset_s, a.short_term_interval_s, a.short_term_lufs.len())
                .zip(&a.short_term_lufs)
                .map(|(x, y)| (x, *y))
                .collect();
            Series::line(&t.name, t.color, points)
        })
        .collect();
    series.extend(marks);
    figures::curves(
        "Short-term loudness (3 s window)",
        XAxis::Time,
        "LUFS / dBTP",
        &series,
        None,
        Some(LOUDNESS_FLOOR_LUFS),
    )
}

/// Third-octave spectra, plus `extra` curves (a target curve).
pub fn spectrum(traces: &[Trace<'_>], extra: Vec<Series>) -> Result<String, String> {
    let mut series: Vec<Series> = traces
        .iter()
        .map(|t| Series::line(&t.name, t.color, third_octaves(t.analysis)))
        .collect();
    series.extend(extra);
    figures::curves(
        "Spectrum (third-octave bands, long-term average)",
        XAxis::Frequency,
        "band level (dBFS)",
        &series,
        None,
        Some(-100.0),
    )
}

/// `(centre Hz, level dB)` of every third-octave band.
pub fn third_octaves(a: &Analysis) -> Vec<(f64, Option<f64>)> {
    a.third_octave_dbfs
        .iter()
        .map(|b| (b.center_hz, b.level_db))
        .collect()
}

/// Median of `a − b` over the bands from 100 Hz to 10 kHz where both are
/// defined: the level offset that lines one spectrum up with another so only
/// their shapes differ (the measure the mix feedback uses).
pub fn median_offset(a: &[(f64, Option<f64>)], b: &[(f64, Option<f64>)]) -> Option<f64> {
    let mut d: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|((hz, _), _)| (100.0..=10_000.0).contains(hz))
        .filter_map(|((_, x), (_, y))| Some((*x)? - (*y)?))
        .collect();
    if d.is_empty() {
        return None;
    }
    d.sort_by(f64::total_cmp);
    let n = d.len();
    Some(if n % 2 == 1 {
        d[n / 2]
    } else {
        0.5 * (d[n / 2 - 1] + d[n / 2])
    })
}

/// Channel correlation over time (400 ms windows), −1..+1.
pub fn correlation(traces: &[Trace<'_>]) -> Result<String, String> {
    let series: Vec<Series> = traces
        .iter()
        .filter(|t| !t.analysis.correlation_series.is_empty())
        .map(|t| {
            let a = t.analysis;
            let points = hop_times(
                t.offset_s,
                a.short_term_interval_s,
                a.correlation_series.len(),
            )
            .zip(&a.correlation_series)
            .map(|(x, y)| (x, *y))
            .collect();
            Series::line(&t.name, t.color, points)
        })
        .collect();
    if series.is_empty() {
        return Err("mono: no correlation".to_string());
    }
    figures::curves(
        "Stereo correlation (400 ms windows; +1 mono, 0 wide, −1 out of phase)",
        XAxis::Time,
        "correlation",
        &series,
        Some((-1.05, 1.05)),
        None,
    )
}
