//! A short demo song synthesised from nothing, so that every command can be
//! tried end to end on a fresh machine without downloading music.
//!
//! Eight bars at 120 BPM in A minor (Am–F–C–G, twice): kick, snare, hats,
//! bass, pad and lead, each rendered to its own stem the way a producer would
//! bounce them, plus their plain sum as an unmastered mix with mixing headroom.
//! Oscillators are band-limited (PolyBLEP) so the demo itself is alias-free,
//! and noise comes from a fixed-seed generator so every render is bit-identical.

use std::f64::consts::TAU;

use std::path::{Path, PathBuf};

use mixmaster_io::{AudioBuffer, EncodeSpec, FileFormat, SampleFormat, WriteOptions};

use crate::Result;

/// Tempo of the demo song in beats per minute.
pub const TEMPO_BPM: f64 = 120.0;
const BARS: usize = 8;
const BEATS_PER_BAR: usize = 4;
/// Peak level of the summed mix, dBFS: a typical mix handed to mastering.
const MIX_PEAK_DBFS: f64 = -6.0;

/// One bounced stem of the demo song.
pub struct DemoStem {
    /// File stem, e.g. `kick`; the name says the role, as real stem names do.
    pub name: &'static str,
    /// The audio (mono or stereo, as a producer would bounce that source).
    pub audio: AudioBuffer,
}

/// The demo song: its stems and their plain sum.
pub struct DemoSong {
    /// The stems, each at the level it would arrive from a producer.
    pub stems: Vec<DemoStem>,
    /// Stereo sum of the stems, scaled to peak at −6 dBFS.
    pub mix: AudioBuffer,
}

/// Chord roots (MIDI note numbers) per bar: Am F C G, twice.
const ROOTS: [u8; 4] = [45, 41, 48, 43];
/// Chord qualities as semitone offsets (minor for Am, major otherwise).
const TRIADS: [[u8; 3]; 4] = [[0, 3, 7], [0, 4, 7], [0, 4, 7], [0, 4, 7]];
/// Lead melody, one MIDI note per beat over four bars (0 = rest).
const MELODY: [u8; 16] = [69, 72, 76, 74, 72, 69, 65, 0, 67, 72, 76, 79, 74, 71, 67, 0];

fn midi_hz(note: u8) -> f64 {
    440.0 * 2f64.powf((note as f64 - 69.0) / 12.0)
}

/// Deterministic white noise (xorshift64*), uniform in [-1, 1).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// PolyBLEP correction for a sawtooth's discontinuity (phase in cycles).
fn poly_blep(t: f64, dt: f64) -> f64 {
    if t < dt {
        let t = t / dt;
        2.0 * t - t * t - 1.0
    } else if t > 1.0 - dt {
        let t = (t - 1.0) / dt;
        t * t + 2.0 * t + 1.0
    } else {
        0.0
    }
}

/// A band-limited sawtooth oscillator.
struct Saw {
    phase: f64,
}

impl Saw {
    fn next(&mut self, freq: f64, sr: f64) -> f64 {
        let dt = freq / sr;
        let y = 2.0 * self.phase - 1.0 - poly_blep(self.phase, dt);
        self.phase = (self.phase + dt).fract();
        y
    }
}

/// One-pole low-pass, used to darken oscillators and noise.
struct OnePole {
    y: f64,
    a: f64,
}

impl OnePole {
    fn new(cutoff_hz: f64, sr: f64) -> Self {
        Self {
            y: 0.0,
            a: (-TAU * cutoff_hz / sr).exp(),
        }
    }
    fn lp(&mut self, x: f64) -> f64 {
        self.y = x + self.a * (self.y - x);
        self.y
    }
}

struct Timeline {
    sr: f64,
    beat_s: f64,
    frames: usize,
}

impl Timeline {
    fn beat_frame(&self, beat: f64) -> usize {
        (beat * self.beat_s * self.sr).round() as usize
    }
}

