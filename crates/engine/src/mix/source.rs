//! A track's audio as a stream of fixed-size blocks at the session rate:
//! decode → resample (when the stem's rate differs) → time offset → zero
//! padding after the end, so every track yields exactly the frames asked for.

use std::path::{Path, PathBuf};

use mixmaster_io::{AudioReader, Resampler};

use crate::{Error, Result};

/// Frames decoded per read: one render block.
const READ_FRAMES: usize = 4096;

/// The first frame among `block[..][..got]` holding NaN or ±∞, if any.
fn first_non_finite(block: &[Vec<f32>], got: usize) -> Option<usize> {
    // Exponent bits all ones = NaN or ±∞. The OR over the block is integer
    // work that vectorises; the position is searched only once one is found.
    const EXP: u32 = 0x7f80_0000;
    let bad = |x: &f32| x.to_bits() & EXP == EXP;
    if !block
        .iter()
        .any(|ch| ch[..got].iter().fold(false, |a, x| a | bad(x)))
    {
        return None;
    }
    block
        .iter()
        .filter_map(|ch| ch[..got].iter().position(bad))
        .min()
}

/// A streaming, block-exact reader of one stem.
pub struct TrackSource {
    reader: AudioReader,
    /// The stem, for errors found while decoding.
    path: PathBuf,
    /// The stem's own rate, Hz, to place a damaged sample in time.
    file_rate: u32,
    /// Frames decoded so far, at the stem's own rate.
    decoded: u64,
    resampler: Option<Resampler>,
    channels: usize,
    /// Decoded (and resampled) frames not yet handed out.
    fifo: Vec<Vec<f32>>,
    read_buf: Vec<Vec<f32>>,
    rs_buf: Vec<Vec<f32>>,
    /// Silent frames still to emit before the audio (a positive offset).
    lead: u64,
    /// Frames still to drop from the start of the audio (a negative offset).
    skip: u64,
    eof: bool,
    /// Expected length in session frames, offset included, when the file states it.
    expected: Option<u64>,
}

impl TrackSource {
    /// Opens `path` for a render at `rate` Hz, shifted by `offset` frames
    /// (positive = later). Returns a warning when the stem is resampled.
    pub fn open(path: &Path, rate: u32, offset: i64) -> Result<(Self, Option<String>)> {
        let reader = AudioReader::open(path)?;
        let info = reader.info().clone();
        if info.channels > 2 {
            return Err(Error::input(
                path,
                format!(
                    "has {} channels; only mono and stereo stems can be mixed (split or downmix it first)",
                    info.channels
                ),
            ));
        }
        let (resampler, warning) = if info.sample_rate == rate {
            (None, None)
        } else {
            (
                Some(Resampler::new(info.sample_rate, rate, info.channels)?),
                Some(format!(
                    "{}: stem is {} Hz, resampled to the session's {} Hz",
                    path.display(),
                    info.sample_rate,
                    rate
                )),
            )
        };
        let scaled = info.frames.map(|f| {
            (u128::from(f) * u128::from(rate) / u128::from(info.sample_rate).max(1)) as u64
        });
        let lead = offset.max(0) as u64;
        let skip = offset.min(0).unsigned_abs();
        let expected = scaled.map(|f| (f + lead).saturating_sub(skip));
        let ch = info.channels;
        Ok((
            Self {
                reader,
                path: path.to_path_buf(),
                file_rate: info.sample_rate,
                decoded: 0,
                resampler,
                channels: ch,
                fifo: (0..ch)
                    .map(|_| Vec::with_capacity(3 * READ_FRAMES))
                    .collect::<Vec<_>>(),
                read_buf: (0..ch)
                    .map(|_| Vec::with_capacity(READ_FRAMES))
                    .collect::<Vec<_>>(),
                rs_buf: (0..ch)
                    .map(|_| Vec::with_capacity(2 * READ_FRAMES))
                    .collect::<Vec<_>>(),
                lead,
                skip,
                eof: false,
                expected,
            },
            warning,
        ))
    }

    /// Number of channels (1 or 2).
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Expected length in session frames, when known.
    pub fn expected_frames(&self) -> Option<u64> {
        self.expected
    }

