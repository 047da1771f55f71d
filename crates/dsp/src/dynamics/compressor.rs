//! Feed-forward compressor after Giannoulis, Massberg & Reiss, "Digital
//! Dynamic Range Compressor Design — A Tutorial and Analysis", JAES 60(6),
//! 2012: level detection (peak or RMS) → static gain computer in dB with a
//! quadratic soft knee (their eq. 4) → branching one-pole smoothing of the
//! gain reduction in the dB domain (their "log-domain, branching" detector
//! placed after the gain computer, eq. 17), so attack and release are exact
//! time constants of the gain in dB, independent of the ratio.
//!
//! Options: stereo link 0–100 % (interpolates each channel's detector level
//! towards the loudest channel's, in dB), lookahead (the audio is delayed, the
//! detector is not; latency reported), an external side chain, and a side-chain
//! high-pass (so bass does not drive the gain).

use crate::denormal::flush;
use crate::filter::biquad::{BiquadCoeffs, BiquadState, FilterType};
use crate::processor::{ProcessSpec, Processor};
use crate::smooth::LinearSmoother;
use crate::units::{db_to_gain, ms_to_samples, one_pole_coeff};

pub(crate) mod fast_db;
mod smoothing;

use smoothing::{BranchingSmoother, Intercepts};

/// Ramp for threshold and makeup changes (ms).
const PARAM_RAMP_MS: f64 = 20.0;

/// Detector levels are floored here (dBFS) so silence gives a finite level.
const LEVEL_FLOOR_DB: f64 = -200.0;

/// How the detector measures level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detection {
    /// Instantaneous |x| (the smoothing happens on the gain).
    #[default]
    Peak,
    /// Mean square over a one-pole window of `rms_ms`, as a level in dB RMS.
    Rms,
}

/// Compressor settings.
#[derive(Debug, Clone, PartialEq)]
pub struct CompressorParams {
    /// Threshold, dBFS (peak or RMS as per `detection`).
    pub threshold_db: f64,
    /// Ratio above the threshold (≥ 1; 1 = no compression).
    pub ratio: f64,
    /// Soft-knee width, dB (0 = hard knee).
    pub knee_db: f64,
    /// Attack time constant, ms (63 % of a gain-reduction increase).
    pub attack_ms: f64,
    /// Release time constant, ms (63 % of a gain-reduction decrease).
    pub release_ms: f64,
    /// Gain after compression, dB.
    pub makeup_db: f64,
    /// Lookahead, ms (delays the audio; takes effect at `prepare`).
    pub lookahead_ms: f64,
    /// Stereo link, percent: 0 = channels independent, 100 = one gain for all.
    pub link_percent: f64,
    /// Level detection.
    pub detection: Detection,
    /// RMS averaging time constant, ms (used by [`Detection::Rms`]).
    pub rms_ms: f64,
    /// Side-chain high-pass corner, Hz (0 = off).
    pub sidechain_hpf_hz: f64,
}

impl Default for CompressorParams {
    /// A gentle bus compressor: −18 dB, 2:1, 6 dB knee, 10/100 ms, linked.
    fn default() -> Self {
        Self {
            threshold_db: -18.0,
            ratio: 2.0,
            knee_db: 6.0,
            attack_ms: 10.0,
            release_ms: 100.0,
            makeup_db: 0.0,
            lookahead_ms: 0.0,
            link_percent: 100.0,
            detection: Detection::Peak,
            rms_ms: 10.0,
            sidechain_hpf_hz: 0.0,
        }
    }
}

/// The static curve: output level minus input level, dB (≤ 0), for input
/// level `x` dB (Giannoulis et al. eq. 4).
pub fn static_gain_db(x: f64, threshold: f64, ratio: f64, knee: f64) -> f64 {
    let slope = 1.0 / ratio.max(1.0) - 1.0;
    let over = x - threshold;
    if knee > 0.0 && 2.0 * over.abs() <= knee {
        slope * (over + knee / 2.0).powi(2) / (2.0 * knee)
    } else if over > 0.0 {
        slope * over
    } else {
        0.0
    }
}

/// Per-channel detector and smoothing state.
#[derive(Debug, Clone, Default)]
struct ChannelState {
    hpf: [BiquadState; 1],
    mean_square: f64,
    /// Smoothed gain reduction, dB (≥ 0).
    reduction_db: f64,
    delay: Vec<f64>,
}

