//! [`Eq`]: a minimum-phase parametric EQ of any number of bands, built from
//! RBJ biquads and Butterworth cascades, with click-free parameter changes.

use crate::processor::{ProcessSpec, Processor};
use crate::smooth::LinearSmoother;
use crate::units::ms_to_samples;

use super::biquad::{BiquadCoeffs, FilterType};
use super::butterworth;
use super::cascade::{Cascade, MAX_SECTIONS};
use super::section_block::{self, GROUP, PairState, section};

/// What a band does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BandShape {
    /// One RBJ cookbook section (`q` and `gain_db` as the cookbook defines them).
    Biquad(FilterType),
    /// Butterworth low pass, order 1–8 (6–48 dB/oct); `q` and `gain_db` unused.
    ButterworthLowPass(u8),
    /// Butterworth high pass, order 1–8 (6–48 dB/oct); `q` and `gain_db` unused.
    ButterworthHighPass(u8),
}

/// One EQ band. Frequencies in Hz, gain in dB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EqBand {
    /// Filter shape.
    pub shape: BandShape,
    /// Centre / corner / cutoff frequency in Hz.
    pub freq_hz: f64,
    /// Quality factor (bandwidth of bells, resonance of 2nd-order passes, shelf slope).
    pub q: f64,
    /// Gain in dB for bells and shelves.
    pub gain_db: f64,
    /// A disabled band is faded out and then bypassed.
    pub enabled: bool,
}

impl Default for EqBand {
    /// A neutral 1 kHz bell (0 dB, Q 0.707), enabled.
    fn default() -> Self {
        Self {
            shape: BandShape::Biquad(FilterType::Peak),
            freq_hz: 1000.0,
            q: std::f64::consts::FRAC_1_SQRT_2,
            gain_db: 0.0,
            enabled: true,
        }
    }
}

impl EqBand {
    /// A band of `shape` at `freq_hz`, `q`, `gain_db`, enabled.
    pub fn new(shape: BandShape, freq_hz: f64, q: f64, gain_db: f64) -> Self {
        Self {
            shape,
            freq_hz,
            q,
            gain_db,
            enabled: true,
        }
    }

    /// The band's sections at `sample_rate`.
    pub fn design(&self, sample_rate: f64) -> Cascade {
        design(self.shape, self.freq_hz, self.q, self.gain_db, sample_rate)
    }

    /// The band's analytic magnitude in dB at `freq_hz` (0 dB when disabled).
    pub fn magnitude_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        if self.enabled {
            self.design(sample_rate).magnitude_db(freq_hz, sample_rate)
        } else {
            0.0
        }
    }
}

fn design(shape: BandShape, freq_hz: f64, q: f64, gain_db: f64, sample_rate: f64) -> Cascade {
    match shape {
        BandShape::Biquad(kind) => {
            Cascade::single(BiquadCoeffs::design(kind, freq_hz, q, gain_db, sample_rate))
        }
        BandShape::ButterworthLowPass(order) => butterworth::lowpass(order, freq_hz, sample_rate),
        BandShape::ButterworthHighPass(order) => butterworth::highpass(order, freq_hz, sample_rate),
    }
}

/// EQ settings: the bands, applied in series in list order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EqParams {
    /// The bands (empty = a wire).
    pub bands: Vec<EqBand>,
}

impl EqParams {
    /// The analytic magnitude of the whole EQ in dB at `freq_hz`.
    pub fn magnitude_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        self.bands
            .iter()
            .map(|b| b.magnitude_db(freq_hz, sample_rate))
            .sum()
    }
}

/// Ramp time for frequency, Q, gain and enable changes. 20 ms is long enough
/// that a 12 dB bell move does not click and short enough to feel immediate.
const RAMP_MS: f64 = 20.0;
/// While ramping, coefficients are recomputed every this many samples: the
/// parameter steps between updates are then far below audibility, and the
/// trigonometry costs ~1/16 of a per-sample recompute.
const UPDATE_INTERVAL: usize = 16;

/// Live state of one band.
#[derive(Debug, Clone)]
struct BandVoice {
    shape: BandShape,
    /// ln(freq), smoothed in the log domain so sweeps are even per octave.
    log_freq: LinearSmoother,
    /// ln(q), smoothed in the log domain.
    log_q: LinearSmoother,
    gain_db: LinearSmoother,
    /// Wet amount 0..1 used to fade the band in and out when enabled changes.
    mix: LinearSmoother,
    coeffs: Cascade,
    /// True when the settled design is exactly a wire (a bell or shelf at
    /// 0 dB): the fast path skips the band.
    identity: bool,
    /// Section memories per channel pair: channel `ch` is lane `ch % 2` of
    /// `states[ch / 2]`.
    states: Vec<[PairState; MAX_SECTIONS]>,
}

