//! EBU Tech 3342 loudness-range cases 1–4: stereo 1 kHz sines at 48 kHz stepping
//! between levels (dBFS peak per channel) in 20 s segments. LRA is the spread
//! between the 10th and 95th percentiles of gated short-term loudness, so each
//! expected value is close to the level difference; tolerance ±1 LU.
//! Cases 5 and 6 are authentic programme files and are not synthesised.

mod common;

use common::{FS, analyze_dual, assert_near, sine_sequence};

fn lra(levels: &[f64]) -> f64 {
    let segments: Vec<(f64, f64)> = levels.iter().map(|&l| (l, 20.0)).collect();
    analyze_dual(&sine_sequence(1000.0, &segments, FS), FS)
        .loudness_range_lu
        .expect("LRA")
}

/// Case 1: 20 s at −20 dBFS, then 20 s at −30 dBFS → LRA 10 LU.
#[test]
fn case1_minus20_minus30() {
    assert_near("LRA", lra(&[-20.0, -30.0]), 10.0, 1.0);
}

/// Case 2: 20 s at −20 dBFS, then 20 s at −15 dBFS → LRA 5 LU.
#[test]
fn case2_minus20_minus15() {
    assert_near("LRA", lra(&[-20.0, -15.0]), 5.0, 1.0);
}

/// Case 3: 20 s at −40 dBFS, then 20 s at −20 dBFS → LRA 20 LU (the −40 part is
/// exactly at the −20 LU relative gate and still counts).
#[test]
fn case3_minus40_minus20() {
    assert_near("LRA", lra(&[-40.0, -20.0]), 20.0, 1.0);
}

/// Case 4: 20 s each at −50, −35, −20, −35, −50 dBFS → LRA 15 LU (the −50 parts fall
/// below the relative gate).
#[test]
fn case4_five_levels() {
    assert_near("LRA", lra(&[-50.0, -35.0, -20.0, -35.0, -50.0]), 15.0, 1.0);
}
