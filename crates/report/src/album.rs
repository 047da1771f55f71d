//! The report of `mixmaster album`: each destination's album file, its
//! loudness and peak, and the notes and warnings of the job.

use mixmaster::album::AlbumReport;

use crate::page::{Cell, Page};
use crate::tables::{num, signed};

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
        page.heading(
            3,
            "",
            &format!("Tracks: {} ({})", d.target.name, d.album_file),
        );
        let rows: Vec<Vec<Cell>> = d
            .tracks
            .iter()
            .map(|t| {
                vec![
                    Cell::Num(t.number.to_string()),
                    Cell::Text(t.title.clone()),
                    Cell::Text(t.cue_index.clone()),
                    Cell::Num(num(t.integrated_lufs, 1, "LUFS")),
                    Cell::Num(format!("{:.1} LUFS", t.target_lufs)),
                    Cell::Num(num(t.loudness_range_lu, 1, "LU")),
                    Cell::Num(format!("{:.2} dBTP", t.true_peak_dbtp)),
                    Cell::Num(num(t.plr_db, 1, "dB")),
                    Cell::Num(signed(t.gain_db, 1, "dB")),
                    Cell::Num(num(t.spectral_deviation_db, 2, "dB")),
                ]
            })
            .collect();
        page.table(
            &[
                "#",
                "Title",
                "Index",
                "Loudness",
                "Target",
                "LRA",
                "True peak",
                "PLR",
                "Gain",
                "Tone vs album mean (RMS)",
            ],
            &rows,
        );
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
