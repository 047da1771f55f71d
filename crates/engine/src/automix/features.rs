//! Per-stem measurement for the automatic mix, in one streaming pass per stem.
//!
//! Each stem is decoded once and cut into half-overlapping frames (sine
//! window, so the squared windows of neighbouring frames sum to one and
//! Parseval gives every hop's energy). One real FFT per frame and channel
//! yields everything the rules need:
//!
//! - **loudness** in the BS.1770 sense: the K-weighting is applied as a
//!   magnitude weight on the power spectrum (the same two filters libebur128
//!   designs, evaluated at each bin), 400 ms blocks every 100 ms;
//! - **active loudness**: silence gated out *relative to the stem's own
//!   loudest block* (not at an absolute −70 LUFS), then BS.1770's relative
//!   gate (−10 LU). Every gate is relative, so scaling a stem by any gain moves
//!   the measure by exactly that gain (the invariance the automix promises);
//! - **spectrum** in the 25 critical bands of Zwicker's Bark scale, as a long-term
//!   average over the active hops and per half-second segment (for masking);
//! - **crest factor**, **loudness range** (EBU Tech 3342 percentiles),
//!   **sibilance** (share of 4.4–12 kHz), **low-end share**, **onset rate** and a
//!   **bleed** estimate (the level between hits relative to the hits);
//! - **note-change rate** from the spectral flux (below), which finds the
//!   legato note changes of a melody that the energy onsets miss;
//! - **monophony**: how much of each frame one harmonic series explains
//!   ([`harmonic_share`]), which tells a melody (one pitch at a time) from a
//!   chordal part that moves as often.
//!
//! Why by hand: the workspace's `Analyzer` measures a whole release (true peak
//! at 8×, third-octave spectra, stereo, QC) and runs its K-weighting in the
//! time domain; one FFT pass here gives the few numbers the rules need at a
//! fraction of the cost (see bench/automix.sh), and relative gates that the
//! invariance property requires.

use std::path::Path;
use std::sync::Arc;

use mixmaster_io::AudioReader;
use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use serde::Serialize;

use crate::{Error, Result};

/// Upper edges of Zwicker's critical bands (Bark 1–24), Hz; the 25th band runs
/// from 15.5 kHz to Nyquist.
pub const BARK_EDGES_HZ: [f64; 24] = [
    100.0, 200.0, 300.0, 400.0, 510.0, 630.0, 770.0, 920.0, 1080.0, 1270.0, 1480.0, 1720.0, 2000.0,
    2320.0, 2700.0, 3150.0, 3700.0, 4400.0, 5300.0, 6400.0, 7700.0, 9500.0, 12000.0, 15500.0,
];
/// Number of critical bands measured.
pub const BANDS: usize = BARK_EDGES_HZ.len() + 1;
/// First band counted as sibilance (4.4 kHz) and the band past the last (12 kHz).
const SIBILANT_BANDS: std::ops::Range<usize> = 18..23;
/// Power below this edge counts as low end, Hz.
const LOW_END_HZ: f64 = 120.0;
/// A block quieter than the stem's loudest block by more than this is silence, LU.
const SILENCE_GATE_LU: f64 = 60.0;
/// Blocks below this are digital silence whatever the stem, LUFS.
const FLOOR_LUFS: f64 = -110.0;
/// BS.1770 relative gate, LU.
const RELATIVE_GATE_LU: f64 = 10.0;
/// Seconds per masking segment.
const SEGMENT_S: f64 = 0.5;
/// Bins between these frequencies feed the spectral flux, Hz: the fundamentals
/// and first harmonics of pitched parts, below the range where vibrato moves
/// upper harmonics by several bins.
const FLUX_RANGE_HZ: (f64, f64) = (60.0, 2000.0);
/// A hop is a note change when at least this share of its spectral magnitude
/// (in [`FLUX_RANGE_HZ`]) is new against the previous hop's — half-wave
/// rectified spectral flux, normalised so it is scale-free (Bello et al., "A
/// tutorial on onset detection in music signals", IEEE TSAP 2005, §III-A;
/// Dixon, "Onset detection revisited", DAFx 2006). A held note or chord
/// changes by a few per cent from hop to hop; a new note replaces most of it.
const NOTE_CHANGE_FLUX: f64 = 0.25;
/// Vibrato suppression: each bin is compared with the *maximum* of the previous
/// hop's magnitudes within ±this fraction of its frequency (rounded to whole
/// bins: none up to bin 14, ≈ 300 Hz, where ±60 cents is under half a bin), so
/// a partial that wobbles (vibrato, chorus) finds itself and only a new pitch
/// counts — the maximum filter of SuperFlux (Böck & Widmer, "Maximum filter
/// vibrato suppression for onset detection", DAFx 2013), sized in proportion
/// to frequency because these bins are linear: ±3.5 % is ±60 cents, wider than
/// a sung or bowed vibrato's usual ±50 cents and narrower than a whole tone,
/// the commonest melodic step.
const VIBRATO_SPAN: f64 = 0.035;
/// Harmonic sieve: the strongest partial is taken as harmonic 1 to this number
/// of a candidate fundamental (the strongest partial of a played or sung note
/// is almost always among its first four).
const SIEVE_DIVISORS: usize = 4;
/// Lowest candidate fundamental, in bins (≈ 65 Hz at 21.5 Hz per bin): below
/// it the harmonics lie closer than the window's main lobe and every spectrum
/// looks harmonic.
const SIEVE_MIN_F0_BINS: f64 = 3.0;
/// The sieve runs on every this many hops (≈ 93 ms apart, about a sixteenth
/// note at 160 BPM): the monophony is a median over the whole song, which a
/// sample of thousands of hops gives as well as all of them, and one sieve
/// costs some 7 % of a hop's two-channel FFT pass (measured: 1.0 against
/// 14.5 µs), 1.7 % when run on one hop in four (the analyse + decide budget
/// for 32 four-minute stems is 5 s).
const SIEVE_EVERY: usize = 4;

