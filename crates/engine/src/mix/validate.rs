//! Reading a session file and checking it, with every error pointing at the
//! line and column of the offending value.
//!
//! Syntax and shape errors (unknown keys, wrong types, unknown processor
//! `type`s) come from `toml`'s deserializer, which carries a byte span. Semantic
//! errors (ranges, missing files, unknown buses, cycles) are found on the typed
//! [`Session`] and reported by a key path (`track[3].gain_db`), which is turned
//! back into a span by walking toml's span-preserving parse tree ([`DeTable`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::session::{Automation, AutomationParam, MASTER, Session};
use crate::Result;
use crate::toml_location::{self, Key, Problem, key as k, problem};

/// Parses session text; `path` names the file in errors.
pub fn parse(text: &str, path: &Path) -> Result<Session> {
    toml_location::parse(text, path)
}

/// Reads, parses and validates the session at `path`. Track files are
/// resolved against the session's folder and must exist.
pub fn load(path: &Path) -> Result<Session> {
    let text =
        std::fs::read_to_string(path).map_err(|e| mixmaster_io::Error::Io(path.into(), e))?;
    let session = parse(&text, path)?;
    let base = base_dir(path);
    validate(&session, &base).map_err(|p| toml_location::report(path, &text, &p))?;
    Ok(session)
}

/// The folder that relative track paths are resolved against.
pub fn base_dir(session_path: &Path) -> PathBuf {
    session_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn range(
    at: Vec<Key>,
    name: &str,
    v: f64,
    lo: f64,
    hi: f64,
    unit: &str,
) -> std::result::Result<(), Problem> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(problem(
            at,
            format!("{name} = {v} is out of range ({lo} to {hi} {unit})"),
        ))
    }
}

fn check_inserts(
    at: &[Key],
    inserts: &[super::inserts::Insert],
    rate: f64,
) -> std::result::Result<(), Problem> {
    for (i, ins) in inserts.iter().enumerate() {
        ins.check(rate).map_err(|e| {
            let mut p = at.to_vec();
            p.extend([k("inserts"), Key::Index(i)]);
            p.extend(e.key.iter().map(|s| match s.parse::<usize>() {
                Ok(n) => Key::Index(n),
                Err(_) => k(s),
            }));
            problem(p, e.message)
        })?;
    }
    Ok(())
}

fn check_automation(at: &[Key], autos: &[Automation]) -> std::result::Result<(), Problem> {
    let mut seen = Vec::new();
    for (i, a) in autos.iter().enumerate() {
        let mut here = at.to_vec();
        here.extend([k("automation"), Key::Index(i)]);
        if seen.contains(&a.param) {
            return Err(problem(
                [here, vec![k("param")]].concat(),
                "this parameter is already automated above",
            ));
        }
        seen.push(a.param);
        if a.points.is_empty() {
            return Err(problem(
                [here, vec![k("points")]].concat(),
                "automation needs at least one [time_s, value] point",
            ));
        }
        let (lo, hi, unit) = match a.param {
            AutomationParam::GainDb => (-120.0, 24.0, "dB"),
            AutomationParam::Pan => (-100.0, 100.0, "%"),
        };
        let mut last = 0.0;
        for (j, [t, v]) in a.points.iter().copied().enumerate() {
            let p = [here.clone(), vec![k("points"), Key::Index(j)]].concat();
            if !(t.is_finite() && t >= last) {
                return Err(problem(
                    p,
                    format!(
                        "point time {t} s must be finite, ≥ 0 and not before the previous point"
                    ),
                ));
            }
            last = t;
            range(p, "value", v, lo, hi, unit)?;
        }
    }
    Ok(())
}

