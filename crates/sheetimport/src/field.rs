//! The fields of a person row: canonical Chinese headers (for exports and the blank template), the header
//! synonyms found in communities' own sheets, and the comment-row hint for each column.

use serde::Serialize;

/// A column of the person registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Field {
    Name,
    IdType,
    IdNumber,
    Sex,
    BirthDate,
    Ethnicity,
    Phone,
    Phone2,
    Political,
    Marital,
    Education,
    Employment,
    Health,
    Relation,
    HouseholdNo,
    Estate,
    Building,
    Unit,
    Room,
    Grid,
    PersonType,
    Tags,
    HukouAddress,
    Separated,
    Residence,
    MoveIn,
    MoveOut,
    Death,
    Notes,
    /// 是否已迁出: yes/no; "是" needs a 迁出日期.
    MovedOut,
    /// 迁往地: where the person moved to (kept with the 迁出 event).
    MoveTo,
    /// 是否已死亡: yes/no; "是" needs a 死亡日期.
    Dead,
    /// 护照/其他证件号码: the number of a document other than the ID card.
    OtherIdNumber,
    /// 其他证件类型: the type of that document.
    OtherIdType,
    /// 户籍小区/建筑: the estate part of the hukou address, joined in front of 户籍详细地址.
    HukouEstate,
    /// 是否重点人员: yes/no, checked against the 重点类别 column (the categories are what is stored).
    KeyPerson,
    /// 状态 (在住/迁出/死亡), as shequ's own export writes it: checked against the 迁出/死亡 dates, which are what
    /// decide the person's state.
    Status,
    /// 唯一标识: the other system's own record number; recognised so that it is not "unknown", never imported
    /// (persons are matched by ID number).
    ExternalId,
}

use Field::*;

impl Field {
    /// Every field, in the order of the blank template and of exports.
    pub const ALL: [Field; 37] = [
        Name,
        IdType,
        IdNumber,
        Sex,
        BirthDate,
        Ethnicity,
        Phone,
        Phone2,
        Political,
        Marital,
        Education,
        Employment,
        Health,
        Relation,
        HouseholdNo,
        Estate,
        Building,
        Unit,
        Room,
        Grid,
        PersonType,
        Tags,
        HukouAddress,
        Separated,
        Residence,
        MoveIn,
        MoveOut,
        Death,
        Notes,
        MovedOut,
        MoveTo,
        Dead,
        OtherIdNumber,
        OtherIdType,
        HukouEstate,
        KeyPerson,
        Status,
    ];

    /// Every field a header may name: [`Field::ALL`] and the columns recognised but never imported.
    pub const MAPPED: [Field; 38] = {
        let mut out = [ExternalId; 38];
        let mut i = 0;
        while i < Self::ALL.len() {
            out[i] = Self::ALL[i];
            i += 1;
        }
        out
    };

    /// When two columns name one field, the one whose header comes first in [`Field::synonyms`] wins (户号
    /// over 户编号, 迁入日期 over 户籍迁入日期); this is its rank, `usize::MAX` for a header not listed.
    pub fn rank(self, header_key: &str) -> usize {
        self.synonyms()
            .iter()
            .position(|s| crate::header::header_key(s) == header_key)
            .unwrap_or(usize::MAX)
    }

