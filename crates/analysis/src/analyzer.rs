//! The streaming analyzer: sanitises each block, cuts it at 100 ms hop boundaries and
//! hands the pieces to every meter.
//!
//! The meters form three groups of about equal cost: the BS.1770 loudness of
//! the programme and of its mono fold-down (on the caller's thread), the 4×
//! true peak, and the rest (spectrum, levels, stereo, clipping, silence,
//! envelope). The last two run on threads of their own that live as
//! long as the analyzer and receive each sanitised block, shared, through a
//! bounded queue: the caller never waits for them except when the queue is
//! full and at [`Analyzer::finish`]. (Spawning threads per block cost more
//! than the meters themselves on short blocks.) Every group sees the same
//! samples in the same order and tracks the hops itself, so the results do
//! not depend on the threads or on how the audio is split into blocks.

use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::Error;
use crate::clipping::ClipDetector;
use crate::envelope::EnvelopeMeter;
use crate::levels::Levels;
use crate::loudness::{self, FoldDownMeter, LoudnessMeter, PeakMeter, finite};
use crate::options::AnalysisOptions;
use crate::report::Analysis;
use crate::silence::SilenceDetector;
use crate::spectrum::SpectrumMeter;
use crate::stereo::StereoMeter;

/// Measures a programme pushed block by block, in memory that does not grow with its
/// length (except the short-term series and the gating blocks, 16 bytes per 100 ms).
///
/// Results do not depend on how the audio is split into blocks.
pub struct Analyzer {
    sample_rate: u32,
    channels: usize,
    /// Frames in one 100 ms hop, rounded as `ebur128` rounds them.
    hop_frames: usize,
    frames: u64,
    /// Sanitised copies of recent blocks (NaN/Inf replaced by 0), shared with
    /// the meter threads; one no thread holds any more is reused.
    blocks: Vec<Arc<Block>>,
    non_finite: u64,
    first_non_finite: Option<u64>,
    /// The programme's BS.1770 loudness, measured on the caller's thread.
    loudness: HopFed<LoudnessMeter>,
    /// Stereo only: the mono fold-down's loudness, for the mono-compatibility
    /// drop (also on the caller's thread).
    fold_down: Option<FoldDownMeter>,
    peaks: MeterThread<PeakMeter>,
    others: MeterThread<HopFed<OtherMeters>>,
    /// The first bad block's error, reported by [`Analyzer::finish`].
    error: Option<Error>,
}

/// One sanitised block, planar.
type Block = Vec<Vec<f32>>;

impl Analyzer {
    /// An analyzer for `channels` planar channels at `sample_rate` Hz.
    pub fn new(sample_rate: u32, channels: usize, opts: AnalysisOptions) -> Result<Self, Error> {
        if channels == 0 {
            return Err(Error::NoChannels);
        }
        if channels > loudness::MAX_CHANNELS {
            return Err(Error::TooManyChannels(channels));
        }
        if !(16..=2_822_400).contains(&sample_rate) {
            return Err(Error::SampleRate(sample_rate));
        }
        let hop_frames = (sample_rate as usize + 5) / 10;
        let others = OtherMeters {
            levels: Levels::new(channels),
            clipping: ClipDetector::new(channels),
            silence: SilenceDetector::new(opts.silence_threshold_dbfs),
            envelope: EnvelopeMeter::new(),
            stereo: (channels >= 2).then(|| StereoMeter::new(opts.correlation_gate_dbfs)),
            spectrum: SpectrumMeter::new(sample_rate, channels),
        };
        Ok(Self {
            sample_rate,
            channels,
            hop_frames,
            frames: 0,
            blocks: Vec::new(),
            non_finite: 0,
            first_non_finite: None,
            loudness: HopFed::new(LoudnessMeter::new(sample_rate, channels)?, hop_frames),
            fold_down: (channels == 2).then(|| FoldDownMeter::new(sample_rate)),
            peaks: MeterThread::spawn(PeakMeter::new(sample_rate, channels)?)?,
            others: MeterThread::spawn(HopFed::new(others, hop_frames))?,
            error: None,
        })
    }

