//! GBK text read one byte out of step: inside every run of two-byte GBK characters, the reading shifted
//! by one byte is scored against the text as it stands with the bigram [`model`](super::model); the
//! stretch where the shifted reading gains most is a suspect, repaired when it reads far better (and
//! like ordinary Chinese), otherwise flagged with the shifted reading as the best candidate.
//!
//! A stream read one byte late and one read one byte early are both out of step by one byte: either
//! way the original characters are the shifted pairs (trail byte of one character, lead byte of the
//! next), so one shifted reading covers both directions; the half characters at the edges are lost.

use std::sync::OnceLock;

use super::model::{logp_char, logp_pair};

/// Mean gain (bits per character) from which a repair is certain.
pub const REPAIR_GAIN: f64 = 5.0;
/// Mean gain from which a span is flagged.
pub const FLAG_GAIN: f64 = 3.0;
/// The shifted reading must itself read like ordinary Chinese to be applied (mean log2 probability).
pub const REPAIR_FLOOR: f64 = -11.5;
const MIN_CHARS: usize = 4;
/// A run ended by a lost-character mark is read shifted from this many characters on; a suspect
/// shorter than `MIN_CHARS - 1` shifted characters needs `SHORT_FLAG_GAIN` and is only flagged.
const SHORT_RUN: usize = 3;
const SHORT_FLAG_GAIN: f64 = 6.0;
/// A run none of whose four-character windows reads worse than this (mean log2 probability) is skipped.
const SKIP_ABOVE: f64 = -13.0;
const INVALID: f64 = -30.0;

/// A stretch of a line that reads as GBK out of step.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspect {
    /// Byte range in the line.
    pub start: usize,
    pub end: usize,
    /// The shifted reading (one character shorter than the span).
    pub candidate: String,
    /// Whether the repair is certain (applied) or only a candidate (flagged).
    pub certain: bool,
    /// Mean gain in bits per character.
    pub gain: f64,
}

/// GBK two-byte tables, built once: code point (BMP) → bytes, and (lead, trail) → character.
struct Gbk {
    enc: Vec<u16>,
    dec: Vec<char>,
}

fn gbk() -> &'static Gbk {
    static T: OnceLock<Gbk> = OnceLock::new();
    T.get_or_init(|| {
        let mut enc = vec![0u16; 0x10000];
        let mut dec = vec!['\0'; 0x10000];
        for lead in 0x81u8..=0xFE {
            for trail in 0x40u8..=0xFE {
                if trail == 0x7F {
                    continue;
                }
                let pair = [lead, trail];
                let (s, err) = encoding_rs::GBK.decode_without_bom_handling(&pair);
                let Some(c) = s.chars().next() else { continue };
                if err || c == '\u{fffd}' {
                    continue;
                }
                let code = u16::from_be_bytes([lead, trail]);
                // garbled text holds user-defined (private use) characters; a reading never does
                if !('\u{e000}'..='\u{f8ff}').contains(&c) {
                    dec[code as usize] = c;
                }
                if (c as u32) < 0x10000 && enc[c as usize] == 0 {
                    enc[c as usize] = code;
                }
            }
        }
        Gbk { enc, dec }
    })
}

fn gbk2(c: char) -> Option<[u8; 2]> {
    if c.is_ascii() || c as u32 >= 0x10000 {
        return None;
    }
    let code = gbk().enc[c as usize];
    (code != 0).then(|| code.to_be_bytes())
}

fn decode2(lead: u8, trail: u8) -> Option<char> {
    let c = gbk().dec[u16::from_be_bytes([lead, trail]) as usize];
    (c != '\0').then_some(c)
}

/// Suspects of one line, in order.
pub fn suspects(text: &str) -> Vec<Suspect> {
    let mut out = Vec::new();
    if text.is_ascii() {
        return out;
    }
    let mut run: Vec<(usize, char, [u8; 2])> = Vec::new();
    // a run ended by a lost-character mark ("?" where the reading fell back in step) may be short
    let flush = |run: &mut Vec<(usize, char, [u8; 2])>, out: &mut Vec<Suspect>, lost: bool| {
        if run.len() > MIN_CHARS || lost && run.len() >= SHORT_RUN {
            scan(run, lost, out);
        }
        run.clear();
    };
    for (i, c) in text.char_indices() {
        match gbk2(c) {
            Some(b) => run.push((i, c, b)),
            None => flush(&mut run, &mut out, matches!(c, '?' | '\u{fffd}')),
        }
    }
    flush(&mut run, &mut out, false);
    out
}

