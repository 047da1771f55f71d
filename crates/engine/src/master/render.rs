//! Render and verify: stream the mix through the planned chain, find the
//! limiter drive that lands on the target loudness, and deliver a file that is
//! measured before it is accepted.
//!
//! Memory stays flat whatever the length: the source is decoded block by block,
//! the pre-limiter render (the expensive, target-independent part of the chain)
//! is cached once in a temporary file of raw `f32`, and every limiter pass
//! streams from that cache.
//!
//! The limiter is non-linear, so the drive for a loudness target has to be
//! searched. Rendering candidates is the expensive way; instead the pre-limiter
//! pass also caches, per frame, the limiter's 8× interval peak of the undriven
//! signal and its BS.1770 K-weighted power. Interpolation is linear, so the
//! peaks at any drive are the cached ones scaled, and the limiter's first
//! stage ([`DriveModel`], the same code the limiter runs) turns them into the
//! gain it would apply; weighting the cached power by that gain gives the
//! loudness of the limited master to within a few hundredths of a LU for a
//! few ns per frame. The search solves that model for the target, renders
//! once — resampled, dithered and written — and measures the file; it is only
//! accepted within [`LOUDNESS_TOLERANCE_LU`] of the target with its true peak
//! under the ceiling, otherwise the measured model error is taken out and the
//! master rendered again.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use mixmaster_analysis::kweighted::{GatedLoudness, KWeighting};
use mixmaster_analysis::true_peak::{TruePeakMeter, to_dbtp};
use mixmaster_analysis::{Analysis, AnalysisOptions, Analyzer};
use mixmaster_dsp::dynamics::{DriveModel, IntervalPeaks, Limiter};
use mixmaster_dsp::filter::butterworth;
use mixmaster_dsp::filter::cascade::{Cascade, CascadeState};
use mixmaster_dsp::units::db_to_gain;
use mixmaster_dsp::{ProcessSpec, Processor};
use mixmaster_io::{
    AudioReader, AudioWriter, EncodeSpec, FileFormat, Resampler, SampleFormat, Tags, WriteOptions,
};
use serde::Serialize;

use super::chain;
use super::plan::{FormatName, MasterPlan};
use crate::float_cache::{CacheReader, FloatCache};
use crate::handoff::pipelined;
use crate::{Error, Progress, Result};

/// Frames per processing block.
pub(crate) const BLOCK: usize = 4096;
/// The search stops when the delivered file is this close to the target, LU
/// (half the ±0.1 LU the product promises, so meter differences stay inside it).
pub const LOUDNESS_TOLERANCE_LU: f64 = 0.05;
/// Spacing of the two drives the model search starts from, dB.
const MODEL_SPACING_DB: f64 = 0.5;
/// The model search stops this close to its aim, LU.
const MODEL_TOLERANCE_LU: f64 = 0.005;
/// Model evaluations per search before settling for the closest.
const MAX_MODEL_PASSES: usize = 12;
/// Final renders tried before giving up on the tolerance.
const MAX_FINAL_PASSES: usize = 5;

/// Reads the source as stereo blocks: mono becomes dual mono, NaN/Inf become
/// silence (they would poison every recursive filter after them).
struct StereoSource {
    reader: AudioReader,
    path: PathBuf,
    buf: Vec<Vec<f32>>,
    mono: bool,
}

impl StereoSource {
    fn open(path: &Path) -> Result<Self> {
        let reader = AudioReader::open(path)?;
        let channels = reader.info().channels;
        if channels > 2 {
            return Err(Error::input(
                path,
                format!(
                    "{channels} channels: mastering takes a stereo (or mono) mix; downmix surround first"
                ),
            ));
        }
        Ok(Self {
            buf: vec![Vec::with_capacity(BLOCK); channels],
            mono: channels == 1,
            reader,
            path: path.to_path_buf(),
        })
    }

    /// Fills `out` (two channels) with up to `max` frames; 0 at the end.
    fn read(&mut self, out: &mut [Vec<f32>; 2], max: usize) -> Result<usize> {
        let n = self.reader.read_block(&mut self.buf, max)?;
        for (ch, dst) in out.iter_mut().enumerate() {
            let src = &self.buf[if self.mono { 0 } else { ch }];
            dst.clear();
            dst.extend(
                src[..n]
                    .iter()
                    .map(|&x| if x.is_finite() { x } else { 0.0 }),
            );
        }
        Ok(n)
    }

    /// Skips `frames` frames.
    fn skip(&mut self, mut frames: u64) -> Result<()> {
        let mut scratch = [Vec::new(), Vec::new()];
        while frames > 0 {
            let n = self.read(&mut scratch, frames.min(BLOCK as u64) as usize)?;
            if n == 0 {
                return Err(Error::input(&self.path, "ended before the trim start"));
            }
            frames -= n as u64;
        }
        Ok(())
    }
}

