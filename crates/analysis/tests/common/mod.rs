//! Signal generators shared by the integration tests. Every signal is synthesised
//! here; no test reads a file.
#![allow(dead_code)] // each test binary uses a different subset

use std::f64::consts::PI;

use mixmaster_analysis::{Analysis, analyze};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The rate of the EBU Tech 3341/3342 reference signals.
pub const FS: u32 = 48_000;

/// Linear amplitude of a dBFS peak level.
pub fn amp(dbfs: f64) -> f64 {
    10f64.powf(dbfs / 20.0)
}

/// A phase-continuous sine of `freq` Hz whose peak amplitude steps through
/// `segments` of (level dBFS, seconds) — the shape of the EBU test sequences.
pub fn sine_sequence(freq: f64, segments: &[(f64, f64)], fs: u32) -> Vec<f32> {
    let mut out = Vec::new();
    for &(dbfs, secs) in segments {
        let a = amp(dbfs);
        let len = (secs * f64::from(fs)).round() as usize;
        let start = out.len();
        out.extend(
            (start..start + len)
                .map(|n| (a * (2.0 * PI * freq * n as f64 / f64::from(fs)).sin()) as f32),
        );
    }
    out
}

/// A constant sine.
pub fn sine(freq: f64, dbfs: f64, secs: f64, fs: u32) -> Vec<f32> {
    sine_sequence(freq, &[(dbfs, secs)], fs)
}

/// Uniform white noise of peak amplitude `peak`, reproducible from `seed`.
pub fn noise(len: usize, peak: f32, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-peak..peak)).collect()
}

/// Analyses the same signal in both channels of a stereo programme.
pub fn analyze_dual(x: &[f32], fs: u32) -> Analysis {
    analyze(&[x, x], fs).expect("analysis")
}

/// Asserts |measured − expected| ≤ tol, naming the quantity.
#[track_caller]
pub fn assert_near(what: &str, measured: f64, expected: f64, tol: f64) {
    eprintln!("{what}: measured {measured:.4} (expected {expected} ± {tol})");
    assert!(
        (measured - expected).abs() <= tol,
        "{what}: measured {measured:.4}, expected {expected} ± {tol}"
    );
}
