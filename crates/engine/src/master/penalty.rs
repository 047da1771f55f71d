//! Loudness penalties: what each streaming service or broadcaster will do to a
//! master's level on playback, and where its peaks end up.
//!
//! Platforms normalise playback to their own target. A master louder than the
//! target is turned down — its extra loudness buys nothing and its squashed
//! dynamics remain. Whether a quieter master is turned *up* differs per platform,
//! and is modelled in [`Normalisation`] from each platform's published behaviour.
//! Where a platform documents nothing we could verify, it is modelled as
//! "turns down only", the conservative reading (no gain is promised).

use serde::Serialize;

use super::targets::{Medium, Target};

/// What one platform does to a master of the given loudness and true peak.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Penalty {
    /// Preset name of the platform (`spotify`, `youtube`, …).
    pub platform: String,
    /// The platform's playback loudness (LUFS).
    pub target_lufs: f64,
    /// The true-peak ceiling the platform asks masters to keep (dBTP).
    pub ceiling_dbtp: f64,
    /// Gain the platform applies on playback (dB): negative = turned down,
    /// positive = turned up, 0 = played as mastered.
    pub gain_db: f64,
    /// True peak as heard after that gain (and after the platform's own limiter,
    /// where it has one), dBTP.
    pub peak_after_dbtp: f64,
    /// One sentence for the report: what happens and what it means.
    pub note: String,
}

/// How a platform treats masters quieter than its target.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Normalisation {
    /// Turned down when loud, never turned up.
    DownOnly,
    /// Turned up as far as the target, but only while the true peak stays at or
    /// below this level (dBTP); no limiter.
    UpWithinHeadroom { peak_limit_dbtp: f64 },
    /// Turned up to the target whatever the peak; a playback limiter holds sample
    /// peaks at this level (dBFS).
    UpWithLimiter { limiter_dbfs: f64 },
    /// Programme delivered to a broadcaster is set to the target both ways;
    /// peaks beyond the ceiling must then be limited (or the programme fails QC).
    Both,
}

/// Each platform's documented behaviour, with the source.
fn normalisation(target: &Target) -> Normalisation {
    match (target.medium, target.name.as_str()) {
        // Spotify for Artists, "Loudness normalization": negative gain for loud
        // masters; positive gain for soft ones "leaving 1 dB headroom" (e.g. a
        // −20 LUFS track peaking at −5 dBTP is lifted only to −16 LUFS).
        (_, "spotify") => Normalisation::UpWithinHeadroom {
            peak_limit_dbtp: -1.0,
        },
        // Same page, "Loud" (−11 LUFS): set "regardless of maximum True Peak"
        // with a limiter engaging at −1 dB (sample values), 5 ms attack, 100 ms decay.
        (_, "spotify-loud") => Normalisation::UpWithLimiter { limiter_dbfs: -1.0 },
        // Apple Sound Check turns soft tracks up only within their peak headroom
        // (no limiter). Apple does not publish the exact peak allowance; the
        // −1 dBTP ceiling it asks of masters is assumed here.
        (_, "apple-music") => Normalisation::UpWithinHeadroom {
            peak_limit_dbtp: target.ceiling_dbtp,
        },
        // YouTube only turns loud uploads down ("content loudness" in "Stats for
        // nerds" never shows a positive value); TIDAL likewise only turns down.
        (_, "youtube" | "tidal") => Normalisation::DownOnly,
        // Amazon Music, Deezer and SoundCloud publish no verifiable statement
        // about raising quiet tracks (SoundCloud may not normalise at all); the
        // AES TD1004 preset is a recommendation, not a player. All are modelled
        // as "down only", which never promises gain that may not happen.
        (Medium::Broadcast, _) => Normalisation::Both,
        _ => Normalisation::DownOnly,
    }
}

/// What every streaming and broadcast preset does to a master measuring
/// `integrated_lufs` (BS.1770) with true peak `true_peak_dbtp`, in preset order.
pub fn loudness_penalties(integrated_lufs: f64, true_peak_dbtp: f64) -> Vec<Penalty> {
    Target::all_presets()
        .into_iter()
        .filter(|t| matches!(t.medium, Medium::Streaming | Medium::Broadcast))
        .map(|t| penalty(&t, integrated_lufs, true_peak_dbtp))
        .collect()
}