/// Runs `process` (a processor with `latency` frames of delay) over a
/// stream, removing the latency: the output is aligned with the input and
/// exactly as long. `pull` fills blocks until it returns 0; `push` receives
/// the aligned output.
fn run_aligned(
    latency: usize,
    total_frames: u64,
    pull: &mut dyn FnMut(&mut [Vec<f32>; 2]) -> Result<usize>,
    process: &mut dyn FnMut(&mut [&mut [f32]]) -> Result<()>,
    push: &mut dyn FnMut(&[&[f32]]) -> Result<()>,
) -> Result<()> {
    let mut skip = latency as u64;
    let mut emitted = 0u64;
    let mut block = [Vec::with_capacity(BLOCK), Vec::with_capacity(BLOCK)];
    let mut input_done = false;
    while emitted < total_frames {
        let n = if input_done { 0 } else { pull(&mut block)? };
        let n = if n == 0 {
            // Past the end: silence pushes the processor's latency out.
            input_done = true;
            let pad = (total_frames - emitted + skip).min(BLOCK as u64) as usize;
            for ch in &mut block {
                ch.clear();
                ch.resize(pad, 0.0);
            }
            pad
        } else {
            n
        };
        {
            let [l, r] = &mut block;
            process(&mut [&mut l[..n], &mut r[..n]])?;
        }
        let from = skip.min(n as u64) as usize;
        skip -= from as u64;
        let take = ((n - from) as u64).min(total_frames - emitted) as usize;
        if take > 0 {
            push(&[&block[0][from..from + take], &block[1][from..from + take]])?;
            emitted += take as u64;
        }
    }
    Ok(())
}

/// The trimmed source run through every stage before the limiter, cached,
/// with what the drive model needs (see the module docs).
pub struct PreLimiter {
    /// The signal, left and right.
    cache: FloatCache,
    /// Per frame: the undriven linked 8× interval peak and the K-weighted power.
    detection: FloatCache,
    sample_rate: u32,
    /// Integrated loudness of the pre-limiter signal, LUFS.
    pub integrated_lufs: Option<f64>,
    /// Per delivery rate below the source rate: the loudness the resampler's
    /// low pass takes away, LU (≤ 0; see [`BandLimitedLoudness`]).
    band_limit_offsets: Vec<(u32, f64)>,
}

impl PreLimiter {
    /// Loudness change of a delivery at `out_rate` from resampling, LU.
    fn band_limit_offset(&self, out_rate: u32) -> f64 {
        self.band_limit_offsets
            .iter()
            .find(|(r, _)| *r == out_rate)
            .map_or(0.0, |(_, o)| *o)
    }
}

/// Writes the detection cache while the pre-limiter signal streams past.
struct DetectionWriter {
    detector: IntervalPeaks,
    kweighting: KWeighting,
    loudness: GatedLoudness,
    band_limited: Vec<BandLimitedLoudness>,
    /// Detector outputs still to drop (its latency) before frame 0's peak.
    skip: usize,
    /// K-weighted power of frames whose peak has not come out yet.
    pending: VecDeque<f32>,
    power: Vec<f32>,
    peaks: Vec<f32>,
    /// The powers that go out beside this block's peaks.
    drained: Vec<f32>,
    cache: FloatCache,
}

/// Integrated loudness (LUFS) and band-limit offsets (rate, LU) of a pre-limiter render.
type DetectionSummary = (Option<f64>, Vec<(u32, f64)>);

/// Cutoff of [`BandLimitedLoudness`] as a fraction of the delivery's Nyquist
/// frequency: where the delivery resampler's pass band ends (0.947).
const BAND_LIMIT: f64 = 0.95;

/// Loudness of the pre-limiter signal as a delivery at a lower rate will
/// have it: after a low pass where the resampler cuts. Content above it
/// (K-weighted +4 dB) is measured by the model at the source rate but is not
/// in the delivery; the difference is a loudness offset that limiting (a
/// broadband gain) leaves unchanged.
struct BandLimitedLoudness {
    out_rate: u32,
    filter: Cascade,
    states: [CascadeState; 2],
    kweighting: KWeighting,
    loudness: GatedLoudness,
    limited: [Vec<f32>; 2],
    power: Vec<f32>,
}

impl BandLimitedLoudness {
    fn new(rate: u32, out_rate: u32) -> Self {
        let cutoff = BAND_LIMIT * f64::from(out_rate) / 2.0;
        Self {
            out_rate,
            filter: butterworth::lowpass(8, cutoff, f64::from(rate)),
            states: [CascadeState::default(); 2],
            kweighting: KWeighting::new(rate, 2),
            loudness: GatedLoudness::new(rate),
            limited: [Vec::new(), Vec::new()],
            power: Vec::new(),
        }
    }