/// Feed-forward compressor. See the module docs.
#[derive(Debug)]
pub struct Compressor {
    params: CompressorParams,
    sample_rate: f64,
    lanes: Vec<ChannelState>,
    delay_pos: usize,
    lookahead: usize,
    threshold: LinearSmoother,
    makeup: LinearSmoother,
    hpf: Option<BiquadCoeffs>,
    coeff_attack: f64,
    coeff_release: f64,
    coeff_rms: f64,
    /// The static curve's constants (divisions done once per setting).
    curve: StaticCurve,
    /// Stereo link as a fraction in [0, 1].
    link: f64,
    /// The threshold (dB) the quiet edge was computed for, and the edge: the
    /// detector value under which a chunk is quiet (see `process_chunk`).
    /// Cached because `db_to_gain` is a libm `powf`, 2 % of a compressor
    /// when taken once per chunk. NaN threshold = not computed yet.
    quiet_edge: (f64, f64),
    /// `coeff_release` to the powers 1 to [`CHUNK`] (see [`release_only`]).
    release_decay: Box<[f64; CHUNK]>,
    reduction_db: f64,
    max_reduction_db: f64,
    /// The per-chunk scratch (36 KiB), allocated once: built on the stack it
    /// was zero-filled on every call, a few percent of a mastering chain.
    /// `None` only while [`Self::process_with_sidechain`] holds it.
    scratch: Option<Box<Chunk>>,
}

impl Compressor {
    /// A compressor with `params`; call [`Processor::prepare`] before use.
    pub fn new(params: CompressorParams) -> Self {
        let mut c = Self {
            params,
            sample_rate: 48_000.0,
            lanes: Vec::new(),
            delay_pos: 0,
            lookahead: 0,
            threshold: LinearSmoother::new(0.0, 0),
            makeup: LinearSmoother::new(1.0, 0),
            hpf: None,
            coeff_attack: 0.0,
            coeff_release: 0.0,
            coeff_rms: 0.0,
            curve: StaticCurve::new(1.0, 0.0),
            link: 0.0,
            quiet_edge: (f64::NAN, 0.0),
            release_decay: Box::new([0.0; CHUNK]),
            reduction_db: 0.0,
            max_reduction_db: 0.0,
            scratch: Some(Box::default()),
        };
        c.prepare(&ProcessSpec::new(48_000.0, 2, 512));
        c
    }

    /// Current settings.
    pub fn params(&self) -> &CompressorParams {
        &self.params
    }

    /// Change settings between blocks. Threshold and makeup ramp over 20 ms;
    /// the rest reach the gain through the attack/release smoothing, so they
    /// cannot click either. Lookahead waits for the next `prepare`.
    pub fn set_params(&mut self, params: CompressorParams) {
        self.params = params;
        self.threshold.set_target(self.params.threshold_db);
        self.makeup.set_target(db_to_gain(self.params.makeup_db));
        self.update_coeffs();
    }

    /// Gain reduction on the most recent sample, dB (≥ 0; largest over channels).
    pub fn gain_reduction_db(&self) -> f64 {
        self.reduction_db
    }

    /// Largest gain reduction since the last reset, dB.
    pub fn max_gain_reduction_db(&self) -> f64 {
        self.max_reduction_db
    }

    fn update_coeffs(&mut self) {
        let sr = self.sample_rate;
        self.coeff_attack = one_pole_coeff(self.params.attack_ms, sr);
        self.coeff_release = one_pole_coeff(self.params.release_ms, sr);
        self.coeff_rms = one_pole_coeff(self.params.rms_ms, sr);
        self.curve = StaticCurve::new(self.params.ratio, self.params.knee_db);
        self.link = (self.params.link_percent / 100.0).clamp(0.0, 1.0);
        // The knee may have changed: recompute the quiet edge.
        self.quiet_edge = (f64::NAN, 0.0);
        let mut power = 1.0;
        for d in self.release_decay.iter_mut() {
            power *= self.coeff_release;
            *d = power;
        }
        self.hpf = (self.params.sidechain_hpf_hz > 0.0).then(|| {
            BiquadCoeffs::design(
                FilterType::HighPass,
                self.params.sidechain_hpf_hz,
                std::f64::consts::FRAC_1_SQRT_2,
                0.0,
                sr,
            )
        });
    }

