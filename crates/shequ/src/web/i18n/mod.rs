//! The user interface speaks Chinese by default; English is selectable. Templates are written in Chinese
//! and wrap each phrase in `t("…")`; `en.tsv` beside this file gives the English for each phrase (a phrase
//! missing there stays Chinese — a test below finds the template phrases that have none).

use std::collections::HashMap;
use std::sync::OnceLock;

fn table() -> &'static HashMap<&'static str, &'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("en.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .collect()
    })
}

/// The English of a Chinese phrase, if the table has it.
pub fn en(zh: &str) -> Option<&'static str> {
    table().get(zh).copied()
}

#[cfg(test)]
mod tests {
    fn chinese(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    /// Every Chinese phrase a template passes to `t(…)` has its English (the English switch is complete).
    #[test]
    fn every_template_phrase_has_english() {
        let mut missing = Vec::new();
        for (name, src) in crate::web::templates::TEMPLATES {
            for quote in ['"', '\''] {
                let open = format!("t({quote}");
                let mut rest = *src;
                while let Some(i) = rest.find(&open) {
                    rest = &rest[i + open.len()..];
                    let Some(end) = rest.find(quote) else { break };
                    let phrase = &rest[..end];
                    if chinese(phrase) && super::en(phrase).is_none() {
                        missing.push(format!("{name}: {phrase}"));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "phrases without English:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn no_phrase_is_listed_twice() {
        let mut seen = std::collections::HashSet::new();
        for l in include_str!("en.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
        {
            // An empty English drops a Chinese particle (第 3 页 → Page 3).
            let (zh, _) = l
                .split_once('\t')
                .unwrap_or_else(|| panic!("no tab in {l}"));
            assert!(seen.insert(zh), "{zh} twice in en.tsv");
        }
    }
}
