//! RMS and DC offset: plain per-channel sums, accumulated in f64 so a long file's
//! millions of squares keep full precision.

/// Running per-channel sums of x and x².
pub struct Levels {
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
    frames: u64,
}

impl Levels {
    pub fn new(channels: usize) -> Self {
        Self {
            sum: vec![0.0; channels],
            sum_sq: vec![0.0; channels],
            frames: 0,
        }
    }

    pub fn add(&mut self, block: &[&[f32]]) {
        for ((ch, sum), sum_sq) in block.iter().zip(&mut self.sum).zip(&mut self.sum_sq) {
            for &x in ch.iter() {
                let x = f64::from(x);
                *sum += x;
                *sum_sq += x * x;
            }
        }
        self.frames += block.first().map_or(0, |c| c.len() as u64);
    }

    /// Mean of each channel (fraction of full scale).
    pub fn dc_offset(&self) -> Vec<f64> {
        let n = self.frames.max(1) as f64;
        self.sum.iter().map(|s| s / n).collect()
    }

    /// RMS over every sample of every channel, in dBFS (−∞ for silence).
    pub fn rms_dbfs(&self) -> f64 {
        let n = (self.frames * self.sum_sq.len() as u64).max(1) as f64;
        10.0 * (self.sum_sq.iter().sum::<f64>() / n).log10()
    }
}
