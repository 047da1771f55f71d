//! The continuous album file: the delivered tracks laid end to end as the
//! [`Layout`] says, streamed block by block (memory holds one block plus the
//! crossfade overlaps).
//!
//! Gaps are digital silence and everything outside a crossfade is copied from
//! the delivered track files sample for sample: they are already at the
//! delivery's word length, and decoding a 16- or 24-bit file to `f32` and
//! writing it again at the same width is exact. So the album file *is* the
//! tracks, and its CUE points can be checked by comparing samples.
//!
//! A crossfade mixes two already-limited tracks with equal-power gains
//! (`cos`, `sin`), whose amplitude sum reaches √2 (+3 dB) mid-way: correlated
//! peaks can exceed the ceiling. The overlap is measured with the 8× true-peak
//! meter (with context on both sides); if it is over the ceiling the gains are
//! blended toward constant amplitude — `g · (g_out + g_in)^(−λ)` for λ = ½, then
//! 1, which is 1 at both ends so there is no step — and, should even the
//! constant-amplitude fade overshoot, a smooth `sin²` dip is applied across
//! the overlap. The report says which was needed. The mixed overlap is
//! re-quantised with flat TPDF dither at 16 bits (memoryless, so it starts and
//! stops cleanly at the overlap's edges); 24-bit needs none.

use std::path::{Path, PathBuf};

use mixmaster_analysis::true_peak::{TruePeakMeter, to_dbtp};
use mixmaster_analysis::{Analysis, AnalysisOptions, Analyzer};
use mixmaster_dsp::utility::{Dither, DitherParams, NoiseShaping, equal_power_crossfade};
use mixmaster_dsp::{ProcessSpec, Processor};
use mixmaster_io::{AudioReader, AudioWriter, EncodeSpec, SampleFormat, Tags, WriteOptions};
use serde::Serialize;

use super::layout::Layout;
use crate::{Error, Result};

/// Frames per block.
const BLOCK: usize = 8192;
/// Context kept on each side of an overlap for the true-peak measurement:
/// the 8× meter's interpolation filter reaches a few dozen samples.
const CONTEXT: usize = 64;
/// Room left under the ceiling in the overlap, dB (dither and the 4×
/// BS.1770 meter can read a little differently).
const MARGIN_DB: f64 = 0.05;
/// Blends toward constant-amplitude gains, tried in order.
const BLENDS: [f64; 3] = [0.0, 0.5, 1.0];
/// Dips tried after the constant-amplitude fade.
const MAX_DIPS: usize = 4;

/// What happened in one crossfade.
#[derive(Debug, Clone, Serialize)]
pub struct CrossfadeReport {
    /// The crossfade follows this track (from 1).
    pub after_track: usize,
    /// Overlap length, samples.
    pub samples: u64,
    /// True peak of the plain equal-power overlap, dBTP (8×).
    pub equal_power_true_peak_dbtp: f64,
    /// True peak of the overlap as written, dBTP (8×, before dither).
    pub true_peak_dbtp: f64,
    /// Blend toward constant-amplitude gains (0 = equal power, 1 = constant amplitude).
    pub blend: f64,
    /// Extra dip in the middle of the overlap, dB (0 when not needed).
    pub dip_db: f64,
    /// What was done and why, when anything was.
    pub note: Option<String>,
}

/// The album file and its measurements.
#[derive(Debug, Clone, Serialize)]
pub struct Assembled {
    /// Measurements of the whole album file (as written).
    pub analysis: Analysis,
    /// Its true peak by the independent 8× meter, dBTP.
    pub true_peak_8x_dbtp: f64,
    /// One entry per crossfade.
    pub crossfades: Vec<CrossfadeReport>,
}

type Stereo = [Vec<f32>; 2];

fn empty() -> Stereo {
    [Vec::new(), Vec::new()]
}

/// Reads exactly `n` frames (stereo) from `reader`, failing if it ends first.
fn read_frames(reader: &mut AudioReader, path: &Path, n: usize) -> Result<Stereo> {
    let mut out: Stereo = [Vec::with_capacity(n), Vec::with_capacity(n)];
    let mut block = vec![Vec::new(); 2];
    while out[0].len() < n {
        let got = reader.read_block(&mut block, (n - out[0].len()).min(BLOCK))?;
        if got == 0 {
            return Err(Error::input(path, "ended before its expected length"));
        }
        for (o, b) in out.iter_mut().zip(&block) {
            o.extend_from_slice(&b[..got]);
        }
    }
    Ok(out)
}

