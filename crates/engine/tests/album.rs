//! End-to-end album mastering on synthetic albums: four tracks cut from the
//! demo song with deliberately different levels, tones and one sample rate,
//! delivered to streaming and CD, and every claim checked by meters
//! independent of the render path (a fresh decode, BS.1770 via `ebur128`,
//! the 8× true-peak meter) and by comparing samples.

use std::path::{Path, PathBuf};

use mixmaster::NoProgress;
use mixmaster::album::{AlbumReport, AlbumRequest, LoudnessMode, master_album};
use mixmaster::master::decide::PlanOptions;
use mixmaster::master::targets::Target;
use mixmaster_analysis::true_peak::{oversampled_peak, to_dbtp};
use mixmaster_io::{AudioBuffer, EncodeSpec, FileFormat, SampleFormat, WriteOptions, read_audio};

/// Length of each track, s: long enough for gated loudness and LRA, short
/// enough for a dev-profile test.
const TRACK_S: f64 = 3.0;

/// One-pole low-pass of `x` at `hz` (a dull mix).
fn low_pass(x: &[f32], hz: f64, rate: u32) -> Vec<f32> {
    let a = (-std::f64::consts::TAU * hz / f64::from(rate)).exp() as f32;
    let mut y = 0.0f32;
    x.iter()
        .map(|&s| {
            y = (1.0 - a) * s + a * y;
            y
        })
        .collect()
}

/// The four sources: (level dB, tone, rate). Track 3 is at 44.1 kHz.
fn write_tracks(dir: &Path) -> Vec<PathBuf> {
    let song = mixmaster::demo::render(48_000);
    let frames = (TRACK_S * 48_000.0) as usize;
    // Artwork is checked by content: a PNG signature and a header chunk.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&[
        0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE,
    ]);
    std::fs::write(dir.join("cover.png"), png).unwrap();
    let mut paths = Vec::new();
    for i in 0..4 {
        let from = i * 4 * 48_000;
        let (gain_db, _) = [(-2.0, 0), (-9.0, 1), (-14.0, 2), (-6.0, 3)][i];
        let g = 10f32.powf(gain_db / 20.0);
        let channels: Vec<Vec<f32>> = song
            .mix
            .channels
            .iter()
            .map(|c| {
                let x: Vec<f32> = c[from..from + frames].to_vec();
                let shaped: Vec<f32> = match i {
                    // Dull: the top end rolled off from 2 kHz.
                    1 => low_pass(&x, 2000.0, 48_000),
                    // Bright: the first difference added (+ ~6 dB/oct on top).
                    2 => x
                        .iter()
                        .zip(std::iter::once(&0.0).chain(&x))
                        .map(|(a, b)| a + 1.5 * (a - b))
                        .collect(),
                    // Heavy: the lows below 150 Hz doubled.
                    3 => x
                        .iter()
                        .zip(low_pass(&x, 150.0, 48_000))
                        .map(|(a, l)| a + l)
                        .collect(),
                    _ => x,
                };
                shaped.iter().map(|s| s * g).collect()
            })
            .collect();
        let mut audio = AudioBuffer {
            sample_rate: 48_000,
            channels,
        };
        if i == 2 {
            audio = mixmaster_io::resample(&audio, 44_100).unwrap();
        }
        let path = dir.join(format!("mix{}.wav", i + 1));
        mixmaster_io::write_audio(
            &path,
            &audio,
            EncodeSpec {
                format: FileFormat::Wav,
                sample_format: SampleFormat::Float32,
            },
            &WriteOptions::default(),
        )
        .unwrap();
        paths.push(path);
    }
    paths
}

const ALBUM_TOML: &str = r#"
[album]
title = "Test Album"
artist = "The Synths"
year = "2026"
upc = "036000291452"
artwork = "cover.png"
gap_s = 1.0

[[track]]
file = "mix1.wav"
title = "Loud Opener"
isrc = "GB-XYZ-26-00001"
fade_in_s = 0.02
crossfade_s = 0.8

[[track]]
file = "mix2.wav"
title = "Dull: Ballad?"
isrc = "GBXYZ2600002"
gap_s = 0.5

[[track]]
file = "mix3.wav"
title = "Bright"
isrc = "GBXYZ2600003"
artist = "The Synths feat. Guest"

[[track]]
file = "mix4.wav"
title = "Heavy Closer"
isrc = "GBXYZ2600004"
fade_out_s = 0.5
"#;

