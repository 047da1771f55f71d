//! Tables shared by every report: the measured figures of one or more
//! analyses side by side, and plan settings rendered as readable text.

use mixmaster_analysis::Analysis;
use serde::Serialize;

use crate::page::Cell;

/// An optional finite value with `decimals` and a unit, or "n/a" (silence is
/// `None`, and −∞ never reaches the page).
pub fn num(v: Option<f64>, decimals: usize, unit: &str) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.decimals$} {unit}").trim_end().to_string(),
        _ => "n/a".to_string(),
    }
}

/// A signed value (gains, correlations) with its sign always shown.
pub fn signed(v: Option<f64>, decimals: usize, unit: &str) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:+.decimals$} {unit}").trim_end().to_string(),
        _ => "n/a".to_string(),
    }
}

/// Minutes and seconds, `m:ss.s`.
pub fn clock(seconds: f64) -> String {
    let m = (seconds / 60.0).floor();
    format!("{}:{:04.1}", m as u64, seconds - m * 60.0)
}

/// One figure per row, one analysis per column: the numbers an engineer reads
/// first (loudness, range, peaks, ratios, image, defects).
pub fn figures_rows(columns: &[&Analysis]) -> Vec<Vec<Cell>> {
    type Fmt = fn(&Analysis) -> String;
    let rows: [(&str, Fmt); 16] = [
        ("Integrated loudness", |a| num(a.integrated_lufs, 1, "LUFS")),
        ("Loudness range (LRA)", |a| {
            num(a.loudness_range_lu, 1, "LU")
        }),
        ("Max short-term", |a| num(a.max_short_term_lufs, 1, "LUFS")),
        ("Max momentary", |a| num(a.max_momentary_lufs, 1, "LUFS")),
        ("True peak", |a| num(a.true_peak_dbtp, 2, "dBTP")),
        ("Sample peak", |a| num(a.sample_peak_dbfs, 2, "dBFS")),
        ("PLR (true peak − loudness)", |a| num(a.plr_db, 1, "dB")),
        ("Crest factor (peak − RMS)", |a| {
            num(a.crest_factor_db, 1, "dB")
        }),
        ("RMS", |a| num(a.rms_dbfs, 1, "dBFS")),
        ("Correlation", |a| signed(a.correlation, 2, "")),
        ("Worst correlation (400 ms)", |a| {
            match (a.worst_correlation, a.worst_correlation_at_s) {
                (Some(c), Some(t)) => format!("{c:+.2} at {}", clock(t)),
                _ => "n/a".to_string(),
            }
        }),
        ("Side / mid", |a| num(a.side_to_mid_db, 1, "dB")),
        ("Mono fold-down loss", |a| {
            num(a.mono_loudness_drop_lu, 1, "LU")
        }),
        ("Clipped runs (samples)", |a| {
            format!("{} ({})", a.clipped_runs, a.clipped_samples)
        }),
        ("DC offset (per channel)", |a| {
            a.dc_offset
                .iter()
                .map(|d| format!("{:+.3} %", d * 100.0))
                .collect::<Vec<_>>()
                .join(" / ")
        }),
        ("Silence lead / tail", |a| {
            format!(
                "{:.2} s / {:.2} s",
                a.leading_silence_s, a.trailing_silence_s
            )
        }),
    ];
    let mut out: Vec<Vec<Cell>> = rows
        .iter()
        .map(|(name, f)| {
            let mut row = vec![Cell::Text((*name).to_string())];
            row.extend(columns.iter().map(|a| Cell::Num(f(a))));
            row
        })
        .collect();
    let format_row = |name: &str, f: &dyn Fn(&Analysis) -> String| {
        let mut row = vec![Cell::Text(name.to_string())];
        row.extend(columns.iter().map(|a| Cell::Num(f(a))));
        row
    };
    out.insert(
        0,
        format_row("Length", &|a| {
            format!(
                "{} ({} Hz, {} ch)",
                clock(a.duration_s),
                a.sample_rate,
                a.channels
            )
        }),
    );
    if columns.iter().any(|a| a.non_finite_samples > 0) {
        out.push(format_row("NaN/Inf samples", &|a| {
            a.non_finite_samples.to_string()
        }));
    }
    out
}

/// Stage settings as one line of text: `key value, key value`; lists of
/// objects (EQ bands, multiband bands) become `1) … 2) …`. Generic over the
/// serialised form so a new setting appears without touching the report.
pub fn settings_text<T: Serialize>(settings: &T) -> String {
    serde_json::to_value(settings).map_or_else(|e| e.to_string(), |v| value_text(&v))
}

fn value_text(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "none".to_string(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.fract() != 0.0 => {
                let s = format!("{x:.2}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "none".to_string(),
        Value::Array(items) if items.iter().any(Value::is_object) => items
            .iter()
            .enumerate()
            .map(|(i, item)| format!("{}) {}", i + 1, value_text(item)))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{} {}", key_text(k), value_text(v)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// `freq_hz` → `freq (Hz)`: field names carry their unit as a suffix.
fn key_text(key: &str) -> String {
    const UNITS: [(&str, &str); 9] = [
        ("_dbtp", "dBTP"),
        ("_dbfs", "dBFS"),
        ("_db", "dB"),
        ("_hz", "Hz"),
        ("_ms", "ms"),
        ("_pct", "%"),
        ("_lufs", "LUFS"),
        ("_lu", "LU"),
        ("_s", "s"),
    ];
    for (suffix, unit) in UNITS {
        if let Some(stem) = key.strip_suffix(suffix) {
            return format!("{} ({unit})", stem.replace('_', " "));
        }
    }
    key.replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_as_units() {
        #[derive(Serialize)]
        struct S {
            freq_hz: f64,
            order: u8,
            mono_below_hz: Option<f64>,
        }
        let text = settings_text(&S {
            freq_hz: 30.5,
            order: 2,
            mono_below_hz: None,
        });
        assert!(text.contains("freq (Hz) 30.5"), "{text}");
        assert!(text.contains("order 2"), "{text}");
        assert!(text.contains("mono below (Hz) none"), "{text}");
    }

    #[test]
    fn numbers_never_print_infinity() {
        assert_eq!(num(Some(f64::NEG_INFINITY), 1, "LUFS"), "n/a");
        assert_eq!(num(Some(-14.04), 1, "LUFS"), "-14.0 LUFS");
        assert_eq!(signed(Some(0.5), 2, ""), "+0.50");
        assert_eq!(clock(75.3), "1:15.3");
    }
}