    fn push(&mut self, block: &[&[f32]]) {
        for ((dst, src), state) in self.limited.iter_mut().zip(block).zip(&mut self.states) {
            dst.clear();
            dst.extend(
                src.iter()
                    .map(|&x| self.filter.process(state, f64::from(x)) as f32),
            );
        }
        let [l, r] = &self.limited;
        self.kweighting.power(&[l, r], &mut self.power);
        for &p in &self.power {
            self.loudness.push(f64::from(p));
        }
    }
}

impl DetectionWriter {
    /// Detection of a `rate` Hz signal into `cache`; `out_rates`: the
    /// delivery rates that will be rendered from it.
    fn new(rate: u32, cache: FloatCache, out_rates: &[u32]) -> Self {
        let detector = IntervalPeaks::new(2);
        let mut lower: Vec<u32> = out_rates.iter().copied().filter(|&r| r < rate).collect();
        lower.sort_unstable();
        lower.dedup();
        Self {
            skip: detector.latency(),
            detector,
            kweighting: KWeighting::new(rate, 2),
            loudness: GatedLoudness::new(rate),
            band_limited: lower
                .into_iter()
                .map(|r| BandLimitedLoudness::new(rate, r))
                .collect(),
            pending: VecDeque::new(),
            power: Vec::new(),
            peaks: Vec::new(),
            drained: Vec::new(),
            cache,
        }
    }

    fn push(&mut self, block: &[&[f32]]) -> Result<()> {
        self.kweighting.power(block, &mut self.power);
        for b in &mut self.band_limited {
            b.push(block);
        }
        for &p in &self.power {
            self.loudness.push(f64::from(p));
        }
        self.pending.extend(&self.power);
        self.detect(block)
    }

    /// Runs the detector over `block` and writes every (peak, power) pair
    /// that is complete.
    fn detect(&mut self, block: &[&[f32]]) -> Result<()> {
        let n = block[0].len();
        self.peaks.resize(n, 0.0);
        self.detector.detect(block, &mut self.peaks);
        let from = self.skip.min(n);
        self.skip -= from;
        self.drained.clear();
        self.drained.extend(self.pending.drain(..n - from));
        self.cache.push(&self.peaks[from..], &self.drained)
    }

    /// Flushes the detector's latency and closes the cache; returns it with
    /// the integrated loudness, LUFS, and the band-limited loudness offsets
    /// (LU) per lower delivery rate.
    fn finish(mut self) -> Result<(DetectionSummary, FloatCache)> {
        let silence = vec![0.0f32; self.detector.latency()];
        self.detect(&[&silence, &silence])?;
        self.cache.close()?;
        let full = self.loudness.lufs();
        let offsets = self
            .band_limited
            .iter()
            .filter_map(|b| Some((b.out_rate, b.loudness.lufs()? - full?)))
            .collect();
        Ok(((full, offsets), self.cache))
    }
}

impl PreLimiter {
    /// Length in frames.
    pub fn frames(&self) -> u64 {
        self.cache.frames()
    }

    /// Sample rate, Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }
}

/// Decode `path`, trim it as planned, run the pre-limiter stages and cache the
/// result for deliveries at `out_rates` (Hz).
pub fn render_pre_limiter(
    path: &Path,
    plan: &MasterPlan,
    out_rates: &[u32],
    progress: &mut dyn Progress,
) -> Result<PreLimiter> {
    let mut source = StereoSource::open(path)?;
    let rate = source.reader.info().sample_rate;
    let trim = &plan.trim.settings;
    let (start, end) = if plan.trim.enabled {
        (
            (trim.start_s * rate as f64).round() as u64,
            (trim.end_s * rate as f64).round() as u64,
        )
    } else {
        (0, u64::MAX)
    };
    let known = source.reader.info().frames;
    let end = known.map_or(end, |k| end.min(k));
    source.skip(start)?;

    let mut chain = chain::pre_limiter_chain(plan);
    chain.prepare(&ProcessSpec::new(rate as f64, 2, BLOCK));
    let cache = FloatCache::temporary()?;
    let detect = DetectionWriter::new(rate, FloatCache::temporary()?, out_rates);

    // The container may not say how long it is: count it first.
    let total = match known {
        Some(k) => k.min(end) - start.min(k),
        None => {
            let mut probe = StereoSource::open(path)?;
            let mut scratch = [Vec::new(), Vec::new()];
            let mut n = 0u64;
            loop {
                let got = probe.read(&mut scratch, BLOCK)?;
                if got == 0 {
                    break;
                }
                n += got as u64;
            }
            n.min(end) - start.min(n)
        }
    };
    let mut remaining = end.saturating_sub(start);
    progress.start("shaping", Some(total));
    let mut pull = |out: &mut [Vec<f32>; 2]| -> Result<usize> {
        let n = source.read(out, remaining.min(BLOCK as u64) as usize)?;
        remaining -= n as u64;
        progress.advance(n as u64);
        Ok(n)
    };
    // Decode and shape on this thread; detect and cache on a second one.
    let ((), (detect, mut cache)) = pipelined(
        (detect, cache),
        |(detect, cache), block| {
            detect.push(block)?;
            cache.push(block[0], block[1])
        },
        |handoff| {
            run_aligned(
                chain.latency(),
                total,
                &mut pull,
                &mut |b| {
                    chain.process(b);
                    Ok(())
                },
                &mut |b| handoff.send(b),
            )
        },
    )?;
    progress.finish();
    cache.close()?;
    let ((integrated_lufs, band_limit_offsets), detection) = detect.finish()?;
    Ok(PreLimiter {
        integrated_lufs,
        band_limit_offsets,
        cache,
        detection,
        sample_rate: rate,
    })
}

