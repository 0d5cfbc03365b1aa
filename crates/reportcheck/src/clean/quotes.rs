//! Restores quotation marks that were replaced by "?" (e.g. `?两率一度?` → “两率一度”),
//! only where the pairing is clear: two "?" on a line enclosing a short phrase without punctuation.

use crate::model::{Change, ChangeKind, Line};
use crate::text::{is_cjk_punct, is_han};

const QUESTION_PARTICLES: &[char] = &['吗', '呢', '么', '吧', '啊', '呀', '嘛', '否', '何', '谁'];
const MAX_INNER: usize = 20;

fn is_q(c: char) -> bool {
    c == '?' || c == '\u{ff1f}'
}

/// Restore “…” pairs on one line.
pub fn restore_line(line: &mut Line, changes: &mut Vec<Change>) {
    if !line.text.contains(['?', '\u{ff1f}']) {
        return;
    }
    let chars: Vec<char> = line.text.chars().collect();
    let mut out = chars.clone();
    let mut restored = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_q(chars[i]) {
            i += 1;
            continue;
        }
        let prev = if i == 0 { None } else { Some(chars[i - 1]) };
        let opening_ok = match prev {
            None => true,
            Some(p) => !QUESTION_PARTICLES.contains(&p) && !is_q(p),
        };
        // the partner: next "?" within MAX_INNER characters, no punctuation between
        let mut j = i + 1;
        let mut ok = opening_ok;
        while ok && j < chars.len() && !is_q(chars[j]) {
            let c = chars[j];
            if j - i > MAX_INNER || is_cjk_punct(c) || matches!(c, ',' | '.' | ';' | ':' | '!') {
                ok = false;
            }
            j += 1;
        }
        if ok && j < chars.len() && j > i + 1 {
            let inner = &chars[i + 1..j];
            let last = inner[inner.len() - 1];
            let has_han = inner.iter().any(|&c| is_han(c));
            let next_ok = chars.get(j + 1).is_none_or(|&c| !is_q(c));
            if has_han && !QUESTION_PARTICLES.contains(&last) && next_ok {
                out[i] = '“';
                out[j] = '”';
                restored.push(inner.iter().collect::<String>());
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    if restored.is_empty() {
        return;
    }
    changes.push(Change {
        kind: ChangeKind::Quotes,
        line: line.no,
        before: restored
            .iter()
            .map(|r| format!("?{r}?"))
            .collect::<Vec<_>>()
            .join(" "),
        after: restored
            .iter()
            .map(|r| format!("“{r}”"))
            .collect::<Vec<_>>()
            .join(" "),
        count: restored.len(),
    });
    line.text = out.into_iter().collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> String {
        let mut l = Line {
            no: 1,
            text: s.into(),
        };
        restore_line(&mut l, &mut Vec::new());
        l.text
    }

    #[test]
    fn restores_pairs() {
        assert_eq!(run("提升?两率一度?知晓率"), "提升“两率一度”知晓率");
        assert_eq!(
            run("开展?四个一?活动和?双报到?工作"),
            "开展“四个一”活动和“双报到”工作"
        );
    }

    #[test]
    fn keeps_question_marks() {
        for s in [
            "社区建设情况如何呢?带着这样的问题我们进行了调查。",
            "就业真的难吗?应该注意的是很多人",
            "是行政机构还是服务机构?说是服务机构,却又承担?",
            "怎么办?",
        ] {
            assert_eq!(run(s), s);
        }
    }
}
