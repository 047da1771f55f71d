//! Clipping detector: runs of consecutive samples stuck at full scale.
//!
//! Hand-written (no crate does it). A run is at least [`MIN_RUN`] consecutive samples
//! of one channel, all of one sign, with |x| ≥ [`CLIP_LEVEL`]. Requiring a run rather
//! than a single sample keeps legitimately normalised peaks from counting; requiring
//! one sign keeps a full-scale square wave at Nyquist from counting as one long run.

/// The largest positive 16-bit code, 32767/32768 (−0.00027 dBFS). A clipped 16-bit
/// file sits exactly here on its positive side, so a stricter level such as
/// 1 − 1e-6 would miss every positive clip in 16-bit material.
pub const CLIP_LEVEL: f32 = 32767.0 / 32768.0;

/// Shortest run that counts as clipping.
pub const MIN_RUN: u64 = 3;

/// Per-channel run state.
#[derive(Clone, Copy, Default)]
struct Run {
    len: u64,
    positive: bool,
}

/// Counts clipped runs and the samples in them, across block boundaries.
pub struct ClipDetector {
    runs: Vec<Run>,
    pub clipped_runs: u64,
    pub clipped_samples: u64,
}

impl ClipDetector {
    pub fn new(channels: usize) -> Self {
        Self {
            runs: vec![Run::default(); channels],
            clipped_runs: 0,
            clipped_samples: 0,
        }
    }

    pub fn add(&mut self, block: &[&[f32]]) {
        for (ch, run) in block.iter().zip(self.runs.iter_mut()) {
            // No open run and nothing at full scale: nothing to count. (The
            // common case, checked lane-wise so that it vectorises.)
            if run.len == 0 && !reaches_clip_level(ch) {
                continue;
            }
            for &x in ch.iter() {
                let clipped = x.abs() >= CLIP_LEVEL;
                let positive = x > 0.0;
                if clipped && run.len > 0 && run.positive == positive {
                    run.len += 1;
                } else {
                    Self::close(run, &mut self.clipped_runs, &mut self.clipped_samples);
                    if clipped {
                        *run = Run { len: 1, positive };
                    }
                }
            }
        }
    }

    /// Closes runs still open at the end of the file.
    pub fn finish(&mut self) {
        for run in &mut self.runs {
            Self::close(run, &mut self.clipped_runs, &mut self.clipped_samples);
        }
    }

    fn close(run: &mut Run, runs: &mut u64, samples: &mut u64) {
        if run.len >= MIN_RUN {
            *runs += 1;
            *samples += run.len;
        }
        run.len = 0;
    }
}

/// Whether any sample of `samples` has |x| ≥ [`CLIP_LEVEL`] (lane-wise
/// maxima of |x|, which vectorise; compared once at the end).
fn reaches_clip_level(samples: &[f32]) -> bool {
    const LANES: usize = 8;
    let chunks = samples.chunks_exact(LANES);
    let mut peak = [0.0f32; LANES];
    for (p, x) in peak.iter_mut().zip(chunks.remainder()) {
        *p = x.abs();
    }
    for chunk in chunks {
        for (p, x) in peak.iter_mut().zip(chunk) {
            let a = x.abs();
            *p = if a > *p { a } else { *p };
        }
    }
    peak.iter().any(|&p| p >= CLIP_LEVEL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(signal: &[f32]) -> (u64, u64) {
        let mut d = ClipDetector::new(1);
        d.add(&[signal]);
        d.finish();
        (d.clipped_runs, d.clipped_samples)
    }

    #[test]
    fn run_length_and_sign_rules() {
        assert_eq!(count(&[1.0, 1.0]), (0, 0), "two samples are not a run");
        assert_eq!(count(&[1.0, 1.0, 1.0]), (1, 3));
        assert_eq!(
            count(&[CLIP_LEVEL; 4]),
            (1, 4),
            "16-bit positive full scale"
        );
        assert_eq!(count(&[0.9999, 0.9999, 0.9999]), (0, 0), "below full scale");
        assert_eq!(count(&[1.0, -1.0, 1.0, -1.0]), (0, 0), "alternating signs");
        assert_eq!(count(&[1.0, 1.0, 1.0, -1.0, -1.0, -1.0, 0.0]), (2, 6));
    }

    #[test]
    fn run_spanning_blocks_counts_once() {
        let mut d = ClipDetector::new(1);
        d.add(&[&[0.0, 1.0]]);
        d.add(&[&[1.0]]);
        d.add(&[&[1.0, 0.5]]);
        d.finish();
        assert_eq!((d.clipped_runs, d.clipped_samples), (1, 3));
    }
}
