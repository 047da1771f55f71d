//! Every plot, drawn by `plotters` into inline SVG. Each function returns the
//! SVG markup, or the plotting error as text (the page then says the plot is
//! missing instead of failing the whole report).
//!
//! Plots are 900×360 user units; the page scales them to the column width
//! through their `viewBox`, so they stay legible on a phone.

use plotters::coord::Shift;
use plotters::prelude::*;

/// Width and height of every plot, SVG user units.
const SIZE: (u32, u32) = (900, 360);
const FONT: &str = "sans-serif";

/// Colours that stay distinct for the colour-blind (Okabe–Ito palette).
pub const BEFORE: RGBColor = RGBColor(0, 114, 178);
/// The first master; further ones take [`palette`].
pub const AFTER: RGBColor = RGBColor(213, 94, 0);
/// The reference track.
pub const REFERENCE: RGBColor = RGBColor(0, 158, 115);
/// Targets and curves to aim at.
pub const TARGET: RGBColor = RGBColor(80, 80, 80);
/// Ceilings and limits.
pub const LIMIT: RGBColor = RGBColor(204, 0, 0);

/// The `i`-th series colour.
pub fn palette(i: usize) -> RGBColor {
    const P: [RGBColor; 7] = [
        BEFORE,
        AFTER,
        REFERENCE,
        RGBColor(204, 121, 167),
        RGBColor(230, 159, 0),
        RGBColor(86, 180, 233),
        RGBColor(120, 94, 240),
    ];
    P[i % P.len()]
}

/// One curve: `(x, y)` points, `None` where there is nothing to draw (a gap).
pub struct Series {
    pub name: String,
    pub color: RGBColor,
    pub points: Vec<(f64, Option<f64>)>,
    /// Dashed (targets) rather than solid (measurements).
    pub dashed: bool,
    /// Filled down to y = 0 (gain reduction).
    pub filled: bool,
}

impl Series {
    /// A solid curve.
    pub fn line(name: &str, color: RGBColor, points: Vec<(f64, Option<f64>)>) -> Self {
        Self {
            name: name.to_string(),
            color,
            points,
            dashed: false,
            filled: false,
        }
    }

    /// A horizontal dashed line at `y` over `x0..x1` (a target or a ceiling).
    pub fn level(name: &str, color: RGBColor, y: f64, x0: f64, x1: f64) -> Self {
        Self {
            dashed: true,
            ..Self::line(name, color, vec![(x0, Some(y)), (x1, Some(y))])
        }
    }

    fn finite(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.points
            .iter()
            .filter_map(|&(x, y)| y.filter(|y| y.is_finite() && x.is_finite()).map(|y| (x, y)))
    }

    /// Runs of consecutive defined points.
    fn segments(&self) -> Vec<Vec<(f64, f64)>> {
        let mut out = vec![Vec::new()];
        for &(x, y) in &self.points {
            match y.filter(|y| y.is_finite()) {
                Some(y) => out
                    .last_mut()
                    .map(|s: &mut Vec<_>| s.push((x, y)))
                    .unwrap_or(()),
                None if out.last().is_some_and(|s| !s.is_empty()) => out.push(Vec::new()),
                None => {}
            }
        }
        out.retain(|s| !s.is_empty());
        out
    }
}

/// How the x axis is read and labelled.
#[derive(Clone, Copy)]
pub enum XAxis {
    /// Seconds, labelled `m:ss`.
    Time,
    /// Frequency, logarithmic, 20 Hz–20 kHz.
    Frequency,
}

type PlotResult = Result<String, String>;

