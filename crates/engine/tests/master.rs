//! End-to-end mastering: synthetic mixes in, delivered files out, every file
//! measured again by meters independent of the render path (a fresh decode,
//! BS.1770 via `ebur128`, and the hand-written 8× true-peak meter).

use std::path::{Path, PathBuf};

use mixmaster::NoProgress;
use mixmaster::master::decide::PlanOptions;
use mixmaster::master::render::PassKind;
use mixmaster::master::targets::Target;
use mixmaster::master::{MasterRequest, master};
use mixmaster_analysis::true_peak::{oversampled_peak, to_dbtp};
use mixmaster_io::{AudioBuffer, EncodeSpec, FileFormat, SampleFormat, WriteOptions, read_audio};

/// A mix-like programme: the first 6 s of the demo song rendered at `rate`,
/// scaled by `gain_db`, written as float WAV.
fn write_mix(dir: &Path, rate: u32, gain_db: f32) -> PathBuf {
    let song = mixmaster::demo::render(rate);
    let g = 10f32.powf(gain_db / 20.0);
    let frames = 6 * rate as usize;
    let mix = AudioBuffer {
        sample_rate: rate,
        channels: song
            .mix
            .channels
            .iter()
            .map(|c| c[..frames].iter().map(|s| s * g).collect())
            .collect(),
    };
    let path = dir.join(format!("mix{rate}.wav"));
    mixmaster_io::write_audio(
        &path,
        &mix,
        EncodeSpec {
            format: FileFormat::Wav,
            sample_format: SampleFormat::Float32,
        },
        &WriteOptions {
            force: false,
            inputs: Vec::new(),
        },
    )
    .unwrap();
    path
}

/// Integrated loudness and true peak of a file, by independent meters.
fn measure(path: &Path) -> (f64, f64, AudioBuffer) {
    let audio = read_audio(path).unwrap();
    let mut meter = ebur128::EbuR128::new(
        2,
        audio.sample_rate,
        ebur128::Mode::I | ebur128::Mode::TRUE_PEAK,
    )
    .unwrap();
    meter.add_frames_planar_f32(&audio.slices()).unwrap();
    let lufs = meter.loudness_global().unwrap();
    let tp_ebur = (0..2)
        .map(|c| meter.true_peak(c).unwrap())
        .fold(0.0, f64::max);
    let tp_8x = audio
        .channels
        .iter()
        .map(|c| oversampled_peak(c, 8))
        .fold(0.0, f64::max);
    (lufs, to_dbtp(tp_ebur.max(tp_8x)), audio)
}

fn request(input: PathBuf, deliveries: Vec<(Target, PathBuf)>) -> MasterRequest {
    MasterRequest::new(input, deliveries)
}