    /// Process `channels` in place, detecting on `sidechain` instead of the
    /// audio. Side-chain channel `ch % sidechain.len()` drives audio channel
    /// `ch` (so a mono key drives every channel). Slices should be as long as
    /// the audio block (missing samples count as silence); an empty
    /// `sidechain` falls back to the audio itself.
    pub fn process_with_sidechain(&mut self, channels: &mut [&mut [f32]], sidechain: &[&[f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        let nch = channels.len().min(self.lanes.len());
        // Every stage writes a channel's first `len` values before reading
        // them, so what the last call left in the scratch is never seen.
        let mut chunk = self.scratch.take().unwrap_or_default();
        let mut start = 0;
        while start < frames {
            let len = CHUNK.min(frames - start);
            self.process_chunk(&mut chunk, channels, sidechain, nch, start, len);
            start += len;
        }
        self.scratch = Some(chunk);
    }

    crate::simd::dispatch! {
        /// One chunk, stage by stage over every sample (each stage a tight loop
        /// with its branches hoisted): `chunk.level` is filled with the detector
        /// input (the key, or the audio itself) and turned into levels in dB,
        /// linked, then into gains.
        fn process_chunk(
            &mut self,
            chunk: &mut Chunk,
            channels: &mut [&mut [f32]],
            sidechain: &[&[f32]],
            nch: usize,
            start: usize,
            len: usize,
        );
        /// [`process_chunk`](Self::process_chunk) compiled for 4-lane vectors
        /// (the detector, dB conversions, curve and gains are element-wise
        /// loops); the same operations in the same order (no FMA contraction),
        /// so the same results on every CPU.
        feature "avx2" fn process_chunk_avx2;
        portable fn process_chunk_portable;
    }

    #[inline(always)]
    fn process_chunk_portable(
        &mut self,
        chunk: &mut Chunk,
        channels: &mut [&mut [f32]],
        sidechain: &[&[f32]],
        nch: usize,
        start: usize,
        len: usize,
    ) {
        let p = &self.params;
        let link = self.link;
        // Fully linked lanes that agree on their reduction stay in lock step:
        // one lane's level (the loudest) and gain serve every channel.
        let first = self.lanes.first().map_or(0.0, |l| l.reduction_db);
        let shared =
            nch > 1 && link >= 1.0 && self.lanes[..nch].iter().all(|l| l.reduction_db == first);
        let active = if shared { 1 } else { nch };
        // Peak detection on the audio itself needs no copy of the input: the
        // samples are read straight into |x| (and, for shared lanes, into the
        // loudest |x| of the frame), one pass instead of three to five.
        let direct = sidechain.is_empty() && self.hpf.is_none() && p.detection == Detection::Peak;
        // Detector stage, in the detector's own domain (amplitude or power):
        // the dB conversion comes later, and only where it can matter.
        let mut loudest_in_chunk = [0.0f64; MAX_FRAME];
        if direct && shared {
            // The per-channel floor and `f64::max` as below, so the same
            // values as taking each channel's detector and then the largest.
            let lane0 = &mut chunk.level[0][..len];
            for (d, &x) in lane0.iter_mut().zip(&channels[0][start..start + len]) {
                *d = peak(x);
            }
            for audio in &channels[1..nch] {
                for (d, &x) in lane0.iter_mut().zip(&audio[start..start + len]) {
                    *d = d.max(peak(x));
                }
            }
            loudest_in_chunk[..nch].fill(largest(lane0, 0.0));
        } else {
            for (ch, level) in chunk.level.iter_mut().take(nch).enumerate() {
                let level = &mut level[..len];
                let audio = &channels[ch][start..start + len];
                match sidechain.get(ch % sidechain.len().max(1)) {
                    Some(k) => {
                        let avail = k.get(start..).unwrap_or(&[]);
                        for (d, &v) in level
                            .iter_mut()
                            .zip(avail.iter().chain(std::iter::repeat(&0.0)))
                        {
                            *d = f64::from(v);
                        }
                    }
                    None if direct => {
                        for (d, &x) in level.iter_mut().zip(audio) {
                            *d = peak(x);
                        }
                    }
                    None => {
                        for (d, &v) in level.iter_mut().zip(audio) {
                            *d = f64::from(v);
                        }
                    }
                }
            }
            if !direct {
                let detector = Detector {
                    hpf: self.hpf.as_ref(),
                    detection: p.detection,
                    coeff_rms: self.coeff_rms,
                };
                // Two lanes side by side: the side-chain filter and the mean
                // square are recursions, whose chains overlap when two lanes
                // share a loop (the same operations per lane as one by one).
                for (lanes, levels) in self.lanes[..nch]
                    .chunks_mut(2)
                    .zip(chunk.level[..nch].chunks_mut(2))
                {
                    match (lanes, levels) {
                        ([la, lb], [a, b]) => {
                            detector.run_pair(la, lb, &mut a[..len], &mut b[..len])
                        }
                        ([la], [a]) => detector.run(la, &mut a[..len]),
                        _ => {}
                    }
                }
            }
            for (level, top) in chunk.level.iter().zip(&mut loudest_in_chunk).take(nch) {
                *top = largest(&level[..len], 0.0);
            }
        }
        // Quiet: every detector value below the knee's lower edge (with a
        // margin far above the fast log's 3e-9 dB error), so the static curve
        // is exactly 0 for the whole chunk and neither the logs nor the curve
        // need computing. Not while the threshold ramps.
        let quiet_below = if self.threshold.is_ramping() {
            0.0
        } else {
            let t = self.threshold.value();
            if t != self.quiet_edge.0 {
                let edge = db_to_gain(t - 0.5 * p.knee_db.max(0.0)) * QUIET_MARGIN;
                self.quiet_edge = (t, edge);
            }
            let edge = self.quiet_edge.1;
            match p.detection {
                Detection::Peak => edge,
                Detection::Rms => edge * edge,
            }
        };
        let linked = link > 0.0 && nch > 1;
        let mut quiet = [false; MAX_FRAME];
        for (q, &top) in quiet.iter_mut().zip(&loudest_in_chunk).take(nch) {
            *q = top < quiet_below;
        }
        if linked {
            // A linked level is pulled towards the loudest channel's: quiet
            // only if every channel is.
            let all = quiet[..nch].iter().all(|&q| q);
            quiet[..nch].fill(all);
        }
        let to_db = |level: &mut [f64]| match p.detection {
            Detection::Peak => level.iter_mut().for_each(|k| *k = fast_db::level_db(*k)),
            Detection::Rms => level.iter_mut().for_each(|k| *k = fast_db::power_db(*k)),
        };
        if shared {
            // dB is monotonic: the loudest channel's level is the level of
            // the loudest detector value, one conversion instead of `nch`.
            let (lane0, rest) = chunk.level.split_at_mut(1);
            if !direct {
                for level in &rest[..nch - 1] {
                    for (m, &l) in lane0[0][..len].iter_mut().zip(&level[..len]) {
                        *m = m.max(l);
                    }
                }
            }
            if !quiet[0] {
                to_db(&mut lane0[0][..len]);
            }
        } else {
            for (level, &q) in chunk.level[..nch].iter_mut().zip(&quiet) {
                if !q {
                    to_db(&mut level[..len]);
                }
            }
            if linked && !quiet[0] {
                let mut loudest = [LEVEL_FLOOR_DB; CHUNK];
                for level in &chunk.level[..nch] {
                    for (m, &l) in loudest[..len].iter_mut().zip(level) {
                        *m = m.max(l);
                    }
                }
                for level in &mut chunk.level[..nch] {
                    for (l, &m) in level[..len].iter_mut().zip(&loudest) {
                        *l += link * (m - *l);
                    }
                }
            }
        }
        // Threshold and makeup per frame (they ramp after a change).
        let mut threshold = [self.threshold.value(); CHUNK];
        let mut makeup = [self.makeup.value(); CHUNK];
        let ramping = self.threshold.is_ramping() || self.makeup.is_ramping();
        if ramping {
            for (t, m) in threshold[..len].iter_mut().zip(&mut makeup[..len]) {
                *t = self.threshold.next_value();
                *m = self.makeup.next_value();
            }
        }
        // Static curve: each level becomes its target reduction, in place
        // (a quiet lane's targets are all 0).
        let curve = self.curve;
        for (level, &q) in chunk.level[..active].iter_mut().zip(&quiet) {
            if q {
                level[..len].fill(0.0);
            } else {
                for (l, &t) in level[..len].iter_mut().zip(&threshold) {
                    *l = curve.reduction_db(*l - t);
                }
            }
        }
        // At rest: quiet and no reduction left, so the reduction stays 0 and
        // the gain is the makeup alone.
        let mut rest = [false; MAX_FRAME];
        for ((r, &q), lane) in rest.iter_mut().zip(&quiet).zip(&self.lanes).take(active) {
            *r = q && lane.reduction_db == 0.0;
        }
        // Smoothing, the only recursion: two channels side by side so their
        // dependency chains overlap. Targets become smoothed reductions. With
        // every target 0 (quiet) the reduction only decays by the release.
        let smoother = BranchingSmoother {
            attack: self.coeff_attack,
            release: self.coeff_release,
        };
        let decay = &self.release_decay;
        for (k, (lanes, levels)) in self.lanes[..active]
            .chunks_mut(2)
            .zip(chunk.level[..active].chunks_mut(2))
            .enumerate()
        {
            let q = &quiet[2 * k..2 * k + lanes.len()];
            match (lanes, levels) {
                ([la, lb], [a, b]) if q[0] && q[1] => {
                    la.reduction_db = settle(release_only(&mut a[..len], la.reduction_db, decay));
                    lb.reduction_db = settle(release_only(&mut b[..len], lb.reduction_db, decay));
                }
                ([la, lb], [a, b]) => {
                    let mut r = [la.reduction_db, lb.reduction_db];
                    smoother.run_pair(&mut a[..len], &mut b[..len], &mut r);
                    la.reduction_db = settle(r[0]);
                    lb.reduction_db = settle(r[1]);
                }
                ([la], [a]) if q[0] => {
                    la.reduction_db = settle(release_only(&mut a[..len], la.reduction_db, decay));
                }
                ([la], [a]) => {
                    smoother.run(&mut a[..len], &mut la.reduction_db, &mut chunk.intercepts);
                    la.reduction_db = settle(la.reduction_db);
                }
                _ => {}
            }
        }
        if shared {
            let r = self.lanes[0].reduction_db;
            self.lanes[1..nch]
                .iter_mut()
                .for_each(|l| l.reduction_db = r);
        }
        // Gains, applied to the (delayed) audio.
        let ring = self.lookahead + 1;
        let mut max_red: f64 = 0.0;
        let mut last_red: f64 = 0.0;
        let unity = !ramping && self.makeup.value() == 1.0;
        let gains = &mut chunk.gain;
        let mut gains_are_makeup = false;
        for (ch, (lane, audio)) in self
            .lanes
            .iter_mut()
            .zip(channels.iter_mut())
            .take(nch)
            .enumerate()
        {
            if ch < active {
                gains_are_makeup = rest[ch];
                if !gains_are_makeup {
                    let red = &chunk.level[ch][..len];
                    max_red = largest(red, max_red);
                    for ((g, &r), &m) in gains[..len].iter_mut().zip(red).zip(&makeup) {
                        *g = fast_db::db_to_gain(-r) * m;
                    }
                } else {
                    // db_to_gain(−0) is exactly 1.
                    gains[..len].copy_from_slice(&makeup[..len]);
                }
            }
            last_red = last_red.max(lane.reduction_db);
            let audio = &mut audio[start..start + len];
            if self.lookahead > 0 {
                // (This lane's reductions are gains by now: its level row is free.)
                let scratch = &mut chunk.level[ch];
                delayed_apply(
                    audio,
                    &gains[..len],
                    &mut lane.delay,
                    self.delay_pos,
                    scratch,
                );
            } else if !(gains_are_makeup && unity) {
                // (At rest with unity makeup every gain is exactly 1: the
                // audio passes untouched.)
                for (x, g) in audio.iter_mut().zip(&gains[..len]) {
                    *x = (f64::from(*x) * g) as f32;
                }
            }
        }
        if self.lookahead > 0 {
            self.delay_pos = (self.delay_pos + len) % ring;
        }
        self.reduction_db = last_red;
        self.max_reduction_db = self.max_reduction_db.max(max_red);
    }
}

/// A peak detector value: |x| floored at 1e-10 (−200 dB), so the level is
/// finite in silence (`f64::max`: a NaN sample reads as the floor).
#[inline(always)]
fn peak(x: f32) -> f64 {
    f64::from(x).abs().max(1e-10)
}

/// `audio` delayed by `delay.len() − 1` frames through the ring `delay`
/// (next write at `pos`), times `gains`, with `scratch` (at least as long as
/// `audio`) for the delayed samples. The same values as writing and reading
/// the ring sample by sample, but as contiguous runs (at most two per ring
/// pass) instead of a wrap test and a bounds check per sample.
#[inline(always)]
fn delayed_apply(
    audio: &mut [f32],
    gains: &[f64],
    delay: &mut [f64],
    pos: usize,
    scratch: &mut [f64],
) {
    let (len, ring) = (audio.len(), delay.len());
    let lag = ring - 1;
    let delayed = &mut scratch[..len];
    // The first `lag` frames come from what the ring held before this
    // piece, read from `pos + 1` on (wrapping once at most).
    let old = lag.min(len);
    let from = (pos + 1) % ring;
    let first = old.min(ring - from);
    delayed[..first].copy_from_slice(&delay[from..from + first]);
    delayed[first..old].copy_from_slice(&delay[..old - first]);
    // The rest are this piece's own samples, `lag` frames earlier.
    for (d, &x) in delayed[old..].iter_mut().zip(audio.iter()) {
        *d = f64::from(x);
    }
    // The ring keeps the last `ring` samples written, at `pos + i`.
    let skip = len.saturating_sub(ring);
    let at = (pos + skip) % ring;
    let n = len - skip;
    let first = n.min(ring - at);
    for (r, &x) in delay[at..at + first].iter_mut().zip(&audio[skip..]) {
        *r = f64::from(x);
    }
    for (r, &x) in delay[..n - first].iter_mut().zip(&audio[skip + first..]) {
        *r = f64::from(x);
    }
    for ((x, &d), &g) in audio.iter_mut().zip(delayed.iter()).zip(gains) {
        *x = (d * g) as f32;
    }
}

/// The side-chain filter and the detector, from the key's samples to
/// detector values (|x| or mean square, floored) in place.
struct Detector<'a> {
    hpf: Option<&'a BiquadCoeffs>,
    detection: Detection,
    coeff_rms: f64,
}

impl Detector<'_> {
    /// One step of the mean square (floored, so the level is finite).
    #[inline(always)]
    fn mean_square(&self, ms: &mut f64, x: f64) -> f64 {
        let sq = x * x;
        *ms = flush(sq + (*ms - sq) * self.coeff_rms);
        ms.max(1e-20)
    }

