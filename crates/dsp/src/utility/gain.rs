//! [`Gain`]: a level change in dB whose changes ramp linearly (in amplitude)
//! over 20 ms so automation and edits never click.

use crate::processor::{ProcessSpec, Processor};
use crate::smooth::LinearSmoother;
use crate::units::{db_to_gain, ms_to_samples};

/// Ramp length of gain changes, ms.
pub const GAIN_RAMP_MS: f64 = 20.0;

/// Gain settings.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GainParams {
    /// Level change in dB (0 = unity; non-finite values are treated as 0).
    pub gain_db: f64,
}

/// A ramped gain for any channel count.
#[derive(Debug, Clone)]
pub struct Gain {
    params: GainParams,
    gain: LinearSmoother,
}

fn linear(p: GainParams) -> f64 {
    if p.gain_db.is_finite() {
        db_to_gain(p.gain_db)
    } else {
        1.0
    }
}

impl Gain {
    /// A gain stage with `params`.
    pub fn new(params: GainParams) -> Self {
        Self {
            params,
            gain: LinearSmoother::new(linear(params), 0),
        }
    }

    /// Change the level; ramps over [`GAIN_RAMP_MS`].
    pub fn set_params(&mut self, params: GainParams) {
        self.params = params;
        self.gain.set_target(linear(params));
    }

    /// Number of samples a change takes at the prepared rate.
    pub fn ramp_len(&self, sample_rate: f64) -> usize {
        ms_to_samples(GAIN_RAMP_MS, sample_rate).max(1)
    }
}

impl Processor for Gain {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.gain = LinearSmoother::new(linear(self.params), self.ramp_len(spec.sample_rate));
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        if !self.gain.is_ramping() {
            let g = self.gain.value();
            for ch in channels.iter_mut() {
                ch.iter_mut().for_each(|x| *x = (f64::from(*x) * g) as f32);
            }
            return;
        }
        for i in 0..frames {
            let g = self.gain.next_value();
            for ch in channels.iter_mut() {
                ch[i] = (f64::from(ch[i]) * g) as f32;
            }
        }
    }

    fn reset(&mut self) {
        let t = self.gain.target();
        self.gain.set_immediate(t);
    }
}
