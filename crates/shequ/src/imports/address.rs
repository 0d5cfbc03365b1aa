//! Where a row lives, as a sheet writes it: 小区, 楼栋, 单元, 门牌 in their own columns, or one detailed address
//! in the 门牌 column ("阳光小区3号楼2单元501室"). Names are matched against the tree by a key that ignores the
//! ways people write the same place ("3", "3栋", "3幢", "3号楼" are one building).

/// The place a row names, each part as written (trimmed), empty when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub estate: String,
    pub building: String,
    pub unit: String,
    pub room: String,
}

impl Place {
    /// From the four columns; a detailed address in 门牌 fills the parts the other columns left empty.
    pub fn from_columns(estate: &str, building: &str, unit: &str, room: &str) -> Place {
        let mut p = Place {
            estate: estate.trim().to_string(),
            building: building.trim().to_string(),
            unit: unit.trim().to_string(),
            room: room.trim().to_string(),
        };
        if p.building.is_empty() {
            // The estate in its own column and the rest in 门牌 ("11栋1单元502"): read them as one address.
            let parsed = parse_detail(&p.room).or_else(|| {
                (!p.estate.is_empty())
                    .then(|| parse_detail(&format!("{}{}", p.estate, p.room)))
                    .flatten()
            });
            if let Some(parsed) = parsed {
                if p.estate.is_empty() {
                    p.estate = parsed.estate;
                }
                p.building = parsed.building;
                if p.unit.is_empty() {
                    p.unit = parsed.unit;
                }
                p.room = parsed.room;
            }
        } else if !p.estate.is_empty() && p.room.starts_with(&p.estate) {
            // A 门牌 column holding the whole address while the other columns are filled too.
            if let Some(parsed) = parse_detail(&p.room) {
                p.room = parsed.room;
            }
        }
        p
    }

    pub fn is_empty(&self) -> bool {
        self.estate.is_empty() && self.building.is_empty() && self.room.is_empty()
    }
}

const BUILDING_SUFFIXES: &[&str] = &["号楼", "栋", "幢", "座", "号"];
const UNIT_SUFFIXES: &[&str] = &["单元"];
const ROOM_SUFFIXES: &[&str] = &["室", "号", "户"];

/// Splits "阳光小区3号楼2单元501室" into its parts; None when no building marker is found.
pub fn parse_detail(text: &str) -> Option<Place> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    // The building is the last run of digits (or letters) followed by a building marker.
    let (b_start, b_end) = find_marked(&t, &["号楼", "栋", "幢", "座"])?;
    let estate = t[..b_start].trim_end_matches(['-', '—']).to_string();
    let building = t[b_start..b_end].to_string();
    let rest = t[b_end..].trim_start_matches(['-', '—']);
    let (unit, room) = match rest.find("单元") {
        Some(i) => (
            rest[..i + "单元".len()].to_string(),
            rest[i + "单元".len()..].trim_start_matches(['-', '—']),
        ),
        None => (String::new(), rest),
    };
    if estate.is_empty() || room.is_empty() {
        return None;
    }
    Some(Place {
        estate,
        building,
        unit,
        room: room.to_string(),
    })
}

/// The byte range of "<digits or ASCII letters><marker>", the first such marker in the text.
fn find_marked(t: &str, markers: &[&str]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for m in markers {
        let mut from = 0;
        while let Some(pos) = t[from..].find(m) {
            let at = from + pos;
            let start = t[..at]
                .char_indices()
                .rev()
                .take_while(|(_, c)| c.is_ascii_alphanumeric())
                .last()
                .map(|(i, _)| i);
            if let Some(start) = start {
                if best.is_none_or(|(s, _)| start < s) {
                    best = Some((start, at + m.len()));
                }
                break;
            }
            from = at + m.len();
        }
    }
    best
}

fn strip_suffixes<'a>(s: &'a str, suffixes: &[&str]) -> &'a str {
    for suf in suffixes {
        if let Some(stem) = s.strip_suffix(suf) {
            if !stem.is_empty() {
                return stem;
            }
        }
    }
    s
}

/// The key two spellings of one building share: "3号楼", "3栋", "3幢" and "3" → "3".
pub fn building_key(name: &str) -> String {
    key(strip_suffixes(name.trim(), BUILDING_SUFFIXES))
}

pub fn unit_key(name: &str) -> String {
    key(strip_suffixes(name.trim(), UNIT_SUFFIXES))
}

pub fn room_key(name: &str) -> String {
    key(strip_suffixes(name.trim(), ROOM_SUFFIXES))
}

pub fn estate_key(name: &str) -> String {
    key(name.trim())
}

fn key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '—'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The name a new building gets: bare digits get the 号楼 that the demo data and most communities use.
pub fn building_name(given: &str) -> String {
    with_suffix(given, "号楼")
}

pub fn unit_name(given: &str) -> String {
    with_suffix(given, "单元")
}

fn with_suffix(given: &str, suffix: &str) -> String {
    let g = given.trim();
    if !g.is_empty() && g.chars().all(|c| c.is_ascii_alphanumeric()) {
        format!("{g}{suffix}")
    } else {
        g.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_address_is_split() {
        let p = parse_detail("阳光小区3号楼2单元501室").unwrap();
        assert_eq!(
            (
                p.estate.as_str(),
                p.building.as_str(),
                p.unit.as_str(),
                p.room.as_str()
            ),
            ("阳光小区", "3号楼", "2单元", "501室")
        );
        let p = parse_detail("幸福里 12栋 0302").unwrap();
        assert_eq!((p.estate.as_str(), p.building.as_str()), ("幸福里", "12栋"));
        assert_eq!((p.unit.as_str(), p.room.as_str()), ("", "0302"));
        assert!(parse_detail("501").is_none());
        assert!(parse_detail("3号楼501").is_none(), "no estate");
    }

    #[test]
    fn columns_win_and_detail_fills() {
        let p = Place::from_columns("", "", "", "阳光小区3号楼2单元501室");
        assert_eq!(p.building, "3号楼");
        let p = Place::from_columns("阳光小区", "3栋", "2", "501");
        assert_eq!(
            (p.building.as_str(), p.unit.as_str(), p.room.as_str()),
            ("3栋", "2", "501")
        );
        let p = Place::from_columns("阳光小区", "3栋", "2", "阳光小区3栋2单元501");
        assert_eq!(p.room, "501");
        // the estate in its column, building, unit and room in 现住详细门牌
        let p = Place::from_columns("阳光小区", "", "", "11栋1单元502");
        assert_eq!(
            (
                p.estate.as_str(),
                p.building.as_str(),
                p.unit.as_str(),
                p.room.as_str()
            ),
            ("阳光小区", "11栋", "1单元", "502")
        );
    }

    #[test]
    fn keys_ignore_spelling() {
        assert_eq!(building_key("3号楼"), building_key("3"));
        assert_eq!(building_key("3栋"), building_key("3幢"));
        assert_eq!(unit_key("2单元"), unit_key("2"));
        assert_eq!(room_key("501室"), room_key("501"));
        assert_eq!(building_name("3"), "3号楼");
        assert_eq!(building_name("A座"), "A座");
        assert_eq!(unit_name("2"), "2单元");
    }
}