/// Checks ranges, routing and files. Returns the first problem found.
fn validate(s: &Session, base: &Path) -> std::result::Result<(), Problem> {
    let set = &s.session;
    let at_set = |key: &str| vec![k("session"), k(key)];
    if !(8_000..=384_000).contains(&set.sample_rate) {
        return Err(problem(
            at_set("sample_rate"),
            format!(
                "sample_rate = {} is out of range (8000 to 384000 Hz)",
                set.sample_rate
            ),
        ));
    }
    if s.tracks.is_empty() {
        // A mix of nothing would be a header-only file and a success.
        return Err(problem(
            vec![k("session")],
            "the session has no [[track]]: nothing to mix",
        ));
    }
    let rate = f64::from(set.sample_rate);
    range(
        at_set("tempo_bpm"),
        "tempo_bpm",
        set.tempo_bpm,
        20.0,
        400.0,
        "BPM",
    )?;
    range(
        at_set("headroom_dbtp"),
        "headroom_dbtp",
        set.headroom_dbtp,
        -40.0,
        0.0,
        "dBTP",
    )?;

    // Bus names and their index; `master` is implicit.
    let mut buses: HashMap<&str, usize> = HashMap::new();
    for (i, b) in s.buses.iter().enumerate() {
        let at = vec![k("bus"), Key::Index(i), k("name")];
        if b.name.trim().is_empty() {
            return Err(problem(at, "bus name is empty"));
        }
        if b.name == MASTER {
            return Err(problem(
                at,
                "\"master\" is the master bus; configure it under [master]",
            ));
        }
        if buses.insert(b.name.as_str(), i).is_some() {
            return Err(problem(at, format!("bus {:?} is defined twice", b.name)));
        }
    }
    let known = |name: &str| name == MASTER || buses.contains_key(name);
    let bus_list = || {
        let mut names: Vec<&str> = s.buses.iter().map(|b| b.name.as_str()).collect();
        names.push(MASTER);
        names.join(", ")
    };

    for (i, t) in s.tracks.iter().enumerate() {
        let at = |key: &str| vec![k("track"), Key::Index(i), k(key)];
        let file = base.join(&t.file);
        // Say what is wrong with the path: a folder or a symlink loop is not
        // "not found", and the user fixes each differently.
        let wrong = match std::fs::metadata(&file) {
            Ok(m) if m.is_file() => None,
            Ok(_) => Some("is a folder, not an audio file".to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("not found".into()),
            Err(e) => Some(format!("cannot be read: {}", mixmaster_io::io_message(&e))),
        };
        if let Some(wrong) = wrong {
            return Err(problem(
                at("file"),
                format!("stem file {} {wrong}", file.display()),
            ));
        }
        range(at("gain_db"), "gain_db", t.gain_db, -120.0, 24.0, "dB")?;
        range(at("pan"), "pan", t.pan, -100.0, 100.0, "%")?;
        if t.offset_ms.is_some() && t.offset_samples.is_some() {
            return Err(problem(
                at("offset_samples"),
                "give offset_ms or offset_samples, not both",
            ));
        }
        if let Some(ms) = t.offset_ms {
            range(
                at("offset_ms"),
                "offset_ms",
                ms,
                -600_000.0,
                600_000.0,
                "ms",
            )?;
        }
        if let Some(n) = t.offset_samples {
            let max = 600 * i64::from(set.sample_rate);
            if n.unsigned_abs() > max.unsigned_abs() {
                return Err(problem(
                    at("offset_samples"),
                    format!("offset_samples = {n} is out of range (±{max}, 10 minutes)"),
                ));
            }
        }
        if !known(&t.output) {
            return Err(problem(
                at("output"),
                format!("unknown bus {:?} (buses: {})", t.output, bus_list()),
            ));
        }
        for (j, send) in s.tracks[i].sends.iter().enumerate() {
            let sat = vec![k("track"), Key::Index(i), k("sends"), Key::Index(j)];
            if !buses.contains_key(send.bus.as_str()) {
                return Err(problem(
                    [sat, vec![k("bus")]].concat(),
                    format!("send to unknown bus {:?} (buses: {})", send.bus, bus_list()),
                ));
            }
            range(
                [sat, vec![k("level_db")]].concat(),
                "level_db",
                send.level_db,
                -120.0,
                24.0,
                "dB",
            )?;
        }
        check_inserts(&[k("track"), Key::Index(i)], &t.inserts, rate)?;
        check_automation(&[k("track"), Key::Index(i)], &t.automation)?;
    }

    for (i, b) in s.buses.iter().enumerate() {
        let at = |key: &str| vec![k("bus"), Key::Index(i), k(key)];
        range(at("gain_db"), "gain_db", b.gain_db, -120.0, 24.0, "dB")?;
        range(at("pan"), "pan", b.pan, -100.0, 100.0, "%")?;
        if !known(&b.output) {
            return Err(problem(
                at("output"),
                format!("unknown bus {:?} (buses: {})", b.output, bus_list()),
            ));
        }
        // Follow the outputs from this bus; reaching it again is a cycle.
        let mut chain = vec![b.name.as_str()];
        let mut next = b.output.as_str();
        while next != MASTER {
            if next == b.name {
                chain.push(next);
                return Err(problem(
                    at("output"),
                    format!("bus routing forms a cycle: {}", chain.join(" -> ")),
                ));
            }
            if chain.contains(&next) {
                break; // a cycle not through this bus; reported at its own bus
            }
            chain.push(next);
            next = s.buses[buses[next]].output.as_str();
        }
        check_inserts(&[k("bus"), Key::Index(i)], &b.inserts, rate)?;
        check_automation(&[k("bus"), Key::Index(i)], &b.automation)?;
    }
    check_inserts(&[k("master")], &s.master.inserts, rate)
}