/// Axis label of a time, `m:ss` (whole seconds: ticks are at least 1 s apart).
fn time_label(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// Axis label of a level: one decimal on narrow ranges, where whole numbers
/// would repeat.
fn level_label(y: f64, range: f64) -> String {
    if range < 8.0 {
        format!("{y:.1}")
    } else {
        format!("{y:.0}")
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Data range of every series' defined points, padded; `y_floor` keeps
/// silence (−70 LUFS readings) from squashing the music into a line.
fn y_range(series: &[Series], y_floor: Option<f64>, pad: f64) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (_, y) in series.iter().flat_map(Series::finite) {
        lo = lo.min(y);
        hi = hi.max(y);
    }
    if !lo.is_finite() {
        return None;
    }
    if let Some(floor) = y_floor {
        lo = lo.max(floor);
    }
    if hi - lo < 1e-6 {
        hi += 1.0;
        lo -= 1.0;
    }
    Some((lo - pad, hi + pad))
}

/// A chart of curves against time or frequency, with a legend.
pub fn curves(
    title: &str,
    x_axis: XAxis,
    y_desc: &str,
    series: &[Series],
    y_fixed: Option<(f64, f64)>,
    y_floor: Option<f64>,
) -> PlotResult {
    let Some((y0, y1)) = y_fixed.or_else(|| y_range(series, y_floor, 1.0)) else {
        return Err("no data to plot".to_string());
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        match x_axis {
            XAxis::Time => {
                let x1 = series
                    .iter()
                    .flat_map(|s| s.points.iter().map(|p| p.0))
                    .fold(1.0f64, f64::max);
                let mut chart = builder(&root, title)
                    .build_cartesian_2d(0.0..x1, y0..y1)
                    .map_err(err)?;
                chart
                    .configure_mesh()
                    .x_desc("time (m:ss)")
                    .y_desc(y_desc)
                    .x_label_formatter(&|x| time_label(*x))
                    .y_label_formatter(&|y| level_label(*y, y1 - y0))
                    .light_line_style(RGBColor(235, 235, 235))
                    .label_style((FONT, 14))
                    .draw()
                    .map_err(err)?;
                draw_all(
                    &mut chart,
                    series,
                    (y0, y1),
                    SeriesLabelPosition::LowerRight,
                )?;
            }
            XAxis::Frequency => {
                let mut chart = builder(&root, title)
                    .build_cartesian_2d((20.0f64..20_000.0).log_scale(), y0..y1)
                    .map_err(err)?;
                chart
                    .configure_mesh()
                    .x_desc("frequency (Hz)")
                    .y_desc(y_desc)
                    .x_label_formatter(&|x| {
                        if *x >= 1000.0 {
                            format!("{}k", x / 1000.0)
                        } else {
                            format!("{x}")
                        }
                    })
                    .y_label_formatter(&|y| level_label(*y, y1 - y0))
                    .light_line_style(RGBColor(235, 235, 235))
                    .label_style((FONT, 14))
                    .draw()
                    .map_err(err)?;
                // Spectra fall away at the top end: the legend sits there.
                draw_all(
                    &mut chart,
                    series,
                    (y0, y1),
                    SeriesLabelPosition::UpperRight,
                )?;
            }
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

fn builder<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut b = ChartBuilder::on(root);
    b.margin(12)
        .caption(title, (FONT, 20))
        .x_label_area_size(44)
        .y_label_area_size(56);
    b
}

/// Draws every series and the legend on a chart whose x coordinate maps `f64`.
fn draw_all<'a, 'b: 'a, X>(
    chart: &mut ChartContext<
        'a,
        SVGBackend<'b>,
        Cartesian2d<X, plotters::coord::types::RangedCoordf64>,
    >,
    series: &[Series],
    (y0, y1): (f64, f64),
    legend: SeriesLabelPosition,
) -> Result<(), String>
where
    X: Ranged<ValueType = f64>,
{
    // Filled areas first, the last one first, so the first (usually the
    // smallest) stays visible on top; then the lines over them.
    let order = series
        .iter()
        .rev()
        .filter(|s| s.filled)
        .chain(series.iter().filter(|s| !s.filled));
    for s in order {
        let color = s.color;
        let mut labelled = false;
        for seg in s.segments() {
            // Values outside the axis (silence below the floor) sit on its edge.
            let seg: Vec<(f64, f64)> = seg.into_iter().map(|(x, y)| (x, y.clamp(y0, y1))).collect();
            let anno = if s.filled {
                let base = 0.0f64.clamp(y0, y1);
                chart
                    .draw_series(
                        AreaSeries::new(seg, base, color.mix(0.35))
                            .border_style(color.stroke_width(1)),
                    )
                    .map_err(err)?
            } else if s.dashed {
                chart
                    .draw_series(DashedLineSeries::new(seg, 8, 5, color.stroke_width(2)))
                    .map_err(err)?
            } else {
                chart
                    .draw_series(LineSeries::new(seg, color.stroke_width(2)))
                    .map_err(err)?
            };
            if !labelled {
                labelled = true;
                anno.label(s.name.as_str()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 22, y)], color.stroke_width(3))
                });
            }
        }
    }
    chart
        .configure_series_labels()
        .position(legend)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font((FONT, 14))
        .draw()
        .map_err(err)
}

/// One waveform overview: `[min, max]` per step of `dt` seconds from `t0`.
pub struct Envelope<'a> {
    pub name: String,
    pub color: RGBColor,
    pub t0: f64,
    pub dt: f64,
    pub min_max: &'a [[f32; 2]],
}

