//! The streaming analyzer: sanitises each block, cuts it at 100 ms hop boundaries and
//! hands the pieces to every meter.

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
    /// Frames still needed to complete the current hop.
    to_next_hop: usize,
    frames: u64,
    /// Finite copies of the current block (NaN/Inf replaced by 0).
    clean: Vec<Vec<f32>>,
    non_finite: u64,
    first_non_finite: Option<u64>,
    loudness: LoudnessMeter,
    peaks: PeakMeter,
    /// Stereo only: the mono fold-down's loudness, for the mono-compatibility drop.
    fold_down: Option<FoldDownMeter>,
    levels: Levels,
    clipping: ClipDetector,
    silence: SilenceDetector,
    envelope: EnvelopeMeter,
    stereo: Option<StereoMeter>,
    spectrum: SpectrumMeter,
    /// The first bad block's error, reported by [`Analyzer::finish`].
    error: Option<Error>,
}

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
        Ok(Self {
            sample_rate,
            channels,
            hop_frames,
            to_next_hop: hop_frames,
            frames: 0,
            clean: vec![Vec::new(); channels],
            non_finite: 0,
            first_non_finite: None,
            loudness: LoudnessMeter::new(sample_rate, channels)?,
            peaks: PeakMeter::new(sample_rate, channels)?,
            fold_down: if channels == 2 {
                Some(FoldDownMeter::new(sample_rate)?)
            } else {
                None
            },
            levels: Levels::new(channels),
            clipping: ClipDetector::new(channels),
            silence: SilenceDetector::new(opts.silence_threshold_dbfs),
            envelope: EnvelopeMeter::new(),
            stereo: (channels >= 2).then(|| StereoMeter::new(opts.correlation_gate_dbfs)),
            spectrum: SpectrumMeter::new(sample_rate, channels),
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
        self.sanitise(block);
        let clean = std::mem::take(&mut self.clean);
        let slices: Vec<&[f32]> = clean.iter().map(|c| c.as_slice()).collect();
        let (hop_frames, to_next_hop) = (self.hop_frames, self.to_next_hop);
        let mut loudness = LoudnessMeters {
            loudness: &mut self.loudness,
            fold_down: self.fold_down.as_mut(),
        };
        let mut rest = OtherMeters {
            levels: &mut self.levels,
            clipping: &mut self.clipping,
            silence: &mut self.silence,
            envelope: &mut self.envelope,
            stereo: self.stereo.as_mut(),
            spectrum: &mut self.spectrum,
        };
        let peaks = &mut self.peaks;
        self.to_next_hop = if longest >= PARALLEL_MIN_FRAMES {
            // Three parts of about equal cost on separate threads: the BS.1770
            // loudness meters (K-filter, gating), the 4x true peak, and the
            // rest (spectrum, levels, stereo). All see the same samples cut at
            // the same hops, so results do not depend on whether the split
            // happened.
            std::thread::scope(|scope| {
                let worker = scope.spawn(|| rest.feed(&slices, hop_frames, to_next_hop));
                let peak_worker = scope.spawn(|| peaks.add(&slices));
                let hop = loudness.feed(&slices, hop_frames, to_next_hop);
                let rest_hop = worker.join().expect("meter thread panicked");
                let peaked = peak_worker.join().expect("meter thread panicked");
                hop.and_then(|h| rest_hop.and(peaked).map(|_| h))
            })?
        } else {
            rest.feed(&slices, hop_frames, to_next_hop)?;
            peaks.add(&slices)?;
            loudness.feed(&slices, hop_frames, to_next_hop)?
        };
        self.clean = clean;
        self.frames += longest as u64;
        Ok(())
    }

    /// Copies the block into `clean`, counting and zeroing NaN and ±∞.
    fn sanitise(&mut self, block: &[&[f32]]) {
        for (dst, src) in self.clean.iter_mut().zip(block) {
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
    }

    /// Completes every measurement.
    pub fn finish(mut self) -> Result<Analysis, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let rate = f64::from(self.sample_rate);
        let duration_s = self.frames as f64 / rate;
        if self.frames < 4 * self.hop_frames as u64 {
            return Err(Error::TooShort {
                seconds: duration_s,
            });
        }
        self.clipping.finish();
        let loud = self.loudness.finish(&self.peaks, self.channels)?;
        let mono_loudness_drop_lu = match (&self.fold_down, loud.integrated_lufs) {
            (Some(fold), Some(stereo)) => fold.integrated_lufs()?.map(|mono| stereo - mono),
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
        let rms_dbfs = finite(self.levels.rms_dbfs());
        let mut stereo = self.stereo.map(StereoMeter::finish);
        let (leading, trailing) = self.silence.silent_frames();
        let hop_s = self.hop_frames as f64 / rate;
        let spectra = self.spectrum.finish();
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
            dc_offset: self.levels.dc_offset(),
            correlation: stereo.as_ref().and_then(|s| s.correlation),
            worst_correlation: stereo.as_ref().and_then(|s| s.worst_correlation),
            worst_correlation_at_s: stereo
                .as_ref()
                .and_then(|s| s.worst_window_first_hop)
                .map(|h| h as f64 * hop_s),
            side_to_mid_db: stereo.as_ref().and_then(|s| s.side_to_mid_db),
            mono_loudness_drop_lu,
            clipped_runs: self.clipping.clipped_runs,
            clipped_samples: self.clipping.clipped_samples,
            leading_silence_s: leading as f64 / rate,
            trailing_silence_s: trailing as f64 / rate,
            non_finite_samples: self.non_finite,
            first_non_finite_s: self.first_non_finite.map(|f| f as f64 / rate),
            third_octave_dbfs: spectra.third_octave,
            fine_spectrum_dbfs: spectra.fine,
            short_term_interval_s: hop_s,
            short_term_lufs: loud.short_term_lufs,
            peak_envelope: self.envelope.finish(),
            correlation_series: stereo
                .as_mut()
                .map(|s| std::mem::take(&mut s.series))
                .unwrap_or_default(),
        })
    }
}