/// One render of the limiter stage and what it measured.
#[derive(Debug, Clone, Serialize)]
pub struct Pass {
    /// Gain into the limiter, dB.
    pub input_gain_db: f64,
    /// Limiter ceiling used, dBTP.
    pub ceiling_dbtp: f64,
    /// Integrated loudness measured on this pass's output, LUFS.
    pub integrated_lufs: Option<f64>,
    /// Largest gain reduction the limiter applied, dB.
    pub max_gain_reduction_db: f64,
    /// How the pass was made.
    pub kind: PassKind,
}

/// How a [`Pass`] was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PassKind {
    /// Evaluated on the drive model, nothing rendered: the loudness is a
    /// prediction (stage 1 of the limiter, before fades are measured on audio).
    Modelled,
    /// Rendered and measured, then rejected (off target or over the ceiling).
    Rendered,
    /// Rendered, measured and delivered.
    Delivered,
}

/// Spacing of the gain-reduction series, s: the analysis hop, so it lines up
/// with the short-term loudness and the envelope of the delivered file.
pub const GAIN_REDUCTION_INTERVAL_S: f64 = 0.1;

/// Frames in one [`GAIN_REDUCTION_INTERVAL_S`], rounded as the analyser
/// rounds its 100 ms hop.
fn interval_frames(rate: u32) -> usize {
    ((f64::from(rate) * GAIN_REDUCTION_INTERVAL_S).round() as usize).max(1)
}

/// The limiter, with its largest gain reduction read every
/// [`GAIN_REDUCTION_INTERVAL_S`]: each block is cut at interval boundaries and
/// the limiter's max meter is read and restarted at each one.
struct MeteredLimiter {
    limiter: Limiter,
    /// Frames per interval.
    interval: usize,
    /// Frames left in the current interval.
    left: usize,
    /// Largest reduction so far in the current interval, dB.
    current_db: f64,
    /// Largest reduction of every finished interval, dB (≥ 0).
    series: Vec<f32>,
}

impl MeteredLimiter {
    fn new(limiter: Limiter, rate: u32) -> Self {
        let interval = interval_frames(rate);
        Self {
            limiter,
            interval,
            left: interval,
            current_db: 0.0,
            series: Vec::new(),
        }
    }

    /// Largest reduction of the whole pass, dB, and the per-interval series
    /// (the last, partial interval included).
    fn finish(mut self) -> (f64, Vec<f32>) {
        if self.left < self.interval {
            self.series.push(self.current_db as f32);
        }
        let max = self.series.iter().fold(0.0f64, |m, &g| m.max(f64::from(g)));
        (max, self.series)
    }
}

impl MeteredLimiter {
    /// Limits one block, given stage 1's detection for it (see
    /// [`Limiter::process_detected`]).
    fn process_detected(&mut self, channels: &mut [&mut [f32]], undriven_peaks: &[f32]) {
        let n = channels.first().map_or(0, |c| c.len());
        let mut at = 0;
        while at < n {
            let take = self.left.min(n - at);
            let [l, r] = channels else {
                unreachable!("the mastering render is stereo")
            };
            self.limiter.process_detected(
                &mut [&mut l[at..at + take], &mut r[at..at + take]],
                &undriven_peaks[at..at + take],
            );
            self.current_db = self.current_db.max(self.limiter.max_gain_reduction_db());
            self.limiter.reset_max_gain_reduction();
            at += take;
            self.left -= take;
            if self.left == 0 {
                self.series.push(self.current_db as f32);
                self.current_db = 0.0;
                self.left = self.interval;
            }
        }
    }
}

/// The cached stage-1 detection, replayed as the limiter's own detector would
/// produce it: behind the input by the detector's latency, silence after the end.
struct PeakFeed {
    reader: CacheReader,
    /// Leading zeros still to give (the detector's latency).
    delay: usize,
    /// Peaks read from the cache and not given yet, from `at`.
    columns: [Vec<f32>; 2],
    at: usize,
}

impl PeakFeed {
    fn new(pre: &PreLimiter) -> Result<Self> {
        Ok(Self {
            reader: pre.detection.reader()?,
            delay: IntervalPeaks::new(0).latency(),
            columns: [Vec::new(), Vec::new()],
            at: 0,
        })
    }

