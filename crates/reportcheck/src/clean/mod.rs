//! Cleaning pipeline: each step rewrites lines and records every change it made.
//! Order: mojibake repair → pinyin removal → traditional→simplified → web boilerplate → quotes → punctuation.
//! Text repaired or flagged as mojibake is protected: the later steps run only on the text around it.

pub mod boilerplate;
pub mod mojibake;
pub mod pinyin;
pub mod punct;
pub mod quotes;
pub mod t2s;

use std::collections::HashMap;

use crate::model::{Change, Finding, Line};

/// Which cleaning steps run (all by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CleanOptions {
    pub boilerplate: bool,
    pub mojibake: bool,
    pub pinyin: bool,
    pub t2s: bool,
    pub quotes: bool,
    pub punctuation: bool,
}

impl Default for CleanOptions {
    fn default() -> Self {
        CleanOptions {
            boilerplate: true,
            mojibake: true,
            pinyin: true,
            t2s: true,
            quotes: true,
            punctuation: true,
        }
    }
}

/// Run the cleaning steps; returns the kept lines (original numbers), the changes, by line, and the
/// mojibake flagged while cleaning.
pub fn clean(mut lines: Vec<Line>, opts: &CleanOptions) -> (Vec<Line>, Vec<Change>, Vec<Finding>) {
    let mut changes = Vec::new();
    let mut flagged = Vec::new();
    let mut protected: HashMap<usize, Vec<String>> = HashMap::new();
    for line in &mut lines {
        let mut keep = Vec::new();
        if opts.mojibake {
            mojibake::repair_line(line, &mut changes);
            mojibake::repair_shifted(line, &mut changes, &mut flagged, &mut keep);
        }
        if opts.pinyin {
            guarded(line, &keep, &mut changes, pinyin::strip_line);
        }
        if opts.t2s {
            guarded(line, &keep, &mut changes, t2s::convert_line);
        }
        if !keep.is_empty() {
            protected.insert(line.no, keep);
        }
    }
    // boilerplate after t2s, so that traditional "來源:" is recognised too
    if opts.boilerplate {
        lines = boilerplate::strip(lines, &mut changes);
    }
    for line in &mut lines {
        let keep = protected.get(&line.no).map(Vec::as_slice).unwrap_or(&[]);
        if opts.quotes {
            guarded(line, keep, &mut changes, quotes::restore_line);
        }
        if opts.punctuation {
            guarded(line, keep, &mut changes, punct::normalise_line);
        }
    }
    changes.sort_by_key(|c| c.line);
    (lines, changes, flagged)
}

/// Run `step` on the parts of `line` outside the protected texts `keep` (which stay as they are).
pub fn guarded(
    line: &mut Line,
    keep: &[String],
    changes: &mut Vec<Change>,
    step: fn(&mut Line, &mut Vec<Change>),
) {
    if keep.is_empty() {
        return step(line, changes);
    }
    // protected byte ranges, in order, not overlapping
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for k in keep.iter().filter(|k| !k.is_empty()) {
        for (pos, _) in line.text.match_indices(k.as_str()) {
            ranges.push((pos, pos + k.len()));
        }
    }
    ranges.sort();
    let mut out = String::with_capacity(line.text.len());
    let mut last = 0;
    let run_on = |piece: &str, out: &mut String, changes: &mut Vec<Change>| {
        let mut part = Line {
            no: line.no,
            text: piece.to_string(),
        };
        step(&mut part, changes);
        out.push_str(&part.text);
    };
    for (a, b) in ranges {
        if a < last {
            continue;
        }
        run_on(&line.text[last..a], &mut out, changes);
        out.push_str(&line.text[a..b]);
        last = b;
    }
    run_on(&line.text[last..], &mut out, changes);
    line.text = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flagged_and_repaired_mojibake_is_left_alone() {
        let lines = vec![Line {
            no: 1,
            text: "他們?cè)诒救俗栽傅那疤嵯?签订协议,开展?四个一?活动".into(),
        }];
        let (lines, changes, _) = clean(lines, &CleanOptions::default());
        let t = &lines[0].text;
        assert!(t.contains("本人自愿的前提?"), "{t}");
        assert!(!t.contains("“本人"), "{t}");
        assert!(t.contains("“四个一”"), "{t}");
        assert!(t.starts_with("他们?"), "{t}");
        assert!(!t.contains("cè"), "{t}");
        assert!(changes
            .iter()
            .any(|c| c.kind == crate::model::ChangeKind::Mojibake));
    }
}