    /// Once the stem has been read to its end: the warning for a stem
    /// shorter than its header declares (it is mixed as far as it goes).
    pub fn truncation_warning(&self) -> Option<String> {
        crate::analyze::truncation_warning(&self.path, &self.reader)
    }

    /// True once every frame of the stem has been handed out.
    pub fn is_done(&self) -> bool {
        self.eof && self.lead == 0 && self.fifo[0].is_empty()
    }

    /// Refuses a block just decoded (`got` frames) that holds NaN or ±∞ (a
    /// float WAV from a plugin that blew up, or damaged data): such a sample
    /// would poison every recursive filter after it and the mix's peak and
    /// loudness, so the render would write noise at a meaningless level. The
    /// error says where the first one is. Otherwise counts the frames.
    fn check_finite(&mut self, first_bad: Option<usize>, got: usize) -> Result<()> {
        if let Some(i) = first_bad {
            let at = (self.decoded + i as u64) as f64 / f64::from(self.file_rate.max(1));
            return Err(Error::input(
                &self.path,
                format!("the audio holds NaN or infinite samples (first at {at:.3} s)"),
            ));
        }
        self.decoded += got as u64;
        Ok(())
    }

    /// [`first_non_finite`] of a block just decoded, unless the stem is
    /// integer PCM, which cannot hold NaN or ±∞ (no need to scan it).
    fn scan(&self, block: &[Vec<f32>], got: usize) -> Option<usize> {
        if self.reader.samples_are_finite() {
            None
        } else {
            first_non_finite(block, got)
        }
    }

    /// Decodes until the FIFO holds `n` frames or the file ends.
    fn fill(&mut self, n: usize) -> Result<()> {
        while !self.eof && self.fifo[0].len() < n {
            let got = self.reader.read_block(&mut self.read_buf, READ_FRAMES)?;
            self.check_finite(self.scan(&self.read_buf, got), got)?;
            let produced = match self.resampler.as_mut() {
                Some(rs) if got > 0 => rs.process_block(&self.read_buf, &mut self.rs_buf)?,
                Some(rs) => rs.flush(&mut self.rs_buf)?,
                None => {
                    std::mem::swap(&mut self.read_buf, &mut self.rs_buf);
                    got
                }
            };
            if got == 0 {
                self.eof = true;
            }
            let drop = (self.skip.min(produced as u64)) as usize;
            self.skip -= drop as u64;
            for (dst, src) in self.fifo.iter_mut().zip(&self.rs_buf) {
                dst.extend_from_slice(&src[drop..produced]);
            }
        }
        Ok(())
    }

    /// Fills `out[c][..n]` (one vector per channel, at least `n` long; it may
    /// be left exactly `n` long) with the next `n` frames, zeros after the
    /// end. Returns how many frames were real audio or offset silence (less
    /// than `n` only at the end).
    pub fn next_block(&mut self, out: &mut [Vec<f32>], n: usize) -> Result<usize> {
        if self.lead == 0 && self.skip == 0 && self.resampler.is_none() && self.fifo[0].is_empty() {
            // The common case, straight from the decoder into the block: the
            // FIFO's two copies were ~4 % of a mix render.
            if self.eof {
                for ch in out.iter_mut() {
                    ch[..n].fill(0.0);
                }
                return Ok(0);
            }
            let got = self.reader.read_block(out, n)?;
            self.check_finite(self.scan(out, got), got)?;
            // The reader is short only at the end of the stream.
            if got < n {
                self.eof = true;
            }
            for ch in out.iter_mut() {
                ch.resize(n, 0.0);
            }
            return Ok(got);
        }
        let lead = (self.lead.min(n as u64)) as usize;
        self.lead -= lead as u64;
        for ch in out.iter_mut() {
            ch[..lead].fill(0.0);
        }
        let want = n - lead;
        self.fill(want)?;
        let take = want.min(self.fifo[0].len());
        for (dst, src) in out.iter_mut().zip(self.fifo.iter_mut()) {
            dst[lead..lead + take].copy_from_slice(&src[..take]);
            dst[lead + take..n].fill(0.0);
            src.drain(..take);
        }
        Ok(lead + take)
    }
}