fn write_album(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("album.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn request(album: PathBuf, out: &Path, targets: &[&str], mode: LoudnessMode) -> AlbumRequest {
    AlbumRequest {
        album_file: album,
        targets: targets.iter().map(|t| Target::preset(t).unwrap()).collect(),
        out_dir: out.to_path_buf(),
        mode,
        options: PlanOptions::default(),
        force: false,
    }
}

/// Integrated loudness (LUFS) and true peak (dBTP, the larger of ebur128's and
/// the 8× meter's) of decoded audio.
fn measure(audio: &AudioBuffer) -> (f64, f64) {
    let mut meter = ebur128::EbuR128::new(
        2,
        audio.sample_rate,
        ebur128::Mode::I | ebur128::Mode::TRUE_PEAK,
    )
    .unwrap();
    meter.add_frames_planar_f32(&audio.slices()).unwrap();
    let tp_ebur = (0..2)
        .map(|c| meter.true_peak(c).unwrap())
        .fold(0.0, f64::max);
    let tp_8x = audio
        .channels
        .iter()
        .map(|c| oversampled_peak(c, 8))
        .fold(0.0, f64::max);
    (
        meter.loudness_global().unwrap(),
        to_dbtp(tp_ebur.max(tp_8x)),
    )
}

/// Track starts from a CUE sheet, in samples: `REM SAMPLE_START` when given,
/// else `INDEX 01` frames × rate / 75 (exact only on frame boundaries).
fn cue_starts(cue: &str, rate: u32) -> Vec<u64> {
    let mut starts = Vec::new();
    let mut exact: Option<u64> = None;
    for line in cue.lines().map(str::trim) {
        if let Some(n) = line.strip_prefix("REM SAMPLE_START ") {
            exact = Some(n.parse().unwrap());
        } else if let Some(msf) = line.strip_prefix("INDEX 01 ") {
            let p: Vec<u64> = msf.split(':').map(|x| x.parse().unwrap()).collect();
            let frames = (p[0] * 60 + p[1]) * 75 + p[2];
            starts.push(exact.take().unwrap_or(frames * u64::from(rate) / 75));
        }
    }
    starts
}

/// Checks one target's folder: ceilings, CUE points, sample identity.
fn check_delivery(report: &AlbumReport, d: usize, cd: bool) {
    let delivery = &report.deliveries[d];
    let ceiling = delivery.target.ceiling_dbtp;
    let album = read_audio(Path::new(&delivery.album_file)).unwrap();
    let (album_lufs, album_tp) = measure(&album);
    assert!(
        album_tp <= ceiling,
        "{}: album file {album_tp:.3} dBTP over {ceiling}",
        delivery.target.name
    );
    let reported = delivery.album_integrated_lufs.unwrap();
    assert!(
        (album_lufs - reported).abs() < 0.05,
        "album loudness {album_lufs} vs reported {reported}"
    );
    let cue = std::fs::read_to_string(&delivery.cue_file).unwrap();
    let starts = cue_starts(&cue, album.sample_rate);
    assert_eq!(starts.len(), delivery.tracks.len(), "{cue}");
    if cd {
        assert_eq!(album.sample_rate, 44_100);
        assert!(!cue.contains("SAMPLE_START"), "{cue}");
        assert_eq!(album.frames() % 588, 0, "CD album length is whole frames");
        for s in &starts {
            assert_eq!(s % 588, 0, "CD track start {s} not on a frame");
        }
    }
    let name = Path::new(&delivery.album_file)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(cue.contains(&format!("FILE \"{name}\" WAVE")), "{cue}");
    for (i, t) in delivery.tracks.iter().enumerate() {
        let track = read_audio(Path::new(&t.file)).unwrap();
        let (_, tp) = measure(&track);
        assert!(
            tp <= ceiling,
            "{} track {}: {tp:.3} dBTP over {ceiling}",
            delivery.target.name,
            i + 1
        );
        assert_eq!(
            starts[i],
            t.start_sample,
            "CUE and report agree on track {}",
            i + 1
        );
        // The album holds the track's samples from its CUE point on, except
        // where a crossfade mixes it with a neighbour.
        let overlap_in = if i > 0 {
            delivery.layout.tracks[i - 1].overlap_next
        } else {
            0
        };
        let overlap_out = delivery.layout.tracks[i].overlap_next;
        let len = track.frames() as u64;
        assert_eq!(len, delivery.layout.tracks[i].frames);
        let (from, to) = (overlap_in as usize, (len - overlap_out) as usize);
        assert!(to > from + 1000);
        for c in 0..2 {
            let a = &album.channels[c][starts[i] as usize + from..starts[i] as usize + to];
            let b = &track.channels[c][from..to];
            assert!(
                a == b,
                "{} track {}: album samples differ from the track file",
                delivery.target.name,
                i + 1
            );
        }
        // Right before a gap-joined start the album is silent.
        if i > 0 && overlap_in == 0 {
            let before = &album.channels[0][starts[i] as usize - 10..starts[i] as usize];
            assert!(before.iter().all(|&s| s == 0.0));
        }
    }
}

#[test]
fn album_mode_keeps_relative_levels_and_everything_lands_under_the_ceiling() {
    let dir = tempfile::tempdir().unwrap();
    write_tracks(dir.path());
    let album = write_album(dir.path(), ALBUM_TOML);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let report = master_album(
        &request(album.clone(), &out, &["spotify", "cd"], LoudnessMode::Album),
        &mut NoProgress,
    )
    .unwrap();

    // The 44.1 kHz track was resampled for the streaming delivery, and said so.
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("track 3") && n.contains("resampled")),
        "{:?}",
        report.notes
    );
    assert_eq!(report.deliveries[0].sample_rate, 48_000);

    // Tone: matching toward the album mean brings the tracks closer together.
    let before: f64 = report
        .tracks
        .iter()
        .map(|t| t.spectral_deviation_db.unwrap())
        .sum();
    let after: f64 = report.deliveries[0]
        .tracks
        .iter()
        .map(|t| t.spectral_deviation_db.unwrap())
        .sum();
    assert!(
        after < before,
        "spectral deviation {before:.2} -> {after:.2} dB"
    );

    for (d, delivery) in report.deliveries.iter().enumerate() {
        // Independent loudness of every delivered file.
        let lufs: Vec<f64> = delivery
            .tracks
            .iter()
            .map(|t| measure(&read_audio(Path::new(&t.file)).unwrap()).0)
            .collect();
        let chain: Vec<f64> = delivery
            .tracks
            .iter()
            .map(|t| t.chain_lufs.unwrap())
            .collect();
        let loudest = (0..4)
            .max_by(|&a, &b| chain[a].total_cmp(&chain[b]))
            .unwrap();
        assert_eq!(loudest, 0, "track 1 is the loud one");
        let target = delivery.target.integrated_lufs;
        assert!(
            (lufs[loudest] - target).abs() <= 0.1,
            "{}: loudest track {:.2} LUFS vs target {target}",
            delivery.target.name,
            lufs[loudest]
        );
        for i in 0..4 {
            let intended = chain[i] - chain[loudest];
            let got = lufs[i] - lufs[loudest];
            assert!(
                (got - intended).abs() <= 0.3,
                "{} track {}: {got:+.2} LU from the loudest, intended {intended:+.2}",
                delivery.target.name,
                i + 1
            );
        }
        // The sources really were at different levels.
        assert!(chain[0] - chain[2] > 6.0, "{chain:?}");
        check_delivery(&report, d, delivery.target.name == "cd");
    }

    // Tags on a per-track file.
    let tags = mixmaster_io::read_tags(Path::new(&report.deliveries[1].tracks[2].file)).unwrap();
    assert_eq!(tags.track_number, Some(3));
    assert_eq!(tags.track_total, Some(4));
    assert_eq!(tags.isrc.as_deref(), Some("GBXYZ2600003"));
    assert_eq!(tags.album.as_deref(), Some("Test Album"));
    assert_eq!(tags.artist.as_deref(), Some("The Synths feat. Guest"));
    assert_eq!(tags.artwork.map(|a| a.mime).as_deref(), Some("image/png"));
    let flac = mixmaster_io::read_tags(Path::new(&report.deliveries[0].tracks[0].file)).unwrap();
    assert_eq!(flac.isrc.as_deref(), Some("GBXYZ2600001"));
    assert_eq!(flac.upc.as_deref(), Some("036000291452"));
    assert_eq!(flac.year.as_deref(), Some("2026"));
    let names: Vec<String> = std::fs::read_dir(out.join("cd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for want in [
        "01 - Loud Opener.wav",
        "02 - Dull_ Ballad_.wav",
        "The Synths - Test Album.wav",
        "The Synths - Test Album.cue",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing from {names:?}"
        );
    }
    assert!(
        std::fs::read_dir(&out).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with('.')),
        "staging folder left behind"
    );

    // A second run refuses to overwrite and leaves everything as it was.
    let err = master_album(
        &request(album, &out, &["spotify"], LoudnessMode::Album),
        &mut NoProgress,
    )
    .unwrap_err();
    assert!(err.to_string().contains("exists"), "{err}");
}