fn kick(tl: &Timeline) -> Vec<f32> {
    let mut out = vec![0f32; tl.frames];
    let hits = (0..BARS * BEATS_PER_BAR)
        .filter(|b| b % 2 == 0)
        .map(|b| b as f64)
        .chain(
            (0..BARS)
                .filter(|b| b % 2 == 1)
                .map(|b| b as f64 * 4.0 + 2.5),
        );
    for beat in hits {
        let start = tl.beat_frame(beat);
        let mut phase = 0.0;
        for (i, s) in out[start..]
            .iter_mut()
            .take((0.5 * tl.sr) as usize)
            .enumerate()
        {
            let t = i as f64 / tl.sr;
            let f = 48.0 + 110.0 * (-t / 0.03).exp();
            phase += TAU * f / tl.sr;
            let click = (-t / 0.002).exp() * 0.3;
            *s += ((phase.sin() * (-t / 0.28).exp() + click) * 0.9) as f32;
        }
    }
    out
}

fn snare(tl: &Timeline, noise: &mut Noise) -> Vec<f32> {
    let mut out = vec![0f32; tl.frames];
    for beat in (0..BARS * BEATS_PER_BAR).filter(|b| b % 2 == 1) {
        let start = tl.beat_frame(beat as f64);
        let mut lp = OnePole::new(7_000.0, tl.sr);
        let mut prev = 0.0;
        for (i, s) in out[start..]
            .iter_mut()
            .take((0.35 * tl.sr) as usize)
            .enumerate()
        {
            let t = i as f64 / tl.sr;
            let n = lp.lp(noise.next());
            let hp = n - prev;
            prev = n;
            let body = (TAU * 185.0 * t).sin() * (-t / 0.06).exp();
            *s += ((hp * 1.6 * (-t / 0.11).exp() + body * 0.5) * 0.8) as f32;
        }
    }
    out
}

fn hats(tl: &Timeline, noise: &mut Noise) -> [Vec<f32>; 2] {
    let mut mono = vec![0f32; tl.frames];
    for eighth in 0..BARS * BEATS_PER_BAR * 2 {
        let start = tl.beat_frame(eighth as f64 / 2.0);
        let open = eighth % 8 == 7;
        let decay = if open { 0.18 } else { 0.035 };
        let level = if eighth % 2 == 0 { 0.35 } else { 0.25 };
        let mut prev = 0.0;
        for (i, s) in mono[start..]
            .iter_mut()
            .take((0.3 * tl.sr) as usize)
            .enumerate()
        {
            let t = i as f64 / tl.sr;
            let n = noise.next();
            // A first difference tilts white noise up by 6 dB/oct: metallic, airy.
            let hp = (n - prev) * 0.5;
            prev = n;
            *s += (hp * level * (-t / decay).exp()) as f32;
        }
    }
    // Hats sit a little right of centre, as seen from the drummer's side.
    let left = mono.iter().map(|x| x * 0.75).collect();
    [left, mono]
}

fn bass(tl: &Timeline) -> Vec<f32> {
    let mut out = vec![0f32; tl.frames];
    let mut saw = Saw { phase: 0.0 };
    let mut lp = OnePole::new(500.0, tl.sr);
    let eighth = (tl.beat_s * tl.sr / 2.0) as usize;
    for (i, s) in out.iter_mut().enumerate() {
        let bar = (i as f64 / tl.sr / (tl.beat_s * BEATS_PER_BAR as f64)) as usize % ROOTS.len();
        let note = ROOTS[bar] - 12;
        let t_in_note = (i % eighth) as f64 / tl.sr;
        let env = (-t_in_note / 0.22).exp() * (1.0 - (-t_in_note / 0.003).exp());
        *s = (lp.lp(saw.next(midi_hz(note), tl.sr)) * env * 0.8) as f32;
    }
    out
}

