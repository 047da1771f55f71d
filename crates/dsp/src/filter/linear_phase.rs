//! [`LinearPhaseEq`]: the same band list as [`Eq`](super::Eq), realised as a
//! symmetric FIR so every frequency is delayed equally (no phase shift, no
//! pre-echo asymmetry between bands — what mastering engineers reach for when
//! an EQ must not smear transients or disturb M/S phase).
//!
//! Design: the magnitude of the band list is sampled on a dense FFT grid with
//! zero phase, inverse-transformed, centred at `(taps−1)/2` and Blackman
//! windowed. Application: uniformly partitioned overlap-save convolution
//! (partition `B` = 256 samples, FFT 2B), which costs O(log B) per sample
//! whatever the FIR length. Written here because the convolution crates on
//! crates.io either allocate per call or lack the partitioned scheme; realfft
//! does the transforms.
//!
//! Latency: `B + (taps−1)/2` samples, constant whatever block sizes the host
//! uses (input is gathered into partitions in an internal FIFO).

use std::sync::Arc;

use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::num_complex::Complex64;

use crate::processor::{ProcessSpec, Processor};

use super::eq::EqParams;

/// Partition length of the convolution, in samples.
const PARTITION: usize = 256;
/// FIR duration the tap count is sized from: ≈170 ms resolves a 20 Hz shelf
/// (frequency resolution ≈ 3·fs/taps with a Blackman window ≈ 18 Hz at 48 kHz).
const FIR_SECONDS: f64 = 0.17;

/// Number of FIR taps (odd, 2^k − 1) for `sample_rate`.
fn taps_for(sample_rate: f64) -> usize {
    let n = (sample_rate * FIR_SECONDS).max(64.0) as usize;
    n.next_power_of_two() - 1
}

/// A linear-phase EQ for any channel count; see the module docs.
///
/// Parameter changes crossfade from the old FIR to the new one over one
/// partition (256 samples), computed from the same input spectra, so they do
/// not click. Designing a new FIR happens in [`set_params`](Self::set_params)
/// (it allocates and runs FFTs), never in `process`.
pub struct LinearPhaseEq {
    params: EqParams,
    sample_rate: f64,
    taps: usize,
    partitions: usize,
    fwd: Option<Arc<dyn RealToComplex<f64>>>,
    inv: Option<Arc<dyn ComplexToReal<f64>>>,
    /// Partitioned FIR spectra in use: `partitions × (B+1)` bins.
    active: Vec<Complex64>,
    /// Spectra being faded to during the next partition.
    next: Vec<Complex64>,
    /// Spectra designed while a fade was already queued.
    staged: Vec<Complex64>,
    fade_queued: bool,
    staged_ready: bool,
    channels: Vec<ChannelState>,
    /// Write position inside the current partition (shared by all channels).
    pos: usize,
    time_buf: Vec<f64>,
    spec_buf: Vec<Complex64>,
    acc: Vec<Complex64>,
    acc_next: Vec<Complex64>,
    out_next: Vec<f64>,
    scratch: Vec<Complex64>,
}

struct ChannelState {
    /// Last two partitions of input (overlap-save window), length 2B.
    input: Vec<f64>,
    /// Frequency-domain delay line: the last `partitions` input spectra.
    fdl: Vec<Complex64>,
    /// Slot of the newest spectrum in `fdl`.
    head: usize,
    /// Output of the previous partition, played out during this one.
    output: Vec<f64>,
}

impl std::fmt::Debug for LinearPhaseEq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinearPhaseEq")
            .field("params", &self.params)
            .field("taps", &self.taps)
            .finish_non_exhaustive()
    }
}