/// Lower and upper edge of critical band `b`, Hz (`nyquist` closes the last).
pub fn band_edges(b: usize, nyquist: f64) -> (f64, f64) {
    let lo = if b == 0 { 20.0 } else { BARK_EDGES_HZ[b - 1] };
    let hi = BARK_EDGES_HZ
        .get(b)
        .copied()
        .unwrap_or(nyquist.max(lo * 1.1));
    (lo, hi)
}

/// Geometric centre of critical band `b`, Hz.
pub fn band_centre(b: usize, nyquist: f64) -> f64 {
    let (lo, hi) = band_edges(b, nyquist);
    (lo * hi).sqrt()
}

/// The shortest stem whose loudness can be measured, s: one 400 ms gating
/// block of ITU-R BS.1770-4 (§2.1), the unit every loudness in the automix is
/// built from. A shorter stem is muted rather than balanced on a guess.
pub const MIN_SECONDS: f64 = 0.4;

/// What the rules know about one stem. Levels are in dB of mean square (dBFS
/// for a full-scale sine = −3) unless marked LUFS; ratios are scale-free.
#[derive(Debug, Clone, Serialize)]
pub struct StemFeatures {
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// Channels.
    pub channels: usize,
    /// Length, seconds.
    pub seconds: f64,
    /// Loudness of the active part (silence and quiet tails gated out), LUFS;
    /// `None` when the stem is silent.
    pub active_lufs: Option<f64>,
    /// Share of the stem's length that is active, 0–1.
    pub active_share: f64,
    /// Sample peak, dBFS.
    pub peak_dbfs: f64,
    /// Sample peak over the active RMS, dB.
    pub crest_db: f64,
    /// Loudness range (EBU Tech 3342 style, relative gates only), LU.
    pub lra_lu: f64,
    /// Long-term power per critical band over the active hops, dB.
    pub bands_db: Vec<f64>,
    /// Power-weighted mean frequency, Hz.
    pub centroid_hz: f64,
    /// Share of the power below 120 Hz, 0–1.
    pub low_share: f64,
    /// 95th percentile over active hops of the 4.4–12 kHz share of the power, dB
    /// (0 dB = all of it).
    pub sibilance_db: f64,
    /// 95th percentile of the 4.4–12 kHz level per hop, dB.
    pub sibilant_level_db: f64,
    /// Onsets per active second.
    pub onsets_per_s: f64,
    /// Note changes per active second: peaks of the normalised spectral flux
    /// above [`NOTE_CHANGE_FLUX`], legato changes included.
    pub note_changes_per_s: f64,
    /// Monophony, 0–1: median over the active hops of the share of the
    /// 60 Hz–2 kHz power that the best single harmonic series explains beyond
    /// chance ([`harmonic_share`]). Near 1 for a melody (one pitch at a time),
    /// about 1/n for n equally strong simultaneous notes, near 0 for noise.
    pub monophony: f64,
    /// Level between hits (10th percentile of all hops) relative to the hits
    /// (95th percentile of the audible hops), dB; near 0 for sustained sounds,
    /// very low for clean hits.
    pub floor_db: f64,
    /// 95th percentile hop mean square among non-silent hops, dB.
    pub hit_db: f64,
    /// Per-hop level and peak (dB), for the dynamics rules' gain estimates.
    #[serde(skip)]
    pub hops: Vec<HopLevel>,
    /// Band powers per half-second segment (linear), for the masking measure.
    #[serde(skip)]
    pub segments: Vec<[f32; BANDS]>,
    /// Problems with the file itself (cut short of its declared length), one
    /// line each naming it; the report's warnings carry them.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl StemFeatures {
    /// Shorter than [`MIN_SECONDS`]: too short for a loudness measurement.
    pub fn too_short(&self) -> bool {
        self.seconds < MIN_SECONDS
    }
}

/// One hop's level and peak, dB.
#[derive(Debug, Clone, Copy)]
pub struct HopLevel {
    /// Mean square of the hop, dB.
    pub ms_db: f64,
    /// Sample peak of the hop, dB.
    pub peak_db: f64,
    /// Whether the hop is inside the active part.
    pub active: bool,
}

fn db(p: f64) -> f64 {
    10.0 * p.max(1e-30).log10()
}

