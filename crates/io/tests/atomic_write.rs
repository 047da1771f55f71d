//! Safe writes: existing outputs refused without force, inputs never overwritten,
//! abandoned or failed writes leave neither a destination nor a temp file.

mod common;

use std::path::Path;

use mixmaster_io::{
    AudioBuffer, AudioWriter, EncodeSpec, Error, FileFormat, SampleFormat, WriteOptions,
    check_output, read_audio, write_audio,
};

const SPEC: EncodeSpec = EncodeSpec {
    format: FileFormat::Wav,
    sample_format: SampleFormat::Int16,
};

fn tone() -> AudioBuffer {
    AudioBuffer {
        sample_rate: 48_000,
        channels: vec![common::sine(440.0, 0.5, 48_000, 4_800); 2],
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn existing_output_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wav");
    std::fs::write(&out, b"precious").unwrap();
    let e = write_audio(&out, &tone(), SPEC, &WriteOptions::default()).unwrap_err();
    assert!(matches!(e, Error::AlreadyExists(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "{}: already exists (use --force to overwrite)",
            out.display()
        )
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    assert_eq!(names(dir.path()), vec!["out.wav"]);

    let force = WriteOptions {
        force: true,
        inputs: vec![],
    };
    write_audio(&out, &tone(), SPEC, &force).unwrap();
    assert_eq!(read_audio(&out).unwrap().frames(), 4_800);
    assert_eq!(names(dir.path()), vec!["out.wav"]);
}

#[test]
fn input_is_never_overwritten_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    write_audio(&input, &tone(), SPEC, &WriteOptions::default()).unwrap();
    let before = std::fs::read(&input).unwrap();

    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let link = dir.path().join("hard.wav");
    std::fs::hard_link(&input, &link).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&input, dir.path().join("sym.wav")).unwrap();

    let opts = WriteOptions {
        force: true,
        inputs: vec![input.clone()],
    };
    let mut aliases = vec![
        input.clone(),
        sub.join("..").join("in.wav"),
        dir.path().join(".").join("in.wav"),
        link,
    ];
    if cfg!(unix) {
        aliases.push(dir.path().join("sym.wav"));
    }
    for dest in aliases {
        let e = write_audio(&dest, &tone(), SPEC, &opts).unwrap_err();
        assert!(
            matches!(e, Error::OverwritesInput(_)),
            "{}: {e:?}",
            dest.display()
        );
        assert_eq!(
            e.to_string(),
            format!("{}: refusing to overwrite an input file", dest.display())
        );
        assert!(check_output(&dest, &opts).is_err());
    }
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn dropped_writer_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    for (format, ext) in [
        (FileFormat::Wav, "wav"),
        (FileFormat::Aiff, "aiff"),
        (FileFormat::Flac, "flac"),
    ] {
        let out = dir.path().join(format!("half.{ext}"));
        let spec = EncodeSpec {
            format,
            sample_format: SampleFormat::Int24,
        };
        let mut w = AudioWriter::create(&out, spec, 48_000, 2, &WriteOptions::default()).unwrap();
        let t = tone();
        w.write_block(&t.slices()).unwrap();
        // The temp file exists beside the destination while writing; the destination does not.
        let during = names(dir.path());
        assert_eq!(during.len(), 1, "{during:?}");
        assert!(
            during[0].starts_with(&format!(".half.{ext}.tmp-")),
            "{during:?}"
        );
        assert!(!out.exists());
        drop(w);
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
    }
}

#[test]
fn failed_write_leaves_destination_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.flac");
    std::fs::write(&out, b"old master").unwrap();
    let spec = EncodeSpec {
        format: FileFormat::Flac,
        sample_format: SampleFormat::Int16,
    };
    let opts = WriteOptions {
        force: true,
        inputs: vec![],
    };
    let mut w = AudioWriter::create(&out, spec, 44_100, 2, &opts).unwrap();
    let t = tone();
    // Wrong shape: one channel for a stereo writer, then ragged channels.
    let e = w.write_block(&t.slices()[..1]).unwrap_err();
    assert!(matches!(e, Error::ChannelMismatch { .. }), "{e:?}");
    let ragged: [&[f32]; 2] = [&t.channels[0][..10], &t.channels[1][..9]];
    assert!(w.write_block(&ragged).is_err());
    drop(w);
    assert_eq!(std::fs::read(&out).unwrap(), b"old master");
    assert_eq!(names(dir.path()), vec!["out.flac"]);
}

