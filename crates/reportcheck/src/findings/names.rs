//! Named people in sensitive contexts: party members listed by name, residents under correction or
//! released from prison, petitioners, drug users, a person's belief or health. Sentences holding a
//! context word are segmented with jieba (its dictionary and part-of-speech model, `nr` = person name);
//! a name is a `nr` word, or a surname character followed by a short given name, whose first character
//! is a common surname; masked names (张某, 李XX), titles (王书记) and places (王府井街道) are not names.

use std::sync::OnceLock;

use jieba_rs::Jieba;
use regex::Regex;

use crate::model::{Finding, Line, Rule};

/// Common Chinese surnames (single characters; two-character ones start with one of these too).
pub const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由";

/// A sensitive category: its name in messages and its context words.
struct Category {
    name: &'static str,
    re: Regex,
}

fn categories() -> &'static [Category] {
    static C: OnceLock<Vec<Category>> = OnceLock::new();
    C.get_or_init(|| {
        [
            ("社区矫正或刑满释放人员", "社区矫正|矫正人员|矫正对象|刑满释放|刑释|安置帮教|服刑|缓刑|假释"),
            ("信访人", "上访|信访|访民|越级访|缠访|闹访"),
            ("吸毒或戒毒人员", "吸毒|戒毒|涉毒"),
            (
                "健康状况",
                "患有|患病|患者|病人|精神病|精神障碍|精神疾病|残疾|瘫痪|癌症|艾滋|糖尿病|高血压|重病|大病|住院|失能|失智",
            ),
            ("宗教信仰", "信仰|信教|基督教|天主教|佛教|伊斯兰教|道教|宗教|信徒|礼拜|邪教"),
            ("党员身份", "党员|入党|预备党员|积极分子|发展对象|党籍"),
        ]
        .into_iter()
        .map(|(name, re)| Category {
            name,
            re: Regex::new(re).unwrap(),
        })
        .collect()
    })
}

fn any_context() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let all: Vec<&str> = categories().iter().map(|c| c.re.as_str()).collect();
        Regex::new(&all.join("|")).unwrap()
    })
}

/// The segmenter with its dictionary, loaded once.
pub fn jieba() -> &'static Jieba {
    static J: OnceLock<Jieba> = OnceLock::new();
    J.get_or_init(Jieba::new)
}

/// Words after a surname that make a title, not a name (王书记, 李大爷).
const TITLES: &[&str] = &[
    "书记", "主任", "同志", "大爷", "大妈", "阿姨", "老师", "师傅", "奶奶", "爷爷", "先生", "女士",
    "部长", "科长", "局长", "委员", "老人", "大姐", "大哥", "某", "家", "氏", "总", "姓",
];
/// Words after a name that make it a place (王府井街道).
const PLACES: &[&str] = &[
    "街道", "社区", "小区", "路", "街", "村", "镇", "市", "县", "区", "乡", "庄", "湾", "桥", "园",
    "公园", "胡同",
];

/// Words right before a name that introduce a person (居民李红梅, 老党员张春增, 矫正对象:王某某).
const ROLE_BEFORE: &[&str] = &[
    "居民",
    "村民",
    "群众",
    "党员",
    "人员",
    "对象",
    "患者",
    "病人",
    "老人",
    "户主",
    "信访人",
    "上访户",
    "上访人",
    "访民",
    "家属",
    "儿子",
    "女儿",
    "丈夫",
    "妻子",
    "分子",
    "志愿者",
    "信徒",
    "教徒",
    "：",
    ":",
    "（",
    "(",
];
/// Words right after a name that say something about that person (张三同志, 李四系刑满释放人员).
const ROLE_AFTER: &[&str] = &[
    "同志",
    "系",
    "患",
    "信仰",
    "信教",
    "因",
    "多次",
    "等人",
    "等同志",
    "（",
    "(",
    "长期",
    "曾",
];

fn introduced_at(before: &str) -> bool {
    ROLE_BEFORE.iter().any(|w| before.ends_with(w))
}

fn han_count(s: &str) -> usize {
    s.chars().filter(|&c| crate::text::is_han(c)).count()
}

fn is_name_tag(tag: &str) -> bool {
    matches!(tag, "nr" | "nrfg" | "nrt")
}

