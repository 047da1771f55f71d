//! Render and verify: stream the mix through the planned chain, find the
//! limiter drive that lands on the target loudness, and deliver a file that is
//! measured before it is accepted.
//!
//! Memory stays flat whatever the length: the source is decoded block by block,
//! the pre-limiter render (the expensive, target-independent part of the chain)
//! is cached once in a temporary file of raw `f32`, and every limiter pass
//! streams from that cache. The limiter is non-linear, so the loudness search
//! measures real renders: two candidate drives run in parallel (one per core),
//! the loudness between them is interpolated, and the final render — resampled,
//! dithered and written — is measured again and only accepted when it is within
//! [`LOUDNESS_TOLERANCE_LU`] of the target with its true peak under the ceiling.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use mixmaster_analysis::true_peak::{TruePeakMeter, to_dbtp};
use mixmaster_analysis::{Analysis, AnalysisOptions, Analyzer, IntegratedLoudness};
use mixmaster_dsp::dynamics::Limiter;
use mixmaster_dsp::{ProcessSpec, Processor};
use mixmaster_io::{
    AudioReader, AudioWriter, EncodeSpec, FileFormat, Resampler, SampleFormat, Tags, WriteOptions,
};
use serde::Serialize;

use super::chain;
use super::plan::{FormatName, MasterPlan};
use crate::{Error, Progress, Result};

/// Frames per processing block.
pub(crate) const BLOCK: usize = 4096;
/// The search stops when the delivered file is this close to the target, LU
/// (half the ±0.1 LU the product promises, so meter differences stay inside it).
pub const LOUDNESS_TOLERANCE_LU: f64 = 0.05;
/// Spacing of the two parallel probe drives, dB.
const PROBE_SPACING_DB: f64 = 1.0;
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