impl BandVoice {
    fn new(band: &EqBand, sample_rate: f64, channels: usize, ramp: usize, fade_in: bool) -> Self {
        let start_mix = if fade_in || !band.enabled { 0.0 } else { 1.0 };
        let mut mix = LinearSmoother::new(start_mix, ramp);
        mix.set_target(if band.enabled { 1.0 } else { 0.0 });
        Self {
            shape: band.shape,
            log_freq: LinearSmoother::new(band.freq_hz.max(1e-3).ln(), ramp),
            log_q: LinearSmoother::new(band.q.max(1e-3).ln(), ramp),
            gain_db: LinearSmoother::new(band.gain_db, ramp),
            mix,
            coeffs: band.design(sample_rate),
            identity: is_wire(band.shape, band.gain_db),
            states: vec![[PairState::default(); MAX_SECTIONS]; channels.div_ceil(2)],
        }
    }

    fn set_target(&mut self, band: &EqBand, sample_rate: f64) {
        self.log_freq.set_target(band.freq_hz.max(1e-3).ln());
        self.log_q.set_target(band.q.max(1e-3).ln());
        self.gain_db.set_target(band.gain_db);
        self.mix.set_target(if band.enabled { 1.0 } else { 0.0 });
        if band.shape != self.shape {
            // A change of shape is an edit, not automation: it is applied at
            // once (there is no meaningful path between, say, a shelf and a pass).
            self.shape = band.shape;
            self.redesign(sample_rate);
        }
    }

    fn redesign(&mut self, sample_rate: f64) {
        self.coeffs = design(
            self.shape,
            self.log_freq.value().exp(),
            self.log_q.value().exp(),
            self.gain_db.value(),
            sample_rate,
        );
        self.identity = !self.is_ramping() && is_wire(self.shape, self.gain_db.value());
    }

    fn is_ramping(&self) -> bool {
        self.log_freq.is_ramping() || self.log_q.is_ramping() || self.gain_db.is_ramping()
    }

    /// Fully off and idle: skip the work.
    fn is_bypassed(&self) -> bool {
        !self.mix.is_ramping() && self.mix.value() == 0.0
    }

    /// Nothing moving: fixed coefficients and fully wet or fully off.
    fn is_settled(&self) -> bool {
        !self.is_ramping() && !self.mix.is_ramping()
    }

    fn reset(&mut self) {
        self.states
            .iter_mut()
            .for_each(|p| *p = [PairState::default(); MAX_SECTIONS]);
    }

    /// Filter `len` samples of channel `ch` from `start`, cross-fading from
    /// dry by `mix` when `fading`.
    fn run_channel(&mut self, ch: usize, buf: &mut [f32], mix: &[f64], fading: bool) {
        let lane = ch % 2;
        let states = &mut self.states[ch / 2];
        let sections = self.coeffs.sections();
        for (x, m) in buf.iter_mut().zip(mix) {
            let dry = f64::from(*x);
            let mut wet = dry;
            for (c, st) in sections.iter().zip(states.iter_mut()) {
                wet = section(c, &mut st.s1[lane], &mut st.s2[lane], wet);
            }
            let y = if fading { dry + m * (wet - dry) } else { wet };
            *x = y as f32;
        }
    }
}

/// Up to [`GROUP`] sections gathered from the bands for one kernel call,
/// with where each one's memories came from (band index, section index).
struct Group {
    coeffs: [BiquadCoeffs; GROUP],
    states: [PairState; GROUP],
    from: [(usize, usize); GROUP],
    len: usize,
}

impl Default for Group {
    fn default() -> Self {
        Self {
            coeffs: [BiquadCoeffs::IDENTITY; GROUP],
            states: [PairState::default(); GROUP],
            from: [(0, 0); GROUP],
            len: 0,
        }
    }
}

impl Group {
    fn push(&mut self, coeffs: BiquadCoeffs, state: PairState, from: (usize, usize)) {
        self.coeffs[self.len] = coeffs;
        self.states[self.len] = state;
        self.from[self.len] = from;
        self.len += 1;
    }

    /// Run the gathered sections, store their memories back, and empty.
    fn run(
        &mut self,
        voices: &mut [BandVoice],
        pair: usize,
        kernel: &mut impl FnMut(&[BiquadCoeffs], &mut [PairState]),
    ) {
        let n = self.len;
        kernel(&self.coeffs[..n], &mut self.states[..n]);
        for (&(v, k), st) in self.from[..n].iter().zip(&self.states) {
            voices[v].states[pair][k] = *st;
        }
        self.len = 0;
    }
}

/// A bell or shelf at exactly 0 dB is `H(z) = 1` (its numerator equals its
/// denominator), so running it only adds rounding.
fn is_wire(shape: BandShape, gain_db: f64) -> bool {
    matches!(
        shape,
        BandShape::Biquad(FilterType::Peak | FilterType::LowShelf | FilterType::HighShelf)
    ) && gain_db == 0.0
}

