//! What a job asks for (targets and options), checked before anything is
//! queued so that a bad request fails at once with 400, not minutes later.

use mixmaster::master::decide::PlanOptions;
use mixmaster::master::targets::Target;
use serde::{Deserialize, Serialize};

/// A job's settings, as submitted and as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobSettings {
    /// Destination presets (`spotify`, `cd`, …). Empty: spotify, or the
    /// reference's loudness when a reference is given and no `lufs`.
    pub targets: Vec<String>,
    /// Custom target loudness, LUFS (with `ceiling`).
    pub lufs: Option<f64>,
    /// Custom true-peak ceiling, dBTP (with `lufs`).
    pub ceiling: Option<f64>,
    /// Fade-in length, s.
    pub fade_in: Option<f64>,
    /// Fade-out length, s.
    pub fade_out: Option<f64>,
    /// Most limiting allowed on the loudest peaks, dB.
    pub max_limiting: Option<f64>,
}

/// Longest fade accepted, s: longer is surely a typo (ms for s).
const MAX_FADE_S: f64 = 60.0;

impl JobSettings {
    /// Sets one option from a form field; `Err` names the problem.
    pub fn set(&mut self, field: &str, value: &str) -> Result<(), String> {
        let value = value.trim();
        let number = || -> Result<Option<f64>, String> {
            if value.is_empty() {
                return Ok(None);
            }
            match value.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Some(v)),
                _ => Err(format!("{field}: '{value}' is not a number")),
            }
        };
        match field {
            "targets" | "targets[]" | "target" => {
                for name in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    self.targets.push(name.to_ascii_lowercase());
                }
            }
            "lufs" => self.lufs = number()?,
            "ceiling" => self.ceiling = number()?,
            "fade_in" => self.fade_in = number()?,
            "fade_out" => self.fade_out = number()?,
            "max_limiting" => self.max_limiting = number()?,
            other => return Err(format!("unknown field '{other}'")),
        }
        Ok(())
    }

    /// The destinations, or why the settings are impossible. The second value
    /// is true when the reference's loudness replaces the target's.
    pub fn resolve(&self, has_reference: bool) -> Result<(Vec<Target>, bool), String> {
        let mut targets = Vec::new();
        for name in &self.targets {
            let target = Target::preset(name).ok_or_else(|| {
                format!(
                    "unknown target '{name}' (choose from: {})",
                    Target::preset_names().join(", ")
                )
            })?;
            if !targets.iter().any(|t: &Target| t.name == target.name) {
                targets.push(target);
            }
        }
        match (self.lufs, self.ceiling) {
            (Some(lufs), Some(ceiling)) => {
                if !(-40.0..=0.0).contains(&lufs) || !(-20.0..=0.0).contains(&ceiling) {
                    return Err(
                        "custom target must be -40..0 LUFS with a ceiling of -20..0 dBTP".into(),
                    );
                }
                targets.push(Target::custom(lufs, ceiling));
            }
            (None, None) => {}
            _ => return Err("lufs and ceiling go together".into()),
        }
        for (name, v) in [("fade_in", self.fade_in), ("fade_out", self.fade_out)] {
            if v.is_some_and(|v| !(0.0..=MAX_FADE_S).contains(&v)) {
                return Err(format!("{name} must be 0..{MAX_FADE_S} s"));
            }
        }
        if self
            .max_limiting
            .is_some_and(|v| !(0.0..=24.0).contains(&v))
        {
            return Err("max_limiting must be 0..24 dB".into());
        }
        if targets.is_empty() {
            if has_reference {
                // As on the command line: match the reference's loudness, keep -1 dBTP.
                let mut t = Target::custom(-14.0, -1.0);
                t.name = "reference".into();
                return Ok((vec![t], true));
            }
            targets.push(Target::preset("spotify").expect("spotify preset exists"));
        }
        Ok((targets, false))
    }

    /// The plan options these settings imply.
    pub fn plan_options(&self) -> PlanOptions {
        let defaults = PlanOptions::default();
        PlanOptions {
            fade_in_s: self.fade_in.filter(|v| *v > 0.0),
            fade_out_s: self.fade_out.filter(|v| *v > 0.0),
            max_gain_reduction_db: self.max_limiting.unwrap_or(defaults.max_gain_reduction_db),
            ..defaults
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_resolve_and_unknown_names_are_refused() {
        let mut s = JobSettings::default();
        s.set("targets[]", "spotify, CD").unwrap();
        let (t, matched) = s.resolve(false).unwrap();
        assert_eq!(
            t.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["spotify", "cd"]
        );
        assert!(!matched);
        s.set("targets", "mp3-loud").unwrap();
        assert!(s.resolve(false).unwrap_err().contains("unknown target"));
    }

    #[test]
    fn custom_target_needs_both_numbers_in_range() {
        let mut s = JobSettings::default();
        s.set("lufs", "-9").unwrap();
        assert!(s.resolve(false).is_err());
        s.set("ceiling", "-0.5").unwrap();
        let (t, _) = s.resolve(false).unwrap();
        assert_eq!(t[0].integrated_lufs, -9.0);
        s.set("lufs", "-60").unwrap();
        assert!(s.resolve(false).is_err());
        assert!(s.set("lufs", "loud").is_err());
        assert!(s.set("lufs", "NaN").is_err());
    }

    #[test]
    fn reference_without_target_matches_its_loudness() {
        let (t, matched) = JobSettings::default().resolve(true).unwrap();
        assert!(matched);
        assert_eq!(t[0].ceiling_dbtp, -1.0);
        let (t, matched) = JobSettings::default().resolve(false).unwrap();
        assert!(!matched);
        assert_eq!(t[0].name, "spotify");
    }
}
