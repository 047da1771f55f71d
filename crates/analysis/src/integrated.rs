//! A lean integrated-loudness meter for loops that only need one number
//! (the mastering loudness search measures every candidate render with it):
//! the `ebur128` crate in `Mode::I` alone, without true peak or spectra.

use ebur128::{EbuR128, Mode};

use crate::Error;
use crate::loudness::{channel_map, finite};

/// BS.1770 integrated loudness of a stream, nothing else.
pub struct IntegratedLoudness {
    meter: EbuR128,
}

impl IntegratedLoudness {
    /// A meter for `channels` planar channels at `sample_rate` Hz.
    pub fn new(sample_rate: u32, channels: usize) -> Result<Self, Error> {
        if channels == 0 {
            return Err(Error::NoChannels);
        }
        let mut meter = EbuR128::new(channels as u32, sample_rate, Mode::I)?;
        meter.set_channel_map(&channel_map(channels))?;
        Ok(Self { meter })
    }

    /// Feeds one block (planar, equal lengths, finite samples).
    pub fn push(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        self.meter.add_frames_planar_f32(block)?;
        Ok(())
    }

    /// Integrated loudness so far, LUFS; `None` for silence.
    pub fn lufs(&self) -> Result<Option<f64>, Error> {
        Ok(finite(self.meter.loudness_global()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stereo_sine_at_minus_23_reads_minus_23() {
        let rate = 48_000;
        let amp = 10f32.powf(-23.0 / 20.0);
        let sine: Vec<f32> = (0..rate * 5)
            .map(|i| amp * (std::f32::consts::TAU * 1000.0 * i as f32 / rate as f32).sin())
            .collect();
        let mut m = IntegratedLoudness::new(rate as u32, 2).unwrap();
        m.push(&[&sine, &sine]).unwrap();
        let l = m.lufs().unwrap().unwrap();
        assert!((l + 23.0).abs() < 0.1, "{l}");
    }
}
