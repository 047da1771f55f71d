//! In-memory planar audio: one `Vec<f32>` per channel plus the sample rate.

/// Planar `f32` audio, full scale = ±1.0, with its sample rate in Hz.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioBuffer {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// One vector per channel; all have the same length (frames).
    pub channels: Vec<Vec<f32>>,
}

impl AudioBuffer {
    /// A buffer of `channels` channels, each holding `frames` zero samples.
    pub fn new(sample_rate: u32, channels: usize, frames: usize) -> Self {
        Self {
            sample_rate,
            channels: vec![vec![0.0; frames]; channels],
        }
    }

    /// Number of frames (samples per channel); 0 for a buffer with no channels.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Number of channels.
    pub fn num_channels(&self) -> usize {
        self.channels.len()
    }

    /// Duration in seconds (0 when the sample rate is 0).
    pub fn duration_s(&self) -> f64 {
        if self.sample_rate == 0 {
            0.0
        } else {
            self.frames() as f64 / f64::from(self.sample_rate)
        }
    }

    /// Borrowed channel slices, the shape the writers and processors take.
    pub fn slices(&self) -> Vec<&[f32]> {
        self.channels.iter().map(Vec::as_slice).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_duration() {
        let b = AudioBuffer::new(48_000, 2, 24_000);
        assert_eq!(b.frames(), 24_000);
        assert_eq!(b.num_channels(), 2);
        assert!((b.duration_s() - 0.5).abs() < 1e-12);
        assert_eq!(b.slices()[1].len(), 24_000);
        assert_eq!(AudioBuffer::new(0, 0, 0).duration_s(), 0.0);
    }
}