    /// The next `n` peaks into `out`.
    fn next(&mut self, n: usize, out: &mut Vec<f32>) -> Result<()> {
        out.clear();
        let zeros = self.delay.min(n);
        out.resize(zeros, 0.0);
        self.delay -= zeros;
        while out.len() < n {
            if self.at == self.columns[0].len() {
                self.at = 0;
                if self.reader.read(&mut self.columns, BLOCK)? == 0 {
                    out.resize(n, 0.0);
                    break;
                }
            }
            let take = (n - out.len()).min(self.columns[0].len() - self.at);
            out.extend_from_slice(&self.columns[0][self.at..self.at + take]);
            self.at += take;
        }
        Ok(())
    }
}

/// Limiter (+ fades) over the cache; each aligned block goes to `sink`.
/// Returns the largest gain reduction, dB, and its series every
/// [`GAIN_REDUCTION_INTERVAL_S`] (in the limiter's time, which runs ahead of
/// the aligned output by its lookahead — a few ms, well inside one interval).
pub(crate) fn limiter_pass(
    pre: &PreLimiter,
    plan: &MasterPlan,
    gain_db: f64,
    ceiling_dbtp: f64,
    sink: &mut dyn FnMut(&[&[f32]]) -> Result<()>,
) -> Result<(f64, Vec<f32>)> {
    let rate = pre.sample_rate() as f64;
    let mut limiter = MeteredLimiter::new(
        chain::limiter(&plan.limiter.settings, gain_db, ceiling_dbtp),
        pre.sample_rate(),
    );
    limiter.limiter.prepare(&ProcessSpec::new(rate, 2, BLOCK));
    let latency = limiter.limiter.latency();
    let mut fades = chain::fades(plan, pre.frames() as f64 / rate);
    fades.prepare(&ProcessSpec::new(rate, 2, BLOCK));
    let mut reader = pre.cache.reader()?;
    let mut pull = |out: &mut [Vec<f32>; 2]| reader.read(out, BLOCK);
    // Stage 1 reuses the detection the model searched on.
    let mut feed = PeakFeed::new(pre)?;
    let mut peaks = Vec::with_capacity(BLOCK);
    let mut process = |block: &mut [&mut [f32]]| -> Result<()> {
        feed.next(block[0].len(), &mut peaks)?;
        limiter.process_detected(block, &peaks);
        Ok(())
    };
    let mut faded = [Vec::with_capacity(BLOCK), Vec::with_capacity(BLOCK)];
    let mut push = |block: &[&[f32]]| -> Result<()> {
        for (dst, src) in faded.iter_mut().zip(block) {
            dst.clear();
            dst.extend_from_slice(src);
        }
        let [l, r] = &mut faded;
        fades.process(&mut [&mut l[..], &mut r[..]]);
        sink(&[&faded[0], &faded[1]])
    };
    run_aligned(latency, pre.frames(), &mut pull, &mut process, &mut push)?;
    Ok(limiter.finish())
}

/// The limiter at `gain_db` evaluated on the drive model (see the module
/// docs): its predicted loudness after the fades and its largest stage-1
/// gain reduction. Reads the detection cache; renders nothing.
fn modelled_pass(pre: &PreLimiter, plan: &MasterPlan, gain_db: f64, ceiling: f64) -> Result<Pass> {
    let rate = pre.sample_rate();
    let params = chain::limiter_params(&plan.limiter.settings, gain_db, ceiling);
    let mut model = DriveModel::new(&params, f64::from(rate));
    let mut lag = model.lag();
    let drive = db_to_gain(gain_db) as f32;
    let mut fades = chain::fades(plan, pre.frames() as f64 / f64::from(rate));
    fades.prepare(&ProcessSpec::new(f64::from(rate), 2, BLOCK));
    let mut loudness = GatedLoudness::new(rate);
    let mut reader = pre.detection.reader()?;
    let mut columns = [Vec::with_capacity(BLOCK), Vec::with_capacity(BLOCK)];
    // Power of the frames whose gain the model has not returned yet.
    let mut pending: VecDeque<f32> = VecDeque::with_capacity(BLOCK + lag);
    let (mut power, mut gains) = (Vec::with_capacity(BLOCK), Vec::with_capacity(BLOCK));
    let mut fade = [Vec::with_capacity(BLOCK), Vec::with_capacity(BLOCK)];
    let mut left = pre.frames();
    while left > 0 {
        let n = reader.read(&mut columns, BLOCK)?;
        let flushing = n == 0;
        let [peaks, powers] = &columns;
        power.clear();
        gains.clear();
        if flushing {
            // Past the end: silence brings the last `lag` gains out.
            for _ in 0..lag.min(left as usize) {
                gains.push(model.next(0.0) * drive);
                power.extend(pending.pop_front());
            }
            lag = 0;
        } else {
            pending.extend(powers);
            for &peak in peaks {
                let g = model.next(peak);
                if lag > 0 {
                    lag -= 1;
                } else {
                    gains.push(g * drive);
                    power.extend(pending.pop_front());
                }
            }
        }
        let m = gains.len();
        for ch in &mut fade {
            ch.clear();
            ch.resize(m, 1.0);
        }
        let [fl, fr] = &mut fade;
        fades.process(&mut [&mut fl[..], &mut fr[..]]);
        for (g, f) in gains.iter_mut().zip(&fade[0]) {
            *g *= f;
        }
        loudness.push_gained(&power, &gains);
        left -= m as u64;
        if flushing && m == 0 {
            break;
        }
    }
    let offset = pre.band_limit_offset(plan.output.sample_rate);
    Ok(Pass {
        input_gain_db: gain_db,
        ceiling_dbtp: ceiling,
        integrated_lufs: loudness.lufs().map(|l| l + offset),
        max_gain_reduction_db: model.max_gain_reduction_db(),
        kind: PassKind::Modelled,
    })
}