/// A parametric EQ (minimum phase, zero latency) for any channel count.
///
/// Frequency, Q, gain and enable changes made between blocks ramp over 20 ms
/// (coefficients recomputed every 16 samples) so automation does not zipper or
/// click. Adding bands fades them in; removing a band from the list is
/// immediate, so disable it first for a click-free removal.
#[derive(Debug, Clone)]
pub struct Eq {
    params: EqParams,
    voices: Vec<BandVoice>,
    sample_rate: f64,
    channels: usize,
    ramp: usize,
}

impl Eq {
    /// An EQ with `params`; call [`Processor::prepare`] before processing.
    pub fn new(params: EqParams) -> Self {
        Self {
            params,
            voices: Vec::new(),
            sample_rate: 48_000.0,
            channels: 0,
            ramp: 0,
        }
    }

    /// The settings currently targeted.
    pub fn params(&self) -> &EqParams {
        &self.params
    }

    /// Change the settings; values ramp from the current ones. Allocates only
    /// when the number of bands grows.
    pub fn set_params(&mut self, params: EqParams) {
        let sr = self.sample_rate;
        self.voices.truncate(params.bands.len());
        for (voice, band) in self.voices.iter_mut().zip(&params.bands) {
            voice.set_target(band, sr);
        }
        for band in &params.bands[self.voices.len()..] {
            self.voices
                .push(BandVoice::new(band, sr, self.channels, self.ramp, true));
        }
        self.params = params;
    }

    /// The fast path: no band is moving, so every active section runs with
    /// fixed coefficients over the whole block, a channel pair at a time
    /// (see [`section_block`]).
    fn process_settled(&mut self, channels: &mut [&mut [f32]]) {
        let prepared = channels.len().min(self.channels);
        let mut pairs = channels[..prepared].chunks_exact_mut(2);
        for (pair, chs) in pairs.by_ref().enumerate() {
            let [left, right] = chs else { continue };
            self.run_groups(pair, |c, s| section_block::process_pair(c, s, left, right));
        }
        if let [mono] = pairs.into_remainder() {
            let pair = prepared / 2;
            self.run_groups(pair, |c, s| section_block::process_single(c, s, mono));
        }
    }

    /// Gather the active sections of channel pair `pair` into groups of at
    /// most [`GROUP`], run `kernel` on each group in band order, and store the
    /// memories back. Wire bands are skipped (and cleared, so they restart
    /// clean if they start moving).
    fn run_groups(
        &mut self,
        pair: usize,
        mut kernel: impl FnMut(&[BiquadCoeffs], &mut [PairState]),
    ) {
        let mut group = Group::default();
        for v in 0..self.voices.len() {
            let voice = &mut self.voices[v];
            if voice.is_bypassed() || voice.identity {
                voice.states[pair] = [PairState::default(); MAX_SECTIONS];
                continue;
            }
            for k in 0..voice.coeffs.sections().len() {
                if group.len == GROUP {
                    group.run(&mut self.voices, pair, &mut kernel);
                }
                let voice = &self.voices[v];
                group.push(voice.coeffs.sections()[k], voice.states[pair][k], (v, k));
            }
        }
        group.run(&mut self.voices, pair, &mut kernel);
    }

    /// The general path while any band ramps or fades: coefficients are
    /// redesigned every [`UPDATE_INTERVAL`] samples.
    fn process_moving(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        let sr = self.sample_rate;
        let mut start = 0;
        while start < frames {
            let len = UPDATE_INTERVAL.min(frames - start);
            for voice in &mut self.voices {
                if voice.is_bypassed() {
                    continue;
                }
                if voice.is_ramping() {
                    for _ in 0..len {
                        voice.log_freq.next_value();
                        voice.log_q.next_value();
                        voice.gain_db.next_value();
                    }
                    voice.redesign(sr);
                }
                let mut mix = [1.0f64; UPDATE_INTERVAL];
                for m in &mut mix[..len] {
                    *m = voice.mix.next_value();
                }
                let fading = mix[..len].iter().any(|&m| m != 1.0);
                for (ch, buf) in channels.iter_mut().enumerate().take(voice.states.len() * 2) {
                    voice.run_channel(ch, &mut buf[start..start + len], &mix[..len], fading);
                }
                if voice.is_bypassed() {
                    voice.reset();
                }
            }
            start += len;
        }
    }

    fn build_voices(&mut self) {
        self.voices = self
            .params
            .bands
            .iter()
            .map(|b| BandVoice::new(b, self.sample_rate, self.channels, self.ramp, false))
            .collect();
    }
}

impl Processor for Eq {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.sample_rate = spec.sample_rate;
        self.channels = spec.channels;
        self.ramp = ms_to_samples(RAMP_MS, spec.sample_rate).max(1);
        self.build_voices();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        if self.voices.iter().all(BandVoice::is_settled) {
            self.process_settled(channels);
        } else {
            self.process_moving(channels);
        }
    }

    fn reset(&mut self) {
        self.voices.iter_mut().for_each(BandVoice::reset);
    }
}
