//! Mastering: from one stereo mix to release-ready files, one per destination.
//!
//! Analyse → decide → render → verify:
//! - [`crate::analyze`] measures the mix (and a reference, if given);
//! - [`decide::plan`] turns measurements and a [`targets::Target`] into a
//!   [`plan::MasterPlan`], every stage with its reasons;
//! - [`render`] streams the mix through the chain ([`chain`]), searches the
//!   limiter drive that lands on the target loudness, and delivers a file that
//!   is measured before it is accepted;
//! - [`feedback`] and [`penalty`] turn the measurements into advice for the
//!   mix engineer and into what each platform will do to the master.

pub mod chain;
pub mod decide;
pub mod feedback;
pub mod penalty;
pub mod plan;
pub mod preview;
pub mod render;
pub mod resonance;
pub mod targets;

use std::path::{Path, PathBuf};

use mixmaster_analysis::{Analysis, AnalysisOptions};
use mixmaster_io::{EncodeSpec, FileFormat, SampleFormat, Tags, WriteOptions};
use serde::Serialize;

use crate::analyze::{analyze_file_with, require_finite};
use crate::{Error, Progress, Result};
use decide::PlanOptions;
use feedback::Finding;
use penalty::Penalty;
use plan::MasterPlan;
use preview::{Preview, PreviewCodec, PreviewTarget};
use render::Delivered;
use targets::Target;

/// What to master and how.
#[derive(Debug, Clone)]
pub struct MasterRequest {
    /// The stereo (or mono) mix.
    pub input: PathBuf,
    /// Destinations, each with its output path.
    pub deliveries: Vec<(Target, PathBuf)>,
    /// A plan to render exactly instead of deciding one (`--plan`).
    pub plan: Option<MasterPlan>,
    /// A commercial track whose tone and width to match.
    pub reference: Option<PathBuf>,
    /// Also take the reference's integrated loudness as every destination's target.
    pub match_reference_loudness: bool,
    /// Choices that shape decided plans.
    pub options: PlanOptions,
    /// Overwrite existing outputs.
    pub force: bool,
    /// Where to write the level-matched original for A/B listening.
    pub ab: Option<PathBuf>,
    /// Metadata written into every delivered file.
    pub tags: Tags,
    /// Also write a codec-safe lossy preview beside each delivery (same
    /// name, the codec's extension).
    pub preview: Option<PreviewCodec>,
}

impl MasterRequest {
    /// Master `input` for `deliveries` with every choice at its default: the
    /// plan decided, no reference, no A/B, no tags, no preview, never
    /// overwriting.
    pub fn new(input: PathBuf, deliveries: Vec<(Target, PathBuf)>) -> Self {
        Self {
            input,
            deliveries,
            plan: None,
            reference: None,
            match_reference_loudness: false,
            options: PlanOptions::default(),
            force: false,
            ab: None,
            tags: Tags::default(),
            preview: None,
        }
    }
}

/// One delivered master and everything known about it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryReport {
    /// The plan as rendered (limiter drive locked to the delivered value).
    pub plan: MasterPlan,
    /// The file, its passes and its measurements.
    pub delivered: Delivered,
    /// Delivered loudness minus target, LU.
    pub loudness_error_lu: Option<f64>,
    /// What each platform will do to this master.
    pub penalties: Vec<Penalty>,
    /// The codec-safe lossy preview, when asked for.
    pub preview: Option<Preview>,
}

/// The whole job's report: before, after, decisions and advice.
#[derive(Debug, Clone, Serialize)]
pub struct MasterReport {
    /// The mix as given.
    pub input: String,
    /// Measurements of the mix.
    pub before: Analysis,
    /// Measurements of the reference, when one was given.
    pub reference: Option<Analysis>,
    /// Advice for the mix engineer.
    pub mix_feedback: Vec<Finding>,
    /// What each platform would do to the unmastered mix.
    pub penalties_before: Vec<Penalty>,
    /// One entry per destination.
    pub deliveries: Vec<DeliveryReport>,
    /// The level-matched A/B file, when asked for: path and gain applied, dB.
    pub ab: Option<(String, f64)>,
    /// Problems with the inputs that did not stop the job (e.g. a mix or
    /// reference shorter than its header declares), one line each, naming the file.
    pub warnings: Vec<String>,
}