fn pad(tl: &Timeline) -> [Vec<f32>; 2] {
    let mut out = [vec![0f32; tl.frames], vec![0f32; tl.frames]];
    let mut saws: Vec<Saw> = (0..12)
        .map(|k| Saw {
            phase: k as f64 / 12.0,
        })
        .collect();
    let mut lps = [OnePole::new(1_800.0, tl.sr), OnePole::new(1_800.0, tl.sr)];
    let bar_s = tl.beat_s * BEATS_PER_BAR as f64;
    for (ch, (samples, lp)) in out.iter_mut().zip(&mut lps).enumerate() {
        // Left and right voices are detuned in opposite directions: a wide pad.
        let detune = if ch == 0 { 0.996 } else { 1.004 };
        let voices = &mut saws[ch * 6..ch * 6 + 6];
        for (i, out) in samples.iter_mut().enumerate() {
            let t = i as f64 / tl.sr;
            let bar = (t / bar_s) as usize % ROOTS.len();
            let t_in_bar = t % bar_s;
            let env = (1.0 - (-t_in_bar / 0.25).exp()) * (1.0 - (-(bar_s - t_in_bar) / 0.05).exp());
            let mut sum = 0.0;
            for (k, offset) in TRIADS[bar].iter().enumerate() {
                let f = midi_hz(ROOTS[bar] + 12 + offset) * detune;
                sum += voices[k].next(f, tl.sr) + voices[k + 3].next(f * 1.003, tl.sr);
            }
            *out = (lp.lp(sum) * env * 0.12) as f32;
        }
    }
    out
}

fn lead(tl: &Timeline) -> Vec<f32> {
    let mut out = vec![0f32; tl.frames];
    let mut phase = 0.0;
    for (i, s) in out.iter_mut().enumerate() {
        let t = i as f64 / tl.sr;
        let beat = (t / tl.beat_s) as usize;
        let note = MELODY[beat % MELODY.len()];
        if note == 0 {
            continue;
        }
        let t_in = t - beat as f64 * tl.beat_s;
        let vibrato = 1.0 + 0.004 * (TAU * 5.5 * t).sin() * (t_in / tl.beat_s);
        phase += TAU * midi_hz(note) * vibrato / tl.sr;
        let env = (1.0 - (-t_in / 0.01).exp()) * (-t_in / 0.6).exp();
        let tone = phase.sin() + 0.35 * (2.0 * phase).sin() + 0.15 * (3.0 * phase).sin();
        *s = (tone * env * 0.5) as f32;
    }
    out
}

fn mono(sample_rate: u32, samples: Vec<f32>) -> AudioBuffer {
    AudioBuffer {
        sample_rate,
        channels: vec![samples],
    }
}

/// Render the demo song at `sample_rate` Hz: 8 bars at 120 BPM (16 s).
pub fn render(sample_rate: u32) -> DemoSong {
    let sr = sample_rate as f64;
    let beat_s = 60.0 / TEMPO_BPM;
    // One extra second lets the last notes ring out.
    let frames = ((BARS * BEATS_PER_BAR) as f64 * beat_s * sr + sr) as usize;
    let tl = Timeline { sr, beat_s, frames };
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);

    let [hat_l, hat_r] = hats(&tl, &mut noise);
    let [pad_l, pad_r] = pad(&tl);
    let stems = vec![
        DemoStem {
            name: "kick",
            audio: mono(sample_rate, kick(&tl)),
        },
        DemoStem {
            name: "snare",
            audio: mono(sample_rate, snare(&tl, &mut noise)),
        },
        DemoStem {
            name: "hats",
            audio: AudioBuffer {
                sample_rate,
                channels: vec![hat_l, hat_r],
            },
        },
        DemoStem {
            name: "bass",
            audio: mono(sample_rate, bass(&tl)),
        },
        DemoStem {
            name: "pad",
            audio: AudioBuffer {
                sample_rate,
                channels: vec![pad_l, pad_r],
            },
        },
        DemoStem {
            name: "lead",
            audio: mono(sample_rate, lead(&tl)),
        },
    ];

    let mut stems = stems;
    for stem in &mut stems {
        scale_to_peak(&mut stem.audio, stem_peak_dbfs(stem.name));
    }

    let mut mix = AudioBuffer::new(sample_rate, 2, frames);
    for stem in &stems {
        for (ch, out) in mix.channels.iter_mut().enumerate() {
            // Mono stems sit in the centre at −3 dB per side (constant power).
            let (src, gain) = match stem.audio.channels.len() {
                1 => (&stem.audio.channels[0], std::f32::consts::FRAC_1_SQRT_2),
                _ => (&stem.audio.channels[ch], 1.0),
            };
            for (o, s) in out.iter_mut().zip(src) {
                *o += s * gain;
            }
        }
    }
    scale_to_peak(&mut mix, MIX_PEAK_DBFS);
    DemoSong { stems, mix }
}

