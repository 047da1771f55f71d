//! The report of `mixmaster master`: what the mix measured, what was decided
//! and why, what was delivered and how each platform will play it.

use mixmaster::master::penalty::Penalty;
use mixmaster::master::plan::{MasterPlan, Stage};
use mixmaster::master::render::PassKind;
use mixmaster::master::{DeliveryReport, MasterReport};
use mixmaster_analysis::Analysis;
use serde::Serialize;

use mixmaster::master::feedback::neutral_curve_db;

use crate::figures::{self, LIMIT, REFERENCE, Series, TARGET, XAxis, palette};
use crate::page::{Cell, Page};
use crate::plots::{self, Trace, median_offset, third_octaves};
use crate::tables::{figures_rows, num, settings_text, signed};

/// A page for one mastering job.
pub fn master_html(report: &MasterReport) -> String {
    let mut page = Page::new("Mastering report", &report.input);
    summary(&mut page, report);
    // Input problems the master worked around (e.g. a file cut short of its
    // declared length) come first: they can make every figure below moot.
    if !report.warnings.is_empty() {
        page.heading(2, "warnings", "Warnings");
        page.list(&report.warnings);
    }
    figures(&mut page, report);
    plots_section(&mut page, report);
    for (i, d) in report.deliveries.iter().enumerate() {
        delivery(&mut page, i, d);
    }
    penalties(&mut page, report);
    feedback(&mut page, report);
    page.finish()
}

/// Column name of a delivery: its target preset.
fn delivery_name(d: &DeliveryReport) -> String {
    format!("Master: {}", d.plan.target.name)
}

fn summary(page: &mut Page, report: &MasterReport) {
    page.heading(2, "summary", "Deliveries");
    let rows: Vec<Vec<Cell>> = report
        .deliveries
        .iter()
        .map(|d| {
            let after = &d.delivered.after;
            vec![
                Cell::Text(d.plan.target.name.clone()),
                Cell::Text(d.delivered.path.display().to_string()),
                Cell::Num(format!("{:.1} LUFS", d.plan.target.integrated_lufs)),
                Cell::Num(num(after.integrated_lufs, 1, "LUFS")),
                Cell::Num(signed(d.loudness_error_lu, 2, "LU")),
                Cell::Num(format!("{:.1} dBTP", d.plan.target.ceiling_dbtp)),
                Cell::Num(num(after.true_peak_dbtp, 2, "dBTP")),
                Cell::Num(format!("{:.2} dBTP", d.delivered.true_peak_8x_dbtp)),
                Cell::Num(format!(
                    "{} Hz / {} bit",
                    d.plan.output.sample_rate, d.plan.output.bits
                )),
            ]
        })
        .collect();
    page.table(
        &[
            "Target",
            "File",
            "Target loudness",
            "Delivered",
            "Error",
            "Ceiling",
            "True peak (4×)",
            "True peak (8×)",
            "Format",
        ],
        &rows,
    );
    if let Some((path, gain)) = &report.ab {
        page.para(&format!(
            "Level-matched original for A/B listening: {path} (gain {gain:+.2} dB)."
        ));
    }
}

fn figures(page: &mut Page, report: &MasterReport) {
    page.heading(2, "figures", "Before and after");
    let mut headers = vec!["Figure".to_string(), "Mix".to_string()];
    let mut columns: Vec<&Analysis> = vec![&report.before];
    if let Some(r) = &report.reference {
        headers.push("Reference".to_string());
        columns.push(r);
    }
    for d in &report.deliveries {
        headers.push(delivery_name(d));
        columns.push(&d.delivered.after);
    }
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    page.table(&headers, &figures_rows(&columns));
}

/// Where a delivery's time 0 sits on the mix's time axis: the trim point.
fn trim_offset_s(d: &DeliveryReport) -> f64 {
    if d.plan.trim.enabled {
        d.plan.trim.settings.start_s
    } else {
        0.0
    }
}

/// The mix (and reference, for spectra) and every master, overlaid.
fn traces(report: &MasterReport) -> Vec<Trace<'_>> {
    let mut out = vec![Trace {
        name: "mix".to_string(),
        color: palette(0),
        offset_s: 0.0,
        analysis: &report.before,
    }];
    out.extend(report.deliveries.iter().enumerate().map(|(i, d)| Trace {
        name: format!("master ({})", d.plan.target.name),
        color: palette(1 + i + usize::from(i >= 1)),
        offset_s: trim_offset_s(d),
        analysis: &d.delivered.after,
    }));
    out
}

