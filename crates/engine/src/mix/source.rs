//! A track's audio as a stream of fixed-size blocks at the session rate:
//! decode → resample (when the stem's rate differs) → time offset → zero
//! padding after the end, so every track yields exactly the frames asked for.

use std::path::Path;

use mixmaster_io::{AudioReader, Resampler};

use crate::{Error, Result};

/// Frames decoded per read: one render block.
const READ_FRAMES: usize = 4096;

/// A streaming, block-exact reader of one stem.
pub struct TrackSource {
    reader: AudioReader,
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

    /// True once every frame of the stem has been handed out.
    pub fn is_done(&self) -> bool {
        self.eof && self.lead == 0 && self.fifo[0].is_empty()
    }

    /// Decodes until the FIFO holds `n` frames or the file ends.
    fn fill(&mut self, n: usize) -> Result<()> {
        while !self.eof && self.fifo[0].len() < n {
            let got = self.reader.read_block(&mut self.read_buf, READ_FRAMES)?;
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
