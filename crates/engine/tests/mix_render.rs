//! Render tests: null tests for pan law, gain, polarity and bus sums, sample
//! alignment of offsets and latency compensation, automation envelopes, bus
//! stems summing to the mix, thread-count independence and headroom.

mod mix_common;

use mix_common::*;
use mixmaster_analysis::true_peak::{oversampled_peak, to_dbtp};
use mixmaster_dsp::stereo::{PanLaw, pan_gains};
use mixmaster_io::read_audio;

const N: usize = 24_000;

#[test]
fn mono_pan_follows_the_pan_law() {
    let dir = tempfile::tempdir().unwrap();
    let x = noise(N, 0.25, 1);
    write_stem(dir.path(), "m.wav", RATE, vec![x.clone()]);
    for (law_name, law, pan) in [
        ("-3dB", PanLaw::Minus3, 30.0),
        ("-6dB", PanLaw::Minus6, -60.0),
        ("-3dB", PanLaw::Minus3, 0.0),
    ] {
        let toml = format!(
            "{}[[track]]\nfile = \"m.wav\"\npan = {pan}\npan_law = \"{law_name}\"\n",
            header()
        );
        let (mix, rep) = render(dir.path(), &toml, "mix.wav", false, None);
        let g = headroom(&rep);
        let (gl, gr) = pan_gains(pan / 100.0, law);
        let mut err = 0.0f64;
        for ((l, r), v) in mix.channels[0].iter().zip(&mix.channels[1]).zip(&x) {
            err = err.max((f64::from(*l) - f64::from(*v) * gl * g).abs());
            err = err.max((f64::from(*r) - f64::from(*v) * gr * g).abs());
        }
        // Residual after removing the theoretical pan gains: float rounding only.
        assert!(
            db(err) < -120.0,
            "{law_name} pan {pan}: residual {:.1} dBFS",
            db(err)
        );
    }
    // The constant-power centre is −3.01 dB.
    let (gl, _) = pan_gains(0.0, PanLaw::Minus3);
    assert!((db(gl) + 3.0103).abs() < 1e-3);
}

#[test]
fn fader_gain_scales_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let l = noise(N, 0.3, 2);
    let r = noise(N, 0.3, 3);
    write_stem(dir.path(), "s.wav", RATE, vec![l.clone(), r.clone()]);
    let toml = format!("{}[[track]]\nfile = \"s.wav\"\ngain_db = -7.5\n", header());
    let (mix, rep) = render(dir.path(), &toml, "mix.wav", false, None);
    let g = headroom(&rep) * 10f64.powf(-7.5 / 20.0);
    let err = (0..N)
        .map(|i| {
            (f64::from(mix.channels[0][i]) - f64::from(l[i]) * g)
                .abs()
                .max((f64::from(mix.channels[1][i]) - f64::from(r[i]) * g).abs())
        })
        .fold(0.0, f64::max);
    assert!(db(err) < -120.0, "gain residual {:.1} dBFS", db(err));
    assert_eq!(mix.frames(), N);
}

#[test]
fn a_track_and_its_inverted_copy_null() {
    let dir = tempfile::tempdir().unwrap();
    let x = noise(N, 0.5, 4);
    write_stem(dir.path(), "a.wav", RATE, vec![x.clone(), x.clone()]);
    let toml = format!(
        "{}[[track]]\nfile = \"a.wav\"\n[[track]]\nfile = \"a.wav\"\npolarity = \"inverted\"\n",
        header()
    );
    let (mix, _) = render(dir.path(), &toml, "mix.wav", false, None);
    assert_eq!(max_abs(&mix.channels[0]), 0.0);
    assert_eq!(max_abs(&mix.channels[1]), 0.0);
}