fn plots_section(page: &mut Page, report: &MasterReport) {
    page.heading(2, "plots", "Plots");
    let traces = traces(report);
    let span = plots::span_s(&traces);
    page.figure(
        plots::waveform(&traces),
        "Lowest and highest sample of either channel every 100 ms: the mix against each master, on the mix's time axis (masters start at the trim point). Dashed red: full scale.",
    );

    let mut marks = Vec::new();
    for (i, d) in report.deliveries.iter().enumerate() {
        let t = &d.plan.target;
        marks.push(Series::level(
            &format!("target {} ({:.1} LUFS)", t.name, t.integrated_lufs),
            traces[i + 1].color,
            t.integrated_lufs,
            0.0,
            span,
        ));
        if !report.deliveries[..i]
            .iter()
            .any(|o| o.plan.target.ceiling_dbtp == t.ceiling_dbtp)
        {
            marks.push(Series::level(
                &format!("true-peak ceiling ({:.1} dBTP)", t.ceiling_dbtp),
                LIMIT,
                t.ceiling_dbtp,
                0.0,
                span,
            ));
        }
    }
    page.figure(
        plots::loudness(&traces, marks),
        "Short-term loudness (EBU R128, 3 s window, read every 100 ms). Dashed: each destination's integrated-loudness target and the true-peak ceiling.",
    );

    let mut spectra = traces;
    let mut extra = Vec::new();
    let anchor = spectra.get(1).map_or_else(
        || third_octaves(&report.before),
        |t| third_octaves(t.analysis),
    );
    let caption = if let Some(r) = &report.reference {
        let bands = third_octaves(r);
        let shift = median_offset(&anchor, &bands).unwrap_or(0.0);
        extra.push(Series {
            dashed: true,
            ..Series::line(
                "reference (level-aligned)",
                REFERENCE,
                bands
                    .into_iter()
                    .map(|(hz, l)| (hz, l.map(|l| l + shift)))
                    .collect(),
            )
        });
        "Third-octave spectrum of the mix and each master; dashed: the reference, shifted by its median level difference to the first master (100 Hz–10 kHz) so only the tonal shapes differ."
    } else {
        let curve: Vec<(f64, Option<f64>)> = anchor
            .iter()
            .map(|(hz, _)| (*hz, Some(neutral_curve_db(*hz))))
            .collect();
        let shift = median_offset(&anchor, &curve).unwrap_or(0.0);
        extra.push(Series {
            dashed: true,
            ..Series::line(
                "neutral target curve (level-aligned)",
                TARGET,
                curve
                    .into_iter()
                    .map(|(hz, l)| (hz, l.map(|l| l + shift)))
                    .collect(),
            )
        });
        "Third-octave spectrum of the mix and each master; dashed: the neutral tonal-balance curve the planner aims at (average commercial master), aligned to the first master by the median difference over 100 Hz–10 kHz."
    };
    page.figure(plots::spectrum(&spectra, extra), caption);

    let gr: Vec<Series> = report
        .deliveries
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let dt = d.delivered.gain_reduction_interval_s;
            let t0 = trim_offset_s(d);
            Series {
                filled: true,
                ..Series::line(
                    &format!("limiter ({})", d.plan.target.name),
                    spectra[i + 1].color,
                    d.delivered
                        .gain_reduction_db
                        .iter()
                        .enumerate()
                        .map(|(k, g)| (t0 + dt * k as f64, Some(-f64::from(*g))))
                        .collect(),
                )
            }
        })
        .collect();
    let deepest = report
        .deliveries
        .iter()
        .flat_map(|d| d.delivered.gain_reduction_db.iter())
        .fold(0.0f32, |m, g| m.max(*g));
    page.figure(
        figures::curves(
            "Limiter gain reduction",
            XAxis::Time,
            "gain change (dB)",
            &gr,
            Some((-(f64::from(deepest) + 1.0).max(3.0), 0.5)),
            None,
        ),
        "Largest gain reduction of the final limiter in every 100 ms of the delivered pass (0 dB = untouched).",
    );

    spectra.truncate(1 + report.deliveries.len());
    page.figure(
        plots::correlation(&spectra),
        "Correlation of left and right over 400 ms windows; windows quieter than −50 dBFS are left out.",
    );
}

/// One row of the plan table.
fn stage_row<T: Serialize>(name: &str, stage: &Stage<T>) -> Vec<Cell> {
    let (state, class) = if stage.enabled {
        ("on", "")
    } else {
        ("off", "off")
    };
    vec![
        Cell::Text(name.to_string()),
        Cell::Class(class, state.to_string()),
        Cell::Class(class, settings_text(&stage.settings)),
        Cell::Text(stage.why.join(" ")),
    ]
}