#[test]
fn bad_specs_and_destinations_are_refused_before_any_file_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let o = WriteOptions::default();
    let float_aiff = EncodeSpec {
        format: FileFormat::Aiff,
        sample_format: SampleFormat::Float32,
    };
    let float_flac = EncodeSpec {
        format: FileFormat::Flac,
        sample_format: SampleFormat::Float32,
    };
    assert!(matches!(
        AudioWriter::create(&dir.path().join("a.aiff"), float_aiff, 48_000, 2, &o),
        Err(Error::UnsupportedOutput(..))
    ));
    assert!(matches!(
        AudioWriter::create(&dir.path().join("a.flac"), float_flac, 48_000, 2, &o),
        Err(Error::UnsupportedOutput(..))
    ));
    assert!(matches!(
        AudioWriter::create(&dir.path().join("a.wav"), SPEC, 48_000, 0, &o),
        Err(Error::ZeroChannels(_))
    ));
    assert!(matches!(
        AudioWriter::create(&dir.path().join("a.wav"), SPEC, 0, 2, &o),
        Err(Error::ZeroSampleRate(_))
    ));
    let missing_dir = dir.path().join("nope").join("a.wav");
    let e = check_output(&missing_dir, &o).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}: output directory does not exist", missing_dir.display())
    );
    assert!(
        check_output(
            dir.path(),
            &WriteOptions {
                force: true,
                inputs: vec![]
            }
        )
        .is_err()
    );
    assert!(names(dir.path()).is_empty());
}

#[test]
fn an_unwritable_folder_is_refused_by_check_output_and_nothing_is_left() {
    // A read-only folder: a 0o555 one, unless we run as root (who writes there
    // anyway), then a read-only system folder. Some candidate is unwritable on
    // any machine that runs tests (non-root, or root in a container with /sys
    // mounted read-only).
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let unwritable = [ro.as_path(), Path::new("/sys")]
        .into_iter()
        .find(|d| std::fs::File::create_new(d.join(".probe-by-test")).is_err())
        .expect("some read-only folder to test with");
    let before = names(unwritable);
    let dest = unwritable.join("report.html");
    // Refused before any work, naming the destination (not a temp file), so
    // a job checks every output up front and writes none of them.
    let e = check_output(&dest, &WriteOptions::default()).unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with(&format!("{}: ", dest.display())), "{text}");
    assert!(!text.contains(".tmp-") && !text.contains('\n'), "{text}");
    // The probe is the writer's own temp file, removed: nothing is left in a
    // writable folder either.
    check_output(&dir.path().join("ok.wav"), &WriteOptions::default()).unwrap();
    assert_eq!(names(dir.path()), vec!["ro".to_string()]);
    assert_eq!(names(unwritable), before);
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn flac_above_96_khz_is_refused_at_create_naming_the_file() {
    // The encoder's own verification used to surface as
    // "encode error (verification error: `sample_rate` is not valid ...)".
    let dir = tempfile::tempdir().unwrap();
    let spec = EncodeSpec {
        format: FileFormat::Flac,
        sample_format: SampleFormat::Int24,
    };
    let o = WriteOptions::default();
    let hi = dir.path().join("hi.flac");
    let e = AudioWriter::create(&hi, spec, 192_000, 2, &o)
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: FLAC is written at up to 96 kHz, not 192000 Hz: write .wav or resample",
            hi.display()
        )
    );
    assert!(names(dir.path()).is_empty());
    let ok = dir.path().join("ok.flac");
    let mut w = AudioWriter::create(&ok, spec, 96_000, 2, &o).unwrap();
    w.write_block(&tone().slices()).unwrap();
    w.finish().unwrap();
    assert_eq!(read_audio(&ok).unwrap().sample_rate, 96_000);
}
