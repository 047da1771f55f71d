//! Where every track sits in the continuous album file, in samples.
//!
//! A gap is exact digital silence of `round(gap_s × rate)` samples; a
//! crossfade overlaps the end of one track and the start of the next by
//! `round(crossfade_s × rate)` samples. The track's start (CUE `INDEX 01`) is
//! its first sample — for a crossfade, the first sample of the overlap, so
//! playing from the index never skips the start of the track.
//!
//! CD delivery (Red Book) addresses audio in frames of 1/75 s, 588 samples at
//! 44.1 kHz, and a CUE sheet can only point at frame boundaries. So with
//! `frame` set, each track start is moved onto a boundary: a gap is lengthened
//! to the next boundary (at most 587 samples, 13.3 ms, of extra silence),
//! a crossfade is shortened by the same amount (so the music stays
//! continuous), and the album is padded with silence to a whole frame at the
//! end. Other deliveries keep the exact lengths.

use serde::Serialize;

use super::spec::Transition;

/// One track's place in the album file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Placement {
    /// First sample of the track in the album file.
    pub start: u64,
    /// Its length, samples.
    pub frames: u64,
    /// Samples it overlaps the next track (crossfade), 0 for a gap.
    pub overlap_next: u64,
    /// Samples of silence after it, 0 for a crossfade.
    pub gap_after: u64,
}

/// The album's sample map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layout {
    /// Tracks in order.
    pub tracks: Vec<Placement>,
    /// Length of the album file, samples.
    pub total: u64,
}

/// Lays out tracks of `frames` samples with `joins[i]` after track `i` (the
/// last join is ignored). `frame` is the addressing unit track starts must
/// fall on (588 for CD), or 1. Fails, naming the track (from 1), when a
/// crossfade is longer than either of its tracks or two crossfades overlap.
pub fn layout(
    frames: &[u64],
    joins: &[Transition],
    rate: u32,
    frame: u64,
) -> Result<Layout, (usize, String)> {
    let frame = frame.max(1);
    let to_samples = |s: f64| (s * f64::from(rate)).round().max(0.0) as u64;
    let mut tracks = Vec::with_capacity(frames.len());
    let mut start = 0u64;
    let mut overlap_in = 0u64;
    for (i, &len) in frames.iter().enumerate() {
        let end = start + len;
        let last = i + 1 == frames.len();
        let (mut next, mut overlap, mut gap) = (end, 0, 0);
        if !last {
            match joins[i] {
                Transition::Gap(g) => {
                    next = (end + to_samples(g)).div_ceil(frame) * frame;
                    gap = next - end;
                }
                Transition::Crossfade(x) => {
                    let want = to_samples(x);
                    let shorter = len.min(frames[i + 1]);
                    if want > shorter {
                        return Err((
                            i + 1,
                            format!(
                                "crossfade of {x:.2} s is longer than the shorter of tracks {} and {} ({:.2} s)",
                                i + 1,
                                i + 2,
                                shorter as f64 / f64::from(rate)
                            ),
                        ));
                    }
                    next = end - want;
                    next = next.div_ceil(frame) * frame;
                    overlap = end - next.min(end);
                    if overlap + overlap_in > len {
                        return Err((
                            i + 1,
                            format!(
                                "the crossfades into and out of track {} overlap each other (the track is {:.2} s)",
                                i + 1,
                                len as f64 / f64::from(rate)
                            ),
                        ));
                    }
                }
            }
        }
        tracks.push(Placement {
            start,
            frames: len,
            overlap_next: overlap,
            gap_after: gap,
        });
        overlap_in = overlap;
        start = next;
    }
    let end = tracks.last().map_or(0, |t| t.start + t.frames);
    Ok(Layout {
        total: end.div_ceil(frame) * frame,
        tracks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_gaps_and_crossfades() {
        let l = layout(
            &[1000, 2000, 1500],
            &[
                Transition::Gap(0.01),
                Transition::Crossfade(0.005),
                Transition::Gap(9.0),
            ],
            10_000,
            1,
        )
        .unwrap();
        let starts: Vec<u64> = l.tracks.iter().map(|t| t.start).collect();
        assert_eq!(starts, vec![0, 1100, 3050]);
        assert_eq!(l.tracks[0].gap_after, 100);
        assert_eq!(l.tracks[1].overlap_next, 50);
        assert_eq!(l.total, 4550);
    }

    #[test]
    fn cd_starts_fall_on_frames() {
        let l = layout(
            &[44_100, 30_000, 30_000],
            &[
                Transition::Gap(2.0),
                Transition::Crossfade(0.5),
                Transition::Gap(0.0),
            ],
            44_100,
            588,
        )
        .unwrap();
        for t in &l.tracks {
            assert_eq!(t.start % 588, 0, "start {}", t.start);
        }
        // 44100 + 88200 = 132300 = 225 frames exactly: no extra silence.
        assert_eq!(l.tracks[1].start, 132_300);
        // 162300 - 22050 = 140250 -> next boundary 140532: crossfade 21768 samples.
        assert_eq!(l.tracks[2].start, 140_532);
        assert_eq!(l.tracks[1].overlap_next, 21_768);
        assert_eq!(l.total % 588, 0);
        assert!(l.total >= 140_532 + 30_000 && l.total < 140_532 + 30_000 + 588);
    }

    #[test]
    fn too_long_crossfades_are_refused() {
        let e = layout(
            &[1000, 400],
            &[Transition::Crossfade(0.05), Transition::Gap(0.0)],
            10_000,
            1,
        )
        .unwrap_err();
        assert_eq!(e.0, 1);
        assert!(e.1.contains("longer than the shorter"), "{}", e.1);
        let e = layout(
            &[1000, 500, 1000],
            &[
                Transition::Crossfade(0.03),
                Transition::Crossfade(0.03),
                Transition::Gap(0.0),
            ],
            10_000,
            1,
        )
        .unwrap_err();
        assert_eq!(e.0, 2);
    }
}
