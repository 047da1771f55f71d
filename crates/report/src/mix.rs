//! The report of `mixmaster mix`: what the render measured and wrote, where
//! each track sits (pan map) and how loud each stem came out.

use mixmaster::mix::{RenderReport, Track};
use mixmaster_analysis::Analysis;

use crate::figures::{self, PanPoint, palette};
use crate::page::{Cell, Page};
use crate::plots::{self, Trace};
use crate::tables::{clock, figures_rows, num, signed};

/// What the render report alone does not hold, measured or read by the caller.
#[derive(Debug, Default, Clone, Copy)]
pub struct MixDetail<'a> {
    /// Measurements of the written mix (waveform, loudness, spectrum plots).
    pub mix: Option<&'a Analysis>,
    /// Measurements of each written stem, by name (per-stem loudness).
    pub stems: &'a [(String, Analysis)],
    /// The session's tracks (pan map: pan across, fader gain up).
    pub tracks: &'a [Track],
}

/// A page for one mix render, from the render report alone.
pub fn mix_html(report: &RenderReport) -> String {
    mix_html_with(report, &MixDetail::default())
}

/// A page for one mix render with plots of the mix, its stems and its tracks.
pub fn mix_html_with(report: &RenderReport, detail: &MixDetail<'_>) -> String {
    let seconds = report.frames as f64 / f64::from(report.sample_rate.max(1));
    let mut page = Page::new(
        "Mix report",
        &format!("{} at {} Hz", clock(seconds), report.sample_rate),
    );
    page.heading(2, "figures", "The mix");
    let rows = vec![
        vec![
            Cell::Text("Integrated loudness".into()),
            Cell::Num(num(report.integrated_lufs, 1, "LUFS")),
        ],
        vec![
            Cell::Text("True peak (8× oversampled)".into()),
            Cell::Num(num(report.true_peak_dbtp, 2, "dBTP")),
        ],
        vec![
            Cell::Text("Headroom gain on the master".into()),
            Cell::Num(signed(Some(report.headroom_gain_db), 2, "dB")),
        ],
        vec![
            Cell::Text("Latency compensated".into()),
            Cell::Num(format!("{} samples", report.latency_frames)),
        ],
    ];
    page.table(&["Figure", "Value"], &rows);

    if !detail.stems.is_empty() || detail.mix.is_some() {
        page.heading(2, "measurements", "Measurements");
        let mut headers = vec!["Figure"];
        let mut columns = Vec::new();
        if let Some(m) = detail.mix {
            headers.push("mix");
            columns.push(m);
        }
        for (name, a) in detail.stems {
            headers.push(name);
            columns.push(a);
        }
        page.table(&headers, &figures_rows(&columns));
    }

    let has_plots = detail.mix.is_some() || !detail.stems.is_empty() || !detail.tracks.is_empty();
    if has_plots {
        page.heading(2, "plots", "Plots");
    }
    if !detail.stems.is_empty() {
        let bars: Vec<(String, f64)> = detail
            .stems
            .iter()
            .map(|(name, a)| (name.clone(), a.integrated_lufs.unwrap_or(f64::NAN)))
            .collect();
        page.figure(
            figures::bars("Loudness per stem", "integrated loudness (LUFS)", &bars),
            "Integrated loudness (BS.1770) of each stem as written: what each bus contributes to the mix. Silent stems have no bar.",
        );
    }
    if !detail.tracks.is_empty() {
        let points: Vec<PanPoint> = detail
            .tracks
            .iter()
            .filter(|t| !t.mute)
            .map(|t| PanPoint {
                name: t.display_name(),
                pan: t.pan,
                level_db: t.gain_db,
            })
            .collect();
        page.figure(
            figures::pan_map("Pan map", "fader gain (dB)", &points),
            "Each unmuted track at its pan position (left to right) and fader gain.",
        );
    }
    if let Some(m) = detail.mix {
        let traces = [Trace {
            name: "mix".to_string(),
            color: palette(0),
            offset_s: 0.0,
            analysis: m,
        }];
        page.figure(
            plots::waveform(&traces),
            "Lowest and highest sample of either channel every 100 ms. Dashed red: full scale.",
        );
        page.figure(
            plots::loudness(&traces, Vec::new()),
            "Short-term loudness (EBU R128, 3 s window, read every 100 ms).",
        );
        page.figure(
            plots::spectrum(&traces, Vec::new()),
            "Long-term average spectrum in third-octave bands.",
        );
        page.figure(
            plots::correlation(&traces),
            "Correlation of left and right over 400 ms windows; windows quieter than −50 dBFS are left out.",
        );
    }

    if !report.stems.is_empty() {
        page.heading(2, "stems", "Stems written");
        let items: Vec<String> = report
            .stems
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        page.list(&items);
    }
    if !report.warnings.is_empty() {
        page.heading(2, "warnings", "Warnings");
        page.list(&report.warnings);
    }
    page.finish()
}
