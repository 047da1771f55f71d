//! The measurements of one programme, as a plain serialisable value.
//!
//! Field names carry their unit and are part of the JSON interface: do not rename.
//! Levels that are −∞ (silence) are `None` and serialise as JSON `null`.

use serde::{Deserialize, Serialize};

/// One ISO 266 third-octave band of the long-term average spectrum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThirdOctaveBand {
    /// Nominal centre frequency (Hz), e.g. 31.5 or 1000.
    pub center_hz: f64,
    /// Mean-square power in the band, power-averaged over channels, in dB relative to
    /// full scale with the same convention as `rms_dbfs` (a 0 dBFS sine in every
    /// channel reads −3.01 dB in its band). `None` when the band holds no energy or
    /// lies above the Nyquist frequency.
    pub level_db: Option<f64>,
}

/// One 1/24-octave band of the long-term average spectrum, with what it takes
/// to tell a resonance (a steady narrow peak) from the notes of the music.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FineBand {
    /// Centre frequency, Hz: exactly 1 kHz·2^(k/24).
    pub center_hz: f64,
    /// Mean power per FFT bin, dBFS per bin (bins are `sample_rate / 2^⌈log2(fs/4)⌉`
    /// Hz wide), so narrow peaks stand out against their neighbours at any
    /// frequency. `None` for no energy.
    pub level_db: Option<f64>,
    /// When the band is a local maximum: its height over the median of the
    /// bands 2-8 away on both sides (within ±1/3 octave), dB.
    pub prominence_db: Option<f64>,
    /// Share (0-1) of non-silent analysis frames (~0.37 s hops) in which this
    /// band stood ≥ 6 dB over its neighbourhood. A resonance rings in nearly
    /// every frame; the notes of a melody come and go.
    pub peak_occupancy: f64,
}

/// Everything measured about one programme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Sample rate (Hz).
    pub sample_rate: u32,
    /// Channel count.
    pub channels: usize,
    /// Length (s).
    pub duration_s: f64,
    /// BS.1770-4 gated integrated loudness (LUFS). `None` when every block is gated out.
    /// Channel weights: 2 channels L/R; 6 channels L R C LFE Ls Rs (LFE excluded,
    /// surrounds +1.5 dB); see [`crate::channel_map`] for the others.
    pub integrated_lufs: Option<f64>,
    /// EBU Tech 3342 loudness range (LU). `None` with `integrated_lufs`.
    pub loudness_range_lu: Option<f64>,
    /// Highest momentary (400 ms) loudness, read every 100 ms (LUFS).
    pub max_momentary_lufs: Option<f64>,
    /// Highest short-term (3 s) loudness, read every 100 ms (LUFS).
    pub max_short_term_lufs: Option<f64>,
    /// Highest sample magnitude over all channels (dBFS).
    pub sample_peak_dbfs: Option<f64>,
    /// Highest sample magnitude per channel (dBFS).
    pub sample_peak_per_channel_dbfs: Vec<Option<f64>>,
    /// BS.1770 true peak over all channels (dBTP), from `ebur128` (4× oversampling
    /// below 96 kHz, never below the sample peak).
    pub true_peak_dbtp: Option<f64>,
    /// True peak per channel (dBTP).
    pub true_peak_per_channel_dbtp: Vec<Option<f64>>,
    /// RMS of all samples of all channels (dBFS, unweighted; a full-scale sine reads
    /// −3.01 dBFS, not 0 — no "+3 dB" AES-17 convention).
    pub rms_dbfs: Option<f64>,
    /// `sample_peak_dbfs − rms_dbfs` (dB).
    pub crest_factor_db: Option<f64>,
    /// Peak-to-loudness ratio, `true_peak_dbtp − integrated_lufs` (dB).
    pub plr_db: Option<f64>,
    /// Mean of each channel as a fraction of full scale (0.01 = 1 % DC).
    pub dc_offset: Vec<f64>,
    /// Pearson correlation of channels 0 and 1 over the whole file, −1..1.
    /// `None` for mono or when both are silent; 0 when just one of them is silent.
    pub correlation: Option<f64>,
    /// Lowest correlation of any 400 ms window (100 ms hop) whose RMS is above
    /// `AnalysisOptions::correlation_gate_dbfs`. `None` for mono or when no window
    /// qualifies.
    pub worst_correlation: Option<f64>,
    /// Start time of that window (s).
    pub worst_correlation_at_s: Option<f64>,
    /// Side energy relative to mid energy, with M = (L+R)/2, S = (L−R)/2 (dB).
    /// `None` for mono, when L = R exactly (−∞), or when mid is silent (+∞).
    pub side_to_mid_db: Option<f64>,
    /// How much quieter the programme gets when folded to mono: integrated loudness
    /// of the stereo signal minus that of (L+R)/2 played on both channels (LU).
    /// 0 for L = R, about +3 for uncorrelated equal channels, large for out-of-phase
    /// material. Mono files read 0 (folding changes nothing); `None` for more than
    /// two channels or silence.
    pub mono_loudness_drop_lu: Option<f64>,
    /// Runs of at least 3 consecutive same-sign samples at or beyond full scale in one
    /// channel, counted per channel. "Full scale" is |x| ≥ 32767/32768, the largest
    /// positive 16-bit code, so clipped 16-bit, 24-bit and float files all count.
    pub clipped_runs: u64,
    /// Samples inside those runs (isolated full-scale samples are not counted).
    pub clipped_samples: u64,
    /// Time before the first frame with any channel above the silence threshold (s).
    /// Equals `duration_s` when the whole file is silent.
    pub leading_silence_s: f64,
    /// Time after the last frame with any channel above the silence threshold (s).
    pub trailing_silence_s: f64,
    /// NaN and ±∞ samples. Every meter reads them as 0.
    pub non_finite_samples: u64,
    /// Time of the first of them (s).
    pub first_non_finite_s: Option<f64>,
    /// Long-term average spectrum in the 31 third-octave bands from 20 Hz to 20 kHz:
    /// Hann-windowed FFT frames with 50 % overlap, power-averaged over frames and
    /// over channels (so side-only content counts, unlike a mid-only spectrum).
    pub third_octave_dbfs: Vec<ThirdOctaveBand>,
    /// The same spectrum in 1/24-octave bands from 50 Hz to 20 kHz, for
    /// finding resonances (see [`FineBand`]).
    #[serde(default)]
    pub fine_spectrum_dbfs: Vec<FineBand>,
    /// Spacing of `short_term_lufs` (s): one 100 ms gating hop.
    pub short_term_interval_s: f64,
    /// Short-term loudness (LUFS) at the end of every 100 ms hop, as a live meter
    /// shows it (the first 3 s read a window padded with silence).
    pub short_term_lufs: Vec<Option<f64>>,
    /// Lowest and highest sample of any channel in every 100 ms hop
    /// (`short_term_interval_s` apart), as `[min, max]` in full-scale units
    /// (1.0 = 0 dBFS): the waveform overview. Absent in older JSON.
    #[serde(default)]
    pub peak_envelope: Vec<[f32; 2]>,
    /// Correlation of channels 0 and 1 over the 400 ms window ending at every
    /// 100 ms hop (`short_term_interval_s` apart; the first three read the
    /// shorter window so far), −1..1, as a phase meter shows it over time.
    /// `None` where the window is below `AnalysisOptions::correlation_gate_dbfs`;
    /// empty for mono. Absent in older JSON.
    #[serde(default)]
    pub correlation_series: Vec<Option<f64>>,
}
