//! Session errors point at the right line and column; `init` guesses roles,
//! routes to group buses and refuses to overwrite.

mod mix_common;

use mix_common::*;
use mixmaster::mix::{Role, init, load};

/// Writes `text` as a session beside a stem and returns the load error.
fn error_of(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write_stem(dir.path(), "a.wav", RATE, vec![vec![0.1; 64]]);
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    load(&path).unwrap_err().to_string()
}

#[test]
fn errors_point_at_line_and_column() {
    let ok = "[session]\nsample_rate = 48000\n\n[[track]]\nfile = \"a.wav\"\n";
    let cases: [(String, &str, &str); 9] = [
        // Unknown parameter inside an insert: serde buffers tagged enums, so toml
        // can only point at the inserts array (right line, column of its `[`).
        (
            format!("{ok}inserts = [{{ type = \"compressor\", treshold_db = -10.0 }}]\n"),
            "line 6, column 11",
            "treshold_db",
        ),
        (
            format!("{ok}inserts = [{{ type = \"chorus\" }}]\n"),
            "line 6, column 21",
            "chorus",
        ),
        (
            format!("{ok}gain_db = 40.0\n"),
            "line 6, column 11",
            "gain_db = 40 is out of range",
        ),
        (
            format!(
                "{ok}inserts = [{{ type = \"eq\", bands = [{{ type = \"bell\", freq_hz = 30000.0 }}] }}]\n"
            ),
            "line 6, column 63",
            "freq_hz = 30000 is out of range",
        ),
        (
            format!("{ok}output = \"drumz\"\n"),
            "line 6, column 10",
            "unknown bus \"drumz\"",
        ),
        (
            format!(
                "{ok}\n[[bus]]\nname = \"a\"\noutput = \"b\"\n\n[[bus]]\nname = \"b\"\noutput = \"a\"\n"
            ),
            "line 9, column 10",
            "cycle: a -> b -> a",
        ),
        (
            "[session]\nsample_rate = 48000\n[[track]]\nfile = \"missing.wav\"\n".to_string(),
            "line 4, column 8",
            "not found",
        ),
        // i64::MIN has no positive counterpart: `abs` overflowed (a panic in
        // debug, a pass in release that skipped the whole stem).
        (
            format!("{ok}offset_samples = -9223372036854775808\n"),
            "line 6, column 18",
            "offset_samples = -9223372036854775808 is out of range",
        ),
        (
            format!("{ok}volume = 3\n"),
            "line 6, column 1",
            "unknown field `volume`",
        ),
    ];
    for (text, at, what) in cases {
        let e = error_of(&text);
        assert!(
            e.contains(at) && e.contains(what),
            "expected {at} / {what:?}, got: {e}"
        );
    }
}

#[test]
fn a_valid_session_loads_with_defaults() {
    let dir = tempfile::tempdir().unwrap();
    write_stem(dir.path(), "a.wav", RATE, vec![vec![0.1; 64]]);
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        "[session]\nsample_rate = 44100\n[[track]]\nfile = \"a.wav\"\nrole = \"lead-vocal\"\n",
    )
    .unwrap();
    let s = load(&path).unwrap();
    assert_eq!(s.session.headroom_dbtp, -6.0);
    assert_eq!(s.tracks[0].role, Role::LeadVocal);
    assert_eq!(s.tracks[0].output, "master");
}

#[test]
fn a_backing_track_role_parses_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    write_stem(dir.path(), "a.wav", RATE, vec![vec![0.1; 64]]);
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        "[session]\nsample_rate = 44100\n[[track]]\nfile = \"a.wav\"\nrole = \"backing-track\"\n",
    )
    .unwrap();
    let s = load(&path).unwrap();
    assert_eq!(s.tracks[0].role, Role::BackingTrack);
    assert_eq!(Role::BackingTrack.group(), "music");
    let text = toml::to_string(&s).unwrap();
    assert!(text.contains("role = \"backing-track\""), "{text}");
    std::fs::write(
        &path,
        "[session]\nsample_rate = 44100\n[[track]]\nfile = \"a.wav\"\nrole = \"backing_track\"\n",
    )
    .unwrap();
    assert!(load(&path).is_err(), "only the kebab-case spelling");
}