    /// Measures the next block: one slice per channel, all the same length.
    /// A malformed block (wrong channel count, ragged lengths) is remembered and
    /// returned by [`Analyzer::finish`]; later blocks are then ignored.
    pub fn push(&mut self, block: &[&[f32]]) {
        if self.error.is_none()
            && let Err(e) = self.try_push(block)
        {
            self.error = Some(e);
        }
    }

    fn try_push(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        if block.len() != self.channels {
            return Err(Error::ChannelMismatch {
                expected: self.channels,
                got: block.len(),
            });
        }
        let shortest = block.iter().map(|c| c.len()).min().unwrap_or(0);
        let longest = block.iter().map(|c| c.len()).max().unwrap_or(0);
        if shortest != longest {
            return Err(Error::RaggedBlock { shortest, longest });
        }
        let clean = self.sanitise(block);
        self.peaks.send(&clean);
        self.others.send(&clean);
        let slices: Vec<&[f32]> = clean.iter().map(|c| c.as_slice()).collect();
        self.loudness.feed(&slices)?;
        if let Some(fold) = &mut self.fold_down {
            fold.add(slices[0], slices[1]);
        }
        self.frames += longest as u64;
        Ok(())
    }

    /// A finite copy of `block` in a free buffer, counting and zeroing NaN and ±∞.
    fn sanitise(&mut self, block: &[&[f32]]) -> Arc<Block> {
        let free = self
            .blocks
            .iter_mut()
            .position(|b| Arc::get_mut(b).is_some());
        let mut shared = match free {
            Some(i) => self.blocks.swap_remove(i),
            None => Arc::new(vec![Vec::new(); self.channels]),
        };
        let clean = Arc::get_mut(&mut shared).expect("a free buffer is not shared");
        for (dst, src) in clean.iter_mut().zip(block) {
            dst.clear();
            dst.extend(src.iter().enumerate().map(|(i, &x)| {
                if x.is_finite() {
                    x
                } else {
                    self.non_finite += 1;
                    let at = self.frames + i as u64;
                    self.first_non_finite = Some(self.first_non_finite.map_or(at, |f| f.min(at)));
                    0.0
                }
            }));
        }
        self.blocks.push(Arc::clone(&shared));
        shared
    }