/// |H(f)|² of the BS.1770 K-weighting (pre-filter shelf × RLB high-pass) at
/// `fs`, with the analog-matched coefficients libebur128 uses at any rate.
fn k_weight_power(f: f64, fs: f64) -> f64 {
    let resp = |b: [f64; 3], a: [f64; 3]| {
        let w = std::f64::consts::TAU * f / fs;
        let z1 = Complex::new(w.cos(), -w.sin());
        let z2 = z1 * z1;
        let num = z1 * b[1] + z2 * b[2] + b[0];
        let den = z1 * a[1] + z2 * a[2] + a[0];
        (num / den).norm_sqr()
    };
    let (f0, g, q) = (1681.974450955533, 3.999843853973347, 0.7071752369554196);
    let k = (std::f64::consts::PI * f0 / fs).tan();
    let vh = 10f64.powf(g / 20.0);
    let vb = vh.powf(0.4996667741545416);
    let a0 = 1.0 + k / q + k * k;
    let shelf = resp(
        [
            (vh + vb * k / q + k * k) / a0,
            2.0 * (k * k - vh) / a0,
            (vh - vb * k / q + k * k) / a0,
        ],
        [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    );
    let (f0, q) = (38.13547087602444, 0.5003270373238773);
    let k = (std::f64::consts::PI * f0 / fs).tan();
    let a0 = 1.0 + k / q + k * k;
    let hp = resp(
        [1.0, -2.0, 1.0],
        [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    );
    shelf * hp
}

/// The `p`-quantile (0–1) of `v` (sorted in place); `None` when empty.
pub fn quantile(v: &mut [f64], p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    Some(v[i])
}

/// Per-frame spectral analyser: window, FFT, bin weights.
struct FrameAnalyser {
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
    input: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// Bin power scale (one-sided spectrum, Parseval) times the K-weighting, per bin.
    kw: Vec<f32>,
    /// Bin power scale per bin: 2/N, or 1/N at DC and Nyquist.
    scale: Vec<f32>,
    /// Bin range of each critical band.
    ranges: Vec<std::ops::Range<usize>>,
    /// Bin powers of the current frame.
    power: Vec<f32>,
    /// Bin frequency per bin, Hz.
    freq: Vec<f64>,
    /// Bins that feed the spectral flux.
    flux_bins: std::ops::Range<usize>,
    /// Previous frame's magnitudes over `flux_bins`, per channel.
    prev_mag: Vec<Vec<f32>>,
    /// Per flux bin, the span of previous-frame bins (indices into `prev_mag`)
    /// it is compared with ([`VIBRATO_SPAN`]).
    flux_span: Vec<std::ops::Range<usize>>,
    /// This frame's magnitudes over `flux_bins`.
    mags: Vec<f32>,
    /// Scratch for [`harmonic_share`]: which flux bins a sieve has taken.
    sieve: Vec<bool>,
    /// This hop's bin powers over `flux_bins`, summed over channels.
    pitch_power: Vec<f32>,
    /// Hops closed so far.
    hops_seen: usize,
}

impl FrameAnalyser {
    fn new(n: usize, fs: f64) -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n);
        let bins = n / 2 + 1;
        let freq: Vec<f64> = (0..bins).map(|k| k as f64 * fs / n as f64).collect();
        let scale: Vec<f32> = (0..bins)
            .map(|k| if k == 0 || k == bins - 1 { 1.0 } else { 2.0 } / n as f32)
            .collect();
        let band: Vec<usize> = freq
            .iter()
            .map(|f| BARK_EDGES_HZ.iter().take_while(|e| *f >= **e).count())
            .collect();
        let ranges = (0..BANDS)
            .map(|b| {
                let lo = band.iter().position(|x| *x >= b).unwrap_or(bins);
                let hi = band.iter().position(|x| *x > b).unwrap_or(bins);
                lo..hi.max(lo)
            })
            .collect();
        let bin_of = |f: f64| ((f * n as f64 / fs).round() as usize).min(bins);
        let flux_bins = bin_of(FLUX_RANGE_HZ.0)..bin_of(FLUX_RANGE_HZ.1);
        let flux_span = flux_bins
            .clone()
            .map(|k| {
                let w = (k as f64 * VIBRATO_SPAN).round() as usize;
                let lo = k.saturating_sub(w).max(flux_bins.start) - flux_bins.start;
                let hi = (k + w + 1).min(flux_bins.end) - flux_bins.start;
                lo..hi
            })
            .collect();
        Self {
            mags: vec![0.0; flux_bins.len()],
            sieve: vec![false; flux_bins.len()],
            pitch_power: vec![0.0; flux_bins.len()],
            hops_seen: 0,
            flux_bins,
            flux_span,
            prev_mag: Vec::new(),
            window: (0..n)
                .map(|i| (std::f64::consts::PI * (i as f64 + 0.5) / n as f64).sin() as f32)
                .collect(),
            input: vec![0.0; n],
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            kw: freq
                .iter()
                .zip(&scale)
                .map(|(f, s)| (k_weight_power(*f, fs) * f64::from(*s)) as f32)
                .collect(),
            scale,
            ranges,
            power: vec![0.0; bins],
            freq,
        }
    }

    /// Adds channel `ch`'s frame energy (per hop: K-weighted, per band) and
    /// spectral flux (new magnitude, all magnitude) into the sums.
    fn add(&mut self, ch: usize, frame: &[f32], h: &mut Hop) {
        for ((x, s), w) in self.input.iter_mut().zip(frame).zip(&self.window) {
            *x = s * w;
        }
        // Lengths match the plan, so the transform cannot fail.
        if self
            .fft
            .process_with_scratch(&mut self.input, &mut self.spectrum, &mut self.scratch)
            .is_err()
        {
            return;
        }
        // Bin powers, then one contiguous (vectorisable) sum per band and one
        // dot product for the K-weighted total.
        for (p, c) in self.power.iter_mut().zip(&self.spectrum) {
            *p = c.norm_sqr();
        }
        h.kms += f64::from(
            self.power
                .iter()
                .zip(&self.kw)
                .map(|(p, w)| p * w)
                .sum::<f32>(),
        );
        for (b, r) in self.ranges.iter().enumerate() {
            h.bands[b] += f64::from(
                self.power[r.clone()]
                    .iter()
                    .zip(&self.scale[r.clone()])
                    .map(|(p, w)| p * w)
                    .sum::<f32>(),
            );
        }
        if self.prev_mag.len() <= ch {
            self.prev_mag
                .resize(ch + 1, vec![0.0; self.flux_bins.len()]);
        }
        let (mut new, mut all) = (0.0f32, 0.0f32);
        let prev = &mut self.prev_mag[ch];
        for (m, p) in self
            .mags
            .iter_mut()
            .zip(&self.power[self.flux_bins.clone()])
        {
            *m = p.sqrt();
        }
        for (m, span) in self.mags.iter().zip(&self.flux_span) {
            let reference = prev[span.clone()].iter().fold(0.0f32, |a, b| a.max(*b));
            new += (m - reference).max(0.0);
            all += m;
        }
        prev.copy_from_slice(&self.mags);
        h.flux_new += f64::from(new);
        h.flux_all += f64::from(all);
        for (s, p) in self
            .pitch_power
            .iter_mut()
            .zip(&self.power[self.flux_bins.clone()])
        {
            *s += p;
        }
    }

    /// Closes a hop once every channel is added: on every
    /// [`SIEVE_EVERY`]th hop, the [`harmonic_share`] of the channels' summed
    /// power spectrum (one sieve per hop, not per channel).
    fn end_hop(&mut self, h: &mut Hop) {
        if self.hops_seen.is_multiple_of(SIEVE_EVERY) {
            h.harmonic = harmonic_share(&self.pitch_power, self.flux_bins.start, &mut self.sieve);
        }
        self.hops_seen += 1;
        self.pitch_power.fill(0.0);
    }
}

