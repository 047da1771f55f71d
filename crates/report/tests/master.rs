//! A real mastering job (the demo mix to two destinations) turned into a
//! page: well-formed, self-contained, every section present, one SVG per plot,
//! and the printed numbers equal to the report's.

mod common;

use common::{leading_number, row, self_contained, well_formed};
use mixmaster::NoProgress;
use mixmaster::master::render::PassKind;
use mixmaster::master::targets::Target;
use mixmaster::master::{MasterReport, MasterRequest, master};
use mixmaster_report::master_html;

fn master_demo(dir: &std::path::Path) -> MasterReport {
    let written = mixmaster::demo::write(dir, false).unwrap();
    let mix = written
        .into_iter()
        .find(|p| p.ends_with("mix.wav"))
        .expect("demo writes mix.wav");
    let request = MasterRequest::new(
        mix,
        vec![
            (Target::preset("spotify").unwrap(), dir.join("spotify.wav")),
            (Target::preset("cd").unwrap(), dir.join("cd.wav")),
        ],
    );
    master(&request, &mut NoProgress).unwrap()
}

/// One mastering run, checked from every side (a master takes seconds; the
/// checks take nothing).
#[test]
fn master_report_is_complete_well_formed_and_true_to_the_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let report = master_demo(dir.path());
    let html = master_html(&report);
    if let Ok(out) = std::env::var("MIXMASTER_REPORT_SAMPLE") {
        std::fs::write(out, &html).unwrap();
    }

    // Strict XML: every element closed, every tag matched.
    let counts = well_formed(&html);
    self_contained(&html);
    // Plots: waveform, loudness, spectrum, gain reduction, correlation.
    assert_eq!(counts.get("svg"), Some(&5), "{counts:?}");
    assert_eq!(counts.get("figure"), Some(&5));
    assert!(!html.contains("Plot not drawn"));
    assert!(html.contains("viewBox=\"0 0 900 360\""));

    assert!(!html.contains("id=\"warnings\""), "no warnings, no section");
    let mut warned = report.clone();
    warned
        .warnings
        .push("mix.wav: truncated: the header declares 3.00 s, 0.57 s <present>".into());
    let warned_html = master_html(&warned);
    well_formed(&warned_html);
    assert!(warned_html.contains("id=\"warnings\""));
    assert!(warned_html.contains("0.57 s &lt;present&gt;"));

    for id in [
        "summary",
        "figures",
        "plots",
        "delivery-1-plan",
        "delivery-2-plan",
        "delivery-1-passes",
        "penalties",
        "feedback",
    ] {
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "section {id} missing"
        );
    }

    // The figures table: mix, then each master, to the printed precision.
    let integrated = row(&html, "Integrated loudness");
    let expected = [
        report.before.integrated_lufs,
        report.deliveries[0].delivered.after.integrated_lufs,
        report.deliveries[1].delivered.after.integrated_lufs,
    ];
    assert_eq!(integrated.len(), 4, "{integrated:?}");
    for (cell, value) in integrated[1..].iter().zip(expected) {
        let printed = leading_number(cell);
        assert!(
            (printed - value.unwrap()).abs() <= 0.05 + 1e-9,
            "printed {printed}, report {value:?}"
        );
    }
    let tp = row(&html, "True peak");
    for (cell, d) in tp[2..].iter().zip(&report.deliveries) {
        let printed = leading_number(cell);
        let value = d.delivered.after.true_peak_dbtp.unwrap();
        assert!(
            (printed - value).abs() <= 0.005 + 1e-9,
            "{printed} vs {value}"
        );
        assert!(printed <= d.plan.target.ceiling_dbtp);
    }

    // Every stage's reasons are on the page (escaped as the page escapes them).
    for d in &report.deliveries {
        let p = &d.plan;
        for why in [
            &p.trim.why,
            &p.subsonic.why,
            &p.corrective_eq.why,
            &p.tonal_eq.why,
            &p.glue.why,
            &p.multiband.why,
            &p.stereo.why,
            &p.saturation.why,
            &p.limiter.why,
            &p.fades.why,
        ] {
            let text = why
                .join(" ")
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;");
            assert!(html.contains(&text), "missing reason: {text}");
        }
        // One penalty row per platform, with its gain.
        for pen in &d.penalties {
            assert!(html.contains(&format!("<td>{}</td>", pen.platform)));
        }
    }
    for f in &report.mix_feedback {
        assert!(html.contains(&format!("<td>{}</td>", f.code)));
    }

    // The gain-reduction series: one value per 100 ms of the trimmed master,
    // and its deepest reading is the deepest the delivered pass reports.
    for d in &report.deliveries {
        let dl = &d.delivered;
        let pass = dl
            .passes
            .iter()
            .find(|p| p.kind == PassKind::Delivered)
            .unwrap();
        let trimmed_s = if d.plan.trim.enabled {
            d.plan.trim.settings.end_s - d.plan.trim.settings.start_s
        } else {
            report.before.duration_s
        };
        let expected_len = (trimmed_s / dl.gain_reduction_interval_s).ceil();
        assert!(
            (dl.gain_reduction_db.len() as f64 - expected_len).abs() <= 1.0,
            "{} intervals for {trimmed_s} s",
            dl.gain_reduction_db.len()
        );
        let deepest = dl.gain_reduction_db.iter().fold(0.0f32, |m, g| m.max(*g));
        assert!(
            (f64::from(deepest) - pass.max_gain_reduction_db).abs() < 1e-3,
            "series max {deepest} vs pass {}",
            pass.max_gain_reduction_db
        );
        assert!(dl.gain_reduction_db.iter().all(|g| *g >= 0.0));
    }
}
