//! The report of `mixmaster automix`: every stem's decisions with their
//! reasons, and where each stem ended up (pan map).

use mixmaster::automix::AutomixReport;

use crate::figures::{self, PanPoint};
use crate::page::{Cell, Page};
use crate::tables::{num, signed};

/// A page for one automix.
pub fn automix_html(report: &AutomixReport) -> String {
    let mut page = Page::new("Automix report", &report.session_path.display().to_string());
    page.heading(2, "stems", "Stems");
    let rows: Vec<Vec<Cell>> = report
        .stems
        .iter()
        .map(|s| {
            vec![
                Cell::Text(s.name.clone()),
                Cell::Text(
                    serde_json::to_value(s.role)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                ),
                Cell::Text(if s.is_lead { "lead" } else { "" }.to_string()),
                Cell::Num(signed(Some(s.trim_db), 1, "dB")),
                Cell::Num(signed(Some(s.gain_db), 1, "dB")),
                Cell::Num(format!("{:+.0} %", s.pan)),
                Cell::Text(if s.muted { "muted" } else { "" }.to_string()),
                Cell::Text(s.role_why.clone()),
            ]
        })
        .collect();
    page.table(
        &[
            "Stem",
            "Role",
            "",
            "Trim",
            "Fader",
            "Pan",
            "",
            "Role chosen because",
        ],
        &rows,
    );
    page.para(&format!(
        "Left/right power balance from the pans: {:+.2} dB (+ = left).",
        report.lr_balance_db
    ));
    if let Some(m) = &report.mix {
        page.para(&format!(
            "Mix {}: {}, true peak {}, headroom gain {:+.2} dB.",
            m.path.display(),
            num(m.integrated_lufs, 1, "LUFS"),
            num(m.true_peak_dbtp, 2, "dBTP"),
            m.headroom_gain_db
        ));
    }

    page.heading(2, "plots", "Plots");
    let points: Vec<PanPoint> = report
        .stems
        .iter()
        .filter(|s| !s.muted)
        .map(|s| PanPoint {
            name: s.name.clone(),
            pan: s.pan / 100.0,
            level_db: s.gain_db + s.trim_db,
        })
        .collect();
    page.figure(
        figures::pan_map("Pan map", "trim + fader (dB)", &points),
        "Each sounding stem at its pan position and its total gain (trim plus fader).",
    );

    page.heading(2, "masking", "Masking before and after");
    let rows: Vec<Vec<Cell>> = report
        .masking
        .iter()
        .map(|m| {
            vec![
                Cell::Text(m.target.clone()),
                Cell::Text(m.masker.clone()),
                Cell::Num(format!("{:.0} %", m.before.masked_pct)),
                Cell::Num(format!("{:.0} %", m.after.masked_pct)),
                Cell::Num(format!("{:.1} dB", m.before.excess_db)),
                Cell::Num(format!("{:.1} dB", m.after.excess_db)),
            ]
        })
        .collect();
    page.table(
        &[
            "Masked",
            "By",
            "Masked share before",
            "after",
            "Mean excess before",
            "after",
        ],
        &rows,
    );

    page.heading(2, "decisions", "Decisions");
    let rows: Vec<Vec<Cell>> = report
        .stems
        .iter()
        .flat_map(|s| {
            s.decisions.iter().map(|d| {
                vec![
                    Cell::Text(s.name.clone()),
                    Cell::Text(d.what.clone()),
                    Cell::Text(d.value.clone()),
                    Cell::Text(d.why.clone()),
                ]
            })
        })
        .collect();
    page.table(&["Stem", "Setting", "Value", "Why"], &rows);
    if !report.warnings.is_empty() {
        page.heading(2, "warnings", "Warnings");
        page.list(&report.warnings);
    }
    page.finish()
}
