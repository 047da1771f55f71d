//! A mix cut short of the length its header declares is mastered and
//! analysed as far as it goes, with one warning naming the file and both
//! lengths.

use std::path::{Path, PathBuf};

use mixmaster::NoProgress;
use mixmaster::analyze::analyze_file;
use mixmaster::master::targets::Target;
use mixmaster::master::{MasterRequest, master};
use mixmaster_io::{AudioBuffer, EncodeSpec, FileFormat, SampleFormat, WriteOptions, read_audio};

const RATE: u32 = 44_100;
/// 3 s declared by the header.
const DECLARED: usize = 3 * RATE as usize;
/// 0.57 s left in the file.
const PRESENT: usize = 25_137;

/// A 3 s stereo float WAV of two tones, cut to its first 0.57 s by dropping
/// the tail bytes (the `data` chunk is last; 8 bytes a frame) while the
/// header still declares 3 s: a copy interrupted part-way.
fn write_cut_mix(dir: &Path) -> PathBuf {
    let tone = |f: f64| -> Vec<f32> {
        (0..DECLARED)
            .map(|i| (0.25 * (std::f64::consts::TAU * f * i as f64 / f64::from(RATE)).sin()) as f32)
            .collect()
    };
    let mix = AudioBuffer {
        sample_rate: RATE,
        channels: vec![tone(220.0), tone(330.0)],
    };
    let path = dir.join("song.wav");
    let spec = EncodeSpec {
        format: FileFormat::Wav,
        sample_format: SampleFormat::Float32,
    };
    mixmaster_io::write_audio(&path, &mix, spec, &WriteOptions::default()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let keep = bytes.len() - (DECLARED - PRESENT) * 8;
    std::fs::write(&path, &bytes[..keep]).unwrap();
    path
}

fn expected_warning(path: &Path) -> String {
    format!(
        "{}: truncated: the header declares 3.00 s, 0.57 s present; processed what is there",
        path.display()
    )
}

#[test]
fn analyze_warns_of_a_cut_file_and_measures_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_cut_mix(dir.path());
    let a = analyze_file(&path, &mut NoProgress).unwrap();
    assert_eq!(a.warnings, vec![expected_warning(&path)]);
    let present_s = PRESENT as f64 / f64::from(RATE);
    assert!(
        (a.analysis.duration_s - present_s).abs() < 1e-6,
        "{} s measured",
        a.analysis.duration_s
    );
}

#[test]
fn master_delivers_a_cut_mix_with_one_warning_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_cut_mix(dir.path());
    let out = dir.path().join("master.wav");
    let request = MasterRequest::new(
        path.clone(),
        vec![(Target::preset("spotify").unwrap(), out.clone())],
    );
    let report = master(&request, &mut NoProgress).unwrap();
    assert_eq!(report.warnings, vec![expected_warning(&path)]);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["warnings"][0], expected_warning(&path));
    // What was there was mastered: 0.57 s out, not 3 s (nor nothing).
    let delivered = read_audio(&out).unwrap().frames();
    assert!(
        delivered.abs_diff(PRESENT) < RATE as usize / 10,
        "{delivered} frames delivered"
    );
}
