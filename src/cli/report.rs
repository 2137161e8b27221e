//! `citata report`: the study's report as HTML, Markdown, the JSON model, a Word document or
//! an Excel workbook (with the coding matrix), built by [`crate::study::report`].

use std::io::Write;

use super::{Bar, ReportArgs};
use crate::study::report::{ReportFormat, ReportOptions, build_report};

/// Runs `citata report`; returns true when every file was read.
///
/// # Errors
/// When the study file or codebook is invalid, the folder does not exist, or the report
/// cannot be written.
pub fn run(args: &ReportArgs, _out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    // Before any work: a wrong extension fails at once, and nothing is written.
    let format = ReportFormat::of(&args.out)?;
    let opts = ReportOptions {
        folder: args.path.clone(),
        previous: args.previous.clone(),
        codebook: args.codebook.clone(),
        jobs: args.workers.jobs,
        matrix: format.has_matrix(),
        out: Some(args.out.clone()),
    };
    let Some(report) = build_report(&opts, &mut Bar::new(false, err))? else {
        return Ok(false);
    };
    if report.matrix.dropped > 0 {
        writeln!(
            err,
            "{}: the coding matrix stops at Excel's last row; {} sentences left out",
            args.out.display(),
            report.matrix.dropped
        )?;
    }
    let content = format.render(&report, &args.out)?;
    super::write_atomically(&args.out, &content)?;
    let model = &report.model;
    writeln!(
        err,
        "report written to {} (wave {}{}; {} interview{}{}{})",
        args.out.display(),
        model.wave,
        model
            .previous_wave
            .as_ref()
            .map_or(String::new(), |p| format!(", compared with {p}")),
        model.interviews,
        if model.interviews == 1 { "" } else { "s" },
        if model.ratings == 0 {
            "; no ratings: the report shows mentions, quotes and wishes"
        } else {
            ""
        },
        if format.has_matrix() {
            format!("; coding matrix: {} sentences", report.matrix.rows.len())
        } else {
            String::new()
        }
    )?;
    Ok(report.failed == 0)
}
