//! Strips web boilerplate: source lines (来源:), 转载 notices, "本文由…整理", reading guides (导读),
//! "N位用户关注", breadcrumbs, download-page metadata, site names and URLs.
//! "第N篇" headers are document structure and stay.

use std::sync::OnceLock;

use regex::Regex;

use crate::model::{Change, ChangeKind, Line};
use crate::text::head;

fn whole_line() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"^\s*(?:",
            r"(?:文章|信息|稿件|新闻)?来源(?:于)?\s*[:\x{ff1a}]|出处\s*[:\x{ff1a}]|(?:责任)?编辑\s*[:\x{ff1a}]|作者\s*[:\x{ff1a}]|",
            r"(?:网友)?发[表布](?:时间|日期)|浏览(?:次数|量)|阅读(?:次数|量)\s*[:\x{ff1a}]|",
            r"[【\[]?(?:阅读指引|导读|阅读提示|内容提要|温馨提示)[】\]]?|",
            r"本文(?:由|来自|转载|系).{0,40}(?:整理|发布|提供|转载|编辑)|",
            r"\d+\s*(?:位用户关注|人(?:已)?(?:阅读|关注|浏览|下载|收藏)|次(?:阅读|浏览|下载))\s*$|",
            r"首页\s*[>\x{ff1e}›»]|",
            r"(?:相关推荐|热门文档|相关文章|相关阅读|猜你喜欢|推荐阅读|上一篇|下一篇|返回顶部|返回列表|点击下载|下载文档|下载本文|分享到|收藏本文|本文标签|免责声明|版权声明)|",
            r"-?\s*(?:格式|大小|文档页数|页数|文件大小)\s*[:\x{ff1a}]|",
            r"\d+\s+\d+\s*$",
            r")"
        ))
        .unwrap()
    })
}

fn reprint() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"转载|版权归|侵删|如有侵权").unwrap())
}

fn site_name() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^[\p{Han}A-Za-z0-9]{0,12}(?:范文网|文库|题库|文秘网|写作网|文档网|资料网|范文大全|网友)[\p{Han}A-Za-z0-9]{0,6}$").unwrap()
    })
}

fn url() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?:https?://|www\.)[A-Za-z0-9./?=&%_#:~+-]+").unwrap())
}

/// Is the whole line boilerplate?
pub fn is_boilerplate_line(text: &str) -> bool {
    let t = text.trim();
    if t.is_empty() || t.starts_with('第') && t.contains('篇') && t.chars().count() < 40 {
        return false;
    }
    let short = t.chars().count() <= 60;
    whole_line().is_match(t) || (short && reprint().is_match(t)) || site_name().is_match(t)
}

/// Remove boilerplate lines and URLs; returns the lines kept.
pub fn strip(lines: Vec<Line>, changes: &mut Vec<Change>) -> Vec<Line> {
    let mut kept = Vec::with_capacity(lines.len());
    for mut line in lines {
        if is_boilerplate_line(&line.text) {
            changes.push(Change {
                kind: ChangeKind::Boilerplate,
                line: line.no,
                before: head(line.text.trim(), 40),
                after: String::new(),
                count: 1,
            });
            continue;
        }
        if line.text.contains("http") || line.text.contains("www.") {
            let replaced = url().replace_all(&line.text, "").to_string();
            if replaced != line.text {
                let urls: Vec<&str> = url().find_iter(&line.text).map(|m| m.as_str()).collect();
                changes.push(Change {
                    kind: ChangeKind::Boilerplate,
                    line: line.no,
                    before: urls.join(" "),
                    after: String::new(),
                    count: urls.len(),
                });
                let only_punct = replaced.chars().all(|c| !c.is_alphanumeric());
                if only_punct {
                    continue;
                }
                line.text = replaced;
            }
        }
        kept.push(line);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boilerplate_lines() {
        for s in [
            "来源:某某网",
            "文章来源:社区网",
            "本文由范文网小编整理",
            "【阅读指引】网友为您分享整理的范文资料",
            "导读:本文介绍了社区工作",
            "13位用户关注",
            "首页 > 工作范文 > 总结报告 >",
            "相关推荐",
            "- 格式:doc",
            "- 大小:31.50 KB",
            "网友发表时间 226333",
            "35 226333",
            "转载请注明出处",
            "第一范文网",
        ] {
            assert!(is_boilerplate_line(s), "{s}");
        }
    }

    #[test]
    fn content_lines_stay() {
        for s in [
            "第1篇 2023社区建设工作报告",
            "社区调查报告【第一篇】",
            "一、加强领导,落实责任,推进平安建设深入开展。",
            "社区共有居民5047户17875人。",
            "针对当前居民普遍关注的老旧小区管理问题,提议推进网格化管理。",
            "2023年3月",
            "",
        ] {
            assert!(!is_boilerplate_line(s), "{s}");
        }
    }

    #[test]
    fn urls_removed_and_recorded() {
        let lines = vec![
            Line {
                no: 1,
                text: "详见 https://example.org/a?b=1 的说明".into(),
            },
            Line {
                no: 2,
                text: "www.example.com".into(),
            },
            Line {
                no: 3,
                text: "来源:网络".into(),
            },
            Line {
                no: 4,
                text: "正文".into(),
            },
        ];
        let mut c = Vec::new();
        let kept = strip(lines, &mut c);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].text, "详见  的说明");
        assert_eq!(kept[1].no, 4);
        assert_eq!(c.len(), 3);
        assert_eq!(c[2].line, 3);
    }
}