/// The output sinks: file, loudness/true-peak analysis, 8× meter, and the
/// last [`CONTEXT`] frames written (the left context of a crossfade).
struct Sink {
    writer: AudioWriter,
    analyzer: Analyzer,
    peak_8x: TruePeakMeter,
    history: Stereo,
    written: u64,
}

impl Sink {
    fn write(&mut self, l: &[f32], r: &[f32]) -> Result<()> {
        if l.is_empty() {
            return Ok(());
        }
        let s = [l, r];
        self.writer.write_block(&s)?;
        self.analyzer.push(&s);
        self.peak_8x.push(&s);
        for (h, x) in self.history.iter_mut().zip(s) {
            h.extend_from_slice(&x[x.len().saturating_sub(CONTEXT)..]);
            let extra = h.len().saturating_sub(CONTEXT);
            h.drain(..extra);
        }
        self.written += l.len() as u64;
        Ok(())
    }

    fn silence(&mut self, mut n: u64) -> Result<()> {
        let zeros = vec![0.0f32; BLOCK];
        while n > 0 {
            let k = n.min(BLOCK as u64) as usize;
            self.write(&zeros[..k], &zeros[..k])?;
            n -= k as u64;
        }
        Ok(())
    }
}

/// 8× true peak of `mid` with `pre` and `post` as context, dBTP.
fn region_peak(pre: &Stereo, mid: &Stereo, post: &Stereo) -> f64 {
    let mut meter = TruePeakMeter::new(2, 8);
    for part in [pre, mid, post] {
        meter.push(&[&part[0], &part[1]]);
    }
    to_dbtp(meter.finish().into_iter().fold(0.0, f64::max))
}

/// Mixes `a` (outgoing) and `b` (incoming) with equal-power gains blended by
/// `blend` toward constant amplitude and dipped by `dip_db` in the middle.
fn mix(a: &Stereo, b: &Stereo, blend: f64, dip_db: f64) -> Stereo {
    let n = a[0].len();
    let mut out: Stereo = [vec![0.0; n], vec![0.0; n]];
    for k in 0..n {
        let t = (k as f64 + 0.5) / n as f64;
        let (go, gi) = equal_power_crossfade(t);
        let h = (go + gi).powf(-blend);
        let dip = 10f64.powf(-dip_db * (std::f64::consts::PI * t).sin().powi(2) / 20.0);
        let (go, gi) = ((go * h * dip) as f32, (gi * h * dip) as f32);
        for c in 0..2 {
            out[c][k] = a[c][k] * go + b[c][k] * gi;
        }
    }
    out
}

/// The crossfade that stays under `ceiling`, and what it took.
fn crossfade(
    pre: &Stereo,
    a: &Stereo,
    b: &Stereo,
    post: &Stereo,
    ceiling: f64,
    after_track: usize,
) -> std::result::Result<(Stereo, CrossfadeReport), String> {
    let limit = ceiling - MARGIN_DB;
    let mut report = CrossfadeReport {
        after_track,
        samples: a[0].len() as u64,
        equal_power_true_peak_dbtp: f64::NAN,
        true_peak_dbtp: f64::NAN,
        blend: 0.0,
        dip_db: 0.0,
        note: None,
    };
    let mut tried = Vec::new();
    for blend in BLENDS {
        let out = mix(a, b, blend, 0.0);
        let tp = region_peak(pre, &out, post);
        tried.push((blend, tp));
        if blend == 0.0 {
            report.equal_power_true_peak_dbtp = tp;
        }
        if tp <= limit {
            report.blend = blend;
            report.true_peak_dbtp = tp;
            if blend > 0.0 {
                report.note = Some(format!(
                    "crossfade after track {after_track}: the equal-power overlap peaked at {:.2} dBTP, over the {ceiling:.1} dBTP ceiling; gains blended {:.0} % toward constant amplitude (up to {:.1} dB quieter mid-fade for uncorrelated material): {tp:.2} dBTP",
                    report.equal_power_true_peak_dbtp,
                    blend * 100.0,
                    blend * 3.01
                ));
            }
            return Ok((out, report));
        }
    }
    let mut dip = 0.0;
    let mut tp = tried.last().map_or(0.0, |t| t.1);
    for _ in 0..MAX_DIPS {
        dip += tp - limit + 0.01;
        let out = mix(a, b, 1.0, dip);
        tp = region_peak(pre, &out, post);
        if tp <= limit {
            report.blend = 1.0;
            report.dip_db = dip;
            report.true_peak_dbtp = tp;
            report.note = Some(format!(
                "crossfade after track {after_track}: the overlap peaked at {:.2} dBTP even with constant-amplitude gains, over the {ceiling:.1} dBTP ceiling; dipped by up to {dip:.2} dB mid-fade: {tp:.2} dBTP",
                report.equal_power_true_peak_dbtp
            ));
            return Ok((out, report));
        }
    }
    Err(format!(
        "the crossfade after track {after_track} stays at {tp:.2} dBTP, over the {ceiling:.1} dBTP ceiling"
    ))
}

