//! CUE sheets for the continuous album file.
//!
//! A CUE sheet addresses time as `mm:ss:ff`, `ff` in CD frames of 1/75 s.
//! For the CD delivery every track start is on a frame boundary (see
//! [`super::layout`]), so `INDEX 01` is exact. For other rates the convention
//! is: `INDEX 01` is the frame *containing* the track's first sample
//! (`floor(sample × 75 / rate)`, so playing from it never skips the start),
//! and the exact position follows as `REM SAMPLE_START <n>`, the 0-based
//! sample offset of the track's first sample in the file.

use std::fmt::Write;

/// One track's entry.
#[derive(Debug, Clone)]
pub struct CueTrack {
    /// Title.
    pub title: String,
    /// Performer.
    pub performer: String,
    /// ISRC, normalised (12 characters).
    pub isrc: Option<String>,
    /// First sample in the album file.
    pub start: u64,
}

/// The whole sheet.
#[derive(Debug, Clone)]
pub struct Cue {
    /// Album title.
    pub title: String,
    /// Album artist.
    pub performer: String,
    /// UPC-A or EAN-13 digits; written as the 13-digit `CATALOG`.
    pub upc: Option<String>,
    /// Release date text.
    pub date: Option<String>,
    /// Genre.
    pub genre: Option<String>,
    /// The audio file's name (beside the sheet).
    pub file_name: String,
    /// Its sample rate, Hz.
    pub sample_rate: u32,
    /// Tracks in order.
    pub tracks: Vec<CueTrack>,
}

/// CUE strings are quoted with no escape: a double quote becomes a single one.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "'").replace(['\r', '\n'], " "))
}

/// `mm:ss:ff` for a CD frame count.
pub fn msf(frames: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        frames / (75 * 60),
        frames / 75 % 60,
        frames % 75
    )
}

/// The CD frame containing `sample` at `rate`.
pub fn frame_of(sample: u64, rate: u32) -> u64 {
    (u128::from(sample) * 75 / u128::from(rate)) as u64
}

impl Cue {
    /// Whether every track start is exactly on a frame boundary.
    fn frame_exact(&self) -> bool {
        self.tracks
            .iter()
            .all(|t| (u128::from(t.start) * 75) % u128::from(self.sample_rate) == 0)
    }

    /// The sheet's text (CRLF-free; every reader accepts LF).
    pub fn render(&self) -> String {
        let mut s = String::new();
        let exact = self.frame_exact();
        if let Some(g) = &self.genre {
            let _ = writeln!(s, "REM GENRE {}", quoted(g));
        }
        if let Some(d) = &self.date {
            let _ = writeln!(s, "REM DATE {d}");
        }
        let _ = writeln!(s, "REM COMMENT \"mixmaster album\"");
        if let Some(upc) = &self.upc {
            let _ = writeln!(s, "CATALOG {upc:0>13}");
        }
        let _ = writeln!(s, "PERFORMER {}", quoted(&self.performer));
        let _ = writeln!(s, "TITLE {}", quoted(&self.title));
        // WAVE is the type every player uses for PCM files, FLAC included.
        let _ = writeln!(s, "FILE {} WAVE", quoted(&self.file_name));
        for (i, t) in self.tracks.iter().enumerate() {
            let _ = writeln!(s, "  TRACK {:02} AUDIO", i + 1);
            let _ = writeln!(s, "    TITLE {}", quoted(&t.title));
            let _ = writeln!(s, "    PERFORMER {}", quoted(&t.performer));
            if let Some(isrc) = &t.isrc {
                let _ = writeln!(s, "    ISRC {isrc}");
            }
            if !exact {
                let _ = writeln!(s, "    REM SAMPLE_START {}", t.start);
            }
            let _ = writeln!(
                s,
                "    INDEX 01 {}",
                msf(frame_of(t.start, self.sample_rate))
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(rate: u32, starts: &[u64]) -> Cue {
        Cue {
            title: "Al\"bum".into(),
            performer: "Band".into(),
            upc: Some("036000291452".into()),
            date: Some("2026".into()),
            genre: None,
            file_name: "Band - Album.wav".into(),
            sample_rate: rate,
            tracks: starts
                .iter()
                .enumerate()
                .map(|(i, &start)| CueTrack {
                    title: format!("T{i}"),
                    performer: "Band".into(),
                    isrc: Some("GBXYZ2600001".into()),
                    start,
                })
                .collect(),
        }
    }

    #[test]
    fn cd_sheet_has_exact_frames_and_catalog() {
        // 61 s + 37 frames = (61*75+37)*588 samples.
        let text = cue(44_100, &[0, (61 * 75 + 37) * 588]).render();
        assert!(text.contains("CATALOG 0036000291452\n"), "{text}");
        assert!(text.contains("TITLE \"Al'bum\"\n"), "{text}");
        assert!(text.contains("  TRACK 02 AUDIO\n"), "{text}");
        assert!(text.contains("    INDEX 01 01:01:37\n"), "{text}");
        assert!(!text.contains("SAMPLE_START"), "{text}");
    }

    #[test]
    fn other_rates_floor_the_frame_and_give_the_sample() {
        // 48 kHz: 640 samples a frame; 1000 samples is in frame 1.
        let text = cue(48_000, &[0, 1000]).render();
        assert!(
            text.contains("    REM SAMPLE_START 1000\n    INDEX 01 00:00:01\n"),
            "{text}"
        );
    }
}