/// Master `request.input` to every destination.
pub fn master(request: &MasterRequest, progress: &mut dyn Progress) -> Result<MasterReport> {
    let mut inputs = vec![request.input.clone()];
    inputs.extend(request.reference.clone());
    let options = WriteOptions {
        force: request.force,
        inputs,
    };
    request
        .options
        .check()
        .map_err(|e| Error::input(&request.input, e))?;
    // Refuse bad outputs before spending any time.
    for (_, out) in &request.deliveries {
        mixmaster_io::check_output(out, &options)?;
        delivery_format(out)?;
        if let Some(codec) = request.preview {
            mixmaster_io::check_output(&preview_path(out, codec), &options)?;
        }
    }
    if let Some(ab) = &request.ab {
        if FileFormat::from_path(ab) != Some(FileFormat::Wav) {
            return Err(Error::input(
                ab,
                "the A/B file is written as 32-bit float, which only WAV holds: name it .wav",
            ));
        }
        mixmaster_io::check_output(ab, &options)?;
    }

    let analysis_options = AnalysisOptions {
        silence_threshold_dbfs: request.options.trim_threshold_dbfs,
        ..AnalysisOptions::default()
    };
    let before = analyze_file_with(&request.input, analysis_options, progress)?;
    require_finite(&request.input, &before.analysis)?;
    let channels = before.analysis.channels;
    if channels > 2 {
        return Err(Error::input(
            &request.input,
            format!(
                "{channels} channels: mastering takes a stereo (or mono) mix; downmix surround first"
            ),
        ));
    }
    let (Some(mix_lufs), Some(mix_tp)) = (
        before.analysis.integrated_lufs,
        before.analysis.true_peak_dbtp,
    ) else {
        return Err(Error::input(
            &request.input,
            "the mix is silent (no gated loudness): nothing to master",
        ));
    };
    // Fades longer than the mix would leave nothing at full level (a 100 s
    // fade-in on a 3 s mix delivered it at -54 dBFS and called it mastered).
    let fades_s =
        request.options.fade_in_s.unwrap_or(0.0) + request.options.fade_out_s.unwrap_or(0.0);
    if fades_s > before.analysis.duration_s {
        return Err(Error::input(
            &request.input,
            format!(
                "fades of {fades_s:.2} s in all are longer than the mix ({:.2} s)",
                before.analysis.duration_s
            ),
        ));
    }
    let mut warnings = before.warnings.clone();
    let reference = match &request.reference {
        Some(path) => {
            let r = analyze_file_with(path, analysis_options, progress)?;
            warnings.extend(r.warnings);
            let r = r.analysis;
            require_finite(path, &r)?;
            if r.integrated_lufs.is_none() {
                return Err(Error::input(
                    path,
                    "the reference is silent (no gated loudness): nothing to match",
                ));
            }
            Some(r)
        }
        None => None,
    };

    let mut deliveries = Vec::new();
    let mut cached: Option<(String, render::PreLimiter)> = None;
    for (target, out) in &request.deliveries {
        let mut target = target.clone();
        if request.match_reference_loudness
            && let Some(lufs) = reference.as_ref().and_then(|r| r.integrated_lufs)
        {
            target.integrated_lufs = lufs;
            target.source = format!(
                "the reference's integrated loudness ({lufs:.1} LUFS); ceiling {}",
                target.source
            );
        }
        let target = &target;
        let mut plan = match &request.plan {
            Some(p) => p.clone(),
            None => decide::plan(
                &before.analysis,
                reference.as_ref(),
                target,
                &request.options,
            ),
        };
        // The container is the one the destination's name says.
        plan.output.format = delivery_format(out)?;
        let max = FileFormat::from_path(out).map_or(u32::MAX, FileFormat::max_sample_rate);
        if plan.output.sample_rate > max {
            return Err(Error::input(
                out,
                format!(
                    "this container is written at up to {max} Hz, and the master would be {} Hz: name it .wav",
                    plan.output.sample_rate
                ),
            ));
        }
        // The limiter's drive spans -24..+36 dB (`MasterPlan::validate`): a mix
        // outside that distance from the target gets a reason, not the
        // plan's range error.
        let drive = plan.limiter.settings.input_gain_db;
        if request.plan.is_none() && !(-24.0..=36.0).contains(&drive) {
            let (way, limit) = if drive < 0.0 {
                ("down", "24")
            } else {
                ("up", "36")
            };
            return Err(Error::input(
                &request.input,
                format!(
                    "the mix is at {mix_lufs:.1} LUFS, {:.1} dB from the {:.1} LUFS target; mastering turns a mix {way} by {limit} dB at most (a float file this far off is mis-scaled: rescale it first)",
                    drive.abs(),
                    target.integrated_lufs
                ),
            ));
        }
        plan.validate()
            .map_err(|e| Error::input(&request.input, format!("plan: {e}")))?;
        // Destinations whose stages before the limiter agree share one render.
        let key = pre_limiter_key(&plan);
        let reuse = matches!(&cached, Some((k, _)) if *k == key);
        if !reuse {
            // Every delivery that may share this render: its rate shapes the
            // loudness model (see `render::BandLimitedLoudness`).
            let source_rate = before.analysis.sample_rate;
            let out_rates: Vec<u32> = request
                .deliveries
                .iter()
                .map(|(t, _)| t.delivery.sample_rate.unwrap_or(source_rate))
                .chain([plan.output.sample_rate])
                .collect();
            let pre = render::render_pre_limiter(&request.input, &plan, &out_rates, progress)?;
            cached = Some((key, pre));
        }
        let pre = &cached.as_ref().expect("pre-limiter render cached above").1;
        let tags = (request.tags != Tags::default()).then_some(&request.tags);
        let delivered = render::deliver(pre, &plan, out, &options, tags, progress)?;
        let preview = match request.preview {
            Some(codec) => Some(preview::codec_safe_preview(
                &PreviewTarget {
                    codec,
                    out: &preview_path(out, codec),
                    options: &options,
                    tags,
                },
                pre,
                &plan,
                delivered.input_gain_db,
                progress,
            )?),
            None => None,
        };
        plan.limiter.settings.input_gain_db = delivered.input_gain_db;
        plan.limiter.settings.ceiling_dbtp = delivered.limiter_ceiling_dbtp;
        plan.limiter.settings.lock_gain = true;
        let after = &delivered.after;
        let penalties = match (after.integrated_lufs, after.true_peak_dbtp) {
            (Some(i), Some(tp)) => penalty::loudness_penalties(i, tp),
            _ => Vec::new(),
        };
        deliveries.push(DeliveryReport {
            loudness_error_lu: after
                .integrated_lufs
                .map(|l| l - plan.target.integrated_lufs),
            penalties,
            plan,
            delivered,
            preview,
        });
    }

    let ab = match (&request.ab, deliveries.first()) {
        (Some(path), Some(first)) => {
            let master_lufs = first.delivered.after.integrated_lufs.unwrap_or(mix_lufs);
            let gain_db = master_lufs - mix_lufs;
            write_level_matched(&request.input, path, gain_db, &options, progress)?;
            Some((path.display().to_string(), gain_db))
        }
        _ => None,
    };

    Ok(MasterReport {
        input: request.input.display().to_string(),
        mix_feedback: feedback::mix_feedback(&before.analysis),
        penalties_before: penalty::loudness_penalties(mix_lufs, mix_tp),
        before: before.analysis,
        reference,
        deliveries,
        ab,
        warnings,
    })
}