/// Searches the drive whose modelled loudness is `aim` (LUFS), from `start`
/// (dB): `start` and `start` + [`MODEL_SPACING_DB`] in parallel (one per
/// core), then the secant method; every evaluation is appended to `trail`.
/// Returns the drive of the closest evaluation.
fn solve_model(
    pre: &PreLimiter,
    plan: &MasterPlan,
    ceiling: f64,
    aim: f64,
    start: f64,
    trail: &mut Vec<Pass>,
) -> Result<f64> {
    let evaluate = |gain| modelled_pass(pre, plan, gain, ceiling);
    let (first, second) = std::thread::scope(|s| {
        let other = s.spawn(|| evaluate(start + MODEL_SPACING_DB));
        (
            evaluate(start),
            other.join().expect("model thread panicked"),
        )
    });
    let error = |p: &Pass| p.integrated_lufs.map_or(f64::INFINITY, |l| (l - aim).abs());
    let (mut previous, mut current) = (first?, second?);
    trail.push(previous.clone());
    trail.push(current.clone());
    let mut best = [&previous, &current]
        .into_iter()
        .map(|p| (error(p), p.input_gain_db))
        .fold((f64::INFINITY, start), |b, c| if c.0 < b.0 { c } else { b });
    // Between two drives half a dB apart the loudness curve is a straight
    // line to within ~10⁻³ LU (its curvature is that of the limiter's gain
    // reduction growing with the drive), so an aim the pair brackets is
    // interpolated, not evaluated again: the render measures it anyway.
    if let (Some(a), Some(b)) = (previous.integrated_lufs, current.integrated_lufs)
        && best.0 > MODEL_TOLERANCE_LU
        && (a.min(b)..=a.max(b)).contains(&aim)
    {
        return Ok(next_gain(aim, &current, Some(&previous)));
    }
    for _ in 2..MAX_MODEL_PASSES {
        if best.0 <= MODEL_TOLERANCE_LU {
            break;
        }
        let next = evaluate(next_gain(aim, &current, Some(&previous)))?;
        if error(&next) < best.0 {
            best = (error(&next), next.input_gain_db);
        }
        trail.push(next.clone());
        previous = std::mem::replace(&mut current, next);
    }
    Ok(best.1)
}

/// The delivered file and its verification.
#[derive(Debug, Clone, Serialize)]
pub struct Delivered {
    /// Where it was written.
    pub path: PathBuf,
    /// Every limiter pass, in order.
    pub passes: Vec<Pass>,
    /// Measurements of the delivered samples (after resampling and dither).
    pub after: Analysis,
    /// True peak of the delivered samples by the independent 8× meter, dBTP
    /// (the ceiling must hold on this reading and on BS.1770's 4× one).
    pub true_peak_8x_dbtp: f64,
    /// The limiter drive that was delivered, dB (written back into the plan).
    pub input_gain_db: f64,
    /// The ceiling the limiter used, dBTP (lowered if a codec/resampler overshot).
    pub limiter_ceiling_dbtp: f64,
    /// Notes for the report: compromises made and why.
    pub notes: Vec<String>,
    /// Largest limiter gain reduction in every [`GAIN_REDUCTION_INTERVAL_S`]
    /// of the delivered pass, dB (≥ 0), from the start of the trimmed master.
    pub gain_reduction_db: Vec<f32>,
    /// Spacing of `gain_reduction_db`, s.
    pub gain_reduction_interval_s: f64,
}

fn encode_spec(plan: &MasterPlan) -> EncodeSpec {
    EncodeSpec {
        format: match plan.output.format {
            FormatName::Wav => FileFormat::Wav,
            FormatName::Flac => FileFormat::Flac,
            FormatName::Aiff => FileFormat::Aiff,
        },
        sample_format: if plan.output.bits == 16 {
            SampleFormat::Int16
        } else {
            SampleFormat::Int24
        },
    }
}

