//! The report of `mixmaster mix`: what the render measured and wrote.

use mixmaster::mix::RenderReport;

use crate::page::{Cell, Page};
use crate::tables::{clock, num, signed};

/// A page for one mix render.
pub fn mix_html(report: &RenderReport) -> String {
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