/// Person names in one sentence, as byte ranges.
pub fn names_in(sentence: &str) -> Vec<(usize, usize)> {
    let tags = jieba().tag(sentence, true);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tags.len() {
        let t = &tags[i];
        let first = t.word.chars().next().unwrap_or(' ');
        let surname = SURNAMES.contains(first);
        let mut span = None;
        if surname
            && is_name_tag(t.tag)
            && (2..=3).contains(&han_count(t.word))
            && han_count(t.word) == t.word.chars().count()
        {
            span = Some((t.byte_start, t.byte_end, i + 1));
        } else if surname
            && t.word.chars().count() == 1
            && (t.tag == "nr"
                || introduced_at(&sentence[..t.byte_start])
                    && !matches!(
                        t.tag.chars().next(),
                        Some('c' | 'p' | 'd' | 'u' | 'r' | 'm' | 'q')
                    ))
        {
            // a surname on its own followed by a given name of one or two characters; after a word
            // introducing a person (村民谢春生: 谢/v 春生/n) the segmenter's tags are not needed
            let strong = introduced_at(&sentence[..t.byte_start]);
            if let Some(n) = tags.get(i + 1) {
                let given = n.word.chars().count();
                let ok_tag = is_name_tag(n.tag)
                    || !matches!(
                        n.tag.chars().next(),
                        Some(
                            'v' | 'p'
                                | 'c'
                                | 'u'
                                | 'd'
                                | 'r'
                                | 'm'
                                | 'q'
                                | 'x'
                                | 'f'
                                | 'y'
                                | 'e'
                                | 'o'
                        )
                    )
                    || strong
                        && !matches!(
                            n.tag.chars().next(),
                            Some('x' | 'm' | 'u' | 'p' | 'c' | 'q')
                        );
                if (1..=2).contains(&given) && han_count(n.word) == given && ok_tag {
                    span = Some((t.byte_start, n.byte_end, i + 2));
                }
            }
        }
        let Some((s, e, next)) = span else {
            i += 1;
            continue;
        };
        let name = &sentence[s..e];
        let rest = &sentence[e..];
        let given = &name[first.len_utf8()..];
        let masked = name.contains(['某', 'X', 'x', '*', '×', '＊']);
        let title = TITLES
            .iter()
            .any(|w| given.starts_with(w) || rest.starts_with(w) && *w != "同志" && *w != "家");
        let place = PLACES.iter().any(|w| rest.starts_with(w));
        let before = &sentence[..s];
        let in_title = before.matches('《').count() > before.matches('》').count();
        let listed = out.last().is_some_and(|&(_, pe)| {
            let gap = &sentence[pe..s];
            gap == "、" || gap == "," || gap == "，" || gap == "同志、"
        });
        let introduced = introduced_at(before);
        let followed = ROLE_AFTER.iter().any(|w| rest.starts_with(w));
        if !masked && !title && !place && !in_title && (listed || introduced || followed) {
            out.push((s, e));
        }
        i = next;
    }
    out
}

fn split_sentences(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, c) in text.char_indices() {
        if matches!(c, '。' | '；' | '！' | '？' | ';' | '!' | '?') {
            parts.push((start, &text[start..i + c.len_utf8()]));
            start = i + c.len_utf8();
        }
    }
    if start < text.len() {
        parts.push((start, &text[start..]));
    }
    parts.into_iter()
}

/// Named-person findings of one line.
pub fn check_line(line: &Line, out: &mut Vec<Finding>) {
    let text = &line.text;
    if !any_context().is_match(text) {
        return;
    }
    for (_, sentence) in split_sentences(text) {
        let Some(cat) = categories().iter().find(|c| c.re.is_match(sentence)) else {
            continue;
        };
        for (s, e) in names_in(sentence) {
            let name = &sentence[s..e];
            // an official named by office in a sentence about party members is not a listed member
            let before = &sentence[..s];
            if cat.name == "党员身份"
                && ["书记", "主任", "委员", "主席"]
                    .iter()
                    .any(|w| before.ends_with(w))
            {
                continue;
            }
            out.push(Finding::new(
                Rule::PersonalNamedPerson,
                line.no,
                crate::text::excerpt(sentence, s, e, 6),
                format!(
                    "“{name}”疑似真实姓名,所在句子涉及{},公开报告中应隐去姓名(如改为“{}某”)。",
                    cat.name,
                    name.chars().next().unwrap()
                ),
            ));
        }
    }
}
