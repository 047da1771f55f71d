//! What the io benches share: a music-like test signal and a scratch folder
//! in memory.

use std::path::PathBuf;

/// Sample rate of the bench signals, Hz.
pub const RATE: u32 = 44_100;

/// `frames` of a music-like stereo signal: two tones and noise peaking near
/// −3 dBFS, so every bit of the 16- and 24-bit words varies as in real
/// recordings.
pub fn music(frames: usize) -> [Vec<f32>; 2] {
    let mut seed = 0x1234_5678u32;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as f32 / u32::MAX as f32 - 0.5
    };
    let mut make = |f: f32| -> Vec<f32> {
        (0..frames)
            .map(|i| {
                let t = i as f32 / RATE as f32;
                0.4 * (std::f32::consts::TAU * f * t).sin()
                    + 0.2 * (std::f32::consts::TAU * 3.1 * f * t).sin()
                    + 0.15 * noise()
            })
            .collect()
    };
    [make(220.0), make(331.0)]
}

/// A temporary folder in `/dev/shm` when it exists, so the figures are the
/// codec's, not the disk's.
pub fn scratch_dir() -> tempfile::TempDir {
    let shm = PathBuf::from("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm).expect("temp dir in /dev/shm")
    } else {
        tempfile::tempdir().expect("temp dir")
    }
}
