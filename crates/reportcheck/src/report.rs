//! The check as a whole: [`check_text`] / [`check_bytes`] / [`check_file`] build a [`Report`]
//! (cleaned text, changes, findings, figures, comparisons) that renders as Markdown or JSON.

use std::path::Path;

use serde::Serialize;

use crate::clean::{clean, CleanOptions};
use crate::compare::{compare, Comparison, IndicatorSource, Mapping, Period};
use crate::decode::{decode_bytes, Error};
use crate::figures::{extract_figures, Figure};
use crate::findings::find_all;
use crate::history::{History, YearOverYear};
use crate::model::{split_lines, Change, Finding, Rule};
use crate::structure::{detect_year, sections};

/// Options of a check.
#[derive(Debug, Clone)]
pub struct Options {
    pub clean: CleanOptions,
    /// The report's year when it cannot be read from its title.
    pub report_year: Option<i32>,
    /// Jaccard similarity from which two paragraphs count as near-duplicates.
    pub near_duplicate_threshold: f64,
    /// File name or title shown in the report.
    pub source_name: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clean: CleanOptions::default(),
            report_year: None,
            near_duplicate_threshold: 0.9,
            source_name: String::new(),
        }
    }
}

/// Counts shown at the top of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub lines: usize,
    pub characters: usize,
    pub sections: usize,
}

/// Result of checking one report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub source: String,
    pub encoding: String,
    pub report_year: Option<i32>,
    pub stats: Stats,
    pub cleaned_text: String,
    /// Original line number of each line of `cleaned_text`.
    pub line_numbers: Vec<usize>,
    pub changes: Vec<Change>,
    pub findings: Vec<Finding>,
    pub figures: Vec<Figure>,
    pub comparisons: Vec<Comparison>,
    pub year_over_year: Vec<YearOverYear>,
    /// The input's lines as they came in (by line number - 1), to show what cleaning changed.
    #[serde(skip)]
    pub original_lines: Vec<String>,
}

/// Check pasted or decoded text. The text is not bounded here: callers with text from outside refuse
/// one over [`crate::limits::MAX_REPORT_CHARS`] first with [`crate::limits::check_text`] (files read through
/// [`check_bytes`] are bounded there).
pub fn check_text(text: &str, opts: &Options) -> Report {
    check_decoded(text, "文本", opts)
}

fn check_decoded(text: &str, encoding: &str, opts: &Options) -> Report {
    let raw = split_lines(text);
    let stats = Stats {
        lines: raw.len(),
        characters: text.chars().count(),
        sections: 0,
    };
    let original_lines: Vec<String> = raw.iter().map(|l| l.text.clone()).collect();
    let (lines, changes, flagged) = clean(raw, &opts.clean);
    let mut secs = sections(&lines);
    // a year given by the user (`--year`, the page's field) is the year of every section
    if let Some(y) = opts.report_year {
        secs.iter_mut().for_each(|s| s.year = Some(y));
    }
    let report_year = opts
        .report_year
        .or_else(|| secs.first().and_then(|s| s.year))
        .or_else(|| detect_year(&lines));
    let figures = extract_figures(&lines);
    // sections without a year of their own are checked against an explicitly given year only
    let fallback = opts
        .report_year
        .or(if secs.len() == 1 { report_year } else { None });
    let mut findings = find_all(
        &lines,
        &secs,
        &figures,
        fallback,
        opts.near_duplicate_threshold,
    );
    // a line whose mojibake was flagged while cleaning is not flagged again
    findings.retain(|f| f.rule != Rule::Mojibake || !flagged.iter().any(|g| g.line == f.line));
    findings.extend(flagged);
    findings.sort_by_key(|f| f.line);
    let mut cleaned_text = String::with_capacity(text.len());
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            cleaned_text.push('\n');
        }
        cleaned_text.push_str(&l.text);
    }
    Report {
        source: opts.source_name.clone(),
        encoding: encoding.to_string(),
        report_year,
        stats: Stats {
            sections: secs.len(),
            ..stats
        },
        cleaned_text,
        line_numbers: lines.iter().map(|l| l.no).collect(),
        changes,
        findings,
        figures,
        comparisons: Vec::new(),
        year_over_year: Vec::new(),
        original_lines,
    }
}

/// Check a file's bytes (.docx, .txt in UTF-8/GBK/GB18030, .md); `filename_hint` may be empty.
pub fn check_bytes(bytes: &[u8], filename_hint: &str) -> Result<Report, Error> {
    let opts = Options {
        source_name: filename_hint.to_string(),
        ..Options::default()
    };
    check_bytes_with(bytes, filename_hint, &opts)
}

/// [`check_bytes`] with options.
pub fn check_bytes_with(
    bytes: &[u8],
    filename_hint: &str,
    opts: &Options,
) -> Result<Report, Error> {
    let decoded = decode_bytes(bytes, filename_hint)?;
    Ok(check_decoded(&decoded.text, &decoded.encoding, opts))
}

/// Check a file on disk.
pub fn check_file(path: impl AsRef<Path>) -> Result<Report, Error> {
    let path = path.as_ref();
    let len = std::fs::metadata(path)?.len();
    if len > crate::limits::MAX_FILE_BYTES as u64 {
        return Err(crate::limits::file_too_large(len as usize));
    }
    let bytes = std::fs::read(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    check_bytes(&bytes, &name)
}

impl Report {
    /// Fill `comparisons` from the records of `scope` for `period`.
    pub fn compare_with(
        &mut self,
        mapping: &Mapping,
        source: &dyn IndicatorSource,
        scope: &str,
        period: &Period,
    ) {
        self.comparisons = compare(&self.figures, mapping, source, scope, period);
    }

    /// Add year-over-year rows from a saved past report.
    pub fn add_history(&mut self, history: &History, mapping: &Mapping) {
        self.year_over_year
            .extend(history.year_over_year(&self.figures, mapping));
    }

    /// The figures of this report as history for `scope` and `period` (to be saved by the server).
    pub fn to_history(&self, scope: &str, period: Period) -> History {
        History {
            scope: scope.to_string(),
            period,
            source: self.source.clone(),
            figures: self.figures.clone(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serializes")
    }

    /// Markdown with Chinese headings (see [`crate::html`] for the page fragment).
    pub fn to_markdown(&self) -> String {
        crate::html::markdown(self)
    }
}