#[test]
fn streaming_and_cd_masters_land_on_target_under_the_ceiling() {
    let dir = tempfile::tempdir().unwrap();
    let mix = write_mix(dir.path(), 48_000, 0.0);
    let spotify = dir.path().join("spotify.wav");
    let cd = dir.path().join("cd.wav");
    let report = master(
        &request(
            mix,
            vec![
                (Target::preset("spotify").unwrap(), spotify.clone()),
                (Target::preset("cd").unwrap(), cd.clone()),
            ],
        ),
        &mut NoProgress,
    )
    .unwrap();
    assert_eq!(report.deliveries.len(), 2);
    // The drive model predicts the render: one render per delivery, and the
    // model's loudness at the delivered drive is the measured one, also where
    // the limiter works hard (the CD master).
    let cd_reduction = report.deliveries[1]
        .delivered
        .passes
        .last()
        .unwrap()
        .max_gain_reduction_db;
    assert!(
        cd_reduction > 2.0,
        "the CD master should limit: {cd_reduction:.2} dB"
    );
    for d in &report.deliveries {
        let passes = &d.delivered.passes;
        let rendered: Vec<_> = passes
            .iter()
            .filter(|p| p.kind != PassKind::Modelled)
            .collect();
        assert_eq!(rendered.len(), 1, "{:?}", d.delivered.passes);
        let delivered = rendered[0];
        assert_eq!(delivered.kind, PassKind::Delivered);
        // The model's loudness at the delivered drive: evaluated there, or
        // interpolated between the two nearest evaluated drives.
        let mut modelled: Vec<(f64, f64)> = passes
            .iter()
            .filter(|p| p.kind == PassKind::Modelled && p.ceiling_dbtp == delivered.ceiling_dbtp)
            .map(|p| (p.input_gain_db, p.integrated_lufs.unwrap()))
            .collect();
        let g = delivered.input_gain_db;
        modelled.sort_by(|a, b| (a.0 - g).abs().total_cmp(&(b.0 - g).abs()));
        let predicted = match modelled[..] {
            [(g0, l0), ..] if g0 == g => l0,
            [(g0, l0), (g1, l1), ..] => l0 + (l1 - l0) * (g - g0) / (g1 - g0),
            _ => panic!("no modelled drives: {passes:?}"),
        };
        let measured = delivered.integrated_lufs.unwrap();
        assert!(
            (predicted - measured).abs() < 0.03,
            "model {predicted:.3} LUFS, render {measured:.3} LUFS"
        );
    }

    let (lufs, tp, audio) = measure(&spotify);
    assert!((lufs + 14.0).abs() <= 0.1, "spotify: {lufs} LUFS");
    assert!(tp <= -1.0, "spotify: true peak {tp} dBTP");
    assert_eq!(audio.sample_rate, 48_000);

    let (lufs, tp, audio) = measure(&cd);
    assert!((lufs + 10.0).abs() <= 0.1, "cd: {lufs} LUFS");
    assert!(tp <= -0.3, "cd: true peak {tp} dBTP");
    assert_eq!(audio.sample_rate, 44_100);
    let info = mixmaster_io::AudioReader::open(&cd).unwrap().info().clone();
    assert_eq!(info.bits_per_sample, Some(16));
    // 16-bit grid: every sample is k / 32768.
    assert!(
        audio.channels[0]
            .iter()
            .all(|s| (s * 32768.0).fract() == 0.0)
    );
}

#[test]
fn loud_and_quiet_mixes_land_on_the_broadcast_target() {
    let dir = tempfile::tempdir().unwrap();
    for gain in [-20.0, 5.0] {
        let mix = write_mix(dir.path(), 44_100, gain);
        let out = dir.path().join(format!("r128_{gain}.wav"));
        master(
            &request(
                mix.clone(),
                vec![(Target::preset("ebu-r128").unwrap(), out.clone())],
            ),
            &mut NoProgress,
        )
        .unwrap();
        let (lufs, tp, _) = measure(&out);
        assert!((lufs + 23.0).abs() <= 0.1, "gain {gain}: {lufs} LUFS");
        assert!(tp <= -1.0, "gain {gain}: {tp} dBTP");
        std::fs::remove_file(&mix).unwrap();
    }
}

#[test]
fn silence_and_surround_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let opts = WriteOptions {
        force: false,
        inputs: Vec::new(),
    };
    let spec = EncodeSpec {
        format: FileFormat::Wav,
        sample_format: SampleFormat::Int16,
    };
    let silent = dir.path().join("silent.wav");
    mixmaster_io::write_audio(
        &silent,
        &AudioBuffer::new(44_100, 2, 44_100 * 3),
        spec,
        &opts,
    )
    .unwrap();
    let surround = dir.path().join("surround.wav");
    mixmaster_io::write_audio(&surround, &AudioBuffer::new(44_100, 6, 44_100), spec, &opts)
        .unwrap();
    for (input, expect) in [(silent, "silent"), (surround, "6 channels")] {
        let out = dir.path().join("out.wav");
        let err = master(
            &request(
                input,
                vec![(Target::preset("spotify").unwrap(), out.clone())],
            ),
            &mut NoProgress,
        )
        .unwrap_err();
        assert!(err.to_string().contains(expect), "{err}");
        assert!(!out.exists());
    }
    // Only the two inputs remain: no temporary or partial files.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn a_rendered_plan_renders_again_bit_identically() {
    let dir = tempfile::tempdir().unwrap();
    let mix = write_mix(dir.path(), 44_100, 0.0);
    let first = dir.path().join("first.wav");
    let report = master(
        &request(
            mix.clone(),
            vec![(Target::preset("spotify").unwrap(), first.clone())],
        ),
        &mut NoProgress,
    )
    .unwrap();
    let plan = report.deliveries[0].plan.clone();
    assert!(plan.limiter.settings.lock_gain);
    let json = serde_json::to_string(&plan).unwrap();
    let reread = mixmaster::master::plan::MasterPlan::from_json(&json).unwrap();
    let second = dir.path().join("second.wav");
    let mut again = request(mix, vec![(plan.target.clone(), second.clone())]);
    again.plan = Some(reread);
    master(&again, &mut NoProgress).unwrap();
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap()
    );
}

