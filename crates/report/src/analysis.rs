//! The report of `mixmaster analyze`: every file's figures side by side,
//! then each file's plots.

use mixmaster_analysis::Analysis;

use crate::page::Page;
use crate::tables::figures_rows;

/// A page for analysed files: `files` pairs each file's display name with its
/// measurements, in the order given on the command line.
pub fn analysis_html(files: &[(String, Analysis)]) -> String {
    let subtitle = match files.len() {
        1 => files[0].0.clone(),
        n => format!("{n} files"),
    };
    let mut page = Page::new("Analysis report", &subtitle);
    page.heading(2, "figures", "Measurements");
    let mut headers = vec!["Figure"];
    headers.extend(files.iter().map(|(name, _)| name.as_str()));
    let columns: Vec<&Analysis> = files.iter().map(|(_, a)| a).collect();
    page.table(&headers, &figures_rows(&columns));
    page.finish()
}