#[test]
fn init_guesses_roles_routes_buses_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let stems = dir.path().join("stems");
    std::fs::create_dir(&stems).unwrap();
    let n = 4 * RATE as usize;
    write_stem(&stems, "Kick In.wav", RATE, vec![noise(n, 0.1, 1)]);
    write_stem(&stems, "lead_vox.wav", RATE, vec![noise(n, 0.1, 2)]);
    write_stem(&stems, "gtr.wav", RATE, vec![noise(n, 0.1, 3)]);
    // No name hint: a sustained 55 Hz tone is heard as bass.
    write_stem(&stems, "track07.wav", RATE, vec![sine(n, 55.0, 0.5)]);
    write_stem(&stems, "raw_mix.wav", RATE, vec![noise(n, 0.1, 4)]);
    let out = dir.path().join("session.toml");
    let rep = init(&stems, &out, false).unwrap();
    let roles: Vec<(String, Role, String)> = rep
        .session
        .tracks
        .iter()
        .map(|t| (t.name.clone(), t.role, t.output.clone()))
        .collect();
    assert_eq!(
        roles,
        [
            ("Kick In".into(), Role::Kick, "drums".into()),
            ("gtr".into(), Role::Guitar, "music".into()),
            ("lead_vox".into(), Role::LeadVocal, "vocals".into()),
            ("track07".into(), Role::Bass, "bass".into()),
        ]
    );
    assert!(
        rep.choices[3].reason.starts_with("listened"),
        "{}",
        rep.choices[3].reason
    );
    assert_eq!(rep.skipped.len(), 1);
    let buses: Vec<&str> = rep.session.buses.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(buses, ["drums", "bass", "music", "vocals"]);
    // The written file loads back to the same session (paths relative to it).
    assert_eq!(load(&out).unwrap(), rep.session);
    // And is not overwritten without force.
    let again = init(&stems, &out, false).unwrap_err().to_string();
    assert!(again.contains("exists"), "{again}");
    init(&stems, &out, true).unwrap();
}

#[test]
fn no_tracks_a_folder_or_a_symlink_loop_is_refused_for_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("stems.wav")).unwrap();
    std::os::unix::fs::symlink("loop.wav", dir.path().join("loop.wav")).unwrap();
    let head = "[session]\nsample_rate = 48000\n";
    for (text, what) in [
        (
            head.to_string(),
            "the session has no [[track]]: nothing to mix",
        ),
        (
            format!("{head}[[track]]\nfile = \"stems.wav\"\n"),
            "stems.wav is a folder, not an audio file",
        ),
        (
            format!("{head}[[track]]\nfile = \"loop.wav\"\n"),
            "loop.wav cannot be read",
        ),
    ] {
        let session = dir.path().join("s.toml");
        std::fs::write(&session, &text).unwrap();
        let e = load(&session).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("{}: line ", session.display())),
            "{e}"
        );
        assert!(e.contains(what), "{e}");
        assert!(!e.contains('\n') && !e.contains("Os {"), "{e}");
        // The render refuses it too, before writing anything.
        let opts = mixmaster::mix::RenderOptions {
            output: dir.path().join("mix.wav"),
            stems_dir: None,
            threads: Some(1),
            sample_format: mixmaster_io::SampleFormat::Int24,
            force: false,
        };
        mixmaster::mix::render_file(&session, &opts, &mut mixmaster::NoProgress).unwrap_err();
        assert!(!dir.path().join("mix.wav").exists());
    }
}

#[test]
fn init_never_writes_its_session_over_a_stem_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let stems = dir.path().join("stems");
    std::fs::create_dir(&stems).unwrap();
    let kick = write_stem(&stems, "kick.wav", RATE, vec![vec![0.1; 4_800]]);
    write_stem(&stems, "bass.wav", RATE, vec![vec![0.1; 4_800]]);
    let before = std::fs::read(&kick).unwrap();
    let e = init(&stems, &kick, true).unwrap_err().to_string();
    assert_eq!(
        e,
        format!("{}: refusing to overwrite an input file", kick.display())
    );
    assert_eq!(std::fs::read(&kick).unwrap(), before);
    let mut names: Vec<_> = std::fs::read_dir(&stems)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["bass.wav", "kick.wav"]);
}

#[test]
fn init_names_a_stem_whose_file_name_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let stems = dir.path().join("stems");
    std::fs::create_dir(&stems).unwrap();
    write_stem(&stems, "kick.wav", RATE, vec![vec![0.1; 4_800]]);
    let name = std::ffi::OsStr::from_bytes(b"bass\xff.wav");
    let bad = stems.join(name);
    std::fs::copy(stems.join("kick.wav"), &bad).unwrap();
    let out = dir.path().join("session.toml");
    let e = init(&stems, &out, false).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}: the file name is not valid UTF-8, which a session file cannot hold: rename it",
            bad.display()
        )
    );
    assert!(!out.exists());
}
