-- 民政救助 (src/welfare/): programmes as data per street, applications on their flow with the trail, objections
-- filed during the public notice, grants with their members and dated change events, monthly payment lists,
-- in-kind distributions, periodic reviews, and elderly care pairs with their contacts. Amounts are whole yuan.
CREATE TABLE welfare_programmes (
    id {{PK}},
    street_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    -- household | person
    unit TEXT NOT NULL,
    -- standard (monthly standard per person minus income) | fixed | in_kind
    rule TEXT NOT NULL,
    amount BIGINT NOT NULL DEFAULT 0,
    notice_days BIGINT NOT NULL DEFAULT 7,
    review_months BIGINT NOT NULL DEFAULT 12,
    eligibility TEXT NOT NULL DEFAULT '',
    archived BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    CONSTRAINT welfare_programmes_street_code UNIQUE (street_id, code)
);

CREATE TABLE welfare_applications (
    id {{PK}},
    number TEXT NOT NULL UNIQUE,
    programme_id BIGINT NOT NULL REFERENCES welfare_programmes(id),
    household_id BIGINT NOT NULL REFERENCES households(id),
    state TEXT NOT NULL,
    -- JSON array of person ids
    members TEXT NOT NULL,
    member_count BIGINT NOT NULL,
    income BIGINT NOT NULL DEFAULT 0,
    assets BIGINT NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    reason TEXT,
    notice_from TEXT,
    notice_to TEXT,
    amount BIGINT,
    applied_on TEXT NOT NULL,
    decided_on TEXT,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX welfare_applications_household ON welfare_applications(household_id);
CREATE INDEX welfare_applications_community ON welfare_applications(community_id, state);

CREATE TABLE welfare_steps (
    id {{PK}},
    application_id BIGINT NOT NULL REFERENCES welfare_applications(id),
    step TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    actor_name TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX welfare_steps_application ON welfare_steps(application_id);

CREATE TABLE welfare_objections (
    id {{PK}},
    application_id BIGINT NOT NULL REFERENCES welfare_applications(id),
    body TEXT NOT NULL,
    filer TEXT NOT NULL DEFAULT '',
    -- public | desk
    source TEXT NOT NULL,
    client TEXT NOT NULL DEFAULT '',
    -- open | upheld | rejected
    status TEXT NOT NULL,
    outcome TEXT,
    resolved_by TEXT,
    resolved_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX welfare_objections_application ON welfare_objections(application_id);
CREATE INDEX welfare_objections_client ON welfare_objections(client, created_at);

CREATE TABLE welfare_grants (
    id {{PK}},
    programme_id BIGINT NOT NULL REFERENCES welfare_programmes(id),
    household_id BIGINT NOT NULL REFERENCES households(id),
    application_id BIGINT REFERENCES welfare_applications(id),
    -- active | stopped | cancelled
    status TEXT NOT NULL,
    persons BIGINT NOT NULL,
    income BIGINT NOT NULL DEFAULT 0,
    amount BIGINT NOT NULL,
    since TEXT NOT NULL,
    ended_on TEXT,
    next_review_on TEXT NOT NULL,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    updated_at TEXT NOT NULL
);
CREATE INDEX welfare_grants_household ON welfare_grants(household_id);
CREATE INDEX welfare_grants_programme ON welfare_grants(programme_id, status);

CREATE TABLE welfare_members (
    grant_id BIGINT NOT NULL REFERENCES welfare_grants(id),
    person_id BIGINT NOT NULL REFERENCES persons(id),
    PRIMARY KEY (grant_id, person_id)
);
CREATE INDEX welfare_members_person ON welfare_members(person_id);

-- 新办 取消 降标 提标 增人 减人 停发 恢复, with the amount and persons before and after.
CREATE TABLE welfare_events (
    id {{PK}},
    grant_id BIGINT NOT NULL REFERENCES welfare_grants(id),
    programme_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    on_date TEXT NOT NULL,
    reason TEXT NOT NULL,
    amount_before BIGINT NOT NULL,
    amount_after BIGINT NOT NULL,
    persons_before BIGINT NOT NULL,
    persons_after BIGINT NOT NULL,
    decided_by TEXT NOT NULL,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX welfare_events_grant ON welfare_events(grant_id, on_date);
CREATE INDEX welfare_events_date ON welfare_events(on_date);

CREATE TABLE welfare_reviews (
    id {{PK}},
    grant_id BIGINT NOT NULL REFERENCES welfare_grants(id),
    on_date TEXT NOT NULL,
    -- keep | lower | raise | cancel
    outcome TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    due_on TEXT NOT NULL,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX welfare_reviews_grant ON welfare_reviews(grant_id);

CREATE TABLE welfare_payment_lists (
    id {{PK}},
    programme_id BIGINT NOT NULL REFERENCES welfare_programmes(id),
    month TEXT NOT NULL,
    -- draft | approved
    status TEXT NOT NULL,
    households BIGINT NOT NULL,
    persons BIGINT NOT NULL,
    total BIGINT NOT NULL,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    approved_by TEXT,
    created_at TEXT NOT NULL,
    CONSTRAINT welfare_payment_lists_month UNIQUE (programme_id, community_id, month)
);

CREATE TABLE welfare_payments (
    id {{PK}},
    list_id BIGINT NOT NULL REFERENCES welfare_payment_lists(id),
    grant_id BIGINT NOT NULL REFERENCES welfare_grants(id),
    household_id BIGINT NOT NULL,
    persons BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT
);
CREATE INDEX welfare_payments_list ON welfare_payments(list_id);

-- In-kind distributions (米、面、油, 慰问金): one row per household and occasion.
CREATE TABLE welfare_distributions (
    id {{PK}},
    programme_id BIGINT NOT NULL REFERENCES welfare_programmes(id),
    occasion TEXT NOT NULL,
    household_id BIGINT NOT NULL REFERENCES households(id),
    items TEXT NOT NULL,
    amount BIGINT NOT NULL DEFAULT 0,
    on_date TEXT NOT NULL,
    signature TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    worker_name TEXT NOT NULL,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    created_at TEXT NOT NULL,
    CONSTRAINT welfare_distributions_once UNIQUE (occasion, household_id)
);
CREATE INDEX welfare_distributions_date ON welfare_distributions(on_date);

-- 结对帮扶: a helper (volunteer, worker, party member) with a person, and the contact schedule.
CREATE TABLE care_pairs (
    id {{PK}},
    person_id BIGINT NOT NULL REFERENCES persons(id),
    helper_name TEXT NOT NULL,
    -- 志愿者 | 工作人员 | 党员
    helper_kind TEXT NOT NULL,
    helper_phone TEXT,
    helper_user_id BIGINT,
    visit_every_days BIGINT NOT NULL DEFAULT 0,
    call_every_days BIGINT NOT NULL DEFAULT 0,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX care_pairs_person ON care_pairs(person_id);
CREATE INDEX care_pairs_grid ON care_pairs(grid_id);

CREATE TABLE care_contacts (
    id {{PK}},
    pair_id BIGINT NOT NULL REFERENCES care_pairs(id),
    -- 探访 | 电话 | 帮办
    kind TEXT NOT NULL,
    on_date TEXT NOT NULL,
    observed TEXT NOT NULL DEFAULT '',
    help TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    building_id BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX care_contacts_pair ON care_contacts(pair_id, on_date);
