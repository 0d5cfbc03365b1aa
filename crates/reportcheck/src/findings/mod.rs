//! Findings: every rule that flags something wrong in a cleaned report, run in one pass.

pub mod contradictions;
pub mod dates;
pub mod duplicates;
pub mod names;
pub mod numbering;
pub mod personal;
pub mod placeholders;
pub mod totals;

use crate::figures::Figure;
use crate::model::{Finding, Line};
use crate::structure::Section;

/// Run all rules; findings are sorted by line.
pub fn find_all(
    lines: &[Line],
    sections: &[Section],
    figures: &[Figure],
    fallback_year: Option<i32>,
    near_duplicate_threshold: f64,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for line in lines {
        placeholders::check_line(line, &mut out);
        personal::check_line(line, &mut out);
        crate::clean::mojibake::detect_line(line, &mut out);
    }
    out.extend(duplicates::check(lines, near_duplicate_threshold));
    out.extend(numbering::check(lines, sections));
    out.extend(dates::check(lines, sections, fallback_year));
    let section_of = |line_no: usize| {
        sections
            .iter()
            .position(|s| {
                lines[s.start..s.end]
                    .last()
                    .is_some_and(|l| l.no >= line_no)
            })
            .unwrap_or(0)
    };
    out.extend(contradictions::check(figures, &section_of));
    totals::check(figures, &mut out);
    out.sort_by_key(|f| f.line);
    out
}