/// Runs `processor` over a stream, removing its latency: the output is aligned
/// with the input and exactly as long. `pull` fills blocks until it returns 0;
/// `push` receives the aligned output.
fn run_aligned(
    processor: &mut dyn Processor,
    total_frames: u64,
    pull: &mut dyn FnMut(&mut [Vec<f32>; 2]) -> Result<usize>,
    push: &mut dyn FnMut(&[&[f32]]) -> Result<()>,
) -> Result<()> {
    let mut skip = processor.latency() as u64;
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
            processor.process(&mut [&mut l[..n], &mut r[..n]]);
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

/// A temporary file of interleaved stereo `f32`, removed when dropped.
struct Cache {
    path: PathBuf,
    frames: u64,
    sample_rate: u32,
}

impl Drop for Cache {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

static CACHE_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Cache {
    fn create(sample_rate: u32) -> Result<(Self, BufWriter<File>)> {
        let path = std::env::temp_dir().join(format!(
            ".mixmaster-{}-{}.f32",
            std::process::id(),
            CACHE_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let file = File::create(&path)
            .map_err(|e| Error::input(&path, format!("cannot create temporary file: {e}")))?;
        Ok((
            Self {
                path,
                frames: 0,
                sample_rate,
            },
            BufWriter::with_capacity(1 << 16, file),
        ))
    }

    fn reader(&self) -> Result<CacheReader> {
        let file = File::open(&self.path)
            .map_err(|e| Error::input(&self.path, format!("cannot read temporary file: {e}")))?;
        Ok(CacheReader {
            inner: BufReader::with_capacity(1 << 16, file),
            bytes: Vec::new(),
            left: self.frames,
            path: self.path.clone(),
        })
    }
}

struct CacheReader {
    inner: BufReader<File>,
    bytes: Vec<u8>,
    left: u64,
    path: PathBuf,
}

impl CacheReader {
    fn read(&mut self, out: &mut [Vec<f32>; 2]) -> Result<usize> {
        let n = self.left.min(BLOCK as u64) as usize;
        self.bytes.resize(n * 8, 0);
        self.inner
            .read_exact(&mut self.bytes)
            .map_err(|e| Error::input(&self.path, format!("temporary file: {e}")))?;
        let [l, r] = out;
        l.clear();
        r.clear();
        for frame in self.bytes.chunks_exact(8) {
            l.push(f32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]));
            r.push(f32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The trimmed source run through every stage before the limiter, cached.
pub struct PreLimiter {
    cache: Cache,
    /// Integrated loudness of the pre-limiter signal, LUFS.
    pub integrated_lufs: Option<f64>,
}

impl PreLimiter {
    /// Length in frames.
    pub fn frames(&self) -> u64 {
        self.cache.frames
    }

    /// Sample rate, Hz.
    pub fn sample_rate(&self) -> u32 {
        self.cache.sample_rate
    }
}

/// Decode `path`, trim it as planned, run the pre-limiter stages and cache the result.
pub fn render_pre_limiter(
    path: &Path,
    plan: &MasterPlan,
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
    let (mut cache, mut writer) = Cache::create(rate)?;
    let mut meter =
        IntegratedLoudness::new(rate, 2).map_err(|e| Error::input(path, e.to_string()))?;

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
    let mut bytes = Vec::with_capacity(BLOCK * 8);
    progress.start("shaping", Some(total));
    let mut pull = |out: &mut [Vec<f32>; 2]| -> Result<usize> {
        let n = source.read(out, remaining.min(BLOCK as u64) as usize)?;
        remaining -= n as u64;
        progress.advance(n as u64);
        Ok(n)
    };
    let mut push = |block: &[&[f32]]| -> Result<()> {
        meter
            .push(block)
            .map_err(|e| Error::input(path, e.to_string()))?;
        bytes.clear();
        for (l, r) in block[0].iter().zip(block[1]) {
            bytes.extend_from_slice(&l.to_le_bytes());
            bytes.extend_from_slice(&r.to_le_bytes());
        }
        writer
            .write_all(&bytes)
            .map_err(|e| Error::input(path, format!("temporary file: {e}")))
    };
    run_aligned(&mut chain, total, &mut pull, &mut push)?;
    progress.finish();
    writer
        .flush()
        .map_err(|e| Error::input(path, format!("temporary file: {e}")))?;
    cache.frames = total;
    Ok(PreLimiter {
        integrated_lufs: meter
            .lufs()
            .map_err(|e| Error::input(path, e.to_string()))?,
        cache,
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
    /// Whether this pass wrote the delivered file.
    pub delivered: bool,
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

impl Processor for MeteredLimiter {
    fn prepare(&mut self, spec: &ProcessSpec) {
        self.limiter.prepare(spec);
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let n = channels.first().map_or(0, |c| c.len());
        let mut at = 0;
        while at < n {
            let take = self.left.min(n - at);
            let mut piece: Vec<&mut [f32]> =
                channels.iter_mut().map(|c| &mut c[at..at + take]).collect();
            self.limiter.process(&mut piece);
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

    fn reset(&mut self) {
        self.limiter.reset();
        self.left = self.interval;
        self.current_db = 0.0;
        self.series.clear();
    }

    fn latency(&self) -> usize {
        self.limiter.latency()
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
    limiter.prepare(&ProcessSpec::new(rate, 2, BLOCK));
    let mut fades = chain::fades(plan, pre.frames() as f64 / rate);
    fades.prepare(&ProcessSpec::new(rate, 2, BLOCK));
    let mut reader = pre.cache.reader()?;
    let mut pull = |out: &mut [Vec<f32>; 2]| reader.read(out);
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
    run_aligned(&mut limiter, pre.frames(), &mut pull, &mut push)?;
    Ok(limiter.finish())
}

/// A probe: loudness of the limited output at `gain_db`, no file written.
fn probe(pre: &PreLimiter, plan: &MasterPlan, gain_db: f64, ceiling: f64) -> Result<Pass> {
    let mut meter = IntegratedLoudness::new(pre.sample_rate(), 2)
        .map_err(|e| Error::input(&pre.cache.path, e.to_string()))?;
    let (max_gr, _) = limiter_pass(pre, plan, gain_db, ceiling, &mut |b| {
        meter
            .push(b)
            .map_err(|e| Error::input(&pre.cache.path, e.to_string()))
    })?;
    Ok(Pass {
        input_gain_db: gain_db,
        ceiling_dbtp: ceiling,
        integrated_lufs: meter
            .lufs()
            .map_err(|e| Error::input(&pre.cache.path, e.to_string()))?,
        max_gain_reduction_db: max_gr,
        delivered: false,
    })
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

/// A final render: limiter → fades → resample → dither → file, measured on the way.
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
    let mut writer =
        AudioWriter::create_with_tags(out, encode_spec(plan), out_rate, 2, options, tags)?;
    let mut analyzer = Analyzer::new(out_rate, 2, AnalysisOptions::default())
        .map_err(|e| Error::input(out, e.to_string()))?;
    let mut resampler = (out_rate != pre.sample_rate())
        .then(|| Resampler::new(pre.sample_rate(), out_rate, 2))
        .transpose()?;
    let mut dither = chain::dither(plan);
    if let Some(d) = &mut dither {
        d.prepare(&ProcessSpec::new(out_rate as f64, 2, 4 * BLOCK));
    }
    let mut resampled = vec![Vec::new(), Vec::new()];
    let mut peak_8x = TruePeakMeter::new(2, 8);
    let mut emit = |block: &[&[f32]],
                    writer: &mut AudioWriter,
                    analyzer: &mut Analyzer,
                    dither: &mut Option<Box<dyn Processor>>|
     -> Result<()> {
        let mut owned = [block[0].to_vec(), block[1].to_vec()];
        if let Some(d) = dither {
            // Dither works in blocks no longer than it was prepared for.
            let n = owned[0].len();
            let mut at = 0;
            while at < n {
                let end = (at + 4 * BLOCK).min(n);
                let [l, r] = &mut owned;
                d.process(&mut [&mut l[at..end], &mut r[at..end]]);
                at = end;
            }
        }
        let slices = [owned[0].as_slice(), owned[1].as_slice()];
        writer.write_block(&slices)?;
        analyzer.push(&slices);
        peak_8x.push(&slices);
        Ok(())
    };
    let (max_gr, gain_reduction) =
        limiter_pass(
            pre,
            plan,
            gain_db,
            ceiling,
            &mut |block| match &mut resampler {
                Some(rs) => {
                    rs.process_block(block, &mut resampled)?;
                    let s = [resampled[0].as_slice(), resampled[1].as_slice()];
                    emit(&s, &mut writer, &mut analyzer, &mut dither)
                }
                None => emit(block, &mut writer, &mut analyzer, &mut dither),
            },
        )?;
    if let Some(rs) = &mut resampler {
        rs.flush(&mut resampled)?;
        let s = [resampled[0].as_slice(), resampled[1].as_slice()];
        emit(&s, &mut writer, &mut analyzer, &mut dither)?;
    }
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
            delivered: true,
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
/// Otherwise: two probes in parallel, interpolate, then final renders until the
/// delivered file is within tolerance. The drive is capped so the limiter never
/// takes more than the plan's `max_gain_reduction_db` off the loudest peak; a
/// target that needs more is missed on purpose, and a note says so.
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
    if !settings.lock_gain {
        let start = match pre.integrated_lufs {
            Some(l) => target - l,
            None => return Err(Error::input(out, "the mix is silent: nothing to master")),
        };
        progress.start("searching loudness", None);
        let (a, b) = std::thread::scope(|s| {
            let other = s.spawn(|| probe(pre, plan, start + PROBE_SPACING_DB, ceiling));
            let a = probe(pre, plan, start, ceiling);
            (a, other.join().expect("probe thread panicked"))
        });
        let (a, b) = (a?, b?);
        progress.finish();
        // Gain reduction on the loudest peak grows dB for dB with the drive.
        if a.max_gain_reduction_db > 0.0 {
            cap = a.input_gain_db + settings.max_gain_reduction_db - a.max_gain_reduction_db;
        } else if b.max_gain_reduction_db > 0.0 {
            cap = b.input_gain_db + settings.max_gain_reduction_db - b.max_gain_reduction_db;
        }
        gain = next_gain(target, &a, Some(&b));
        passes.push(a);
        passes.push(b);
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
        passes.push(pass);
        if peak_ok && loud_ok {
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
        if !loud_ok {
            let n = passes.len();
            let prev = (n >= 2).then(|| &passes[n - 2]);
            gain = next_gain(target, &passes[n - 1], prev);
        }
    }
    Err(Error::input(
        out,
        format!(
            "could not land within {LOUDNESS_TOLERANCE_LU} LU of {target:.1} LUFS in {MAX_FINAL_PASSES} renders"
        ),
    ))
}