    /// One lane.
    #[inline(always)]
    fn run(&self, lane: &mut ChannelState, level: &mut [f64]) {
        if let Some(c) = self.hpf {
            level
                .iter_mut()
                .for_each(|k| *k = lane.hpf[0].process(c, *k));
        }
        match self.detection {
            // |k| floored at −200 dB, so the level is finite in silence.
            Detection::Peak => level.iter_mut().for_each(|k| *k = k.abs().max(1e-10)),
            Detection::Rms => {
                let mut ms = lane.mean_square;
                for k in level.iter_mut() {
                    *k = self.mean_square(&mut ms, *k);
                }
                lane.mean_square = ms;
            }
        }
    }

    /// Two lanes in one loop: exactly [`Self::run`] on each.
    #[inline(always)]
    fn run_pair(&self, la: &mut ChannelState, lb: &mut ChannelState, a: &mut [f64], b: &mut [f64]) {
        if let Some(c) = self.hpf {
            let (mut fa, mut fb) = (la.hpf[0], lb.hpf[0]);
            for (x, y) in a.iter_mut().zip(b.iter_mut()) {
                *x = fa.process(c, *x);
                *y = fb.process(c, *y);
            }
            (la.hpf[0], lb.hpf[0]) = (fa, fb);
        }
        match self.detection {
            Detection::Peak => {
                a.iter_mut().for_each(|k| *k = k.abs().max(1e-10));
                b.iter_mut().for_each(|k| *k = k.abs().max(1e-10));
            }
            Detection::Rms => {
                let (mut ma, mut mb) = (la.mean_square, lb.mean_square);
                for (x, y) in a.iter_mut().zip(b.iter_mut()) {
                    *x = self.mean_square(&mut ma, *x);
                    *y = self.mean_square(&mut mb, *y);
                }
                (la.mean_square, lb.mean_square) = (ma, mb);
            }
        }
    }
}

