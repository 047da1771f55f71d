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
        // Minimum and maximum are exact in any order, so lane-wise partial
        // extremes (which vectorise) give the same answer as a serial scan.
        const LANES: usize = 8;
        for ch in piece {
            let mut lo = [self.min; LANES];
            let mut hi = [self.max; LANES];
            let chunks = ch.chunks_exact(LANES);
            for &x in chunks.remainder() {
                lo[0] = lo[0].min(x);
                hi[0] = hi[0].max(x);
            }
            for chunk in chunks {
                for ((l, h), &x) in lo.iter_mut().zip(&mut hi).zip(chunk) {
                    *l = if x < *l { x } else { *l };
                    *h = if x > *h { x } else { *h };
                }
            }
            self.min = lo.into_iter().fold(self.min, f32::min);
            self.max = hi.into_iter().fold(self.max, f32::max);
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
