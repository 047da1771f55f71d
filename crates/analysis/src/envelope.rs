//! Peak envelope: the lowest and highest sample of any channel in every 100 ms
//! hop — what a waveform overview draws. Hand-written: a running min and max.

/// Streaming min/max per hop.
pub struct EnvelopeMeter {
    min: f32,
    max: f32,
    series: Vec<[f32; 2]>,
}

impl EnvelopeMeter {
    pub fn new() -> Self {
        Self {
            min: 0.0,
            max: 0.0,
            series: Vec::new(),
        }
    }

    /// Feeds finite samples lying within one hop.
    pub fn add(&mut self, piece: &[&[f32]]) {
        for ch in piece {
            for &x in ch.iter() {
                self.min = self.min.min(x);
                self.max = self.max.max(x);
            }
        }
    }

    /// Closes a hop.
    pub fn hop(&mut self) {
        self.series.push([self.min, self.max]);
        self.min = 0.0;
        self.max = 0.0;
    }

    /// One `[min, max]` per completed hop.
    pub fn finish(self) -> Vec<[f32; 2]> {
        self.series
    }
}