#[test]
fn mp3_preview_stays_under_the_ceiling_after_decoding_and_tags_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let mix = write_mix(dir.path(), 44_100, 0.0);
    let out = dir.path().join("loud.wav");
    let mut req = request(
        mix,
        vec![(Target::preset("spotify-loud").unwrap(), out.clone())],
    );
    req.preview = Some(mixmaster::master::preview::PreviewCodec::Mp3);
    req.tags = mixmaster_io::Tags {
        title: Some("Demo".into()),
        artist: Some("mixmaster".into()),
        isrc: Some("USABC2400001".into()),
        ..Default::default()
    };
    let report = master(&req, &mut NoProgress).unwrap();
    let preview = report.deliveries[0].preview.clone().unwrap();
    // Decode the MP3 independently and measure what listeners get.
    let (_, tp, _) = measure(&preview.path);
    assert!(
        tp <= -2.0,
        "decoded MP3 true peak {tp} dBTP over the -2 dBTP ceiling"
    );
    let tags = mixmaster_io::read_tags(&out).unwrap();
    assert_eq!(tags.title.as_deref(), Some("Demo"));
    assert_eq!(tags.isrc.as_deref(), Some("USABC2400001"));
    assert_eq!(
        mixmaster_io::read_tags(&preview.path)
            .unwrap()
            .artist
            .as_deref(),
        Some("mixmaster")
    );
}

#[test]
fn reference_matching_brightens_a_dull_mix_and_takes_its_loudness() {
    use mixmaster::master::plan::BandKind;
    let dir = tempfile::tempdir().unwrap();
    let rate = 44_100;
    let song = mixmaster::demo::render(rate);
    let frames = 6 * rate as usize;
    let opts = WriteOptions {
        force: false,
        inputs: Vec::new(),
    };
    let spec = EncodeSpec {
        format: FileFormat::Wav,
        sample_format: SampleFormat::Float32,
    };
    // The mix made dull by a one-pole low-pass at 2 kHz; the reference is the
    // original, 4 dB louder.
    let a = (-std::f32::consts::TAU * 2000.0 / rate as f32).exp();
    let dull: Vec<Vec<f32>> = song
        .mix
        .channels
        .iter()
        .map(|c| {
            let mut y = 0.0;
            c[..frames]
                .iter()
                .map(|&x| {
                    y = x + a * (y - x);
                    y
                })
                .collect()
        })
        .collect();
    let reference: Vec<Vec<f32>> = song
        .mix
        .channels
        .iter()
        .map(|c| c[..frames].iter().map(|s| s * 1.58).collect())
        .collect();
    let mix_path = dir.path().join("dull.wav");
    let ref_path = dir.path().join("reference.wav");
    mixmaster_io::write_audio(
        &mix_path,
        &AudioBuffer {
            sample_rate: rate,
            channels: dull,
        },
        spec,
        &opts,
    )
    .unwrap();
    mixmaster_io::write_audio(
        &ref_path,
        &AudioBuffer {
            sample_rate: rate,
            channels: reference,
        },
        spec,
        &opts,
    )
    .unwrap();
    let (ref_lufs, _, _) = measure(&ref_path);

    let out = dir.path().join("matched.wav");
    let mut req = request(mix_path, vec![(Target::custom(-14.0, -1.0), out.clone())]);
    req.reference = Some(ref_path);
    req.match_reference_loudness = true;
    let report = master(&req, &mut NoProgress).unwrap();
    let plan = &report.deliveries[0].plan;
    let high_shelf = plan
        .tonal_eq
        .settings
        .iter()
        .find(|b| b.kind == BandKind::HighShelf)
        .expect("a high shelf toward the brighter reference");
    assert!(high_shelf.gain_db >= 2.0, "{high_shelf:?}");
    let (lufs, _, _) = measure(&out);
    assert!(
        (lufs - ref_lufs).abs() <= 0.1,
        "{lufs} vs reference {ref_lufs}"
    );
}