/// Blocks at least this long are measured on two threads; shorter ones are not
/// worth a thread.
const PARALLEL_MIN_FRAMES: usize = 4096;

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

/// Every per-sample meter other than loudness and peaks.
struct OtherMeters<'a> {
    levels: &'a mut Levels,
    clipping: &'a mut ClipDetector,
    silence: &'a mut SilenceDetector,
    envelope: &'a mut EnvelopeMeter,
    stereo: Option<&'a mut StereoMeter>,
    spectrum: &'a mut SpectrumMeter,
}

impl OtherMeters<'_> {
    /// Feeds a whole block: the hop-aligned meters piece by piece, the others at once.
    fn feed(
        &mut self,
        block: &[&[f32]],
        hop_frames: usize,
        to_next_hop: usize,
    ) -> Result<(), Error> {
        feed_hops(self, block, hop_frames, to_next_hop)?;
        self.spectrum.add(block);
        Ok(())
    }
}

/// The BS.1770 loudness meters: the programme's and, for stereo, its mono
/// fold-down's (both K-filter and gate; about as much work as the others).
struct LoudnessMeters<'a> {
    loudness: &'a mut LoudnessMeter,
    fold_down: Option<&'a mut FoldDownMeter>,
}

impl LoudnessMeters<'_> {
    /// Feeds a whole block; returns the frames left in the hop after it.
    fn feed(
        &mut self,
        block: &[&[f32]],
        hop_frames: usize,
        to_next_hop: usize,
    ) -> Result<usize, Error> {
        let left = feed_hops(self.loudness, block, hop_frames, to_next_hop)?;
        if let Some(fold) = &mut self.fold_down {
            fold.add(block[0], block[1])?;
        }
        Ok(left)
    }
}

impl HopMeter for OtherMeters<'_> {
    fn add(&mut self, piece: &[&[f32]]) -> Result<(), Error> {
        self.levels.add(piece);
        self.clipping.add(piece);
        self.silence.add(piece);
        self.envelope.add(piece);
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