/// Raw per-hop measurements before gating.
struct Hop {
    kms: f64,
    ms: f64,
    peak: f32,
    bands: [f64; BANDS],
    /// Spectral magnitude that is new against the previous hop, summed over
    /// channels and the flux bins (linear, unscaled: only the ratio is used).
    flux_new: f64,
    /// All spectral magnitude over the same bins.
    flux_all: f64,
    /// [`harmonic_share`] of the hop's power summed over channels.
    harmonic: Option<f64>,
}

/// Measures the stem at `path`.
pub fn measure(path: &Path) -> Result<StemFeatures> {
    let mut reader = AudioReader::open(path)?;
    let info = reader.info().clone();
    let fs = f64::from(info.sample_rate);
    let ch = info.channels;
    if ch == 0 {
        return Err(Error::input(path, "no audio channels"));
    }
    // ~43 ms frames at 44.1/48 kHz: fine enough for onsets, 21 Hz bins.
    let n = (2048.0 * (fs / 48_000.0)).max(256.0) as usize;
    let n = n.next_power_of_two();
    let hop = n / 2;
    let mut fa = FrameAnalyser::new(n, fs);
    let mut window: Vec<Vec<f32>> = vec![vec![0.0; n]; ch];
    let mut block: Vec<Vec<f32>> = vec![Vec::with_capacity(hop); ch];
    let mut hops: Vec<Hop> = Vec::new();
    let mut total_frames = 0usize;
    let mut pending_tail = true;
    loop {
        let got = reader.read_block(&mut block, hop)?;
        if got == 0 {
            // One last frame so the final hop's second half is seen.
            if !pending_tail || total_frames == 0 {
                break;
            }
            pending_tail = false;
        }
        total_frames += got;
        let mut h = Hop {
            kms: 0.0,
            ms: 0.0,
            peak: 0.0,
            bands: [0.0; BANDS],
            flux_new: 0.0,
            flux_all: 0.0,
            harmonic: None,
        };
        for (c, (w, b)) in window.iter_mut().zip(&block).enumerate() {
            w.copy_within(hop.., 0);
            w[hop..hop + got].copy_from_slice(&b[..got]);
            w[hop + got..].fill(0.0);
            for x in &b[..got] {
                h.ms += f64::from(*x) * f64::from(*x);
                h.peak = h.peak.max(x.abs());
            }
            fa.add(c, w, &mut h);
        }
        fa.end_hop(&mut h);
        if !h.kms.is_finite() || !h.ms.is_finite() {
            // Name the first bad sample's time, as `mix` and `master` do
            // (earlier hops were finite, so it lies in this block).
            let first = (0..got).find(|&k| block.iter().any(|b| !b[k].is_finite()));
            let at = first
                .map(|k| format!(" (first at {:.3} s)", (total_frames - got + k) as f64 / fs))
                .unwrap_or_default();
            return Err(Error::input(
                path,
                format!("the audio holds NaN or infinite samples{at}"),
            ));
        }
        let scale = 1.0 / hop as f64;
        h.kms *= scale;
        h.ms *= scale;
        for b in &mut h.bands {
            *b *= scale;
        }
        hops.push(h);
        if got == 0 {
            break;
        }
    }
    let mut f = summarise(
        &hops,
        info.sample_rate,
        ch,
        total_frames,
        hop,
        &fa.freq_bands(),
    );
    f.warnings
        .extend(crate::analyze::truncation_warning(path, &reader));
    Ok(f)
}

impl FrameAnalyser {
    /// Centre frequency of each critical band at this rate.
    fn freq_bands(&self) -> Vec<f64> {
        let nyq = self.freq.last().copied().unwrap_or(24_000.0);
        (0..BANDS).map(|b| band_centre(b, nyq)).collect()
    }
}