#[test]
fn buses_sum_their_tracks_with_their_gains() {
    let dir = tempfile::tempdir().unwrap();
    let a = noise(N, 0.2, 5);
    let b = noise(N, 0.2, 6);
    write_stem(dir.path(), "a.wav", RATE, vec![a.clone(), a.clone()]);
    write_stem(dir.path(), "b.wav", RATE, vec![b.clone(), b.clone()]);
    let toml = format!(
        "{}[[track]]\nfile = \"a.wav\"\noutput = \"drums\"\n[[track]]\nfile = \"b.wav\"\noutput = \"music\"\n\
         [[bus]]\nname = \"drums\"\ngain_db = -6.0\n[[bus]]\nname = \"music\"\ngain_db = 3.0\noutput = \"sub\"\n[[bus]]\nname = \"sub\"\ngain_db = -3.0\n",
        header()
    );
    let (mix, rep) = render(dir.path(), &toml, "mix.wav", false, None);
    let g = headroom(&rep);
    let (ga, gb) = (10f64.powf(-6.0 / 20.0), 1.0);
    let err = (0..N)
        .map(|i| {
            (f64::from(mix.channels[0][i]) - (f64::from(a[i]) * ga + f64::from(b[i]) * gb) * g)
                .abs()
        })
        .fold(0.0, f64::max);
    assert!(db(err) < -110.0, "bus sum residual {:.1} dBFS", db(err));
}

#[test]
fn offsets_move_a_click_to_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let mut x = vec![0.0f32; N];
    x[1000] = 0.5;
    write_stem(dir.path(), "click.wav", RATE, vec![x]);
    for (key, expect) in [
        ("offset_samples = 37", 1037),
        ("offset_ms = 1.0", 1048),
        ("offset_samples = -200", 800),
    ] {
        let toml = format!("{}[[track]]\nfile = \"click.wav\"\n{key}\n", header());
        let (mix, _) = render(dir.path(), &toml, "mix.wav", false, None);
        let peak = mix.channels[0]
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(i, _)| i)
            .unwrap();
        assert_eq!(peak, expect, "{key}");
        let nonzero = mix.channels[0].iter().filter(|v| **v != 0.0).count();
        assert_eq!(nonzero, 1, "{key}: the click stays one sample");
    }
}

#[test]
fn gain_automation_ramps_linearly_in_db() {
    let dir = tempfile::tempdir().unwrap();
    let frames = RATE as usize * 2;
    write_stem(
        dir.path(),
        "dc.wav",
        RATE,
        vec![vec![0.25; frames], vec![0.25; frames]],
    );
    let toml = format!(
        "{}[[track]]\nfile = \"dc.wav\"\n[[track.automation]]\nparam = \"gain_db\"\npoints = [[0.0, -40.0], [1.0, 0.0]]\n",
        header()
    );
    let (mix, rep) = render(dir.path(), &toml, "mix.wav", false, None);
    let g = headroom(&rep);
    // Expected: −40 dB at 0 s rising 40 dB/s to 0 dB at 1 s, then held.
    let mut worst = 0.0f64;
    for i in (0..frames).step_by(997) {
        let t = i as f64 / f64::from(RATE);
        let want = if t < 1.0 { -40.0 + 40.0 * t } else { 0.0 };
        let got = db(f64::from(mix.channels[0][i]) / (0.25 * g));
        worst = worst.max((got - want).abs());
    }
    assert!(worst < 1e-4, "envelope error {worst} dB");
    // Smooth: adjacent samples never differ by more than the ramp's slope allows.
    let max_step = mix.channels[0]
        .windows(2)
        .map(|w| db(f64::from(w[1]) / f64::from(w[0])).abs())
        .fold(0.0, f64::max);
    assert!(
        max_step < 40.0 / f64::from(RATE) * 1.01,
        "step {max_step} dB"
    );
}