    /// The canonical Chinese header, as exports and the blank template write it.
    pub fn header_zh(self) -> &'static str {
        self.synonyms()[0]
    }

    /// Header texts that mean this field, canonical first. Compared after [`crate::header::header_key`].
    pub fn synonyms(self) -> &'static [&'static str] {
        match self {
            Name => &["姓名", "名字", "居民姓名", "人员姓名"],
            IdType => &["证件类型", "证件种类"],
            IdNumber => &[
                "身份证号",
                "公民身份号码",
                "证件号码",
                "身份证号码",
                "身份证",
                "居民身份证号",
                "居民身份证号码",
                "身份证件号码",
                "证件号",
            ],
            Sex => &["性别"],
            BirthDate => &["出生日期", "出生年月", "出生年月日", "生日"],
            Ethnicity => &["民族"],
            Phone => &[
                "联系电话",
                "手机号",
                "电话",
                "手机",
                "手机号码",
                "电话号码",
                "联系方式",
                "移动电话",
            ],
            Phone2 => &[
                "备用电话",
                "其他电话",
                "联系电话2",
                "电话2",
                "固定电话",
                "家庭电话",
                "座机",
            ],
            Political => &["政治面貌"],
            Marital => &["婚姻状况", "婚姻状态", "婚姻"],
            Education => &["文化程度", "学历", "受教育程度"],
            Employment => &[
                "工作单位",
                "工作学习情况",
                "工作/学习情况",
                "就业状况",
                "职业",
                "工作单位及职务",
                "就业情况",
            ],
            Health => &["健康状况", "身体状况"],
            Relation => &["与户主关系", "与户主的关系", "关系", "与其他人员关系"],
            HouseholdNo => &["户号", "户编号", "户籍编号"],
            Estate => &[
                "现住小区",
                "小区",
                "建筑",
                "现住建筑",
                "小区名称",
                "所在小区",
                "现住小区/建筑",
                "所属小区",
                "小区/建筑",
            ],
            Building => &["楼栋", "楼号", "栋", "楼栋号", "幢"],
            Unit => &["单元", "单元号"],
            Room => &["门牌", "房号", "现住详细门牌", "门牌号", "房间号", "室"],
            Grid => &["所属网格", "网格", "网格名称"],
            PersonType => &["人员类型", "人口类型", "户籍类型", "人员类别"],
            Tags => &[
                "重点人员",
                "重点类别",
                "特殊人群",
                "重点人群",
                "人员标签",
                "标签",
                "特殊人群类别",
            ],
            HukouAddress => &[
                "户籍地址",
                "户籍地",
                "户籍所在地",
                "户口所在地",
                "户籍详址",
                "户籍详细地址",
            ],
            Separated => &["是否人户分离", "人户分离"],
            Residence => &[
                "实际居住地",
                "现住址",
                "现居住地",
                "现居住地址",
                "居住地址",
                "现住地址",
            ],
            MoveIn => &[
                "迁入日期",
                "迁入时间",
                "入住日期",
                "入住时间",
                "户籍迁入日期",
            ],
            MoveOut => &["迁出日期", "迁出时间"],
            Death => &["死亡日期", "死亡时间"],
            Notes => &["备注", "说明", "其他"],
            MovedOut => &["是否已迁出", "是否迁出", "已迁出"],
            MoveTo => &["迁往地", "迁往地址", "迁出去向", "去向"],
            Dead => &["是否已死亡", "是否死亡", "已死亡"],
            OtherIdNumber => &["护照/其他证件号码", "护照号码", "其他证件号码", "护照号"],
            OtherIdType => &["其他证件类型", "其他证件种类"],
            HukouEstate => &["户籍小区/建筑", "户籍小区"],
            KeyPerson => &["是否重点人员", "是否重点人群"],
            Status => &["状态", "人员状态", "居住状态"],
            ExternalId => &["唯一标识", "人员编号", "人员唯一标识", "系统编号"],
        }
    }

    /// What the comment row of the blank template says about this column.
    pub fn hint_zh(self) -> &'static str {
        match self {
            Name => "必填,与证件一致",
            IdType => "默认居民身份证;可填护照等",
            IdNumber => "请填写18位身份证号,本列为文本格式",
            Sex => "男/女",
            BirthDate => "格式:2023-01-05;有身份证号可不填",
            Ethnicity => "如:汉族",
            Phone => "11位手机号或带区号的座机",
            Phone2 => "选填",
            Political => "如:群众、中共党员",
            Marital => "如:未婚、已婚",
            Education => "如:大学本科、高中",
            Employment => "如:在职、离退休",
            Health => "如:健康、慢性病",
            Relation => "如:户主、配偶、子女",
            HouseholdNo => "同户人员填写相同户号",
            Estate => "小区名称",
            Building => "如:3号楼",
            Unit => "如:2单元",
            Room => "如:301",
            Grid => "如:第一网格",
            PersonType => "常住人口/流动人口/人户分离",
            Tags => "多个用、或;分隔",
            HukouAddress => "户口所在地的详细地址",
            Separated => "是/否",
            Residence => "实际居住的详细地址",
            MoveIn => "格式:2023-01-05",
            MoveOut => "格式:2023-01-05",
            Death => "格式:2023-01-05",
            Notes => "选填",
            MovedOut => "是/否;是则填写迁出日期",
            MoveTo => "迁出后的去向",
            Dead => "是/否;是则填写死亡日期",
            OtherIdNumber => "无身份证时填写护照等证件号码",
            OtherIdType => "如:护照",
            HukouEstate => "户籍所在小区",
            KeyPerson => "是/否",
            Status => "在住/迁出/死亡;迁出、死亡须填写相应日期",
            ExternalId => "原系统编号,不导入",
        }
    }

    /// Column width in the template and exports, in Excel character units.
    pub fn width(self) -> f64 {
        match self {
            IdNumber => 22.0,
            HukouAddress | Residence | Notes | Employment | MoveTo => 28.0,
            Phone | Phone2 | BirthDate | MoveIn | MoveOut | Death | Tags | Estate => 16.0,
            IdType | Political | Education | PersonType | Separated | Grid | Relation
            | OtherIdType | HukouEstate => 14.0,
            OtherIdNumber => 20.0,
            _ => 10.0,
        }
    }

    /// Fields whose values are dates.
    pub fn is_date(self) -> bool {
        matches!(self, BirthDate | MoveIn | MoveOut | Death)
    }
}