#[test]
fn vinyl_master_is_de_essed_low_passed_mono_in_the_bass_and_not_pushed() {
    let dir = tempfile::tempdir().unwrap();
    let mix = write_mix(dir.path(), 44_100, 0.0);
    let out = dir.path().join("vinyl.wav");
    let report = master(
        &request(mix, vec![(Target::preset("vinyl").unwrap(), out.clone())]),
        &mut NoProgress,
    )
    .unwrap();
    let d = &report.deliveries[0];
    let plan = &d.plan;
    assert!(plan.deesser.enabled, "{:?}", plan.deesser.why);
    assert!(plan.deesser.why[0].starts_with("vinyl"));
    assert!(
        plan.tonal_eq
            .settings
            .iter()
            .any(|b| b.kind == mixmaster::master::plan::BandKind::LowPass && b.freq_hz == 18_000.0)
    );
    assert_eq!(plan.stereo.settings.mono_below_hz, Some(150.0));
    assert!(plan.limiter.settings.max_gain_reduction_db <= 1.0);

    let (lufs, tp, audio) = measure(&out);
    assert!(tp <= -1.0, "vinyl: true peak {tp} dBTP");
    // Either on the -12 LUFS target, or quieter with the limiter capped at
    // 1 dB of reduction and the report saying so: never pushed past it.
    if (lufs + 12.0).abs() > 0.1 {
        assert!(lufs < -12.0, "vinyl overshot: {lufs} LUFS");
        assert!(
            !d.delivered.notes.is_empty(),
            "no note for a quiet vinyl master"
        );
    }
    // 24-bit, source rate.
    let info = mixmaster_io::AudioReader::open(&out)
        .unwrap()
        .info()
        .clone();
    assert_eq!(info.bits_per_sample, Some(24));
    assert_eq!(audio.sample_rate, 44_100);
}

#[test]
fn opus_preview_is_48k_and_under_the_ceiling_after_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let mix = write_mix(dir.path(), 44_100, 0.0);
    let out = dir.path().join("loud.wav");
    let target = Target::preset("spotify-loud").unwrap();
    let ceiling = target.ceiling_dbtp;
    let mut req = request(mix, vec![(target, out.clone())]);
    req.preview = Some(mixmaster::master::preview::PreviewCodec::Opus);
    let report = master(&req, &mut NoProgress).unwrap();
    let preview = report.deliveries[0].preview.clone().unwrap();
    assert_eq!(preview.path, dir.path().join("loud.opus"));

    // Decode with libopus and meter independently of the render path.
    let mut reader = mixmaster_io::OpusReader::open(&preview.path).unwrap();
    let mut channels = [Vec::new(), Vec::new()];
    let mut block = [Vec::new(), Vec::new()];
    while reader.read_block(&mut block, 4096).unwrap() > 0 {
        for (c, b) in channels.iter_mut().zip(&block) {
            c.extend_from_slice(b);
        }
    }
    let mut meter = ebur128::EbuR128::new(2, 48_000, ebur128::Mode::TRUE_PEAK).unwrap();
    meter
        .add_frames_planar_f32(&[&channels[0], &channels[1]])
        .unwrap();
    let tp_ebur = (0..2)
        .map(|c| meter.true_peak(c).unwrap())
        .fold(0.0, f64::max);
    let tp_8x = channels
        .iter()
        .map(|c| oversampled_peak(c, 8))
        .fold(0.0, f64::max);
    let tp = to_dbtp(tp_ebur.max(tp_8x));
    assert!(
        tp <= ceiling,
        "decoded Opus true peak {tp:.2} dBTP over {ceiling}"
    );
    // 6 s of master at 44.1 kHz is 6 s at 48 kHz (within the trim's pre-roll).
    let master_s = read_audio(&out).unwrap().channels[0].len() as f64 / 44_100.0;
    let preview_s = channels[0].len() as f64 / 48_000.0;
    assert!(
        (master_s - preview_s).abs() < 0.01,
        "{master_s} vs {preview_s} s"
    );
}