/// The largest of `values` and `init` (all finite). Four running maxima
/// instead of one: `fold` with `f64::max` is a serial chain of compare,
/// NaN test and blend per sample, which was 7 % of a linked compressor.
#[inline(always)]
fn largest(values: &[f64], init: f64) -> f64 {
    let mut m = [init; 4];
    let mut quads = values.chunks_exact(4);
    for q in &mut quads {
        for (m, &v) in m.iter_mut().zip(q) {
            *m = if v > *m { v } else { *m };
        }
    }
    let tail = quads
        .remainder()
        .iter()
        .fold(init, |a, &v| if v > a { v } else { a });
    m.iter().fold(tail, |a, &v| if v > a { v } else { a })
}

/// Relative margin under the knee's lower edge for a chunk to count as quiet:
/// 1e-6 (9e-6 dB) dwarfs the fast log's 3e-9 dB error.
const QUIET_MARGIN: f64 = 1.0 - 1e-6;

/// Reductions below this (dB) are snapped to exactly 0 at the end of a chunk.
/// 1e-7 dB is a gain error of 1.2e-8, under half an `f32` ulp (3e-8
/// relative), so no unity-makeup output sample changes; what it buys is a
/// state that reaches rest a couple of seconds after the last loud passage
/// (release 120 ms: 18 time constants from 10 dB) instead of ~8 s later
/// through the 1e-30 denormal flush, and at rest a quiet chunk costs almost
/// nothing.
const REST_DB: f64 = 1e-7;

