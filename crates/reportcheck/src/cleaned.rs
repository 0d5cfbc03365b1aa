//! The cleaned text as the user takes it away: each cleaned line compared with the line as it came in
//! (a short greedy character diff), shown with the changes highlighted (HTML), and written as .txt and
//! as .docx (changed text highlighted in yellow). [`data_url`] makes a download link of any of them.

use std::io::Write;

use crate::html::escape;
use crate::report::Report;

/// A piece of a cleaned line: unchanged (`before == after`) or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seg {
    pub before: String,
    pub after: String,
}

impl Seg {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

const WINDOW: usize = 48;

/// Pieces of `after` against `before`: equal runs and changed runs, resynchronised on two equal characters.
pub fn diff(before: &str, after: &str) -> Vec<Seg> {
    if before == after {
        return vec![Seg {
            before: before.into(),
            after: after.into(),
        }];
    }
    let (a, b): (Vec<char>, Vec<char>) = (before.chars().collect(), after.chars().collect());
    let mut out: Vec<Seg> = Vec::new();
    let push = |out: &mut Vec<Seg>, x: &[char], y: &[char]| {
        let (x, y): (String, String) = (x.iter().collect(), y.iter().collect());
        let same = x == y;
        match out.last_mut() {
            Some(l) if l.changed() != same => {
                l.before.push_str(&x);
                l.after.push_str(&y);
            }
            _ => out.push(Seg {
                before: x,
                after: y,
            }),
        }
    };
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            push(&mut out, &a[i..=i], &b[j..=j]);
            i += 1;
            j += 1;
            continue;
        }
        // the nearest point where two characters agree again
        let mut best: Option<(usize, usize)> = None;
        'search: for total in 1..=2 * WINDOW {
            for di in 0..=total.min(WINDOW) {
                let dj = total - di;
                if dj > WINDOW {
                    continue;
                }
                let (x, y) = (i + di, j + dj);
                let at_end = x == a.len() && y == b.len();
                if at_end
                    || x + 1 < a.len() && y + 1 < b.len() && a[x] == b[y] && a[x + 1] == b[y + 1]
                {
                    best = Some((x, y));
                    break 'search;
                }
            }
        }
        let (x, y) = best.unwrap_or((a.len(), b.len()));
        push(&mut out, &a[i..x], &b[j..y]);
        (i, j) = (x, y);
    }
    push(&mut out, &a[i..], &b[j..]);
    out.retain(|s| !(s.before.is_empty() && s.after.is_empty()));
    out
}

/// Each cleaned line (its number in the input) with its pieces.
pub fn segments(r: &Report) -> Vec<(usize, Vec<Seg>)> {
    r.cleaned_text
        .split('\n')
        .zip(&r.line_numbers)
        .map(|(text, &no)| {
            let original = r
                .original_lines
                .get(no - 1)
                .map(String::as_str)
                .unwrap_or(text);
            (no, diff(original, text))
        })
        .collect()
}

/// The cleaned text as HTML, changes in `<mark>` (the original in the title), deletions struck through.
pub fn cleaned_html(r: &Report) -> String {
    let mut out = String::from(
        "<section class=\"cleaned\">\n<h3>清理后的文本</h3>\n<p class=\"muted\">标记处为清理时的修改(鼠标悬停可见原文),删除线为删除的内容。</p>\n<div class=\"cleaned-text\">\n",
    );
    for (no, segs) in segments(r) {
        out.push_str(&format!("<p data-line=\"{no}\">"));
        for s in segs {
            if !s.changed() {
                out.push_str(&escape(&s.after));
            } else if s.after.is_empty() {
                out.push_str(&format!("<del>{}</del>", escape(&s.before)));
            } else {
                out.push_str(&format!(
                    "<mark title=\"原文:{}\">{}</mark>",
                    escape(&s.before),
                    escape(&s.after)
                ));
            }
        }
        out.push_str("</p>\n");
    }
    out.push_str("</div>\n</section>\n");
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .chars()
        .filter(|&c| matches!(c, '\t' | '\n' | '\r') || c >= ' ')
        .collect()
}

fn run(text: &str, highlight: bool) -> String {
    let hl = if highlight {
        "<w:highlight w:val=\"yellow\"/>"
    } else {
        ""
    };
    format!(
        "<w:r><w:rPr><w:rFonts w:ascii=\"宋体\" w:eastAsia=\"宋体\" w:hAnsi=\"宋体\"/>{hl}</w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
        xml(text)
    )
}

/// The cleaned text as a Word document; changed text highlighted in yellow.
pub fn cleaned_docx(r: &Report) -> Vec<u8> {
    let mut body = String::new();
    for (_, segs) in segments(r) {
        body.push_str("<w:p>");
        for s in segs.iter().filter(|s| !s.after.is_empty()) {
            body.push_str(&run(&s.after, s.changed()));
        }
        body.push_str("</w:p>");
    }
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}<w:sectPr/></w:body></w:document>"
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default();
        let files = [
            ("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>".to_string()),
            ("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>".to_string()),
            ("word/document.xml", document),
        ];
        for (name, content) in files {
            zip.start_file(name, opts).expect("zip entry");
            zip.write_all(content.as_bytes()).expect("zip write");
        }
        zip.finish().expect("zip finish");
    }
    buf.into_inner()
}

/// A `data:` URL (base64) for a download link.
pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + mime.len() + 16);
    out.push_str("data:");
    out.push_str(mime);
    out.push_str(";base64,");
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= c.len() {
                out.push(T[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_changes() {
        let d = diff(
            "社區(qū)服务,开展?四个一?活动",
            "社区服务，开展“四个一”活动",
        );
        let changed: Vec<(&str, &str)> = d
            .iter()
            .filter(|s| s.changed())
            .map(|s| (s.before.as_str(), s.after.as_str()))
            .collect();
        assert_eq!(
            changed,
            [("區(qū)", "区"), (",", "，"), ("?", "“"), ("?", "”")]
        );
        assert_eq!(diff("不变", "不变").len(), 1);
    }

    #[test]
    fn base64() {
        assert_eq!(
            data_url("text/plain", b"Man"),
            "data:text/plain;base64,TWFu"
        );
        assert_eq!(data_url("t", b"Ma"), "data:t;base64,TWE=");
        assert_eq!(data_url("t", b"M"), "data:t;base64,TQ==");
    }
}
