//! The report of `mixmaster album`: each destination's album file, its
//! loudness and peak, and the notes and warnings of the job.

use mixmaster::album::AlbumReport;

use crate::page::{Cell, Page};
use crate::tables::num;

/// A page for one album job.
pub fn album_html(report: &AlbumReport) -> String {
    let mut page = Page::new(
        "Album report",
        &format!("{} — {}", report.artist, report.title),
    );
    page.heading(2, "deliveries", "Deliveries");
    let rows: Vec<Vec<Cell>> = report
        .deliveries
        .iter()
        .map(|d| {
            vec![
                Cell::Text(d.target.name.clone()),
                Cell::Text(d.album_file.clone()),
                Cell::Num(d.tracks.len().to_string()),
                Cell::Num(format!("{:.1} LUFS", d.target.integrated_lufs)),
                Cell::Num(num(d.album_integrated_lufs, 1, "LUFS")),
                Cell::Num(num(d.album_loudness_range_lu, 1, "LU")),
                Cell::Num(format!("{:.2} dBTP", d.album_true_peak_dbtp)),
                Cell::Num(format!("{} Hz", d.sample_rate)),
            ]
        })
        .collect();
    page.table(
        &[
            "Target",
            "Album file",
            "Tracks",
            "Target loudness",
            "Album loudness",
            "LRA",
            "True peak",
            "Rate",
        ],
        &rows,
    );
    for d in &report.deliveries {
        if !d.notes.is_empty() {
            page.heading(3, "", &format!("Notes: {}", d.target.name));
            page.list(&d.notes);
        }
    }
    if !report.notes.is_empty() {
        page.heading(2, "notes", "Notes");
        page.list(&report.notes);
    }
    if !report.warnings.is_empty() {
        page.heading(2, "warnings", "Warnings");
        page.list(&report.warnings);
    }
    page.finish()
}