/// What one final render produced.
struct FinalPass {
    pass: Pass,
    /// Measurements of the written samples.
    after: Analysis,
    /// True peak by the 8× meter, dBTP.
    tp_8x: f64,
    /// The unfinished writer: finish it to keep the file.
    writer: AudioWriter,
    /// The limiter's largest gain reduction per interval, dB.
    gain_reduction_db: Vec<f32>,
}

/// The consuming half of a final render: dither, the file and its meters.
struct Verify {
    dither: Option<Box<dyn Processor>>,
    writer: AudioWriter,
    analyzer: Analyzer,
    peak_8x: TruePeakMeter,
    /// The block being dithered.
    owned: [Vec<f32>; 2],
}

impl Verify {
    fn push(&mut self, block: &[&[f32]]) -> Result<()> {
        let block: [&[f32]; 2] = match &mut self.dither {
            None => [block[0], block[1]],
            Some(d) => {
                for (dst, src) in self.owned.iter_mut().zip(block) {
                    dst.clear();
                    dst.extend_from_slice(src);
                }
                // Dither works in blocks no longer than it was prepared for.
                let [l, r] = &mut self.owned;
                for (l, r) in l.chunks_mut(4 * BLOCK).zip(r.chunks_mut(4 * BLOCK)) {
                    d.process(&mut [l, r]);
                }
                [&self.owned[0], &self.owned[1]]
            }
        };
        self.writer.write_block(&block)?;
        self.analyzer.push(&block);
        self.peak_8x.push(&block);
        Ok(())
    }
}

/// A final render: limiter → fades → resample on this thread; dither, file,
/// BS.1770 analysis and the 8× meter on a second one.
fn final_pass(
    pre: &PreLimiter,
    plan: &MasterPlan,
    gain_db: f64,
    ceiling: f64,
    out: &Path,
    options: &WriteOptions,
    tags: Option<&Tags>,
) -> Result<FinalPass> {
    let out_rate = plan.output.sample_rate;
    let mut dither = chain::dither(plan);
    if let Some(d) = &mut dither {
        d.prepare(&ProcessSpec::new(out_rate as f64, 2, 4 * BLOCK));
    }
    // Second thread: dither, write and measure what the first one renders.
    let verify = Verify {
        dither,
        writer: AudioWriter::create_with_tags(out, encode_spec(plan), out_rate, 2, options, tags)?,
        analyzer: Analyzer::new(out_rate, 2, AnalysisOptions::default())
            .map_err(|e| Error::input(out, e.to_string()))?,
        peak_8x: TruePeakMeter::new(2, 8),
        owned: [Vec::new(), Vec::new()],
    };
    let mut resampler = (out_rate != pre.sample_rate())
        .then(|| Resampler::new(pre.sample_rate(), out_rate, 2))
        .transpose()?;
    let mut resampled = vec![Vec::new(), Vec::new()];
    let ((max_gr, gain_reduction), verify) = pipelined(verify, Verify::push, |handoff| {
        let limited = limiter_pass(
            pre,
            plan,
            gain_db,
            ceiling,
            &mut |block| match &mut resampler {
                Some(rs) => {
                    rs.process_block(block, &mut resampled)?;
                    handoff.send(&[&resampled[0], &resampled[1]])
                }
                None => handoff.send(block),
            },
        )?;
        if let Some(rs) = &mut resampler {
            rs.flush(&mut resampled)?;
            handoff.send(&[&resampled[0], &resampled[1]])?;
        }
        Ok(limited)
    })?;
    let Verify {
        writer,
        analyzer,
        peak_8x,
        ..
    } = verify;
    let after = analyzer
        .finish()
        .map_err(|e| Error::input(out, e.to_string()))?;
    let tp_8x = to_dbtp(peak_8x.finish().into_iter().fold(0.0, f64::max));
    Ok(FinalPass {
        pass: Pass {
            input_gain_db: gain_db,
            ceiling_dbtp: ceiling,
            integrated_lufs: after.integrated_lufs,
            max_gain_reduction_db: max_gr,
            kind: PassKind::Delivered,
        },
        after,
        tp_8x,
        writer,
        gain_reduction_db: gain_reduction,
    })
}

/// Next drive from two measured passes (secant), or from one with slope 1.
fn next_gain(target: f64, a: &Pass, b: Option<&Pass>) -> f64 {
    let la = a.integrated_lufs.unwrap_or(-70.0);
    let slope = match b.and_then(|b| b.integrated_lufs.map(|lb| (b, lb))) {
        Some((b, lb)) if (b.input_gain_db - a.input_gain_db).abs() > 1e-6 => {
            ((lb - la) / (b.input_gain_db - a.input_gain_db)).clamp(0.2, 1.0)
        }
        _ => 1.0,
    };
    a.input_gain_db + (target - la) / slope
}