/// Every stage in signal order, with its settings and reasons.
fn plan_rows(plan: &MasterPlan) -> Vec<Vec<Cell>> {
    vec![
        stage_row("Trim", &plan.trim),
        stage_row("Subsonic high-pass", &plan.subsonic),
        stage_row("Corrective EQ", &plan.corrective_eq),
        stage_row("Tonal EQ", &plan.tonal_eq),
        stage_row("Glue compression", &plan.glue),
        stage_row("Multiband compression", &plan.multiband),
        stage_row("Stereo", &plan.stereo),
        stage_row("Saturation", &plan.saturation),
        stage_row("Limiter", &plan.limiter),
        stage_row("Fades", &plan.fades),
        vec![
            Cell::Text("Output".to_string()),
            Cell::Text("on".to_string()),
            Cell::Text(settings_text(&plan.output)),
            Cell::Text(plan.target.source.clone()),
        ],
    ]
}

fn delivery(page: &mut Page, index: usize, d: &DeliveryReport) {
    let id = format!("delivery-{}", index + 1);
    page.heading(
        2,
        &id,
        &format!("{} — {}", delivery_name(d), d.delivered.path.display()),
    );
    page.heading(3, &format!("{id}-plan"), "The plan, stage by stage");
    page.table(&["Stage", "", "Settings", "Why"], &plan_rows(&d.plan));

    page.heading(3, &format!("{id}-passes"), "Limiter passes");
    let rows: Vec<Vec<Cell>> = d
        .delivered
        .passes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                Cell::Num((i + 1).to_string()),
                Cell::Num(signed(Some(p.input_gain_db), 2, "dB")),
                Cell::Num(format!("{:.2} dBTP", p.ceiling_dbtp)),
                Cell::Num(num(p.integrated_lufs, 2, "LUFS")),
                Cell::Num(format!("{:.2} dB", p.max_gain_reduction_db)),
                Cell::Text(
                    match p.kind {
                        PassKind::Modelled => "modelled",
                        PassKind::Rendered => "rendered, rejected",
                        PassKind::Delivered => "delivered",
                    }
                    .to_string(),
                ),
            ]
        })
        .collect();
    page.table(
        &[
            "Pass",
            "Drive",
            "Ceiling",
            "Loudness",
            "Max reduction",
            "Kind",
        ],
        &rows,
    );

    let mut notes = d.delivered.notes.clone();
    if let Some(p) = &d.preview {
        notes.push(format!(
            "MP3 preview {} at {} kbit/s: decoded true peak {:.2} dBTP (limiter ceiling {:.2} dBTP, {} encode(s)).",
            p.path.display(),
            p.bitrate_kbps,
            p.decoded_true_peak_dbtp,
            p.limiter_ceiling_dbtp,
            p.attempts
        ));
    }
    if !notes.is_empty() {
        page.heading(3, &format!("{id}-notes"), "Delivery notes");
        page.list(&notes);
    }
}

fn penalty_rows(penalties: &[Penalty]) -> Vec<Vec<Cell>> {
    penalties
        .iter()
        .map(|p| {
            vec![
                Cell::Text(p.platform.clone()),
                Cell::Num(format!("{:.1} LUFS", p.target_lufs)),
                Cell::Num(signed(Some(p.gain_db), 1, "dB")),
                Cell::Num(format!("{:.1} dBTP", p.peak_after_dbtp)),
                Cell::Text(p.note.clone()),
            ]
        })
        .collect()
}

fn penalties(page: &mut Page, report: &MasterReport) {
    const HEADERS: [&str; 5] = ["Platform", "Plays at", "Gain", "Peak after", "What happens"];
    page.heading(2, "penalties", "Loudness penalties per platform");
    for d in &report.deliveries {
        page.heading(3, "", &delivery_name(d));
        page.table(&HEADERS, &penalty_rows(&d.penalties));
    }
    page.heading(3, "", "The unmastered mix");
    page.table(&HEADERS, &penalty_rows(&report.penalties_before));
}

fn feedback(page: &mut Page, report: &MasterReport) {
    page.heading(2, "feedback", "Mix feedback");
    if report.mix_feedback.is_empty() {
        page.para("Nothing to fix in the mix: every check passed.");
        return;
    }
    let rows: Vec<Vec<Cell>> = report
        .mix_feedback
        .iter()
        .map(|f| {
            let sev = serde_json::to_value(f.severity)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let class = match sev.as_str() {
                "problem" => "sev-problem",
                "warning" => "sev-warning",
                _ => "sev-info",
            };
            vec![
                Cell::Class(class, sev),
                Cell::Text(f.code.to_string()),
                Cell::Text(f.measured.clone()),
                Cell::Text(f.threshold.clone()),
                Cell::Text(f.advice.clone()),
            ]
        })
        .collect();
    page.table(
        &["Severity", "Check", "Measured", "Threshold", "Advice"],
        &rows,
    );
}
