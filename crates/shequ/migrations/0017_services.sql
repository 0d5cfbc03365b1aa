-- Services (issue 18): activities with their result figures, sign-ups and check-in; community rooms and
-- their bookings; volunteer teams, members and service records; party organisations, members and
-- meetings; organisations and agreements. Every record carries the scope of the community (and the grid
-- when it belongs to one) it is of.

CREATE TABLE activities (
    id {{PK}},
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    organisers TEXT NOT NULL DEFAULT '',
    partners TEXT NOT NULL DEFAULT '',
    target_groups TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    checkin_code TEXT NOT NULL UNIQUE,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    created_by TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX activities_community ON activities(community_id, starts_on);

-- A result figure of an activity: what (参加人数, 宣传资料, 咨询 …), its unit and qualifier (约/余/近/超过),
-- and for a 其中 line the figure it is part of.
CREATE TABLE activity_figures (
    id {{PK}},
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    metric TEXT NOT NULL,
    label TEXT NOT NULL,
    unit TEXT NOT NULL,
    qualifier TEXT NOT NULL DEFAULT '',
    value BIGINT NOT NULL,
    parent_id BIGINT REFERENCES activity_figures(id)
);
CREATE INDEX activity_figures_activity ON activity_figures(activity_id);

CREATE TABLE activity_signups (
    id {{PK}},
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    person_id BIGINT NOT NULL REFERENCES persons(id),
    signed_up_at TEXT NOT NULL,
    signed_up_by TEXT NOT NULL DEFAULT '',
    attended_at TEXT,
    checked_in_by TEXT,
    UNIQUE (activity_id, person_id)
);

-- Community rooms (活动室, 多媒体教室) and their bookings; times are Beijing time as entered.
CREATE TABLE venues (
    id {{PK}},
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

CREATE TABLE venue_bookings (
    id {{PK}},
    venue_id BIGINT NOT NULL REFERENCES venues(id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    purpose TEXT NOT NULL,
    activity_id BIGINT REFERENCES activities(id),
    booked_by TEXT NOT NULL DEFAULT '',
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX venue_bookings_venue ON venue_bookings(venue_id, starts_at);

-- Volunteer teams; a patrol team of volunteers is linked (patrol_team_id), not copied.
CREATE TABLE volunteer_teams (
    id {{PK}},
    name TEXT NOT NULL,
    service TEXT NOT NULL,
    patrol_team_id BIGINT UNIQUE REFERENCES patrol_teams(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE volunteer_members (
    id {{PK}},
    team_id BIGINT NOT NULL REFERENCES volunteer_teams(id),
    person_id BIGINT REFERENCES persons(id),
    name TEXT NOT NULL,
    phone TEXT,
    user_id BIGINT REFERENCES users(id),
    role TEXT NOT NULL,
    skills TEXT NOT NULL DEFAULT '',
    availability TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE volunteer_records (
    id {{PK}},
    team_id BIGINT NOT NULL REFERENCES volunteer_teams(id),
    member_id BIGINT NOT NULL REFERENCES volunteer_members(id),
    served_on TEXT NOT NULL,
    what TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    state TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    reason TEXT,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX volunteer_records_team ON volunteer_records(team_id, served_on);

-- Party organisations (党委/党总支/党支部/党小组) as a tree, each of a community (or a grid of it).
CREATE TABLE party_orgs (
    id {{PK}},
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES party_orgs(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE party_members (
    id {{PK}},
    org_id BIGINT NOT NULL REFERENCES party_orgs(id),
    person_id BIGINT NOT NULL REFERENCES persons(id),
    category TEXT NOT NULL,
    joined_on TEXT NOT NULL,
    employer TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    created_at TEXT NOT NULL
);

-- Transfers in and out (组织关系转接), and moves between organisations of the street.
CREATE TABLE party_transfers (
    id {{PK}},
    member_id BIGINT NOT NULL REFERENCES party_members(id),
    direction TEXT NOT NULL,
    from_org TEXT NOT NULL DEFAULT '',
    to_org TEXT NOT NULL DEFAULT '',
    on_date TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE party_meetings (
    id {{PK}},
    org_id BIGINT NOT NULL REFERENCES party_orgs(id),
    kind TEXT NOT NULL,
    held_on TEXT NOT NULL,
    topic TEXT NOT NULL,
    expected BIGINT NOT NULL,
    attended BIGINT NOT NULL,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX party_meetings_org ON party_meetings(org_id, held_on);

CREATE TABLE party_attendance (
    id {{PK}},
    meeting_id BIGINT NOT NULL REFERENCES party_meetings(id),
    member_id BIGINT NOT NULL REFERENCES party_members(id),
    present BIGINT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    UNIQUE (meeting_id, member_id)
);

-- 社会组织, 驻区单位, 物业公司, 便民服务网点.
CREATE TABLE service_units (
    id {{PK}},
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    filing TEXT NOT NULL DEFAULT '',
    leader TEXT NOT NULL DEFAULT '',
    phone TEXT,
    address TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- Agreements and responsibility letters (平安建设, 消防安全, 门前三包 …). Rental safety agreements stay on
-- their rental (rentals.agreement_signed / agreement_expires) and are read as agreements of that kind.
CREATE TABLE agreements (
    id {{PK}},
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    party_a TEXT NOT NULL,
    party_b TEXT NOT NULL,
    unit_id BIGINT REFERENCES service_units(id),
    signed_on TEXT NOT NULL,
    expires_on TEXT,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX agreements_expiry ON agreements(community_id, expires_on);