#[test]
fn the_destination_name_picks_the_container_and_other_names_are_refused_first() {
    let dir = tempfile::tempdir().unwrap();
    let mix = write_mix(dir.path(), 44_100, -6.0);
    let spotify = || Target::preset("spotify").unwrap();
    // A name that says no format we write, and an A/B (32-bit float) not
    // named .wav: refused before any rendering, nothing written.
    for (out, ab) in [
        ("out.mp3", None),
        ("out", None),
        ("out.wav", Some("ab.flac")),
    ] {
        let out = dir.path().join(out);
        let mut req = request(mix.clone(), vec![(spotify(), out.clone())]);
        req.ab = ab.map(|a| dir.path().join(a));
        let err = master(&req, &mut NoProgress).unwrap_err().to_string();
        let named = ab.unwrap_or(out.file_name().unwrap().to_str().unwrap());
        assert!(err.contains(named), "{err}");
        assert!(!err.contains('\n'), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "{err}");
    }
    // An existing folder is named as one, not as an unknown format.
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let req = request(mix.clone(), vec![(spotify(), sub.clone())]);
    let err = master(&req, &mut NoProgress).unwrap_err().to_string();
    assert_eq!(
        err,
        format!("{}: is a directory, not a file name", sub.display())
    );
    std::fs::remove_dir(&sub).unwrap();
    // .flac and .aiff get those containers (they were WAV bytes under the name).
    let flac = dir.path().join("out.flac");
    let aiff = dir.path().join("out.aiff");
    let apple = Target::preset("apple-music").unwrap();
    let report = master(
        &request(mix, vec![(spotify(), flac.clone()), (apple, aiff.clone())]),
        &mut NoProgress,
    )
    .unwrap();
    assert_eq!(&std::fs::read(&flac).unwrap()[..4], b"fLaC");
    let aiff_bytes = std::fs::read(&aiff).unwrap();
    assert_eq!(
        (&aiff_bytes[..4], &aiff_bytes[8..12]),
        (&b"FORM"[..], &b"AIFF"[..])
    );
    for d in &report.deliveries {
        let (lufs, _, _) = measure(&d.delivered.path);
        assert!((lufs - d.plan.target.integrated_lufs).abs() < 0.2, "{lufs}");
    }
}

#[test]
fn nan_infinite_or_out_of_range_options_and_fades_longer_than_the_mix_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mix = write_mix(dir.path(), 44_100, -6.0);
    let d = PlanOptions::default;
    let cases = [
        (
            PlanOptions {
                max_gain_reduction_db: f64::NAN,
                ..d()
            },
            "max limiting = NaN dB is out of range",
        ),
        (
            PlanOptions {
                trim_threshold_dbfs: f64::NAN,
                ..d()
            },
            "trim threshold = NaN dBFS",
        ),
        (
            PlanOptions {
                trim_threshold_dbfs: 10.0,
                ..d()
            },
            "trim threshold = 10 dBFS",
        ),
        (
            PlanOptions {
                pre_roll_s: f64::NAN,
                ..d()
            },
            "pre-roll = NaN s",
        ),
        (
            PlanOptions {
                fade_out_s: Some(f64::INFINITY),
                ..d()
            },
            "fade-out = inf s",
        ),
        // The mix is 6 s long: a 100 s fade-in delivered it at -54 dBFS.
        (
            PlanOptions {
                fade_in_s: Some(100.0),
                ..d()
            },
            "fades of 100.00 s in all are longer than the mix (6.00 s)",
        ),
        (
            PlanOptions {
                fade_in_s: Some(4.0),
                fade_out_s: Some(2.5),
                ..d()
            },
            "fades of 6.50 s",
        ),
    ];
    for (options, want) in cases {
        let out = dir.path().join("out.wav");
        let mut req = request(mix.clone(), vec![(Target::preset("spotify").unwrap(), out)]);
        req.options = options;
        let err = master(&req, &mut NoProgress).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}: ", mix.display())), "{err}");
        assert!(err.contains(want), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "{err}");
    }
}

