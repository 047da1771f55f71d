//! Helpers for the mix tests: stems written as float WAVs in a temp dir, a
//! session rendered to float so comparisons see the engine's arithmetic.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mixmaster::NoProgress;
use mixmaster::mix::{RenderOptions, RenderReport, render_file};
use mixmaster_io::{
    AudioBuffer, EncodeSpec, FileFormat, SampleFormat, WriteOptions, read_audio, write_audio,
};

pub const RATE: u32 = 48_000;

/// Deterministic white noise in ±amp (xorshift), so tests need no RNG crate.
pub fn noise(frames: usize, amp: f32, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..frames)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32 * amp
        })
        .collect()
}

pub fn sine(frames: usize, freq: f64, amp: f32) -> Vec<f32> {
    (0..frames)
        .map(|i| {
            (amp as f64 * (2.0 * std::f64::consts::PI * freq * i as f64 / RATE as f64).sin()) as f32
        })
        .collect()
}

pub fn write_stem(dir: &Path, name: &str, rate: u32, channels: Vec<Vec<f32>>) -> PathBuf {
    let path = dir.join(name);
    let buf = AudioBuffer {
        sample_rate: rate,
        channels,
    };
    let spec = EncodeSpec {
        format: FileFormat::Wav,
        sample_format: SampleFormat::Float32,
    };
    write_audio(&path, &buf, spec, &WriteOptions::default()).expect("write stem");
    path
}

/// Writes `toml` as `session.toml` in `dir` and renders it to float WAV.
pub fn render(
    dir: &Path,
    toml: &str,
    out: &str,
    stems: bool,
    threads: Option<usize>,
) -> (AudioBuffer, RenderReport) {
    let session = dir.join("session.toml");
    std::fs::write(&session, toml).expect("write session");
    let output = dir.join(out);
    let opts = RenderOptions {
        output: output.clone(),
        stems_dir: stems.then(|| dir.join("stems")),
        threads,
        sample_format: SampleFormat::Float32,
        force: true,
    };
    let report = render_file(&session, &opts, &mut NoProgress).expect("render");
    (read_audio(&output).expect("read mix"), report)
}

pub fn header() -> String {
    format!("[session]\nsample_rate = {RATE}\n")
}

pub fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

pub fn max_abs(x: &[f32]) -> f64 {
    x.iter().fold(0.0f64, |m, v| m.max(f64::from(*v).abs()))
}

/// Linear headroom gain the render applied.
pub fn headroom(report: &RenderReport) -> f64 {
    10f64.powf(report.headroom_gain_db / 20.0)
}
