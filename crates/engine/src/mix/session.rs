//! The session file: a human-editable TOML description of a mix.
//!
//! ```toml
//! [session]
//! sample_rate = 48000        # Hz; stems at other rates are resampled (with a warning)
//! tempo_bpm = 120.0          # for tempo-synced delays
//! headroom_dbtp = -6.0       # the mix's true peak is set to this by one clean gain
//!
//! [[track]]
//! file = "stems/kick.wav"    # relative to the session file
//! name = "Kick"
//! role = "kick"
//! gain_db = -3.0
//! pan = 0.0                  # percent: -100 = hard left, +100 = hard right
//! pan_law = "-3dB"           # "-3dB" (constant power), "-4.5dB", "-6dB" (linear), "0dB"
//! polarity = "normal"        # or "inverted"
//! offset_ms = 0.0            # or offset_samples = 12; positive = later, negative = earlier
//! output = "drums"           # a bus name, or "master" (default)
//! inserts = [
//!   { type = "eq", bands = [{ type = "low-cut", freq_hz = 30.0 }, { type = "bell", freq_hz = 400.0, gain_db = -3.0, q = 1.0 }] },
//!   { type = "compressor", threshold_db = -18.0, ratio = 4.0 },
//! ]
//! sends = [{ bus = "verb", level_db = -12.0, pre_fader = false }]
//!
//! [[track.automation]]
//! param = "gain_db"          # or "pan"
//! points = [[0.0, -60.0], [2.0, 0.0]]   # [seconds, value]; linear in dB (or %) per sample
//!
//! [[bus]]
//! name = "verb"
//! inserts = [{ type = "reverb", preset = "plate", mix_pct = 100.0 }]
//!
//! [master]
//! inserts = []
//! ```
//!
//! Every table refuses unknown keys (`deny_unknown_fields`), so a typo is an
//! error at its line and column rather than a silently ignored setting.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::inserts::Insert;

/// The name of the master bus, the default output of every track and bus.
pub const MASTER: &str = "master";

/// A whole mix: settings, tracks, buses and the master bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// Global settings.
    pub session: Settings,
    /// The stems, in summing order.
    #[serde(default, rename = "track", skip_serializing_if = "Vec::is_empty")]
    pub tracks: Vec<Track>,
    /// Groups and returns.
    #[serde(default, rename = "bus", skip_serializing_if = "Vec::is_empty")]
    pub buses: Vec<Bus>,
    /// The master bus.
    #[serde(default)]
    pub master: Master,
}

/// `[session]`: global settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Render sample rate, Hz.
    pub sample_rate: u32,
    /// Tempo in quarter notes per minute, for synced delays.
    #[serde(default = "default_tempo")]
    pub tempo_bpm: f64,
    /// The mix's true peak after the headroom gain, dBTP.
    #[serde(default = "default_headroom")]
    pub headroom_dbtp: f64,
}

fn default_tempo() -> f64 {
    120.0
}

fn default_headroom() -> f64 {
    -6.0
}

/// What a stem is; drives default routing (`init`) and later automatic decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum Role {
    Kick,
    Snare,
    Hats,
    Overheads,
    Toms,
    Room,
    Percussion,
    Bass,
    Guitar,
    Keys,
    Piano,
    Synth,
    Pad,
    Strings,
    Brass,
    LeadVocal,
    BackingVocal,
    Fx,
    /// The accompaniment already mixed into one stem (an "instrumental",
    /// "karaoke" or "playback" track): the whole band, mixed with its own
    /// stereo image and space. TOML `backing-track`.
    BackingTrack,
    #[default]
    Other,
}

impl Role {
    /// The group bus `init` routes this role to: `drums`, `bass`, `music` or `vocals`.
    pub fn group(self) -> &'static str {
        match self {
            Role::Kick
            | Role::Snare
            | Role::Hats
            | Role::Overheads
            | Role::Toms
            | Role::Room
            | Role::Percussion => "drums",
            Role::Bass => "bass",
            Role::LeadVocal | Role::BackingVocal => "vocals",
            Role::Guitar
            | Role::Keys
            | Role::Piano
            | Role::Synth
            | Role::Pad
            | Role::Strings
            | Role::Brass
            | Role::Fx
            | Role::BackingTrack
            | Role::Other => "music",
        }
    }
}

/// How loud a centred mono source is relative to hard-panned (see `dsp::stereo::PanLaw`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PanLaw {
    /// Constant power: centre −3.01 dB.
    #[default]
    #[serde(rename = "-3dB")]
    Minus3,
    /// Centre −4.5 dB.
    #[serde(rename = "-4.5dB")]
    Minus4_5,
    /// Linear (constant voltage): centre −6.02 dB.
    #[serde(rename = "-6dB")]
    Minus6,
    /// Centre 0 dB, sides boosted up to +3 dB then capped at unity.
    #[serde(rename = "0dB")]
    Zero,
}