fn scan(run: &[(usize, char, [u8; 2])], short: bool, out: &mut Vec<Suspect>) {
    let n = run.len();
    // s_o[k]: score of the k-th character as it stands; h[j]: the shifted character between k=j and k=j+1
    let s_o: Vec<f64> = (0..n)
        .map(|k| {
            if k == 0 {
                logp_char(run[0].1)
            } else {
                logp_pair(run[k - 1].1, run[k].1)
            }
        })
        .collect();
    // text that reads well everywhere (every four characters) is not worth reading shifted
    let worst = s_o
        .windows(MIN_CHARS.min(n))
        .map(|w| w.iter().sum::<f64>() / MIN_CHARS as f64)
        .fold(f64::INFINITY, f64::min);
    if worst > SKIP_ABOVE {
        return;
    }
    let h: Vec<Option<char>> = (0..n - 1)
        .map(|j| decode2(run[j].2[1], run[j + 1].2[0]))
        .collect();
    let s_s: Vec<f64> = (0..n - 1)
        .map(|j| match (j.checked_sub(1).and_then(|p| h[p]), h[j]) {
            (_, None) => INVALID,
            (Some(p), Some(c)) => logp_pair(p, c),
            (None, Some(c)) => logp_char(c),
        })
        .collect();
    let min_len = if short { SHORT_RUN - 1 } else { MIN_CHARS - 1 };
    find(run, &s_o, &h, &s_s, 0, n - 1, min_len, out);
}

/// The best stretch among shifted positions `lo..hi`, then the stretches left and right of it.
#[allow(clippy::too_many_arguments)]
fn find(
    run: &[(usize, char, [u8; 2])],
    s_o: &[f64],
    h: &[Option<char>],
    s_s: &[f64],
    lo: usize,
    hi: usize,
    min_len: usize,
    out: &mut Vec<Suspect>,
) {
    if hi <= lo || hi - lo < min_len {
        return;
    }
    // Kadane: shifted j ∈ [a, b) against characters k ∈ [a+1, b]
    let (mut best, mut best_a, mut best_b) = (0.0f64, lo, lo);
    let (mut cur, mut cur_a) = (0.0f64, lo);
    for j in lo..hi {
        let g = s_s[j] - s_o[j + 1];
        if cur <= 0.0 {
            cur = g;
            cur_a = j;
        } else {
            cur += g;
        }
        if cur > best {
            (best, best_a, best_b) = (cur, cur_a, j + 1);
        }
    }
    let (a, b) = (best_a, best_b);
    let len = b - a;
    if len >= min_len {
        let shifted: f64 = s_s[a..b].iter().sum::<f64>() / len as f64;
        let standing: f64 = s_o[a..=b].iter().sum::<f64>() / (len + 1) as f64;
        let gain = shifted - standing;
        let all_valid = h[a..b].iter().all(Option::is_some);
        let needed = if len < MIN_CHARS - 1 {
            SHORT_FLAG_GAIN
        } else {
            FLAG_GAIN
        };
        if gain >= needed && all_valid {
            let candidate: String = h[a..b].iter().flatten().collect();
            let end = run[b].0 + run[b].1.len_utf8();
            out.push(Suspect {
                start: run[a].0,
                end,
                candidate,
                certain: gain >= REPAIR_GAIN && shifted >= REPAIR_FLOOR && len >= MIN_CHARS,
                gain,
            });
            find(
                run,
                s_o,
                h,
                s_s,
                lo,
                a.saturating_sub(1).max(lo),
                min_len,
                out,
            );
            find(run, s_o, h, s_s, (b + 1).min(hi), hi, min_len, out);
            out.sort_by_key(|s| s.start);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_issue_example() {
        let s = suspects("他们?cè)诒救俗栽傅那疤嵯?签订协议");
        assert_eq!(s.len(), 1, "{s:?}");
        assert!(s[0].candidate.contains("本人自愿的前提"), "{s:?}");
        assert!(s[0].certain, "{s:?}");
    }

    #[test]
    fn clean_text_has_no_suspects() {
        for t in [
            "社区充分发挥调解委员会作用，依照及时排查、各负其责、工作在前、预防为主的工作原则加强组织协调",
            "全年共受理各类纠纷十二起，调解成功十起，调解成功率达到百分之八十以上。",
            "社區服務中心為居民辦實事",
        ] {
            assert!(suspects(t).is_empty(), "{t}: {:?}", suspects(t));
        }
    }
}
