//! Delivery targets: the loudness, true-peak ceiling and file format each
//! destination expects. One table, each row citing its source
//! (`shared/reference/loudness-targets.md` holds the longer notes).

use serde::{Deserialize, Serialize};

/// The medium a target delivers to; it decides format, rate and processing limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Medium {
    /// Streaming platforms: 24-bit at the source rate, normalised by the platform.
    Streaming,
    /// Broadcast (EBU R128, ATSC A/85): 24-bit at the source rate.
    Broadcast,
    /// Red Book CD: 16-bit, 44.1 kHz, dithered.
    Cd,
    /// Vinyl pre-master: 24-bit, moderate level, no brickwall push, mono bass.
    Vinyl,
    /// A user-given loudness and ceiling.
    Custom,
}

/// Word length and rate of a delivery file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Bits per sample of the delivered file (16 or 24).
    pub bits: u32,
    /// Sample rate in Hz, or `None` to keep the source rate.
    pub sample_rate: Option<u32>,
}

/// One destination: what the master must measure when delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Preset name as typed on the command line (`spotify`, `cd`, …).
    pub name: String,
    /// Integrated loudness to land on, LUFS (BS.1770).
    pub integrated_lufs: f64,
    /// Highest allowed true peak, dBTP.
    pub ceiling_dbtp: f64,
    /// The medium, which implies the processing limits.
    pub medium: Medium,
    /// Word length and rate of the delivered file.
    pub delivery: Delivery,
    /// Where the numbers come from.
    pub source: String,
}

/// A row of the preset table (static data; [`Target`] is the owned form).
struct Preset {
    name: &'static str,
    lufs: f64,
    ceiling: f64,
    medium: Medium,
    source: &'static str,
}

const STREAM_24: Delivery = Delivery {
    bits: 24,
    sample_rate: None,
};
const CD_16_44: Delivery = Delivery {
    bits: 16,
    sample_rate: Some(44_100),
};

/// The presets. Where sources disagree the shipped choice is noted.
const PRESETS: &[Preset] = &[
    Preset {
        name: "spotify",
        lufs: -14.0,
        ceiling: -1.0,
        medium: Medium::Streaming,
        source: "Spotify for Artists, \"Loudness normalization\" (-14 LUFS, -1 dBTP)",
    },
    Preset {
        name: "spotify-loud",
        lufs: -11.0,
        ceiling: -2.0,
        medium: Medium::Streaming,
        source: "Spotify for Artists (Loud mode -11 LUFS); -2 dBTP for masters louder than -14 LUFS",
    },
    Preset {
        name: "apple-music",
        lufs: -16.0,
        ceiling: -1.0,
        medium: Medium::Streaming,
        source: "Apple Sound Check (-16 LUFS); Ardour export preset",
    },
    Preset {
        name: "youtube",
        lufs: -14.0,
        ceiling: -1.0,
        medium: Medium::Streaming,
        source: "Ardour export preset (-13 to -15 LUFS)",
    },
    Preset {
        name: "tidal",
        lufs: -14.0,
        ceiling: -1.0,
        medium: Medium::Streaming,
        source: "production-expert platform survey",
    },
    Preset {
        name: "amazon-music",
        lufs: -14.0,
        ceiling: -2.0,
        medium: Medium::Streaming,
        source: "Ardour export preset",
    },
    Preset {
        name: "deezer",
        lufs: -15.0,
        ceiling: -1.0,
        medium: Medium::Streaming,
        source: "Ardour export preset (-14 to -16 LUFS)",
    },
    Preset {
        name: "soundcloud",
        lufs: -14.0,
        ceiling: -1.0,
        medium: Medium::Streaming,
        source: "production-expert (-14); Ardour says -10 (-8 to -13): sources conflict, -14 shipped",
    },
    Preset {
        name: "ebu-r128",
        lufs: -23.0,
        ceiling: -1.0,
        medium: Medium::Broadcast,
        source: "EBU R128 v4 (-23 LUFS, -1 dBTP; QC tolerance 0.2 LU)",
    },
    Preset {
        name: "atsc-a85",
        lufs: -24.0,
        ceiling: -2.0,
        medium: Medium::Broadcast,
        source: "ATSC A/85 (-24 LKFS +/-2, -2 dBTP)",
    },
    Preset {
        name: "aes-streaming",
        lufs: -18.0,
        ceiling: -1.0,
        medium: Medium::Streaming,
        source: "AES TD1004 (-16 to -20 LUFS; preset -18)",
    },
    Preset {
        name: "cd",
        lufs: -10.0,
        ceiling: -0.3,
        medium: Medium::Cd,
        source: "IEC 60908 Red Book format; -10 LUFS shipped (Ardour's CD preset is -9); -0.3 dBTP with dither (iZotope)",
    },
    Preset {
        name: "vinyl",
        lufs: -12.0,
        ceiling: -1.0,
        medium: Medium::Vinyl,
        source: "16kilohertz cutting guide; Sage Audio (<= -12 LUFS, no brickwall limiting, mono bass)",
    },
];

impl Target {
    /// The preset called `name`, if there is one.
    pub fn preset(name: &str) -> Option<Target> {
        PRESETS.iter().find(|p| p.name == name).map(|p| Target {
            name: p.name.to_string(),
            integrated_lufs: p.lufs,
            ceiling_dbtp: p.ceiling,
            medium: p.medium,
            delivery: if p.medium == Medium::Cd {
                CD_16_44
            } else {
                STREAM_24
            },
            source: p.source.to_string(),
        })
    }

    /// A user-defined target: 24-bit at the source rate.
    pub fn custom(integrated_lufs: f64, ceiling_dbtp: f64) -> Target {
        Target {
            name: format!("custom{integrated_lufs:+.1}lufs"),
            integrated_lufs,
            ceiling_dbtp,
            medium: Medium::Custom,
            delivery: STREAM_24,
            source: "given on the command line".to_string(),
        }
    }

    /// Names of every preset, in table order (for `--help` and error messages).
    pub fn preset_names() -> Vec<&'static str> {
        PRESETS.iter().map(|p| p.name).collect()
    }

    /// Every preset as a [`Target`], in table order.
    pub fn all_presets() -> Vec<Target> {
        PRESETS
            .iter()
            .filter_map(|p| Target::preset(p.name))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_match_the_reference_table() {
        let t = Target::preset("spotify").unwrap();
        assert_eq!((t.integrated_lufs, t.ceiling_dbtp), (-14.0, -1.0));
        let cd = Target::preset("cd").unwrap();
        assert_eq!(cd.delivery, CD_16_44);
        assert_eq!(cd.ceiling_dbtp, -0.3);
        assert_eq!(Target::preset("ebu-r128").unwrap().integrated_lufs, -23.0);
        assert_eq!(Target::preset("atsc-a85").unwrap().ceiling_dbtp, -2.0);
        assert!(Target::preset("nope").is_none());
        assert_eq!(Target::all_presets().len(), Target::preset_names().len());
    }

    #[test]
    fn every_ceiling_is_below_full_scale_and_every_source_cited() {
        for t in Target::all_presets() {
            assert!(t.ceiling_dbtp < 0.0, "{}", t.name);
            assert!(t.integrated_lufs < t.ceiling_dbtp, "{}", t.name);
            assert!(!t.source.is_empty(), "{}", t.name);
        }
    }
}
