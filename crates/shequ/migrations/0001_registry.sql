-- The area tree: 街道 → 社区 → 网格 → 小区 → 楼栋 → 单元 → 房屋.
-- Every node carries the ids of its ancestors at the scoped levels so that a scope filter is one indexed
-- comparison, and its materialised path so that a move rewrites a subtree with one prefix update.
CREATE TABLE nodes (
    id {{PK}},
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES nodes(id),
    name TEXT NOT NULL,
    code TEXT,
    path TEXT {{C}} NOT NULL,
    street_id BIGINT,
    community_id BIGINT,
    grid_id BIGINT,
    estate_id BIGINT,
    building_id BIGINT,
    extra TEXT NOT NULL DEFAULT '{}',
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX nodes_parent ON nodes(parent_id);
CREATE INDEX nodes_path ON nodes(path);
CREATE INDEX nodes_kind_street ON nodes(kind, street_id);
CREATE INDEX nodes_kind_community ON nodes(kind, community_id);
CREATE INDEX nodes_kind_grid ON nodes(kind, grid_id);

-- 户: a household registered at a dwelling (房屋).
CREATE TABLE households (
    id {{PK}},
    number TEXT NOT NULL,
    dwelling_id BIGINT NOT NULL REFERENCES nodes(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    address TEXT NOT NULL DEFAULT '',
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX households_dwelling ON households(dwelling_id);
CREATE INDEX households_grid ON households(grid_id);
CREATE INDEX households_community ON households(community_id);
CREATE INDEX households_street ON households(street_id);

-- 人. Search keys (pinyin, initials, reversed phone) are derived on every write by the registry module.
-- The scope indexes hold `archived` so that a page of a list skips rows without reading them.
CREATE TABLE persons (
    id {{PK}},
    name TEXT {{C}} NOT NULL,
    id_type TEXT NOT NULL,
    id_number TEXT {{C}},
    birth_date TEXT,
    sex TEXT,
    phone TEXT,
    phone2 TEXT,
    ethnicity TEXT,
    political_status TEXT,
    education TEXT,
    employment TEXT,
    health TEXT,
    hukou_type TEXT NOT NULL,
    hukou_address TEXT,
    residence_address TEXT {{C}},
    household_id BIGINT REFERENCES households(id),
    relation TEXT,
    status TEXT NOT NULL DEFAULT '在住',
    notes TEXT,
    name_pinyin TEXT {{C}} NOT NULL,
    name_initials TEXT {{C}} NOT NULL,
    phone_rev TEXT {{C}},
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX persons_street_idnumber ON persons(street_id, id_number);
CREATE INDEX persons_household ON persons(household_id);
CREATE INDEX persons_grid ON persons(grid_id, archived, id);
CREATE INDEX persons_community ON persons(community_id, archived, id);
CREATE INDEX persons_street ON persons(street_id, archived, id);
CREATE INDEX persons_building ON persons(building_id, archived, id);
CREATE INDEX persons_name ON persons(name);
CREATE INDEX persons_pinyin ON persons(name_pinyin);
CREATE INDEX persons_initials ON persons(name_initials);
CREATE INDEX persons_phone_rev ON persons(phone_rev);
CREATE INDEX persons_residence ON persons(residence_address);

-- Every 4-digit window of an ID number, so that "any 4+ digit fragment" is an index lookup.
CREATE TABLE person_id_grams (
    gram TEXT {{C}} NOT NULL,
    person_id BIGINT NOT NULL,
    PRIMARY KEY (gram, person_id)
) {{WITHOUT_ROWID}};
CREATE INDEX person_id_grams_person ON person_id_grams(person_id);

-- Dated events (迁入/迁出/死亡/出生); residence periods are derived from them so that the population on any
-- past date is a count of periods that cover that date.
CREATE TABLE person_events (
    id {{PK}},
    person_id BIGINT NOT NULL REFERENCES persons(id),
    kind TEXT NOT NULL,
    event_date TEXT NOT NULL,
    note TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX person_events_person ON person_events(person_id);

CREATE TABLE residence_periods (
    id {{PK}},
    person_id BIGINT NOT NULL REFERENCES persons(id),
    from_date TEXT NOT NULL,
    to_date TEXT,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT
);
CREATE INDEX residence_periods_person ON residence_periods(person_id);
CREATE INDEX residence_periods_grid ON residence_periods(grid_id, from_date);
CREATE INDEX residence_periods_community ON residence_periods(community_id, from_date);
CREATE INDEX residence_periods_street ON residence_periods(street_id, from_date);

-- Special groups are data: a tag type lists its fields as JSON
-- ([{"key":"grade","label":"等级","kind":"text|date|number|select","options":[..],"required":true}]).
-- `sensitive` tags (health, correction, welfare) are shown only to roles that need them, and each read is audited.
CREATE TABLE tag_types (
    id {{PK}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    fields TEXT NOT NULL DEFAULT '[]',
    sensitive BIGINT NOT NULL DEFAULT 0,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE person_tags (
    id {{PK}},
    person_id BIGINT NOT NULL REFERENCES persons(id),
    tag_type_id BIGINT NOT NULL REFERENCES tag_types(id),
    fields TEXT NOT NULL DEFAULT '{}',
    since TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX person_tags_person ON person_tags(person_id);
CREATE INDEX person_tags_type_grid ON person_tags(tag_type_id, grid_id);
CREATE INDEX person_tags_type_community ON person_tags(tag_type_id, community_id);
CREATE INDEX person_tags_type_street ON person_tags(tag_type_id, street_id);

-- 出租房屋 with its landlord and the signed safety agreement (房屋出租安全责任书).
CREATE TABLE rentals (
    id {{PK}},
    dwelling_id BIGINT NOT NULL REFERENCES nodes(id),
    landlord_name TEXT NOT NULL,
    landlord_phone TEXT,
    landlord_person_id BIGINT REFERENCES persons(id),
    agreement_signed TEXT,
    agreement_expires TEXT,
    notes TEXT,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX rentals_grid ON rentals(grid_id);
CREATE INDEX rentals_community ON rentals(community_id);
CREATE INDEX rentals_street ON rentals(street_id);

CREATE TABLE rental_tenants (
    rental_id BIGINT NOT NULL REFERENCES rentals(id),
    person_id BIGINT NOT NULL REFERENCES persons(id),
    PRIMARY KEY (rental_id, person_id)
);
