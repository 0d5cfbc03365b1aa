//! Invented names and places for the demo data: weighted surnames, given-name characters, street, community
//! and estate names, region codes with their addresses. Nothing here is a real person.

use rand::rngs::StdRng;
use rand::Rng;

/// Common surnames with rough weights (per mille of the population), avoiding ones whose pinyin is ambiguous.
const SURNAMES: &[(&str, u32)] = &[
    ("王", 72),
    ("李", 72),
    ("张", 68),
    ("刘", 53),
    ("陈", 45),
    ("杨", 31),
    ("赵", 23),
    ("黄", 22),
    ("周", 21),
    ("吴", 20),
    ("徐", 17),
    ("孙", 15),
    ("胡", 13),
    ("朱", 12),
    ("高", 12),
    ("林", 11),
    ("何", 11),
    ("郭", 11),
    ("马", 10),
    ("罗", 9),
    ("梁", 8),
    ("宋", 7),
    ("郑", 7),
    ("谢", 6),
    ("韩", 6),
    ("唐", 6),
    ("冯", 6),
    ("于", 6),
    ("董", 5),
    ("萧", 5),
    ("程", 5),
    ("袁", 5),
    ("邓", 5),
    ("许", 5),
    ("傅", 4),
    ("沈", 4),
    ("彭", 4),
    ("吕", 4),
    ("苏", 4),
    ("卢", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("贾", 3),
    ("丁", 3),
    ("魏", 3),
    ("薛", 3),
    ("叶", 3),
    ("阎", 3),
    ("潘", 3),
    ("杜", 3),
    ("戴", 3),
    ("夏", 3),
    ("钟", 3),
    ("汪", 3),
    ("田", 3),
    ("任", 3),
    ("姜", 3),
    ("范", 3),
    ("方", 3),
    ("石", 3),
    ("姚", 3),
    ("谭", 2),
    ("廖", 2),
    ("邹", 2),
    ("孔", 2),
    ("崔", 2),
    ("毛", 2),
    ("邱", 2),
    ("秦", 2),
    ("江", 2),
    ("史", 2),
    ("顾", 2),
    ("侯", 2),
    ("邵", 2),
    ("孟", 2),
    ("龙", 2),
    ("万", 2),
    ("段", 2),
    ("钱", 2),
    ("汤", 2),
    ("尹", 2),
    ("黎", 2),
    ("易", 2),
    ("常", 2),
    ("武", 2),
    ("乔", 2),
    ("贺", 2),
    ("赖", 2),
    ("龚", 2),
    ("文", 2),
];

const MALE: &str = "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘";
const FEMALE: &str = "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽";

fn pick_char(rng: &mut StdRng, pool: &str) -> char {
    let n = pool.chars().count();
    pool.chars().nth(rng.gen_range(0..n)).unwrap_or('明')
}

pub fn surname(rng: &mut StdRng) -> &'static str {
    let total: u32 = SURNAMES.iter().map(|s| s.1).sum();
    let mut x = rng.gen_range(0..total);
    for (s, w) in SURNAMES {
        if x < *w {
            return s;
        }
        x -= w;
    }
    "王"
}

/// A full name with the given surname: one or two given-name characters.
pub fn with_surname(rng: &mut StdRng, surname: &str, male: bool) -> String {
    let pool = if male { MALE } else { FEMALE };
    let mut name = surname.to_string();
    name.push(pick_char(rng, pool));
    if rng.gen_bool(0.72) {
        name.push(pick_char(rng, pool));
    }
    name
}

pub fn person(rng: &mut StdRng, male: bool) -> String {
    let s = surname(rng);
    with_surname(rng, s, male)
}

pub const STREETS: &[&str] = &[
    "和平街道",
    "建设街道",
    "解放街道",
    "新华街道",
    "人民街道",
    "胜利街道",
    "光明街道",
    "幸福街道",
    "文化街道",
    "团结街道",
    "友谊街道",
    "长江街道",
];

const COMMUNITY_A: &str = "春文新和安康华荣金翠锦兴永福宁明青东西南北朝红花";
const COMMUNITY_B: &str = "园苑湖桥阳泉城山林河庄坊里岭湾";

/// The community names of the district in a fixed shuffled order: all distinct (a few hundred of them).
pub fn communities() -> Vec<String> {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut all: Vec<String> = COMMUNITY_A
        .chars()
        .flat_map(|a| {
            COMMUNITY_B
                .chars()
                .filter(move |b| *b != a)
                .map(move |b| format!("{a}{b}社区"))
        })
        .collect();
    all.shuffle(&mut StdRng::seed_from_u64(7));
    all
}

const ESTATE_STEMS: &[&str] = &[
    "锦绣", "阳光", "幸福", "和谐", "翠竹", "紫荆", "丽景", "金色", "碧水", "绿洲", "书香", "明珠",
    "枫林", "御景", "海棠", "玉兰", "桂花", "红星", "建设", "电力", "纺织", "机械", "铁路", "邮电",
    "财苑", "教工", "香榭", "名仕", "东方", "盛世", "世纪", "怡和", "康乐", "万福", "泉城", "鑫苑",
    "银座", "雅园", "文华", "清华", "华侨", "滨河", "龙湖", "山水", "泉景", "舜华", "燕山", "历山",
    "千佛", "大明",
];
const ESTATE_SUFFIXES: &[&str] = &[
    "花园", "小区", "家园", "新村", "公寓", "雅居", "名苑", "嘉园", "华府", "宿舍",
];