#[test]
fn lookahead_latency_is_compensated() {
    let dir = tempfile::tempdir().unwrap();
    let x = noise(N, 0.1, 7);
    write_stem(dir.path(), "a.wav", RATE, vec![x.clone(), x.clone()]);
    // Threshold 0 dB with a −20 dBFS signal: the compressor only delays (5 ms lookahead).
    let toml = format!(
        "{}[[track]]\nfile = \"a.wav\"\ninserts = [{{ type = \"compressor\", threshold_db = 0.0, knee_db = 0.0, lookahead_ms = 5.0 }}]\n\
         [[track]]\nfile = \"a.wav\"\npolarity = \"inverted\"\n",
        header()
    );
    let (mix, rep) = render(dir.path(), &toml, "mix.wav", false, None);
    assert_eq!(rep.latency_frames, 240);
    assert_eq!(mix.frames(), N);
    let residual = max_abs(&mix.channels[0]).max(max_abs(&mix.channels[1]));
    assert!(
        residual == 0.0 || db(residual) < -90.0,
        "PDC residual {:.1} dBFS",
        db(residual)
    );
    // And the same with the lookahead on a bus and a send to a return.
    let toml = format!(
        "{}[[track]]\nfile = \"a.wav\"\noutput = \"slow\"\n[[track]]\nfile = \"a.wav\"\npolarity = \"inverted\"\n\
         [[bus]]\nname = \"slow\"\ninserts = [{{ type = \"compressor\", threshold_db = 0.0, knee_db = 0.0, lookahead_ms = 2.0 }}]\n",
        header()
    );
    let (mix, rep) = render(dir.path(), &toml, "mix.wav", false, None);
    assert_eq!(rep.latency_frames, 96);
    let residual = max_abs(&mix.channels[0]);
    assert!(
        residual == 0.0 || db(residual) < -90.0,
        "bus PDC residual {:.1} dBFS",
        db(residual)
    );
}

fn band_session() -> String {
    format!(
        "{}[[track]]\nfile = \"kick.wav\"\noutput = \"drums\"\ninserts = [{{ type = \"compressor\", threshold_db = -20.0, ratio = 4.0, lookahead_ms = 1.0 }}]\nsends = [{{ bus = \"verb\", level_db = -10.0 }}]\n\
         [[track]]\nfile = \"bass.wav\"\noutput = \"bass\"\npan = -20.0\ninserts = [{{ type = \"eq\", bands = [{{ type = \"low-cut\", freq_hz = 40.0 }}, {{ type = \"bell\", freq_hz = 200.0, gain_db = 3.0 }}] }}]\n\
         [[track]]\nfile = \"keys.wav\"\noutput = \"music\"\nsends = [{{ bus = \"verb\", level_db = -6.0, pre_fader = true }}, {{ bus = \"echo\", level_db = -12.0 }}]\n\
         [[track]]\nfile = \"vox.wav\"\noutput = \"vocals\"\ninserts = [{{ type = \"saturator\" }}]\n\
         [[track]]\nfile = \"fx.wav\"\n\
         [[bus]]\nname = \"drums\"\ninserts = [{{ type = \"compressor\", threshold_db = -24.0 }}]\n[[bus]]\nname = \"bass\"\n[[bus]]\nname = \"music\"\n[[bus]]\nname = \"vocals\"\n\
         [[bus]]\nname = \"verb\"\ninserts = [{{ type = \"reverb\", preset = \"plate\", mix_pct = 100.0 }}]\n[[bus]]\nname = \"echo\"\ninserts = [{{ type = \"delay\", note = \"1/8d\", mix_pct = 100.0 }}]\n\
         [master]\ninserts = [{{ type = \"eq\", bands = [{{ type = \"high-shelf\", freq_hz = 8000.0, gain_db = 1.5 }}] }}]\n",
        header()
    )
}

