//! Leading and trailing silence, to the sample.

/// Tracks the first and last frame in which any channel exceeds the threshold.
pub struct SilenceDetector {
    threshold: f32,
    frames: u64,
    first_loud: Option<u64>,
    last_loud: u64,
}

impl SilenceDetector {
    /// `threshold_dbfs`: sample-peak level at or below which a frame is silent.
    pub fn new(threshold_dbfs: f64) -> Self {
        Self {
            threshold: 10f64.powf(threshold_dbfs / 20.0) as f32,
            frames: 0,
            first_loud: None,
            last_loud: 0,
        }
    }

    pub fn add(&mut self, block: &[&[f32]]) {
        let len = block.first().map_or(0, |c| c.len());
        let threshold = self.threshold;
        let loud = |i: &usize| block.iter().any(|c| c[*i].abs() > threshold);
        if let Some(last) = (0..len).rev().find(loud) {
            if self.first_loud.is_none() {
                let first = (0..=last).find(loud).unwrap_or(last);
                self.first_loud = Some(self.frames + first as u64);
            }
            self.last_loud = self.frames + last as u64;
        }
        self.frames += len as u64;
    }

    /// (leading, trailing) silence in frames.
    pub fn silent_frames(&self) -> (u64, u64) {
        match self.first_loud {
            Some(first) => (first, self.frames - 1 - self.last_loud),
            None => (self.frames, self.frames),
        }
    }
}
