//! Cleaning pipeline: each step rewrites lines and records every change it made.
//! Order: mojibake repair → pinyin removal → traditional→simplified → web boilerplate → quotes → punctuation.

pub mod boilerplate;
pub mod mojibake;
pub mod pinyin;
pub mod punct;
pub mod quotes;
pub mod t2s;

use crate::model::{Change, Line};

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

/// Run the cleaning steps; returns the kept lines (original numbers) and the changes, by line.
pub fn clean(mut lines: Vec<Line>, opts: &CleanOptions) -> (Vec<Line>, Vec<Change>) {
    let mut changes = Vec::new();
    for line in &mut lines {
        if opts.mojibake {
            mojibake::repair_line(line, &mut changes);
        }
        if opts.pinyin {
            pinyin::strip_line(line, &mut changes);
        }
        if opts.t2s {
            t2s::convert_line(line, &mut changes);
        }
    }
    // boilerplate after t2s, so that traditional "來源:" is recognised too
    if opts.boilerplate {
        lines = boilerplate::strip(lines, &mut changes);
    }
    for line in &mut lines {
        if opts.quotes {
            quotes::restore_line(line, &mut changes);
        }
        if opts.punctuation {
            punct::normalise_line(line, &mut changes);
        }
    }
    changes.sort_by_key(|c| c.line);
    (lines, changes)
}
