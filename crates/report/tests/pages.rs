//! Analysis and mix pages from synthetic measurements: well-formed,
//! self-contained, names escaped, one SVG per plot, numbers as measured.

mod common;

use std::f64::consts::PI;

use common::{leading_number, row, self_contained, well_formed};
use mixmaster::mix::RenderReport;
use mixmaster_analysis::{Analysis, analyze};
use mixmaster_report::{MixDetail, analysis_html, mix_html, mix_html_with};

/// A 997 Hz sine at `dbfs` peak in both channels (R inverted when asked), 4 s.
fn sine(dbfs: f64, inverted: bool) -> Analysis {
    let a = 10f64.powf(dbfs / 20.0);
    let l: Vec<f32> = (0..4 * 48_000)
        .map(|n| (a * (2.0 * PI * 997.0 * n as f64 / 48_000.0).sin()) as f32)
        .collect();
    let r: Vec<f32> = if inverted {
        l.iter().map(|x| -x).collect()
    } else {
        l.clone()
    };
    analyze(&[&l, &r], 48_000).unwrap()
}

#[test]
fn analysis_page_prints_the_measurements_and_escapes_names() {
    let a = sine(-20.0, false);
    let b = sine(-6.0, true);
    let files = vec![
        ("quiet <a&b>.wav".to_string(), a.clone()),
        ("loud \"inverted\".wav".to_string(), b.clone()),
    ];
    let html = analysis_html(&files, &[]);
    assert!(!html.contains("id=\"warnings\""));
    let warned = analysis_html(&files, &["quiet <a&b>.wav: truncated".to_string()]);
    well_formed(&warned);
    assert!(warned.contains("id=\"warnings\""));
    assert!(warned.contains("<li>quiet &lt;a&amp;b&gt;.wav: truncated</li>"));
    let counts = well_formed(&html);
    self_contained(&html);
    // Waveform, loudness, spectrum, correlation.
    assert_eq!(counts.get("svg"), Some(&4));
    assert!(html.contains("quiet &lt;a&amp;b&gt;.wav"));
    assert!(html.contains("loud &quot;inverted&quot;.wav"));
    // The page prints each file's integrated loudness to 0.1 LU.
    let cells = row(&html, "Integrated loudness");
    for (cell, an) in cells[1..].iter().zip([&a, &b]) {
        let v = an.integrated_lufs.unwrap();
        assert!(
            (leading_number(cell) - v).abs() <= 0.05 + 1e-9,
            "{cell} vs {v}"
        );
    }
    let corr = row(&html, "Correlation");
    assert_eq!(corr[1], "+1.00");
    assert_eq!(corr[2], "-1.00");
}

#[test]
fn mix_pages_with_and_without_measurements() {
    let report = RenderReport {
        frames: 48_000 * 4,
        sample_rate: 48_000,
        latency_frames: 64,
        headroom_gain_db: -1.25,
        integrated_lufs: Some(-18.04),
        true_peak_dbtp: Some(-3.2),
        stems: Vec::new(),
        warnings: vec!["stem <x> resampled".to_string()],
    };
    let plain = mix_html(&report);
    let counts = well_formed(&plain);
    self_contained(&plain);
    assert_eq!(counts.get("svg"), None);
    assert_eq!(row(&plain, "Integrated loudness")[1], "-18.0 LUFS");
    assert_eq!(row(&plain, "Headroom gain on the master")[1], "-1.25 dB");
    assert!(plain.contains("stem &lt;x&gt; resampled"));

    let mix = sine(-10.0, false);
    let stems = vec![
        ("drums".to_string(), sine(-12.0, false)),
        ("vocals".to_string(), sine(-18.0, false)),
    ];
    let html = mix_html_with(
        &report,
        &MixDetail {
            mix: Some(&mix),
            stems: &stems,
            tracks: &[],
        },
    );
    let counts = well_formed(&html);
    self_contained(&html);
    // Stem loudness bars, then the mix's waveform, loudness, spectrum, correlation.
    assert_eq!(counts.get("svg"), Some(&5));
    assert!(html.contains("Loudness per stem"));
    // Bars are drawn 6 dB apart, as measured.
    let d = stems[0].1.integrated_lufs.unwrap() - stems[1].1.integrated_lufs.unwrap();
    assert!((d - 6.0).abs() < 0.01, "{d}");
}