/// A fresh estate name, not yet in `used` (which it extends).
pub fn estate(rng: &mut StdRng, used: &mut std::collections::HashSet<String>) -> String {
    for _ in 0..50 {
        let name = format!(
            "{}{}",
            ESTATE_STEMS[rng.gen_range(0..ESTATE_STEMS.len())],
            ESTATE_SUFFIXES[rng.gen_range(0..ESTATE_SUFFIXES.len())]
        );
        if used.insert(name.clone()) {
            return name;
        }
    }
    for n in 2.. {
        let name = format!(
            "{}{}{}期",
            ESTATE_STEMS[rng.gen_range(0..ESTATE_STEMS.len())],
            ESTATE_SUFFIXES[rng.gen_range(0..ESTATE_SUFFIXES.len())],
            super::people::cn_number(n)
        );
        if used.insert(name.clone()) {
            return name;
        }
    }
    unreachable!()
}

/// The district the demo lies in, with its county-level code (济南市历下区).
pub const LOCAL_REGION: u32 = 370102;
pub const LOCAL_PREFIX: &str = "山东省济南市历下区";

/// Other county-level regions of the same city (births elsewhere in the city, 人户分离 hukou).
pub const CITY_REGIONS: &[(u32, &str)] = &[
    (370103, "山东省济南市市中区"),
    (370104, "山东省济南市槐荫区"),
    (370105, "山东省济南市天桥区"),
    (370112, "山东省济南市历城区"),
    (370113, "山东省济南市长清区"),
    (370114, "山东省济南市章丘区"),
    (370124, "山东省济南市平阴县"),
    (370126, "山东省济南市商河县"),
];

/// Where floating residents (流动人口) come from.
pub const ORIGINS: &[(u32, &str)] = &[
    (371302, "山东省临沂市兰山区"),
    (370902, "山东省泰安市泰山区"),
    (371702, "山东省菏泽市牡丹区"),
    (371402, "山东省德州市德城区"),
    (370883, "山东省济宁市邹城市"),
    (371502, "山东省聊城市东昌府区"),
    (411602, "河南省周口市川汇区"),
    (411402, "河南省商丘市梁园区"),
    (341202, "安徽省阜阳市颍州区"),
    (320382, "江苏省徐州市邳州市"),
    (130102, "河北省石家庄市长安区"),
    (140105, "山西省太原市小店区"),
    (230102, "黑龙江省哈尔滨市道里区"),
    (220104, "吉林省长春市朝阳区"),
    (210102, "辽宁省沈阳市和平区"),
    (421002, "湖北省荆州市沙市区"),
    (430102, "湖南省长沙市芙蓉区"),
    (510104, "四川省成都市锦江区"),
    (500101, "重庆市万州区"),
    (360102, "江西省南昌市东湖区"),
    (610102, "陕西省西安市新城区"),
    (620102, "甘肃省兰州市城关区"),
    (150102, "内蒙古自治区呼和浩特市新城区"),
];

const ROADS: &[&str] = &[
    "人民路",
    "解放路",
    "建设路",
    "中山路",
    "文化路",
    "和平路",
    "胜利街",
    "新华街",
    "光明路",
    "工业路",
    "朝阳街",
    "青年路",
    "东风路",
    "幸福街",
    "团结路",
];

/// An address in the region of `prefix`: a road and a house number, or a village.
pub fn address_in(rng: &mut StdRng, prefix: &str) -> String {
    if rng.gen_bool(0.3) && !prefix.contains("济南") {
        let village = format!(
            "{}{}村",
            surname(rng),
            ["庄", "家", "楼", "集", "营"][rng.gen_range(0..5)]
        );
        format!("{prefix}{village}{}号", rng.gen_range(1..200))
    } else {
        format!(
            "{prefix}{}{}号",
            ROADS[rng.gen_range(0..ROADS.len())],
            rng.gen_range(1..400)
        )
    }
}

pub fn mobile(rng: &mut StdRng) -> String {
    const PREFIXES: &[&str] = &[
        "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
        "155", "156", "157", "158", "159", "166", "173", "176", "177", "178", "180", "181", "182",
        "183", "185", "186", "187", "188", "189", "191", "198", "199",
    ];
    format!(
        "{}{:08}",
        PREFIXES[rng.gen_range(0..PREFIXES.len())],
        rng.gen_range(0..100_000_000u32)
    )
}

pub fn landline(rng: &mut StdRng) -> String {
    format!("0531-{}", rng.gen_range(81_000_000..89_000_000u32))
}

/// Picks from weighted choices.
pub fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|i| i.1).sum();
    let mut x = rng.gen_range(0..total);
    for (t, w) in items {
        if x < *w {
            return *t;
        }
        x -= w;
    }
    items[0].0
}

/// Invented names of the grid workers who visit, report and patrol in the demo records.
pub const WORKERS: &[&str] = &[
    "刘志强",
    "陈晓燕",
    "王建国",
    "李秀英",
    "张伟东",
    "赵丽萍",
    "孙海涛",
    "周美玲",
    "吴国平",
    "郑红梅",
    "冯志远",
    "褚玉兰",
    "卫东升",
    "蒋春华",
    "沈立军",
    "韩晓梅",
];