/// Requantises a mixed overlap for a 16-bit file (flat TPDF); 24 bits needs none.
fn dither(x: &mut Stereo, spec: EncodeSpec, rate: u32, seed: u64) {
    if spec.sample_format != SampleFormat::Int16 || x[0].is_empty() {
        return;
    }
    let mut d = Dither::new(DitherParams {
        bits: 16,
        shaping: NoiseShaping::None,
        seed,
    });
    d.prepare(&ProcessSpec::new(f64::from(rate), 2, BLOCK));
    let n = x[0].len();
    let mut at = 0;
    while at < n {
        let end = (at + BLOCK).min(n);
        let [l, r] = x;
        d.process(&mut [&mut l[at..end], &mut r[at..end]]);
        at = end;
    }
}

/// What the album file is made of and how it is written.
pub struct AlbumFile<'a> {
    /// Delivered track files, in order (stereo, `rate`).
    pub tracks: &'a [PathBuf],
    /// Where they go.
    pub layout: &'a Layout,
    /// Sample rate, Hz.
    pub rate: u32,
    /// Container and word length (those of the track files).
    pub spec: EncodeSpec,
    /// True-peak ceiling, dBTP.
    pub ceiling_dbtp: f64,
    /// Tags for the album file.
    pub tags: Option<&'a Tags>,
}

