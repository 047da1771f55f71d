//! Mix feedback: what the measurements of a mix say the mix engineer should fix
//! *before* mastering, each finding with the measured value, the threshold it
//! crossed and advice phrased for the mix.
//!
//! Spectral checks compare the mix's third-octave spectrum with
//! [`neutral_curve_db`] after removing the level offset between them (their
//! median difference over 100 Hz–10 kHz), so only the *shape* of the spectrum
//! is judged, never its level.

use mixmaster_analysis::Analysis;
use serde::Serialize;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; mastering copes.
    Info,
    /// Mastering can work around it, at a cost; better fixed in the mix.
    Warning,
    /// Mastering cannot repair it; fix the mix and re-export.
    Problem,
}

/// One observation about the mix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable identifier (one of [`code`]), for scripts and the report.
    pub code: &'static str,
    /// How much it matters.
    pub severity: Severity,
    /// What was measured, with its unit, e.g. "true peak +0.4 dBTP".
    pub measured: String,
    /// The limit it crossed, e.g. "> −1.0 dBTP".
    pub threshold: String,
    /// What to change in the mix.
    pub advice: String,
}

/// The stable finding identifiers.
pub mod code {
    /// Runs of full-scale samples.
    pub const CLIPPING: &str = "clipping";
    /// Peaks within 1 dB of full scale.
    pub const NO_HEADROOM: &str = "no-headroom";
    /// A channel's mean is far from zero.
    pub const DC_OFFSET: &str = "dc-offset";
    /// Channels out of polarity, overall or in places.
    pub const PHASE: &str = "phase";
    /// The mix loses much loudness when folded to mono.
    pub const MONO_COMPATIBILITY: &str = "mono-compatibility";
    /// Too much energy below 60 Hz.
    pub const SUB_BASS: &str = "sub-bass";
    /// A 200–450 Hz bump.
    pub const MUD: &str = "mud";
    /// A 2.2–4.5 kHz bump.
    pub const HARSHNESS: &str = "harshness";
    /// A 4.5–9 kHz bump.
    pub const SIBILANCE: &str = "sibilance";
    /// Too little 9–18 kHz.
    pub const DULL_TOP: &str = "dull-top";
    /// Peak-to-loudness ratio already small.
    pub const OVER_COMPRESSED: &str = "over-compressed";
    /// Integrated loudness leaves mastering little room.
    pub const TOO_LOUD: &str = "too-loud";
    /// Integrated loudness close to the noise floor.
    pub const TOO_QUIET: &str = "too-quiet";
    /// Nothing above the loudness gate.
    pub const SILENT: &str = "silent";
    /// NaN or infinite samples.
    pub const NON_FINITE: &str = "non-finite";
    /// Long silence before the music.
    pub const LEADING_SILENCE: &str = "leading-silence";
    /// Long silence after the music.
    pub const TRAILING_SILENCE: &str = "trailing-silence";
    /// Nearly mono.
    pub const NARROW_IMAGE: &str = "narrow-image";
    /// Side nearly as loud as mid.
    pub const WIDE_IMAGE: &str = "wide-image";
}

/// Anchor points (Hz, dB per third-octave band relative to 1 kHz) of the neutral
/// curve, interpolated linearly over log-frequency.
///
/// Provenance, stated honestly: this is a hand-fitted *approximation* of the
/// long-term average spectrum of commercial pop/rock masters as reported by
/// Pestana, Ma, Reiss, Barbosa & Black, "Spectral characteristics of popular
/// commercial recordings 1950–2010" (AES 135th Convention, 2013) and, with the
/// same shape, Elowsson & Friberg's LTAS study of popular music (2017): in
/// third-octave band levels (where pink noise is flat) the average master rises
/// steeply from 20 Hz to a broad maximum around 50–100 Hz (kick and bass), falls
/// gently (≈ −1.5 dB/oct) through the low mids to 1 kHz, about −2.5 dB/oct to
/// 4 kHz, ≈ −4.5 dB/oct to 10 kHz and much faster above. The numbers are ours,
/// not digitised from those papers; genres differ from it by several dB, so the
/// checks built on it use wide margins.
const NEUTRAL_ANCHORS: [(f64, f64); 10] = [
    (20.0, -5.0),
    (40.0, 4.0),
    (63.0, 5.0),
    (100.0, 5.0),
    (250.0, 2.5),
    (1000.0, 0.0),
    (4000.0, -4.5),
    (10000.0, -10.0),
    (16000.0, -16.0),
    (20000.0, -24.0),
];