/// Loudness of mean square `z` (sum over channels of K-weighted power), LUFS.
fn lufs(z: f64) -> f64 {
    -0.691 + db(z)
}

/// Means of `x` over windows of `len` hops every `step` hops.
fn blocks(x: &[f64], len: usize, step: usize) -> Vec<f64> {
    if x.is_empty() {
        return Vec::new();
    }
    let len = len.clamp(1, x.len());
    (0..=(x.len() - len))
        .step_by(step.max(1))
        .map(|i| x[i..i + len].iter().sum::<f64>() / len as f64)
        .collect()
}

/// Gates `blocks` (mean squares) relative to the loudest: silence (−60 LU and
/// the floor), then `relative` LU below the power mean. Returns the gate
/// threshold (mean square) and the gated blocks.
fn relative_gate(blocks: &[f64], relative: f64) -> Option<(f64, Vec<f64>)> {
    let max = blocks.iter().copied().fold(0.0, f64::max);
    let floor = 10f64.powf((FLOOR_LUFS + 0.691) / 10.0);
    if max <= floor {
        return None;
    }
    let silence = (max * 10f64.powf(-SILENCE_GATE_LU / 10.0)).max(floor);
    let audible: Vec<f64> = blocks.iter().copied().filter(|z| *z > silence).collect();
    let mean = audible.iter().sum::<f64>() / audible.len() as f64;
    let gate = mean * 10f64.powf(-relative / 10.0);
    Some((gate, audible.into_iter().filter(|z| *z > gate).collect()))
}

fn summarise(
    hops: &[Hop],
    sample_rate: u32,
    channels: usize,
    frames: usize,
    hop: usize,
    centres: &[f64],
) -> StemFeatures {
    let fs = f64::from(sample_rate);
    let hop_s = hop as f64 / fs;
    let kms: Vec<f64> = hops.iter().map(|h| h.kms).collect();
    let per = |s: f64| ((s / hop_s).round() as usize).max(1);
    let momentary = blocks(&kms, per(0.4), per(0.1));
    let mut f = StemFeatures {
        sample_rate,
        channels,
        seconds: frames as f64 / fs,
        active_lufs: None,
        active_share: 0.0,
        peak_dbfs: db(hops
            .iter()
            .map(|h| f64::from(h.peak).powi(2))
            .fold(0.0, f64::max)),
        crest_db: 0.0,
        lra_lu: 0.0,
        bands_db: vec![db(0.0); BANDS],
        centroid_hz: 0.0,
        low_share: 0.0,
        sibilance_db: db(0.0),
        sibilant_level_db: db(0.0),
        onsets_per_s: 0.0,
        note_changes_per_s: 0.0,
        monophony: 0.0,
        floor_db: db(0.0),
        hit_db: db(0.0),
        hops: Vec::new(),
        segments: Vec::new(),
        warnings: Vec::new(),
    };
    let Some((gate, active)) = relative_gate(&momentary, RELATIVE_GATE_LU) else {
        return f;
    };
    f.active_lufs = Some(lufs(active.iter().sum::<f64>() / active.len() as f64));
    // Short-term (3 s) loudness range: 10th to 95th percentile above a −20 LU gate.
    let short = blocks(&kms, per(3.0), per(0.5));
    if let Some((_, mut st)) = relative_gate(&short, 20.0) {
        let lo = quantile(&mut st, 0.10).unwrap_or(0.0);
        let hi = quantile(&mut st, 0.95).unwrap_or(0.0);
        f.lra_lu = db(hi) - db(lo);
    }
    // A hop is active when its own loudness passes the gate.
    let active_hop: Vec<bool> = kms.iter().map(|z| *z > gate).collect();
    let n_active = active_hop.iter().filter(|a| **a).count().max(1);
    f.active_share = n_active as f64 / hops.len().max(1) as f64;
    let mut bands = [0.0f64; BANDS];
    let mut ms = 0.0;
    let mut sib_share = Vec::new();
    let mut sib_level = Vec::new();
    for (h, _) in hops.iter().zip(&active_hop).filter(|(_, a)| **a) {
        for (s, b) in bands.iter_mut().zip(&h.bands) {
            *s += b;
        }
        ms += h.ms;
        let total: f64 = h.bands.iter().sum();
        let hi: f64 = h.bands[SIBILANT_BANDS].iter().sum();
        if total > 0.0 {
            sib_share.push(db(hi / total));
            sib_level.push(db(hi));
        }
    }
    let total: f64 = bands.iter().sum();
    f.bands_db = bands.iter().map(|b| db(b / n_active as f64)).collect();
    f.centroid_hz = bands.iter().zip(centres).map(|(p, c)| p * c).sum::<f64>() / total.max(1e-30);
    // The first critical band (0–100 Hz) plus a linear share of the second up to 120 Hz.
    let low = bands[0] + bands[1] * (LOW_END_HZ - 100.0) / 100.0;
    f.low_share = low / total.max(1e-30);
    f.crest_db = f.peak_dbfs - db(ms / n_active as f64);
    f.sibilance_db = quantile(&mut sib_share, 0.95).unwrap_or(f.sibilance_db);
    f.sibilant_level_db = quantile(&mut sib_level, 0.95).unwrap_or(f.sibilant_level_db);
    // Hop levels for onsets, bleed and the dynamics estimates.
    let max_ms = hops.iter().map(|h| h.ms).fold(0.0, f64::max);
    let audible = max_ms * 10f64.powf(-SILENCE_GATE_LU / 10.0);
    f.hops = hops
        .iter()
        .zip(&active_hop)
        .map(|(h, a)| HopLevel {
            ms_db: db(h.ms),
            peak_db: db(f64::from(h.peak).powi(2)),
            active: *a,
        })
        .collect();
    let mut onsets = 0usize;
    let mut since = usize::MAX;
    let min_gap = per(0.06);
    for i in 2..hops.len() {
        since = since.saturating_add(1);
        if hops[i].ms > audible && db(hops[i].ms) - db(hops[i - 2].ms) >= 9.0 && since >= min_gap {
            onsets += 1;
            since = 0;
        }
    }
    f.onsets_per_s = onsets as f64 / (n_active as f64 * hop_s);
    f.note_changes_per_s = note_changes(hops, &active_hop, min_gap) / (n_active as f64 * hop_s);
    let mut mono: Vec<f64> = hops
        .iter()
        .zip(&active_hop)
        .filter(|(_, a)| **a)
        .filter_map(|(h, _)| h.harmonic)
        .collect();
    f.monophony = quantile(&mut mono, 0.5).unwrap_or(0.0);
    let mut levels: Vec<f64> = hops
        .iter()
        .filter(|h| h.ms > audible * 1e-2)
        .map(|h| db(h.ms))
        .collect();
    f.hit_db = quantile(&mut levels, 0.95).unwrap_or(f.hit_db);
    // The floor counts every hop, digital silence included: clean hits with
    // nothing between them have no floor to gate.
    let mut all: Vec<f64> = hops.iter().map(|h| db(h.ms)).collect();
    let floor = quantile(&mut all, 0.10).unwrap_or(f.floor_db);
    f.floor_db = floor - f.hit_db;
    // Half-second segments of band power for the masking measure.
    let seg = per(SEGMENT_S);
    f.segments = hops
        .chunks(seg)
        .map(|c| {
            let mut s = [0.0f32; BANDS];
            for h in c {
                for (x, b) in s.iter_mut().zip(&h.bands) {
                    *x += (*b / c.len() as f64) as f32;
                }
            }
            s
        })
        .collect();
    f
}