    /// Completes every measurement.
    pub fn finish(mut self) -> Result<Analysis, Error> {
        let peaks = self.peaks.finish();
        let others = self.others.finish();
        if let Some(e) = self.error {
            return Err(e);
        }
        let peaks = peaks?;
        let HopFed {
            meter: mut others, ..
        } = others?;
        let rate = f64::from(self.sample_rate);
        let duration_s = self.frames as f64 / rate;
        if self.frames < 4 * self.hop_frames as u64 {
            return Err(Error::TooShort {
                seconds: duration_s,
            });
        }
        others.clipping.finish();
        let loud = self.loudness.meter.finish(&peaks, self.channels)?;
        let mono_loudness_drop_lu = match (&self.fold_down, loud.integrated_lufs) {
            (Some(fold), Some(stereo)) => fold.integrated_lufs().map(|mono| stereo - mono),
            (None, Some(_)) if self.channels == 1 => Some(0.0),
            _ => None,
        };
        let to_db = |lin: f64| finite(20.0 * lin.log10());
        let sample_peak_per_channel: Vec<Option<f64>> = loud
            .sample_peak_per_channel
            .iter()
            .map(|&p| to_db(p))
            .collect();
        let true_peak_per_channel: Vec<Option<f64>> = loud
            .true_peak_per_channel
            .iter()
            .map(|&p| to_db(p))
            .collect();
        let sample_peak_dbfs = to_db(
            loud.sample_peak_per_channel
                .iter()
                .fold(0.0, |a, &b| b.max(a)),
        );
        let true_peak_dbtp = to_db(
            loud.true_peak_per_channel
                .iter()
                .fold(0.0, |a, &b| b.max(a)),
        );
        let rms_dbfs = finite(others.levels.rms_dbfs());
        let mut stereo = others.stereo.map(StereoMeter::finish);
        let (leading, trailing) = others.silence.silent_frames();
        let hop_s = self.hop_frames as f64 / rate;
        let spectra = others.spectrum.finish();
        Ok(Analysis {
            sample_rate: self.sample_rate,
            channels: self.channels,
            duration_s,
            integrated_lufs: loud.integrated_lufs,
            loudness_range_lu: loud.loudness_range_lu,
            max_momentary_lufs: loud.max_momentary_lufs,
            max_short_term_lufs: loud.max_short_term_lufs,
            sample_peak_dbfs,
            sample_peak_per_channel_dbfs: sample_peak_per_channel,
            true_peak_dbtp,
            true_peak_per_channel_dbtp: true_peak_per_channel,
            rms_dbfs,
            crest_factor_db: sample_peak_dbfs.zip(rms_dbfs).map(|(p, r)| p - r),
            plr_db: true_peak_dbtp.zip(loud.integrated_lufs).map(|(p, i)| p - i),
            dc_offset: others.levels.dc_offset(),
            correlation: stereo.as_ref().and_then(|s| s.correlation),
            worst_correlation: stereo.as_ref().and_then(|s| s.worst_correlation),
            worst_correlation_at_s: stereo
                .as_ref()
                .and_then(|s| s.worst_window_first_hop)
                .map(|h| h as f64 * hop_s),
            side_to_mid_db: stereo.as_ref().and_then(|s| s.side_to_mid_db),
            mono_loudness_drop_lu,
            clipped_runs: others.clipping.clipped_runs,
            clipped_samples: others.clipping.clipped_samples,
            leading_silence_s: leading as f64 / rate,
            trailing_silence_s: trailing as f64 / rate,
            non_finite_samples: self.non_finite,
            first_non_finite_s: self.first_non_finite.map(|f| f as f64 / rate),
            third_octave_dbfs: spectra.third_octave,
            fine_spectrum_dbfs: spectra.fine,
            short_term_interval_s: hop_s,
            short_term_lufs: loud.short_term_lufs,
            peak_envelope: others.envelope.finish(),
            correlation_series: stereo
                .as_mut()
                .map(|s| std::mem::take(&mut s.series))
                .unwrap_or_default(),
        })
    }
}

/// Blocks queued for each meter thread: enough to ride over a slow block,
/// few enough that memory stays flat.
const QUEUE_BLOCKS: usize = 4;

/// A group of meters fed whole blocks, in order.
trait BlockMeter {
    fn feed(&mut self, block: &[&[f32]]) -> Result<(), Error>;
}

/// A meter group on a thread of its own (see the module docs).
struct MeterThread<M> {
    /// `None` once [`finish`](Self::finish) has closed the queue.
    blocks: Option<SyncSender<Arc<Block>>>,
    thread: Option<JoinHandle<Result<M, Error>>>,
}

impl<M: BlockMeter + Send + 'static> MeterThread<M> {
    fn spawn(meter: M) -> Result<Self, Error> {
        let (blocks, queue) = sync_channel::<Arc<Block>>(QUEUE_BLOCKS);
        let thread = std::thread::Builder::new()
            .name("mixmaster-meter".into())
            .spawn(move || {
                let mut meter = meter;
                for block in queue {
                    let slices: Vec<&[f32]> = block.iter().map(|c| c.as_slice()).collect();
                    meter.feed(&slices)?;
                }
                Ok(meter)
            })
            .map_err(|e| Error::Thread(e.to_string()))?;
        Ok(Self {
            blocks: Some(blocks),
            thread: Some(thread),
        })
    }

    /// Queues `block`; waits while the queue is full. A thread that stopped
    /// on an error keeps it for [`finish`](Self::finish).
    fn send(&self, block: &Arc<Block>) {
        if let Some(blocks) = &self.blocks {
            let _ = blocks.send(Arc::clone(block));
        }
    }

    /// Waits for every queued block to be measured and returns the meters.
    fn finish(&mut self) -> Result<M, Error> {
        self.blocks = None;
        let thread = self.thread.take().ok_or(Error::ThreadLost)?;
        thread.join().map_err(|_| Error::ThreadLost)?
    }
}

