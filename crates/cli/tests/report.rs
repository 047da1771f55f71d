//! `--report FILE` as users meet it: `demo`, then `master`, `analyze` and
//! `mix` each write one self-contained HTML page; an existing page is refused
//! without `--force` (and nothing is rendered), and replaced with it.

use std::path::Path;
use std::process::{Command, Output};

fn mixmaster(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mixmaster"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// A page is complete when its document closes and it holds `svgs` plots.
fn check_page(path: &Path, svgs: usize, must_contain: &[&str]) -> String {
    let html = std::fs::read_to_string(path).expect("report written");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert_eq!(
        html.matches("<svg").count(),
        svgs,
        "plots in {}",
        path.display()
    );
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_ns.contains("http://") && !without_ns.contains("https://"));
    assert!(!html.contains("<script"));
    for text in must_contain {
        assert!(html.contains(text), "{} lacks {text:?}", path.display());
    }
    html
}

#[test]
fn master_analyze_and_mix_write_reports_and_respect_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&mixmaster(&["demo", s(d)]));
    let mix = d.join("mix.wav");

    // master: the integrated loudness printed equals the JSON report's.
    let page = d.join("master.html");
    let out = mixmaster(&[
        "master",
        s(&mix),
        "-o",
        s(&d.join("master.wav")),
        "--report",
        s(&page),
        "--json",
    ]);
    ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lufs = json["deliveries"][0]["delivered"]["after"]["integrated_lufs"]
        .as_f64()
        .unwrap();
    let html = check_page(&page, 5, &["Mastering report", "Mix feedback", "Limiter"]);
    assert!(
        html.contains(&format!("{lufs:.1} LUFS")),
        "page lacks {lufs:.1} LUFS"
    );

    // Refused without --force, before any rendering: the old page stays.
    let before = std::fs::read(&page).unwrap();
    let out = mixmaster(&[
        "master",
        s(&mix),
        "-o",
        s(&d.join("again.wav")),
        "--report",
        s(&page),
    ]);
    assert_eq!(out.status.code(), Some(2), "refusal is bad input");
    assert!(
        !d.join("again.wav").exists(),
        "nothing rendered after a refusal"
    );
    assert_eq!(std::fs::read(&page).unwrap(), before);

    // analyze: two files, four plots (waveform, loudness, spectrum, correlation).
    let apage = d.join("analysis.html");
    ok(&mixmaster(&[
        "analyze",
        s(&mix),
        s(&d.join("master.wav")),
        "--report",
        s(&apage),
    ]));
    check_page(&apage, 4, &["Analysis report", "master.wav"]);
    let out = mixmaster(&["analyze", s(&mix), "--report", s(&apage)]);
    assert_eq!(out.status.code(), Some(2));
    ok(&mixmaster(&[
        "analyze",
        s(&mix),
        "--report",
        s(&apage),
        "--force",
    ]));
    check_page(&apage, 4, &["Analysis report"]);

    // mix: the demo's stems through a fresh session.
    let session = d.join("session.toml");
    ok(&mixmaster(&[
        "init",
        s(&d.join("stems")),
        "-o",
        s(&session),
    ]));
    let mpage = d.join("mix.html");
    ok(&mixmaster(&[
        "mix",
        s(&session),
        "-o",
        s(&d.join("remix.wav")),
        "--stems-out",
        s(&d.join("buses")),
        "--report",
        s(&mpage),
    ]));
    // Per-stem loudness, pan map, waveform, loudness, spectrum, correlation.
    check_page(
        &mpage,
        6,
        &[
            "Mix report",
            "Loudness per stem",
            "Pan map",
            "Integrated loudness",
        ],
    );
}

#[test]
fn album_writes_a_report_with_every_track() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&mixmaster(&["demo", s(d)]));
    // Two tracks: the demo mix and its bass stem, 1 s apart.
    std::fs::write(
        d.join("album.toml"),
        "[album]\ntitle = \"Demo Album\"\nartist = \"mixmaster\"\ngap_s = 1.0\n\n\
         [[track]]\nfile = \"mix.wav\"\ntitle = \"Whole Song\"\n\n\
         [[track]]\nfile = \"stems/bass.wav\"\ntitle = \"Bass Only\"\n",
    )
    .unwrap();
    let page = d.join("album.html");
    let out_dir = d.join("out");
    ok(&mixmaster(&[
        "album",
        s(&d.join("album.toml")),
        "--out-dir",
        s(&out_dir),
        "--report",
        s(&page),
    ]));
    check_page(&page, 0, &["Demo Album", "Whole Song", "Bass Only"]);
    // Refused without --force, and nothing is mastered again.
    let out = mixmaster(&[
        "album",
        s(&d.join("album.toml")),
        "--out-dir",
        s(&d.join("out2")),
        "--report",
        s(&page),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!d.join("out2").join("spotify").exists());
}

#[test]
fn automix_writes_a_report_with_every_stem() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&mixmaster(&["demo", s(d)]));
    let page = d.join("automix.html");
    ok(&mixmaster(&[
        "automix",
        s(&d.join("stems")),
        "-o",
        s(&d.join("auto.toml")),
        "--report",
        s(&page),
    ]));
    // One plot: the pan map.
    let html = check_page(&page, 1, &["kick", "snare", "bass", "lead"]);
    assert!(html.contains("Masking before and after"));
}
