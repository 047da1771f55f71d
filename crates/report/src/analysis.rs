//! The report of `mixmaster analyze`: every file's figures side by side,
//! then each file's plots.

use mixmaster_analysis::Analysis;

use crate::figures::palette;
use crate::page::Page;
use crate::plots::{self, Trace};
use crate::tables::figures_rows;

/// A page for analysed files: `files` pairs each file's display name with its
/// measurements, in the order given on the command line; `warnings` are the
/// problems found in the files themselves (one line each, naming the file,
/// e.g. a file shorter than its header declares), shown first.
pub fn analysis_html(files: &[(String, Analysis)], warnings: &[String]) -> String {
    let subtitle = match files.len() {
        1 => files[0].0.clone(),
        n => format!("{n} files"),
    };
    let mut page = Page::new("Analysis report", &subtitle);
    if !warnings.is_empty() {
        page.heading(2, "warnings", "Warnings");
        page.list(warnings);
    }
    page.heading(2, "figures", "Measurements");
    let mut headers = vec!["Figure"];
    headers.extend(files.iter().map(|(name, _)| name.as_str()));
    let columns: Vec<&Analysis> = files.iter().map(|(_, a)| a).collect();
    page.table(&headers, &figures_rows(&columns));

    page.heading(2, "plots", "Plots");
    let traces: Vec<Trace<'_>> = files
        .iter()
        .enumerate()
        .map(|(i, (name, a))| Trace {
            name: name.clone(),
            color: palette(i),
            offset_s: 0.0,
            analysis: a,
        })
        .collect();
    page.figure(
        plots::waveform(&traces),
        "Lowest and highest sample of any channel every 100 ms. Dashed red: full scale.",
    );
    page.figure(
        plots::loudness(&traces, Vec::new()),
        "Short-term loudness (EBU R128, 3 s window, read every 100 ms).",
    );
    page.figure(
        plots::spectrum(&traces, Vec::new()),
        "Long-term average spectrum in third-octave bands (power per band, dBFS).",
    );
    if files.iter().any(|(_, a)| !a.correlation_series.is_empty()) {
        page.figure(
            plots::correlation(&traces),
            "Correlation of channels 1 and 2 over 400 ms windows; windows quieter than −50 dBFS are left out.",
        );
    }
    page.finish()
}