#[test]
fn per_track_mode_puts_every_track_on_the_target() {
    let dir = tempfile::tempdir().unwrap();
    write_tracks(dir.path());
    // Gaps only: the album file is the tracks and silence, sample for sample.
    let text = ALBUM_TOML.replace("crossfade_s = 0.8", "gap_s = 0.25");
    let album = write_album(dir.path(), &text);
    let report = master_album(
        &request(album, dir.path(), &["spotify"], LoudnessMode::PerTrack),
        &mut NoProgress,
    )
    .unwrap();
    let delivery = &report.deliveries[0];
    for t in &delivery.tracks {
        let (lufs, _) = measure(&read_audio(Path::new(&t.file)).unwrap());
        assert!(
            (lufs + 14.0).abs() <= 0.1,
            "track {}: {lufs:.3} LUFS",
            t.number
        );
    }
    let starts: Vec<u64> = delivery.layout.tracks.iter().map(|t| t.start).collect();
    let frames: Vec<u64> = delivery.layout.tracks.iter().map(|t| t.frames).collect();
    // Exact gaps: 0.25 s, 0.5 s and 1.0 s of silence at 48 kHz.
    assert_eq!(starts[1] - (starts[0] + frames[0]), 12_000);
    assert_eq!(starts[2] - (starts[1] + frames[1]), 24_000);
    assert_eq!(starts[3] - (starts[2] + frames[2]), 48_000);
    check_delivery(&report, 0, false);
}