/// Peak level each stem is bounced at, dBFS: uneven on purpose, as stems
/// arrive from real sessions, but never clipped.
fn stem_peak_dbfs(name: &str) -> f64 {
    match name {
        "kick" => -3.0,
        "snare" => -4.0,
        "hats" => -12.0,
        "bass" => -6.0,
        "pad" => -9.0,
        _ => -5.0,
    }
}

/// Scale `audio` so its sample peak sits at `peak_dbfs`.
fn scale_to_peak(audio: &mut AudioBuffer, peak_dbfs: f64) {
    let peak = audio
        .channels
        .iter()
        .flatten()
        .fold(0f32, |m, s| m.max(s.abs()));
    if peak > 0.0 {
        let scale = (10f64.powf(peak_dbfs / 20.0) / peak as f64) as f32;
        for s in audio.channels.iter_mut().flatten() {
            *s *= scale;
        }
    }
}

/// Render the demo song at 44.1 kHz and write it to `dir` as 24-bit WAV:
/// `stems/<name>.wav` for every stem and `mix.wav`. Every destination is
/// checked before anything is written, so a refusal leaves nothing behind.
pub fn write(dir: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let song = render(44_100);
    let stems_dir = dir.join("stems");
    let mut outputs: Vec<(PathBuf, &AudioBuffer)> = song
        .stems
        .iter()
        .map(|s| (stems_dir.join(format!("{}.wav", s.name)), &s.audio))
        .collect();
    outputs.push((dir.join("mix.wav"), &song.mix));

    let options = WriteOptions {
        force,
        inputs: Vec::new(),
    };
    std::fs::create_dir_all(&stems_dir).map_err(|e| {
        crate::Error::input(
            &stems_dir,
            format!("cannot create folder: {}", mixmaster_io::io_message(&e)),
        )
    })?;
    for (path, _) in &outputs {
        mixmaster_io::check_output(path, &options)?;
    }
    let spec = EncodeSpec {
        format: FileFormat::Wav,
        sample_format: SampleFormat::Int24,
    };
    for (path, audio) in &outputs {
        mixmaster_io::write_audio(path, audio, spec, &options)?;
    }
    Ok(outputs.into_iter().map(|(p, _)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_sixteen_bars_of_audio_with_mix_headroom() {
        let song = render(44_100);
        assert_eq!(song.stems.len(), 6);
        assert_eq!(song.mix.frames(), 17 * 44_100);
        let peak = song
            .mix
            .channels
            .iter()
            .flatten()
            .fold(0f32, |m, s| m.max(s.abs()));
        assert!((20.0 * (peak as f64).log10() - MIX_PEAK_DBFS).abs() < 1e-3);
        for stem in &song.stems {
            let stem_peak = stem
                .audio
                .channels
                .iter()
                .flatten()
                .fold(0f32, |m, s| m.max(s.abs()));
            assert!(stem_peak < 1.0, "{} clips", stem.name);
            let energy: f64 = stem.audio.channels[0]
                .iter()
                .map(|s| (*s as f64).powi(2))
                .sum();
            assert!(energy > 1.0, "{} is silent", stem.name);
            assert!(stem.audio.channels.iter().flatten().all(|s| s.is_finite()));
        }
    }

    #[test]
    fn demo_is_deterministic() {
        let a = render(48_000);
        let b = render(48_000);
        assert_eq!(a.mix.channels, b.mix.channels);
    }
}