/// The reduction carried to the next chunk: snapped to 0 at rest (see
/// [`REST_DB`]; this also keeps it far from subnormals).
#[inline(always)]
fn settle(r: f64) -> f64 {
    if r < REST_DB { 0.0 } else { r }
}

/// The smoothing with every target 0 (a quiet chunk): the reduction `r`
/// decays by the release coefficient per sample, written into `out`;
/// returns the last. `decay[k]` is the coefficient to the power `k + 1`, so
/// the samples are independent products instead of a chain of multiplies
/// (equal to it within a few ulps).
#[inline(always)]
fn release_only(out: &mut [f64], r: f64, decay: &[f64; CHUNK]) -> f64 {
    if r == 0.0 {
        out.fill(0.0);
        return 0.0;
    }
    for (x, &d) in out.iter_mut().zip(decay) {
        *x = r * d;
    }
    out.last().copied().unwrap_or(r)
}

/// Frames per stage-by-stage chunk: long enough to amortise the stage
/// switches (each chunk costs ≈ 100 ns of set-up, loop entries and exits:
/// 256 frames instead of 128 was 6 % faster on 512-frame blocks, min of 30),
/// short enough that the scratch stays in L1 (2 KiB per channel).
const CHUNK: usize = 256;

/// Per-chunk scratch, reused across a block's chunks.
struct Chunk {
    /// Detector input, then level in dB, then target reduction, then
    /// smoothed reduction (dB), per channel and frame.
    level: [[f64; CHUNK]; MAX_FRAME],
    /// Linear gain per frame for the channel being applied.
    gain: [f64; CHUNK],
    /// The smoothing's scratch.
    intercepts: Intercepts,
}

