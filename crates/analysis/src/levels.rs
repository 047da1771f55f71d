//! RMS and DC offset: plain per-channel sums, accumulated in f64 so a long file's
//! millions of squares keep full precision.

use crate::lanes::LaneSums;

/// Running per-channel sums of x (sum 0) and x² (sum 1).
pub struct Levels {
    sums: Vec<LaneSums<2>>,
    frames: u64,
}

impl Levels {
    pub fn new(channels: usize) -> Self {
        Self {
            sums: vec![LaneSums::default(); channels],
            frames: 0,
        }
    }

    pub fn add(&mut self, block: &[&[f32]]) {
        for (ch, sums) in block.iter().zip(&mut self.sums) {
            sums.add(self.frames, ch.len(), |i| {
                let x = f64::from(ch[i]);
                [x, x * x]
            });
        }
        self.frames += block.first().map_or(0, |c| c.len() as u64);
    }

    /// Mean of each channel (fraction of full scale).
    pub fn dc_offset(&self) -> Vec<f64> {
        let n = self.frames.max(1) as f64;
        self.sums.iter().map(|s| s.get(0) / n).collect()
    }

    /// RMS over every sample of every channel, in dBFS (−∞ for silence).
    pub fn rms_dbfs(&self) -> f64 {
        let n = (self.frames * self.sums.len() as u64).max(1) as f64;
        10.0 * (self.sums.iter().map(|s| s.get(1)).sum::<f64>() / n).log10()
    }
}
