//! Character statistics of Chinese text: how likely a character is, and how likely it follows another
//! (bigrams), from `data/bigrams.bin` (built by `tools/bigrams.py` from jieba's word list and a corpus
//! report; compiled into the crate). Scores are log2 probabilities per character.

use std::sync::OnceLock;

static DATA: &[u8] = include_bytes!("../../../data/bigrams.bin");
const BASE: u32 = 0x4E00;
const SIZE: usize = 0x5200;
/// Weight of the bigram against the unigram in the interpolated probability.
const LAMBDA: f64 = 0.9;

struct Tables {
    total: f64,
    /// Open-addressing hash table of the pairs: key + 1 (0 = empty) and its count.
    slots: Vec<(u32, f32)>,
}

const SLOT_BITS: u32 = 19;

fn slot_of(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> (32 - SLOT_BITS)) as usize
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let total = DATA[..SIZE].iter().map(|&q| count(q)).sum();
        let n = u32::from_le_bytes(DATA[SIZE..SIZE + 4].try_into().unwrap()) as usize;
        let mut slots = vec![(0u32, 0f32); 1 << SLOT_BITS];
        let mask = (1usize << SLOT_BITS) - 1;
        for i in 0..n {
            let key = key_at(i);
            let mut s = slot_of(key);
            while slots[s].0 != 0 {
                s = (s + 1) & mask;
            }
            slots[s] = (key + 1, count(DATA[SIZE + 4 + 4 * n + i]) as f32);
        }
        Tables { total, slots }
    })
}

fn count(q: u8) -> f64 {
    (q as f64 / 8.0).exp2() - 1.0
}

fn index(c: char) -> Option<u32> {
    let cp = c as u32;
    (BASE..BASE + SIZE as u32).contains(&cp).then(|| cp - BASE)
}

fn key_at(i: usize) -> u32 {
    let off = SIZE + 4 + 4 * i;
    u32::from_le_bytes(DATA[off..off + 4].try_into().unwrap())
}

/// How often `a` is followed by `b` (0 when not in the table).
fn pair_count(a: u32, b: u32) -> f64 {
    let t = tables();
    let key = (a << 16 | b) + 1;
    let mask = t.slots.len() - 1;
    let mut s = slot_of(key - 1);
    loop {
        match t.slots[s] {
            (0, _) => return 0.0,
            (k, c) if k == key => return c as f64,
            _ => s = (s + 1) & mask,
        }
    }
}

/// Common Chinese punctuation (and full-width digits): ordinary in running text.
fn is_ordinary_symbol(c: char) -> bool {
    "，。、；：？！“”‘’（）《》—…·０１２３４５６７８９".contains(c)
}

/// Probability of a character on its own.
fn p_char(c: char) -> f64 {
    let t = tables();
    match index(c) {
        Some(i) => {
            let n = count(DATA[i as usize]);
            // characters never seen (rare or not in the list) still get a small share
            n.max(0.5) / t.total
        }
        None if is_ordinary_symbol(c) => 1.0 / 64.0,
        None => 1.0 / (1u64 << 26) as f64,
    }
}

/// log2 probability of `c` on its own.
pub fn logp_char(c: char) -> f64 {
    p_char(c).log2()
}

/// log2 probability of `b` after `a`.
pub fn logp_pair(a: char, b: char) -> f64 {
    let pb = p_char(b);
    match (index(a), index(b)) {
        (Some(ia), Some(ib)) => {
            let ca = count(DATA[ia as usize]);
            let cond = if ca > 0.0 {
                pair_count(ia, ib) / ca
            } else {
                0.0
            };
            (LAMBDA * cond + (1.0 - LAMBDA) * pb).log2()
        }
        _ => pb.log2(),
    }
}

/// Mean log2 probability per character of `chars` (0 for an empty slice).
pub fn mean_logp(chars: &[char]) -> f64 {
    if chars.is_empty() {
        return 0.0;
    }
    let mut sum = logp_char(chars[0]);
    for w in chars.windows(2) {
        sum += logp_pair(w[0], w[1]);
    }
    sum / chars.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> f64 {
        mean_logp(&s.chars().collect::<Vec<_>>())
    }

    #[test]
    fn chinese_reads_better_than_mojibake() {
        let good = m("在本人自愿的前提下签订协议");
        let bad = m("诒救俗栽傅那疤嵯");
        assert!(good > bad + 4.0, "{good} {bad}");
        assert!(logp_pair('社', '区') > logp_pair('社', '诒') + 5.0);
    }
}