/// Waveform overviews drawn as translucent bands, overlaid on one time axis
/// (full scale ±1, with the 0 dBFS lines marked).
pub fn envelopes(title: &str, bands: &[Envelope<'_>]) -> PlotResult {
    let x1 = bands
        .iter()
        .map(|b| b.t0 + b.dt * b.min_max.len() as f64)
        .fold(1.0f64, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = builder(&root, title)
            .build_cartesian_2d(0.0..x1, -1.05f64..1.05)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("time (m:ss)")
            .y_desc("sample value (1 = 0 dBFS)")
            .x_label_formatter(&|x| time_label(*x))
            .y_label_formatter(&|y| format!("{y:.1}"))
            .light_line_style(RGBColor(235, 235, 235))
            .label_style((FONT, 14))
            .draw()
            .map_err(err)?;
        // The last band first, so the first (the mix) is drawn on top.
        for b in bands.iter().rev() {
            if b.min_max.is_empty() {
                continue;
            }
            let at = |i: usize| b.t0 + b.dt * (i as f64 + 0.5);
            let mut outline: Vec<(f64, f64)> = b
                .min_max
                .iter()
                .enumerate()
                .map(|(i, m)| (at(i), f64::from(m[1]).clamp(-1.05, 1.05)))
                .collect();
            outline.extend(
                b.min_max
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(i, m)| (at(i), f64::from(m[0]).clamp(-1.05, 1.05))),
            );
            let color = b.color;
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline,
                    color.mix(0.45).filled(),
                )))
                .map_err(err)?
                .label(b.name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 22, y + 5)], color.mix(0.6).filled())
                });
        }
        for y in [-1.0, 1.0] {
            chart
                .draw_series(DashedLineSeries::new(
                    [(0.0, y), (x1, y)],
                    8,
                    5,
                    LIMIT.stroke_width(1),
                ))
                .map_err(err)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .label_font((FONT, 14))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A bar per named value (per-stem loudness), values in dB below zero drawn
/// down from the top of the axis.
pub fn bars(title: &str, y_desc: &str, bars: &[(String, f64)]) -> PlotResult {
    let finite: Vec<f64> = bars.iter().map(|b| b.1).filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return Err("no data to plot".to_string());
    }
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (y0, y1) = ((lo - 6.0).floor(), (hi + 3.0).ceil());
    let n = bars.len();
    let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = builder(&root, title)
            .build_cartesian_2d((0..n).into_segmented(), y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc(y_desc)
            .x_labels(n.max(1))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|y| format!("{y:.0}"))
            .light_line_style(RGBColor(235, 235, 235))
            .label_style((FONT, 14))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(
                bars.iter()
                    .enumerate()
                    .filter(|(_, b)| b.1.is_finite())
                    .map(|(i, b)| {
                        let mut r = Rectangle::new(
                            [
                                (SegmentValue::Exact(i), y0),
                                (SegmentValue::Exact(i + 1), b.1),
                            ],
                            palette(i).mix(0.8).filled(),
                        );
                        r.set_margin(0, 0, 12, 12);
                        r
                    }),
            )
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// One point of a pan map: a name at a pan position (−1 = hard left,
/// +1 = hard right) and a level, dB.
pub struct PanPoint {
    pub name: String,
    pub pan: f64,
    pub level_db: f64,
}

/// Where each source sits: pan across, level up, each point labelled.
pub fn pan_map(title: &str, y_desc: &str, points: &[PanPoint]) -> PlotResult {
    let levels: Vec<f64> = points
        .iter()
        .map(|p| p.level_db)
        .filter(|v| v.is_finite())
        .collect();
    if levels.is_empty() {
        return Err("no data to plot".to_string());
    }
    let lo = levels.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = levels.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (y0, y1) = ((lo - 3.0).floor(), (hi + 3.0).ceil());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = builder(&root, title)
            .build_cartesian_2d(-1.15f64..1.15, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("pan (L … R)")
            .y_desc(y_desc)
            .x_label_formatter(&|x| match *x {
                x if x < -0.01 => format!("L{:.0}", -x * 100.0),
                x if x > 0.01 => format!("R{:.0}", x * 100.0),
                _ => "C".to_string(),
            })
            .y_label_formatter(&|y| format!("{y:.0}"))
            .light_line_style(RGBColor(235, 235, 235))
            .label_style((FONT, 14))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(
                points
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.level_db.is_finite())
                    .map(|(i, p)| {
                        let color = palette(i);
                        EmptyElement::at((p.pan.clamp(-1.0, 1.0), p.level_db))
                            + Circle::new((0, 0), 6, color.filled())
                            + Text::new(p.name.clone(), (8, -16), (FONT, 14).into_font())
                    }),
            )
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
