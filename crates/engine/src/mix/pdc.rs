//! Plugin-delay compensation: a fixed integer delay per signal path.
//!
//! Hand-written: an integer ring buffer is a few lines, and the DSP crate's
//! `DelayLine` works per sample in f64 with fractional reads we do not need.

/// Delays a stereo signal by a fixed number of frames.
#[derive(Debug, Clone)]
pub struct PathDelay {
    delay: usize,
    rings: [Vec<f32>; 2],
    pos: usize,
}

impl PathDelay {
    /// A delay of `delay` frames (0 = a wire).
    pub fn new(delay: usize) -> Self {
        Self {
            delay,
            rings: [vec![0.0; delay], vec![0.0; delay]],
            pos: 0,
        }
    }

    /// The delay in frames.
    pub fn delay(&self) -> usize {
        self.delay
    }

    /// Delays `block[c][..n]` in place.
    pub fn process(&mut self, block: &mut [Vec<f32>; 2], n: usize) {
        if self.delay == 0 {
            return;
        }
        let mut pos = self.pos;
        for (ch, ring) in block.iter_mut().zip(self.rings.iter_mut()) {
            pos = self.pos;
            for x in &mut ch[..n] {
                std::mem::swap(x, &mut ring[pos]);
                pos += 1;
                if pos == self.delay {
                    pos = 0;
                }
            }
        }
        self.pos = pos;
    }
}