/// Share of a frame's power (`power`: bin powers from bin `first` on) that the
/// best single harmonic series explains beyond chance, 0–1; `None` for a
/// silent frame. `used` is scratch of `power`'s length.
///
/// A harmonic sieve (Klapuri, "Multiple fundamental frequency estimation by
/// summing harmonic amplitudes", ISMIR 2006, in its simplest form: one
/// fundamental, harmonic weights 1): the strongest bin, refined by parabolic
/// interpolation, is taken as harmonic 1 … [`SIEVE_DIVISORS`] of a candidate
/// fundamental; each candidate collects the power of the two bins nearest each
/// of its harmonics. A low fundamental's sieve covers a larger part of the
/// bins and collects that share of *any* spectrum, so each candidate's share
/// `e` is corrected for its coverage `c` as `(e − c) / (1 − c)` (0 for a flat
/// spectrum, 1 when the series holds everything), and the best candidate
/// counts. One harmonic tone scores near 1; n equally strong notes whose
/// series do not coincide about 1/n — the polyphony the melody-track
/// selection literature uses to tell the melody from the accompaniment
/// (Rizo et al., ISMIR 2006: melody tracks are mostly monophonic).
///
/// Why by hand: it reuses the frame's power spectrum (a few hundred
/// additions per frame); a pitch-tracking crate would transform again.
fn harmonic_share(power: &[f32], first: usize, used: &mut [bool]) -> Option<f64> {
    let (mut total, mut k, mut top) = (0.0f32, 0usize, 0.0f32);
    for (i, p) in power.iter().enumerate() {
        total += p;
        if *p > top {
            (k, top) = (i, *p);
        }
    }
    let total = f64::from(total);
    if total <= 0.0 || !total.is_finite() {
        return None;
    }
    // Parabolic interpolation on the log power around the peak.
    let at = |i: usize| f64::from(power[i]).max(1e-30).ln();
    let offset = if k > 0 && k + 1 < power.len() {
        let (a, b, c) = (at(k - 1), at(k), at(k + 1));
        let d = a - 2.0 * b + c;
        if d < 0.0 {
            (0.5 * (a - c) / d).clamp(-0.5, 0.5)
        } else {
            0.0
        }
    } else {
        0.0
    };
    let peak = (first + k) as f64 + offset;
    let last = first + power.len();
    (1..=SIEVE_DIVISORS)
        .filter_map(|d| {
            let f0 = peak / d as f64;
            if f0 < SIEVE_MIN_F0_BINS {
                return None;
            }
            used.fill(false);
            let (mut e, mut taken) = (0.0, 0usize);
            let mut h = 1.0;
            while h * f0 < last as f64 {
                let x = h * f0;
                for b in [x.floor() as usize, x.ceil() as usize] {
                    if (first..last).contains(&b) && !used[b - first] {
                        used[b - first] = true;
                        taken += 1;
                        e += f64::from(power[b - first]);
                    }
                }
                h += 1.0;
            }
            let c = taken as f64 / power.len() as f64;
            (c < 1.0).then(|| ((e / total - c) / (1.0 - c)).max(0.0))
        })
        .max_by(f64::total_cmp)
}