/// The neutral tonal-balance reference: the level (dB, relative to the 1 kHz
/// band) of the third-octave band centred on `center_hz` in an average
/// commercial pop/rock master (see `NEUTRAL_ANCHORS` for where it comes from).
/// Constant beyond 20 Hz and 20 kHz. Used for the mix checks here and by the
/// mastering EQ planner, so the two agree on what "balanced" means.
pub fn neutral_curve_db(center_hz: f64) -> f64 {
    let x = center_hz.max(1.0).log2();
    let (first, last) = (
        NEUTRAL_ANCHORS[0],
        NEUTRAL_ANCHORS[NEUTRAL_ANCHORS.len() - 1],
    );
    if x <= first.0.log2() {
        return first.1;
    }
    NEUTRAL_ANCHORS
        .windows(2)
        .find(|w| x <= w[1].0.log2())
        .map_or(last.1, |w| {
            let (x0, x1) = (w[0].0.log2(), w[1].0.log2());
            w[0].1 + (w[1].1 - w[0].1) * (x - x0) / (x1 - x0)
        })
}

/// Every finding about the mix `a`, most severe first (checks keep their order
/// within a severity).
pub fn mix_feedback(a: &Analysis) -> Vec<Finding> {
    let mut out = Vec::new();
    integrity(a, &mut out);
    peaks(a, &mut out);
    loudness(a, &mut out);
    stereo(a, &mut out);
    if let Some(s) = RelativeSpectrum::of(a) {
        tonal(&s, &mut out);
    }
    silence(a, &mut out);
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

fn finding(
    code: &'static str,
    severity: Severity,
    measured: String,
    threshold: &str,
    advice: String,
) -> Finding {
    Finding {
        code,
        severity,
        measured,
        threshold: threshold.to_string(),
        advice,
    }
}

/// Non-finite samples and DC offset: faults in the export itself.
fn integrity(a: &Analysis, out: &mut Vec<Finding>) {
    if a.non_finite_samples > 0 {
        let at = a
            .first_non_finite_s
            .map_or(String::new(), |t| format!(", the first at {t:.2} s"));
        out.push(finding(
            code::NON_FINITE,
            Severity::Problem,
            format!("{} NaN/infinite samples{at}", a.non_finite_samples),
            "> 0",
            format!(
                "The export contains {} NaN or infinite samples{at}: a plugin blew up. \
                 Find it (bypass inserts around that time), then re-export.",
                a.non_finite_samples
            ),
        ));
    }
    // 0.001 of full scale is −60 dBFS: harmless alone, but a sign of a faulty
    // converter or plugin; 0.01 (−40 dBFS) visibly eats headroom.
    let worst = a
        .dc_offset
        .iter()
        .enumerate()
        .max_by(|x, y| x.1.abs().total_cmp(&y.1.abs()));
    if let Some((ch, &dc)) = worst.filter(|(_, dc)| dc.abs() > 0.001) {
        let severity = if dc.abs() > 0.01 {
            Severity::Warning
        } else {
            Severity::Info
        };
        out.push(finding(
            code::DC_OFFSET,
            severity,
            format!(
                "DC offset {:+.4} ({:.1} dBFS) in channel {}",
                dc,
                20.0 * dc.abs().log10(),
                ch + 1
            ),
            "|DC| > 0.001 (−60 dBFS)",
            "DC offset in the mix: find the track or plugin that adds it (often a saturator \
             or an old recording) and high-pass it at 20–30 Hz; DC wastes headroom and \
             clicks at edits."
                .to_string(),
        ));
    }
}

/// Clipping and peak headroom.
fn peaks(a: &Analysis, out: &mut Vec<Finding>) {
    if a.clipped_runs > 0 {
        out.push(finding(
            code::CLIPPING,
            Severity::Problem,
            format!(
                "{} runs of {}+ full-scale samples ({} samples)",
                a.clipped_runs,
                mixmaster_analysis::MIN_RUN,
                a.clipped_samples
            ),
            "> 0 runs",
            format!(
                "Clipping in the mix: {} runs of {}+ full-scale samples. Lower the mix bus or \
                 the loudest stems by ≥ 3 dB and re-export; mastering cannot restore clipped peaks.",
                a.clipped_runs,
                mixmaster_analysis::MIN_RUN
            ),
        ));
    }
    // True peak when there is one (it is never below the sample peak).
    let (peak, unit) = match (a.true_peak_dbtp, a.sample_peak_dbfs) {
        (Some(tp), _) => (tp, "dBTP"),
        (None, Some(sp)) => (sp, "dBFS"),
        (None, None) => return,
    };
    if peak > -1.0 {
        let severity = if peak > 0.0 {
            Severity::Problem
        } else {
            Severity::Warning
        };
        out.push(finding(
            code::NO_HEADROOM,
            severity,
            format!("peak {peak:+.1} {unit}"),
            "> −1.0 dB (leave 3–6 dB)",
            format!(
                "The mix peaks at {peak:+.1} {unit}. Pull the mix bus down so peaks sit around \
                 −6 to −3 dBFS and remove any limiter on the mix bus; mastering needs that \
                 headroom to work without distortion."
            ),
        ));
    }
}

/// Integrated loudness and peak-to-loudness ratio.
fn loudness(a: &Analysis, out: &mut Vec<Finding>) {
    let Some(lufs) = a.integrated_lufs else {
        out.push(finding(
            code::SILENT,
            Severity::Problem,
            "no block above the −70 LUFS gate".to_string(),
            "integrated loudness defined",
            "The file is silent or nearly so: check the export range and that the \
             master fader is up."
                .to_string(),
        ));
        return;
    };
    if lufs > -10.0 {
        out.push(finding(
            code::TOO_LOUD,
            Severity::Warning,
            format!("integrated {lufs:.1} LUFS"),
            "> −10 LUFS",
            format!(
                "The mix is already {lufs:.1} LUFS, as loud as a finished master. Export it \
                 without mix-bus limiting or loudness maximising, around −18 to −14 LUFS, so \
                 mastering has room to shape it."
            ),
        ));
    } else if lufs < -30.0 {
        out.push(finding(
            code::TOO_QUIET,
            Severity::Warning,
            format!("integrated {lufs:.1} LUFS"),
            "< −30 LUFS",
            format!(
                "The mix is only {lufs:.1} LUFS: raising it to a streaming level lifts the \
                 noise floor and dither with it. Raise the mix bus (keeping peaks below \
                 −3 dBFS) and export at 24-bit or float."
            ),
        ));
    }
    // PLR < 8 dB is heavily limited pop at best; below 6 dB it is squashed.
    if let Some(plr) = a.plr_db.filter(|&p| p < 8.0) {
        let severity = if plr < 6.0 {
            Severity::Problem
        } else {
            Severity::Warning
        };
        out.push(finding(
            code::OVER_COMPRESSED,
            severity,
            format!("peak-to-loudness ratio {plr:.1} dB"),
            "< 8 dB",
            format!(
                "The mix's peaks stand only {plr:.1} dB above its loudness: it is already \
                 heavily compressed or limited, and mastering cannot un-squash it. Ease off \
                 mix-bus compression and limiting (aim for a PLR of 10 dB or more) and re-export."
            ),
        ));
    }
}

/// Polarity, mono compatibility and image width.
fn stereo(a: &Analysis, out: &mut Vec<Finding>) {
    let worst = a.worst_correlation.filter(|&w| w < -0.3);
    match (a.correlation.filter(|&c| c < 0.0), worst) {
        (Some(c), _) => out.push(finding(
            code::PHASE,
            Severity::Problem,
            format!("correlation {c:+.2} over the whole mix"),
            "< 0",
            "Left and right are largely out of polarity: in mono the mix cancels. Check for \
             a polarity-inverted channel, track or stereo widener and flip it."
                .to_string(),
        )),
        (None, Some(w)) => {
            let at = a
                .worst_correlation_at_s
                .map_or(String::new(), |t| format!(" at {t:.1} s"));
            out.push(finding(
                code::PHASE,
                Severity::Warning,
                format!("worst 400 ms correlation {w:+.2}{at}"),
                "< −0.30",
                format!(
                    "The channels go out of phase{at}: find the widened, chorused or \
                     out-of-polarity part playing there and narrow or flip it."
                ),
            ))
        }
        (None, None) => {}
    }
    if let Some(drop) = a.mono_loudness_drop_lu.filter(|&d| d > 3.0) {
        out.push(finding(
            code::MONO_COMPATIBILITY,
            if drop > 6.0 {
                Severity::Problem
            } else {
                Severity::Warning
            },
            format!("mono fold-down {drop:.1} LU quieter"),
            "> 3 LU",
            format!(
                "Folded to mono (phones, club and PA systems) the mix loses {drop:.1} LU: \
                 much of it is side-only or anti-phase. Narrow stereo wideners and keep bass, \
                 kick and lead vocal centred."
            ),
        ));
    }
    if a.channels != 2 {
        return;
    }
    // side_to_mid is undefined both for L = R exactly (−∞; correlation +1) and
    // for L = −R (+∞; correlation −1, already reported as a phase problem).
    let side = a.side_to_mid_db.or(a
        .correlation
        .filter(|&c| c > 0.0)
        .map(|_| f64::NEG_INFINITY));
    match side {
        Some(s) if s < -20.0 => out.push(finding(
            code::NARROW_IMAGE,
            Severity::Info,
            if s.is_finite() {
                format!("side {s:.1} dB below mid")
            } else {
                "left and right identical (mono)".to_string()
            },
            "side/mid < −20 dB",
            "The mix is nearly mono. If that is not intended, pan supporting parts \
             (guitars, keys, backing vocals, room) away from the centre."
                .to_string(),
        )),
        Some(s) if s > -3.0 => out.push(finding(
            code::WIDE_IMAGE,
            Severity::Warning,
            format!("side {s:+.1} dB relative to mid"),
            "side/mid > −3 dB",
            "The side signal is nearly as loud as the centre: the image is very wide and \
             will collapse in mono. Reduce stereo widening and keep the core of the mix \
             (bass, kick, snare, lead) centred."
                .to_string(),
        )),
        _ => {}
    }
}

/// Long silences at either end.
fn silence(a: &Analysis, out: &mut Vec<Finding>) {
    // Whole-file silence is reported once, by `loudness`.
    if a.integrated_lufs.is_none() {
        return;
    }
    for (secs, code, end) in [
        (a.leading_silence_s, code::LEADING_SILENCE, "start"),
        (a.trailing_silence_s, code::TRAILING_SILENCE, "end"),
    ] {
        if secs > 2.0 {
            out.push(finding(
                code,
                Severity::Info,
                format!("{secs:.1} s of silence at the {end}"),
                "> 2.0 s",
                format!(
                    "{secs:.1} s of silence at the {end}: trim the export range (mastering \
                     sets the final gaps and fades)."
                ),
            ));
        }
    }
}

/// How the mix's third-octave spectrum departs from [`neutral_curve_db`], over
/// the bands the sample rate can hold.
///
/// The offset between the two is taken as the *median* band deviation over
/// 100 Hz–10 kHz rather than the mean of a fixed region (e.g. 500 Hz–2 kHz):
/// a bump a few bands wide cannot move a median of 21 bands, whereas the skirts
/// of a low-mid bell reach well into 500 Hz–2 kHz and would hide part of it.
pub(crate) struct RelativeSpectrum {
    /// (centre Hz, mix minus reference after removing the offset, dB), low to high.
    deviation: Vec<(f64, f64)>,
}

/// The region whose median deviation is taken as 0 dB (Hz).
const OFFSET_REGION_HZ: (f64, f64) = (100.0, 10_000.0);

/// A band with no energy below Nyquist counts as this far below the reference
/// (dB): effectively −∞, but finite so means stay defined.
const EMPTY_BAND_DB: f64 = -120.0;

impl RelativeSpectrum {
    /// `None` when half or more of the offset region is empty (silence, a
    /// band-limited test tone): then the shape cannot be judged.
    pub(crate) fn of(a: &Analysis) -> Option<Self> {
        Self::against(a, None)
    }

    /// No spectral information: every region reads as unknown.
    pub(crate) fn flat() -> Self {
        Self {
            deviation: Vec::new(),
        }
    }

    /// The mix against a reference track's spectrum (mastering's reference
    /// matching) instead of the neutral curve; bands the reference lacks count
    /// as neutral.
    pub(crate) fn against(a: &Analysis, reference: Option<&Analysis>) -> Option<Self> {
        let curve = |f: f64| match reference {
            Some(r) => r
                .third_octave_dbfs
                .iter()
                .find(|b| (b.center_hz - f).abs() < 0.01 * f)
                .and_then(|b| b.level_db)
                .unwrap_or_else(|| neutral_curve_db(f)),
            None => neutral_curve_db(f),
        };
        let nyquist = f64::from(a.sample_rate) / 2.0;
        // Keep bands that lie wholly below Nyquist (upper edge = centre · 2^(1/6)).
        let mut deviation: Vec<(f64, f64)> = a
            .third_octave_dbfs
            .iter()
            .filter(|b| b.center_hz * 2f64.powf(1.0 / 6.0) <= nyquist)
            .map(|b| {
                let level = b.level_db.unwrap_or(f64::NEG_INFINITY);
                (b.center_hz, level - curve(b.center_hz))
            })
            .collect();
        let in_region = |f: f64| (OFFSET_REGION_HZ.0..=OFFSET_REGION_HZ.1).contains(&f);
        let mut region: Vec<f64> = deviation
            .iter()
            .filter(|(f, _)| in_region(*f))
            .map(|x| x.1)
            .collect();
        if region.is_empty() {
            return None;
        }
        region.sort_by(f64::total_cmp);
        let offset = region[region.len() / 2];
        if !offset.is_finite() {
            return None;
        }
        for (_, dev) in &mut deviation {
            *dev = (*dev - offset).max(EMPTY_BAND_DB);
        }
        Some(Self { deviation })
    }

    /// Deviation smoothed over one octave with weights ¼ ½ ¼ on the band and its
    /// two neighbours (renormalised at the ends), so a single noisy band does not
    /// raise a finding but a musical bump, an octave or more wide, keeps most of
    /// its height.
    fn smoothed(&self) -> Vec<(f64, f64)> {
        let d = &self.deviation;
        (0..d.len())
            .map(|i| {
                let (mut sum, mut weight) = (0.5 * d[i].1, 0.5);
                for j in [i.checked_sub(1), Some(i + 1).filter(|&j| j < d.len())]
                    .into_iter()
                    .flatten()
                {
                    sum += 0.25 * d[j].1;
                    weight += 0.25;
                }
                (d[i].0, sum / weight)
            })
            .collect()
    }

    /// Largest smoothed deviation among bands centred in `lo..=hi` Hz.
    pub(crate) fn max_bump(&self, lo: f64, hi: f64) -> Option<(f64, f64)> {
        self.smoothed()
            .into_iter()
            .filter(|(f, _)| (lo..=hi).contains(f))
            .max_by(|x, y| x.1.total_cmp(&y.1))
    }

    /// Mean deviation of the bands centred in `lo..=hi` Hz.
    pub(crate) fn mean(&self, lo: f64, hi: f64) -> Option<f64> {
        let v: Vec<f64> = self
            .deviation
            .iter()
            .filter(|(f, _)| (lo..=hi).contains(f))
            .map(|x| x.1)
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    }

    /// Power sum (dB) of mix and of reference over bands centred in `lo..=hi`.
    fn power(&self, lo: f64, hi: f64) -> (f64, f64) {
        let (mut mix, mut reference) = (0.0, 0.0);
        for &(f, dev) in self.deviation.iter().filter(|(f, _)| (lo..=hi).contains(f)) {
            let r = neutral_curve_db(f);
            reference += 10f64.powf(r / 10.0);
            mix += 10f64.powf((r + dev) / 10.0);
        }
        (10.0 * mix.log10(), 10.0 * reference.log10())
    }
}

/// A tonal bump check: (code, region Hz, what it sounds like, what to do).
pub(crate) struct Bump {
    pub(crate) code: &'static str,
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    advice: &'static str,
}

/// One-octave-smoothed excess over neutral that raises a warning / a problem (dB).
/// Commercial masters scatter about ±3 dB around the average curve, so a
/// finding needs more than that.
pub(crate) const BUMP_DB: (f64, f64) = (4.0, 8.0);

/// The regions checked for bumps; the mastering planner cuts the same ones.
pub(crate) const BUMPS: [Bump; 3] = [
    Bump {
        code: code::MUD,
        lo: 200.0,
        hi: 400.0,
        advice: "cut 2–4 dB around the peak on the tracks that pile up there (guitars, \
                 keys, pads, room mics, the low end of vocals) rather than on the mix bus",
    },
    Bump {
        code: code::HARSHNESS,
        lo: 2500.0,
        hi: 4000.0,
        advice: "find the harsh source (distorted guitars, bright synths, cymbals, vocal \
                 presence boosts) and cut it there, or tame it with a dynamic EQ",
    },
    Bump {
        code: code::SIBILANCE,
        lo: 5000.0,
        hi: 8000.0,
        advice: "de-ess the vocals (and reduce bright reverb sends on them) before the mix bus",
    },
];

/// Spectral balance against the neutral curve.
fn tonal(s: &RelativeSpectrum, out: &mut Vec<Finding>) {
    for b in &BUMPS {
        if let Some((f, dev)) = s.max_bump(b.lo, b.hi).filter(|x| x.1 > BUMP_DB.0) {
            let severity = if dev > BUMP_DB.1 {
                Severity::Problem
            } else {
                Severity::Warning
            };
            out.push(finding(
                b.code,
                severity,
                format!("{dev:+.1} dB vs neutral around {f:.0} Hz"),
                "> +4 dB (smoothed over 1 octave)",
                format!(
                    "The mix has {dev:.1} dB more energy around {f:.0} Hz than a balanced \
                     master: {}.",
                    b.advice
                ),
            ));
        }
    }
    // Top octave: a deficit of more than 6 dB (mean of the 10, 12.5 and 16 kHz
    // bands) is beyond the spread of commercial masters.
    if let Some(dev) = s.mean(9000.0, 16000.0).filter(|&d| d < -6.0) {
        out.push(finding(
            code::DULL_TOP,
            if dev < -12.0 {
                Severity::Problem
            } else {
                Severity::Warning
            },
            format!("{dev:+.1} dB vs neutral at 10–16 kHz"),
            "< −6 dB",
            format!(
                "The top octave is {:.1} dB below a balanced master: the mix will sound dull. \
                 Brighten the sources that should carry air (cymbals, vocals, acoustic \
                 instruments) and check for low-pass filters or dark reverbs.",
                -dev
            ),
        ));
    }
    sub_bass(s, out);
}

/// Energy below 60 Hz against 60–250 Hz and against the whole spectrum, each
/// compared with the same ratio of the neutral curve.
fn sub_bass(s: &RelativeSpectrum, out: &mut Vec<Finding>) {
    let (sub, sub_ref) = s.power(0.0, 60.0);
    let (low, low_ref) = s.power(60.0, 250.0);
    let (all, all_ref) = s.power(0.0, f64::INFINITY);
    let vs_low = (sub - low) - (sub_ref - low_ref);
    let vs_all = (sub - all) - (sub_ref - all_ref);
    // 6 dB above neutral relative to the bass, or a sub-bass share of the total
    // power 4 dB above neutral's (which is ≈ −9 dB, so the share is capped near
    // +9 dB and 4 dB already means sub-bass dominates the mix's power).
    if vs_low > 6.0 || vs_all > 4.0 {
        out.push(finding(
            code::SUB_BASS,
            if vs_low > 10.0 {
                Severity::Problem
            } else {
                Severity::Warning
            },
            format!(
                "below 60 Hz: {vs_low:+.1} dB vs 60–250 Hz, {vs_all:+.1} dB share of total, \
                 relative to neutral"
            ),
            "> +6 dB vs 60–250 Hz or > +4 dB share",
            "Too much energy below 60 Hz: it eats headroom and loudness without being \
             heard on most speakers. High-pass everything that does not need deep bass, \
             and check the kick and bass (or 808) sub content on a spectrum analyser."
                .to_string(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutral_curve_hits_its_anchors_and_interpolates_in_log_frequency() {
        assert_eq!(neutral_curve_db(1000.0), 0.0);
        assert_eq!(neutral_curve_db(4000.0), -4.5);
        assert_eq!(neutral_curve_db(10.0), -5.0);
        assert_eq!(neutral_curve_db(40_000.0), -24.0);
        // Half-way in octaves between 1 kHz and 4 kHz is 2 kHz.
        assert!((neutral_curve_db(2000.0) + 2.25).abs() < 1e-12);
    }

    #[test]
    fn severity_orders_problem_highest() {
        assert!(Severity::Problem > Severity::Warning && Severity::Warning > Severity::Info);
    }
}