impl From<PanLaw> for mixmaster_dsp::stereo::PanLaw {
    fn from(l: PanLaw) -> Self {
        use mixmaster_dsp::stereo::PanLaw as D;
        match l {
            PanLaw::Minus3 => D::Minus3,
            PanLaw::Minus4_5 => D::Minus4_5,
            PanLaw::Minus6 => D::Minus6,
            PanLaw::Zero => D::Zero,
        }
    }
}

/// Signal polarity of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Polarity {
    /// As recorded.
    #[default]
    Normal,
    /// Every sample negated (a 180° flip at all frequencies).
    Inverted,
}

/// A parameter that breakpoint automation can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutomationParam {
    /// Fader gain, dB (interpolated linearly in dB).
    GainDb,
    /// Pan (mono) or balance (stereo), percent −100…100.
    Pan,
}

/// A breakpoint envelope. While a parameter is automated the envelope replaces its
/// static value (a DAW's "read" mode). Before the first point the first value holds,
/// after the last the last value; in between the value moves linearly per sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Automation {
    /// The parameter driven.
    pub param: AutomationParam,
    /// `[time_s, value]` pairs in increasing time.
    pub points: Vec<[f64; 2]>,
}

/// A send from a track to a bus (usually a reverb or delay return).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Send {
    /// Destination bus.
    pub bus: String,
    /// Send level, dB.
    #[serde(default)]
    pub level_db: f64,
    /// Tap before the fader (and its automation) instead of after it. Both taps
    /// are after the inserts and the pan.
    #[serde(default)]
    pub pre_fader: bool,
    /// Why these settings were chosen (written by `automix`; free text, ignored by the renderer).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
}

fn master_name() -> String {
    MASTER.to_string()
}

fn is_master(s: &str) -> bool {
    s == MASTER
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_default<T: Default + PartialEq>(t: &T) -> bool {
    *t == T::default()
}

/// `[[track]]`: one stem and its channel strip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Track {
    /// Audio file, relative to the session file's folder (or absolute).
    pub file: PathBuf,
    /// Display name (defaults to the file name without extension).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// What the stem is.
    #[serde(default)]
    pub role: Role,
    /// Fader gain, dB.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub gain_db: f64,
    /// Pan (mono stems) or balance (stereo stems), percent: −100 left … +100 right.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pan: f64,
    /// Pan law.
    #[serde(default, skip_serializing_if = "is_default")]
    pub pan_law: PanLaw,
    /// Polarity.
    #[serde(default, skip_serializing_if = "is_default")]
    pub polarity: Polarity,
    /// Time offset in milliseconds (positive = later). Exclusive with `offset_samples`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_ms: Option<f64>,
    /// Time offset in samples at the session rate (positive = later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_samples: Option<i64>,
    /// Silenced (with its sends).
    #[serde(default, skip_serializing_if = "is_false")]
    pub mute: bool,
    /// When any track is soloed, only soloed tracks sound.
    #[serde(default, skip_serializing_if = "is_false")]
    pub solo: bool,
    /// Processors in order, before the fader.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inserts: Vec<Insert>,
    /// Sends to buses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sends: Vec<Send>,
    /// Destination bus.
    #[serde(default = "master_name", skip_serializing_if = "is_master")]
    pub output: String,
    /// Breakpoint automation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub automation: Vec<Automation>,
    /// Why these settings were chosen (written by `automix`; free text, ignored by the renderer).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
}

impl Track {
    /// A track for `file` with every setting neutral, routed to the master.
    pub fn new(file: PathBuf) -> Self {
        Self {
            file,
            name: String::new(),
            role: Role::Other,
            gain_db: 0.0,
            pan: 0.0,
            pan_law: PanLaw::default(),
            polarity: Polarity::Normal,
            offset_ms: None,
            offset_samples: None,
            mute: false,
            solo: false,
            inserts: Vec::new(),
            sends: Vec::new(),
            output: master_name(),
            automation: Vec::new(),
            why: String::new(),
        }
    }

    /// The name to show: `name`, or the file stem when empty.
    pub fn display_name(&self) -> String {
        if self.name.is_empty() {
            self.file
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
        } else {
            self.name.clone()
        }
    }
}

/// `[[bus]]`: a group or return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bus {
    /// Unique name (not `master`).
    pub name: String,
    /// Processors in order, before the fader.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inserts: Vec<Insert>,
    /// Fader gain, dB.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub gain_db: f64,
    /// Balance, percent −100…100.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pan: f64,
    /// Balance law.
    #[serde(default, skip_serializing_if = "is_default")]
    pub pan_law: PanLaw,
    /// Destination: another bus or `master`.
    #[serde(default = "master_name", skip_serializing_if = "is_master")]
    pub output: String,
    /// Breakpoint automation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub automation: Vec<Automation>,
}

impl Bus {
    /// An empty bus called `name`, routed to the master.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            inserts: Vec::new(),
            gain_db: 0.0,
            pan: 0.0,
            pan_law: PanLaw::default(),
            output: master_name(),
            automation: Vec::new(),
        }
    }
}

/// `[master]`: the master bus.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Master {
    /// Processors in order. Stems exported with `--stems-out` are taken before
    /// these, so they sum to the mix only while these are linear.
    #[serde(default)]
    pub inserts: Vec<Insert>,
}