/// The error of mastering an album whose file is `text`, with the tracks in
/// `dir`; checks that nothing was written.
fn album_error(dir: &Path, text: &str) -> String {
    let album = write_album(dir, text);
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let err = master_album(
        &request(album, &out, &["spotify"], LoudnessMode::Album),
        &mut NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "{err}: something was written"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

#[test]
fn bad_albums_are_refused_with_one_line_naming_the_file_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    write_tracks(dir.path());
    let d = dir.path();
    let e = album_error(d, &ALBUM_TOML.replace("GBXYZ2600003", "GBXYZ2600002"));
    assert!(
        e.contains("album.toml: line") && e.contains("already used by track 2"),
        "{e}"
    );
    let e = album_error(d, &ALBUM_TOML.replace("GBXYZ2600004", "GBXYZ26004"));
    assert!(e.contains("invalid ISRC"), "{e}");
    let e = album_error(d, &ALBUM_TOML.replace("036000291452", "036000291453"));
    assert!(
        e.contains("line 6, column 7") && e.contains("check digit"),
        "{e}"
    );
    let e = album_error(d, &ALBUM_TOML.replace("cover.png", "cover.gif"));
    assert!(e.contains("cover.gif does not exist"), "{e}");
    let e = album_error(d, &ALBUM_TOML.replace("mix2.wav", "missing.wav"));
    assert!(e.contains("missing.wav does not exist"), "{e}");
    let e = album_error(
        d,
        &ALBUM_TOML.replace("crossfade_s = 0.8", "crossfade_s = 5.0"),
    );
    assert!(
        e.contains("line 15, column 15") && e.contains("longer than the shorter of tracks 1 and 2"),
        "{e}"
    );
    let e = album_error(
        d,
        &ALBUM_TOML.replace("gap_s = 0.5", "gap_s = 0.5\ncrossfade_s = 1.0"),
    );
    assert!(e.contains("either gap_s or crossfade_s"), "{e}");
}

#[test]
fn a_gap_longer_than_a_minute_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write_tracks(dir.path());
    let album = write_album(dir.path(), &ALBUM_TOML.replace("gap_s = 0.5", "gap_s = 75"));
    let loaded = mixmaster::album::spec::load(&album).unwrap();
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert!(loaded.warnings[0].contains("track 2") && loaded.warnings[0].contains("75.0 s"));
}