/// Search the limiter drive for the plan's target, deliver to `out`, verify.
///
/// With `lock_gain` the plan's drive is rendered as it is (an edited plan).
/// Otherwise the drive model is solved for the target and the master rendered
/// and measured; a render off target moves the model's aim by its measured
/// error and renders again. The drive is capped so the limiter never takes
/// more than the plan's `max_gain_reduction_db` off the loudest peak; a target
/// that needs more is missed on purpose, and a note says so.
pub fn deliver(
    pre: &PreLimiter,
    plan: &MasterPlan,
    out: &Path,
    options: &WriteOptions,
    tags: Option<&Tags>,
    progress: &mut dyn Progress,
) -> Result<Delivered> {
    let target = plan.target.integrated_lufs;
    let settings = &plan.limiter.settings;
    let mut ceiling = settings.ceiling_dbtp;
    let mut notes = Vec::new();
    let mut passes: Vec<Pass> = Vec::new();

    let mut gain = settings.input_gain_db;
    let mut cap = f64::INFINITY;
    // What the model is asked for: the target, less the model's measured error.
    let mut aim = target;
    if !settings.lock_gain {
        let start = match pre.integrated_lufs {
            Some(l) => target - l,
            None => return Err(Error::input(out, "the mix is silent: nothing to master")),
        };
        progress.start("searching loudness", None);
        gain = solve_model(pre, plan, ceiling, aim, start, &mut passes)?;
        progress.finish();
        // Gain reduction on the loudest peak grows dB for dB with the drive.
        if let Some(p) = passes.iter().find(|p| p.max_gain_reduction_db > 0.0) {
            cap = p.input_gain_db + settings.max_gain_reduction_db - p.max_gain_reduction_db;
        }
    }

    for attempt in 0..MAX_FINAL_PASSES {
        let capped = gain > cap;
        if capped {
            gain = cap;
        }
        progress.start("rendering master", Some(pre.frames()));
        let FinalPass {
            pass,
            after,
            tp_8x,
            writer,
            gain_reduction_db,
        } = final_pass(pre, plan, gain, ceiling, out, options, tags)?;
        progress.finish();
        let measured = pass.integrated_lufs.unwrap_or(-70.0);
        let error = measured - target;
        // The stricter of BS.1770's 4x reading and the independent 8x one.
        let tp = after.true_peak_dbtp.map_or(tp_8x, |t| t.max(tp_8x));
        let peak_ok = tp <= settings.ceiling_dbtp;
        let loud_ok = settings.lock_gain || capped || error.abs() <= LOUDNESS_TOLERANCE_LU;
        let accepted = peak_ok && loud_ok;
        passes.push(Pass {
            kind: if accepted {
                PassKind::Delivered
            } else {
                PassKind::Rendered
            },
            ..pass
        });
        if accepted {
            if capped && error < -LOUDNESS_TOLERANCE_LU {
                notes.push(format!(
                    "reaching {target:.1} LUFS would need more than {:.1} dB of limiting on the loudest peaks; delivered the loudest clean master instead ({measured:.1} LUFS, {:.1} LU short). Raise --max-limiting to push harder.",
                    settings.max_gain_reduction_db, -error
                ));
            }
            writer.finish()?;
            return Ok(Delivered {
                path: out.to_path_buf(),
                passes,
                after,
                true_peak_8x_dbtp: tp_8x,
                input_gain_db: gain,
                limiter_ceiling_dbtp: ceiling,
                notes,
                gain_reduction_db,
                gain_reduction_interval_s: interval_frames(pre.sample_rate()) as f64
                    / f64::from(pre.sample_rate()),
            });
        }
        drop(writer);
        if !peak_ok {
            let lower = tp - settings.ceiling_dbtp + 0.05;
            ceiling -= lower;
            notes.push(format!(
                "pass {}: delivered true peak {tp:.2} dBTP exceeded the {:.1} dBTP ceiling after resampling/dither; limiter ceiling lowered by {lower:.2} dB",
                attempt + 1,
                settings.ceiling_dbtp
            ));
        }
        if !settings.lock_gain && (!loud_ok || !peak_ok) {
            // Take the model's error at this drive out of its aim, and solve
            // again (also at a lowered ceiling, which changes the loudness).
            if !loud_ok {
                let rendered_ceiling = passes[passes.len() - 1].ceiling_dbtp;
                let predicted = modelled_pass(pre, plan, gain, rendered_ceiling)?;
                if let Some(p) = predicted.integrated_lufs {
                    aim = target - (measured - p);
                }
            }
            gain = solve_model(pre, plan, ceiling, aim, gain, &mut passes)?;
        }
    }
    Err(Error::input(
        out,
        format!(
            "could not land within {LOUDNESS_TOLERANCE_LU} LU of {target:.1} LUFS in {MAX_FINAL_PASSES} renders"
        ),
    ))
}