/// A meter fed whole blocks that cuts them at hop boundaries itself.
struct HopFed<M> {
    meter: M,
    hop_frames: usize,
    /// Frames still needed to complete the current hop.
    to_next_hop: usize,
}

impl<M> HopFed<M> {
    fn new(meter: M, hop_frames: usize) -> Self {
        Self {
            meter,
            hop_frames,
            to_next_hop: hop_frames,
        }
    }
}

impl<M: HopMeter> BlockMeter for HopFed<M> {
    fn feed(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        self.to_next_hop = feed_hops(&mut self.meter, block, self.hop_frames, self.to_next_hop)?;
        Ok(())
    }
}

/// A meter that is fed pieces lying within one 100 ms hop, and told when a hop ends.
trait HopMeter {
    fn add(&mut self, piece: &[&[f32]]) -> Result<(), Error>;
    fn hop(&mut self) -> Result<(), Error>;
}

impl HopMeter for LoudnessMeter {
    fn add(&mut self, piece: &[&[f32]]) -> Result<(), Error> {
        LoudnessMeter::add(self, piece)
    }
    fn hop(&mut self) -> Result<(), Error> {
        LoudnessMeter::hop(self)
    }
}

/// The 4× true and sample peaks.
impl BlockMeter for PeakMeter {
    fn feed(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        self.add(block)
    }
}

/// Every per-sample meter other than loudness and peaks; the spectrum takes
/// whole blocks, the rest hop-aligned pieces.
struct OtherMeters {
    levels: Levels,
    clipping: ClipDetector,
    silence: SilenceDetector,
    envelope: EnvelopeMeter,
    stereo: Option<StereoMeter>,
    spectrum: SpectrumMeter,
}

impl HopMeter for OtherMeters {
    fn add(&mut self, piece: &[&[f32]]) -> Result<(), Error> {
        self.levels.add(piece);
        self.clipping.add(piece);
        self.silence.add(piece);
        self.envelope.add(piece);
        self.spectrum.add(piece);
        if let Some(stereo) = &mut self.stereo {
            stereo.add(piece[0], piece[1]);
        }
        Ok(())
    }
    fn hop(&mut self) -> Result<(), Error> {
        self.envelope.hop();
        if let Some(stereo) = &mut self.stereo {
            stereo.hop();
        }
        Ok(())
    }
}

/// Feeds `block` to `meter`, cut at hop boundaries; `to_next_hop` is the number
/// of frames left in the current hop. Returns the frames left after the block.
fn feed_hops(
    meter: &mut dyn HopMeter,
    block: &[&[f32]],
    hop_frames: usize,
    mut to_next_hop: usize,
) -> Result<usize, Error> {
    let len = block.first().map_or(0, |c| c.len());
    let mut pos = 0;
    while pos < len {
        let take = to_next_hop.min(len - pos);
        let piece: Vec<&[f32]> = block.iter().map(|c| &c[pos..pos + take]).collect();
        meter.add(&piece)?;
        pos += take;
        to_next_hop -= take;
        if to_next_hop == 0 {
            meter.hop()?;
            to_next_hop = hop_frames;
        }
    }
    Ok(to_next_hop)
}

/// Measures a whole programme held in memory (planar channels, equal lengths) with
/// default options.
pub fn analyze(channels: &[&[f32]], sample_rate: u32) -> Result<Analysis, Error> {
    let mut analyzer = Analyzer::new(sample_rate, channels.len(), AnalysisOptions::default())?;
    analyzer.push(channels);
    analyzer.finish()
}