impl std::fmt::Debug for Chunk {
    /// Scratch: its values mean nothing between calls.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Chunk { .. }")
    }
}

impl Default for Chunk {
    fn default() -> Self {
        Self {
            level: [[0.0; CHUNK]; MAX_FRAME],
            gain: [0.0; CHUNK],
            intercepts: Intercepts::default(),
        }
    }
}

/// [`static_gain_db`] with its constants precomputed, as a reduction (≥ 0)
/// in dB for a level `over` dB above the threshold.
#[derive(Debug, Clone, Copy)]
struct StaticCurve {
    /// `1 − 1/ratio`: dB of reduction per dB over.
    slope: f64,
    half_knee: f64,
    /// `slope / (2·knee)` for the quadratic (0 for a hard knee).
    knee_scale: f64,
}

impl StaticCurve {
    fn new(ratio: f64, knee: f64) -> Self {
        let slope = 1.0 - 1.0 / ratio.max(1.0);
        let knee = knee.max(0.0);
        Self {
            slope,
            half_knee: 0.5 * knee,
            knee_scale: if knee > 0.0 {
                slope / (2.0 * knee)
            } else {
                0.0
            },
        }
    }

    #[inline(always)]
    fn reduction_db(&self, over: f64) -> f64 {
        let in_knee = (over + self.half_knee) * (over + self.half_knee) * self.knee_scale;
        if self.half_knee > 0.0 && over.abs() <= self.half_knee {
            in_knee
        } else {
            self.slope * over.max(0.0)
        }
    }
}

/// Most channels a compressor processes (7.1.4 immersive beds fit).
pub(crate) const MAX_FRAME: usize = 16;

/// Copy sample `i` of each channel into `frame` (as many as `frame` holds).
#[inline]
pub(crate) fn load_frame(channels: &[&mut [f32]], i: usize, frame: &mut [f64]) {
    for (f, c) in frame.iter_mut().zip(channels) {
        *f = f64::from(c[i]);
    }
}

/// Write `frame` back to sample `i` of each channel.
#[inline]
pub(crate) fn store_frame(channels: &mut [&mut [f32]], i: usize, frame: &[f64]) {
    for (c, f) in channels.iter_mut().zip(frame) {
        c[i] = *f as f32;
    }
}

impl Default for Compressor {
    fn default() -> Self {
        Self::new(CompressorParams::default())
    }
}