#[test]
fn a_mix_or_reference_with_nan_samples_and_a_silent_reference_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mix = write_mix(dir.path(), 44_100, -6.0);
    let float = |name: &str, buf: &AudioBuffer| {
        let path = dir.path().join(name);
        let spec = EncodeSpec {
            format: FileFormat::Wav,
            sample_format: SampleFormat::Float32,
        };
        mixmaster_io::write_audio(&path, buf, spec, &WriteOptions::default()).unwrap();
        path
    };
    // A float mix whose plugin blew up at 1.5 s: 3 NaN and one +inf.
    let mut blown = read_audio(&mix).unwrap();
    for i in 0..3 {
        blown.channels[1][66_150 + i] = f32::NAN;
    }
    blown.channels[0][88_200] = f32::INFINITY;
    let blown = float("blown.wav", &blown);
    let silent = float("silent.wav", &AudioBuffer::new(44_100, 2, 44_100 * 3));
    let files = || std::fs::read_dir(dir.path()).unwrap().count();
    let before = files();
    for (input, reference, named, want) in [
        (
            &blown,
            None,
            &blown,
            "holds 4 NaN or infinite samples (first at 1.500 s)",
        ),
        (
            &mix,
            Some(&blown),
            &blown,
            "holds 4 NaN or infinite samples",
        ),
        (&mix, Some(&silent), &silent, "the reference is silent"),
    ] {
        let out = dir.path().join("out.wav");
        let mut req = request(
            input.clone(),
            vec![(Target::preset("spotify").unwrap(), out)],
        );
        req.reference = reference.cloned();
        let err = master(&req, &mut NoProgress).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}: ", named.display())), "{err}");
        assert!(err.contains(want), "{err}");
        assert_eq!(files(), before, "{err}");
    }
}

#[test]
fn a_192_khz_master_named_flac_is_refused_before_rendering() {
    let dir = tempfile::tempdir().unwrap();
    let mix = write_mix(dir.path(), 192_000, -6.0);
    let out = dir.path().join("hi.flac");
    let req = request(mix, vec![(Target::preset("spotify").unwrap(), out.clone())]);
    let err = master(&req, &mut NoProgress).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: this container is written at up to 96000 Hz, and the master would be 192000 Hz: name it .wav",
            out.display()
        )
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_float_mix_scaled_far_above_the_target_gets_a_reason_not_a_plan_range_error() {
    // The demo mix (about -9 LUFS at 0 dB, see the loudness tests) written
    // 60 dB hot as float: more than the limiter's 24 dB of turn-down from
    // -14 LUFS. The error was "plan: limiter input gain must be between -24
    // and +36 dB".
    let dir = tempfile::tempdir().unwrap();
    let mix = write_mix(dir.path(), 44_100, 60.0);
    let out = dir.path().join("out.wav");
    let req = request(mix.clone(), vec![(Target::preset("spotify").unwrap(), out)]);
    let err = master(&req, &mut NoProgress).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("{}: the mix is at ", mix.display())),
        "{err}"
    );
    assert!(
        err.contains("from the -14.0 LUFS target; mastering turns a mix down by 24 dB at most"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
