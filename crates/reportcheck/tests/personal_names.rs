//! Precision and recall of named-person findings on a set of sentences written and labelled for the
//! test: each sentence with the names a secretary must hide before publishing (none for the others).
//! A finding counts as right when its message names a labelled name of that sentence.

use reportcheck::{check_text, Options, Rule};

const LABELLED: &[(&str, &[&str])] = &[
    ("社区矫正人员张建国每月按时到司法所报到。", &["张建国"]),
    (
        "居民李红梅系刑满释放人员，社区为其联系了工作。",
        &["李红梅"],
    ),
    (
        "老党员王秀英、刘德明、陈志强同志积极参加志愿服务。",
        &["王秀英", "刘德明", "陈志强"],
    ),
    ("上访户赵铁柱多次到区信访局反映拆迁补偿问题。", &["赵铁柱"]),
    ("居民孙丽娟信仰基督教，每周参加礼拜。", &["孙丽娟"]),
    (
        "独居老人周桂兰患有糖尿病和高血压，网格员每周上门。",
        &["周桂兰"],
    ),
    ("戒毒人员黄志明目前在社区康复。", &["黄志明"]),
    (
        "本季度发展预备党员两名：郭晓东、林佳慧。",
        &["郭晓东", "林佳慧"],
    ),
    ("信访人徐德胜因宅基地纠纷越级上访。", &["徐德胜"]),
    ("残疾人吴海燕同志身残志坚，开办了网店。", &["吴海燕"]),
    ("对严重精神障碍患者何永强落实了监护责任。", &["何永强"]),
    ("缓刑人员郑小军按规定参加公益劳动。", &["郑小军"]),
    ("居民罗秀兰因病住院，社区组织党员看望。", &["罗秀兰"]),
    (
        "党员马国华、梁淑芬带头参加垃圾分类宣传。",
        &["马国华", "梁淑芬"],
    ),
    ("村民谢春生长期瘫痪在床，已纳入低保。", &["谢春生"]),
    ("矫正对象宋立新表现良好，提前解除矫正。", &["宋立新"]),
    ("居民唐美玲信教多年。", &["唐美玲"]),
    ("入党积极分子韩雪、冯涛参加了培训。", &["韩雪", "冯涛"]),
    // no name to hide
    ("社区矫正人员每月按时到司法所报到。", &[]),
    ("社区矫正人员张某每月按时报到。", &[]),
    ("居民吴某患有精神疾病，社区落实了监护。", &[]),
    ("社区书记马骏带领党员志愿者清理卫生死角。", &[]),
    ("张家港市社区工作者来我社区交流信访工作。", &[]),
    ("王府井街道党员服务中心揭牌。", &[]),
    ("社区党员120名，其中老党员46名。", &[]),
    ("建立《流动党员花名册》，发放《流动党员活动证》。", &[]),
    ("开展文明家庭评选，组织党员学习。", &[]),
    ("制作、张贴党员联系标牌。", &[]),
    ("为患有慢性病的老人开展免费体检。", &[]),
    ("积极做好信访维稳工作，全年未发生越级上访。", &[]),
    ("宗教场所管理规范，未发现非法宗教活动。", &[]),
    ("组织党员干部想明白、说明白、干明白。", &[]),
    ("王书记多次走访困难党员家庭。", &[]),
    ("李大爷患病后，邻居轮流照顾。", &[]),
    ("残疾人康复站、托养中心运转良好。", &[]),
    ("居民代表张涛主持了议事会。", &[]),
    ("发动党员和居民共同参与楼道整治。", &[]),
    ("每个党员都能亮身份、作表率。", &[]),
    ("持证的党员由服务站统一登记。", &[]),
];

/// Written after the rules were tuned on [`LABELLED`], run once as they stand.
const HELD_OUT: &[(&str, &[&str])] = &[
    ("刑满释放人员邓卫东已找到稳定工作。", &["邓卫东"]),
    ("居民曹玉珍患有阿尔茨海默病，由女儿照顾。", &["曹玉珍"]),
    ("老党员彭建华同志捐出了一个月的退休金。", &["彭建华"]),
    ("信访户蒋明辉反映的漏水问题已解决。", &["蒋明辉"]),
    ("居民蔡丽华、潘文斌信仰佛教。", &["蔡丽华", "潘文斌"]),
    ("社区对吸毒人员杜海波开展帮教。", &["杜海波"]),
    ("社区为患病居民开通就医绿色通道。", &[]),
    ("全年接待群众来访来信三十余件。", &[]),
    ("党员先锋岗设在社区服务大厅。", &[]),
    ("周主任带领社区矫正工作小组入户走访。", &[]),
    ("社区戒毒康复工作站正式挂牌。", &[]),
    ("高书记为新党员上党课。", &[]),
];

fn measure(name: &str, set: &[(&str, &[&str])]) -> (f64, f64) {
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for (sentence, names) in set {
        let r = check_text(sentence, &Options::default());
        let found: Vec<&str> = r
            .findings
            .iter()
            .filter(|f| f.rule == Rule::PersonalNamedPerson)
            .map(|f| f.message.as_str())
            .collect();
        let mut hit = vec![false; names.len()];
        for m in &found {
            match names.iter().position(|n| m.contains(&format!("“{n}”"))) {
                Some(i) if !hit[i] => {
                    hit[i] = true;
                    tp += 1;
                }
                _ => {
                    fp += 1;
                    println!("false: {sentence} → {m}");
                }
            }
        }
        for (i, n) in names.iter().enumerate() {
            if !hit[i] {
                fn_ += 1;
                println!("missed: {n} in {sentence}");
            }
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    println!(
        "{name}: {tp} names found, {fp} false, {fn_} missed; precision {:.1}%, recall {:.1}%",
        precision * 100.0,
        recall * 100.0
    );
    (precision, recall)
}

#[test]
fn precision_and_recall_on_labelled_sentences() {
    let (p, r) = measure("labelled (tuning) set", LABELLED);
    assert!(p >= 0.9 && r >= 0.9, "precision {p}, recall {r}");
    let (p, r) = measure("held-out set", HELD_OUT);
    assert!(p >= 0.8 && r >= 0.75, "precision {p}, recall {r}");
}