/// One platform's penalty.
fn penalty(target: &Target, lufs: f64, peak: f64) -> Penalty {
    let to_target = target.integrated_lufs - lufs;
    let model = normalisation(target);
    let gain_db = if to_target <= 0.0 {
        to_target
    } else {
        match model {
            Normalisation::DownOnly => 0.0,
            Normalisation::UpWithinHeadroom { peak_limit_dbtp } => {
                to_target.min((peak_limit_dbtp - peak).max(0.0))
            }
            Normalisation::UpWithLimiter { .. } | Normalisation::Both => to_target,
        }
    };
    let raw_peak = peak + gain_db;
    let peak_after_dbtp = match model {
        Normalisation::UpWithLimiter { limiter_dbfs } => raw_peak.min(limiter_dbfs),
        _ => raw_peak,
    };
    let note = describe(target, model, lufs, gain_db, raw_peak);
    Penalty {
        platform: target.name.clone(),
        target_lufs: target.integrated_lufs,
        ceiling_dbtp: target.ceiling_dbtp,
        gain_db,
        peak_after_dbtp,
        note,
    }
}

/// The report sentence for one platform.
fn describe(target: &Target, model: Normalisation, lufs: f64, gain: f64, raw_peak: f64) -> String {
    let t = target.integrated_lufs;
    let plays_at = lufs + gain;
    if gain < -0.05 {
        let mut s = format!(
            "Turned down {:.1} dB to {t:.0} LUFS: the master's extra loudness buys nothing here, \
             only lost dynamics.",
            -gain
        );
        if model == Normalisation::Both && raw_peak > target.ceiling_dbtp {
            s.push_str(&format!(
                " Even then peaks reach {raw_peak:+.1} dBTP, above the {:.0} dBTP ceiling.",
                target.ceiling_dbtp
            ));
        }
        return s;
    }
    if gain > 0.05 {
        return match model {
            Normalisation::UpWithLimiter { limiter_dbfs } if raw_peak > limiter_dbfs => format!(
                "Turned up {gain:.1} dB to {t:.0} LUFS; the player's limiter squashes peaks that \
                 would reach {raw_peak:+.1} dBTP down to {limiter_dbfs:.0} dBFS."
            ),
            Normalisation::Both if raw_peak > target.ceiling_dbtp => format!(
                "Raised {gain:.1} dB to {t:.0} LUFS, which puts peaks at {raw_peak:+.1} dBTP, \
                 above the {:.0} dBTP ceiling: limit them or the programme fails QC.",
                target.ceiling_dbtp
            ),
            _ if plays_at < t - 0.05 => format!(
                "Turned up only {gain:.1} dB (peak headroom runs out), so it plays at \
                 {plays_at:.1} LUFS, {:.1} dB below the {t:.0} LUFS of other tracks.",
                t - plays_at
            ),
            _ => format!("Turned up {gain:.1} dB to {t:.0} LUFS."),
        };
    }
    if plays_at < t - 0.05 {
        format!(
            "Played as mastered, {:.1} dB quieter than the {t:.0} LUFS of other tracks{}.",
            t - plays_at,
            if model == Normalisation::DownOnly {
                " (this platform does not turn quiet masters up)"
            } else {
                " (no peak headroom left to turn it up)"
            }
        )
    } else {
        format!("Played as mastered: already at the {t:.0} LUFS target.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(p: &'a [Penalty], name: &str) -> &'a Penalty {
        p.iter()
            .find(|x| x.platform == name)
            .unwrap_or_else(|| panic!("no penalty for {name}"))
    }

    #[test]
    fn only_streaming_and_broadcast_presets_are_listed() {
        let p = loudness_penalties(-14.0, -1.0);
        assert!(
            p.iter()
                .all(|x| x.platform != "cd" && x.platform != "vinyl")
        );
        assert!(p.iter().any(|x| x.platform == "ebu-r128"));
        assert!(p.iter().all(|x| !x.note.is_empty()));
    }

    #[test]
    fn spotify_example_from_its_documentation() {
        // "If a track loudness level is -20 dB LUFS, and its True Peak maximum is
        // -5 dB FS, we only lift the track up to -16 dB LUFS."
        let p = loudness_penalties(-20.0, -5.0);
        let s = find(&p, "spotify");
        assert!((s.gain_db - 4.0).abs() < 1e-9, "{}", s.gain_db);
        assert!((s.peak_after_dbtp + 1.0).abs() < 1e-9);
        assert!(s.note.contains("below"), "{}", s.note);
    }

    #[test]
    fn loud_mode_limits_peaks_instead_of_holding_back_gain() {
        let p = loudness_penalties(-20.0, -2.0);
        let s = find(&p, "spotify-loud");
        assert!((s.gain_db - 9.0).abs() < 1e-9);
        assert!((s.peak_after_dbtp + 1.0).abs() < 1e-9);
        assert!(s.note.contains("limiter"), "{}", s.note);
    }

    #[test]
    fn broadcast_raises_and_flags_peaks_over_the_ceiling() {
        let p = loudness_penalties(-30.0, -5.0);
        let r = find(&p, "ebu-r128");
        assert!((r.gain_db - 7.0).abs() < 1e-9);
        assert!((r.peak_after_dbtp - 2.0).abs() < 1e-9);
        assert!(r.note.contains("ceiling"), "{}", r.note);
    }
}
