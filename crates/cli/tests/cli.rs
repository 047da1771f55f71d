//! The binary as users meet it: exit codes, one-line errors, JSON field names,
//! and no output files left behind on failure.

use std::path::Path;
use std::process::{Command, Output};

fn mixmaster(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mixmaster"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn write_wav(path: &Path, seconds: f32, value: impl Fn(usize) -> f32) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..(seconds * 48_000.0) as usize {
        w.write_sample(value(i)).unwrap();
        w.write_sample(value(i)).unwrap();
    }
    w.finalize().unwrap();
}

fn stderr_line(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(text.trim_end().lines().count(), 1, "one line: {text:?}");
    text
}

#[test]
fn analyze_json_has_the_stable_fields_and_measures_a_minus_23_sine() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("sine.wav");
    let amp = 10f32.powf(-23.0 / 20.0);
    write_wav(&wav, 5.0, |i| {
        amp * (std::f32::consts::TAU * 1000.0 * i as f32 / 48_000.0).sin()
    });
    let out = mixmaster(&["analyze", "--json", wav.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in [
        "integrated_lufs",
        "loudness_range_lu",
        "max_momentary_lufs",
        "max_short_term_lufs",
        "sample_peak_dbfs",
        "true_peak_dbtp",
        "plr_db",
        "dc_offset",
        "correlation",
        "clipped_runs",
        "leading_silence_s",
        "trailing_silence_s",
        "duration_s",
        "sample_rate",
        "channels",
    ] {
        assert!(json.get(field).is_some(), "missing {field}");
    }
    let lufs = json["integrated_lufs"].as_f64().unwrap();
    assert!((lufs + 23.0).abs() < 0.1, "{lufs}");
    assert_eq!(json["sample_rate"], 48_000);
}

#[test]
fn bad_inputs_exit_2_with_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.path().join("notes.wav");
    std::fs::write(&text, b"these are my lyrics, not audio").unwrap();
    let short = dir.path().join("short.wav");
    write_wav(&short, 0.25, |_| 0.1);
    let missing = dir.path().join("missing.wav");
    let cases: [(&Path, &str); 5] = [
        (&empty, "empty"),
        (&text, "not an audio file"),
        (&short, "0.4 s"),
        (&missing, "no such file"),
        (dir.path(), "directory"),
    ];
    for (path, expect) in cases {
        let out = mixmaster(&["analyze", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{path:?}");
        let line = stderr_line(&out);
        assert!(line.contains(expect), "{path:?}: {line}");
        assert!(
            line.contains(path.file_name().unwrap().to_str().unwrap()),
            "{line}"
        );
    }
    let usage = mixmaster(&["analyze"]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn nan_samples_are_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("nan.wav");
    write_wav(&wav, 2.0, |i| if i == 4800 { f32::NAN } else { 0.1 });
    let out = mixmaster(&["analyze", "--json", wav.to_str().unwrap()]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Both channels carry the NaN at 0.1 s.
    assert_eq!(json["non_finite_samples"], 2);
    assert!((json["first_non_finite_s"].as_f64().unwrap() - 0.1).abs() < 1e-6);
}

#[test]
fn master_refuses_to_overwrite_and_leaves_nothing_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let mix = dir.path().join("mix.wav");
    write_wav(&mix, 3.0, |i| {
        0.3 * (std::f32::consts::TAU * 220.0 * i as f32 / 48_000.0).sin()
    });
    // Writing over the input is refused even with --force.
    let out = mixmaster(&[
        "master",
        mix.to_str().unwrap(),
        "-o",
        mix.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).contains("input"));
    // An unknown target is a usage error, and nothing is written.
    let out = mixmaster(&["master", mix.to_str().unwrap(), "--target", "wax-cylinder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).contains("unknown target"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
