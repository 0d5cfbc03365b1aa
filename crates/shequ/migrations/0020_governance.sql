-- Self-governance (自治): proposals (议题) screened by the committee on a workflow; votes counted by the server
-- (one person, one household or representatives only; a second ballot refused by a key, also when two arrive
-- at once; in a secret vote the choice is not linked to the voter); meetings with attendance, a quorum check
-- and resolutions whose follow-up tasks are tracked to done; community finances (居财街管) with monthly
-- statements published on the public board. Every table is of one community and keeps it (Follows::Never).
CREATE TABLE proposals (
    id {{PK}},
    number TEXT NOT NULL UNIQUE,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    -- Always NULL: community records; the columns let the common scope condition apply (grid scopes see none).
    grid_id BIGINT,
    building_id BIGINT,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    reason TEXT,
    merged_into BIGINT REFERENCES proposals(id),
    submitted_by BIGINT REFERENCES users(id),
    submitter_person_id BIGINT REFERENCES persons(id),
    submitter_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX proposals_community ON proposals(community_id, created_at);

CREATE TABLE proposal_events (
    id {{PK}},
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    kind TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    user_id BIGINT REFERENCES users(id),
    who TEXT NOT NULL,
    note TEXT,
    at TEXT NOT NULL
);
CREATE INDEX proposal_events_proposal ON proposal_events(proposal_id);

CREATE TABLE votes (
    id {{PK}},
    number TEXT NOT NULL UNIQUE,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    proposal_id BIGINT REFERENCES proposals(id),
    title TEXT NOT NULL,
    mode TEXT NOT NULL,
    secret BIGINT NOT NULL DEFAULT 1,
    opens_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    electorate BIGINT NOT NULL,
    published_at TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX votes_community ON votes(community_id, opens_at);

CREATE TABLE vote_options (
    vote_id BIGINT NOT NULL REFERENCES votes(id),
    idx BIGINT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (vote_id, idx)
);

-- Who voted: one row per voter key (p:<person> or h:<household>).
CREATE TABLE vote_voters (
    vote_id BIGINT NOT NULL REFERENCES votes(id),
    voter_key TEXT NOT NULL,
    person_id BIGINT REFERENCES persons(id),
    cast_at TEXT NOT NULL,
    PRIMARY KEY (vote_id, voter_key)
);

-- What was chosen. The key is random (no order to match against the voters); voter_key only in open votes.
CREATE TABLE vote_choices (
    id TEXT NOT NULL PRIMARY KEY,
    vote_id BIGINT NOT NULL REFERENCES votes(id),
    option_idx BIGINT NOT NULL,
    voter_key TEXT
);
CREATE INDEX vote_choices_vote ON vote_choices(vote_id);

CREATE TABLE meeting_types (
    code TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    -- Share of the invited who must attend for resolutions to be adopted (percent; NULL: no quorum).
    quorum_pct BIGINT,
    sort BIGINT NOT NULL
);
INSERT INTO meeting_types (code, name, quorum_pct, sort) VALUES
    ('members_congress', '社区成员代表大会', 67, 10),
    ('residents_reps', '居民代表会议', 50, 20),
    ('hearing', '听证会', NULL, 30),
    ('appraisal', '评议会', NULL, 40),
    ('coordination', '协调会', NULL, 50),
    ('deliberation', '议事会', NULL, 60),
    ('joint', '联席会议', NULL, 70),
    ('two_committees', '两委会', 50, 80);

CREATE TABLE meetings (
    id {{PK}},
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    type_code TEXT NOT NULL REFERENCES meeting_types(code),
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    agenda TEXT NOT NULL DEFAULT '',
    minutes TEXT NOT NULL DEFAULT '',
    invited BIGINT NOT NULL,
    present BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX meetings_community ON meetings(community_id, held_on);

CREATE TABLE resolutions (
    id {{PK}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    text TEXT NOT NULL,
    proposal_id BIGINT REFERENCES proposals(id),
    vote_id BIGINT REFERENCES votes(id),
    published BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX resolutions_meeting ON resolutions(meeting_id);

CREATE TABLE resolution_tasks (
    id {{PK}},
    resolution_id BIGINT NOT NULL REFERENCES resolutions(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    title TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    due_at TEXT NOT NULL,
    done_at TEXT,
    done_note TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX resolution_tasks_owner ON resolution_tasks(owner_id, done_at);
CREATE INDEX resolution_tasks_community ON resolution_tasks(community_id, done_at);

-- 居财街管: budget, income and expenses in fen (分); a month's statement is published once.
CREATE TABLE finance_entries (
    id {{PK}},
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    on_date TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    payee TEXT NOT NULL DEFAULT '',
    document TEXT NOT NULL DEFAULT '',
    meeting_id BIGINT REFERENCES meetings(id),
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX finance_entries_community ON finance_entries(community_id, on_date);

CREATE TABLE finance_statements (
    id {{PK}},
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    street_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by BIGINT REFERENCES users(id),
    UNIQUE (community_id, month)
);