#[test]
fn a_track_needing_too_much_limiting_gets_the_loudest_clean_level_and_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write_tracks(dir.path());
    // Two tracks to CD (-10 LUFS) with at most 0.5 dB of limiting: the loud
    // opener cannot get there cleanly, the quiet one (-11 LU) needs none.
    let text = ALBUM_TOML
        .split("[[track]]")
        .take(3)
        .collect::<Vec<_>>()
        .join("[[track]]")
        .replace("gap_s = 0.5", "");
    let album = write_album(dir.path(), &text);
    let mut req = request(album, dir.path(), &["cd"], LoudnessMode::Album);
    req.options.max_gain_reduction_db = 0.5;
    let report = master_album(&req, &mut NoProgress).unwrap();
    let d = &report.deliveries[0];
    let capped = &d.tracks[0];
    let (lufs, tp) = measure(&read_audio(Path::new(&capped.file)).unwrap());
    assert!(lufs < -10.5, "capped track at {lufs:.2} LUFS");
    assert!(tp <= -0.3, "{tp}");
    assert!(
        capped.max_gain_reduction_db <= 0.5 + 0.05,
        "{}",
        capped.max_gain_reduction_db
    );
    assert!(
        capped
            .notes
            .iter()
            .any(|n| n.contains("loudest clean master")),
        "{:?}",
        capped.notes
    );
    // The other track keeps its own album level.
    let (quiet, _) = measure(&read_audio(Path::new(&d.tracks[1].file)).unwrap());
    assert!(
        (quiet - d.tracks[1].target_lufs).abs() <= 0.1,
        "{quiet} vs {}",
        d.tracks[1].target_lufs
    );
    check_delivery(&report, 0, true);
}

#[test]
fn a_track_with_nan_samples_or_bad_options_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    write_tracks(dir.path());
    let mut blown = read_audio(&dir.path().join("mix2.wav")).unwrap();
    blown.channels[0][4_410] = f32::NAN;
    mixmaster_io::write_audio(
        &dir.path().join("blown.wav"),
        &blown,
        EncodeSpec {
            format: FileFormat::Wav,
            sample_format: SampleFormat::Float32,
        },
        &WriteOptions::default(),
    )
    .unwrap();
    let rate = blown.sample_rate as f64;
    let e = album_error(dir.path(), &ALBUM_TOML.replace("mix2.wav", "blown.wav"));
    assert!(
        e.contains("blown.wav: the audio holds 1 NaN or infinite samples")
            && e.contains(&format!("(first at {:.3} s)", 4_410.0 / rate)),
        "{e}"
    );
    // Options are checked too: a NaN trim threshold was taken as "all silent".
    let album = write_album(dir.path(), ALBUM_TOML);
    let out = dir.path().join("out2");
    std::fs::create_dir_all(&out).unwrap();
    let mut req = request(album.clone(), &out, &["spotify"], LoudnessMode::Album);
    req.options.trim_threshold_dbfs = f64::NAN;
    let e = master_album(&req, &mut NoProgress).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("{}: trim threshold = NaN", album.display())),
        "{e}"
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

#[test]
fn a_fade_out_longer_than_its_track_or_a_rate_above_flac_is_refused_before_rendering() {
    let dir = tempfile::tempdir().unwrap();
    write_tracks(dir.path());
    let e = album_error(
        dir.path(),
        &ALBUM_TOML.replace("fade_out_s = 0.5", "fade_out_s = 100.0"),
    );
    assert!(
        e.contains("album.toml: line")
            && e.contains("track 4: a 100.00 s fade-out is longer than the track"),
        "{e}"
    );
    // A 192 kHz track makes the album 192 kHz; spotify is delivered as FLAC,
    // which the encoder writes up to 96 kHz. The error came from inside the
    // staging folder after the analysis and plans.
    let mut hi = read_audio(&dir.path().join("mix2.wav")).unwrap();
    let up = |c: &Vec<f32>| c.iter().flat_map(|&x| [x; 4]).collect::<Vec<f32>>();
    hi = AudioBuffer {
        sample_rate: hi.sample_rate * 4,
        channels: hi.channels.iter().map(up).collect(),
    };
    assert!(hi.sample_rate > 96_000);
    mixmaster_io::write_audio(
        &dir.path().join("hi.wav"),
        &hi,
        EncodeSpec {
            format: FileFormat::Wav,
            sample_format: SampleFormat::Float32,
        },
        &WriteOptions::default(),
    )
    .unwrap();
    let e = album_error(dir.path(), &ALBUM_TOML.replace("mix2.wav", "hi.wav"));
    assert!(
        e.starts_with(&format!(
            "{}: spotify is delivered as FLAC, written at up to 96000 Hz, but the album is {} Hz",
            dir.path().join("album.toml").display(),
            hi.sample_rate
        )),
        "{e}"
    );
}