/// Writes the album file to `out` and verifies it: refused (and not kept)
/// when its true peak, by BS.1770's 4× meter or the 8× one, is over the ceiling.
pub fn assemble(album: &AlbumFile, out: &Path, options: &WriteOptions) -> Result<Assembled> {
    let writer =
        AudioWriter::create_with_tags(out, album.spec, album.rate, 2, options, album.tags)?;
    let mut sink = Sink {
        writer,
        analyzer: Analyzer::new(album.rate, 2, AnalysisOptions::default())
            .map_err(|e| Error::input(out, e.to_string()))?,
        peak_8x: TruePeakMeter::new(2, 8),
        history: empty(),
        written: 0,
    };
    let mut crossfades = Vec::new();
    // The outgoing track's overlap (not yet written) and the context before it.
    let mut carry: Option<(Stereo, Stereo)> = None;
    for (i, (path, place)) in album.tracks.iter().zip(&album.layout.tracks).enumerate() {
        if sink.written != place.start {
            return Err(Error::input(out, format!("track {} is misplaced", i + 1)));
        }
        let mut reader = AudioReader::open(path)?;
        if reader.info().channels != 2 || reader.info().sample_rate != album.rate {
            return Err(Error::input(path, "not a stereo file at the album's rate"));
        }
        let body_end = place.frames - place.overlap_next;
        let mut at = 0u64;
        if let Some((pre, tail)) = carry.take() {
            let n_in = tail[0].len();
            let head_len = (n_in + CONTEXT).min(body_end as usize);
            let head = read_frames(&mut reader, path, head_len)?;
            let b: Stereo = [head[0][..n_in].to_vec(), head[1][..n_in].to_vec()];
            let post: Stereo = [head[0][n_in..].to_vec(), head[1][n_in..].to_vec()];
            let (mut mixed, report) = crossfade(&pre, &tail, &b, &post, album.ceiling_dbtp, i)
                .map_err(|m| Error::input(out, m))?;
            dither(&mut mixed, album.spec, album.rate, i as u64);
            sink.write(&mixed[0], &mixed[1])?;
            sink.write(&post[0], &post[1])?;
            crossfades.push(report);
            at = head_len as u64;
        }
        while at < body_end {
            let n = (body_end - at).min(BLOCK as u64) as usize;
            let block = read_frames(&mut reader, path, n)?;
            sink.write(&block[0], &block[1])?;
            at += n as u64;
        }
        if place.overlap_next > 0 {
            let tail = read_frames(&mut reader, path, place.overlap_next as usize)?;
            carry = Some((sink.history.clone(), tail));
        } else {
            sink.silence(place.gap_after)?;
        }
    }
    sink.silence(album.layout.total.saturating_sub(sink.written))?;
    let analysis = sink
        .analyzer
        .finish()
        .map_err(|e| Error::input(out, e.to_string()))?;
    let tp8 = to_dbtp(sink.peak_8x.finish().into_iter().fold(0.0, f64::max));
    let tp = analysis.true_peak_dbtp.map_or(tp8, |t| t.max(tp8));
    if tp > album.ceiling_dbtp {
        // Dropping the writer removes its temporary file: nothing is kept.
        return Err(Error::input(
            out,
            format!(
                "the album file measures {tp:.2} dBTP, over the {:.1} dBTP ceiling",
                album.ceiling_dbtp
            ),
        ));
    }
    sink.writer.finish()?;
    Ok(Assembled {
        analysis,
        true_peak_8x_dbtp: tp8,
        crossfades,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stereo sine at `amp` (peak), `n` frames at 48 kHz, starting at frame `from`.
    fn sine(amp: f32, hz: f64, from: usize, n: usize) -> Stereo {
        let x: Vec<f32> = (from..from + n)
            .map(|k| amp * (std::f64::consts::TAU * hz * k as f64 / 48_000.0).sin() as f32)
            .collect();
        [x.clone(), x]
    }

    #[test]
    fn correlated_crossfade_is_pulled_under_the_ceiling() {
        // The same 1 kHz sine at -1.2 dBFS on both sides, in phase: the equal-power
        // sum peaks at +1.8 dBFS mid-way (cos + sin = √2), over a -1 dBTP ceiling.
        let amp = 10f32.powf(-1.2 / 20.0);
        let (pre, a) = (
            sine(amp, 1000.0, 0, CONTEXT),
            sine(amp, 1000.0, CONTEXT, 4800),
        );
        let b = a.clone();
        let post = sine(amp, 1000.0, CONTEXT + 4800, CONTEXT);
        let (out, report) = crossfade(&pre, &a, &b, &post, -1.0, 1).unwrap();
        assert!(
            (report.equal_power_true_peak_dbtp - (-1.2 + 3.01)).abs() < 0.05,
            "{report:?}"
        );
        // Constant amplitude is exactly the sine again: -1.2 dBTP.
        assert_eq!(report.blend, 1.0, "{report:?}");
        assert!((report.true_peak_dbtp + 1.2).abs() < 0.02, "{report:?}");
        assert!(
            report
                .note
                .as_deref()
                .unwrap()
                .contains("constant amplitude")
        );
        let peak = out[0].iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!(f64::from(peak) <= f64::from(amp) * 1.0001);
    }

    #[test]
    fn uncorrelated_crossfade_keeps_equal_power() {
        // Different frequencies: the sum stays under the ceiling, nothing changes.
        let amp = 10f32.powf(-6.0 / 20.0);
        let a = sine(amp, 1000.0, 0, 4800);
        let b = sine(amp, 1500.0, 0, 4800);
        let (_, report) = crossfade(&empty(), &a, &b, &empty(), -1.0, 1).unwrap();
        assert_eq!(report.blend, 0.0);
        assert!(report.note.is_none());
        assert!(report.true_peak_dbtp < -1.0);
    }
}
