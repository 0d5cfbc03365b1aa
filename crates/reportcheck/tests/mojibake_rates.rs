//! Repair and false-repair rates of the mojibake check. Known sentences (written here, and the
//! sentences of the two corpus documents the bigram table was not built from) are encoded as GBK and
//! decoded one byte off, both ways (one byte late: the first byte lost; one byte early: a stray byte
//! before), the undecodable bytes becoming "?" as web converters write them. A garbled line counts as
//! repaired when the cleaned line is within 3 character edits of the sentence (the half characters at
//! the edges are lost), as caught when it is repaired or flagged; a clean line is falsely repaired when
//! the mojibake step changes it, falsely flagged when it is flagged.

use std::path::PathBuf;

use reportcheck::clean::{clean, CleanOptions};
use reportcheck::model::Line;
use reportcheck::{ChangeKind, Rule};

const WRITTEN: &[&str] = &[
    "在本人自愿的前提下签订协议",
    "社区党委坚持以党建引领基层治理，推动各项工作落到实处",
    "全年共组织志愿服务活动，参与居民人数明显增加",
    "我们深入开展矛盾纠纷排查调处工作，做到小事不出网格",
    "加强对独居老人和困难家庭的走访慰问，及时解决实际困难",
    "进一步完善社区服务中心的功能，为居民提供便捷的服务",
    "积极推进垃圾分类工作，居民的环保意识不断增强",
    "社区工作者队伍建设得到加强，服务能力有了明显提升",
    "坚持每月召开居民议事会，广泛听取群众的意见和建议",
    "开展安全生产大检查，及时消除各类安全隐患",
    "组织辖区单位共同参与社区建设，形成共建共享的良好局面",
    "做好退役军人服务保障工作，落实各项优待政策",
    "加大文明城市创建力度，改善社区环境卫生面貌",
    "认真做好低保对象的审核和动态管理工作",
    "依托网格化管理平台，及时发现并处置各类问题",
    "社区卫生服务站为老年人开展免费健康体检",
    "通过多种形式宣传法律知识，提高居民的法治意识",
    "积极培育社区社会组织，激发居民参与社区治理的热情",
    "完善应急预案，定期开展消防演练和防汛演练",
    "关心关爱未成年人健康成长，开办四点半课堂",
];

fn corpus_sentences() -> Vec<String> {
    let dir = std::env::var_os("SHEQU_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        });
    let mut out = Vec::new();
    for name in ["community-speeches-b.txt", "community-surveys-c.txt"] {
        let text = std::fs::read_to_string(dir.join(name)).expect("corpus file");
        for s in text.split(['。', '\n', '；', '！', '？']) {
            let s = s.trim();
            let han = s
                .chars()
                .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
                .count();
            if han >= 8 && s.chars().count() <= 80 && !encoding_rs::GBK.encode(s).2 {
                out.push(s.to_string());
            }
        }
    }
    out
}

fn garble(s: &str, early: bool) -> String {
    let (bytes, _, _) = encoding_rs::GBK.encode(s);
    let shifted: Vec<u8> = if early {
        std::iter::once(0xACu8)
            .chain(bytes.iter().copied())
            .collect()
    } else {
        bytes[1..].to_vec()
    };
    encoding_rs::GBK
        .decode_without_bom_handling(&shifted)
        .0
        .replace('\u{fffd}', "?")
}

fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            cur[j] = (prev[j] + 1)
                .min(cur[j - 1] + 1)
                .min(prev[j - 1] + usize::from(a[i - 1] != b[j - 1]));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// (text after the mojibake step, changed, flagged)
fn run(text: &str) -> (String, bool, bool) {
    let opts = CleanOptions {
        boilerplate: false,
        mojibake: true,
        pinyin: false,
        t2s: false,
        quotes: false,
        punctuation: false,
    };
    let (lines, changes, flagged) = clean(
        vec![Line {
            no: 1,
            text: text.to_string(),
        }],
        &opts,
    );
    let changed = changes.iter().any(|c| c.kind == ChangeKind::Mojibake);
    let flagged = flagged.iter().any(|f| f.rule == Rule::Mojibake);
    (lines[0].text.clone(), changed, flagged)
}

struct Rates {
    n: usize,
    repaired: usize,
    caught: usize,
    clean_n: usize,
    false_repair: usize,
    false_flag: usize,
}

/// Characters read out of step: those before the first ASCII character (which puts the reading back in step).
fn garbled_len(s: &str) -> usize {
    s.chars().take_while(|c| !c.is_ascii()).count()
}

fn measure(sentences: &[String]) -> Rates {
    let mut r = Rates {
        n: 0,
        repaired: 0,
        caught: 0,
        clean_n: 0,
        false_repair: 0,
        false_flag: 0,
    };
    for s in sentences {
        for early in [false, true] {
            let g = garble(s, early);
            let (out, changed, flagged) = run(&g);
            r.n += 1;
            if changed && edits(&out, s) <= 3 {
                r.repaired += 1;
            }
            if changed || flagged {
                r.caught += 1;
            }
        }
        let (out, changed, flagged) = run(s);
        r.clean_n += 1;
        if changed || out != *s {
            r.false_repair += 1;
        }
        if flagged {
            r.false_flag += 1;
        }
    }
    r
}

fn report(name: &str, r: &Rates) -> (f64, f64, f64, f64) {
    let rate = |a: usize, b: usize| a as f64 / b.max(1) as f64;
    let (rep, cau, fr, ff) = (
        rate(r.repaired, r.n),
        rate(r.caught, r.n),
        rate(r.false_repair, r.clean_n),
        rate(r.false_flag, r.clean_n),
    );
    println!(
        "{name}: {} garbled lines (both directions): repaired {:.1}%, repaired or flagged {:.1}%; {} clean lines: falsely repaired {:.2}%, falsely flagged {:.2}%",
        r.n,
        rep * 100.0,
        cau * 100.0,
        r.clean_n,
        fr * 100.0,
        ff * 100.0
    );
    (rep, cau, fr, ff)
}

#[test]
fn repair_and_false_repair_rates() {
    let written: Vec<String> = WRITTEN.iter().map(|s| s.to_string()).collect();
    let (rep, cau, fr, ff) = report("written sentences", &measure(&written));
    assert!(rep >= 0.9 && cau >= 0.95 && fr == 0.0 && ff == 0.0);
    let corpus = corpus_sentences();
    assert!(corpus.len() > 300, "{}", corpus.len());
    let all = measure(&corpus);
    report("held-out corpus sentences, all", &all);
    // an ASCII character (the corpus writes "," and digits) puts the reading back in step: a garbled
    // stretch of 2–5 characters gives too little to judge; rates over stretches of 6 or more
    let long: Vec<String> = corpus
        .iter()
        .filter(|s| garbled_len(s) >= 6)
        .cloned()
        .collect();
    let (rep, cau, fr, ff) = report(
        "held-out corpus sentences, garbled stretch of 6+ characters",
        &measure(&long),
    );
    let short: Vec<String> = corpus
        .iter()
        .filter(|s| garbled_len(s) < 6)
        .cloned()
        .collect();
    report(
        "held-out corpus sentences, garbled stretch under 6",
        &measure(&short),
    );
    assert!(rep >= 0.95, "repair rate {rep}");
    assert!(cau >= 0.98, "caught {cau}");
    assert!(all.false_repair == 0 && all.false_flag <= all.clean_n / 100);
    assert!(fr <= 0.002, "false repairs {fr}");
    assert!(ff <= 0.01, "false flags {ff}");
}