/// Note changes among the active hops: local maxima of the normalised
/// spectral flux at or above [`NOTE_CHANGE_FLUX`], at least `min_gap` hops apart.
fn note_changes(hops: &[Hop], active: &[bool], min_gap: usize) -> f64 {
    let novelty: Vec<f64> = hops
        .iter()
        .map(|h| {
            if h.flux_all > 0.0 {
                h.flux_new / h.flux_all
            } else {
                0.0
            }
        })
        .collect();
    let mut count = 0usize;
    let mut since = usize::MAX;
    for i in 1..novelty.len() {
        since = since.saturating_add(1);
        let next = novelty.get(i + 1).copied().unwrap_or(0.0);
        let v = novelty[i];
        if active[i]
            && v >= NOTE_CHANGE_FLUX
            && v >= novelty[i - 1]
            && v >= next
            && since >= min_gap
        {
            count += 1;
            since = 0;
        }
    }
    count as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32 * 0.3
            })
            .collect()
    }

    fn hops_of(x: &[f32], fs: f64) -> (Vec<Hop>, usize, Vec<f64>) {
        let n = 2048;
        let hop = n / 2;
        let mut fa = FrameAnalyser::new(n, fs);
        let mut w = vec![0.0f32; n];
        let mut out = Vec::new();
        for chunk in x.chunks(hop) {
            w.copy_within(hop.., 0);
            w[hop..hop + chunk.len()].copy_from_slice(chunk);
            w[hop + chunk.len()..].fill(0.0);
            let mut h = Hop {
                kms: 0.0,
                ms: chunk.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / hop as f64,
                peak: chunk.iter().fold(0.0f32, |m, v| m.max(v.abs())),
                bands: [0.0; BANDS],
                flux_new: 0.0,
                flux_all: 0.0,
                harmonic: None,
            };
            fa.add(0, &w, &mut h);
            fa.end_hop(&mut h);
            h.kms /= hop as f64;
            h.bands.iter_mut().for_each(|b| *b /= hop as f64);
            out.push(h);
        }
        let c = fa.freq_bands();
        (out, hop, c)
    }

    /// The FFT-domain K-weighting reads what the `ebur128` crate reads on
    /// steady noise (BS.1770 integrated, which equals the active loudness of
    /// a signal with no pauses) to within 0.2 LU.
    #[test]
    fn active_loudness_matches_bs1770_on_noise() {
        let fs = 48_000u32;
        let x = noise(fs as usize * 6, 7);
        let (h, hop, c) = hops_of(&x, f64::from(fs));
        let f = summarise(&h, fs, 1, x.len(), hop, &c);
        let mut m = ebur128::EbuR128::new(1, fs, ebur128::Mode::I).unwrap();
        m.add_frames_f32(&x).unwrap();
        let want = m.loudness_global().unwrap();
        let got = f.active_lufs.unwrap();
        assert!((got - want).abs() < 0.2, "{got} vs {want}");
    }

    /// Silence between notes is gated out: bursts of noise with 1 s or 3 s
    /// pauses read the same active loudness (a plain average would differ by
    /// 3 dB), equal to BS.1770's integrated loudness (whose −70 LUFS gate drops
    /// digital silence) within 0.2 LU; the active share follows the duty cycle.
    #[test]
    fn pauses_are_gated_out() {
        let fs = 48_000u32;
        let burst = noise(fs as usize, 3);
        let with_pauses = |pause_s: usize| {
            let mut x = Vec::new();
            for _ in 0..4 {
                x.extend_from_slice(&burst);
                x.extend(std::iter::repeat_n(0.0f32, fs as usize * pause_s));
            }
            x
        };
        let (short, long) = (with_pauses(1), with_pauses(3));
        let measure = |x: &[f32]| {
            let (h, hop, c) = hops_of(x, f64::from(fs));
            summarise(&h, fs, 1, x.len(), hop, &c)
        };
        let (a, b) = (measure(&short), measure(&long));
        let (la, lb) = (a.active_lufs.unwrap(), b.active_lufs.unwrap());
        assert!((la - lb).abs() < 0.1, "{la} vs {lb}");
        let mut m = ebur128::EbuR128::new(1, fs, ebur128::Mode::I).unwrap();
        m.add_frames_f32(&short).unwrap();
        let want = m.loudness_global().unwrap();
        assert!((la - want).abs() < 0.2, "{la} vs {want}");
        assert!((a.active_share - 0.5).abs() < 0.1, "{}", a.active_share);
        assert!((b.active_share - 0.25).abs() < 0.1, "{}", b.active_share);
        // Clean bursts: the floor between them is far below them.
        assert!(a.floor_db < -60.0, "{}", a.floor_db);
    }

    /// A −12 dB copy reads 12 dB lower and keeps every scale-free feature.
    #[test]
    fn features_follow_gain_exactly() {
        let fs = 48_000u32;
        let x = noise(fs as usize * 3, 11);
        let y: Vec<f32> = x.iter().map(|v| v * 0.251_188_64).collect();
        let (hx, hop, c) = hops_of(&x, f64::from(fs));
        let (hy, _, _) = hops_of(&y, f64::from(fs));
        let (a, b) = (
            summarise(&hx, fs, 1, x.len(), hop, &c),
            summarise(&hy, fs, 1, y.len(), hop, &c),
        );
        let d = a.active_lufs.unwrap() - b.active_lufs.unwrap();
        assert!((d - 12.0).abs() < 0.01, "{d}");
        assert!((a.crest_db - b.crest_db).abs() < 0.01);
        assert!((a.centroid_hz - b.centroid_hz).abs() < 1.0);
        assert!((a.sibilance_db - b.sibilance_db).abs() < 0.01);
    }

    /// Harmonic tone of `f0` Hz (six partials, 1/h), `len` samples from `start`.
    fn tone(f0: f64, start: usize, len: usize, fs: f64) -> impl Iterator<Item = f32> {
        (start..start + len).map(move |i| {
            let t = i as f64 / fs;
            (1..7)
                .map(|h| (std::f64::consts::TAU * f0 * h as f64 * t).sin() / h as f64)
                .sum::<f64>() as f32
                * 0.2
        })
    }

    /// The test tune's pitches, Hz.
    const NOTES: [f64; 8] = [220.0, 247.0, 262.0, 294.0, 330.0, 294.0, 262.0, 196.0];

    /// A legato tune at 48 kHz: 40 notes of 250 ms, no gap, no level change,
    /// its pitches [`NOTES`] scaled by `transpose`.
    fn legato_melody(transpose: f64) -> Vec<f32> {
        let step = 48_000 / 4;
        (0..40)
            .flat_map(|k| tone(transpose * NOTES[k % NOTES.len()], k * step, step, 48_000.0))
            .collect()
    }

    /// A legato melody (a new pitch every 250 ms, no gap, no level change)
    /// reads its 4 note changes per second within 15 % although the energy
    /// onsets see none; a held chord reads (almost) no note change, with or
    /// without vibrato.
    #[test]
    fn legato_note_changes_are_counted_and_held_chords_are_not() {
        let fs = 48_000u32;
        let f = f64::from(fs);
        let melody = legato_melody(1.0);
        let chord: Vec<f32> = tone(220.0, 0, melody.len(), f)
            .zip(tone(277.2, 0, melody.len(), f))
            .zip(tone(329.6, 0, melody.len(), f))
            .map(|((a, b), c)| a + b + c)
            .collect();
        let measure = |x: &[f32]| {
            let (h, hop, c) = hops_of(x, f);
            summarise(&h, fs, 1, x.len(), hop, &c)
        };
        let (m, c) = (measure(&melody), measure(&chord));
        assert!(m.onsets_per_s < 0.5, "{}", m.onsets_per_s);
        assert!(
            (m.note_changes_per_s - 4.0).abs() < 0.6,
            "{}",
            m.note_changes_per_s
        );
        assert!(c.note_changes_per_s < 0.2, "{}", c.note_changes_per_s);
        // The same chord with a 5.5 Hz, ±60 cent vibrato on every note (a
        // string or choir pad, wobbling more than most singers) is still held.
        let vib = |f0: f64| {
            let mut phase = 0.0f64;
            (0..melody.len()).map(move |i| {
                let t = i as f64 / f;
                let fi = f0 * 2f64.powf(0.6 / 12.0 * (std::f64::consts::TAU * 5.5 * t).sin());
                phase += std::f64::consts::TAU * fi / f;
                (1..7)
                    .map(|h| (phase * h as f64).sin() / h as f64)
                    .sum::<f64>() as f32
                    * 0.2
            })
        };
        let wobbly: Vec<f32> = vib(220.0)
            .zip(vib(277.2))
            .zip(vib(329.6))
            .map(|((a, b), c)| a + b + c)
            .collect();
        let w = measure(&wobbly);
        assert!(w.note_changes_per_s < 0.2, "{}", w.note_changes_per_s);
    }

    /// One pitch at a time reads as monophonic, a three-note chord (moving
    /// as often) does not: the melody's median harmonic share lies near 1; a
    /// major triad's root series also holds every second partial of the fifth
    /// (3:2) and every fourth of the third (5:4): with 1/h partials that is
    /// (1 + 1/4 + 1/16)/3 ≈ 0.44 of the power, plus the other partials the
    /// sieve takes by chance — under the 0.58 partial-count bound either way;
    /// a low line (110 Hz, harmonics 5 bins apart) still reads monophonic,
    /// and noise reads near 0.
    #[test]
    fn melody_is_monophonic_and_chords_are_not() {
        let fs = 48_000u32;
        let f = f64::from(fs);
        let step = fs as usize / 4;
        let measure = |x: &[f32]| {
            let (h, hop, c) = hops_of(x, f);
            summarise(&h, fs, 1, x.len(), hop, &c).monophony
        };
        let (melody, low) = (legato_melody(1.0), legato_melody(0.5));
        // Triads (root, major third, fifth) on the same roots, a new one every 500 ms.
        let chords: Vec<f32> = (0..20)
            .flat_map(|k| {
                let r = NOTES[k % NOTES.len()];
                let s = 2 * step;
                tone(r, k * s, s, f)
                    .zip(tone(r * 1.26, k * s, s, f))
                    .zip(tone(r * 1.498, k * s, s, f))
                    .map(|((a, b), c)| a + b + c)
                    .collect::<Vec<_>>()
            })
            .collect();
        let (m, l, c, n) = (
            measure(&melody),
            measure(&low),
            measure(&chords),
            measure(&noise(melody.len(), 5)),
        );
        eprintln!("monophony: melody {m:.2}, low line {l:.2}, triads {c:.2}, noise {n:.2}");
        assert!(m > 0.8, "{m}");
        assert!(l > 0.7, "{l}");
        assert!(c < 0.58, "{c}");
        assert!(n < 0.2, "{n}");
    }

    #[test]
    fn silence_has_no_loudness() {
        let x = vec![0.0f32; 48_000];
        let (h, hop, c) = hops_of(&x, 48_000.0);
        let f = summarise(&h, 48_000, 1, x.len(), hop, &c);
        assert!(f.active_lufs.is_none());
        assert!(f.bands_db.iter().all(|b| b.is_finite()));
    }
}