impl LinearPhaseEq {
    /// A linear-phase EQ with `params`; call [`Processor::prepare`] before use.
    pub fn new(params: EqParams) -> Self {
        Self {
            params,
            sample_rate: 48_000.0,
            taps: 0,
            partitions: 0,
            fwd: None,
            inv: None,
            active: Vec::new(),
            next: Vec::new(),
            staged: Vec::new(),
            fade_queued: false,
            staged_ready: false,
            channels: Vec::new(),
            pos: 0,
            time_buf: Vec::new(),
            spec_buf: Vec::new(),
            acc: Vec::new(),
            acc_next: Vec::new(),
            out_next: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The settings in use.
    pub fn params(&self) -> &EqParams {
        &self.params
    }

    /// Number of FIR taps at the prepared rate (odd).
    pub fn taps(&self) -> usize {
        self.taps
    }

    /// The designed FIR impulse response (length [`taps`](Self::taps)),
    /// symmetric about `(taps−1)/2`.
    pub fn impulse_response(&self) -> Vec<f64> {
        design_fir(&self.params, self.sample_rate, self.taps)
    }

    /// Change the settings: designs the new FIR now and crossfades to it over
    /// the next partition inside `process`.
    pub fn set_params(&mut self, params: EqParams) {
        self.params = params;
        if self.fwd.is_none() {
            return;
        }
        let mut spectra = std::mem::take(&mut self.staged);
        self.partition_spectra(&mut spectra);
        self.staged = spectra;
        if self.fade_queued {
            self.staged_ready = true;
        } else {
            std::mem::swap(&mut self.staged, &mut self.next);
            self.fade_queued = true;
        }
    }

    /// Fill `out` with the partitioned spectra of the current FIR.
    fn partition_spectra(&mut self, out: &mut Vec<Complex64>) {
        let Some(fwd) = self.fwd.clone() else {
            return;
        };
        let fir = design_fir(&self.params, self.sample_rate, self.taps);
        let bins = PARTITION + 1;
        out.clear();
        out.resize(self.partitions * bins, Complex64::default());
        for (p, chunk) in fir.chunks(PARTITION).enumerate() {
            self.time_buf.iter_mut().for_each(|v| *v = 0.0);
            self.time_buf[..chunk.len()].copy_from_slice(chunk);
            // Lengths are fixed at prepare time, so the transform cannot fail.
            let _ = fwd.process_with_scratch(
                &mut self.time_buf,
                &mut out[p * bins..(p + 1) * bins],
                &mut self.scratch,
            );
        }
    }

    /// Convolve one completed partition for every channel.
    fn run_partition(&mut self) {
        let (Some(fwd), Some(inv)) = (self.fwd.as_ref(), self.inv.as_ref()) else {
            return;
        };
        let bins = PARTITION + 1;
        let parts = self.partitions;
        let fading = self.fade_queued;
        let norm = 1.0 / (2 * PARTITION) as f64;
        for ch in &mut self.channels {
            self.time_buf.copy_from_slice(&ch.input);
            let _ =
                fwd.process_with_scratch(&mut self.time_buf, &mut self.spec_buf, &mut self.scratch);
            ch.head = (ch.head + parts - 1) % parts;
            ch.fdl[ch.head * bins..(ch.head + 1) * bins].copy_from_slice(&self.spec_buf);
            ch.input.copy_within(PARTITION.., 0);

            self.acc.iter_mut().for_each(|v| *v = Complex64::default());
            if fading {
                self.acc_next
                    .iter_mut()
                    .for_each(|v| *v = Complex64::default());
            }
            for p in 0..parts {
                let slot = (ch.head + p) % parts;
                let x = &ch.fdl[slot * bins..(slot + 1) * bins];
                let h = &self.active[p * bins..(p + 1) * bins];
                for ((a, xv), hv) in self.acc.iter_mut().zip(x).zip(h) {
                    *a += xv * hv;
                }
                if fading {
                    let h = &self.next[p * bins..(p + 1) * bins];
                    for ((a, xv), hv) in self.acc_next.iter_mut().zip(x).zip(h) {
                        *a += xv * hv;
                    }
                }
            }
            // A real signal's DC and Nyquist bins are real; clear rounding residue.
            self.acc[0].im = 0.0;
            self.acc[PARTITION].im = 0.0;
            let _ = inv.process_with_scratch(&mut self.acc, &mut self.time_buf, &mut self.scratch);
            for (o, v) in ch.output.iter_mut().zip(&self.time_buf[PARTITION..]) {
                *o = v * norm;
            }
            if fading {
                self.acc_next[0].im = 0.0;
                self.acc_next[PARTITION].im = 0.0;
                let _ = inv.process_with_scratch(
                    &mut self.acc_next,
                    &mut self.out_next,
                    &mut self.scratch,
                );
                for (i, (o, v)) in ch
                    .output
                    .iter_mut()
                    .zip(&self.out_next[PARTITION..])
                    .enumerate()
                {
                    let r = (i + 1) as f64 / PARTITION as f64;
                    *o = (1.0 - r) * *o + r * v * norm;
                }
            }
        }
        if fading {
            std::mem::swap(&mut self.active, &mut self.next);
            self.fade_queued = false;
            if self.staged_ready {
                std::mem::swap(&mut self.staged, &mut self.next);
                self.staged_ready = false;
                self.fade_queued = true;
            }
        }
    }
}

/// Design the windowed linear-phase FIR of `params` with `taps` (odd) taps.
fn design_fir(params: &EqParams, sample_rate: f64, taps: usize) -> Vec<f64> {
    if taps == 0 {
        return Vec::new();
    }
    // A grid 4× the FIR length samples the target finely enough that the
    // time-aliasing of the (infinitely long) ideal response is negligible.
    let grid = (4 * (taps + 1)).next_power_of_two();
    let mut planner = RealFftPlanner::<f64>::new();
    let inv = planner.plan_fft_inverse(grid);
    let mut spectrum: Vec<Complex64> = (0..=grid / 2)
        .map(|k| {
            let f = k as f64 * sample_rate / grid as f64;
            Complex64::new(10f64.powf(params.magnitude_db(f, sample_rate) / 20.0), 0.0)
        })
        .collect();
    let mut impulse = vec![0.0; grid];
    // The spectrum is real and of the right length: cannot fail.
    let _ = inv.process(&mut spectrum, &mut impulse);
    let centre = (taps - 1) / 2;
    let scale = 1.0 / grid as f64;
    (0..taps)
        .map(|n| {
            let idx = (n + grid - centre) % grid;
            let t = n as f64 / (taps - 1) as f64;
            let w = 0.42 - 0.5 * (2.0 * std::f64::consts::PI * t).cos()
                + 0.08 * (4.0 * std::f64::consts::PI * t).cos();
            impulse[idx] * scale * w
        })
        .collect()
}

impl Processor for LinearPhaseEq {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.sample_rate = spec.sample_rate;
        self.taps = taps_for(spec.sample_rate);
        self.partitions = self.taps.div_ceil(PARTITION);
        let mut planner = RealFftPlanner::<f64>::new();
        let fwd = planner.plan_fft_forward(2 * PARTITION);
        let inv = planner.plan_fft_inverse(2 * PARTITION);
        let scratch_len = fwd.get_scratch_len().max(inv.get_scratch_len());
        self.scratch = vec![Complex64::default(); scratch_len];
        self.time_buf = vec![0.0; 2 * PARTITION];
        self.out_next = vec![0.0; 2 * PARTITION];
        self.spec_buf = vec![Complex64::default(); PARTITION + 1];
        self.acc = vec![Complex64::default(); PARTITION + 1];
        self.acc_next = vec![Complex64::default(); PARTITION + 1];
        self.fwd = Some(fwd);
        self.inv = Some(inv);
        let mut active = Vec::new();
        self.partition_spectra(&mut active);
        self.active = active;
        self.next = self.active.clone();
        self.staged = self.active.clone();
        self.fade_queued = false;
        self.staged_ready = false;
        let bins = (PARTITION + 1) * self.partitions;
        self.channels = (0..spec.channels)
            .map(|_| ChannelState {
                input: vec![0.0; 2 * PARTITION],
                fdl: vec![Complex64::default(); bins],
                head: 0,
                output: vec![0.0; PARTITION],
            })
            .collect();
        self.pos = 0;
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        let mut start = 0;
        while start < frames {
            let len = (PARTITION - self.pos).min(frames - start);
            for (ch, state) in channels.iter_mut().zip(&mut self.channels) {
                let seg = &mut ch[start..start + len];
                let dst = &mut state.input[PARTITION + self.pos..PARTITION + self.pos + len];
                let src = &state.output[self.pos..self.pos + len];
                for ((x, d), o) in seg.iter_mut().zip(dst).zip(src) {
                    *d = f64::from(*x);
                    *x = *o as f32;
                }
            }
            self.pos += len;
            start += len;
            if self.pos == PARTITION {
                self.pos = 0;
                self.run_partition();
            }
        }
    }

    fn reset(&mut self) {
        for ch in &mut self.channels {
            ch.input.iter_mut().for_each(|v| *v = 0.0);
            ch.fdl.iter_mut().for_each(|v| *v = Complex64::default());
            ch.output.iter_mut().for_each(|v| *v = 0.0);
        }
        self.pos = 0;
    }

    fn latency(&self) -> usize {
        PARTITION + (self.taps.max(1) - 1) / 2
    }
}
