//! `analyze`: stream a file through the meters in flat memory.

use std::path::Path;

use mixmaster_analysis::{Analysis, AnalysisOptions, Analyzer};
use mixmaster_io::AudioReader;
use serde::Serialize;

use crate::{Error, Progress, Result};

/// Frames decoded and measured per step: large enough to amortise per-block
/// overhead, small enough to keep memory flat (64 KiB per channel).
pub const BLOCK_FRAMES: usize = 16_384;

/// The measurements of one file, with where they came from.
#[derive(Debug, Clone, Serialize)]
pub struct FileAnalysis {
    /// The file as given.
    pub path: String,
    /// Codec name as reported by the decoder.
    pub codec: String,
    /// Bits per sample of the source, when the format has one.
    pub bits_per_sample: Option<u32>,
    /// Every measurement.
    #[serde(flatten)]
    pub analysis: Analysis,
    /// Things the user should know about the file itself, one line each,
    /// naming it (e.g. that it is shorter than its header declares).
    pub warnings: Vec<String>,
}

/// Decode `path` block by block and measure it with default options.
pub fn analyze_file(path: &Path, progress: &mut dyn Progress) -> Result<FileAnalysis> {
    analyze_file_with(path, AnalysisOptions::default(), progress)
}

/// Decode `path` block by block and measure it with `options`.
pub fn analyze_file_with(
    path: &Path,
    options: AnalysisOptions,
    progress: &mut dyn Progress,
) -> Result<FileAnalysis> {
    let mut reader = AudioReader::open(path)?;
    let info = reader.info().clone();
    let mut analyzer = Analyzer::new(info.sample_rate, info.channels, options)
        .map_err(|e| Error::input(path, e.to_string()))?;

    progress.start(&path.display().to_string(), info.frames);
    let mut block = vec![Vec::with_capacity(BLOCK_FRAMES); info.channels];
    loop {
        let frames = reader.read_block(&mut block, BLOCK_FRAMES)?;
        if frames == 0 {
            break;
        }
        let slices: Vec<&[f32]> = block.iter().map(|c| &c[..frames]).collect();
        analyzer.push(&slices);
        progress.advance(frames as u64);
    }
    progress.finish();
    let warnings = truncation_warning(path, &reader).into_iter().collect();

    let analysis = analyzer
        .finish()
        .map_err(|e| Error::input(path, e.to_string()))?;
    Ok(FileAnalysis {
        path: path.display().to_string(),
        codec: info.codec,
        bits_per_sample: info.bits_per_sample,
        analysis,
        warnings,
    })
}

/// After `reader` has been read to the end: the warning for a file shorter
/// than its header declares (a cut copy, a crashed recorder), naming it, e.g.
/// `song.wav: truncated: the header declares 3.00 s, 0.57 s present; processed
/// what is there`, or "damaged: … skipped" when the audio was lost inside the
/// file rather than at its end. Processing goes on with what is there; the
/// user must know.
pub fn truncation_warning(path: &Path, reader: &AudioReader) -> Option<String> {
    reader
        .truncation()
        .map(|t| format!("{}: {t}", path.display()))
}

/// Refuses a file to be processed (mastered, matched, sequenced) when its
/// samples hold NaN or ±∞: the meters count them as silence, but a
/// render would either carry them into every filter or silently replace
/// them, and either way deliver something other than what the file says.
/// `analyze` itself only reports them.
pub fn require_finite(path: &Path, analysis: &Analysis) -> Result<()> {
    if analysis.non_finite_samples == 0 {
        return Ok(());
    }
    let at = analysis
        .first_non_finite_s
        .map(|t| format!(" (first at {t:.3} s)"))
        .unwrap_or_default();
    Err(Error::input(
        path,
        format!(
            "the audio holds {} NaN or infinite samples{at}",
            analysis.non_finite_samples
        ),
    ))
}