/// The preview's path: the delivery's with the codec's extension.
fn preview_path(out: &Path, codec: PreviewCodec) -> PathBuf {
    out.with_extension(codec.extension())
}

/// Identity of everything before the limiter (plans that agree share one render).
pub(crate) fn pre_limiter_key(plan: &MasterPlan) -> String {
    serde_json::to_string(&(
        &plan.trim,
        &plan.subsonic,
        &plan.corrective_eq,
        &plan.tonal_eq,
        &plan.deesser,
        &plan.glue,
        &plan.multiband,
        &plan.stereo,
        &plan.saturation,
    ))
    .unwrap_or_default()
}

/// The container a delivery's file name says (`.wav`, `.flac`, `.aif`/`.aiff`).
/// Any other name (`.mp3`, none) is refused before any work: writing WAV bytes
/// under it would hand the user a file its own name misdescribes.
fn delivery_format(out: &Path) -> Result<plan::FormatName> {
    match FileFormat::from_path(out) {
        Some(FileFormat::Wav) => Ok(plan::FormatName::Wav),
        Some(FileFormat::Flac) => Ok(plan::FormatName::Flac),
        Some(FileFormat::Aiff) => Ok(plan::FormatName::Aiff),
        None => Err(mixmaster_io::Error::UnknownOutputFormat(out.into()).into()),
    }
}

/// The original mix scaled by `gain_db`, for a fair A/B at the master's loudness.
/// Written as 32-bit float so a positive gain cannot clip it.
fn write_level_matched(
    input: &Path,
    out: &Path,
    gain_db: f64,
    options: &WriteOptions,
    progress: &mut dyn Progress,
) -> Result<()> {
    let mut reader = mixmaster_io::AudioReader::open(input)?;
    let info = reader.info().clone();
    let spec = EncodeSpec {
        format: FileFormat::Wav,
        sample_format: SampleFormat::Float32,
    };
    let mut writer =
        mixmaster_io::AudioWriter::create(out, spec, info.sample_rate, info.channels, options)?;
    let gain = 10f32.powf(gain_db as f32 / 20.0);
    let mut block = vec![Vec::new(); info.channels];
    progress.start("writing level-matched A/B", info.frames);
    loop {
        let n = reader.read_block(&mut block, 16_384)?;
        if n == 0 {
            break;
        }
        for ch in &mut block {
            for s in ch.iter_mut() {
                *s = if s.is_finite() { *s * gain } else { 0.0 };
            }
        }
        let slices: Vec<&[f32]> = block.iter().map(|c| &c[..n]).collect();
        writer.write_block(&slices)?;
        progress.advance(n as u64);
    }
    progress.finish();
    writer.finish()?;
    Ok(())
}