fn band_stems(dir: &std::path::Path) {
    let n = 3 * N;
    for (i, name) in ["kick.wav", "bass.wav", "keys.wav", "vox.wav"]
        .iter()
        .enumerate()
    {
        let x = noise(n, 0.3, 10 + i as u64);
        write_stem(
            dir,
            name,
            RATE,
            vec![x.clone(), noise(n, 0.3, 20 + i as u64)],
        );
    }
    write_stem(dir, "fx.wav", RATE, vec![sine(n / 2, 440.0, 0.3)]);
}

#[test]
fn bus_stems_sum_to_the_mix() {
    let dir = tempfile::tempdir().unwrap();
    band_stems(dir.path());
    let (mix, rep) = render(dir.path(), &band_session(), "mix.wav", true, None);
    let names: Vec<String> = rep
        .stems
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["drums", "bass", "music", "vocals", "verb", "echo", "direct"]
    );
    let stems: Vec<_> = rep.stems.iter().map(|p| read_audio(p).unwrap()).collect();
    let mut err = 0.0f64;
    for c in 0..2 {
        for i in 0..mix.frames() {
            let sum: f64 = stems.iter().map(|s| f64::from(s.channels[c][i])).sum();
            err = err.max((sum - f64::from(mix.channels[c][i])).abs());
        }
    }
    // Mix level is −6 dBTP; the master EQ is linear so only rounding remains.
    assert!(db(err) < -90.0, "stems − mix residual {:.1} dBFS", db(err));
}

#[test]
fn one_and_two_threads_render_identically() {
    let dir = tempfile::tempdir().unwrap();
    band_stems(dir.path());
    let s = band_session();
    render(dir.path(), &s, "one.wav", false, Some(1));
    render(dir.path(), &s, "two.wav", false, Some(2));
    let a = std::fs::read(dir.path().join("one.wav")).unwrap();
    let b = std::fs::read(dir.path().join("two.wav")).unwrap();
    assert!(a == b, "outputs differ between 1 and 2 threads");
}

#[test]
fn headroom_lands_on_the_target_true_peak() {
    let dir = tempfile::tempdir().unwrap();
    band_stems(dir.path());
    for target in [-6.0, -3.0] {
        let s = band_session().replace(
            "[session]\n",
            &format!("[session]\nheadroom_dbtp = {target}\n"),
        );
        let (mix, rep) = render(dir.path(), &s, "mix.wav", false, None);
        let tp = mix
            .channels
            .iter()
            .map(|c| oversampled_peak(c, 8))
            .fold(0.0, f64::max);
        assert!(
            (to_dbtp(tp) - target).abs() < 0.1,
            "true peak {:.3} dBTP, target {target}",
            to_dbtp(tp)
        );
        assert!((rep.true_peak_dbtp.unwrap() - target).abs() < 1e-9);
        assert!(rep.integrated_lufs.unwrap() < target);
    }
}

#[test]
fn other_rate_stems_are_resampled_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write_stem(dir.path(), "a.wav", 44_100, vec![vec![0.1; 44_100]]);
    let toml = format!("{}[[track]]\nfile = \"a.wav\"\n", header());
    let (mix, rep) = render(dir.path(), &toml, "mix.wav", false, None);
    assert_eq!(mix.frames(), 48_000);
    assert_eq!(rep.warnings.len(), 1);
    assert!(
        rep.warnings[0].contains("44100 Hz, resampled"),
        "{:?}",
        rep.warnings
    );
}

#[test]
fn multichannel_stems_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_stem(dir.path(), "six.wav", RATE, vec![vec![0.1; 100]; 6]);
    let session = dir.path().join("session.toml");
    std::fs::write(
        &session,
        format!("{}[[track]]\nfile = \"six.wav\"\n", header()),
    )
    .unwrap();
    let opts = mixmaster::mix::RenderOptions {
        output: dir.path().join("mix.wav"),
        stems_dir: None,
        threads: None,
        sample_format: mixmaster_io::SampleFormat::Int24,
        force: false,
    };
    let err = mixmaster::mix::render_file(&session, &opts, &mut mixmaster::NoProgress).unwrap_err();
    assert!(err.to_string().contains("has 6 channels"), "{err}");
    assert!(!dir.path().join("mix.wav").exists());
}