impl Processor for Compressor {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.sample_rate = spec.sample_rate;
        self.lookahead = ms_to_samples(self.params.lookahead_ms.max(0.0), spec.sample_rate);
        self.lanes = (0..spec.channels.min(MAX_FRAME))
            .map(|_| ChannelState {
                delay: vec![0.0; self.lookahead + 1],
                ..ChannelState::default()
            })
            .collect();
        let ramp = ms_to_samples(PARAM_RAMP_MS, spec.sample_rate);
        self.threshold = LinearSmoother::new(self.params.threshold_db, ramp);
        self.makeup = LinearSmoother::new(db_to_gain(self.params.makeup_db), ramp);
        self.update_coeffs();
        self.reset();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.process_with_sidechain(channels, &[]);
    }

    fn reset(&mut self) {
        for lane in &mut self.lanes {
            lane.hpf[0].reset();
            lane.mean_square = 0.0;
            lane.reduction_db = 0.0;
            lane.delay.fill(0.0);
        }
        self.delay_pos = 0;
        self.reduction_db = 0.0;
        self.max_reduction_db = 0.0;
        self.threshold.set_immediate(self.params.threshold_db);
        self.makeup.set_immediate(db_to_gain(self.params.makeup_db));
    }

    /// The lookahead, in samples.
    fn latency(&self) -> usize {
        self.lookahead
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Giannoulis et al. sample by sample in libm `f64`: peak detection,
    /// stereo link 0 or 100 %, the static curve, branching smoothing.
    fn reference(p: &CompressorParams, input: &[Vec<f32>], rate: f64) -> Vec<Vec<f32>> {
        let (att, rel) = (
            one_pole_coeff(p.attack_ms, rate),
            one_pole_coeff(p.release_ms, rate),
        );
        let mut out = input.to_vec();
        let mut r = vec![0.0f64; input.len()];
        for n in 0..input[0].len() {
            let levels: Vec<f64> = input
                .iter()
                .map(|c| 20.0 * f64::from(c[n].abs()).max(1e-10).log10())
                .collect();
            let loudest = levels.iter().copied().fold(f64::MIN, f64::max);
            for (ch, c) in out.iter_mut().enumerate() {
                let level = if p.link_percent >= 100.0 {
                    loudest
                } else {
                    levels[ch]
                };
                let target = -static_gain_db(level, p.threshold_db, p.ratio, p.knee_db);
                let k = if target > r[ch] { att } else { rel };
                r[ch] = target + (r[ch] - target) * k;
                c[n] = (f64::from(c[n]) * 10f64.powf(-r[ch] / 20.0)) as f32;
            }
        }
        out
    }

    /// Bursts of loud tone between long quiet stretches and digital silence:
    /// the quiet and at-rest shortcuts (no logs, no curve, no gains) must
    /// give what the full computation gives, to float rounding.
    #[test]
    fn quiet_and_resting_chunks_match_the_full_computation() {
        let rate = 48_000.0;
        let len = 6 * 48_000;
        let signal = |phase: f64| -> Vec<f32> {
            (0..len)
                .map(|n| {
                    let t = n as f64 / rate;
                    let amp = match (t * 2.0) as usize % 4 {
                        0 => 0.8,             // loud: compressed
                        1 => 0.01,            // quiet: below the knee
                        2 => 0.0,             // silence
                        _ => 0.3 * t.fract(), // crossing the threshold
                    };
                    (amp * (std::f64::consts::TAU * 440.0 * t + phase).sin()) as f32
                })
                .collect()
        };
        let input = vec![signal(0.0), signal(1.0)];
        for (link, knee) in [(100.0, 6.0), (0.0, 0.0), (100.0, 0.0), (0.0, 6.0)] {
            let p = CompressorParams {
                threshold_db: -24.0,
                ratio: 3.0,
                knee_db: knee,
                attack_ms: 5.0,
                release_ms: 120.0,
                link_percent: link,
                ..CompressorParams::default()
            };
            let want = reference(&p, &input, rate);
            let mut c = Compressor::new(p);
            c.prepare(&ProcessSpec::new(rate, 2, 4096));
            let mut got = input.clone();
            for start in (0..len).step_by(4096) {
                let end = (start + 4096).min(len);
                let (l, r) = got.split_at_mut(1);
                c.process(&mut [&mut l[0][start..end], &mut r[0][start..end]]);
            }
            let mut worst: f64 = 0.0;
            for (g, w) in got.iter().zip(&want) {
                for (&a, &b) in g.iter().zip(w) {
                    worst = worst.max(f64::from((a - b).abs()));
                }
            }
            // 1e-7 of full scale (−140 dBFS): a few f32 ulps of the output
            // (measured 1.5e-8, one ulp at 0.25).
            assert!(worst < 1e-7, "link {link} knee {knee}: worst {worst:e}");
        }
    }

    #[test]
    fn static_curve_matches_the_paper() {
        // Hard knee 4:1 at −20: 10 dB over → 7.5 dB reduction.
        assert!((static_gain_db(-10.0, -20.0, 4.0, 0.0) + 7.5).abs() < 1e-12);
        assert_eq!(static_gain_db(-30.0, -20.0, 4.0, 0.0), 0.0);
        // Soft knee 10 dB: continuous at both knee edges, (1/R−1)·W/8 at T.
        let k = 10.0;
        assert!((static_gain_db(-20.0, -20.0, 4.0, k) + 0.75 * k / 8.0).abs() < 1e-12);
        assert!(static_gain_db(-25.0, -20.0, 4.0, k).abs() < 1e-12);
        assert!((static_gain_db(-15.0, -20.0, 4.0, k) + 0.75 * 5.0).abs() < 1e-12);
    }
}