/// Renders `toml` (stems already in `dir`) without forcing, expecting an error.
fn render_err(dir: &std::path::Path, toml: &str) -> mixmaster::Error {
    let session = dir.join("session.toml");
    std::fs::write(&session, toml).unwrap();
    let opts = mixmaster::mix::RenderOptions {
        output: dir.join("mix.wav"),
        stems_dir: Some(dir.join("buses")),
        threads: Some(2),
        sample_format: mixmaster_io::SampleFormat::Int24,
        force: false,
    };
    mixmaster::mix::render_file(&session, &opts, &mut mixmaster::NoProgress).unwrap_err()
}

#[test]
fn nan_or_infinite_stem_samples_are_refused_with_their_time() {
    // A float stem that a plugin blew up in: NaN at 0.5 s, +inf after it.
    // Read straight (session rate), resampled (44.1 kHz stem) and shifted
    // (offset: the FIFO path), the error names the stem and the first bad
    // sample's time in the file, and nothing is written.
    for (rate, offset) in [(RATE, 0), (44_100, 0), (RATE, 480)] {
        let dir = tempfile::tempdir().unwrap();
        let mut x = sine(rate as usize, 440.0, 0.25);
        x[rate as usize / 2] = f32::NAN;
        x[rate as usize / 2 + 7] = f32::INFINITY;
        write_stem(
            dir.path(),
            "good.wav",
            rate,
            vec![sine(rate as usize, 220.0, 0.25)],
        );
        write_stem(dir.path(), "blown.wav", rate, vec![x.clone(), x]);
        let toml = format!(
            "{}[[track]]\nfile = \"good.wav\"\n[[track]]\nfile = \"blown.wav\"\noffset_samples = {offset}\n",
            header()
        );
        let err = render_err(dir.path(), &toml).to_string();
        assert!(err.contains("blown.wav"), "{err}");
        assert!(
            err.contains("NaN or infinite samples (first at 0.500 s)"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
        assert!(!dir.path().join("mix.wav").exists());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| !["good.wav", "blown.wav", "session.toml", "buses"].contains(&n.as_str()))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        // The bus-stem folder the render created is removed with the rest.
        assert!(!dir.path().join("buses").exists());
    }
}

#[test]
fn a_session_whose_stems_are_all_empty_writes_nothing() {
    // Two 0-sample stems rendered a 0 s mix and succeeded; as FLAC, a file
    // our own decoder refuses ("truncated header").
    let dir = tempfile::tempdir().unwrap();
    write_stem(dir.path(), "a.wav", RATE, vec![Vec::new()]);
    write_stem(dir.path(), "b.wav", RATE, vec![Vec::new(), Vec::new()]);
    let toml = format!(
        "{}[[track]]\nfile = \"a.wav\"\n[[track]]\nfile = \"b.wav\"\n",
        header()
    );
    let err = render_err(dir.path(), &toml).to_string();
    assert_eq!(
        err,
        format!(
            "{}: the session's tracks hold no audio (every stem is 0 samples long): nothing to write",
            dir.path().join("mix.wav").display()
        )
    );
    // Nothing is left, not even the bus stems' folder the render made up front.
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["a.wav", "b.wav", "session.toml"]);
}

#[test]
fn a_stems_folder_that_already_existed_is_kept_when_the_render_fails() {
    // Only a folder the render itself created is removed on failure.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("buses")).unwrap();
    write_stem(dir.path(), "a.wav", RATE, vec![Vec::new()]);
    let toml = format!("{}[[track]]\nfile = \"a.wav\"\n", header());
    let err = render_err(dir.path(), &toml).to_string();
    assert!(err.contains("nothing to write"), "{err}");
    assert!(dir.path().join("buses").is_dir());
}
